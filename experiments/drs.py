"""Discriminator rejection sampling (Azadi, Olsson, Darrell, Goodfellow, Odena, ICLR 2019).

For a GAN with discriminator D(x) = σ(D̃(x)) trained by the cross-entropy, the optimal
discriminator satisfies p_data(x) / p_g(x) = exp(D̃*(x)), so accepting a generated x with
probability exp(D̃(x) − D̃_max) turns p_g into p_data (rejection sampling with bound
exp(D̃_max)). DRS makes that practical:

.. math::

    F(x) = D̃(x) − D̃_{max} − \\log\\bigl(1 − e^{D̃(x) − D̃_{max} − ε}\\bigr), \\qquad
    \\hat F(x) = F(x) − γ, \\qquad p_{accept}(x) = σ(\\hat F(x)).

With γ = 0, σ(F(x)) = exp(D̃(x) − D̃_max − ε) exactly (the ideal rule); γ shifts F to trade
acceptance rate for sample quality. D̃_max is estimated on a burn-in set of generated samples
and raised whenever a larger logit is seen while sampling; γ is a percentile of F over the
burn-in set (the paper's "γ dynamically set to a percentile of F"). Before the burn-in, the
discriminator is trained further against the fixed generator ("keep training D").
"""

from __future__ import annotations

import copy

import numpy as np

from vdae._validation import check_random_state

__all__ = ["drs_F", "drs_acceptance", "DiscriminatorRejectionSampler"]


def drs_F(logits: np.ndarray, logit_max: float, epsilon: float = 1e-8) -> np.ndarray:
    """F(x) = D̃ − D̃_max − log(1 − exp(D̃ − D̃_max − ε)), computed stably.

    Parameters
    ----------
    logits : ndarray of shape (n,)
        D̃(x) of each sample; must not exceed ``logit_max``.
    logit_max : float
        D̃_max.
    epsilon : float > 0

    Returns
    -------
    ndarray of shape (n,), float64
    """
    d = np.asarray(logits, dtype=np.float64) - float(logit_max)
    if np.any(d > 0):
        raise ValueError("logits above logit_max: raise logit_max first (DRS updates it).")
    return d - np.log(-np.expm1(d - epsilon))


def drs_acceptance(logits: np.ndarray, logit_max: float, *, gamma: float = 0.0,
                   epsilon: float = 1e-8) -> np.ndarray:
    """DRS acceptance probability σ(F(x) − γ) of each sample.

    Parameters
    ----------
    logits : ndarray of shape (n,)
        Discriminator logits D̃(x) ≤ ``logit_max``.
    logit_max : float
        D̃_max.
    gamma : float, default=0
        Shift γ; 0 gives exactly exp(D̃ − D̃_max − ε).
    epsilon : float, default=1e-8

    Returns
    -------
    ndarray of shape (n,), values in (0, 1)
    """
    f = drs_F(logits, logit_max, epsilon) - float(gamma)
    return 0.5 * (1.0 + np.tanh(0.5 * f))  # σ(f) without overflow


class DiscriminatorRejectionSampler:
    """DRS on a fitted :class:`~experiments.gan.StandardGAN` (a copy; the GAN is not changed).

    Parameters
    ----------
    gan : StandardGAN
        Fitted; anything with ``sample``, ``discriminator_logits`` and
        ``keep_training_discriminator`` works.
    calibration_steps : int, default=1000
        Extra discriminator-only updates against the fixed generator (0: none).
    burn_in : int, default=10000
        Generated samples for D̃_max and γ.
    gamma_percentile : float in [0, 100], default=95
        γ is this percentile of F over the burn-in set (95: the shift of the DRS reference
        implementation; lower values accept more).
    gamma : float or None, default=None
        A fixed γ instead of the percentile (0: exact rejection sampling when D̃ is optimal).
    epsilon : float, default=1e-8
    batch_size : int, default=10000
        Candidates drawn per round while sampling.
    random_state : int, Generator or None

    Attributes
    ----------
    gan_ : the calibrated copy
    logit_max_ : float
        D̃_max (raised while sampling when exceeded).
    gamma_ : float
    acceptance_rate_ : float
        Accepted / proposed in the last :meth:`sample` call.
    """

    def __init__(self, gan, *, calibration_steps: int = 1000, burn_in: int = 10000,
                 gamma_percentile: float = 95.0, gamma: float | None = None,
                 epsilon: float = 1e-8, batch_size: int = 10000, random_state=None):
        if not 0.0 <= gamma_percentile <= 100.0:
            raise ValueError(f"gamma_percentile must be in [0, 100]; got {gamma_percentile!r}.")
        if burn_in < 1 or batch_size < 1 or calibration_steps < 0 or epsilon <= 0:
            raise ValueError("burn_in and batch_size must be >= 1, calibration_steps >= 0, "
                             "epsilon > 0.")
        self.gan = gan
        self.calibration_steps = calibration_steps
        self.burn_in = burn_in
        self.gamma_percentile = gamma_percentile
        self.gamma = gamma
        self.epsilon = epsilon
        self.batch_size = batch_size
        self.random_state = random_state

    def fit(self, X) -> "DiscriminatorRejectionSampler":
        """Calibrate the discriminator on data X (n, m), then estimate D̃_max and γ."""
        rng = check_random_state(self.random_state)
        self.gan_ = copy.deepcopy(self.gan)
        if self.calibration_steps:
            self.gan_.keep_training_discriminator(X, self.calibration_steps, random_state=rng)
        burn = self.gan_.sample(self.burn_in, random_state=rng)
        logits = self.gan_.discriminator_logits(burn).astype(np.float64)
        self.logit_max_ = float(logits.max())
        F = drs_F(logits, self.logit_max_, self.epsilon)
        self.gamma_ = float(np.percentile(F, self.gamma_percentile) if self.gamma is None
                            else self.gamma)
        return self

    def sample(self, n_samples: int, *, random_state=None, max_rounds: int = 1000) -> np.ndarray:
        """Accepted samples, shape (n_samples, n_features).

        Raises
        ------
        RuntimeError
            If ``max_rounds`` rounds of ``batch_size`` proposals do not give enough samples.
        """
        if not hasattr(self, "gan_"):
            raise ValueError("call fit(X) before sample().")
        rng = check_random_state(random_state)
        kept, n_kept, proposed = [], 0, 0
        for _ in range(max_rounds):
            cand = self.gan_.sample(self.batch_size, random_state=rng)
            logits = self.gan_.discriminator_logits(cand).astype(np.float64)
            self.logit_max_ = max(self.logit_max_, float(logits.max()))
            p = drs_acceptance(logits, self.logit_max_, gamma=self.gamma_, epsilon=self.epsilon)
            accepted = cand[rng.random(len(cand)) <= p]
            kept.append(accepted)
            n_kept += len(accepted)
            proposed += len(cand)
            if n_kept >= n_samples:
                self.acceptance_rate_ = n_kept / proposed
                return np.concatenate(kept)[:n_samples]
        raise RuntimeError(f"DRS accepted only {n_kept} of {proposed} proposals; lower "
                           "gamma_percentile.")
