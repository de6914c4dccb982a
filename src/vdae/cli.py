"""Command line: ``vdae fit | sample | walk | burst | interpolate | embed | plot | demo``.

Every subcommand has ``--help``; the exit code is 0 on success, 2 on bad input (with a one-line
message on stderr), 1 on any other failure. The paper's Table 1 and figures are experiments,
not part of the installed library: ``python -m experiments table1 | figures`` from a checkout.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

__all__ = ["main"]

log = logging.getLogger("vdae")


class CLIError(ValueError):
    """A user-facing error: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error raises :class:`CLIError` (one line, exit code 2) instead of
    printing the usage and exiting."""

    def error(self, message: str):
        raise CLIError(f"{self.prog}: error: {message} (see {self.prog} --help)")


def _int_at_least(minimum: int):
    """An argparse ``type``: an int >= ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected an int >= {minimum}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an int >= {minimum}, got {value}")
        return value

    return parse


_COUNT, _NONNEG = _int_at_least(1), _int_at_least(0)


# ----------------------------------------------------------------------------- data
def load_data(spec: str, n_samples: int | None = None, seed: int = 0) -> tuple[np.ndarray, object]:
    """Rows to fit from a ``.npy``/``.csv`` path or a data-set / generated-manifold name.

    Returns
    -------
    X : ndarray of shape (n, m), float32
    dataset : vdae.datasets.Dataset or None
    """
    path = Path(spec)
    if path.suffix.lower() in (".npy", ".csv", ".txt"):
        if not path.is_file():
            raise CLIError(f"data file {spec!r} does not exist")
        try:
            X = np.load(path, mmap_mode="r", allow_pickle=False) if path.suffix.lower() == ".npy" \
                else _read_csv(path)
        except ValueError as exc:
            raise CLIError(f"could not read {spec!r}: {exc}") from None
        if n_samples is not None and n_samples < len(X):
            X = X[np.sort(np.random.default_rng(seed).choice(len(X), n_samples, replace=False))]
        return np.asarray(X, dtype=np.float32), None
    from .datasets import available_datasets, load_dataset

    if spec not in available_datasets():
        raise CLIError(f"unknown data {spec!r}: give a .npy/.csv file or one of "
                       f"{', '.join(available_datasets())}")
    kwargs = {"random_state": seed}
    if n_samples is not None:
        kwargs["n_samples"] = n_samples
    try:
        ds = load_dataset(spec, **kwargs)
    except TypeError:  # loaders without n_samples (fixed-size real data sets)
        ds = load_dataset(spec)
    return ds.X, ds


def _read_csv(path: Path) -> np.ndarray:
    """Comma-separated numbers, shape (n_rows, n_columns); a first line that is not all numbers
    (column names) is skipped."""
    with open(path, encoding="utf-8") as fh:
        first = fh.readline()
    try:
        [float(field) for field in first.split(",")]
        header = 0
    except ValueError:
        header = 1
    return np.loadtxt(path, delimiter=",", ndmin=2, skiprows=header)


def _parse_set(items: Sequence[str]) -> dict:
    params = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep:
            raise CLIError(f"--set expects KEY=VALUE, got {item!r}")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        params[key.strip()] = tuple(value) if isinstance(value, list) else value
    return params


def _load_model(path: str):
    from .models import VDAE

    return VDAE.load(path)


# ------------------------------------------------------------------------ commands
def cmd_fit(args) -> None:
    from .models import VDAE

    X, _ = load_data(args.data, args.n_samples, args.seed)
    params = {"random_state": args.seed, "verbose": 0 if args.quiet else 1, **_parse_set(args.set)}
    for name in ("prior", "n_components", "epochs", "alpha"):
        if getattr(args, name) is not None:
            params[name] = getattr(args, name)
    try:
        model = VDAE(**params)
    except TypeError as exc:
        raise CLIError(f"bad --set parameter: {exc}") from None
    from .engine.distributed import init_from_env, shutdown

    distributed = init_from_env()  # launched by torchrun with several processes
    try:
        _fit_and_save(model, X, args)
    finally:
        if distributed:
            shutdown()


def _fit_and_save(model, X: np.ndarray, args) -> None:
    """``vdae fit``'s fit, checkpoints and output; under torchrun rank 0 alone reads and
    writes files (the checkpoint path need only exist on rank 0's machine)."""
    from .engine.distributed import world

    rank, size = world()
    ckpt = args.checkpoint or f"{args.output}.ckpt"
    resume = None
    if args.resume is not None:
        resume = ckpt if args.resume == "" else args.resume
        if size == 1 and not Path(resume).is_file():
            raise CLIError(f"--resume: no checkpoint at {resume!r}")
    try:
        model.fit(X, checkpoint=ckpt, checkpoint_interval=args.checkpoint_interval, resume=resume)
    except KeyboardInterrupt:
        if rank == 0 and Path(ckpt).is_file():
            raise KeyboardInterrupt(f"checkpoint in {ckpt}; continue with the same command and "
                                    f"--resume") from None
        raise
    if rank != 0:
        return
    model.save(args.output)
    if args.checkpoint is None:  # the default checkpoint has served its purpose
        Path(ckpt).unlink(missing_ok=True)
    procs = f" with {size} processes" if size > 1 else ""
    print(f"fitted VDAE (D={model.n_components_}) on {X.shape[0]}×{X.shape[1]}{procs} → "
          f"{args.output}")


def cmd_sample(args) -> None:
    model = _load_model(args.model)
    S = model.sample(args.n, n_steps=args.steps, random_state=args.seed, chain=args.chain,
                     noise=not args.mean)
    np.save(args.output, S)
    print(f"{S.shape[0]} samples ({args.steps} walk steps) → {args.output}")


def cmd_walk(args) -> None:
    model = _load_model(args.model)
    if args.seeds:
        X0, _ = load_data(args.seeds)
    else:
        rng = np.random.default_rng(args.seed)
        X0 = model.seeds_[rng.integers(0, len(model.seeds_), 1)]
    X0 = np.repeat(X0, args.chains, axis=0) if len(X0) == 1 else X0
    traj = model.random_walk(X0, args.steps, random_state=args.seed, chain=args.chain,
                             noise=not args.mean)
    np.save(args.output, traj)
    print(f"walk of {traj.shape[0] - 1} steps × {traj.shape[1]} chains → {args.output}")


def cmd_burst(args) -> None:
    model = _load_model(args.model)
    x = model.seeds_[np.random.default_rng(args.seed).integers(0, len(model.seeds_))]
    B = model.burst(x, args.n, random_state=args.seed, noise=not args.mean)
    np.save(args.output, np.concatenate([x[None], B]))
    print(f"seed + {args.n} single-step draws → {args.output}")


def cmd_interpolate(args) -> None:
    model = _load_model(args.model)
    if args.points is not None:
        ends, _ = load_data(args.points)
        if ends.ndim != 2 or ends.shape[0] != 2:
            raise CLIError(f"--points {args.points}: expected 2 rows (a and b), got shape "
                           f"{ends.shape}")
    else:
        n = len(model.seeds_)
        bad = [i for i in args.indices if not 0 <= i < n]
        if bad:
            raise CLIError(f"--indices: {bad[0]} is not a row of the model's {n} stored seeds")
        ends = model.seeds_[list(args.indices)]
    path = model.interpolate(ends[0], ends[1], args.n)
    np.save(args.output, path)
    print(f"path of {path.shape[0]} points along the manifold → {args.output}")


def cmd_embed(args) -> None:
    from .prior import DiffusionMap, SpectralNet

    X, _ = load_data(args.data, args.n_samples, args.seed)
    est = (DiffusionMap(args.n_components, random_state=args.seed) if args.method == "exact"
           else SpectralNet(args.n_components, random_state=args.seed,
                            verbose=0 if args.quiet else 1))
    Z = est.fit_transform(X)
    np.save(args.output, Z)
    print(f"{args.method} diffusion coordinates, D={Z.shape[1]} → {args.output}")


def cmd_plot(args) -> None:
    from . import plotting

    arr = np.load(args.array, allow_pickle=False)
    data = load_data(args.data)[0] if args.data else None
    if arr.size == 0 or not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise CLIError(f"{args.array}: expected a non-empty array of real numbers, got "
                       f"{arr.dtype} of shape {arr.shape}")
    if data is not None and (data.ndim != 2 or data.shape[1] < 2):
        raise CLIError(f"--data {args.data}: expected points with at least 2 coordinates, got "
                       f"shape {data.shape}")
    if (arr.ndim == 3 or data is not None) and arr.shape[-1] < 2:
        raise CLIError(f"{args.array}: expected points with at least 2 coordinates, got shape "
                       f"{arr.shape}")
    if arr.ndim == 3:
        plotting.plot_random_walk(arr, data, title=args.title, path=args.output)
    elif arr.ndim == 2 and data is not None:
        plotting.plot_samples(arr, data, title=args.title, path=args.output)
    elif arr.ndim == 2:
        plotting.plot_embedding(arr, title=args.title, path=args.output)
    else:
        raise CLIError(f"{args.array}: expected a 2-D (points) or 3-D (walk) array, "
                       f"got {arr.ndim}-D")
    print(f"figure → {args.output}")


def cmd_demo(args) -> None:
    from .demo import run_demo

    out = run_demo(Path(args.output), quick=args.quick, seed=args.seed, verbose=not args.quiet,
                   n_jobs=args.jobs)
    print(f"demo finished: figures, samples and summary in {out}")


# ---------------------------------------------------------------------------- parser
def _add_chain_option(parser: argparse.ArgumentParser, default: str) -> None:
    """``--chain`` of ``sample`` and ``walk``: the ``chain`` argument of the VDAE's walks,
    with the default of the matching method (``sample``: metropolis, ``random_walk``: paper)."""
    parser.add_argument("--chain", choices=["paper", "metropolis"], default=default,
                        help="paper: Algorithm 2 (re-encode every step); metropolis: a "
                             "Metropolis-adjusted walk in diffusion coordinates (no drift) "
                             f"(default: {default})")


def _add_mean_option(parser: argparse.ArgumentParser) -> None:
    """``--mean`` of ``sample``, ``walk`` and ``burst``: the decoder's means (``noise=False``)."""
    parser.add_argument("--mean", action="store_true",
                        help="output the decoder's means ψ_θ⁻¹(z) instead of draws from "
                             "p_θ(x|z) (mean plus a Gaussian of nearby training residuals, "
                             "which keeps the data's noise)")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="vdae", description="Variational diffusion autoencoders.")
    sub = p.add_subparsers(dest="command", required=True)

    def add(name, fn, help_):
        s = sub.add_parser(name, help=help_, description=help_)
        s.set_defaults(func=fn)
        s.add_argument("--seed", type=_NONNEG, default=0, help="random seed (default 0)")
        s.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
        return s

    s = add("fit", cmd_fit, "fit a VDAE and save it")
    s.add_argument("data", help="a .npy/.csv file, a data-set name or a generated manifold name")
    s.add_argument("-o", "--output", required=True, help="model file to write")
    s.add_argument("-n", "--n-samples", type=_COUNT, help="subsample the data to this many rows")
    s.add_argument("--prior", choices=["auto", "spectralnet", "exact"])
    s.add_argument("--n-components", type=_COUNT, help="D (default: automatic)")
    s.add_argument("--epochs", type=_COUNT)
    s.add_argument("--alpha", type=float, help="random-walk step scale α")
    s.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="any VDAE parameter, e.g. --set decoder_hidden=[128,128]")
    s.add_argument("--checkpoint", metavar="PATH",
                   help="checkpoint file (default OUTPUT.ckpt, removed after a successful fit)")
    s.add_argument("--checkpoint-interval", type=float, default=60.0, metavar="SECONDS",
                   help="seconds between checkpoints (default 60; Ctrl-C also writes one)")
    s.add_argument("--resume", nargs="?", const="", metavar="PATH",
                   help="continue an interrupted fit from its checkpoint (default: the "
                        "--checkpoint path); same data and parameters")

    s = add("sample", cmd_sample, "draw samples by random walks from data seeds")
    s.add_argument("model")
    s.add_argument("-n", type=_COUNT, required=True, help="number of samples")
    s.add_argument("--steps", type=_NONNEG, default=10, help="walk steps (default 10)")
    _add_chain_option(s, "metropolis")
    _add_mean_option(s)
    s.add_argument("-o", "--output", required=True, help=".npy file to write")

    s = add("walk", cmd_walk, "random-walk trajectories (n_steps+1, chains, features)")
    s.add_argument("model")
    s.add_argument("--seeds", help=".npy/.csv of seed points (default: one stored data seed)")
    s.add_argument("--chains", type=_COUNT, default=1000, help="chains from a single seed")
    s.add_argument("--steps", type=_NONNEG, default=20)
    _add_chain_option(s, "paper")
    _add_mean_option(s)
    s.add_argument("-o", "--output", required=True)

    s = add("burst", cmd_burst, "single-step draws from p(x'|x) around one data seed")
    s.add_argument("model")
    s.add_argument("-n", type=_COUNT, default=2000)
    _add_mean_option(s)
    s.add_argument("-o", "--output", required=True)

    s = add("interpolate", cmd_interpolate,
            "a path between two points along the data manifold (n, features)")
    s.add_argument("model")
    ends = s.add_mutually_exclusive_group(required=True)
    ends.add_argument("--points", metavar="FILE",
                      help=".npy/.csv with two rows: the path's ends a and b")
    ends.add_argument("--indices", type=_NONNEG, nargs=2, metavar=("I", "J"),
                      help="the ends as rows of the model's stored seeds (training points)")
    s.add_argument("-n", type=_int_at_least(2), default=10,
                   help="points on the path, ends included (default 10)")
    s.add_argument("-o", "--output", required=True, help=".npy file to write")

    s = add("embed", cmd_embed, "diffusion coordinates of data (the prior alone)")
    s.add_argument("data")
    s.add_argument("--method", choices=["exact", "spectralnet"], default="exact")
    s.add_argument("--n-components", type=_COUNT)
    s.add_argument("-n", "--n-samples", type=_COUNT)
    s.add_argument("-o", "--output", required=True)

    s = add("plot", cmd_plot, "plot a samples (2-D) or walk (3-D) .npy array as PNG")
    s.add_argument("array")
    s.add_argument("--data", help="data drawn underneath (file or name)")
    s.add_argument("--title", default="")
    s.add_argument("-o", "--output", required=True)

    s = add("demo", cmd_demo, "the main job: fit VDAEs on generated manifolds and write figures")
    s.add_argument("-o", "--output", default="out/demo", help="folder (default out/demo)")
    s.add_argument("--quick", action="store_true", help="fewer points and steps (a smoke test)")
    s.add_argument("--jobs", type=int, default=None,
                   help="data sets fitted at once, one process each (default: one per core)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``vdae`` command; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except CLIError as exc:  # --help still exits (code 0) the argparse way
        print(str(exc).splitlines()[0], file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        args.func(args)
    except (CLIError, ValueError, TypeError, OSError) as exc:
        print(f"vdae {args.command}: error: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    except FloatingPointError as exc:  # training diverged
        print(f"vdae {args.command}: failed: {exc}".splitlines()[0], file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        detail = f" ({exc})" if str(exc) else ""
        print(f"vdae {args.command}: interrupted{detail}", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
