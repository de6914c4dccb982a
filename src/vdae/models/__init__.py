"""Generative models sharing one estimator contract (:class:`GenerativeModel`)."""

from .base import GenerativeModel
from .beta_vae import BetaVAE
from .svae import HypersphericalVAE
from .vdae import VDAE
from .wgan import WGANGP

__all__ = ["GenerativeModel", "VDAE", "BetaVAE", "HypersphericalVAE", "WGANGP"]
