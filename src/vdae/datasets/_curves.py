"""Numerical machinery for smooth parametrised curves: arc length and nearest points.

Used by the manifolds whose nearest-point problem has no closed form (the 3-D loop and the
cross-section of the rolled sheet). Arc length is tabulated by composite Simpson quadrature on
a fine grid; nearest points are found by a k-d tree on a dense grid of curve points followed by
a bracketed golden-section refinement of the squared distance, so the returned distances are
exact up to floating-point rounding (≈1e-12) rather than up to the grid spacing.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy.spatial import cKDTree

__all__ = ["ArcLengthCurve"]

_GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0


class ArcLengthCurve:
    """A smooth curve ``gamma: [t0, t1] -> R^k`` with arc-length tables and exact nearest points.

    Parameters
    ----------
    func : callable
        ``func(t)`` maps an array of shape (n,) to the curve points, shape (n, k).
    deriv : callable
        ``deriv(t)`` gives the velocity ``gamma'(t)``, shape (n, k).
    t0, t1 : float
        Parameter interval.
    closed : bool
        True if ``gamma(t0) == gamma(t1)`` and the curve is periodic with period ``t1 - t0``.
    n_table : int
        Number of Simpson intervals of the arc-length table.
    n_search : int
        Number of curve points in the k-d tree used to start the nearest-point search.
    """

    def __init__(
        self,
        func: Callable[[np.ndarray], np.ndarray],
        deriv: Callable[[np.ndarray], np.ndarray],
        t0: float,
        t1: float,
        *,
        closed: bool,
        n_table: int = 1 << 16,
        n_search: int = 1 << 15,
    ) -> None:
        self.func, self.deriv = func, deriv
        self.t0, self.t1, self.closed = float(t0), float(t1), bool(closed)
        t = np.linspace(self.t0, self.t1, n_table + 1)
        speed = np.linalg.norm(deriv(t), axis=1)
        speed_mid = np.linalg.norm(deriv(0.5 * (t[:-1] + t[1:])), axis=1)
        seg = (t[1] - t[0]) / 6.0 * (speed[:-1] + 4.0 * speed_mid + speed[1:])
        self._t_table = t
        self._s_table = np.concatenate([[0.0], np.cumsum(seg)])
        #: Total arc length of the curve.
        self.length = float(self._s_table[-1])
        self._t_grid = np.linspace(self.t0, self.t1, n_search, endpoint=not self.closed)
        self._step = (self.t1 - self.t0) / (n_search if self.closed else n_search - 1)
        self._tree = cKDTree(func(self._t_grid))

    # ------------------------------------------------------------------ reparametrisation
    def _wrap(self, t: np.ndarray) -> np.ndarray:
        if not self.closed:
            return np.clip(t, self.t0, self.t1)
        period = self.t1 - self.t0
        return self.t0 + np.mod(t - self.t0, period)

    def arc_length(self, t: np.ndarray) -> np.ndarray:
        """Arc length from ``gamma(t0)`` to ``gamma(t)`` (same units as the curve's coordinates)."""
        return np.interp(self._wrap(np.asarray(t, dtype=np.float64)), self._t_table, self._s_table)

    def parameter_at(self, s: np.ndarray) -> np.ndarray:
        """Curve parameter ``t`` at arc length ``s`` in ``[0, length]`` (inverse of arc_length)."""
        s = np.asarray(s, dtype=np.float64)
        if self.closed:
            s = np.mod(s, self.length)
        return np.interp(s, self._s_table, self._t_table)

    def sample_uniform(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n`` curve parameters uniformly with respect to arc length.

        Returns
        -------
        t : ndarray of shape (n,)
            Curve parameters, with density proportional to ``|gamma'(t)|``.
        s : ndarray of shape (n,)
            Their arc lengths, uniform on ``[0, length)``.
        """
        s = rng.uniform(0.0, self.length, size=n)
        return self.parameter_at(s), s

    # --------------------------------------------------------------------- nearest points
    def _sqdist(self, t: np.ndarray, P: np.ndarray) -> np.ndarray:
        diff = self.func(t) - P
        return np.einsum("ij,ij->i", diff, diff)

    def nearest(self, P: np.ndarray, n_iter: int = 48) -> tuple[np.ndarray, np.ndarray]:
        """Curve parameter and distance of the curve point nearest to each point of ``P``.

        Parameters
        ----------
        P : ndarray of shape (n, k)
            Points in the curve's space.
        n_iter : int
            Golden-section iterations; the bracket (two grid steps) shrinks by 0.618 each time.

        Returns
        -------
        t : ndarray of shape (n,)
            Parameter of the nearest curve point (wrapped into ``[t0, t1)`` for closed curves).
        dist : ndarray of shape (n,)
            Euclidean distance from ``P`` to the curve.
        """
        P = np.asarray(P, dtype=np.float64)
        if P.shape[0] == 0:
            return np.zeros(0), np.zeros(0)
        grid_d, idx = self._tree.query(P)
        t_grid = self._t_grid[idx]
        a, b = t_grid - self._step, t_grid + self._step
        if not self.closed:
            a, b = np.clip(a, self.t0, self.t1), np.clip(b, self.t0, self.t1)
        c, d = b - _GOLDEN * (b - a), a + _GOLDEN * (b - a)
        fc, fd = self._sqdist(c, P), self._sqdist(d, P)
        for _ in range(n_iter):
            left = fc < fd  # the minimum lies in [a, d]
            b = np.where(left, d, b)
            a = np.where(left, a, c)
            new_c, new_d = np.where(left, c, d), np.where(left, fc, fd)  # the kept interior point
            x = np.where(left, b - _GOLDEN * (b - a), a + _GOLDEN * (b - a))
            fx = self._sqdist(x, P)
            c = np.where(left, x, new_c)
            d = np.where(left, new_c, x)
            fc = np.where(left, fx, new_d)
            fd = np.where(left, new_d, fx)
        t_best = 0.5 * (a + b)
        d_best = np.sqrt(self._sqdist(t_best, P))
        better = d_best <= grid_d
        t = np.where(better, t_best, t_grid)
        dist = np.where(better, d_best, grid_d)
        return self._wrap(t), dist

    def max_pairwise_distance(self, n_points: int = 2048) -> float:
        """Largest Euclidean distance between two curve points (the curve's extrinsic diameter).

        Computed on ``n_points`` equally spaced parameters; the error is second order in the
        spacing because the maximum is a stationary point.
        """
        Y = self.func(np.linspace(self.t0, self.t1, n_points))
        best = 0.0
        for start in range(0, n_points, 512):
            block = Y[start : start + 512]
            d2 = (
                np.einsum("ij,ij->i", block, block)[:, None]
                + np.einsum("ij,ij->i", Y, Y)[None, :]
                - 2.0 * block @ Y.T
            )
            best = max(best, float(d2.max()))
        return float(np.sqrt(max(best, 0.0)))
