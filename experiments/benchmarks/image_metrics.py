"""Image metrics in a classifier's feature space: the floor and two degraded sets (issue 18, item 4).

Trains (or reads from the cache, ``$VDAE_CACHE`` or ~/.cache/vdae) the data set's feature
network, then scores against the held-out real images:

- real: n training images (what a perfect generator scores: the metrics' floor),
- blurred: the same training images under a 3 x 3 box filter,
- noise: n images of uniform random pixels in [0, 1],

with FD, KID (100 subsets of 1000) and PRDC (k = 5) in the 128-d penultimate features.

    python experiments/benchmarks/image_metrics.py [--dataset mnist] [--n 10000] [--retrain]

Measured results are in the header of the commit that last changed this file's numbers; see
the report printed by the script.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from scipy.ndimage import uniform_filter

from vdae.datasets import load_coil20, load_frey, load_mnist
from vdae.metrics import frechet_distance, kid, prdc, pretrained_features


def real_sets(dataset: str, n: int) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """(reference images, 'generated' real images, image shape) for a data set."""
    if dataset == "mnist":
        ref = load_mnist("test").X[:n]
        gen = load_mnist("train", n_samples=min(n, 60000), random_state=0).X
        return ref, gen, (28, 28)
    ds = load_coil20(processed=True, size=32) if dataset == "coil20" else load_frey()
    rng = np.random.default_rng(0)
    order = rng.permutation(ds.X.shape[0])
    half = ds.X.shape[0] // 2
    return ds.X[order[:half]], ds.X[order[half:]], ds.image_shape


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="mnist", choices=["mnist", "coil20", "frey"])
    parser.add_argument("--n", type=int, default=10000, help="images per set (MNIST)")
    parser.add_argument("--retrain", action="store_true", help="retrain the feature network")
    parser.add_argument("--threads", type=int, default=2, help="torch threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    start = time.perf_counter()
    ext = pretrained_features(args.dataset, retrain=args.retrain, verbose=1)
    info = ext.info_
    score = ("test accuracy", info.get("test_accuracy")) if "test_accuracy" in info else (
        "test MSE", info.get("test_mse"))
    print(f"{args.dataset} feature network: {score[0]} {score[1]:.4f} on {info['n_test']} "
          f"held-out images; trained on {info['n_train']} in {info['fit_time_s']:.1f} s "
          f"(this run: {time.perf_counter() - start:.1f} s to get it, "
          f"torch threads {torch.get_num_threads()})")

    ref, gen, shape = real_sets(args.dataset, args.n)
    blurred = uniform_filter(gen.reshape(-1, *shape), size=(1, 3, 3), mode="constant")
    noise = np.random.default_rng(1).uniform(size=gen.shape).astype(np.float32)
    sets = {"real (floor)": gen, "blurred 3x3": blurred.reshape(gen.shape), "noise": noise}

    t = time.perf_counter()
    F_ref = ext.transform(ref)
    print(f"features of {ref.shape[0]} images: {time.perf_counter() - t:.1f} s")
    print(f"{'generated set':14s} {'n':>6s} {'FD':>9s} {'KID':>9s} {'±':>7s} {'prec':>6s} "
          f"{'recall':>6s} {'dens':>6s} {'cover':>6s} {'time s':>7s}")
    for name, images in sets.items():
        t = time.perf_counter()
        F = ext.transform(images)
        fd = frechet_distance(F_ref, F)
        k = kid(F_ref, F, n_subsets=100, subset_size=1000, random_state=0)
        p = prdc(F_ref, F, n_neighbors=5)
        print(f"{name:14s} {F.shape[0]:6d} {fd:9.3f} {k.mean:9.5f} {k.std:7.5f} "
              f"{p.precision:6.3f} {p.recall:6.3f} {p.density:6.3f} {p.coverage:6.3f} "
              f"{time.perf_counter() - t:7.1f}")


if __name__ == "__main__":
    main()
