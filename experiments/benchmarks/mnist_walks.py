"""Do the VDAE's walks on MNIST move to new digits of the seed's class? (issue 18, item 3)

Measured 2026-12-03 on the 2-core CPU machine, with models fitted by this script's default fit
(``VDAE(random_state=0, verbose=0, epochs=60)`` on 10 000 training images: automatic D = 13,
114 s) and by ``--params '{"epochs": 60, "n_components": 64}'`` (163 s), each saved and then
read with ``--model``; 300 test images as seeds::

    == mlp60
    D = 13; classifier test accuracy 0.939; 10th same-class distance 6.09
    reconstructions: MSE 0.0297, class kept 0.86
    sampler                            accept  move 1→5  /ref class@5 class@10
    Metropolis, local steps              0.11      0.00  0.00    0.85     0.85
    Metropolis, local steps s=0.5        0.41      0.95  0.16    0.86     0.85
    Metropolis, jumps k=10               0.49      2.64  0.43    0.83     0.82
    Metropolis, half jumps k=10          0.31      1.98  0.33    0.85     0.83
    Algorithm 2 (the paper's walk)        nan      3.34  0.55    0.71     0.67
    == mlpD64
    D = 64; classifier test accuracy 0.939; 10th same-class distance 6.09
    reconstructions: MSE 0.0255, class kept 0.92
    sampler                            accept  move 1→5  /ref class@5 class@10
    Metropolis, local steps              0.00      0.00  0.00    0.92     0.92
    Metropolis, local steps s=0.5        0.01      0.00  0.00    0.91     0.91
    Metropolis, jumps k=10               0.37      1.81  0.30    0.89     0.88
    Metropolis, half jumps k=10          0.16      0.00  0.00    0.91     0.89
    Algorithm 2 (the paper's walk)        nan      3.16  0.52    0.85     0.84

Reading: local Metropolis steps of one kernel's size are almost always rejected in 13–64
diffusion coordinates (a chain's decoded state does not change), kernel jumps are accepted
37–49% of the time and move 0.3–0.43 of the reference distance; the issue's targets (≥ 0.5,
≥ 90% of classes kept) are not met yet. Class retention is capped by the decoder and the
encoder: the reconstructions themselves keep the class of 86% (D = 13) and 92% (D = 64) of
the seeds, so more diffusion coordinates help most. (Decoded images are conditional means,
so distances between them understate how much the underlying state moved.)

For each sampler: the acceptance rate, the median pixel distance between a chain's first and
fifth decoded states (as a fraction of the median distance of a test image to its 10th
nearest same-class training image; the issue asks for ≥ 0.5) and the share of chains whose
state a digit classifier gives the seed's class at steps 5 and 10 (the issue asks ≥ 0.9).
A reference line reports the same classifier on the decoder's reconstructions ψ_θ⁻¹(ψ(x)):
no walk can keep the class more often than the decoder does.

    python experiments/benchmarks/mnist_walks.py [--model FILE] [--params JSON]

--model loads a saved VDAE (fitted on the same 10 000 training images) instead of fitting one.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from sklearn.neighbors import NearestNeighbors

from vdae import VDAE
from vdae._torch import to_tensor
from vdae.datasets import load_mnist
from vdae.metrics import train_digit_classifier
from vdae.models.vdae.metropolis import metropolis_walk

SAMPLERS = {
    "Metropolis, local steps": dict(),
    "Metropolis, local steps s=0.5": dict(scale=0.5),
    "Metropolis, jumps k=10": dict(jump_kernels=10, jump_probability=1.0),
    "Metropolis, half jumps k=10": dict(jump_kernels=10, jump_probability=0.5),
}


def same_class_reference(X, y, Xt, yt) -> float:
    """Median distance of a test image to its 10th nearest training image of its class."""
    dist = []
    for c in np.unique(y):
        nn = NearestNeighbors(n_neighbors=10).fit(X[y == c])
        dist.append(nn.kneighbors(Xt[yt == c])[0][:, 9])
    return float(np.median(np.concatenate(dist)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a saved VDAE to load instead of fitting")
    parser.add_argument("--params", default='{"epochs": 60}', help="VDAE parameters (JSON)")
    parser.add_argument("--seeds", type=int, default=300, help="test images used as seeds")
    args = parser.parse_args()
    tr, te = load_mnist("train", 10000, random_state=0), load_mnist("test", 1000, random_state=0)
    X, y, Xt, yt = tr.X, tr.y, te.X, te.y
    if args.model:
        model = VDAE.load(args.model)
    else:
        start = time.perf_counter()
        model = VDAE(random_state=0, verbose=0, **json.loads(args.params)).fit(X)
        print(f"fit: {time.perf_counter() - start:.0f} s")
    clf = train_digit_classifier(X, y, random_state=0)
    ref = same_class_reference(X, y, Xt, yt)
    seeds, labels = Xt[: args.seeds], yt[: args.seeds]
    rec = model.inverse_transform(model.transform(seeds))
    print(f"D = {model.n_components_}; classifier test accuracy {clf.score(Xt, yt):.3f}; "
          f"10th same-class distance {ref:.2f}")
    print(f"reconstructions: MSE {np.mean((rec - seeds) ** 2):.4f}, class kept "
          f"{np.mean(clf.predict(rec) == labels):.2f}")
    print(f"{'sampler':34s} {'accept':>6s} {'move 1→5':>9s} {'/ref':>5s} {'class@5':>7s} "
          f"{'class@10':>8s}")

    def row(name: str, traj: np.ndarray, rate: float) -> None:
        move = float(np.median(np.linalg.norm(traj[5] - traj[1], axis=-1)))
        keep = [float(np.mean(clf.predict(traj[t]) == labels)) for t in (5, 10)]
        print(f"{name:34s} {rate:6.2f} {move:9.2f} {move / ref:5.2f} {keep[0]:7.2f} {keep[1]:8.2f}")

    z0 = to_tensor(model.transform(seeds), model.device_)
    for name, opts in SAMPLERS.items():
        with torch.no_grad():
            states, rate = metropolis_walk(z0, model.covariance_, model.latent_density_, 10,
                                           torch.Generator().manual_seed(1), **opts)
            traj = np.stack([seeds] + [model.decoder_(z).cpu().numpy() for z in states[1:]])
        row(name, traj, rate)
    row("Algorithm 2 (the paper's walk)", model.random_walk(seeds, 10, random_state=1),
        float("nan"))


if __name__ == "__main__":
    main()
