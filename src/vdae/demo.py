"""The main job (``make demo`` / ``vdae demo``): fit VDAEs on generated manifolds (and the
Stanford bunny when the data folder has it), then write samples, figures like the paper's
Figs. 2 and 4, a mixing curve, and a summary of quality figures."""

from __future__ import annotations

import logging
import time
from functools import partial
from pathlib import Path

import numpy as np

from .metrics._common import n_usable_cpus

__all__ = ["run_demo", "evaluate_samples", "mixing_curve", "demo_processes"]

log = logging.getLogger(__name__)

MANIFOLDS = ("loop", "sphere", "torus")
#: noisy manifolds (name, standard deviation of isotropic ambient noise): the torus has radii 2
#: and 1, so 0.05 is 5% of its tube's radius; the samples should keep the data's spread
NOISY = (("torus", 0.05),)
MIXING_STEPS = (0, 1, 2, 3, 5, 10, 20, 30, 50, 100)
#: sampling-time step scales s (latent steps ~ N(ψ(x), s² C_φ(x))) compared in the mixing figure
STEP_SCALES = (1.0, 2.0, 4.0)


def evaluate_samples(samples: np.ndarray, fresh: np.ndarray, manifold=None, *, seed: int = 0,
                     gw_starts: int = 1) -> dict:
    """Table-1 style figures of generated points against fresh data.

    Precision and recall compare 1000 points of each set; a set with more rows is subsampled
    uniformly at random (seeded by ``seed``), never truncated: rows in file order (the bunny's
    vertices follow the scan) would otherwise cover only part of the shape.

    ``gw_starts`` > 1 adds ``gw_best``: the lowest of that many GW solver starts per repeat
    (the first start, POT's, gives ``gw``; one call solves both).

    Returns
    -------
    dict with ``gw`` (×1000, 1000 vs 1000 points), ``precision``, ``recall``, ``gw_best`` when
    asked, and, given the true manifold, ``dist_median`` and ``dist_p95`` (distance to the
    manifold / its diameter) and, on noisy data, :func:`vdae.metrics.spread_ratios`.
    """
    from .metrics import gromov_wasserstein_starts, manifold_distance, spread_ratios

    starts = gromov_wasserstein_starts(samples, fresh, n_samples=1000, n_init=gw_starts,
                                       random_state=seed)
    out = {"gw": float(starts[:, 0].mean())}
    if gw_starts > 1:
        out["gw_best"] = float(starts.min(axis=1).mean())
    pr = _precision_recall(samples, fresh, seed)
    out.update(precision=pr.precision, recall=pr.recall)
    if manifold is not None:
        md = manifold_distance(samples, manifold)
        out.update(dist_median=md.median, dist_p95=md.p95)
        out.update(spread_ratios(samples, fresh, manifold))
    return out


def _precision_recall(samples: np.ndarray, fresh: np.ndarray, seed: int):
    """k-NN precision and recall of 1000 samples against 1000 fresh points (subsampled as
    :func:`evaluate_samples` says)."""
    from .metrics import precision_recall

    rng = np.random.default_rng([seed, 1000])
    return precision_recall(_uniform_rows(fresh, 1000, rng), _uniform_rows(samples, 1000, rng))


def _uniform_rows(A: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """All of ``A`` when it has at most ``n`` rows, else ``n`` rows drawn without replacement."""
    return A if len(A) <= n else A[rng.choice(len(A), n, replace=False)]


def mixing_curve(model, seed_point: np.ndarray, data: np.ndarray, *, n_chains: int = 2000,
                 steps=MIXING_STEPS, step_scale: float = 1.0, random_state: int = 0,
                 chain: str = "metropolis") -> np.ndarray:
    """Coverage of the data by chains started at one point, after each number of steps.

    ``chain`` and ``step_scale`` as in :meth:`vdae.VDAE.random_walk` (default: the chain
    :meth:`vdae.VDAE.sample` uses).

    Coverage at step t = the fraction of data points with a chain state within r of them, r the
    median 10th-neighbour distance of the data (:func:`vdae.metrics.coverage`).

    Returns
    -------
    ndarray of shape (len(steps),)
    """
    from sklearn.neighbors import NearestNeighbors

    from .metrics import coverage

    radius = float(np.median(NearestNeighbors(n_neighbors=11).fit(data).kneighbors(data)[0][:, -1]))
    traj = model.random_walk(np.repeat(seed_point[None], n_chains, axis=0), max(steps),
                             random_state=random_state, step_scale=step_scale, chain=chain)
    return np.array([coverage(traj[t], data, radius=radius) for t in steps])


def _figures(name, model, data, fresh, out: Path, seed: int) -> dict:
    from . import plotting

    X = data.X
    start = time.perf_counter()
    samples = model.sample(2000, n_steps=10, random_state=seed)
    t_sample = time.perf_counter() - start
    np.save(out / f"{name}_samples.npy", samples)
    seed_point = X[0]
    walk = model.random_walk(np.repeat(seed_point[None], 1000, axis=0), 20, random_state=seed)
    burst = model.burst(seed_point, 2000, random_state=seed)
    plotting.plot_random_walk(walk, X, title=f"{name}: 1000 chains from one seed, 20 steps",
                              path=out / f"{name}_walk.png")
    plotting.plot_samples(samples, X, title=f"{name}: 2000 samples (10 steps from data seeds)",
                          path=out / f"{name}_samples.png")
    plotting.plot_burst(burst, seed_point, X, title=f"{name}: single-step burst",
                        path=out / f"{name}_burst.png")
    color = data.params[:, 0] if data.params is not None else None
    plotting.plot_embedding(model.transform(X), color, title=f"{name}: diffusion coordinates ψ",
                            path=out / f"{name}_embedding.png")
    stats = evaluate_samples(samples, fresh, data.manifold, seed=seed)
    long_run = evaluate_samples(model.sample(2000, n_steps=100, random_state=seed + 1), fresh,
                                data.manifold, seed=seed)
    floor = evaluate_samples(X, fresh, seed=seed)  # the training rows: a perfect generator's score
    stats.update(gw_100=long_run["gw"], precision_100=long_run["precision"], sample_s=t_sample,
                 gw_data=floor["gw"], precision_data=floor["precision"])
    curves = {}
    for scale in STEP_SCALES:
        curves[scale] = mixing_curve(model, seed_point, X, step_scale=scale, random_state=seed)
        far = model.sample(1000, n_steps=100, random_state=seed + 2, step_scale=scale)
        stats[f"coverage_100_s{scale:g}"] = float(curves[scale][-1])
        stats[f"precision_100_s{scale:g}"] = _precision_recall(far, fresh, seed).precision
    stats["coverage_100"] = stats["coverage_100_s1"]
    _plot_mixing(curves, stats, name, out / f"{name}_mixing.png")
    return stats


def _plot_mixing(curves: dict, stats: dict, name: str, path: Path) -> None:
    from .plotting import _plt, save_figure

    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 3.4))
    for scale, curve in curves.items():
        ax.plot(MIXING_STEPS, curve, marker="o", ms=3,
                label=f"step scale {scale:g} (precision after 100 steps "
                      f"{stats[f'precision_100_s{scale:g}']:.3f})")
    ax.set_xlabel("walk steps from one seed")
    ax.set_ylabel("coverage of the data")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title(f"{name}: mixing from a single seed")
    save_figure(fig, path)


def _jobs() -> list[tuple[str, str, dict]]:
    """The demo's data sets as (label, loader name, loader keywords), in summary order."""
    jobs = [(name, name, {}) for name in MANIFOLDS]
    jobs += [(f"{name}_noise{sd:g}", name, {"noise": sd}) for name, sd in NOISY]
    return jobs + [("bunny", "bunny", {})]


def _run_job(job: tuple[str, str, dict], out: Path, quick: bool, seed: int,
             verbose: bool) -> tuple[str, int, float, dict] | None:
    """Fit one data set of the demo, save its model, samples and figures; return its summary
    row (label, D, fit seconds, stats), or None when its data are missing (the bunny without
    the data folder)."""
    from .datasets import load_dataset
    from .models import VDAE

    label, name, kw = job
    try:
        data = load_dataset(name, n_samples=1000 if quick else 2000, random_state=seed, **kw)
        fresh = load_dataset(name, n_samples=2000, random_state=seed + 1000, **kw)
    except FileNotFoundError as exc:
        log.warning("skipping %s: %s", label, exc)
        return None
    budget = dict(epochs=30, encoder_epochs=60) if quick else {}
    start = time.perf_counter()
    model = VDAE(random_state=seed, verbose=int(verbose), **budget).fit(data.X)
    fit_s = time.perf_counter() - start
    model.save(out / f"{label}.vdae")
    stats = _figures(label, model, data, fresh.X, out, seed)
    return label, model.n_components_, fit_s, stats


def _run_job_in_worker(job: tuple[str, str, dict], out: Path, quick: bool, seed: int,
                       threads: int) -> tuple[str, int, float, dict] | None:
    """:func:`_run_job` in a worker process, with ``threads`` torch and BLAS threads (its
    share of the cores) and no progress bars."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(threads)
    with threadpool_limits(limits=threads, user_api="blas"):
        return _run_job(job, out, quick, seed, verbose=False)


def demo_processes(n_jobs: int | None, n_tasks: int) -> int:
    """Worker processes for ``n_tasks`` demo fits: ``n_jobs``, or None: one per core, at most
    ``n_tasks`` (a fit's small matrices keep a second core only partly busy, so two fits side
    by side on two cores finish sooner than one after the other on both)."""
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, int)
                               or n_jobs == 0 or n_jobs < -1):
        raise ValueError(f"n_jobs must be a positive int, -1 or None; got {n_jobs!r}.")
    wanted = n_usable_cpus() if n_jobs in (None, -1) else n_jobs
    return max(1, min(wanted, n_tasks))


def run_demo(out: Path, *, quick: bool = False, seed: int = 0, verbose: bool = True,
             n_jobs: int | None = None) -> Path:
    """Run the main job and return the output folder.

    Parameters
    ----------
    out : Path
        Folder for models (``*.vdae``), samples (``*_samples.npy``), PNG figures and
        ``summary.md``.
    quick : bool
        1000 points and short training (a smoke test of the pipeline; the figures are rougher).
    seed : int
        Seed of the data, the fits and the samplers.
    verbose : bool
        Print a line per data set (and, in one process, the fits' progress bars).
    n_jobs : int or None
        Data sets fitted at once, each in its own process with its share of the cores' torch
        threads; 1: one after the other in this process; None or -1: one per core. Every data
        set's figures depend only on its own fit, so the files are the same whatever the
        order; a fit's digits depend on its thread count. Several processes are started by
        multiprocessing's "spawn" method: from a script, call this under
        ``if __name__ == "__main__":``.
    """
    jobs = _jobs()
    procs = demo_processes(n_jobs, len(jobs))
    out.mkdir(parents=True, exist_ok=True)
    rows = []

    def report(row) -> None:
        if row is not None:
            rows.append(row)
            if verbose:
                name, D, fit_s, stats = row
                print(f"  {name}: D={D} fit {fit_s:.0f}s GW×1000 {stats['gw']:.2f} "
                      f"precision {stats['precision']:.3f}", flush=True)

    if procs == 1:
        for job in jobs:
            report(_run_job(job, out, quick, seed, verbose))
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        threads = max(1, n_usable_cpus() // procs)
        if verbose:
            print(f"fitting {len(jobs)} data sets, {procs} at a time (one process each, "
                  f"{threads} thread{'s' if threads > 1 else ''})", flush=True)
        ctx = multiprocessing.get_context("spawn")  # no forked OpenMP state
        with ProcessPoolExecutor(procs, mp_context=ctx) as pool:
            run = partial(_run_job_in_worker, out=out, quick=quick, seed=seed, threads=threads)
            for row in pool.map(run, jobs):
                report(row)
    (out / "summary.md").write_text(_summary(rows, quick))
    return out


def _summary(rows, quick: bool) -> str:
    lines = [
        "# vdae demo summary" + (" (quick mode: rough)" if quick else ""), "",
        "GW: Gromov–Wasserstein ×1000 between 1000 samples (10 walk steps from data seeds) "
        "and 1000",
        "fresh points; precision/recall: k-NN balls (k = 3); dist: distance of samples to the "
        "true",
        "manifold / its diameter; *_100: the same after 100 steps; coverage_100: fraction of "
        "the data",
        "reached by 2000 chains from ONE seed after 100 steps (α = 1). Samples and curves use",
        "`sample`'s Metropolis-adjusted chain; its step scale s (proposals ~ N(ψ(x), s² C_φ(x)))",
        "trades acceptance against step length: mixing speed, with the stationary law fixed.",
        "GW data / precision data: the training rows themselves scored the same way, what a "
        "perfect",
        "generator reads at this size (precision's two-sample ceiling).",
        "spread median / p90 (noisy data only): the samples' median and 90th-percentile distance",
        "to the true manifold divided by the fresh data's (1 = the data's own spread).", "",
        "| data | D | fit s | GW | precision | recall | dist median | dist p95 | spread median "
        "| spread p90 | GW 100 | precision 100 | coverage 100 | GW data | precision data |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, D, fit_s, s in rows:
        fmt = lambda k, f=".4f": format(s[k], f) if k in s else "–"  # noqa: E731
        lines.append(f"| {name} | {D} | {fit_s:.0f} | {s['gw']:.2f} | {s['precision']:.3f} | "
                     f"{s['recall']:.3f} | {fmt('dist_median')} | {fmt('dist_p95')} | "
                     f"{fmt('spread_median', '.2f')} | {fmt('spread_p90', '.2f')} | "
                     f"{s['gw_100']:.2f} | {s['precision_100']:.3f} | {s['coverage_100']:.2f} | "
                     f"{s['gw_data']:.2f} | {s['precision_data']:.3f} |")
    lines += ["", "| data | " + " | ".join(f"coverage 100 (s={s:g}) | precision 100 (s={s:g})"
                                          for s in STEP_SCALES) + " |",
              "|---|" + "---|---|" * len(STEP_SCALES)]
    for name, _, _, s in rows:
        lines.append(f"| {name} | " + " | ".join(
            f"{s[f'coverage_100_s{k:g}']:.2f} | {s[f'precision_100_s{k:g}']:.3f}"
            for k in STEP_SCALES) + " |")
    return "\n".join(lines) + "\n"
