"""The Variational Diffusion Autoencoder (Li, Lindenbaum, Cheng, Cloninger, ECCV 2020)."""

from __future__ import annotations

import math
import os
from functools import partial
from typing import Literal, Sequence

import numpy as np
import torch

from ..._torch import RowSource, batched_apply, column_stats, resolve_device, to_tensor
from ..._validation import (
    ACTIVATION, DEVICE, BOOL, FLOAT32_SCALE, HIDDEN, NONE, RANDOM_STATE, Interval, Options, check_array,
    check_finite_output, check_n_samples, check_random_state, torch_generator,
)
from ...engine.checkpoint import (
    Checkpointer, generator_state, load_checkpoint, load_optimizer_state, numpy_rng_from_state,
    numpy_rng_state, optimizer_state, save_checkpoint, set_generator_state,
)
from ...engine.distributed import broadcast_arrays, broadcast_json, world
from ...exceptions import ModelFileError
from ...io import data_fingerprint
from .objective import gaussian_kl_from_target_inverse, target_inverse_factors
from ...nn.likelihood import gaussian_nll
from .objective import local_covariance_factors
from .targets import nearest_among, nearest_in_pool
from ...nn import CovarianceNet, Decoder, SpectralNetModule, make_mlp
from ...prior import DiffusionMap, SpectralNet
from ...graph.nystrom import NystromEncoder
from .metropolis import LatentDensity, metropolis_walk
from .random_walk import latent_step, random_walk, shift, stratified_seed_rows
from ...engine.loop import cosine_lr, make_adam, seeded, train_steps
from ..base import GenerativeModel, load_module_state, module_state

__all__ = ["VDAE"]


class _LocalStep(torch.nn.Module):
    """One reparameterised step of Algorithm 1 as a module (so DistributedDataParallel sees
    every parameter in ``forward``): z ↦ (L_φ(z), z' = z + L_φ(z) ε, ψ_θ⁻¹(z') standardised)."""

    def __init__(self, decoder: Decoder, covariance: CovarianceNet) -> None:
        super().__init__()
        self.decoder, self.covariance = decoder, covariance

    def forward(self, z: torch.Tensor, eps: torch.Tensor):
        L = self.covariance(z)
        z_new = shift(z, L, eps)
        return L, z_new, self.decoder.standardized(z_new)

#: Largest training set whose every point is searched for x' with neighbor_pool="auto".
POOL_DATA_MAX = 50_000


class VDAE(GenerativeModel):
    """Variational diffusion autoencoder: a generative model on the diffusion-map latent space.

    Fitting (paper Algorithm 1): a frozen encoder ψ_ω (SpectralNet, or the exact diffusion map
    with Nyström extension) embeds the data; Σ*(x) is the local covariance of the neighbours'
    embeddings (:func:`vdae.models.vdae.objective.local_covariance_factors`); the covariance network
    C_φ and the decoder ψ_θ⁻¹ are trained by minimising the negative local evidence lower bound

    .. math::

        \\mathcal L(x) = D_{KL}\\big(\\mathcal N(ψ(x), C_φ(x)) \\,\\|\\, \\mathcal N(ψ(x), α Σ_*(x))\\big)
        + \\frac{\\lVert x' - ψ_θ^{-1}(z')\\rVert^2}{2c} + \\frac m2 \\log 2πc,

    with z' = ψ(x) + L_φ(x) ε (reparameterised) and x' the training point other than x nearest
    to z' in diffusion coordinates (Eq. 6). Sampling (Algorithm 2): x → ψ(x) → z' ~ N(ψ(x),
    C_φ(x)) → x' = ψ_θ⁻¹(z'), in many chains at once.

    Parameters
    ----------
    n_components : int or None, default=None
        D; None: chosen automatically so that ψ is one-to-one (:class:`vdae.DiffusionMap`).
    prior : {"spectralnet", "exact"}, default="spectralnet"
        The encoder: SpectralNet (scales linearly in n) or the exact diffusion map with its
        Nyström extension (small data; the training set is then stored in the model).
    n_neighbors : int, default=15
        k of the affinity graph.
    diffusion_alpha : float in [0, 1], default=1.0
        Coifman–Lafon normalisation of the kernel (1: geometry without density bias).
    diffusion_time : float, default=1
        t in ψ = λ^t f.
    bandwidth : {"self_tuning", "median"}, default="self_tuning"
    alpha : float > 0, default=1.0
        The paper's α: the KL target is α Σ*(x), so α scales the covariance of one random-walk
        step. Larger α: faster mixing, bigger steps, lower precision; smaller α: the opposite.
    covariance_neighbors : int or None, default=None
        k of Σ*'s neighbourhood, inside the point's graph component; None: 5% of n clipped to
        [30, 100]. A k-neighbourhood's size follows the sample's local density, so noise in
        Σ* couples step size to sampling fluctuations and the walk's stationary law drifts
        from the data's; k ≈ 100 keeps that drift below the metrics' noise (at n = 2000, k = 40
        let the sphere's stationary mean drift by 8% of its radius in 100 steps).
    covariance_ridge : float, default=0.1
        ρ in Σ* + ρ tr(Σ*)/D · I.
    likelihood_variance : float, default=1.0
        c of p_θ(x'|z') = N(ψ_θ⁻¹(z'), c I), in standardised data units (the data are centred
        and divided by their largest absolute coordinate, so they lie in [-1, 1]).
    neighbor_pool : {"auto", "data", "neighbors", "batch"}, default="auto"
        Where x' of Eq. 6 is searched: "batch", the paper's training batch A; "data", the
        whole training set (a choice of ours: no quantisation by the batch, but O(n) per
        point); "neighbors", the k of Σ*'s neighbourhood of x (O(k) per point: z' ~ N(ψ(x),
        C) falls inside it with high probability); "auto": "data" up to 50 000 points,
        "neighbors" above, so a training step costs the same at any n.
    decoder_hidden, covariance_hidden, encoder_hidden : sequence of int
        Hidden widths of ψ_θ⁻¹, C_φ and SpectralNet.
    activation : {"relu", "silu", "tanh", "leaky_relu"}, default="relu"
    epochs : int or None, default=None
        Passes over the data for C_φ and ψ_θ⁻¹; None: max(6000 steps, 2 epochs) — the decoder's
        accuracy off the data (hence sample precision) keeps improving up to about this budget.
    encoder_epochs : int or None, default=None
        SpectralNet's epochs (None: its default).
    input_noise : float, default=0.5
        SpectralNet's input noise (see :class:`vdae.SpectralNet`).
    batch_size : int, default=256
    learning_rate : float, default=2e-3
        Adam's initial rate, decayed by a cosine schedule to 2% of it.
    n_seeds : int, default=10000
        Training points kept in the model as random-walk seeds for :meth:`sample`.
    device : str, default="auto"
    random_state : int, Generator or None, default=None
    verbose : int, default=1

    Attributes
    ----------
    n_components_ : int
    encoder_ : SpectralNetModule or NystromEncoder
    decoder_ : Decoder
    covariance_ : CovarianceNet
    eigenvalues_ : ndarray of shape (n_components_,)
    seeds_ : ndarray of shape (n_seeds_, n_features)
    seed_labels_ : ndarray of shape (n_seeds_,)
        Graph component of each seed.
    history_ : list of float
        Mean negative local ELBO per epoch.
    n_features_in_ : int
    device_ : torch.device
    acceptance_rate_ : float
        Set by the last ``chain="metropolis"`` walk: the fraction of proposals accepted.

    Notes
    -----
    Choices where the paper is silent or its code differs: Σ* is a true centred covariance of a
    k-neighbourhood (the authors' code uses an uncentred second moment, which inflates steps);
    α is honoured; the KL has its ½; samples are the decoder mean (adding N(0, cI) noise with
    c = 1 would drown the manifold); C_φ reads ψ(x) rather than x.

    In a torch.distributed process group (e.g. launched by ``torchrun``), rank 0 fits the prior
    and broadcasts it; C_φ and ψ_θ⁻¹ train under DistributedDataParallel, each rank drawing
    ⌈batch_size / world size⌉ points per step, so ``batch_size`` stays the global batch.
    ``history_`` holds each rank's own minibatch losses. See :mod:`vdae.engine.distributed`.

    Examples
    --------
    >>> import numpy as np
    >>> from vdae import VDAE
    >>> t = np.random.default_rng(0).uniform(0, 2 * np.pi, 1000)
    >>> X = np.c_[np.cos(t), np.sin(t)]
    >>> model = VDAE(epochs=20, encoder_epochs=50, random_state=0, verbose=0).fit(X)
    >>> model.sample(5, random_state=0).shape
    (5, 2)
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(int, 1, None), NONE],
        "prior": [Options(("spectralnet", "exact"))],
        "n_neighbors": [Interval(int, 2, None)],
        "diffusion_alpha": [Interval(float, 0, 1)],
        "diffusion_time": [Interval(float, 0, None)],
        "bandwidth": [Options(("self_tuning", "median"))],
        "alpha": [FLOAT32_SCALE],
        "covariance_neighbors": [Interval(int, 2, None), NONE],
        "covariance_ridge": [Interval(float, 0, None, closed="neither")],
        "likelihood_variance": [FLOAT32_SCALE],
        "neighbor_pool": [Options(("auto", "data", "neighbors", "batch"))],
        "decoder_hidden": [HIDDEN],
        "covariance_hidden": [HIDDEN],
        "encoder_hidden": [HIDDEN],
        "activation": [ACTIVATION],
        "epochs": [Interval(int, 1, None), NONE],
        "encoder_epochs": [Interval(int, 1, None), NONE],
        "input_noise": [Interval(float, 0, 100)],
        "batch_size": [Interval(int, 2, None)],
        "learning_rate": [Interval(float, 0, 1, closed="right")],
        "n_seeds": [Interval(int, 1, None)],
        "device": [DEVICE],
        "random_state": [RANDOM_STATE],
        "verbose": [Interval(int, 0, None), BOOL],
    }

    def __init__(
        self,
        n_components: int | None = None,
        *,
        prior: Literal["spectralnet", "exact"] = "spectralnet",
        n_neighbors: int = 15,
        diffusion_alpha: float = 1.0,
        diffusion_time: float = 1,
        bandwidth: Literal["self_tuning", "median"] = "self_tuning",
        alpha: float = 1.0,
        covariance_neighbors: int | None = None,
        covariance_ridge: float = 0.1,
        likelihood_variance: float = 1.0,
        neighbor_pool: Literal["auto", "data", "neighbors", "batch"] = "auto",
        decoder_hidden: Sequence[int] = (256, 256, 256),
        covariance_hidden: Sequence[int] = (128, 128),
        encoder_hidden: Sequence[int] = (256, 256, 256),
        activation: str = "relu",
        epochs: int | None = None,
        encoder_epochs: int | None = None,
        input_noise: float = 0.5,
        batch_size: int = 256,
        learning_rate: float = 2e-3,
        n_seeds: int = 10000,
        device: str = "auto",
        random_state=None,
        verbose: int = 1,
    ):
        self.n_components = n_components
        self.prior = prior
        self.n_neighbors = n_neighbors
        self.diffusion_alpha = diffusion_alpha
        self.diffusion_time = diffusion_time
        self.bandwidth = bandwidth
        self.alpha = alpha
        self.covariance_neighbors = covariance_neighbors
        self.covariance_ridge = covariance_ridge
        self.likelihood_variance = likelihood_variance
        self.neighbor_pool = neighbor_pool
        self.decoder_hidden = decoder_hidden
        self.covariance_hidden = covariance_hidden
        self.encoder_hidden = encoder_hidden
        self.activation = activation
        self.epochs = epochs
        self.encoder_epochs = encoder_epochs
        self.input_noise = input_noise
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.n_seeds = n_seeds
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y=None, *, checkpoint: str | os.PathLike | None = None,
            checkpoint_interval: float = 60.0, resume: str | os.PathLike | None = None) -> "VDAE":
        """Fit the prior, then C_φ and ψ_θ⁻¹ by the local evidence lower bound (Algorithm 1).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored
        checkpoint : path-like or None
            Write training checkpoints here (atomically): once the prior is fitted, then every
            ``checkpoint_interval`` seconds, and on Ctrl-C (between two steps, after which
            :class:`KeyboardInterrupt` propagates). Defaults to ``resume`` when resuming.
        checkpoint_interval : float ≥ 0, default=60
            Seconds between periodic checkpoints.
        resume : path-like or None
            Continue the fit saved in this checkpoint (same ``X`` and parameters; ``verbose`` and
            ``device`` may differ). The prior is not refitted. With the same machine and thread
            count the result is bit-identical to an uninterrupted fit.

        Returns
        -------
        self
        """
        self._validate_params()
        X = check_array(X, "X", min_samples=3)
        n, m = X.shape
        check_n_samples(n, self.n_neighbors)
        checkpoint = self._check_checkpoint_args(checkpoint, checkpoint_interval, resume)
        rank, size = world()
        if size > 1 and checkpoint is not None:
            raise ValueError("checkpoint and resume are not available in multi-process "
                             "training (torch.distributed) yet; fit in one process to use them.")
        self.device_ = resolve_device(self.device)
        fingerprint = data_fingerprint(X)
        if resume is not None:
            arrays, progress = load_checkpoint(resume, self)
            if progress.get("data") != fingerprint:
                raise ValueError(f"X is not the data the checkpoint {str(resume)!r} was fitted on "
                                 f"(different shape or values).")
            Z, labels, rng, gen = self._restore_checkpoint(arrays, progress)
        else:
            arrays, progress = None, None
            rng = check_random_state(self.random_state)
            if size > 1:
                Z, labels, rng = self._fit_encoder_distributed(X, rng, rank)
            else:
                Z, labels = self._fit_encoder(X, int(rng.integers(0, 2**31 - 1)))
            with seeded(int(rng.integers(0, 2**31 - 1))):
                self._build_modules(Z.shape[1], m)
            gen = torch_generator(rng, self.device_)
            if size > 1:  # every rank its own minibatches
                gen.manual_seed(int(rng.integers(0, 2**62)) + 7919 * rank)
        self._rng_state, self._fit_labels = numpy_rng_state(rng), labels
        k_cov = self.covariance_neighbors or int(np.clip(round(0.05 * n), 30, 100))
        L_star, neighbors = local_covariance_factors(
            Z, min(k_cov, n), ridge=self.covariance_ridge, labels=labels, return_indices=True)
        self._set_scales(X, Z, L_star)
        if arrays is not None:  # the checkpoint's weights (and identical scale buffers)
            load_module_state("decoder", self.decoder_, arrays)
            load_module_state("covariance", self.covariance_, arrays)
        saver = None
        if checkpoint is not None:
            saver = Checkpointer(partial(self._save_checkpoint, checkpoint, Z, fingerprint),
                                 checkpoint_interval)
        self.history_ = self._train(X, Z, L_star, neighbors, gen, arrays, progress, saver)
        keep = rng.choice(n, min(n, self.n_seeds), replace=False)
        self.seeds_, self.seed_labels_ = X[np.sort(keep)], labels[np.sort(keep)]
        del self._rng_state, self._fit_labels, self._training
        return self

    @staticmethod
    def _check_checkpoint_args(checkpoint, interval, resume):
        for name, value in (("checkpoint", checkpoint), ("resume", resume)):
            if value is not None and not isinstance(value, (str, os.PathLike)):
                raise TypeError(f"{name} must be a path (str or os.PathLike) or None; got "
                                f"{value!r}.")
        if isinstance(interval, bool) or not isinstance(interval, (int, float, np.number)) \
                or not interval >= 0:
            raise ValueError(f"checkpoint_interval must be a number of seconds >= 0; got "
                             f"{interval!r}.")
        return checkpoint if checkpoint is not None else resume

    def _build_modules(self, D: int, m: int) -> None:
        self.n_components_, self.n_features_in_ = D, m
        self.decoder_ = Decoder(D, m, self.decoder_hidden, self.activation)
        self.covariance_ = CovarianceNet(D, self.covariance_hidden, self.activation)

    def _fit_encoder_distributed(self, X: np.ndarray, rng: np.random.Generator, rank: int):
        """Rank 0 fits the prior; every rank receives its weights, the embedding and rank 0's
        random state (so all ranks build identical modules and pick identical seeds)."""
        payload = meta = None
        if rank == 0:
            Z, labels = self._fit_encoder(X, int(rng.integers(0, 2**31 - 1)))
            enc_arrays, enc_fitted = self._encoder_state()
            payload = {**enc_arrays, "prior.Z": np.asarray(Z, np.float32),
                       "prior.labels": np.asarray(labels, np.int64),
                       "prior.eigenvalues": np.asarray(self.eigenvalues_, np.float64)}
            meta = {"fitted": {"n_components": int(Z.shape[1]), **enc_fitted},
                    "rng": numpy_rng_state(rng)}
        payload, meta = broadcast_arrays(payload), broadcast_json(meta)
        if rank != 0:
            self.n_components_, self.n_features_in_ = meta["fitted"]["n_components"], X.shape[1]
            self._restore_encoder(payload, meta["fitted"])
            self.eigenvalues_ = payload["prior.eigenvalues"]
        return payload["prior.Z"], payload["prior.labels"], numpy_rng_from_state(meta["rng"])

    def _fit_encoder(self, X: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
        common = dict(n_neighbors=self.n_neighbors, alpha=self.diffusion_alpha,
                      diffusion_time=self.diffusion_time, bandwidth=self.bandwidth,
                      random_state=seed)
        if self.prior == "exact":
            dm = DiffusionMap(self.n_components, **common).fit(X)
            self.encoder_, self.eigenvalues_ = dm.nystrom_encoder_, dm.eigenvalues_
            return dm.embedding_, dm.graph_labels_
        sn = SpectralNet(self.n_components, hidden=self.encoder_hidden, activation=self.activation,
                         epochs=self.encoder_epochs, input_noise=self.input_noise,
                         device=str(self.device_), verbose=self.verbose, **common).fit(X)
        self.encoder_, self.eigenvalues_ = sn.module_, sn.eigenvalues_
        return sn.transform(X), sn.graph_labels_

    def _set_scales(self, X: np.ndarray, Z: np.ndarray, L_star: np.ndarray) -> None:
        x_mean, _, x_scale = column_stats(X)
        x_scale = x_scale or 1.0
        z_mean = Z.mean(axis=0, dtype=np.float64)
        z_scale = float(np.sqrt(np.mean((Z - z_mean) ** 2))) or 1.0
        dec, cov = self.decoder_, self.covariance_
        for mod in (dec, cov):
            mod.z_mean.copy_(torch.as_tensor(z_mean, dtype=torch.float32))
            mod.z_scale.fill_(z_scale)
        dec.x_mean.copy_(torch.as_tensor(x_mean, dtype=torch.float32))
        dec.x_scale.fill_(x_scale)
        tr = np.einsum("nij,nij->n", L_star.astype(np.float64), L_star)
        cov.scale.fill_(math.sqrt(self.alpha * float(np.median(tr)) / Z.shape[1]))
        dec.to(self.device_), cov.to(self.device_)

    def _train(self, X, Z, L_star, neighbors: np.ndarray, gen: torch.Generator, arrays=None,
               progress=None, saver: Checkpointer | None = None) -> list[float]:
        dev, B, n = self.device_, min(self.batch_size, X.shape[0] - 1), X.shape[0]
        dec, cov = self.decoder_, self.covariance_
        local = _LocalStep(dec, cov)
        rank, size = world()
        if size > 1:  # each rank its share of the global batch; gradients averaged
            B = max(1, math.ceil(B / size))
            local = torch.nn.parallel.DistributedDataParallel(local, forward_sync_buffers=False)
        source = RowSource(X, dev)
        pool = self._pool(n)
        nbr = torch.as_tensor(neighbors, device=dev) if pool == "neighbors" else None
        Zt = to_tensor(Z, dev)
        Lp_inv, logdet_p = target_inverse_factors(to_tensor(L_star, dev) * math.sqrt(self.alpha))
        per_epoch = max(1, math.ceil(n / B))
        total = self.epochs * per_epoch if self.epochs is not None else max(6000, 2 * per_epoch)
        params = list(dec.parameters()) + list(cov.parameters())
        opt = make_adam(params, self.learning_rate)
        scheduler = cosine_lr(opt, total)
        start, loop_state = 0, None
        if progress is not None:
            load_optimizer_state(opt, arrays, progress["optimizer"])
            set_generator_state(gen, arrays["ckpt.generator"])
            start, loop_state = int(progress["step"]), progress["loop"]
            scheduler.last_epoch = start
        self._training = (opt, gen)
        c = float(self.likelihood_variance)

        def step(i: int) -> torch.Tensor:
            idx = torch.randint(n, (B,), generator=gen, device=dev)
            z = Zt[idx]
            eps = torch.randn(z.shape, generator=gen, device=dev, dtype=z.dtype)
            Lq, z_new, x_hat = local(z, eps)
            if pool == "batch":
                j = idx[nearest_in_pool(z_new.detach(), z, torch.arange(B, device=dev))]
            elif pool == "neighbors":
                j = nearest_among(z_new.detach(), Zt, nbr[idx], idx)
            else:
                j = nearest_in_pool(z_new.detach(), Zt, idx)
            target = (source.rows(j) - dec.x_mean) / dec.x_scale
            recon = gaussian_nll(target, x_hat, c)
            kl = gaussian_kl_from_target_inverse(Lq, Lp_inv[idx], logdet_p[idx])
            return (recon + kl).mean()

        if saver is not None and progress is None:
            saver.save(0, {})  # the prior's work is never lost
        dec.train(), cov.train()
        history = train_steps(step, opt, total, steps_per_epoch=per_epoch, desc="VDAE",
                              verbose=int(self.verbose), scheduler=scheduler, start_step=start,
                              loop_state=loop_state, checkpointer=saver)
        dec.eval(), cov.eval()
        return history

    def _pool(self, n: int) -> str:
        if self.neighbor_pool == "auto":
            return "data" if n <= POOL_DATA_MAX else "neighbors"
        return self.neighbor_pool

    # ------------------------------------------------------------- checkpoints
    def _save_checkpoint(self, path, Z: np.ndarray, fingerprint: dict, next_step: int,
                         loop_state: dict) -> None:
        opt, gen = self._training
        opt_arrays, opt_meta = optimizer_state(opt)
        enc_arrays, enc_fitted = self._encoder_state()
        arrays = {**module_state("decoder", self.decoder_),
                  **module_state("covariance", self.covariance_), **opt_arrays, **enc_arrays,
                  "ckpt.generator": generator_state(gen), "ckpt.Z": Z,
                  "ckpt.labels": np.asarray(self._fit_labels, np.int64),
                  "eigenvalues": np.asarray(self.eigenvalues_, np.float64)}
        progress = {"step": next_step, "loop": loop_state, "optimizer": opt_meta,
                    "rng": self._rng_state, "data": fingerprint,
                    "fitted": {"n_components": self.n_components_,
                               "n_features_in": self.n_features_in_, **enc_fitted}}
        save_checkpoint(path, self, arrays, progress)

    def _restore_checkpoint(self, arrays, progress):
        """Encoder, modules, embedding, labels and generators of a checkpoint."""
        try:
            fitted = progress["fitted"]
            D, m = int(fitted["n_components"]), int(fitted["n_features_in"])
            self._build_modules(D, m)
            self._restore_encoder(arrays, fitted)
            self.eigenvalues_ = arrays["eigenvalues"]
            Z, labels = np.asarray(arrays["ckpt.Z"], np.float32), arrays["ckpt.labels"]
            rng = numpy_rng_from_state(progress["rng"])
            int(progress["step"]), progress["optimizer"]["param_groups"]
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"incomplete or inconsistent checkpoint ({exc!r}).") from None
        gen = torch.Generator(device=self.device_)
        return Z, labels, rng, gen

    # --------------------------------------------------------------- inference
    def _encode(self, x: torch.Tensor) -> torch.Tensor:
        if isinstance(self.encoder_, NystromEncoder):
            return to_tensor(self.encoder_(x.cpu().numpy()), x.device)
        return self.encoder_(x)

    def _stepper(self, step_scale: float):
        """One Algorithm-2 transition x → ψ(x) → z' ~ N(ψ(x), s² C_φ(x)) → ψ_θ⁻¹(z')."""
        s = self._check_scale(step_scale)

        def step(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
            z = self._encode(x)
            return self.decoder_(latent_step(z, s * self.covariance_(z), gen))

        return step

    @staticmethod
    def _check_scale(step_scale) -> float:
        if isinstance(step_scale, bool) or not isinstance(step_scale, (int, float, np.number)) \
                or not np.isfinite(step_scale):
            raise TypeError(f"step_scale must be a positive real number; got {step_scale!r}.")
        if step_scale <= 0:
            raise ValueError(f"step_scale must be > 0; got {step_scale!r}.")
        return float(step_scale)

    def transform(self, X) -> np.ndarray:
        """ψ(X): diffusion coordinates, shape (n_samples, n_components_)."""
        X = self._check_X(X)
        with torch.no_grad():
            return check_finite_output(batched_apply(self._encode, X, self.device_), "X")

    def inverse_transform(self, Z) -> np.ndarray:
        """ψ_θ⁻¹(Z): decoded points, shape (n_samples, n_features_in_)."""
        self._check_fitted()
        Z = check_array(Z, "Z", n_features=self.n_components_)
        with torch.no_grad():
            return check_finite_output(batched_apply(self.decoder_, Z, self.device_), "Z")

    _CHAINS = ("paper", "metropolis")
    _DENSITY_POINTS = 20000

    def _check_chain(self, chain) -> str:
        if chain not in self._CHAINS:
            raise ValueError(f"chain must be one of {self._CHAINS}; got {chain!r}.")
        return chain

    def _latent_density(self) -> LatentDensity:
        """The Metropolis walk's target (cached per fitted model): the mixture over up to
        20 000 seeds x_i of N(ψ(x_i), K_i), K_i = C_φ(x_i) · m / tr C_φ(x_i) with m the median
        trace: each kernel has the local step's shape and the typical step's size (see
        :mod:`vdae.models.vdae.metropolis`)."""
        cache = getattr(self, "_density_cache", None)
        if cache is not None and cache[0] is self.covariance_:
            return cache[1]
        rng = np.random.default_rng(0)
        n = len(self.seeds_)
        keep = np.sort(rng.choice(n, min(n, self._DENSITY_POINTS), replace=False))
        Z = to_tensor(self.transform(self.seeds_[keep]), self.device_)
        with torch.no_grad():
            factors = torch.cat([self.covariance_(c) for c in Z.split(4096)])
            trace = factors.square().sum((1, 2))
            factors = factors * (trace.median() / trace).sqrt()[:, None, None]
        labels = torch.as_tensor(self.seed_labels_[keep].astype(np.int64), device=self.device_)
        density = LatentDensity(Z, labels, factors)
        self._density_cache = (self.covariance_, density)
        return density

    def _metropolis_states(self, X0: np.ndarray, n_steps: int, gen: torch.Generator,
                           step_scale: float) -> list[torch.Tensor]:
        s = self._check_scale(step_scale)
        with torch.no_grad():
            z0 = to_tensor(self.transform(X0), self.device_)
            states, self.acceptance_rate_ = metropolis_walk(
                z0, self.covariance_, self._latent_density(), n_steps, gen, scale=s)
        return states

    def random_walk(self, X0, n_steps: int, random_state=None, *, step_scale: float = 1.0,
                    chain: str = "paper") -> np.ndarray:
        """Chains x_{t+1} ~ p(x | x_t) from each row of ``X0`` (Algorithm 2).

        Parameters
        ----------
        X0 : array-like of shape (n_chains, n_features)
            Seeds (points on or near the data manifold).
        n_steps : int ≥ 0
        random_state : int, Generator or None
        step_scale : float > 0, default=1
            s: latent steps are drawn from N(ψ(x), s² C_φ(x)) — the sampling-time counterpart of
            α (s² ≈ refitting with α·s²), trading mixing speed against precision: the decoder was
            trained on steps of scale 1, so s ≫ 1 leaves the region it knows.
        chain : {"paper", "metropolis"}, default="paper"
            "paper": Algorithm 2, re-encoding every decoded point. "metropolis" (beyond the
            paper, :mod:`vdae.models.vdae.metropolis`): the same proposals, made and accepted or rejected in
            diffusion coordinates with a mixture of Gaussians at the training points'
            embeddings, shaped like the local steps, as the target, and decoded only for output;
            its stationary law does not drift with the number of steps (the default of
            :meth:`sample`). Sets ``acceptance_rate_``.

        Returns
        -------
        ndarray of shape (n_steps + 1, n_chains, n_features); [0] is X0.
        """
        X0 = self._check_X(X0, "X0")
        n_steps = self._check_steps(n_steps)
        chain = self._check_chain(chain)
        gen = self._sampling_generator(random_state)
        if chain == "metropolis":
            states = self._metropolis_states(X0, n_steps, gen, step_scale)
            with torch.no_grad():
                traj = [to_tensor(X0, self.device_)] + [self.decoder_(z) for z in states[1:]]
            return check_finite_output(torch.stack(traj).cpu().numpy(), "X0")
        traj = random_walk(self._stepper(step_scale), to_tensor(X0, self.device_), n_steps, gen)
        return check_finite_output(traj.cpu().numpy(), "X0")

    def sample(self, n_samples: int, *, n_steps: int = 10, random_state=None,
               step_scale: float = 1.0, chain: str = "metropolis") -> np.ndarray:
        """Draws from the walk's stationary distribution: ``n_steps`` steps from data seeds.

        Seeds are drawn uniformly from ``seeds_`` (training points, themselves samples of the
        data distribution), so the chains start near stationarity and ``n_steps`` only has to
        decorrelate them from their seeds; 10 steps is the default (see the mixing benchmark).
        On a disconnected graph the chains never leave their seed's component, so the seeds are
        stratified by component (:func:`stratified_seed_rows`): each component gets
        ⌊n w⌋ or ⌈n w⌉ chains for its share w of the seeds, instead of a multinomial count whose
        noise alone moved GW ×1000 from 0.2 to 3–5 on two equal clusters (51–53 % of 1000
        independent draws in one cluster).
        ``step_scale`` and ``chain`` as in :meth:`random_walk`, except that ``chain`` defaults
        to "metropolis" here: its stationary law is fixed (the training embeddings, each
        blurred by a kernel shaped like the local step), so quality does not decay with
        ``n_steps``. The paper's walk (``chain="paper"``) has a state-dependent step covariance
        and therefore a stationary law that drifts from the data's: from 10 to 100 steps its
        GW ×1000 grew 1.1–2.3× on circle, torus and bunny (n = 2000, seeds 0 and 1), while the
        Metropolis chain's stayed within GW's noise (``benchmarks/vdae_quality.py`` prints
        both).

        Returns
        -------
        ndarray of shape (n_samples, n_features_in_)
        """
        self._check_fitted()
        n_samples = self._check_count(n_samples)
        n_steps = self._check_steps(n_steps)
        chain = self._check_chain(chain)
        rng = check_random_state(random_state)
        gen = self._sampling_generator(rng)
        seeds = self.seeds_[stratified_seed_rows(self.seed_labels_, n_samples, rng)]
        if chain == "metropolis":
            out = []
            for s in range(0, n_samples, 65536):
                z = self._metropolis_states(seeds[s : s + 65536], n_steps, gen, step_scale)[-1]
                with torch.no_grad():
                    out.append(self.decoder_(z).cpu().numpy())
            return check_finite_output(np.concatenate(out), "seeds")
        step = self._stepper(step_scale)
        out = [random_walk(step, to_tensor(seeds[s : s + 65536], self.device_), n_steps,
                           gen, keep_trajectory=False).cpu().numpy()
               for s in range(0, n_samples, 65536)]
        return np.concatenate(out)

    def burst(self, x, n_samples: int, random_state=None, *, step_scale: float = 1.0) -> np.ndarray:
        """Single-step draws from p(x' | x) (paper Fig. 4 d–f).

        Parameters
        ----------
        x : array-like of shape (n_features,) or (1, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_features_in_)
        """
        self._check_fitted()
        x = check_array(x, "x", n_features=self.n_features_in_, allow_1d_sample=True,
                        owner=type(self).__name__)
        if x.shape[0] != 1:
            raise ValueError(f"x must be a single point; got {x.shape[0]} rows.")
        n_samples = self._check_count(n_samples)
        gen = self._sampling_generator(random_state)
        X0 = to_tensor(np.repeat(x, n_samples, axis=0), self.device_)
        with torch.no_grad():
            return check_finite_output(self._stepper(step_scale)(X0, gen).cpu().numpy(), "x")

    def latent_sample(self, n_samples: int, *, random_state=None) -> np.ndarray:
        """ψ of seeds drawn from ``seeds_`` (the VDAE's latent law is the data's embedding).

        Without replacement while ``n_samples`` ≤ the number of seeds, with replacement above.

        Returns
        -------
        ndarray of shape (n_samples, n_components_), float32
        """
        self._check_fitted()
        n_samples = self._check_count(n_samples)
        rng = check_random_state(random_state)
        n = len(self.seeds_)
        rows = rng.choice(n, n_samples, replace=n_samples > n)
        return self.transform(self.seeds_[np.sort(rows)])

    # ------------------------------------------------------------- persistence
    def _encoder_state(self) -> tuple[dict, dict]:
        if isinstance(self.encoder_, NystromEncoder):
            e = self.encoder_
            return ({"nystrom.X": e.X_train, "nystrom.sigma": e.sigma, "nystrom.q": e.q,
                     "nystrom.F": e.eigenvectors, "nystrom.lam": e.eigenvalues},
                    {"scale_neighbor": e.scale_neighbor})
        return module_state("encoder", self.encoder_), {}

    def _restore_encoder(self, t: dict, fitted: dict) -> None:
        D, m = self.n_components_, self.n_features_in_
        if self.prior == "exact":
            self.encoder_ = NystromEncoder(
                t["nystrom.X"], t["nystrom.sigma"], t["nystrom.q"], t["nystrom.F"], t["nystrom.lam"],
                float(self.diffusion_alpha), float(self.diffusion_time), self.n_neighbors,
                int(fitted["scale_neighbor"]), self.bandwidth)
        else:
            self.encoder_ = SpectralNetModule(make_mlp(m, self.encoder_hidden, D, self.activation),
                                              m, D)
            load_module_state("encoder", self.encoder_, t)
            self.encoder_.to(self.device_).eval()

    def _get_state(self):
        enc_arrays, enc_fitted = self._encoder_state()
        t = {**module_state("decoder", self.decoder_), **module_state("covariance", self.covariance_),
             "seeds": self.seeds_, "seed_labels": self.seed_labels_.astype(np.int64),
             "eigenvalues": np.asarray(self.eigenvalues_, np.float64), **enc_arrays}
        return t, {"n_components": self.n_components_, "n_features_in": self.n_features_in_,
                   **enc_fitted}

    def _set_state(self, t, fitted) -> None:
        D, m = int(fitted["n_components"]), int(fitted["n_features_in"])
        self.device_ = resolve_device(self.device)
        self._build_modules(D, m)
        load_module_state("decoder", self.decoder_, t)
        load_module_state("covariance", self.covariance_, t)
        self._restore_encoder(t, fitted)
        for mod in (self.decoder_, self.covariance_):
            mod.to(self.device_).eval()
        self.seeds_, self.seed_labels_ = t["seeds"], t["seed_labels"]
        self.eigenvalues_ = t["eigenvalues"]
        if self.seeds_.shape[1] != m:
            raise ValueError("seed array does not match n_features_in")
