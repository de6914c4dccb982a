"""Multilayer perceptrons."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["make_mlp", "MLP", "ACTIVATIONS"]

ACTIVATIONS = {"relu": nn.ReLU, "silu": nn.SiLU, "tanh": nn.Tanh, "leaky_relu": nn.LeakyReLU}


#: Activations held in cache per block of an inference pass (float32 values: 2 MiB).
CACHE_VALUES = 1 << 19


class MLP(nn.Sequential):
    """``nn.Sequential`` of Linear layers and activations, with a faster inference pass.

    With gradients enabled, or on a GPU, it is ``nn.Sequential``. Without gradients on a CPU
    (``transform``, ``inverse_transform``, ``score_samples``, sampling) a batch is evaluated in
    blocks of ``block_rows`` rows, so that a layer's activations (block_rows × width values)
    stay in the processor's cache instead of streaming through memory, and ReLU / LeakyReLU
    act in place on the Linear output they follow. Same numbers as ``nn.Sequential`` (each row
    is computed alone either way); on a 6 → 256³ → 3 decoder over 200 000 rows (2 cores) the
    pass took 0.44 s against 0.85–1.04 s in one block of 65 536 rows.
    """

    @property
    def block_rows(self) -> int:
        """Rows per block of the inference pass: :data:`CACHE_VALUES` / the widest layer,
        at least 256."""
        widths = [m.out_features for m in self if isinstance(m, nn.Linear)]
        return max(256, CACHE_VALUES // max(widths + [1]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if torch.is_grad_enabled() or x.device.type != "cpu":
            return super().forward(x)
        rows = self.block_rows
        if x.shape[0] <= rows:
            return self._inference(x)
        return torch.cat([self._inference(block) for block in x.split(rows)])

    def _inference(self, h: torch.Tensor) -> torch.Tensor:
        fresh = False  # whether h is a Linear layer's own output, safe to overwrite
        for layer in self:
            if fresh and isinstance(layer, nn.ReLU):
                h = torch.relu_(h)
            elif fresh and isinstance(layer, nn.LeakyReLU):
                h = F.leaky_relu_(h, layer.negative_slope)
            else:
                h = layer(h)
                fresh = isinstance(layer, nn.Linear)
        return h


def make_mlp(
    in_dim: int, hidden: Sequence[int], out_dim: int, activation: str = "relu"
) -> MLP:
    """A fully connected network ``in_dim → hidden[0] → … → hidden[-1] → out_dim``.

    Parameters
    ----------
    in_dim, out_dim : int
        Input and output widths.
    hidden : sequence of int
        Hidden layer widths (may be empty: a linear map).
    activation : {"relu", "silu", "tanh", "leaky_relu"}
        Non-linearity after every hidden layer; the output layer is linear.

    Returns
    -------
    MLP (an ``nn.Sequential``) mapping (batch, in_dim) → (batch, out_dim)
    """
    act = ACTIVATIONS[activation]
    layers: list[nn.Module] = []
    width = in_dim
    for h in hidden:
        layers += [nn.Linear(width, int(h)), act()]
        width = int(h)
    layers.append(nn.Linear(width, out_dim))
    return MLP(*layers)


def count_flops_per_sample(model: nn.Module) -> int:
    """Multiply-adds × 2 of one forward pass through the Linear layers of ``model``."""
    return sum(2 * m.in_features * m.out_features
               for m in model.modules() if isinstance(m, nn.Linear))
