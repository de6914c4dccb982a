"""The VDAE's output law p_θ(x | z) (vdae.models.vdae.likelihood): neighbour search, residuals,
and what a draw may return."""

import numpy as np
import torch

from vdae.models.vdae.likelihood import ResidualLaw, k_nearest


def test_k_nearest_matches_brute_force_across_chunks():
    rng = np.random.default_rng(0)
    pool = rng.standard_normal((300, 3)).astype(np.float32)
    queries = rng.standard_normal((50, 3)).astype(np.float32)
    got = k_nearest(torch.as_tensor(queries), torch.as_tensor(pool), 5, chunk=7).numpy()
    d = ((queries[:, None, :] - pool[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(got, np.argsort(d, axis=1)[:, :5])
    assert k_nearest(torch.zeros((0, 3)), torch.as_tensor(pool), 5).shape == (0, 5)


def test_residuals_are_what_the_decoder_misses():
    """encode keeps x₁, decode maps z to (z, 0): the residual is (0, x₂) by hand."""
    X = torch.tensor([[0.0, 0.5], [1.0, -0.25], [2.0, 0.125]])
    law = ResidualLaw.from_points(X, lambda x: x[:, :1], lambda z: torch.cat(
        [z, torch.zeros_like(z)], 1), n_neighbors=5, chunk=2)
    np.testing.assert_array_equal(law.anchors.numpy(), [[0.0], [1.0], [2.0]])
    np.testing.assert_array_equal(law.residuals.numpy(), [[0, 0.5], [0, -0.25], [0, 0.125]])
    assert law.n_neighbors == 3  # clipped to the number of anchors


def test_a_draw_is_the_residual_of_one_of_the_k_nearest_anchors_uniformly():
    anchors = torch.arange(10, dtype=torch.float32)[:, None]
    residuals = torch.arange(10, dtype=torch.float32)[:, None] * 100
    law = ResidualLaw(anchors, residuals, n_neighbors=3)
    z = torch.full((30000, 1), 4.2)  # nearest anchors 4, 5, 3
    gen = torch.Generator().manual_seed(0)
    r = law.draw(z, gen)[:, 0].numpy()
    values, counts = np.unique(r, return_counts=True)
    np.testing.assert_array_equal(values, [300, 400, 500])
    np.testing.assert_allclose(counts / len(r), 1 / 3, atol=0.01)  # 6 binomial sd
    law.n_neighbors = 1
    assert set(law.draw(z[:100], gen)[:, 0].tolist()) == {400.0}
    x = law.sample(z[:4], lambda z: z * 0 + 1, gen)
    np.testing.assert_array_equal(x.numpy(), np.full((4, 1), 401.0))
