"""Convolutional bodies for image data: an encoder (image → vector) and a decoder (vector → image).

Images travel through the library as flattened rows of shape (b, h·w·c), in the order of numpy's
``reshape`` of an (h, w) or (h, w, c) array (the data-set loaders' order). These bodies reshape
them internally, so a network that takes images is a drop-in replacement for an MLP of the same
input and output widths.

The architecture is the DCGAN/WGAN-GP family's (Radford et al. 2016; Gulrajani et al. 2017):
5 × 5 convolutions of stride 2 halve the image (rounding up) at each of ``len(channels)`` stages;
the decoder mirrors the encoder with transposed convolutions, cropping each stage back to the
encoder's size at that depth, so any image size works (28 × 28 → 14 → 7 → 4 and back).
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from .mlp import ACTIVATIONS

__all__ = ["ConvEncoder", "ConvDecoder", "image_geometry", "stage_sizes"]


def image_geometry(image_shape: Sequence[int]) -> tuple[int, int, int]:
    """(height, width, channels) of an image shape (h, w) or (h, w, c)."""
    shape = tuple(int(s) for s in image_shape)
    if len(shape) == 2:
        return shape[0], shape[1], 1
    if len(shape) == 3:
        return shape
    raise ValueError(f"image_shape must be (height, width) or (height, width, channels); "
                     f"got {image_shape!r}.")


def stage_sizes(height: int, width: int, n_stages: int) -> list[tuple[int, int]]:
    """Spatial size after each stride-2 stage, from the input: [(h, w), (⌈h/2⌉, ⌈w/2⌉), …]."""
    sizes = [(height, width)]
    for _ in range(n_stages):
        h, w = sizes[-1]
        sizes.append(((h + 1) // 2, (w + 1) // 2))
    return sizes


def _to_images(x: torch.Tensor, h: int, w: int, c: int) -> torch.Tensor:
    """Flattened rows (b, h·w·c) → (b, c, h, w)."""
    return x.reshape(x.shape[0], h, w, c).permute(0, 3, 1, 2)


def _to_rows(img: torch.Tensor) -> torch.Tensor:
    """(b, c, h, w) → flattened rows (b, h·w·c) in numpy's (h, w, c) order."""
    return img.permute(0, 2, 3, 1).reshape(img.shape[0], -1)


class ConvEncoder(nn.Module):
    """Flattened images (b, h·w·c) → (b, out_dim): strided convolutions, then one linear layer.

    Parameters
    ----------
    image_shape : (h, w) or (h, w, c)
    out_dim : int
        Output width (e.g. 2D for a Gaussian posterior, 1 for a critic, D for SpectralNet).
    channels : sequence of int, default=(32, 64, 128)
        Channels of the convolution stages (each halves the image).
    activation : {"relu", "silu", "tanh", "leaky_relu"}, default="leaky_relu"
    """

    def __init__(self, image_shape: Sequence[int], out_dim: int,
                 channels: Sequence[int] = (32, 64, 128), activation: str = "leaky_relu"):
        super().__init__()
        self.h, self.w, self.c = image_geometry(image_shape)
        act = ACTIVATIONS[activation]
        layers: list[nn.Module] = []
        width = self.c
        for ch in channels:
            layers += [nn.Conv2d(width, int(ch), 5, stride=2, padding=2), act()]
            width = int(ch)
        self.features = nn.Sequential(*layers)
        fh, fw = stage_sizes(self.h, self.w, len(channels))[-1]
        self.head = nn.Linear(width * fh * fw, out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x of shape (b, h·w·c) → (b, out_dim)."""
        f = self.features(_to_images(x, self.h, self.w, self.c))
        return self.head(f.flatten(1))


class ConvDecoder(nn.Module):
    """(b, in_dim) → flattened images (b, h·w·c): one linear layer, then transposed convolutions.

    Parameters
    ----------
    in_dim : int
        Input width (the latent dimension D).
    image_shape : (h, w) or (h, w, c)
    channels : sequence of int, default=(32, 64, 128)
        The encoder's channels, listed from the image side: the decoder starts from the last
        (deepest) and ends with a linear output layer (no squashing: outputs are in the
        decoder's standardised units).
    activation : {"relu", "silu", "tanh", "leaky_relu"}, default="relu"
    """

    def __init__(self, in_dim: int, image_shape: Sequence[int],
                 channels: Sequence[int] = (32, 64, 128), activation: str = "relu"):
        super().__init__()
        self.h, self.w, self.c = image_geometry(image_shape)
        act = ACTIVATIONS[activation]
        channels = [int(ch) for ch in channels]
        self.sizes = stage_sizes(self.h, self.w, len(channels))
        fh, fw = self.sizes[-1]
        self.start = (channels[-1], fh, fw)
        self.head = nn.Sequential(nn.Linear(in_dim, channels[-1] * fh * fw), act())
        outs = channels[-2::-1] + [self.c]
        self.stages = nn.ModuleList(
            nn.ConvTranspose2d(cin, cout, 5, stride=2, padding=2, output_padding=1)
            for cin, cout in zip(channels[::-1], outs))
        self.act = act()

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """z of shape (b, in_dim) → (b, h·w·c)."""
        x = self.head(z).reshape(z.shape[0], *self.start)
        last = len(self.stages) - 1
        for i, stage in enumerate(self.stages):
            h, w = self.sizes[last - i]
            x = stage(x)[:, :, :h, :w]
            if i < last:
                x = self.act(x)
        return _to_rows(x)
