"""Metrics against a known ground-truth manifold (the synthetic data sets of :mod:`vdae.datasets`).

The ``manifold`` argument is any object with the interface of the data sets' ``manifold``
attribute: ``distance(X) -> (n,)`` (Euclidean distance of each point to the manifold),
``parameters(X) -> (n, p)`` (intrinsic parameters of the nearest manifold point),
``parameter_ranges`` (one ``(low, high)`` per parameter) and ``diameter`` (float).
"""

from __future__ import annotations

import numbers
from typing import Any, NamedTuple, Sequence

import numpy as np
from scipy.stats import kstest

from .._validation import check_array

__all__ = ["ManifoldDistance", "manifold_distance", "spread_ratios", "parameter_uniformity"]


class ManifoldDistance(NamedTuple):
    """Distances of generated points to the true manifold, as fractions of its diameter.

    Parameters
    ----------
    median : float
        Median of distance / diameter.
    p95 : float
        95th percentile of distance / diameter.
    max : float
        Largest distance / diameter.
    """

    median: float
    """Median of distance / diameter."""
    p95: float
    """95th percentile of distance / diameter."""
    max: float
    """Largest distance / diameter."""


def _check_manifold(manifold: Any, attrs: Sequence[str]) -> None:
    missing = [a for a in attrs if not hasattr(manifold, a)]
    if missing:
        raise TypeError(
            f"manifold must provide {', '.join(attrs)} (like a vdae.datasets data set's "
            f".manifold); {type(manifold).__name__} lacks {', '.join(missing)}."
        )


def manifold_distance(X: Any, manifold: Any) -> ManifoldDistance:
    r"""How far generated points lie from the true manifold, as fractions of its diameter.

    With :math:`\delta_i = \operatorname{dist}(x_i, \mathcal{M}) / \operatorname{diam}(\mathcal{M})`
    (Euclidean distance to the nearest manifold point over the manifold's diameter):

    .. math::

        \bigl(\operatorname{median}_i \delta_i,\ \ Q_{0.95}(\delta),\ \ \max_i \delta_i\bigr)

    Parameters
    ----------
    X : array-like of shape (n, m)
        Generated points in the manifold's ambient space.
    manifold : manifold object
        Provides ``distance(X)`` and ``diameter`` (see the module docstring).

    Returns
    -------
    ManifoldDistance
        Named tuple ``(median, p95, max)`` of dimensionless floats ≥ 0.

    Examples
    --------
    Points on a circle of radius 1.1 lie 0.1 from the unit circle, whose diameter is 2:

    >>> from vdae.datasets import make_circle
    >>> from vdae.metrics import manifold_distance
    >>> data = make_circle(200, random_state=0)
    >>> d = manifold_distance(1.1 * data.X, data.manifold)
    >>> round(d.median, 4), round(d.max, 4)
    (0.05, 0.05)
    """
    _check_manifold(manifold, ("distance", "diameter"))
    Xc = check_array(X, "X", dtype=np.float64)
    diameter = float(manifold.diameter)
    if not (np.isfinite(diameter) and diameter > 0):
        raise ValueError(f"manifold.diameter must be a positive finite float; got {diameter!r}.")
    d = np.asarray(manifold.distance(Xc), dtype=np.float64).reshape(-1)
    if d.shape[0] != Xc.shape[0] or not np.isfinite(d).all():
        raise ValueError(
            f"manifold.distance(X) must return {Xc.shape[0]} finite distances; got shape {d.shape}."
        )
    rel = d / diameter
    return ManifoldDistance(
        median=float(np.median(rel)), p95=float(np.percentile(rel, 95)), max=float(rel.max())
    )


def spread_ratios(X: Any, data: Any, manifold: Any) -> dict[str, float]:
    """How wide generated points lie around the true manifold, relative to the data.

    Parameters
    ----------
    X : array-like of shape (n, m)
        Generated points.
    data : array-like of shape (n_data, m)
        Real (noisy) points of the same law.
    manifold : manifold object
        Provides ``distance(X)`` and ``diameter`` (see the module docstring).

    Returns
    -------
    dict
        ``spread_median`` and ``spread_p90``: the median and 90th percentile of the generated
        points' distance to the manifold, each over the same figure of ``data`` (1: the data's
        own spread; a decoder's means alone read well below 1 on noisy data). Empty when the
        data lie on the manifold (median distance ≤ 10⁻⁶ of its diameter), where no ratio
        exists.

    Examples
    --------
    A second noisy sample of the same law has about the data's spread (ratios near 1):

    >>> from vdae.datasets import make_circle
    >>> from vdae.metrics import spread_ratios
    >>> data = make_circle(300, noise=0.05, random_state=0)
    >>> other = make_circle(300, noise=0.05, random_state=1)
    >>> ratios = spread_ratios(other.X, data.X, data.manifold)
    >>> sorted(ratios), 0.8 < ratios["spread_median"] < 1.25
    (['spread_median', 'spread_p90'], True)
    """
    _check_manifold(manifold, ("distance", "diameter"))
    X = check_array(X, "X")
    data = check_array(data, "data", n_features=X.shape[1])
    d_data = np.asarray(manifold.distance(data), dtype=np.float64)
    if np.median(d_data) <= 1e-6 * float(manifold.diameter):
        return {}
    d = np.asarray(manifold.distance(X), dtype=np.float64)
    return {"spread_median": float(np.median(d) / np.median(d_data)),
            "spread_p90": float(np.quantile(d, 0.9) / np.quantile(d_data, 0.9))}


def parameter_uniformity(
    X: Any, manifold: Any, *, columns: Sequence[int] | None = None
) -> float:
    r"""Largest Kolmogorov–Smirnov distance of the intrinsic parameters from uniform.

    For each intrinsic parameter :math:`\theta_j \in [a_j, b_j]` of the manifold points nearest
    to the generated points, with empirical CDF :math:`\hat F_j`:

    .. math::

        U = \max_j \sup_t \Bigl| \hat F_j(t) - \frac{t - a_j}{b_j - a_j} \Bigr|

    0 means every parameter is exactly uniformly spread; about :math:`1.36/\sqrt{n}` is the
    5 % critical value of one KS test with n points. Only meaningful for parameters that are
    uniform under the manifold's volume (surface) measure, so that a perfect generator sampling
    the manifold uniformly scores ≈ 0: e.g. the circle's angle, the sphere's height z (not its
    polar angle), the flat torus' two angles. A parameter whose volume density is not uniform
    (a polar angle, the angles of a torus of revolution) shows a positive statistic even for
    perfect samples; leave it out with ``columns``. For periodic parameters the KS statistic
    depends on where the period is cut (Kuiper's statistic would not).

    Parameters
    ----------
    X : array-like of shape (n, m)
        Generated points in the manifold's ambient space.
    manifold : manifold object
        Provides ``parameters(X)`` and ``parameter_ranges`` (see the module docstring), like
        a data set's ``manifold``.
    columns : sequence of int or None, default=None
        Indices of the parameters to test; None tests all.

    Returns
    -------
    float
        The largest KS statistic, in [0, 1] (dimensionless).

    Examples
    --------
    Uniform points on the circle score near 0; a half circle scores about 0.3 or more:

    >>> from vdae.datasets import make_circle
    >>> from vdae.metrics import parameter_uniformity
    >>> data = make_circle(200, random_state=0)
    >>> round(parameter_uniformity(data.X, data.manifold), 2) < 0.1
    True
    >>> round(parameter_uniformity(data.X[data.X[:, 0] > 0], data.manifold), 1)
    0.3
    """
    _check_manifold(manifold, ("parameters", "parameter_ranges"))
    Xc = check_array(X, "X", dtype=np.float64)
    theta = np.asarray(manifold.parameters(Xc), dtype=np.float64)
    if theta.ndim == 1:
        theta = theta[:, None]
    ranges = [tuple(map(float, r)) for r in manifold.parameter_ranges]
    if theta.shape != (Xc.shape[0], len(ranges)):
        raise ValueError(
            f"manifold.parameters(X) must have shape ({Xc.shape[0]}, {len(ranges)}) to match "
            f"parameter_ranges; got {theta.shape}."
        )
    if columns is None:
        cols = list(range(len(ranges)))
    else:
        if isinstance(columns, (str, bytes)) or not hasattr(columns, "__iter__"):
            raise TypeError(f"columns must be a sequence of ints or None; got {columns!r}.")
        cols = list(columns)
        if not cols or not all(
            isinstance(c, numbers.Integral) and not isinstance(c, bool) and 0 <= c < len(ranges)
            for c in cols
        ):
            raise ValueError(
                f"columns must be a non-empty sequence of parameter indices in "
                f"[0, {len(ranges) - 1}]; got {columns!r}."
            )
    stats = []
    for j in cols:
        low, high = ranges[j]
        if not (np.isfinite(low) and np.isfinite(high) and high > low):
            raise ValueError(
                f"manifold.parameter_ranges[{j}] must be a finite (low, high) with high > low; "
                f"got {(low, high)}."
            )
        stats.append(kstest(theta[:, j], "uniform", args=(low, high - low)).statistic)
    return float(max(stats))
