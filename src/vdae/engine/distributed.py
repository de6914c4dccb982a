"""Multi-process training on :mod:`torch.distributed` (launched by ``torchrun``).

vdae does no networking of its own: ``torchrun`` starts the processes and sets ``RANK``,
``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``; :func:`init_from_env` joins
the process group (``gloo`` on CPU, ``nccl`` on GPUs); training wraps its modules in
:class:`torch.nn.parallel.DistributedDataParallel`. Rank 0 fits the diffusion-map prior and
broadcasts it (weights and embedding as raw tensors, no pickle); every rank then trains on its own
share of each global batch, gradients are averaged, and all ranks hold the same parameters.

One machine, two processes::

    torchrun --standalone --nproc_per_node=2 -m vdae.cli fit torus -o torus.vdae

Several machines (run on each; node 0's address as the rendezvous endpoint)::

    torchrun --nnodes=2 --nproc_per_node=8 --rdzv_backend=c10d \\
             --rdzv_endpoint=node0.example:29500 --rdzv_id=vdae-job \\
             -m vdae.cli fit data.npy -o model.vdae

The data file must be readable by every process (a shared or copied path).
"""

from __future__ import annotations

import datetime
import json
import os

import numpy as np
import torch
import torch.distributed as dist

__all__ = ["world", "init_from_env", "broadcast_arrays", "broadcast_json", "shutdown"]


def world() -> tuple[int, int]:
    """(rank, world size) of this process; (0, 1) outside a process group."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def init_from_env(timeout_minutes: float = 120.0) -> bool:
    """Join the process group described by torchrun's environment, if there is one.

    The backend is ``nccl`` when CUDA is available (each process then uses
    ``cuda:LOCAL_RANK``), else ``gloo``. The timeout covers the wait of ranks > 0 while rank 0
    fits the prior.

    Returns
    -------
    bool
        Whether this process is now part of a group of more than one process.
    """
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1 or dist.is_initialized():
        return world()[1] > 1
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group(backend, timeout=datetime.timedelta(minutes=timeout_minutes))
    return True


def shutdown() -> None:
    """Leave the process group (after a final barrier), if in one."""
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def _comm_device() -> torch.device:
    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def _broadcast_bytes(data: bytes | None, src: int) -> bytes:
    dev = _comm_device()
    size = torch.tensor([len(data) if data is not None else 0], dtype=torch.int64, device=dev)
    dist.broadcast(size, src)
    buf = torch.empty(int(size.item()), dtype=torch.uint8, device=dev)
    if dist.get_rank() == src:
        buf.copy_(torch.frombuffer(bytearray(data), dtype=torch.uint8))
    dist.broadcast(buf, src)
    return buf.cpu().numpy().tobytes()


def broadcast_json(obj, src: int = 0):
    """Send a JSON-serialisable object from rank ``src`` to every rank (others pass None)."""
    raw = json.dumps(obj).encode() if dist.get_rank() == src else None
    return json.loads(_broadcast_bytes(raw, src).decode())


def broadcast_arrays(arrays: dict[str, np.ndarray] | None, src: int = 0) -> dict[str, np.ndarray]:
    """Send named numpy arrays from rank ``src`` to every rank (others pass None).

    A JSON header of names, dtypes and shapes goes first, then each array as raw bytes.
    """
    spec = None
    if dist.get_rank() == src:
        spec = [[k, str(np.asarray(v).dtype), list(np.shape(v))] for k, v in arrays.items()]
    spec = broadcast_json(spec, src)
    out = {}
    for name, dtype, shape in spec:
        raw = np.ascontiguousarray(arrays[name]).tobytes() if dist.get_rank() == src else None
        out[name] = np.frombuffer(_broadcast_bytes(raw, src), dtype=dtype).reshape(shape).copy()
    return out
