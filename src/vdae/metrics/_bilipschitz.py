"""Local bi-Lipschitz constant of a latent-to-data map (paper Sect. 4.3; Table 1, right)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.neighbors import NearestNeighbors

from .._validation import BOOL, Interval, check_array, check_n_samples, validate_params

__all__ = ["local_bilipschitz", "median_bilipschitz"]

_CONSTRAINTS = {"n_neighbors": [Interval(int, 1, None)], "scale_free": [BOOL]}
_CHUNK_ELEMENTS = 1 << 22


def _max_multiplicity(A: np.ndarray) -> int:
    """Largest number of identical rows of ``A``."""
    _, counts = np.unique(A, axis=0, return_counts=True)
    return int(counts.max())


def _neighbour_distances(A: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Exact ``|A[i] − A[idx[i, j]]|`` (differences, not the |a|²+|b|²−2a·b expansion)."""
    n, k = idx.shape
    out = np.empty((n, k), dtype=np.float64)
    step = max(1, _CHUNK_ELEMENTS // max(k * A.shape[1], 1))
    for s in range(0, n, step):
        e = min(s + step, n)
        diff = A[idx[s:e]] - A[s:e, None, :]
        out[s:e] = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
    return out


def _distinct_neighbours(A: np.ndarray, k: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest neighbours of each row of ``A`` among rows at positive distance.

    Returns ``(idx, dist)``, both of shape (n, k), with exact distances.
    """
    n = A.shape[0]
    extra = _max_multiplicity(A) - 1
    n_query = min(n - 1, k + extra)
    idx = NearestNeighbors(n_neighbors=n_query).fit(A).kneighbors(return_distance=False)
    dist = _neighbour_distances(A, idx)
    order = np.argsort(dist, axis=1, kind="stable")
    idx = np.take_along_axis(idx, order, axis=1)
    dist = np.take_along_axis(dist, order, axis=1)
    positive = dist > 0
    n_pos = positive.sum(axis=1)
    if (n_pos < k).any():
        i = int(np.argmax(n_pos < k))
        raise ValueError(
            f"{name} has too few distinct points for n_neighbors={k}: row {i} has only "
            f"{int(n_pos[i])} neighbours at positive distance. Lower n_neighbors or remove "
            f"duplicated points."
        )
    # Zero distances sort first; skip them row by row.
    first = (~positive).sum(axis=1)
    cols = first[:, None] + np.arange(k)[None, :]
    return np.take_along_axis(idx, cols, axis=1), np.take_along_axis(dist, cols, axis=1)


def _median_nn_distance(A: np.ndarray) -> float:
    """Median over points of the distance to the nearest point at positive distance (0 if none)."""
    n = A.shape[0]
    n_query = min(n - 1, _max_multiplicity(A))
    idx = NearestNeighbors(n_neighbors=n_query).fit(A).kneighbors(return_distance=False)
    dist = _neighbour_distances(A, idx)
    dist[dist == 0] = np.inf
    nearest = dist.min(axis=1)
    nearest = nearest[np.isfinite(nearest)]
    return float(np.median(nearest)) if nearest.size else 0.0


def local_bilipschitz(
    Z: Any, X: Any, *, n_neighbors: int = 10, scale_free: bool = False
) -> np.ndarray:
    r"""Local bi-Lipschitz constant of the map f: z_i ↦ x_i at every latent point.

    For each latent point :math:`z` with k-nearest latent neighbourhood :math:`U_{z,k}`
    (excluding :math:`z` itself), the paper's Sect. 4.3 defines

    .. math::

        \operatorname{bilip}_k(z) = \min\Bigl\{K \ge 1 : \frac{1}{K} \le
            \frac{d_X(f(z), f(z'))}{d_Z(z, z')} \le K \ \ \forall z' \in U_{z,k}\Bigr\}
        = \max_{z' \in U_{z,k}} \max\bigl(r(z, z'),\, 1/r(z, z')\bigr),

    with :math:`r(z, z') = d_X(f(z), f(z')) / d_Z(z, z')` and Euclidean :math:`d_X, d_Z`.
    It is 1 exactly for an isometry, c for a uniform scaling by c (or by 1/c), and ∞ where f
    collapses two distinct latent points onto one output (mode collapse).

    With ``scale_free=True`` both spaces are first divided by their median nearest-neighbour
    distance, :math:`\tilde d_Z = d_Z / s_Z`, :math:`\tilde d_X = d_X / s_X` with
    :math:`s_Z = \operatorname{median}_i \min_{j: d_Z(z_i,z_j) > 0} d_Z(z_i, z_j)` (and
    :math:`s_X` likewise over the points x_i in X), so that a uniformly scaled isometry
    scores 1. The paper's definition (and so its Table 1) is the plain one, which depends on the
    arbitrary scale of the latent space relative to the data; the VDAE tables report both.

    Coincident latent points (:math:`d_Z = 0`, e.g. repeated random-walk states) give no
    ratio and are skipped: :math:`U_{z,k}` is the k nearest latent points at *positive*
    distance.

    Parameters
    ----------
    Z : array-like of shape (n, D)
        Latent points.
    X : array-like of shape (n, m)
        Their images ``f(Z)``, row for row (generated data).
    n_neighbors : int, default=10
        Number k of latent neighbours. Needs at least k + 1 distinct latent points.
    scale_free : bool, default=False
        Divide each space by its median nearest-neighbour distance first.

    Returns
    -------
    ndarray of shape (n,), float64
        :math:`\operatorname{bilip}_k(z_i)` ≥ 1 (dimensionless; ``inf`` where f maps a
        latent neighbour to the same output point).

    See Also
    --------
    median_bilipschitz : The median of these constants.

    Examples
    --------
    The angle-to-circle map is an isometry in the small, so its constants are close to 1:

    >>> import numpy as np
    >>> from vdae.metrics import local_bilipschitz
    >>> t = np.linspace(0, 2 * np.pi, 100, endpoint=False)
    >>> c = local_bilipschitz(t[:, None], np.c_[np.cos(t), np.sin(t)])
    >>> c.shape, bool(np.all((c >= 1) & (c < 1.05)))
    ((100,), True)
    """
    validate_params(
        {"n_neighbors": n_neighbors, "scale_free": scale_free}, _CONSTRAINTS, "local_bilipschitz"
    )
    Zc = check_array(Z, "Z", dtype=np.float64)
    Xc = check_array(X, "X", dtype=np.float64)
    if Zc.shape[0] != Xc.shape[0]:
        raise ValueError(
            f"Z and X must have the same number of rows (X = f(Z) row for row); got Z with "
            f"{Zc.shape[0]} and X with {Xc.shape[0]}."
        )
    check_n_samples(Zc.shape[0], n_neighbors, "Z")
    idx, dz = _distinct_neighbours(Zc, n_neighbors, "Z")
    dx = _neighbour_distances(Xc, idx)
    if scale_free:
        s_z = _median_nn_distance(Zc)
        s_x = _median_nn_distance(Xc)
        dz = dz / s_z
        if s_x > 0:  # else every output coincides and the ratios are 0 → inf anyway
            dx = dx / s_x
    ratio = dx / dz
    with np.errstate(divide="ignore"):
        return np.maximum(ratio, 1.0 / ratio).max(axis=1)


def median_bilipschitz(
    Z: Any, X: Any, *, n_neighbors: int = 10, scale_free: bool = False
) -> float:
    r"""Median over latent points of the local bi-Lipschitz constant (the paper's Table 1).

    .. math:: \operatorname{median}_{i} \operatorname{bilip}_k(z_i)

    See :func:`local_bilipschitz` for the definition, the ``scale_free`` variant (Table 1 of
    the paper shows the plain one) and the handling of coincident latent points.

    Parameters
    ----------
    Z : array-like of shape (n, D)
        Latent points.
    X : array-like of shape (n, m)
        Their images ``f(Z)``.
    n_neighbors : int, default=10
        Number k of latent neighbours.
    scale_free : bool, default=False
        Divide each space by its median nearest-neighbour distance first.

    Returns
    -------
    float
        The median constant (≥ 1, dimensionless; ``inf`` if over half the points are
        collapsed).

    Examples
    --------
    Scaling the map by 5 scales the constant by 5, unless ``scale_free``:

    >>> import numpy as np
    >>> from vdae.metrics import median_bilipschitz
    >>> t = np.linspace(0, 2 * np.pi, 100, endpoint=False)
    >>> X = np.c_[np.cos(t), np.sin(t)]
    >>> round(median_bilipschitz(t[:, None], 5 * X), 2)
    5.0
    >>> round(median_bilipschitz(t[:, None], 5 * X, scale_free=True), 2)
    1.0
    """
    return float(np.median(local_bilipschitz(Z, X, n_neighbors=n_neighbors, scale_free=scale_free)))
