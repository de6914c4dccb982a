"""Worker for tests/test_distributed.py, started by torchrun (or alone, as one process).

``ddp_worker.py OUT`` fits a small VDAE in a process group and writes this rank's parameters,
loss history and a few samples to OUT/rank{R}.npz. ``ddp_worker.py OUT spectralnet`` fits a
SpectralNet instead (data-parallel under torchrun) and writes its module, history and embedding.

Checkpoint runs (``ddp_worker.py OUT checkpoint``, a shorter VDAE fit) read the environment:
VDAE_TEST_CHECKPOINT (path, written after every step; unset: no checkpoints),
VDAE_TEST_RESUME=1 (resume from it),
VDAE_TEST_KILL_AT=k (every rank SIGKILLs itself once the checkpoint of step k is on disk: the
job killed outright), VDAE_TEST_SIGINT_AT=c (rank 1 alone gets a Ctrl-C in its c-th training
step of this run; the ranks must agree to stop after the same step).
"""

import os
import signal
import sys

import numpy as np
import torch.distributed as dist

import vdae.models.vdae.model as model_module
import vdae.models.vdae.training as training_module
from vdae import VDAE, SpectralNet
from vdae.datasets import make_circle, make_sphere
from vdae.engine.distributed import gather_rows, init_from_env, shard_bounds, shutdown, world

PARAMS = dict(n_components=2, prior="exact", n_neighbors=10, epochs=150, batch_size=128,
              decoder_hidden=(64, 64), covariance_hidden=(32,), random_state=0, verbose=0)
CHECKPOINT_PARAMS = {**PARAMS, "epochs": 30}
SPECTRALNET_PARAMS = dict(n_neighbors=10, epochs=60, hidden=(64, 64), batch_size=256,
                          random_state=0, verbose=0)


def spectralnet_data():
    return make_sphere(1000, random_state=0).X


def die_after_checkpoint(step: int) -> None:
    """SIGKILL every rank once the checkpoint of ``step`` is written."""
    original = model_module.save_fit_checkpoint

    def save(model, path, state, next_step, loop_state):
        original(model, path, state, next_step, loop_state)
        if next_step == step:
            dist.barrier()  # rank 0 has renamed the complete file into place
            os.kill(os.getpid(), signal.SIGKILL)

    model_module.save_fit_checkpoint = save


def ctrl_c_on_rank1(call: int) -> None:
    """A real SIGINT to rank 1 during its ``call``-th training step (rank 0 gets none)."""
    original, calls = training_module.gaussian_kl_from_target_inverse, {"n": 0}

    def kl(*args):
        calls["n"] += 1
        if calls["n"] == call and world()[0] == 1:
            signal.raise_signal(signal.SIGINT)
        return original(*args)

    training_module.gaussian_kl_from_target_inverse = kl


def fit_checkpointed(X) -> VDAE:
    path = os.environ.get("VDAE_TEST_CHECKPOINT")
    if path is None:  # the uninterrupted reference
        return VDAE(**CHECKPOINT_PARAMS).fit(X)
    if "VDAE_TEST_KILL_AT" in os.environ:
        die_after_checkpoint(int(os.environ["VDAE_TEST_KILL_AT"]))
    if "VDAE_TEST_SIGINT_AT" in os.environ:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        ctrl_c_on_rank1(int(os.environ["VDAE_TEST_SIGINT_AT"]))
    resume = path if os.environ.get("VDAE_TEST_RESUME") == "1" else None
    return VDAE(**CHECKPOINT_PARAMS).fit(X, checkpoint=path, checkpoint_interval=0,
                                         resume=resume)


def save_vdae(out: str, model: VDAE, distributed: bool, samples: bool) -> None:
    rank, size = world()
    state, _ = model._get_state()
    extra = {"samples": model.sample(500, random_state=1)} if samples else {}
    np.savez(f"{out}/rank{rank}.npz", size=size, distributed=distributed,
             history=np.asarray(model.history_), **extra,
             **{k.replace(".", "__"): v for k, v in state.items()
                if k.startswith(("decoder.", "covariance."))})


def save_spectralnet(out: str, sn: SpectralNet, X, distributed: bool) -> None:
    rank, size = world()
    extra = {}
    if distributed:  # the Rayleigh–Ritz step's gather: each rank's shard back in row order
        start, stop = shard_bounds(len(X) - 1, rank, size)  # an odd count: unequal shards
        extra["gathered"] = gather_rows(X[start:stop])
    np.savez(f"{out}/rank{rank}.npz", size=size, distributed=distributed, **extra,
             history=np.asarray(sn.history_), embedding=sn.transform(X),
             eigenvalues=sn.eigenvalues_,
             **{f"module__{k}": v.cpu().numpy() for k, v in sn.module_.state_dict().items()})


def main(out: str, mode: str) -> None:
    distributed = init_from_env()
    try:
        if mode == "spectralnet":
            X = spectralnet_data()
            save_spectralnet(out, SpectralNet(3, **SPECTRALNET_PARAMS).fit(X), X, distributed)
        elif mode == "checkpoint":
            save_vdae(out, fit_checkpointed(make_circle(600, random_state=0).X), distributed,
                      samples=False)
        else:
            save_vdae(out, VDAE(**PARAMS).fit(make_circle(600, random_state=0).X), distributed,
                      samples=True)
    except KeyboardInterrupt:
        sys.exit(130)
    shutdown()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "vdae")
