"""SpectralNet (Shaham et al., ICLR 2018) for the α-normalised diffusion operator.

The network g_ω: R^m → R^D is trained so that its whitened outputs span the leading
non-trivial eigenfunctions of the Markov matrix M = D⁻¹K^(α). For a batch of edges (i, j) drawn
with probability K^(α)_ij / Σ K^(α) — whose endpoints are then distributed as the stationary
π — the loss is the generalised Rayleigh quotient

.. math::

    \\mathcal L = \\operatorname{tr}\\big(C^{-1} S\\big), \\quad
    C = \\widehat{\\mathrm{Cov}}_\\pi[g], \\quad
    S = \\tfrac12\\,\\widehat{\\mathbb E}_{(i,j)}\\big[(g_i - g_j)(g_i - g_j)^\\top\\big],

i.e. the Dirichlet energy of the outputs after the orthonormalisation layer
ŷ = (g − m) L⁻ᵀ with L Lᵀ = C (Cholesky of the batch Gram matrix). Its minimum over
D-dimensional function spaces is Σ_{k=1}^{D} (1 − λ_k), reached by span(f_1, …, f_D).

Data-parallel training (several processes, each holding a shard of the batch of edges) uses
:func:`sharded_rayleigh_quotient_loss`: the shards' sums of g, of (g − m)(g − m)ᵀ and of the
edge differences' outer products are all-reduced, so every shard whitens with the same C (the
same Cholesky factor, bit for bit) and computes the same loss, that of the whole batch.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

__all__ = ["SpectralNetModule", "rayleigh_quotient_loss", "sharded_rayleigh_quotient_loss",
           "batch_whitening"]


def batch_whitening(G: torch.Tensor, jitter: float = 1e-6) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and Cholesky factor of the covariance of the rows of ``G``.

    Parameters
    ----------
    G : tensor of shape (b, D)

    Returns
    -------
    mean : tensor of shape (D,)
    L : tensor of shape (D, D), lower triangular with L Lᵀ = Cov(G) + jitter·tr/D·I
        (jitter grows tenfold until the factorisation succeeds).
    """
    mean = G.mean(dim=0)
    Gc = G - mean
    C = Gc.T @ Gc / G.shape[0]
    return mean, jittered_cholesky(C, jitter)


def jittered_cholesky(C: torch.Tensor, jitter: float = 1e-6) -> torch.Tensor:
    """Lower Cholesky factor L of C + jitter·tr(C)/D·I, shape (D, D), C of shape (D, D).

    The jitter grows tenfold (up to 8 times) until the factorisation succeeds.
    """
    eye = torch.eye(C.shape[0], dtype=C.dtype, device=C.device)
    scale = (torch.trace(C) / C.shape[0]).detach().clamp_min(1e-12)
    for _ in range(8):
        L, info = torch.linalg.cholesky_ex(C + jitter * scale * eye)
        if int(info) == 0:
            return L
        jitter *= 10
    raise FloatingPointError("batch covariance is not positive definite even with jitter")


def rayleigh_quotient_loss(g_head: torch.Tensor, g_tail: torch.Tensor) -> torch.Tensor:
    """tr(C⁻¹S) for a batch of edges (see module docstring).

    Parameters
    ----------
    g_head, g_tail : tensor of shape (b, D)
        Network outputs at the two ends of b edges sampled ∝ K^(α).

    Returns
    -------
    scalar tensor ≈ Σ_k (1 − λ_k) at the optimum.
    """
    _, L = batch_whitening(torch.cat([g_head, g_tail], dim=0))
    diff = g_head - g_tail
    # whitened differences: L⁻¹ (g_i − g_j)
    w = torch.linalg.solve_triangular(L, diff.T, upper=False)
    return 0.5 * (w**2).sum() / diff.shape[0]


def sharded_rayleigh_quotient_loss(g_head: torch.Tensor, g_tail: torch.Tensor,
                                   all_reduce: Callable[[torch.Tensor], torch.Tensor]
                                   ) -> torch.Tensor:
    """tr(C⁻¹S) of a batch of edges split into shards, one per process.

    Parameters
    ----------
    g_head, g_tail : tensor of shape (b, D)
        This shard's network outputs at the two ends of its b edges (b may differ by shard).
    all_reduce : callable
        Sums a tensor over the shards, giving every shard the same result (outside autograd);
        the identity in one process.

    Returns
    -------
    scalar tensor
        Its value is the loss of the whole batch (m, C and S from all shards: every shard
        applies the same whitening and gets the same bits); its gradient is with respect to
        this shard's outputs only, so the shards' gradients summed are the whole batch's.
        Equal to :func:`rayleigh_quotient_loss` of the concatenated batch up to rounding.
    """
    G = torch.cat([g_head, g_tail], dim=0)
    sums = all_reduce(torch.cat([G.detach().sum(dim=0), G.new_tensor([G.shape[0]])]))
    n_points = sums[-1]
    Gc = G - sums[:-1] / n_points  # the mean's own gradient is zero: Σ (g_i − m) = 0
    diff = g_head - g_tail
    local = torch.stack([Gc.T @ Gc, diff.T @ diff])
    both = all_reduce(local.detach()) + (local - local.detach())  # value: the sum over shards
    L = jittered_cholesky(both[0] / n_points)
    half = torch.linalg.solve_triangular(L, both[1], upper=False)  # L⁻¹ Σ d dᵀ
    whitened = torch.linalg.solve_triangular(L, half.T, upper=False)  # L⁻¹ Σ d dᵀ L⁻ᵀ
    return 0.5 * torch.trace(whitened) / (n_points / 2)


class SpectralNetModule(nn.Module):
    """ψ(x) = ((g_ω((x − μ)/s) − m) U) · λ^t: the network plus its fitted output map.

    Parameters
    ----------
    body : nn.Module
        g_ω, mapping (b, m) → (b, D).
    n_features, n_components : int
        m and D.

    Buffers
    -------
    in_mean (m,), in_scale (): input standardisation; out_mean (D,), out_proj (D, D): π-centring
    and the Rayleigh–Ritz rotation/whitening; out_scale (D,): λ^t.
    """

    def __init__(self, body: nn.Module, n_features: int, n_components: int):
        super().__init__()
        self.body = body
        self.register_buffer("in_mean", torch.zeros(n_features))
        self.register_buffer("in_scale", torch.ones(()))
        self.register_buffer("out_mean", torch.zeros(n_components))
        self.register_buffer("out_proj", torch.eye(n_components))
        self.register_buffer("out_scale", torch.ones(n_components))

    def raw(self, x: torch.Tensor) -> torch.Tensor:
        """g_ω on standardised input, shape (b, D).

        In inference (eval mode, no autograd) the standardisation is folded into the first
        linear layer, W((x − μ)/s) + b = (W/s) x + (b − W μ / s), which saves two passes over
        the (b, m) input: out-of-sample embedding is memory-bound for wide inputs.
        """
        first = self.body[0] if isinstance(self.body, nn.Sequential) else None
        if not self.training and not torch.is_grad_enabled() and isinstance(first, nn.Linear):
            W = first.weight / self.in_scale
            b = first.bias - W @ self.in_mean if first.bias is not None else -(W @ self.in_mean)
            return self.body[1:](nn.functional.linear(x, W, b))
        return self.body((x - self.in_mean) / self.in_scale)

    def eigenfunctions(self, x: torch.Tensor) -> torch.Tensor:
        """f_1..f_D at x (π-orthonormal on the training data), shape (b, D)."""
        return (self.raw(x) - self.out_mean) @ self.out_proj

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Diffusion coordinates ψ(x) = λ^t f(x), shape (b, D)."""
        return self.eigenfunctions(x) * self.out_scale
