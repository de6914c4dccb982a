"""One reparameterised step of the local ELBO (paper Algorithm 1) as a torch module."""

from __future__ import annotations

import torch

from .covariance import CovarianceNet
from .decoder import Decoder

__all__ = ["LocalStep", "shift"]


def shift(z: torch.Tensor, L: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """z + L ε for batches: z, ε of shape (b, D), L of shape (b, D, D)."""
    return z + torch.einsum("bij,bj->bi", L, eps)


class LocalStep(torch.nn.Module):
    """z ↦ (L_φ(z), z' = z + L_φ(z) ε, ψ_θ⁻¹(z') in standardised units).

    A module (rather than a function of two modules) so that ``DistributedDataParallel`` sees
    every trained parameter inside ``forward``.

    Parameters
    ----------
    decoder : Decoder
        ψ_θ⁻¹, latent (D,) → data (m,).
    covariance : CovarianceNet
        C_φ = L_φ L_φᵀ, latent (D,) → Cholesky factor (D, D).
    """

    def __init__(self, decoder: Decoder, covariance: CovarianceNet) -> None:
        super().__init__()
        self.decoder, self.covariance = decoder, covariance

    def forward(self, z: torch.Tensor, eps: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """z, eps: (B, D) → L (B, D, D), z' (B, D), standardised ψ_θ⁻¹(z') (B, m)."""
        L = self.covariance(z)
        z_new = shift(z, L, eps)
        return L, z_new, self.decoder.standardized(z_new)
