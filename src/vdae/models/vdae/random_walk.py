"""Random-walk sampling (paper Algorithm 2), batched over many chains."""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from ...nn.local_step import shift

__all__ = ["random_walk", "latent_step", "stratified_seed_rows"]


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


def stratified_seed_rows(labels: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of n seed rows, drawn uniformly within each label's rows, with the labels' counts
    fixed by systematic sampling.

    Label c with a share w_c of the rows gets ⌊n w_c⌋ or ⌈n w_c⌉ of the n draws (expected count
    exactly n w_c: the integers of u + ℤ, u ~ U(0, 1), falling in c's stretch of [0, n)), so a
    set of chains that cannot leave their seed's graph component carries each component's
    mass without multinomial noise. With a single label this is ``rng.integers(0, len, n)``.

    Parameters
    ----------
    labels : ndarray of shape (n_rows,)
        Component label of each row.
    n : int
        Number of draws.
    rng : numpy Generator

    Returns
    -------
    ndarray of shape (n,), int64, row indices in random order
    """
    labels = np.asarray(labels)
    values, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if len(values) == 1:
        return rng.integers(0, len(labels), n)
    edges = np.concatenate([[0.0], np.cumsum(n * counts / counts.sum())])
    edges[-1] = n  # exact, so the quotas sum to n: ⌊n − u⌋ − ⌊−u⌋ = n for u in [0, 1)
    u = rng.uniform()
    quota = np.diff(np.floor(edges - u)).astype(np.int64)
    order = np.argsort(inverse, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rows = np.concatenate([order[starts[c] + rng.integers(0, counts[c], q)]
                           for c, q in enumerate(quota)])
    return rows[rng.permutation(n)]

