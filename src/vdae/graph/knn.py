"""Nearest-neighbour search (exact up to 20 000 points, NN-descent above, one interface)
and the intrinsic dimension estimated from neighbour distances."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

__all__ = ["KNNIndex", "nearest_neighbors", "EXACT_THRESHOLD", "intrinsic_dimension",
           "KD_TREE_MAX_FEATURES", "TreeSearch", "exact_search"]


#: Above this many points ``method="auto"`` switches from exact to approximate neighbours.
EXACT_THRESHOLD = 20_000

#: Largest number of features for which :func:`exact_search` answers with a k-d tree (above,
#: trees lose to scikit-learn's search). On 200 000 queries against 2 000 rows in R³ the tree
#: made the Nyström extension 1.4–1.6× as fast (2 cores, sphere and torus, alternately in one
#: sitting), with the same neighbours.
KD_TREE_MAX_FEATURES = 16


class TreeSearch:
    """Exact Euclidean neighbours among fixed rows by scipy's k-d tree, queried on every core,
    behind scikit-learn's ``kneighbors`` interface.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The rows searched (kept as float64).
    n_jobs : int or None
        Query threads (None or -1: every core).
    """

    def __init__(self, X: np.ndarray, n_jobs: int | None = None) -> None:
        from scipy.spatial import cKDTree

        self._tree = cKDTree(np.asarray(X, np.float64))
        self._workers = -1 if n_jobs is None else int(n_jobs)

    def kneighbors(self, Y: np.ndarray, n_neighbors: int) -> tuple[np.ndarray, np.ndarray]:
        """Distances and indices of the ``n_neighbors`` nearest rows, nearest first.

        Parameters
        ----------
        Y : ndarray of shape (b, n_features)
        n_neighbors : int, at most n_samples

        Returns
        -------
        distances : ndarray of shape (b, n_neighbors), float64
        indices : ndarray of shape (b, n_neighbors), int64
        """
        dist, ind = self._tree.query(np.asarray(Y, np.float64), k=n_neighbors,
                                     workers=self._workers)
        shape = (len(Y), n_neighbors)
        return dist.reshape(shape), ind.reshape(shape).astype(np.int64)


def exact_search(X: np.ndarray, n_jobs: int | None = None):
    """An exact neighbour search over the rows of ``X`` with a ``kneighbors(Y, n_neighbors)``
    method: :class:`TreeSearch` up to :data:`KD_TREE_MAX_FEATURES` features, scikit-learn's
    ``NearestNeighbors`` above.

    ``n_jobs`` sets the query threads (None: every core for the tree, scikit-learn's default
    above it)."""
    if X.shape[1] <= KD_TREE_MAX_FEATURES:
        return TreeSearch(X, n_jobs)
    from sklearn.neighbors import NearestNeighbors

    return NearestNeighbors(n_jobs=n_jobs).fit(X)

@dataclass
class KNNIndex:
    """A searchable neighbour index over the rows of a fitted data set.

    Attributes
    ----------
    method : {"exact", "approximate"}
        Which backend answers queries.
    n_samples : int
        Rows in the indexed data.
    """

    method: str
    n_samples: int
    _backend: Any

    def query(self, Y: np.ndarray, n_neighbors: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``n_neighbors`` nearest indexed rows to each row of ``Y``.

        Returns
        -------
        indices : ndarray of shape (len(Y), n_neighbors), int64
        distances : ndarray of shape (len(Y), n_neighbors), float32, ascending per row
        """
        k = min(n_neighbors, self.n_samples)
        if self.method == "exact":
            dist, ind = self._backend.kneighbors(Y, n_neighbors=k)
        else:
            ind, dist = self._backend.query(Y, k=k)
        return ind.astype(np.int64), dist.astype(np.float32)

def _build_index(
    X: np.ndarray, n_neighbors: int, method: str, random_state: int | None, n_jobs: int | None
) -> tuple[KNNIndex, np.ndarray | None, np.ndarray | None]:
    if method == "exact":
        return KNNIndex("exact", X.shape[0], exact_search(X, n_jobs)), None, None
    from pynndescent import NNDescent

    index = NNDescent(
        X,
        n_neighbors=max(n_neighbors, 15),
        random_state=random_state,
        n_jobs=n_jobs if n_jobs is not None else -1,
        low_memory=True,
        compressed=False,
    )
    ind, dist = index.neighbor_graph
    return KNNIndex("approximate", X.shape[0], index), ind, dist

def _drop_self(ind: np.ndarray, dist: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Remove each row's own index from a (n, k+1) neighbour table, keeping k columns."""
    n = ind.shape[0]
    is_self = ind == np.arange(n)[:, None]
    # rows where self was not returned (duplicates): drop the last column instead
    missing = ~is_self.any(axis=1)
    is_self[missing, -1] = True
    # keep exactly one dropped entry per row
    first = np.argmax(is_self, axis=1)
    keep = np.ones_like(is_self)
    keep[np.arange(n), first] = False
    return ind[keep].reshape(n, -1)[:, :k], dist[keep].reshape(n, -1)[:, :k]

def nearest_neighbors(
    X: np.ndarray,
    n_neighbors: int,
    *,
    method: Literal["auto", "exact", "approximate"] = "auto",
    random_state: int | None = None,
    n_jobs: int | None = None,
) -> tuple[np.ndarray, np.ndarray, KNNIndex]:
    """The k nearest neighbours of every row of ``X`` among the other rows.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    n_neighbors : int
        k, not counting the point itself; must be < n_samples.
    method : {"auto", "exact", "approximate"}
        ``"auto"`` is exact up to :data:`EXACT_THRESHOLD` points, NN-descent above.
    random_state : int or None
        Seed of the approximate search.
    n_jobs : int or None
        Worker threads.

    Returns
    -------
    indices : ndarray of shape (n_samples, n_neighbors), int64
    distances : ndarray of shape (n_samples, n_neighbors), float32, ascending per row
    index : KNNIndex
        Answers out-of-sample queries against ``X``.
    """
    n = X.shape[0]
    if method == "auto":
        method = "exact" if n <= EXACT_THRESHOLD else "approximate"
    index, ind, dist = _build_index(X, n_neighbors + 1, method, random_state, n_jobs)
    if ind is None:
        dist, ind = index._backend.kneighbors(X, n_neighbors=n_neighbors + 1)
    ind, dist = _drop_self(np.asarray(ind, np.int64), np.asarray(dist, np.float32), n_neighbors)
    if method == "approximate" and ind.min() < 0:
        raise RuntimeError("approximate neighbour search returned missing neighbours")
    return ind, dist, index


def intrinsic_dimension(distances: np.ndarray, k_min: int = 5) -> float:
    """Maximum-likelihood intrinsic dimension from neighbour distances.

    The Levina–Bickel estimator per point, averaged as the inverse of the mean inverse
    (MacKay & Ghahramani's correction):

    .. math::

        \\hat m = \\Big[ \\frac{1}{n} \\sum_i \\frac{1}{k-1}\\sum_{j<k}
        \\log\\frac{T_k(x_i)}{T_j(x_i)} \\Big]^{-1}

    Parameters
    ----------
    distances : ndarray of shape (n_samples, k)
        Ascending distances to the k nearest other points (k ≥ 3).

    Returns
    -------
    float
        The estimated dimension (≥ 0.5).
    """
    T = np.asarray(distances, dtype=np.float64)
    k = T.shape[1]
    if k < 3:
        return 1.0
    T = T[(T[:, 0] > 0)]
    if T.shape[0] == 0:
        return 1.0
    logs = np.log(T[:, -1:] / T[:, :-1]).sum(axis=1) / (k - 1)
    inv = np.mean(logs)
    return float(max(1.0 / inv, 0.5)) if inv > 0 else 1.0
