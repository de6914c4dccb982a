"""The β-VAE baseline (Higgins et al., ICLR 2017) and the machinery every VAE baseline shares.

The VAE baselines of the paper's comparisons (Sect. 6.4) use the VDAE's architecture: an MLP
encoder with the VDAE's ``encoder_hidden`` widths and the VDAE's :class:`~vdae.nn.Decoder`
(same widths, same data standardisation), so only the latent model differs.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Sequence

import numpy as np
import torch

from .._torch import batched_apply, in_chunks, resolve_device, to_tensor
from .._validation import (
    ACTIVATION, DEVICE, BOOL, FLOAT32_SCALE, HIDDEN, NONE, RANDOM_STATE, Interval, Options,
    check_array, check_finite_output, check_random_state, torch_generator,
)
from .distributions import DiagonalNormal
from ..exceptions import TrainingDivergedError
from ..nn.likelihood import gaussian_nll
from ..nn import Decoder, make_mlp
from ..engine.loop import cosine_lr, make_adam, seeded, train_steps
from .base import GenerativeModel, load_module_state, module_state

__all__ = ["BetaVAE"]



class _PositiveFloats:
    """Constraint: a non-empty sequence of finite reals > 0."""

    def accepts(self, value: Any) -> bool:
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            return False
        items = list(value)
        return len(items) > 0 and all(isinstance(b, numbers.Real) and not isinstance(b, bool)
                                      and math.isfinite(b) and b > 0 for b in items)

    def __str__(self) -> str:
        return "a non-empty sequence of positive real numbers"


class VariationalAutoencoderBase(GenerativeModel):
    """Shared fitting, inference and persistence of the VAE baselines.

    A subclass chooses the latent model through four hooks: :meth:`_encoder_width` (outputs of
    the encoder MLP), :meth:`_posterior` (encoder output → a distribution with ``rsample``),
    :meth:`_kl` (KL of that posterior to the prior, per row) and :meth:`_prior_sample`.
    Training minimises the mean over batches of

    .. math::

        \\mathcal L_β(x) = \\frac{\\lVert x − f_θ(z)\\rVert^2}{2c} + \\frac m2 \\log 2πc
        + β\\, D_{KL}\\big(q_φ(z\\mid x)\\,\\|\\,p(z)\\big), \\qquad z \\sim q_φ(z\\mid x),

    in standardised data units (data centred and divided by their largest absolute coordinate),
    with one reparameterised draw of z per point.
    """

    _fitted_attribute = "n_features_in_"

    # ------------------------------------------------------------------ hooks
    def _encoder_width(self, n_components: int) -> int:
        raise NotImplementedError

    def _posterior(self, h: torch.Tensor):
        raise NotImplementedError

    def _kl(self, posterior) -> torch.Tensor:
        raise NotImplementedError

    def _prior_sample(self, n: int, gen: torch.Generator) -> torch.Tensor:
        raise NotImplementedError

    # ---------------------------------------------------------------- fitting
    def _schedule(self, n: int) -> tuple[int, int, int]:
        """(batch size, steps per epoch, total steps); epochs=None: max(3000 steps, 2 epochs)."""
        B = min(self.batch_size, n)
        per_epoch = max(1, math.ceil(n / B))
        total = self.epochs * per_epoch if self.epochs is not None else max(3000, 2 * per_epoch)
        return B, per_epoch, total

    def _make_networks(self, D: int, m: int) -> None:
        """Fresh encoder_ (m → encoder width) and decoder_ (D → m) on device_."""
        self.encoder_ = make_mlp(m, self.encoder_hidden, self._encoder_width(D), self.activation)
        self.decoder_ = Decoder(D, m, self.decoder_hidden, self.activation)
        self.encoder_.to(self.device_), self.decoder_.to(self.device_)
        self.n_components_, self.n_features_in_ = D, m

    def _build(self, X: np.ndarray, seed: int) -> None:
        """New networks (weights from ``seed``) with the standardisation of X."""
        with seeded(seed):
            self._make_networks(self.n_components, X.shape[1])
        x_mean = X.mean(axis=0, dtype=np.float64)
        self.decoder_.x_mean.copy_(torch.as_tensor(x_mean, dtype=torch.float32))
        self.decoder_.x_scale.fill_(float(np.abs(X - x_mean).max()) or 1.0)

    def _standardize(self, X: np.ndarray) -> torch.Tensor:
        dec = self.decoder_
        return (to_tensor(X, self.device_) - dec.x_mean) / dec.x_scale

    def _loss_terms(self, xs: torch.Tensor,
                    gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Reconstruction NLL and KL per row, each of shape (b,), for standardised xs (b, m)."""
        post = self._posterior(self.encoder_(xs))
        z = post.rsample(gen)
        recon = gaussian_nll(xs, self.decoder_.standardized(z), float(self.likelihood_variance))
        return recon, self._kl(post)

    def _train(self, Xs: torch.Tensor, beta: float, n_steps: int, per_epoch: int, B: int,
               gen: torch.Generator, desc: str) -> list[float]:
        """Minimise the β-weighted negative ELBO; returns the mean loss per epoch."""
        params = list(self.encoder_.parameters()) + list(self.decoder_.parameters())
        opt = make_adam(params, self.learning_rate)
        n = Xs.shape[0]

        def step(i: int) -> torch.Tensor:
            idx = torch.randint(n, (B,), generator=gen, device=self.device_)
            recon, kl = self._loss_terms(Xs[idx], gen)
            return (recon + beta * kl).mean()

        self.encoder_.train(), self.decoder_.train()
        history = train_steps(step, opt, n_steps, steps_per_epoch=per_epoch, desc=desc,
                              verbose=int(self.verbose), scheduler=cosine_lr(opt, n_steps))
        self.encoder_.eval(), self.decoder_.eval()
        return history

    @torch.no_grad()
    def _negative_elbo(self, Xs: torch.Tensor, gen: torch.Generator) -> float:
        """Mean negative ELBO (β = 1) over the rows of Xs, one posterior draw per row."""
        total = 0.0
        for s in range(0, Xs.shape[0], 65536):
            recon, kl = self._loss_terms(Xs[s : s + 65536], gen)
            total += float((recon + kl).sum())
        return total / Xs.shape[0]

    def _fit_weights(self, X: np.ndarray, beta: float, rng: np.random.Generator) -> None:
        """Build the networks and train them on all of X with weight β (sets history_)."""
        B, per_epoch, total = self._schedule(X.shape[0])
        self._build(X, int(rng.integers(0, 2**31 - 1)))
        gen = torch_generator(rng, self.device_)
        self.history_ = self._train(self._standardize(X), beta, total, per_epoch, B, gen,
                                    type(self).__name__)

    # --------------------------------------------------------------- inference
    def transform(self, X) -> np.ndarray:
        """Posterior location of each row of X, shape (n_samples, n_components_).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
        """
        X = self._check_X(X)
        dec = self.decoder_

        def encode(x: torch.Tensor) -> torch.Tensor:
            return self._posterior(self.encoder_((x - dec.x_mean) / dec.x_scale)).loc

        with torch.no_grad():
            return check_finite_output(batched_apply(encode, X, self.device_))

    def inverse_transform(self, Z) -> np.ndarray:
        """Decoder mean f_θ(Z) in data units, shape (n_samples, n_features_in_).

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_components_)
        """
        self._check_fitted()
        Z = check_array(Z, "Z", n_features=self.n_components_, owner=type(self).__name__)
        with torch.no_grad():
            return check_finite_output(batched_apply(self.decoder_, Z, self.device_), "Z")

    def sample(self, n_samples: int, *, random_state=None) -> np.ndarray:
        """Draws z ~ p(z) from the prior, decoded to the decoder mean f_θ(z).

        The likelihood's noise N(0, cI) is not added (it would blur every sample equally).

        Parameters
        ----------
        n_samples : int ≥ 1
        random_state : int, Generator or None

        Returns
        -------
        ndarray of shape (n_samples, n_features_in_)
        """
        self._check_fitted()
        n_samples = self._check_count(n_samples)
        gen = self._sampling_generator(random_state)
        return in_chunks(lambda a, b: self.decoder_(self._prior_sample(b - a, gen)), n_samples)

    def latent_sample(self, n_samples: int, *, random_state=None) -> np.ndarray:
        """Draws from the prior p(z), shape (n_samples, n_components_), float32 (see
        :meth:`GenerativeModel.latent_sample`)."""
        self._check_fitted()
        n_samples = self._check_count(n_samples)
        return self._prior_numpy(check_random_state(random_state), n_samples)

    def _prior_numpy(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n draws of N(0, I_D) from ``rng`` (the S-VAE projects them onto the sphere)."""
        return rng.standard_normal((n, self.n_components_)).astype(np.float32)

    # ------------------------------------------------------------- persistence
    def _get_state(self):
        tensors = {**module_state("encoder", self.encoder_),
                   **module_state("decoder", self.decoder_)}
        return tensors, {"n_components": self.n_components_, "n_features_in": self.n_features_in_,
                         "history": [float(h) for h in self.history_]}

    def _set_state(self, tensors, fitted) -> None:
        self.device_ = resolve_device(self.device)
        self._make_networks(int(fitted["n_components"]), int(fitted["n_features_in"]))
        load_module_state("encoder", self.encoder_, tensors)
        load_module_state("decoder", self.decoder_, tensors)
        self.encoder_.eval(), self.decoder_.eval()
        self.history_ = list(fitted.get("history", []))


class BetaVAE(VariationalAutoencoderBase):
    """β-VAE: Gaussian prior N(0, I), diagonal Gaussian posterior, loss NLL + β·KL.

    The encoder maps x to (μ(x), log σ²(x)); z = μ + σ ε (reparameterised); the decoder f_θ is
    the VDAE's :class:`~vdae.nn.Decoder`. The loss per point (standardised units) is

    .. math::

        \\frac{\\lVert x − f_θ(z)\\rVert^2}{2c} + \\frac m2 \\log 2πc
        + \\frac β2 \\sum_{j=1}^D \\big(μ_j^2 + σ_j^2 − 1 − \\log σ_j^2\\big).

    **Choosing β** (``beta=None``, as the paper's "cross validation procedure", Sect. 6.4): a
    ``validation_fraction`` of the data is held out; for every β of ``beta_grid`` a fresh model
    (same initial weights for all β) is trained on the rest for a short run (a quarter of the
    full run's steps, at least one epoch) and scored by its mean held-out negative ELBO *at
    β = 1* — a bound on −log p(x), so a small β cannot win merely by ignoring the KL term. The
    β with the lowest score is kept and the model is retrained on all the data with it.

    Parameters
    ----------
    n_components : int, default=2
        Latent dimension D.
    beta : float > 0 or None, default=None
        Weight of the KL term; None: chosen by the held-out criterion above.
    beta_grid : sequence of float > 0, default=(0.001, 0.01, 0.1, 1.0, 4.0)
        Candidates when ``beta`` is None.
    validation_fraction : float in (0, 1), default=0.2
        Held-out share of the data when choosing β.
    encoder_hidden, decoder_hidden : sequence of int, default=(256, 256, 256)
        Hidden widths (the VDAE's defaults).
    activation : {"relu", "silu", "tanh", "leaky_relu"}, default="relu"
    epochs : int or None, default=None
        Passes over the data; None: max(3000 steps, 2 epochs).
    batch_size : int, default=256
    learning_rate : float, default=1e-3
        Adam's, decayed by a cosine schedule.
    likelihood_variance : float >= 1e-30, default=0.01
        c of p_θ(x | z) = N(f_θ(z), c I), in standardised data units (the data lie in [−1, 1]);
        with c = 1, as in the VDAE's local bound, a global bound is best served by ignoring z.
    device : str, default="auto"
    random_state : int, Generator or None, default=None
    verbose : int, default=1

    Attributes
    ----------
    beta_ : float
        The β used for the final fit.
    cv_scores_ : ndarray of shape (len(beta_grid),) or None
        Held-out negative ELBO (nats per point, standardised units) of each grid value; None
        when ``beta`` was given. A run that diverged scores +inf.
    encoder_ : torch.nn.Sequential
        Standardised x (b, m) → (μ, log σ²) stacked, shape (b, 2D).
    decoder_ : Decoder
    history_ : list of float
        Mean loss per epoch of the final fit.
    n_components_, n_features_in_ : int
    device_ : torch.device

    Examples
    --------
    >>> import numpy as np
    >>> from vdae.models import BetaVAE
    >>> t = np.random.default_rng(0).uniform(0, 2 * np.pi, 500)
    >>> X = np.c_[np.cos(t), np.sin(t)]
    >>> model = BetaVAE(beta=1.0, epochs=5, random_state=0, verbose=0).fit(X)
    >>> model.sample(3, random_state=0).shape
    (3, 2)
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(int, 1, None)],
        "beta": [Interval(float, 0, None, closed="neither"), NONE],
        "beta_grid": [_PositiveFloats()],
        "validation_fraction": [Interval(float, 0, 1, closed="neither")],
        "encoder_hidden": [HIDDEN],
        "decoder_hidden": [HIDDEN],
        "activation": [ACTIVATION],
        "epochs": [Interval(int, 1, None), NONE],
        "batch_size": [Interval(int, 2, None)],
        "learning_rate": [Interval(float, 0, 1, closed="right")],
        "likelihood_variance": [FLOAT32_SCALE],
        "device": [DEVICE],
        "random_state": [RANDOM_STATE],
        "verbose": [Interval(int, 0, None), BOOL],
    }

    def __init__(
        self,
        n_components: int = 2,
        *,
        beta: float | None = None,
        beta_grid: Sequence[float] = (0.001, 0.01, 0.1, 1.0, 4.0),
        validation_fraction: float = 0.2,
        encoder_hidden: Sequence[int] = (256, 256, 256),
        decoder_hidden: Sequence[int] = (256, 256, 256),
        activation: str = "relu",
        epochs: int | None = None,
        batch_size: int = 256,
        learning_rate: float = 1e-3,
        likelihood_variance: float = 0.01,
        device: str = "auto",
        random_state=None,
        verbose: int = 1,
    ):
        self.n_components = n_components
        self.beta = beta
        self.beta_grid = beta_grid
        self.validation_fraction = validation_fraction
        self.encoder_hidden = encoder_hidden
        self.decoder_hidden = decoder_hidden
        self.activation = activation
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.likelihood_variance = likelihood_variance
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _encoder_width(self, n_components: int) -> int:
        return 2 * n_components

    def _posterior(self, h: torch.Tensor) -> DiagonalNormal:
        mean, log_var = h.chunk(2, dim=-1)
        return DiagonalNormal(mean, log_var.clamp(-30.0, 20.0))

    def _kl(self, posterior: DiagonalNormal) -> torch.Tensor:
        return posterior.kl_to_standard_normal()

    def _prior_sample(self, n: int, gen: torch.Generator) -> torch.Tensor:
        return torch.randn(n, self.n_components_, generator=gen, device=self.device_)

    def fit(self, X, y=None) -> "BetaVAE":
        """Choose β if needed, then train encoder and decoder on X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        X, rng = self._start_fit(X)
        if self.beta is None:
            self.beta_, self.cv_scores_ = self._select_beta(X, rng)
        else:
            self.beta_, self.cv_scores_ = float(self.beta), None
        self._fit_weights(X, self.beta_, rng)
        return self

    def _select_beta(self, X: np.ndarray, rng: np.random.Generator) -> tuple[float, np.ndarray]:
        """β of ``beta_grid`` with the lowest held-out negative ELBO at β = 1, and all scores."""
        n = X.shape[0]
        n_val = min(max(1, round(self.validation_fraction * n)), n - 1)
        perm = rng.permutation(n)
        X_val, X_tr = X[perm[:n_val]], X[perm[n_val:]]
        B, per_epoch, total = self._schedule(X_tr.shape[0])
        short = max(per_epoch, total // 4)
        init_seed, train_seed, eval_seed = (int(s) for s in rng.integers(0, 2**31 - 1, 3))

        def generator(seed: int) -> torch.Generator:  # the same draws for every β
            return torch_generator(np.random.default_rng(seed), self.device_)

        scores = []
        for beta in self.beta_grid:
            self._build(X_tr, init_seed)
            try:
                self._train(self._standardize(X_tr), float(beta), short, per_epoch, B,
                            generator(train_seed), f"BetaVAE β={beta:g}")
            except TrainingDivergedError:
                scores.append(math.inf)
                continue
            score = self._negative_elbo(self._standardize(X_val), generator(eval_seed))
            scores.append(score if math.isfinite(score) else math.inf)
        scores = np.asarray(scores, dtype=np.float64)
        if not np.isfinite(scores).any():
            raise TrainingDivergedError("BetaVAE: every β of beta_grid diverged while choosing β; "
                                        "lower the learning rate.")
        return float(self.beta_grid[int(np.argmin(scores))]), scores

    def fit_report(self) -> dict[str, float | int]:
        """``latent_dim`` and the β that ``fit`` used (chosen from ``beta_grid`` or given)."""
        return {**super().fit_report(), "beta": float(self.beta_)}

    def _get_state(self):
        tensors, fitted = super()._get_state()
        scores = None if self.cv_scores_ is None else [float(s) for s in self.cv_scores_]
        return tensors, {**fitted, "beta": self.beta_, "cv_scores": scores}

    def _set_state(self, tensors, fitted) -> None:
        super()._set_state(tensors, fitted)
        self.beta_ = float(fitted["beta"])
        scores = fitted.get("cv_scores")
        self.cv_scores_ = None if scores is None else np.asarray(scores, dtype=np.float64)
