"""Scale benchmark: fit time and peak memory against n, beside the peers a user would pick.

Prints, in one run:

1. fit seconds and peak memory (max RSS of a fresh process per case) for our VDAE (SpectralNet
   prior, default settings), our exact ``DiffusionMap``, datafold's ``DiffusionMaps`` and
   umap-learn's ``UMAP``, all with 15 neighbours, at n = 2k, 10k, 70k (MNIST's 70 000 × 784
   when the data folder has it, else a generated 2-D manifold in R^784), 300k and 1M (a 2-D
   manifold in R^10); for the two that decode (the VDAE's ``inverse_transform``, UMAP's),
   points decoded per second from 200 training points' codes; per size the ratio of the VDAE's
   fit time to UMAP's; then each method's fitted exponent b of time ∝ n^b;
2. sampling throughput (10 000 chains × 10 walk steps) of the VDAE and the β-VAE baseline;
3. out-of-sample embedding throughput: SpectralNet's forward pass vs datafold's Nyström
   extension and UMAP's transform (at n = 70k);
4. training throughput (samples/s) and achieved GFLOP/s of the VDAE and SpectralNet training
   steps against this machine's measured fp32 matmul peak.

The peers run in their own virtual environments, never the project's (datafold 2.0.2 pins
numpy < 1.27, scipy < 1.12, scikit-learn ~1.2, which breaks umap-learn)::

    python3.11 -m venv ../peer-datafold
    ../peer-datafold/bin/pip install -r benchmarks/peers/requirements-datafold.txt
    python3.11 -m venv ../peer-umap
    ../peer-umap/bin/pip install -r benchmarks/peers/requirements-umap.txt
    python benchmarks/scale.py --datafold-python ../peer-datafold/bin/python \\
                               --umap-python ../peer-umap/bin/python

A peer whose interpreter is not given is left out. A case that fails or runs past
``--timeout`` is reported and the method's larger sizes are skipped. Run it alone: on a
2-core machine other jobs distort every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
K = 15
SIZES = (2000, 10_000, 70_000, 300_000, 1_000_000)
METHODS = ("vdae", "diffmap", "datafold", "umap")


# --------------------------------------------------------------------------- data
def data_for(n: int) -> tuple[np.ndarray, str]:
    """The rows of size n and a description."""
    from vdae.datasets import load_dataset

    if n <= 70_000:
        try:
            return load_dataset("mnist").X[:n], "MNIST"
        except FileNotFoundError:
            kind = "2-D manifold in R^784"
            return load_dataset("embedded", n_samples=n, ambient_dim=784, random_state=0).X, kind
    return load_dataset("embedded", n_samples=n, ambient_dim=10, random_state=0).X, \
        "2-D manifold in R^10"


def held_out(X: np.ndarray, n: int = 10_000) -> np.ndarray:
    """New points near the data: rows of X with 1% noise (the same for every method)."""
    rng = np.random.default_rng(1)
    rows = X[rng.choice(len(X), n, replace=len(X) < n)]
    return (rows + 0.01 * rows.std() * rng.standard_normal(rows.shape)).astype(np.float32)


# ----------------------------------------------------------------- our methods
def run_ours(method: str, n: int) -> dict:
    from vdae import VDAE, DiffusionMap

    X, _ = data_for(n)
    if n > 20_000:  # compile pynndescent's kernels outside the timing (one-time cost)
        from vdae.graph.knn import nearest_neighbors

        nearest_neighbors(np.random.default_rng(0).normal(size=(2000, 20)).astype(np.float32),
                          K, method="approximate", random_state=0)
    t = time.perf_counter()
    if method == "vdae":
        model = VDAE(n_neighbors=K, random_state=0, verbose=0).fit(X)
        D = model.n_components_
    else:
        model = DiffusionMap(n_neighbors=K, random_state=0).fit(X)
        D = model.n_components_
    out = {"seconds": time.perf_counter() - t, "D": D}
    if method == "vdae":  # decode 200 training points' codes, as run_peer.py does for UMAP
        codes = model.transform(X[np.random.default_rng(0).choice(len(X), 200, replace=False)])
        model.inverse_transform(codes[:10])
        t = time.perf_counter()
        model.inverse_transform(codes)
        out["decode_per_s"] = len(codes) / (time.perf_counter() - t)
    if method == "vdae" and n == 70_000:
        Y = held_out(X)
        model.transform(Y[:1000])
        t = time.perf_counter()
        model.transform(Y)
        out["oos_per_s"] = len(Y) / (time.perf_counter() - t)
    out["peak_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return out


def run_case(method: str, n: int, args, tmp: Path) -> dict:
    """One case in a fresh process; {"error": ...} on failure or timeout."""
    if method in ("vdae", "diffmap"):
        cmd = [sys.executable, __file__, "--case", method, str(n)]
    else:
        python = getattr(args, f"{method}_python")
        X, _ = data_for(n)
        path = tmp / f"data_{n}.npy"
        if not path.exists():
            np.save(path, X)
        cmd = [python, str(HERE / "peers" / "run_peer.py"), method, str(path), str(K), "4"]
        if n == 70_000:
            oos = tmp / "oos.npy"
            np.save(oos, held_out(X))
            cmd.append(str(oos))
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"over {args.timeout} s"}
    if res.returncode != 0:
        lines = (res.stderr or res.stdout).strip().splitlines() or ["?"]
        return {"error": lines[-1][:80]}
    return json.loads(res.stdout.strip().splitlines()[-1])


def sweep(args) -> None:
    methods = [m for m in METHODS if m in ("vdae", "diffmap") or getattr(args, f"{m}_python")]
    print(f"{'method':>9} {'n':>8} {'data':>22} {'seconds':>9} {'peak GiB':>9}  extra", flush=True)
    times: dict[str, list[tuple[int, float]]] = {m: [] for m in methods}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            for method in methods:
                if times[method] is None or (method in ("datafold", "umap")
                                             and n > args.peer_max_n):
                    continue
                r = run_case(method, n, args, Path(tmp))
                desc = data_for(n)[1] if n <= 2000 or n in (70_000, 300_000) else ""
                if "error" in r:
                    print(f"{method:>9} {n:>8} {desc:>22} {'—':>9} {'—':>9}  {r['error']}",
                          flush=True)
                    times[method] = None  # skip larger sizes
                    continue
                extra = {k: round(v) if isinstance(v, float) else v for k, v in r.items()
                         if k not in ("seconds", "peak_gib")}
                print(f"{method:>9} {n:>8} {desc:>22} {r['seconds']:>9.1f} {r['peak_gib']:>9.2f}"
                      f"  {extra or ''}", flush=True)
                times[method].append((n, r["seconds"]))
            ours, umap = (dict(times.get(m) or []).get(n) for m in ("vdae", "umap"))
            if ours is not None and umap is not None:
                print(f"{'':>9} {n:>8} VDAE fit / UMAP fit = {ours / umap:.2f}", flush=True)
    print("\nfitted exponent b of seconds ∝ n^b (sizes ≥ 10k):")
    for method, pts in times.items():
        pts = [(n, s) for n, s in (pts or []) if n >= 10_000]
        if len(pts) >= 2:
            b = np.polyfit(np.log([p[0] for p in pts]), np.log([p[1] for p in pts]), 1)[0]
            print(f"  {method:>9}: b = {b:.2f} over n = {', '.join(str(p[0]) for p in pts)}")


# ------------------------------------------------------------------ throughputs
def best_of(fn, repeats: int = 3) -> float:
    fn()
    best = np.inf
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def matmul_peak() -> float:
    """Measured fp32 matmul GFLOP/s (4096² × 4096²)."""
    import torch

    a, b = torch.randn(4096, 4096), torch.randn(4096, 4096)
    return 2 * 4096**3 / best_of(lambda: a @ b, 5) / 1e9


def throughput() -> None:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from vdae import VDAE, BetaVAE, SpectralNet
    from vdae.datasets import make_torus
    from vdae.engine.loop import make_adam
    from vdae.models.vdae.objective import gaussian_kl_from_target_inverse, \
        target_inverse_factors
    from vdae.models.vdae.targets import PoolSearch
    from vdae.nn.likelihood import gaussian_nll
    from vdae.nn.local_step import LocalStep
    from vdae.nn import CovarianceNet, Decoder, SpectralNetModule, make_mlp, rayleigh_quotient_loss

    print(f"\nthreads: {torch.get_num_threads()}")
    X = make_torus(2000, random_state=0).X
    vdae = VDAE(epochs=20, encoder_epochs=20, random_state=0, verbose=0).fit(X)
    bvae = BetaVAE(n_components=3, beta=1.0, epochs=20, random_state=0, verbose=0).fit(X)
    s = best_of(lambda: vdae.sample(10_000, n_steps=10, random_state=0))
    print(f"VDAE   sampling: {10_000 / s:>10,.0f} samples/s "
          f"(10 000 chains × 10 steps in {s:.2f} s)")
    s = best_of(lambda: bvae.sample(10_000, random_state=0))
    print(f"β-VAE  sampling: {10_000 / s:>10,.0f} samples/s (one decoder pass)")

    try:
        from vdae.datasets import load_dataset

        Xm = load_dataset("mnist").X[:10_000]
    except FileNotFoundError:
        Xm = load_dataset("embedded", n_samples=10_000, ambient_dim=784, random_state=0).X
    sn = SpectralNet(10, n_neighbors=K, epochs=2, random_state=0, verbose=0).fit(Xm)
    Y = np.concatenate([Xm] * 20)
    s = best_of(lambda: sn.transform(Y), 2)
    print(f"SpectralNet out-of-sample: {len(Y) / s:>10,.0f} points/s (784 → 10; datafold and "
          f"UMAP: see oos_per_s at n = 70000 above)")

    peak = matmul_peak()
    print(f"\nfp32 matmul peak (4096³): {peak:.0f} GFLOP/s")
    m, D, B = Xm.shape[1], 10, 256
    dec, cov = Decoder(D, m, (256, 256, 256)), CovarianceNet(D, (128, 128))
    local = LocalStep(dec, cov)
    Z = torch.randn(10_000, D)
    Lp_inv, logdet_p = target_inverse_factors(torch.eye(D).expand(10_000, D, D).contiguous())
    Xt = torch.as_tensor(Xm)
    opt = make_adam(list(local.parameters()), 1e-3)
    search = PoolSearch(Z)

    def vdae_step():  # the operations of training.train_local_elbo's step
        idx = torch.randint(10_000, (B,))
        z = Z[idx]
        L, z_new, x_hat = local(z, torch.randn(z.shape))
        j = search(z_new.detach(), idx)
        loss = gaussian_nll(dec.standardize(Xt[j]), x_hat, 1.0, reduction="mean") \
            + gaussian_kl_from_target_inverse(L, Lp_inv[idx], logdet_p[idx]).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    net = SpectralNetModule(make_mlp(m, (256, 256, 256), D, "relu"), m, D)
    opt2 = make_adam(list(net.parameters()), 1e-3)

    def spectral_step():
        xb = Xt[torch.randint(10_000, (1024,))]
        g = net.raw(xb)
        loss = rayleigh_quotient_loss(g[:512], g[512:])
        opt2.zero_grad()
        loss.backward()
        opt2.step()

    for name, step, rows in (("VDAE (784-D images, D=10, batch 256)", vdae_step, B),
                             ("SpectralNet (784→256³→10, 512 pairs)", spectral_step, 1024)):
        with FlopCounterMode(display=False) as fc:
            step()
        flops = fc.get_total_flops()
        s = best_of(lambda: [step() for _ in range(50)], 2) / 50
        print(f"{name}: {rows / s:>9,.0f} samples/s, {flops / s / 1e9:6.1f} GFLOP/s "
              f"= {100 * flops / s / 1e9 / peak:4.1f}% of peak ({flops / 1e6:.0f} MFLOP/step)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    ap.add_argument("--datafold-python", help="python of a venv with datafold==2.0.2")
    ap.add_argument("--umap-python", help="python of a venv with umap-learn")
    ap.add_argument("--timeout", type=int, default=1200, help="seconds per case (default 1200)")
    ap.add_argument("--peer-max-n", type=int, default=300_000,
                    help="largest n given to the peers (default 300000: UMAP takes 5-7 min there)")
    ap.add_argument("--skip-sweep", action="store_true", help="throughputs only")
    ap.add_argument("--case", nargs=2, metavar=("METHOD", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_ours(args.case[0], int(args.case[1]))))
        return
    for flag in ("datafold_python", "umap_python"):
        path = getattr(args, flag)
        if path and not os.access(path, os.X_OK):
            ap.error(f"--{flag.replace('_', '-')}: {path} is not an executable")
    if not args.skip_sweep:
        sweep(args)
    throughput()


if __name__ == "__main__":
    main()
