"""Model files (atomic, checksummed, no code execution) and the command line."""

import json
import os
import pickle

import numpy as np
import pytest

from vdae import VDAE
from vdae.cli import main
from vdae.datasets import make_circle
from vdae.exceptions import ModelFileError
from vdae.io import FORMAT_VERSION, load_model_file, save_model_file

SMALL = dict(epochs=3, encoder_epochs=5, decoder_hidden=(16,), covariance_hidden=(8,),
             encoder_hidden=(16,), random_state=0, verbose=0)


@pytest.fixture(scope="module")
def small_model():
    return VDAE(**SMALL).fit(make_circle(200, random_state=0).X)


def test_roundtrip_of_arrays_and_header(tmp_path):
    arrays = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array([1, 2], np.int64)}
    save_model_file(tmp_path / "f", arrays, {"class": "X", "params": {"k": 1}})
    loaded, doc = load_model_file(tmp_path / "f")
    np.testing.assert_array_equal(loaded["a"], arrays["a"])
    assert doc["params"] == {"k": 1} and doc["format_version"] == FORMAT_VERSION


def test_crash_mid_save_leaves_previous_file_intact(tmp_path, small_model, monkeypatch):
    path = tmp_path / "m.vdae"
    small_model.save(path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="simulated"):
        small_model.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.vdae"]  # no temporary file left behind
    VDAE.load(path)


class _Payload:
    def __reduce__(self):
        return (os.system, (f"touch {os.environ['VDAE_TEST_MARKER']}",))


def test_pickle_payload_is_refused_without_running(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    monkeypatch.setenv("VDAE_TEST_MARKER", str(marker))
    evil = tmp_path / "evil.vdae"
    evil.write_bytes(pickle.dumps(_Payload()))
    with pytest.raises(ModelFileError):
        VDAE.load(evil)
    # a safetensors-looking header that smuggles a pickle in its metadata is refused too
    header = json.dumps({"__metadata__": {"vdae": pickle.dumps(_Payload()).hex()}}).encode()
    (tmp_path / "evil2.vdae").write_bytes(len(header).to_bytes(8, "little") + header)
    with pytest.raises(ModelFileError):
        VDAE.load(tmp_path / "evil2.vdae")
    assert not marker.exists()


def test_newer_format_and_wrong_class_are_refused(tmp_path, small_model):
    path = tmp_path / "m.vdae"
    small_model.save(path)
    tensors, doc = load_model_file(path)
    doc = {k: v for k, v in doc.items() if k not in ("format", "format_version", "checksum")}
    import vdae.io as vio

    old = vio.FORMAT_VERSION
    try:
        vio.FORMAT_VERSION = old + 1
        save_model_file(tmp_path / "new.vdae", tensors, doc)
    finally:
        vio.FORMAT_VERSION = old
    with pytest.raises(ModelFileError, match="newer"):
        VDAE.load(tmp_path / "new.vdae")
    save_model_file(tmp_path / "other.vdae", tensors, {**doc, "class": "BetaVAE"})
    with pytest.raises(ModelFileError, match="BetaVAE"):
        VDAE.load(tmp_path / "other.vdae")


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ModelFileError, match="no such model file"):
        VDAE.load(tmp_path / "nope.vdae")


# ------------------------------------------------------------------------------ CLI
def test_cli_fit_sample_walk_plot(tmp_path, capsys):
    X = make_circle(200, random_state=1).X
    np.save(tmp_path / "x.npy", X)
    model = str(tmp_path / "m.vdae")
    sets = ["--set", "decoder_hidden=[16]", "--set", "covariance_hidden=[8]",
            "--set", "encoder_hidden=[16]", "--set", "encoder_epochs=5"]
    assert main(["fit", str(tmp_path / "x.npy"), "-o", model, "--epochs", "3", "-q", *sets]) == 0
    assert main(["sample", model, "-n", "50", "-o", str(tmp_path / "s.npy")]) == 0
    assert np.load(tmp_path / "s.npy").shape == (50, 2)
    out = str(tmp_path / "w.npy")
    assert main(["walk", model, "--chains", "10", "--steps", "4", "-o", out]) == 0
    assert np.load(tmp_path / "w.npy").shape == (5, 10, 2)
    assert main(["walk", model, "--chains", "10", "--steps", "4", "--chain", "metropolis",
                 "-o", str(tmp_path / "wm.npy")]) == 0
    assert np.load(tmp_path / "wm.npy").shape == (5, 10, 2)
    assert main(["plot", str(tmp_path / "w.npy"), "-o", str(tmp_path / "w.png")]) == 0
    assert (tmp_path / "w.png").stat().st_size > 1000


def test_cli_reads_csv_with_and_without_column_names(tmp_path):
    from vdae.cli import load_data

    X = make_circle(20, random_state=2).X
    rows = "\n".join(",".join(f"{v:.9g}" for v in r) for r in X)
    (tmp_path / "plain.csv").write_text(rows + "\n")
    (tmp_path / "named.csv").write_text("x,y\n" + rows + "\n")
    plain, _ = load_data(str(tmp_path / "plain.csv"))
    named, _ = load_data(str(tmp_path / "named.csv"))
    assert plain.shape == (20, 2)
    np.testing.assert_array_equal(plain, named)
    np.testing.assert_allclose(plain, X, rtol=1e-6)


@pytest.mark.parametrize("argv, msg", [
    (["fit", "no_such_data", "-o", "m.vdae"], "unknown data"),
    (["fit", "missing.npy", "-o", "m.vdae"], "does not exist"),
    (["sample", "missing.vdae", "-n", "3", "-o", "s.npy"], "no such model file"),
    (["fit", "circle", "-o", "m.vdae", "--set", "alpha=-1"], "alpha"),
    (["fit", "ragged.csv", "-o", "m.vdae"], "could not read"),
])
def test_cli_bad_input_exits_2_with_one_line(argv, msg, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ragged.csv").write_text("x,y\n1,2\n3\n")
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert msg in err and len(err.splitlines()) == 1


def test_cli_help_everywhere(capsys):
    for cmd in ["fit", "sample", "walk", "burst", "interpolate", "embed", "plot", "demo"]:
        with pytest.raises(SystemExit) as info:
            main([cmd, "--help"])
        assert info.value.code == 0


def test_plot_embedding_with_and_without_colours_warns_nothing(tmp_path):
    import warnings

    from vdae.plotting import plot_embedding

    Z = np.random.default_rng(0).normal(size=(40, 5))  # pairs (ψ1, ψ2), (ψ3, ψ4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i, color in enumerate((None, np.arange(40.0))):
            out = plot_embedding(Z, color, title="t", path=tmp_path / f"emb{i}.png")
            assert out.read_bytes()[:4] == b"\x89PNG" and out.stat().st_size > 5_000
