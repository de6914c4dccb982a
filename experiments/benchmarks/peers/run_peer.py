"""Fit one peer (datafold's DiffusionMaps or umap-learn's UMAP) on a .npy file and print JSON.

Runs in the peer's own virtual environment (never the project's: datafold 2.0.2 pins numpy
< 1.27, scipy < 1.12 and scikit-learn ~1.2). Usage::

    PEER_PYTHON run_peer.py {datafold|umap} DATA.npy N_NEIGHBORS N_COMPONENTS [OOS.npy]

Prints {"seconds": fit seconds, "peak_gib": max RSS, "oos_per_s": out-of-sample points/s,
"decode_per_s": UMAP's ``inverse_transform`` of 200 training points' embeddings, points/s}.
"""

import json
import resource
import sys
import time

import numpy as np


def fit_datafold(X, k, D):
    import datafold.dynfold as dfold
    import datafold.pcfold as pfold
    from sklearn.neighbors import NearestNeighbors

    # one global bandwidth: the median squared distance to the k-th neighbour (of 2000 points)
    sub = X[np.random.default_rng(0).choice(len(X), min(2000, len(X)), replace=False)]
    dist, _ = NearestNeighbors(n_neighbors=k + 1).fit(X).kneighbors(sub)
    eps = float(np.median(dist[:, -1] ** 2))
    # a kNN distance object (datafold 2.0.2's dict route drops ``k`` for this backend)
    from datafold.pcfold.distance import SklearnKNN

    kernel = pfold.GaussianKernel(epsilon=eps, distance=SklearnKNN(metric="sqeuclidean", k=k + 1))
    return dfold.DiffusionMaps(kernel, n_eigenpairs=D + 1, alpha=1.0).fit(X)


def fit_umap(X, k, D):
    import umap

    return umap.UMAP(n_neighbors=k, n_components=D, random_state=None).fit(X)


def main() -> None:
    method, path, k, D = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    X = np.load(path).astype(np.float32)
    t = time.perf_counter()
    model = {"datafold": fit_datafold, "umap": fit_umap}[method](X, k, D)
    out = {"seconds": time.perf_counter() - t}
    if method == "umap":  # "embed and decode": UMAP's decoder from the embedding back to data
        codes = model.embedding_[np.random.default_rng(0).choice(len(X), 200, replace=False)]
        t = time.perf_counter()
        model.inverse_transform(codes)
        out["decode_per_s"] = len(codes) / (time.perf_counter() - t)
    if len(sys.argv) > 5:
        Y = np.load(sys.argv[5]).astype(np.float32)
        t = time.perf_counter()
        model.transform(Y)
        out["oos_per_s"] = len(Y) / (time.perf_counter() - t)
    out["peak_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(json.dumps(out))


if __name__ == "__main__":
    main()
