"""A standard (non-saturating) GAN whose discriminator gives logits — the GAN of Fig. 6.

Discriminator rejection sampling (:mod:`experiments.drs`) needs D(x) = σ(D̃(x)) trained with the
cross-entropy, so that at the optimum D̃(x) = log p_data(x) / p_g(x). The WGAN-GP critic of
:class:`vdae.models.WGANGP` is not such a logit, hence this model.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from vdae._torch import batched_apply, resolve_device, to_tensor
from vdae._validation import (
    ACTIVATION, DEVICE, BOOL, HIDDEN, RANDOM_STATE, Interval, check_array, check_random_state,
    torch_generator,
)
from vdae.models.base import GenerativeModel
from vdae.nn.state import load_module_state, module_state
from vdae.nn import Decoder, make_mlp
from vdae.engine.loop import cosine_lr, make_adam, seeded, train_steps

__all__ = ["StandardGAN"]


class StandardGAN(GenerativeModel):
    """GAN of Goodfellow et al. (2014) with the non-saturating generator loss.

    Generator f_θ: z ~ N(0, I_D) ↦ x (the VDAE's :class:`~vdae.nn.Decoder`, standardised data
    units); discriminator D̃_w: x ↦ logit (an MLP). Each step makes one discriminator update on

    .. math::

        L_D = −\\mathbb E_x \\log σ(D̃(x)) − \\mathbb E_z \\log(1 − σ(D̃(f_θ(z))))

    and one generator update on :math:`L_G = −\\mathbb E_z \\log σ(D̃(f_θ(z)))`, with Adam.

    Parameters
    ----------
    n_components : int, default=2
        Latent dimension D.
    generator_hidden, discriminator_hidden : sequence of int, default=(128, 128, 128)
    activation : {"relu", "silu", "tanh", "leaky_relu"}, default="relu"
    n_steps : int, default=5000
        Discriminator (and generator) updates.
    batch_size : int, default=256
    learning_rate : float, default=2e-4
        Adam's rate for both networks, decayed by a cosine schedule.
    device : str, default="cpu"
    random_state : int, Generator or None
    verbose : int, default=0

    Attributes
    ----------
    generator_ : Decoder
    discriminator_ : torch.nn.Sequential
        Standardised x (b, m) → logit (b, 1).
    history_ : list of float
        Mean L_D per block of 100 steps.
    n_components_, n_features_in_ : int
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(int, 1, None)],
        "generator_hidden": [HIDDEN],
        "discriminator_hidden": [HIDDEN],
        "activation": [ACTIVATION],
        "n_steps": [Interval(int, 1, None)],
        "batch_size": [Interval(int, 2, None)],
        "learning_rate": [Interval(float, 0, 1, closed="right")],
        "device": [DEVICE],
        "random_state": [RANDOM_STATE],
        "verbose": [Interval(int, 0, None), BOOL],
    }

    def __init__(self, n_components: int = 2, *, generator_hidden: Sequence[int] = (128, 128, 128),
                 discriminator_hidden: Sequence[int] = (128, 128, 128), activation: str = "relu",
                 n_steps: int = 5000, batch_size: int = 256, learning_rate: float = 2e-4,
                 device: str = "cpu", random_state=None, verbose: int = 0):
        self.n_components = n_components
        self.generator_hidden = generator_hidden
        self.discriminator_hidden = discriminator_hidden
        self.activation = activation
        self.n_steps = n_steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y=None) -> "StandardGAN":
        """Train generator and discriminator on X of shape (n_samples, n_features)."""
        self._validate_params()
        X = check_array(X, "X", min_samples=2)
        rng = check_random_state(self.random_state)
        self.device_ = resolve_device(self.device)
        self._build(X, int(rng.integers(0, 2**31 - 1)))
        gen = torch_generator(rng, self.device_)
        Xs = self._standardize(X)
        g_opt = make_adam(self.generator_.parameters(), self.learning_rate,
                                 betas=(0.5, 0.999))
        g_sched = cosine_lr(g_opt, self.n_steps)

        def step(i: int) -> torch.Tensor:
            if i > 0:
                self._generator_update(g_opt, gen)
                g_sched.step()
            return self._discriminator_loss(Xs, gen)

        self.history_ = self._train_discriminator(step, self.n_steps, "StandardGAN")
        self.generator_.eval(), self.discriminator_.eval()
        return self

    def keep_training_discriminator(self, X, n_steps: int, random_state=None) -> list[float]:
        """Train the discriminator alone against the fixed generator (DRS's "keep training D").

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
        n_steps : int
        random_state : int, Generator or None
            Seeds the batches and the generator's draws.

        Returns
        -------
        list of float
            Mean L_D per block of 100 steps.
        """
        X = self._check_X(X)
        gen = torch_generator(check_random_state(random_state), self.device_)
        Xs = self._standardize(X)
        history = self._train_discriminator(lambda i: self._discriminator_loss(Xs, gen), n_steps,
                                            "StandardGAN D")
        self.discriminator_.eval()
        return history

    def _build(self, X: np.ndarray, seed: int) -> None:
        D, m = self.n_components, X.shape[1]
        with seeded(seed):
            self.generator_ = Decoder(D, m, self.generator_hidden, self.activation)
            self.discriminator_ = make_mlp(m, self.discriminator_hidden, 1, self.activation)
        self.generator_.set_data_scale(X)
        self.generator_.to(self.device_), self.discriminator_.to(self.device_)
        self.n_components_, self.n_features_in_ = D, m

    def _standardize(self, X: np.ndarray) -> torch.Tensor:
        g = self.generator_
        return g.standardize(to_tensor(X, self.device_))

    def _fake(self, n: int, gen: torch.Generator) -> torch.Tensor:
        z = torch.randn(n, self.n_components_, generator=gen, device=self.device_)
        return self.generator_.standardized(z)

    def _discriminator_loss(self, Xs: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        B = min(self.batch_size, Xs.shape[0])
        real = Xs[torch.randint(Xs.shape[0], (B,), generator=gen, device=self.device_)]
        with torch.no_grad():
            fake = self._fake(B, gen)
        d_real, d_fake = self.discriminator_(real), self.discriminator_(fake)
        return (F.binary_cross_entropy_with_logits(d_real, torch.ones_like(d_real))
                + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake)))

    def _generator_update(self, opt: torch.optim.Optimizer, gen: torch.Generator) -> None:
        logits = self.discriminator_(self._fake(self.batch_size, gen))
        loss = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
        params = list(self.generator_.parameters())
        for p, g in zip(params, torch.autograd.grad(loss, params)):
            p.grad = g
        opt.step()

    def _train_discriminator(self, step, n_steps: int, desc: str) -> list[float]:
        opt = make_adam(self.discriminator_.parameters(), self.learning_rate,
                               betas=(0.5, 0.999))
        self.generator_.train(), self.discriminator_.train()
        return train_steps(step, opt, n_steps, steps_per_epoch=min(100, n_steps), desc=desc,
                           verbose=int(self.verbose), scheduler=cosine_lr(opt, n_steps))

    # --------------------------------------------------------------- inference
    def inverse_transform(self, Z) -> np.ndarray:
        """Generator output f_θ(Z) in data units, shape (n_samples, n_features_in_)."""
        self._check_fitted()
        Z = check_array(Z, "Z", n_features=self.n_components_)
        return batched_apply(self.generator_, Z, self.device_)

    def sample(self, n_samples: int, *, random_state=None) -> np.ndarray:
        """Generated points f_θ(z), z ~ N(0, I); shape (n_samples, n_features_in_)."""
        self._check_fitted()
        n = self._check_count(n_samples)
        Z = check_random_state(random_state).standard_normal((n, self.n_components_))
        return self.inverse_transform(Z.astype(np.float32))

    def discriminator_logits(self, X) -> np.ndarray:
        """D̃(x), the discriminator's logit of each row, shape (n_samples,).

        D(x) = σ(D̃(x)) is the judged probability that x is real data.
        """
        X = self._check_X(X)
        g = self.generator_
        return batched_apply(lambda x: self.discriminator_(g.standardize(x))[:, 0],
                             X, self.device_)

    # ------------------------------------------------------------- persistence
    def _get_state(self):
        tensors = {**module_state("generator", self.generator_),
                   **module_state("discriminator", self.discriminator_)}
        return tensors, {"n_components": self.n_components_, "n_features_in": self.n_features_in_}

    def _set_state(self, tensors, fitted) -> None:
        D, m = int(fitted["n_components"]), int(fitted["n_features_in"])
        self.device_ = resolve_device(self.device)
        self.generator_ = Decoder(D, m, self.generator_hidden, self.activation)
        self.discriminator_ = make_mlp(m, self.discriminator_hidden, 1, self.activation)
        load_module_state("generator", self.generator_, tensors)
        load_module_state("discriminator", self.discriminator_, tensors)
        self.generator_.to(self.device_).eval(), self.discriminator_.to(self.device_).eval()
        self.n_components_, self.n_features_in_ = D, m
        self.history_ = []

