"""Cost of one step of Algorithm 1 against the training-set size, and of its x' search.

First the optimiser's share of a step (:func:`optimizer_costs`); measured 2026-12-07 (later)::

    optimiser update ms: torch.optim 0.177, vdae 0.108; construction in a new process s:
    torch.optim 1.01, vdae 0.00

Then, per n (a torus in R³, ``prior="exact"``, default network and batch):

1. the x' search of Eq. 6 alone (256 queries against the n diffusion coordinates, D of the
   fit), with :class:`vdae.models.vdae.targets.PoolSearch` and with the plain form it replaced
   (a new distance block per call and ``torch.min``), best of 7 repeats, in one sitting;
2. a real fit's training loop: milliseconds per step and minor page faults per step
   (``getrusage``), over ``--steps`` steps.

Measured 2026-12-07 on the 2-core CPU machine (this script, one run, 67 s)::

          n  D  plain ms PoolSearch ms fit ms/step faults/step
       2000  6      0.60          0.37        4.23           3
      10000  6      2.46          0.85        6.10           0
      40000  6     32.13          7.64       16.69          17

The fit's loop at the parent commit (d3a1af7, the plain search; timed the same way in two runs
alternating with this code's) took 42–47 ms per step at 40 000 points with 20 003 page faults
per step (a new 40 MB distance block each time) against 12–14 ms here (17 ms in the run above):
about 3× faster. At 2 000–10 000 points the step's time is in the networks and the whole
step's change is within this machine's run-to-run noise (MNIST 10k, D = 20, three alternating
runs each: median 11.0 ms per step against 11.3 ms before). Usage::

    python experiments/benchmarks/training_step.py [--sizes 2000 10000 40000] [--steps 600]
"""

from __future__ import annotations

import argparse
import resource
import time

import torch


def best_ms(fn, repeats: int = 7, number: int = 20) -> float:
    fn()
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t) / number)
    return best * 1e3


def plain_search(queries: torch.Tensor, pool: torch.Tensor, exclude: torch.Tensor):
    """The search before PoolSearch: a new (b, n) block and ``torch.min`` per call."""
    q2 = (queries * queries).sum(1, keepdim=True)
    d = torch.addmm(q2 + (pool * pool).sum(1)[None, :], queries, pool.T, alpha=-2.0)
    d[torch.arange(len(queries)), exclude] = float("inf")
    return d.min(dim=1)[1]


def optimizer_costs() -> None:
    """The optimiser's share of a step, for the default point-cloud networks (a 6 → 256³ → 3
    decoder and a 6 → 128² → 21 covariance network): zero_grad + Adam update + rate schedule,
    torch.optim's fused Adam with LambdaLR against :class:`vdae.engine.optim.Adam` with its
    cosine schedule (the same kernel), best of 7; and the optimiser's construction in a fresh
    process (torch.optim's imports torch._dynamo)."""
    import subprocess
    import sys

    from vdae.engine.optim import Adam, CosineSchedule
    from vdae.nn.mlp import make_mlp

    def params():
        torch.manual_seed(0)
        nets = [make_mlp(6, (256, 256, 256), 3), make_mlp(6, (128, 128), 21)]
        out = [p for net in nets for p in net.parameters()]
        for p in out:
            p.grad = torch.randn_like(p)
        return out

    ref = torch.optim.Adam(params(), lr=2e-3, fused=True)
    ref_sched = torch.optim.lr_scheduler.LambdaLR(ref, CosineSchedule(ref, 6000).factor)
    ours = Adam(params(), 2e-3)
    ours_sched = CosineSchedule(ours, 6000)

    def update(opt, sched):
        opt.zero_grad(set_to_none=False)
        opt.step()
        sched.step()

    build = {}
    for name, code in (("torch.optim", "torch.optim.Adam([torch.zeros(1)], fused=True)"),
                       ("vdae", "from vdae.engine.optim import Adam; "
                                "Adam([torch.zeros(1)], 1e-3)")):
        wrapped = (f"import time, torch, vdae; t = time.perf_counter(); {code}; "
                   "print(time.perf_counter() - t)")
        build[name] = float(subprocess.run([sys.executable, "-c", wrapped], check=True,
                                           capture_output=True, text=True).stdout.split()[-1])
    print(f"optimiser update ms: torch.optim {best_ms(lambda: update(ref, ref_sched)):.3f}, "
          f"vdae {best_ms(lambda: update(ours, ours_sched)):.3f}; construction in a new "
          f"process s: torch.optim {build['torch.optim']:.2f}, vdae {build['vdae']:.2f}",
          flush=True)


def main() -> None:
    import vdae.models.vdae.training as training
    from vdae import VDAE
    from vdae.datasets import make_torus
    from vdae.models.vdae.targets import PoolSearch

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 10_000, 40_000])
    ap.add_argument("--steps", type=int, default=600)
    args = ap.parse_args()
    optimizer_costs()
    print(f"{'n':>7} {'D':>2} {'plain ms':>9} {'PoolSearch ms':>13} {'fit ms/step':>11} "
          f"{'faults/step':>11}", flush=True)
    measured = {}
    run_steps = training.train_steps

    def timed_steps(*a, **k):  # the fit's training loop alone, with its page faults
        f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        t = time.perf_counter()
        out = run_steps(*a, **k)
        measured["s"] = time.perf_counter() - t
        measured["faults"] = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0
        return out

    training.train_steps = timed_steps
    budget = training.DEFAULT_STEPS
    try:
        training.DEFAULT_STEPS = args.steps
        for n in args.sizes:
            X = make_torus(n, random_state=0).X
            model = VDAE(prior="exact", random_state=0, verbose=0).fit(X)
            steps = model.n_iter_  # --steps, or two epochs when that is more
            Z = torch.as_tensor(model.transform(X))
            g = torch.Generator().manual_seed(0)
            idx = torch.randint(n, (256,), generator=g)
            q = Z[idx] + 0.01 * Z.std() * torch.randn(256, Z.shape[1], generator=g)
            search = PoolSearch(Z)
            assert torch.equal(search(q, idx), plain_search(q, Z, idx))
            print(f"{n:>7} {Z.shape[1]:>2} {best_ms(lambda: plain_search(q, Z, idx)):>9.2f} "
                  f"{best_ms(lambda: search(q, idx)):>13.2f} "
                  f"{measured['s'] / steps * 1e3:>11.2f} {measured['faults'] / steps:>11.0f}",
                  flush=True)
    finally:
        training.DEFAULT_STEPS = budget
        training.train_steps = run_steps


if __name__ == "__main__":
    main()
