"""Safe model files: safetensors tensors + a JSON header, written atomically.

A model file is one safetensors file. Its string metadata holds ``"vdae"``: a JSON document
with the format name and version, the estimator class, its parameters, fitted scalars, library
versions, and a SHA-256 checksum of the tensor payload. Loading parses the header with a
size-bounded JSON parser and reads raw tensors: no code is executed (no pickle anywhere), so a
file from a stranger can at worst be refused.

Saving writes to a temporary file in the target folder, fsyncs it, and renames it over the
target, so a crash mid-save leaves the previous file intact.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .exceptions import ModelFileError

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "save_model_file", "load_model_file", "atomic_write",
           "data_fingerprint"]

FORMAT_NAME = "vdae-model"
FORMAT_VERSION = 1
_MAX_HEADER = 64 << 20


def _checksum(tensors: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name])
        h.update(name.encode())
        h.update(str(arr.dtype).encode())
        h.update(str(arr.shape).encode())
        h.update(arr.tobytes())
    return h.hexdigest()


def data_fingerprint(X: np.ndarray, max_rows: int = 2048) -> dict[str, Any]:
    """Compute a cheap identity of a data array: its shape and a hash of some of its rows.

    The hash is a SHA-256 of up to ``max_rows`` evenly spaced rows (O(max_rows) reads, so it
    works on memory-mapped data larger than RAM).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The data (an in-memory or memory-mapped array).
    max_rows : int, default=2048
        Most rows read.

    Returns
    -------
    dict of str to Any
        The fingerprint (JSON-serialisable): the shape and the hash.
    """
    rows = np.unique(np.linspace(0, len(X) - 1, min(len(X), max_rows)).astype(np.int64))
    digest = hashlib.sha256(np.ascontiguousarray(X[rows], dtype=np.float32).tobytes())
    return {"shape": [int(s) for s in X.shape], "sha256": digest.hexdigest()}


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` via a fsynced temporary file and an atomic rename.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write; a previous file is replaced only once the new one is complete.
    data : bytes
        The file's contents.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with _suppress():
            os.unlink(tmp)
        raise
    with _suppress():
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class _suppress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return exc[0] is not None and issubclass(exc[0], OSError)


def save_model_file(path: str | os.PathLike, tensors: dict[str, np.ndarray],
                    header: dict[str, Any]) -> None:
    """Save named arrays and a JSON-serialisable header as one safetensors file, atomically.

    Parameters
    ----------
    path : path-like
        Target file (conventionally ``*.vdae``; any name works).
    tensors : dict of str → ndarray
        Arrays to store (numeric dtypes).
    header : dict
        JSON-serialisable description (class, params, fitted scalars); the format name,
        version and checksum are added here.
    """
    from safetensors.numpy import save

    tensors = {k: np.ascontiguousarray(v) for k, v in tensors.items()}
    doc = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, **header,
           "checksum": _checksum(tensors)}
    atomic_write(path, save(tensors, metadata={"vdae": json.dumps(doc, sort_keys=True)}))


def _read_header(raw: bytes, path: Path) -> dict:
    if len(raw) < 8:
        raise ModelFileError(f"{path}: not a vdae model file (too short: {len(raw)} bytes).")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > _MAX_HEADER or 8 + n > len(raw):
        raise ModelFileError(f"{path}: not a vdae model file, or truncated (bad header length).")
    try:
        hdr = json.loads(raw[8 : 8 + n].decode("utf-8"))
        meta = hdr.get("__metadata__", {}) or {}
        doc = json.loads(meta["vdae"])
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, AttributeError):
        raise ModelFileError(f"{path}: not a vdae model file (no vdae header).") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT_NAME:
        raise ModelFileError(f"{path}: not a vdae model file (format {doc.get('format')!r}).")
    return doc


def load_model_file(path: str | os.PathLike, *, expected_class: str | None = None
                    ) -> tuple[dict[str, np.ndarray], dict]:
    """Read a file written by :func:`save_model_file`, verifying format, version and checksum.

    Parameters
    ----------
    path : str or os.PathLike
        The model file.
    expected_class : str or None, default=None
        The estimator class the file must hold; None accepts any.

    Returns
    -------
    tensors : dict of str to ndarray
        The named arrays.
    header : dict
        The JSON header (``class``, ``params``, ``fitted``, ``versions``, ...).

    Raises
    ------
    ModelFileError
        Missing, truncated, corrupted, foreign, or newer-version files, or a file of another
        estimator class than ``expected_class``.
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load

    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file.")
    raw = path.read_bytes()
    doc = _read_header(raw, path)
    version = doc.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: model file format version {version!r} is newer than this vdae supports "
            f"({FORMAT_VERSION}); upgrade vdae."
        )
    if expected_class is not None and doc.get("class") != expected_class:
        raise ModelFileError(
            f"{path}: holds a {doc.get('class')!r} model, not a {expected_class!r}.")
    try:
        tensors = load(raw)
    except (SafetensorError, ValueError, OSError) as exc:
        raise ModelFileError(f"{path}: corrupted or truncated model file ({exc}).") from None
    if _checksum(tensors) != doc.get("checksum"):
        raise ModelFileError(f"{path}: checksum mismatch: the file is corrupted.")
    return tensors, doc
