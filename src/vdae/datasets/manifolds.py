"""Ground-truth manifolds of the synthetic data sets.

Each :class:`Manifold` draws points uniformly with respect to its Riemannian volume (arc
length, surface area), gives the exact Euclidean distance of arbitrary ambient points to the
manifold, and the intrinsic parameters of their nearest manifold points. Closed forms are used
for the circle, sphere, torus, flat torus and strip; the loop and the rolled sheet use the
k-d-tree + golden-section nearest-point search of :mod:`vdae.datasets._curves`, exact up to
rounding.

Parameters are chosen, where possible, to be uniform under the volume measure, so that a
Kolmogorov–Smirnov test against ``parameter_ranges`` checks uniform sampling: the circle's
angle, the loop's arc length, the sphere's height and azimuth (Archimedes), the flat torus'
angles, the strip's coordinates, the rolled sheet's arc length and height. The torus of
revolution is the exception: its tube angle ``v`` has density ``(R + r cos v) / (2 pi R)``
(see :meth:`Torus.tube_angle_cdf`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_random_state
from ._checks import check_int, check_real
from ._curved import Loop, RolledSheet
from ._manifold_base import TWO_PI, Manifold, _angle, _as_points

__all__ = [
    "Manifold",
    "Circle",
    "Loop",
    "Sphere",
    "Torus",
    "FlatTorus",
    "Strip",
    "RolledSheet",
    "CircleUnion",
]


class Circle(Manifold):
    """The unit circle in R^2; parameter: angle ``theta`` in [0, 2 pi) (radians)."""

    name, ambient_dim, intrinsic_dim = "circle", 2, 1
    parameter_names = ("theta",)
    parameter_ranges = ((0.0, TWO_PI),)
    diameter = 2.0

    def _sample_params(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(0.0, TWO_PI, size=(n, 1))

    def embed(self, params: Any) -> np.ndarray:
        t = self._check_params(params)[:, 0]
        return np.c_[np.cos(t), np.sin(t)]

    def parameters(self, X: Any) -> np.ndarray:
        X = _as_points(X, 2)
        return _angle(X[:, 1], X[:, 0])[:, None]

    def distance(self, X: Any) -> np.ndarray:
        return np.abs(np.linalg.norm(_as_points(X, 2), axis=1) - 1.0)


class Sphere(Manifold):
    """The unit sphere S^2 in R^3; parameters: height ``z`` in [-1, 1], azimuth ``phi`` (radians).

    By Archimedes' hat-box theorem both are uniform under the surface measure. Sampling
    normalises standard Gaussian vectors.
    """

    name, ambient_dim, intrinsic_dim = "sphere", 3, 2
    parameter_names = ("z", "phi")
    parameter_ranges = ((-1.0, 1.0), (0.0, TWO_PI))
    diameter = 2.0

    def sample(self, n: int, random_state: Any = None) -> tuple[np.ndarray, np.ndarray]:
        n = check_int(n, "n")
        rng = check_random_state(random_state)
        G = rng.standard_normal((n, 3))
        norms = np.linalg.norm(G, axis=1)
        while np.any(norms < 1e-12):  # probability zero, kept for exactness
            bad = norms < 1e-12
            G[bad] = rng.standard_normal((int(bad.sum()), 3))
            norms = np.linalg.norm(G, axis=1)
        X = G / norms[:, None]
        return X.astype(np.float32), self.parameters(X)

    def _sample_params(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return np.c_[rng.uniform(-1.0, 1.0, n), rng.uniform(0.0, TWO_PI, n)]

    def embed(self, params: Any) -> np.ndarray:
        p = self._check_params(params)
        z, phi = np.clip(p[:, 0], -1.0, 1.0), p[:, 1]
        rho = np.sqrt(1.0 - z**2)
        return np.c_[rho * np.cos(phi), rho * np.sin(phi), z]

    def parameters(self, X: Any) -> np.ndarray:
        X = _as_points(X, 3)
        norm = np.linalg.norm(X, axis=1)
        z = np.where(norm > 0, X[:, 2] / np.where(norm > 0, norm, 1.0), 1.0)
        return np.c_[np.clip(z, -1.0, 1.0), _angle(X[:, 1], X[:, 0])]

    def distance(self, X: Any) -> np.ndarray:
        return np.abs(np.linalg.norm(_as_points(X, 3), axis=1) - 1.0)


class Torus(Manifold):
    """The torus of revolution with tube centre radius ``R`` and tube radius ``r`` in R^3.

    ``(u, v) -> ((R + r cos v) cos u, (R + r cos v) sin u, r sin v)``, both angles in
    [0, 2 pi) (radians). Under the surface measure ``u`` is uniform and ``v`` has density
    ``(R + r cos v) / (2 pi R)``; sampling draws ``v`` exactly by rejection.

    Parameters
    ----------
    R : float, default=2.0
        Distance from the axis to the tube's centre line.
    r : float, default=1.0
        Tube radius, 0 < r < R.
    """

    name, ambient_dim, intrinsic_dim = "torus", 3, 2
    parameter_names = ("u", "v")
    parameter_ranges = ((0.0, TWO_PI), (0.0, TWO_PI))

    def __init__(self, R: float = 2.0, r: float = 1.0) -> None:
        self.R = check_real(R, "R", low=0.0, strict=True)
        self.r = check_real(r, "r", low=0.0, strict=True)
        if self.r >= self.R:
            raise ValueError(f"r must be smaller than R (a ring torus), got R={R!r}, r={r!r}")
        self.diameter = 2.0 * (self.R + self.r)

    def tube_angle_cdf(self, v: Any) -> np.ndarray:
        """Evaluate the cumulative distribution function of the tube angle (area measure).

        Parameters
        ----------
        v : array-like of float
            Tube angles in [0, 2 pi], radians.

        Returns
        -------
        ndarray of float64, shape like ``v``
            The CDF values, in [0, 1].
        """
        v = np.asarray(v, dtype=np.float64)
        return (self.R * v + self.r * np.sin(v)) / (TWO_PI * self.R)

    def _sample_params(self, n: int, rng: np.random.Generator) -> np.ndarray:
        u = rng.uniform(0.0, TWO_PI, n)
        v = np.empty(n)
        filled = 0
        while filled < n:  # accept v with probability (R + r cos v) / (R + r)
            m = int(1.2 * (n - filled) * (self.R + self.r) / self.R) + 16
            cand = rng.uniform(0.0, TWO_PI, m)
            keep = cand[rng.uniform(0.0, self.R + self.r, m) < self.R + self.r * np.cos(cand)]
            take = min(n - filled, keep.size)
            v[filled : filled + take] = keep[:take]
            filled += take
        return np.c_[u, v]

    def embed(self, params: Any) -> np.ndarray:
        p = self._check_params(params)
        u, v = p[:, 0], p[:, 1]
        rho = self.R + self.r * np.cos(v)
        return np.c_[rho * np.cos(u), rho * np.sin(u), self.r * np.sin(v)]

    def normal(self, params: Any) -> np.ndarray:
        """Return the outward unit normal at the points with parameters ``(u, v)``.

        Parameters
        ----------
        params : array-like of shape (n, 2)
            The angles (u, v), in radians.

        Returns
        -------
        ndarray of shape (n, 3), float64
            Unit normals.
        """
        p = self._check_params(params)
        u, v = p[:, 0], p[:, 1]
        return np.c_[np.cos(v) * np.cos(u), np.cos(v) * np.sin(u), np.sin(v)]

    def parameters(self, X: Any) -> np.ndarray:
        X = _as_points(X, 3)
        rho = np.hypot(X[:, 0], X[:, 1])
        return np.c_[_angle(X[:, 1], X[:, 0]), _angle(X[:, 2], rho - self.R)]

    def distance(self, X: Any) -> np.ndarray:
        X = _as_points(X, 3)
        rho = np.hypot(X[:, 0], X[:, 1])
        return np.abs(np.hypot(rho - self.R, X[:, 2]) - self.r)


class FlatTorus(Manifold):
    """The flat torus S^1 x S^1 in R^4: ``(u, v) -> (cos u, sin u, cos v, sin v)``.

    It is intrinsically flat, so both angles (radians, in [0, 2 pi)) are uniform under its
    area measure. Its extrinsic diameter is ``2 sqrt(2)``.
    """

    name, ambient_dim, intrinsic_dim = "flat_torus", 4, 2
    parameter_names = ("u", "v")
    parameter_ranges = ((0.0, TWO_PI), (0.0, TWO_PI))
    diameter = float(2.0 * np.sqrt(2.0))

    def _sample_params(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(0.0, TWO_PI, size=(n, 2))

    def embed(self, params: Any) -> np.ndarray:
        p = self._check_params(params)
        return np.c_[np.cos(p[:, 0]), np.sin(p[:, 0]), np.cos(p[:, 1]), np.sin(p[:, 1])]

    def parameters(self, X: Any) -> np.ndarray:
        X = _as_points(X, 4)
        return np.c_[_angle(X[:, 1], X[:, 0]), _angle(X[:, 3], X[:, 2])]

    def distance(self, X: Any) -> np.ndarray:
        X = _as_points(X, 4)
        a = np.hypot(X[:, 0], X[:, 1]) - 1.0
        b = np.hypot(X[:, 2], X[:, 3]) - 1.0
        return np.hypot(a, b)


class Strip(Manifold):
    """The flat rectangle ``[0, length] x [0, 1]`` in R^2; parameters: its coordinates ``(x, y)``.

    Parameters
    ----------
    length : float, default=4.0
        Length of the long side (the short side is 1).
    """

    name, ambient_dim, intrinsic_dim = "strip", 2, 2
    parameter_names = ("x", "y")

    def __init__(self, length: float = 4.0) -> None:
        self.length = check_real(length, "length", low=0.0, strict=True)
        self.parameter_ranges = ((0.0, self.length), (0.0, 1.0))
        self.diameter = float(np.hypot(self.length, 1.0))

    def _sample_params(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return np.c_[rng.uniform(0.0, self.length, n), rng.uniform(0.0, 1.0, n)]

    def embed(self, params: Any) -> np.ndarray:
        return self._check_params(params).copy()

    def parameters(self, X: Any) -> np.ndarray:
        X = _as_points(X, 2)
        return np.c_[np.clip(X[:, 0], 0.0, self.length), np.clip(X[:, 1], 0.0, 1.0)]

    def distance(self, X: Any) -> np.ndarray:
        X = _as_points(X, 2)
        dx = np.maximum(np.maximum(-X[:, 0], X[:, 0] - self.length), 0.0)
        dy = np.maximum(np.maximum(-X[:, 1], X[:, 1] - 1.0), 0.0)
        return np.hypot(dx, dy)


class CircleUnion(Manifold):
    """Disjoint circles of equal radius in R^2 (the "clusters" data): a disconnected 1-manifold.

    Circle ``k`` has centre ``(spacing * (k - (n_circles - 1) / 2), 0)``. The parameter of a point
    is its angle ``theta`` in [0, 2 pi) (radians) on its own circle; :meth:`components` gives which
    circle. The volume measure is uniform over the union, i.e. each circle has equal mass.

    Parameters
    ----------
    n_circles : int, default=2
        Number of circles, >= 1.
    radius : float, default=1.0
        Radius of every circle.
    spacing : float, default=4.0
        Distance between consecutive centres; must exceed ``2 * radius`` (disjoint circles).
    """

    name, ambient_dim, intrinsic_dim = "clusters", 2, 1
    parameter_names = ("theta",)
    parameter_ranges = ((0.0, TWO_PI),)

    def __init__(self, n_circles: int = 2, radius: float = 1.0, spacing: float = 4.0) -> None:
        self.n_circles = check_int(n_circles, "n_clusters")
        self.radius = check_real(radius, "radius", low=0.0, strict=True)
        self.spacing = check_real(spacing, "spacing", low=0.0, strict=True)
        if self.spacing <= 2.0 * self.radius:
            raise ValueError(
                f"spacing must exceed 2 * radius so that the circles are disjoint, got "
                f"spacing={spacing!r}, radius={radius!r}"
            )
        offsets = self.spacing * (np.arange(self.n_circles) - (self.n_circles - 1) / 2.0)
        #: Circle centres, shape (n_circles, 2).
        self.centres = np.c_[offsets, np.zeros(self.n_circles)]
        self.diameter = float(self.spacing * (self.n_circles - 1) + 2.0 * self.radius)

    def sample(self, n: int, random_state: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n`` points, the same number (±1) on each circle, uniformly in angle, shuffled.

        Parameters
        ----------
        n : int
            Number of points, >= 1.
        random_state : None, int or numpy.random.Generator, default=None
            Seed or generator.

        Returns
        -------
        X : ndarray of shape (n, 2), float32
            The points.
        params : ndarray of shape (n, 1), float64
            Angle on the point's circle; the circle is ``components(X)``.
        """
        X, params, _ = self.sample_with_components(n, random_state)
        return X, params

    def sample_with_components(
        self, n: int, random_state: Any = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Draw points as :meth:`sample` does, also returning the circle of each point.

        Parameters
        ----------
        n : int
            Number of points, >= 1.
        random_state : None, int or numpy.random.Generator, default=None
            Seed or generator.

        Returns
        -------
        X : ndarray of shape (n, 2), float32
            The points.
        params : ndarray of shape (n, 1), float64
            Angle of each point on its circle.
        components : ndarray of shape (n,), int64
            The circle index of each point.
        """
        n = check_int(n, "n")
        rng = check_random_state(random_state)
        comp = rng.permutation(np.arange(n) % self.n_circles).astype(np.int64)
        theta = self._sample_params(n, rng)
        return self.embed(theta, comp).astype(np.float32), theta, comp

    def _sample_params(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(0.0, TWO_PI, size=(n, 1))

    def embed(self, params: Any, components: Any = None) -> np.ndarray:
        """Map angles on given circles to points of the plane.

        Parameters
        ----------
        params : array-like of shape (n, 1)
            Angles on each point's circle, in radians.
        components : array-like of int, shape (n,), or None, default=None
            The circle of each point; required when there is more than one circle.

        Returns
        -------
        ndarray of shape (n, 2), float64
            The points.
        """
        t = self._check_params(params)[:, 0]
        if components is None:
            if self.n_circles != 1:
                raise ValueError("components (the circle index of each point) is required")
            components = np.zeros(t.shape[0], dtype=np.int64)
        comp = np.asarray(components)
        if comp.shape != t.shape or not np.issubdtype(comp.dtype, np.integer):
            raise ValueError(f"components must be {t.shape[0]} ints, got {comp.shape} {comp.dtype}")
        if comp.size and (comp.min() < 0 or comp.max() >= self.n_circles):
            raise ValueError(f"components must lie in 0..{self.n_circles - 1}")
        return self.centres[comp] + self.radius * np.c_[np.cos(t), np.sin(t)]

    def _radial(self, X: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        X = _as_points(X, 2)
        rel = X[:, None, :] - self.centres[None, :, :]
        d_all = np.abs(np.linalg.norm(rel, axis=2) - self.radius)
        comp = np.argmin(d_all, axis=1)
        return rel[np.arange(X.shape[0]), comp], comp, d_all[np.arange(X.shape[0]), comp]

    def components(self, X: Any) -> np.ndarray:
        """Return the index of the circle nearest to each row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n, 2)
            Points of the plane.

        Returns
        -------
        ndarray of shape (n,), int64
            Circle indices in 0..n_circles - 1.
        """
        return self._radial(X)[1].astype(np.int64)

    def parameters(self, X: Any) -> np.ndarray:
        rel, _, _ = self._radial(X)
        return _angle(rel[:, 1], rel[:, 0])[:, None]

    def project(self, X: Any) -> np.ndarray:
        rel, comp, _ = self._radial(X)
        return self.embed(_angle(rel[:, 1], rel[:, 0])[:, None], comp)

    def distance(self, X: Any) -> np.ndarray:
        return self._radial(X)[2]

    def __repr__(self) -> str:
        return (
            f"CircleUnion(n_circles={self.n_circles}, radius={self.radius:g}, "
            f"spacing={self.spacing:g})"
        )
