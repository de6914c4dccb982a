"""Table 1 of the paper (and its Table A.2): train every method on every data set, evaluate.

Each (data set, method, seed) *cell* trains one model on the training rows of
:func:`experiments.registry.load_split`, draws samples (the VDAE by 10 random-walk steps from
data seeds), and scores them against held-out rows (one row, ``coil20_paper``, follows the
paper's protocol instead: the reference is the training set itself):

- ``gw`` — Gromov–Wasserstein ×1000, 1000 vs 1000 points (fewer when the reference is smaller),
  3 subsample repeats (:func:`vdae.metrics.gromov_wasserstein`), POT's single solver start as
  in the paper; ``gw_best`` — the same with :data:`GW_STARTS` solver starts, the lowest kept
  (the solver is non-convex: on the bunny one sample set reads 6.6 from POT's start and 1.5
  from the best of five);
- ``bilip_median`` / ``bilip_median_scale_free`` — median local bi-Lipschitz constant (k = 10)
  of the model's latent → data map (:func:`experiments.registry.latent_pairs`);
- ``mmd`` — Gaussian-kernel MMD² with the median bandwidth (unbiased), ``mmd_multiscale``;
- ``precision`` / ``recall`` — k-NN support estimates (k = 3);
- image rows with a feature network (:attr:`experiments.registry.DataSpec.features`: MNIST,
  Frey): ``fd`` (Fréchet distance), ``kid`` / ``kid_std`` and ``feature_precision``,
  ``feature_recall``, ``feature_density``, ``feature_coverage`` (k = 5), all in that network's
  feature space (:func:`vdae.metrics.image_quality`), where pixel distances no longer tell a
  sharp digit from a blurred one;
- ``seconds`` — fitting plus sampling wall time.

Beside the models, each (data set, seed) gets a *floor*: the training rows themselves scored as
if they were samples (``table1_floor.json``). No model can be expected to beat it by much: it is
what a perfect memoriser of the training set reads, and on the small image sets (COIL-20: 288
training and 72 reference images) it is far from zero and varies widely between splits.

Records are appended to ``table1.json`` as soon as a cell finishes (atomic rewrite), and cells
already there with the same configuration are skipped, so an interrupted run resumes.
``table1.md`` then gives mean (std) per cell next to the paper's published values.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import platform
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from experiments import registry
from experiments.registry import DATASETS, METHODS

__all__ = ["run_table1", "evaluate_model", "Table1Run", "read_records", "config_id",
           "git_commit", "versions"]

log = logging.getLogger(__name__)

N_GENERATED = 1000
N_GENERATED_QUICK = 500
N_BILIP = 1000
GW_STARTS = 4  # solver starts of ``gw_best``: POT's product coupling and 3 random matchings
REQUIRED_KEYS = ("dataset", "method", "seed", "gw", "bilip_median", "mmd", "precision", "recall",
                 "seconds", "settings", "versions")


@dataclass
class Table1Run:
    """What :func:`run_table1` did.

    Attributes
    ----------
    json_path, md_path : Path
    records : list of dict
        The records of the requested cells (new and resumed).
    n_new, n_skipped : int
        Cells computed now / found already done.
    unavailable : dict of str to str
        Data sets skipped because their files are missing, with the reason.
    failed : list of dict
        Records of cells whose training or evaluation raised.
    missing : list of (dataset, method, seed)
        Cells not in ``table1.json`` when only reporting (``report_only``).
    floors : list of dict
        The floor records (:func:`data_floor`) of the requested data sets and seeds.
    """

    json_path: Path
    md_path: Path
    records: list[dict] = field(default_factory=list)
    n_new: int = 0
    n_skipped: int = 0
    unavailable: dict[str, str] = field(default_factory=dict)
    failed: list[dict] = field(default_factory=list)
    missing: list[tuple[str, str, int]] = field(default_factory=list)
    floors: list[dict] = field(default_factory=list)


# ------------------------------------------------------------------------- provenance
def git_commit(cwd: str | Path | None = None) -> str:
    """``git rev-parse HEAD`` of the source tree (``+dirty`` when it has changes), or
    ``"unknown"`` outside a repository."""
    cwd = Path(cwd) if cwd is not None else Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True,
                              text=True, timeout=20, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd,
                               capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def versions() -> dict[str, str]:
    """Versions of vdae and the numerical stack, and the platform."""
    import ot
    import scipy
    import sklearn
    import torch

    from vdae import __version__

    return {"vdae": __version__, "torch": torch.__version__, "numpy": np.__version__,
            "scipy": scipy.__version__, "sklearn": sklearn.__version__, "pot": ot.__version__,
            "python": platform.python_version(), "platform": platform.platform(),
            "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"}


def config_id(config: dict[str, Any]) -> str:
    """A short stable hash of a cell's configuration (settings and data sizes)."""
    blob = json.dumps(config, sort_keys=True, default=str).encode()
    return hashlib.sha1(blob).hexdigest()[:12]


# ----------------------------------------------------------------------------- records
def read_records(path: str | Path) -> list[dict]:
    """The records of a ``table1.json`` (an empty list when the file does not exist)."""
    path = Path(path)
    if not path.exists():
        return []
    records = json.loads(path.read_text())
    if not isinstance(records, list):
        raise ValueError(f"{path}: expected a JSON list of records")
    return records


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def _append_record(path: Path, record: dict) -> None:
    """Add one record to the JSON list at ``path`` (write to a temporary file, then rename)."""
    records = read_records(path)
    records.append(_json_safe(record))
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(records, indent=1))
    os.replace(tmp, path)


# -------------------------------------------------------------------------- evaluation
#: Keys that :func:`image_scores` adds to a record, in the order of the report's columns.
IMAGE_KEYS = ("fd", "kid", "kid_std", "feature_precision", "feature_recall", "feature_density",
              "feature_coverage")


def image_scores(S: np.ndarray, X_eval: np.ndarray, features: str | None, *,
                 seed: int = 0) -> dict[str, float]:
    """Image metrics of samples ``S`` against ``X_eval`` in a feature network's space.

    Parameters
    ----------
    S : ndarray of shape (n_generated, m)
        Generated images, flattened, in [0, 1].
    X_eval : ndarray of shape (n_eval, m)
        Reference images.
    features : str or None
        A :func:`vdae.metrics.pretrained_features` name (its network is trained and cached on
        first use); None: no image metrics (an empty dict).
    seed : int
        Seeds KID's subsets: 100 of min(1000, ⌊min(n_eval, n_generated) / 2⌋) rows each (half
        the smaller set, so that the subsets differ).

    Returns
    -------
    dict
        :data:`IMAGE_KEYS`: ``fd`` (squared feature units), ``kid``, ``kid_std``, and the
        feature-space precision / recall / density / coverage (k = 5).
    """
    if features is None:
        return {}
    from vdae.metrics import image_quality

    q = image_quality(X_eval, S, features,
                      kid_subset_size=max(2, min(1000, min(len(X_eval), len(S)) // 2)),
                      random_state=seed, verbose=0)
    return {"fd": q["fd"], "kid": q["kid"], "kid_std": q["kid_std"],
            **{f"feature_{k}": q[k] for k in ("precision", "recall", "density", "coverage")}}


def evaluate_model(model, method: str, X_eval: np.ndarray, *,
                   n_generated: int = N_GENERATED, seed: int = 0,
                   sampling: dict[str, Any] | None = None,
                   features: str | None = None,
                   image_shape: tuple[int, ...] | None = None) -> dict[str, Any]:
    """Table-1 metrics of a fitted model against held-out data.

    Parameters
    ----------
    model : fitted generative model of ``method``
    method : str
        One of :data:`experiments.registry.METHODS`.
    X_eval : ndarray of shape (n_eval, m)
        Held-out reference rows.
    n_generated : int
        Samples drawn.
    seed : int
    sampling : dict or None
        Extra keyword arguments of the model's ``sample`` (e.g. the VDAE's ``chain``).
    features : str or None
        The image rows' feature network (:func:`image_scores`); None: none.
    image_shape : tuple of int or None
        The shape of one image: the result then also holds ``mosaic``, the first
        :data:`N_MOSAIC` samples tiled into one uint8 image (:func:`sample_mosaic`).

    Returns
    -------
    dict
        gw, gw_best, bilip_median, bilip_median_scale_free, mmd, mmd_multiscale, precision,
        recall, sample_seconds, eval_seconds, n_generated; with ``features``, also
        :data:`IMAGE_KEYS`; with ``image_shape``, ``mosaic``.
    """
    from vdae.demo import evaluate_samples
    from vdae.metrics import median_bilipschitz, mmd2, mmd2_multiscale

    t0 = time.perf_counter()
    S = registry.draw_samples(model, n_generated, seed, **(sampling or {}))
    t1 = time.perf_counter()
    # gw and gw_best (1000 vs 1000, 3 repeats), precision, recall
    out = evaluate_samples(S, X_eval, seed=seed, gw_starts=GW_STARTS)
    Z, XZ = registry.latent_pairs(model, N_BILIP, np.random.default_rng(seed))
    out.update(
        bilip_median=median_bilipschitz(Z, XZ, n_neighbors=10),
        bilip_median_scale_free=median_bilipschitz(Z, XZ, n_neighbors=10, scale_free=True),
        mmd=mmd2(X_eval, S, random_state=seed),
        mmd_multiscale=mmd2_multiscale(X_eval, S, random_state=seed),
        n_generated=int(len(S)), sample_seconds=t1 - t0,
        **image_scores(S, X_eval, features, seed=seed))
    out["eval_seconds"] = time.perf_counter() - t1
    if image_shape is not None:
        out["mosaic"] = sample_mosaic(S, image_shape)
    return out


N_MOSAIC = 64  # samples kept per image cell, as an 8 × 8 mosaic


def sample_mosaic(S: np.ndarray, image_shape: tuple[int, ...], n: int = N_MOSAIC,
                  pad: int = 1) -> np.ndarray:
    """The first ``n`` rows of ``S`` (flattened images in [0, 1]) tiled ⌈√n⌉ per row, ``pad``
    white pixels apart (:func:`experiments.figures.tile_images`; empty cells white): a uint8
    array of shape (rows·(h+pad)−pad, cols·(w+pad)−pad[, c])."""
    from experiments.figures import tile_images

    k = min(n, len(S))
    cols = max(1, math.ceil(math.sqrt(k)))
    rows = max(1, math.ceil(k / cols))
    grid = np.ones((rows * cols, S.shape[1]))
    grid[:k] = S[:k]
    return np.round(255 * tile_images(grid.reshape(rows, cols, -1), image_shape, pad)
                    ).astype(np.uint8)


def write_mosaic(mosaic: np.ndarray, path: Path) -> Path:
    """Write a :func:`sample_mosaic` array as an RGB PNG (grey mosaics as three equal
    channels, pixel for pixel), creating the folder; the file appears whole or not at all."""
    import matplotlib.image

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.png")
    rgb = np.repeat(mosaic[..., None], 3, axis=-1) if mosaic.ndim == 2 else mosaic
    matplotlib.image.imsave(tmp, rgb)
    os.replace(tmp, path)
    return path


def _run_cell(dataset: str, method: str, seed: int, split: tuple[np.ndarray, np.ndarray],
              params: dict, n_generated: int, sampling: dict[str, Any]) -> dict[str, Any]:
    X_train, X_eval = split
    t0 = time.perf_counter()
    model = registry.make_model(method, params, seed).fit(X_train)
    fit_s = time.perf_counter() - t0
    spec = DATASETS[dataset]
    metrics = evaluate_model(model, method, X_eval, n_generated=n_generated, seed=seed,
                             sampling=sampling, features=spec.features,
                             image_shape=spec.image_shape)
    extra = model.fit_report()  # latent_dim, and what fit chose (the β-VAE's β)
    return {**metrics, **extra, "fit_seconds": fit_s,
            "seconds": fit_s + metrics["sample_seconds"]}


def data_floor(X_train: np.ndarray, X_eval: np.ndarray, *, n_generated: int = N_GENERATED,
               seed: int = 0, features: str | None = None) -> dict[str, Any]:
    """The Table-1 metrics of the training rows themselves against the reference rows.

    Parameters
    ----------
    X_train : ndarray of shape (n_train, m)
        Training rows; ``min(n_generated, n_train)`` of them, drawn without replacement, stand in
        for the samples.
    X_eval : ndarray of shape (n_eval, m)
        Held-out reference rows.
    n_generated : int
    seed : int
    features : str or None
        The image rows' feature network (:func:`image_scores`); None: none.

    Returns
    -------
    dict
        gw, gw_best, precision, recall, mmd (as in :func:`evaluate_model`) and n_generated;
        with ``features``, also :data:`IMAGE_KEYS`.
    """
    from vdae.demo import evaluate_samples
    from vdae.metrics import mmd2

    rng = np.random.default_rng([seed, 7])
    S = X_train[np.sort(rng.choice(len(X_train), min(n_generated, len(X_train)), replace=False))]
    out = evaluate_samples(S, X_eval, seed=seed, gw_starts=GW_STARTS)
    out.update(mmd=mmd2(X_eval, S, random_state=seed), n_generated=int(len(S)),
               **image_scores(S, X_eval, features, seed=seed))
    return out


def _floor_task(dataset: str, seed: int, cfg: dict[str, Any]) -> dict[str, Any]:
    X_train, X_eval = _split(dataset, seed, cfg["quick"], cfg["n_train"], cfg["n_eval"])
    return data_floor(X_train, X_eval, n_generated=cfg["n_generated"], seed=seed,
                      features=cfg.get("features"))


def _floors(run: "Table1Run", path: Path, datasets: Sequence[str], seed_list: Sequence[int],
            config: dict[str, Any], common: dict[str, Any], jobs: int = 1) -> None:
    """Compute the floors missing from ``path`` (no training; ``jobs`` worker processes) into
    ``run.floors``; data sets whose files are missing are left out."""
    done = {(r["dataset"], r["seed"], r.get("config_id")): r for r in read_records(path)}
    todo = []
    for d in datasets:
        cfg = {**config, "reference": DATASETS[d].reference, **_feature_config(d)}
        cid = config_id(cfg)
        for s in seed_list:
            if (d, s, cid) in done:
                run.floors.append(done[(d, s, cid)])
            else:
                todo.append((d, s, cid, cfg))

    def finish(d, s, cid, cfg, result: dict) -> None:
        record = {"dataset": d, "seed": s, "config_id": cid, **cfg, **common, **result}
        _append_record(path, record)
        run.floors.append(_json_safe(record))

    if jobs == 1 or len(todo) <= 1:
        results = ((t, lambda t=t: _floor_task(t[0], t[1], t[3])) for t in todo)
        _finish_floors(results, finish)
        return
    with _worker_pool(jobs) as pool:
        futures = [(t, pool.submit(_floor_task, t[0], t[1], t[3])) for t in todo]
        _finish_floors(((t, fut.result) for t, fut in futures), finish)


def _finish_floors(results, finish) -> None:
    """``finish`` each (task, get_result) pair; data sets whose files are missing are skipped
    (they are reported with their cells)."""
    for (d, s, cid, cfg), get in results:
        try:
            finish(d, s, cid, cfg, get())
        except FileNotFoundError:
            continue


# ----------------------------------------------------------------------------- driver
def _feature_config(dataset: str) -> dict[str, str]:
    """``{"features": name}`` for a row scored in a feature space, else empty, so that the
    configuration ids of the other rows' cells and floors stay what they were."""
    name = DATASETS[dataset].features
    return {} if name is None else {"features": name}


def _cells(datasets: Sequence[str], methods: Sequence[str], seeds: Sequence[int]):
    for d in datasets:
        for s in seeds:
            for m in methods:
                yield d, m, s


def _check_names(datasets: Sequence[str], methods: Sequence[str]) -> None:
    bad = [d for d in datasets if d not in DATASETS] + [m for m in methods if m not in METHODS]
    if bad:
        raise ValueError(f"unknown data set or method: {', '.join(bad)} (data sets: "
                         f"{', '.join(DATASETS)}; methods: {', '.join(METHODS)})")


def _worker_init(threads: int) -> None:
    """A worker process of a parallel run: ``threads`` torch and BLAS threads."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(threads)
    threadpool_limits(limits=threads)


_SPLIT_CACHE: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}


def _split(dataset: str, seed: int, quick: bool, n_train: int | None,
           n_eval: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The split of a data set for one seed; the last one is cached (cells of one data set and
    seed are consecutive)."""
    key = (dataset, seed, quick, n_train, n_eval)
    if key not in _SPLIT_CACHE:
        _SPLIT_CACHE.clear()
        _SPLIT_CACHE[key] = registry.load_split(DATASETS[dataset], seed, quick=quick,
                                                n_train=n_train, n_eval=n_eval)
    return _SPLIT_CACHE[key]


def _compute_cell(dataset: str, method: str, seed: int, params: dict, sampling: dict[str, Any],
                  n_gen: int, quick: bool, n_train: int | None,
                  n_eval: int | None) -> dict[str, Any]:
    """Train and evaluate one cell: its sizes and metrics (raises FileNotFoundError when the
    data set is missing, any other exception when training or evaluation fails)."""
    X_train, X_eval = _split(dataset, seed, quick, n_train, n_eval)
    return {"n_train": int(len(X_train)), "n_eval": int(len(X_eval)),
            **_run_cell(dataset, method, seed, (X_train, X_eval), params, n_gen, sampling)}


def run_table1(
    out_dir: str | Path = "results",
    *,
    datasets: Sequence[str] | None = None,
    methods: Sequence[str] | None = None,
    seeds: int | Sequence[int] | None = None,
    quick: bool = False,
    n_train: int | None = None,
    n_eval: int | None = None,
    n_generated: int | None = None,
    overrides: dict[str, dict[str, Any]] | None = None,
    command: str | None = None,
    progress: bool = False,
    report_only: bool = False,
    jobs: int = 1,
) -> Table1Run:
    """Run (or resume) the Table 1 benchmark and write ``table1.json`` and ``table1.md``.

    Parameters
    ----------
    out_dir : path
        Output folder.
    datasets, methods : sequence of str or None
        Subsets of :data:`~experiments.registry.DATASETS` / ``METHODS``; None: all (quick:
        :data:`~experiments.registry.QUICK_DATASETS`).
    seeds : int, sequence of int or None
        Number of seeds (0..seeds−1) or the seeds themselves; None: 5 (quick: 1).
    quick : bool
        Short training (:data:`~experiments.registry.QUICK_SETTINGS`), smaller data, 500 samples.
    n_train, n_eval, n_generated : int or None
        Override the data and sample sizes (tests).
    overrides : dict of method → dict, or None
        Extra constructor parameters per method (tests).
    command : str or None
        The command line, for the report header.
    progress : bool
        A tqdm bar over cells (stderr).
    report_only : bool
        Train nothing: rewrite ``table1.md`` from the finished cells of ``table1.json`` (cells
        not yet run are listed in the notes), e.g. after merging the files of runs that
        shared the work.
    jobs : int ≥ 1
        Cells trained at once, each in its own worker process with one CPU thread (the small
        models of the table use a core far better one per process than several threads on
        one model). Records are appended in the order cells finish; the results of a cell do
        not depend on ``jobs`` beyond the thread count's rounding (see the README's notes on
        determinism).

    Returns
    -------
    Table1Run
    """
    from tqdm.auto import tqdm

    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be an integer >= 1; got {jobs!r}.")
    datasets = list(datasets or (registry.QUICK_DATASETS if quick else DATASETS))
    methods = list(methods or METHODS)
    _check_names(datasets, methods)
    methods = [m for m in METHODS if m in methods]  # the paper's column order
    seeds = (1 if quick else 5) if seeds is None else seeds
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    run = Table1Run(out / "table1.json", out / "table1.md")
    done = {(r["dataset"], r["method"], r["seed"], r.get("config_id")): r
            for r in read_records(run.json_path) if r.get("status", "ok") == "ok"}
    n_gen = n_generated or (N_GENERATED_QUICK if quick else N_GENERATED)
    common = {"versions": versions(), "git_commit": git_commit(), "quick": quick}

    def report() -> None:
        write_table1_markdown(run, datasets, methods, command=command,
                              commit=common["git_commit"], quick=quick)

    _floors(run, out / "table1_floor.json", datasets, seed_list,
            {"n_train": n_train, "n_eval": n_eval, "quick": quick, "n_generated": n_gen}, common,
            jobs=jobs)

    pending = []
    for dataset, method, seed in _cells(datasets, methods, seed_list):
        params = registry.cell_settings(dataset, method, quick=quick,
                                        overrides=(overrides or {}).get(method))
        spec = DATASETS[dataset]
        config = {"settings": params, "n_train": n_train, "n_eval": n_eval, "quick": quick,
                  "n_generated": n_gen, "reference": spec.reference, **_feature_config(dataset)}
        sampling = registry.cell_sampling(dataset, method)
        if sampling:  # only then: cells with default sampling keep their ids
            config["sampling"] = sampling
        key = (dataset, method, seed, config_id(config))
        if key in done:
            run.records.append(done[key])
            run.n_skipped += 1
        elif report_only:
            run.missing.append((dataset, method, seed))
        else:
            pending.append((key, params, config))

    def finish(key, config, result: dict | None, exc: BaseException | None) -> None:
        dataset, method, seed, cid = key
        if isinstance(exc, FileNotFoundError):
            log.warning("skipping %s: %s", dataset, exc)
            run.unavailable[dataset] = str(exc)
            return
        record = {"dataset": dataset, "method": method, "seed": seed, "config_id": cid,
                  **config, "note": DATASETS[dataset].note, **common}
        if exc is None:
            mosaic = result.pop("mosaic", None)
            if mosaic is not None:  # the cell's first samples, for the image figures
                png = write_mosaic(mosaic, out / "samples" / f"{dataset}-{method}-seed{seed}.png")
                record["samples_png"] = str(png.relative_to(out))
            record.update(result, status="ok")
        else:  # a failed cell is recorded and retried on the next run
            log.warning("cell %s/%s/seed %d failed: %s", dataset, method, seed, exc)
            record.update(status="failed", error=f"{type(exc).__name__}: {exc}")
            run.failed.append(record)
        record["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        _append_record(run.json_path, record)
        run.n_new += 1
        if record["status"] == "ok":
            run.records.append(record)
            report()

    bar = tqdm(total=len(pending), desc="table1 cells", disable=not progress)
    if jobs == 1:
        for key, params, config in pending:
            if key[0] not in run.unavailable:
                try:
                    finish(key, config, _compute_cell(*key[:3], params,
                                                      config.get("sampling", {}), n_gen, quick,
                                                      n_train, n_eval), None)
                except Exception as exc:
                    finish(key, config, None, exc)
            bar.update()
    else:
        _run_parallel(pending, jobs, finish, bar, (n_gen, quick, n_train, n_eval))
    bar.close()
    report()
    return run


def _worker_pool(jobs: int):
    """``jobs`` spawned worker processes with one CPU thread each."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_worker_init, initargs=(1,))


def _run_parallel(pending, jobs: int, finish, bar, args: tuple) -> None:
    """Cells in ``jobs`` worker processes (:func:`_worker_pool`); ``finish`` per result."""
    from concurrent.futures import as_completed

    with _worker_pool(jobs) as pool:
        futures = {pool.submit(_compute_cell, *key[:3], params, config.get("sampling", {}),
                               *args): (key, config)
                   for key, params, config in pending}
        for fut in as_completed(futures):
            key, config = futures[fut]
            try:
                finish(key, config, fut.result(), None)
            except Exception as exc:
                finish(key, config, None, exc)
            bar.update()


# ---------------------------------------------------------------------------- markdown
def _values(records: list[dict], dataset: str, method: str, key: str) -> np.ndarray:
    vals = [r.get(key) for r in records if r["dataset"] == dataset and r["method"] == method]
    return np.array([np.nan if v is None else float(v) for v in vals], dtype=np.float64)


def _mean_std(v: np.ndarray, digits: int = 1) -> str:
    v = v[~np.isnan(v)]
    if v.size == 0:
        return "–"
    if v.size == 1:
        return f"{v[0]:.{digits}f}"
    return f"{v.mean():.{digits}f} ({v.std(ddof=1):.{digits}f})"


def _best(values: dict[str, float]) -> set[str]:
    finite = {k: v for k, v in values.items() if v is not None and math.isfinite(v)}
    if not finite:
        return set()
    low = min(finite.values())
    return {k for k, v in finite.items() if v == low}


def _bold(text: str, on: bool) -> str:
    return f"**{text}**" if on and text != "–" else text


def _comparison_table(records, datasets, methods, key, paper, agg, fmt,
                      floor=None) -> list[str]:
    """Rows "ours | paper" per method (just ours when ``paper`` is None); the lowest of ours and
    of the paper's in bold. ``floor(d)``: text of an extra "training rows" column (not
    competing for bold)."""
    with_paper = paper is not None
    head = " | ".join(f"{registry.METHOD_LABELS[m]}" + (" | paper" if with_paper else "")
                      for m in methods)
    extra = " training rows |" if floor is not None else ""
    lines = [f"| data | {head} |{extra} runs (min–max over methods) |",
             "|---" * ((1 + with_paper) * len(methods) + 2 + (floor is not None)) + "|"]
    for d in datasets:
        ours = {m: _values(records, d, m, key) for m in methods}
        ours_agg = {m: agg(v) if (~np.isnan(v)).any() else None for m, v in ours.items()}
        ref = (paper or {}).get(d, {})
        ref_val = {m: (ref[m][0] if isinstance(ref.get(m), tuple) else ref.get(m)) for m in methods}
        b_ours, b_ref = _best(ours_agg), _best(ref_val)
        cells = []
        for m in methods:
            cells.append(_bold(fmt(ours[m]), m in b_ours))
            if with_paper:
                r = ref.get(m)
                r_txt = "–" if r is None else (f"{r[0]} ({r[1]})" if isinstance(r, tuple)
                                               else f"{r}")
                cells.append(_bold(r_txt, m in b_ref))
        if floor is not None:
            cells.append(floor(d))
        counts = [int((~np.isnan(v)).sum()) for v in ours.values()] or [0]
        n = f"{min(counts)}" if min(counts) == max(counts) else f"{min(counts)}–{max(counts)}"
        lines.append(f"| {DATASETS[d].label} | " + " | ".join(cells) + f" | {n} |")
    return lines


def _plain_table(records, datasets, methods, fmt, floor=None) -> list[str]:
    """One column per method; ``floor(d)`` adds a "training rows" column."""
    head = " | ".join(registry.METHOD_LABELS[m] for m in methods)
    extra = " training rows |" if floor is not None else ""
    lines = [f"| data | {head} |{extra}", "|---" * (len(methods) + 1 + (floor is not None)) + "|"]
    for d in datasets:
        tail = f" {floor(d)} |" if floor is not None else ""
        lines.append(f"| {DATASETS[d].label} | " + " | ".join(fmt(d, m) for m in methods)
                     + " |" + tail)
    return lines


def _means_text(values: list[np.ndarray]) -> str:
    """The values' means over seeds joined by " / " (e.g. precision / recall), "–" when there
    are none."""
    if not len(values[0]) or np.isnan(values[0]).all():
        return "–"
    return " / ".join(f"{np.nanmean(v):.2f}" for v in values)


_PRDC_KEYS = ("feature_precision", "feature_recall", "feature_density", "feature_coverage")


def _image_sections(recs: list[dict], floors: list[dict], datasets: Sequence[str],
                    methods: Sequence[str]) -> list[str]:
    """The report's feature-space tables, for the rows of ``datasets`` that have a feature
    network (none: no section)."""
    rows = [d for d in datasets if DATASETS[d].features is not None]
    if not rows:
        return []

    def floor(fmt):  # fmt(get) with get(key): that key's floor values of the row
        return (lambda d: fmt(lambda key: _floor_values(floors, d, key))) if floors else None

    def mean(v: np.ndarray) -> float:
        return float(np.nanmean(v))
    nets = ", ".join(f"{DATASETS[d].label}: `{DATASETS[d].features}`" for d in rows)
    return [
        "## Image quality in a feature space (image rows; mean (std) over seeds)", "",
        "Each image row is scored in the feature space of a small convolutional network the "
        f"library trains once per data set and caches (`vdae.metrics.pretrained_features`; {nets}),"
        " against the same reference images as above: FD (Fréchet distance, squared feature "
        "units) and KID (100 subsets), lower is better; precision / recall / density / "
        "coverage (Naeem et al. 2020, k = 5), higher is better, read together (precision and "
        "density stay high for blurred images; recall and coverage do not). Cells computed "
        "before these columns existed: –.", "",
        "FD:", "",
        *_comparison_table(recs, rows, methods, "fd", None, mean, _mean_std,
                           floor(lambda get: _mean_std(get("fd")))), "",
        "KID:", "",
        *_comparison_table(recs, rows, methods, "kid", None, mean, lambda v: _mean_std(v, 2),
                           floor(lambda get: _mean_std(get("kid"), 2))), "",
        "Precision / recall / density / coverage in the feature space:", "",
        *_plain_table(recs, rows, methods, lambda d, m: _means_text(
            [_values(recs, d, m, k) for k in _PRDC_KEYS]),
            floor=floor(lambda get: _means_text([get(k) for k in _PRDC_KEYS]))), "",
    ]


def _floor_values(floors: list[dict], dataset: str, key: str) -> np.ndarray:
    vals = [r.get(key) for r in floors if r["dataset"] == dataset]
    return np.array([np.nan if v is None else float(v) for v in vals], dtype=np.float64)


def _median_text(v: np.ndarray) -> str:
    v = v[~np.isnan(v)]
    return "–" if v.size == 0 else f"{np.median(v):.2f}"


def _nanmedian(v: np.ndarray) -> float:
    v = v[~np.isnan(v)]
    return float(np.median(v)) if v.size else math.nan


def _record_commits(records: list[dict], commit: str) -> str:
    """"" or "; cells computed at commits a (n), b (m)" when records come from other commits."""
    counts: dict[str, int] = {}
    for r in records:
        counts[r.get("git_commit", "?")] = counts.get(r.get("git_commit", "?"), 0) + 1
    if set(counts) <= {commit}:
        return ""
    return "; cells computed at commits " + ", ".join(f"`{c}` ({n})" for c, n in counts.items())


def _notes(run: Table1Run, records: list[dict], datasets: Sequence[str]) -> list[str]:
    lines = ["## Data, references and settings", ""]
    for d in datasets:
        rs = [r for r in records if r["dataset"] == d]
        if d in run.unavailable:
            lines.append(f"- **{DATASETS[d].label}**: SKIPPED, data missing ({run.unavailable[d]})")
            continue
        dims = sorted({(r["method"], r.get("latent_dim")) for r in rs})
        sizes = sorted({(r["n_train"], r["n_eval"]) for r in rs})
        sampling = sorted({(r["method"], json.dumps(r["sampling"], sort_keys=True))
                           for r in rs if r.get("sampling")})
        lines.append(f"- **{DATASETS[d].label}**: full run: {DATASETS[d].note}. Rows used in "
                     f"this table (train, reference): {sizes}; latent D: "
                     + ", ".join(f"{registry.METHOD_LABELS[m]} {k}" for m, k in dims) + "."
                     + "".join(f" {registry.METHOD_LABELS[m]} sampled with {o}."
                               for m, o in sampling))
    for r in run.failed:
        lines.append(f"- FAILED {r['dataset']}/{r['method']}/seed {r['seed']}: {r['error']}")
    if run.missing:
        lines.append(f"- NOT RUN ({len(run.missing)} cells): " + ", ".join(
            f"{d}/{m}/seed {s}" for d, m, s in run.missing))
    return lines + [""]


def write_table1_markdown(run: Table1Run, datasets: Sequence[str], methods: Sequence[str], *,
                          command: str | None, commit: str, quick: bool) -> Path:
    """Write ``table1.md`` from ``run.records`` (paper values from the registry alongside).

    A ``table1_provenance.md`` beside it (free text: how runs that shared the work were
    launched and merged) is copied into the header, so it survives regenerating the table.
    """
    recs = run.records
    prov_path = run.md_path.with_name("table1_provenance.md")
    provenance = prov_path.read_text().strip() if prov_path.exists() else ""
    ver = versions()
    fl = run.floors

    def floor(key: str, fmt) -> Any:
        return (lambda d: fmt(_floor_values(fl, d, key))) if fl else None
    lines = [
        "# Table 1 — VDAE vs. baselines"
        + (" (QUICK SMOKE TEST: short training)" if quick else ""),
        "", f"- command: `{command or 'run_table1(...)'}`",
        *([f"- how the cells were computed: {provenance}"] if provenance else []),
        f"- git commit: `{commit}`"
        + _record_commits(recs, commit),
        f"- written {time.strftime('%Y-%m-%d %H:%M:%S')}; vdae {ver['vdae']}, "
        f"torch {ver['torch']}, POT {ver['pot']}; device {ver['cuda']}",
        f"- paper columns: the published values of {registry.PAPER_CITATION} (reference data; "
        "the bulldog row of the paper is the real video, ours a rendered stand-in).",
        "- samples: VDAE 10 random-walk steps from data seeds (the chain its sampling options "
        "name in the notes; none named: `VDAE.sample`'s default); baselines decode prior draws. "
        "All metrics against held-out rows, except the rows marked *paper's protocol*, whose "
        "reference is the training set (see the notes). **Bold**: lowest of ours / of the "
        "paper's in the row." + (
            " *Training rows*: the training rows themselves scored as samples against the "
            "same reference (a floor no model is expected to beat by much)." if fl else ""), "",
        "## Gromov–Wasserstein ×1000 (mean (std) over seeds; lower is better)", "",
        *_comparison_table(recs, datasets, methods, "gw", registry.PAPER_GW,
                           lambda v: float(np.nanmean(v)), _mean_std,
                           floor("gw", _mean_std)), "",
        f"## Gromov–Wasserstein ×1000, best of {GW_STARTS} solver starts (mean (std); lower "
        "is better)", "",
        "The solver is non-convex and POT's single start (the table above, as in the paper) "
        "can end in a local optimum several times the global one; this keeps the lowest of "
        f"{GW_STARTS} starts per evaluation (cells computed before this column existed: –).", "",
        *_comparison_table(recs, datasets, methods, "gw_best", None,
                           lambda v: float(np.nanmean(v)), _mean_std,
                           floor("gw_best", _mean_std)), "",
        "## Median local bi-Lipschitz constant (k = 10; median over seeds; lower is better)", "",
        *_comparison_table(recs, datasets, methods, "bilip_median", registry.PAPER_BILIP,
                           _nanmedian, _median_text), "",
        "Scale-free variant (both spaces divided by their median nearest-neighbour distance):", "",
        *_plain_table(recs, datasets, methods, lambda d, m: _median_text(
            _values(recs, d, m, "bilip_median_scale_free"))), "",
        "## Precision / recall (k-NN supports, k = 3; mean over seeds; higher is better)", "",
        *_plain_table(recs, datasets, methods, lambda d, m: _means_text(
            [_values(recs, d, m, "precision"), _values(recs, d, m, "recall")]),
            floor=(lambda d: _means_text([_floor_values(fl, d, "precision"),
                                          _floor_values(fl, d, "recall")])) if fl else None), "",
        "## MMD² ×100 (Table A.2 style: Gaussian kernel, median bandwidth, unbiased; mean (std))",
        "", *_plain_table(recs, datasets, methods, lambda d, m: _mean_std(
            100 * _values(recs, d, m, "mmd"), 2),
            floor=floor("mmd", lambda v: _mean_std(100 * v, 2))), "",
        *_image_sections(recs, fl, datasets, methods),
        "## Seconds (fit + sampling, mean over seeds)", "",
        *_plain_table(recs, datasets, methods, lambda d, m: _mean_std(
            _values(recs, d, m, "seconds"), 0)), "",
        *_notes(run, recs, datasets),
    ]
    run.md_path.write_text("\n".join(lines))
    return run.md_path
