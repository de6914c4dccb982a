"""Generative models sharing one estimator contract (:class:`GenerativeModel`)."""

from .base import GenerativeModel
from .vdae import VDAE

__all__ = ["GenerativeModel", "VDAE"]
