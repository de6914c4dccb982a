"""The paper's figures (Sect. 6) as PNGs, one function per figure, plus a mixing figure.

Every ``fig*`` function takes a :class:`FigureContext` (output folder, sizes, a cache of fitted
models shared between figures) and returns the paths it wrote; when a data set it needs is
missing it logs a warning and returns ``[]``. :func:`run_figures` runs a selection.

- :func:`fig2_loop_walk` — chains from one seed on the 3-D loop, coloured by step t (Fig. 2);
- :func:`fig3_bulldog` — generated frames at their 2-D latent positions, four models (Fig. 3);
- :func:`fig4_walks_bursts` — walks from one seed and single-step bursts: loop, sphere, bunny;
- :func:`fig5_mnist` — cluster-conditional walks on MNIST with measured class retention;
- :func:`fig6_gaussian_grid` — 5×5 grid: data, GAN, DRS-GAN, VDAE; gaps and modes (Fig. 6);
- :func:`fig_quality_vs_steps` — GW and precision after 1…100 steps, from data seeds and from
  a single seed (the loop); :func:`fig_quality_vs_steps_images` the same on Frey (against
  held-out images) and COIL-20 (the paper's protocol).
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from vdae import plotting

__all__ = ["FigureContext", "FIGURES", "run_figures", "grid_sample_quality",
           "fig_image_samples",
           "fig2_loop_walk", "fig3_bulldog", "fig4_walks_bursts", "fig5_mnist",
           "fig6_gaussian_grid", "fig_quality_vs_steps",
           "fig_quality_vs_steps_images"]

log = logging.getLogger(__name__)
STEPS = (1, 3, 10, 30, 100)


@dataclass
class FigureContext:
    """Where figures go and how big their models are.

    Attributes
    ----------
    out : Path
        Folder of the PNGs (and small JSON files of the numbers shown).
    quick : bool
        Smaller data and short training (rough figures).
    seed : int
    n_points : int
        Training points of the synthetic manifolds (and 2× that for the Gaussian grid).
    n_mnist : int
        MNIST training images of the VDAE of Fig. 5.
    model_params : dict
        Method name (:data:`experiments.registry.METHODS`) → extra constructor parameters
        (e.g. short training); a method not named gets none.
    gan_steps : int
        Training steps of the standard GAN of Fig. 6 (DRS calibrates for a fifth of that).
    models : dict
        Fitted models shared between figures (filled on demand).
    skipped : dict
        Figure name → why it was skipped (a data set is missing).
    """

    out: Path
    quick: bool = False
    seed: int = 0
    n_points: int = 2000
    n_mnist: int = 10000
    model_params: dict[str, dict[str, Any]] = field(default_factory=dict)
    gan_steps: int = 10000
    models: dict[str, Any] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    @classmethod
    def make(cls, out: str | Path, *, quick: bool = False, seed: int = 0) -> "FigureContext":
        """The full or the ``--quick`` context."""
        out = Path(out)
        if not quick:
            return cls(out, seed=seed)
        return cls(out, quick=True, seed=seed, n_points=800, n_mnist=2000,
                   model_params={"vdae": {"epochs": 40, "encoder_epochs": 40},
                                 "wgan": {"epochs": 40}, "beta_vae": {"epochs": 40},
                                 "svae": {"epochs": 40}}, gan_steps=3000)


# ------------------------------------------------------------------------------ helpers
def _skips_missing_data(fn: Callable[..., list[Path]]) -> Callable[..., list[Path]]:
    """Make a figure function log a warning and return [] when a data set is missing."""

    @functools.wraps(fn)
    def wrapper(ctx: "FigureContext", *args, **kwargs) -> list[Path]:
        try:
            return fn(ctx, *args, **kwargs)
        except FileNotFoundError as exc:
            log.warning("%s skipped, a data set is missing: %s", fn.__name__, exc)
            ctx.skipped[fn.__name__] = str(exc)
            return []

    return wrapper


def _vdae(ctx: FigureContext, name: str, X: np.ndarray, **params):
    """A VDAE fitted on X, cached in the context under ``name``."""
    from vdae.models import VDAE

    if name not in ctx.models:
        kw = {**ctx.model_params.get("vdae", {}), **params}
        ctx.models[name] = VDAE(random_state=ctx.seed, verbose=0, **kw).fit(X)
    return ctx.models[name]


def _manifold(ctx: FigureContext, name: str):
    """(training data set, VDAE) of a generated manifold or the bunny."""
    from vdae.datasets import load_dataset

    data = load_dataset(name, n_samples=ctx.n_points, random_state=ctx.seed)
    return data, _vdae(ctx, name, data.X)


def tile_images(images: np.ndarray, shape: tuple[int, ...], pad: int = 1) -> np.ndarray:
    """Tile images (rows, cols, prod(shape)) into one float array, clipped to [0, 1], with
    ``pad`` white pixels between."""
    r, c = images.shape[:2]
    h, w = shape[:2]
    canvas = np.ones(((h + pad) * r - pad, (w + pad) * c - pad) + tuple(shape[2:]))
    for i in range(r):
        for j in range(c):
            canvas[i * (h + pad):i * (h + pad) + h, j * (w + pad):j * (w + pad) + w] = \
                np.clip(images[i, j].reshape(shape), 0, 1)
    return canvas


def _save(fig, ctx: FigureContext, name: str) -> Path:
    return plotting.save_figure(fig, ctx.out / name)


# ------------------------------------------------------------------------------ Fig. 2
@_skips_missing_data
def fig2_loop_walk(ctx: FigureContext) -> list[Path]:
    """Fig. 2: 300 chains of 20 steps from one seed on the 3-D loop, coloured by step t."""
    data, model = _manifold(ctx, "loop")
    seed_pt = data.X[0]
    walk = model.random_walk(np.repeat(seed_pt[None], 300, axis=0), 20, random_state=ctx.seed)
    fig = plotting.plot_random_walk(walk, data.X, title="VDAE random walk on the loop "
                                    "(300 chains × 20 steps from one seed; line: one chain)")
    fig.axes[0].plot(*walk[:, 0, :3].T, c="k", lw=0.8)
    return [_save(fig, ctx, "fig2_loop_walk.png")]


# ------------------------------------------------------------------------------ Fig. 3
def _thumbnail_scatter(ax, Z: np.ndarray, X: np.ndarray, shape, title: str) -> None:
    ax.scatter(Z[:, 0], Z[:, 1], s=4, c="0.3")
    span = np.ptp(Z[:, :2], axis=0).max() or 1.0
    w = 0.09 * span
    h = w * shape[0] / shape[1]
    shown: list[np.ndarray] = []
    for z, x in zip(Z, X):  # greedy: a thumbnail only where it does not cover another
        if all(np.abs(z[:2] - s).max() > w for s in shown):
            shown.append(z[:2])
            ax.imshow(np.clip(x.reshape(shape), 0, 1), extent=(z[0] - w / 2, z[0] + w / 2,
                      z[1] - h / 2, z[1] + h / 2), zorder=3)
    lo, hi = Z[:, :2].min(axis=0) - w, Z[:, :2].max(axis=0) + w
    ax.set_xlim(lo[0], hi[0]), ax.set_ylim(lo[1], hi[1]), ax.set_aspect("auto")
    ax.set_title(title), ax.set_xlabel("z₁"), ax.set_ylabel("z₂")


@_skips_missing_data
def fig3_bulldog(ctx: FigureContext) -> list[Path]:
    """Fig. 3: 300 generated stand-in frames at their 2-D latent positions, four models."""
    from vdae.datasets import load_dataset
    from experiments.registry import METHOD_LABELS, cell_settings, latent_pairs, make_model

    data = load_dataset("bulldog_standin")
    rng = np.random.default_rng(ctx.seed)
    plt = plotting._plt()
    fig, axes = plt.subplots(1, 4, figsize=(20, 5))
    for ax, method in zip(axes, ("vdae", "svae", "beta_vae", "wgan")):
        params = cell_settings("bulldog_standin", method, quick=ctx.quick)
        params.update(ctx.model_params.get(method, {}))
        model = make_model(method, params, ctx.seed).fit(data.X)
        Z, X = latent_pairs(model, 300, rng)
        _thumbnail_scatter(ax, Z, X, data.image_shape, METHOD_LABELS[method])
    fig.suptitle("Rotating-bulldog STAND-IN (rendered bunny): 300 samples at their latent "
                 "coordinates")
    return [_save(fig, ctx, "fig3_bulldog_latent.png")]


# ------------------------------------------------------------------------------ Fig. 4
@_skips_missing_data
def fig4_walks_bursts(ctx: FigureContext) -> list[Path]:
    """Fig. 4: (a–c) 1000 chains × 20 steps from one seed; (d–f) 2000 single-step draws."""
    names = ("loop", "sphere", "bunny")
    plt = plotting._plt()
    fig = plt.figure(figsize=(15, 9))
    for k, name in enumerate(names):
        data, model = _manifold(ctx, name)
        seed_pt = data.X[0]
        walk = model.random_walk(np.repeat(seed_pt[None], 1000, axis=0), 20,
                                 random_state=ctx.seed)
        burst = model.burst(seed_pt, 2000, random_state=ctx.seed)
        for row, pts, colour, what in ((0, walk.reshape(-1, walk.shape[-1]),
                                        np.repeat(np.arange(21), 1000), "walk, 20 steps"),
                                       (1, burst, "tab:orange", "one-step burst")):
            ax = fig.add_subplot(2, 3, 3 * row + k + 1, projection="3d")
            plotting.scatter(ax, data.X, s=1, c="0.85", alpha=0.4)
            plotting.scatter(ax, pts, s=1.5, c=colour,
                             **({"cmap": "viridis"} if row == 0 else {}))
            ax.scatter(*seed_pt[:3], c="red", s=60, marker="*")
            ax.set_title(f"({'abcdef'[3 * row + k]}) {name}: {what}")
    return [_save(fig, ctx, "fig4_walks_bursts.png")]


# ------------------------------------------------------------------------------ Fig. 5
@_skips_missing_data
def fig5_mnist(ctx: FigureContext, n_steps: int = 15, seeds_per_digit: int = 20,
               jump_kernels: int = 10) -> list[Path]:
    """Fig. 5: one walk per digit from one seed (image rows) and class retention per step.

    The walks shown are the Metropolis-adjusted latent walk with kernel jumps
    (``metropolis_walk(..., jump_kernels=10)``), each state emitted as a draw of the output law
    p_θ(x | z). Local steps alone are almost always rejected in MNIST's 16–20 diffusion
    coordinates (a chain's state then does not change: acceptance 0.02 for the default fit on
    10 000 images); a jump moves to one of the 10 kernels nearest to the state, i.e. to a
    neighbouring training image's kernel, and is accepted about half the time, with the same
    stationary law. The retention plot adds the local-step chain and Algorithm 2 from the same
    seeds (dashed), whose decode → re-encode loop drifts towards the centre of the embedding
    where the digits mix. The states are judged by the library's convolutional MNIST network
    (:func:`vdae.metrics.pretrained_features`, trained once and cached). The JSON beside the
    PNG also holds each chain kind's movement: the median pixel distance between a chain's
    first and fifth states over the median distance of a test image to its 10th nearest
    same-class training image, for the decoder's means (the chain's own movement) and for the
    emitted draws (which add the output law's residual detail even to a chain that stays put).
    """
    from vdae.datasets import load_dataset
    from vdae.metrics import class_retention, pretrained_features, same_class_distance

    judge = pretrained_features("mnist", verbose=0)
    train = load_dataset("mnist", split="train", n_samples=ctx.n_mnist, random_state=ctx.seed)
    model = _vdae(ctx, "mnist", train.X)
    test = load_dataset("mnist", split="test")
    accuracy = float(judge.score(test.X, test.y))
    rng = np.random.default_rng(ctx.seed)
    idx = np.concatenate([rng.choice(np.flatnonzero(test.y == d), seeds_per_digit, False)
                          for d in range(10)])
    y, seeds = test.y[idx], test.X[idx]
    walks, means, acceptance = {}, {}, {}
    for chain, jumps in (("jumps", jump_kernels), ("local", 0)):
        for noise, out in ((True, walks), (False, means)):  # the same chain, emitted two ways
            out[chain], acceptance[chain] = model.metropolis_walk(
                seeds, n_steps, random_state=ctx.seed, jump_kernels=jumps, noise=noise)
    for noise, out in ((True, walks), (False, means)):
        out["paper"] = model.random_walk(seeds, n_steps, random_state=ctx.seed, noise=noise)
    ref = same_class_distance(train.X, train.y, seeds, y)

    def moved(walk: np.ndarray) -> float:
        return float(np.median(np.linalg.norm(walk[5] - walk[1], axis=-1))) / ref
    retention, movement = {}, {}
    for chain, walk in walks.items():  # walk: (T+1, C, 784)
        labels = judge.predict(walk.reshape(-1, 784)).reshape(n_steps + 1, -1)
        retention[chain] = class_retention(labels, y)
        movement[chain] = {"draws": moved(walk), "means": moved(means[chain])}
        if chain == "jumps":
            per_digit = [class_retention(labels[:, y == d], y[y == d]) for d in range(10)]
    rows = walks["jumps"][:, ::seeds_per_digit].transpose(1, 0, 2)  # first chain per digit
    plt = plotting._plt()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(16, 6), gridspec_kw={"width_ratios": [2.2, 1]})
    a1.imshow(tile_images(rows, (28, 28)), cmap="gray", vmin=0, vmax=1)
    a1.set_axis_off()
    a1.set_title(f"one Metropolis walk with kernel jumps (k = {jump_kernels}) per digit; "
                 "column t = step t (t = 0: the seed, a test image)")
    for d in range(10):
        a2.plot(per_digit[d], lw=0.7, alpha=0.5, label=str(d))
    names = {"jumps": "Metropolis, jumps", "local": "Metropolis, local steps",
             "paper": "Algorithm 2"}
    labels_ = {c: f"{n} (moves {movement[c]['means']:.2f} / {movement[c]['draws']:.2f})"
               for c, n in names.items()}
    for chain, style in (("jumps", "k-o"), ("local", "k:s"), ("paper", "k--.")):
        a2.plot(retention[chain], style, lw=2 if chain == "jumps" else 1.2, ms=4,
                label=labels_[chain])
    a2.set(xlabel="walk step t", ylabel="fraction still classified as the seed's digit",
           ylim=(0, 1.02), title=f"class retention ({len(idx)} chains; judge's test accuracy "
           f"{accuracy:.3f})")
    a2.legend(ncol=2, fontsize=7, loc="lower left", bbox_to_anchor=(0.0, 0.1))
    a2.text(0.98, 0.02, "moves: median distance from state 1 to state 5 over a test\nimage's "
            "10th same-class distance (decoder's means / output-law draws)",
            transform=a2.transAxes, ha="right", fontsize=7)
    (ctx.out / "fig5_retention.json").parent.mkdir(parents=True, exist_ok=True)
    (ctx.out / "fig5_retention.json").write_text(json.dumps(
        {"retention": retention["jumps"].tolist(),
         "retention_local_steps": retention["local"].tolist(),
         "retention_algorithm2": retention["paper"].tolist(),
         "acceptance_rate": acceptance["jumps"], "acceptance_rate_local_steps":
         acceptance["local"], "movement_1_to_5": movement, "same_class_distance_10th": ref,
         "judge_test_accuracy": accuracy, "latent_dim":
         int(model.n_components_), "jump_kernels": jump_kernels}, indent=1))
    return [_save(fig, ctx, "fig5_mnist_walks.png")]


# ------------------------------------------------------------------------------ Fig. 6
def grid_sample_quality(X: np.ndarray, *, min_share: float = 0.1, std: float = 0.1,
                        n_std: float = 3.0) -> dict[str, Any]:
    """Fraction of points in the gaps of the 5×5 grid and the number of modes covered.

    A point is in a gap when :func:`vdae.datasets.grid_mode_assignment` gives -1 (farther than
    ``n_std·std`` from every centre); a mode is covered when it holds at least ``min_share`` of
    the n/25 points it would get under the true mixture (and at least one).

    Parameters
    ----------
    X : ndarray of shape (n, 2)

    Returns
    -------
    dict
        ``gap_fraction`` (float), ``modes_covered`` (int), ``counts`` (list of 25 ints).
    """
    from vdae.datasets import grid_mode_assignment

    modes = grid_mode_assignment(X, std=std, n_std=n_std)
    counts = np.bincount(modes[modes >= 0], minlength=25)
    need = max(1.0, min_share * len(X) / 25)
    return {"gap_fraction": float(np.mean(modes < 0)), "modes_covered": int((counts >= need).sum()),
            "counts": counts.tolist()}


@_skips_missing_data
def fig6_gaussian_grid(ctx: FigureContext, n_samples: int = 2000) -> list[Path]:
    """Fig. 6: data, standard GAN, DRS-GAN and VDAE samples on the 5×5 Gaussian grid."""
    from vdae.datasets import make_gaussian_grid
    from vdae.exceptions import DisconnectedGraphWarning
    from experiments.drs import DiscriminatorRejectionSampler
    from experiments.gan import StandardGAN

    X = make_gaussian_grid(2 * ctx.n_points, random_state=ctx.seed).X
    gan = StandardGAN(n_steps=ctx.gan_steps, random_state=ctx.seed).fit(X)
    drs = DiscriminatorRejectionSampler(gan, calibration_steps=max(1, ctx.gan_steps // 5),
                                        random_state=ctx.seed).fit(X)
    with warnings.catch_warnings():  # 25 separate clusters: a disconnected graph is expected
        warnings.simplefilter("ignore", DisconnectedGraphWarning)
        vdae = _vdae(ctx, "gaussian_grid", X)
    panels = {"data": make_gaussian_grid(n_samples, random_state=ctx.seed + 1).X,
              "GAN": gan.sample(n_samples, random_state=ctx.seed),
              "DRS-GAN": drs.sample(n_samples, random_state=ctx.seed),
              "VDAE": vdae.sample(n_samples, random_state=ctx.seed)}
    stats = {k: grid_sample_quality(v) for k, v in panels.items()}
    stats["DRS-GAN"]["acceptance_rate"] = drs.acceptance_rate_
    plt = plotting._plt()
    fig, axes = plt.subplots(1, 4, figsize=(18, 4.8), sharex=True, sharey=True)
    for ax, (name, S) in zip(axes, panels.items()):
        ax.scatter(S[:, 0], S[:, 1], s=2, alpha=0.5)
        s = stats[name]
        ax.set_title(f"{name}\n{s['gap_fraction']:.1%} in gaps, {s['modes_covered']}/25 modes")
        ax.set_xlim(-2.8, 2.8), ax.set_ylim(-2.8, 2.8), ax.set_aspect("equal")
    ctx.out.mkdir(parents=True, exist_ok=True)
    (ctx.out / "fig6_gaussian_grid.json").write_text(json.dumps(stats, indent=1))
    return [_save(fig, ctx, "fig6_gaussian_grid.png")]


# ------------------------------------------------------------------ quality vs. steps
def _step_curves(model, starts: dict[str, np.ndarray], reference: np.ndarray,
                 seed: int) -> dict[str, dict[str, list[float]]]:
    """GW ×1000 and precision against ``reference`` after each of :data:`STEPS` walk steps,
    for both chains and every start set (label → seeds of shape (n_chains, m))."""
    from vdae.metrics import gromov_wasserstein, precision_recall

    curves: dict[str, dict[str, list[float]]] = {}
    chains = {"Algorithm 2": "paper", "Metropolis": "metropolis"}
    for (start, X0), (chain_label, chain) in itertools.product(starts.items(), chains.items()):
        walk = model.random_walk(X0, max(STEPS), random_state=seed, chain=chain)
        curves[f"{chain_label}, {start}"] = {
            "gw": [gromov_wasserstein(walk[t], reference, random_state=seed) for t in STEPS],
            "precision": [precision_recall(reference, walk[t]).precision for t in STEPS]}
    return curves


def _plot_step_curves(ax_gw, ax_prec, curves: dict[str, dict[str, list[float]]],
                      title: str) -> None:
    for ax, key, lab in ((ax_gw, "gw", "GW ×1000 (lower is better)"),
                         (ax_prec, "precision", "precision (higher is better)")):
        for label, c in curves.items():
            ax.plot(STEPS, c[key], marker="o", label=label,
                    ls="-" if label.startswith("Metropolis") else "--")
        ax.set(xscale="log", xlabel="walk steps", ylabel=lab, xticks=STEPS, xticklabels=STEPS,
               title=title)
        ax.legend(fontsize=7)


@_skips_missing_data
def fig_quality_vs_steps(ctx: FigureContext, name: str = "loop",
                         n_chains: int = 1000) -> list[Path]:
    """GW ×1000 and precision against fresh data after 1, 3, 10, 30, 100 walk steps, for the
    paper's walk (Algorithm 2) and the Metropolis-adjusted one, from data seeds and from one
    seed."""
    from vdae.datasets import load_dataset

    data, model = _manifold(ctx, name)
    fresh = load_dataset(name, n_samples=n_chains, random_state=ctx.seed + 7).X
    rng = np.random.default_rng(ctx.seed)
    starts = {"from data seeds": model.seeds_[rng.integers(0, len(model.seeds_), n_chains)],
              "from a single seed": np.repeat(data.X[:1], n_chains, axis=0)}
    curves = _step_curves(model, starts, fresh, ctx.seed)
    plt = plotting._plt()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    _plot_step_curves(axes[0], axes[1], curves, "")
    fig.suptitle(f"{name}: sample quality vs. number of random-walk steps ({n_chains} chains)")
    ctx.out.mkdir(parents=True, exist_ok=True)
    (ctx.out / "quality_vs_steps.json").write_text(json.dumps({"steps": STEPS, **curves}, indent=1))
    return [_save(fig, ctx, "quality_vs_steps.png")]


def fig_quality_vs_steps_images(ctx: FigureContext,
                                datasets: tuple[str, ...] = ("frey", "coil20_paper"),
                                n_chains: int = 1000) -> list[Path]:
    """:func:`fig_quality_vs_steps` on image sets: the VDAE of a Table 1 cell (its settings and
    its training split for ``ctx.seed``), scored against that row's reference — Frey's held-out
    images; for COIL-20 the paper's protocol, its 360 training images (against 72 held-out
    images every curve sits in GW's noise and precision reads 1.0). A data set that is missing
    is left out (the figure is skipped when all are)."""
    from experiments import registry

    rng = np.random.default_rng(ctx.seed)
    results: dict[str, dict[str, dict[str, list[float]]]] = {}
    for name in datasets:
        try:
            X_train, X_ref = registry.load_split(registry.DATASETS[name], ctx.seed,
                                                 quick=ctx.quick)
        except FileNotFoundError as exc:
            log.warning("quality vs. steps: %s left out, its data set is missing: %s", name, exc)
            ctx.skipped.setdefault(fig_quality_vs_steps_images.__name__, str(exc))
            continue
        params = registry.cell_settings(name, "vdae", quick=ctx.quick)
        model = _vdae(ctx, f"{name}-table1", X_train, **params)
        starts = {"from data seeds": model.seeds_[rng.integers(0, len(model.seeds_), n_chains)],
                  "from a single seed": np.repeat(X_train[:1], n_chains, axis=0)}
        results[name] = _step_curves(model, starts, X_ref, ctx.seed)
    if not results:
        return []
    plt = plotting._plt()
    fig, axes = plt.subplots(len(results), 2, figsize=(10, 3.8 * len(results)), squeeze=False)
    for row, (name, curves) in zip(axes, results.items()):
        spec = registry.DATASETS[name]
        against = "its training images" if spec.reference == "training" else "held-out images"
        _plot_step_curves(row[0], row[1], curves, f"{spec.label}: vs. {against}")
    fig.suptitle(f"Images: sample quality vs. number of random-walk steps ({n_chains} chains)")
    fig.tight_layout()
    ctx.out.mkdir(parents=True, exist_ok=True)
    (ctx.out / "quality_vs_steps_images.json").write_text(
        json.dumps({"steps": STEPS, **results}, indent=1))
    return [_save(fig, ctx, "quality_vs_steps_images.png")]


# ------------------------------------------------------------------- image sample grids
@_skips_missing_data
def fig_image_samples(ctx: FigureContext, datasets: tuple[str, ...] = ("mnist", "frey"),
                      seed: int = 0) -> list[Path]:
    """Samples of every method beside real images, one figure per image data set.

    Reads the 8 × 8 sample mosaics that the Table 1 run writes for each image cell
    (``<table folder>/samples/<dataset>-<method>-seed<seed>.png``, the folder above ``ctx.out``)
    and the cells' FD / feature-space recall from ``table1.json`` beside them; the first panel
    is 64 of the cells' reference images (their mosaic is written beside the others,
    ``<dataset>-reference-seed<seed>.png``, the first time). A data set without any mosaic of
    a method is left out.
    """
    import matplotlib.image

    from experiments import registry
    from experiments.table1 import read_records, sample_mosaic, write_mosaic

    table = ctx.out.parent
    records = {(r["dataset"], r["method"], r["seed"]): r
               for r in read_records(table / "table1.json") if r.get("status", "ok") == "ok"}
    paths = []
    for d in datasets:
        pngs = {m: table / "samples" / f"{d}-{m}-seed{seed}.png" for m in registry.METHODS}
        pngs = {m: p for m, p in pngs.items() if p.exists()}
        if not pngs:
            continue
        spec = registry.DATASETS[d]
        real = table / "samples" / f"{d}-reference-seed{seed}.png"
        if not real.exists():
            write_mosaic(sample_mosaic(registry.load_split(spec, seed)[1], spec.image_shape), real)
        panels = [("real (reference images)", matplotlib.image.imread(real))]
        for m, p in pngs.items():
            r = records.get((d, m, seed), {})
            score = (f"FD {r['fd']:.1f}, recall {r['feature_recall']:.2f}" if "fd" in r
                     else f"GW×1000 {r['gw']:.1f}" if "gw" in r else "")
            panels.append((f"{registry.METHOD_LABELS[m]} ({score})" if score else
                           registry.METHOD_LABELS[m], matplotlib.image.imread(p)))
        plt = plotting._plt()
        fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.6))
        for ax, (title, img) in zip(np.atleast_1d(axes), panels):
            ax.imshow(img, cmap="gray" if img.ndim == 2 else None)
            ax.set_title(title, fontsize=8)
            ax.set_axis_off()
        fig.suptitle(f"{spec.label}: 64 samples per method (Table 1, seed {seed}); feature-space "
                     "scores against the reference images", fontsize=9)
        paths.append(_save(fig, ctx, f"samples_{d}.png"))
    return paths


FIGURES: dict[str, Callable[[FigureContext], list[Path]]] = {
    "fig2": fig2_loop_walk, "fig3": fig3_bulldog, "fig4": fig4_walks_bursts,
    "fig5": fig5_mnist, "fig6": fig6_gaussian_grid, "steps": fig_quality_vs_steps,
    "steps_images": fig_quality_vs_steps_images, "samples": fig_image_samples,
}


def run_figures(ctx: FigureContext, names=None) -> dict[str, list[Path] | str]:
    """Run the selected figures (default: all); a missing data set skips its figure.

    Returns
    -------
    dict
        figure name → the PNG paths written, or the reason it was skipped (str).
    """
    out: dict[str, list[Path] | str] = {}
    for name in names or FIGURES:
        fn = FIGURES[name]
        paths = fn(ctx)
        out[name] = paths if paths else f"skipped: {ctx.skipped.get(fn.__name__, 'no output')}"
    return out
