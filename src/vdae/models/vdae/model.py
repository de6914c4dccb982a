"""The Variational Diffusion Autoencoder (Li, Lindenbaum, Cheng, Cloninger, ECCV 2020)."""

from __future__ import annotations

import os
from functools import partial
from typing import Literal, Sequence

import numpy as np

from ..._torch import resolve_device
from ..._validation import (
    ACTIVATION, DEVICE, BOOL, FLOAT32_SCALE, HIDDEN, IMAGE_SHAPE, NONE, RANDOM_STATE, Interval,
    Options, check_array, check_image_shape, check_n_samples, check_random_state, torch_generator,
)
from ...engine.checkpoint import Checkpointer
from ...engine.distributed import world
from ...engine.loop import seeded
from ...io import data_fingerprint
from ...nn import CovarianceNet, Decoder
from ...nn.state import load_module_state, module_state
from .checkpoints import TrainState, fitted_prior, restore_encoder, restore_fit_checkpoint, \
    save_fit_checkpoint
from .inference import VDAEInference
from .objective import local_covariance_factors
from .training import fit_encoder, fit_encoder_distributed, resolve_batch_size, \
    resolve_prior, set_scales, train_local_elbo

__all__ = ["VDAE"]


class VDAE(VDAEInference):
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
        The latent dimension D; None: chosen automatically so that ψ is one-to-one
        (:class:`vdae.DiffusionMap`).
    prior : {"auto", "spectralnet", "exact"}, default="auto"
        The encoder: SpectralNet (scales linearly in n) or the exact diffusion map with its
        Nyström extension (the training set is then stored in the model, and ψ of a new point
        costs a nearest-neighbour search among them). "auto": exact up to
        :data:`~vdae.models.vdae.training.EXACT_PRIOR_MAX` training points, SpectralNet above.
        At 2 000 points the exact map takes about 1 s where SpectralNet trains for tens of
        seconds, and its walks are as stable (``make bench-vdae``). The choice made is
        ``prior_``.
    n_neighbors : int, default=15
        Number k of nearest neighbours in the affinity graph.
    diffusion_alpha : float in [0, 1], default=1.0
        Coifman–Lafon normalisation of the kernel (1: geometry without density bias).
    diffusion_time : float ≥ 0, default=1
        The diffusion time t in ψ = λ^t f.
    bandwidth : {"self_tuning", "median"}, default="self_tuning"
        The Gaussian kernel's scales: per point, a neighbour's distance (self-tuning,
        Zelnik-Manor and Perona 2004), or the median of those distances for every point.
    alpha : float > 0, default=1.0
        The paper's α: the KL target is α Σ*(x), so α scales the covariance of one random-walk
        step. Larger α: faster mixing, bigger steps, lower precision; smaller α: the opposite.
    covariance_neighbors : int or None, default=None
        Number k of neighbours in Σ*'s neighbourhood, inside the point's graph component; None: 5%
        of n clipped to
        [30, 100]. A k-neighbourhood's size follows the sample's local density, so noise in
        Σ* couples step size to sampling fluctuations and the walk's stationary law drifts
        from the data's; k ≈ 100 keeps that drift below the metrics' noise (at n = 2000, k = 40
        let the sphere's stationary mean drift by 8% of its radius in 100 steps).
    covariance_ridge : float, default=0.1
        The ridge ρ in Σ* + ρ tr(Σ*)/D · I (relative to Σ*'s mean eigenvalue).
    likelihood_variance : float, default=1.0
        The variance c of p_θ(x' | z') = N(ψ_θ⁻¹(z'), c I) in training (Eq. 6), in standardised data
        units
        (the data are centred and divided by their largest absolute coordinate, so they lie in
        [-1, 1]); it balances the reconstruction term against the KL term. Sampling uses the
        output law learned after training instead (``residual_neighbors``).
    residual_neighbors : int ≥ 2, default=16
        Number K of seeds in the output law p_θ(x | z) that the samplers draw from
        (:mod:`vdae.models.vdae.likelihood`): the decoder's mean plus a Gaussian with the mean
        and covariance of the training residuals x_j − ψ_θ⁻¹(ψ(x_j)) of the K seeds nearest to
        z in diffusion coordinates. It restores the data's spread across the manifold (noise)
        that the mean alone drops; on noiseless data the residuals are the decoder's small
        error. Larger K: a smoother, higher-rank estimate of how the spread varies along the
        manifold, averaged over a wider region.
    neighbor_pool : {"auto", "data", "neighbors", "batch"}, default="auto"
        Where x' of Eq. 6 is searched: "batch", the paper's training batch A; "data", the
        whole training set (a choice of ours: no quantisation by the batch, but O(n) per
        point); "neighbors", the k of Σ*'s neighbourhood of x (O(k) per point: z' ~ N(ψ(x),
        C) falls inside it with high probability); "auto": "data" up to 50 000 points,
        "neighbors" above, so a training step costs the same at any n.
    decoder_hidden : sequence of int, default=(256, 256, 256)
        Hidden widths of the decoder ψ_θ⁻¹ (an MLP).
    covariance_hidden : sequence of int, default=(128, 128)
        Hidden widths of the covariance network C_φ.
    encoder_hidden : sequence of int, default=(256, 256, 256)
        Hidden widths of SpectralNet's network (``prior="spectralnet"``).
    image_shape : (h, w) or (h, w, c) or None, default=None
        The shape of one image when the rows of X are flattened images (the image loaders'
        ``Dataset.image_shape``); ψ_θ⁻¹ is then convolutional (:class:`vdae.nn.conv.ConvDecoder`,
        ``decoder_hidden`` unused). None: an MLP, for point clouds and other vectors.
    conv_channels : sequence of int, default=(32, 64, 128)
        Channels of the convolutional decoder's stages, image side first (with ``image_shape``).
    activation : {"relu", "silu", "tanh", "leaky_relu"}, default="relu"
        Nonlinearity of every hidden layer.
    epochs : int or None, default=None
        Passes over the data for C_φ and ψ_θ⁻¹; None: max(6000 steps, 2 epochs), the budget of
        :data:`~vdae.models.vdae.training.DEFAULT_STEPS` (which says why it is a number of
        steps and not a stopping rule). The steps taken are ``n_iter_``.
    encoder_epochs : int or None, default=None
        SpectralNet's epochs (None: its default).
    input_noise : float, default=0.5
        SpectralNet's input noise (see :class:`vdae.SpectralNet`).
    batch_size : int ≥ 2 or None, default=None
        Points per minibatch of Algorithm 1 (the global batch under torch.distributed). None:
        :func:`~vdae.models.vdae.training.resolve_batch_size` (128 for vectors up to 20 000
        points, where a step costs mostly its fixed overhead; 256 above and for images). The
        batch used is ``batch_size_``.
    learning_rate : float, default=2e-3
        Adam's initial rate, decayed by a cosine schedule to 2% of it.
    n_seeds : int, default=10000
        Training points kept in the model as random-walk seeds for :meth:`sample`.
    device : str, default="auto"
        Torch device ("cpu", "cuda", "cuda:1", ...); "auto": CUDA when available, else CPU.
    random_state : int, Generator or None, default=None
        Seed of every random choice of the fit (prior, initial weights, minibatches, steps).
    verbose : int or bool, default=1
        0: silent; 1: progress bars when writing to a terminal; 2: progress bars always.

    Attributes
    ----------
    n_components_ : int
        The latent dimension D used (``n_components`` or the one chosen automatically).
    encoder_ : vdae.prior.encoder.Encoder
        The frozen encoder ψ (a Nyström map or a SpectralNet network).
    decoder_ : vdae.nn.Decoder
        The decoder ψ_θ⁻¹ (torch module, with the data's standardisation).
    covariance_ : vdae.nn.CovarianceNet
        The covariance network: z ↦ L_φ(z), a Cholesky factor of C_φ.
    eigenvalues_ : ndarray of shape (n_components_,)
        The diffusion eigenvalues λ_1 ≥ ... ≥ λ_D of the prior's Markov matrix.
    seeds_ : ndarray of shape (n_seeds_, n_features_in_)
        Training points kept as random-walk seeds (min(n_seeds, n_samples) of them).
    seed_labels_ : ndarray of shape (n_seeds_,)
        Graph component of each seed.
    history_ : list of float
        Mean negative local ELBO per epoch.
    n_iter_ : int
        Optimisation steps of Algorithm 1 taken by the fit.
    batch_size_ : int
        The minibatch of Algorithm 1 (``batch_size`` resolved; set by ``fit``).
    prior_ : {"spectralnet", "exact"}
        The encoder fitted (``prior`` resolved).
    n_features_in_ : int
        Number of columns m of the training data.
    device_ : torch.device
        The device the modules live on.
    latent_density_ : LatentDensity
        The Metropolis walk's target (:func:`~vdae.models.vdae.metropolis.step_shaped_density`
        at up to 20 000 seeds), built by ``fit`` and ``load``.
    residual_law_ : ResidualLaw
        The samplers' output law p_θ(x | z) (:class:`~vdae.models.vdae.likelihood.ResidualLaw`:
        the seeds' embeddings and residuals), built by ``fit`` and ``load``.

    Notes
    -----
    Choices where the paper is silent or its code differs: Σ* is a true centred covariance of a
    k-neighbourhood (the authors' code uses an uncentred second moment, which inflates steps);
    α is honoured; the KL has its ½; samples are drawn from an output law learned after training
    (the decoder's mean plus a Gaussian fitted to nearby training residuals,
    :mod:`vdae.models.vdae.likelihood`)
    rather than from N(ψ_θ⁻¹(z), c I) with the training c (c = 1 would drown the manifold, and
    the mean alone drops the data's noise); C_φ reads ψ(x) rather than x.

    In a torch.distributed process group (e.g. launched by ``torchrun``), SpectralNet trains
    data-parallel on all ranks (the exact prior is fitted by rank 0) and rank 0 broadcasts the
    prior; C_φ and ψ_θ⁻¹ train under DistributedDataParallel, each rank drawing
    ⌈batch_size / world size⌉ points per step, so ``batch_size`` stays the global batch.
    ``history_`` holds each rank's own minibatch losses. Checkpoints and ``resume`` work as in
    one process (rank 0 writes; each rank restores its own streams; same number of processes).
    See :mod:`vdae.engine.distributed`.

    Examples
    --------
    A tiny fit on 300 points of the unit circle (a real fit uses the default budgets):

    >>> import numpy as np
    >>> from vdae import VDAE
    >>> from vdae.datasets import make_circle
    >>> X = make_circle(300, random_state=0).X
    >>> model = VDAE(n_components=1, prior="exact", epochs=20, random_state=0, verbose=0)
    >>> model = model.fit(X)
    >>> model.transform(X).shape
    (300, 1)
    >>> model.sample(5, random_state=0).shape
    (5, 2)
    >>> model.random_walk(X[:2], n_steps=3, random_state=0).shape
    (4, 2, 2)
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(int, 1, None), NONE],
        "prior": [Options(("auto", "spectralnet", "exact"))],
        "n_neighbors": [Interval(int, 2, None)],
        "diffusion_alpha": [Interval(float, 0, 1)],
        "diffusion_time": [Interval(float, 0, None)],
        "bandwidth": [Options(("self_tuning", "median"))],
        "alpha": [FLOAT32_SCALE],
        "covariance_neighbors": [Interval(int, 2, None), NONE],
        "covariance_ridge": [Interval(float, 0, None, closed="neither")],
        "likelihood_variance": [FLOAT32_SCALE],
        "residual_neighbors": [Interval(int, 2, None)],
        "neighbor_pool": [Options(("auto", "data", "neighbors", "batch"))],
        "decoder_hidden": [HIDDEN],
        "covariance_hidden": [HIDDEN],
        "encoder_hidden": [HIDDEN],
        "image_shape": [IMAGE_SHAPE, NONE],
        "conv_channels": [HIDDEN],
        "activation": [ACTIVATION],
        "epochs": [Interval(int, 1, None), NONE],
        "encoder_epochs": [Interval(int, 1, None), NONE],
        "input_noise": [Interval(float, 0, 100)],
        "batch_size": [Interval(int, 2, None), NONE],
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
        prior: Literal["auto", "spectralnet", "exact"] = "auto",
        n_neighbors: int = 15,
        diffusion_alpha: float = 1.0,
        diffusion_time: float = 1,
        bandwidth: Literal["self_tuning", "median"] = "self_tuning",
        alpha: float = 1.0,
        covariance_neighbors: int | None = None,
        covariance_ridge: float = 0.1,
        likelihood_variance: float = 1.0,
        residual_neighbors: int = 16,
        neighbor_pool: Literal["auto", "data", "neighbors", "batch"] = "auto",
        decoder_hidden: Sequence[int] = (256, 256, 256),
        covariance_hidden: Sequence[int] = (128, 128),
        encoder_hidden: Sequence[int] = (256, 256, 256),
        image_shape: Sequence[int] | None = None,
        conv_channels: Sequence[int] = (32, 64, 128),
        activation: str = "relu",
        epochs: int | None = None,
        encoder_epochs: int | None = None,
        input_noise: float = 0.5,
        batch_size: int | None = None,
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
        self.residual_neighbors = residual_neighbors
        self.neighbor_pool = neighbor_pool
        self.decoder_hidden = decoder_hidden
        self.covariance_hidden = covariance_hidden
        self.encoder_hidden = encoder_hidden
        self.image_shape = image_shape
        self.conv_channels = conv_channels
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

        The stages live in :mod:`vdae.models.vdae.training`; a fit in progress is a
        :class:`~vdae.models.vdae.checkpoints.TrainState`, never state on the estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, one point per row, in data units (rows of flattened images with
            ``image_shape``).
        y : None
            Ignored; present for scikit-learn's API.
        checkpoint : path-like or None, default=None
            Write training checkpoints here (atomically): once the prior is fitted, then every
            ``checkpoint_interval`` seconds, and on Ctrl-C (between two steps, after which
            :class:`KeyboardInterrupt` propagates). Defaults to ``resume`` when resuming.
        checkpoint_interval : float ≥ 0, default=60
            Seconds between periodic checkpoints.
        resume : path-like or None, default=None
            Continue the fit saved in this checkpoint (same ``X`` and parameters; ``verbose`` and
            ``device`` may differ). The prior is not refitted. With the same machine and thread
            count the result is bit-identical to an uninterrupted fit. Under torch.distributed
            every rank passes the same paths, rank 0 alone reads and writes the file, and the
            resumed fit needs the same number of processes.

        Returns
        -------
        VDAE
            The fitted model (``self``).

        Raises
        ------
        ValueError
            If a parameter is out of range, ``X`` is not a finite 2-d array with at least
            ``n_neighbors + 1`` rows, or a checkpoint does not match ``X`` and the parameters.
        TypeError
            If ``checkpoint`` or ``resume`` is not a path.
        vdae.exceptions.TrainingDivergedError
            If the loss becomes non-finite.
        """
        self._validate_params()
        X = check_array(X, "X", min_samples=3)
        n, m = X.shape
        check_n_samples(n, self.n_neighbors)
        check_image_shape(self.image_shape, m)
        self.batch_size_ = resolve_batch_size(self.batch_size, n, self.image_shape)
        checkpoint = self._check_checkpoint_args(checkpoint, checkpoint_interval, resume)
        rank, size = world()
        self.device_ = resolve_device(self.device)
        fingerprint = data_fingerprint(X)
        if resume is not None:
            state = restore_fit_checkpoint(self, resume, fingerprint)
        else:
            state = self._fit_prior(X, fingerprint, rank, size)
        k_cov = self.covariance_neighbors or int(np.clip(round(0.05 * n), 30, 100))
        L_star, neighbors = local_covariance_factors(
            state.Z, min(k_cov, n), ridge=self.covariance_ridge, labels=state.labels,
            return_indices=True)
        set_scales(self, X, state.Z, L_star)
        if state.arrays is not None:  # the checkpoint's weights (and identical scale buffers)
            load_module_state("decoder", self.decoder_, state.arrays)
            load_module_state("covariance", self.covariance_, state.arrays)
        saver = None
        if checkpoint is not None:
            saver = Checkpointer(partial(save_fit_checkpoint, self, checkpoint, state),
                                 checkpoint_interval)
        self.history_ = train_local_elbo(self, X, L_star, neighbors, state, saver)
        keep = np.sort(state.rng.choice(n, min(n, self.n_seeds), replace=False))
        self.seeds_, self.seed_labels_ = X[keep], state.labels[keep]
        self._build_sampling_laws()
        return self

    def _fit_prior(self, X: np.ndarray, fingerprint: dict, rank: int, size: int) -> TrainState:
        """ψ and the untrained modules, drawn from ``random_state`` in a fixed order."""
        rng = check_random_state(self.random_state)
        self.prior_ = resolve_prior(self.prior, X.shape[0])
        if size > 1:
            Z, labels, rng = fit_encoder_distributed(self, X, rng, rank)
        else:
            Z, labels = fit_encoder(self, X, int(rng.integers(0, 2**31 - 1)))
        with seeded(int(rng.integers(0, 2**31 - 1))):
            self._build_modules(Z.shape[1], X.shape[1])
        gen = torch_generator(rng, self.device_)
        if size > 1:  # every rank its own minibatches
            gen.manual_seed(int(rng.integers(0, 2**62)) + 7919 * rank)
        return TrainState(rng, gen, Z, labels, fingerprint)

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
        self.decoder_ = Decoder(D, m, self.decoder_hidden, self.activation,
                                image_shape=self.image_shape, channels=self.conv_channels)
        self.covariance_ = CovarianceNet(D, self.covariance_hidden, self.activation)


    # ------------------------------------------------------------- persistence
    def _get_state(self):
        enc_arrays, enc_fitted = self.encoder_.state()
        t = {**module_state("decoder", self.decoder_),
             **module_state("covariance", self.covariance_),
             "seeds": self.seeds_, "seed_labels": self.seed_labels_.astype(np.int64),
             "eigenvalues": np.asarray(self.eigenvalues_, np.float64), **enc_arrays}
        return t, {"n_components": self.n_components_, "n_features_in": self.n_features_in_,
                   "prior": self.prior_, "n_iter": int(self.n_iter_), **enc_fitted}

    def _set_state(self, t, fitted) -> None:
        D, m = int(fitted["n_components"]), int(fitted["n_features_in"])
        self.device_ = resolve_device(self.device)
        self.prior_ = fitted_prior(fitted, self.prior)
        self.n_iter_ = int(fitted.get("n_iter", 0))
        self._build_modules(D, m)
        load_module_state("decoder", self.decoder_, t)
        load_module_state("covariance", self.covariance_, t)
        self.encoder_ = restore_encoder(self, t, fitted)
        for mod in (self.decoder_, self.covariance_):
            mod.to(self.device_).eval()
        self.seeds_, self.seed_labels_ = t["seeds"], t["seed_labels"]
        self.eigenvalues_ = t["eigenvalues"]
        if self.seeds_.shape[1] != m:
            raise ValueError("seed array does not match n_features_in")
        self._build_sampling_laws()
