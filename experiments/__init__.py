"""The experiment harness: the paper's Table 1 and figures (Sect. 6), reproducibly.

- :func:`run_table1` — every method × data set × seed, resumable JSON records and a markdown
  table next to the paper's published values (:mod:`experiments.table1`);
- :func:`run_figures`, :class:`FigureContext` and the single figure functions of
  :mod:`experiments.figures`;
- :mod:`experiments.registry` — the declared data-set × method settings;
- :class:`StandardGAN` and :class:`DiscriminatorRejectionSampler` — the GAN and DRS-GAN
  (Azadi et al. 2018) of Fig. 6;
- :func:`add_bench_parser` — the ``vdae bench`` command line.

Names are imported lazily, so ``from experiments import add_bench_parser`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "run_table1": "table1", "run_figures": "figures", "FigureContext": "figures",
    "FIGURES": "figures", "StandardGAN": "gan", "DiscriminatorRejectionSampler": "drs",
    "drs_acceptance": "drs", "add_bench_parser": "cli",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
