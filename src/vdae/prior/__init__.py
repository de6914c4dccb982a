"""The diffusion-map prior: affinity graphs, exact diffusion maps, and SpectralNet."""

from .diffusion_map import DiffusionMap

__all__ = ["DiffusionMap"]
