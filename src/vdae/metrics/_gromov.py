"""Gromov–Wasserstein discrepancy between two point clouds (the left half of the paper's Table 1).

The solver is the conditional-gradient (Frank–Wolfe) algorithm of POT's
``ot.gromov.gromov_wasserstein2(C1, C2, p, q, loss_fun="square_loss")`` (Vayer et al. 2019,
Peyré et al. 2016): same start (the product coupling p qᵀ), same linearised problem solved
exactly by POT's network simplex (:func:`ot.emd`), same closed-form line search and the same
stopping rule, so it returns POT's value (to rounding; the tests check this). It is organised
to do one dense n³ product per iteration instead of five: the linear-program solution is a
vertex of the transport polytope with at most n + m − 1 non-zeros, so C1 T C2 is updated
incrementally through a sparse product.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import ot
import scipy.sparse as sp
from scipy.spatial.distance import cdist
from threadpoolctl import threadpool_limits

from .._validation import NONE, RANDOM_STATE, Interval, check_random_state, validate_params
from ._common import check_pair, n_usable_cpus

__all__ = ["gromov_wasserstein", "gromov_wasserstein_runs", "gromov_wasserstein_starts"]

_TOL_REL = 1e-9  # POT's defaults (tol_rel, tol_abs, max_iter)
_TOL_ABS = 1e-9
_MAX_ITER = 10_000
_EMD_MAX_ITER = 1_000_000
_EXACT_DISTANCE_MAX_DIM = 32

_CONSTRAINTS = {
    "n_samples": [Interval(int, 2, None)],
    "n_repeats": [Interval(int, 1, None)],
    "n_init": [Interval(int, 1, None)],
    "random_state": [RANDOM_STATE],
    "n_jobs": [Interval(int, 1, None), Interval(int, -1, -1), NONE],
}


def _normalised_distances(X: np.ndarray) -> np.ndarray:
    """Euclidean distance matrix divided by its maximum (left at 0 if all points coincide).

    Exact coordinate differences in low dimension; in high dimension (images) the BLAS
    expansion |a|² + |b|² − 2 a·b, whose rounding error (≈ 1e-8 of the largest distance) is far
    below what the GW figure resolves, at a small fraction of the cost.
    """
    if X.shape[1] <= _EXACT_DISTANCE_MAX_DIM:
        C = cdist(X, X)
    else:
        sq = np.einsum("ij,ij->i", X, X)
        C = sq[:, None] + sq[None, :] - 2.0 * (X @ X.T)
        np.maximum(C, 0.0, out=C)
        np.fill_diagonal(C, 0.0)
        np.sqrt(C, out=C)
        C = 0.5 * (C + C.T)  # exactly symmetric
    top = C.max()
    if top > 0:
        C /= top
    return C


def _quadratic_step(a: float, b: float) -> float:
    """argmin over α ∈ [0, 1] of a α² + b α (POT's ``solve_1d_linesearch_quad``)."""
    if a > 0:
        return float(min(1.0, max(0.0, -b / (2.0 * a))))
    return 1.0 if a + b < 0 else 0.0


def _gw_uniform(C1: np.ndarray, C2: np.ndarray, T0: np.ndarray | None = None) -> float:
    """Square-loss GW between two symmetric cost matrices with uniform weights.

    Minimises E(T) = Σ_ijkl (C1_ik − C2_jl)² T_ij T_kl over couplings T of (p, q) by conditional
    gradient. With ``E(T) = ⟨const, T⟩ − 2 ⟨A, T⟩`` where ``A = C1 T C2`` and
    ``const_ij = (C1² p)_i + (C2² q)_j``, the gradient is ``2 const − 4 A``; along
    ``T + α Δ`` (Δ with zero marginals, so ⟨const, Δ⟩ = 0) the loss changes by
    ``a α² + b α`` with ``a = −2 ⟨C1 Δ C2, Δ⟩`` and ``b = −4 ⟨A, Δ⟩``.

    ``T0``: the starting coupling (default POT's, the product p qᵀ).
    """
    n, m = C1.shape[0], C2.shape[0]
    p = np.full(n, 1.0 / n)
    q = np.full(m, 1.0 / m)
    const = ((C1 * C1) @ p)[:, None] + ((C2 * C2) @ q)[None, :]
    if T0 is None:
        T = np.outer(p, q)
        A = np.outer(C1 @ p, C2 @ q)  # C1 (p qᵀ) C2 is rank one
    else:
        T = np.array(T0, dtype=np.float64)
        A = C1 @ T @ C2
    cost = float(np.vdot(const, T) - 2.0 * np.vdot(A, T))
    for _ in range(_MAX_ITER):
        grad = 2.0 * const - 4.0 * A
        vertex = ot.emd(p, q, grad, numItermax=_EMD_MAX_ITER)
        rows, cols = np.nonzero(vertex)
        sparse_vertex = sp.csr_matrix((vertex[rows, cols], (rows, cols)), shape=(n, m))
        A_vertex = C1 @ np.asarray(sparse_vertex @ C2)
        delta = vertex - T
        dA = A_vertex - A
        a = -2.0 * float(np.vdot(dA, delta))
        b = -4.0 * float(np.vdot(A, delta))
        alpha = _quadratic_step(a, b)
        old = cost
        cost = cost + a * alpha * alpha + b * alpha
        if alpha > 0:
            T += alpha * delta
            A += alpha * dA
        change = abs(cost - old)
        if change < _TOL_ABS or (cost != 0 and change / abs(cost) < _TOL_REL):
            break
    value = float(np.vdot(const, T) - 2.0 * np.vdot(A, T))
    return max(value, 0.0)


def gromov_wasserstein_runs(
    X: Any,
    Y: Any,
    *,
    n_samples: int = 1000,
    n_repeats: int = 3,
    n_init: int = 1,
    random_state: int | np.random.Generator | None = None,
    n_jobs: int | None = None,
) -> np.ndarray:
    r"""The Gromov–Wasserstein discrepancy of each repeat (see :func:`gromov_wasserstein`).

    Parameters
    ----------
    X : array-like of shape (n_x, d_x)
        First point cloud (e.g. the data).
    Y : array-like of shape (n_y, d_y)
        Second point cloud (e.g. generated samples). ``d_y`` may differ from ``d_x``: GW only
        compares the two clouds' internal distances.
    n_samples : int, default=1000
        Points drawn from each cloud per repeat: ``m = min(n_samples, n_x, n_y)``.
    n_repeats : int, default=3
        Independent draws. When both clouds have at most ``n_samples`` points every draw is
        all of both, so the problem is solved once and its value repeated.
    n_init : int, default=1
        Solver starts per repeat, the lowest value kept: POT's product coupling, then
        ``n_init − 1`` random one-to-one matchings (the draws have equal sizes). GW is a
        minimum over couplings and every start returns an upper bound of it, so more starts
        can only lower the value.
    random_state : int, Generator or None
        Seeds the subsampling and the extra starts. The solver itself is deterministic, so a
        fixed seed gives a fixed result whatever ``n_jobs`` is.
    n_jobs : int or None, default=None
        Threads solving repeats in parallel (the linear-program solver releases the GIL).
        None or -1 use every usable core, at most ``n_repeats``.

    Returns
    -------
    ndarray of shape (n_repeats,), float64
        1000 × GW of each repeat (dimensionless: distances are divided by their maximum):
        the row minima of :func:`gromov_wasserstein_starts` with the same arguments.

    Examples
    --------
    >>> import numpy as np
    >>> from vdae.metrics import gromov_wasserstein_runs
    >>> from vdae.datasets import make_circle
    >>> X = make_circle(200, random_state=0).X
    >>> Y = np.random.default_rng(0).normal(size=(300, 2))
    >>> gromov_wasserstein_runs(X, Y, n_samples=100, n_repeats=3, random_state=0).shape
    (3,)
    """
    return _runs(X, Y, n_samples, n_repeats, n_init, random_state, n_jobs,
                 "gromov_wasserstein_runs").min(axis=1)


def gromov_wasserstein_starts(
    X: Any,
    Y: Any,
    *,
    n_samples: int = 1000,
    n_repeats: int = 3,
    n_init: int = 1,
    random_state: int | np.random.Generator | None = None,
    n_jobs: int | None = None,
) -> np.ndarray:
    r"""Compute every solver start's GW value for every repeat.

    Column 0 is POT's product-coupling start, the paper's protocol; the row minima are
    :func:`gromov_wasserstein_runs`. One call therefore gives both figures.

    Parameters
    ----------
    X : array-like of shape (n_x, d_x)
        First point cloud (e.g. the data), at least 2 points.
    Y : array-like of shape (n_y, d_y)
        Second point cloud (e.g. generated samples), at least 2 points; ``d_y`` may differ.
    n_samples : int, default=1000
        Points drawn from each cloud per repeat.
    n_repeats : int, default=3
        Independent draws.
    n_init : int, default=1
        Solver starts per repeat: POT's product coupling, then ``n_init − 1`` random
        one-to-one matchings.
    random_state : int, Generator or None, default=None
        Seeds the subsampling and the extra starts.
    n_jobs : int or None, default=None
        Threads solving repeats in parallel; None or -1 use every usable core.

    Returns
    -------
    ndarray of shape (n_repeats, n_init), float64
        1000 × GW of each start (dimensionless).

    Examples
    --------
    >>> import numpy as np
    >>> from vdae.metrics import gromov_wasserstein_starts
    >>> from vdae.datasets import make_circle
    >>> X = make_circle(200, random_state=0).X
    >>> Y = np.random.default_rng(0).normal(size=(300, 2))
    >>> gromov_wasserstein_starts(X, Y, n_samples=100, n_init=2, random_state=0).shape
    (3, 2)
    """
    return _runs(X, Y, n_samples, n_repeats, n_init, random_state, n_jobs,
                 "gromov_wasserstein_starts")


def _random_matching(n: int, rng: np.random.Generator) -> np.ndarray:
    """A random vertex of the uniform n × n transport polytope: a permutation matrix / n."""
    T = np.zeros((n, n))
    T[np.arange(n), rng.permutation(n)] = 1.0 / n
    return T


def _runs(
    X: Any, Y: Any, n_samples: Any, n_repeats: Any, n_init: Any, random_state: Any, n_jobs: Any,
    owner: str,
) -> np.ndarray:
    """1000 × GW of every (repeat, start): shape (n_repeats, n_init); column 0 is POT's start."""
    validate_params(
        {"n_samples": n_samples, "n_repeats": n_repeats, "n_init": n_init,
         "random_state": random_state, "n_jobs": n_jobs},
        _CONSTRAINTS, owner,
    )
    A, B = check_pair(X, Y, ("X", "Y"), same_features=False, min_samples=2)
    rng = check_random_state(random_state)
    m = min(n_samples, A.shape[0], B.shape[0])
    # When both clouds have at most n_samples points every draw is the whole of both and the
    # (deterministic) solver would repeat itself: solve once.
    full = m == A.shape[0] == B.shape[0]
    draws = [
        (
            np.sort(rng.choice(A.shape[0], size=m, replace=False)),
            np.sort(rng.choice(B.shape[0], size=m, replace=False)),
        )
        for _ in range(1 if full else n_repeats)
    ]
    # drawn after the subsamples, so that n_init = 1 gives the values it always gave
    start_seeds = rng.integers(0, 2**63 - 1, size=len(draws))

    def one(k: int) -> list[float]:
        idx = draws[k]
        C1 = _normalised_distances(A[idx[0]])
        C2 = _normalised_distances(B[idx[1]])
        start_rng = np.random.default_rng(int(start_seeds[k]))
        return [1000.0 * _gw_uniform(C1, C2)] + [
            1000.0 * _gw_uniform(C1, C2, _random_matching(m, start_rng))
            for _ in range(n_init - 1)
        ]

    workers = min(len(draws), n_usable_cpus() if n_jobs in (None, -1) else int(n_jobs))
    if workers <= 1:
        starts = np.array([one(k) for k in range(len(draws))], dtype=np.float64)
    else:
        # One BLAS thread per solve: the repeats themselves fill the cores.
        with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
            starts = np.array(list(pool.map(one, range(len(draws)))), dtype=np.float64)
    return np.repeat(starts, n_repeats, axis=0) if full else starts


def gromov_wasserstein(
    X: Any,
    Y: Any,
    *,
    n_samples: int = 1000,
    n_repeats: int = 3,
    n_init: int = 1,
    random_state: int | np.random.Generator | None = None,
    n_jobs: int | None = None,
) -> float:
    r"""Gromov–Wasserstein discrepancy between two point clouds, as in the paper's Table 1.

    For each of ``n_repeats`` repeats, ``m = min(n_samples, n_x, n_y)`` rows of ``X`` and of
    ``Y`` are drawn without replacement; their Euclidean distance matrices are divided by their
    maxima (so the value is invariant to rotation, translation and uniform scaling of either
    cloud) and compared with uniform weights :math:`p = q = \mathbf{1}/m`:

    .. math::

        \mathrm{GW}(C^1, C^2) = \min_{T \in \Pi(p, q)}
            \sum_{i,j,k,l} \bigl(C^1_{ik} - C^2_{jl}\bigr)^2 \, T_{ij} T_{kl},
        \qquad C^1_{ik} = \frac{\lVert x_i - x_k \rVert}{\max_{a,b} \lVert x_a - x_b \rVert},

    and the result is :math:`1000 \times` the mean over repeats. This is POT's
    ``gromov_wasserstein2(C1, C2, p, q, loss_fun="square_loss")`` (no square root), computed in
    float64 by the same conditional-gradient algorithm (see the module docstring). The problem
    is non-convex: the solver returns a local optimum, and averaging over draws reduces the
    variance. A cloud whose points all coincide has the zero distance matrix.

    Parameters
    ----------
    X : array-like of shape (n_x, d_x)
        First point cloud, at least 2 points.
    Y : array-like of shape (n_y, d_y)
        Second point cloud, at least 2 points; ``d_y`` may differ from ``d_x``.
    n_samples : int, default=1000
        Points per cloud per repeat.
    n_repeats : int, default=3
        Independent subsamples averaged (solved once when both clouds have at most
        ``n_samples`` points, as every draw is then the whole of both).
    n_init : int, default=1
        Solver starts per repeat, the lowest value kept (see :func:`gromov_wasserstein_runs`).
        1 is POT's (and the paper's) single start; on symmetric shapes a start can end in a
        local optimum several times the global one (a bunny sample: 6.6 from POT's start, 1.5
        from the best of five), so values near the data's own floor need several starts.
    random_state : int, Generator or None
        Seeds the subsampling and the extra starts.
    n_jobs : int or None, default=None
        Threads solving repeats in parallel; None or -1 use every usable core.

    Returns
    -------
    float
        1000 × mean GW (dimensionless, ≥ 0; 0 for isometric clouds up to scale).

    See Also
    --------
    gromov_wasserstein_runs : The value of each repeat.
    gromov_wasserstein_starts : The value of each repeat and solver start.

    Notes
    -----
    Cost: one dense m³ product and one m × m network-simplex solve per iteration; about 1–2 s
    per repeat for m = 1000 on a 2-core CPU (more when the clouds differ a lot and the solver
    needs more iterations).

    Examples
    --------
    GW is invariant to rotation and scaling, and large between different shapes:

    >>> import numpy as np
    >>> from vdae.metrics import gromov_wasserstein
    >>> from vdae.datasets import make_circle
    >>> X = make_circle(200, random_state=0).X
    >>> round(gromov_wasserstein(X, 3 * X[:, ::-1], n_repeats=1), 6)
    0.0
    >>> noise = np.random.default_rng(0).normal(size=(200, 2))
    >>> gromov_wasserstein(X, noise, n_repeats=1) > 100
    True
    """
    runs = _runs(X, Y, n_samples, n_repeats, n_init, random_state, n_jobs, "gromov_wasserstein")
    return float(runs.min(axis=1).mean())
