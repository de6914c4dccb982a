"""VDAE with default settings on the paper's point clouds: fit time, sampling speed, quality.

Prints, per data set (n = 2000 training points): D chosen, fit seconds, seconds to draw 10 000
samples by 10-step walks, and against 1000 fresh points: GW ×1000 (the paper's Table 1 metric),
precision/recall, and for generated manifolds the distance of samples to the true manifold.
Walk stability: the same after 100 steps, for ``sample``'s default chain (Metropolis-adjusted)
and for the paper's Algorithm 2 (``chain="paper"``, GW only). The floor: the same metrics for a
second independent sample of the data itself (what a perfect generator scores at this size).
Noisy rows (``NAME:SD``, isotropic ambient noise of standard deviation SD) add the spread ratios
(:func:`vdae.metrics.spread_ratios`): the samples' median and 90th-percentile distance to the true
manifold over the fresh data's (target 0.8–1.25), for ``sample``'s default draw from the
output law p_θ(x | z) and, beside it, for the decoder's mean alone (``noise=False``).

Every quality figure is the mean over ``--draws`` independent draws of 1000 samples (and of 1000
data points for the floor): near the floor one draw's GW varies by ±30 % (circle: 0.5–1.0), more
than the walk-stability ratio it is meant to show. Usage::

    python experiments/benchmarks/vdae_quality.py [--datasets circle torus bunny circle:0.05 \
        torus:0.05] [--seed 0] [--draws 5] [--prior auto] [--params '{"batch_size": 512}']
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

PAPER_VDAE_GW = {"circle": 2.6, "torus": 4.9, "bunny": 2.9}


def main() -> None:
    from vdae import VDAE
    from vdae.datasets import load_dataset
    from vdae.demo import evaluate_samples
    from vdae.metrics import spread_ratios

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+",
                    default=["circle", "torus", "bunny", "circle:0.05", "torus:0.05"],
                    help="names, or NAME:SD for a generated manifold with noise of sd SD")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--draws", type=int, default=5, help="sample draws averaged (default 5)")
    ap.add_argument("--prior", default="auto", choices=["auto", "spectralnet", "exact"],
                    help="VDAE(prior=...); spectralnet was the default before prior='auto'")
    ap.add_argument("--params", type=json.loads, default={},
                    help="further VDAE keyword arguments as a JSON object")
    args = ap.parse_args()
    print(f"{'data':>10} {'D':>2} {'fit s':>6} {'10k×10 s':>8} {'GW':>6} {'paper':>5} {'prec':>6} "
          f"{'recall':>6} {'dist p95':>8} {'GW@100':>7} {'prec@100':>8} {'alg2 GW@10':>10} "
          f"{'alg2 GW@100':>11} {'floor GW':>8} {'floor prec':>10} {'floor rec':>9} "
          f"{'spread med':>10} {'spread p90':>10} {'mean-only med':>13}", flush=True)
    for spec in args.datasets:
        name, _, sd = spec.partition(":")
        kw = {"noise": float(sd)} if sd else {}
        try:
            data = load_dataset(name, n_samples=2000, random_state=args.seed, **kw)
            fresh = load_dataset(name, n_samples=1000, random_state=args.seed + 1000, **kw)
            others = [load_dataset(name, n_samples=1000, random_state=args.seed + 2000 + i,
                                   **kw).X for i in range(args.draws)]
        except FileNotFoundError as exc:
            print(f"{spec:>10} skipped: {exc}")
            continue
        t = time.perf_counter()
        model = VDAE(prior=args.prior, random_state=args.seed, verbose=0,
                     **args.params).fit(data.X)
        fit_s = time.perf_counter() - t
        model.sample(100, random_state=0)
        t = time.perf_counter()
        model.sample(10_000, n_steps=10, random_state=1)
        sample_s = time.perf_counter() - t

        def mean_quality(sets, manifold=None) -> dict:
            runs = [evaluate_samples(S, fresh.X, manifold, seed=0) for S in sets]
            return {key: float(np.mean([r[key] for r in runs])) for key in runs[0]}

        def draws(n_steps: int, chain: str = "metropolis"):
            return (model.sample(1000, n_steps=n_steps, random_state=100 * n_steps + i, chain=chain)
                    for i in range(args.draws))

        s10 = mean_quality(draws(10), data.manifold)
        s100 = mean_quality(draws(100), data.manifold)
        alg2 = [mean_quality(draws(k, "paper"))["gw"] for k in (10, 100)]
        floor = mean_quality(others)
        p95 = f"{s10['dist_p95']:.4f}" if "dist_p95" in s10 else "–"
        spread = [f"{s10[k]:.2f}" if k in s10 else "–" for k in ("spread_median", "spread_p90")]
        mean_only = "–"
        if "spread_median" in s10:
            means = model.sample(1000, random_state=10, noise=False)
            mean_only = f"{spread_ratios(means, fresh.X, data.manifold)['spread_median']:.2f}"
        print(f"{spec:>10} {model.n_components_:>2} {fit_s:>6.1f} {sample_s:>8.2f} "
              f"{s10['gw']:>6.2f} "
              f"{PAPER_VDAE_GW.get(spec, float('nan')):>5} {s10['precision']:>6.3f} "
              f"{s10['recall']:>6.3f} {p95:>8} {s100['gw']:>7.2f} {s100['precision']:>8.3f} "
              f"{alg2[0]:>10.2f} {alg2[1]:>11.2f} "
              f"{floor['gw']:>8.2f} {floor['precision']:>10.3f} {floor['recall']:>9.3f} "
              f"{spread[0]:>10} {spread[1]:>10} {mean_only:>13}", flush=True)


if __name__ == "__main__":
    main()
