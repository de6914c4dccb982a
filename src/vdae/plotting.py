"""Figures (matplotlib, imported lazily; the Agg backend is used so no screen is needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

__all__ = ["scatter", "plot_random_walk", "plot_samples", "plot_burst", "plot_embedding",
           "image_grid", "save_figure"]


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _axes(fig, pos, dim: int):
    return fig.add_subplot(*pos, projection="3d") if dim >= 3 else fig.add_subplot(*pos)


def scatter(ax, X: np.ndarray, **kw) -> None:
    """Scatter the first two or three columns of ``X`` on ``ax`` (three on 3-D axes).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes (3-D axes draw three columns).
    X : ndarray of shape (n, m), m ≥ 2
        The points.
    **kw : dict
        Passed to ``ax.scatter`` (``s``, ``c``, ``alpha``, ``label``, ...).
    """
    if X.shape[1] >= 3 and hasattr(ax, "zaxis"):
        ax.scatter(X[:, 0], X[:, 1], X[:, 2], **kw)
    else:
        ax.scatter(X[:, 0], X[:, 1], **kw)


def save_figure(fig, path: str | Path) -> Path:
    """Save ``fig`` as PNG (150 dpi, parent folders created) and close it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    path : str or pathlib.Path
        The file to write.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=150, bbox_inches="tight")
    _plt().close(fig)
    return path


def plot_random_walk(trajectory: np.ndarray, data: np.ndarray | None = None, *, title: str = "",
                     path: str | Path | None = None):
    """Plot random-walk chains from one seed, points coloured by step t (Figs. 2, 4 a–c).

    Parameters
    ----------
    trajectory : ndarray of shape (n_steps + 1, n_chains, n_features)
        The chains, as returned by :meth:`vdae.VDAE.random_walk`; the seed is ``[0, 0]``.
    data : ndarray of shape (n, n_features) or None, default=None
        Drawn faintly underneath.
    title : str, default=""
        Figure title.
    path : str, pathlib.Path or None, default=None
        Where to save the figure as PNG; None: return the open figure.

    Returns
    -------
    matplotlib.figure.Figure or pathlib.Path
        The figure, or the saved file's path when ``path`` is given (the figure is closed).
    """
    plt = _plt()
    T, C, m = trajectory.shape
    fig = plt.figure(figsize=(5.5, 4.5))
    ax = _axes(fig, (1, 1, 1), m)
    if data is not None:
        scatter(ax, data, s=1, c="0.85", alpha=0.5)
    steps = np.repeat(np.arange(T), C)
    pts = trajectory.reshape(-1, m)
    order = np.argsort(steps, kind="stable")
    sc = ax.scatter(*pts[order, : min(m, 3)].T, c=steps[order], cmap="viridis", s=2)
    seed = trajectory[0, 0]
    ax.scatter(*seed[: min(m, 3)], c="red", s=60, marker="*", label="seed")
    fig.colorbar(sc, ax=ax, label="step t", shrink=0.7)
    ax.set_title(title)
    ax.legend(loc="upper right")
    return save_figure(fig, path) if path else fig


def plot_samples(samples: np.ndarray, data: np.ndarray, *, title: str = "", path=None):
    """Plot generated samples (blue) over the data (grey).

    Parameters
    ----------
    samples : ndarray of shape (n_samples, n_features)
        Generated points.
    data : ndarray of shape (n, n_features)
        Training points.
    title : str, default=""
        Figure title.
    path : str, pathlib.Path or None, default=None
        Where to save the figure as PNG; None: return the open figure.

    Returns
    -------
    matplotlib.figure.Figure or pathlib.Path
        The figure, or the saved file's path when ``path`` is given (the figure is closed).
    """
    plt = _plt()
    m = samples.shape[1]
    fig = plt.figure(figsize=(5.5, 4.5))
    ax = _axes(fig, (1, 1, 1), m)
    scatter(ax, data, s=2, c="0.7", alpha=0.5, label="data")
    scatter(ax, samples, s=2, c="tab:blue", alpha=0.6, label="VDAE samples")
    ax.set_title(title)
    ax.legend(loc="upper right", markerscale=4)
    return save_figure(fig, path) if path else fig


def plot_burst(burst: np.ndarray, seed: np.ndarray, data: np.ndarray, *, title: str = "",
               path=None):
    """Plot many single-step draws from p(x' | x) around one seed (Fig. 4 d–f).

    Parameters
    ----------
    burst : ndarray of shape (n_samples, n_features)
        The draws, as returned by :meth:`vdae.VDAE.burst`.
    seed : ndarray of shape (n_features,)
        The seed x.
    data : ndarray of shape (n, n_features)
        Training points, drawn faintly underneath.
    title : str, default=""
        Figure title.
    path : str, pathlib.Path or None, default=None
        Where to save the figure as PNG; None: return the open figure.

    Returns
    -------
    matplotlib.figure.Figure or pathlib.Path
        The figure, or the saved file's path when ``path`` is given (the figure is closed).
    """
    plt = _plt()
    m = burst.shape[1]
    fig = plt.figure(figsize=(5.5, 4.5))
    ax = _axes(fig, (1, 1, 1), m)
    scatter(ax, data, s=1, c="0.85", alpha=0.5)
    scatter(ax, burst, s=3, c="tab:orange", alpha=0.7, label="one step from the seed")
    ax.scatter(*np.asarray(seed)[: min(m, 3)], c="red", s=60, marker="*", label="seed")
    ax.set_title(title)
    ax.legend(loc="upper right", markerscale=3)
    return save_figure(fig, path) if path else fig


def plot_embedding(Z: np.ndarray, color: np.ndarray | None = None, *, title: str = "", path=None):
    """Plot pairs of diffusion coordinates (ψ1, ψ2), (ψ3, ψ4), ... of an embedding.

    Parameters
    ----------
    Z : ndarray of shape (n, D)
        The embedding (e.g. ``DiffusionMap.embedding_``).
    color : ndarray of shape (n,) or None, default=None
        Values that colour the points (cyclic colour map), e.g. a true angle.
    title : str, default=""
        Figure title.
    path : str, pathlib.Path or None, default=None
        Where to save the figure as PNG; None: return the open figure.

    Returns
    -------
    matplotlib.figure.Figure or pathlib.Path
        The figure, or the saved file's path when ``path`` is given (the figure is closed).
    """
    plt = _plt()
    D = Z.shape[1]
    pairs = [(i, i + 1) for i in range(0, D - 1, 2)] or [(0, 0)]
    fig, axes = plt.subplots(1, len(pairs), figsize=(3.6 * len(pairs), 3.4), squeeze=False)
    for ax, (i, j) in zip(axes[0], pairs):
        colour = {} if color is None else {"c": color, "cmap": "twilight"}
        ax.scatter(Z[:, i], Z[:, j], s=2, **colour)
        ax.set_xlabel(f"ψ{i + 1}")
        ax.set_ylabel(f"ψ{j + 1}")
    fig.suptitle(title)
    return save_figure(fig, path) if path else fig


def image_grid(images: np.ndarray, image_shape: Sequence[int], *, n_cols: int = 10, title: str = "",
               row_labels: Sequence[str] | None = None, path=None):
    """Plot images in a grid.

    Parameters
    ----------
    images : ndarray of shape (n, prod(image_shape))
        Flattened images with values in [0, 1] (clipped).
    image_shape : sequence of int
        (h, w) or (h, w, 3) of one image.
    n_cols : int, default=10
        Images per row.
    title : str, default=""
        Figure title.
    row_labels : sequence of str or None, default=None
        A label written above the first image of each row.
    path : str, pathlib.Path or None, default=None
        Where to save the figure as PNG; None: return the open figure.

    Returns
    -------
    matplotlib.figure.Figure or pathlib.Path
        The figure, or the saved file's path when ``path`` is given (the figure is closed).
    """
    plt = _plt()
    n = images.shape[0]
    rows = int(np.ceil(n / n_cols))
    fig, axes = plt.subplots(rows, n_cols, figsize=(n_cols * 0.9, rows * 0.9), squeeze=False)
    for k, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if k < n:
            img = np.clip(images[k].reshape(image_shape), 0, 1)
            ax.imshow(img, cmap=None if img.ndim == 3 else "gray", vmin=0, vmax=1)
    if row_labels is not None:
        for r, lab in enumerate(row_labels[:rows]):
            axes[r, 0].set_title(lab, fontsize=6, loc="left")
    fig.suptitle(title)
    return save_figure(fig, path) if path else fig
