"""What the two prior estimators (DiffusionMap, SpectralNet) share as scikit-learn objects."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from .._validation import (
    check_array, check_is_fitted, check_n_samples, check_random_state, check_span, validate_params,
)
from ..graph.affinity import AffinityGraph, build_affinity_graph

__all__ = ["PriorEstimator"]


class PriorEstimator(TransformerMixin, BaseEstimator):
    """Base of :class:`~vdae.prior.DiffusionMap` and :class:`~vdae.prior.SpectralNet`: float32
    outputs (the library computes in float32), ``fit`` (the checks every fit starts with, then
    the subclass's ``_fit``), the kNN affinity graph both build, and ``transform``'s checks."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    def fit(self, X, y=None):
        """Build the kNN graph of ``X`` and fit ψ on it (see the class docstring).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, one point per row, finite, with more than ``n_neighbors`` rows.
        y : None
            Ignored; present for scikit-learn's API.

        Returns
        -------
        DiffusionMap or SpectralNet
            The fitted estimator (``self``).

        Raises
        ------
        ValueError
            If a parameter is out of range or ``X`` is not a finite 2-d array with more than
            ``n_neighbors`` rows.
        """
        self._fit(self._check_fit_input(X))
        return self

    def _fit(self, X: np.ndarray) -> None:
        """Fit on the checked ``X`` (float32, shape (n_samples, n_features)); a subclass hook."""
        raise NotImplementedError

    def _check_fit_input(self, X) -> np.ndarray:
        """Validate the parameters against ``_parameter_constraints`` and ``X`` (finite, 2-D,
        at least 3 rows and more than ``n_neighbors``, a span float32 resolves); returns X as
        float32 (n_samples, n_features)."""
        validate_params(self.get_params(deep=False), self._parameter_constraints,
                        type(self).__name__)
        X = check_array(X, "X", min_samples=3)
        check_span(X)
        check_n_samples(X.shape[0], self.n_neighbors)
        return X

    def _fit_seed(self) -> tuple[np.random.Generator, int]:
        """The fit's random stream (from ``random_state``) and the seed drawn first from it
        (for the graph, and the eigensolver or network initialisation)."""
        rng = check_random_state(self.random_state)
        return rng, int(rng.integers(0, 2**31 - 1))

    def _affinity_graph(self, X: np.ndarray, seed: int) -> AffinityGraph:
        """The kNN Gaussian affinity graph of X (n_samples, n_features) by the estimator's
        graph parameters (``n_neighbors``, ``bandwidth``, ``scale_neighbor``, ``knn_method``,
        ``n_jobs``)."""
        return build_affinity_graph(
            X, self.n_neighbors, bandwidth=self.bandwidth, scale_neighbor=self.scale_neighbor,
            knn_method=self.knn_method, random_state=seed, n_jobs=self.n_jobs,
        )

    def _check_transform_input(self, X, fitted_attribute: str) -> np.ndarray:
        """X checked for ``transform``: fitted (``fitted_attribute`` set), finite, 2-D with
        ``n_features_in_`` columns; float32 (n_samples, n_features_in_)."""
        check_is_fitted(self, fitted_attribute)
        return check_array(X, "X", n_features=self.n_features_in_, owner=type(self).__name__)
