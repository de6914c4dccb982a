"""The hyperspherical VAE baseline (S-VAE; Davidson, Falorsi, De Cao, Kipf, Tomczak, UAI 2018)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch.nn import functional as F

from .._validation import Interval, store_params
from .distributions import VonMisesFisher, sample_uniform_sphere
from .vae_base import VAE_CONSTRAINTS, VariationalAutoencoderBase

__all__ = ["HypersphericalVAE"]


class HypersphericalVAE(VariationalAutoencoderBase):
    """S-VAE: a VAE whose latent space is the sphere S^{D−1} ⊂ R^D.

    Prior: the uniform distribution on S^{D−1}. Posterior: von Mises–Fisher vMF(μ(x), κ(x)),
    with μ(x) the normalised first D encoder outputs and κ(x) = softplus(h_{D+1}(x)) + 1 (the
    +1, as in Davidson et al., keeps the posterior away from the flat κ → 0 limit where the
    sampler's gradient is poorest). The decoder f_θ is the VDAE's :class:`~vdae.nn.Decoder`
    applied to points of the sphere. The loss per point (standardised data units) is

    .. math::

        \\frac{\\lVert x − f_θ(z)\\rVert^2}{2c} + \\frac m2 \\log 2πc
        + D_{KL}\\big(\\mathrm{vMF}(μ(x), κ(x))\\,\\|\\,U(S^{D-1})\\big),
        \\qquad z \\sim \\mathrm{vMF}(μ(x), κ(x)),

    with z drawn by the reparameterised rejection sampler of
    :meth:`vdae.models.distributions.VonMisesFisher.rsample` and the KL in closed form
    (:meth:`~vdae.models.distributions.VonMisesFisher.kl_to_uniform`).

    Parameters
    ----------
    n_components : int ≥ 2, default=3
        D, the ambient dimension of the latent sphere S^{D−1} (D = 2: a circle, D = 3: S²).
    encoder_hidden, decoder_hidden, image_shape, conv_channels, activation
        The networks, as in :class:`~vdae.models.BetaVAE` (same defaults): MLPs, or with
        ``image_shape`` (the shape of one image when the rows are flattened images) a
        convolutional encoder and decoder of ``conv_channels``.
    epochs, batch_size, learning_rate, likelihood_variance
        The training, as in :class:`~vdae.models.BetaVAE` (same defaults).
    device, random_state, verbose
        As in :class:`~vdae.models.BetaVAE`.

    Attributes
    ----------
    encoder_ : torch.nn.Sequential or ConvEncoder
        Standardised x (b, m) → (unnormalised μ, raw κ), shape (b, D + 1).
    decoder_ : Decoder
        f_θ: latent z (b, D) → x (b, m) in data units (an MLP or, with ``image_shape``, a
        convolutional body).
    history_ : list of float
        Mean loss per epoch.
    n_components_, n_features_in_ : int
    device_ : torch.device

    Examples
    --------
    >>> import numpy as np
    >>> from vdae.models import HypersphericalVAE
    >>> t = np.random.default_rng(0).uniform(0, 2 * np.pi, 500)
    >>> X = np.c_[np.cos(t), np.sin(t)]
    >>> model = HypersphericalVAE(2, epochs=5, random_state=0, verbose=0).fit(X)
    >>> model.transform(X[:4]).shape
    (4, 2)
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(int, 2, None)],
        **VAE_CONSTRAINTS,
    }

    def __init__(
        self,
        n_components: int = 3,
        *,
        encoder_hidden: Sequence[int] = (256, 256, 256),
        decoder_hidden: Sequence[int] = (256, 256, 256),
        image_shape: Sequence[int] | None = None,
        conv_channels: Sequence[int] = (32, 64, 128),
        activation: str = "relu",
        epochs: int | None = None, batch_size: int = 256, learning_rate: float = 1e-3,
        likelihood_variance: float = 0.01,
        device: str = "auto", random_state=None, verbose: int = 1,
    ):
        store_params(self, locals())

    def _encoder_width(self, n_components: int) -> int:
        return n_components + 1

    def _posterior(self, h: torch.Tensor) -> VonMisesFisher:
        loc = F.normalize(h[:, :-1], dim=-1, eps=1e-12)
        return VonMisesFisher(loc, F.softplus(h[:, -1]) + 1.0)

    def _kl(self, posterior: VonMisesFisher) -> torch.Tensor:
        return posterior.kl_to_uniform()

    def _prior_sample(self, n: int, gen: torch.Generator) -> torch.Tensor:
        return sample_uniform_sphere(n, self.n_components_, gen, device=self.device_)

    def _prior_numpy(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n draws of the uniform law on S^{D−1} from ``rng`` (normalised Gaussians)."""
        Z = super()._prior_numpy(rng, n)
        return Z / np.linalg.norm(Z, axis=1, keepdims=True)

    def transform(self, X) -> np.ndarray:
        """Posterior mean direction μ(x) of each row (unit vectors), shape (n_samples, D).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
        """
        return super().transform(X)
