"""Helpers shared by the metrics: paired-input validation, subsampling, chunked distances."""

from __future__ import annotations

import os
from typing import Any, Iterator

import numpy as np

from .._validation import check_array

__all__ = ["check_pair", "subsample", "sq_norms", "sq_distances_chunks", "n_usable_cpus"]


def check_pair(
    X: Any, Y: Any, names: tuple[str, str] = ("X", "Y"), *, same_features: bool = True,
    min_samples: int = 1, dtype: Any = np.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """Validate two sample sets; with ``same_features`` their column counts must agree."""
    A = check_array(X, names[0], min_samples=min_samples, dtype=dtype)
    B = check_array(Y, names[1], min_samples=min_samples, dtype=dtype)
    if same_features and A.shape[1] != B.shape[1]:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same number of features; got "
            f"{names[0]} with {A.shape[1]} and {names[1]} with {B.shape[1]}."
        )
    return A, B


def subsample(X: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` rows of ``X`` drawn without replacement (all of ``X`` if it is no larger)."""
    if X.shape[0] <= size:
        return X
    return X[np.sort(rng.choice(X.shape[0], size=size, replace=False))]


def sq_norms(X: np.ndarray) -> np.ndarray:
    """Row-wise squared Euclidean norms, shape (n,)."""
    return np.einsum("ij,ij->i", X, X)


def sq_distances_chunks(
    A: np.ndarray, B: np.ndarray, max_elements: int = 1 << 22
) -> Iterator[tuple[slice, np.ndarray, np.ndarray]]:
    """Yield ``(rows, D2, tol)`` for row blocks of ``A`` against all of ``B``.

    ``D2[i, j] = |A[rows][i] - B[j]|²`` by the expansion |a|² + |b|² − 2 a·b (clipped at 0),
    and ``tol`` is an upper bound on its rounding error, so that comparisons ``D2 <= r² + tol``
    treat coincident points as coincident. At most ``max_elements`` distances (32 MiB in
    float64) are held at a time.
    """
    b2 = sq_norms(B)
    step = max(1, max_elements // max(B.shape[0], 1))
    eps = 64 * np.finfo(A.dtype).eps
    for start in range(0, A.shape[0], step):
        rows = slice(start, min(start + step, A.shape[0]))
        a2 = sq_norms(A[rows])
        D2 = a2[:, None] + b2[None, :] - 2.0 * (A[rows] @ B.T)
        np.maximum(D2, 0.0, out=D2)
        tol = eps * (a2[:, None] + b2[None, :])
        yield rows, D2, tol


def n_usable_cpus() -> int:
    """CPU cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)
