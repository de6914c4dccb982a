"""SpectralNet as a scikit-learn estimator: a network that learns the diffusion map."""

from __future__ import annotations

from functools import partial
from typing import Literal, Sequence

import numpy as np
import scipy.linalg
import scipy.sparse
import torch

from ._estimator import PriorEstimator
from .._torch import RowSource, batched_apply, column_stats, resolve_device
from .._validation import (
    ACTIVATION, BOOL, DEVICE, HIDDEN, NONE, Interval, check_finite_output, store_params,
    torch_generator,
)
from ..nn.mlp import make_mlp
from ..nn.spectralnet import SpectralNetModule, rayleigh_quotient_loss, \
    sharded_rayleigh_quotient_loss
from ..engine.distributed import all_reduce_gradients, all_reduce_sum, broadcast_arrays, \
    broadcast_json, broadcast_module, gather_rows, on_rank0, shard_bounds, world
from ..engine.loop import cosine_lr, make_adam, seeded, train_steps
from ..graph.diffusion import markov_normalize
from .diffusion_map import DiffusionMap, subsample_dimension

__all__ = ["SpectralNet"]


class SpectralNet(PriorEstimator):
    """A neural network ψ_ω trained to output the leading diffusion-map coordinates.

    SpectralNet (Shaham et al. 2018) for the *same* α-normalised Markov operator as
    :class:`vdae.DiffusionMap`: minibatches of graph edges, an orthonormalisation layer
    (Cholesky of the batch Gram matrix) and the Rayleigh-quotient loss
    (:mod:`vdae.nn.spectralnet`). After training, a Rayleigh–Ritz step on the whole graph
    rotates the outputs onto individual eigenfunctions, π-normalises them and scales them by λ^t,
    so ``transform`` approximates the diffusion map ψ_D up to sign (and rotation inside
    eigenspaces of equal eigenvalue) — on new points too. Each step costs O(batch); one epoch,
    O(n); the graph, O(n·k).

    Parameters
    ----------
    n_components : int or None, default=None
        The number D of diffusion coordinates. None: chosen as by
        ``DiffusionMap(n_components=None)`` on a subsample of ≤ 3000 points.
    n_neighbors : int, default=15
        Number k of nearest neighbours in the kNN graph.
    alpha : float in [0, 1], default=1.0
        Coifman–Lafon normalisation, as in :class:`vdae.DiffusionMap`.
    diffusion_time : float ≥ 0, default=1
        The diffusion time t: the outputs are scaled by λ^t.
    bandwidth : {"self_tuning", "median"}, default="self_tuning"
        The kernel scales, as in :class:`vdae.DiffusionMap`.
    scale_neighbor : int or None, default=None
        Which neighbour sets the kernel scale σ_i; None means ``n_neighbors``.
    knn_method : {"auto", "exact", "approximate"}, default="auto"
        Exact neighbours up to 20 000 points and on low-dimensional data above (a k-d tree:
        at most 16 features, intrinsic dimension at most 4), NN-descent otherwise
        (:func:`vdae.graph.knn.auto_method`).
    hidden : sequence of int, default=(256, 256, 256)
        Hidden widths of the network.
    activation : {"relu", "silu", "tanh", "leaky_relu"}, default="relu"
        Nonlinearity of the hidden layers.
    epochs : int or None, default=None
        Passes over n edges. None: max(1500 steps, 1 epoch).
    batch_size : int, default=512
        Edges per step (2 × batch_size points go through the network).
    learning_rate : float, default=1e-3
        Adam's initial rate; cosine decay to 2% of it.
    input_noise : float in [0, 100], default=0.5
        Gaussian noise added to the inputs during training, with expected norm
        ``input_noise`` × the median kNN radius. The Rayleigh loss then penalises variation of
        ψ off the data, so ψ is nearly constant along normal directions, like the Nyström map:
        a decoded point slightly off the manifold re-encodes to where it was decoded from,
        which keeps VDAE random walks stable. 0 disables it; far above 1 the noise drowns the
        data (and near 1e30 it overflows float32).
    device : str, default="auto"
        Torch device ("cpu", "cuda", "cuda:1", ...); "auto": CUDA when available, else CPU.
    random_state : int, Generator or None, default=None
        Seed of the graph, the initial weights and the minibatches.
    verbose : int or bool, default=1
        0: silent; 1: progress bars when writing to a terminal; 2: progress bars always.
    n_jobs : int or None, default=None
        Threads for the neighbour search (-1: all cores).

    Attributes
    ----------
    n_components_ : int
        The number D of coordinates.
    eigenvalues_ : ndarray of shape (n_components_,)
        Estimates of λ_1 ≥ … ≥ λ_D (from the Rayleigh quotients on the full graph).
    module_ : vdae.nn.SpectralNetModule
        The trained torch module (maps a float32 tensor to ψ).
    history_ : list of float
        Mean training loss per epoch (≈ Σ(1 − λ_k) at convergence).
    n_graph_components_ : int
        Connected components of the kNN graph.
    graph_labels_ : ndarray of shape (n_samples,)
        Connected component of each training point.
    intrinsic_dim_ : float
        Estimated manifold dimension.
    n_features_in_ : int
        Number of columns of the training data.
    device_ : torch.device
        The device of the network.

    See Also
    --------
    DiffusionMap : The exact diffusion map (the reference SpectralNet approximates).

    Examples
    --------
    A small network on 300 points of a circle; its two outputs approximate the circle's
    diffusion coordinates (eigenvalues close to 1):

    >>> from vdae import SpectralNet
    >>> from vdae.datasets import make_circle
    >>> X = make_circle(300, random_state=0).X
    >>> net = SpectralNet(2, hidden=(32, 32), epochs=20, random_state=0, verbose=0).fit(X)
    >>> net.transform(X).shape
    (300, 2)
    >>> bool((net.eigenvalues_ > 0.9).all())
    True
    """

    _parameter_constraints: dict = {
        **DiffusionMap._parameter_constraints,
        "hidden": [HIDDEN],
        "activation": [ACTIVATION],
        "epochs": [Interval(int, 1, None), NONE],
        "batch_size": [Interval(int, 8, None)],
        "learning_rate": [Interval(float, 0, 1, closed="right")],
        "input_noise": [Interval(float, 0, 100)],
        "device": [DEVICE],
        "verbose": [Interval(int, 0, None), BOOL],
    }
    for _k in ("eigen_solver", "n_candidates", "selection_threshold"):
        _parameter_constraints.pop(_k)

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
        hidden: Sequence[int] = (256, 256, 256),
        activation: str = "relu",
        epochs: int | None = None, batch_size: int = 512, learning_rate: float = 1e-3,
        input_noise: float = 0.5,
        device: str = "auto", random_state=None, verbose: int = 1, n_jobs: int | None = None,
    ):
        store_params(self, locals())

    # ------------------------------------------------------------------ fitting
    def _fit(self, X: np.ndarray) -> None:
        """Build the graph of X (n_samples, n_features) and train the network on it.

        In a torch.distributed process group of several ranks (``torchrun``) the fit is
        data-parallel: :meth:`_fit_data_parallel`.
        """
        rng, seed = self._fit_seed()
        self.device_ = resolve_device(self.device)
        if world()[1] > 1:
            return self._fit_data_parallel(X, rng, seed)
        op = self._operator(X, rng, seed)
        module = self._build_module(X, op["D"], seed)
        self.history_ = self._train(module, X, op["K_alpha"], op["noise_sd"],
                                    torch_generator(rng, self.device_))
        G = self._raw_outputs(module, X, op["D"])
        self._rayleigh_ritz(module, G, op["K_alpha"], op["degree"])
        self._set_fitted(module, op, X.shape[1])

    def _fit_data_parallel(self, X: np.ndarray, rng: np.random.Generator, seed: int) -> None:
        """The fit across the ranks of a process group (every rank calls it with the same X).

        Rank 0 builds the graph and chooses D, and broadcasts the Markov operator's edges;
        every rank starts from rank 0's weights and draws ⌈batch_size / world size⌉ edges per
        step from its own stream; the batch's moments are summed over ranks
        (:func:`~vdae.nn.spectralnet.sharded_rayleigh_quotient_loss`: one whitening, one loss
        for all) and so are the gradients, so every rank takes the same Adam step. For the
        Rayleigh–Ritz step every rank evaluates the network on its shard of the rows (the step's
        O(n) network pass) and rank 0 gathers the outputs, solves the D × D problem on the whole
        graph and broadcasts the result: all ranks end with the same module.
        A failure on rank 0 is raised on every rank.
        """
        rank, size = world()
        op = on_rank0(self._operator, X, rng, seed)
        op, rng = _share_operator(op, rng)
        module = self._build_module(X, op["D"], seed)
        broadcast_module(module)
        gen = torch_generator(rng, self.device_)
        gen.manual_seed(int(rng.integers(0, 2**62)) + 7919 * rank)  # every rank its own edges
        self.history_ = self._train(module, X, op["K_alpha"], op["noise_sd"], gen, shards=size)
        start, stop = shard_bounds(X.shape[0], rank, size)  # the network's outputs, sharded
        G = gather_rows(self._raw_outputs(module, X[start:stop], op["D"]))
        on_rank0(self._rayleigh_ritz, module, G, op["K_alpha"], op["degree"])
        broadcast_module(module)
        self.eigenvalues_ = broadcast_arrays(
            {"eigenvalues": self.eigenvalues_} if rank == 0 else None)["eigenvalues"]
        self._set_fitted(module, op, X.shape[1])

    def _operator(self, X: np.ndarray, rng: np.random.Generator, seed: int) -> dict:
        """The graph's Markov operator and what else training needs, as a dict: K_alpha (csr,
        (n, n)), degree (n,), D, noise_sd (input-noise standard deviation, data units), labels
        (n,), n_graph_components, intrinsic_dim. Draws the choice of D from ``rng``."""
        n, m = X.shape
        graph = self._affinity_graph(X, seed)
        K_alpha, degree, _ = markov_normalize(graph.K, self.alpha)
        D = self._choose_dimension(X, rng)
        if D > n - 2:
            raise ValueError(f"n_components={D} is too large for {n} samples (at most {n - 2}).")
        noise_sd = self.input_noise * float(np.median(graph.distances[:, -1])) / np.sqrt(m)
        return {"K_alpha": K_alpha, "degree": degree, "D": int(D), "noise_sd": noise_sd,
                "labels": graph.labels, "n_graph_components": int(graph.n_components),
                "intrinsic_dim": float(graph.intrinsic_dim)}

    def _build_module(self, X: np.ndarray, D: int, seed: int) -> SpectralNetModule:
        """The untrained network (initialised from ``seed``) with X's standardisation."""
        m = X.shape[1]
        with seeded(seed):
            body = make_mlp(m, self.hidden, D, self.activation)
        module = SpectralNetModule(body, m, D)
        mean, scale, _ = column_stats(X)
        scale = scale or 1.0
        module.in_mean.copy_(torch.as_tensor(mean, dtype=torch.float32))
        module.in_scale.fill_(float(scale))
        return module.to(self.device_)

    def _set_fitted(self, module: SpectralNetModule, op: dict, m: int) -> None:
        self.module_ = module.eval()
        self.n_components_ = op["D"]
        self.n_graph_components_ = op["n_graph_components"]
        self.graph_labels_ = op["labels"]
        self.intrinsic_dim_ = op["intrinsic_dim"]
        self.n_features_in_ = m

    def _choose_dimension(self, X: np.ndarray, rng: np.random.Generator) -> int:
        if self.n_components is not None:
            return int(self.n_components)
        self.selection_ = subsample_dimension(X, rng, self)
        return self.selection_.n_components_

    def _n_steps(self, n: int) -> tuple[int, int]:
        per_epoch = max(1, int(np.ceil(n / self.batch_size)))
        total = self.epochs * per_epoch if self.epochs is not None else max(1500, per_epoch)
        return total, per_epoch

    def _train(self, module, X, K_alpha, noise_sd: float, gen: torch.Generator,
               shards: int = 1) -> list[float]:
        """Adam on the Rayleigh quotient; ``shards`` > 1: this rank's share of a data-parallel
        fit (⌈batch_size / shards⌉ edges per step, moments and gradients summed over ranks)."""
        dev = self.device_
        coo = K_alpha.tocoo()
        rows = torch.as_tensor(coo.row, dtype=torch.long, device=dev)
        cols = torch.as_tensor(coo.col, dtype=torch.long, device=dev)
        cum = torch.as_tensor(np.cumsum(coo.data), dtype=torch.float64, device=dev)
        source = RowSource(X, dev)
        total, per_epoch = self._n_steps(X.shape[0])
        opt = make_adam(module.parameters(), self.learning_rate)
        sched = cosine_lr(opt, total)
        B, loss_fn, after_backward = self.batch_size, rayleigh_quotient_loss, None
        if shards > 1:
            B = int(np.ceil(self.batch_size / shards))
            loss_fn = partial(sharded_rayleigh_quotient_loss, all_reduce=all_reduce_sum)
            after_backward = partial(all_reduce_gradients, list(module.parameters()))

        def step(i: int) -> torch.Tensor:
            u = torch.rand(B, generator=gen, device=dev, dtype=torch.float64) * cum[-1]
            e = torch.searchsorted(cum, u).clamp_(max=cum.numel() - 1)
            xb = source.rows(torch.cat([rows[e], cols[e]]))
            if noise_sd > 0:
                xb = xb + noise_sd * torch.randn(xb.shape, generator=gen, device=dev)
            g = module.raw(xb)
            return loss_fn(g[:B], g[B:])

        module.train()
        return train_steps(step, opt, total, steps_per_epoch=per_epoch, desc="SpectralNet",
                           verbose=int(self.verbose), scheduler=sched,
                           after_backward=after_backward)

    @torch.no_grad()
    def _raw_outputs(self, module, X: np.ndarray, D: int) -> np.ndarray:
        """The network's outputs before the Rayleigh–Ritz step, (n, m) → (n, D), float64."""
        if X.shape[0] == 0:
            return np.zeros((0, D))
        return batched_apply(module.raw, X, self.device_).astype(np.float64)

    @torch.no_grad()
    def _rayleigh_ritz(self, module, G: np.ndarray, K_alpha, degree) -> None:
        """Rotate, π-normalise and scale the outputs G (n, D) of the whole graph's points
        (see class doc)."""
        pi = degree / degree.sum()
        mean = pi @ G
        Gc = G - mean
        C = Gc.T @ (pi[:, None] * Gc)
        w = np.linalg.eigvalsh(C)
        if w[0] <= 1e-10 * w[-1]:  # a direction of ψ would be noise blown up by the whitening
            raise ValueError(
                f"X: the network's {C.shape[0]} outputs are linearly dependent on X (too few "
                f"distinct points, or too narrow a network, for n_components={C.shape[0]}); lower "
                f"n_components, widen hidden or give more distinct points."
            )
        S = (Gc.T @ (degree[:, None] * Gc) - Gc.T @ (K_alpha @ Gc)) / degree.sum()
        C += 1e-10 * np.trace(C) * np.eye(C.shape[0])
        mu, U = scipy.linalg.eigh((S + S.T) / 2, (C + C.T) / 2)
        F = Gc @ U
        idx = np.argmax(np.abs(F * np.sqrt(pi)[:, None]), axis=0)
        signs = np.sign(F[idx, np.arange(F.shape[1])])
        signs[signs == 0] = 1
        U = U * signs
        lam = 1.0 - mu
        t = float(self.diffusion_time)
        module.out_mean.copy_(torch.as_tensor(mean, dtype=torch.float32))
        module.out_proj.copy_(torch.as_tensor(U, dtype=torch.float32))
        scale = np.sign(lam) * np.abs(lam) ** t
        module.out_scale.copy_(torch.as_tensor(scale, dtype=torch.float32))
        self.eigenvalues_ = lam

    # ---------------------------------------------------------------- inference
    def transform(self, X) -> np.ndarray:
        """Embed points with the trained network ψ_ω (learned diffusion coordinates).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points in the training data's units (training points or new ones).

        Returns
        -------
        ndarray of shape (n_samples, n_components_), float32
            The coordinates ψ_ω(X), approximating the diffusion map up to sign.
        """
        X = self._check_transform_input(X, "module_")
        return check_finite_output(batched_apply(self.module_, X, self.device_))


def _share_operator(op: dict | None, rng: np.random.Generator) -> tuple[dict, np.random.Generator]:
    """Rank 0's :meth:`SpectralNet._operator` result (``op``; None elsewhere) and its random
    stream after it, on every rank. ``degree`` stays on rank 0 (only the Rayleigh–Ritz step
    there uses it)."""
    K = op["K_alpha"].tocsr() if op is not None else None
    arrays = None if op is None else {"indptr": K.indptr, "indices": K.indices, "data": K.data,
                                      "labels": np.asarray(op["labels"], np.int64)}
    meta = None if op is None else {
        "shape": list(K.shape), "rng": rng.bit_generator.state,
        **{k: op[k] for k in ("D", "noise_sd", "n_graph_components", "intrinsic_dim")}}
    arrays, meta = broadcast_arrays(arrays), broadcast_json(meta)
    if op is None:
        K = scipy.sparse.csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]),
                                    shape=tuple(meta["shape"]))
        op = {"K_alpha": K, "degree": None, "labels": arrays["labels"],
              **{k: meta[k] for k in ("D", "noise_sd", "n_graph_components", "intrinsic_dim")}}
    rng.bit_generator.state = meta["rng"]
    return op, rng
