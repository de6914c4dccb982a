"""The β-VAE baseline (Higgins et al., ICLR 2017), with β chosen on held-out data."""

from __future__ import annotations

import math
import numbers
from typing import Any, Sequence

import numpy as np
import torch

from .._validation import NONE, Interval, store_params, torch_generator
from ..exceptions import TrainingDivergedError
from .distributions import DiagonalNormal
from .vae_base import VAE_CONSTRAINTS, VariationalAutoencoderBase

__all__ = ["BetaVAE"]



class _PositiveFloats:
    """Constraint: a non-empty sequence of finite reals > 0."""

    def accepts(self, value: Any) -> bool:
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            return False
        items = list(value)
        return len(items) > 0 and all(isinstance(b, numbers.Real) and not isinstance(b, bool)
                                      and math.isfinite(b) and b > 0 for b in items)

    def __str__(self) -> str:
        return "a non-empty sequence of positive real numbers"


class BetaVAE(VariationalAutoencoderBase):
    """The β-VAE baseline: Gaussian prior N(0, I), diagonal Gaussian posterior, NLL + β·KL.

    The encoder maps x to (μ(x), log σ²(x)); z = μ + σ ε (reparameterised); the decoder f_θ is
    the VDAE's :class:`~vdae.nn.Decoder`. The loss per point (standardised units) is

    .. math::

        \\frac{\\lVert x − f_θ(z)\\rVert^2}{2c} + \\frac m2 \\log 2πc
        + \\frac β2 \\sum_{j=1}^D \\big(μ_j^2 + σ_j^2 − 1 − \\log σ_j^2\\big).

    **Choosing β** (``beta=None``, as the paper's "cross validation procedure", Sect. 6.4): a
    ``validation_fraction`` of the data is held out; for every β of ``beta_grid`` a fresh model
    (same initial weights for all β) is trained on the rest for a short run (a quarter of the
    full run's steps, at least one epoch) and scored by its mean held-out negative ELBO *at
    β = 1* — a bound on −log p(x), so a small β cannot win merely by ignoring the KL term. The
    β with the lowest score is kept and the model is retrained on all the data with it.

    Parameters
    ----------
    n_components : int, default=2
        Latent dimension D.
    beta : float > 0 or None, default=None
        Weight of the KL term; None: chosen by the held-out criterion above.
    beta_grid : sequence of float > 0, default=(0.001, 0.01, 0.1, 1.0, 4.0)
        Candidates when ``beta`` is None.
    validation_fraction : float in (0, 1), default=0.2
        Held-out share of the data when choosing β.
    encoder_hidden : sequence of int, default=(256, 256, 256)
        Hidden widths of the encoder MLP (the VDAE's defaults).
    decoder_hidden : sequence of int, default=(256, 256, 256)
        Hidden widths of the decoder MLP.
    image_shape : (h, w) or (h, w, c) or None, default=None
        The shape of one image when the rows of X are flattened images (the image loaders'
        ``Dataset.image_shape``; h·w·c must equal n_features). The encoder and decoder are then
        convolutional, DCGAN/WGAN-GP style (:mod:`vdae.nn.conv`, the VDAE's image option): the
        encoder :class:`~vdae.nn.conv.ConvEncoder` has one 5 × 5 stride-2 convolution per entry
        of ``conv_channels`` (each halves the image, rounding up), LeakyReLU activations, no
        normalisation layers and a linear output layer; the decoder is the VDAE's
        :class:`~vdae.nn.Decoder` with its convolutional body (a linear layer, then the mirror
        image of the encoder in 5 × 5 stride-2 transposed convolutions, ``activation``
        between them). ``encoder_hidden`` and ``decoder_hidden`` are then unused. None: MLPs,
        for point clouds and other vectors.
    conv_channels : sequence of int, default=(32, 64, 128)
        Channels of the convolution stages, image side first (with ``image_shape``).
    activation : {"relu", "silu", "tanh", "leaky_relu"}, default="relu"
        Hidden activation of the MLPs and of the decoder (the convolutional encoder's is
        LeakyReLU).
    epochs : int or None, default=None
        Passes over the data; None: max(3000 steps, 2 epochs).
    batch_size : int ≥ 2, default=256
        Points per minibatch.
    learning_rate : float, default=1e-3
        Adam's rate, decayed by a cosine schedule.
    likelihood_variance : float >= 1e-30, default=0.01
        The variance c of p_θ(x | z) = N(f_θ(z), c I), in standardised data units (the data lie in
        [−1, 1]);
        with c = 1, as in the VDAE's local bound, a global bound is best served by ignoring z.
    device : str, default="auto"
        Torch device ("cpu", "cuda", "cuda:1", ...); "auto": CUDA when available, else CPU.
    random_state : int, Generator or None, default=None
        Seed of every random draw of ``fit``.
    verbose : int or bool, default=1
        0: silent; 1: progress bars when writing to a terminal; 2: progress bars always.

    Attributes
    ----------
    beta_ : float
        The β used for the final fit.
    cv_scores_ : ndarray of shape (len(beta_grid),) or None
        Held-out negative ELBO (nats per point, standardised units) of each grid value; None
        when ``beta`` was given. A run that diverged scores +inf.
    encoder_ : torch.nn.Sequential or ConvEncoder
        Standardised x (b, m) → (μ, log σ²) stacked, shape (b, 2D).
    decoder_ : Decoder
        f_θ: latent z (b, D) → x (b, m) in data units (an MLP or, with ``image_shape``, a
        convolutional body).
    history_ : list of float
        Mean loss per epoch of the final fit.
    n_components_ : int
        The latent dimension D.
    n_features_in_ : int
        Number of columns of the training data.
    device_ : torch.device
        The device the networks live on.

    See Also
    --------
    vdae.VDAE : The model these baselines are compared with.
    vdae.HypersphericalVAE : A VAE on a spherical latent space.

    Examples
    --------
    >>> import numpy as np
    >>> from vdae import BetaVAE
    >>> X = np.random.default_rng(0).normal(size=(300, 2))
    >>> model = BetaVAE(beta=1.0, epochs=5, random_state=0, verbose=0).fit(X)
    >>> model.fit_report()
    {'latent_dim': 2, 'beta': 1.0}
    >>> model.sample(3, random_state=0).shape
    (3, 2)
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(int, 1, None)],
        "beta": [Interval(float, 0, None, closed="neither"), NONE],
        "beta_grid": [_PositiveFloats()],
        "validation_fraction": [Interval(float, 0, 1, closed="neither")],
        **VAE_CONSTRAINTS,
    }

    def __init__(
        self,
        n_components: int = 2,
        *,
        beta: float | None = None,
        beta_grid: Sequence[float] = (0.001, 0.01, 0.1, 1.0, 4.0),
        validation_fraction: float = 0.2,
        encoder_hidden: Sequence[int] = (256, 256, 256),
        decoder_hidden: Sequence[int] = (256, 256, 256),
        image_shape: Sequence[int] | None = None,
        conv_channels: Sequence[int] = (32, 64, 128),
        activation: str = "relu",
        epochs: int | None = None, batch_size: int = 256, learning_rate: float = 1e-3,
        likelihood_variance: float = 0.01,
        device: str = "auto", random_state=None, verbose: int = 1,
    ):
        store_params(self, locals())

    def _encoder_width(self, n_components: int) -> int:
        return 2 * n_components

    def _posterior(self, h: torch.Tensor) -> DiagonalNormal:
        mean, log_var = h.chunk(2, dim=-1)
        return DiagonalNormal(mean, log_var.clamp(-30.0, 20.0))

    def _kl(self, posterior: DiagonalNormal) -> torch.Tensor:
        return posterior.kl_to_standard_normal()

    def _fit(self, X: np.ndarray, rng: np.random.Generator) -> None:
        """Choose β if needed (see the class docstring), then train on all of X."""
        if self.beta is None:
            self.beta_, self.cv_scores_ = self._select_beta(X, rng)
        else:
            self.beta_, self.cv_scores_ = float(self.beta), None
        self._fit_weights(X, self.beta_, rng)

    def _select_beta(self, X: np.ndarray, rng: np.random.Generator) -> tuple[float, np.ndarray]:
        """β of ``beta_grid`` with the lowest held-out negative ELBO at β = 1, and all scores."""
        n = X.shape[0]
        n_val = min(max(1, round(self.validation_fraction * n)), n - 1)
        perm = rng.permutation(n)
        X_val, X_tr = X[perm[:n_val]], X[perm[n_val:]]
        B, per_epoch, total = self._schedule(X_tr.shape[0])
        short = max(per_epoch, total // 4)
        init_seed, train_seed, eval_seed = (int(s) for s in rng.integers(0, 2**31 - 1, 3))

        def generator(seed: int) -> torch.Generator:  # the same draws for every β
            return torch_generator(np.random.default_rng(seed), self.device_)

        scores = []
        for beta in self.beta_grid:
            self._build(X_tr, init_seed)
            try:
                self._train(self._standardize(X_tr), float(beta), short, per_epoch, B,
                            generator(train_seed), f"BetaVAE β={beta:g}")
            except TrainingDivergedError:
                scores.append(math.inf)
                continue
            score = self._negative_elbo(self._standardize(X_val), generator(eval_seed))
            scores.append(score if math.isfinite(score) else math.inf)
        scores = np.asarray(scores, dtype=np.float64)
        if not np.isfinite(scores).any():
            raise TrainingDivergedError("BetaVAE: every β of beta_grid diverged while choosing β; "
                                        "lower the learning rate.")
        return float(self.beta_grid[int(np.argmin(scores))]), scores

    def fit_report(self) -> dict[str, float | int]:
        """Report the latent dimension and the β that ``fit`` used.

        Returns
        -------
        dict of str to float or int
            ``latent_dim`` (D) and ``beta`` (chosen from ``beta_grid`` or given).
        """
        return {**super().fit_report(), "beta": float(self.beta_)}

    def _get_state(self):
        tensors, fitted = super()._get_state()
        scores = None if self.cv_scores_ is None else [float(s) for s in self.cv_scores_]
        return tensors, {**fitted, "beta": self.beta_, "cv_scores": scores}

    def _set_state(self, tensors, fitted) -> None:
        super()._set_state(tensors, fitted)
        self.beta_ = float(fitted["beta"])
        scores = fitted.get("cv_scores")
        self.cv_scores_ = None if scores is None else np.asarray(scores, dtype=np.float64)
