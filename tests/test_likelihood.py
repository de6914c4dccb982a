"""The VDAE's output law p_θ(x | z) (vdae.models.vdae.likelihood): neighbour search, residuals,
and the law of a draw."""

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


def test_a_draw_has_the_mean_and_covariance_of_the_k_nearest_residuals():
    """Anchors 0..9 on a line; at z = 4.2 the 3 nearest are 4, 5, 3, whose residuals (by hand)
    have mean (1, 0) and unbiased covariance [[1, 1.5], [1.5, 3]]; anchor 9's residual is far
    away and must not enter."""
    anchors = torch.arange(10, dtype=torch.float32)[:, None]
    residuals = torch.full((10, 2), 100.0)
    residuals[3], residuals[4], residuals[5] = (torch.tensor([0.0, -1.0]),
                                                torch.tensor([1.0, -1.0]),
                                                torch.tensor([2.0, 2.0]))
    law = ResidualLaw(anchors, residuals, n_neighbors=3)
    z = torch.full((100000, 1), 4.2)
    r = law.draw(z, torch.Generator().manual_seed(0), chunk=3000).numpy().astype(np.float64)
    np.testing.assert_allclose(r.mean(0), [1.0, 0.0], atol=0.03)
    np.testing.assert_allclose(np.cov(r.T), [[1.0, 1.5], [1.5, 3.0]], rtol=0.03)
    # rank K - 1: with K = 2 the draws lie on the line through the two residuals
    law.n_neighbors = 2  # nearest 4 and 5: span through (1, -1) along (1, 3)
    r = law.draw(z[:500], torch.Generator().manual_seed(1)).numpy()
    np.testing.assert_allclose(3 * (r[:, 0] - 1.0) - (r[:, 1] + 1.0), 0.0, atol=1e-5)
    law.n_neighbors = 1
    np.testing.assert_array_equal(law.draw(z[:4], torch.Generator()).numpy(),
                                  np.tile([1.0, -1.0], (4, 1)))
    x = law.sample(z[:4], lambda z: torch.ones((len(z), 2)), torch.Generator())
    np.testing.assert_array_equal(x.numpy(), np.tile([2.0, 0.0], (4, 1)))
    assert law.draw(z[:0], torch.Generator()).shape == (0, 2)


def test_the_scores_tree_search_matches_the_distance_pass():
    """vdae.models.vdae.likelihood.nearest_rows: a k-d tree at low D on the CPU, the distance pass
    above KD_TREE_MAX_FEATURES; both give the brute-force order (float64 reference)."""
    from vdae.graph.knn import KD_TREE_MAX_FEATURES
    from vdae.models.vdae.likelihood import nearest_rows

    rng = np.random.default_rng(1)
    for dim in (3, KD_TREE_MAX_FEATURES + 4):
        pool = rng.standard_normal((400, dim)).astype(np.float32)
        queries = rng.standard_normal((60, dim)).astype(np.float32)
        got = nearest_rows(torch.as_tensor(queries), torch.as_tensor(pool), 4).numpy()
        d = ((queries[:, None, :].astype(np.float64) - pool[None]) ** 2).sum(-1)
        np.testing.assert_array_equal(got, np.argsort(d, axis=1)[:, :4])
    assert nearest_rows(torch.zeros((0, 3)), torch.as_tensor(pool[:, :3]), 2).shape == (0, 2)


def test_gaussian_nll_mean_reduction_is_the_mean_of_the_per_row_loss_with_the_same_gradient():
    from vdae.nn.likelihood import gaussian_nll

    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 7, generator=g, dtype=torch.float64)
    mean = torch.randn(64, 7, generator=g, dtype=torch.float64, requires_grad=True)
    by_row = gaussian_nll(x, mean, 0.3).mean()
    (grad_row,) = torch.autograd.grad(by_row, mean)
    fused = gaussian_nll(x, mean, 0.3, reduction="mean")
    (grad_fused,) = torch.autograd.grad(fused, mean)
    # hand-computed: Σ‖x − μ‖² / (2 c b) + (m / 2) log(2π c)
    want = ((x - mean) ** 2).sum().item() / (2 * 0.3 * 64) + 3.5 * np.log(2 * np.pi * 0.3)
    assert abs(fused.item() - want) < 1e-10 and abs(by_row.item() - want) < 1e-10
    torch.testing.assert_close(grad_fused, grad_row)
