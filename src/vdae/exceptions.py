"""Exceptions and warnings raised by :mod:`vdae`.

Every exception subclasses a built-in type, so ``except ValueError`` catches them.
"""

from __future__ import annotations

__all__ = ["NotFittedError", "DisconnectedGraphWarning", "ModelFileError", "TrainingDivergedError"]


class NotFittedError(ValueError, AttributeError):
    """Raised when a method that needs a fitted estimator is called before ``fit``."""


class DisconnectedGraphWarning(UserWarning):
    """The affinity graph has more than one connected component (clustered data).

    Not an error: each component gets its own indicator coordinates and random walks stay in
    the component of their seed.
    """


class ModelFileError(ValueError):
    """A model file is truncated, corrupted, foreign, or from a newer format version."""


class TrainingDivergedError(FloatingPointError):
    """The training loss became NaN or infinite; the message names the epoch."""
