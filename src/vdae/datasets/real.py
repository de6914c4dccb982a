"""Loaders of the real data sets of the paper, read from the data folder (:func:`data_dir`).

Every loader reads the original files (see ``PROVENANCE.md`` in each sub-folder of the data
folder), checks their format and shapes, and returns a :class:`Dataset` with float32 ``X``.
Decoded files are cached in memory (keyed by path), so repeated loads are cheap; every call
returns fresh arrays. A missing file raises :class:`FileNotFoundError` naming the file, the
folder searched and the ``VDAE_DATA`` variable that points at the data.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .._validation import check_random_state
from ._checks import check_int, subsample_indices
from ._dataset import Dataset
from ._paths import data_dir, data_file
from ._readers import read_idx, read_ply
from .render import render_turntable

__all__ = [
    "load_bunny",
    "load_bunny_mesh",
    "load_frey",
    "load_mnist",
    "load_coil20",
    "load_bulldog_standin",
]

_BUNNY = ("bunny", "bun_zipper.ply")
_FREY = ("frey", "frey_rawface.mat")
_MNIST = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def _readonly(*arrays: np.ndarray) -> None:
    for a in arrays:
        a.setflags(write=False)


# -------------------------------------------------------------------------------- bunny
@lru_cache(maxsize=2)
def _bunny_mesh(path: str) -> tuple[np.ndarray, np.ndarray]:
    mesh = read_ply(path)
    V, F = mesh.vertices, mesh.faces
    _readonly(V, F)
    return V, F


def load_bunny_mesh() -> tuple[np.ndarray, np.ndarray]:
    """The Stanford bunny triangle mesh (``bunny/bun_zipper.ply``), for rendering.

    Returns
    -------
    vertices : ndarray of shape (35947, 3), float64
        Vertex positions (x, y, z) in metres in the scanner frame, y up.
    faces : ndarray of shape (69451, 3), int64
        Triangle vertex indices.

    Raises
    ------
    FileNotFoundError
        If ``bunny/bun_zipper.ply`` is not in the data folder.

    Examples
    --------
    >>> from vdae.datasets import load_bunny_mesh
    >>> vertices, faces = load_bunny_mesh()  # doctest: +SKIP
    >>> vertices.shape[1], faces.shape[1]  # doctest: +SKIP
    (3, 3)
    """
    V, F = _bunny_mesh(str(data_file(*_BUNNY)))
    return V.copy(), F.copy()


def load_bunny(n_samples: int | None = None, *, random_state: Any = None) -> Dataset:
    """The Stanford bunny point cloud: the vertices of ``bunny/bun_zipper.ply``.

    Parameters
    ----------
    n_samples : int or None, default=None
        If given, a subsample of this many vertices drawn without replacement (kept in file
        order); None keeps all 35 947.
    random_state : None, int or numpy.random.Generator
        Seed or generator of the subsample.

    Returns
    -------
    Dataset
        ``X`` float32 of shape (n_samples or 35947, 3): raw (x, y, z) in metres (no centring or
        scaling); ``y``, ``params``, ``image_shape``, ``manifold`` None.

    Examples
    --------
    >>> from vdae.datasets import load_bunny
    >>> data = load_bunny(2000, random_state=0)  # doctest: +SKIP
    >>> data.X.shape  # doctest: +SKIP
    (2000, 3)
    """
    if n_samples is not None:  # arguments first: a bad call fails the same with or without data
        check_int(n_samples, "n_samples")
    rng = check_random_state(random_state)
    V, _ = _bunny_mesh(str(data_file(*_BUNNY)))
    idx = subsample_indices(V.shape[0], n_samples, rng)
    X = V if idx is None else V[idx]
    return Dataset(
        X=X.astype(np.float32),
        name="bunny",
        description=(
            f"{X.shape[0]} of the 35947 vertices (x, y, z in metres, y up, unscaled) of the "
            "Stanford bunny zipper reconstruction bun_zipper.ply"
            + ("." if idx is None else ", subsampled uniformly without replacement.")
        ),
    )


# --------------------------------------------------------------------------------- Frey
@lru_cache(maxsize=2)
def _frey(path: str) -> np.ndarray:
    from scipy.io import loadmat

    mat = loadmat(path)
    if "ff" not in mat:
        raise ValueError(f"{path}: expected a variable 'ff', found {sorted(mat)}")
    ff = np.ascontiguousarray(mat["ff"].T)
    if ff.shape[1] != 28 * 20:
        raise ValueError(
            f"{path}: 'ff' should hold 560-pixel (28 x 20) columns, got {mat['ff'].shape}"
        )
    _readonly(ff)
    return ff


def load_frey() -> Dataset:
    """Brendan Frey's face video: 1965 greyscale frames of 28 x 20 pixels.

    Reads ``frey/frey_rawface.mat`` (variable ``ff``, one frame per column) and scales the
    pixel values to [0, 1] by the global min and max (8 and 238), as the authors' code does.

    Returns
    -------
    Dataset
        ``X`` float32 of shape (1965, 560) in [0, 1] (frames flattened row-major);
        ``params`` float64 (1965, 1) the frame index 0..1964 (video time); ``image_shape``
        (28, 20); ``y`` None.

    Examples
    --------
    >>> from vdae.datasets import load_frey
    >>> data = load_frey()  # doctest: +SKIP
    >>> data.X.shape, data.image_shape  # doctest: +SKIP
    ((1965, 560), (28, 20))
    """
    ff = _frey(str(data_file(*_FREY))).astype(np.float32)
    lo, hi = float(ff.min()), float(ff.max())
    X = (ff - lo) / (hi - lo)
    return Dataset(
        X=X,
        params=np.arange(X.shape[0], dtype=np.float64)[:, None],
        image_shape=(28, 20),
        name="frey",
        description=(
            f"The 1965 frames (28 x 20) of frey_rawface.mat ('ff'.T), min-max scaled from "
            f"[{lo:g}, {hi:g}] to [0, 1]; params = frame index."
        ),
    )


# -------------------------------------------------------------------------------- MNIST
@lru_cache(maxsize=4)
def _mnist_split(images_path: str, labels_path: str) -> tuple[np.ndarray, np.ndarray]:
    images = read_idx(images_path, expected_magic=0x00000803)
    labels = read_idx(labels_path, expected_magic=0x00000801)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"{images_path}: expected (n, 28, 28) images, got {images.shape}")
    if labels.shape != (images.shape[0],):
        raise ValueError(
            f"{labels_path}: {labels.shape[0]} labels for {images.shape[0]} images in {images_path}"
        )
    if labels.max() > 9:
        raise ValueError(f"{labels_path}: labels must be digits 0..9, found {labels.max()}")
    _readonly(images, labels)
    return images, labels


#: Images per MNIST split (the IDX files' published sizes).
_MNIST_SIZES = {"train": 60_000, "test": 10_000}


def load_mnist(
    split: str = "all", n_samples: int | None = None, *, random_state: Any = None
) -> Dataset:
    """The MNIST handwritten digits (LeCun et al.), read from the four original IDX files.

    Parameters
    ----------
    split : {"all", "train", "test"}, default="all"
        ``"train"`` (60 000 images), ``"test"`` (10 000), or ``"all"`` (the 70 000 training then
        test images).
    n_samples : int or None, default=None
        If given, a subsample of this many images drawn without replacement (kept in order).
    random_state : None, int or numpy.random.Generator
        Seed or generator of the subsample.

    Returns
    -------
    Dataset
        ``X`` float32 of shape (n, 784) in [0, 1] (pixel / 255, row-major 28 x 28); ``y``
        int64 digit labels 0..9; ``image_shape`` (28, 28); ``params`` None.

    Examples
    --------
    >>> from vdae.datasets import load_mnist
    >>> data = load_mnist("test")  # doctest: +SKIP
    >>> data.X.shape, data.image_shape  # doctest: +SKIP
    ((10000, 784), (28, 28))
    """
    if not isinstance(split, str) or split not in ("all", "train", "test"):
        raise ValueError(f"split must be one of 'all', 'train', 'test', got {split!r}")
    parts = ["train", "test"] if split == "all" else [split]
    if n_samples is not None:  # arguments first: a bad call fails the same with or without data
        n_max = sum(_MNIST_SIZES[p] for p in parts)
        if check_int(n_samples, "n_samples") > n_max:
            raise ValueError(f"n_samples must be at most {n_max} (MNIST {split}), got {n_samples}")
    images, labels = [], []
    for part in parts:
        img_name, lab_name = _MNIST[part]
        im, lab = _mnist_split(str(data_file("mnist", img_name)), str(data_file("mnist", lab_name)))
        images.append(im)
        labels.append(lab)
    n_total = sum(len(lab) for lab in labels)
    idx = subsample_indices(n_total, n_samples, check_random_state(random_state))
    if idx is None:
        X = np.concatenate([im.reshape(len(im), -1) for im in images]).astype(np.float32)
        y = np.concatenate(labels).astype(np.int64)
    else:
        offsets = np.cumsum([0] + [len(lab) for lab in labels])
        X = np.empty((idx.size, 784), dtype=np.float32)
        y = np.empty(idx.size, dtype=np.int64)
        for k, (im, lab) in enumerate(zip(images, labels)):
            sel = (idx >= offsets[k]) & (idx < offsets[k + 1])
            X[sel] = im.reshape(len(im), -1)[idx[sel] - offsets[k]]
            y[sel] = lab[idx[sel] - offsets[k]]
    X /= 255.0
    return Dataset(
        X=X,
        y=y,
        image_shape=(28, 28),
        name="mnist",
        description=(
            f"{X.shape[0]} MNIST digits ({split} split{'' if idx is None else ', subsampled'}) "
            "from the original IDX files, pixels divided by 255; y = digit."
        ),
    )


# ------------------------------------------------------------------------------ COIL-20
@lru_cache(maxsize=4)
def _coil20(folder: str, n_objects: int, size: int) -> np.ndarray:
    from PIL import Image

    root = Path(folder)
    out = np.empty((n_objects * 72, size, size), dtype=np.uint8)
    sub = root.name
    for obj in range(1, n_objects + 1):
        for pose in range(72):
            path = data_file("coil20", sub, f"obj{obj}__{pose}.png")
            with Image.open(path) as img:
                img = img.convert("L")
                if img.size != (size, size):
                    img = img.resize((size, size), Image.Resampling.LANCZOS)
                out[(obj - 1) * 72 + pose] = np.asarray(img)
    _readonly(out)
    return out


def load_coil20(processed: bool = False, size: int = 128) -> Dataset:
    """COIL-20 turntable images (Nene, Nayar, Murase 1996): objects photographed every 5°.

    Parameters
    ----------
    processed : bool, default=False
        False (the paper's choice): the unprocessed set, 360 images of 5 objects
        (``coil20/coil-20-unproc``, 448 x 416 pixels, small objects on black). True: the
        processed set, 1440 cropped 128 x 128 images of 20 objects (``coil20/coil-20-proc``).
    size : int, default=128
        Output images are ``size x size``; images of another size are resized with Pillow's
        antialiasing LANCZOS filter (the unprocessed 448 x 416 frames are squeezed to a square,
        as in the paper's 128 x 128 version).

    Returns
    -------
    Dataset
        ``X`` float32 of shape (n, size**2) in [0, 1] (pixel / 255), in (object, pose) order;
        ``y`` int64 object index 0..4 (or 0..19); ``params`` float64 (n, 1) the turntable angle
        in radians (5° x pose number); ``image_shape`` (size, size).

    Examples
    --------
    >>> from vdae.datasets import load_coil20
    >>> data = load_coil20(processed=True, size=32)  # doctest: +SKIP
    >>> data.X.shape[1]  # doctest: +SKIP
    1024
    """
    if not isinstance(processed, (bool, np.bool_)):
        raise TypeError(f"processed must be a bool, got {processed!r}")
    size = check_int(size, "size", minimum=8)
    sub, n_objects = ("coil-20-proc", 20) if processed else ("coil-20-unproc", 5)
    images = _coil20(str(data_dir() / "coil20" / sub), n_objects, size)
    n = images.shape[0]
    return Dataset(
        X=images.reshape(n, -1).astype(np.float32) / 255.0,
        y=np.repeat(np.arange(n_objects), 72),
        params=np.tile(np.deg2rad(5.0 * np.arange(72)), n_objects)[:, None],
        image_shape=(size, size),
        name="coil20",
        description=(
            f"COIL-20 {'processed' if processed else 'unprocessed'} set: {n} images of "
            f"{n_objects} objects x 72 poses ({sub}), "
            + (f"resized to {size} x {size} with LANCZOS, " if not processed or size != 128 else "")
            + "pixels divided by 255; y = object, params = angle (rad)."
        ),
    )


# ---------------------------------------------------------------------- bulldog stand-in
@lru_cache(maxsize=2)
def _standin_frames(path: str, n_frames: int) -> np.ndarray:
    V, F = _bunny_mesh(path)
    angles = 2.0 * np.pi * np.arange(n_frames) / n_frames
    frames = render_turntable(V, F, angles, height=100, width=80)
    _readonly(frames)
    return frames


def load_bulldog_standin(n_frames: int = 200) -> Dataset:
    """A synthetic stand-in for the paper's rotating-bulldog video, which is unavailable.

    The paper's data are 200 colour frames (100 x 80 x 3) of a bulldog figurine turning on a
    turntable in front of a fixed background (Lederman & Talmon). This stand-in keeps that
    structure: the Stanford bunny mesh (``bunny/bun_zipper.ply``, 69 451 triangles) rendered by
    :func:`vdae.datasets.render.render_turntable` (numpy z-buffer, Lambertian shading, fixed
    light, camera and non-uniform background) at ``n_frames`` equally spaced angles over
    360°. Deterministic. It is *not* the paper's data.

    Parameters
    ----------
    n_frames : int, default=200
        Number of frames; frame ``k`` shows the turntable at angle ``2 pi k / n_frames``.

    Returns
    -------
    Dataset
        ``X`` float32 of shape (n_frames, 24000) in [0, 1] (frames flattened row-major from
        100 rows x 80 columns x 3 colours); ``params`` float64 (n_frames, 1) the angle in
        radians; ``image_shape`` (100, 80, 3); ``y`` None.

    Examples
    --------
    >>> from vdae.datasets import load_bulldog_standin
    >>> data = load_bulldog_standin(20)  # doctest: +SKIP
    >>> data.X.shape  # doctest: +SKIP
    (20, 24000)
    """
    n_frames = check_int(n_frames, "n_frames")
    frames = _standin_frames(str(data_file(*_BUNNY)), n_frames)
    return Dataset(
        X=frames.reshape(n_frames, -1).copy(),
        params=(2.0 * np.pi * np.arange(n_frames) / n_frames)[:, None],
        image_shape=(100, 80, 3),
        name="bulldog_standin",
        description=(
            "SYNTHETIC STAND-IN for the unavailable rotating-bulldog video: the Stanford bunny "
            f"mesh rendered (numpy z-buffer, Lambertian shading, fixed background) at {n_frames} "
            "turntable angles over 360 degrees, 100 x 80 x 3 RGB in [0, 1]; params = angle (rad)."
        ),
    )
