"""The contract every generative model of vdae shares (the VDAE and the baselines).

Numpy in, numpy out; ``__init__`` only stores keyword arguments; ``fit`` validates them against
the class's ``_parameter_constraints`` table and returns ``self``; fitted attributes end in ``_``;
``save(path)`` / ``Model.load(path)`` go through :mod:`vdae.io` (safetensors + JSON, atomic, no
pickle). Subclasses implement ``fit``, ``sample`` and the two state hooks.
"""

from __future__ import annotations

import inspect
import json
import os
import platform
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import TransformerTags
from sklearn.utils.metaestimators import available_if

from .._torch import in_chunks, resolve_device
from .._validation import (
    FLOAT32_SPAN, check_array, check_image_shape, check_is_fitted, check_random_state, check_span,
    validate_params,
)
from ..exceptions import ModelFileError
from ..io import load_model_file, save_model_file

__all__ = ["GenerativeModel", "DecodedPriorMixin"]


def _json_params(params: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in params.items():
        if isinstance(v, (np.random.Generator, np.random.RandomState)):
            v = None  # a generator's state is not a parameter worth persisting
        elif isinstance(v, tuple):
            v = list(v)
        elif isinstance(v, np.generic):
            v = v.item()
        out[k] = v
    json.dumps(out)  # raises TypeError early for anything exotic
    return out


def _check_int(value: Any, name: str, minimum: int) -> int:
    """``value`` as a Python int, checked to be an integer (not a bool) >= ``minimum``: the
    counts the samplers take (TypeError when not an integer, ValueError when below)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int >= {minimum}; got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}.")
    return int(value)


class GenerativeModel(BaseEstimator):
    """Base class of every generative model: parameter validation, input checks, save/load.

    Subclasses declare their parameters in ``__init__`` (stored unchanged) and in the
    ``_parameter_constraints`` table, implement the ``_fit`` hook (or ``fit``), ``sample`` and
    the two state hooks ``_get_state`` / ``_set_state`` that :meth:`save` and :meth:`load` use.

    See Also
    --------
    vdae.VDAE : The variational diffusion autoencoder.
    vdae.BetaVAE, vdae.HypersphericalVAE, vdae.WGANGP : The baselines.
    """

    _parameter_constraints: dict = {}
    #: the fitted attribute whose presence means "fitted"
    _fitted_attribute = "n_features_in_"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if hasattr(self, "transform"):  # an encoder (a GAN has none); outputs are float32
            tags.transformer_tags = TransformerTags(preserves_dtype=["float32"])
        return tags

    @available_if(lambda self: hasattr(self, "transform"))
    def fit_transform(self, X, y=None) -> np.ndarray:
        """Fit the model to ``X``, then embed ``X`` with the fitted encoder.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, one point per row.
        y : None
            Ignored; present for scikit-learn's API.

        Returns
        -------
        ndarray of shape (n_samples, n_components_), float32
            ``transform(X)`` of the fitted model, in latent coordinates.
        """
        return self.fit(X, y).transform(X)

    def fit(self, X, y=None):
        """Fit the model to the rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Finite training data, one point per row, in data units (rows of flattened images
            for a model with ``image_shape``).
        y : None
            Ignored; present for scikit-learn's API.

        Returns
        -------
        GenerativeModel
            The fitted model (``self``).

        Raises
        ------
        ValueError
            If a parameter is out of range or ``X`` is not a finite 2-d array.
        """
        X, rng = self._start_fit(X)
        self._fit(X, rng)
        return self

    def _fit(self, X: np.ndarray, rng: np.random.Generator) -> None:
        """Train on the checked ``X`` (float32) with the fit's stream ``rng`` (a subclass hook)."""
        raise NotImplementedError

    def _validate_params(self) -> None:
        validate_params(self.get_params(deep=False), self._parameter_constraints,
                        type(self).__name__)

    def _start_fit(self, X, min_samples: int = 2) -> tuple[np.ndarray, np.random.Generator]:
        """The common start of ``fit``: validate the parameters and ``X`` (finite, 2-D, at least
        ``min_samples`` rows, a span float32 can resolve), set ``device_``, and return the
        checked ``X`` (float32, shape (n_samples, n_features)) with the fit's random stream.
        A model whose parameter table declares ``image_shape`` (the image option) also has it
        checked against the features of ``X`` (h·w·c = n_features, or None)."""
        self._validate_params()
        X = check_array(X, "X", min_samples=min_samples)
        check_span(X, span=FLOAT32_SPAN, allow_identical=True)
        if "image_shape" in self._parameter_constraints:
            check_image_shape(self.image_shape, X.shape[1])
        rng = check_random_state(self.random_state)
        self.device_ = resolve_device(self.device)
        return X, rng

    def _check_fitted(self) -> None:
        check_is_fitted(self, self._fitted_attribute)

    def _check_X(self, X, name: str = "X") -> np.ndarray:
        self._check_fitted()
        return check_array(X, name, n_features=self.n_features_in_, owner=type(self).__name__)

    @staticmethod
    def _check_steps(n_steps, name: str = "n_steps") -> int:
        """A number of steps: an int >= 0."""
        return _check_int(n_steps, name, 0)

    @staticmethod
    def _check_count(n, name: str = "n_samples") -> int:
        """A number of draws: an int >= 1."""
        return _check_int(n, name, 1)

    def _sampling_generator(self, random_state) -> torch.Generator:
        """A torch Generator on ``device_`` seeded from ``random_state`` (a Generator given
        there is advanced)."""
        rng = check_random_state(random_state)
        gen = torch.Generator(device=self.device_)
        gen.manual_seed(int(rng.integers(0, 2**63 - 1)))
        return gen

    def _start_sampling(self, n_samples, random_state) -> tuple[int, torch.Generator]:
        """The checks every sampler starts with: fitted, ``n_samples`` an int >= 1; returns it
        with the draws' generator (:meth:`_sampling_generator`)."""
        self._check_fitted()
        n_samples = self._check_count(n_samples)
        return n_samples, self._sampling_generator(random_state)

    # ------------------------------------------------------------- the contract
    def latent_sample(self, n_samples: int, *, random_state=None) -> np.ndarray:
        """Draw points of the model's latent space from its latent distribution.

        ``inverse_transform(latent_sample(n))`` gives latent/data pairs (the bi-Lipschitz measure,
        latent-space figures) without knowing which model it is: a VAE or GAN draws from its
        prior; the VDAE embeds training points (its latent law is the data's embedding).

        Parameters
        ----------
        n_samples : int ≥ 1
            Number of latent points.
        random_state : int, Generator or None, default=None
            Seed of the draws; a Generator is advanced (not copied), so successive calls differ.

        Returns
        -------
        ndarray of shape (n_samples, n_components_), float32
            The latent points.
        """
        raise NotImplementedError

    def fit_report(self) -> dict[str, float | int]:
        """Report what ``fit`` chose that an experiment record should keep, by name.

        Returns
        -------
        dict of str to float or int
            At least ``latent_dim`` (n_components_); models add their own (e.g. the β-VAE's β).
        """
        self._check_fitted()
        return {"latent_dim": int(self.n_components_)}

    # ------------------------------------------------------------ persistence
    def _get_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Arrays and JSON-able fitted values that fully describe the fitted model."""
        raise NotImplementedError

    def _set_state(self, tensors: dict[str, np.ndarray], fitted: dict[str, Any]) -> None:
        """Rebuild the fitted model from what :meth:`_get_state` returned."""
        raise NotImplementedError

    def save(self, path: str | os.PathLike) -> None:
        """Write the fitted model to ``path`` (safetensors + JSON header; atomic).

        Parameters
        ----------
        path : str or os.PathLike
            Target file; a previous file there is replaced only once the new one is complete.

        Raises
        ------
        NotFittedError
            If the model is not fitted.

        See Also
        --------
        load : Read the file back.

        Examples
        --------
        >>> import os, tempfile
        >>> from vdae import BetaVAE
        >>> from vdae.datasets import make_circle
        >>> X = make_circle(200, random_state=0).X
        >>> model = BetaVAE(n_components=1, beta=1.0, epochs=2, random_state=0, verbose=0).fit(X)
        >>> path = os.path.join(tempfile.mkdtemp(), "model.vdae")
        >>> model.save(path)
        >>> loaded = BetaVAE.load(path)
        >>> bool((loaded.transform(X) == model.transform(X)).all())
        True
        """
        self._check_fitted()
        import sklearn

        from .. import __version__

        tensors, fitted = self._get_state()
        header = {
            "class": type(self).__name__,
            "params": _json_params(self.get_params(deep=False)),
            "fitted": fitted,
            "versions": {"vdae": __version__, "torch": torch.__version__, "numpy": np.__version__,
                         "sklearn": sklearn.__version__, "python": platform.python_version()},
        }
        save_model_file(path, tensors, header)

    @classmethod
    def load(cls, path: str | os.PathLike):
        """Read a model written by :meth:`save` (no code is executed while loading).

        Parameters
        ----------
        path : str or os.PathLike
            A file written by ``save`` of this class.

        Returns
        -------
        GenerativeModel
            The fitted model, an instance of the class ``load`` is called on.

        Raises
        ------
        TypeError
            If ``path`` is not a path.
        vdae.exceptions.ModelFileError
            (A ValueError) if the file is missing, truncated, corrupted, of another class or
            of a newer format.

        See Also
        --------
        save : Write a fitted model.
        """
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"{cls.__name__}.load: path must be a str or path-like object; got "
                            f"{path!r}.")
        tensors, doc = load_model_file(path, expected_class=cls.__name__)
        params = doc.get("params", {})
        sig = inspect.signature(cls.__init__).parameters
        unknown = set(params) - set(sig)
        if unknown:
            raise ModelFileError(
                f"{path}: unknown parameters {sorted(unknown)} for {cls.__name__}.")
        # JSON lists back to tuples where the defaults are tuples, or None (a given shape:
        # image_shape), as saved from the tuples the parameters hold
        for k, v in params.items():
            if isinstance(v, list) and (isinstance(sig[k].default, tuple)
                                        or sig[k].default is None):
                params[k] = tuple(v)
        est = cls(**params)
        try:
            est._set_state(tensors, doc.get("fitted", {}))
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            raise ModelFileError(
                f"{path}: incomplete or inconsistent model file ({exc}).") from None
        return est


class DecodedPriorMixin:
    """``sample`` and ``latent_sample`` for a model that decodes draws of a fixed prior p(z).

    The VAE and GAN baselines mix this in before :class:`GenerativeModel`. A subclass provides
    ``_decoder_module()`` (the network f_θ : (b, D) → (b, m), in data units) and, for a prior
    other than N(0, I_D), ``_prior_sample(n, gen)`` (n torch draws of p(z), shape (n, D), on
    ``device_``) and ``_prior_numpy(rng, n)`` (the same law drawn from a numpy Generator,
    float32).
    """

    def sample(self, n_samples: int, *, random_state=None) -> np.ndarray:
        """Draw z ~ p(z) from the prior and decode it: f_θ(z).

        For a VAE f_θ is the decoder's mean: the likelihood's noise is not added, it would
        blur every sample equally.

        Parameters
        ----------
        n_samples : int ≥ 1
            Number of samples.
        random_state : int, Generator or None, default=None
            Seed of the prior draws.

        Returns
        -------
        ndarray of shape (n_samples, n_features_in_), float32
            The samples in data units.
        """
        n_samples, gen = self._start_sampling(n_samples, random_state)
        decode = self._decoder_module()
        return in_chunks(lambda a, b: decode(self._prior_sample(b - a, gen)), n_samples)

    def latent_sample(self, n_samples: int, *, random_state=None) -> np.ndarray:
        """Draw latent points from the prior p(z).

        Parameters
        ----------
        n_samples : int ≥ 1
            Number of latent points.
        random_state : int, Generator or None, default=None
            Seed of the draws; a Generator is advanced (not copied).

        Returns
        -------
        ndarray of shape (n_samples, n_components_), float32
            The prior draws (see :meth:`GenerativeModel.latent_sample`).
        """
        self._check_fitted()
        n_samples = self._check_count(n_samples)
        return self._prior_numpy(check_random_state(random_state), n_samples)

    def _prior_sample(self, n: int, gen: torch.Generator) -> torch.Tensor:
        """n draws of N(0, I_D) from ``gen``, shape (n, D), on ``device_`` (override for
        another prior)."""
        return torch.randn(n, self.n_components_, generator=gen, device=self.device_)

    def _prior_numpy(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n draws of N(0, I_D) from ``rng``, float32 (override for another prior)."""
        return rng.standard_normal((n, self.n_components_)).astype(np.float32)

