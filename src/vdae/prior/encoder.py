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
    """The protocol of a fitted ψ: (b, n_features) points → (b, n_components) coordinates."""

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Map a batch of points to diffusion coordinates.

        Parameters
        ----------
        x : torch.Tensor of shape (b, n_features)
            A batch of points, float32.

        Returns
        -------
        torch.Tensor of shape (b, n_components), float32
            The coordinates ψ(x), on x's device.
        """
        ...

    def state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Return what :meth:`from_state` rebuilds the encoder from.

        Returns
        -------
        arrays : dict of str to ndarray
            Named arrays (written into the model file).
        fields : dict of str to Any
            JSON-serialisable values.
        """
        ...

    @classmethod
    def from_state(cls, arrays: dict[str, np.ndarray], fields: dict[str, Any],
                   config: EncoderConfig, n_features: int, n_components: int,
                   device: torch.device) -> "Encoder":
        """Rebuild the encoder written by :meth:`state`, with the estimator's hyperparameters.

        Parameters
        ----------
        arrays : dict of str to ndarray
            The named arrays of :meth:`state` (as read from a model file).
        fields : dict of str to Any
            The JSON fields of :meth:`state`.
        config : EncoderConfig
            The estimator's hyperparameters (``n_neighbors``, ``diffusion_alpha``, ...).
        n_features : int
            Number of input columns m.
        n_components : int
            Number of output coordinates D.
        device : torch.device
            Where the encoder computes.

        Returns
        -------
        Encoder
            The rebuilt encoder.
        """
        ...


class NystromMap:
    """The exact diffusion map ψ, extended to new points by Nyström (numpy, on the CPU).

    Parameters
    ----------
    nystrom : NystromEncoder
        The fitted extension (training points, kernel scales, eigenpairs).
    """

    def __init__(self, nystrom: NystromEncoder):
        self.nystrom = nystrom

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Map a batch of points to diffusion coordinates (computed on the CPU).

        Parameters
        ----------
        x : torch.Tensor of shape (b, n_features)
            A batch of points, float32.

        Returns
        -------
        torch.Tensor of shape (b, n_components), float32
            The coordinates ψ(x), on x's device.
        """
        return to_tensor(self.nystrom(x.cpu().numpy()), x.device)

    def state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Return the training points, kernel scales, densities and eigenpairs.

        Returns
        -------
        arrays : dict of str to ndarray
            ``nystrom.X``, ``.sigma``, ``.q``, ``.F`` and ``.lam``.
        fields : dict of str to Any
            ``scale_neighbor``, the neighbour that sets the kernel scales.
        """
        n = self.nystrom
        return ({"nystrom.X": n.X_train, "nystrom.sigma": n.sigma, "nystrom.q": n.q,
                 "nystrom.F": n.eigenvectors, "nystrom.lam": n.eigenvalues},
                {"scale_neighbor": n.scale_neighbor})

    @classmethod
    def from_state(cls, arrays, fields, config, n_features, n_components, device) -> "NystromMap":
        """Rebuild the map from :meth:`state`'s output; kernel settings come from ``config``.

        Parameters
        ----------
        arrays : dict of str to ndarray
            The named arrays of :meth:`state` (as read from a model file).
        fields : dict of str to Any
            The JSON fields of :meth:`state`.
        config : EncoderConfig
            The estimator's hyperparameters (``n_neighbors``, ``diffusion_alpha``, ...).
        n_features : int
            Number of input columns m.
        n_components : int
            Number of output coordinates D.
        device : torch.device
            Where the encoder computes.

        Returns
        -------
        NystromMap
            The rebuilt encoder.
        """
        return cls(NystromEncoder(
            arrays["nystrom.X"], arrays["nystrom.sigma"], arrays["nystrom.q"], arrays["nystrom.F"],
            arrays["nystrom.lam"], float(config.diffusion_alpha), float(config.diffusion_time),
            config.n_neighbors, int(fields["scale_neighbor"]), config.bandwidth))


class SpectralNetMap:
    """The SpectralNet network ψ_ω with its fitted output map (torch, on the model's device).

    Parameters
    ----------
    module : SpectralNetModule
        The trained network, in evaluation mode.
    """

    def __init__(self, module: SpectralNetModule):
        self.module = module

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Map a batch of points through the network.

        Parameters
        ----------
        x : torch.Tensor of shape (b, n_features)
            A batch of points, float32.

        Returns
        -------
        torch.Tensor of shape (b, n_components), float32
            The coordinates ψ_ω(x), on x's device.
        """
        return self.module(x)

    def state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Return the network's weights and buffers.

        Returns
        -------
        arrays : dict of str to ndarray
            The weights and buffers, named ``encoder.*``.
        fields : dict of str to Any
            Empty.
        """
        return module_state("encoder", self.module), {}

    @classmethod
    def from_state(cls, arrays, fields, config, n_features, n_components, device
                   ) -> "SpectralNetMap":
        """Rebuild the network (``config.encoder_hidden``, ``config.activation``) and load it.

        Parameters
        ----------
        arrays : dict of str to ndarray
            The named arrays of :meth:`state` (as read from a model file).
        fields : dict of str to Any
            The JSON fields of :meth:`state`.
        config : EncoderConfig
            The estimator's hyperparameters (``n_neighbors``, ``diffusion_alpha``, ...).
        n_features : int
            Number of input columns m.
        n_components : int
            Number of output coordinates D.
        device : torch.device
            Where the encoder computes.

        Returns
        -------
        SpectralNetMap
            The rebuilt encoder.
        """
        body = make_mlp(n_features, config.encoder_hidden, n_components, config.activation)
        module = SpectralNetModule(body, n_features, n_components)
        load_module_state("encoder", module, arrays)
        return cls(module.to(device).eval())


#: The encoder class behind each value of the VDAE's ``prior`` parameter.
ENCODERS: dict[str, type] = {"exact": NystromMap, "spectralnet": SpectralNetMap}
