"""Large-data paths: memory-mapped input, the O(k) neighbour pool, batched evaluation."""

import numpy as np
import torch

from vdae import VDAE
from vdae._torch import RowSource, batched_apply, column_stats
from vdae.datasets import make_circle
from vdae.models.vdae.targets import nearest_among, nearest_in_pool

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
