"""Plain torch modules: no scikit-learn, no I/O."""

from .mlp import make_mlp
from .spectralnet import SpectralNetModule, rayleigh_quotient_loss
from .covariance import CovarianceNet
from .decoder import Decoder
from .local_step import LocalStep

__all__ = ["make_mlp", "SpectralNetModule", "rayleigh_quotient_loss", "CovarianceNet", "Decoder",
           "LocalStep"]
