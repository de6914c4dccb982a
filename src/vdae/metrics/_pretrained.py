"""Feature extractors for the paper's image data sets, trained once and cached on disk.

The cache folder is ``$VDAE_CACHE`` (default ``~/.cache/vdae``). Each network is one file
``features-<dataset>-<hash>.safetensors``, the hash covering the architecture, the training
settings and the data split, so changing any of them trains a new network. Files are written
atomically (temporary file + rename) by :meth:`FeatureExtractor.save` and read with
safetensors only (never unpickled); an unreadable or foreign file is retrained over.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from ..exceptions import ModelFileError
from ._feature_extractor import FeatureExtractor
from ._feature_metrics import frechet_distance, kid, prdc

__all__ = ["CACHE_ENV_VAR", "feature_cache_dir", "pretrained_features", "image_features",
           "image_quality", "FEATURE_DATASETS"]

#: Environment variable naming the cache folder of trained feature networks.
CACHE_ENV_VAR = "VDAE_CACHE"
_FORMAT = 2  # bump to invalidate every cached network

Split = tuple[np.ndarray, "np.ndarray | None", np.ndarray, "np.ndarray | None"]


@dataclass(frozen=True)
class _Spec:
    """How one data set's feature network is trained: data split, image shape, settings."""

    load: Callable[[], Split]
    image_shape: tuple[int, ...]
    description: str
    settings: dict[str, Any] = field(default_factory=dict)


def _mnist() -> Split:
    from ..datasets import load_mnist

    tr, te = load_mnist("train"), load_mnist("test")
    return tr.X, tr.y, te.X, te.y


def _coil20() -> Split:
    from ..datasets import load_coil20

    ds = load_coil20(processed=True, size=32)
    test = np.arange(ds.X.shape[0]) % 4 == 2  # every 4th pose (20°) held out
    return ds.X[~test], ds.y[~test], ds.X[test], ds.y[test]


def _frey() -> Split:
    from ..datasets import load_frey

    X = load_frey().X
    test = np.arange(X.shape[0]) % 10 == 9  # every 10th frame held out
    return X[~test], None, X[test], None


#: The data sets :func:`pretrained_features` knows: name → how its network is trained.
FEATURE_DATASETS: dict[str, _Spec] = {
    "mnist": _Spec(_mnist, (28, 28), "MNIST: digit classifier on the 60 000 training images; "
                   "test = the 10 000 test images", {"epochs": 3}),
    "coil20": _Spec(_coil20, (32, 32), "COIL-20 processed, 32 x 32: object classifier (20 "
                    "labels) on 1080 images; test = poses 2, 6, ... (every 20 degrees, 360)",
                    {"epochs": 30, "batch_size": 64}),
    "frey": _Spec(_frey, (28, 20), "Frey faces: autoencoder (no labels) on 1769 frames; test "
                  "= every 10th frame (196)", {"epochs": 30, "batch_size": 64, "dropout": 0.0}),
}


def feature_cache_dir() -> Path:
    """Return the folder of the cached feature networks.

    Returns
    -------
    pathlib.Path
        ``$VDAE_CACHE`` if that variable is set and non-empty, else ``~/.cache/vdae`` (created
        when the first network is saved).

    Examples
    --------
    >>> import os
    >>> from vdae.metrics import feature_cache_dir
    >>> saved = os.environ.get("VDAE_CACHE")
    >>> os.environ["VDAE_CACHE"] = "/tmp/vdae-cache"
    >>> str(feature_cache_dir())
    '/tmp/vdae-cache'
    >>> _ = os.environ.pop("VDAE_CACHE") if saved is None else os.environ.update(VDAE_CACHE=saved)
    """
    env = os.environ.get(CACHE_ENV_VAR, "").strip()
    return Path(env).expanduser() if env else Path.home() / ".cache" / "vdae"


def _spec(name: str) -> _Spec:
    if not isinstance(name, str) or name not in FEATURE_DATASETS:
        raise ValueError(f"dataset must be one of {sorted(FEATURE_DATASETS)}; got {name!r}.")
    return FEATURE_DATASETS[name]


def _cache_key(name: str, spec: _Spec, settings: dict[str, Any]) -> str:
    doc = {"format": _FORMAT, "dataset": name, "data": spec.description, "settings": settings}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]


_LOADED: dict[tuple[str, str], FeatureExtractor] = {}


def pretrained_features(
    name: str = "mnist", *, cache_dir: str | os.PathLike | None = None, retrain: bool = False,
    verbose: int = 1, device: str | torch.device = "cpu",
) -> FeatureExtractor:
    """The feature network of a data set: read from the cache, or trained (and cached).

    Parameters
    ----------
    name : {"mnist", "coil20", "frey"}
        ``"mnist"``: digit classifier (28 × 28, 10 classes; 99.2 % test accuracy after 3
        epochs). ``"coil20"``: object classifier on the processed COIL-20 images resized to
        32 × 32 (20 classes). ``"frey"``: the Frey faces have no labels, so a convolutional
        autoencoder (28 × 20 → 128 → 28 × 20) is trained and its 128-unit bottleneck is the
        feature space.
    cache_dir : path-like or None
        Folder of the cached networks; None: :func:`feature_cache_dir`.
    retrain : bool, default=False
        Train (and overwrite the cache) even if a cached network exists.
    verbose : int, default=1
        0 silences the training progress bar and messages.
    device : str or torch.device, default="cpu"
        Torch device of the network ("cpu", "cuda", "cuda:1", or "auto").

    Returns
    -------
    FeatureExtractor
        Fitted; ``info_`` holds the data set, the cache key, the held-out score
        (``test_accuracy`` or ``test_mse``), the training set size and time (s).

    Raises
    ------
    FileNotFoundError
        When the network must be trained and the data set is not in the data folder.

    Examples
    --------
    >>> from vdae.metrics import pretrained_features
    >>> net = pretrained_features("mnist", verbose=0)  # doctest: +SKIP
    >>> net.n_features  # doctest: +SKIP
    128
    """
    spec = _spec(name)
    ext = FeatureExtractor(spec.image_shape, verbose=verbose, device=device, **spec.settings)
    key = _cache_key(name, spec, ext.settings())
    path = Path(cache_dir) if cache_dir is not None else feature_cache_dir()
    path = path / f"features-{name}-{key}.safetensors"
    memo = (str(path.resolve()), str(device))
    if not retrain and memo in _LOADED:
        return _LOADED[memo]
    if not retrain and path.is_file():
        try:
            loaded = FeatureExtractor.load(path, device=device, verbose=verbose)
            if loaded.info_.get("key") != key or loaded.info_.get("dataset") != name:
                raise ModelFileError(f"{path}: holds another network (key "
                                     f"{loaded.info_.get('key')!r}, expected {key!r}).")
            _LOADED[memo] = loaded
            return loaded
        except ModelFileError as exc:
            warnings.warn(f"pretrained_features: ignoring the cached network ({exc}); "
                          f"retraining.", RuntimeWarning, stacklevel=2)
    X_tr, y_tr, X_te, y_te = spec.load()
    ext.fit(X_tr, y_tr)
    score = ext.score(X_te, y_te)
    ext.info_ = {"dataset": name, "key": key, "description": spec.description,
                 "n_train": int(X_tr.shape[0]), "n_test": int(X_te.shape[0]),
                 "test_accuracy" if y_tr is not None else "test_mse": score,
                 "fit_time_s": round(ext.fit_time_, 2), "torch": torch.__version__}
    ext.save(path)
    if verbose:
        print(f"pretrained_features: trained the {name} network in {ext.fit_time_:.1f} s "
              f"(held-out {'accuracy' if y_tr is not None else 'MSE'} {score:.4f}); "
              f"cached as {path}")
    _LOADED[memo] = ext
    return ext


def image_features(
    X: Any, dataset: str = "mnist", *, extractor: FeatureExtractor | None = None,
    verbose: int = 1, device: str | torch.device = "cpu",
) -> np.ndarray:
    """Penultimate-layer features of images under a data set's feature network.

    Parameters
    ----------
    X : array-like of shape (n_samples, H·W·C)
        Images flattened row-major with values in [0, 1], shaped as the data set's images
        (784 for MNIST, 1024 for COIL-20 at 32 × 32, 560 for Frey).
    dataset : {"mnist", "coil20", "frey"}, default="mnist"
        Whose network (:func:`pretrained_features`); ignored when ``extractor`` is given.
    extractor : FeatureExtractor or None
        A fitted network to use instead.
    verbose : int, default=1
        0 silences the training progress bar and messages (when a network is trained).
    device : str or torch.device, default="cpu"
        Torch device of the network ("cpu", "cuda", "cuda:1", or "auto").

    Returns
    -------
    ndarray of shape (n_samples, 128), float64
        Non-negative activations (dimensionless).

    Examples
    --------
    >>> from vdae.datasets import load_mnist
    >>> from vdae.metrics import image_features
    >>> X = load_mnist("test", n_samples=100, random_state=0).X  # doctest: +SKIP
    >>> image_features(X, "mnist", verbose=0).shape  # doctest: +SKIP
    (100, 128)
    """
    ext = extractor if extractor is not None else pretrained_features(
        dataset, verbose=verbose, device=device)
    return ext.transform(X)


def image_quality(
    real_images: Any, generated_images: Any, dataset: str = "mnist", *,
    extractor: FeatureExtractor | None = None, n_neighbors: int = 5, kid_subsets: int = 100,
    kid_subset_size: int = 1000, random_state: int | np.random.Generator | None = 0,
    verbose: int = 1, device: str | torch.device = "cpu",
) -> dict[str, float]:
    """Fréchet distance, KID and precision / recall / density / coverage in feature space.

    Parameters
    ----------
    real_images : array-like of shape (n_real, H·W·C)
        Reference images in [0, 1] (e.g. held-out test images), flattened row-major.
    generated_images : array-like of shape (n_generated, H·W·C)
        The model's images, same layout.
    dataset : {"mnist", "coil20", "frey"}, default="mnist"
        Whose feature network (ignored when ``extractor`` is given).
    extractor : FeatureExtractor or None, default=None
        A fitted network to use instead of the data set's.
    n_neighbors : int, default=5
        Number k of neighbours of :func:`prdc`.
    kid_subsets : int, default=100
        Number of subsets of :func:`kid`.
    kid_subset_size : int, default=1000
        Rows per subset of :func:`kid`.
    random_state : int, Generator or None, default=0
        Seeds KID's subsets.
    verbose : int, default=1
        0 silences the training progress bar and messages (when a network is trained).
    device : str or torch.device, default="cpu"
        Torch device of the network ("cpu", "cuda", "cuda:1", or "auto").

    Returns
    -------
    dict of str → float
        ``fd`` (squared feature units), ``kid`` and ``kid_std`` (kernel units), and
        ``precision``, ``recall``, ``density``, ``coverage`` (fractions; density can
        exceed 1). Lower fd / kid and values near 1 of the others are better.

    Notes
    -----
    On MNIST (10 000 test vs 10 000 training images) the floors are about fd 3.0, kid 0.6,
    precision 0.94, recall 0.95, density 0.93, coverage 0.95 (see
    ``experiments/benchmarks/image_metrics.py``). Precision and density can stay high for
    images far from the data (uniform noise scores precision 1 on MNIST: its features fall in
    the large k-NN balls of ambiguous real digits), so read them with recall, coverage, fd
    and kid; fd is biased upwards for small samples, so compare values at equal sizes.

    Examples
    --------
    Two halves of the MNIST test set score near the floors above:

    >>> from vdae.datasets import load_mnist
    >>> from vdae.metrics import image_quality
    >>> X = load_mnist("test").X  # doctest: +SKIP
    >>> scores = image_quality(X[:5000], X[5000:], "mnist", verbose=0)  # doctest: +SKIP
    >>> sorted(scores)  # doctest: +SKIP
    ['coverage', 'density', 'fd', 'kid', 'kid_std', 'precision', 'recall']
    """
    ext = extractor if extractor is not None else pretrained_features(
        dataset, verbose=verbose, device=device)
    R = ext.transform(ext._check_X(real_images, "real_images"))
    G = ext.transform(ext._check_X(generated_images, "generated_images"))
    k = kid(R, G, n_subsets=kid_subsets, subset_size=kid_subset_size, random_state=random_state)
    p = prdc(R, G, n_neighbors=n_neighbors)
    return {"fd": frechet_distance(R, G), "kid": k.mean, "kid_std": k.std,
            "precision": p.precision, "recall": p.recall, "density": p.density,
            "coverage": p.coverage}
