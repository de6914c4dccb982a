"""Latent distributions of the VAE baselines: the diagonal Gaussian, the von Mises–Fisher
distribution on the sphere S^{D−1} ⊂ R^D (Davidson et al., UAI 2018), and the uniform
distribution on that sphere.

Everything is reparameterised (``rsample`` is differentiable in the parameters) and takes an
explicit :class:`torch.Generator`, so draws are reproducible without touching global state.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy.special import ive

__all__ = [
    "DiagonalNormal",
    "VonMisesFisher",
    "sample_uniform_sphere",
    "log_sphere_area",
    "log_ive",
]

_MAX_REJECTION_ROUNDS = 1000


def log_sphere_area(dim: int) -> float:
    """log of the surface area of the unit sphere S^{dim−1} ⊂ R^dim.

    .. math:: \\log |S^{D-1}| = \\log 2 + \\tfrac D2 \\log π − \\log Γ(D/2)
    """
    return math.log(2.0) + 0.5 * dim * math.log(math.pi) - math.lgamma(0.5 * dim)


def sample_uniform_sphere(
    n: int, dim: int, generator: torch.Generator | None = None, *,
    device: torch.device | str | None = None, dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """Uniform draws on S^{dim−1} ⊂ R^dim (normalised standard Gaussians).

    Parameters
    ----------
    n : int
        Number of points.
    dim : int ≥ 1
        Ambient dimension D (dim = 1 gives ±1).
    generator : torch.Generator or None
    device, dtype : where and in which precision to draw.

    Returns
    -------
    tensor of shape (n, dim), rows of unit norm
    """
    g = torch.randn(n, dim, generator=generator, device=device, dtype=dtype)
    return g / g.norm(dim=-1, keepdim=True).clamp_min(torch.finfo(dtype).tiny)


# ------------------------------------------------------------------ modified Bessel functions
def _log_ive_debye(v: float, x: np.ndarray) -> np.ndarray:
    """Leading term of the uniform (Debye) expansion of log(e^{−x} I_v(x)), accurate for large v.

    .. math:: \\log I_v(vz) ≈ vη − \\tfrac12 \\log(2πv) − \\tfrac14 \\log(1+z^2), \\quad
              η = \\sqrt{1+z^2} + \\log\\frac{z}{1+\\sqrt{1+z^2}}
    """
    z = x / v
    s = np.sqrt(1.0 + z * z)
    with np.errstate(divide="ignore"):
        eta = s + np.log(z / (1.0 + s))
    return v * eta - 0.5 * np.log(2 * np.pi * v) - 0.5 * np.log(s) - x


def _log_ive_numpy(v: float, x: np.ndarray) -> np.ndarray:
    """log(e^{−x} I_v(x)) in float64 for x ≥ 0: scipy's exponentially scaled ``ive``, with the
    Debye expansion where ``ive`` underflows (large order, small argument)."""
    with np.errstate(divide="ignore"):
        out = np.log(ive(v, x))
    bad = ~np.isfinite(out) & (x > 0)
    if bad.any() and v > 0:
        out[bad] = _log_ive_debye(v, x[bad])
    return out


class _LogIve(torch.autograd.Function):
    """x ↦ log(e^{−x} I_v(x)), with derivative I_{v+1}/I_v + v/x − 1
    (from the recurrence I_v' = I_{v+1} + (v/x) I_v)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, v: float) -> torch.Tensor:
        ctx.save_for_backward(x)
        ctx.v = v
        out = _log_ive_numpy(v, x.detach().cpu().double().numpy())
        return torch.as_tensor(out, dtype=x.dtype, device=x.device)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (x,) = ctx.saved_tensors
        v, xn = ctx.v, x.detach().cpu().double().numpy()
        ratio = np.exp(_log_ive_numpy(v + 1, xn) - _log_ive_numpy(v, xn))
        with np.errstate(divide="ignore"):
            d = ratio + v / xn - 1.0
        return grad * torch.as_tensor(d, dtype=x.dtype, device=x.device), None


def log_ive(v: float, x: torch.Tensor) -> torch.Tensor:
    """log(e^{−x} I_v(x)), the log of the exponentially scaled modified Bessel function.

    Values come from :func:`scipy.special.ive` in float64 (so log I_v(κ) = log_ive + κ is
    exact for κ up to float64's range, where e^κ alone would overflow), and the gradient from
    the recurrence I_v' = I_{v+1} + (v/x) I_v.

    Parameters
    ----------
    v : float ≥ 0
        The order.
    x : tensor of any shape, > 0

    Returns
    -------
    tensor of the shape and dtype of ``x``
    """
    return _LogIve.apply(x, float(v))


# --------------------------------------------------------------------------- distributions
class DiagonalNormal:
    """N(μ, diag σ²), batched over rows.

    Parameters
    ----------
    loc : tensor of shape (b, D)
        μ.
    log_var : tensor of shape (b, D)
        log σ².
    """

    def __init__(self, loc: torch.Tensor, log_var: torch.Tensor):
        self.loc, self.log_var = loc, log_var

    @property
    def mean(self) -> torch.Tensor:
        """μ, shape (b, D)."""
        return self.loc

    def rsample(self, generator: torch.Generator | None = None) -> torch.Tensor:
        """μ + σ ε with ε ~ N(0, I): one draw per row, shape (b, D)."""
        eps = torch.randn(self.loc.shape, generator=generator, device=self.loc.device,
                          dtype=self.loc.dtype)
        return self.loc + torch.exp(0.5 * self.log_var) * eps

    def kl_to_standard_normal(self) -> torch.Tensor:
        """KL(N(μ, diag σ²) ‖ N(0, I)), shape (b,).

        .. math:: \\tfrac12 \\sum_j \\big(μ_j^2 + σ_j^2 − 1 − \\log σ_j^2\\big)
        """
        return 0.5 * (self.loc**2 + torch.exp(self.log_var) - 1.0 - self.log_var).sum(-1)


class VonMisesFisher:
    """The von Mises–Fisher distribution vMF(μ, κ) on S^{D−1} ⊂ R^D, batched over rows.

    .. math::

        q(x) = C_D(κ)\\, e^{κ μ^\\top x}, \\qquad
        C_D(κ) = \\frac{κ^{D/2-1}}{(2π)^{D/2} I_{D/2-1}(κ)}

    Parameters
    ----------
    loc : tensor of shape (b, D), D ≥ 2
        Mean directions μ (unit rows).
    scale : tensor of shape (b,) or (b, 1)
        Concentrations κ > 0.
    """

    def __init__(self, loc: torch.Tensor, scale: torch.Tensor):
        if loc.dim() != 2 or loc.shape[-1] < 2:
            raise ValueError(f"loc must have shape (b, D) with D >= 2; got {tuple(loc.shape)}.")
        self.loc = loc
        self.scale = scale.reshape(loc.shape[0])
        self.dim = loc.shape[-1]
        self._order = 0.5 * self.dim - 1.0  # v = D/2 − 1

    def _log_ratio(self) -> torch.Tensor:
        """log A_D(κ) = log I_{D/2}(κ) − log I_{D/2−1}(κ), shape (b,), in float64 (it is a small
        difference of two O(log κ) numbers)."""
        v, k = self._order, self.scale.double()
        return log_ive(v + 1, k) - log_ive(v, k)

    def mean_resultant_length(self) -> torch.Tensor:
        """A_D(κ) = E[μᵀx] = I_{D/2}(κ) / I_{D/2−1}(κ), shape (b,)."""
        return torch.exp(self._log_ratio()).to(self.scale.dtype)

    @property
    def mean(self) -> torch.Tensor:
        """E[x] = A_D(κ) μ, shape (b, D)."""
        return self.loc * self.mean_resultant_length().unsqueeze(-1)

    def log_normalizer(self) -> torch.Tensor:
        """log C_D(κ), shape (b,)."""
        v, k = self._order, self.scale.double()
        out = v * torch.log(k) - 0.5 * self.dim * math.log(2 * math.pi) - log_ive(v, k) - k
        return out.to(self.scale.dtype)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log q(x) for unit rows x of shape (b, D); returns shape (b,)."""
        return self.log_normalizer() + self.scale * (self.loc * x).sum(-1)

    def entropy(self) -> torch.Tensor:
        """H = −log C_D(κ) − κ A_D(κ), shape (b,).

        Written as −v log κ + (D/2) log 2π + log ive_v(κ) − κ (A_D(κ) − 1), with
        A − 1 = expm1(log A), so no term grows like κ (stable for κ ≫ 1).
        """
        v, k = self._order, self.scale.double()
        h = (-v * torch.log(k) + 0.5 * self.dim * math.log(2 * math.pi) + log_ive(v, k)
             - k * torch.expm1(self._log_ratio()))
        return h.to(self.scale.dtype)

    def kl_to_uniform(self) -> torch.Tensor:
        """KL(vMF(μ, κ) ‖ U(S^{D−1})) = log |S^{D−1}| − H, shape (b,), ≥ 0."""
        return log_sphere_area(self.dim) - self.entropy()

    def rsample(self, generator: torch.Generator | None = None) -> torch.Tensor:
        """One reparameterised draw per row, shape (b, D), unit norm.

        The component w = μᵀx comes from Wood's (1994) rejection sampler; as in Davidson et al.
        (2018) the accepted Beta proposal ε is held fixed and w = h(ε, κ) is differentiated
        through κ (the rejection-correction term of the gradient is dropped). The point
        (w, √(1−w²) u), u uniform on S^{D−2}, is then mapped onto μ by the Householder
        reflection taking e₁ to μ, which carries the gradient to μ.
        """
        w, r = self._sample_w(generator)
        u = sample_uniform_sphere(w.shape[0], self.dim - 1, generator, device=w.device,
                                  dtype=w.dtype)
        x = torch.cat([w.unsqueeze(-1), r.unsqueeze(-1) * u], dim=-1)
        return _reflect_e1_onto(x, self.loc)

    def _sample_w(self, generator: torch.Generator | None) -> tuple[torch.Tensor, torch.Tensor]:
        """w = μᵀx and √(1 − w²), each of shape (b,), differentiable in κ.

        With b = (D−1) / (2κ + √(4κ² + (D−1)²)) and d = 1 − (1−b)ε:
        w = (1 − (1+b)ε)/d and 1 − w² = 4bε(1−ε)/d², evaluated in float64 in this form so
        that 1 − w keeps its precision for large κ.
        """
        k = self.scale.double()
        m1 = self.dim - 1
        b = m1 / (2 * k + torch.sqrt(4 * k * k + m1 * m1))
        with torch.no_grad():
            eps = _wood_proposals(k, b, self.dim, generator)
        d = 1 - (1 - b) * eps
        w = (1 - (1 + b) * eps) / d
        r = 2 * torch.sqrt((b * eps * (1 - eps)).clamp_min(1e-300)) / d
        return w.to(self.loc.dtype), r.to(self.loc.dtype)


def _beta_symmetric(n: int, a2: int, generator, device) -> torch.Tensor:
    """Beta(a2/2, a2/2) draws as χ²_{a2} / (χ²_{a2} + χ²'_{a2}), float64, shape (n,)."""
    g = torch.randn(2, n, a2, generator=generator, device=device, dtype=torch.float64)
    s = (g * g).sum(-1)
    return s[0] / (s[0] + s[1]).clamp_min(1e-300)


def _wood_proposals(k: torch.Tensor, b: torch.Tensor, dim: int, generator) -> torch.Tensor:
    """Accepted Beta((D−1)/2, (D−1)/2) proposals ε of Wood's sampler, one per row (float64).

    A proposal is accepted when κ(w − x₀) + (D−1) log((1+b) / (2(1 − (1−b)ε))) ≥ log u,
    u ~ U(0, 1), x₀ = (1−b)/(1+b): Wood's test κw + (D−1)log(1 − x₀w) − c ≥ log u, with
    c = κx₀ + (D−1) log(1 − x₀²), rewritten without cancellation.
    """
    n, m1 = k.shape[0], dim - 1
    x0 = (1 - b) / (1 + b)
    out = torch.zeros(n, dtype=torch.float64, device=k.device)
    pending = torch.ones(n, dtype=torch.bool, device=k.device)
    for _ in range(_MAX_REJECTION_ROUNDS):
        eps = _beta_symmetric(n, m1, generator, k.device)
        u = torch.rand(n, generator=generator, device=k.device, dtype=torch.float64)
        d = 1 - (1 - b) * eps
        w = (1 - (1 + b) * eps) / d
        log_ratio = k * (w - x0) + m1 * torch.log((1 + b) / (2 * d))
        accept = pending & (log_ratio >= torch.log(u))
        out = torch.where(accept, eps, out)
        pending = pending & ~accept
        if not bool(pending.any()):
            return out
    raise RuntimeError("von Mises–Fisher rejection sampler did not accept within "
                       f"{_MAX_REJECTION_ROUNDS} rounds; check that the concentrations are finite.")


def _reflect_e1_onto(x: torch.Tensor, loc: torch.Tensor) -> torch.Tensor:
    """Apply to each row of x (b, D) the Householder reflection H = I − 2uuᵀ with
    u = (e₁ − μ)/‖e₁ − μ‖, which maps e₁ to μ (identity when μ = e₁)."""
    e1 = torch.zeros_like(loc)
    e1[:, 0] = 1.0
    u = e1 - loc
    u = u / u.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    return x - 2 * (x * u).sum(-1, keepdim=True) * u
