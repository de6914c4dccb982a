"""Σ*(x): the local covariance of neighbours' diffusion coordinates (the KL target of Eq. 7)."""

from __future__ import annotations

import numpy as np

__all__ = ["local_covariance_factors", "nearest_in_pool", "nearest_among"]


def local_covariance_factors(
    Z: np.ndarray, n_neighbors: int, *, ridge: float = 0.1, labels: np.ndarray | None = None,
    return_indices: bool = False, chunk: int = 16384,
):
    """Cholesky factors of the regularised local covariances Σ*_i.

    .. math::

        \\Sigma_*(x_i) = \\frac{1}{k}\\sum_{j \\in N_k(i)} (z_j - \\bar z_i)(z_j - \\bar z_i)^\\top
        + \\rho\\,\\frac{\\operatorname{tr}\\Sigma_*^{0}(x_i)}{D} I ,

    where N_k(i) are the k nearest neighbours of z_i = ψ(x_i) in diffusion coordinates (z_i
    itself included), z̄_i their mean (a true, centred covariance), and ρ = ``ridge`` keeps Σ*
    positive definite when the neighbourhood is flatter than D dimensions (always, for D > d).
    The paper defines Σ* on a δ-ball B_d(ψ(x), δ) ∩ Z; a k-neighbourhood adapts δ to the local
    sampling density and never comes out empty.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, D)
        Diffusion coordinates of the training data.
    n_neighbors : int
        k (≥ 2, including the point itself).
    ridge : float
        ρ.
    labels : ndarray of shape (n_samples,) or None
        Graph component of each point: neighbourhoods never cross components, and a component
        with fewer than k points uses all of its points (a random-walk step then stays inside
        its cluster).
    return_indices : bool
        Also return each point's neighbourhood.

    Returns
    -------
    L : ndarray of shape (n_samples, D, D), float32, lower triangular with positive diagonal
    indices : ndarray of shape (n_samples, k), int64 (only with ``return_indices``)
        Row indices of each neighbourhood (itself included); a component with fewer than k
        points repeats its own rows to fill the k columns.
    """
    n, k = Z.shape[0], min(n_neighbors, Z.shape[0])
    if labels is not None and np.unique(labels).size > 1:
        out = np.empty((n, Z.shape[1], Z.shape[1]), np.float32)
        nbrs = np.empty((n, k), np.int64)
        for c in np.unique(labels):
            rows = np.flatnonzero(labels == c)
            out[rows], ind = local_covariance_factors(Z[rows], n_neighbors, ridge=ridge,
                                                      return_indices=True, chunk=chunk)
            nbrs[rows] = rows[np.resize(ind, (len(rows), k)) if ind.shape[1] < k else ind]
        return (out, nbrs) if return_indices else out
    from sklearn.neighbors import NearestNeighbors

    Z64 = np.asarray(Z, dtype=np.float64)
    D = Z64.shape[1]
    nn = NearestNeighbors(n_neighbors=k).fit(Z64)
    out = np.empty((n, D, D), np.float32)
    nbrs = np.empty((n, k), np.int64)
    eye = np.eye(D)
    for s in range(0, n, chunk):
        _, ind = nn.kneighbors(Z64[s : s + chunk])
        nbrs[s : s + chunk] = ind
        P = Z64[ind]  # (c, k, D)
        Pc = P - P.mean(axis=1, keepdims=True)
        S = np.einsum("cki,ckj->cij", Pc, Pc) / k
        tr = np.trace(S, axis1=1, axis2=2)
        floor = 1e-12 * max(float(np.median(tr)), 1e-30)
        S += (ridge * tr / D + floor)[:, None, None] * eye
        out[s : s + chunk] = np.linalg.cholesky(S)
    return (out, nbrs) if return_indices else out


def nearest_in_pool(queries, pool, exclude=None, chunk: int = 65536):
    """Index of the nearest pool row to each query, optionally excluding one index per query.

    Parameters
    ----------
    queries : tensor of shape (b, D)
    pool : tensor of shape (p, D)
    exclude : tensor of shape (b,) of int or None
        Pool index that a query may not pick (the point x itself, Algorithm 1's A \\ {x}).
    chunk : int
        Pool rows compared at once (memory b × chunk).

    Returns
    -------
    tensor of shape (b,), int64
    """
    import torch

    b = queries.shape[0]
    best_d = torch.full((b,), float("inf"), device=queries.device, dtype=queries.dtype)
    best_i = torch.zeros(b, dtype=torch.long, device=queries.device)
    rows = torch.arange(b, device=queries.device)
    q2 = (queries * queries).sum(1, keepdim=True)
    for s in range(0, pool.shape[0], chunk):
        block = pool[s : s + chunk]
        # squared distances by one matrix product (the argmin needs no square root)
        d = torch.addmm(q2 + (block * block).sum(1)[None, :], queries, block.T, alpha=-2.0)
        if exclude is not None:
            local = exclude - s
            hit = (local >= 0) & (local < d.shape[1])
            d[rows[hit], local[hit]] = float("inf")
        val, arg = d.min(dim=1)
        better = val < best_d
        best_d = torch.where(better, val, best_d)
        best_i = torch.where(better, arg + s, best_i)
    return best_i


def nearest_among(queries, pool, candidates, exclude):
    """Index of the nearest candidate pool row to each query, never the excluded one.

    Parameters
    ----------
    queries : tensor of shape (b, D)
    pool : tensor of shape (p, D)
    candidates : tensor of shape (b, k) of int
        Pool rows each query may pick (e.g. the neighbourhood of the point it came from).
    exclude : tensor of shape (b,) of int
        The point itself. If every candidate is excluded it is returned.

    Returns
    -------
    tensor of shape (b,), int64
    """
    import torch

    d = ((pool[candidates] - queries[:, None, :]) ** 2).sum(-1)  # (b, k)
    d = torch.where(candidates == exclude[:, None], torch.full_like(d, float("inf")), d)
    return candidates.gather(1, d.argmin(dim=1, keepdim=True))[:, 0]
