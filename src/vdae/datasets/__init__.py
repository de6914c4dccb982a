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

from ._dataset import Dataset
from ._paths import data_dir
from ._registry import available_datasets, get_manifold, load_dataset
from .manifolds import (
    Circle,
    CircleUnion,
    FlatTorus,
    Loop,
    Manifold,
    RolledSheet,
    Sphere,
    Strip,
    Torus,
)
from .real import (
    load_bulldog_standin,
    load_bunny,
    load_bunny_mesh,
    load_coil20,
    load_frey,
    load_mnist,
)
from .render import render_turntable
from .synthetic import (
    gaussian_grid_centres,
    grid_mode_assignment,
    make_circle,
    make_clusters,
    make_embedded_manifold,
    make_flat_torus,
    make_gaussian_grid,
    make_loop,
    make_sphere,
    make_strip,
    make_torus,
)

__all__ = [
    "Dataset",
    "data_dir",
    "available_datasets",
    "load_dataset",
    "get_manifold",
    "Manifold",
    "Circle",
    "Loop",
    "Sphere",
    "Torus",
    "FlatTorus",
    "Strip",
    "RolledSheet",
    "CircleUnion",
    "make_circle",
    "make_loop",
    "make_sphere",
    "make_torus",
    "make_flat_torus",
    "make_strip",
    "make_embedded_manifold",
    "make_gaussian_grid",
    "make_clusters",
    "gaussian_grid_centres",
    "grid_mode_assignment",
    "load_bunny",
    "load_bunny_mesh",
    "load_frey",
    "load_mnist",
    "load_coil20",
    "load_bulldog_standin",
    "render_turntable",
]
