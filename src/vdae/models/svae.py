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
    encoder_hidden : sequence of int, default=(256, 256, 256)
        Hidden widths of the encoder MLP.
    decoder_hidden : sequence of int, default=(256, 256, 256)
        Hidden widths of the decoder MLP.
    image_shape : (h, w) or (h, w, c) or None, default=None
        The shape of one image when the rows of X are flattened images: the encoder and
        decoder are then convolutional, as in :class:`~vdae.models.BetaVAE`. None: MLPs.
    conv_channels : sequence of int, default=(32, 64, 128)
        Channels of the convolution stages, image side first (with ``image_shape``).
    activation : {"relu", "silu", "tanh", "leaky_relu"}, default="relu"
        Hidden activation of the MLPs and of the decoder.
    epochs : int or None, default=None
        Passes over the data; None: max(3000 steps, 2 epochs).
    batch_size : int ≥ 2, default=256
        Points per minibatch.
    learning_rate : float, default=1e-3
        Adam's rate, decayed by a cosine schedule.
    likelihood_variance : float >= 1e-30, default=0.01
        The variance c of p_θ(x | z) = N(f_θ(z), c I), in standardised data units.
    device : str, default="auto"
        Torch device ("cpu", "cuda", "cuda:1", ...); "auto": CUDA when available, else CPU.
    random_state : int, Generator or None, default=None
        Seed of every random draw of ``fit``.
    verbose : int or bool, default=1
        0: silent; 1: progress bars when writing to a terminal; 2: progress bars always.

    Attributes
    ----------
    encoder_ : torch.nn.Sequential or ConvEncoder
        Standardised x (b, m) → (unnormalised μ, raw κ), shape (b, D + 1).
    decoder_ : Decoder
        f_θ: latent z (b, D) → x (b, m) in data units (an MLP or, with ``image_shape``, a
        convolutional body).
    history_ : list of float
        Mean loss per epoch.
    n_components_ : int
        The dimension D of the latent sphere's ambient space.
    n_features_in_ : int
        Number of columns of the training data.
    device_ : torch.device
        The device the networks live on.

    See Also
    --------
    vdae.BetaVAE : The Gaussian-latent VAE.

    Examples
    --------
    >>> import numpy as np
    >>> from vdae import HypersphericalVAE
    >>> from vdae.datasets import make_circle
    >>> X = make_circle(300, random_state=0).X
    >>> model = HypersphericalVAE(2, epochs=5, random_state=0, verbose=0).fit(X)
    >>> Z = model.transform(X[:4])
    >>> Z.shape, np.allclose(np.linalg.norm(Z, axis=1), 1, atol=1e-5)
    ((4, 2), True)
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
        """Encode each row of ``X`` as its posterior mean direction μ(x) on the sphere.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
            Points in data units.

        Returns
        -------
        ndarray of shape (n_samples, n_components_), float32
            Unit vectors μ(x) ∈ S^{D−1}.
        """
        return super().transform(X)
