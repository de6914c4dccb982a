"""The exact diffusion map as a scikit-learn estimator (the reference prior of the VDAE)."""

from __future__ import annotations

from typing import Literal

import numpy as np

from ._estimator import PriorEstimator
from .._validation import (
    NONE, RANDOM_STATE, Interval, Options, check_finite_output, store_params,
)
from ..graph.diffusion import choose_eigen_solver, diffusion_eigenpairs, markov_normalize
from ..graph.nystrom import NystromEncoder
from ..graph.selection import extend_until_one_to_one, local_linear_residuals, select_components

__all__ = ["DiffusionMap"]


class DiffusionMap(PriorEstimator):
    """Diffusion maps (Coifman & Lafon 2006) with a sparse eigensolver and Nyström extension.

    Builds the symmetric kNN Gaussian affinity (:mod:`vdae.graph.affinity`), α-normalises it,
    solves for the leading eigenpairs of the Markov matrix (:mod:`vdae.graph.diffusion`) and
    returns the diffusion coordinates ψ_D(x) = [λ_1^t f_1(x), …, λ_D^t f_D(x)].

    Parameters
    ----------
    n_components : int or None, default=None
        The number D of diffusion coordinates. None chooses D automatically so that ψ_D is
        one-to-one on the data: the smallest D
        containing every eigenvector that is not a function of the earlier ones
        (local linear regression), raised to ⌈2 d̂⌉ when that is fewer coordinates than the
        estimated intrinsic dimension d̂, and extended while ψ_D still folds distant points
        together (:mod:`vdae.graph.selection`).
    n_neighbors : int, default=15
        Number k of nearest neighbours in the kNN graph.
    alpha : float in [0, 1], default=1.0
        Coifman–Lafon normalisation; 1 removes the density's influence on the geometry.
    diffusion_time : float ≥ 0, default=1
        The diffusion time t in λ^t.
    bandwidth : {"self_tuning", "median"}, default="self_tuning"
        The kernel scale σ_i: the distance to the ``scale_neighbor``-th neighbour, or its median
        (one global scale).
    scale_neighbor : int or None, default=None
        Which neighbour sets σ_i; None means ``n_neighbors``.
    knn_method : {"auto", "exact", "approximate"}, default="auto"
        Exact up to 20 000 points and on low-dimensional data above (a k-d tree: at most 16
        features, intrinsic dimension at most 4), NN-descent otherwise
        (:func:`vdae.graph.knn.auto_method`).
    eigen_solver : {"auto", "dense", "arpack", "shift_invert", "amg"}, default="auto"
        See :func:`vdae.graph.diffusion.choose_eigen_solver`.
    n_candidates : int, default=20
        Eigenvectors examined by the automatic choice of D (plus one per extra component); at
        most max(2, n_samples // 10): the local linear fit that tests the k-th eigenvector has
        k parameters and needs about ten points per parameter (on 20–50 points of a circle the
        later fits extrapolate, their residuals exceed 1, and D came out 14–20).
    selection_threshold : float, default=0.2
        Local-linear-regression residual above which an eigenvector is a new direction.
    random_state : int, Generator or None, default=None
        Seeds the approximate kNN and the eigensolver's start vector.
    n_jobs : int or None, default=None
        Threads for the neighbour search.

    Attributes
    ----------
    n_components_ : int
        The number D of coordinates used.
    components_ : ndarray of shape (n_components_,)
        1-based indices of the eigenvectors used (1..D; the trivial 0 is excluded).
    eigenvalues_ : ndarray of shape (n_components_,)
        λ_1 ≥ … ≥ λ_D of the Markov matrix.
    all_eigenvalues_ : ndarray of shape (n_candidates_,)
        Every eigenvalue computed.
    residuals_ : ndarray or None
        Local-linear-regression residual of each candidate (None when D was given or chosen
        on a subsample).
    selection_ : DiffusionMap or None
        The subsample's map that chose D ("amg" with ``n_components=None``), else None.
    embedding_ : ndarray of shape (n_samples, n_components_)
        ψ_D of the training points.
    eigenvectors_ : ndarray of shape (n_samples, n_candidates_)
        π-orthonormal right eigenvectors f_j.
    stationary_ : ndarray of shape (n_samples,)
        The Markov chain's stationary distribution π.
    n_graph_components_ : int
        Connected components of the graph (a warning is issued when > 1).
    graph_labels_ : ndarray of shape (n_samples,)
        Component of each training point.
    intrinsic_dim_ : float
        Estimated manifold dimension.
    nystrom_encoder_ : vdae.graph.NystromEncoder
        The out-of-sample map used by ``transform``.
    n_features_in_ : int
        Number of columns of the training data.

    See Also
    --------
    SpectralNet : The same coordinates learned by a network (linear in n).
    vdae.VDAE : The generative model built on this latent space.

    Notes
    -----
    With the self-tuning bandwidth the kernel scale follows the local density, so α = 1 removes
    the density only approximately; ``bandwidth="median"`` gives the textbook Laplace–Beltrami limit.

    Examples
    --------
    On a circle D = 2 is chosen (cos and sin of the angle), with eigenvalues close to 1:

    >>> import numpy as np
    >>> from vdae import DiffusionMap
    >>> t = np.linspace(0, 2 * np.pi, 500, endpoint=False)
    >>> X = np.c_[np.cos(t), np.sin(t)]
    >>> dm = DiffusionMap(n_neighbors=10).fit(X)
    >>> dm.n_components_
    2
    >>> dm.embedding_.shape
    (500, 2)
    >>> bool((dm.eigenvalues_ > 0.99).all())
    True
    >>> dm.transform(X[:3] * 1.01).shape
    (3, 2)
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(int, 1, None), NONE],
        "n_neighbors": [Interval(int, 2, None)],
        "alpha": [Interval(float, 0, 1)],
        "diffusion_time": [Interval(float, 0, None)],
        "bandwidth": [Options(("self_tuning", "median"))],
        "scale_neighbor": [Interval(int, 1, None), NONE],
        "knn_method": [Options(("auto", "exact", "approximate"))],
        "eigen_solver": [Options(("auto", "dense", "arpack", "shift_invert", "amg"))],
        "n_candidates": [Interval(int, 2, None)],
        "selection_threshold": [Interval(float, 0, 1, closed="neither")],
        "random_state": [RANDOM_STATE],
        "n_jobs": [Interval(int, 1, None), Interval(int, -1, -1), NONE],
    }

    def __init__(
        self,
        n_components: int | None = None,
        *,
        n_neighbors: int = 15,
        alpha: float = 1.0,
        diffusion_time: float = 1,
        bandwidth: Literal["self_tuning", "median"] = "self_tuning",
        scale_neighbor: int | None = None,
        knn_method: Literal["auto", "exact", "approximate"] = "auto",
        eigen_solver: Literal["auto", "dense", "arpack", "shift_invert", "amg"] = "auto",
        n_candidates: int = 20,
        selection_threshold: float = 0.2,
        random_state=None,
        n_jobs: int | None = None,
    ):
        store_params(self, locals())

    def _fit(self, X: np.ndarray) -> None:
        """Build the graph and compute the diffusion coordinates of X (n_samples, n_features)."""
        n = X.shape[0]
        if self.n_components is not None and self.n_components > n - 2:
            raise ValueError(
                f"n_components={self.n_components} is too large for {n} samples (at most {n - 2})."
            )
        _, seed = self._fit_seed()
        graph = self._affinity_graph(X, seed)
        K_alpha, degree, q = markov_normalize(graph.K, self.alpha)
        extra = graph.n_components - 1
        solver = self.eigen_solver
        if solver == "auto":
            solver = choose_eigen_solver(n, graph.intrinsic_dim)
        self.selection_ = None
        if self.n_components is None and solver == "amg":  # D from a subsample, see class doc
            self.selection_ = subsample_dimension(X, np.random.default_rng(seed), self)
            chosen = extra + self.selection_.n_components_ \
                - (self.selection_.n_graph_components_ - 1)
            n_eig = max(chosen, extra + 1)
        else:
            n_cand = min(self.n_candidates, max(2, n // 10))
            n_eig = self.n_components if self.n_components is not None else n_cand + extra
        n_eig = min(n_eig, n - 1 - graph.n_components)
        if n_eig < 1:
            raise ValueError(f"X: too few samples ({n}) for a diffusion map.")
        lam, F = diffusion_eigenpairs(
            K_alpha, degree, n_eig, labels=graph.labels if graph.n_components > 1 else None,
            solver=solver, random_state=seed,
        )
        if self.n_components is None and self.selection_ is None:
            self.residuals_ = local_linear_residuals(F[:, extra:], random_state=seed)
            D = extra + select_components(
                self.residuals_, graph.intrinsic_dim, threshold=self.selection_threshold,
            )
            D = extend_until_one_to_one(X, F * lam, D, random_state=seed)
        else:
            self.residuals_ = None
            D = min(self.n_components or n_eig, F.shape[1])
        self.n_components_ = int(D)
        self.components_ = np.arange(1, D + 1)
        self.all_eigenvalues_ = lam
        self.eigenvalues_ = lam[:D]
        self.eigenvectors_ = F
        self.stationary_ = degree / degree.sum()
        self.n_graph_components_ = graph.n_components
        self.graph_labels_ = graph.labels
        self.intrinsic_dim_ = graph.intrinsic_dim
        self.eigen_solver_ = solver
        self.n_features_in_ = X.shape[1]
        self.affinity_ = graph.K
        self.nystrom_encoder_ = NystromEncoder(
            X, graph.sigma, q, F[:, :D], lam[:D], float(self.alpha), float(self.diffusion_time),
            self.n_neighbors, min(self.scale_neighbor or self.n_neighbors, self.n_neighbors),
            self.bandwidth,
        )
        self.embedding_ = self.nystrom_encoder_.scaled(F[:, :D]).astype(np.float32)

    def fit_transform(self, X, y=None) -> np.ndarray:
        """Fit the diffusion map to ``X`` and return the training points' coordinates.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, one point per row.
        y : None
            Ignored; present for scikit-learn's API.

        Returns
        -------
        ndarray of shape (n_samples, n_components_), float32
            ``embedding_``: ψ_D of the training points.
        """
        return self.fit(X).embedding_

    def transform(self, X) -> np.ndarray:
        """Embed new points in diffusion coordinates by the Nyström extension.

        .. math:: ψ_j(y) = λ_j^{t-1} \\sum_i M(y, x_i) f_j(x_i)

        with M(y, ·) the Markov row of y against its ``n_neighbors`` nearest training points
        (:class:`vdae.prior.nystrom.NystromEncoder`). For a training point this reproduces its
        own coordinates up to the kNN graph's symmetrisation, so a row equal to a training point
        gets that point's exact coordinates (``fit(X).transform(X)`` equals ``fit_transform(X)``).

        Parameters
        ----------
        X : array-like of shape (n_new, n_features)
            New points, in the training data's units.

        Returns
        -------
        ndarray of shape (n_new, n_components_), float32
            The diffusion coordinates ψ_D of each row.
        """
        X = self._check_transform_input(X, "embedding_")
        Z = self.nystrom_encoder_(X)
        ind, _ = self.nystrom_encoder_._query(X, 1)
        own = (X == self.nystrom_encoder_.X_train[ind[:, 0]]).all(axis=1)
        Z[own] = self.embedding_[ind[own, 0]]
        return check_finite_output(Z)


#: Points of the exact diffusion map that chooses D on a subsample (SpectralNet with
#: ``n_components=None``; DiffusionMap with the "amg" solver).
SELECTION_SUBSAMPLE = 3000


def subsample_dimension(X: np.ndarray, rng: np.random.Generator, params) -> DiffusionMap:
    """A ``DiffusionMap(n_components=None)`` fitted on ≤ :data:`SELECTION_SUBSAMPLE` rows of X
    (n_samples, n_features) drawn from ``rng``, with the graph settings of ``params`` (an
    estimator with ``n_neighbors``, ``alpha``, ``bandwidth``, ``scale_neighbor``); its
    ``n_components_`` is the D chosen. Warnings about the subsample's graph are silenced (the
    full graph already warned)."""
    import warnings

    sub = X if X.shape[0] <= SELECTION_SUBSAMPLE else X[
        np.sort(rng.choice(X.shape[0], SELECTION_SUBSAMPLE, replace=False))
    ]
    dm = DiffusionMap(
        None, n_neighbors=min(params.n_neighbors, sub.shape[0] - 1), alpha=params.alpha,
        bandwidth=params.bandwidth, scale_neighbor=params.scale_neighbor,
        random_state=int(rng.integers(0, 2**31 - 1)),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dm.fit(sub)
    return dm
