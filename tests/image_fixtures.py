"""A tiny synthetic image set (bars) and a "tiny" feature network registered for it, shared by
the tests of the image metrics and of the experiment harness's image scores."""

from __future__ import annotations

import numpy as np
import pytest

from vdae.metrics import _pretrained

SHAPE = (12, 8)


def bars(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Noisy 12 × 8 images of a horizontal (label 0) or vertical (label 1) bar."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.uniform(0, 0.2, size=(n, *SHAPE)).astype(np.float32)
    for i in range(n):
        if y[i]:
            X[i, :, rng.integers(0, SHAPE[1])] = 1.0
        else:
            X[i, rng.integers(0, SHAPE[0]), :] = 1.0
    return X.reshape(n, -1), y


TINY_FEATURES = {"n_features": 16, "channels": (4, 8), "epochs": 6, "batch_size": 32,
                 "learning_rate": 1e-2, "dropout": 0.1}


@pytest.fixture
def tiny_registry(monkeypatch, tmp_path):
    """A "tiny" data set in the registry, an empty cache folder, and a count of its loads."""
    calls = []
    Xtr, ytr = bars(240, 0)
    Xte, yte = bars(80, 1)

    def load():
        calls.append(1)
        return Xtr, ytr, Xte, yte

    spec = _pretrained._Spec(load, SHAPE, "tiny bars", TINY_FEATURES)
    monkeypatch.setitem(_pretrained.FEATURE_DATASETS, "tiny", spec)
    monkeypatch.setattr(_pretrained, "_LOADED", {})
    monkeypatch.setenv("VDAE_CACHE", str(tmp_path / "cache"))
    return calls, tmp_path / "cache", Xte, yte
