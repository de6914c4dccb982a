"""Diffusion maps (Coifman & Lafon, 2006) on a sparse affinity graph: pure functions.

Given a symmetric affinity K, the α-normalised kernel and its Markov matrix are

.. math::

    q_i = \\sum_j K_{ij}, \\qquad K^{(\\alpha)}_{ij} = \\frac{K_{ij}}{q_i^\\alpha q_j^\\alpha}, \\qquad
    d_i = \\sum_j K^{(\\alpha)}_{ij}, \\qquad M = D^{-1} K^{(\\alpha)} .

α = 1 removes the sampling density from the limit operator (Laplace–Beltrami for a fixed
bandwidth). M is conjugate to the symmetric A = D^{-1/2} K^{(α)} D^{-1/2}, whose top
eigenpairs (λ_j, v_j) a sparse symmetric eigensolver finds. Right eigenvectors of M are
f_j = v_j / v_0 with v_0 = sqrt(d / Σd), normalised so that Σ_i π_i f_j(x_i)² = 1 where
π = d / Σd is the stationary distribution; f_0 ≡ 1 is the trivial one and is dropped. The
diffusion map at time t is ψ(x) = [λ_1^t f_1(x), …, λ_D^t f_D(x)].

A graph with c > 1 components has eigenvalue 1 with multiplicity c. Its eigenspace is known
exactly (v_0 restricted to each component); after removing v_0 the c − 1 remaining directions,
which are constant on each component, are built deterministically and come first.
"""

from __future__ import annotations

import logging
from typing import Literal

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import ArpackNoConvergence, eigsh, lobpcg

__all__ = ["markov_normalize", "diffusion_eigenpairs", "choose_eigen_solver", "nystrom_weights"]

logger = logging.getLogger(__name__)

EigenSolver = Literal["auto", "dense", "arpack", "shift_invert", "amg"]

#: The "amg" solver's stopping rule: every residual |L v − μ v| below this fraction of the
#: largest wanted eigenvalue μ_D of L = I − A (a first pass to 1e-5 absolute finds μ_D). On 300 000
#: points of a 2-D manifold in R^10 (μ_D = 7.2e-5) the subspace sine to the shift-invert
#: eigenvectors was 2.5e-5 and the eigenvalues agreed to 5e-9 of μ_D; 1e-5 absolute alone
#: gave 4.0e-3 and 7.7e-5.
AMG_RELATIVE_TOL = 1e-3


def markov_normalize(K: sp.spmatrix, alpha: float = 1.0) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """α-normalise a symmetric affinity.

    Parameters
    ----------
    K : sparse matrix of shape (n, n)
        Symmetric non-negative affinity.
    alpha : float in [0, 1]
        0: graph Laplacian normalisation; 0.5: Fokker–Planck; 1: Laplace–Beltrami.

    Returns
    -------
    K_alpha : csr_matrix of shape (n, n)
        The α-normalised kernel (symmetric).
    degree : ndarray of shape (n,)
        Row sums d of ``K_alpha``.
    q : ndarray of shape (n,)
        Row sums of ``K`` (the kernel density estimate), needed for out-of-sample points.
    """
    K = sp.csr_matrix(K, dtype=np.float64)
    q = np.asarray(K.sum(axis=1)).ravel()
    qa = q ** (-alpha)
    K_alpha = sp.diags(qa) @ K @ sp.diags(qa)
    degree = np.asarray(K_alpha.sum(axis=1)).ravel()
    return K_alpha.tocsr(), degree, q


def choose_eigen_solver(n_samples: int, intrinsic_dim: float | None) -> str:
    """The solver ``"auto"`` picks.

    Dense for n ≤ 1000; ARPACK on the largest algebraic eigenvalues up to 20 000 points or for
    high intrinsic dimension, where the leading eigenvalues are well separated from 1; for large,
    low-dimensional manifolds, where the leading eigenvalues crowd at 1 and plain Lanczos needs
    O(n) iterations, "amg": LOBPCG on the smallest eigenvalues of the normalised Laplacian
    I − A, preconditioned by smoothed-aggregation algebraic multigrid (pyamg). Its cost grows
    with the number of eigenpairs (each is preconditioned separately), so
    :class:`vdae.DiffusionMap` then chooses D on a subsample and asks for D pairs only. Whole
    fits with 4 pairs, 2-D manifold in R^10, against shift-invert around 1 (the former choice,
    whose sparse LU dominates): 30 000 points 2.6 s against 3.5 s; 300 000: 22.9 s / 0.97 GiB
    against 40.1 s / 2.05 GiB; 1 000 000: 97.7 s / 2.38 GiB against 235.5 s / 7.33 GiB, with
    the same eigenvalues to the printed 5 digits and coordinates to a subspace angle of 2.6e-5.
    "shift_invert" stays available.
    """
    if n_samples <= 1000:
        return "dense"
    if n_samples > 20_000 and intrinsic_dim is not None and intrinsic_dim <= 3.5:
        return "amg"
    return "arpack"


def _amg_eigenpairs(A: sp.csr_matrix, k: int, null_space: np.ndarray,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray] | None:
    """The k eigenpairs of A next below the known eigenvalue-1 space ``null_space`` (n, c),
    by LOBPCG on L = I − A with an algebraic-multigrid preconditioner, in two passes (see
    :data:`AMG_RELATIVE_TOL`). None when LOBPCG does not reach the tolerance (the caller falls
    back to shift-invert)."""
    import warnings

    import pyamg

    n = A.shape[0]
    L = (sp.identity(n, format="csr") - A).tocsr()
    shifted = (L + 1e-5 * sp.identity(n, format="csr")).tocsr()  # L is singular on null_space
    M = pyamg.smoothed_aggregation_solver(shifted).aspreconditioner()
    V = rng.standard_normal((n, k))
    tol = 1e-5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # non-convergence is checked below, by the residuals
        for _ in range(2):
            mu, V = lobpcg(L, V, M=M, Y=null_space, tol=tol, largest=False, maxiter=2000)
            tol = AMG_RELATIVE_TOL * float(np.max(np.abs(mu)))
    residual = np.linalg.norm(L @ V - V * mu, axis=0)
    if not np.all(residual <= 10 * max(tol, 1e-12)):
        logger.info("LOBPCG residuals %s above %.2g; using shift-invert", residual, tol)
        return None
    return np.concatenate([np.ones(null_space.shape[1]), 1.0 - mu]), \
        np.concatenate([null_space, V], axis=1)


def _top_eigenpairs(
    A: sp.csr_matrix, k: int, solver: str, rng: np.random.Generator,
    null_space: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The k largest eigenpairs of the symmetric A; ``null_space`` (n, c): its known
    eigenvalue-1 eigenvectors (used by "amg", which returns them among the k)."""
    n = A.shape[0]
    k = min(k, n - 1 if solver != "dense" else n)
    if solver == "dense":
        w, V = np.linalg.eigh(A.toarray())
        return w[::-1][:k], V[:, ::-1][:, :k]
    if solver == "amg" and null_space is not None and 5 * k < n:
        pairs = _amg_eigenpairs(A, k - null_space.shape[1], null_space, rng)
        if pairs is not None:
            return pairs
        solver = "shift_invert"
    v0 = rng.uniform(0.5, 1.5, n)
    if solver in ("shift_invert", "amg"):
        try:
            w, V = eigsh(A, k=k, sigma=1.0 + 1e-6, which="LM", v0=v0)
        except (MemoryError, RuntimeError) as exc:  # LU fill-in too large: fall back
            logger.info("shift-invert failed (%s); using ARPACK 'LA'", exc)
            return _top_eigenpairs(A, k, "arpack", rng)
    else:
        try:
            w, V = eigsh(A, k=k, which="LA", v0=v0, tol=1e-9, maxiter=max(5000, n))
        except ArpackNoConvergence as exc:
            logger.info("ARPACK did not converge (%s); retrying in shift-invert mode", exc)
            w, V = eigsh(A, k=k, sigma=1.0 + 1e-6, which="LM", v0=v0)
    order = np.argsort(-w)
    return w[order], V[:, order]


def _component_contrasts(v0: np.ndarray, labels: np.ndarray, n_comp: int) -> np.ndarray:
    """Orthonormal basis of the eigenvalue-1 eigenspace with v0 removed, shape (n, c-1)."""
    basis = [v0]
    for c in range(n_comp - 1):
        u = np.where(labels == c, v0, 0.0)
        for b in basis:
            u = u - (b @ u) * b
        basis.append(u / np.linalg.norm(u))
    return np.stack(basis[1:], axis=1)


def _sign_flip(V: np.ndarray) -> np.ndarray:
    """Make the largest-magnitude entry of each column positive (deterministic signs)."""
    idx = np.argmax(np.abs(V), axis=0)
    signs = np.sign(V[idx, np.arange(V.shape[1])])
    signs[signs == 0] = 1.0
    return V * signs


def diffusion_eigenpairs(
    K_alpha: sp.csr_matrix,
    degree: np.ndarray,
    n_eigenpairs: int,
    *,
    labels: np.ndarray | None = None,
    solver: str = "arpack",
    random_state: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """The leading non-trivial eigenpairs of the Markov matrix M = D⁻¹ K^(α).

    Parameters
    ----------
    K_alpha : csr_matrix of shape (n, n)
        α-normalised symmetric kernel (:func:`markov_normalize`).
    degree : ndarray of shape (n,)
        Its row sums.
    n_eigenpairs : int
        How many non-trivial pairs to return (fewer if n is too small).
    labels : ndarray of shape (n,) or None
        Connected-component labels; None means connected.
    solver : {"dense", "arpack", "shift_invert", "amg"}
    random_state : int
        Seed of the Lanczos start vector (results are deterministic for a fixed seed).

    Returns
    -------
    eigenvalues : ndarray of shape (k,)
        λ_1 ≥ λ_2 ≥ … (λ_0 = 1 excluded; equal to 1 for the c − 1 component directions).
    eigenvectors : ndarray of shape (n, k)
        Right eigenvectors f_j of M, π-orthonormal: Σ_i π_i f_j f_l = δ_jl, and π-orthogonal to 1.
    """
    n_comp = 1 if labels is None else int(labels.max()) + 1
    dinv = 1.0 / np.sqrt(degree)
    A = (sp.diags(dinv) @ K_alpha @ sp.diags(dinv)).tocsr()
    A = ((A + A.T) * 0.5).tocsr()
    v0 = np.sqrt(degree / degree.sum())
    rng = np.random.default_rng(random_state)
    # the exact eigenvalue-1 eigenspace: v0 restricted to each component
    if n_comp > 1:
        E = np.stack([np.where(labels == c, v0, 0.0) for c in range(n_comp)], axis=1)
        E /= np.linalg.norm(E, axis=0)
    else:
        E = v0[:, None]
    w, V = _top_eigenpairs(A, n_eigenpairs + n_comp, solver, rng, null_space=E)
    energy = ((E.T @ V) ** 2).sum(axis=0)
    drop = np.argsort(-energy)[:n_comp]
    keep = np.setdiff1d(np.arange(V.shape[1]), drop)
    W = V[:, keep] - E @ (E.T @ V[:, keep])
    W, _ = np.linalg.qr(W)  # re-orthonormalise; columns stay in eigenvalue order
    lam = w[keep]
    # Rayleigh quotients after the projection (robust to small solver errors)
    lam = np.einsum("ij,ij->j", W, A @ W)
    if n_comp > 1:
        C = _component_contrasts(v0, labels, n_comp)
        W = np.concatenate([C, W], axis=1)
        lam = np.concatenate([np.ones(n_comp - 1), lam])
    W, lam = W[:, :n_eigenpairs], lam[:n_eigenpairs]
    order = np.argsort(-lam, kind="stable")
    W, lam = _sign_flip(W[:, order]), lam[order]
    return lam, W / v0[:, None]


def nystrom_weights(
    distances: np.ndarray, indices: np.ndarray, sigma_new: np.ndarray, sigma_train: np.ndarray,
    q_train: np.ndarray, alpha: float,
) -> np.ndarray:
    """Rows of the Markov matrix from new points to their training neighbours.

    .. math::

        M(y, x_j) = \\frac{k(y, x_j) / q_j^\\alpha}{\\sum_l k(y, x_l) / q_l^\\alpha}, \\qquad
        k(y, x_j) = \\exp(-|y - x_j|^2 / (\\sigma_y \\sigma_j))

    (the factor q(y)^-α cancels). With f_j the training eigenvectors, the Nyström extension
    is f(y) = λ⁻¹ Σ_j M(y, x_j) f(x_j).

    Returns
    -------
    ndarray of shape (n_new, k): each row sums to 1.
    """
    d2 = distances.astype(np.float64) ** 2
    logk = -d2 / (sigma_new[:, None] * sigma_train[indices])
    logk -= alpha * np.log(q_train[indices])
    logk -= logk.max(axis=1, keepdims=True)
    w = np.exp(logk)
    return w / w.sum(axis=1, keepdims=True)
