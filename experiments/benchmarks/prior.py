"""Benchmark of the diffusion-map prior: graph, exact diffusion map, SpectralNet, out-of-sample.

Prints one table row per data size. Each measurement runs in a fresh subprocess so that its
peak memory (max RSS) is its own. Usage::

    python benchmarks/prior.py [--sizes 2000 10000 70000] [--manifold300k]

n = 70 000 uses MNIST (70 000 × 784) when the data folder has it, else a generated 2-D manifold
in R^784. ``--manifold300k`` adds 300 000 points of a 2-D manifold in R^10 (exact map only).
One-time numba compilation of the approximate kNN is excluded by a warm-up call.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np


def load(n: int, kind: str) -> np.ndarray:
    from vdae.datasets import load_dataset

    if kind == "mnist":
        try:
            return load_dataset("mnist").X[:n]
        except FileNotFoundError:
            pass
    dim = 10 if kind == "r10" else 784
    return load_dataset("embedded", n_samples=n, ambient_dim=dim, random_state=0).X


def warm_up() -> None:
    """Compile pynndescent's numba kernels once (excluded from timings)."""
    from vdae.graph.knn import nearest_neighbors

    nearest_neighbors(np.random.default_rng(0).normal(size=(2000, 20)).astype(np.float32), 15,
                      method="approximate", random_state=0)


def run_case(stage: str, n: int, kind: str) -> dict:
    from vdae import DiffusionMap, SpectralNet
    from vdae.graph.affinity import build_affinity_graph

    X = load(n, kind)
    if n > 20_000:
        warm_up()
    out: dict = {"n": n, "m": X.shape[1], "stage": stage}
    t = time.perf_counter()
    if stage == "graph":
        build_affinity_graph(X, 15, random_state=0)
    elif stage == "exact":
        dm = DiffusionMap(n_neighbors=15, random_state=0).fit(X)
        out.update(D=dm.n_components_, solver=dm.eigen_solver_)
    elif stage == "spectralnet":
        sn = SpectralNet(n_neighbors=15, random_state=0, verbose=0).fit(X)
        out["seconds"] = time.perf_counter() - t
        out["D"] = sn.n_components_
        Y = np.concatenate([X] * max(1, 200_000 // n))[:200_000]
        sn.transform(Y[:1000])
        t2 = time.perf_counter()
        sn.transform(Y)
        out["oos_per_s"] = len(Y) / (time.perf_counter() - t2)
    out.setdefault("seconds", time.perf_counter() - t)
    out["peak_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 10_000, 70_000])
    ap.add_argument("--manifold300k", action="store_true")
    ap.add_argument("--case", nargs=3, metavar=("STAGE", "N", "KIND"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case[0], int(args.case[1]), args.case[2])))
        return
    cases = [(s, n, "mnist") for n in args.sizes for s in ("graph", "exact", "spectralnet")]
    if args.manifold300k:
        cases += [("graph", 300_000, "r10"), ("exact", 300_000, "r10")]
    print(f"{'n':>8} {'m':>4} {'stage':>12} {'seconds':>8} {'peak GiB':>8}  extra", flush=True)
    for stage, n, kind in cases:
        res = subprocess.run([sys.executable, __file__, "--case", stage, str(n), kind],
                             capture_output=True, text=True)
        if res.returncode != 0:
            print(f"{n:>8} {'':>4} {stage:>12} failed: {res.stderr.strip().splitlines()[-1]}")
            continue
        r = json.loads(res.stdout.strip().splitlines()[-1])
        extra = {k: (round(v) if isinstance(v, float) else v) for k, v in r.items()
                 if k not in ("n", "m", "stage", "seconds", "peak_gib")}
        print(f"{r['n']:>8} {r['m']:>4} {stage:>12} {r['seconds']:>8.2f} {r['peak_gib']:>8.2f}  "
              f"{extra}",
              flush=True)


if __name__ == "__main__":
    main()
