"""Evaluation metrics against hand-computed values and invariants."""

import gzip
import itertools
import os
from pathlib import Path

import numpy as np
import ot
import pytest
import torch
from scipy.spatial.distance import cdist
from scipy.stats import special_ortho_group

from vdae.metrics import (
    DigitClassifier,
    ManifoldDistance,
    PrecisionRecall,
    class_retention,
    coverage,
    gromov_wasserstein,
    gromov_wasserstein_runs,
    gromov_wasserstein_starts,
    local_bilipschitz,
    manifold_distance,
    median_bilipschitz,
    mmd2,
    mmd2_multiscale,
    parameter_uniformity,
    precision_recall,
    same_class_distance,
    train_digit_classifier,
)
from vdae.metrics._gromov import _gw_uniform, _normalised_distances

LINE3 = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]])  # normalised sides 1/2, 1/2, 1
EQUILATERAL = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2]])  # sides 1, 1, 1
RIGHT_ISOSCELES = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])  # sides 1/√2, 1/√2, 1


# ------------------------------------------------------------------------ Gromov–Wasserstein
def gw_by_permutations(X, Y):
    """min over bijections σ of (1/n²) Σ_ik (C1_ik − C2_σ(i)σ(k))², by enumeration."""
    C1, C2 = _normalised_distances(X), _normalised_distances(Y)
    n = len(X)
    return min(
        np.sum((C1 - C2[np.ix_(s, s)]) ** 2) / n**2
        for s in map(list, itertools.permutations(range(n)))
    )


def test_gw_three_points_hand_computed():
    # Line vs equilateral: every bijection leaves four entries 1/2 against 1 → 4 · (1/2)² / 9.
    assert gromov_wasserstein(LINE3, EQUILATERAL) == pytest.approx(1000 * 1 / 9, rel=1e-9)
    # Line vs right isosceles: long side ↔ hypotenuse, the four short entries 1/2 ↔ 1/√2.
    expected = 4 * (0.5 - 1 / np.sqrt(2)) ** 2 / 9
    assert gromov_wasserstein(LINE3, RIGHT_ISOSCELES) == pytest.approx(1000 * expected, rel=1e-9)


@pytest.mark.parametrize("pair", list(itertools.combinations(range(4), 2)))
def test_gw_three_points_matches_enumeration_and_pot(pair):
    shapes = [LINE3, EQUILATERAL, RIGHT_ISOSCELES, np.array([[0.0, 0.0], [3.0, 0.0], [1.0, 1.0]])]
    X, Y = shapes[pair[0]], shapes[pair[1]]
    value = gromov_wasserstein(X, Y) / 1000
    assert value == pytest.approx(gw_by_permutations(X, Y), rel=1e-9, abs=1e-15)
    pot = ot.gromov.gromov_wasserstein2(
        _normalised_distances(X), _normalised_distances(Y), loss_fun="square_loss"
    )
    assert value == pytest.approx(float(pot), rel=1e-9, abs=1e-15)


def test_gw_two_points_is_zero():
    # Any two 2-point clouds have the same normalised distance matrix [[0, 1], [1, 0]].
    assert gromov_wasserstein([[0.0], [5.0]], [[1.0, 2.0, 3.0], [-4.0, 0.0, 2.0]]) == 0.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gw_solver_matches_pot_on_random_clouds(seed):
    rng = np.random.default_rng(seed)
    C1 = _normalised_distances(rng.normal(size=(40, 3)))
    C2 = _normalised_distances(rng.uniform(size=(40, 2)))
    expected = ot.gromov.gromov_wasserstein2(C1, C2, loss_fun="square_loss")
    assert _gw_uniform(C1, C2) == pytest.approx(float(expected), rel=1e-8)


def test_gw_invariant_to_permutation_rotation_translation_scaling():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(80, 3))
    perm = rng.permutation(80)
    R = special_ortho_group.rvs(3, random_state=4)
    assert gromov_wasserstein(X, X[perm]) < 1e-6
    assert gromov_wasserstein(X, 3.0 * X[perm] @ R.T + [5.0, -2.0, 1.0]) < 1e-6
    # Different point sets from the same law are not isometric.
    assert gromov_wasserstein(X, rng.normal(size=(80, 3))) > 1.0


def test_gw_circle_vs_segment_is_large():
    t = np.linspace(0, 2 * np.pi, 150, endpoint=False)
    circle = np.c_[np.cos(t), np.sin(t)]
    segment = np.linspace(0, 1, 150)[:, None]
    noisy = circle + np.random.default_rng(0).normal(scale=0.02, size=circle.shape)
    far = gromov_wasserstein(circle, segment)
    near = gromov_wasserstein(circle, noisy)
    assert far > 50
    assert near < 5 < far


def test_gw_runs_subsampling_and_reproducibility():
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(300, 2)), rng.normal(size=(200, 5))  # features may differ
    runs = gromov_wasserstein_runs(X, Y, n_samples=50, n_repeats=4, random_state=7, n_jobs=2)
    assert runs.shape == (4,) and runs.dtype == np.float64
    assert len(set(runs.round(12))) == 4  # different draws
    again = gromov_wasserstein_runs(X, Y, n_samples=50, n_repeats=4, random_state=7, n_jobs=1)
    np.testing.assert_array_equal(runs, again)
    mean = gromov_wasserstein(X, Y, n_samples=50, n_repeats=4, random_state=7)
    assert isinstance(mean, float) and mean == pytest.approx(runs.mean())
    # Clouds no larger than n_samples: every draw is everything, one value repeated.
    full = gromov_wasserstein_runs(X[:40], Y[:40], n_samples=50, n_repeats=3, random_state=1)
    assert full.shape == (3,) and np.all(full == full[0])
    C1, C2 = _normalised_distances(X[:40]), _normalised_distances(Y[:40])
    assert full[0] == pytest.approx(1000 * float(ot.gromov.gromov_wasserstein2(C1, C2)), rel=1e-8)


def _torus(rng, n):
    u, v = rng.uniform(0, 2 * np.pi, (2, n))
    return np.c_[(2 + np.cos(v)) * np.cos(u), (2 + np.cos(v)) * np.sin(u), np.sin(v)]


def test_gw_more_starts_never_raise_the_value_and_escape_a_local_optimum():
    values = []
    for seed in range(3):
        rng = np.random.default_rng(seed)
        X, Y = _torus(rng, 100), _torus(rng, 100)  # two samples of one torus
        one = gromov_wasserstein(X, Y, random_state=0)
        many = gromov_wasserstein(X, Y, n_init=8, random_state=0)
        runs = gromov_wasserstein_runs(X, Y, n_init=8, random_state=0, n_jobs=1)
        assert many <= one and many == pytest.approx(runs.mean())
        starts = gromov_wasserstein_starts(X, Y, n_init=8, random_state=0, n_jobs=1)
        assert starts.shape == (3, 8)
        np.testing.assert_array_equal(starts.min(axis=1), runs)
        # column 0 is POT's start: the default single-start value, same subsamples
        assert starts[:, 0].mean() == pytest.approx(one)
        values.append((one, many))
    # seed 1: POT's product start ends at 11.95, a random matching's start at 7.94
    assert values[1][0] > 11 and values[1][1] < 0.7 * values[1][0]
    # the default is POT's single start
    assert gromov_wasserstein(X, Y, n_init=1, random_state=0) == values[2][0]


def test_gw_bad_inputs():
    X = np.random.default_rng(0).normal(size=(10, 2))
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="Y"):
        gromov_wasserstein(X, bad)
    with pytest.raises(ValueError, match="X"):
        gromov_wasserstein(X[:, 0], X)
    with pytest.raises(ValueError, match="n_samples"):
        gromov_wasserstein(X, X, n_samples=1)
    with pytest.raises(TypeError, match="n_repeats"):
        gromov_wasserstein(X, X, n_repeats=2.5)
    with pytest.raises(TypeError, match="n_repeats"):
        gromov_wasserstein(X, X, n_repeats="3")


# ----------------------------------------------------------------------------------- MMD
def test_mmd_biased_by_hand():
    X = np.array([[0.0], [1.0]])
    Y = np.array([[0.0], [3.0]])
    k = lambda d: np.exp(-(d**2) / 2.0)  # noqa: E731  (σ = 1)
    kxx = (2 + 2 * k(1)) / 4
    kyy = (2 + 2 * k(3)) / 4
    kxy = (k(0) + k(3) + k(1) + k(2)) / 4
    assert mmd2(X, Y, bandwidth=1.0, biased=True) == pytest.approx(kxx + kyy - 2 * kxy, rel=1e-12)
    # Unbiased: diagonal terms dropped from the within-sample means.
    assert mmd2(X, Y, bandwidth=1.0) == pytest.approx(k(1) + k(3) - 2 * kxy, rel=1e-12)


def test_mmd_median_bandwidth_by_hand():
    # Pooled {0, 1} ∪ {0, 3}: distances 1, 3, 0, 3, 1, 2 → median 1.5.
    X = np.array([[0.0], [1.0]])
    Y = np.array([[0.0], [3.0]])
    expected = mmd2(X, Y, bandwidth=1.5, biased=True)
    assert mmd2(X, Y, biased=True) == pytest.approx(expected, rel=1e-12)


def test_mmd_same_sample_is_near_zero_and_grows_with_shift():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    n = len(X)
    same = mmd2(X, X)
    assert abs(same) <= 2.0 / n  # exactly −(2/n)(1 − mean off-diagonal kernel)
    assert mmd2(X, X, biased=True) == pytest.approx(0.0, abs=1e-12)
    Y0 = rng.normal(size=(400, 3))
    assert abs(mmd2(X, Y0, bandwidth=1.0)) < 0.02
    values = [mmd2(X, Y0 + [s, 0, 0], bandwidth=1.0) for s in (0.25, 0.5, 1.0, 2.0)]
    assert values[0] > 0 and np.all(np.diff(values) > 0) and values[-1] > 0.1
    multi = [mmd2_multiscale(X, Y0 + [s, 0, 0]) for s in (0.0, 0.5, 2.0)]
    assert abs(multi[0]) < 0.05 < multi[1] < multi[2]


def test_mmd_multiscale_is_sum_over_scales():
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(30, 2)), rng.normal(loc=0.5, size=(40, 2))
    D = cdist(np.r_[X, Y], np.r_[X, Y])
    sigma = np.median(np.r_[D[np.triu_indices(70, 1)]])
    expected = sum(mmd2(X, Y, bandwidth=s * sigma) for s in (0.5, 2.0))
    assert mmd2_multiscale(X, Y, scales=(0.5, 2.0)) == pytest.approx(expected, rel=1e-10)


def test_mmd_subsampling_and_errors():
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(500, 2)), rng.normal(size=(500, 2))
    a = mmd2(X, Y, max_samples=100, random_state=0)
    assert a == mmd2(X, Y, max_samples=100, random_state=0)
    assert a != mmd2(X, Y, max_samples=100, random_state=1)
    with pytest.raises(ValueError, match="X.*Y|Y.*X"):
        mmd2(X, rng.normal(size=(5, 3)))
    with pytest.raises(ValueError, match="bandwidth"):
        mmd2(X, Y, bandwidth=-1.0)
    with pytest.raises(ValueError, match="bandwidth"):
        mmd2(X, Y, bandwidth="mean")
    with pytest.raises(ValueError, match="scales"):
        mmd2_multiscale(X, Y, scales=(1.0, 0.0))


# -------------------------------------------------------------------------- bi-Lipschitz
def grid(nx, ny):
    return np.array([[i, j] for i in range(nx) for j in range(ny)], dtype=float)


def test_bilipschitz_isometry_is_one():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(200, 3))
    R = special_ortho_group.rvs(3, random_state=1)
    X = Z @ R.T + 4.0
    np.testing.assert_allclose(local_bilipschitz(Z, X, n_neighbors=8), 1.0, rtol=1e-12)
    # An isometric embedding into a higher-dimensional space too.
    X5 = np.c_[X, np.zeros((200, 2))] @ special_ortho_group.rvs(5, random_state=2).T
    assert median_bilipschitz(Z, X5) == pytest.approx(1.0, rel=1e-12)


def test_bilipschitz_scaling():
    Z = np.random.default_rng(1).normal(size=(150, 2))
    np.testing.assert_allclose(local_bilipschitz(Z, 3 * Z), 3.0, rtol=1e-12)
    np.testing.assert_allclose(local_bilipschitz(Z, Z / 3), 3.0, rtol=1e-12)  # 1/K branch
    np.testing.assert_allclose(local_bilipschitz(Z, 3 * Z, scale_free=True), 1.0, rtol=1e-12)
    assert isinstance(median_bilipschitz(Z, 3 * Z), float)


def test_bilipschitz_anisotropic_grid_by_hand():
    # 5×5 unit grid, k = 4: interior points see their 4 axis neighbours (ratios 2, 2, 1, 1);
    # edge and corner points always include an x-neighbour (ratio 2), and any diagonal
    # neighbour has ratio √5/√2 < 2. So bilip = 2 everywhere.
    Z = grid(5, 5)
    np.testing.assert_allclose(local_bilipschitz(Z, Z * [2.0, 1.0], n_neighbors=4), 2.0)
    np.testing.assert_allclose(local_bilipschitz(Z, Z * [0.5, 1.0], n_neighbors=4), 2.0)
    # Scale-free: both median NN distances are 1 (the y-spacing survives), so still 2.
    np.testing.assert_allclose(
        local_bilipschitz(Z, Z * [2.0, 1.0], n_neighbors=4, scale_free=True), 2.0
    )
    # A stretch the scale-free variant removes: × 2 in x and y, NN distance 2 → 1.
    np.testing.assert_allclose(local_bilipschitz(Z, 2 * Z, n_neighbors=4, scale_free=True), 1.0)


def test_bilipschitz_one_dimensional_by_hand():
    # z = 0, 1, 3 ↦ x = 0, 3, 4 with k = 1:
    # neighbours 0→1 (ratio 3), 1→0 (ratio 3), 3→1 (ratio 1/2, so K = 2).
    Z = np.array([[0.0], [1.0], [3.0]])
    X = np.array([[0.0], [3.0], [4.0]])
    np.testing.assert_allclose(local_bilipschitz(Z, X, n_neighbors=1), [3.0, 3.0, 2.0])
    assert median_bilipschitz(Z, X, n_neighbors=1) == 3.0
    # k = 2 adds the pair 0↔3 (ratio 4/3 < 3 and < 2): unchanged.
    np.testing.assert_allclose(local_bilipschitz(Z, X, n_neighbors=2), [3.0, 3.0, 2.0])


def test_bilipschitz_coincident_latent_points_are_skipped():
    Z = np.array([[0.0], [0.0], [1.0], [1.5]])
    X = np.array([[0.0], [7.0], [3.0], [4.0]])
    # Rows 0 and 1 coincide in Z: their pair is skipped and each takes z = 1 as neighbour
    # (ratios 3 and 4); z = 1 and z = 1.5 are each other's neighbours (ratio 2).
    np.testing.assert_allclose(local_bilipschitz(Z, X, n_neighbors=1), [3.0, 4.0, 2.0, 2.0])


def test_bilipschitz_collapse_is_infinite():
    Z = np.array([[0.0], [1.0], [2.0], [3.0]])
    X = np.array([[0.0], [0.0], [1.0], [2.0]])
    out = local_bilipschitz(Z, X, n_neighbors=1)
    assert np.isinf(out[0]) and np.all(np.isfinite(out[2:]))


def test_bilipschitz_bad_inputs():
    Z = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(ValueError, match="Z.*X|X.*Z"):
        local_bilipschitz(Z, Z[:9])
    with pytest.raises(ValueError, match="n_neighbors"):
        local_bilipschitz(Z, Z, n_neighbors=10)
    with pytest.raises(ValueError, match="n_neighbors"):
        local_bilipschitz(Z, Z, n_neighbors=0)
    # Five copies of one point: it has only 2 latent neighbours at positive distance.
    Zdup = np.r_[np.zeros((5, 2)), [[1.0, 0.0], [0.0, 1.0]]]
    with pytest.raises(ValueError, match="distinct"):
        local_bilipschitz(Zdup, Zdup, n_neighbors=3)
    np.testing.assert_allclose(local_bilipschitz(Zdup, Zdup, n_neighbors=2), 1.0)
    with pytest.raises(ValueError, match="Z"):
        local_bilipschitz(Z[:, 0], Z)
    bad = Z.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="X"):
        local_bilipschitz(Z, bad)


# ------------------------------------------------------------------ precision and recall
def test_precision_recall_identical_and_disjoint():
    rng = np.random.default_rng(0)
    R = rng.normal(size=(300, 5))
    result = precision_recall(R, R.copy())
    assert isinstance(result, PrecisionRecall) and result == (1.0, 1.0)
    assert result.precision == 1.0 and result.recall == 1.0
    assert precision_recall(R, R + 100.0) == (0.0, 0.0)


def test_precision_recall_half_coverage():
    # Real: a fine 1-D grid on [0, 2]; generated: the same grid restricted to [0, 1].
    real = np.linspace(0, 2, 401)[:, None]
    gen = real[real[:, 0] <= 1.0]
    p, r = precision_recall(real, gen, n_neighbors=3)
    assert p == 1.0
    assert r == pytest.approx(0.5, abs=0.01)


def test_precision_recall_by_hand():
    # k = 1. Real {0, 1, 3}: radii 1, 1, 2. Generated {0.5, 1.5, 10, 11}: radii 1, 1, 1, 1.
    real = np.array([[0.0], [1.0], [3.0]])
    gen = np.array([[0.5], [1.5], [10.0], [11.0]])
    p, r = precision_recall(real, gen, n_neighbors=1)
    assert p == pytest.approx(2 / 4)  # 0.5 (ball of 0) and 1.5 (ball of 1); 10, 11 in none
    assert r == pytest.approx(2 / 3)  # 0 and 1 lie in the balls of 0.5 and 1.5; 3 in none


def test_precision_recall_chunked_large_and_subsampled():
    rng = np.random.default_rng(1)
    R, G = rng.normal(size=(2500, 10)), rng.normal(size=(2500, 10))
    p, r = precision_recall(R, G, max_samples=2500)
    assert 0.5 < p <= 1 and 0.5 < r <= 1
    sub = precision_recall(R, G, max_samples=500, random_state=0)
    assert sub == precision_recall(R, G, max_samples=500, random_state=0)


def test_precision_recall_bad_inputs():
    R = np.random.default_rng(0).normal(size=(10, 3))
    with pytest.raises(ValueError, match="real.*generated|generated.*real"):
        precision_recall(R, R[:, :2])
    with pytest.raises(ValueError, match="n_neighbors"):
        precision_recall(R, R, n_neighbors=10)
    with pytest.raises(ValueError, match="generated"):
        precision_recall(R, np.full((10, 3), np.nan))


def test_coverage():
    ref = np.array([[0.0, 0.0], [1.0, 0.0], [5.0, 0.0], [9.0, 9.0]])
    gen = np.array([[0.0, 0.5], [5.0, 0.9]])
    assert coverage(gen, ref, radius=0.5) == 0.25  # only (0, 0)
    assert coverage(gen, ref, radius=1.2) == 0.75  # (0, 0), (1, 0), (5, 0)
    assert coverage(ref, ref, radius=0.0) == 1.0
    with pytest.raises(ValueError, match="radius"):
        coverage(gen, ref, radius=-1.0)
    with pytest.raises(ValueError, match="X_generated.*X_reference"):
        coverage(gen[:, :1], ref, radius=1.0)


# ------------------------------------------------------------------------ class retention
def test_class_retention_by_hand():
    walk = np.array([[1, 2, 3, 4], [1, 2, 0, 4], [1, 0, 0, 4]])
    seeds = np.array([1, 2, 3, 5])
    np.testing.assert_allclose(class_retention(walk, seeds), [0.75, 0.5, 0.25])
    assert class_retention(walk, seeds).shape == (3,)


def test_class_retention_bad_inputs():
    walk = np.zeros((3, 4), dtype=int)
    with pytest.raises(ValueError, match="seed_labels"):
        class_retention(walk, np.zeros(5, dtype=int))
    with pytest.raises(TypeError, match="labels_along_walk"):
        class_retention(walk.astype(float), np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match="labels_along_walk"):
        class_retention(np.zeros(4, dtype=int), np.zeros(4, dtype=int))


# ------------------------------------------------------------------------- classifier
@pytest.fixture
def one_torch_thread():
    """Tiny networks train faster on one thread (and do not stall when the CPU is shared)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_classifier_learns_separable_classes(one_torch_thread):
    rng = np.random.default_rng(0)
    centres = rng.uniform(size=(3, 20))
    y = rng.integers(0, 3, size=600)
    X = np.clip(centres[y] + 0.05 * rng.normal(size=(600, 20)), 0, 1)
    labels = np.array([3, 7, 9])[y]
    kw = dict(epochs=3, batch_size=64, hidden=(64,), random_state=0)
    clf = train_digit_classifier(X[:500], labels[:500], **kw)
    assert isinstance(clf, DigitClassifier)
    assert clf.score(X[500:], labels[500:]) > 0.95
    pred = clf.predict(X[500:])
    assert pred.shape == (100,) and set(np.unique(pred)) <= {3, 7, 9}
    proba = clf.predict_proba(X[500:])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    again = train_digit_classifier(X[:500], labels[:500], **kw)
    np.testing.assert_array_equal(again.predict_proba(X[500:]), proba)
    with pytest.raises(ValueError, match="X"):
        clf.predict(X[:, :10])


def test_classifier_bad_inputs(one_torch_thread):
    X = np.random.default_rng(0).uniform(size=(20, 4))
    with pytest.raises(ValueError, match="y"):
        train_digit_classifier(X, np.zeros(19, dtype=int))
    with pytest.raises(ValueError, match="classes"):
        train_digit_classifier(X, np.zeros(20, dtype=int))
    with pytest.raises(ValueError, match="epochs"):
        train_digit_classifier(X, np.arange(20) % 2, epochs=0)


MNIST = Path(os.environ.get("VDAE_MNIST_DIR", "/work/shared/data/mnist"))


def _idx(name, offset, shape):
    with gzip.open(MNIST / name) as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset).reshape(shape)


@pytest.mark.slow
@pytest.mark.skipif(not (MNIST / "t10k-images-idx3-ubyte.gz").exists(), reason="MNIST not present")
def test_classifier_mnist_accuracy():
    Xtr = _idx("train-images-idx3-ubyte.gz", 16, (-1, 784)).astype(np.float32) / 255
    ytr = _idx("train-labels-idx1-ubyte.gz", 8, (-1,))
    Xte = _idx("t10k-images-idx3-ubyte.gz", 16, (-1, 784)).astype(np.float32) / 255
    yte = _idx("t10k-labels-idx1-ubyte.gz", 8, (-1,))
    # About a minute on an idle 2-core CPU (not asserted: wall time depends on the load).
    clf = train_digit_classifier(Xtr, ytr, random_state=0)
    assert clf.score(Xte, yte) >= 0.97


# ---------------------------------------------------------------------- true manifolds
def test_manifold_metrics_on_the_circle():
    datasets = pytest.importorskip("vdae.datasets")
    manifold = datasets.make_circle(200, random_state=0).manifold
    exact = manifold.sample(2000, random_state=1)[0]  # points exactly on the unit circle
    on = manifold_distance(exact, manifold)
    assert isinstance(on, ManifoldDistance) and on.max < 1e-6
    # Points pushed radially off the circle (centred at 0) by 10 % of its radius.
    radius = np.median(np.linalg.norm(exact, axis=1))
    off = manifold_distance(1.1 * exact, manifold)
    assert off.median == pytest.approx(0.1 * radius / manifold.diameter, rel=1e-4)
    assert off.median <= off.p95 <= off.max == pytest.approx(off.median, rel=1e-4)
    # Uniform angles pass (KS 1 % critical value); a half circle fails (KS distance 1/2).
    assert parameter_uniformity(exact, manifold) < 1.63 / np.sqrt(2000)
    assert parameter_uniformity(exact, manifold, columns=[0]) == parameter_uniformity(
        exact, manifold
    )
    angle = manifold.parameters(exact)[:, 0]
    low, high = manifold.parameter_ranges[0]
    half = exact[angle < (low + high) / 2]
    assert parameter_uniformity(half, manifold) == pytest.approx(0.5, abs=0.03)
    with pytest.raises(ValueError, match="columns"):
        parameter_uniformity(exact, manifold, columns=[1])
    # Coverage of the full circle by the half circle: about one half.
    assert coverage(half, exact, radius=0.01 * manifold.diameter) == pytest.approx(0.5, abs=0.03)
    with pytest.raises(TypeError, match="manifold"):
        manifold_distance(exact, object())


def test_same_class_distance_hand_computed():
    # class 0 at x = 0, 1, ..., 9 and class 1 at x = 100, 102, ..., 118 (one coordinate)
    X = np.concatenate([np.arange(10.0), 100 + 2 * np.arange(10.0)])[:, None]
    y = np.repeat([0, 1], 10)
    Xq, yq = np.array([[0.0], [-1.0], [100.0]]), np.array([0, 0, 1])
    # 3rd nearest of its class: 2 (for 0), 3 (for -1), 4 (for 100): median 3
    assert same_class_distance(X, y, Xq, yq, n_neighbors=3) == 3.0
    assert same_class_distance(X, y, Xq[2:], yq[2:], n_neighbors=10) == 18.0
    with pytest.raises(ValueError, match="class 0 has 10 rows in X, fewer than n_neighbors=11"):
        same_class_distance(X, y, Xq, yq, n_neighbors=11)
    with pytest.raises(ValueError, match="queries"):
        same_class_distance(X, y, np.zeros((3, 2)), yq)
    with pytest.raises(ValueError, match="query_labels 2"):
        same_class_distance(X, y, Xq, yq[:2])
    with pytest.raises(TypeError, match="integer class labels"):
        same_class_distance(X, y.astype(float), Xq, yq)
