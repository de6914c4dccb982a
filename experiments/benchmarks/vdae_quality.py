"""VDAE with default settings on the paper's point clouds: fit time, sampling speed, quality.

Prints, per data set (n = 2000 training points): D chosen, fit seconds, seconds to draw 10 000
samples by 10-step walks, and against 1000 fresh points: GW ×1000 (the paper's Table 1 metric),
precision/recall, and for generated manifolds the distance of samples to the true manifold.
Walk stability: the same after 100 steps, for ``sample``'s default chain (Metropolis-adjusted)
and for the paper's Algorithm 2 (``chain="paper"``, GW only). The floor: the same metrics for a
second independent sample of the data itself (what a perfect generator scores at this size).

Every quality figure is the mean over ``--draws`` independent draws of 1000 samples (and of 1000
data points for the floor): near the floor one draw's GW varies by ±30 % (circle: 0.5–1.0), more
than the walk-stability ratio it is meant to show. Usage::

    python benchmarks/vdae_quality.py [--datasets circle torus bunny] [--seed 0] [--draws 5]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

PAPER_VDAE_GW = {"circle": 2.6, "torus": 4.9, "bunny": 2.9}


def main() -> None:
    from vdae import VDAE
    from vdae.datasets import load_dataset
    from vdae.demo import evaluate_samples

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=["circle", "torus", "bunny"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--draws", type=int, default=5, help="sample draws averaged (default 5)")
    args = ap.parse_args()
    print(f"{'data':>8} {'D':>2} {'fit s':>6} {'10k×10 s':>8} {'GW':>6} {'paper':>5} {'prec':>6} "
          f"{'recall':>6} {'dist p95':>8} {'GW@100':>7} {'prec@100':>8} {'alg2 GW@10':>10} "
          f"{'alg2 GW@100':>11} {'floor GW':>8} {'floor prec':>10}", flush=True)
    for name in args.datasets:
        try:
            data = load_dataset(name, n_samples=2000, random_state=args.seed)
            fresh = load_dataset(name, n_samples=1000, random_state=args.seed + 1000)
            others = [load_dataset(name, n_samples=1000, random_state=args.seed + 2000 + i).X
                      for i in range(args.draws)]
        except FileNotFoundError as exc:
            print(f"{name:>8} skipped: {exc}")
            continue
        t = time.perf_counter()
        model = VDAE(random_state=args.seed, verbose=0).fit(data.X)
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
        print(f"{name:>8} {model.n_components_:>2} {fit_s:>6.1f} {sample_s:>8.2f} {s10['gw']:>6.2f} "
              f"{PAPER_VDAE_GW.get(name, float('nan')):>5} {s10['precision']:>6.3f} "
              f"{s10['recall']:>6.3f} {p95:>8} {s100['gw']:>7.2f} {s100['precision']:>8.3f} "
              f"{alg2[0]:>10.2f} {alg2[1]:>11.2f} "
              f"{floor['gw']:>8.2f} {floor['precision']:>10.3f}", flush=True)


if __name__ == "__main__":
    main()
