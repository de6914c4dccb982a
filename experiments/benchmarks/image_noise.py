"""Images from the VDAE's output law p_θ(x | z) against the decoder's means (Frey faces).

Fits a default VDAE with the convolutional decoder on all 1965 Frey faces (or loads one with
``--model``), draws 980 samples with ``noise=True`` (the default: mean plus a nearby training
residual, :mod:`vdae.models.vdae.likelihood`) and with ``noise=False`` (the means), and scores
each against 980 of the faces in the Frey feature network's space (:func:`vdae.metrics.
image_quality`; FD, KID, precision/recall/density/coverage). The floor: the other 980 faces
scored the same way. Memorisation check: the median distance (pixels) from each generated
image to its nearest training face, over the same figure for the floor's faces (excluding
themselves); well below 1 would mean copies. Usage::

    python experiments/benchmarks/image_noise.py [--model frey.vdae] [--save frey.vdae]
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def _nearest_distance(A: np.ndarray, B: np.ndarray, exclude_self: bool = False) -> float:
    from sklearn.neighbors import NearestNeighbors

    d, _ = NearestNeighbors(n_neighbors=2 if exclude_self else 1).fit(B).kneighbors(A)
    return float(np.median(d[:, -1]))


def main() -> None:
    from vdae import VDAE
    from vdae.datasets import load_frey
    from vdae.metrics import image_quality

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="a fitted Frey VDAE to load instead of fitting")
    ap.add_argument("--save", help="write the fitted model here")
    args = ap.parse_args()
    data = load_frey()
    if args.model:
        model = VDAE.load(args.model)
    else:
        t = time.perf_counter()
        model = VDAE(image_shape=data.image_shape, random_state=0, verbose=0).fit(data.X)
        print(f"fit {time.perf_counter() - t:.0f} s, D = {model.n_components_}")
        if args.save:
            model.save(args.save)
    idx = np.random.default_rng(0).permutation(len(data.X))
    A, B = data.X[idx[:980]], data.X[idx[980:1960]]
    own = _nearest_distance(B, data.X, exclude_self=True)
    rows = [("floor: 980 other faces", B)] + [
        (f"noise={noise}", model.sample(980, random_state=1, noise=noise))
        for noise in (True, False)]
    print(f"{'set':>24} {'FD':>7} {'KID':>7} {'prec':>6} {'recall':>6} {'density':>7} "
          f"{'coverage':>8} {'nn ratio':>8}")
    for name, S in rows:
        q = image_quality(A, S, "frey", kid_subset_size=500, verbose=0)
        nn = _nearest_distance(S, data.X, exclude_self=S is B) / own
        print(f"{name:>24} {q['fd']:>7.3f} {q['kid']:>7.3f} {q['precision']:>6.3f} "
              f"{q['recall']:>6.3f} {q['density']:>7.3f} {q['coverage']:>8.3f} {nn:>8.2f}")


if __name__ == "__main__":
    main()
