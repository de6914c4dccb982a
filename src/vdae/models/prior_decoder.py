"""What the baselines share: a decoder of prior draws paired with one network on the data side.

The VAE baselines (encoder + decoder) and WGAN-GP (critic + generator) are both a network
f_θ : (b, D) → (b, m) that decodes draws of a fixed prior p(z), trained together with one
network that reads standardised data (b, m). :class:`PriorDecoderModel` holds what does not
depend on which: building both networks with the data's standardisation, the training
schedule, decoding (``inverse_transform``; ``sample`` and ``latent_sample`` come from
:class:`~vdae.models.base.DecodedPriorMixin`) and the model-file state. Parameters shared by
every baseline are declared once in :data:`BASELINE_CONSTRAINTS`.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch

from .._torch import batched_apply, resolve_device, to_tensor
from .._validation import (
    ACTIVATION, BOOL, DEVICE, HIDDEN, IMAGE_SHAPE, NONE, RANDOM_STATE, Interval, check_array,
    check_finite_output,
)
from ..engine.loop import seeded
from ..nn import Decoder
from ..nn.state import load_module_state, module_state
from .base import DecodedPriorMixin, GenerativeModel

__all__ = ["PriorDecoderModel", "BASELINE_CONSTRAINTS"]

#: Constraints of the parameters every baseline takes: the image option, the hidden
#: activation, the training budget and the runtime (device, seed, verbosity).
BASELINE_CONSTRAINTS: dict = {
    "image_shape": [IMAGE_SHAPE, NONE],
    "conv_channels": [HIDDEN],
    "activation": [ACTIVATION],
    "epochs": [Interval(int, 1, None), NONE],
    "batch_size": [Interval(int, 2, None)],
    "learning_rate": [Interval(float, 0, 1, closed="right")],
    "device": [DEVICE],
    "random_state": [RANDOM_STATE],
    "verbose": [Interval(int, 0, None), BOOL],
}


class PriorDecoderModel(DecodedPriorMixin, GenerativeModel):
    """Base of the baselines: a decoder of prior draws and one data-side network.

    A subclass names its two networks in :attr:`_networks` and :attr:`_decoder_name` (fitted
    attributes ``<name>_``, also the prefixes of their arrays in model files), builds them in
    :meth:`_make_networks` and sets its default budget in :meth:`_default_steps`; the rest of
    the contract (training, ``transform`` where there is an encoder) is its own.
    """

    #: The two networks in model-file order: the data-side one (an encoder or critic,
    #: standardised x (b, m) → (b, ·)) and the decoder.
    _networks: tuple[str, str] = ("encoder", "decoder")
    #: Which of them is the :class:`~vdae.nn.Decoder` f_θ : (b, D) → (b, m), in data units.
    _decoder_name: str = "decoder"

    def _make_networks(self, D: int, m: int) -> None:
        """Fresh networks (on the CPU) for latent dimension D and m features; sets
        ``n_components_`` and ``n_features_in_``."""
        raise NotImplementedError

    def _default_steps(self) -> int:
        """Optimiser steps of a fit with ``epochs=None`` (at least two epochs are run)."""
        raise NotImplementedError

    def _modules(self) -> list[torch.nn.Module]:
        """The two networks, in the order of :attr:`_networks`."""
        return [getattr(self, name + "_") for name in self._networks]

    def _decoder_module(self) -> Decoder:
        return getattr(self, self._decoder_name + "_")

    def _set_training(self, mode: bool) -> None:
        """Put both networks in training (True) or evaluation (False) mode."""
        for module in self._modules():
            module.train(mode)

    def _to_device(self) -> None:
        for module in self._modules():
            module.to(self.device_)

    def _build(self, X: np.ndarray, seed: int) -> None:
        """New networks (weights from ``seed``) on ``device_``, with the standardisation of
        X (n, m)."""
        with seeded(seed):
            self._make_networks(self.n_components, X.shape[1])
        self._decoder_module().set_data_scale(X)
        self._to_device()

    def _standardize(self, X: np.ndarray) -> torch.Tensor:
        """X (n, m) in data units as a tensor on ``device_`` in standardised units."""
        return self._decoder_module().standardize(to_tensor(X, self.device_))

    def _schedule(self, n: int) -> tuple[int, int, int]:
        """(batch size, steps per epoch, total steps) for n training rows; epochs=None:
        max(:meth:`_default_steps`, 2 epochs)."""
        B = min(self.batch_size, n)
        per_epoch = max(1, math.ceil(n / B))
        if self.epochs is not None:
            return B, per_epoch, self.epochs * per_epoch
        return B, per_epoch, max(self._default_steps(), 2 * per_epoch)

    def _map_data(self, fn: Callable[[torch.Tensor], torch.Tensor], X) -> np.ndarray:
        """``fn`` (standardised rows (b, m) → (b, …)) applied to the rows of X (checked against
        the fit, in data units), in batches without gradients; a finite ndarray."""
        X = self._check_X(X)
        dec = self._decoder_module()
        with torch.no_grad():
            return check_finite_output(
                batched_apply(lambda x: fn(dec.standardize(x)), X, self.device_))

    def inverse_transform(self, Z) -> np.ndarray:
        """Decode latent points with f_θ (a VAE's decoder mean, a GAN's generator).

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_components_)
            Latent points.

        Returns
        -------
        ndarray of shape (n_samples, n_features_in_), float32
            The decoded points f_θ(Z) in data units.
        """
        self._check_fitted()
        Z = check_array(Z, "Z", n_features=self.n_components_, owner=type(self).__name__)
        with torch.no_grad():
            return check_finite_output(batched_apply(self._decoder_module(), Z, self.device_),
                                       "Z")

    # ------------------------------------------------------------- persistence
    def _get_state(self):
        tensors = {}
        for name, module in zip(self._networks, self._modules()):
            tensors.update(module_state(name, module))
        return tensors, {"n_components": self.n_components_, "n_features_in": self.n_features_in_,
                         "history": [float(h) for h in self.history_]}

    def _set_state(self, tensors, fitted) -> None:
        self.device_ = resolve_device(self.device)
        self._make_networks(int(fitted["n_components"]), int(fitted["n_features_in"]))
        for name, module in zip(self._networks, self._modules()):
            load_module_state(name, module, tensors)
        self._to_device()
        self._set_training(False)
        self.history_ = list(fitted.get("history", []))
