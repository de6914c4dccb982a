"""Argument checks shared by the data-set generators and loaders.

Every check names the offending argument and echoes its value, so that a bad call fails with a
message such as ``n_samples must be an int >= 1, got -3``.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = ["check_int", "check_real", "subsample_indices"]


def check_int(value: Any, name: str, minimum: int = 1) -> int:
    """Return ``value`` as a Python int, or raise if it is not an integer >= ``minimum``.

    Raises
    ------
    TypeError
        If ``value`` is not an integer (bools and floats are refused).
    ValueError
        If ``value`` is smaller than ``minimum``.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def check_real(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    strict: bool = False,
) -> float:
    """Return ``value`` as a finite float, or raise if it is not a real number above ``low``.

    Parameters
    ----------
    value : object
        The value to check.
    name : str
        The argument's name, used in the error message.
    low : float or None
        Lower bound; None means unbounded.
    strict : bool
        If True the bound is excluded (``value > low``), else included (``value >= low``).

    Raises
    ------
    TypeError
        If ``value`` is not a real number.
    ValueError
        If ``value`` is not finite or violates the bound.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    bound = ""
    if low is not None:
        bound = f" {'>' if strict else '>='} {low:g}"
    if not np.isfinite(value) or (
        low is not None and (value <= low if strict else value < low)
    ):
        raise ValueError(f"{name} must be a finite real number{bound}, got {value!r}")
    return value


def subsample_indices(
    n_total: int, n_samples: int | None, rng: np.random.Generator, name: str = "n_samples"
) -> np.ndarray | None:
    """Sorted indices of ``n_samples`` rows drawn without replacement, or None for "all rows".

    Raises
    ------
    ValueError
        If ``n_samples`` exceeds ``n_total``.
    """
    if n_samples is None:
        return None
    n_samples = check_int(n_samples, name)
    if n_samples > n_total:
        raise ValueError(f"{name} must be at most {n_total} (the data set's size), got {n_samples}")
    return np.sort(rng.choice(n_total, size=n_samples, replace=False))
