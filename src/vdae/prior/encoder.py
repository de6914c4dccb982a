"""One interface for a fitted prior ψ, whichever estimator produced it.

The VDAE needs three things of its encoder ψ: to map a batch of points to diffusion
coordinates on the model's device, to write its arrays into a model file (no pickle), and to be
rebuilt from them. :class:`Encoder` states that contract; :class:`NystromMap` (the exact
diffusion map extended by Nyström, from :class:`~vdae.prior.DiffusionMap`) and
:class:`SpectralNetMap` (the network ψ_ω, from :class:`~vdae.prior.SpectralNet`) implement it.
:data:`ENCODERS` maps the VDAE's ``prior`` names to the classes, so model code never asks which
one it holds.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np
import torch

from .._torch import to_tensor
from ..graph.nystrom import NystromEncoder
from ..nn import SpectralNetModule, make_mlp
from ..nn.state import load_module_state, module_state

__all__ = ["Encoder", "EncoderConfig", "NystromMap", "SpectralNetMap", "ENCODERS"]


class EncoderConfig(Protocol):
    """The hyperparameters an encoder is rebuilt from (a VDAE estimator provides them)."""

    n_neighbors: int
    diffusion_alpha: float
    diffusion_time: float
    bandwidth: str
    encoder_hidden: Any
    activation: str


@runtime_checkable
class Encoder(Protocol):
    """A fitted ψ: (b, n_features) points → (b, n_components) diffusion coordinates."""

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """ψ(x) for a batch x of shape (b, n_features); returns (b, n_components) on x's device."""
        ...

    def state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """(named arrays, JSON-serialisable fields) from which :meth:`from_state` rebuilds it."""
        ...

    @classmethod
    def from_state(cls, arrays: dict[str, np.ndarray], fields: dict[str, Any],
                   config: EncoderConfig, n_features: int, n_components: int,
                   device: torch.device) -> "Encoder":
        """The encoder written by :meth:`state`, with the estimator's hyperparameters."""
        ...


class NystromMap:
    """ψ = the exact diffusion map, extended to new points by Nyström (numpy, on the CPU).

    Parameters
    ----------
    nystrom : NystromEncoder
        The fitted extension (training points, kernel scales, eigenpairs).
    """

    def __init__(self, nystrom: NystromEncoder):
        self.nystrom = nystrom

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """ψ(x), shape (b, n_components), float32 on x's device (computed on the CPU)."""
        return to_tensor(self.nystrom(x.cpu().numpy()), x.device)

    def state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The training points, kernel scales, densities and eigenpairs; the scale neighbour."""
        n = self.nystrom
        return ({"nystrom.X": n.X_train, "nystrom.sigma": n.sigma, "nystrom.q": n.q,
                 "nystrom.F": n.eigenvectors, "nystrom.lam": n.eigenvalues},
                {"scale_neighbor": n.scale_neighbor})

    @classmethod
    def from_state(cls, arrays, fields, config, n_features, n_components, device) -> "NystromMap":
        """Rebuild from :meth:`state`'s output; the kernel settings come from ``config``."""
        return cls(NystromEncoder(
            arrays["nystrom.X"], arrays["nystrom.sigma"], arrays["nystrom.q"], arrays["nystrom.F"],
            arrays["nystrom.lam"], float(config.diffusion_alpha), float(config.diffusion_time),
            config.n_neighbors, int(fields["scale_neighbor"]), config.bandwidth))


class SpectralNetMap:
    """ψ = the SpectralNet network ψ_ω with its fitted output map (torch, on the model's device).

    Parameters
    ----------
    module : SpectralNetModule
        The trained network, in evaluation mode.
    """

    def __init__(self, module: SpectralNetModule):
        self.module = module

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """ψ_ω(x), shape (b, n_components), on x's device."""
        return self.module(x)

    def state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The network's weights and buffers as ``encoder.*`` arrays; no extra fields."""
        return module_state("encoder", self.module), {}

    @classmethod
    def from_state(cls, arrays, fields, config, n_features, n_components, device
                   ) -> "SpectralNetMap":
        """Rebuild the network (``config.encoder_hidden``, ``config.activation``) and load it."""
        body = make_mlp(n_features, config.encoder_hidden, n_components, config.activation)
        module = SpectralNetModule(body, n_features, n_components)
        load_module_state("encoder", module, arrays)
        return cls(module.to(device).eval())


#: The encoder class behind each value of the VDAE's ``prior`` parameter.
ENCODERS: dict[str, type] = {"exact": NystromMap, "spectralnet": SpectralNetMap}
