"""What every VAE baseline shares: fitting by the ELBO, encoding, decoding, sampling, files.

The VAE baselines of the paper's comparisons (Sect. 6.4) use the VDAE's architecture: an MLP
encoder with the VDAE's ``encoder_hidden`` widths and the VDAE's :class:`~vdae.nn.Decoder`
(same widths, same data standardisation), so only the latent model differs. On images
(``image_shape`` given, the same option and defaults as the VDAE's) both networks are
convolutional, DCGAN/WGAN-GP style (:mod:`vdae.nn.conv`): the encoder a
:class:`~vdae.nn.conv.ConvEncoder` (5 × 5 stride-2 convolutions with ``conv_channels``
channels and LeakyReLU, then a linear layer) and the decoder the VDAE's convolutional
:class:`~vdae.nn.Decoder` (its mirror, transposed convolutions). A baseline is a
subclass of :class:`VariationalAutoencoderBase` that sets its latent model through four hooks
(see there); :data:`VAE_CONSTRAINTS` is the part of the parameter table they all share.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .._torch import batched_apply, resolve_device, to_tensor
from .._validation import (
    ACTIVATION, BOOL, DEVICE, FLOAT32_SCALE, HIDDEN, IMAGE_SHAPE, NONE, RANDOM_STATE, Interval,
    check_array, check_finite_output, torch_generator,
)
from ..engine.loop import cosine_lr, make_adam, seeded, train_steps
from ..nn import Decoder, make_mlp
from ..nn.conv import ConvEncoder
from ..nn.likelihood import gaussian_nll
from ..nn.state import load_module_state, module_state
from .base import DecodedPriorMixin, GenerativeModel

__all__ = ["VariationalAutoencoderBase", "VAE_CONSTRAINTS"]

#: Constraints of the parameters every VAE baseline takes (besides n_components).
VAE_CONSTRAINTS: dict = {
    "encoder_hidden": [HIDDEN],
    "decoder_hidden": [HIDDEN],
    "image_shape": [IMAGE_SHAPE, NONE],
    "conv_channels": [HIDDEN],
    "activation": [ACTIVATION],
    "epochs": [Interval(int, 1, None), NONE],
    "batch_size": [Interval(int, 2, None)],
    "learning_rate": [Interval(float, 0, 1, closed="right")],
    "likelihood_variance": [FLOAT32_SCALE],
    "device": [DEVICE],
    "random_state": [RANDOM_STATE],
    "verbose": [Interval(int, 0, None), BOOL],
}


class VariationalAutoencoderBase(DecodedPriorMixin, GenerativeModel):
    """Shared fitting, inference and persistence of the VAE baselines.

    A subclass chooses the latent model through four hooks: :meth:`_encoder_width` (outputs of
    the encoder), :meth:`_posterior` (encoder output → a distribution with ``rsample``),
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

    #: Hidden activation of the convolutional encoder (DCGAN's discriminator convention; the
    #: WGAN-GP critic uses the same body). ``activation`` sets the MLPs' and the decoder's.
    _conv_encoder_activation = "leaky_relu"

    def _make_networks(self, D: int, m: int) -> None:
        """Fresh encoder_ (m → encoder width) and decoder_ (D → m) on device_: MLPs, or with
        ``image_shape`` a convolutional encoder and decoder (``conv_channels``)."""
        if self.image_shape is None:
            self.encoder_ = make_mlp(m, self.encoder_hidden, self._encoder_width(D),
                                     self.activation)
        else:
            self.encoder_ = ConvEncoder(self.image_shape, self._encoder_width(D),
                                        self.conv_channels, self._conv_encoder_activation)
        self.decoder_ = Decoder(D, m, self.decoder_hidden, self.activation,
                                image_shape=self.image_shape, channels=self.conv_channels)
        self.encoder_.to(self.device_), self.decoder_.to(self.device_)
        self.n_components_, self.n_features_in_ = D, m

    def _build(self, X: np.ndarray, seed: int) -> None:
        """New networks (weights from ``seed``) with the standardisation of X."""
        with seeded(seed):
            self._make_networks(self.n_components, X.shape[1])
        self.decoder_.set_data_scale(X)

    def _standardize(self, X: np.ndarray) -> torch.Tensor:
        return self.decoder_.standardize(to_tensor(X, self.device_))

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

    def _fit(self, X: np.ndarray, rng: np.random.Generator) -> None:
        """Train on all of X by the ELBO (β = 1); the β-VAE overrides this to choose β."""
        self._fit_weights(X, 1.0, rng)

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
            return self._posterior(self.encoder_(dec.standardize(x))).loc

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

    def _decoder_module(self) -> Decoder:
        return self.decoder_

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
