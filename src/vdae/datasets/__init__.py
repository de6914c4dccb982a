"""Data sets of the VDAE paper: generated manifolds with exact ground truth, and real data.

Synthetic generators (``make_*``) draw points uniformly from known manifolds
(:mod:`vdae.datasets.manifolds`), each with exact distance and parameter maps for evaluation;
loaders (``load_*``) read the real data sets from :func:`data_dir` (``$VDAE_DATA``, else
``<repository>/../shared/data``). Everything returns a :class:`Dataset`. The registry
:func:`load_dataset` / :func:`available_datasets` / :func:`get_manifold` gives access by name.

The paper's rotating-bulldog video is unavailable; :func:`load_bulldog_standin` renders a
clearly labelled stand-in with the same structure (a turning figurine before a fixed
background, 200 frames of 100 x 80 x 3).
"""

from . import manifolds, real, synthetic
from ._dataset import Dataset
from ._paths import data_dir
from ._registry import available_datasets, get_manifold, load_dataset
from .manifolds import *  # noqa: F403 (the names of manifolds.__all__)
from .real import *  # noqa: F403 (the names of real.__all__)
from .render import render_turntable
from .synthetic import *  # noqa: F403 (the names of synthetic.__all__)

__all__ = [
    "Dataset", "data_dir", "available_datasets", "load_dataset", "get_manifold",
    *manifolds.__all__, *synthetic.__all__, *real.__all__, "render_turntable",
]
