"""The diffusion-map prior: affinity graphs, exact diffusion maps, and SpectralNet."""

from .diffusion_map import DiffusionMap
from .encoder import ENCODERS, Encoder, NystromMap, SpectralNetMap
from .spectral_net import SpectralNet

__all__ = ["DiffusionMap", "SpectralNet", "Encoder", "NystromMap", "SpectralNetMap", "ENCODERS"]
