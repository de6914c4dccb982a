"""Do the VDAE's walks on MNIST move to new digits of the seed's class? (issue 18, item 3)

Measured 2026-12-07 on the 2-core CPU machine, states judged by the library's convolutional
MNIST network (``--judge lenet``, the default: :func:`vdae.metrics.pretrained_features`, 99.2%
test accuracy), 300 test images as seeds. ``python experiments/benchmarks/mnist_walks.py``
(default fit ``VDAE(random_state=0, verbose=0, epochs=60)`` on 10 000 training images:
automatic D = 20, 43 s) and ``--params '{"epochs": 60, "n_components": 64}'`` (99 s)::

    == default (D = 20)
    reconstructions: MSE 0.0292, class kept 0.89
    sampler                            accept  move 1→5  /ref class@5 class@10
    Metropolis, local steps              0.02      0.00  0.00    0.88     0.88
    Metropolis, local steps s=0.5        0.21      0.46  0.08    0.89     0.89
    Metropolis, jumps k=10               0.48      2.32  0.38    0.87     0.84
    Metropolis, half jumps k=10          0.22      1.90  0.31    0.88     0.86
    Algorithm 2 (the paper's walk)        nan      7.06  1.16    0.78     0.76
    == D = 64
    reconstructions: MSE 0.0269, class kept 0.90
    Metropolis, local steps              0.00      0.00  0.00    0.90     0.90
    Metropolis, local steps s=0.5        0.01      0.00  0.00    0.90     0.90
    Metropolis, jumps k=10               0.43      1.99  0.33    0.89     0.87
    Metropolis, half jumps k=10          0.20      0.00  0.00    0.89     0.87
    Algorithm 2 (the paper's walk)        nan      6.64  1.09    0.85     0.84

(The 10th same-class distance, the reference, is 6.09.) Reading: local Metropolis steps of one
kernel's size are almost always rejected in 20–64 diffusion coordinates (a chain's decoded
state does not change); kernel jumps are accepted 43–48% of the time and move 0.33–0.38 of
the reference distance; the issue's targets (≥ 0.5, ≥ 90% of classes kept) are not met.
Class retention is capped by the embedding before the decoder: for these 300 seeds the
nearest training point in diffusion coordinates has the seed's class for 87% of them (D = 20;
91.9% on 1000 test images, 93.8% with D = 80; pixel space: 91%), and the reconstructions keep
89–90%. A walk that moves between neighbouring training points' kernels inherits that
neighbourhood purity at every step. (With an MLP judge trained on the 10 000 images, 93.9%
test accuracy, the 2026-12-03 fit read the same pattern with class kept 0.83–0.86.)

For each sampler: the acceptance rate, the median pixel distance between a chain's first and
fifth decoded states (as a fraction of the median distance of a test image to its 10th
nearest same-class training image; the issue asks for ≥ 0.5) and the share of chains whose
state a digit classifier gives the seed's class at steps 5 and 10 (the issue asks ≥ 0.9).
A reference line reports the same classifier on the decoder's reconstructions ψ_θ⁻¹(ψ(x)):
no walk can keep the class more often than the decoder does.

    python experiments/benchmarks/mnist_walks.py [--model FILE] [--params JSON] [--save FILE]
        [--judge lenet|mlp] [--seeds 300]

--model loads a saved VDAE (fitted on the same 10 000 training images) instead of fitting one;
--save keeps the fitted one.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from vdae import VDAE
from vdae.datasets import load_mnist
from vdae.metrics import pretrained_features, same_class_distance, train_digit_classifier

#: (name, chain, keyword arguments of ``metropolis_walk`` or None for Algorithm 2)
SAMPLERS = (
    ("Metropolis, local steps", {}),
    ("Metropolis, jumps k=10 (half)", {"jump_kernels": 10}),
    ("Algorithm 2 (the paper's walk)", None),
)


def walk(model, seeds: np.ndarray, opts: dict | None, noise: bool) -> tuple[np.ndarray, float]:
    """10 steps of one sampler from each seed: the trajectory (11, n, 784) and the acceptance
    rate (NaN for Algorithm 2); the same chain for ``noise`` True and False."""
    if opts is None:
        return model.random_walk(seeds, 10, random_state=1, noise=noise), float("nan")
    return model.metropolis_walk(seeds, 10, random_state=1, noise=noise, **opts)


def one_fit(model, clf, seeds: np.ndarray, labels: np.ndarray, ref: float) -> dict:
    """Reconstruction and per-sampler figures of one fitted model (printed and returned)."""
    rec = model.inverse_transform(model.transform(seeds))
    out = {"D": int(model.n_components_), "mse": float(np.mean((rec - seeds) ** 2)),
           "recon_class": float(np.mean(clf.predict(rec) == labels))}
    print(f"D = {out['D']}; reconstructions: MSE {out['mse']:.4f}, class kept "
          f"{out['recon_class']:.2f}")
    print(f"{'sampler':32s} {'accept':>6s} {'move means':>10s} {'move draws':>10s} "
          f"{'class@5':>7s} {'class@10':>8s}")
    for name, opts in SAMPLERS:
        draws, rate = walk(model, seeds, opts, True)
        means, _ = walk(model, seeds, opts, False)
        moved = [float(np.median(np.linalg.norm(w[5] - w[1], axis=-1))) / ref
                 for w in (means, draws)]
        keep = [float(np.mean(clf.predict(draws[t]) == labels)) for t in (5, 10)]
        out[name] = {"accept": rate, "move_means": moved[0], "move_draws": moved[1],
                     "class5": keep[0], "class10": keep[1]}
        print(f"{name:32s} {rate:6.2f} {moved[0]:10.2f} {moved[1]:10.2f} {keep[0]:7.2f} "
              f"{keep[1]:8.2f}", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a saved VDAE to load instead of fitting (one seed)")
    parser.add_argument("--params", default="{}", help="VDAE parameters (JSON)")
    parser.add_argument("--fit-seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4],
                        help="random_state of each fit; seed s also draws its test seeds")
    parser.add_argument("--seeds", type=int, default=300, help="test images used as seeds")
    parser.add_argument("--judge", choices=["mlp", "lenet"], default="lenet",
                        help="classifier of the states: the library's convolutional MNIST "
                             "network (pretrained_features, 99.2%% test accuracy; trained and "
                             "cached on first use) or an MLP trained on the training images")
    parser.add_argument("--save", help="save the (last) fitted VDAE to this file")
    parser.add_argument("--n-train", type=int, default=10000,
                        help="training images (of MNIST's 60 000) the VDAE is fitted to")
    args = parser.parse_args()
    tr = load_mnist("train", args.n_train, random_state=0)
    te = load_mnist("test", 1000, random_state=0)
    X, y, Xt, yt = tr.X, tr.y, te.X, te.y
    clf = (pretrained_features("mnist", verbose=0) if args.judge == "lenet"
           else train_digit_classifier(X, y, random_state=0))
    print(f"classifier test accuracy {clf.score(Xt, yt):.3f}")
    results = []
    for s in ([0] if args.model else args.fit_seeds):
        rows = np.random.default_rng(s).choice(len(Xt), args.seeds, replace=False)
        seeds, labels = Xt[rows], yt[rows]
        ref = same_class_distance(X, y, seeds, labels, n_neighbors=10)
        if args.model:
            model = VDAE.load(args.model)
        else:
            start = time.perf_counter()
            model = VDAE(random_state=s, verbose=0, **json.loads(args.params)).fit(X)
            print(f"== fit seed {s}: {time.perf_counter() - start:.0f} s; 10th same-class "
                  f"distance {ref:.2f}")
            if args.save:
                model.save(args.save)
        results.append(one_fit(model, clf, seeds, labels, ref))
    if len(results) > 1:
        print(f"== over {len(results)} fits: min (median) of class@5 and of the means' movement")
        for name, _ in SAMPLERS:
            c5 = np.array([r[name]["class5"] for r in results])
            mv = np.array([r[name]["move_means"] for r in results])
            print(f"{name:32s} class@5 {c5.min():.2f} ({np.median(c5):.2f})  move means "
                  f"{mv.min():.2f} ({np.median(mv):.2f})")


if __name__ == "__main__":
    main()
