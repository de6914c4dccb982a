"""A Metropolis-adjusted random walk in diffusion coordinates (beyond the paper).

Algorithm 2 of the paper moves x → ψ(x) → z' ~ N(ψ(x), C(ψ(x))) → x' = ψ_θ⁻¹(z'): every step
re-encodes a decoded point, so any bias of the round trip ψ ∘ ψ_θ⁻¹ accumulates. The decoder
learns the conditional mean E[x' | z'] of neighbouring points, which on images is a blurred
digit whose embedding lies nearer the centre of the data's embedding: on MNIST the walk's
latent coordinates contracted (standard deviation 0.97 → 0.68 in 10 steps) and GW ×1000 grew
from 13 after one step to 249 after ten.

This walk keeps its state in diffusion coordinates and targets a density there: a mixture of
Gaussians centred at the training points' embeddings z_i, each shaped like the model's one-step
covariance C(z_i) and scaled to the typical step's size (in the spirit of Vincent & Bengio's
"manifold Parzen windows", 2003),

.. math::

    \\hat p(z) = \\frac1r \\sum_i N\\big(z;\\, z_i,\\, K_i\\big), \\qquad
    K_i = \\frac{m}{\\operatorname{tr} C(z_i)}\\, C(z_i), \\quad
    m = \\operatorname{median}_j \\operatorname{tr} C(z_j).

The shape matters: each kernel is long along the manifold's image and thin across it, as thin
as the steps the decoder was trained on, so the stationary law never leaves the region the
decoder knows (an isotropic kernel of the same size let chains wander off the embedded
manifold: precision after 100 steps fell to 0.94–0.97 on circle, torus and bunny, against
0.97–0.99 with the shaped one). The size is common to all kernels: kernels as large as the
local steps (K_i = C(z_i), large where the data are sparse) spread mass beyond the data's
outskirts, as adaptive-bandwidth density estimates do — on Frey faces GW ×1000 read 13–15
against 10–11 with the common size (split 2; split 0: 10.9 against 6.9).

Proposals are the model's own step z' ~ N(z, s² C(z)); a proposal is accepted with probability

.. math::

    \\min\\Big(1, \\frac{\\hat p(z')\\, N(z; z', s^2 C(z'))}{\\hat p(z)\\, N(z'; z, s^2 C(z))}\\Big),

otherwise the chain stays (Metropolis–Hastings, with the Hastings ratio of the state-dependent
covariance). p̂ is then the chain's stationary law, whatever the number of steps, and points are
decoded only for output: x_t = ψ_θ⁻¹(z_t). Chains started at data points start in p̂'s bulk.
Each chain's density counts only the training points of its seed's graph component, so walks
never cross to another component. p̂ sums the kernels of the ``n_nearest`` reference points
around each state — the neighbours (Euclidean, precomputed once) of the state's nearest
reference point: the other kernels are many standard deviations away, and the sum stays a fixed
function of z, so it is exactly the chain's stationary law.
"""

from __future__ import annotations

from typing import Callable

import torch

from ...nn.local_step import shift
from .targets import row_min

__all__ = ["step_shaped_density", "LatentDensity", "metropolis_walk"]

_ROW_CHUNK = 2048  # chains per kernel block: 2048 × 20 000 reference points ≈ 160 MB


class LatentDensity:
    """Gaussian mixture density of reference embeddings with per-point covariances, per
    graph component.

    Parameters
    ----------
    Z : tensor of shape (r, D)
        Reference points (embeddings of training points), diffusion-coordinate units.
    labels : tensor of shape (r,), int64
        Graph component of each reference point.
    factors : tensor of shape (r, D, D)
        Lower Cholesky factors L_i (positive diagonal) of the kernels' covariances L_i L_iᵀ.
    n_nearest : int, default=64
        Kernels summed per query point: those of the ``n_nearest`` reference points nearest to
        its nearest reference point (same component).
    """

    def __init__(self, Z: torch.Tensor, labels: torch.Tensor, factors: torch.Tensor,
                 n_nearest: int = 64) -> None:
        r, D = Z.shape
        if factors.shape != (r, D, D):
            raise ValueError(
                f"factors must have shape ({r}, {D}, {D}); got {tuple(factors.shape)}.")
        diag = torch.diagonal(factors, dim1=1, dim2=2)
        if not bool(torch.all(diag > 0)):
            raise ValueError("factors must be Cholesky factors with a positive diagonal.")
        self.Z, self.labels, self.factors = Z, labels, factors
        eye = torch.eye(D, dtype=factors.dtype, device=factors.device).expand_as(factors)
        self.inverse_factors = torch.linalg.solve_triangular(factors, eye, upper=False)
        self.log_dets = diag.log().sum(1)  # ½ log det(L Lᵀ)
        self.n_nearest = int(min(n_nearest, r))
        self.several_components = bool(torch.any(labels != labels[0])) if r else False
        # query rows per block: the gathered inverse factors take rows × k × D² floats
        self.chunk = max(16, min(_ROW_CHUNK, 4_000_000 // (self.n_nearest * D * D)))
        self.neighbors = torch.cat([self._nearest(c, labels_c)
                                    for c, labels_c in zip(Z.split(_ROW_CHUNK),
                                                           labels.split(_ROW_CHUNK))])

    def _distances(self, z: torch.Tensor, comp: torch.Tensor) -> torch.Tensor:
        """Distances from z (b, D) to every reference point, ∞ outside each row's component."""
        dist = torch.cdist(z, self.Z)
        if self.several_components:
            dist = dist.masked_fill(comp[:, None] != self.labels[None, :], torch.inf)
        return dist

    def _nearest(self, z: torch.Tensor, comp: torch.Tensor) -> torch.Tensor:
        """Indices of the ``n_nearest`` reference points nearest to each row, (b, k)."""
        return self._distances(z, comp).topk(self.n_nearest, dim=1, largest=False).indices

    def component(self, z: torch.Tensor) -> torch.Tensor:
        """Component label of the nearest reference point to each row of z, shape (b,)."""
        idx = torch.cat([row_min(torch.cdist(c, self.Z))[1] for c in z.split(_ROW_CHUNK)])
        return self.labels[idx]

    def log_density(self, z: torch.Tensor, comp: torch.Tensor) -> torch.Tensor:
        """log p̂(z) up to a constant, counting reference points of component ``comp`` only.

        Parameters
        ----------
        z : tensor of shape (b, D)
        comp : tensor of shape (b,), int64

        Returns
        -------
        tensor of shape (b,)
        """
        return self.kernel_log_sum(z, comp, self.n_nearest)

    def nearest_reference(self, z: torch.Tensor, comp: torch.Tensor) -> torch.Tensor:
        """Index of the reference point nearest to each row of z among those of the row's
        component ``comp`` (b,), shape (b,), int64."""
        return torch.cat([row_min(self._distances(zc, cc))[1]
                          for zc, cc in zip(z.split(self.chunk), comp.split(self.chunk))])

    def local_kernels(self, z: torch.Tensor, comp: torch.Tensor, k: int) -> torch.Tensor:
        """Indices (b, k) of the k reference points nearest to each row's nearest reference
        point (that point first; entries outside the row's component are masked by callers)."""
        return self.neighbors[self.nearest_reference(z, comp), :k]

    def kernel_log_sum(self, z: torch.Tensor, comp: torch.Tensor, k: int,
                       around: torch.Tensor | None = None) -> torch.Tensor:
        """log Σ_j N(z; z_j, K_j) over the ``k`` :meth:`local_kernels` of ``around`` (default:
        z itself), evaluated at z, up to the constant −D/2 log 2π; shape (b,)."""
        around = z if around is None else around
        return self.log_sum_around(z, self.nearest_reference(around, comp), k)

    def log_sum_around(self, z: torch.Tensor, j: torch.Tensor, k: int) -> torch.Tensor:
        """log Σ_i N(z; z_i, K_i) + (D/2) log 2π over i in ``neighbors[j, :k]`` of j's component.

        Rows that share their reference point j share their k kernels, so the rows are sorted
        by j and cut into tiles of up to T rows of one j (:func:`_tiles`): each tile gathers its
        k factors once (k D² numbers) and multiplies them with all its rows in one batched
        product, instead of gathering k D² numbers per row. T is chosen from the run lengths to
        minimise gathered plus padded work; with one row per reference point it is 1, the
        per-row evaluation. The whitened offsets are L_i⁻¹(z − z_j) − L_i⁻¹(z_i − z_j), both
        terms measured from the nearby reference point z_j, so no large coordinates cancel.

        Parameters
        ----------
        z : tensor of shape (b, D)
            Where the density is evaluated, diffusion coordinates.
        j : tensor of shape (b,), int64
            Reference point whose kernels are summed for each row.
        k : int, 1 ≤ k ≤ ``n_nearest``

        Returns
        -------
        tensor of shape (b,)
        """
        b, D = z.shape
        if b == 0:
            return z[:, 0]
        order, tile, slot, ref, T = _tiles(j, D)
        W = z.new_zeros((ref.shape[0], T, D))
        W[tile, slot] = z[order] - self.Z[j[order]]  # offsets from the tile's reference point
        out = z.new_empty((ref.shape[0], T))
        rows = max(1, 4_000_000 // (k * D * (D + T)))  # tiles per block
        for s in range(0, ref.shape[0], rows):
            r = ref[s : s + rows]
            nb = self.neighbors[r, :k]  # (t, k)
            F = self.inverse_factors[nb]  # (t, k, D, D)
            c = torch.einsum("tkil,tkl->tki", F, self.Z[nb] - self.Z[r][:, None])
            y = torch.bmm(W[s : s + rows], F.reshape(-1, k * D, D).transpose(1, 2))
            q = (y.view(-1, T, k, D) - c[:, None]).square().sum(-1)  # (t, T, k)
            bias = (-self.log_dets[nb]).masked_fill(self.labels[nb] != self.labels[r][:, None],
                                                    -torch.inf)
            out[s : s + rows] = torch.logsumexp(bias[:, None] - 0.5 * q, dim=-1)
        result = out.new_empty(b)
        result[order] = out[tile, slot]
        return result

    def propose_jump(self, z: torch.Tensor, comp: torch.Tensor, k: int, gen: torch.Generator
                     ) -> tuple[torch.Tensor, torch.Tensor]:
        """A draw from one of the k local kernels of each row, chosen uniformly:
        z' = z_j + L_j ε. Returns z' (b, D) and whether j lies in the row's component (b,)."""
        idx = self.local_kernels(z, comp, k)
        pick = torch.randint(idx.shape[1], (z.shape[0],), generator=gen, device=z.device)
        j = idx[torch.arange(z.shape[0], device=z.device), pick]
        eps = torch.randn(z.shape, generator=gen, device=z.device, dtype=z.dtype)
        return shift(self.Z[j], self.factors[j], eps), self.labels[j] == comp


def _tiles(j: torch.Tensor, D: int, sizes: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64)
           ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, int]:
    """Cut rows into tiles of up to T rows with the same value of j (int64, shape (b,)).

    T is the size in ``sizes`` that minimises the work of :meth:`LatentDensity.log_sum_around`
    for latent dimension D: per tile, k D² gathered numbers and k D T products, so
    (number of tiles) × (D + T).

    Returns ``order`` (b,), sorting the rows by j; ``tile`` and ``slot`` (b,), the tile of each
    sorted row and its position there; ``ref`` (n_tiles,), each tile's j; and T.
    """
    order = torch.argsort(j, stable=True)
    uniq, counts = torch.unique_consecutive(j[order], return_counts=True)
    T = min(sizes, key=lambda t: int(((counts + t - 1) // t).sum()) * (D + t))
    per_run = (counts + T - 1) // T
    start = torch.cumsum(counts, 0) - counts
    pos = torch.arange(j.shape[0], device=j.device) - torch.repeat_interleave(start, counts)
    first_tile = torch.cumsum(per_run, 0) - per_run
    tile = torch.repeat_interleave(first_tile, counts) + pos // T
    return order, tile, pos % T, torch.repeat_interleave(uniq, per_run), T


def _log_proposal(z_to: torch.Tensor, z_from: torch.Tensor, L_from: torch.Tensor) -> torch.Tensor:
    """log N(z_to; z_from, L Lᵀ) up to a constant, shapes (b, D), (b, D), (b, D, D) → (b,)."""
    y = torch.linalg.solve_triangular(L_from, (z_to - z_from).unsqueeze(-1), upper=False)
    log_det = torch.diagonal(L_from, dim1=1, dim2=2).log().sum(1)
    return -0.5 * y.squeeze(-1).square().sum(1) - log_det


@torch.no_grad()
def metropolis_walk(
    z0: torch.Tensor,
    cov_factor: Callable[[torch.Tensor], torch.Tensor],
    density: LatentDensity,
    n_steps: int,
    gen: torch.Generator,
    *,
    scale: float = 1.0,
    jump_kernels: int = 0,
    jump_probability: float = 0.5,
) -> tuple[list[torch.Tensor], float]:
    """Metropolis–Hastings chains in diffusion coordinates.

    Each step is, per chain, a local move (probability 1 − ``jump_probability``, or always when
    ``jump_kernels`` is 0) or a kernel jump. Local: z' ~ N(z, s² C(z)). Jump: pick one of the
    ``jump_kernels`` kernels nearest to z (those of the reference points nearest to z's nearest
    one) uniformly and draw z' from it; its proposal density is q(z' | z) = (1/k) Σ_{j ∈ J(z)}
    N(z'; z_j, K_j), so the Hastings ratio p̂(z') q(z | z') / (p̂(z) q(z' | z)) is ≈ 1 between
    states with the same neighbourhood. A local step of one kernel's size in D dimensions
    lowers p̂ by about D/2 nats and is mostly rejected when D is large (MNIST, D = 16); a jump
    moves to a neighbouring training point's kernel and is mostly accepted. The choice of move
    does not depend on the state, so the mixture keeps p̂ stationary.

    Parameters
    ----------
    z0 : tensor of shape (b, D)
        Start states (embeddings of the seeds).
    cov_factor : callable
        z (b, D) → lower Cholesky factor L(z) of one step's covariance, (b, D, D).
    density : LatentDensity
        The target.
    n_steps : int ≥ 0
    gen : torch.Generator
    scale : float > 0
        s: local proposals z' = z + s L(z) ε.
    jump_kernels : int ≥ 0, default=0
        k of the kernel jumps; 0: local moves only.
    jump_probability : float in [0, 1], default=0.5
        Share of the steps that are jumps (when ``jump_kernels`` > 0).

    Returns
    -------
    states : list of n_steps + 1 tensors of shape (b, D)
    acceptance : float
        Fraction of proposals accepted (NaN when n_steps = 0).
    """
    z = z0
    comp = density.component(z0)
    logp = density.log_density(z, comp)
    L = scale * cov_factor(z)
    states, accepted = [z0], 0
    for _ in range(n_steps):
        if jump_kernels > 0 and float(torch.rand((), generator=gen, device=z.device)) \
                < jump_probability:
            zp, valid = density.propose_jump(z, comp, jump_kernels, gen)
            Lp = scale * cov_factor(zp)
            logp_p = density.log_density(zp, comp)
            log_q_back = density.kernel_log_sum(z, comp, jump_kernels, around=zp)
            log_q_fwd = density.kernel_log_sum(zp, comp, jump_kernels, around=z)
            log_ratio = (logp_p + log_q_back) - (logp + log_q_fwd)
            log_ratio = log_ratio.masked_fill(~valid, -torch.inf)
        else:
            eps = torch.randn(z.shape, generator=gen, device=z.device, dtype=z.dtype)
            zp = shift(z, L, eps)
            Lp = scale * cov_factor(zp)
            logp_p = density.log_density(zp, comp)
            log_ratio = (logp_p + _log_proposal(z, zp, Lp)) - (logp + _log_proposal(zp, z, L))
        u = torch.rand(z.shape[0], generator=gen, device=z.device, dtype=z.dtype)
        take = torch.log(u) < log_ratio  # NaN ratios (−inf − −inf) are rejected
        z = torch.where(take[:, None], zp, z)
        L = torch.where(take[:, None, None], Lp, L)
        logp = torch.where(take, logp_p, logp)
        accepted += int(take.sum())
        states.append(z)
    acceptance = accepted / (n_steps * z0.shape[0]) if n_steps else float("nan")
    return states, acceptance


@torch.no_grad()
def step_shaped_density(Z: torch.Tensor, labels: torch.Tensor,
                        cov_factor: Callable[[torch.Tensor], torch.Tensor]) -> LatentDensity:
    """The Metropolis walk's target: kernels N(Z_i, K_i) with K_i = C(Z_i) · t / tr C(Z_i), t the
    median trace, so each kernel has the local step's shape and the typical step's size.

    Parameters
    ----------
    Z : tensor of shape (r, D)
        Embeddings of training points (the model's seeds), diffusion-coordinate units.
    labels : tensor of shape (r,), int64
        Their graph components.
    cov_factor : callable
        z (b, D) → lower Cholesky factor of C_φ(z), (b, D, D).

    Returns
    -------
    LatentDensity
    """
    factors = torch.cat([cov_factor(c) for c in Z.split(4096)])
    trace = factors.square().sum((1, 2))
    factors = factors * (trace.median() / trace).sqrt()[:, None, None]
    return LatentDensity(Z, labels, factors)
