"""Checkpoints of a VDAE fit and the arrays of its encoder (model files share the latter).

A fit in progress lives in a :class:`TrainState` passed to the training functions, never on the
estimator: the random streams, the embedding and its component labels, the optimiser once it
exists, and (when resuming) the arrays and progress record read from the checkpoint.

Several processes (``torchrun``): every rank keeps its own torch stream (its minibatches and ε)
and its own loss history; at a checkpoint these are gathered to rank 0, which writes one file:
rank 0's as in a one-process checkpoint (``ckpt.generator``, ``progress["loop"]``, ``["rng"]``)
plus every rank's (``ckpt.generator.rank{r}``, ``progress["ranks"][r]``) and the number of
processes (``progress["world_size"]``). Weights and optimiser moments are the same on every rank
and stored once. A resume needs the same number of processes; each rank restores its own streams.
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
from ...engine.distributed import all_gather_bytes, all_gather_json, broadcast_arrays, \
    broadcast_json, on_rank0, world
from ...engine.optim import Adam
from ...exceptions import ModelFileError
from ...nn.state import module_state
from ...prior.encoder import ENCODERS, Encoder

__all__ = ["TrainState", "fitted_prior", "restore_encoder", "save_fit_checkpoint",
           "restore_fit_checkpoint", "rank_streams"]


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
    optimizer : vdae.engine.optim.Adam or None
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
    optimizer: Adam | None = None
    arrays: dict | None = None
    progress: dict | None = None

    def __post_init__(self) -> None:
        self.rng_state = numpy_rng_state(self.rng)


def fitted_prior(fitted: dict, default: str) -> str:
    """The encoder a model file or checkpoint was fitted with: its ``fitted["prior"]``, or
    ``default`` (the ``prior`` parameter) for files written before ``prior="auto"`` existed.

    Raises
    ------
    ValueError
        If the name is not one of :data:`vdae.prior.encoder.ENCODERS`.
    """
    prior = str(fitted.get("prior", default))
    if prior not in ENCODERS:
        raise ValueError(f"unknown prior {prior!r} (expected one of {sorted(ENCODERS)})")
    return prior


def restore_encoder(model, arrays: dict, fitted: dict) -> Encoder:
    """The encoder of ``model`` (a VDAE with n_components_/n_features_in_/device_ set) from its
    arrays: the class named by ``model.prior_`` in :data:`vdae.prior.encoder.ENCODERS`."""
    return ENCODERS[model.prior_].from_state(arrays, fitted, model, model.n_features_in_,
                                            model.n_components_, model.device_)


def save_fit_checkpoint(model, path: str | os.PathLike, state: TrainState, next_step: int,
                        loop_state: dict) -> None:
    """Write the fit in progress (weights, optimiser, streams, embedding) atomically to ``path``.

    In a process group every rank must call it (after the same step): the ranks' streams and
    histories are gathered, and rank 0 alone writes.
    """
    rank, size = world()
    per_rank, gen_states = {}, {}
    if size > 1:
        mine = {"loop": loop_state, "rng": state.rng_state}
        ranks = all_gather_json(mine)
        gens = all_gather_bytes(generator_state(state.gen).tobytes())
        if rank != 0:
            return
        per_rank = {"world_size": size, "ranks": ranks}
        gen_states = {f"ckpt.generator.rank{r}": np.frombuffer(g, np.uint8)
                      for r, g in enumerate(gens)}
    opt_arrays, opt_meta = optimizer_state(state.optimizer)
    enc_arrays, enc_fitted = model.encoder_.state()
    arrays = {**module_state("decoder", model.decoder_),
              **module_state("covariance", model.covariance_), **opt_arrays, **enc_arrays,
              "ckpt.generator": generator_state(state.gen), "ckpt.Z": state.Z,
              "ckpt.labels": np.asarray(state.labels, np.int64),
              "eigenvalues": np.asarray(model.eigenvalues_, np.float64), **gen_states}
    progress = {"step": next_step, "loop": loop_state, "optimizer": opt_meta,
                "rng": state.rng_state, "data": state.fingerprint,
                "fitted": {"n_components": model.n_components_, "prior": model.prior_,
                           "n_features_in": model.n_features_in_, **enc_fitted}, **per_rank}
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
    rank, size = world()
    if size > 1:  # rank 0 reads; the others receive it (or rank 0's error)
        got = on_rank0(load_checkpoint, path, model)
        arrays = broadcast_arrays(got[0] if rank == 0 else None)
        progress = broadcast_json(got[1] if rank == 0 else None)
    else:
        arrays, progress = load_checkpoint(path, model)
    written_by = progress.get("world_size", 1) if isinstance(progress, dict) else 1
    if written_by != size:
        raise ValueError(f"the checkpoint {str(path)!r} was written by {written_by} process(es) "
                         f"and this fit runs in {size}; resume with the same number of processes "
                         f"(torchrun --nproc_per_node/--nnodes), whose random streams it holds.")
    if progress.get("data") != fingerprint:
        raise ValueError(f"X is not the data the checkpoint {str(path)!r} was fitted on "
                         f"(different shape or values).")
    try:
        fitted = progress["fitted"]
        model.prior_ = fitted_prior(fitted, model.prior)
        model._build_modules(int(fitted["n_components"]), int(fitted["n_features_in"]))
        model.encoder_ = restore_encoder(model, arrays, fitted)
        model.eigenvalues_ = arrays["eigenvalues"]
        Z, labels = np.asarray(arrays["ckpt.Z"], np.float32), arrays["ckpt.labels"]
        _, _, rng_state = rank_streams(arrays, progress, rank)
        rng = numpy_rng_from_state(rng_state)
        int(progress["step"]), progress["optimizer"]["param_groups"]
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"incomplete or inconsistent checkpoint ({exc!r}).") from None
    return TrainState(rng, torch.Generator(device=model.device_), Z, labels, fingerprint,
                      arrays=arrays, progress=progress)


def rank_streams(arrays: dict, progress: dict, rank: int) -> tuple[np.ndarray, dict, dict]:
    """This rank's part of a checkpoint: (torch generator state, loop state, numpy rng state).

    Rank 0 of a one-process checkpoint reads the top-level entries; a checkpoint of several
    processes holds every rank's under ``ckpt.generator.rank{r}`` and ``progress["ranks"][r]``.
    """
    if progress.get("world_size", 1) == 1:
        return arrays["ckpt.generator"], progress["loop"], progress["rng"]
    mine = progress["ranks"][rank]
    return arrays[f"ckpt.generator.rank{rank}"], mine["loop"], mine["rng"]
