"""The VDAE: the estimator (:mod:`.model`; fitting stages in :mod:`.training` and
:mod:`.checkpoints`, use of a fitted model in :mod:`.inference`), its objective (Σ* and the KL of the local ELBO,
:mod:`.objective`), the x' targets of Eq. 6 (:mod:`.targets`), and its two samplers: the paper's
Algorithm 2 (:mod:`.random_walk`) and the Metropolis-adjusted latent walk (:mod:`.metropolis`)."""

from .model import VDAE

__all__ = ["VDAE"]
