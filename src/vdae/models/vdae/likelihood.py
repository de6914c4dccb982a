"""The VDAE's output law p_θ(x | z): the decoder's mean plus the data's own spread across the
manifold, estimated from the training residuals.

The paper's likelihood is p_θ(x | z) = N(ψ_θ⁻¹(z), c I) with a fixed c. In training, c only
balances the reconstruction term against the KL term (we keep the paper's c, the estimator's
``likelihood_variance``); at sampling time a fixed isotropic c is the wrong spread: with c = 1
samples become a blob, and with the decoder's mean alone (c → 0) noisy data are reproduced as a
thin thread (a spiral with noise of sd 0.05 came back with sd 0.016).

What is learned instead, once the decoder is trained: the residuals r_j = x_j − ψ_θ⁻¹(ψ(x_j))
of the training points kept as seeds, anchored at their embeddings ψ(x_j). The output law at z
is the empirical law of the residuals of the K anchors nearest to z in diffusion coordinates,

.. math::

    p_θ(x \\mid z) = \\frac1K \\sum_{j \\in N_K(z)} δ\\big(x - ψ_θ^{-1}(z) - r_j\\big),

a nonparametric conditional law (the kernel estimate of p(r | z) with a K-nearest-neighbour
window). Why this rather than a fitted Gaussian:

- **Direction.** Noise off a manifold lives in its normal space, which turns with z. A scalar
  variance (the maximum-likelihood c of N(μ, c I), i.e. the mean squared residual per
  coordinate) spreads it over the tangent directions too: on a circle with noise of 5% of its
  radius the samples' median distance to the circle came out 0.79× the data's. A per-feature
  variance fails the same way wherever the normal is not axis-aligned. The residuals of nearby
  anchors point the right way by construction: 1.04× (median) and 1.03× (90th percentile).
- **Shape and heteroscedasticity.** Non-Gaussian or position-dependent noise is reproduced as
  it is, with no model for it.
- **Clean data.** On a noiseless manifold the residuals are the decoder's own error, far below
  1% of the diameter, so sampling from p_θ and returning the mean agree (the variance "shrinks
  to nothing" because there is nothing to learn).
- **Images.** A residual is the detail that the decoder's neighbourhood mean misses (stroke
  edges, texture); adding the residual of a nearby image restores detail of the right kind
  where Gaussian pixel noise would add static.

The walk's state stays its latent point (or, in Algorithm 2, the decoder's mean): the residual
is added to each emitted point only, so it never compounds across steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["ResidualLaw", "k_nearest"]


def k_nearest(queries: torch.Tensor, pool: torch.Tensor, k: int, chunk: int = 2048
              ) -> torch.Tensor:
    """Indices of the k pool rows nearest to each query (Euclidean), nearest first.

    Parameters
    ----------
    queries : tensor of shape (b, D)
    pool : tensor of shape (p, D)
    k : int, 1 ≤ k ≤ p
    chunk : int
        Queries compared at once (memory chunk × p).

    Returns
    -------
    tensor of shape (b, k), int64
    """
    p2 = (pool * pool).sum(1)[None, :]
    out = []
    for s in range(0, queries.shape[0], chunk):
        q = queries[s : s + chunk]
        d = torch.addmm(p2 + (q * q).sum(1, keepdim=True), q, pool.T, alpha=-2.0)
        out.append(d.topk(k, dim=1, largest=False).indices)
    if not out:
        return torch.zeros((0, k), dtype=torch.long, device=queries.device)
    return torch.cat(out)


@dataclass
class ResidualLaw:
    """The training residuals that make up the output law p_θ(x | z) (see the module).

    Attributes
    ----------
    anchors : tensor of shape (p, D)
        ψ(x_j) of the anchor training points, in diffusion coordinates.
    residuals : tensor of shape (p, m)
        r_j = x_j − ψ_θ⁻¹(ψ(x_j)), in data units.
    n_neighbors : int
        K: a draw at z takes the residual of one of the K anchors nearest to z.
    """

    anchors: torch.Tensor
    residuals: torch.Tensor
    n_neighbors: int

    @classmethod
    def from_points(cls, X: torch.Tensor, encode, decode, n_neighbors: int,
                    chunk: int = 8192) -> "ResidualLaw":
        """Anchors and residuals of the points X (p, m) under the fitted ψ (``encode``) and
        ψ_θ⁻¹ (``decode``); K is clipped to p."""
        anchors, residuals = [], []
        with torch.no_grad():
            for s in range(0, X.shape[0], chunk):
                x = X[s : s + chunk]
                z = encode(x)
                anchors.append(z)
                residuals.append(x - decode(z))
        return cls(torch.cat(anchors), torch.cat(residuals), min(n_neighbors, X.shape[0]))

    def draw(self, z: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        """One residual per latent point: that of one of the K anchors nearest to z, chosen
        uniformly (a draw of x − ψ_θ⁻¹(z) under p_θ(x | z)).

        Parameters
        ----------
        z : tensor of shape (b, D)
        gen : torch.Generator

        Returns
        -------
        tensor of shape (b, m), in data units
        """
        idx = k_nearest(z, self.anchors, self.n_neighbors)
        pick = torch.randint(self.n_neighbors, (z.shape[0], 1), generator=gen, device=z.device)
        return self.residuals[idx.gather(1, pick)[:, 0]]

    def sample(self, z: torch.Tensor, decode, gen: torch.Generator) -> torch.Tensor:
        """x ~ p_θ(x | z): ψ_θ⁻¹(z) plus a drawn residual, shape (b, m), data units."""
        with torch.no_grad():
            return decode(z) + self.draw(z, gen)
