"""Random-walk sampling (paper Algorithm 2), batched over many chains."""

from __future__ import annotations

from typing import Callable

import torch

__all__ = ["random_walk", "latent_step", "shift"]


def latent_step(z: torch.Tensor, L: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """z' ~ N(z, L Lᵀ) by reparameterisation: z' = z + L ε, ε ~ N(0, I).

    Parameters
    ----------
    z : tensor of shape (b, D)
    L : tensor of shape (b, D, D)

    Returns
    -------
    tensor of shape (b, D)
    """
    eps = torch.randn(z.shape, generator=gen, device=z.device, dtype=z.dtype)
    return shift(z, L, eps)


def shift(z: torch.Tensor, L: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """z + L ε for batches: z, ε of shape (b, D), L of shape (b, D, D)."""
    return z + torch.einsum("bij,bj->bi", L, eps)


@torch.no_grad()
def random_walk(
    step: Callable[[torch.Tensor, torch.Generator], torch.Tensor],
    x0: torch.Tensor,
    n_steps: int,
    gen: torch.Generator,
    *,
    keep_trajectory: bool = True,
) -> torch.Tensor:
    """Run chains x_{t+1} = step(x_t) from the rows of ``x0``.

    Parameters
    ----------
    step : callable
        One transition x → x' for a batch, shape (b, m) → (b, m).
    x0 : tensor of shape (b, m)
        Seeds, one chain per row.
    n_steps : int
        Transitions to take (≥ 0).
    keep_trajectory : bool
        Return every state (n_steps + 1, b, m) or only the last (b, m).

    Returns
    -------
    tensor of shape (n_steps + 1, b, m) or (b, m)
    """
    states = [x0] if keep_trajectory else None
    x = x0
    for _ in range(n_steps):
        x = step(x, gen)
        if keep_trajectory:
            states.append(x)
    return torch.stack(states) if keep_trajectory else x
