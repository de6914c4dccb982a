"""Manifolds whose nearest-point problem has no closed form: the 3-D loop and the rolled sheet.

Both rely on :class:`vdae.datasets._curves.ArcLengthCurve` (k-d tree on a dense grid of 32 768
curve points, then a golden-section refinement), so distances are exact up to rounding.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import check_int, check_real
from ._curves import ArcLengthCurve
from ._manifold_base import TWO_PI, Manifold, _as_points

__all__ = ["Loop", "RolledSheet"]


class Loop(Manifold):
    """The closed space curve ``gamma(t) = (cos t, sin 2t, sin 3t)`` in R^3 (Fig. 2 of the paper).

    The curve is simple (it does not cross itself). Its parameter is the arc length ``s`` in
    ``[0, length)`` measured from ``gamma(0) = (1, 0, 0)`` (length ≈ 15.96), which is uniform
    under the curve's volume measure; :meth:`curve_parameter` converts it to ``t``. The
    extrinsic diameter (≈ 2.696) is the largest distance over 2048 equally spaced curve points
    (relative error ~1e-6).
    """

    name, ambient_dim, intrinsic_dim = "loop", 3, 1
    parameter_names = ("arc_length",)

    def __init__(self) -> None:
        self._curve = ArcLengthCurve(self.gamma, self.velocity, 0.0, TWO_PI, closed=True)
        self.length = self._curve.length
        self.parameter_ranges = ((0.0, self.length),)
        self.diameter = self._curve.max_pairwise_distance()

    @staticmethod
    def gamma(t: np.ndarray) -> np.ndarray:
        """Return the curve points ``(cos t, sin 2t, sin 3t)``.

        Parameters
        ----------
        t : array-like of shape (n,)
            Curve parameters, in radians.

        Returns
        -------
        ndarray of shape (n, 3), float64
            The points.
        """
        t = np.asarray(t, dtype=np.float64)
        return np.c_[np.cos(t), np.sin(2 * t), np.sin(3 * t)]

    @staticmethod
    def velocity(t: np.ndarray) -> np.ndarray:
        """Return the velocity ``gamma'(t) = (-sin t, 2 cos 2t, 3 cos 3t)``.

        Parameters
        ----------
        t : array-like of shape (n,)
            Curve parameters, in radians.

        Returns
        -------
        ndarray of shape (n, 3), float64
            The velocities.
        """
        t = np.asarray(t, dtype=np.float64)
        return np.c_[-np.sin(t), 2 * np.cos(2 * t), 3 * np.cos(3 * t)]

    def curve_parameter(self, s: Any) -> np.ndarray:
        """Return the curve parameter ``t`` in [0, 2 pi) at arc length ``s``.

        Parameters
        ----------
        s : array-like of float
            Arc lengths from ``gamma(0)``.

        Returns
        -------
        ndarray of float64, shape like ``s``
            The parameters t.
        """
        return self._curve.parameter_at(s)

    def arc_length(self, t: Any) -> np.ndarray:
        """Return the arc length from ``gamma(0)`` to ``gamma(t)``.

        Parameters
        ----------
        t : array-like of float
            Curve parameters, in radians.

        Returns
        -------
        ndarray of float64, shape like ``t``
            The arc lengths.
        """
        return self._curve.arc_length(t)

    def _sample_params(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(0.0, self.length, size=(n, 1))

    def embed(self, params: Any) -> np.ndarray:
        return self.gamma(self.curve_parameter(self._check_params(params)[:, 0]))

    def parameters(self, X: Any) -> np.ndarray:
        t, _ = self._curve.nearest(_as_points(X, 3))
        return self.arc_length(t)[:, None]

    def distance(self, X: Any) -> np.ndarray:
        return self._curve.nearest(_as_points(X, 3))[1]


class RolledSheet(Manifold):
    """A rolled 2-D sheet (a "Swiss roll" made of a spiral) isometrically embedded in R^m.

    In a 3-D frame the sheet is ``{(c(theta), h)}`` with the Archimedean spiral
    ``c(theta) = theta (cos theta, sin theta) / (2 pi)``, ``theta`` in [1.5 pi, 4.5 pi] (radii
    0.75 to 2.25, consecutive turns 1 apart) and height ``h`` in [0, height]. It is developable, so
    its parameters, the arc length ``s`` along the spiral and ``h``, are exact isometric
    coordinates, uniform under the area measure. The 3-D frame is mapped into R^m by a fixed
    matrix ``Q`` (m x 3) with orthonormal columns, drawn from a constant seed, which preserves all
    distances.

    Parameters
    ----------
    ambient_dim : int, default=10
        Dimension m >= 3 of the embedding space (e.g. 10 or 784).
    height : float, default=4.0
        Height of the sheet (the spiral is ≈ 14.14 long).
    seed : int, default=0
        Seed of the random orthonormal frame ``Q``.
    """

    name, intrinsic_dim = "embedded", 2
    parameter_names = ("arc_length", "height")
    _THETA = (1.5 * np.pi, 4.5 * np.pi)

    def __init__(self, ambient_dim: int = 10, height: float = 4.0, seed: int = 0) -> None:
        self.ambient_dim = check_int(ambient_dim, "ambient_dim", minimum=3)
        self.height = check_real(height, "height", low=0.0, strict=True)
        self.seed = check_int(seed, "seed", minimum=0)
        G = np.random.default_rng(self.seed).standard_normal((self.ambient_dim, 3))
        Q, Rm = np.linalg.qr(G)
        self.frame = Q * np.sign(np.diag(Rm))  # unique QR: positive diagonal
        self._curve = ArcLengthCurve(self.spiral, self._spiral_velocity, *self._THETA, closed=False)
        self.length = self._curve.length
        self.parameter_ranges = ((0.0, self.length), (0.0, self.height))
        self.diameter = float(np.hypot(self._curve.max_pairwise_distance(), self.height))

    @staticmethod
    def spiral(theta: np.ndarray) -> np.ndarray:
        """Return points of the cross-section spiral ``theta (cos theta, sin theta) / (2 pi)``.

        Parameters
        ----------
        theta : array-like of shape (n,)
            Spiral angles, in radians.

        Returns
        -------
        ndarray of shape (n, 2), float64
            The spiral's points.
        """
        theta = np.asarray(theta, dtype=np.float64)
        return np.c_[theta * np.cos(theta), theta * np.sin(theta)] / TWO_PI

    @staticmethod
    def _spiral_velocity(theta: np.ndarray) -> np.ndarray:
        c, s = np.cos(theta), np.sin(theta)
        return np.c_[c - theta * s, s + theta * c] / TWO_PI

    def _sample_params(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return np.c_[rng.uniform(0.0, self.length, n), rng.uniform(0.0, self.height, n)]

    def embed_3d(self, params: Any) -> np.ndarray:
        """Map parameters to the sheet in its 3-D frame, before the map into R^m.

        Parameters
        ----------
        params : array-like of shape (n, 2)
            Intrinsic parameters (arc length along the spiral, height).

        Returns
        -------
        ndarray of shape (n, 3), float64
            The points in the 3-D frame.
        """
        p = self._check_params(params)
        c = self.spiral(self._curve.parameter_at(np.clip(p[:, 0], 0.0, self.length)))
        return np.c_[c, p[:, 1]]

    def embed(self, params: Any) -> np.ndarray:
        return self.embed_3d(params) @ self.frame.T

    def _split(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        X = _as_points(X, self.ambient_dim)
        local = X @ self.frame
        off = np.linalg.norm(X - local @ self.frame.T, axis=1)
        return local, off

    def parameters(self, X: Any) -> np.ndarray:
        local, _ = self._split(X)
        theta, _ = self._curve.nearest(local[:, :2])
        return np.c_[self._curve.arc_length(theta), np.clip(local[:, 2], 0.0, self.height)]

    def distance(self, X: Any) -> np.ndarray:
        local, off = self._split(X)
        _, d_curve = self._curve.nearest(local[:, :2])
        h = local[:, 2]
        d_h = np.maximum(np.maximum(-h, h - self.height), 0.0)
        return np.sqrt(off**2 + d_curve**2 + d_h**2)

    def __repr__(self) -> str:
        return (
            f"RolledSheet(ambient_dim={self.ambient_dim}, height={self.height:g}, "
            f"seed={self.seed})"
        )
