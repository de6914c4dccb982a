"""The :class:`Dataset` container returned by every generator and loader."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .manifolds import Manifold

__all__ = ["Dataset"]


@dataclass(frozen=True, eq=False)
class Dataset:
    """A data matrix with its labels, intrinsic parameters and provenance.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), float32
        The data, one sample per row. Images are flattened in row-major (C) order, so that
        ``X[i].reshape(image_shape)`` gives image ``i``.
    y : ndarray of shape (n_samples,), int64, or None
        Integer labels (class, object or mixture mode), or None when the data set has none.
    params : ndarray of shape (n_samples, n_params), float64, or None
        Intrinsic parameters of each sample (e.g. an angle in radians, an arc length, a frame
        index), or None when unknown.
    image_shape : tuple of int or None
        Shape of one image, e.g. ``(28, 28)`` or ``(100, 80, 3)``; None for point clouds.
    name : str
        Registry name of the data set (see :func:`vdae.datasets.available_datasets`).
    description : str
        One or two sentences on the source and the preprocessing.
    manifold : Manifold or None
        The generating manifold for synthetic manifold data (exact ``distance`` /
        ``parameters`` / ``sample``), else None.

    Notes
    -----
    The container is frozen (its fields cannot be reassigned) and compares by identity, as
    element-wise array equality has no single truth value.
    """

    X: np.ndarray
    y: np.ndarray | None = None
    params: np.ndarray | None = None
    image_shape: tuple[int, ...] | None = None
    name: str = ""
    description: str = ""
    manifold: "Manifold | None" = field(default=None)

    def __post_init__(self) -> None:
        X = np.asarray(self.X)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D of shape (n_samples, n_features), got shape {X.shape}")
        if X.dtype != np.float32:
            X = X.astype(np.float32)
        object.__setattr__(self, "X", X)
        n = X.shape[0]
        if self.y is not None:
            y = np.asarray(self.y)
            if y.shape != (n,):
                raise ValueError(f"y must have shape ({n},) to match X, got {y.shape}")
            if not np.issubdtype(y.dtype, np.integer):
                raise TypeError(f"y must hold integers, got dtype {y.dtype}")
            object.__setattr__(self, "y", y.astype(np.int64, copy=False))
        if self.params is not None:
            p = np.asarray(self.params, dtype=np.float64)
            if p.ndim == 1:
                p = p[:, None]
            if p.ndim != 2 or p.shape[0] != n:
                raise ValueError(f"params must have shape ({n}, n_params), got {p.shape}")
            object.__setattr__(self, "params", p)
        if self.image_shape is not None:
            shape = tuple(int(s) for s in self.image_shape)
            if int(np.prod(shape)) != X.shape[1]:
                raise ValueError(
                    f"image_shape {shape} holds {int(np.prod(shape))} values but X has "
                    f"{X.shape[1]} features"
                )
            object.__setattr__(self, "image_shape", shape)

    @property
    def n_samples(self) -> int:
        """Number of samples (rows of ``X``)."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Number of features (columns of ``X``)."""
        return int(self.X.shape[1])

    def __len__(self) -> int:
        return self.n_samples

    def images(self) -> np.ndarray:
        """The samples as images.

        Returns
        -------
        ndarray of shape (n_samples, height, width) or (n_samples, height, width, channels)
            A view of ``X`` reshaped row-major.

        Raises
        ------
        ValueError
            If the data set is not made of images (``image_shape`` is None).
        """
        if self.image_shape is None:
            raise ValueError(
                f"data set {self.name!r} is not an image data set (image_shape is None)"
            )
        return self.X.reshape((self.n_samples, *self.image_shape))

    def __repr__(self) -> str:
        parts: list[Any] = [f"name={self.name!r}", f"X={self.X.shape} {self.X.dtype}"]
        if self.y is not None:
            parts.append(f"y={self.y.shape}, {len(np.unique(self.y))} classes")
        if self.params is not None:
            parts.append(f"params={self.params.shape}")
        if self.image_shape is not None:
            parts.append(f"image_shape={self.image_shape}")
        if self.manifold is not None:
            parts.append(f"manifold={self.manifold!r}")
        return f"Dataset({', '.join(str(p) for p in parts)})"
