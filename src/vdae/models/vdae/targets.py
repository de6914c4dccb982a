"""x' of Eq. 6: the training point nearest to z' in diffusion coordinates, searched in a pool
(the batch, the whole set, or the point's neighbourhood)."""

from __future__ import annotations

import torch

__all__ = ["nearest_in_pool", "nearest_among", "row_min", "PoolSearch"]

#: Columns below which :func:`row_min` calls ``torch.min`` directly.
_BLOCKED_MIN_COLUMNS = 512
#: Interleaved column sets of :func:`row_min` (8 was fastest of 4-64 on 2 000-65 536 columns).
_MIN_GROUPS = 8


def row_min(d: torch.Tensor, groups: int = _MIN_GROUPS, work: torch.Tensor | None = None
            ) -> tuple[torch.Tensor, torch.Tensor]:
    """Smallest entry of each row of ``d`` (b, p) and its column: ``d.min(dim=1)``, faster on CPU.

    On CPU ``torch.min(d, dim=1)`` tracks indices element by element (~0.25 ms for 256 × 2 000
    on two cores, several times the cost of a value-only reduction). Here the columns are
    split into ``groups`` interleaved sets of ⌊p / groups⌋: a vectorised ``amin`` across the
    sets, an index search over the much smaller (b, ⌊p / groups⌋) result, then one over the
    ``groups`` entries of the winning column; leftover columns are searched directly. The
    minimum is the same; among tied entries the column returned may differ.

    ``work``, a tensor of at least b · ⌊p / groups⌋ elements of d's dtype, receives the
    intermediate minima (no allocation).

    Returns
    -------
    values : tensor of shape (b,)
    indices : tensor of shape (b,), int64
    """
    b, p = d.shape
    width = p // groups
    if d.device.type != "cpu" or p < _BLOCKED_MIN_COLUMNS or width == 0:
        return d.min(dim=1)
    rows = torch.arange(b, device=d.device)
    body = d[:, : groups * width].unflatten(1, (groups, width))  # column g·width + c
    if work is None:
        col = body.amin(dim=1).argmin(dim=1)
    else:
        col = torch.amin(body, dim=1, out=work[: b * width].view(b, width)).argmin(dim=1)
    grp = body[rows, :, col].argmin(dim=1)
    idx = grp * width + col
    val = d[rows, idx]
    if groups * width < p:  # the last p mod groups columns
        tail_val, tail_idx = d[:, groups * width:].min(dim=1)
        better = tail_val < val
        val = torch.where(better, tail_val, val)
        idx = torch.where(better, tail_idx + groups * width, idx)
    return val, idx


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
    return PoolSearch(pool, chunk)(queries, exclude)


class PoolSearch:
    """:func:`nearest_in_pool` against one fixed pool, for repeated searches (a training loop).

    The pool's squared norms are computed once, and the (b, chunk) distance block is written
    into a workspace kept between calls: a fresh block of tens of megabytes per call costs more
    in page faults than the product itself (256 queries against 50 000 rows in 16 dimensions,
    two CPU cores: 21 ms with a new block, 6.7 ms into the workspace).

    Parameters
    ----------
    pool : tensor of shape (p, D)
    chunk : int
        Pool rows compared at once (memory b × chunk).
    """

    def __init__(self, pool: torch.Tensor, chunk: int = 65536) -> None:
        self.pool, self.chunk = pool, chunk
        self.sq = (pool * pool).sum(1)
        self._work = [pool.new_empty(0), pool.new_empty(0)]

    def _buffer(self, which: int, b: int, width: int) -> torch.Tensor:
        """A contiguous (b, width) view of workspace ``which``, grown when too small."""
        if self._work[which].numel() < b * width:
            self._work[which] = self.pool.new_empty(b * width)
        return self._work[which][: b * width].view(b, width)

    @torch.no_grad()
    def __call__(self, queries: torch.Tensor, exclude: torch.Tensor | None = None
                 ) -> torch.Tensor:
        """Index (b,) of the nearest pool row to each query (b, D), never ``exclude``."""
        b = queries.shape[0]
        best_d = torch.full((b,), float("inf"), device=queries.device, dtype=queries.dtype)
        best_i = torch.zeros(b, dtype=torch.long, device=queries.device)
        rows = torch.arange(b, device=queries.device)
        for s in range(0, self.pool.shape[0], self.chunk):
            block = self.pool[s : s + self.chunk]
            # ‖p‖² − 2 q·p by one matrix product: the squared distance less ‖q‖², the same
            # for every pool row of a query, so the nearest row is unchanged
            d = torch.addmm(self.sq[None, s : s + self.chunk], queries, block.T, alpha=-2.0,
                            out=self._buffer(0, b, block.shape[0]))
            if exclude is not None:
                local = exclude - s
                hit = (local >= 0) & (local < d.shape[1])
                d[rows[hit], local[hit]] = float("inf")
            val, arg = row_min(d, work=self._buffer(1, b, block.shape[0] // _MIN_GROUPS).view(-1))
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
    b, k = candidates.shape
    # index_select of the flattened rows: a third faster on CPU than pool[candidates]
    rows = pool.index_select(0, candidates.reshape(-1)).view(b, k, pool.shape[1])
    d = (rows - queries[:, None, :]).square_().sum(-1)  # (b, k)
    d.masked_fill_(candidates == exclude[:, None], float("inf"))
    return candidates.gather(1, d.argmin(dim=1, keepdim=True))[:, 0]

