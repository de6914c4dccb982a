"""The declared benchmark table: which data, which methods, with which settings (paper Table 1).

Everything the Table 1 harness varies lives here, in one place:

- :data:`DATASETS` — per data set, the training subsample, the held-out reference used for
  evaluation and the baselines' latent dimension;
- :data:`SETTINGS` — the constructor parameters of every (data set, method) cell for the full
  run, and :data:`QUICK_SETTINGS` — the per-method overrides of ``--quick`` (a smoke test);
- :data:`PAPER_GW`, :data:`PAPER_BILIP` — the published values of Table 1 (reference data);
- :func:`load_split` — training rows and held-out rows of a data set for one seed;
- :func:`make_model`, :func:`latent_pairs` — build a model; latent points and their images.

Image data sets (a ``DataSpec.image_shape``, the loader's ``Dataset.image_shape``) give every
method that shape as its ``image_shape`` parameter, so all four — the VDAE included — use the
same convolutional architecture there (DCGAN/WGAN-GP style, :mod:`vdae.nn.conv`: the paper's
"same architecture for all methods"); point clouds keep the MLPs.

Latent dimensions (the paper fixes only two): the rotating bulldog uses a 2-D latent space
"for all methods" and COIL-20 a 10-D one "for all comparisons" (Sect. 6.1), the VDAE included;
elsewhere the VDAE chooses D automatically and the baselines use the documented choice of
:data:`DATASETS` (``latent_dim``; the S-VAE's latent sphere is S^{d-1} ⊂ R^d).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

__all__ = [
    "DataSpec", "DATASETS", "METHODS", "METHOD_LABELS", "SETTINGS", "QUICK_SETTINGS",
    "QUICK_DATASETS", "PAPER_GW", "PAPER_BILIP", "PAPER_CITATION", "cell_settings",
    "load_split", "make_model", "latent_pairs", "draw_samples", "SAMPLING", "cell_sampling",
]

Reference = Literal["fresh", "disjoint", "holdout", "test_split", "render", "training"]


@dataclass(frozen=True)
class DataSpec:
    """How one data set enters Table 1.

    Attributes
    ----------
    name : str
        Row key (the records' ``dataset``); also the name for :func:`vdae.datasets.load_dataset`
        unless ``source`` is given.
    label : str
        Row label of the tables.
    latent_dim : int
        Latent dimension of the WGAN and β-VAE; the S-VAE's sphere lives in R^latent_dim.
    n_train, quick_n_train : int or None
        Training rows (None: every row not held out) in the full and the quick run.
    n_eval : int
        Held-out reference rows the samples are compared with (at most; see ``reference``).
    reference : {"fresh", "disjoint", "holdout", "test_split", "render", "training"}
        fresh: a new draw of the generator; disjoint: rows of the data set not used for
        training; holdout: a random 20 % of the data, removed from training; test_split: the
        MNIST test images; render: stand-in frames rendered at new angles; training: the
        training rows themselves (the paper's protocol, which a memoriser wins: see
        ``coil20_paper``).
    note : str
        One line for the table's notes.
    source : str or None
        Name for :func:`vdae.datasets.load_dataset` when it differs from ``name`` (two rows of
        one data set under two protocols).
    image_shape : tuple of int or None
        The loader's ``Dataset.image_shape`` (None: not images), checked by :func:`load_split`;
        every method of the row gets it as its ``image_shape`` parameter (see :data:`SETTINGS`).
    features : str or None
        The feature network of :func:`vdae.metrics.image_quality` that scores the row's images
        (FD, KID, precision / recall / density / coverage in its feature space); None: no such
        network (point clouds, the rendered stand-in, and the COIL-20 rows: the library's
        COIL-20 network reads the processed 32 × 32 images, these rows the unprocessed
        128 × 128 ones).
    """

    name: str
    label: str
    latent_dim: int
    n_train: int | None
    quick_n_train: int | None
    n_eval: int
    reference: Reference
    note: str
    source: str | None = None
    image_shape: tuple[int, ...] | None = None
    features: str | None = None

    @property
    def dataset(self) -> str:
        """The :func:`vdae.datasets.load_dataset` name."""
        return self.source or self.name


DATASETS: dict[str, DataSpec] = {s.name: s for s in (
    DataSpec("circle", "Circle", 2, 2000, 800, 1000, "fresh",
             "2000 uniform points on the unit circle; reference: 1000 fresh points"),
    DataSpec("torus", "Torus", 3, 2000, 800, 1000, "fresh",
             "2000 uniform points on a torus in R^3; reference: 1000 fresh points"),
    DataSpec("bunny", "Bunny", 3, 2000, 800, 1000, "disjoint",
             "2000 of the 35 947 bunny vertices; reference: 1000 other vertices"),
    DataSpec("bulldog_standin", "Bulldog (stand-in)", 2, None, None, 200, "render",
             "SYNTHETIC STAND-IN for the unavailable bulldog video: 200 rendered frames "
             "(100x80x3); reference: 200 frames rendered at the half-step angles",
             image_shape=(100, 80, 3)),
    DataSpec("frey", "Frey", 5, None, None, 393, "holdout",
             "Frey faces (28x20): 80 % train (1572), 20 % held out (393)",
             image_shape=(28, 20), features="frey"),
    DataSpec("mnist", "MNIST", 10, 10000, 2000, 1000, "test_split",
             "MNIST: 10 000 training images subsampled; reference: 1000 test images",
             image_shape=(28, 28), features="mnist"),
    DataSpec("coil20", "COIL-20", 10, None, None, 72, "holdout",
             "COIL-20 unprocessed (5 objects x 72 poses, 128x128): 80 % train, 20 % held out "
             "(72; GW then compares 72-point subsets)", image_shape=(128, 128)),
    DataSpec("coil20_paper", "COIL-20 (paper's protocol)", 10, None, None, 360, "training",
             "COIL-20 under the paper's protocol: all 360 images train, and the samples are "
             "compared with those same images (GW: 360-point subsets); a memoriser reads 0 here, "
             "so this row rewards reproducing the training images, not generalising",
             source="coil20", image_shape=(128, 128)),
)}

METHODS: tuple[str, ...] = ("wgan", "beta_vae", "svae", "vdae")  # the paper's column order
METHOD_LABELS = {"wgan": "WGAN", "beta_vae": "β-VAE", "svae": "SVAE", "vdae": "VDAE"}
QUICK_DATASETS: tuple[str, ...] = ("circle", "bunny", "frey", "mnist")  # ≈ 3 min on 2 cores


def _latent(d: int) -> dict[str, Any]:
    return {"n_components": d}


#: Per-cell training budgets of the full run. Point clouds train with every model's defaults.
#: The image sets cap passes (and, for the two 100–300-row sets with 16 384–24 000 features,
#: use batches of 64) so that one cell costs ≈ 1–3 CPU-minutes on a 2-core machine, and the
#: β-VAE's cross-validation grid shrinks to three values around 1 (each value is one more
#: fit). Every method of a row gets the same kind of budget; the report prints the seconds
#: each cell took. (Those costs were measured with MLPs; the image rows' convolutional networks
#: cost more per step on a CPU — one β-VAE step, one thread: MNIST 28×28 batch 256 ≈ 0.6 s
#: against 0.04 s, COIL-20 128×128 batch 64 ≈ 3.5 s against 1 s — and are meant for a GPU.)
_IMAGES_SMALL = {"batch_size": 64}
_IMAGE_BETAS = {"beta_grid": (0.1, 1.0, 4.0)}
#: WGAN-GP on the point clouds: λ = 0.1, the gradient-penalty weight of Gulrajani et al.'s
#: released code for low-dimensional toy data (λ = 10, their image value, collapses the circle:
#: see :class:`vdae.models.WGANGP`).
_POINT_CLOUD_GAN = {"wgan": {"gradient_penalty": 0.1}}
_BUDGET: dict[str, dict[str, dict[str, Any]]] = {
    "circle": _POINT_CLOUD_GAN, "torus": _POINT_CLOUD_GAN, "bunny": _POINT_CLOUD_GAN,
    "frey": {"beta_vae": _IMAGE_BETAS},
    "mnist": {"wgan": {"epochs": 100}, "beta_vae": {"epochs": 30, **_IMAGE_BETAS},
              "svae": {"epochs": 30}, "vdae": {"epochs": 60}},
    **{d: {"wgan": {"epochs": 60, **_IMAGES_SMALL},
           "beta_vae": {"epochs": 100, **_IMAGES_SMALL, **_IMAGE_BETAS},
           "svae": {"epochs": 100, **_IMAGES_SMALL},
           "vdae": {"epochs": 100, "encoder_epochs": 100, **_IMAGES_SMALL}}
       for d in ("bulldog_standin", "coil20", "coil20_paper")},
}


def _images(dataset: str) -> dict[str, Any]:
    """``image_shape`` for every method of an image data set (the same architecture for all)."""
    shape = DATASETS[dataset].image_shape
    return {} if shape is None else {"image_shape": shape}


def _row(*latents: dict[str, Any], dataset: str) -> dict[str, dict[str, Any]]:
    return {m: {**lat, **_images(dataset), **_BUDGET.get(dataset, {}).get(m, {})}
            for m, lat in zip(METHODS, latents)}


#: Full-run constructor parameters, one row per data set, one column per method (paper order).
#: ``random_state`` and ``verbose`` are added per run. VDAE ``{}``: automatic D. Image rows give
#: every method the data set's ``image_shape`` (convolutional networks, default channels).
SETTINGS: dict[str, dict[str, dict[str, Any]]] = {
    #                   wgan        beta_vae (β by CV)  svae      vdae
    "circle": _row(_latent(2), _latent(2), _latent(2), {}, dataset="circle"),
    "torus": _row(_latent(3), _latent(3), _latent(3), {}, dataset="torus"),
    "bunny": _row(_latent(3), _latent(3), _latent(3), {}, dataset="bunny"),
    "bulldog_standin": _row(_latent(2), _latent(2), _latent(2), _latent(2),
                            dataset="bulldog_standin"),
    "frey": _row(_latent(5), _latent(5), _latent(5), {}, dataset="frey"),
    "mnist": _row(_latent(10), _latent(10), _latent(10), {}, dataset="mnist"),
    "coil20": _row(_latent(10), _latent(10), _latent(10), _latent(10), dataset="coil20"),
    "coil20_paper": _row(_latent(10), _latent(10), _latent(10), _latent(10),
                         dataset="coil20_paper"),
}

#: Sampling options per (data set, method), keyword arguments of ``sample`` (none: defaults).
#: The VDAE samples every row with its Metropolis-adjusted latent walk
#: (:mod:`vdae.models.vdae.metropolis`, the default of ``VDAE.sample``; declared here so that
#: the records say so). On images the
#: decoder's output is a conditional mean over neighbouring images — a blurred image whose
#: re-encoding lies nearer the centre of the embedding — so Algorithm 2's decode → re-encode
#: loop contracts (MNIST, seed 1: latent standard deviation 0.97 → 0.68 and GW ×1000 13 → 249
#: from 1 to 10 steps). On the point clouds both walks read alike after 10 steps, but the
#: paper's walk drifts with more (GW 1.1–2.3× higher after 100 steps on circle, torus, bunny).
SAMPLING: dict[str, dict[str, dict[str, Any]]] = {
    d: {"vdae": {"chain": "metropolis"}} for d in DATASETS}


def cell_sampling(dataset: str, method: str) -> dict[str, Any]:
    """Keyword arguments of ``sample`` for one cell (a copy; empty for the defaults)."""
    return dict(SAMPLING.get(dataset, {}).get(method, {}))


#: ``--quick`` overrides per method (short training; β chosen from two values).
QUICK_SETTINGS: dict[str, dict[str, Any]] = {
    "wgan": {"epochs": 60, "critic_learning_rate": 3e-4},
    "beta_vae": {"epochs": 40, "beta_grid": (0.1, 1.0)},
    "svae": {"epochs": 40},
    "vdae": {"epochs": 40, "encoder_epochs": 40},
}

#: The published values of Table 1 of Li, Lindenbaum, Cheng, Cloninger, "Variational Diffusion
#: Autoencoders with Random Walk Sampling", ECCV 2020 — reference data, not our results.
PAPER_CITATION = ("Li, Lindenbaum, Cheng, Cloninger, Variational Diffusion Autoencoders with "
                  "Random Walk Sampling, ECCV 2020, Table 1")
_PAPER_GW_ROWS = {  # mean (std) of GW ×1000; columns WGAN, β-VAE, SVAE, VDAE
    "circle": ((14.9, 6.8), (46.1, 9.7), (7.9, 2.2), (2.6, 1.3)),
    "torus": ((6.4, 1.9), (11.7, 1.6), (23.4, 2.8), (4.9, 0.5)),
    "bunny": ((11.4, 3.9), (32.8, 5.9), (14.3, 5.5), (2.9, 1.1)),
    "bulldog_standin": ((117.3, 8.4), (61.3, 9.7), (53.9, 7.6), (15.3, 1.7)),  # the real video
    "frey": ((18.1, 2.9), (19.8, 4.6), (13.4, 3.6), (9.7, 3.3)),
    "mnist": ((3.6, 0.9), (10.2, 3.3), (15.2, 4.9), (14.4, 3.5)),
    "coil20": ((16.5, 2.4), (23.8, 5.9), (32.1, 4.9), (11.8, 2.1)),
}
_PAPER_GW_ROWS["coil20_paper"] = _PAPER_GW_ROWS["coil20"]  # the paper's protocol (Sect. 6)
_PAPER_BILIP_ROWS = {  # median local bi-Lipschitz constant; columns WGAN, β-VAE, SVAE, VDAE
    "circle": (4.6, 3.7, 3.6, 3.1),
    "torus": (3.3, 7.9, 9.5, 4.8),
    "bunny": (5.6, 34.4, 35.6, 5.5),
    "bulldog_standin": (17.4, 7.6, 12.9, 6.8),
    "frey": (37.0, 33.3, 39.4, 29.7),
    "mnist": (1.9, 1.6, 6.7, 8.4),
    "coil20": (4.7, 3.8, 8.4, 3.1),
}
_PAPER_BILIP_ROWS["coil20_paper"] = _PAPER_BILIP_ROWS["coil20"]
#: Table 1 (left): mean (std) over 5 runs of GW ×1000, per data set and method.
PAPER_GW: dict[str, dict[str, tuple[float, float]]] = {
    d: dict(zip(METHODS, row)) for d, row in _PAPER_GW_ROWS.items()}
#: Table 1 (right): median local bi-Lipschitz constant, per data set and method.
PAPER_BILIP: dict[str, dict[str, float]] = {
    d: dict(zip(METHODS, row)) for d, row in _PAPER_BILIP_ROWS.items()}


def cell_settings(dataset: str, method: str, *, quick: bool = False,
                  overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Constructor parameters of one cell (without ``random_state``/``verbose``).

    Parameters
    ----------
    dataset, method : str
        Keys of :data:`DATASETS` and :data:`METHODS`.
    quick : bool
        Apply :data:`QUICK_SETTINGS`.
    overrides : dict or None
        Applied last (e.g. tiny epochs in tests).

    Returns
    -------
    dict
    """
    if dataset not in SETTINGS:
        raise ValueError(f"unknown data set {dataset!r}; known: {', '.join(SETTINGS)}")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; known: {', '.join(METHODS)}")
    params = dict(SETTINGS[dataset][method])
    if quick:
        params.update(QUICK_SETTINGS[method])
    params.update(overrides or {})
    return params


def make_model(method: str, params: dict[str, Any], seed: int, verbose: int = 0):
    """A fresh, unfitted model of ``method`` with ``params``, ``random_state=seed``."""
    from vdae.models import VDAE, BetaVAE, HypersphericalVAE, WGANGP

    cls = {"vdae": VDAE, "wgan": WGANGP, "beta_vae": BetaVAE, "svae": HypersphericalVAE}[method]
    return cls(**params, random_state=seed, verbose=verbose)


# ----------------------------------------------------------------------------- data splits
def _split_rows(n: int, n_eval: int, n_train: int | None,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    perm = rng.permutation(n)
    ev, rest = perm[:n_eval], perm[n_eval:]
    tr = rest if n_train is None else rest[: min(n_train, rest.size)]
    return np.sort(tr), np.sort(ev)


def load_split(spec: DataSpec, seed: int, *, quick: bool = False, n_train: int | None = None,
               n_eval: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Training rows and held-out reference rows of a data set for one seed.

    The same seed gives the same split for every method (paired comparisons).

    Parameters
    ----------
    spec : DataSpec
    seed : int
    quick : bool
        Use ``spec.quick_n_train``.
    n_train, n_eval : int or None
        Override the spec's sizes (tests).

    Returns
    -------
    X_train : ndarray of shape (n_train, m), float32
    X_eval : ndarray of shape (n_eval, m), float32

    Raises
    ------
    FileNotFoundError
        When a real data set is not in the data folder.
    ValueError
        When the loaded data set's ``image_shape`` is not the spec's.
    """
    n_tr = n_train if n_train is not None else (spec.quick_n_train if quick else spec.n_train)
    n_ev = n_eval if n_eval is not None else spec.n_eval
    rng = np.random.default_rng([seed, 20200823])
    if spec.reference == "fresh":
        tr = _rows(spec, n_samples=n_tr, random_state=rng)
        return tr, _rows(spec, n_samples=n_ev, random_state=rng)
    if spec.reference == "test_split":
        tr = _rows(spec, split="train", n_samples=n_tr, random_state=rng)
        return tr, _rows(spec, split="test", n_samples=n_ev, random_state=rng)
    if spec.reference == "render":
        X = _rows(spec)
        fresh = _rows(spec, n_frames=2 * X.shape[0])[1::2]  # half-step angles
        return _subsample_rows(X, n_tr, rng), _subsample_rows(fresh, n_ev, rng)
    if spec.reference == "training":  # the paper's protocol: the reference is the training set
        tr = _training_rows(spec, n_tr, rng)
        return tr, tr
    X = _rows(spec)  # "disjoint" and "holdout": split the rows
    tr, ev = _split_rows(X.shape[0], min(n_ev, X.shape[0] // 2), n_tr, rng)
    return X[tr], X[ev]


def _rows(spec: DataSpec, **kwargs: Any) -> np.ndarray:
    """``load_dataset(spec.dataset, **kwargs).X``, after checking that the data set's
    ``image_shape`` is the one the spec declares (and its models are given)."""
    from vdae.datasets import load_dataset

    data = load_dataset(spec.dataset, **kwargs)
    if data.image_shape != spec.image_shape:
        raise ValueError(f"data set {spec.dataset!r} has image_shape {data.image_shape}, but "
                         f"its DataSpec {spec.name!r} declares {spec.image_shape}.")
    return data.X


def _training_rows(spec: DataSpec, n: int | None, rng: np.random.Generator) -> np.ndarray:
    """``n`` rows (None: all, or a generator's default count) of a data set, seeded by ``rng``:
    a generated set is drawn with it, a stored one subsampled with it."""
    import inspect

    from vdae.datasets._registry import _DATASETS

    if "random_state" in inspect.signature(_DATASETS[spec.dataset]).parameters:
        return _rows(spec, random_state=rng, **({} if n is None else {"n_samples": n}))
    return _subsample_rows(_rows(spec), n, rng)


def _subsample_rows(X: np.ndarray, n: int | None, rng: np.random.Generator) -> np.ndarray:
    """min(n, len(X)) distinct rows of X in their original order (None: all of X)."""
    return X if n is None else X[np.sort(rng.choice(len(X), min(n, len(X)), replace=False))]


# ------------------------------------------------------------------ sampling and latents
def draw_samples(model, n: int, seed: int, **options: Any) -> np.ndarray:
    """``n`` generated points by the model's own ``sample``; ``options`` are the cell's declared
    sampling keywords (:data:`SAMPLING`; the VDAE's walk takes its default 10 steps).

    Returns
    -------
    ndarray of shape (n, n_features)
    """
    return model.sample(n, random_state=seed, **options)


def latent_pairs(model, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Distinct latent points Z and their images f(Z), for the bi-Lipschitz measure and the
    latent-space figures: Z from the model's own :meth:`latent_sample` (a VAE or GAN: its
    prior; the VDAE: ψ of its random-walk seeds), f = ``inverse_transform``. Repeated draws
    (the VDAE draws seeds with replacement once n exceeds them) are dropped, first kept.

    Returns
    -------
    Z : ndarray of shape (n', d)
    X : ndarray of shape (n', n_features), n' ≤ n (fewer only when draws repeat)
    """
    Z = model.latent_sample(n, random_state=rng)
    _, first = np.unique(Z, axis=0, return_index=True)
    Z = Z[np.sort(first)]
    return Z, model.inverse_transform(Z)
