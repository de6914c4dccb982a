"""Checkpoints of a VDAE fit and the arrays of its encoder (model files share the latter).

A fit in progress lives in a :class:`TrainState` passed to the training functions, never on the
estimator: the random streams, the embedding and its component labels, the optimiser once it
exists, and (when resuming) the arrays and progress record read from the checkpoint.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import torch

from ...engine.checkpoint import (
    generator_state, load_checkpoint, numpy_rng_from_state, numpy_rng_state, optimizer_state,
    save_checkpoint,
)
from ...exceptions import ModelFileError
from ...nn.state import module_state
from ...prior.encoder import ENCODERS, Encoder

__all__ = ["TrainState", "restore_encoder", "save_fit_checkpoint",
           "restore_fit_checkpoint"]


@dataclass
class TrainState:
    """Everything a VDAE fit carries between its stages (and writes into a checkpoint).

    Attributes
    ----------
    rng : numpy Generator
        The fit's stream after the prior and the modules were drawn (seeds are drawn from it).
    gen : torch.Generator
        The training stream (minibatches and ε), on the fit's device.
    Z : ndarray of shape (n_samples, D), float32
        ψ of the training set.
    labels : ndarray of shape (n_samples,), int
        Connected component of each training point in the affinity graph.
    fingerprint : dict
        :func:`vdae.io.data_fingerprint` of X (a resume must see the same data).
    rng_state : dict
        ``rng``'s state when training started (what a checkpoint stores).
    optimizer : torch.optim.Optimizer or None
        Set by the training loop once built.
    arrays, progress : dict or None
        The checkpoint being resumed, if any.
    """

    rng: np.random.Generator
    gen: torch.Generator
    Z: np.ndarray
    labels: np.ndarray
    fingerprint: dict
    rng_state: dict = field(default_factory=dict)
    optimizer: torch.optim.Optimizer | None = None
    arrays: dict | None = None
    progress: dict | None = None

    def __post_init__(self) -> None:
        self.rng_state = numpy_rng_state(self.rng)


def restore_encoder(model, arrays: dict, fitted: dict) -> Encoder:
    """The encoder of ``model`` (a VDAE with n_components_/n_features_in_/device_ set) from its
    arrays: the class named by ``model.prior`` in :data:`vdae.prior.encoder.ENCODERS`."""
    return ENCODERS[model.prior].from_state(arrays, fitted, model, model.n_features_in_,
                                            model.n_components_, model.device_)


def save_fit_checkpoint(model, path: str | os.PathLike, state: TrainState, next_step: int,
                        loop_state: dict) -> None:
    """Write the fit in progress (weights, optimiser, streams, embedding) atomically to ``path``."""
    opt_arrays, opt_meta = optimizer_state(state.optimizer)
    enc_arrays, enc_fitted = model.encoder_.state()
    arrays = {**module_state("decoder", model.decoder_),
              **module_state("covariance", model.covariance_), **opt_arrays, **enc_arrays,
              "ckpt.generator": generator_state(state.gen), "ckpt.Z": state.Z,
              "ckpt.labels": np.asarray(state.labels, np.int64),
              "eigenvalues": np.asarray(model.eigenvalues_, np.float64)}
    progress = {"step": next_step, "loop": loop_state, "optimizer": opt_meta,
                "rng": state.rng_state, "data": state.fingerprint,
                "fitted": {"n_components": model.n_components_,
                           "n_features_in": model.n_features_in_, **enc_fitted}}
    save_checkpoint(path, model, arrays, progress)


def restore_fit_checkpoint(model, path: str | os.PathLike, fingerprint: dict) -> TrainState:
    """Read ``path``, rebuild ``model``'s encoder and modules, and return the fit's state.

    Raises
    ------
    ValueError
        If the checkpoint was fitted on other data.
    ModelFileError
        If the file is incomplete or inconsistent.
    """
    arrays, progress = load_checkpoint(path, model)
    if progress.get("data") != fingerprint:
        raise ValueError(f"X is not the data the checkpoint {str(path)!r} was fitted on "
                         f"(different shape or values).")
    try:
        fitted = progress["fitted"]
        model._build_modules(int(fitted["n_components"]), int(fitted["n_features_in"]))
        model.encoder_ = restore_encoder(model, arrays, fitted)
        model.eigenvalues_ = arrays["eigenvalues"]
        Z, labels = np.asarray(arrays["ckpt.Z"], np.float32), arrays["ckpt.labels"]
        rng = numpy_rng_from_state(progress["rng"])
        int(progress["step"]), progress["optimizer"]["param_groups"]
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"incomplete or inconsistent checkpoint ({exc!r}).") from None
    return TrainState(rng, torch.Generator(device=model.device_), Z, labels, fingerprint,
                      arrays=arrays, progress=progress)
