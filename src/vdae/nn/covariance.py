"""The covariance network C_φ of the VDAE's latent random walk."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from .mlp import make_mlp

__all__ = ["CovarianceNet"]


class CovarianceNet(nn.Module):
    """x ↦ L_φ(x), a lower-triangular Cholesky factor with positive diagonal; C_φ = L Lᵀ.

    The network reads the diffusion coordinates z = ψ(x) (so C_φ(x) = h_φ(ψ(x)), a function of x
    through the frozen encoder; this keeps the network small for image data). Its
    D(D+1)/2 outputs fill the lower triangle; the diagonal goes through softplus plus a floor,
    so C_φ is positive definite by construction. A fixed ``scale`` (set from the typical size of
    the targets Σ*) multiplies L so that the network works with O(1) numbers.

    Parameters
    ----------
    n_components : int
        D.
    hidden : sequence of int
        Hidden widths.
    activation : str
        See :func:`vdae.nn.make_mlp`.
    min_diag : float
        Floor of each diagonal entry of L / scale.
    """

    def __init__(
        self, n_components: int, hidden: Sequence[int] = (128, 128), activation: str = "relu",
        min_diag: float = 1e-3,
    ):
        super().__init__()
        D = n_components
        self.n_components = D
        self.min_diag = min_diag
        self.net = make_mlp(D, hidden, D * (D + 1) // 2, activation)
        rows, cols = torch.tril_indices(D, D)
        self.register_buffer("rows", rows, persistent=False)
        self.register_buffer("cols", cols, persistent=False)
        self.register_buffer("flat", rows * D + cols, persistent=False)  # in a flattened L
        self.register_buffer("scale", torch.ones(()))
        self.register_buffer("z_mean", torch.zeros(D))
        self.register_buffer("z_scale", torch.ones(()))
        # start near the identity (times scale): zero last layer, diagonal bias softplus⁻¹(1)
        last = self.net[-1]
        nn.init.zeros_(last.weight)
        bias = torch.zeros(D * (D + 1) // 2)
        bias[rows == cols] = float(torch.log(torch.expm1(torch.tensor(1.0))))
        with torch.no_grad():
            last.bias.copy_(bias)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Cholesky factors L_φ, shape (b, D, D), for latent points z of shape (b, D)."""
        raw = self.net((z - self.z_mean) / self.z_scale)
        D = self.n_components
        diag = self.rows == self.cols
        vals = torch.where(diag, F.softplus(raw) + self.min_diag, raw)
        L = raw.new_zeros(raw.shape[0], D * D).index_copy(1, self.flat, vals)
        return L.view(-1, D, D) * self.scale
