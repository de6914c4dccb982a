"""x' of Eq. 6: the training point nearest to z' in diffusion coordinates, searched in a pool
(the batch, the whole set, or the point's neighbourhood)."""

from __future__ import annotations

import torch

__all__ = ["nearest_in_pool", "nearest_among"]


def nearest_in_pool(queries, pool, exclude=None, chunk: int = 65536):
    """Index of the nearest pool row to each query, optionally excluding one index per query.

    Parameters
    ----------
    queries : tensor of shape (b, D)
    pool : tensor of shape (p, D)
    exclude : tensor of shape (b,) of int or None
        Pool index that a query may not pick (the point x itself, Algorithm 1's A \\ {x}).
    chunk : int
        Pool rows compared at once (memory b × chunk).

    Returns
    -------
    tensor of shape (b,), int64
    """
    b = queries.shape[0]
    best_d = torch.full((b,), float("inf"), device=queries.device, dtype=queries.dtype)
    best_i = torch.zeros(b, dtype=torch.long, device=queries.device)
    rows = torch.arange(b, device=queries.device)
    q2 = (queries * queries).sum(1, keepdim=True)
    for s in range(0, pool.shape[0], chunk):
        block = pool[s : s + chunk]
        # squared distances by one matrix product (the argmin needs no square root)
        d = torch.addmm(q2 + (block * block).sum(1)[None, :], queries, block.T, alpha=-2.0)
        if exclude is not None:
            local = exclude - s
            hit = (local >= 0) & (local < d.shape[1])
            d[rows[hit], local[hit]] = float("inf")
        val, arg = d.min(dim=1)
        better = val < best_d
        best_d = torch.where(better, val, best_d)
        best_i = torch.where(better, arg + s, best_i)
    return best_i


def nearest_among(queries, pool, candidates, exclude):
    """Index of the nearest candidate pool row to each query, never the excluded one.

    Parameters
    ----------
    queries : tensor of shape (b, D)
    pool : tensor of shape (p, D)
    candidates : tensor of shape (b, k) of int
        Pool rows each query may pick (e.g. the neighbourhood of the point it came from).
    exclude : tensor of shape (b,) of int
        The point itself. If every candidate is excluded it is returned.

    Returns
    -------
    tensor of shape (b,), int64
    """
    d = ((pool[candidates] - queries[:, None, :]) ** 2).sum(-1)  # (b, k)
    d = torch.where(candidates == exclude[:, None], torch.full_like(d, float("inf")), d)
    return candidates.gather(1, d.argmin(dim=1, keepdim=True))[:, 0]
