"""Multi-process training: two processes on localhost (gloo) under torchrun keep identical
parameters, their loss falls, and the model is as good as a one-process fit with the same
global batch."""

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


def run(out: Path, nproc: int) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    if nproc == 1:
        cmd = [sys.executable, str(WORKER), str(out)]
    else:
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               f"--nproc_per_node={nproc}", str(WORKER), str(out)]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]


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
