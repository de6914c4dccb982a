"""Large-data paths: memory-mapped input, the O(k) neighbour pool, batched evaluation."""

import numpy as np
import pytest
import torch

from vdae import VDAE
from vdae._torch import RowSource, batched_apply, column_stats
from vdae.datasets import make_circle
from vdae.models.vdae.targets import nearest_among, nearest_in_pool, row_min

SMALL = dict(n_components=2, n_neighbors=8, epochs=20, encoder_epochs=20, batch_size=64,
             decoder_hidden=(32, 32), covariance_hidden=(16,), encoder_hidden=(32, 32),
             random_state=0, verbose=0)


def test_a_memory_mapped_file_fits_the_same_model_as_the_array(tmp_path):
    X = make_circle(300, noise=0.01, random_state=0).X
    np.save(tmp_path / "X.npy", X)
    mm = np.load(tmp_path / "X.npy", mmap_mode="r")
    a, b = VDAE(**SMALL).fit(X), VDAE(**SMALL).fit(mm)
    sa, sb = a._get_state()[0], b._get_state()[0]
    for k in sa:
        np.testing.assert_array_equal(sa[k], sb[k], err_msg=k)


def test_row_source_gathers_in_order_without_copying_in_memory_arrays(tmp_path):
    X = np.arange(40, dtype=np.float32).reshape(20, 2)
    src = RowSource(X, torch.device("cpu"))
    X[3, 0] = -1  # shared with the array: no copy was taken
    idx = torch.tensor([3, 0, 19, 3])
    np.testing.assert_array_equal(src.rows(idx).numpy(), X[[3, 0, 19, 3]])
    np.save(tmp_path / "X.npy", X)
    mm = RowSource(np.load(tmp_path / "X.npy", mmap_mode="r"), torch.device("cpu"))
    np.testing.assert_array_equal(mm.rows(idx).numpy(), X[[3, 0, 19, 3]])


def test_column_stats_streams_exactly():
    X = np.random.default_rng(0).normal(3, 2, size=(1000, 5)).astype(np.float32)
    mean, rms, top = column_stats(X, chunk=64)
    np.testing.assert_allclose(mean, X.astype(np.float64).mean(0), rtol=1e-12)
    dev = X.astype(np.float64) - X.astype(np.float64).mean(0)
    np.testing.assert_allclose(rms, np.sqrt(np.mean(dev**2)), rtol=1e-10)
    np.testing.assert_allclose(top, np.abs(dev).max(), rtol=1e-10)


def test_nearest_among_candidates_matches_the_full_search_inside_the_neighbourhood():
    g = torch.Generator().manual_seed(0)
    pool = torch.randn(500, 3, generator=g)
    idx = torch.arange(0, 500, 7)
    cand = torch.cdist(pool[idx], pool).topk(40, largest=False).indices  # 40-NN, self first
    q = pool[idx] + 0.05 * torch.randn(len(idx), 3, generator=g)
    got = nearest_among(q, pool, cand, idx)
    assert not (got == idx).any()
    np.testing.assert_array_equal(got.numpy(), nearest_in_pool(q, pool, idx).numpy())


@pytest.mark.parametrize("shape", [(256, 2000), (5, 2047), (3, 100), (1, 520), (64, 20_011)])
def test_row_min_is_torch_min(shape):
    g = torch.Generator().manual_seed(shape[1])
    d = torch.randn(*shape, generator=g)
    for _ in range(2):
        val, idx = row_min(d)
        ref_val, ref_idx = d.min(dim=1)
        np.testing.assert_array_equal(val.numpy(), ref_val.numpy())
        np.testing.assert_array_equal(idx.numpy(), ref_idx.numpy())
        d[0, -1] = -1e9  # the leftover columns hold the minimum of row 0


def test_nearest_in_pool_is_the_brute_force_nearest_across_chunks_and_excluding_self():
    g = torch.Generator().manual_seed(1)
    pool = torch.randn(3000, 4, generator=g)
    idx = torch.randint(3000, (300,), generator=g)
    q = pool[idx] + 0.01 * torch.randn(300, 4, generator=g)
    d = torch.cdist(q, pool)
    d[torch.arange(300), idx] = float("inf")
    want = d.argmin(1).numpy()
    for chunk in (65536, 1000, 777):
        np.testing.assert_array_equal(nearest_in_pool(q, pool, idx, chunk=chunk).numpy(), want)
    assert not (nearest_in_pool(q, pool, idx) == idx).any()


def test_neighbour_pool_trains_as_well_as_the_full_pool():
    X = make_circle(600, random_state=1).X
    params = {**SMALL, "epochs": 60, "prior": "exact"}
    circle = make_circle(10).manifold
    for pool in ("data", "neighbors"):
        S = VDAE(**params, neighbor_pool=pool).fit(X).sample(500, random_state=0)
        d = circle.distance(S) / circle.diameter
        assert np.median(d) <= 0.01 and np.quantile(d, 0.95) <= 0.03, pool


def test_batched_apply_picks_cache_sized_batches():
    seen = []
    X = np.zeros((70_000, 784), np.float32)
    batched_apply(lambda t: (seen.append(t.shape[0]), t[:, :1])[1], X, torch.device("cpu"))
    assert 1024 <= max(seen) <= 8192 and sum(seen) == 70_000


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh"])
def test_mlp_inference_in_blocks_equals_the_plain_pass(activation):
    """Without gradients on a CPU the MLP runs blocks of rows with in-place activations: the
    same outputs as nn.Sequential's pass with gradients, and the caller's input untouched."""
    from vdae.nn.mlp import make_mlp

    torch.manual_seed(0)
    net = make_mlp(5, (64, 64), 3, activation)
    x = torch.randn(3 * net.block_rows + 17, 5)
    x_before = x.clone()
    want = net(x).detach()  # gradients on: nn.Sequential's own pass
    with torch.no_grad():
        got = net(x)
        first = net(x[:10])
    torch.testing.assert_close(got, want, rtol=0, atol=1e-6)
    torch.testing.assert_close(first, want[:10], rtol=0, atol=1e-6)
    assert torch.equal(x, x_before)
    assert net.block_rows == max(256, (1 << 19) // 64)
