"""The Metropolis-adjusted latent walk: its target is its stationary law, chains keep to their
component, and the VDAE exposes it with the same contract as Algorithm 2's walk."""

import pytest
import torch

from vdae.models.vdae.metropolis import LatentDensity, metropolis_walk

pytestmark = pytest.mark.usefixtures("one_thread")


def _isotropic(r: int, var: float) -> torch.Tensor:
    """Factors of r kernels of covariance var · I in two dimensions, shape (r, 2, 2)."""
    return var ** 0.5 * torch.eye(2).expand(r, 2, 2)


def _state_dependent_factor(z: torch.Tensor) -> torch.Tensor:
    """Steps 9× longer at |z₁| = 2 than at 0: without the Hastings ratio chains pile up where
    steps are short."""
    return (0.05 + 0.4 * z[:, :1].abs()).unsqueeze(-1) * torch.eye(2)


def test_chains_started_in_the_target_stay_in_it():
    g = torch.Generator().manual_seed(0)
    ref = torch.randn(400, 2, generator=g)
    h2 = 0.05
    density = LatentDensity(ref, torch.zeros(400, dtype=torch.int64), _isotropic(400, h2))
    start = ref[torch.randint(0, 400, (4000,), generator=g)]
    start = start + h2 ** 0.5 * torch.randn(4000, 2, generator=g)  # exact draws of the KDE
    states, acceptance = metropolis_walk(start, _state_dependent_factor, density, 100, g)
    assert len(states) == 101 and 0.3 < acceptance < 0.95
    var_ratio = states[-1].var(0) / (ref.var(0) + h2)  # the KDE's variance per coordinate
    assert torch.all((var_ratio > 0.9) & (var_ratio < 1.1)), var_ratio
    assert torch.all((states[-1].mean(0) - ref.mean(0)).abs() < 0.08)
    # (without the Hastings ratio the first coordinate's variance falls to ≈ 0.2 of the target's)


def test_chains_never_leave_their_component():
    g = torch.Generator().manual_seed(1)
    a = torch.randn(200, 2, generator=g) * 0.3
    ref = torch.cat([a, a + torch.tensor([3.0, 0.0])])
    labels = torch.cat([torch.zeros(200), torch.ones(200)]).long()
    density = LatentDensity(ref, labels, _isotropic(400, 0.02))
    big_steps = lambda z: 1.5 * torch.eye(2).expand(len(z), 2, 2)  # noqa: E731 — spans the gap
    states, acceptance = metropolis_walk(a[:100].clone(), big_steps, density, 50, g)
    visited = torch.stack(states)[..., 0]
    assert acceptance > 0 and visited.max() < 1.5  # component 0 only (centres 0 and 3)
    with pytest.raises(ValueError, match="positive diagonal"):
        LatentDensity(ref, labels, _isotropic(400, 0.0))
    with pytest.raises(ValueError, match="factors must have shape"):
        LatentDensity(ref, labels, _isotropic(399, 0.02))


def test_thin_kernels_keep_chains_on_the_line_the_references_span():
    """References on the segment y = 0 with kernels 10× thinner across it than along it:
    proposals as wide across as along (std 0.1) are accepted only near the line, so the
    stationary law is as thin as the kernels (std 0.01 across), not as wide as the steps."""
    g = torch.Generator().manual_seed(2)
    n = 500
    ref = torch.stack([torch.rand(n, generator=g) * 4 - 2, torch.zeros(n)], 1)
    factors = torch.diag(torch.tensor([0.1, 0.01])).expand(n, 2, 2)
    density = LatentDensity(ref, torch.zeros(n, dtype=torch.int64), factors)
    steps = lambda z: 0.1 * torch.eye(2).expand(len(z), 2, 2)  # noqa: E731
    states, acceptance = metropolis_walk(ref.repeat(4, 1), steps, density, 200, g)
    across = states[-1][:, 1]
    assert 0.05 < acceptance < 0.5
    assert 0.007 < float(across.std()) < 0.013  # the kernel's 0.01
    along = states[-1][:, 0]
    assert float(along.min()) < -1.7 and float(along.max()) > 1.7  # the whole segment


def _mixture_moments(ref: torch.Tensor, factors: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and covariance of (1/r) Σ N(ref_i, L_i L_iᵀ)."""
    K = factors @ factors.transpose(1, 2)
    mean = ref.mean(0)
    second = (K + ref[:, :, None] * ref[:, None, :]).mean(0)
    return mean, second - mean[:, None] * mean[None, :]


@pytest.mark.parametrize("probability", [1.0, 0.5])
def test_kernel_jumps_keep_the_target_stationary_and_are_mostly_accepted(probability):
    """Irregular references with kernels of different sizes and shapes (so the kernels local to
    z and to z' differ and the Hastings ratio matters): chains started with exact draws of p̂
    still follow p̂ after 40 jumps, and the jumps are accepted far more often than local
    steps of a kernel's size in 8 dimensions."""
    g = torch.Generator().manual_seed(3)
    r, D = 60, 8
    ref = torch.randn(r, D, generator=g) * torch.linspace(0.5, 2.0, r)[:, None]
    A = torch.randn(r, D, D, generator=g) * 0.05
    factors = torch.linalg.cholesky(A @ A.transpose(1, 2) + 0.05 * torch.eye(D)
                                    * torch.linspace(0.5, 3.0, r)[:, None, None])
    density = LatentDensity(ref, torch.zeros(r, dtype=torch.int64), factors, n_nearest=r)
    n = 3000
    pick = torch.randint(r, (n,), generator=g)
    start = ref[pick] + torch.einsum("bij,bj->bi", factors[pick], torch.randn(n, D, generator=g))
    local = lambda z: 0.3 * torch.eye(D).expand(len(z), D, D)  # noqa: E731
    states, rate = metropolis_walk(start, local, density, 30, g, jump_kernels=6,
                                   jump_probability=probability)
    mean, cov = _mixture_moments(ref, factors)
    end = states[-1]
    assert torch.all((end.mean(0) - mean).abs() < 0.12 * cov.diagonal().sqrt())
    ratio = end.var(0) / cov.diagonal()
    assert torch.all((ratio > 0.88) & (ratio < 1.12)), ratio
    if probability == 1.0:
        _, local_rate = metropolis_walk(start, local, density, 10, g)
        assert rate > 0.4 and rate > 2 * local_rate, (rate, local_rate)
        assert (end != start).any(1).float().mean() > 0.9


def _direct_log_sum(density: LatentDensity, z: torch.Tensor, j: torch.Tensor, k: int):
    """log Σ_i N(z; z_i, L_i L_iᵀ) + (D/2) log 2π over i in neighbors[j, :k] of j's component,
    row by row in float64 (the definition, with no tiling)."""
    out = []
    for zb, jb in zip(z.double(), j):
        nb = density.neighbors[jb, :k]
        nb = nb[density.labels[nb] == density.labels[jb]]
        L = density.factors[nb].double()
        y = torch.linalg.solve_triangular(L, (zb - density.Z[nb].double())[:, :, None],
                                          upper=False)[..., 0]
        logdet = torch.diagonal(L, dim1=1, dim2=2).log().sum(1)
        out.append(torch.logsumexp(-0.5 * y.square().sum(1) - logdet, 0))
    return torch.stack(out)


@pytest.mark.parametrize("spread", ["one reference", "clustered", "every reference"])
def test_tiled_kernel_sum_equals_the_row_by_row_definition(spread):
    """The tiles of rows sharing a reference point give the definition's value: one tile of
    300 rows, runs of ~30 rows (T > 1), one row per reference (T = 1); two components, the
    smaller with fewer points than n_nearest (its masked kernels must not count), k < n_nearest."""
    g = torch.Generator().manual_seed(4)
    D, r = 3, 120
    ref = torch.cat([torch.randn(100, D, generator=g), 5 + torch.randn(20, D, generator=g)])
    labels = torch.cat([torch.zeros(100), torch.ones(20)]).long()
    A = 0.3 * torch.randn(r, D, D, generator=g)
    factors = torch.linalg.cholesky(A @ A.transpose(1, 2) + 0.05 * torch.eye(D))
    density = LatentDensity(ref, labels, factors, n_nearest=32)
    if spread == "one reference":
        j = torch.full((300,), 105)
    elif spread == "clustered":
        j = torch.randint(0, 10, (300,), generator=g) * 12
    else:
        j = torch.randperm(r, generator=g)
    z = ref[j] + 0.3 * torch.randn(len(j), D, generator=g)
    for k in (32, 7):
        got = density.log_sum_around(z, j, k)
        want = _direct_log_sum(density, z, j, k)
        torch.testing.assert_close(got.double(), want, rtol=1e-5, atol=1e-4)
    assert density.log_sum_around(z[:0], j[:0], 7).shape == (0,)
