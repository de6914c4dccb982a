"""Multi-process training on :mod:`torch.distributed` (launched by ``torchrun``).

vdae does no networking of its own: ``torchrun`` starts the processes and sets ``RANK``,
``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``; :func:`init_from_env` joins
the process group (``gloo`` on CPU, ``nccl`` on GPUs); training wraps its modules in
:class:`torch.nn.parallel.DistributedDataParallel`. With the SpectralNet prior, rank 0 builds the
affinity graph and broadcasts its edges, every rank trains SpectralNet on its share of each batch
of edges (the batch's Gram matrix summed over ranks, gradients summed) and rank 0 broadcasts the
fitted prior and embedding (raw tensors, no pickle); the exact prior is fitted by rank 0 alone.
Every rank then trains the VDAE's networks on its own share of each global batch, gradients are
averaged, and all ranks hold the same parameters.

Checkpoints work as in one process (:mod:`vdae.engine.checkpoint`): the ranks agree after every
step on whether one is due (a periodic one, or Ctrl-C on any rank), gather their random-stream
states and loss histories to rank 0, and rank 0 writes the one file atomically. On resume rank 0
reads it and broadcasts it, so only rank 0 needs the path; the number of processes must match.

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

__all__ = ["world", "init_from_env", "broadcast_arrays", "broadcast_json", "shutdown",
           "on_rank0", "all_gather_json", "all_gather_bytes", "any_rank", "all_reduce_sum",
           "all_reduce_gradients", "broadcast_module", "shard_bounds", "gather_rows"]


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


def all_gather_bytes(data: bytes) -> list[bytes]:
    """Every rank's ``data``, in rank order, on every rank (lengths may differ)."""
    dev, size = _comm_device(), dist.get_world_size()
    n = torch.tensor([len(data)], dtype=torch.int64, device=dev)
    sizes = [torch.zeros_like(n) for _ in range(size)]
    dist.all_gather(sizes, n)
    longest = max(int(s.item()) for s in sizes)
    buf = torch.zeros(longest, dtype=torch.uint8, device=dev)
    if data:
        buf[:len(data)] = torch.frombuffer(bytearray(data), dtype=torch.uint8).to(dev)
    out = [torch.empty_like(buf) for _ in range(size)]
    dist.all_gather(out, buf)
    return [o[:int(s.item())].cpu().numpy().tobytes() for o, s in zip(out, sizes)]


def shard_bounds(n: int, rank: int, size: int) -> tuple[int, int]:
    """Rows [start, stop) of rank ``rank``'s share of n rows cut into ``size`` contiguous
    shards whose lengths differ by at most one (rank order = row order)."""
    base, extra = divmod(n, size)
    start = rank * base + min(rank, extra)
    return start, start + base + (rank < extra)


def gather_rows(block: np.ndarray) -> np.ndarray:
    """Every rank's ``block`` (its own rows, the same columns and dtype on every rank; it may
    have no rows) stacked in rank order, on every rank: shape (Σ rows, …)."""
    block = np.ascontiguousarray(block)
    parts = all_gather_bytes(block.tobytes())
    return np.concatenate([np.frombuffer(raw, dtype=block.dtype).reshape((-1,) + block.shape[1:])
                           for raw in parts]).copy()


def all_gather_json(obj) -> list:
    """Every rank's JSON-serialisable ``obj``, in rank order, on every rank."""
    return [json.loads(raw.decode()) for raw in all_gather_bytes(json.dumps(obj).encode())]


def _raisable() -> dict[str, type]:
    """Exception classes that :func:`on_rank0` re-raises as themselves on the other ranks."""
    from .. import exceptions

    classes = [ValueError, TypeError, OSError, FileNotFoundError, FloatingPointError,
               RuntimeError, KeyError, IndexError, MemoryError]
    classes += [getattr(exceptions, name) for name in exceptions.__all__
                if isinstance(getattr(exceptions, name), type)
                and issubclass(getattr(exceptions, name), Exception)]
    return {c.__name__: c for c in classes}


def on_rank0(fn, *args, **kwargs):
    """Call ``fn(*args, **kwargs)`` on rank 0 only; every rank learns whether it failed.

    Returns
    -------
    fn's result on rank 0; None on the other ranks.

    Raises
    ------
    Exception
        Whatever ``fn`` raised, on rank 0 the original and on the other ranks an exception of the
        same class (a RuntimeError for classes outside vdae's and the common built-ins) with the
        same message, so no rank waits forever for a rank that has given up.
    """
    result, failure = None, None
    if dist.get_rank() == 0:
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:  # re-raised below, after the other ranks are told
            failure = exc
    report = None
    if failure is not None:
        report = [type(failure).__name__, str(failure)]
    report = broadcast_json(report)
    if failure is not None:
        raise failure
    if report is not None:
        cls = _raisable().get(report[0], RuntimeError)
        raise cls(f"{report[1]} (raised on rank 0)")
    return result


def any_rank(*flags: bool) -> tuple[bool, ...]:
    """Each flag OR-ed over all ranks (one all-reduce of len(flags) integers)."""
    t = torch.tensor([int(bool(f)) for f in flags], dtype=torch.int32, device=_comm_device())
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return tuple(bool(v) for v in t.tolist())


def all_reduce_sum(t: torch.Tensor) -> torch.Tensor:
    """The sum of ``t`` over all ranks (a new tensor, outside autograd; ``t`` is unchanged).

    Every rank receives the same bits (gloo's and NCCL's all-reduce give one result to all).
    """
    out = t.detach().clone()
    dist.all_reduce(out)
    return out


def all_reduce_gradients(params) -> None:
    """Replace each parameter's ``.grad`` by its sum over all ranks (one flat all-reduce).

    Parameters without a gradient count as zero gradients.
    """
    params = [p for p in params if p.requires_grad]
    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    offset = 0
    for p in params:
        n = p.numel()
        p.grad = flat[offset:offset + n].view_as(p).clone()
        offset += n


@torch.no_grad()
def broadcast_module(module: torch.nn.Module, src: int = 0) -> None:
    """Overwrite every parameter and buffer of ``module`` with rank ``src``'s, in place."""
    for tensor in module.state_dict().values():
        dist.broadcast(tensor, src)
