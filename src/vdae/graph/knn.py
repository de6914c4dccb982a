"""Nearest-neighbour search (exact up to 20 000 points and on low-dimensional data above,
NN-descent otherwise, one interface) and the intrinsic dimension estimated from neighbour
distances."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

__all__ = ["KNNIndex", "nearest_neighbors", "EXACT_THRESHOLD", "intrinsic_dimension",
           "KD_TREE_MAX_FEATURES", "TreeSearch", "exact_search", "TREE_MAX_INTRINSIC_DIM",
           "auto_method"]


#: Above this many points ``method="auto"`` switches from exact to approximate neighbours,
#: unless the data are low-dimensional (:func:`auto_method`).
EXACT_THRESHOLD = 20_000

#: Largest intrinsic dimension (:func:`intrinsic_dimension` of probe rows' neighbours) for
#: which ``method="auto"`` keeps the exact k-d tree above :data:`EXACT_THRESHOLD` points, when
#: there are at most :data:`KD_TREE_MAX_FEATURES` features. A tree query's cost grows
#: exponentially with the intrinsic dimension; NN-descent's does not, but pynndescent compiles
#: its numba kernels in every new process (30–36 s on 2 cores). Measured on 1M points in R^10
#: (15 neighbours, 2 cores; the NN-descent figures exclude that compilation): a 2-D manifold,
#: tree 7.5 s against NN-descent 13.2 s; tanh of a 4-D Gaussian (estimate 4.0), 23.7 s against
#: 19.0 s; estimates of 4.7 and 5.4 projected 40 s and 69 s for the tree.
TREE_MAX_INTRINSIC_DIM = 4.0

#: Rows (evenly spaced) whose neighbours estimate the intrinsic dimension for
#: :func:`auto_method`.
_TREE_PROBE_ROWS = 2000

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

def auto_method(X: np.ndarray, n_neighbors: int, n_jobs: int | None = None
                ) -> tuple[str, TreeSearch | None]:
    """What ``method="auto"`` picks for the rows of ``X`` (n_samples, n_features).

    Exact up to :data:`EXACT_THRESHOLD` points. Above, with at most
    :data:`KD_TREE_MAX_FEATURES` features, a k-d tree is built and the intrinsic dimension
    estimated from the ``n_neighbors`` nearest neighbours of 2 000 evenly spaced rows: the
    tree answers (exactly) when the estimate is at most :data:`TREE_MAX_INTRINSIC_DIM`, and
    NN-descent otherwise, as it does for every wider data set. Deterministic: no random draw.

    Returns
    -------
    method : {"exact", "approximate"}
    tree : TreeSearch or None
        The tree already built, when the exact search will use it.
    """
    n, m = X.shape
    if n <= EXACT_THRESHOLD:
        return "exact", None
    if m > KD_TREE_MAX_FEATURES:
        return "approximate", None
    tree = TreeSearch(X, n_jobs)
    probe = X[np.linspace(0, n - 1, min(n, _TREE_PROBE_ROWS)).astype(np.int64)]
    dist, _ = tree.kneighbors(probe, min(n, max(n_neighbors, 3) + 1))
    if intrinsic_dimension(dist[:, 1:]) <= TREE_MAX_INTRINSIC_DIM:
        return "exact", tree
    return "approximate", None


def _build_index(
    X: np.ndarray, n_neighbors: int, method: str, random_state: int | None, n_jobs: int | None,
    tree: TreeSearch | None = None,
) -> tuple[KNNIndex, np.ndarray | None, np.ndarray | None]:
    if method == "exact":
        search = tree if tree is not None else exact_search(X, n_jobs)
        return KNNIndex("exact", X.shape[0], search), None, None
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
        ``"auto"`` is exact up to :data:`EXACT_THRESHOLD` points, and above on data of at most
        :data:`KD_TREE_MAX_FEATURES` features whose estimated intrinsic dimension is at most
        :data:`TREE_MAX_INTRINSIC_DIM` (a k-d tree); NN-descent otherwise
        (:func:`auto_method`).
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
    tree = None
    if method == "auto":
        method, tree = auto_method(X, n_neighbors, n_jobs)
    index, ind, dist = _build_index(X, n_neighbors + 1, method, random_state, n_jobs, tree)
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
