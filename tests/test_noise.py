"""Samples that keep the data's spread across the manifold (the output law p_θ(x | z),
vdae.models.vdae.likelihood): noisy curves and surfaces, clean ones unchanged, and the
samplers' ``noise`` option."""

import numpy as np
import pytest
import torch

from vdae import VDAE
from vdae.datasets import make_circle, make_sphere
from vdae.metrics import precision_recall, spread_ratios

FAST = dict(prior="exact", epochs=400, random_state=0, verbose=0)


def _spread(model, data, fresh, n=2000, **kw):
    return spread_ratios(model.sample(n, random_state=1, **kw), fresh.X, data.manifold)


@pytest.fixture(scope="module")
def noisy_circle():
    """1000 points of the unit circle with isotropic noise of 5% of its radius."""
    data = make_circle(1000, noise=0.05, random_state=0)
    fresh = make_circle(2000, noise=0.05, random_state=1)
    return data, fresh, VDAE(**FAST).fit(data.X)


def test_samples_keep_the_spread_of_noisy_data(noisy_circle):
    data, fresh, model = noisy_circle
    r = _spread(model, data, fresh)
    assert 0.8 <= r["spread_median"] <= 1.25 and 0.8 <= r["spread_p90"] <= 1.25, r
    mean_only = _spread(model, data, fresh, noise=False)
    assert mean_only["spread_median"] < 0.6, mean_only  # what the decoder's mean alone gives


def test_recall_on_noisy_data_is_the_datas_own(noisy_circle):
    data, fresh, model = noisy_circle
    ref = fresh.X[:1000]
    own = precision_recall(ref, make_circle(1000, noise=0.05, random_state=2).X)
    got = precision_recall(ref, model.sample(1000, random_state=3))
    assert got.recall >= own.recall - 0.05 and got.precision >= own.precision - 0.05, (got, own)


def test_noise_is_added_after_the_chain(noisy_circle):
    """The chain does not depend on the draws: with every residual set to zero, noise=True
    returns exactly the noise=False points (samples, walks of both chains, bursts); with the
    real residuals the draws differ from the means by the data's spread, at every step."""
    data, fresh, model = noisy_circle
    law = model.residual_law_
    kw = dict(random_state=4)
    real = {chain: model.random_walk(data.X[:50], 3, chain=chain, **kw)
            for chain in ("metropolis", "paper")}
    sample_real = model.sample(300, **kw)
    residuals, law.residuals = law.residuals, torch.zeros_like(law.residuals)
    try:
        for chain in ("metropolis", "paper"):
            np.testing.assert_array_equal(model.sample(300, chain=chain, **kw),
                                          model.sample(300, chain=chain, noise=False, **kw))
            mean = model.random_walk(data.X[:50], 3, chain=chain, noise=False, **kw)
            np.testing.assert_array_equal(model.random_walk(data.X[:50], 3, chain=chain, **kw),
                                          mean)
            step = np.linalg.norm(real[chain][1:] - mean[1:], axis=-1)
            assert 0.02 < np.median(step) < 0.15  # noise of sd 0.05 in R^2: median 0.059
        np.testing.assert_array_equal(model.burst(data.X[0], 100, **kw),
                                      model.burst(data.X[0], 100, noise=False, **kw))
    finally:
        law.residuals = residuals
    assert not np.array_equal(sample_real, model.sample(300, noise=False, **kw))
    with pytest.raises(TypeError, match="noise"):
        model.sample(10, noise="yes")


@pytest.mark.slow
@pytest.mark.parametrize("make", [make_circle, make_sphere], ids=["circle", "sphere"])
@pytest.mark.parametrize("sd", [0.02, 0.05, 0.10])
def test_spread_ratio_at_default_settings(make, sd):
    """The issue's grid: noise of 2, 5 and 10% of the radius, default settings, n = 2000."""
    data, fresh = make(2000, noise=sd, random_state=0), make(2000, noise=sd, random_state=1)
    r = _spread(VDAE(random_state=0, verbose=0).fit(data.X), data, fresh)
    assert 0.8 <= r["spread_median"] <= 1.25 and 0.8 <= r["spread_p90"] <= 1.25, r


def test_spread_ratios_by_hand():
    """Unit circle: data at radius 1.1 (distance 0.1), samples at 1.2 and 1.3 (distances 0.2
    and 0.3: median 0.25, p90 0.29) → ratios 2.5 and 2.9; data on the circle → no ratio."""
    from vdae.datasets.manifolds import Circle

    circle = Circle()
    on = np.c_[np.cos([0.0, 1.0, 2.0]), np.sin([0.0, 1.0, 2.0])]
    r = spread_ratios(np.r_[1.2 * on[:1], 1.3 * on[1:2]], 1.1 * on, circle)
    assert r["spread_median"] == pytest.approx(2.5) and r["spread_p90"] == pytest.approx(2.9)
    assert spread_ratios(1.2 * on, on, circle) == {}
    with pytest.raises(ValueError, match="data"):
        spread_ratios(on, on[:, :1], circle)
