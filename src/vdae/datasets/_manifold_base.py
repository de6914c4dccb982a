"""The abstract :class:`Manifold` interface shared by the ground-truth manifolds."""

from __future__ import annotations

import abc
from typing import Any

import numpy as np

from .._validation import check_array, check_random_state
from ._checks import check_int

__all__ = ["Manifold", "TWO_PI"]

TWO_PI = 2.0 * np.pi


def _as_points(X: Any, dim: int) -> np.ndarray:
    X = check_array(X, "X", min_samples=0, dtype=np.float64, allow_1d_sample=True)
    if X.shape[1] != dim:
        raise ValueError(f"X must have shape (n, {dim}) for this manifold, got {X.shape}")
    return X


def _angle(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``atan2(y, x)`` wrapped into ``[0, 2 pi)``."""
    a = np.mod(np.arctan2(y, x), TWO_PI)
    return np.where(a >= TWO_PI, 0.0, a)  # mod can round up to 2 pi for tiny negative angles


class Manifold(abc.ABC):
    """A compact Riemannian manifold embedded in Euclidean space, with uniform sampling.

    Attributes
    ----------
    name : str
        Registry name (see :func:`vdae.datasets.get_manifold`).
    ambient_dim : int
        Dimension m of the embedding space R^m.
    intrinsic_dim : int
        Dimension d of the manifold.
    parameter_names : tuple of str
        Names of the intrinsic parameters returned by :meth:`parameters`.
    parameter_ranges : tuple of (float, float)
        ``(low, high)`` range of each parameter.
    diameter : float
        Extrinsic diameter: the largest Euclidean distance between two manifold points.
    """

    name: str
    ambient_dim: int
    intrinsic_dim: int
    parameter_names: tuple[str, ...]
    parameter_ranges: tuple[tuple[float, float], ...]
    diameter: float

    def sample(self, n: int, random_state: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n`` points uniformly with respect to the manifold's volume measure.

        Parameters
        ----------
        n : int
            Number of points, >= 1.
        random_state : None, int or numpy.random.Generator
            Seed or generator (see :func:`vdae._validation.check_random_state`).

        Returns
        -------
        X : ndarray of shape (n, ambient_dim), float32
            Points on the manifold.
        params : ndarray of shape (n, n_params), float64
            Their intrinsic parameters (see ``parameter_names``).
        """
        n = check_int(n, "n")
        rng = check_random_state(random_state)
        params = self._sample_params(n, rng)
        return self.embed(params).astype(np.float32), params

    @abc.abstractmethod
    def _sample_params(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Intrinsic parameters of ``n`` volume-uniform points, shape (n, n_params)."""

    @abc.abstractmethod
    def embed(self, params: Any) -> np.ndarray:
        """Map intrinsic parameters to manifold points.

        Parameters
        ----------
        params : array-like of shape (n, n_params)
            Intrinsic parameters (see ``parameter_names`` and ``parameter_ranges``).

        Returns
        -------
        ndarray of shape (n, ambient_dim), float64
            The manifold points.
        """

    @abc.abstractmethod
    def parameters(self, X: Any) -> np.ndarray:
        """Return the intrinsic parameters of the manifold point nearest to each row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n, ambient_dim)
            Points of the ambient space.

        Returns
        -------
        ndarray of shape (n, n_params), float64
            The parameters of the nearest manifold points.
        """

    def project(self, X: Any) -> np.ndarray:
        """Project each row of ``X`` onto the manifold (its nearest manifold point).

        Parameters
        ----------
        X : array-like of shape (n, ambient_dim)
            Points of the ambient space.

        Returns
        -------
        ndarray of shape (n, ambient_dim), float64
            The nearest manifold points.
        """
        return self.embed(self.parameters(X))

    def distance(self, X: Any) -> np.ndarray:
        """Compute the Euclidean distance of each row of ``X`` to the manifold.

        Parameters
        ----------
        X : array-like of shape (n, ambient_dim)
            Points of the ambient space.

        Returns
        -------
        ndarray of shape (n,), float64
            Distances, in the units of the ambient coordinates.
        """
        X = _as_points(X, self.ambient_dim)
        return np.linalg.norm(X - self.project(X), axis=1)

    def _check_params(self, params: Any) -> np.ndarray:
        k = len(self.parameter_names)
        p = check_array(params, "params", min_samples=0, dtype=np.float64,
                        allow_1d_features=k == 1)
        if p.shape[1] != k:
            raise ValueError(f"params must have shape (n, {k}) for the {self.name}, got {p.shape}")
        return p

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(name={self.name!r}, intrinsic_dim={self.intrinsic_dim}, "
            f"ambient_dim={self.ambient_dim})"
        )
