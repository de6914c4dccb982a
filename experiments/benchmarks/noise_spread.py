"""Samples of noisy manifolds: do they keep the data's spread across the manifold?

For each manifold and noise level (isotropic Gaussian noise in the ambient space, standard
deviation a fraction of the radius), fits a default VDAE on 2000 points and prints, against
2000 fresh noisy points: the samples' median and 90th-percentile distance to the true manifold
over the data's (the spread ratios, target 0.8–1.25), the same for the decoder's means alone
(``noise=False``), the median ratio of the rejected alternative, a maximum-likelihood scalar
variance (means plus N(0, c I) noise with c the mean squared residual per coordinate), and k-NN
precision/recall (k = 3, 1000 vs 1000) beside the data's own two-sample values. Usage::

    python experiments/benchmarks/noise_spread.py [--manifolds circle sphere torus]
        [--noise 0.02 0.05 0.10] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    from vdae import VDAE
    from vdae.datasets import load_dataset
    from vdae.metrics import precision_recall, spread_ratios

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--manifolds", nargs="+", default=["circle", "sphere"])
    ap.add_argument("--noise", nargs="+", type=float, default=[0.02, 0.05, 0.10])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(f"{'data':>8} {'sd':>5} {'D':>2} {'fit s':>6} {'spread med':>10} {'spread p90':>10} "
          f"{'means med':>9} {'means p90':>9} {'scalar-c med':>12} {'prec':>6} {'recall':>6} "
          f"{'data prec':>9} "
          f"{'data rec':>8}", flush=True)
    for name in args.manifolds:
        for sd in args.noise:
            kw = dict(noise=sd)
            data = load_dataset(name, n_samples=2000, random_state=args.seed, **kw)
            fresh = load_dataset(name, n_samples=2000, random_state=args.seed + 1000, **kw)
            other = load_dataset(name, n_samples=1000, random_state=args.seed + 2000, **kw)
            t = time.perf_counter()
            model = VDAE(random_state=args.seed, verbose=0).fit(data.X)
            fit_s = time.perf_counter() - t
            S = model.sample(2000, random_state=args.seed + 1)
            r = spread_ratios(S, fresh.X, data.manifold)
            means = model.sample(2000, random_state=args.seed + 1, noise=False)
            m = spread_ratios(means, fresh.X, data.manifold)
            c = float(np.mean(model.residual_law_.residuals.cpu().numpy() ** 2))
            noisy = means + np.sqrt(c) * np.random.default_rng(args.seed).standard_normal(
                means.shape)
            scalar = spread_ratios(noisy, fresh.X, data.manifold)["spread_median"]
            pr = precision_recall(fresh.X[:1000], S[:1000])
            own = precision_recall(fresh.X[:1000], other.X)
            print(f"{name:>8} {sd:>5.2f} {model.n_components_:>2} {fit_s:>6.1f} "
                  f"{r['spread_median']:>10.2f} {r['spread_p90']:>10.2f} "
                  f"{m['spread_median']:>9.2f} {m['spread_p90']:>9.2f} {scalar:>12.2f} "
                  f"{pr.precision:>6.3f} {pr.recall:>6.3f} {own.precision:>9.3f} "
                  f"{own.recall:>8.3f}", flush=True)


if __name__ == "__main__":
    main()
