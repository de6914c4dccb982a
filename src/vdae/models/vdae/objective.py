"""The VDAE's objective: Σ*(x), the local covariance of neighbours' diffusion coordinates,
and the KL term of the local evidence lower bound (paper Eqs. 5–7)."""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["local_covariance_factors", "gaussian_kl_same_mean", "gaussian_kl_from_target_inverse",
           "target_inverse_factors"]


def local_covariance_factors(
    Z: np.ndarray, n_neighbors: int, *, ridge: float = 0.1, labels: np.ndarray | None = None,
    return_indices: bool = False, chunk: int = 16384, min_variance: float | None = None,
):
    """Cholesky factors of the regularised local covariances Σ*_i.

    .. math::

        \\Sigma_*(x_i) = \\frac{1}{k}\\sum_{j \\in N_k(i)} (z_j - \\bar z_i)(z_j - \\bar z_i)^\\top
        + \\rho\\,\\frac{\\operatorname{tr}\\Sigma_*^{0}(x_i)}{D} I ,

    where N_k(i) are the k nearest neighbours of z_i = ψ(x_i) in diffusion coordinates (z_i
    itself included), z̄_i their mean (a true, centred covariance), and ρ = ``ridge`` keeps Σ*
    positive definite when the neighbourhood is flatter than D dimensions (always, for D > d).
    Where the neighbourhood has no spread at all (duplicated data points, which share one
    embedding), the added variance is raised to ``min_variance``, so that Σ* stays a usable
    float32 covariance (otherwise its inverse overflows and the KL term is infinite).
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
    min_variance : float or None
        Least variance added to Σ*'s diagonal, in squared latent units; None: 1e-8 × the mean
        variance of Z's coordinates (far below any neighbourhood's ridge term unless it has
        collapsed to a point).

    Returns
    -------
    L : ndarray of shape (n_samples, D, D), float32, lower triangular with positive diagonal
    indices : ndarray of shape (n_samples, k), int64 (only with ``return_indices``)
        Row indices of each neighbourhood (itself included); a component with fewer than k
        points repeats its own rows to fill the k columns.
    """
    n, k = Z.shape[0], min(n_neighbors, Z.shape[0])
    if min_variance is None:
        spread = float(np.mean(np.var(np.asarray(Z, np.float64), axis=0))) if n > 1 else 0.0
        min_variance = 1e-8 * spread if spread > 0 else 1e-12
    if labels is not None and np.unique(labels).size > 1:
        out = np.empty((n, Z.shape[1], Z.shape[1]), np.float32)
        nbrs = np.empty((n, k), np.int64)
        for c in np.unique(labels):
            rows = np.flatnonzero(labels == c)
            out[rows], ind = local_covariance_factors(Z[rows], n_neighbors, ridge=ridge,
                                                      return_indices=True, chunk=chunk,
                                                      min_variance=min_variance)
            nbrs[rows] = rows[np.resize(ind, (len(rows), k)) if ind.shape[1] < k else ind]
        return (out, nbrs) if return_indices else out
    from ...graph.knn import exact_search

    Z64 = np.asarray(Z, dtype=np.float64)
    D = Z64.shape[1]
    search = exact_search(Z64)  # a k-d tree for D ≤ 16: 1M points, k = 100 in 4-D, 6× sklearn's
    out = np.empty((n, D, D), np.float32)
    nbrs = np.empty((n, k), np.int64)
    eye = np.eye(D)
    for s in range(0, n, chunk):
        _, ind = search.kneighbors(Z64[s : s + chunk], n_neighbors=k)
        nbrs[s : s + chunk] = ind
        P = np.take(Z64, ind, axis=0)  # (c, k, D), a fresh array: centred in place
        P -= P.mean(axis=1, keepdims=True)
        S = np.matmul(P.transpose(0, 2, 1), P) / k
        tr = np.trace(S, axis1=1, axis2=2)
        floor = 1e-12 * max(float(np.median(tr)), 1e-30)
        S += np.maximum(ridge * tr / D + floor, min_variance)[:, None, None] * eye
        out[s : s + chunk] = np.linalg.cholesky(S)
    return (out, nbrs) if return_indices else out


def gaussian_kl_same_mean(L_q: torch.Tensor, L_p: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, C) ‖ N(μ, Σ)) for C = L_q L_qᵀ, Σ = L_p L_pᵀ (paper Eq. 7, with its ½).

    .. math::

        D_{KL} = \\tfrac12\\Big[\\operatorname{tr}(\\Sigma^{-1} C) - D
        + \\log\\det\\Sigma - \\log\\det C\\Big]

    (the Mahalanobis term vanishes: both means are ψ(x)). The trace is computed exactly as
    ‖L_p⁻¹ L_q‖_F² by a triangular solve.

    Parameters
    ----------
    L_q, L_p : tensor of shape (b, D, D)
        Lower-triangular factors with positive diagonals.

    Returns
    -------
    tensor of shape (b,), ≥ 0
    """
    D = L_q.shape[-1]
    M = torch.linalg.solve_triangular(L_p, L_q, upper=False)
    trace = (M**2).sum(dim=(-2, -1))
    logdet_p = 2 * torch.log(torch.diagonal(L_p, dim1=-2, dim2=-1)).sum(-1)
    logdet_q = 2 * torch.log(torch.diagonal(L_q, dim1=-2, dim2=-1)).sum(-1)
    return 0.5 * (trace - D + logdet_p - logdet_q)

def target_inverse_factors(L_p: torch.Tensor, chunk: int = 65536
                           ) -> tuple[torch.Tensor, torch.Tensor]:
    """L_p⁻¹ and log det Σ for fixed targets Σ = L_p L_pᵀ, computed once before training.

    Parameters
    ----------
    L_p : tensor of shape (n, D, D)
        Lower-triangular factors with positive diagonals.

    Returns
    -------
    L_inv : tensor of shape (n, D, D), lower triangular
    logdet : tensor of shape (n,)
    """
    eye = torch.eye(L_p.shape[-1], dtype=L_p.dtype, device=L_p.device)
    L_inv = torch.cat([torch.linalg.solve_triangular(L_p[s : s + chunk], eye.expand_as(
        L_p[s : s + chunk]), upper=False) for s in range(0, L_p.shape[0], chunk)])
    logdet = 2 * torch.log(torch.diagonal(L_p, dim1=-2, dim2=-1)).sum(-1)
    return L_inv, logdet

def gaussian_kl_from_target_inverse(L_q: torch.Tensor, L_p_inv: torch.Tensor,
                                    logdet_p: torch.Tensor) -> torch.Tensor:
    """:func:`gaussian_kl_same_mean` with the target's inverse factor precomputed.

    The targets α Σ*(x) are fixed during training, so L_p⁻¹ and log det Σ are computed once
    (:func:`target_inverse_factors`) and the trace becomes one batched product ‖L_p⁻¹ L_q‖_F²,
    several times faster on CPU than a batched triangular solve per step.

    Parameters
    ----------
    L_q, L_p_inv : tensor of shape (b, D, D)
    logdet_p : tensor of shape (b,)

    Returns
    -------
    tensor of shape (b,), ≥ 0 (to rounding)
    """
    D = L_q.shape[-1]
    trace = (torch.bmm(L_p_inv, L_q) ** 2).sum(dim=(-2, -1))
    logdet_q = 2 * torch.log(torch.diagonal(L_q, dim1=-2, dim2=-1)).sum(-1)
    return 0.5 * (trace - D + logdet_p - logdet_q)
