"""VDAE with default settings on the paper's point clouds: fit time, sampling speed, quality.

Prints, per data set (n = 2000 training points): D chosen, fit seconds, seconds to draw 10 000
samples by 10-step walks, and against 1000 fresh points: GW ×1000 (the paper's Table 1 metric),
precision/recall, and for generated manifolds the distance of samples to the true manifold.
Walk stability: the same after 100 steps, for ``sample``'s default chain (Metropolis-adjusted)
and for the paper's Algorithm 2 (``chain="paper"``, GW only). The floor: the same metrics for a
second independent sample of the data itself (what a perfect generator scores at this size). Usage::

    python benchmarks/vdae_quality.py [--datasets circle torus bunny] [--seed 0]
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
    args = ap.parse_args()
    print(f"{'data':>8} {'D':>2} {'fit s':>6} {'10k×10 s':>8} {'GW':>6} {'paper':>5} {'prec':>6} "
          f"{'recall':>6} {'dist p95':>8} {'GW@100':>7} {'prec@100':>8} {'alg2 GW@10':>10} "
          f"{'alg2 GW@100':>11} {'floor GW':>8} {'floor prec':>10}", flush=True)
    for name in args.datasets:
        try:
            data = load_dataset(name, n_samples=2000, random_state=args.seed)
            fresh = load_dataset(name, n_samples=1000, random_state=args.seed + 1000)
            other = load_dataset(name, n_samples=1000, random_state=args.seed + 2000)
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
        s10 = evaluate_samples(model.sample(1000, random_state=2), fresh.X, data.manifold, seed=0)
        s100 = evaluate_samples(model.sample(1000, n_steps=100, random_state=3), fresh.X,
                                data.manifold, seed=0)
        alg2 = [evaluate_samples(model.sample(1000, n_steps=k, random_state=r, chain="paper"),
                                 fresh.X, seed=0)["gw"] for k, r in ((10, 2), (100, 3))]
        floor = evaluate_samples(other.X, fresh.X, seed=0)
        p95 = f"{s10['dist_p95']:.4f}" if "dist_p95" in s10 else "–"
        print(f"{name:>8} {model.n_components_:>2} {fit_s:>6.1f} {sample_s:>8.2f} {s10['gw']:>6.2f} "
              f"{PAPER_VDAE_GW.get(name, float('nan')):>5} {s10['precision']:>6.3f} "
              f"{s10['recall']:>6.3f} {p95:>8} {s100['gw']:>7.2f} {s100['precision']:>8.3f} "
              f"{alg2[0]:>10.2f} {alg2[1]:>11.2f} "
              f"{floor['gw']:>8.2f} {floor['precision']:>10.3f}", flush=True)


if __name__ == "__main__":
    main()
