"""Nearest-neighbour search and the sparse Gaussian affinity graph.

The affinity of two points within each other's k-nearest neighbourhoods is

.. math::

    K_{ij} = \\exp\\left(-\\frac{\\lVert x_i - x_j\\rVert^2}{\\sigma_i \\sigma_j}\\right)

with the self-tuning local scale σ_i = distance from x_i to its ``scale_neighbor``-th nearest
neighbour (Zelnik-Manor & Perona, 2004), or, with ``bandwidth="median"``, one global scale
σ_i = σ = the median over i of that distance. The graph is the union of the kNN relations
(i ~ j when j is among the k nearest neighbours of i *or* i among those of j), so K is symmetric;
each point is its own neighbour (K_ii = 1), as in a full Gaussian kernel. Only O(n·k) entries are
stored: no dense n × n matrix is built.

Neighbours are exact (a k-d tree or scikit-learn's search) up to 20 000 points and, above, on
data of at most 16 features and low intrinsic dimension; approximate otherwise (NN-descent,
:mod:`pynndescent`), behind one interface (:func:`vdae.graph.knn.nearest_neighbors`).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..exceptions import DisconnectedGraphWarning
from .knn import KNNIndex, intrinsic_dimension, nearest_neighbors

__all__ = [
    "local_scales", "gaussian_affinity", "graph_components", "AffinityGraph",
    "build_affinity_graph",
]

logger = logging.getLogger(__name__)


def local_scales(
    distances: np.ndarray,
    *,
    bandwidth: Literal["self_tuning", "median"] = "self_tuning",
    scale_neighbor: int | None = None,
) -> np.ndarray:
    """Kernel scales σ_i from a neighbour-distance table.

    Parameters
    ----------
    distances : ndarray of shape (n_samples, k)
        Ascending distances to the k nearest other points.
    bandwidth : {"self_tuning", "median"}
        Per-point distance to the ``scale_neighbor``-th neighbour, or its median over points.
    scale_neighbor : int or None
        Which neighbour sets the scale (1-based); default k, the farthest in the table.

    Returns
    -------
    ndarray of shape (n_samples,), float64, strictly positive
    """
    k = distances.shape[1] if scale_neighbor is None else min(scale_neighbor, distances.shape[1])
    sigma = distances[:, k - 1].astype(np.float64)
    positive = sigma[sigma > 0]
    floor = positive.min() if positive.size else 1.0
    if bandwidth == "median":
        med = np.median(sigma)
        sigma = np.full_like(sigma, med if med > 0 else floor)
    return np.maximum(sigma, floor * 1e-3)

def gaussian_affinity(
    indices: np.ndarray, distances: np.ndarray, sigma: np.ndarray
) -> sp.csr_matrix:
    """The symmetric sparse kernel matrix of a kNN graph.

    Parameters
    ----------
    indices, distances : ndarray of shape (n_samples, k)
        Neighbour table (self excluded).
    sigma : ndarray of shape (n_samples,)
        Local scales from :func:`local_scales`.

    Returns
    -------
    scipy.sparse.csr_matrix of shape (n_samples, n_samples), float64
        K_ij = exp(-d_ij² / (σ_i σ_j)) on the union of kNN edges, K_ii = 1.
    """
    n, k = indices.shape
    rows = np.repeat(np.arange(n), k)
    cols = indices.ravel()
    d2 = distances.ravel().astype(np.float64) ** 2
    vals = np.exp(-d2 / (sigma[rows] * sigma[cols]))
    K = sp.csr_matrix((vals, (rows, cols)), shape=(n, n))
    K = K.maximum(K.T).tocsr()
    K.setdiag(1.0)
    K.sum_duplicates()
    return K

def graph_components(K: sp.spmatrix, *, warn: bool = True) -> tuple[int, np.ndarray]:
    """Connected components of an affinity graph; warn when there is more than one.

    Returns
    -------
    n_components : int
    labels : ndarray of shape (n_samples,), int
        Component of each point, numbered in order of first appearance.
    """
    n_comp, labels = connected_components(K, directed=False)
    if n_comp > 1 and warn:
        sizes = np.bincount(labels)
        warnings.warn(
            f"The affinity graph has {n_comp} connected components (sizes: "
            f"{', '.join(map(str, sorted(sizes, reverse=True)[:10]))}"
            f"{', ...' if n_comp > 10 else ''}). This is handled: each component gets its own "
            f"indicator coordinates and random walks stay in their seed's component. "
            f"Increase n_neighbors to join them.",
            DisconnectedGraphWarning,
            stacklevel=3,
        )
    return n_comp, labels

@dataclass
class AffinityGraph:
    """Everything built from one kNN pass over the data.

    Attributes
    ----------
    K : csr_matrix of shape (n_samples, n_samples)
        Symmetric Gaussian affinity (self-loops included).
    indices, distances : ndarray of shape (n_samples, n_neighbors)
        The kNN table, self excluded.
    sigma : ndarray of shape (n_samples,)
        Kernel scales.
    index : KNNIndex
        For out-of-sample queries.
    n_components : int
        Connected components of the graph.
    labels : ndarray of shape (n_samples,)
        Component of each point.
    intrinsic_dim : float
        Levina–Bickel estimate from the neighbour distances.
    """

    K: sp.csr_matrix
    indices: np.ndarray
    distances: np.ndarray
    sigma: np.ndarray
    index: KNNIndex
    n_components: int
    labels: np.ndarray
    intrinsic_dim: float

def build_affinity_graph(
    X: np.ndarray,
    n_neighbors: int,
    *,
    bandwidth: Literal["self_tuning", "median"] = "self_tuning",
    scale_neighbor: int | None = None,
    knn_method: Literal["auto", "exact", "approximate"] = "auto",
    random_state: int | None = None,
    n_jobs: int | None = None,
) -> AffinityGraph:
    """kNN search, kernel scales, the symmetric affinity, and its components, in one call.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    n_neighbors : int
        Neighbours per point (self excluded), < n_samples.
    bandwidth, scale_neighbor
        See :func:`local_scales`.
    knn_method : {"auto", "exact", "approximate"}
        See :func:`nearest_neighbors`.

    Returns
    -------
    AffinityGraph
    """
    ind, dist, index = nearest_neighbors(
        X, n_neighbors, method=knn_method, random_state=random_state, n_jobs=n_jobs
    )
    if not np.any(dist > 0):
        raise ValueError(
            "X: all points are identical (every neighbour distance is 0); a diffusion map "
            "needs distinct points."
        )
    sigma = local_scales(dist, bandwidth=bandwidth, scale_neighbor=scale_neighbor)
    K = gaussian_affinity(ind, dist, sigma)
    n_comp, labels = graph_components(K)
    return AffinityGraph(K, ind, dist, sigma, index, n_comp, labels, intrinsic_dimension(dist))
