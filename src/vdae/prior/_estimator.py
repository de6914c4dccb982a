"""What the two prior estimators (DiffusionMap, SpectralNet) share as scikit-learn objects."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from .._validation import check_array, check_span, validate_params

__all__ = ["PriorEstimator"]


class PriorEstimator(TransformerMixin, BaseEstimator):
    """Base of :class:`~vdae.prior.DiffusionMap` and :class:`~vdae.prior.SpectralNet`: float32
    outputs (the library computes in float32) and the checks every ``fit`` starts with."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    def _check_fit_input(self, X) -> np.ndarray:
        """Validate the parameters against ``_parameter_constraints`` and ``X`` (finite, 2-D,
        at least 3 rows, a span float32 resolves); returns X as float32 (n_samples, n_features)."""
        validate_params(self.get_params(deep=False), self._parameter_constraints,
                        type(self).__name__)
        X = check_array(X, "X", min_samples=3)
        check_span(X)
        return X
