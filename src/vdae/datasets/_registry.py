"""Name-based access to every data set and ground-truth manifold."""

from __future__ import annotations

import inspect
from typing import Any, Callable

from ._dataset import Dataset
from ._checks import check_int, check_real
from .manifolds import Circle, CircleUnion, FlatTorus, Manifold, Sphere, Strip, Torus
from .real import load_bulldog_standin, load_bunny, load_coil20, load_frey, load_mnist
from .synthetic import (
    _loop,
    _sheet,
    make_circle,
    make_clusters,
    make_embedded_manifold,
    make_flat_torus,
    make_gaussian_grid,
    make_loop,
    make_sphere,
    make_strip,
    make_torus,
)

__all__ = ["available_datasets", "load_dataset", "get_manifold"]

_DATASETS: dict[str, Callable[..., Dataset]] = {
    "circle": make_circle,
    "loop": make_loop,
    "sphere": make_sphere,
    "torus": make_torus,
    "flat_torus": make_flat_torus,
    "strip": make_strip,
    "embedded": make_embedded_manifold,
    "gaussian_grid": make_gaussian_grid,
    "clusters": make_clusters,
    "bunny": load_bunny,
    "frey": load_frey,
    "mnist": load_mnist,
    "coil20": load_coil20,
    "bulldog_standin": load_bulldog_standin,
}


def _embedded(ambient_dim: int = 10, height: float = 4.0, seed: int = 0) -> Manifold:
    return _sheet(
        check_int(ambient_dim, "ambient_dim", minimum=3),
        check_real(height, "height", low=0.0, strict=True),
        check_int(seed, "seed", minimum=0),
    )


_MANIFOLDS: dict[str, Callable[..., Manifold]] = {
    "circle": Circle,
    "loop": _loop,
    "sphere": Sphere,
    "torus": Torus,
    "flat_torus": FlatTorus,
    "strip": Strip,
    "embedded": _embedded,
    "clusters": CircleUnion,
}


def _check_name(name: Any) -> str:
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}: {name!r}")
    return name


def available_datasets() -> list[str]:
    """List the names accepted by :func:`load_dataset`.

    Returns
    -------
    list of str
        Synthetic generators first (circle, loop, sphere, torus, flat_torus, strip, embedded,
        gaussian_grid, clusters), then the real data sets (bunny, frey, mnist, coil20,
        bulldog_standin).

    Examples
    --------
    >>> from vdae.datasets import available_datasets
    >>> available_datasets()[:3]
    ['circle', 'loop', 'sphere']
    """
    return list(_DATASETS)


def load_dataset(name: str, **kwargs: Any) -> Dataset:
    """Generate or load a data set by name.

    Parameters
    ----------
    name : str
        One of :func:`available_datasets`.
    **kwargs
        Passed to the generator or loader, e.g. ``n_samples``, ``noise``, ``random_state`` for
        the synthetic sets, ``split`` for ``"mnist"``, ``processed`` for ``"coil20"``; an
        argument the function does not take raises TypeError.

    Returns
    -------
    Dataset
        The data set: points ``X``, labels ``y``, parameters and manifold where they exist.

    Raises
    ------
    ValueError
        If ``name`` is unknown (the message lists the available names).

    Examples
    --------
    >>> from vdae.datasets import load_dataset
    >>> load_dataset("torus", n_samples=50, random_state=0).X.shape
    (50, 3)
    """
    name = _check_name(name)
    try:
        loader = _DATASETS[name]
    except KeyError:
        raise ValueError(
            f"unknown data set name {name!r}; available: {', '.join(available_datasets())}"
        ) from None
    return loader(**kwargs)


def get_manifold(name: str, **kwargs: Any) -> Manifold:
    """The exact ground-truth manifold of a synthetic data set.

    Parameters
    ----------
    name : str
        One of ``circle``, ``loop``, ``sphere``, ``torus``, ``flat_torus``, ``strip``,
        ``embedded``, ``clusters``.
    **kwargs
        Shape options: ``R``, ``r`` (torus), ``length`` (strip), ``ambient_dim``, ``height``,
        ``seed`` (embedded), ``n_circles``, ``radius``, ``spacing`` (clusters).

    Returns
    -------
    Manifold
        The manifold, with its exact ``distance``, ``parameters`` and ``diameter``.

    Raises
    ------
    ValueError
        If ``name`` has no manifold (``gaussian_grid``, the real data sets) or is unknown.

    Examples
    --------
    >>> from vdae.datasets import get_manifold
    >>> get_manifold("circle").diameter
    2.0
    """
    name = _check_name(name)
    if name not in _MANIFOLDS:
        why = (
            "is a Gaussian mixture, not a manifold"
            if name == "gaussian_grid"
            else "has no known ground-truth manifold"
            if name in _DATASETS
            else "is not a known data set"
        )
        raise ValueError(f"name {name!r} {why}; manifolds exist for: {', '.join(_MANIFOLDS)}")
    options = inspect.signature(_MANIFOLDS[name]).parameters
    unknown = sorted(set(kwargs) - set(options))
    if unknown:
        raise TypeError(f"the {name} manifold takes no option {', '.join(unknown)}; its options: "
                        f"{', '.join(options) or 'none'}")
    return _MANIFOLDS[name](**kwargs)
