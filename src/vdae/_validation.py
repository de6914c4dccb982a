"""Input and parameter validation shared by every public entry point.

One place declares what an argument may be (:class:`Interval`, :class:`Options`, types) and one
function checks an estimator's keyword arguments against its ``_parameter_constraints`` table.
Errors name the argument, echo the bad value, and say what was expected.
"""

from __future__ import annotations

import inspect
import numbers
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
import scipy.sparse
import torch

from .exceptions import NotFittedError

__all__ = [
    "Interval",
    "Options",
    "validate_params",
    "store_params",
    "check_array",
    "check_n_samples",
    "check_span",
    "check_finite_output",
    "check_random_state",
    "torch_generator",
    "check_is_fitted",
]


@dataclass(frozen=True)
class Interval:
    """A numeric range constraint.

    Parameters
    ----------
    kind : {int, float}
        ``int`` accepts integers only; ``float`` accepts any real number.
    low, high : float or None
        Bounds; None means unbounded on that side.
    closed : {"both", "left", "right", "neither"}
        Which bounds are included.
    """

    kind: type
    low: float | None
    high: float | None
    closed: str = "both"

    def accepts(self, value: Any) -> bool:
        if isinstance(value, (bool, np.bool_)):
            return False
        if self.kind is int and not isinstance(value, numbers.Integral):
            return False
        if not isinstance(value, numbers.Real) or not np.isfinite(float(value)):
            return False
        lo_ok = self.low is None or (
            value >= self.low if self.closed in ("both", "left") else value > self.low
        )
        hi_ok = self.high is None or (
            value <= self.high if self.closed in ("both", "right") else value < self.high
        )
        return bool(lo_ok and hi_ok)

    def __str__(self) -> str:
        left = "[" if self.closed in ("both", "left") else "("
        right = "]" if self.closed in ("both", "right") else ")"
        lo = "-inf" if self.low is None else repr(self.low)
        hi = "inf" if self.high is None else repr(self.high)
        return f"{'an int' if self.kind is int else 'a real number'} in {left}{lo}, {hi}{right}"


@dataclass(frozen=True)
class Options:
    """A constraint that accepts one of a fixed set of values (strings, usually)."""

    values: tuple

    def accepts(self, value: Any) -> bool:
        return isinstance(value, (str, bool, type(None))) and value in self.values

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


class _TypeConstraint:
    def __init__(self, types: tuple[type, ...], label: str):
        self.types, self.label = types, label

    def accepts(self, value: Any) -> bool:
        if isinstance(value, (bool, np.bool_)):
            return bool in self.types
        return isinstance(value, self.types)

    def __str__(self) -> str:
        return self.label


def _hidden_accepts(value: Any) -> bool:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        return False
    items = list(value)
    return len(items) > 0 and all(
        isinstance(h, numbers.Integral) and not isinstance(h, bool) and h >= 1 for h in items
    )


class _Hidden:
    def accepts(self, value: Any) -> bool:
        return _hidden_accepts(value)

    def __str__(self) -> str:
        return "a non-empty sequence of positive ints (hidden layer widths)"


class _ImageShape:
    def accepts(self, value: Any) -> bool:
        return (isinstance(value, (tuple, list)) and len(value) in (2, 3)
                and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1
                        for v in value))

    def __str__(self) -> str:
        return "(height, width) or (height, width, channels), positive ints"


def check_image_shape(image_shape, n_features: int) -> None:
    """Raise ValueError unless ``image_shape`` is None or its pixels × channels = n_features."""
    if image_shape is not None and int(np.prod(image_shape)) != n_features:
        raise ValueError(f"image_shape {tuple(image_shape)} has {int(np.prod(image_shape))} "
                         f"values per image, but X has {n_features} features.")


#: Shorthands used in the estimators' constraint tables.
NONE = Options((None,))
BOOL = _TypeConstraint((bool, np.bool_), "a bool")
RANDOM_STATE = _TypeConstraint(
    (numbers.Integral, np.random.Generator, np.random.RandomState, type(None)),
    "None, an int, or a numpy Generator",
)
HIDDEN = _Hidden()
#: The shape of one image, (h, w) or (h, w, c); rows of X are such images flattened.
IMAGE_SHAPE = _ImageShape()

#: Devices an estimator accepts: "auto" (CUDA when available, else the CPU), the CPU, or a GPU.
DEVICES = ("auto", "cpu", "cuda") + tuple(f"cuda:{i}" for i in range(16))
DEVICE = Options(DEVICES)
#: Hidden-layer activations of every network (the keys of :data:`vdae.nn.mlp.ACTIVATIONS`).
ACTIVATION_NAMES = ("relu", "silu", "tanh", "leaky_relu")
ACTIVATION = Options(ACTIVATION_NAMES)
#: A positive scale whose inverse float32 holds (a variance c enters losses as 1 / (2c)).
FLOAT32_SCALE = Interval(float, 1e-30, None)


def store_params(estimator: Any, values: dict[str, Any]) -> None:
    """Store every parameter of ``type(estimator).__init__``, unchanged, from ``values`` (that
    ``__init__``'s ``locals()``): the whole body of a scikit-learn style ``__init__``.

    Parameters
    ----------
    estimator : object
        The estimator being constructed; each parameter ``p`` becomes ``estimator.p``.
    values : dict
        Name → value of at least every parameter of the signature.
    """
    for name in inspect.signature(type(estimator).__init__).parameters:
        if name != "self":
            setattr(estimator, name, values[name])


def validate_params(params: dict[str, Any], constraints: dict[str, list], owner: str) -> None:
    """Check every parameter in ``params`` against its list of accepted constraints.

    Raises
    ------
    ValueError or TypeError
        Naming the parameter, its value, and what was expected. A wrong type gives TypeError.
    """
    for name, value in params.items():
        allowed = constraints.get(name)
        if allowed is None:
            continue
        if any(c.accepts(value) for c in allowed):
            continue
        expected = " or ".join(str(c) for c in allowed)
        numeric = isinstance(value, numbers.Real) and not isinstance(value, bool)
        wants_numeric = any(isinstance(c, Interval) for c in allowed)
        is_str_like = isinstance(value, str)
        wants_str = any(
            isinstance(c, Options) and any(isinstance(v, str) for v in c.values) for c in allowed
        )
        wants_int_only = all(c.kind is int for c in allowed if isinstance(c, Interval))
        integral = isinstance(value, numbers.Integral) or (numeric and float(value).is_integer())
        type_ok = (numeric and wants_numeric and (integral or not wants_int_only)) or (
            is_str_like and wants_str
        )
        err = ValueError if type_ok else TypeError
        raise err(f"{owner}: parameter {name!r} must be {expected}; got {value!r}.")


def check_array(
    X: Any,
    name: str = "X",
    *,
    min_samples: int = 1,
    n_features: int | None = None,
    dtype: Any = np.float32,
    allow_1d_features: bool = False,
    allow_1d_sample: bool = False,
    owner: str | None = None,
) -> np.ndarray:
    """Convert ``X`` to a finite 2-D float array, or raise an error naming ``name``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The input. Lists, numpy arrays, memmaps, torch tensors and object arrays of numbers
        are accepted; sparse matrices are not.
    name : str
        The argument's name, used in error messages.
    min_samples : int
        Fewest rows accepted.
    n_features : int or None
        If given, the exact number of columns expected (e.g. the fitted ``n_features_in_``).
    dtype : numpy dtype
        Output dtype (float32 by default: the library computes in float32).
    allow_1d_features, allow_1d_sample : bool
        Read a 1-D array as one feature (a column) or as one sample (a row).
    owner : str or None
        The estimator's class name, used in the feature-count message.

    Returns
    -------
    ndarray of shape (n_samples, n_features), dtype ``dtype``
    """
    if isinstance(X, torch.Tensor):
        if X.layout != torch.strided:
            raise TypeError(f"{name} is a sparse tensor; sparse input is not supported: pass a "
                            f"dense array ({name}.to_dense()).")
        X = X.detach().cpu().numpy()
    if scipy.sparse.issparse(X):  # before the dict test: a dok_matrix is a dict
        raise TypeError(f"{name} is a {type(X).__name__}; sparse input is not supported: pass a "
                        f"dense array ({name}.toarray()).")
    if isinstance(X, (str, bytes, dict)) or X is None:
        raise TypeError(f"{name} must be a 2-D numeric array; got {type(X).__name__}.")
    try:
        arr = np.asarray(X)
    except (ValueError, TypeError) as exc:  # ragged lists and the like
        raise ValueError(f"{name} could not be converted to an array: {exc}") from None
    if arr.dtype == object:  # e.g. a pandas frame of mixed columns: numbers are fine
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must hold real numbers; got dtype object with a "
                            f"non-numeric entry ({exc}).") from None
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise ValueError(f"{name}: Complex data not supported; got dtype {arr.dtype}, expected "
                         f"real numbers.")
    if not (np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)):
        raise TypeError(f"{name} must hold real numbers; got dtype {arr.dtype}.")
    if arr.ndim == 1 and (allow_1d_features or allow_1d_sample):
        arr = arr.reshape((-1, 1) if allow_1d_features else (1, -1))
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D of shape (n_samples, n_features); got an array of shape "
            f"{arr.shape}. Reshape your data with {name}.reshape(-1, 1) if it has a single "
            f"feature or {name}.reshape(1, -1) if it is a single sample."
        )
    if arr.shape[0] < min_samples:
        raise ValueError(f"{name} has {arr.shape[0]} sample(s) (shape={arr.shape}) while a "
                         f"minimum of {min_samples} is required.")
    if arr.shape[1] < 1:
        raise ValueError(f"{name} has 0 feature(s) (shape={arr.shape}) while a minimum of 1 "
                         f"is required.")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(
            f"{name} has {arr.shape[1]} features, but {owner or 'the estimator'} is expecting "
            f"{n_features} features as input (the number it was fitted with)."
        )
    if not isinstance(arr, np.memmap) or arr.dtype != dtype:
        with np.errstate(over="ignore", invalid="ignore"):
            arr = np.asarray(arr, dtype=dtype)
    _check_finite(arr, name)
    return arr


def _check_finite(arr: np.ndarray, name: str, chunk: int = 1 << 16) -> None:
    for start in range(0, arr.shape[0], chunk):
        block = arr[start : start + chunk]
        if not np.isfinite(block).all():
            bad = np.argwhere(~np.isfinite(block))[0]
            kind = ("NaN" if np.isnan(block[tuple(bad)])
                    else "infinity (or a value too large for float32)")
            raise ValueError(
                f"{name} contains {kind} at row {start + bad[0]}, column {bad[1]}; "
                f"remove or impute non-finite values first."
            )


def check_n_samples(n_samples: int, n_neighbors: int, name: str = "X") -> None:
    """Raise if there are too few samples for a ``n_neighbors`` neighbourhood graph."""
    if n_samples <= n_neighbors:
        raise ValueError(
            f"{name} has {n_samples} samples, too few for n_neighbors={n_neighbors}: need at "
            f"least n_neighbors + 1 = {n_neighbors + 1}. Lower n_neighbors or add data."
        )


#: Coordinate ranges whose neighbour distances float32 resolves: scikit-learn's brute-force search
#: (few or high-dimensional points) returns float32 squared distances, which overflow above about
#: 1e19 and vanish below about 1e-19.
DISTANCE_SPAN = (1e-15, 1e17)
#: Coordinate ranges that a network's float32 standardisation and outputs hold with room to spare.
FLOAT32_SPAN = (1e-30, 1e30)


def check_span(X: np.ndarray, name: str = "X", span: tuple = DISTANCE_SPAN, *,
               allow_identical: bool = False) -> None:
    """Raise unless the largest coordinate range of ``X`` lies in ``span``.

    A range of 0 (all points identical) is refused unless ``allow_identical``: a neighbour search
    cannot be trusted to notice it (far from the origin its distances are rounding noise).
    """
    lo, hi = span
    width = float(np.max(X.max(axis=0).astype(np.float64) - X.min(axis=0)))
    if width == 0 and not allow_identical:
        raise ValueError(f"{name}: all points are identical; a neighbour graph needs distinct "
                         f"points.")
    if width > 0 and not lo <= width <= hi:
        raise ValueError(
            f"{name} spans {width:.3g} (its largest coordinate range), outside [{lo:g}, {hi:g}] "
            f"where float32 computations are accurate; rescale {name}, e.g. {name} / {name}.std()."
        )


def check_finite_output(out: np.ndarray, name: str = "X") -> np.ndarray:
    """Return ``out``, or raise naming ``name`` if it holds NaN or infinity (float32 overflow)."""
    if not np.isfinite(out).all():
        raise ValueError(
            f"{name} lies too far outside the range of the training data: the result overflowed "
            f"float32 (NaN or infinity); check the scale and units of {name}."
        )
    return out


def check_random_state(seed: Any) -> np.random.Generator:
    """Turn ``seed`` into a :class:`numpy.random.Generator`.

    None gives fresh OS entropy; an int seeds a new generator; a Generator is returned as is; a
    legacy RandomState is converted by drawing a seed from it.
    """
    if seed is None or isinstance(seed, (numbers.Integral, np.integer)):
        if isinstance(seed, bool):
            raise TypeError(f"random_state must be None, an int or a Generator; got {seed!r}.")
        if seed is not None and seed < 0:
            raise ValueError(f"random_state must be a non-negative int; got {seed!r}.")
        return np.random.default_rng(seed)
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.RandomState):
        return np.random.default_rng(seed.randint(0, 2**31 - 1))
    raise TypeError(f"random_state must be None, an int or a numpy Generator; got {seed!r}.")


def torch_generator(rng: np.random.Generator,
                    device: str | torch.device = "cpu") -> torch.Generator:
    """A :class:`torch.Generator` on ``device`` seeded from ``rng`` (advances ``rng``)."""
    gen = torch.Generator(device=device)
    gen.manual_seed(int(rng.integers(0, 2**63 - 1)))
    return gen


def check_is_fitted(estimator: Any, attribute: str) -> None:
    """Raise :class:`NotFittedError` unless ``estimator`` has the fitted ``attribute``."""
    if not hasattr(estimator, attribute):
        raise NotFittedError(
            f"This {type(estimator).__name__} instance is not fitted yet; call fit(X) first."
        )
