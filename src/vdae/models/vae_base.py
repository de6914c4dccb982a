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
(see there); :data:`VAE_CONSTRAINTS` is the part of the parameter table they all share. What
they share with WGAN-GP (building, decoding, files) is :class:`~vdae.models.prior_decoder.
PriorDecoderModel`.
"""

from __future__ import annotations

import numpy as np
import torch

from .._validation import FLOAT32_SCALE, HIDDEN, torch_generator
from ..engine.loop import cosine_lr, make_adam, train_steps
from ..nn import Decoder, make_mlp
from ..nn.conv import ConvEncoder
from ..nn.likelihood import gaussian_nll
from .prior_decoder import BASELINE_CONSTRAINTS, PriorDecoderModel

__all__ = ["VariationalAutoencoderBase", "VAE_CONSTRAINTS"]

#: Constraints of the parameters every VAE baseline takes (besides n_components).
VAE_CONSTRAINTS: dict = {
    "encoder_hidden": [HIDDEN],
    "decoder_hidden": [HIDDEN],
    "likelihood_variance": [FLOAT32_SCALE],
    **BASELINE_CONSTRAINTS,
}


class VariationalAutoencoderBase(PriorDecoderModel):
    """Shared fitting, inference and persistence of the VAE baselines.

    A subclass chooses the latent model through four hooks: :meth:`_encoder_width` (outputs of
    the encoder), :meth:`_posterior` (encoder output → a distribution with ``rsample``),
    :meth:`_kl` (KL of that posterior to the prior, per row) and, for a prior other than
    N(0, I), :meth:`_prior_sample` (with ``_prior_numpy``).
    Training minimises the mean over batches of

    .. math::

        \\mathcal L_β(x) = \\frac{\\lVert x − f_θ(z)\\rVert^2}{2c} + \\frac m2 \\log 2πc
        + β\\, D_{KL}\\big(q_φ(z\\mid x)\\,\\|\\,p(z)\\big), \\qquad z \\sim q_φ(z\\mid x),

    in standardised data units (data centred and divided by their largest absolute coordinate),
    with one reparameterised draw of z per point.
    """

    # ------------------------------------------------------------------ hooks
    def _encoder_width(self, n_components: int) -> int:
        raise NotImplementedError

    def _posterior(self, h: torch.Tensor):
        raise NotImplementedError

    def _kl(self, posterior) -> torch.Tensor:
        raise NotImplementedError

    # ---------------------------------------------------------------- fitting
    def _default_steps(self) -> int:
        """epochs=None: max(3000 steps, 2 epochs)."""
        return 3000

    #: Hidden activation of the convolutional encoder (DCGAN's discriminator convention; the
    #: WGAN-GP critic uses the same body). ``activation`` sets the MLPs' and the decoder's.
    _conv_encoder_activation = "leaky_relu"

    def _make_networks(self, D: int, m: int) -> None:
        """Fresh encoder_ (m → encoder width) and decoder_ (D → m): MLPs, or with
        ``image_shape`` a convolutional encoder and decoder (``conv_channels``)."""
        if self.image_shape is None:
            self.encoder_ = make_mlp(m, self.encoder_hidden, self._encoder_width(D),
                                     self.activation)
        else:
            self.encoder_ = ConvEncoder(self.image_shape, self._encoder_width(D),
                                        self.conv_channels, self._conv_encoder_activation)
        self.decoder_ = Decoder(D, m, self.decoder_hidden, self.activation,
                                image_shape=self.image_shape, channels=self.conv_channels)
        self.n_components_, self.n_features_in_ = D, m

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

        self._set_training(True)
        history = train_steps(step, opt, n_steps, steps_per_epoch=per_epoch, desc=desc,
                              verbose=int(self.verbose), scheduler=cosine_lr(opt, n_steps))
        self._set_training(False)
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
        """Encode each row of ``X`` as the location of its posterior q(z | x).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
            Points in data units.

        Returns
        -------
        ndarray of shape (n_samples, n_components_), float32
            The posterior locations (the mean μ(x) of a Gaussian posterior).
        """
        return self._map_data(lambda xs: self._posterior(self.encoder_(xs)).loc, X)
