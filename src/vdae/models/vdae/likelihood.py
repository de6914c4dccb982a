r"""The VDAE's output law p_θ(x | z): the decoder's mean plus the data's own spread across the
manifold, estimated from the training residuals.

The paper's likelihood is p_θ(x | z) = N(ψ_θ⁻¹(z), c I) with a fixed c. In training, c only
balances the reconstruction term against the KL term (we keep the paper's c, the estimator's
``likelihood_variance``); at sampling time a fixed isotropic c is the wrong spread: with c = 1
samples become a blob, and with the decoder's mean alone (c → 0) noisy data are reproduced as a
thin thread (a spiral with noise of sd 0.05 came back with sd 0.015).

What is learned instead, once the decoder is trained: the residuals r_j = x_j − ψ_θ⁻¹(ψ(x_j))
of the training points kept as seeds, anchored at their embeddings ψ(x_j). The output law at z
is the Gaussian with the mean and covariance of the residuals of the K anchors N_K(z) nearest to
z in diffusion coordinates,

.. math::

    p_θ(x \mid z) = \mathcal N\big(ψ_θ^{-1}(z) + \bar r(z),\ Σ_r(z)\big), \qquad
    Σ_r(z) = \frac{1}{K-1} \sum_{j \in N_K(z)} (r_j - \bar r)(r_j - \bar r)^\top,

a covariance that is a function of z, of rank ≤ K − 1, never formed: a draw is
ψ_θ⁻¹(z) + r̄ + Σ_j w_j (r_j − r̄) with w_j ~ N(0, 1/(K − 1)), O(K m) per point. It is the
maximum-likelihood Gaussian of the residuals in a K-nearest-neighbour window (with the unbiased
covariance). Why this rather than a global variance or the residuals themselves:

- **Direction.** Noise off a manifold lives in its normal space, which turns with z. A scalar
  variance (the maximum-likelihood c of N(μ, c I), the mean squared residual per coordinate)
  spreads it over the tangent directions too: the samples' median distance to the manifold
  came out 0.67–0.89× the data's on circles and spheres with noise of 2–10% of the radius
  (``make bench-noise``, column "scalar-c"), against 0.97–1.11× for this law. A per-feature variance fails the same way wherever the normal is not
  axis-aligned. The covariance of nearby residuals points the right way by construction.
- **Heteroscedasticity.** The window follows z, so noise whose size varies along the manifold
  is followed too.
- **Clean data.** On a noiseless manifold the residuals are the decoder's own error (mostly
  along the manifold), so samples stay as close to it as the means (unit sphere, default VDAE,
  2000 samples: median distance 0.101% of the diameter with the law, 0.100% without).
- **No copies.** Drawing one nearby residual as it is (the empirical law) reproduced the
  spread as well on point clouds, but on images a draw was then a training image's detail
  pasted on the mean: on Frey its distance to the nearest training face was 0.52 of a real
  face's, against 1.12 for the Gaussian at the same FD. The Gaussian mixes K residuals.
- **Images.** A residual is the detail that the decoder's neighbourhood mean misses (edges,
  texture), so the law adds structured detail of the right kind where isotropic pixel noise
  would add static. On Frey faces (default VDAE, conv decoder, 980 samples against 980 faces
  in the Frey feature network's space, ``experiments/benchmarks/image_noise.py``): FD and
  recall go from 6.76 and 0.18 for the means to 1.03 and 0.96 for the draws, against a floor
  of 1.10 and 0.97 (980 other faces; every face is a training face here); a draw's distance to
  its nearest training face is 1.12 of a real face's (no copies). A sharper decoder (the image
  work) shrinks the residuals, and the law follows.

The walk's state stays its latent point (or, in Algorithm 2, the decoder's mean): the draw is
added to each emitted point only, so it never compounds across steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ...graph.knn import KD_TREE_MAX_FEATURES, TreeSearch

__all__ = ["ResidualLaw", "k_nearest", "nearest_rows"]


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


def nearest_rows(queries: torch.Tensor, pool: torch.Tensor, k: int) -> torch.Tensor:
    """Indices of the k rows of ``pool`` nearest to each query (Euclidean), nearest first.

    A k-d tree (:class:`vdae.graph.knn.TreeSearch`) for CPU tensors of dimension at most
    :data:`~vdae.graph.knn.KD_TREE_MAX_FEATURES`, else :func:`k_nearest`'s distance
    pass (a GPU, or high dimension). The two agree except where two rows are equally near to
    float32 precision. Used by the output law's draws and by the score (the K anchors nearest
    to z: for 2000 points against 2000 anchors in R⁶, K = 16, 3.4–4.1 ms against 17.3 ms for
    the distance pass, the same neighbours), and by the score's nearest reference point. With
    the tree here and in the Nyström extension the score went from 51–52k to 94–96k points/s
    on the sphere (D = 3) and from 39–57k to 68–79k on the torus (D = 6): 2 000 reference
    points, 2 cores, old and new alternately in one sitting
    (``experiments/benchmarks/anomaly.py``).

    Parameters
    ----------
    queries : tensor of shape (b, D)
    pool : tensor of shape (p, D)
    k : int, 1 ≤ k ≤ p

    Returns
    -------
    tensor of shape (b, k), int64, on the queries' device
    """
    if queries.device.type != "cpu" or pool.shape[1] > KD_TREE_MAX_FEATURES \
            or queries.shape[0] == 0:
        return k_nearest(queries, pool, k)
    _, idx = TreeSearch(pool.detach().numpy()).kneighbors(queries.detach().numpy(), k)
    return torch.as_tensor(idx)


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
        K: the law at z is fitted to the residuals of the K anchors nearest to z.
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

    def draw(self, z: torch.Tensor, gen: torch.Generator, chunk: int = 4096) -> torch.Tensor:
        """x − ψ_θ⁻¹(z) drawn under p_θ(x | z): N(r̄, Σ_r) of the residuals of the K anchors
        nearest to z (with K = 1: that anchor's residual).

        Parameters
        ----------
        z : tensor of shape (b, D)
        gen : torch.Generator
        chunk : int
            Points whose K residuals are gathered at once (memory chunk × K × m).

        Returns
        -------
        tensor of shape (b, m), in data units
        """
        K = self.n_neighbors
        w = torch.randn((z.shape[0], K), generator=gen, device=z.device,
                        dtype=self.residuals.dtype) / math.sqrt(max(K - 1, 1))
        idx = nearest_rows(z, self.anchors, K)
        out = []
        for s in range(0, z.shape[0], chunk):  # (chunk, K, m) residuals at a time
            R = self.residuals[idx[s : s + chunk]]
            mean = R.mean(1)
            out.append(mean if K == 1 else
                       mean + torch.einsum("bk,bkm->bm", w[s : s + chunk], R - mean[:, None]))
        if not out:
            return self.residuals[:0]
        return torch.cat(out)

    def sample(self, z: torch.Tensor, decode, gen: torch.Generator) -> torch.Tensor:
        """x ~ p_θ(x | z): ψ_θ⁻¹(z) plus a drawn residual, shape (b, m), data units."""
        with torch.no_grad():
            return decode(z) + self.draw(z, gen)
