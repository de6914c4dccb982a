"""The Wasserstein GAN baseline with gradient penalty (WGAN-GP; Gulrajani et al., NeurIPS 2017)."""

from __future__ import annotations

import math
import numbers
from typing import Any, Sequence

import numpy as np
import torch

from .._validation import HIDDEN, NONE, Interval, store_params, torch_generator
from ..engine.loop import cosine_lr, make_adam, train_steps
from ..engine.optim import Adam
from ..exceptions import TrainingDivergedError
from ..nn import Decoder, make_mlp
from ..nn.conv import ConvEncoder
from .prior_decoder import BASELINE_CONSTRAINTS, PriorDecoderModel

__all__ = ["WGANGP"]


class _NoEncoderError(NotImplementedError, AttributeError):
    """``transform`` of a model without an encoder: a NotImplementedError for callers, an
    AttributeError for duck typing."""


class _AdamBetas:
    """Constraint: a pair (β₁, β₂) of reals in [0, 1)."""

    def accepts(self, value: Any) -> bool:
        if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
            return False
        return all(isinstance(b, numbers.Real) and not isinstance(b, bool) and 0 <= b < 1
                   for b in value)

    def __str__(self) -> str:
        return "a pair (beta1, beta2) of real numbers in [0, 1)"


def gradient_penalty(critic: torch.nn.Module, real: torch.Tensor, fake: torch.Tensor,
                     gen: torch.Generator) -> torch.Tensor:
    """E[(‖∇ₓ f(x̂)‖ − 1)²] at x̂ = t x + (1 − t) x̃, t ~ U(0, 1) per pair (Gulrajani et al.).

    Parameters
    ----------
    critic : module mapping (b, m) → (b, 1)
    real, fake : tensor of shape (b, m)

    Returns
    -------
    scalar tensor (differentiable in the critic's weights)
    """
    t = torch.rand(real.shape[0], 1, generator=gen, device=real.device, dtype=real.dtype)
    x_hat = (t * real + (1 - t) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((grad.norm(dim=-1) - 1) ** 2).mean()


class WGANGP(PriorDecoderModel):
    """The WGAN-GP baseline: a generator f_θ: R^D → R^m trained against a critic f_w: R^m → R.

    Latent z ~ N(0, I_D); the generator is the VDAE's :class:`~vdae.nn.Decoder` (same widths,
    same data standardisation), the critic an MLP on standardised data — or, on images
    (``image_shape``), both convolutional (see ``image_shape``). Training alternates
    ``critic_steps`` (default 5, as in Gulrajani et al.) critic updates with one generator
    update, minimising

    .. math::

        L_{critic} = \\mathbb E_z f_w(f_θ(z)) − \\mathbb E_x f_w(x)
        + λ\\,\\mathbb E_{\\hat x}\\big(\\lVert∇ f_w(\\hat x)\\rVert − 1\\big)^2,
        \\qquad L_{gen} = −\\mathbb E_z f_w(f_θ(z)),

    with Adam (``learning_rate``, ``critic_learning_rate``, ``betas``) and a cosine decay of
    both rates. −L_critic (before
    the penalty) estimates the Wasserstein-1 distance between data and samples.

    Parameters
    ----------
    n_components : int, default=2
        Latent dimension D (the prior is N(0, I_D)).
    critic_steps : int, default=5
        Critic updates per generator update.
    gradient_penalty : float > 0, default=10.0
        The penalty's weight λ. 10 is Gulrajani et al.'s value for images; their released code uses
        0.1 for 2-D toy
        data, and on low-dimensional point clouds λ = 10 dominates the critic's loss (the
        Wasserstein gap between standardised point clouds is ≈ 1): on 2000 points of the circle,
        λ = 10 collapsed the generator onto an arc (GW ×1000 ≈ 230–270, precision < 0.01)
        where λ = 0.1 gave GW 1.5, precision 0.91 (same steps). Use ≈ 0.1 for point clouds.
    generator_hidden : sequence of int, default=(256, 256, 256)
        Hidden widths of the generator MLP (the VDAE decoder's defaults).
    critic_hidden : sequence of int, default=(256, 256, 256)
        Hidden widths of the critic MLP.
    image_shape : (h, w) or (h, w, c) or None, default=None
        The shape of one image when the rows of X are flattened images (the image loaders'
        ``Dataset.image_shape``; h·w·c must equal n_features). Both networks are then
        convolutional, DCGAN/WGAN-GP style (:mod:`vdae.nn.conv`, the VDAE's image option): the
        critic a :class:`~vdae.nn.conv.ConvEncoder` with one output — one 5 × 5 stride-2
        convolution per entry of ``conv_channels`` (each halves the image, rounding up),
        LeakyReLU activations and a linear layer, and no normalisation layers (the gradient
        penalty is taken per sample, which batch normalisation would break; Gulrajani et al.
        Sect. 4) — and the generator the VDAE's :class:`~vdae.nn.Decoder` with its
        convolutional body (a linear layer, then the critic's mirror image in 5 × 5 stride-2
        transposed convolutions, ``activation`` between them). ``generator_hidden`` and
        ``critic_hidden`` are then unused. None: MLPs, for point clouds and other vectors.
    conv_channels : sequence of int, default=(32, 64, 128)
        Channels of the convolution stages, image side first (with ``image_shape``).
    activation : {"relu", "silu", "tanh", "leaky_relu"}, default="relu"
        Hidden activation of the MLPs and of the generator (the convolutional critic's is
        LeakyReLU).
    epochs : int or None, default=None
        Passes of the critic over the data (one critic step reads one batch); None:
        max(2000 generator steps, 2 epochs).
    batch_size : int ≥ 2, default=256
        Points per minibatch (of the critic and of the generator).
    learning_rate : float, default=1e-4
        The generator's Adam rate (and the critic's when ``critic_learning_rate`` is None).
    critic_learning_rate : float or None, default=None
        The critic's Adam rate; None: ``learning_rate`` (Gulrajani et al.'s setting). A critic
        rate a few times the generator's (the two time-scale rule, Heusel et al., NeurIPS
        2017) keeps the critic ahead of the generator and damps the oscillations of small
        networks.
    betas : pair of float, default=(0.5, 0.9)
        Adam's (β₁, β₂) for both networks.
    device : str, default="auto"
        Torch device ("cpu", "cuda", "cuda:1", ...); "auto": CUDA when available, else CPU.
    random_state : int, Generator or None, default=None
        Seed of every random draw of ``fit``.
    verbose : int or bool, default=1
        0: silent; 1: progress bars when writing to a terminal; 2: progress bars always.

    Attributes
    ----------
    generator_ : vdae.nn.Decoder
        The generator f_θ: latent z (b, D) → x (b, m) in data units.
    critic_ : torch.nn.Sequential or ConvEncoder
        Standardised x (b, m) → score (b, 1); see :meth:`critic_score` for data units.
    history_ : list of float
        Mean critic loss L_critic per epoch.
    n_components_ : int
        The latent dimension D.
    n_features_in_ : int
        Number of columns of the training data.
    device_ : torch.device
        The device the networks live on.

    Notes
    -----
    A GAN has no encoder: :meth:`transform` raises ``NotImplementedError``.

    Examples
    --------
    >>> from vdae import WGANGP
    >>> from vdae.datasets import make_circle
    >>> X = make_circle(300, random_state=0).X
    >>> model = WGANGP(gradient_penalty=0.1, epochs=10, random_state=0, verbose=0).fit(X)
    >>> model.sample(3, random_state=0).shape
    (3, 2)
    >>> model.critic_score(X[:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(int, 1, None)],
        "critic_steps": [Interval(int, 1, None)],
        "gradient_penalty": [Interval(float, 0, None, closed="neither")],
        "generator_hidden": [HIDDEN],
        "critic_hidden": [HIDDEN],
        "critic_learning_rate": [Interval(float, 0, 1, closed="right"), NONE],
        "betas": [_AdamBetas()],
        **BASELINE_CONSTRAINTS,
    }

    _networks = ("generator", "critic")
    _decoder_name = "generator"

    def __init__(
        self,
        n_components: int = 2,
        *,
        critic_steps: int = 5,
        gradient_penalty: float = 10.0,
        generator_hidden: Sequence[int] = (256, 256, 256),
        critic_hidden: Sequence[int] = (256, 256, 256),
        image_shape: Sequence[int] | None = None,
        conv_channels: Sequence[int] = (32, 64, 128),
        activation: str = "relu",
        epochs: int | None = None, batch_size: int = 256, learning_rate: float = 1e-4,
        critic_learning_rate: float | None = None,
        betas: tuple[float, float] = (0.5, 0.9),
        device: str = "auto", random_state=None, verbose: int = 1,
    ):
        store_params(self, locals())

    # ------------------------------------------------------------------ fitting
    def _fit(self, X: np.ndarray, rng: np.random.Generator) -> None:
        """Build generator and critic, then train them adversarially on X (sets history_)."""
        self._build(X, int(rng.integers(0, 2**31 - 1)))
        self.history_ = self._train(X, torch_generator(rng, self.device_))

    def _make_networks(self, D: int, m: int) -> None:
        """Fresh generator_ (D → m) and critic_ (m → 1): MLPs, or with ``image_shape`` a
        convolutional generator and critic (``conv_channels``; the critic without
        normalisation layers, as the gradient penalty requires)."""
        self.generator_ = Decoder(D, m, self.generator_hidden, self.activation,
                                  image_shape=self.image_shape, channels=self.conv_channels)
        if self.image_shape is None:
            self.critic_ = make_mlp(m, self.critic_hidden, 1, self.activation)
        else:
            self.critic_ = ConvEncoder(self.image_shape, 1, self.conv_channels, "leaky_relu")
        self.n_components_, self.n_features_in_ = D, m

    def _default_steps(self) -> int:
        """Critic steps of a fit with epochs=None: max(2000 generator steps, 2 epochs)."""
        return 2000 * self.critic_steps

    def _generator_update(self, opt: Adam, B: int, gen: torch.Generator) -> None:
        """One Adam step on L_gen; the critic's gradients are left untouched."""
        z = torch.randn(B, self.n_components_, generator=gen, device=self.device_)
        loss = -self.critic_(self.generator_.standardized(z)).mean()
        if not math.isfinite(float(loss.detach())):
            raise TrainingDivergedError(f"WGANGP: the generator loss became {float(loss)}; "
                                        "lower the learning rate.")
        params = list(self.generator_.parameters())
        for p, g in zip(params, torch.autograd.grad(loss, params)):
            p.grad = g
        opt.step()

    def _train(self, X: np.ndarray, gen: torch.Generator) -> list[float]:
        """critic_steps critic updates per generator update; returns the critic loss per epoch."""
        Xs, n = self._standardize(X), X.shape[0]
        B, per_epoch, total = self._schedule(n)
        n_gen = max(1, total // self.critic_steps)
        c_lr = self.critic_learning_rate
        c_lr = self.learning_rate if c_lr is None else c_lr
        c_opt = make_adam(self.critic_.parameters(), c_lr, betas=tuple(self.betas))
        g_opt = make_adam(self.generator_.parameters(), self.learning_rate,
                                 betas=tuple(self.betas))
        g_sched = cosine_lr(g_opt, n_gen)
        lam = float(self.gradient_penalty)

        def step(i: int) -> torch.Tensor:
            if i > 0 and i % self.critic_steps == 0:
                self._generator_update(g_opt, B, gen)
                g_sched.step()
            real = Xs[torch.randint(n, (B,), generator=gen, device=self.device_)]
            z = torch.randn(B, self.n_components_, generator=gen, device=self.device_)
            with torch.no_grad():
                fake = self.generator_.standardized(z)
            gap = self.critic_(fake).mean() - self.critic_(real).mean()
            return gap + lam * gradient_penalty(self.critic_, real, fake, gen)

        self._set_training(True)
        history = train_steps(step, c_opt, total, steps_per_epoch=per_epoch, desc="WGANGP",
                              verbose=int(self.verbose), scheduler=cosine_lr(c_opt, total))
        self._generator_update(g_opt, B, gen)  # close the last block of critic steps
        self._set_training(False)
        return history

    # --------------------------------------------------------------- inference
    @property
    def transform(self):
        """Not available: a GAN has no encoder, so data cannot be mapped to latent codes.

        ``hasattr(model, "transform")`` is False (scikit-learn's duck typing sees no transformer).

        Raises
        ------
        NotImplementedError
            Always (also an AttributeError).
        """
        raise _NoEncoderError("WGANGP has no encoder, so it cannot map data to latent codes; "
                              "use inverse_transform (latent → data) or sample instead.")

    def critic_score(self, X) -> np.ndarray:
        """Score each row of ``X`` with the critic f_w (higher: judged more data-like).

        Scores are defined up to an additive constant (the critic is trained on differences);
        compare them between points, e.g. for discriminator rejection sampling.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
            Points in data units.

        Returns
        -------
        ndarray of shape (n_samples,), float32
            The critic values f_w(x), defined up to an additive constant.
        """
        return self._map_data(lambda xs: self.critic_(xs)[:, 0], X)
