"""Generators of the synthetic data sets: points on known manifolds, a Gaussian grid, clusters.

Every generator has the signature ``make_NAME(n_samples=2000, ..., *, noise=0.0,
random_state=None) -> Dataset``. Manifold points are drawn uniformly with respect to the
manifold's volume measure (see :mod:`vdae.datasets.manifolds`); ``noise`` is the standard
deviation of isotropic Gaussian noise added in the ambient space afterwards. ``params`` always
holds the noise-free intrinsic parameters and ``manifold`` the exact ground truth.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from .._validation import check_random_state
from ._checks import check_int, check_real
from ._dataset import Dataset
from ._gaussian_grid import gaussian_grid_centres, grid_mode_assignment, make_gaussian_grid
from .manifolds import (
    Circle,
    CircleUnion,
    FlatTorus,
    Loop,
    Manifold,
    RolledSheet,
    Sphere,
    Strip,
    Torus,
)

__all__ = [
    "make_circle",
    "make_loop",
    "make_sphere",
    "make_torus",
    "make_flat_torus",
    "make_strip",
    "make_embedded_manifold",
    "make_gaussian_grid",
    "make_clusters",
    "gaussian_grid_centres",
    "grid_mode_assignment",
]


@lru_cache(maxsize=None)
def _loop() -> Loop:  # its arc-length table and diameter take ~0.1 s: build once
    return Loop()


@lru_cache(maxsize=16)
def _sheet(ambient_dim: int, height: float, seed: int = 0) -> RolledSheet:
    return RolledSheet(ambient_dim=ambient_dim, height=height, seed=seed)


def _from_manifold(
    manifold: Manifold, n_samples: Any, noise: Any, random_state: Any, what: str
) -> Dataset:
    n = check_int(n_samples, "n_samples")
    noise = check_real(noise, "noise", low=0.0)
    rng = check_random_state(random_state)
    X, params = manifold.sample(n, rng)
    if noise > 0:
        X = (X + noise * rng.standard_normal(X.shape)).astype(np.float32)
    return Dataset(
        X=X,
        params=params,
        name=manifold.name,
        description=(
            f"{n} points drawn uniformly (w.r.t. the volume measure) from {what}, plus isotropic "
            f"Gaussian noise of standard deviation {noise:g} in R^{manifold.ambient_dim}; params "
            f"= noise-free {', '.join(manifold.parameter_names)}."
        ),
        manifold=manifold,
    )


def make_circle(n_samples: int = 2000, *, noise: float = 0.0, random_state: Any = None) -> Dataset:
    """Draw points on the unit circle in R^2, uniform in angle.

    Parameters
    ----------
    n_samples : int, default=2000
        Number of points.
    noise : float, default=0.0
        Standard deviation of isotropic Gaussian noise added in R^2.
    random_state : None, int or numpy.random.Generator
        Seed or generator.

    Returns
    -------
    Dataset
        ``X`` float32 of shape (n_samples, 2); ``params`` float64 of shape (n_samples, 1)
        (angle theta in [0, 2 pi)); ``y`` None; ``manifold`` the exact
        :class:`~vdae.datasets.manifolds.Circle`.

    Examples
    --------
    >>> from vdae.datasets import make_circle
    >>> data = make_circle(100, random_state=0)
    >>> data.X.shape
    (100, 2)
    """
    return _from_manifold(Circle(), n_samples, noise, random_state, "the unit circle in R^2")


def make_loop(n_samples: int = 2000, *, noise: float = 0.0, random_state: Any = None) -> Dataset:
    """Draw points on the loop ``(cos t, sin 2t, sin 3t)`` (Fig. 2), uniform in arc length.

    ``t`` is drawn with density proportional to ``|gamma'(t)|`` by inverting a fine cumulative
    arc-length table (65 536 Simpson intervals).

    Parameters
    ----------
    n_samples : int, default=2000
        Number of points.
    noise : float, default=0.0
        Standard deviation of isotropic Gaussian noise added in R^3.
    random_state : None, int or numpy.random.Generator
        Seed or generator.

    Returns
    -------
    Dataset
        ``X`` float32 of shape (n_samples, 3); ``params`` float64 of shape (n_samples, 1)
        (arc length in [0, 15.96)); ``y`` None; ``manifold`` the exact
        :class:`~vdae.datasets.manifolds.Loop`.

    Examples
    --------
    >>> from vdae.datasets import make_loop
    >>> data = make_loop(100, random_state=0)
    >>> data.X.shape
    (100, 3)
    """
    return _from_manifold(
        _loop(), n_samples, noise, random_state, "the loop (cos t, sin 2t, sin 3t) in R^3"
    )


def make_sphere(n_samples: int = 2000, *, noise: float = 0.0, random_state: Any = None) -> Dataset:
    """Draw points on the unit sphere S^2 in R^3, uniform in area (normalised Gaussian vectors).

    Parameters
    ----------
    n_samples : int, default=2000
        Number of points.
    noise : float, default=0.0
        Standard deviation of isotropic Gaussian noise added in R^3.
    random_state : None, int or numpy.random.Generator
        Seed or generator.

    Returns
    -------
    Dataset
        ``X`` float32 of shape (n_samples, 3); ``params`` float64 of shape (n_samples, 2)
        (height z in [-1, 1], azimuth phi in [0, 2 pi)); ``y`` None; ``manifold`` the exact
        :class:`~vdae.datasets.manifolds.Sphere`.

    Examples
    --------
    >>> from vdae.datasets import make_sphere
    >>> data = make_sphere(100, random_state=0)
    >>> data.X.shape
    (100, 3)
    """
    return _from_manifold(Sphere(), n_samples, noise, random_state, "the unit sphere S^2 in R^3")


def make_torus(n_samples: int = 2000, *, noise: float = 0.0, random_state: Any = None) -> Dataset:
    """Draw points on the torus of revolution with radii R = 2, r = 1 in R^3, uniform in area.

    The tube angle is drawn by rejection sampling from its exact density
    ``(R + r cos v) / (2 pi R)``.

    Parameters
    ----------
    n_samples : int, default=2000
        Number of points.
    noise : float, default=0.0
        Standard deviation of isotropic Gaussian noise added in R^3.
    random_state : None, int or numpy.random.Generator
        Seed or generator.

    Returns
    -------
    Dataset
        ``X`` float32 of shape (n_samples, 3); ``params`` float64 of shape (n_samples, 2)
        (angles u, v in [0, 2 pi)); ``y`` None; ``manifold`` the exact
        :class:`~vdae.datasets.manifolds.Torus`.

    Examples
    --------
    >>> from vdae.datasets import make_torus
    >>> data = make_torus(100, random_state=0)
    >>> data.X.shape
    (100, 3)
    """
    return _from_manifold(
        Torus(2.0, 1.0), n_samples, noise, random_state, "the torus with radii R=2, r=1 in R^3"
    )


def make_flat_torus(
    n_samples: int = 2000, *, noise: float = 0.0, random_state: Any = None
) -> Dataset:
    """Draw points on the flat torus ``(cos u, sin u, cos v, sin v)``, uniform in both angles.

    Parameters
    ----------
    n_samples : int, default=2000
        Number of points.
    noise : float, default=0.0
        Standard deviation of isotropic Gaussian noise added in R^4.
    random_state : None, int or numpy.random.Generator
        Seed or generator.

    Returns
    -------
    Dataset
        ``X`` float32 of shape (n_samples, 4); ``params`` float64 of shape (n_samples, 2)
        (angles u, v in [0, 2 pi)); ``y`` None; ``manifold`` the exact
        :class:`~vdae.datasets.manifolds.FlatTorus`.

    Examples
    --------
    >>> from vdae.datasets import make_flat_torus
    >>> data = make_flat_torus(100, random_state=0)
    >>> data.X.shape
    (100, 4)
    """
    return _from_manifold(
        FlatTorus(), n_samples, noise, random_state, "the flat torus S^1 x S^1 in R^4"
    )


def make_strip(
    n_samples: int = 2000,
    length: float = 4.0,
    *,
    noise: float = 0.0,
    random_state: Any = None,
) -> Dataset:
    """Draw points uniform on the flat rectangle ``[0, length] x [0, 1]`` in R^2.

    Parameters
    ----------
    n_samples : int, default=2000
        Number of points.
    length : float, default=4.0
        Length of the long side; the short side is 1.
    noise : float, default=0.0
        Standard deviation of isotropic Gaussian noise added in R^2.
    random_state : None, int or numpy.random.Generator
        Seed or generator.

    Returns
    -------
    Dataset
        ``X`` float32 of shape (n_samples, 2); ``params`` float64 of shape (n_samples, 2)
        (coordinates x in [0, length], y in [0, 1]); ``y`` None; ``manifold`` the exact
        :class:`~vdae.datasets.manifolds.Strip`.

    Examples
    --------
    >>> from vdae.datasets import make_strip
    >>> data = make_strip(100, random_state=0)
    >>> data.X.shape
    (100, 2)
    """
    strip = Strip(length)
    return _from_manifold(
        strip,
        n_samples,
        noise,
        random_state,
        f"the rectangle [0, {strip.length:g}] x [0, 1] in R^2",
    )


def make_embedded_manifold(
    n_samples: int = 2000,
    ambient_dim: int = 10,
    *,
    height: float = 4.0,
    noise: float = 0.0,
    random_state: Any = None,
) -> Dataset:
    """Draw points on a rolled 2-D sheet isometrically embedded in R^ambient_dim.

    The sheet is a spiral "Swiss roll" surface in a 3-D frame, mapped into R^m by a fixed random
    matrix with orthonormal columns (constant seed, so every call uses the same embedding); see
    :class:`vdae.datasets.manifolds.RolledSheet`.

    Parameters
    ----------
    n_samples : int, default=2000
        Number of points.
    ambient_dim : int, default=10
        Ambient dimension m >= 3 (e.g. 10, or 784 for MNIST-sized vectors).
    height : float, default=4.0
        Height of the sheet; the spiral cross-section is ≈ 14.14 long.
    noise : float, default=0.0
        Standard deviation of isotropic Gaussian noise added in R^m.
    random_state : None, int or numpy.random.Generator
        Seed or generator of the points (not of the embedding).

    Returns
    -------
    Dataset
        ``X`` float32 of shape (n_samples, ambient_dim); ``params`` float64 of shape (n_samples, 2)
        (arc length, height); ``y`` None; ``manifold`` the exact
        :class:`~vdae.datasets.manifolds.RolledSheet`.

    Examples
    --------
    >>> from vdae.datasets import make_embedded_manifold
    >>> data = make_embedded_manifold(100, random_state=0)
    >>> data.X.shape
    (100, 10)
    """
    ambient_dim = check_int(ambient_dim, "ambient_dim", minimum=3)
    height = check_real(height, "height", low=0.0, strict=True)
    sheet = _sheet(ambient_dim, height)
    return _from_manifold(
        sheet,
        n_samples,
        noise,
        random_state,
        f"a rolled 2-D sheet isometrically embedded in R^{ambient_dim}",
    )


# ------------------------------------------------------------------------------ clusters
def make_clusters(
    n_samples: int = 2000,
    n_clusters: int = 2,
    *,
    radius: float = 1.0,
    spacing: float = 4.0,
    noise: float = 0.0,
    random_state: Any = None,
) -> Dataset:
    """Draw separated clusters: ``n_clusters`` disjoint circles of radius 1, centres 4 apart.

    Centres lie on the x-axis, symmetric about the origin; each circle receives the same
    number of points (±1), uniform in angle, in shuffled order.

    Parameters
    ----------
    n_samples : int, default=2000
        Number of points.
    n_clusters : int, default=2
        Number of circles.
    radius : float, default=1.0
        Radius of every circle.
    spacing : float, default=4.0
        Distance between consecutive centres (> 2 radius).
    noise : float, default=0.0
        Standard deviation of isotropic Gaussian noise added in R^2.
    random_state : None, int or numpy.random.Generator
        Seed or generator.

    Returns
    -------
    Dataset
        ``X`` float32 (n_samples, 2); ``y`` int64 cluster 0..n_clusters-1; ``params`` float64
        (n_samples, 1) angle on the own circle; ``manifold`` the exact
        :class:`~vdae.datasets.manifolds.CircleUnion`.

    Examples
    --------
    >>> from vdae.datasets import make_clusters
    >>> data = make_clusters(100, random_state=0)
    >>> data.X.shape
    (100, 2)
    """
    n = check_int(n_samples, "n_samples")
    noise = check_real(noise, "noise", low=0.0)
    union = CircleUnion(n_clusters, radius=radius, spacing=spacing)
    rng = check_random_state(random_state)
    X, params, y = union.sample_with_components(n, rng)
    if noise > 0:
        X = (X + noise * rng.standard_normal(X.shape)).astype(np.float32)
    return Dataset(
        X=X,
        y=y,
        params=params,
        name="clusters",
        description=(
            f"{n} points split equally over {union.n_circles} disjoint circles of radius "
            f"{union.radius:g} with centres {union.spacing:g} apart on the x-axis, uniform in "
            f"angle, plus isotropic Gaussian noise of std {noise:g}; y = circle index."
        ),
        manifold=union,
    )
