"""Samples that keep the data's spread across the manifold (the output law p_θ(x | z),
vdae.models.vdae.likelihood): noisy curves and surfaces, clean ones unchanged, and the
samplers' ``noise`` option."""

import numpy as np
import pytest

from vdae import VDAE
from vdae.datasets import make_circle, make_sphere
from vdae.demo import spread_ratios
from vdae.metrics import precision_recall

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


def test_noise_is_a_residual_added_after_the_chain(noisy_circle):
    """With the same seed, noise=True emits the noise=False chain plus one training residual
    per point (the chain itself is the same: the residuals do not compound)."""
    data, fresh, model = noisy_circle
    R = model.residual_law_.residuals.cpu().numpy()

    def is_residual(diff):
        return np.abs(diff[:, None, :] - R[None]).max(-1).min(1) <= 1e-5

    for chain in ("metropolis", "paper"):
        kw = dict(random_state=4, chain=chain)
        diff = model.sample(300, **kw) - model.sample(300, noise=False, **kw)
        assert is_residual(diff).all()
        walk = model.random_walk(data.X[:50], 3, noise=True, **kw)
        mean = model.random_walk(data.X[:50], 3, noise=False, **kw)
        np.testing.assert_array_equal(walk[0], mean[0])
        assert all(is_residual(walk[t] - mean[t]).all() for t in (1, 2, 3))
    diff = model.burst(data.X[0], 200, random_state=5) - \
        model.burst(data.X[0], 200, random_state=5, noise=False)
    assert is_residual(diff).all()
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
