"""Checkpoints and resume: an interrupted fit (Ctrl-C, or the process killed outright) continues
from its last checkpoint to the same model, bit for bit, as an uninterrupted fit."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import vdae.models.vdae.training as vdae_module  # where the training step lives
from vdae import VDAE
from vdae.engine.checkpoint import load_checkpoint
from vdae.datasets import make_circle
from vdae.exceptions import ModelFileError

SMALL = dict(n_components=2, n_neighbors=8, epochs=30, encoder_epochs=20, batch_size=64,
             decoder_hidden=(32, 32), covariance_hidden=(16,), encoder_hidden=(32, 32),
             random_state=3, verbose=0)


@pytest.fixture(scope="module")
def X():
    return make_circle(300, noise=0.01, random_state=0).X


@pytest.fixture(scope="module")
def reference(X):
    """The uninterrupted fit."""
    return VDAE(**SMALL).fit(X)


def weights(model):
    state, _ = model._get_state()
    return state


def assert_same_model(a, b):
    wa, wb = weights(a), weights(b)
    assert wa.keys() == wb.keys()
    for k in wa:
        np.testing.assert_array_equal(wa[k], wb[k], err_msg=k)
    assert a.history_ == b.history_
    np.testing.assert_array_equal(a.sample(50, random_state=1), b.sample(50, random_state=1))


@pytest.fixture
def python_sigint_handler():
    """Python's own Ctrl-C handler for the test, whatever this process inherited.

    A process started in the background inherits SIGINT ignored; the tests below check that
    training restores the handler it found, so they start from the interactive one.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield signal.default_int_handler
    signal.signal(signal.SIGINT, previous)


def interrupt_at_call(monkeypatch, n_calls):
    """Deliver a real SIGINT (Ctrl-C) to this process during training step ``n_calls``."""
    calls = {"n": 0}
    original = vdae_module.gaussian_kl_from_target_inverse

    def kl(*args):
        calls["n"] += 1
        if calls["n"] == n_calls:
            signal.raise_signal(signal.SIGINT)
        return original(*args)

    monkeypatch.setattr(vdae_module, "gaussian_kl_from_target_inverse", kl)


def test_ctrl_c_leaves_a_checkpoint_and_resume_gives_the_uninterrupted_model(
        X, reference, tmp_path, monkeypatch, python_sigint_handler):
    path = tmp_path / "fit.ckpt"
    interrupt_at_call(monkeypatch, 57)  # mid-epoch: 5 steps per epoch
    with pytest.raises(KeyboardInterrupt):
        VDAE(**SMALL).fit(X, checkpoint=path, checkpoint_interval=3600)
    _, progress = load_checkpoint(path, VDAE(**SMALL))
    assert progress["step"] == 57  # the step in flight finished before stopping
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler restored
    monkeypatch.undo()
    resumed = VDAE(**{**SMALL, "verbose": 1}).fit(X, resume=path)
    assert_same_model(reference, resumed)


def test_periodic_checkpoints_and_a_second_resume(X, reference, tmp_path, monkeypatch):
    path = tmp_path / "fit.ckpt"
    interrupt_at_call(monkeypatch, 20)
    with pytest.raises(KeyboardInterrupt):
        VDAE(**SMALL).fit(X, checkpoint=path, checkpoint_interval=0)
    interrupt_at_call(monkeypatch, 70)  # interrupted again, 70 steps after the resume
    with pytest.raises(KeyboardInterrupt):
        VDAE(**SMALL).fit(X, resume=path)
    assert load_checkpoint(path, VDAE(**SMALL))[1]["step"] == 90
    monkeypatch.undo()
    assert_same_model(reference, VDAE(**SMALL).fit(X, resume=path))


def test_resume_refuses_other_parameters_data_or_files(X, reference, tmp_path, monkeypatch):
    path = tmp_path / "fit.ckpt"
    interrupt_at_call(monkeypatch, 3)
    with pytest.raises(KeyboardInterrupt):
        VDAE(**SMALL).fit(X, checkpoint=path)
    monkeypatch.undo()
    with pytest.raises(ModelFileError, match="alpha"):
        VDAE(**{**SMALL, "alpha": 0.5}).fit(X, resume=path)
    with pytest.raises(ValueError, match="not the data"):
        VDAE(**SMALL).fit(X[::-1], resume=path)
    reference.save(tmp_path / "model.vdae")
    with pytest.raises(ModelFileError, match="not a training checkpoint"):
        VDAE(**SMALL).fit(X, resume=tmp_path / "model.vdae")
    (tmp_path / "junk.ckpt").write_bytes(b"\x00" * 100)
    with pytest.raises(ModelFileError):
        VDAE(**SMALL).fit(X, resume=tmp_path / "junk.ckpt")
    with pytest.raises(TypeError, match="resume"):
        VDAE(**SMALL).fit(X, resume=3)
    with pytest.raises(ValueError, match="checkpoint_interval"):
        VDAE(**SMALL).fit(X, checkpoint=path, checkpoint_interval=-1)


#: The VDAE the CLI command below builds (to read its checkpoint).
CLI_PARAMS = dict(random_state=3, verbose=0, prior="exact", epochs=400, batch_size=64,
                  decoder_hidden=(32, 32), covariance_hidden=(16,), n_neighbors=8)


def _cli(*args):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    return [sys.executable, "-m", "vdae.cli", *args], env


def test_killed_cli_fit_resumes_to_the_uninterrupted_model(tmp_path):
    """SIGKILL (no chance to clean up) while checkpoints are being written every step."""
    common = ["circle", "-n", "300", "--seed", "3", "--quiet", "--prior", "exact",
              "--set", "epochs=400", "--set", "batch_size=64", "--set", "decoder_hidden=[32,32]",
              "--set", "covariance_hidden=[16]", "--set", "n_neighbors=8"]
    cmd, env = _cli("fit", *common, "-o", str(tmp_path / "a.vdae"))
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=600)
    ckpt = tmp_path / "b.ckpt"
    cmd, env = _cli("fit", *common, "-o", str(tmp_path / "b.vdae"), "--checkpoint", str(ckpt),
                    "--checkpoint-interval", "0")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if load_checkpoint(ckpt, VDAE(**CLI_PARAMS))[1]["step"] >= 300:
                    break
            except (ModelFileError, FileNotFoundError):
                pass
            time.sleep(0.05)
        assert proc.poll() is None, "the fit finished before it could be killed"
        proc.kill()  # SIGKILL
    finally:
        proc.wait(timeout=60)
    cmd, env = _cli("fit", *common, "-o", str(tmp_path / "b.vdae"), "--checkpoint", str(ckpt),
                    "--resume")
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=600)
    a, b = VDAE.load(tmp_path / "a.vdae"), VDAE.load(tmp_path / "b.vdae")
    wa, wb = weights(a), weights(b)
    for k in wa:
        np.testing.assert_array_equal(wa[k], wb[k], err_msg=k)
    assert not (tmp_path / "a.vdae.ckpt").exists()  # the default checkpoint is cleaned up


def test_interrupt_flag_is_inert_off_the_main_thread(python_sigint_handler):
    import threading

    from vdae.engine.checkpoint import StopRequest

    seen = []

    def run():
        with StopRequest() as stop:
            seen.append(stop._previous)

    t = threading.Thread(target=run)
    t.start()
    t.join()
    assert seen == [None] and signal.getsignal(signal.SIGINT) is signal.default_int_handler
