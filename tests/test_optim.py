"""The library's Adam and cosine schedule (vdae.engine.optim) against torch.optim's."""

import subprocess
import sys

import numpy as np
import pytest
import torch

from vdae.engine.checkpoint import load_optimizer_state, optimizer_state
from vdae.engine.optim import Adam, CosineSchedule
from vdae.nn.mlp import make_mlp


def _train(make_opt, steps: int = 30, start=None, resume_from=None):
    """Parameters of a small MLP after ``steps`` Adam steps on a fixed stream of batches;
    ``resume_from`` = (state_dict, done): load that optimiser state and weights, skip ``done``
    batches and continue."""
    torch.manual_seed(0)
    net = make_mlp(4, (16, 16), 3)
    opt, sched = make_opt(net, steps)
    g = torch.Generator().manual_seed(1)
    done = 0
    if resume_from is not None:
        (weights, state), done = resume_from
        net.load_state_dict(weights)
        opt.load_state_dict(state)
        sched.last_epoch = done
        for _ in range(done):
            torch.randn(8, 4, generator=g)
    for _ in range(done, steps if start is None else start):
        x = torch.randn(8, 4, generator=g)
        opt.zero_grad()
        net(x).pow(2).sum().backward()
        opt.step()
        sched.step()
    return net, opt


def _torch_adam(net, steps):
    opt = torch.optim.Adam(net.parameters(), lr=1e-2, fused=True)
    factor = CosineSchedule(Adam([torch.zeros(1)], 1.0), steps).factor
    return opt, torch.optim.lr_scheduler.LambdaLR(opt, factor)


def _our_adam(net, steps, fused=True):
    opt = Adam(net.parameters(), 1e-2)
    opt._fused = fused
    return opt, CosineSchedule(opt, steps)


def test_adam_with_cosine_decay_gives_torch_fused_adams_numbers():
    """The same kernel with the same rates: bit-identical weights after 30 decayed steps."""
    ref, _ = _train(_torch_adam)
    ours, opt = _train(_our_adam)
    for a, b in zip(ref.parameters(), ours.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert opt.param_groups[0]["lr"] == pytest.approx(1e-2 * 0.02)  # the decay's end


def test_multi_tensor_fallback_matches_the_fused_kernel():
    ref, _ = _train(_our_adam)
    ours, _ = _train(lambda net, steps: _our_adam(net, steps, fused=False))
    for a, b in zip(ref.parameters(), ours.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)


@pytest.mark.parametrize("saver", [_torch_adam, _our_adam])
def test_a_saved_state_resumes_to_the_uninterrupted_run(saver):
    """A state saved mid-run (by torch's Adam or ours, through the checkpoint arrays) and loaded
    into ours continues to the uninterrupted run's weights, rate schedule included."""
    full, _ = _train(_our_adam)
    half, opt = _train(saver, start=12)
    arrays, meta = optimizer_state(opt)
    fresh = Adam(make_mlp(4, (16, 16), 3).parameters(), 1e-2)
    load_optimizer_state(fresh, arrays, meta)
    state = fresh.state_dict()
    assert set(state["state"]) == set(range(len(list(half.parameters()))))
    resumed, _ = _train(_our_adam, resume_from=((half.state_dict(), state), 12))
    for a, b in zip(full.parameters(), resumed.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_bad_state_and_empty_parameters_are_refused():
    with pytest.raises(ValueError, match="params"):
        Adam([], 1e-3)
    opt = Adam(make_mlp(2, (4,), 1).parameters(), 1e-3)
    with pytest.raises(ValueError, match="state_dict"):
        opt.load_state_dict({"state": {}, "param_groups": [{"params": [0]}]})


def test_cosine_schedule_values():
    opt = Adam([torch.zeros(2, requires_grad=True)], 1.0)
    sched = CosineSchedule(opt, 4, final_ratio=0.0)
    rates = [opt.param_groups[0]["lr"]]
    for _ in range(5):
        sched.step()
        rates.append(opt.param_groups[0]["lr"])
    np.testing.assert_allclose(rates, [1, (1 + np.cos(np.pi / 4)) / 2, 0.5,
                                       (1 + np.cos(3 * np.pi / 4)) / 2, 0, 0], atol=1e-12)


def test_a_fit_does_not_import_torch_dynamo():
    """torch.optim's optimisers import torch._dynamo on construction (1.1–1.7 s per process
    here); a VDAE fit and its sampling do not need it."""
    code = ("import sys; from vdae import VDAE; from vdae.datasets import make_circle; "
            "m = VDAE(epochs=2, random_state=0, verbose=0).fit(make_circle(200, random_state=0).X);"
            " m.sample(10, random_state=0); print('torch._dynamo' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"
