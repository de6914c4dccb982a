"""The decoder ψ_θ⁻¹ of the VDAE: diffusion coordinates → data space."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import nn

from .conv import ConvDecoder
from .mlp import make_mlp

__all__ = ["Decoder"]


class Decoder(nn.Module):
    """A network from latent z (b, D) to data x (b, m), working in standardised units.

    ``z`` is standardised by (z_mean, z_scale) and the output de-standardised by
    (x_mean, x_scale): buffers set at fit time and saved with the weights.

    Parameters
    ----------
    n_components, n_features : int
        D and m.
    hidden : sequence of int, default=(256, 256, 256)
        Hidden widths of the MLP body (used when ``image_shape`` is None).
    activation : {"relu", "silu", "tanh", "leaky_relu"}, default="relu"
    image_shape : (h, w) or (h, w, c) or None, default=None
        When given (h·w·c = m), the body is a :class:`~vdae.nn.conv.ConvDecoder` with
        ``channels``; the rows of x are then flattened images.
    channels : sequence of int, default=(32, 64, 128)
        The convolutional body's channels (image side first).
    """

    def __init__(
        self, n_components: int, n_features: int, hidden: Sequence[int] = (256, 256, 256),
        activation: str = "relu", image_shape: Sequence[int] | None = None,
        channels: Sequence[int] = (32, 64, 128),
    ):
        super().__init__()
        if image_shape is None:
            self.net = make_mlp(n_components, hidden, n_features, activation)
        else:
            self.net = ConvDecoder(n_components, image_shape, channels, activation)
        self.register_buffer("z_mean", torch.zeros(n_components))
        self.register_buffer("z_scale", torch.ones(()))
        self.register_buffer("x_mean", torch.zeros(n_features))
        self.register_buffer("x_scale", torch.ones(()))

    def set_data_scale(self, X: np.ndarray) -> None:
        """x_mean ← the column means of X (n, m); x_scale ← the largest absolute centred
        coordinate (1 for constant data), so that standardised data lie in [−1, 1]."""
        x_mean = X.mean(axis=0, dtype=np.float64)
        self.x_mean.copy_(torch.as_tensor(x_mean, dtype=torch.float32))
        self.x_scale.fill_(float(np.abs(X - x_mean).max()) or 1.0)

    def standardize(self, x: torch.Tensor) -> torch.Tensor:
        """Data x (b, m) in the decoder's standardised units, (x − x_mean) / x_scale."""
        return (x - self.x_mean) / self.x_scale

    def standardized(self, z: torch.Tensor) -> torch.Tensor:
        """Decoder output in standardised data units, shape (b, m)."""
        return self.net((z - self.z_mean) / self.z_scale)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Decoded points in data units, shape (b, m)."""
        return self.standardized(z) * self.x_scale + self.x_mean
