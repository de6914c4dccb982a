"""The VDAE against its promises: samples on the manifold, covering it, stable walks, the loss
terms' mathematics, save/load, and clear errors."""


import numpy as np
import pytest
import torch

from vdae import VDAE
from vdae.datasets import make_circle, make_clusters, make_loop, make_sphere
from vdae.exceptions import ModelFileError, NotFittedError
from vdae.models.vdae.objective import (
    gaussian_kl_from_target_inverse, gaussian_kl_same_mean, target_inverse_factors,
)
from vdae.metrics import gromov_wasserstein, mmd2_multiscale, precision_recall
from vdae.models.vdae.objective import local_covariance_factors
from vdae.models.vdae.targets import nearest_in_pool


@pytest.fixture(scope="module", params=["sphere", "loop"])
def fitted(request):
    make = {"sphere": make_sphere, "loop": make_loop}[request.param]
    data = make(2000, random_state=1)
    model = VDAE(random_state=0, verbose=0).fit(data.X)
    return request.param, data, make(2000, random_state=2), model


@pytest.mark.parametrize("chain", ["metropolis", "paper"])
def test_samples_lie_on_the_manifold_and_cover_it(fitted, chain):
    name, data, fresh, model = fitted
    S = model.sample(2000, random_state=0, chain=chain)
    man = data.manifold
    d = man.distance(S) / man.diameter
    assert np.median(d) <= 0.01 and np.quantile(d, 0.95) <= 0.03
    from sklearn.neighbors import NearestNeighbors

    gap, _ = NearestNeighbors(n_neighbors=1).fit(S).kneighbors(fresh.X)
    assert gap.max() <= 0.1 * man.diameter
    # noiseless data: the output law's residuals (mostly along the manifold) leave the
    # samples as close to it as the decoder's means
    M = model.sample(2000, random_state=0, chain=chain, noise=False)
    assert np.median(d) <= 1.25 * np.median(man.distance(M) / man.diameter) + 1e-4


def test_walks_do_not_degrade_with_steps(fitted):
    """Issue item 7: from data seeds, ``sample``'s 100 steps are as good as its 10 (GW within
    1.5×, precision kept). GW's conditional-gradient solver stops in local optima (on the
    loop, two independent true samples read 3.6–8.9), so each figure is a mean over 8
    subsample draws, and the stationary law is also checked by MMD², which has no such
    noise. A lucky 10-step figure below the data's own is no standard: 100 steps are held to
    the larger of the 10-step GW and a second data sample's (the loop's exact-prior fit read
    4.2 → 7.4 while four data samples read 5.4–9.2)."""
    name, data, fresh, model = fitted
    S10 = model.sample(2000, n_steps=10, random_state=3)
    S100 = model.sample(2000, n_steps=100, random_state=3)
    gw = {s: gromov_wasserstein(S, fresh.X, n_samples=1000, n_repeats=8, random_state=0)
          for s, S in ((10, S10), (100, S100))}
    if gw[100] > 1.5 * gw[10] + 0.5:  # the data's own figure, only needed then (12 s)
        other = {"sphere": make_sphere, "loop": make_loop}[name](2000, random_state=3).X
        gw["data"] = gromov_wasserstein(other, fresh.X, n_samples=1000, n_repeats=8,
                                        random_state=0)
        assert gw[100] <= 1.5 * max(gw[10], gw["data"]) + 0.5, gw
    mmd = {s: mmd2_multiscale(S, fresh.X, random_state=0) for s, S in ((10, S10), (100, S100))}
    assert mmd[100] <= 1.5 * mmd[10] + 2e-3, mmd
    assert precision_recall(fresh.X[:1000], S100[:1000]).precision >= 0.95
    d = data.manifold.distance(S100) / data.manifold.diameter
    assert np.quantile(d, 0.95) <= 0.03


def test_metropolis_chain_stays_on_the_manifold_and_does_not_drift(fitted, tmp_path):
    name, data, fresh, model = fitted
    S10 = model.sample(1500, n_steps=10, random_state=3, chain="metropolis")
    walk, rate = model.metropolis_walk(fresh.X[:300], 10, random_state=3)
    assert 0.05 < rate < 1
    np.testing.assert_array_equal(walk, model.random_walk(fresh.X[:300], 10, random_state=3,
                                                          chain="metropolis"))
    S100 = model.sample(1500, n_steps=100, random_state=3, chain="metropolis")
    for S in (S10, S100):
        d = data.manifold.distance(S) / data.manifold.diameter
        assert np.median(d) <= 0.01 and np.quantile(d, 0.95) <= 0.03
    mmd = [mmd2_multiscale(S, fresh.X, random_state=0) for S in (S10, S100)]
    assert mmd[1] <= 1.5 * mmd[0] + 2e-3, mmd
    traj = model.random_walk(data.X[:5], 4, random_state=1, chain="metropolis")
    assert traj.shape == (5, 5, data.X.shape[1])
    np.testing.assert_array_equal(traj[0], data.X[:5])
    np.testing.assert_array_equal(traj, model.random_walk(data.X[:5], 4, random_state=1,
                                                          chain="metropolis"))
    model.save(tmp_path / "m.vdae")
    np.testing.assert_array_equal(VDAE.load(tmp_path / "m.vdae").sample(
        200, random_state=4, chain="metropolis"), model.sample(200, random_state=4,
                                                              chain="metropolis"))
    with pytest.raises(ValueError, match="chain"):
        model.sample(10, chain="gibbs")


def test_kernel_jumps_stay_on_the_manifold_and_move_further(fitted):
    """jump_kernels: same stationary law (samples as near the manifold as the local chain's),
    more proposals accepted, longer moves in 5 steps; bad values are refused by name."""
    name, data, fresh, model = fitted
    S = model.sample(1500, n_steps=10, random_state=3, jump_kernels=10)
    d = data.manifold.distance(S) / data.manifold.diameter
    assert np.median(d) <= 0.01 and np.quantile(d, 0.95) <= 0.03
    local, rate_local = model.metropolis_walk(fresh.X[:300], 5, random_state=3)
    jumps, rate_jumps = model.metropolis_walk(fresh.X[:300], 5, random_state=3, jump_kernels=10)
    assert rate_jumps > rate_local
    move = [np.median(np.linalg.norm(w[5] - w[1], axis=1)) for w in (local, jumps)]
    assert move[1] > move[0], move
    with pytest.raises(TypeError, match="jump_kernels"):
        model.sample(10, jump_kernels=2.5)
    with pytest.raises(ValueError, match="jump_kernels"):
        model.metropolis_walk(fresh.X[:3], 2, jump_kernels=-1)


def test_random_walk_and_burst_shapes_and_locality(fitted):
    name, data, _, model = fitted
    traj = model.random_walk(data.X[:7], 5, random_state=0)
    assert traj.shape == (6, 7, data.X.shape[1])
    np.testing.assert_array_equal(traj[0], data.X[:7])
    burst = model.burst(data.X[0], 500, random_state=0)
    assert burst.shape == (500, data.X.shape[1])
    # one step is local: much smaller than the manifold, but not a point mass
    spread = np.linalg.norm(burst - data.X[0], axis=1)
    assert 0 < np.median(spread) < 0.3 * data.manifold.diameter


def test_same_seed_same_samples_and_save_load_identical(fitted, tmp_path):
    name, data, _, model = fitted
    a = model.sample(300, random_state=5)
    np.testing.assert_array_equal(a, model.sample(300, random_state=5))
    path = tmp_path / "m.vdae"
    model.save(path)
    loaded = VDAE.load(path)
    np.testing.assert_array_equal(loaded.sample(300, random_state=5), a)
    np.testing.assert_array_equal(loaded.transform(data.X[:50]), model.transform(data.X[:50]))
    np.testing.assert_array_equal(loaded.random_walk(data.X[:4], 3, random_state=1),
                                  model.random_walk(data.X[:4], 3, random_state=1))
    assert (loaded.prior, loaded.prior_, loaded.n_iter_) == ("auto", "exact", model.n_iter_)


def test_auto_prior_follows_the_data_size(monkeypatch):
    """prior="auto": the exact map up to EXACT_PRIOR_MAX points, SpectralNet above (the
    threshold lowered here so that a tiny fit crosses it)."""
    from vdae.models.vdae import training

    X = make_circle(300, random_state=0).X
    kw = dict(n_components=2, epochs=2, encoder_epochs=2, random_state=0, verbose=0)
    assert VDAE(**kw).fit(X).prior_ == "exact"
    monkeypatch.setattr(training, "EXACT_PRIOR_MAX", 299)
    model = VDAE(**kw).fit(X)
    assert model.prior_ == "spectralnet" and model.n_iter_ == 2 * 2
    assert VDAE(prior="exact", **kw).fit(X).prior_ == "exact"


def test_truncated_and_foreign_model_files_are_refused(fitted, tmp_path):
    model = fitted[3]
    path = tmp_path / "m.vdae"
    model.save(path)
    raw = path.read_bytes()
    (tmp_path / "cut.vdae").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ModelFileError):
        VDAE.load(tmp_path / "cut.vdae")
    flipped = bytearray(raw)
    flipped[-10] ^= 0xFF
    (tmp_path / "flip.vdae").write_bytes(bytes(flipped))
    with pytest.raises(ModelFileError, match="checksum"):
        VDAE.load(tmp_path / "flip.vdae")
    np.save(tmp_path / "foreign.npy", np.zeros(3))
    with pytest.raises(ModelFileError, match="not a vdae model"):
        VDAE.load(tmp_path / "foreign.npy")
    torch.save({"a": 1}, tmp_path / "pickle.pt")
    with pytest.raises(ModelFileError):
        VDAE.load(tmp_path / "pickle.pt")


def test_bad_inputs_raise_clear_errors(fitted):
    name, data, _, model = fitted
    m = data.X.shape[1]
    with pytest.raises(ValueError, match="X0"):
        model.random_walk(np.full((2, m), np.nan), 3)
    with pytest.raises(ValueError, match="n_steps"):
        model.random_walk(data.X[:2], -1)
    with pytest.raises(TypeError, match="n_steps"):
        model.sample(10, n_steps=2.5)
    with pytest.raises(ValueError, match="features"):
        model.transform(np.zeros((3, m + 1)))
    with pytest.raises(ValueError, match="n_samples"):
        model.sample(0)
    with pytest.raises(ValueError, match="Z"):
        model.inverse_transform(np.zeros((2, model.n_components_ + 2)))


def test_unfitted_model_says_so():
    with pytest.raises(NotFittedError, match="fit"):
        VDAE().sample(3)


@pytest.mark.parametrize("param, value, err", [
    ("alpha", 0.0, ValueError), ("alpha", "big", TypeError), ("prior", "gan", ValueError),
    ("decoder_hidden", (0,), TypeError), ("batch_size", 1, ValueError),
])
def test_bad_parameters(param, value, err):
    X = make_circle(100, random_state=0).X
    with pytest.raises(err, match=param):
        VDAE(**{param: value}).fit(X)


# -------------------------------------------------------------------- the loss terms
def test_kl_matches_closed_form_by_hand():
    rng = np.random.default_rng(0)
    D = 3
    A, B = rng.normal(size=(D, D)), rng.normal(size=(D, D))
    C, S = A @ A.T + np.eye(D), B @ B.T + np.eye(D)
    log_det_ratio = np.log(np.linalg.det(S) / np.linalg.det(C))
    expected = 0.5 * (np.trace(np.linalg.solve(S, C)) - D + log_det_ratio)
    Lq = torch.tensor(np.linalg.cholesky(C))[None]
    Lp = torch.tensor(np.linalg.cholesky(S))[None]
    assert float(gaussian_kl_same_mean(Lq, Lp)) == pytest.approx(expected, rel=1e-10)
    assert float(gaussian_kl_same_mean(Lp, Lp)) == pytest.approx(0.0, abs=1e-12)
    Lp_inv, logdet = target_inverse_factors(Lp)  # the training path: inverse precomputed
    assert float(gaussian_kl_from_target_inverse(Lq, Lp_inv, logdet)) == pytest.approx(
        expected, rel=1e-10)


def test_local_covariance_is_centred_covariance_of_neighbours():
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(200, 2))
    L = local_covariance_factors(Z, 20, ridge=0.1).astype(np.float64)
    from sklearn.neighbors import NearestNeighbors

    _, ind = NearestNeighbors(n_neighbors=20).fit(Z).kneighbors(Z[:1])
    S = np.cov(Z[ind[0]].T, bias=True)
    S += 0.1 * np.trace(S) / 2 * np.eye(2)
    np.testing.assert_allclose(L[0] @ L[0].T, S, rtol=1e-5)


def test_local_covariance_stays_inside_graph_components():
    rng = np.random.default_rng(0)
    Z = np.r_[rng.normal(size=(30, 2)) * 0.1, rng.normal(size=(200, 2)) * 0.1 + 5.0]
    labels = np.r_[np.zeros(30, int), np.ones(200, int)]
    L = local_covariance_factors(Z, 50, ridge=0.1, labels=labels).astype(np.float64)
    S0 = np.cov(Z[:30].T, bias=True)  # the small cluster: all of its 30 points, none of the other
    S0 += 0.1 * np.trace(S0) / 2 * np.eye(2)
    np.testing.assert_allclose(L[0] @ L[0].T, S0, rtol=1e-5)
    assert np.trace(L[40] @ L[40].T) < 0.2  # no neighbour 5 units away in the large one
    mixed = local_covariance_factors(Z, 50, ridge=0.1).astype(np.float64)
    assert np.trace(mixed[0] @ mixed[0].T) > 1.0  # without labels the 50-NN spans both


def test_nearest_in_pool_excludes_self_and_handles_chunks():
    pool = torch.tensor([[0.0], [1.0], [2.0], [10.0]])
    q = torch.tensor([[0.1], [1.9], [9.0]])
    np.testing.assert_array_equal(nearest_in_pool(q, pool).numpy(), [0, 2, 3])
    nearest = nearest_in_pool(q, pool, torch.tensor([0, 2, 3]), chunk=2)
    np.testing.assert_array_equal(nearest.numpy(), [1, 1, 2])


def test_alpha_scales_the_step():
    X = make_circle(600, random_state=4).X
    kw = dict(epochs=60, encoder_epochs=150, random_state=0, verbose=0, prior="exact")
    small = VDAE(alpha=0.25, **kw).fit(X)
    large = VDAE(alpha=4.0, **kw).fit(X)
    step = lambda m: np.median(np.linalg.norm(m.burst(X[0], 400, random_state=0) - X[0], axis=1))  # noqa: E731
    assert step(large) > 2.5 * step(small)  # √(4 / 0.25) = 4 in theory


def test_walks_stay_in_their_cluster():
    data = make_clusters(1200, n_clusters=2, random_state=5)
    with pytest.warns(UserWarning, match="connected components"):
        model = VDAE(epochs=60, encoder_epochs=200, random_state=0, verbose=0).fit(data.X)
    seeds = data.X[:100]
    traj = model.random_walk(seeds, 10, random_state=0)
    centres = np.array([data.X[data.y == c].mean(0) for c in range(2)])
    cluster = lambda A: np.argmin(((A[:, None] - centres[None]) ** 2).sum(-1), axis=1)  # noqa: E731
    assert np.mean(cluster(traj[-1]) == data.y[:100]) >= 0.98
    # sample() gives each component its share of the seeds up to rounding (not a binomial count)
    share = np.mean(cluster(model.seeds_) == 0)
    for r in range(3):
        n0 = np.sum(cluster(model.sample(999, random_state=r)) == 0)
        assert abs(n0 - 999 * share) <= 1


def test_stratified_seed_rows_fixes_component_counts_and_is_unbiased():
    from vdae.models.vdae.random_walk import stratified_seed_rows

    labels = np.r_[np.zeros(700, int), np.full(200, 1), np.full(100, 2)]
    rng = np.random.default_rng(0)
    for n in (1, 7, 1000, 1234):
        rows = stratified_seed_rows(labels, n, rng)
        counts = np.bincount(labels[rows], minlength=3)
        assert rows.shape == (n,) and counts.sum() == n
        assert np.all(np.abs(counts - n * np.array([0.7, 0.2, 0.1])) < 1)  # ⌊n w⌋ or ⌈n w⌉
    # a single draw picks component c with probability w_c (20 000 draws: ±0.01 at 3 sd)
    picks = np.bincount([labels[stratified_seed_rows(labels, 1, rng)][0] for _ in range(20000)],
                        minlength=3) / 20000
    np.testing.assert_allclose(picks, [0.7, 0.2, 0.1], atol=0.01)
    # within a component the rows are uniform
    rows = stratified_seed_rows(labels, 20000, rng)
    within = np.bincount(rows[labels[rows] == 2] - 900, minlength=100)
    assert within.min() > 0 and within.max() < 3 * within.mean()
    one = stratified_seed_rows(np.zeros(50, int), 10, np.random.default_rng(3))
    np.testing.assert_array_equal(one, np.random.default_rng(3).integers(0, 50, 10))


def test_duplicated_points_keep_the_loss_finite():
    """Duplicated rows share one embedding, so their whole Σ*-neighbourhood can have no spread;
    Σ* then gets a small variance floor instead of an overflowing inverse (found by
    scikit-learn's check on the iris data with the exact prior)."""
    base = make_circle(60, random_state=0).X
    X = np.repeat(base, 8, axis=0)  # every point eight times
    Z = np.repeat(np.c_[np.cos(np.arange(60)), np.sin(np.arange(60))], 8, axis=0)
    L = local_covariance_factors(Z, 5, ridge=0.1)
    tr = np.einsum("nij,nij->n", L.astype(np.float64), L)
    assert np.all(np.isfinite(L)) and tr.min() >= 1.9e-8 * np.var(Z, axis=0).mean()
    model = VDAE(n_components=2, prior="exact", epochs=3, n_neighbors=10, random_state=0,
                 verbose=0).fit(X)
    assert np.all(np.isfinite(model.history_))
