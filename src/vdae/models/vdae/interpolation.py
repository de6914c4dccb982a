r"""Paths along the data manifold between two points (beyond the paper; :meth:`VDAE.interpolate`).

A straight line between two points of a curved manifold (in the data space or, pythae's
``interpolate``, in a latent space) cuts through the region where there are no data: between
two points on opposite sides of a torus, the chord passes through the hole. A VDAE knows the
manifold through its training points and their diffusion coordinates, so a path can stay on it:

1. **Graph path.** a and b are attached to their nearest training points (``seeds_``, Euclidean
   distance in the data space), and the shortest path between those two on the k-nearest-neighbour
   graph of the seeds, with edges weighted by their Euclidean lengths, is found (Dijkstra,
   :func:`scipy.sparse.csgraph.dijkstra`). Its hops are short, so it follows the manifold and its
   length approximates the geodesic (as in Isomap); it is a zigzag of data points, though.
2. **Diffusion coordinates.** The path's nodes are embedded, z_i = ψ(x_i), with ψ(a) and ψ(b) at
   its ends, and the polyline is resampled to a fine grid equally spaced in arc length.
3. **Smoothing.** The zigzag is removed by a Gaussian filter along the arc length (width
   ``smoothing`` × the median hop in diffusion coordinates) applied to the path's deviation from
   the chord between its ends, reflected oddly at both ends, so the ends stay ψ(a) and ψ(b).
4. **Resampling and decoding.** The smoothed curve is resampled to ``n_points`` equally spaced
   by arc length in diffusion coordinates and decoded by the mean decoder, x = ψ_θ⁻¹(z) (no
   output noise): the path's points are points of the learned manifold, its ends ψ_θ⁻¹(ψ(a)) and
   ψ_θ⁻¹(ψ(b)), the projections of a and b onto it.

Training points in different components of the affinity graph (``seed_labels_``) have no path
between them; so have points whose seeds' graph is cut (few seeds): both raise ``ValueError``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.ndimage import gaussian_filter1d
from scipy.sparse.csgraph import dijkstra

from ...graph.knn import nearest_neighbors

__all__ = ["seed_graph", "graph_path", "arc_length", "resample_by_arc_length", "smooth_path",
           "latent_path"]


def seed_graph(X: np.ndarray, n_neighbors: int) -> sp.csr_matrix:
    """The symmetric k-nearest-neighbour graph of the rows of X, weighted by edge length.

    Parameters
    ----------
    X : ndarray of shape (n, m)
        Points (the model's seeds), data units.
    n_neighbors : int ≥ 1
        k (clipped to n − 1).

    Returns
    -------
    csr_matrix of shape (n, n), float64
        W_ij = ‖x_i − x_j‖ (plus 10⁻¹² of the largest edge, so duplicates stay joined) when j is
        among the k nearest neighbours of i or i among those of j; no entry otherwise.
    """
    n = X.shape[0]
    k = min(n_neighbors, n - 1)
    if k < 1:
        return sp.csr_matrix((n, n))
    ind, dist, _ = nearest_neighbors(X, k)
    d = dist.astype(np.float64).ravel()
    d += 1e-12 * max(float(d.max()), 1e-300)
    W = sp.csr_matrix((d, (np.repeat(np.arange(n), k), ind.ravel())), shape=(n, n))
    return W.maximum(W.T).tocsr()


def graph_path(W: sp.csr_matrix, source: int, target: int) -> np.ndarray | None:
    """The node sequence of the shortest path from ``source`` to ``target`` on W.

    Parameters
    ----------
    W : sparse matrix of shape (n, n)
        Symmetric edge lengths (:func:`seed_graph`).
    source, target : int
        Node indices.

    Returns
    -------
    ndarray of shape (n_nodes,), int64, or None
        ``source`` … ``target`` inclusive; None when no path joins them.
    """
    dist, pred = dijkstra(W, directed=False, indices=source, return_predecessors=True)
    if not np.isfinite(dist[target]):
        return None
    path = [target]
    while path[-1] != source:
        path.append(int(pred[path[-1]]))
    return np.asarray(path[::-1], dtype=np.int64)


def arc_length(P: np.ndarray) -> np.ndarray:
    """Cumulative Euclidean length along a polyline P (n, d): shape (n,), starting at 0."""
    return np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(P, axis=0), axis=1))]


def resample_by_arc_length(P: np.ndarray, n_points: int) -> np.ndarray:
    """``n_points`` points equally spaced by arc length along the polyline P, ends included.

    Parameters
    ----------
    P : ndarray of shape (n, d), n ≥ 1
    n_points : int ≥ 2

    Returns
    -------
    ndarray of shape (n_points, d), float64
        Linear interpolation between P's vertices; P[0] repeated when P has length 0.
    """
    P = np.asarray(P, dtype=np.float64)
    s = arc_length(P)
    if s[-1] <= 0:
        return np.repeat(P[:1], n_points, axis=0)
    keep = np.r_[True, np.diff(s) > 0]  # drop repeated vertices: np.interp needs increasing s
    s, P = s[keep], P[keep]
    t = np.linspace(0.0, s[-1], n_points)
    return np.stack([np.interp(t, s, P[:, j]) for j in range(P.shape[1])], axis=1)


def smooth_path(P: np.ndarray, width: float) -> np.ndarray:
    """A Gaussian filter along a polyline whose vertices are equally spaced by arc length, with
    its ends fixed.

    The deviation of P from the chord P[0] → P[-1] is extended beyond each end by odd
    reflection (so it is 0 at both ends), filtered, and added back to the chord.

    Parameters
    ----------
    P : ndarray of shape (n, d)
        Vertices equally spaced by arc length (:func:`resample_by_arc_length`).
    width : float ≥ 0
        The filter's standard deviation, in vertices (0: no smoothing); clipped to n / 4.

    Returns
    -------
    ndarray of shape (n, d), float64; its first and last rows are P's.
    """
    n = P.shape[0]
    width = min(float(width), n / 4.0)
    if n < 3 or width <= 0:
        return np.asarray(P, dtype=np.float64)
    t = np.linspace(0.0, 1.0, n)[:, None]
    chord = (1 - t) * P[0] + t * P[-1]
    dev = P - chord
    pad = min(n - 1, int(np.ceil(4 * width)))
    ext = np.concatenate([-dev[1 : pad + 1][::-1], dev, -dev[-pad - 1 : -1][::-1]])
    out = chord + gaussian_filter1d(ext, width, axis=0, mode="nearest")[pad : pad + n]
    out[0], out[-1] = P[0], P[-1]
    return out


def latent_path(Z: np.ndarray, n_points: int, smoothing: float = 1.0) -> np.ndarray:
    """Steps 2–4 of the module: a graph path's diffusion coordinates → a smooth path of
    ``n_points`` equally spaced by arc length.

    Parameters
    ----------
    Z : ndarray of shape (n_nodes, D), n_nodes ≥ 1
        ψ(a), the path's nodes, ψ(b), in order.
    n_points : int ≥ 2
    smoothing : float ≥ 0, default=1
        The filter's width in units of the median hop between consecutive nodes.

    Returns
    -------
    ndarray of shape (n_points, D), float64; first row Z[0], last row Z[-1].
    """
    Z = np.asarray(Z, dtype=np.float64)
    hops = np.linalg.norm(np.diff(Z, axis=0), axis=1)
    hops = hops[hops > 0]
    if hops.size == 0:
        return np.repeat(Z[:1], n_points, axis=0)
    fine = max(16 * len(Z), 4 * n_points, 64)
    F = resample_by_arc_length(Z, fine)
    step = hops.sum() / (fine - 1)  # arc length between fine vertices
    F = smooth_path(F, smoothing * float(np.median(hops)) / step)
    return resample_by_arc_length(F, n_points)
