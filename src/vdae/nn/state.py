"""A module's state dict as named numpy arrays, and back (what model files store; no files here)."""

from __future__ import annotations

import numpy as np
import torch

from ..exceptions import ModelFileError

__all__ = ["module_state", "load_module_state"]


def module_state(prefix: str, module: torch.nn.Module) -> dict[str, np.ndarray]:
    """A module's state dict as numpy arrays with ``prefix.`` names."""
    return {f"{prefix}.{k}": v.detach().cpu().numpy() for k, v in module.state_dict().items()}


def load_module_state(prefix: str, module: torch.nn.Module, tensors: dict[str, np.ndarray]) -> None:
    """Load the ``prefix.*`` arrays into ``module`` (strict: every key must match)."""
    p = prefix + "."
    state = {k[len(p):]: torch.from_numpy(np.array(v))
             for k, v in tensors.items() if k.startswith(p)}
    try:
        module.load_state_dict(state, strict=True)
    except (RuntimeError, KeyError) as exc:
        raise ModelFileError(
            f"model file does not match the {prefix} architecture: {exc}") from None
