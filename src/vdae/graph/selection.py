"""Automatic choice of the diffusion coordinates: which eigenvectors make ψ one-to-one.

An eigengap alone is not enough: on a long strip the first several eigenvectors are harmonics
cos(kπx/L) of the long direction, and on a torus with radii 2 and 1 the tube angle appears only in
eigenvectors 5–6, after cos 2u, sin 2u. A harmonic is a *function of earlier eigenvectors* and
adds nothing to the embedding; a new direction is not. Following Dsilva, Talmon, Coifman and
Kevrekidis (2018, "Parsimonious representation of nonlinear dynamical systems through manifold
learning"), each eigenvector f_k is regressed on f_1..f_{k-1} by leave-one-out local linear
regression with a Gaussian kernel of bandwidth ε = (median pairwise distance)/3; the normalised
residual

.. math::

    r_k = \\sqrt{\\frac{\\sum_i (f_k(x_i) - \\hat f_k(x_i))^2}{\\sum_i f_k(x_i)^2}}

is ≈ 0 for a harmonic and ≈ 1 for a new direction (r_1 = 1).

The rule used by :class:`vdae.DiffusionMap` with ``n_components=None``: scan the candidates in
order, mark those with r_k ≥ ``threshold`` as new directions, and stop once at least 2·d̂ + 1
(Whitney's embedding bound plus one) candidates in a row after the last new direction are harmonics,
where d̂ is the intrinsic dimension estimated from neighbour distances (Levina & Bickel 2005).
D is the index of the last new direction, so ψ_D = (ψ_1, …, ψ_D) contains all of them.

The residual test can under-count on noisy, high-dimensional data: on a finite sample the later
eigenvectors of image sets look like smooth functions of the first few (Frey faces: D = 3 for
d̂ = 5.6; MNIST: D = 8–11 for d̂ = 12). A one-to-one map of a d-manifold needs at least d
coordinates, so a choice D < round(d̂) is a sign that directions were missed; the rule then falls
back to Whitney's bound, D = ⌈2 d̂⌉ (every d-manifold embeds in R^{2d}), capped at the candidates.
Measured on Table 1's Frey rows (4 splits, GW ×1000 of VDAE samples): D = 3 (the residual test)
9.4, D = 6 (= ⌈d̂⌉) 9.0, D = 11 7.3, D = 16 7.6; MNIST (4 splits): D = 8–11 11.5, D = 20 9.8.

The residual test can miss a direction on a closed surface: on a sphere-like surface (the Stanford
bunny) the third coordinate is, up to its sign, a smooth function of the first two, so its
residual can fall just under the threshold and D = 2 is chosen — a map that folds the front of
the surface onto the back. :func:`fold_fraction` checks the chosen ψ_D directly: the fraction of
points whose nearest neighbour in ψ_D lies farther in X than ``ratio`` times their own k-th
nearest-neighbour distance. A fold brings points from opposite sides of the manifold together and
gives a fraction of order 0.1; a one-to-one embedding gives ≈ 0 (an embedding that only
compresses one direction, such as a Swiss roll's width, stays below 0.005 at ``ratio`` = 6, while
a threefold ratio already flags it). :func:`extend_until_one_to_one` then adds coordinates until
the fraction is at most ``tol``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "local_linear_residuals", "select_components", "fold_fraction",
    "extend_until_one_to_one",
]


def local_linear_residuals(F: np.ndarray, n_max: int = 1500, random_state: int = 0) -> np.ndarray:
    """Leave-one-out local-linear-regression residual r_k of each eigenvector on the earlier ones.

    Parameters
    ----------
    F : ndarray of shape (n_samples, K)
        Eigenvectors f_1..f_K (not scaled by eigenvalues), columns in order.
    n_max : int
        Points used (a uniform subsample above this size).

    Returns
    -------
    ndarray of shape (K,)
        r_1 = 1; r_k in [0, ~1] for k ≥ 2.
    """
    F = np.asarray(F, dtype=np.float64)
    if F.shape[0] > n_max:
        rng = np.random.default_rng(random_state)
        F = F[rng.choice(F.shape[0], n_max, replace=False)]
    n, K = F.shape
    res = np.ones(K)
    for k in range(1, K):
        res[k] = _loo_residual(F[:, :k], F[:, k])
    return res


def _loo_residual(P: np.ndarray, y: np.ndarray) -> float:
    n, p = P.shape
    sq = (P**2).sum(axis=1)
    D2 = np.maximum(sq[:, None] + sq[None, :] - 2 * P @ P.T, 0.0)
    dist = np.sqrt(D2[np.triu_indices(n, 1)])
    dist = dist[dist > 0]
    if dist.size == 0:  # the earlier coordinates are constant: nothing to regress on
        return 1.0
    eps = np.median(dist) / 3.0  # of distinct pairs (indicator-like coordinates repeat values)
    W = np.exp(-D2 / eps**2)
    np.fill_diagonal(W, 0.0)  # leave one out
    X = np.concatenate([np.ones((n, 1)), P], axis=1)  # (n, p+1)
    outer = (X[:, :, None] * X[:, None, :]).reshape(n, -1)  # (n, (p+1)^2)
    G = (W @ outer).reshape(n, p + 1, p + 1)
    b = W @ (X * y[:, None])  # (n, p+1)
    eye = np.eye(p + 1)
    ridge = 1e-8 * np.trace(G, axis1=1, axis2=2)[:, None, None] * eye + 1e-12 * eye
    coef = np.linalg.solve(G + ridge, b[:, :, None])[:, :, 0]
    pred = (X * coef).sum(axis=1)
    return float(np.sqrt(((y - pred) ** 2).sum() / max((y**2).sum(), 1e-300)))


def select_components(
    residuals: np.ndarray, intrinsic_dim: float, *, threshold: float = 0.2, n_forced: int = 0
) -> int:
    """Number D of leading coordinates that contains every new direction (see module doc).

    Parameters
    ----------
    residuals : ndarray of shape (K,)
        From :func:`local_linear_residuals`.
    intrinsic_dim : float
        Estimated manifold dimension d̂.
    threshold : float
        r_k at or above this marks a new direction.
    n_forced : int
        Leading coordinates always kept (the c − 1 component indicators of a disconnected graph).

    Returns
    -------
    int, ≥ max(1, n_forced)
        The index of the last new direction; ⌈2 d̂⌉ (+ n_forced, at most ``len(residuals)``)
        when that is fewer than round(d̂) coordinates (see the module doc).
    """
    patience = int(2 * np.ceil(intrinsic_dim) + 1)
    last_new, run = max(n_forced, 1), 0
    for k in range(n_forced, len(residuals)):
        if k == 0 or residuals[k] >= threshold:
            last_new, run = k + 1, 0
        else:
            run += 1
            if run >= patience:
                break
    if last_new - n_forced < round(intrinsic_dim):  # fewer than the manifold's dimension
        whitney = n_forced + int(np.ceil(2 * intrinsic_dim))
        last_new = max(last_new, min(whitney, len(residuals)))
    return last_new


def fold_fraction(
    X: np.ndarray, Z: np.ndarray, *, n_neighbors: int = 10, ratio: float = 6.0,
    n_max: int = 3000, random_state: int = 0,
) -> float:
    """Fraction of points whose nearest neighbour in Z is far from them in X (a fold of Z).

    For each point i, j is its nearest other point in Z; i counts as folded when
    ‖x_i − x_j‖ > ``ratio`` · r_k(x_i), with r_k(x_i) the distance from x_i to its k-th nearest
    other point in X.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The data.
    Z : ndarray of shape (n_samples, D)
        Its embedding.
    n_neighbors : int
        k of the local radius in X.
    ratio : float
        How many local radii away a Z-neighbour must be to count as a fold.
    n_max : int
        Points used (a uniform subsample above this size; radii are those of the subsample).

    Returns
    -------
    float in [0, 1]
    """
    from .knn import nearest_neighbors

    X = np.asarray(X, dtype=np.float64)
    Z = np.asarray(Z, dtype=np.float64)
    if X.shape[0] > n_max:
        idx = np.random.default_rng(random_state).choice(X.shape[0], n_max, replace=False)
        X, Z = X[idx], Z[idx]
    n = X.shape[0]
    k = min(n_neighbors, n - 1)
    if k < 1:
        return 0.0
    r_k = nearest_neighbors(X, k, method="exact")[1][:, -1]
    j = nearest_neighbors(Z, 1, method="exact")[0][:, 0]
    d_ij = np.linalg.norm(X - X[j], axis=1)
    return float(np.mean(d_ij > ratio * r_k))


def extend_until_one_to_one(
    X: np.ndarray, Z_all: np.ndarray, D: int, *, tol: float = 0.005, random_state: int = 0,
) -> int:
    """Smallest D' ≥ D with :func:`fold_fraction` (X, Z_all[:, :D']) ≤ ``tol``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    Z_all : ndarray of shape (n_samples, K)
        All candidate coordinates, in order (diffusion coordinates λ_j f_j).
    D : int
        The number chosen by :func:`select_components`.
    tol : float
        Largest acceptable fold fraction.

    Returns
    -------
    int in [D, K]; K when no prefix reaches ``tol``.
    """
    K = Z_all.shape[1]
    for d in range(D, K + 1):
        if fold_fraction(X, Z_all[:, :d], random_state=random_state) <= tol:
            return d
    return K
