"""Multi-process training: two processes on localhost (gloo) under torchrun keep identical
parameters, their loss falls, and the model is as good as a one-process fit with the same
global batch; a killed or interrupted 2-process fit resumes to the uninterrupted model bit for
bit; SpectralNet trains data-parallel as well as in one process."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch.distributed as dist

from vdae.datasets import make_circle

WORKER = Path(__file__).with_name("ddp_worker.py")

pytestmark = pytest.mark.skipif(not dist.is_available() or not dist.is_gloo_available(),
                                reason="torch.distributed with gloo is not available")


def run(out: Path, nproc: int, mode: str = "vdae", expect: int = 0, **env_vars) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1", **env_vars}
    if nproc == 1:
        cmd = [sys.executable, str(WORKER), str(out), mode]
    else:
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               f"--nproc_per_node={nproc}", str(WORKER), str(out), mode]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert (res.returncode == 0) == (expect == 0), res.stderr[-3000:]
    if expect:  # the cause torchrun reports for the failed workers
        assert f"exitcode  : {expect}" in res.stderr, res.stderr[-3000:]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    one, two = tmp_path_factory.mktemp("one"), tmp_path_factory.mktemp("two")
    run(one, 1)
    run(two, 2)
    load = lambda p: dict(np.load(p))  # noqa: E731
    return load(one / "rank0.npz"), load(two / "rank0.npz"), load(two / "rank1.npz")


def test_two_processes_hold_identical_parameters(runs):
    _, r0, r1 = runs
    assert int(r0["size"]) == int(r1["size"]) == 2 and bool(r0["distributed"])
    names = [k for k in r0 if k.startswith(("decoder__", "covariance__"))]
    assert len(names) >= 6
    for k in names:
        np.testing.assert_array_equal(r0[k], r1[k], err_msg=k)
    # different minibatches on the two ranks: their losses differ, but both fall
    assert not np.array_equal(r0["history"], r1["history"])
    for r in (r0, r1):
        assert r["history"][-10:].mean() < r["history"][:10].mean()


def test_two_processes_match_one_with_the_same_global_batch(runs):
    single, r0, r1 = runs
    assert int(single["size"]) == 1
    final_two = np.mean([r0["history"][-20:].mean(), r1["history"][-20:].mean()])
    final_one = single["history"][-20:].mean()
    assert abs(final_two - final_one) <= 0.1 * abs(final_one) + 0.05
    circle = make_circle(10, random_state=0).manifold
    for r in (single, r0):
        d = circle.distance(r["samples"]) / circle.diameter
        assert np.median(d) <= 0.01 and np.quantile(d, 0.95) <= 0.03


def load(p: Path) -> dict:
    return dict(np.load(p))


@pytest.mark.slow  # five 2-process launches, about 40-90 s on 2 cores
def test_killed_two_process_fit_resumes_to_the_uninterrupted_model(tmp_path):
    from vdae import VDAE
    from vdae.engine.checkpoint import load_checkpoint
    from ddp_worker import CHECKPOINT_PARAMS

    ckpt = tmp_path / "fit.ckpt"
    step = lambda: load_checkpoint(ckpt, VDAE(**CHECKPOINT_PARAMS))[1]  # noqa: E731
    dirs = {name: tmp_path / name for name in ("ref", "killed", "interrupted", "resumed")}
    for d in dirs.values():
        d.mkdir()
    run(dirs["ref"], 2, "checkpoint")  # uninterrupted, no checkpoints
    # the whole job SIGKILLed once the checkpoint after step 120 (of 300) is on disk
    run(dirs["killed"], 2, "checkpoint", expect=-9, VDAE_TEST_CHECKPOINT=str(ckpt),
        VDAE_TEST_KILL_AT="120")
    progress = step()
    assert progress["step"] == 120 and progress["world_size"] == 2
    cli_ckpt = tmp_path / "cli.ckpt"  # a copy, resumed below by `vdae fit --resume`
    cli_ckpt.write_bytes(ckpt.read_bytes())
    assert len(progress["ranks"]) == 2 and progress["ranks"][0] != progress["ranks"][1]
    # resumed, then Ctrl-C on rank 1 only in its 50th step: both ranks stop after step 170
    run(dirs["interrupted"], 2, "checkpoint", expect=130, VDAE_TEST_CHECKPOINT=str(ckpt),
        VDAE_TEST_RESUME="1", VDAE_TEST_SIGINT_AT="50")
    assert step()["step"] == 170
    with pytest.raises(ValueError, match="written by 2 process"):  # one process cannot resume it
        VDAE(**CHECKPOINT_PARAMS).fit(make_circle(600, random_state=0).X, resume=ckpt)
    run(dirs["resumed"], 2, "checkpoint", VDAE_TEST_CHECKPOINT=str(ckpt), VDAE_TEST_RESUME="1")
    for rank in (0, 1):
        ref, res = load(dirs["ref"] / f"rank{rank}.npz"), load(dirs["resumed"] / f"rank{rank}.npz")
        assert ref.keys() == res.keys() and len(ref["history"]) == 30
        for k in ref:  # weights and this rank's own loss history, bit for bit
            np.testing.assert_array_equal(ref[k], res[k], err_msg=f"rank {rank}: {k}")
    # the same checkpoint resumed by the command line under torchrun: the uninterrupted model
    data, out = tmp_path / "circle.npy", tmp_path / "cli.vdae"
    np.save(data, make_circle(600, random_state=0).X)
    p = CHECKPOINT_PARAMS
    cli = ["fit", str(data), "-o", str(out), "-q", "--seed", str(p["random_state"]),
           "--prior", p["prior"], "--n-components", str(p["n_components"]),
           "--epochs", str(p["epochs"]), "--checkpoint", str(cli_ckpt), "--resume",
           "--checkpoint-interval", "0"]
    cli += [f"--set={k}={list(p[k]) if isinstance(p[k], tuple) else p[k]}"
            for k in ("n_neighbors", "batch_size", "decoder_hidden", "covariance_hidden")]
    res = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                          "--nproc_per_node=2", "-m", "vdae.cli", *cli],
                         env={**os.environ, "OMP_NUM_THREADS": "1"}, capture_output=True,
                         text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "with 2 processes" in res.stdout
    state, _ = VDAE.load(out)._get_state()
    ref = load(dirs["ref"] / "rank0.npz")
    weights = {k: v for k, v in state.items() if k.startswith(("decoder.", "covariance."))}
    assert {k.replace(".", "__") for k in weights} == set(ref) - {"size", "distributed", "history"}
    for k, v in weights.items():
        np.testing.assert_array_equal(ref[k.replace(".", "__")], v, err_msg=f"cli: {k}")


@pytest.mark.slow  # a 1-process and a 2-process SpectralNet fit, about 12-25 s on 2 cores
def test_data_parallel_spectralnet_matches_one_process(tmp_path):
    from scipy.linalg import subspace_angles

    from vdae import DiffusionMap
    from ddp_worker import SPECTRALNET_PARAMS, spectralnet_data

    (tmp_path / "one").mkdir(), (tmp_path / "two").mkdir()
    run(tmp_path / "one", 1, "spectralnet")
    run(tmp_path / "two", 2, "spectralnet")
    one = load(tmp_path / "one" / "rank0.npz")
    r0, r1 = load(tmp_path / "two" / "rank0.npz"), load(tmp_path / "two" / "rank1.npz")
    assert int(one["size"]) == 1 and int(r0["size"]) == 2 and bool(r0["distributed"])
    for k in r0:  # one whitening and one summed gradient: the ranks never drift apart
        if k != "size":
            np.testing.assert_array_equal(r0[k], r1[k], err_msg=k)
    X = spectralnet_data()
    np.testing.assert_array_equal(r0["gathered"], X[:-1])  # the shards of 999 rows, gathered
    exact = DiffusionMap(4, n_neighbors=SPECTRALNET_PARAMS["n_neighbors"]).fit(X)

    def sine(A):  # largest principal-angle sine to the exact map's first eigenspace (dim 3)
        B = exact.embedding_[:, :3]
        return float(np.sin(subspace_angles(A - A.mean(0), B - B.mean(0))).max())

    s_one, s_two = sine(one["embedding"]), sine(r0["embedding"])
    assert s_one <= 0.25 and s_two <= s_one + 0.02  # measured 0.191 and 0.184
    gap_one, gap_two = 1 - one["eigenvalues"], 1 - r0["eigenvalues"]
    np.testing.assert_allclose(gap_two, gap_one, rtol=0.05)
    assert r0["history"][-1] < 0.5 * r0["history"][0]  # measured 0.128 → 0.047
