"""FeatureExtractor files: the network's tensors and settings in one safetensors file.

Written through :func:`vdae.io.save_model_file` (atomic: temporary file, fsync, rename; a
SHA-256 checksum of the tensors in the JSON header) and read back with safetensors only, so a
corrupted or foreign file is refused with :class:`~vdae.exceptions.ModelFileError`, never
executed.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from .._torch import resolve_device
from ..exceptions import ModelFileError
from ..io import load_model_file, save_model_file

if TYPE_CHECKING:  # pragma: no cover - typing only
    from ._feature_extractor import FeatureExtractor

__all__ = ["write_extractor", "read_extractor"]

_FILE_CLASS = "FeatureExtractor"


def write_extractor(ext: "FeatureExtractor", path: str | os.PathLike, info: dict[str, Any]) -> None:
    """Save a fitted extractor's weights, classes, settings, losses and ``info_`` + ``info``."""
    tensors = {k: v.detach().cpu().numpy() for k, v in ext.module_.state_dict().items()}
    if ext.classes_ is not None:
        tensors["__classes__"] = np.asarray(ext.classes_)
    header = {"class": _FILE_CLASS, "settings": ext.settings(), "mode": ext.mode_,
              "train_losses": [float(v) for v in ext.train_losses_],
              "info": {**ext.info_, **info}}
    save_model_file(path, tensors, header)


def read_extractor(cls: type["FeatureExtractor"], path: str | os.PathLike, *,
                   device: str | torch.device, verbose: int) -> "FeatureExtractor":
    """Rebuild a fitted extractor from a file of :func:`write_extractor`; ModelFileError if
    the file is missing, corrupted, foreign, or its tensors do not fit its settings."""
    tensors, doc = load_model_file(path, expected_class=_FILE_CLASS)
    try:
        s, mode = doc["settings"], doc["mode"]
        classes = tensors.pop("__classes__", None)
        if mode not in ("classifier", "autoencoder") or (mode == "classifier") != (
                classes is not None):
            raise ValueError(f"bad mode {mode!r}")
        ext = cls(**{**s, "image_shape": tuple(s["image_shape"]),
                     "channels": tuple(s["channels"])}, verbose=verbose, device=device)
        ext._validate()
        net = ext._build(mode, 0 if classes is None else int(classes.shape[0]))
        net.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in tensors.items()})
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise ModelFileError(f"{path}: not a valid FeatureExtractor file ({exc}).") from None
    ext.device_ = resolve_device(device)
    ext.module_ = net.to(ext.device_).eval()
    ext.mode_, ext.classes_ = mode, classes
    ext.n_features_in_ = int(np.prod(ext.image_shape))
    ext.train_losses_ = list(doc.get("train_losses", []))
    ext.fit_time_ = 0.0
    ext.info_ = dict(doc.get("info", {}))
    return ext
