"""SpectralNet as a scikit-learn estimator: a network that learns the diffusion map."""

from __future__ import annotations

from typing import Literal, Sequence

import numpy as np
import scipy.linalg
import torch

from ._estimator import PriorEstimator
from .._torch import RowSource, batched_apply, column_stats, resolve_device
from .._validation import (
    ACTIVATION, BOOL, DEVICE, HIDDEN, NONE, Interval, check_finite_output, store_params,
    torch_generator,
)
from ..nn.mlp import make_mlp
from ..nn.spectralnet import SpectralNetModule, rayleigh_quotient_loss
from ..engine.loop import cosine_lr, make_adam, seeded, train_steps
from ..graph.diffusion import markov_normalize
from .diffusion_map import DiffusionMap

__all__ = ["SpectralNet"]

#: Points used by the exact diffusion map that chooses D when ``n_components=None``.
SELECTION_SUBSAMPLE = 3000


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
        D. None: chosen as by ``DiffusionMap(n_components=None)`` on a subsample of ≤ 3000 points.
    n_neighbors, alpha, diffusion_time, bandwidth, scale_neighbor, knn_method
        The graph and operator, as in :class:`vdae.DiffusionMap`.
    hidden : sequence of int, default=(256, 256, 256)
        Hidden widths of the network.
    activation : {"relu", "silu", "tanh", "leaky_relu"}, default="relu"
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
    random_state : int, Generator or None, default=None
    verbose : int, default=1
        0 silent; 1 progress bar on a terminal; 2 always.
    n_jobs : int or None, default=None

    Attributes
    ----------
    n_components_ : int
    eigenvalues_ : ndarray of shape (n_components_,)
        Estimates of λ_1 ≥ … ≥ λ_D (from the Rayleigh quotients on the full graph).
    module_ : SpectralNetModule
        The trained torch module (maps a float32 tensor to ψ).
    history_ : list of float
        Mean training loss per epoch (≈ Σ(1 − λ_k) at convergence).
    n_graph_components_ : int
    graph_labels_ : ndarray of shape (n_samples,)
        Connected component of each training point.
    intrinsic_dim_ : float
    n_features_in_ : int
    device_ : torch.device
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
        """Build the graph of X (n_samples, n_features) and train the network on it."""
        n, m = X.shape
        rng, seed = self._fit_seed()
        self.device_ = resolve_device(self.device)
        graph = self._affinity_graph(X, seed)
        K_alpha, degree, _ = markov_normalize(graph.K, self.alpha)
        D = self._choose_dimension(X, rng)
        if D > n - 2:
            raise ValueError(f"n_components={D} is too large for {n} samples (at most {n - 2}).")
        with seeded(seed):
            body = make_mlp(m, self.hidden, D, self.activation)
        module = SpectralNetModule(body, m, D)
        mean, scale, _ = column_stats(X)
        scale = scale or 1.0
        module.in_mean.copy_(torch.as_tensor(mean, dtype=torch.float32))
        module.in_scale.fill_(float(scale))
        module.to(self.device_)
        noise_sd = self.input_noise * float(np.median(graph.distances[:, -1])) / np.sqrt(m)
        self.history_ = self._train(module, X, K_alpha, noise_sd,
                                    torch_generator(rng, self.device_))
        self._rayleigh_ritz(module, X, K_alpha, degree)
        self.module_ = module.eval()
        self.n_components_ = D
        self.n_graph_components_ = graph.n_components
        self.graph_labels_ = graph.labels
        self.intrinsic_dim_ = graph.intrinsic_dim
        self.n_features_in_ = m

    def _choose_dimension(self, X: np.ndarray, rng: np.random.Generator) -> int:
        if self.n_components is not None:
            return int(self.n_components)
        sub = X if X.shape[0] <= SELECTION_SUBSAMPLE else X[
            np.sort(rng.choice(X.shape[0], SELECTION_SUBSAMPLE, replace=False))
        ]
        dm = DiffusionMap(
            None, n_neighbors=min(self.n_neighbors, sub.shape[0] - 1), alpha=self.alpha,
            bandwidth=self.bandwidth, scale_neighbor=self.scale_neighbor,
            random_state=int(rng.integers(0, 2**31 - 1)),
        )
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the full graph already warned about components
            dm.fit(sub)
        self.selection_ = dm
        return dm.n_components_

    def _n_steps(self, n: int) -> tuple[int, int]:
        per_epoch = max(1, int(np.ceil(n / self.batch_size)))
        total = self.epochs * per_epoch if self.epochs is not None else max(1500, per_epoch)
        return total, per_epoch

    def _train(self, module, X, K_alpha, noise_sd: float, gen: torch.Generator) -> list[float]:
        dev = self.device_
        coo = K_alpha.tocoo()
        rows = torch.as_tensor(coo.row, dtype=torch.long, device=dev)
        cols = torch.as_tensor(coo.col, dtype=torch.long, device=dev)
        cum = torch.as_tensor(np.cumsum(coo.data), dtype=torch.float64, device=dev)
        source = RowSource(X, dev)
        total, per_epoch = self._n_steps(X.shape[0])
        opt = make_adam(module.parameters(), self.learning_rate)
        sched = cosine_lr(opt, total)
        B = self.batch_size

        def step(i: int) -> torch.Tensor:
            u = torch.rand(B, generator=gen, device=dev, dtype=torch.float64) * cum[-1]
            e = torch.searchsorted(cum, u).clamp_(max=cum.numel() - 1)
            xb = source.rows(torch.cat([rows[e], cols[e]]))
            if noise_sd > 0:
                xb = xb + noise_sd * torch.randn(xb.shape, generator=gen, device=dev)
            g = module.raw(xb)
            return rayleigh_quotient_loss(g[:B], g[B:])

        module.train()
        return train_steps(step, opt, total, steps_per_epoch=per_epoch, desc="SpectralNet",
                           verbose=int(self.verbose), scheduler=sched)

    @torch.no_grad()
    def _rayleigh_ritz(self, module, X, K_alpha, degree) -> None:
        """Rotate, π-normalise and scale the outputs using the whole graph (see class doc)."""
        G = batched_apply(module.raw, X, self.device_).astype(np.float64)
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
        """ψ_ω(X), the learned diffusion coordinates.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_components_), float32
        """
        X = self._check_transform_input(X, "module_")
        return check_finite_output(batched_apply(self.module_, X, self.device_))
