"""vdae: Variational Diffusion Autoencoders (Li, Lindenbaum, Cheng, Cloninger, ECCV 2020).

A generative model whose latent space is the diffusion-map embedding of the data and which
generates by random walks on the data manifold.
"""

from .models import VDAE, BetaVAE, HypersphericalVAE, WGANGP
from .prior import DiffusionMap, SpectralNet

__version__ = "0.1.0"

__all__ = [
    "VDAE",
    "DiffusionMap",
    "SpectralNet",
    "BetaVAE",
    "HypersphericalVAE",
    "WGANGP",
    "__version__",
]
