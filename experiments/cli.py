"""``vdae bench table1 | figures``: the experiment harness on the command line.

Wire it into the main parser with ``add_bench_parser(subparsers)``; each sub-subcommand sets
``func`` (called with the parsed arguments), like the other ``vdae`` subcommands.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from typing import Sequence

__all__ = ["add_bench_parser", "cmd_table1", "cmd_figures", "main"]

_THREADS_HELP = ("torch and BLAS CPU threads for this run (default: the libraries' choice); "
                 "1 avoids oversubscription stalls when other jobs share the cores")


def _positive_int(text: str) -> int:
    """An argparse ``type``: an int >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an int >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an int >= 1, got {value}")
    return value


def _set_threads(n: int | None) -> None:
    """Limit torch's and the BLAS libraries' threads for the rest of this process."""
    if n is not None:
        import torch
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(n)
        threadpool_limits(limits=n)


def cmd_table1(args: argparse.Namespace) -> None:
    """Run (or resume) Table 1 and print where the results are."""
    from experiments.table1 import run_table1

    _set_threads(args.threads)
    start = time.perf_counter()
    run = run_table1(args.out, datasets=args.datasets, methods=args.methods, seeds=args.seeds,
                     quick=args.quick, command="python -m experiments " + shlex.join(sys.argv[1:]),
                     progress=not args.quiet, report_only=args.report_only,
                     jobs=args.jobs)
    for name, why in run.unavailable.items():
        print(f"skipped data set {name}: {why}")
    for rec in run.failed:
        print(f"FAILED {rec['dataset']}/{rec['method']}/seed {rec['seed']}: {rec['error']}")
    if run.missing:
        print(f"{len(run.missing)} cells not in {run.json_path} (not run: --report-only)")
    print(f"table1: {run.n_new} cells computed, {run.n_skipped} already done, "
          f"{time.perf_counter() - start:.0f} s → {run.json_path}, {run.md_path}")


def cmd_figures(args: argparse.Namespace) -> None:
    """Write the selected figures and print what was written or skipped."""
    from experiments.figures import FigureContext, run_figures

    _set_threads(args.threads)
    start = time.perf_counter()
    ctx = FigureContext.make(args.out, quick=args.quick, seed=args.seed)
    for name, result in run_figures(ctx, args.only).items():
        if isinstance(result, str):
            print(f"{name}: {result}")
        else:
            print(f"{name}: " + ", ".join(str(p) for p in result))
    print(f"figures done in {time.perf_counter() - start:.0f} s → {args.out}")


def add_bench_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``bench`` (with ``table1`` and ``figures``) on an argparse subparsers object.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What ``parser.add_subparsers()`` returned.

    Returns
    -------
    argparse.ArgumentParser
        The ``bench`` parser.
    """
    from experiments.figures import FIGURES
    from experiments.registry import DATASETS, METHODS, QUICK_DATASETS

    bench = subparsers.add_parser("bench", help="reproduce the paper's Table 1 and figures",
                                  description="Reproduce the paper's Table 1 and figures.")
    sub = bench.add_subparsers(dest="bench_command", required=True)

    t = sub.add_parser("table1", help="train and evaluate every method on every data set",
                       description="Train every method on every data set and seed; append one "
                       "JSON record per cell (resumable) and write a markdown table.")
    t.add_argument("--datasets", nargs="+", choices=list(DATASETS), metavar="NAME",
                   help=f"subset of: {', '.join(DATASETS)} (default: all; with --quick: "
                   f"{' '.join(QUICK_DATASETS)})")
    t.add_argument("--methods", nargs="+", choices=list(METHODS), metavar="NAME",
                   help=f"subset of: {', '.join(METHODS)} (default: all)")
    t.add_argument("--seeds", type=_positive_int, help="number of seeds (default 5; quick: 1)")
    t.add_argument("--quick", action="store_true",
                   help="short training and small data: a smoke test, not the paper's numbers")
    t.add_argument("--out", default="results", help="output folder (default results)")
    t.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    t.add_argument("--threads", type=_positive_int, help=_THREADS_HELP)
    t.add_argument("--jobs", type=_positive_int, default=1,
                   help="cells trained at once, one worker process and one thread each "
                        "(default 1; use the number of cores)")
    t.add_argument("--report-only", action="store_true",
                   help="train nothing: rewrite table1.md from the cells in table1.json")
    t.set_defaults(func=cmd_table1)

    f = sub.add_parser("figures", help="the paper's Figs. 2-6 and a quality-vs-steps figure",
                       description="Write the paper's Figs. 2-6 and a quality-vs-steps figure "
                       "as PNGs; a figure whose data set is missing is skipped.")
    f.add_argument("--out", default="results/figures", help="folder (default results/figures)")
    f.add_argument("--quick", action="store_true", help="small data and short training")
    f.add_argument("--only", nargs="+", choices=list(FIGURES), metavar="NAME",
                   help=f"subset of: {', '.join(FIGURES)}")
    f.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    f.add_argument("--threads", type=_positive_int, help=_THREADS_HELP)
    f.set_defaults(func=cmd_figures)
    return bench


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry point (``python -m experiments.cli bench ...``); returns the exit code."""
    import logging

    parser = argparse.ArgumentParser(prog="python -m experiments")
    add_bench_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        args.func(args)
    except (ValueError, FileNotFoundError) as exc:
        print(f"vdae bench: error: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
