"""The baseline generative models (β-VAE, S-VAE, WGAN-GP) and the von Mises–Fisher distribution."""

import math

import mpmath
import numpy as np
import pytest
import torch
from scipy.special import ive

from vdae.datasets import make_circle
from vdae.models.distributions import (
    DiagonalNormal, VonMisesFisher, log_ive, log_sphere_area, sample_uniform_sphere,
)
from vdae.exceptions import NotFittedError
from vdae.models import BetaVAE, HypersphericalVAE, WGANGP

SMALL = (32, 32)
GRID = (0.01, 0.1, 1.0)

pytestmark = pytest.mark.usefixtures("one_thread")  # see conftest.py




def circle_distance(S: np.ndarray) -> float:
    """Mean | ‖x‖ − 1 |: how far points lie from the unit circle."""
    return float(np.abs(np.linalg.norm(S, axis=1) - 1).mean())


@pytest.fixture(scope="module")
def circle():
    return make_circle(1000, random_state=0).X


@pytest.fixture(scope="module")
def fitted(circle):
    """name → model fitted on the circle (small networks, short runs)."""
    models = {
        "beta_vae": BetaVAE(beta_grid=GRID, encoder_hidden=SMALL, decoder_hidden=SMALL, epochs=300,
                            random_state=0, verbose=0),
        "svae": HypersphericalVAE(2, encoder_hidden=SMALL, decoder_hidden=SMALL, epochs=200,
                                  random_state=0, verbose=0),
        # a critic rate above the generator's: equal rates oscillate for a long time on a ring
        "wgan": WGANGP(generator_hidden=(64, 64, 64), critic_hidden=(64, 64, 64), epochs=1000,
                       learning_rate=3e-4, critic_learning_rate=1e-3, random_state=0, verbose=0),
    }
    for model in models.values():
        assert model.fit(circle) is model
    return models


NAMES = ["beta_vae", "svae", "wgan"]


def tiny(name: str, **kw):
    common = dict(epochs=2, batch_size=64, random_state=kw.pop("random_state", 0), verbose=0)
    if name == "beta_vae":
        return BetaVAE(beta_grid=(0.1, 1.0), encoder_hidden=(8,), decoder_hidden=(8,), **common,
                       **kw)
    if name == "svae":
        return HypersphericalVAE(3, encoder_hidden=(8,), decoder_hidden=(8,), **common, **kw)
    return WGANGP(generator_hidden=(8,), critic_hidden=(8,), **common, **kw)


# ------------------------------------------------------------------------------ the models
@pytest.mark.parametrize("name", NAMES)
def test_training_lowers_the_loss(fitted, name):
    history = fitted[name].history_
    assert len(history) >= 2 and all(np.isfinite(history))
    assert history[-1] < history[0]


@pytest.mark.parametrize("name", NAMES)
def test_samples_beat_a_fitted_gaussian_on_the_circle(fitted, circle, name):
    rng = np.random.default_rng(0)
    gauss = rng.multivariate_normal(circle.mean(0), np.cov(circle.T), 2000)
    d_gauss = circle_distance(gauss)
    assert 0.3 < d_gauss < 0.5  # the reference itself: ≈ 0.39
    assert circle_distance(fitted[name].sample(2000, random_state=1)) < d_gauss


@pytest.mark.parametrize("name", NAMES)
def test_sample_shapes_and_seeded_draws(fitted, name):
    model = fitted[name]
    assert model.sample(7).shape == (7, 2)
    a, b = model.sample(50, random_state=3), model.sample(50, random_state=3)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, model.sample(50, random_state=4))
    Z = np.random.default_rng(0).normal(size=(5, model.n_components_))
    assert model.inverse_transform(Z).shape == (5, 2)
    np.testing.assert_array_equal(model.inverse_transform(Z), model.inverse_transform(Z))


@pytest.mark.parametrize("name", NAMES)
def test_same_random_state_same_model(circle, name):
    X = circle[:200]
    first, second = tiny(name), tiny(name)
    assert first.fit(X) is first
    second.fit(X)
    draw = first.sample(20, random_state=0)
    np.testing.assert_array_equal(draw, second.sample(20, random_state=0))
    other = tiny(name, random_state=1).fit(X)
    assert not np.allclose(draw, other.sample(20, random_state=0))


@pytest.mark.parametrize("name", NAMES)
def test_save_load_round_trip(fitted, circle, name, tmp_path):
    model = fitted[name]
    path = tmp_path / f"{name}.vdae"
    model.save(path)
    loaded = type(model).load(path)
    np.testing.assert_array_equal(model.sample(100, random_state=5),
                                  loaded.sample(100, random_state=5))
    assert loaded.history_ == pytest.approx(model.history_)
    if name == "wgan":
        np.testing.assert_array_equal(model.critic_score(circle[:50]),
                                      loaded.critic_score(circle[:50]))
    else:
        np.testing.assert_array_equal(model.transform(circle[:50]), loaded.transform(circle[:50]))
    if name == "beta_vae":
        assert loaded.beta_ == model.beta_
        np.testing.assert_array_equal(loaded.cv_scores_, model.cv_scores_)


@pytest.mark.parametrize("name", ["beta_vae", "svae"])
def test_autoencoders_reconstruct_the_circle(fitted, circle, name):
    model = fitted[name]
    Z = model.transform(circle)
    assert Z.shape == (1000, 2)
    if name == "svae":
        np.testing.assert_allclose(np.linalg.norm(Z, axis=1), 1.0, atol=1e-5)
    error = np.linalg.norm(model.inverse_transform(Z) - circle, axis=1).mean()
    assert error < 0.2


def test_svae_latents_lie_on_the_sphere(circle):
    model = tiny("svae").fit(circle[:200])
    Z = model.transform(circle[:10])
    assert Z.shape == (10, 3)
    np.testing.assert_allclose(np.linalg.norm(Z, axis=1), 1.0, atol=1e-5)
    assert model.sample(4, random_state=0).shape == (4, 2)


def test_beta_chosen_by_held_out_elbo(fitted):
    model = fitted["beta_vae"]
    assert model.beta_ in GRID
    assert model.cv_scores_.shape == (len(GRID),) and np.isfinite(model.cv_scores_).all()
    assert model.beta_ == GRID[int(np.argmin(model.cv_scores_))]


def test_given_beta_skips_the_search(circle):
    model = tiny("beta_vae", beta=0.5).fit(circle[:200])
    assert model.beta_ == 0.5 and model.cv_scores_ is None


def test_wgan_has_no_encoder_but_a_critic(fitted, circle):
    model = fitted["wgan"]
    with pytest.raises(NotImplementedError, match="no encoder"):
        model.transform(circle)
    scores = model.critic_score(circle[:30])
    assert scores.shape == (30,) and np.isfinite(scores).all()


@pytest.mark.parametrize(
    "make, param",
    [
        (lambda: BetaVAE(beta=-1.0), "beta"),
        (lambda: BetaVAE(beta_grid=()), "beta_grid"),
        (lambda: BetaVAE(beta_grid=(0.1, -1.0)), "beta_grid"),
        (lambda: BetaVAE(validation_fraction=1.0), "validation_fraction"),
        (lambda: BetaVAE(likelihood_variance=0.0), "likelihood_variance"),
        (lambda: BetaVAE(encoder_hidden=(0,)), "encoder_hidden"),
        (lambda: HypersphericalVAE(n_components=1), "n_components"),
        (lambda: HypersphericalVAE(activation="gelu"), "activation"),
        (lambda: HypersphericalVAE(epochs=0), "epochs"),
        (lambda: WGANGP(critic_steps=0), "critic_steps"),
        (lambda: WGANGP(gradient_penalty=-1.0), "gradient_penalty"),
        (lambda: WGANGP(betas=(0.5,)), "betas"),
        (lambda: WGANGP(betas=(0.5, 1.0)), "betas"),
        (lambda: WGANGP(batch_size="64"), "batch_size"),
        (lambda: WGANGP(critic_learning_rate=0.0), "critic_learning_rate"),
    ],
)
def test_bad_parameters_are_named(circle, make, param):
    with pytest.raises((ValueError, TypeError), match=param):
        make().fit(circle[:50])


@pytest.mark.parametrize("name", NAMES)
def test_usage_errors(fitted, name):
    with pytest.raises(NotFittedError):
        tiny(name).sample(3)
    with pytest.raises(ValueError, match="n_samples"):
        fitted[name].sample(0)
    with pytest.raises(ValueError, match="features"):
        fitted[name].inverse_transform(np.zeros((3, 5)))


# ------------------------------------------------------------------ von Mises–Fisher
def _vmf(n: int, dim: int, kappa: float, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    mu = torch.nn.functional.normalize(torch.randn(1, dim, generator=gen), dim=-1).repeat(n, 1)
    return VonMisesFisher(mu, torch.full((n,), kappa)), mu, gen


@pytest.mark.parametrize("kappa", [1.0, 10.0, 100.0])
def test_vmf_mean_resultant_length_s2(kappa):
    q, mu, gen = _vmf(20000, 3, kappa)
    x = q.rsample(gen)
    np.testing.assert_allclose(x.norm(dim=-1).numpy(), 1.0, atol=1e-5)
    w = (x * mu).sum(-1).double().numpy()
    theory = 1 / math.tanh(kappa) - 1 / kappa  # E[μᵀx] on S²
    assert abs(w.mean() - theory) < 4 * w.std() / math.sqrt(w.size)
    assert float(q.mean_resultant_length()[0]) == pytest.approx(theory, rel=1e-5)


@pytest.mark.parametrize("dim, kappa", [(2, 5.0), (10, 3.0), (10, 300.0)])
def test_vmf_mean_resultant_length_other_dimensions(dim, kappa):
    q, mu, gen = _vmf(20000, dim, kappa, seed=1)
    w = (q.rsample(gen) * mu).sum(-1).double().numpy()
    theory = ive(dim / 2, kappa) / ive(dim / 2 - 1, kappa)
    assert abs(w.mean() - theory) < 4 * w.std() / math.sqrt(w.size)


@pytest.mark.parametrize("dim, kappa", [(3, 0.5), (3, 20.0), (10, 2.0), (10, 50.0)])
def test_vmf_kl_to_uniform_matches_monte_carlo(dim, kappa):
    q, mu, gen = _vmf(20000, dim, kappa, seed=2)
    w = (q.rsample(gen) * mu).sum(-1).double().numpy()
    v = dim / 2 - 1
    log_iv = math.log(ive(v, kappa)) + kappa
    log_c = v * math.log(kappa) - dim / 2 * math.log(2 * math.pi) - log_iv
    terms = log_c + kappa * w + log_sphere_area(dim)  # log q(x) + log |S^{D−1}|
    kl = float(q.kl_to_uniform()[0])
    assert abs(terms.mean() - kl) < 4 * terms.std() / math.sqrt(terms.size) + 1e-4
    assert float(q.entropy()[0]) == pytest.approx(log_sphere_area(dim) - kl, rel=1e-5)


def test_vmf_kl_is_stable_at_extreme_concentrations():
    for dim in (3, 10, 100):
        kl = VonMisesFisher(torch.eye(dim)[:1], torch.tensor([1e4])).kl_to_uniform()
        assert torch.isfinite(kl).all() and float(kl) > 0
    kl3 = float(VonMisesFisher(torch.eye(3)[:1], torch.tensor([1e4])).kl_to_uniform())
    assert kl3 == pytest.approx(math.log(2e4) - 1, abs=1e-3)  # Gaussian limit on S²
    flat = float(VonMisesFisher(torch.eye(10)[:1], torch.tensor([1e-3])).kl_to_uniform())
    assert 0 <= flat < 1e-6


def test_vmf_rsample_gradients_are_finite_and_nonzero():
    gen = torch.Generator().manual_seed(0)
    raw = torch.randn(64, 5, generator=gen, requires_grad=True)
    kappa = torch.full((64,), 8.0, requires_grad=True)
    x = VonMisesFisher(torch.nn.functional.normalize(raw, dim=-1), kappa).rsample(gen)
    target = torch.randn(64, 5, generator=gen)
    ((x - target) ** 2).sum().backward()
    for g in (raw.grad, kappa.grad):
        assert torch.isfinite(g).all() and g.abs().sum() > 0


def test_log_ive_values_and_gradient():
    x = torch.tensor([1e-3, 0.7, 12.0, 3e3], dtype=torch.float64)
    for v in (0.0, 0.5, 4.0):
        np.testing.assert_allclose(log_ive(v, x).numpy(), np.log(ive(v, x.numpy())), rtol=1e-10)
    # order 200 at small argument: scipy's ive underflows, the uniform expansion takes over
    big = log_ive(200.0, torch.tensor([1e-3, 10.0], dtype=torch.float64)).numpy()
    exact = [float(mpmath.log(mpmath.besseli(200, t)) - t) for t in (1e-3, 10.0)]
    np.testing.assert_allclose(big, exact, rtol=1e-5)
    xg = x.clone().requires_grad_(True)
    assert torch.autograd.gradcheck(lambda t: log_ive(4.0, t), (xg,))


def test_uniform_sphere_and_diagonal_normal():
    gen = torch.Generator().manual_seed(0)
    U = sample_uniform_sphere(20000, 4, gen)
    np.testing.assert_allclose(U.norm(dim=-1).numpy(), 1.0, atol=1e-5)
    assert U.mean(0).abs().max() < 0.03
    loc, log_var = torch.randn(6, 3, generator=gen), torch.randn(6, 3, generator=gen)
    Normal = torch.distributions.Normal
    ref = torch.distributions.kl_divergence(Normal(loc, torch.exp(0.5 * log_var)),
                                            Normal(0.0, 1.0)).sum(-1)
    torch.testing.assert_close(DiagonalNormal(loc, log_var).kl_to_standard_normal(), ref)
