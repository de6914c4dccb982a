"""Fitting a VDAE, stage by stage: the prior ψ (paper Sect. 3), the scales, and Algorithm 1.

:class:`vdae.VDAE.fit` calls these in order; each takes the estimator (for its hyperparameters
and fitted modules) and the fit's :class:`~.checkpoints.TrainState`, so nothing about a fit in
progress is stored on the estimator.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..._torch import RowSource, column_stats, to_tensor
from ...engine.checkpoint import Checkpointer, load_optimizer_state, numpy_rng_from_state, \
    numpy_rng_state, set_generator_state
from ...engine.distributed import broadcast_arrays, broadcast_json, on_rank0, world
from ...engine.loop import cosine_lr, make_adam, train_steps
from ...nn.likelihood import gaussian_nll
from ...nn.local_step import LocalStep
from ...prior import DiffusionMap, SpectralNet
from ...prior.encoder import NystromMap, SpectralNetMap
from .checkpoints import TrainState, rank_streams, restore_encoder
from .objective import gaussian_kl_from_target_inverse, target_inverse_factors
from .targets import PoolSearch, nearest_among, nearest_in_pool

__all__ = ["DEFAULT_STEPS", "EXACT_PRIOR_MAX", "POOL_DATA_MAX", "SMALL_BATCH", "fit_encoder",
           "fit_encoder_distributed", "resolve_batch_size", "resolve_prior", "set_scales",
           "train_local_elbo"]

#: Largest training set whose every point is searched for x' with neighbor_pool="auto".
POOL_DATA_MAX = 50_000

#: Least number of steps of Algorithm 1 when ``epochs=None`` (the budget is max(this, 2 epochs)).
#: The decoder's accuracy between training points — hence the samples' precision and their
#: distance to the manifold — improves through the learning-rate decay long after the local
#: ELBO has flattened: on a loop of 2 000 points the ELBO of a fixed monitor set changes by
#: < 1% of its total gain after 600 steps, while the precision of the decoder's means goes
#: 0.90 / 0.96 / 0.99 / 0.99 after 750 / 1500 / 3000 / 6000 steps. So the ELBO cannot say when
#: to stop, and the budget is a number of steps. Halving it with a higher rate (3000 steps at
#: 5e-3, half the time) matched on the loop's precision but left the circle's samples 2.8×
#: farther from the curve (95th percentile 0.14% vs 0.05% of its diameter) and Algorithm 2's
#: 100-step walks on the bunny at GW 7.0 vs 3.2 (``make bench-vdae``, 3 draws), so it is kept.
DEFAULT_STEPS = 6000

#: Largest training set on which ``prior="auto"`` fits the exact diffusion map (SpectralNet
#: above): the exact map costs about 1 s at 2 000 points and 6 s at 70 000, but ψ of a new
#: point is then a nearest-neighbour search among the stored training points.
EXACT_PRIOR_MAX = 20_000


#: The batch of ``batch_size=None`` for vectors (``image_shape=None``) up to
#: :data:`EXACT_PRIOR_MAX` points; 256 above and for images. There the budget is
#: :data:`DEFAULT_STEPS` steps whatever the batch (still ≥ 38 passes over the data at 128), and
#: a step of the default networks costs mostly its fixed overhead (some 60 small operations and
#: the optimiser): on 2 000 points in R³, 6 000 steps took 25 s at 128 against 35 s at 256
#: (24 s at 64). ``make bench-vdae`` (seeds 0 and 1, 3 draws) read the same quality within its
#: noise — GW ×1000 at 128 / 256: circle 0.45 / 0.49, torus 1.57 / 1.48, bunny 2.37 / 2.48,
#: noisy circle 0.73 / 0.68 and 1.62 / 1.56 — and on MNIST 10k (FD 42.1 / 42.1). The price is
#: a slightly wider spread about the manifold: the samples' 95th-percentile distance to it
#: reads 5–20% more (loop 0.13% / 0.11% of its diameter, circle 0.06% / 0.05%, torus 0.69% /
#: 0.64%, sphere 0.40% / 0.39%). Above 20 000 points a step's cost grows with
#: the batch, the passes over the data shrink, and the 256 of the large-n measurements is kept;
#: on images a convolutional step is compute-bound, so a smaller batch saves nothing per
#: sample seen.
SMALL_BATCH = 128


def resolve_batch_size(batch_size: int | None, n: int, image_shape) -> int:
    """The minibatch a ``batch_size`` setting means for ``n`` training points (None:
    :data:`SMALL_BATCH` for vectors up to :data:`EXACT_PRIOR_MAX` points, 256 otherwise)."""
    if batch_size is not None:
        return int(batch_size)
    return SMALL_BATCH if image_shape is None and n <= EXACT_PRIOR_MAX else 256


def resolve_prior(prior: str, n: int) -> str:
    """The encoder a ``prior`` setting means for ``n`` training points ("auto": exact up to
    :data:`EXACT_PRIOR_MAX` points, SpectralNet above)."""
    if prior == "auto":
        return "exact" if n <= EXACT_PRIOR_MAX else "spectralnet"
    return prior


def fit_encoder(model, X: np.ndarray, seed: int, embed: bool = True
                ) -> tuple[np.ndarray | None, np.ndarray]:
    """Fit the prior ψ (exact map + Nyström, or SpectralNet) and set ``model.encoder_``.

    ``embed=False`` skips ψ(X) for SpectralNet (Z is then None): the other ranks of a
    data-parallel fit, which receive rank 0's embedding.

    Returns
    -------
    Z : ndarray of shape (n_samples, D), float32
        ψ(X).
    labels : ndarray of shape (n_samples,), int
        Connected component of each point in the affinity graph.
    """
    common = dict(n_neighbors=model.n_neighbors, alpha=model.diffusion_alpha,
                  diffusion_time=model.diffusion_time, bandwidth=model.bandwidth,
                  random_state=seed)
    if model.prior_ == "exact":
        dm = DiffusionMap(model.n_components, **common).fit(X)
        model.encoder_, model.eigenvalues_ = NystromMap(dm.nystrom_encoder_), dm.eigenvalues_
        return dm.embedding_, dm.graph_labels_
    sn = SpectralNet(model.n_components, hidden=model.encoder_hidden, activation=model.activation,
                     epochs=model.encoder_epochs, input_noise=model.input_noise,
                     device=str(model.device_), verbose=model.verbose, **common).fit(X)
    model.encoder_, model.eigenvalues_ = SpectralNetMap(sn.module_), sn.eigenvalues_
    return (sn.transform(X) if embed else None), sn.graph_labels_


def fit_encoder_distributed(model, X: np.ndarray, rng: np.random.Generator, rank: int
                            ) -> tuple[np.ndarray, np.ndarray, np.random.Generator]:
    """Fit the prior in a process group; every rank receives rank 0's fitted prior, embedding
    and random state (so all ranks build identical modules and pick identical seeds).

    SpectralNet trains data-parallel on every rank (:class:`vdae.SpectralNet` under
    torch.distributed); the exact diffusion map is fitted by rank 0 alone. A failure on rank 0
    is raised on every rank.

    Returns
    -------
    Z, labels : as :func:`fit_encoder`
    rng : numpy Generator in rank 0's state after its fit
    """
    payload = meta = None
    seed = int(rng.integers(0, 2**31 - 1))  # every rank holds the same stream here
    if model.prior_ == "spectralnet":  # a collective fit: every rank trains its share
        Z, labels = fit_encoder(model, X, seed, embed=rank == 0)
    else:
        Z, labels = on_rank0(fit_encoder, model, X, seed) or (None, None)
    if rank == 0:
        enc_arrays, enc_fitted = model.encoder_.state()
        payload = {**enc_arrays, "prior.Z": np.asarray(Z, np.float32),
                   "prior.labels": np.asarray(labels, np.int64),
                   "prior.eigenvalues": np.asarray(model.eigenvalues_, np.float64)}
        meta = {"fitted": {"n_components": int(Z.shape[1]), **enc_fitted},
                "rng": numpy_rng_state(rng)}
    payload, meta = broadcast_arrays(payload), broadcast_json(meta)
    if rank != 0:
        model.n_components_, model.n_features_in_ = meta["fitted"]["n_components"], X.shape[1]
        model.encoder_ = restore_encoder(model, payload, meta["fitted"])
        model.eigenvalues_ = payload["prior.eigenvalues"]
    return payload["prior.Z"], payload["prior.labels"], numpy_rng_from_state(meta["rng"])


def set_scales(model, X: np.ndarray, Z: np.ndarray, L_star: np.ndarray) -> None:
    """Fill the modules' fixed buffers: data and latent standardisation, and C_φ's output
    scale √(α · median tr Σ* / D) so that training starts at the target's size."""
    x_mean, _, x_scale = column_stats(X)
    x_scale = x_scale or 1.0
    z_mean = Z.mean(axis=0, dtype=np.float64)
    z_scale = float(np.sqrt(np.mean((Z - z_mean) ** 2))) or 1.0
    dec, cov = model.decoder_, model.covariance_
    for mod in (dec, cov):
        mod.z_mean.copy_(torch.as_tensor(z_mean, dtype=torch.float32))
        mod.z_scale.fill_(z_scale)
    dec.x_mean.copy_(torch.as_tensor(x_mean, dtype=torch.float32))
    dec.x_scale.fill_(x_scale)
    tr = np.einsum("nij,nij->n", L_star.astype(np.float64), L_star)
    cov.scale.fill_(math.sqrt(model.alpha * float(np.median(tr)) / Z.shape[1]))
    dec.to(model.device_), cov.to(model.device_)


def neighbor_pool(model, n: int) -> str:
    """Where x' is searched: "data", "batch" or "neighbors" (``neighbor_pool="auto"``:
    every training point up to :data:`POOL_DATA_MAX` points, the Σ* neighbours above)."""
    if model.neighbor_pool == "auto":
        return "data" if n <= POOL_DATA_MAX else "neighbors"
    return model.neighbor_pool


def train_local_elbo(model, X: np.ndarray, L_star: np.ndarray, neighbors: np.ndarray,
                     state: TrainState, saver: Checkpointer | None = None) -> list[float]:
    """Train C_φ and ψ_θ⁻¹ by the negative local ELBO (Eqs. 5–7, Algorithm 1).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    L_star : ndarray of shape (n_samples, D, D)
        Cholesky factors of Σ*(x) (before α).
    neighbors : ndarray of shape (n_samples, k)
        The Σ* neighbourhoods (the x' pool when ``neighbor_pool="neighbors"``).
    state : TrainState
        Streams and embedding; ``state.optimizer`` is set here.
    saver : Checkpointer or None

    Returns
    -------
    list of float: the loss per epoch.
    """
    dev, B, n = model.device_, min(model.batch_size_, X.shape[0] - 1), X.shape[0]
    dec, cov, gen = model.decoder_, model.covariance_, state.gen
    local = LocalStep(dec, cov)
    rank, size = world()
    if size > 1:  # each rank its share of the global batch; gradients averaged
        B = max(1, math.ceil(B / size))
        local = torch.nn.parallel.DistributedDataParallel(local, forward_sync_buffers=False)
    source = RowSource(X, dev)
    pool = neighbor_pool(model, n)
    nbr = torch.as_tensor(neighbors, device=dev) if pool == "neighbors" else None
    Zt = to_tensor(state.Z, dev)
    search_data = PoolSearch(Zt) if pool == "data" else None
    Lp_inv, logdet_p = target_inverse_factors(to_tensor(L_star, dev) * math.sqrt(model.alpha))
    per_epoch = max(1, math.ceil(n / B))
    total = model.epochs * per_epoch if model.epochs is not None \
        else max(DEFAULT_STEPS, 2 * per_epoch)
    opt = make_adam(list(dec.parameters()) + list(cov.parameters()), model.learning_rate)
    scheduler = cosine_lr(opt, total)
    start, loop_state = 0, None
    if state.progress is not None:
        load_optimizer_state(opt, state.arrays, state.progress["optimizer"])
        gen_state, loop_state, _ = rank_streams(state.arrays, state.progress, rank)
        set_generator_state(gen, gen_state)
        start = int(state.progress["step"])
        scheduler.last_epoch = start
    state.optimizer = opt
    c = float(model.likelihood_variance)

    def step(i: int) -> torch.Tensor:
        idx = torch.randint(n, (B,), generator=gen, device=dev)
        z = Zt[idx]
        eps = torch.randn(z.shape, generator=gen, device=dev, dtype=z.dtype)
        Lq, z_new, x_hat = local(z, eps)
        if pool == "batch":
            j = idx[nearest_in_pool(z_new.detach(), z, torch.arange(B, device=dev))]
        elif pool == "neighbors":
            j = nearest_among(z_new.detach(), Zt, nbr[idx], idx)
        else:
            j = search_data(z_new.detach(), idx)
        target = dec.standardize(source.rows(j))
        kl = gaussian_kl_from_target_inverse(Lq, Lp_inv[idx], logdet_p[idx])
        return gaussian_nll(target, x_hat, c, reduction="mean") + kl.mean()  # mean of the sum

    if saver is not None and state.progress is None:
        saver.save(0, {})  # the prior's work is never lost
    dec.train(), cov.train()
    history = train_steps(step, opt, total, steps_per_epoch=per_epoch, desc="VDAE",
                          verbose=int(model.verbose), scheduler=scheduler, start_step=start,
                          loop_state=loop_state, checkpointer=saver)
    model.n_iter_ = int(total)
    dec.eval(), cov.eval()
    return history
