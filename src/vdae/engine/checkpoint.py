"""Training checkpoints: atomic snapshots of a fit in progress, and resuming from them.

A checkpoint is a model file (:mod:`vdae.io`: safetensors + JSON header, atomic, no pickle) whose
header says ``"kind": "checkpoint"``. It holds everything the rest of the fit depends on: the
modules' weights, the optimiser's moments, the scheduler's position, the state of the numpy and
torch random generators, the loop's step and loss history. Resuming from it with the same data
and parameters therefore gives bit-identical weights to an uninterrupted run on the same machine
and thread count. Under ``torchrun`` the ranks decide together when to save, rank 0 writes the
file with every rank's random streams in it, and a resumed run with the same number of processes
is bit-identical too (see :mod:`vdae.engine.distributed`).

:class:`StopRequest` turns Ctrl-C (SIGINT) during training into a clean stop *between* two
optimisation steps, so the checkpoint written then is consistent (never half an Adam update).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any, Callable

import numpy as np
import torch

from ..exceptions import ModelFileError
from ..io import load_model_file, save_model_file
from .distributed import any_rank, world
from .optim import Adam

__all__ = [
    "Checkpointer", "StopRequest", "optimizer_state", "load_optimizer_state",
    "generator_state", "set_generator_state", "numpy_rng_state", "numpy_rng_from_state",
    "save_checkpoint", "load_checkpoint",
]

#: Parameters that may differ between the interrupted fit and its resumption.
_FREE_PARAMS = ("verbose", "device")


# ---------------------------------------------------------------- state <-> arrays + JSON
def optimizer_state(opt: "Adam | torch.optim.Optimizer", prefix: str = "opt") -> tuple[dict, dict]:
    """An optimiser's state as (``prefix.*`` arrays, JSON-able param groups)."""
    sd = opt.state_dict()
    arrays = {}
    for pid, slots in sd["state"].items():
        for key, value in slots.items():
            arrays[f"{prefix}.{pid}.{key}"] = torch.as_tensor(value).detach().cpu().numpy()
    groups = [{k: v for k, v in g.items()} for g in sd["param_groups"]]
    return arrays, {"param_groups": groups}


def load_optimizer_state(opt: "Adam | torch.optim.Optimizer", arrays: dict[str, np.ndarray],
                         meta: dict, prefix: str = "opt") -> None:
    """Inverse of :func:`optimizer_state` (tensors go to the parameters' devices)."""
    device = opt.param_groups[0]["params"][0].device
    state: dict[int, dict[str, torch.Tensor]] = {}
    p = prefix + "."
    for name, arr in arrays.items():
        if name.startswith(p):
            pid, key = name[len(p):].split(".", 1)
            t = torch.from_numpy(np.array(arr))
            state.setdefault(int(pid), {})[key] = t if key == "step" else t.to(device)
    opt.load_state_dict({"state": state, "param_groups": meta["param_groups"]})


def generator_state(gen: torch.Generator) -> np.ndarray:
    """A torch generator's state as a uint8 array."""
    return gen.get_state().cpu().numpy()


def set_generator_state(gen: torch.Generator, state: np.ndarray) -> None:
    """Restore a state returned by :func:`generator_state`."""
    gen.set_state(torch.from_numpy(np.array(state, dtype=np.uint8)))


def numpy_rng_state(rng: np.random.Generator) -> dict:
    """A numpy Generator's bit-generator state (JSON-able; its ints are exact in JSON)."""
    return rng.bit_generator.state


def numpy_rng_from_state(state: dict) -> np.random.Generator:
    """A Generator in the state returned by :func:`numpy_rng_state`."""
    name = state.get("bit_generator")
    cls = getattr(np.random, str(name), None)
    if not (isinstance(cls, type) and issubclass(cls, np.random.BitGenerator)):
        raise ModelFileError(f"checkpoint: unknown numpy bit generator {name!r}.")
    bitgen = cls()
    bitgen.state = state
    return np.random.Generator(bitgen)


# --------------------------------------------------------------------------- files
def save_checkpoint(path: str | os.PathLike, estimator, arrays: dict[str, np.ndarray],
                    progress: dict[str, Any]) -> None:
    """Write a checkpoint of ``estimator``'s fit atomically (the previous one stays until the new
    one is complete)."""
    from ..models.base import _json_params

    header = {"class": type(estimator).__name__, "kind": "checkpoint",
              "params": _json_params(estimator.get_params(deep=False)), "progress": progress}
    save_model_file(path, arrays, header)


def load_checkpoint(path: str | os.PathLike, estimator) -> tuple[dict[str, np.ndarray], dict]:
    """Read a checkpoint for ``estimator``; refuse one written for another class or parameters.

    Returns
    -------
    arrays : dict of str → ndarray
    progress : dict
        What :func:`save_checkpoint` was given.

    Raises
    ------
    ModelFileError (a ValueError)
        Missing/corrupt file, a model file that is not a checkpoint, or different parameters.
    """
    from ..models.base import _json_params

    arrays, doc = load_model_file(path, expected_class=type(estimator).__name__)
    if doc.get("kind") != "checkpoint":
        raise ModelFileError(f"{path}: a fitted model file, not a training checkpoint.")
    mine = _json_params(estimator.get_params(deep=False))
    theirs = doc.get("params", {})
    differ = sorted(k for k in set(mine) | set(theirs)
                    if k not in _FREE_PARAMS and mine.get(k) != theirs.get(k))
    if differ:
        raise ModelFileError(
            f"{path}: the checkpoint was written with different parameters ({', '.join(differ)}: "
            f"{[theirs.get(k) for k in differ]} there, {[mine.get(k) for k in differ]} here); "
            f"resume with the same parameters.")
    progress = doc.get("progress")
    if not isinstance(progress, dict):
        raise ModelFileError(f"{path}: checkpoint without progress information.")
    return arrays, progress


# ------------------------------------------------------------------ when to write them
class StopRequest:
    """Context manager: while active, Ctrl-C (SIGINT) sets :attr:`requested` instead of raising.

    The training loop polls it between steps, writes a checkpoint and raises
    :class:`KeyboardInterrupt` itself. A second Ctrl-C raises at once. Outside the main thread
    (where Python cannot install signal handlers) it is inert.
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous = None

    def _handler(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> "StopRequest":
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None


class Checkpointer:
    """Decides when the training loop saves: every ``interval`` seconds, and on a stop request.

    Parameters
    ----------
    save : callable
        ``save(next_step, loop_state)`` writes the checkpoint.
    interval : float
        Seconds between periodic checkpoints (``0``: after every step; tests use it).
    """

    def __init__(self, save: Callable[[int, dict], None], interval: float = 60.0) -> None:
        self.save, self.interval = save, float(interval)
        self._last = time.monotonic()
        self.stop = StopRequest()

    def after_step(self, next_step: int, loop_state: dict) -> None:
        """Save if due; on a stop request save, then raise KeyboardInterrupt.

        In a process group of several ranks the two decisions are OR-ed over the ranks (one
        small all-reduce per step), so every rank saves, and stops, after the same step.
        """
        stop, due = self.stop.requested, time.monotonic() - self._last >= self.interval
        if world()[1] > 1:
            stop, due = any_rank(stop, due)
        if stop:
            self.save(next_step, loop_state)
            raise KeyboardInterrupt(f"training interrupted at step {next_step}; checkpoint saved")
        if due:
            self.save(next_step, loop_state)
            self._last = time.monotonic()
