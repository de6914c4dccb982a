"""The one optimisation loop every model uses: steps, cosine learning-rate decay, progress bar,
divergence check, loss history."""

from __future__ import annotations

import contextlib
import math
from typing import Callable, Iterator

import torch
from tqdm.auto import tqdm

from ..exceptions import TrainingDivergedError
from .optim import Adam, CosineSchedule

__all__ = ["train_steps", "seeded", "progress_disabled", "make_adam", "cosine_lr"]


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run a block with torch's global generator seeded, restoring its state afterwards.

    Used around module construction so weight initialisation is reproducible without touching
    the caller's random state.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def progress_disabled(verbose: int) -> bool | None:
    """tqdm's ``disable``: 0 → off, 1 → on when stderr is a terminal, ≥ 2 → always on."""
    return True if verbose <= 0 else (None if verbose == 1 else False)


def make_adam(params, lr: float, **kwargs) -> Adam:
    """Adam as torch's fused kernel, called directly (:class:`vdae.engine.optim.Adam`: the
    numbers of ``torch.optim.Adam(fused=True)`` without its per-step wrappers). ``kwargs``:
    ``betas``, ``eps``."""
    return Adam(params, lr, **kwargs)


def cosine_lr(optimizer, n_steps: int, final_ratio: float = 0.02) -> CosineSchedule:
    """A schedule decaying each group's rate from its initial value to ``final_ratio`` × it over
    ``n_steps`` steps (:class:`vdae.engine.optim.CosineSchedule`)."""
    return CosineSchedule(optimizer, n_steps, final_ratio)


def train_steps(
    step: Callable[[int], torch.Tensor],
    optimizer: "Adam | torch.optim.Optimizer",
    n_steps: int,
    *,
    steps_per_epoch: int,
    desc: str = "training",
    verbose: int = 1,
    start_step: int = 0,
    scheduler=None,
    on_epoch_end: Callable[[int], None] | None = None,
    loop_state: dict | None = None,
    checkpointer=None,
    after_backward: Callable[[], None] | None = None,
) -> list[float]:
    """Run ``n_steps`` optimisation steps and return the mean loss of each epoch.

    Parameters
    ----------
    step : callable
        ``step(i)`` computes and returns the scalar loss of step i (the loop does backward,
        optimizer.step and zero_grad).
    optimizer : vdae.engine.optim.Adam or torch.optim.Optimizer
    n_steps : int
        Total steps.
    steps_per_epoch : int
        Steps grouped into one entry of the returned history.
    start_step : int
        First step index (> 0 when resuming).
    scheduler : LRScheduler or None
        Stepped after every optimizer step.
    on_epoch_end : callable or None
        Called with the epoch index after each epoch.
    loop_state : dict or None
        When resuming: the ``loop_state`` a checkpoint was saved with (history so far and the
        partial sums of the current epoch), so the returned history is the uninterrupted one.
    checkpointer : vdae.engine.checkpoint.Checkpointer or None
        Called after every step with ``(next_step, loop_state)``; it saves when due and turns
        Ctrl-C into a checkpoint followed by :class:`KeyboardInterrupt` between two steps.
    after_backward : callable or None
        Called with no argument between ``loss.backward()`` and ``optimizer.step()`` (e.g.
        :func:`vdae.engine.distributed.all_reduce_gradients` in data-parallel training).

    Returns
    -------
    list of float
        Mean loss per epoch.

    Raises
    ------
    TrainingDivergedError
        When a loss is NaN or infinite; the message names the epoch and step.
    """
    state = loop_state or {}
    history: list[float] = [float(v) for v in state.get("history", [])]
    running, count = float(state.get("running", 0.0)), int(state.get("count", 0))
    bar = tqdm(total=n_steps, initial=start_step, desc=desc, disable=progress_disabled(verbose),
               leave=False, dynamic_ncols=True)
    stop = checkpointer.stop if checkpointer is not None else contextlib.nullcontext()
    try:
        stop.__enter__()
        for i in range(start_step, n_steps):
            optimizer.zero_grad(set_to_none=True)
            loss = step(i)
            value = float(loss.detach())
            if not math.isfinite(value):
                raise TrainingDivergedError(
                    f"{desc}: the loss became {value} at epoch {i // steps_per_epoch + 1} "
                    f"(step {i + 1}); lower the learning rate or check the data's scale."
                )
            loss.backward()
            if after_backward is not None:
                after_backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            running, count = running + value, count + 1
            if (i + 1) % steps_per_epoch == 0 or i + 1 == n_steps:
                history.append(running / count)
                bar.set_postfix(loss=f"{history[-1]:.4g}")
                if on_epoch_end is not None:
                    on_epoch_end((i + 1) // steps_per_epoch)
                running, count = 0.0, 0
            bar.update(1)
            if checkpointer is not None:
                checkpointer.after_step(i + 1, {"history": list(history), "running": running,
                                                "count": count})
    finally:
        stop.__exit__(None, None, None)
        bar.close()
    return history
