"""SpectralNet's loss with its batch split into shards (data-parallel training): the summed
moments give every shard the whole batch's loss, and the shards' gradients add up to the
whole batch's gradient. Two shards run in two threads that sum through a barrier, as two
processes do through an all-reduce."""

import threading

import pytest
import torch

from vdae.nn.spectralnet import rayleigh_quotient_loss, sharded_rayleigh_quotient_loss


class ThreadSum:
    """all_reduce for shards running in threads: every shard gets the sum in shard order."""

    def __init__(self, n: int) -> None:
        self.barrier, self.slots, self.n = threading.Barrier(n), [None] * n, n

    def for_shard(self, k: int):
        def all_reduce(t: torch.Tensor) -> torch.Tensor:
            self.slots[k] = t.detach().clone()
            self.barrier.wait()
            total = sum(self.slots[1:], self.slots[0].clone())
            self.barrier.wait()
            return total

        return all_reduce


def net_and_edges(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    W = torch.randn(5, 3, generator=g, dtype=torch.float64, requires_grad=True)
    x = torch.randn(2, 120, 5, generator=g, dtype=torch.float64)  # heads, tails of 120 edges
    return W, x, lambda xs: torch.tanh(xs @ W) + 0.3 * (xs @ W) ** 2


def test_one_shard_is_the_batch_loss():
    W, x, f = net_and_edges()
    full = rayleigh_quotient_loss(f(x[0]), f(x[1]))
    one = sharded_rayleigh_quotient_loss(f(x[0]), f(x[1]), lambda t: t)
    assert one.item() == pytest.approx(full.item(), rel=1e-12)
    (g_full,), (g_one,) = torch.autograd.grad(full, W), torch.autograd.grad(one, W)
    torch.testing.assert_close(g_one, g_full, rtol=1e-10, atol=0)


@pytest.mark.parametrize("cuts", [(60,), (25, 90)])  # 2 equal shards; 3 unequal ones
def test_shards_share_the_loss_and_sum_to_the_batch_gradient(cuts):
    W, x, f = net_and_edges(1)
    full = rayleigh_quotient_loss(f(x[0]), f(x[1]))
    (g_full,) = torch.autograd.grad(full, W)
    bounds = [0, *cuts, x.shape[1]]
    reducer, out = ThreadSum(len(bounds) - 1), {}

    def shard(k: int) -> None:
        lo, hi = bounds[k], bounds[k + 1]
        loss = sharded_rayleigh_quotient_loss(f(x[0, lo:hi]), f(x[1, lo:hi]),
                                              reducer.for_shard(k))
        out[k] = (loss.detach(), torch.autograd.grad(loss, W)[0])

    threads = [threading.Thread(target=shard, args=(k,)) for k in range(len(bounds) - 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    losses = [out[k][0] for k in sorted(out)]
    assert all(torch.equal(v, losses[0]) for v in losses)  # the same bits on every shard
    assert losses[0].item() == pytest.approx(full.item(), rel=1e-10)
    torch.testing.assert_close(sum(out[k][1] for k in out), g_full, rtol=1e-8, atol=1e-12)
    assert not torch.allclose(out[0][1], g_full, rtol=0.05)  # one shard alone is not enough


@pytest.mark.parametrize("n", [0, 1, 5, 999])
@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_shard_bounds_cover_every_row_once_in_order(n, size):
    from vdae.engine.distributed import shard_bounds

    bounds = [shard_bounds(n, rank, size) for rank in range(size)]
    assert bounds[0][0] == 0 and bounds[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))  # contiguous, rank order
    lengths = [stop - start for start, stop in bounds]
    assert min(lengths) >= 0 and max(lengths) - min(lengths) <= 1
