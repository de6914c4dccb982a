"""The numpy ↔ torch boundary: device resolution, conversion and batched evaluation."""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch

__all__ = ["resolve_device", "to_tensor", "batched_apply", "in_chunks", "GENERATE_CHUNK",
           "RowSource", "column_stats"]


def resolve_device(device: str | torch.device) -> torch.device:
    """Resolve ``"auto"`` to CUDA when available, else CPU; pass other values through."""
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda[:i]'; got {device!r}.") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was requested but CUDA is not available here.")
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise ValueError(f"device={device!r}: this machine has {torch.cuda.device_count()} CUDA "
                         f"device(s), cuda:0 to cuda:{torch.cuda.device_count() - 1}.")
    return dev


def to_tensor(X: np.ndarray, device: torch.device) -> torch.Tensor:
    """A float32 tensor on ``device`` sharing memory with ``X`` where possible (read-only
    arrays, such as memory-mapped files, are copied)."""
    arr = np.ascontiguousarray(X, dtype=np.float32)
    if not arr.flags.writeable:
        arr = arr.copy()
    return torch.as_tensor(arr, device=device)


@torch.no_grad()
def batched_apply(
    fn: Callable[[torch.Tensor], torch.Tensor],
    X: np.ndarray,
    device: torch.device,
    batch_size: int | None = None,
) -> np.ndarray:
    """Evaluate ``fn`` on ``X`` in row batches and return a numpy float32 array.

    Parameters
    ----------
    fn : callable
        Maps a tensor of shape (b, n_features) to a tensor of shape (b, ...).
    X : ndarray of shape (n_samples, n_features)
        Input rows; may be a memmap (read one batch at a time).
    device : torch.device
        Where ``fn`` runs.
    batch_size : int or None
        Rows per call; None: about 4 million input values per batch (1024 to 65 536 rows), so
        a batch and its activations stay in cache-friendly sizes.

    Returns
    -------
    ndarray of shape (n_samples, ...)
    """
    if batch_size is None:
        width = int(np.prod(X.shape[1:])) if X.ndim > 1 else 1
        batch_size = int(np.clip(2**22 // max(width, 1), 1024, 65536))
    outs = [
        fn(to_tensor(X[i : i + batch_size], device)).float().cpu().numpy()
        for i in range(0, X.shape[0], batch_size)
    ]
    if not outs:
        raise ValueError("X must have at least one row.")
    return np.concatenate(outs, axis=0)


#: Rows produced per call when generating: bounds the memory of one decoder pass.
GENERATE_CHUNK = 65536


def in_chunks(fn: Callable[[int, int], torch.Tensor | np.ndarray], n: int,
              chunk: int = GENERATE_CHUNK) -> np.ndarray:
    """``fn(start, stop)`` over consecutive row ranges of at most ``chunk`` rows covering
    [0, n), without gradients, concatenated along the first axis.

    Parameters
    ----------
    fn : callable
        Returns the rows start … stop − 1 of the result, as a tensor (any device) or an array.
    n : int ≥ 1
        Total rows.
    chunk : int ≥ 1

    Returns
    -------
    ndarray of shape (n, ...)
    """
    outs = []
    with torch.no_grad():
        for start in range(0, n, chunk):
            out = fn(start, min(n, start + chunk))
            outs.append(out.cpu().numpy() if isinstance(out, torch.Tensor) else out)
    return np.concatenate(outs, axis=0)


class RowSource:
    """Minibatch rows of a data array without copying the array.

    An in-memory, writeable float32 array is shared with torch once (no copy); anything else
    (a read-only ``np.memmap`` of a file larger than memory, another dtype) is gathered one
    batch at a time on the host, reading the rows in file order for locality. Either way the
    memory used beyond the data is O(batch × n_features).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    device : torch.device
    """

    def __init__(self, X: np.ndarray, device: torch.device) -> None:
        self.X, self.device = X, device
        in_memory = (isinstance(X, np.ndarray) and not isinstance(X, np.memmap)
                     and X.dtype == np.float32 and X.flags.c_contiguous and X.flags.writeable)
        self._shared = torch.as_tensor(X, device=device) if in_memory else None

    def __len__(self) -> int:
        return self.X.shape[0]

    def rows(self, idx: torch.Tensor) -> torch.Tensor:
        """``X[idx]`` as a float32 tensor on the device, rows in the order of ``idx``."""
        if self._shared is not None:
            return self._shared[idx.to(self._shared.device)]
        i = idx.cpu().numpy()
        order = np.argsort(i, kind="stable")
        block = np.empty((len(i),) + self.X.shape[1:], np.float32)
        block[order] = self.X[i[order]]
        return torch.from_numpy(block).to(self.device)


def column_stats(X: np.ndarray, chunk: int = 1 << 16) -> tuple[np.ndarray, float, float]:
    """Column means, root-mean-square and largest absolute deviation from them, in one
    streaming pass per statistic (O(chunk × n_features) memory; works on memmaps).

    Returns
    -------
    mean : ndarray of shape (n_features,), float64
    rms : float
        sqrt(mean over all entries of (X − mean)²).
    max_abs : float
        max over all entries of |X − mean|.
    """
    n = X.shape[0]
    total = np.zeros(X.shape[1:], np.float64)
    for s in range(0, n, chunk):
        total += X[s : s + chunk].sum(axis=0, dtype=np.float64)
    mean = total / n
    sq, top = 0.0, 0.0
    for s in range(0, n, chunk):
        dev = X[s : s + chunk].astype(np.float64) - mean
        sq += float(np.sum(dev * dev))
        top = max(top, float(np.abs(dev).max()))
    return mean, float(np.sqrt(sq / max(X.size, 1))), top
