"""Multilayer perceptrons."""

from __future__ import annotations

from typing import Sequence

from torch import nn

__all__ = ["make_mlp", "ACTIVATIONS"]

ACTIVATIONS = {"relu": nn.ReLU, "silu": nn.SiLU, "tanh": nn.Tanh, "leaky_relu": nn.LeakyReLU}


def make_mlp(
    in_dim: int, hidden: Sequence[int], out_dim: int, activation: str = "relu"
) -> nn.Sequential:
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
    torch.nn.Sequential mapping (batch, in_dim) → (batch, out_dim)
    """
    act = ACTIVATIONS[activation]
    layers: list[nn.Module] = []
    width = in_dim
    for h in hidden:
        layers += [nn.Linear(width, int(h)), act()]
        width = int(h)
    layers.append(nn.Linear(width, out_dim))
    return nn.Sequential(*layers)


def count_flops_per_sample(model: nn.Module) -> int:
    """Multiply-adds × 2 of one forward pass through the Linear layers of ``model``."""
    return sum(2 * m.in_features * m.out_features
               for m in model.modules() if isinstance(m, nn.Linear))
