"""Feature-space metrics (FD, KID, PRDC) against hand-computed values, and the cached feature
networks (round trip, corrupt files, determinism) on a tiny synthetic image set."""

from __future__ import annotations

import pickle
import re

import numpy as np
import pytest
import scipy.linalg
import torch

from vdae.datasets import data_dir
from vdae.exceptions import ModelFileError
from vdae.metrics import (
    KID,
    PRDC,
    FeatureExtractor,
    feature_cache_dir,
    frechet_distance,
    image_features,
    image_quality,
    kid,
    prdc,
    pretrained_features,
)
from vdae.metrics import _pretrained

from image_fixtures import SHAPE, bars
from image_fixtures import TINY_FEATURES as TINY

pytestmark = pytest.mark.usefixtures("one_thread")


# ----------------------------------------------------------------------------- Fréchet
def test_frechet_one_dimensional_by_formula():
    # means 1 and 5, variances (n − 1) 2 and 8: 16 + 2 + 8 − 2·√16 = 18
    assert frechet_distance([[0.0], [2.0]], [[3.0], [7.0]]) == pytest.approx(18.0, rel=1e-12)


def test_frechet_diagonal_gaussians_by_formula():
    # (±a, 0), (0, ±b): mean 0, covariance diag(2a²/3, 2b²/3)
    def cross(a, b, shift):
        return np.array([[a, 0], [-a, 0], [0, b], [0, -b]], dtype=float) + shift

    real, gen = cross(3, 3, (0, 0)), cross(6, 3, (1, 2))
    # |μ|² = 5; variances 6 vs 24 and 6 vs 6: (√6 − √24)² + 0 = 6
    assert frechet_distance(real, gen) == pytest.approx(11.0, rel=1e-12)


def test_frechet_matches_sqrtm_formula_and_is_symmetric():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(200, 6)) @ rng.normal(size=(6, 6))
    B = rng.normal(size=(150, 6)) @ rng.normal(size=(6, 6)) + 0.5
    S1, S2 = np.cov(A, rowvar=False), np.cov(B, rowvar=False)
    expected = (np.sum((A.mean(0) - B.mean(0)) ** 2) + np.trace(S1 + S2)
                - 2 * np.trace(scipy.linalg.sqrtm(S1 @ S2).real))
    assert frechet_distance(A, B) == pytest.approx(expected, rel=1e-9)
    assert frechet_distance(B, A) == pytest.approx(frechet_distance(A, B), rel=1e-9)
    assert frechet_distance(A, A) == pytest.approx(0.0, abs=1e-9 * np.trace(S1))
    assert frechet_distance(A + 3.0, B + 3.0) == pytest.approx(expected, rel=1e-9)


def test_frechet_rank_deficient_covariances_stay_real_and_non_negative():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(5, 40))  # 5 points in 40-d: rank-4 covariances
    B = rng.normal(size=(7, 40))
    fd = frechet_distance(A, B)
    assert isinstance(fd, float) and np.isfinite(fd) and fd > 0
    assert frechet_distance(A, A) == pytest.approx(0.0, abs=1e-8)


# ---------------------------------------------------------------------------------- KID
def kid_double_loop(X, Y):
    X, Y = np.asarray(X, float), np.asarray(Y, float)
    d, m = X.shape[1], X.shape[0]

    def k(a, b):
        return (float(np.dot(a, b)) / d + 1.0) ** 3

    xx = sum(k(X[i], X[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(Y[i], Y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(X[i], Y[j]) for i in range(m) for j in range(m)) / m**2
    return xx + yy - 2 * xy


def test_kid_hand_computed():
    # k(0,1) = 1, k(1,2) = 27; cross terms 1, 1, 8, 27: 1 + 27 − 2 · 37/4 = 9.5
    out = kid([[0.0], [1.0]], [[1.0], [2.0]])
    assert isinstance(out, KID)
    assert out.mean == pytest.approx(9.5, rel=1e-12) and out.std == 0.0


def test_kid_matches_double_loop_and_is_symmetric():
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(7, 3)), rng.normal(size=(7, 3)) + 0.3
    assert kid(X, Y, subset_size=7).mean == pytest.approx(kid_double_loop(X, Y), rel=1e-10)
    assert kid(Y, X).mean == pytest.approx(kid(X, Y).mean, rel=1e-10)


def test_kid_subsets_are_seeded_draws_without_replacement():
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(20, 4)), rng.normal(size=(15, 4))
    out = kid(X, Y, n_subsets=5, subset_size=6, random_state=7)
    draws = np.random.default_rng(7)
    vals = [kid_double_loop(X[draws.choice(20, 6, replace=False)],
                            Y[draws.choice(15, 6, replace=False)]) for _ in range(5)]
    assert out.mean == pytest.approx(np.mean(vals), rel=1e-10)
    assert out.std == pytest.approx(np.std(vals), rel=1e-10)
    assert kid(X, Y, n_subsets=5, subset_size=6, random_state=7) == out


def test_kid_separates_shifted_distributions():
    rng = np.random.default_rng(4)
    A, B = rng.normal(size=(400, 8)), rng.normal(size=(400, 8))
    same = kid(A, B, n_subsets=20, subset_size=100, random_state=0).mean
    shifted = kid(A, B + 1.0, n_subsets=20, subset_size=100, random_state=0).mean
    assert abs(same) < 0.05 and shifted > 1.0


# --------------------------------------------------------------------------------- PRDC
REAL = np.array([[0, 0], [1, 0], [10, 0], [11, 0], [30, 0], [31, 0]], dtype=float)
GEN = np.array([[0.5, 0], [10, 0.5], [5, 0], [19, 0]], dtype=float)


def test_prdc_toy_set_hand_derived():
    # k = 1: every real radius is 1. (0.5, 0) lies in the balls of (0, 0) and (1, 0);
    # (10, 0.5) in that of (10, 0) only (√1.25 from (11, 0)); (5, 0) and (19, 0) in none.
    # Generated radii: 4.5, √25.25, 4.5, √81.25; they reach (0,0), (1,0), (10,0), (11,0) but
    # not (30, 0) or (31, 0).
    out = prdc(REAL, GEN, n_neighbors=1)
    assert isinstance(out, PRDC)
    assert out.precision == pytest.approx(2 / 4)
    assert out.recall == pytest.approx(4 / 6)
    assert out.density == pytest.approx((2 + 1) / (1 * 4))
    assert out.coverage == pytest.approx(3 / 6)


def test_prdc_balls_are_closed():
    # (3, 0) lies exactly on the radius-1 ball of (2, 0)
    out = prdc([[0.0, 0], [1, 0], [2, 0]], [[3.0, 0], [-5, 0]], n_neighbors=1)
    assert out.precision == 0.5 and out.density == 0.5 and out.coverage == pytest.approx(1 / 3)


def brute_prdc(R, G, k):
    D_rr = np.linalg.norm(R[:, None] - R[None], axis=-1)
    D_gg = np.linalg.norm(G[:, None] - G[None], axis=-1)
    D_gr = np.linalg.norm(G[:, None] - R[None], axis=-1)
    r = np.sort(D_rr, axis=1)[:, k]
    s = np.sort(D_gg, axis=1)[:, k]
    inside = D_gr <= r[None, :]
    return (inside.any(1).mean(), (D_gr <= s[:, None]).any(0).mean(),
            inside.sum() / (k * len(G)), (D_gr.min(0) <= r).mean())


@pytest.mark.parametrize("k", [1, 5])
def test_prdc_matches_brute_force(k):
    rng = np.random.default_rng(5)
    R, G = rng.normal(size=(60, 5)), rng.normal(size=(45, 5)) * 1.3 + 0.2
    assert tuple(prdc(R, G, n_neighbors=k)) == pytest.approx(brute_prdc(R, G, k))


def test_prdc_of_the_real_set_itself():
    R = np.random.default_rng(6).normal(size=(50, 3))
    out = prdc(R, R, n_neighbors=5)  # each point lies in its own ball and its 5 neighbours'
    assert out == pytest.approx((1.0, 1.0, 6 / 5, 1.0))


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("fn", [frechet_distance, kid, prdc])
def test_bad_input_names_the_argument(fn):
    good = np.random.default_rng(7).normal(size=(10, 3))
    bad = good.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match="real contains NaN"):
        fn(bad, good)
    with pytest.raises(ValueError, match="generated must be 2-D"):
        fn(good, good[0])
    with pytest.raises(ValueError, match="real and generated must have the same number"):
        fn(good, good[:, :2])
    with pytest.raises(ValueError, match="generated has 1 sample"):
        fn(good, good[:1])


def test_bad_parameters():
    X = np.zeros((10, 2)) + np.arange(10)[:, None]
    with pytest.raises(ValueError, match="n_neighbors"):
        prdc(X, X, n_neighbors=0)
    with pytest.raises(ValueError, match="real has 10 samples, too few for n_neighbors=10"):
        prdc(X, X, n_neighbors=10)
    with pytest.raises(ValueError, match="subset_size"):
        kid(X, X, subset_size=1)
    with pytest.raises(ValueError, match="n_subsets"):
        kid(X, X, n_subsets=0)


# -------------------------------------------------------------- feature networks, cache
def test_cache_round_trip(tiny_registry):
    calls, cache, Xte, yte = tiny_registry
    assert feature_cache_dir() == cache
    ext = pretrained_features("tiny", verbose=0)
    files = sorted(p.name for p in cache.iterdir())
    assert len(files) == 1 and re.fullmatch(r"features-tiny-[0-9a-f]{16}\.safetensors", files[0])
    assert ext.info_["test_accuracy"] >= 0.9 and len(calls) == 1
    _pretrained._LOADED.clear()  # a new process: read the file, no training
    again = pretrained_features("tiny", verbose=0)
    assert len(calls) == 1 and again is not ext
    np.testing.assert_array_equal(again.transform(Xte), ext.transform(Xte))
    np.testing.assert_array_equal(image_features(Xte, "tiny", verbose=0), ext.transform(Xte))
    assert again.score(Xte, yte) == ext.score(Xte, yte)
    F = again.transform(Xte)
    assert F.shape == (80, 16) and F.dtype == np.float64 and (F >= 0).all()


class _Exploit:
    ran = False

    def __reduce__(self):
        return (_mark_exploit, ())


def _mark_exploit():
    _Exploit.ran = True


@pytest.mark.parametrize("corruption", ["truncate", "garbage", "pickle"])
def test_corrupt_cache_is_retrained_never_unpickled(tiny_registry, corruption):
    calls, cache, Xte, _ = tiny_registry
    ref = pretrained_features("tiny", verbose=0).transform(Xte)
    (path,) = cache.iterdir()
    raw = path.read_bytes()
    path.write_bytes({"truncate": raw[: len(raw) // 2], "garbage": b"\x00" * 64 + raw[64:],
                      "pickle": pickle.dumps(_Exploit())}[corruption])
    with pytest.raises(ModelFileError):
        FeatureExtractor.load(path)
    _pretrained._LOADED.clear()
    with pytest.warns(RuntimeWarning, match="retraining"):
        ext = pretrained_features("tiny", verbose=0)
    assert not _Exploit.ran and len(calls) == 2
    np.testing.assert_array_equal(ext.transform(Xte), ref)  # seeded: the same network again
    FeatureExtractor.load(path)  # the cache holds a valid file again


def test_settings_change_the_cache_file(tiny_registry, monkeypatch):
    _, cache, _, _ = tiny_registry
    pretrained_features("tiny", verbose=0)
    spec = _pretrained.FEATURE_DATASETS["tiny"]
    monkeypatch.setitem(_pretrained.FEATURE_DATASETS, "tiny", _pretrained._Spec(
        spec.load, SHAPE, spec.description, {**TINY, "epochs": 2}))
    pretrained_features("tiny", verbose=0)
    assert len(list(cache.iterdir())) == 2


def test_fit_is_seeded():
    X, y = bars(96, 2)
    weights = [FeatureExtractor(SHAPE, random_state=s, verbose=0, **TINY).fit(X, y)
               .module_.state_dict() for s in (0, 0, 1)]
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])
    assert not all(torch.equal(weights[0][k], weights[2][k]) for k in weights[0])


def test_autoencoder_without_labels_round_trip(tmp_path):
    X, _ = bars(96, 3)
    ext = FeatureExtractor(SHAPE, verbose=0, **{**TINY, "dropout": 0.0}).fit(X)
    assert ext.mode_ == "autoencoder" and ext.classes_ is None
    assert ext.train_losses_[-1] < ext.train_losses_[0]
    assert 0 < ext.score(X) < 0.2  # pixel MSE (a bar is one row or column of 1s)
    ext.save(tmp_path / "ae.safetensors", note="test")
    back = FeatureExtractor.load(tmp_path / "ae.safetensors")
    np.testing.assert_array_equal(back.transform(X), ext.transform(X))
    assert back.info_["note"] == "test"
    with pytest.raises(ValueError, match="autoencoder"):
        back.predict(X)


def test_image_quality_is_the_metrics_in_feature_space(tiny_registry):
    _, _, Xte, _ = tiny_registry
    ext = pretrained_features("tiny", verbose=0)
    real, gen = Xte[:40], Xte[40:]
    out = image_quality(real, gen, extractor=ext, kid_subset_size=20, kid_subsets=5)
    R, G = ext.transform(real), ext.transform(gen)
    assert out["fd"] == frechet_distance(R, G)
    assert out["kid"] == kid(R, G, n_subsets=5, subset_size=20, random_state=0).mean
    assert (out["precision"], out["recall"], out["density"], out["coverage"]) == tuple(prdc(R, G))
    with pytest.raises(ValueError, match="generated_images has 95 features"):
        image_quality(real, gen[:, :95], extractor=ext)
    bad = real.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="real_images contains NaN"):
        image_quality(bad, gen, extractor=ext)


def test_bad_extractor_arguments():
    with pytest.raises(ValueError, match="dataset must be one of"):
        pretrained_features("cifar")
    with pytest.raises(ValueError, match="image_shape"):
        FeatureExtractor((2, 8), verbose=0).fit(np.zeros((4, 16)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="y must contain at least 2 classes"):
        FeatureExtractor(SHAPE, verbose=0).fit(np.zeros((4, 96)), [0, 0, 0, 0])


NEW_NAMES = ["frechet_distance", "KID", "kid", "PRDC", "prdc", "FeatureExtractor",
             "pretrained_features", "image_features", "image_quality", "feature_cache_dir"]


@pytest.mark.parametrize("name", NEW_NAMES)
def test_public_names_are_exported_and_documented(name):
    import vdae.metrics

    assert name in vdae.metrics.__all__ and f"`{name}`" in vdae.metrics.__doc__
    doc = getattr(vdae.metrics, name).__doc__
    assert doc and ("Returns" in doc or name in ("KID", "PRDC", "FeatureExtractor"))


# --------------------------------------------------------------------- real data (slow)
def _have(*parts: str) -> bool:
    return data_dir().joinpath(*parts).exists()


@pytest.mark.slow  # trains ~5-10 min on 2 CPU cores unless $VDAE_CACHE holds the network
@pytest.mark.skipif(not _have("mnist", "t10k-labels-idx1-ubyte.gz"), reason="MNIST data absent")
def test_mnist_classifier_reaches_99_percent():
    from vdae.datasets import load_mnist

    ext = pretrained_features("mnist", verbose=0)
    te = load_mnist("test")
    assert ext.score(te.X, te.y) >= 0.99
    assert ext.transform(te.X[:10]).shape == (10, 128)


@pytest.mark.slow
@pytest.mark.skipif(not _have("coil20", "coil-20-proc", "obj20__71.png"), reason="COIL-20 absent")
def test_coil20_classifier_trains(tmp_path):
    ext = pretrained_features("coil20", cache_dir=tmp_path, verbose=0)
    assert ext.info_["test_accuracy"] >= 0.95 and ext.classes_.shape == (20,)


@pytest.mark.slow
@pytest.mark.skipif(not _have("frey", "frey_rawface.mat"), reason="Frey data absent")
def test_frey_autoencoder_trains(tmp_path):
    from vdae.datasets import load_frey

    ext = pretrained_features("frey", cache_dir=tmp_path, verbose=0)
    X = load_frey().X
    assert ext.mode_ == "autoencoder" and ext.info_["test_mse"] < 0.5 * X.var()
    assert ext.transform(X[:5]).shape == (5, 128)
