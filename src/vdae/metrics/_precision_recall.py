"""Support-based metrics: improved precision/recall (Kynkäänniemi et al. 2019), coverage."""

from __future__ import annotations

import numbers
from typing import Any, NamedTuple

import numpy as np

from .._validation import (
    RANDOM_STATE,
    Interval,
    check_n_samples,
    check_random_state,
    validate_params,
)
from ._common import check_pair, sq_distances_chunks, subsample

__all__ = ["PrecisionRecall", "precision_recall", "coverage"]

_CONSTRAINTS = {
    "n_neighbors": [Interval(int, 1, None)],
    "max_samples": [Interval(int, 2, None)],
    "random_state": [RANDOM_STATE],
}


class PrecisionRecall(NamedTuple):
    """Improved precision and recall of a generated sample (both fractions in [0, 1]).

    Parameters
    ----------
    precision : float
        Fraction of generated points inside the real manifold estimate (sample quality).
    recall : float
        Fraction of real points inside the generated manifold estimate (sample diversity).
    """

    precision: float
    """Fraction of generated points inside the real manifold estimate (sample quality)."""
    recall: float
    """Fraction of real points inside the generated manifold estimate (sample diversity)."""


def _kth_neighbour_sq_radius(A: np.ndarray, k: int) -> np.ndarray:
    """Squared distance from each row of ``A`` to its k-th nearest other row, shape (n,)."""
    out = np.empty(A.shape[0], dtype=np.float64)
    for rows, D2, _ in sq_distances_chunks(A, A):
        # Column `k` of the partition: index 0 is the point itself (distance 0).
        local = np.arange(rows.stop - rows.start)
        D2[local, np.arange(rows.start, rows.stop)] = 0.0
        out[rows] = np.partition(D2, k, axis=1)[:, k]
    return out


def precision_recall(
    real: Any,
    generated: Any,
    *,
    n_neighbors: int = 3,
    max_samples: int = 10_000,
    random_state: int | np.random.Generator | None = None,
) -> PrecisionRecall:
    r"""Improved precision and recall (Kynkäänniemi et al., NeurIPS 2019).

    Each point's manifold estimate is the union of balls reaching its k-th nearest neighbour
    within its own set, :math:`r_k(a; A) = \lVert a - \mathrm{NN}_k(a, A \setminus \{a\}) \rVert`:

    .. math::

        \mathrm{precision} = \frac{1}{|G|} \sum_{g \in G}
            \mathbf{1}\bigl[\exists\, x \in R : \lVert g - x \rVert \le r_k(x; R)\bigr],
        \qquad
        \mathrm{recall} = \frac{1}{|R|} \sum_{x \in R}
            \mathbf{1}\bigl[\exists\, g \in G : \lVert x - g \rVert \le r_k(g; G)\bigr],

    for the real set R and generated set G (Euclidean distances, computed in float64 in
    blocks, so memory stays at a few tens of MiB whatever the sizes; the cost is about
    3·#R·#G·d multiply-adds, # the number of points).

    Parameters
    ----------
    real : array-like of shape (n_real, d)
        Reference sample (more than ``n_neighbors`` points).
    generated : array-like of shape (n_generated, d)
        Generated sample (more than ``n_neighbors`` points), same number of features.
    n_neighbors : int, default=3
        Number k of neighbours setting each ball's radius (the paper's recommended value).
    max_samples : int, default=10000
        Each set larger than this is subsampled to this many rows without replacement.
    random_state : int, Generator or None, default=None
        Seeds the subsampling.

    Returns
    -------
    PrecisionRecall
        Named tuple ``(precision, recall)`` of floats in [0, 1].

    Examples
    --------
    Two samples of one circle score near 1; a circle of half the radius scores 0:

    >>> from vdae.datasets import make_circle
    >>> from vdae.metrics import precision_recall
    >>> X = make_circle(200, random_state=0).X
    >>> Y = make_circle(200, random_state=1).X
    >>> precision_recall(X, Y)
    PrecisionRecall(precision=0.995, recall=0.99)
    >>> precision_recall(X, 0.5 * Y)
    PrecisionRecall(precision=0.0, recall=0.0)
    """
    validate_params(
        {"n_neighbors": n_neighbors, "max_samples": max_samples, "random_state": random_state},
        _CONSTRAINTS, "precision_recall",
    )
    R, G = check_pair(real, generated, ("real", "generated"))
    rng = check_random_state(random_state)
    R = subsample(R, max_samples, rng)
    G = subsample(G, max_samples, rng)
    check_n_samples(R.shape[0], n_neighbors, "real")
    check_n_samples(G.shape[0], n_neighbors, "generated")
    r2_real = _kth_neighbour_sq_radius(R, n_neighbors)
    r2_gen = _kth_neighbour_sq_radius(G, n_neighbors)
    in_real = np.zeros(G.shape[0], dtype=bool)  # generated point inside some real ball
    in_gen = np.zeros(R.shape[0], dtype=bool)  # real point inside some generated ball
    for rows, D2, tol in sq_distances_chunks(G, R):
        in_real[rows] = (D2 <= r2_real[None, :] + tol).any(axis=1)
        in_gen |= (D2 <= r2_gen[rows, None] + tol).any(axis=0)
    return PrecisionRecall(precision=float(in_real.mean()), recall=float(in_gen.mean()))


def coverage(X_generated: Any, X_reference: Any, *, radius: float) -> float:
    r"""Fraction of reference points with a generated point within ``radius``.

    .. math::

        \mathrm{coverage} = \frac{1}{|R|} \sum_{x \in R}
            \mathbf{1}\bigl[\min_{g \in G} \lVert x - g \rVert \le \rho\bigr]

    Low coverage means parts of the reference (e.g. a uniform sample of the true manifold)
    are never generated (mode dropping).

    Parameters
    ----------
    X_generated : array-like of shape (n_generated, d)
        Generated points G.
    X_reference : array-like of shape (n_reference, d)
        Reference points R, same number of features.
    radius : float
        The radius ρ ≥ 0, in the data's units (e.g. a small fraction of the manifold's diameter).

    Returns
    -------
    float
        The covered fraction, in [0, 1].

    Examples
    --------
    >>> from vdae.datasets import make_circle
    >>> from vdae.metrics import coverage
    >>> X = make_circle(200, random_state=0).X
    >>> Y = make_circle(200, random_state=1).X
    >>> coverage(Y, X, radius=0.1), coverage(Y[:20], X, radius=0.1)
    (1.0, 0.49)
    """
    if isinstance(radius, bool) or not isinstance(radius, numbers.Real):
        raise TypeError(f"coverage: radius must be a non-negative float; got {radius!r}.")
    if not (np.isfinite(radius) and radius >= 0):
        raise ValueError(f"coverage: radius must be a non-negative finite float; got {radius!r}.")
    G, R = check_pair(X_generated, X_reference, ("X_generated", "X_reference"))
    covered = np.empty(R.shape[0], dtype=bool)
    r2 = float(radius) ** 2
    for rows, D2, tol in sq_distances_chunks(R, G):
        covered[rows] = (D2 <= r2 + tol).any(axis=1)
    return float(covered.mean())
