"""Session-wide fixtures: generated manifolds and fitted priors shared by several tests."""

import pytest
import torch

from vdae import DiffusionMap, SpectralNet
from vdae.datasets import make_circle, make_flat_torus, make_sphere

from image_fixtures import tiny_registry  # noqa: F401  (a fixture shared by two modules)

MANIFOLDS = {"circle": (make_circle, 2), "sphere": (make_sphere, 3),
             "flat_torus": (make_flat_torus, 4)}


@pytest.fixture(scope="session")
def manifold_data():
    """name → (X_train (2000, m), X_test (1000, m), D) for circle, sphere, flat torus."""
    out = {}
    for i, (name, (make, D)) in enumerate(MANIFOLDS.items()):
        out[name] = (make(2000, random_state=10 + i).X, make(1000, random_state=20 + i).X, D)
    return out


@pytest.fixture(scope="session")
def exact_maps(manifold_data):
    """name → DiffusionMap(D + 1) fitted on the 2000 training points."""
    return {name: DiffusionMap(D + 1, n_neighbors=15).fit(X)
            for name, (X, _, D) in manifold_data.items()}


@pytest.fixture(scope="session")
def spectral_nets(manifold_data):
    """name → SpectralNet(D) fitted on the 2000 training points."""
    return {
        name: SpectralNet(D, n_neighbors=15, random_state=0, verbose=0).fit(X)
        for name, (X, _, D) in manifold_data.items()
    }


@pytest.fixture(scope="module")
def one_thread():
    """One torch thread for a module of tiny networks (faster than two contended threads);
    modules opt in with ``pytestmark = pytest.mark.usefixtures("one_thread")``."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
