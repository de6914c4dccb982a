"""Gaussian-kernel maximum mean discrepancy (the paper's Table A.2; Gretton et al. 2012)."""

from __future__ import annotations

import numbers
from typing import Any, Sequence

import numpy as np

from .._validation import RANDOM_STATE, BOOL, Interval, check_random_state, validate_params
from ._common import check_pair, sq_norms, subsample

__all__ = ["mmd2", "mmd2_multiscale"]

_CONSTRAINTS = {
    "biased": [BOOL],
    "random_state": [RANDOM_STATE],
    "max_samples": [Interval(int, 2, None)],
}


def _sq_dist(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    D2 = sq_norms(A)[:, None] + sq_norms(B)[None, :] - 2.0 * (A @ B.T)
    return np.maximum(D2, 0.0, out=D2)


def _median_from_blocks(Dxx: np.ndarray, Dyy: np.ndarray, Dxy: np.ndarray) -> float:
    """Median distance over all distinct pairs of the pooled sample."""
    iu_x = np.triu_indices(Dxx.shape[0], k=1)
    iu_y = np.triu_indices(Dyy.shape[0], k=1)
    pooled = np.sqrt(np.concatenate([Dxx[iu_x], Dyy[iu_y], Dxy.ravel()]))
    return float(np.median(pooled))


def _mmd2_from_kernels(Kxx: np.ndarray, Kyy: np.ndarray, Kxy: np.ndarray, biased: bool) -> float:
    n, m = Kxx.shape[0], Kyy.shape[0]
    if biased:
        return float(Kxx.mean() + Kyy.mean() - 2.0 * Kxy.mean())
    xx = (Kxx.sum() - np.trace(Kxx)) / (n * (n - 1))
    yy = (Kyy.sum() - np.trace(Kyy)) / (m * (m - 1))
    return float(xx + yy - 2.0 * Kxy.mean())


def _prepare(
    X: Any, Y: Any, bandwidth: Any, biased: bool,
    random_state: Any, max_samples: int, owner: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    validate_params(
        {"biased": biased, "random_state": random_state, "max_samples": max_samples},
        _CONSTRAINTS, owner,
    )
    A, B = check_pair(X, Y, ("X", "Y"), min_samples=1 if biased else 2)
    rng = check_random_state(random_state)
    A = subsample(A, max_samples, rng)
    B = subsample(B, max_samples, rng)
    Dxx, Dyy, Dxy = _sq_dist(A, A), _sq_dist(B, B), _sq_dist(A, B)
    if isinstance(bandwidth, str):
        if bandwidth != "median":
            raise ValueError(
                f"{owner}: bandwidth must be 'median' or a positive float; got {bandwidth!r}."
            )
        sigma = _median_from_blocks(Dxx, Dyy, Dxy)
        if sigma <= 0:
            raise ValueError(
                f"{owner}: the median pairwise distance of X ∪ Y is 0 (most points coincide); "
                f"pass a positive float bandwidth."
            )
    elif isinstance(bandwidth, numbers.Real) and not isinstance(bandwidth, bool):
        sigma = float(bandwidth)
        if not (np.isfinite(sigma) and sigma > 0):
            raise ValueError(
                f"{owner}: bandwidth must be a positive finite float; got {bandwidth!r}."
            )
    else:
        raise TypeError(
            f"{owner}: bandwidth must be 'median' or a positive float; got {bandwidth!r}."
        )
    return Dxx, Dyy, Dxy, sigma


def mmd2(
    X: Any,
    Y: Any,
    *,
    bandwidth: str | float = "median",
    biased: bool = False,
    random_state: int | np.random.Generator | None = None,
    max_samples: int = 2000,
) -> float:
    r"""Squared maximum mean discrepancy with a Gaussian kernel.

    With :math:`k(a, b) = \exp\!\bigl(-\lVert a - b \rVert^2 / (2\sigma^2)\bigr)`, the default
    unbiased U-statistic (Gretton et al. 2012, Lemma 6) is

    .. math::

        \widehat{\mathrm{MMD}}^2_u = \frac{1}{n(n-1)} \sum_{i \ne j} k(x_i, x_j)
            + \frac{1}{m(m-1)} \sum_{i \ne j} k(y_i, y_j)
            - \frac{2}{nm} \sum_{i, j} k(x_i, y_j),

    and ``biased=True`` gives the V-statistic
    :math:`\frac{1}{n^2}\sum_{i,j} k(x_i,x_j) + \frac{1}{m^2}\sum_{i,j} k(y_i,y_j)
    - \frac{2}{nm}\sum_{i,j} k(x_i,y_j)` (always ≥ 0). The unbiased estimate is centred on the
    population MMD², so it can be slightly negative when the distributions agree
    (e.g. ``mmd2(X, X)`` is :math:`-\tfrac{2}{n}(1 - \bar k_{\text{off}})`, O(1/n)).

    Parameters
    ----------
    X : array-like of shape (n, d)
        First sample (at least 2 points for the unbiased estimate).
    Y : array-like of shape (m, d)
        Second sample, same number of features.
    bandwidth : "median" or float, default="median"
        The kernel's σ, in the data's units. "median": the median distance between distinct points
        of the
        pooled (subsampled) sample X ∪ Y.
    biased : bool, default=False
        Use the V-statistic instead of the U-statistic.
    random_state : int, Generator or None, default=None
        Seeds the subsampling.
    max_samples : int, default=2000
        Each sample larger than this is subsampled to this many rows (without replacement);
        the cost is O((n + m)² d).

    Returns
    -------
    float
        MMD² (dimensionless: the kernel is in [0, 1], so MMD² ∈ [−2/n, 2]).

    See Also
    --------
    mmd2_multiscale : The sum over several bandwidths.

    Examples
    --------
    >>> from vdae.datasets import make_circle
    >>> from vdae.metrics import mmd2
    >>> X = make_circle(200, random_state=0).X
    >>> Y = make_circle(200, random_state=1).X
    >>> round(mmd2(X, Y), 3), round(mmd2(X, Y + 1), 2)
    (0.003, 0.33)
    """
    Dxx, Dyy, Dxy, sigma = _prepare(
        X, Y, bandwidth, biased, random_state, max_samples, "mmd2"
    )
    g = -1.0 / (2.0 * sigma * sigma)
    return _mmd2_from_kernels(np.exp(g * Dxx), np.exp(g * Dyy), np.exp(g * Dxy), biased)


def mmd2_multiscale(
    X: Any,
    Y: Any,
    *,
    scales: Sequence[float] = (0.25, 0.5, 1.0, 2.0, 4.0),
    biased: bool = False,
    random_state: int | np.random.Generator | None = None,
    max_samples: int = 2000,
) -> float:
    r"""MMD² summed over several Gaussian bandwidths around the median heuristic.

    .. math::

        \sum_{s \in \text{scales}}
            \widehat{\mathrm{MMD}}^2\bigl(X, Y;\ \sigma = s \cdot \sigma_{\mathrm{med}}\bigr),

    i.e. the MMD² of the mixture kernel :math:`\sum_s k_{s\sigma_{\mathrm{med}}}`, which is
    sensitive to differences at several length scales. :math:`\sigma_{\mathrm{med}}` is the
    median distance of the pooled sample (see :func:`mmd2`); the estimator and subsampling are
    those of :func:`mmd2`.

    Parameters
    ----------
    X : array-like of shape (n, d)
        First sample.
    Y : array-like of shape (m, d)
        Second sample, same number of features.
    scales : sequence of float, default=(0.25, 0.5, 1, 2, 4)
        Positive multipliers of the median distance.
    biased : bool, default=False
        Use the V-statistic instead of the U-statistic.
    random_state : int, Generator or None, default=None
        Seeds the subsampling.
    max_samples : int, default=2000
        Each sample larger than this is subsampled to this many rows.

    Returns
    -------
    float
        The summed MMD² (dimensionless, at most 2 × len(scales)).

    Examples
    --------
    >>> from vdae.datasets import make_circle
    >>> from vdae.metrics import mmd2_multiscale
    >>> X = make_circle(200, random_state=0).X
    >>> Y = make_circle(200, random_state=1).X
    >>> round(mmd2_multiscale(X, Y), 2), round(mmd2_multiscale(X, Y + 1), 2)
    (0.01, 1.04)
    """
    if isinstance(scales, (str, bytes)) or not hasattr(scales, "__iter__"):
        raise TypeError(
            f"mmd2_multiscale: scales must be a sequence of positive floats; got {scales!r}."
        )
    s = np.asarray(list(scales), dtype=object)
    if s.size == 0 or not all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) and np.isfinite(v) and v > 0
        for v in s
    ):
        raise ValueError(
            "mmd2_multiscale: scales must be a non-empty sequence of positive floats; "
            f"got {scales!r}."
        )
    Dxx, Dyy, Dxy, sigma = _prepare(
        X, Y, "median", biased, random_state, max_samples, "mmd2_multiscale"
    )
    total = 0.0
    for scale in s.astype(np.float64):
        g = -1.0 / (2.0 * (scale * sigma) ** 2)
        total += _mmd2_from_kernels(np.exp(g * Dxx), np.exp(g * Dyy), np.exp(g * Dxy), biased)
    return float(total)
