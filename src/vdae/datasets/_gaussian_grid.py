"""The 5 x 5 Gaussian grid of Azadi et al. (2018) and its mode-coverage helper (paper, Fig. 6).

Not a manifold: 25 equally weighted isotropic Gaussians centred at ``(i - 2, j - 2)``.
:func:`grid_mode_assignment` labels points by the mode they fall into, or -1 in the gaps, for
the "fraction of samples in the gaps / modes covered" comparison.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_array, check_random_state
from ._checks import check_int, check_real
from ._dataset import Dataset

__all__ = ["gaussian_grid_centres", "make_gaussian_grid", "grid_mode_assignment"]


def gaussian_grid_centres() -> np.ndarray:
    """Return the centres of the 5 x 5 Gaussian grid: ``(i - 2, j - 2)`` for i, j in 0..4.

    Returns
    -------
    ndarray of shape (25, 2), float64
        Mode ``k = 5 i + j`` is centred at ``(i - 2, j - 2)``.

    Examples
    --------
    >>> from vdae.datasets import gaussian_grid_centres
    >>> gaussian_grid_centres()[[0, 12, 24]]
    array([[-2., -2.],
           [ 0.,  0.],
           [ 2.,  2.]])
    """
    i, j = np.divmod(np.arange(25), 5)
    return np.c_[i - 2.0, j - 2.0]


def make_gaussian_grid(
    n_samples: int = 2000,
    *,
    std: float = 0.1,
    noise: float = 0.0,
    random_state: Any = None,
) -> Dataset:
    """The 5 x 5 grid of 25 equally weighted isotropic Gaussians (Azadi et al. 2018, Fig. 6).

    Each point picks a mode uniformly at random (an i.i.d. sample of the mixture) and is drawn
    from ``N(centre, std^2 I_2)``. Not a manifold: ``manifold`` is None.

    Parameters
    ----------
    n_samples : int, default=2000
        Number of points.
    std : float, default=0.1
        Standard deviation of each Gaussian.
    noise : float, default=0.0
        Extra isotropic Gaussian noise added to every point.
    random_state : None, int or numpy.random.Generator
        Seed or generator.

    Returns
    -------
    Dataset
        ``X`` float32 (n_samples, 2); ``y`` int64 mode index 0..24 (see
        :func:`gaussian_grid_centres`); ``params`` None; ``manifold`` None.

    Examples
    --------
    >>> from vdae.datasets import make_gaussian_grid
    >>> data = make_gaussian_grid(100, random_state=0)
    >>> data.X.shape, int(data.y.max()) <= 24
    ((100, 2), True)
    """
    n = check_int(n_samples, "n_samples")
    std = check_real(std, "std", low=0.0, strict=True)
    noise = check_real(noise, "noise", low=0.0)
    rng = check_random_state(random_state)
    y = rng.integers(0, 25, size=n)
    X = gaussian_grid_centres()[y] + std * rng.standard_normal((n, 2))
    if noise > 0:
        X = X + noise * rng.standard_normal((n, 2))
    return Dataset(
        X=X.astype(np.float32),
        y=y.astype(np.int64),
        name="gaussian_grid",
        description=(
            f"{n} points of the equal-weight mixture of 25 isotropic Gaussians (std {std:g}) "
            f"centred at (i-2, j-2), i, j in 0..4, plus noise of std {noise:g}; y = mode 5i+j."
        ),
    )


def grid_mode_assignment(X: Any, std: float = 0.1, n_std: float = 3.0) -> np.ndarray:
    """Which Gaussian-grid mode each point belongs to, or -1 for points in the gaps.

    A point belongs to the mode whose centre is nearest if it lies within ``n_std * std`` of
    it (Euclidean distance), else to no mode. For a 2-D isotropic Gaussian the fraction within
    ``k`` standard deviations is ``1 - exp(-k^2 / 2)``: 98.89 % for ``k = 3``.

    Parameters
    ----------
    X : array-like of shape (n, 2)
        Points (e.g. generated samples).
    std : float, default=0.1
        Standard deviation of the grid's Gaussians.
    n_std : float, default=3.0
        Radius of a mode, in standard deviations.

    Returns
    -------
    ndarray of shape (n,), int64
        Mode index 0..24 (``5 i + j`` for centre ``(i - 2, j - 2)``) or -1.

    Examples
    --------
    >>> import numpy as np
    >>> from vdae.datasets import grid_mode_assignment
    >>> grid_mode_assignment(np.array([[-2.0, -2.0], [0.05, 0.0], [0.5, 0.5]]))
    array([ 0, 12, -1])
    """
    std = check_real(std, "std", low=0.0, strict=True)
    n_std = check_real(n_std, "n_std", low=0.0, strict=True)
    X = check_array(X, "X", min_samples=0, dtype=np.float64)
    if X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2), got {X.shape}")
    centres = gaussian_grid_centres()
    d2 = ((X[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    nearest = np.argmin(d2, axis=1)
    inside = d2[np.arange(X.shape[0]), nearest] <= (n_std * std) ** 2
    return np.where(inside, nearest, -1).astype(np.int64)
