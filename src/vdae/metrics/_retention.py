"""Class retention along random walks: how long chains started in one class stay in it."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["class_retention"]


def _int_labels(a: Any, name: str, ndim: int) -> np.ndarray:
    if a is None or isinstance(a, (str, bytes, dict)):
        raise TypeError(f"{name} must be an integer array; got {type(a).__name__}.")
    try:
        arr = np.asarray(a)
    except ValueError as exc:  # ragged lists
        raise ValueError(f"{name} could not be converted to an array: {exc}") from None
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must hold integer class labels; got dtype {arr.dtype}.")
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D; got an array of shape {arr.shape}.")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {arr.shape}.")
    return arr


def class_retention(labels_along_walk: Any, seed_labels: Any) -> np.ndarray:
    r"""Fraction of random-walk chains whose (predicted) class still equals their seed's class.

    .. math::

        \rho_t = \frac{1}{C} \sum_{c=1}^{C}
            \mathbf{1}\bigl[\ell_{t,c} = \ell^{\mathrm{seed}}_c\bigr],
        \qquad t = 0, \dots, T,

    where :math:`\ell_{t,c}` is the label of chain c's sample at step t (e.g. predicted by
    :func:`train_digit_classifier`) and :math:`\ell^{\mathrm{seed}}_c` its seed's label. A walk
    that respects the manifold's cluster structure keeps :math:`\rho_t` near 1; one that
    mixes across classes decays towards the class frequencies.

    Parameters
    ----------
    labels_along_walk : array-like of int, shape (n_steps + 1, n_chains)
        Row t holds the label of every chain at step t (row 0: the starting points).
    seed_labels : array-like of int, shape (n_chains,)
        The class of each chain's seed.

    Returns
    -------
    ndarray of shape (n_steps + 1,), float64
        :math:`\rho_t` in [0, 1].

    Examples
    --------
    Three steps of four chains; at the last step two chains have left their seed's class:

    >>> import numpy as np
    >>> from vdae.metrics import class_retention
    >>> labels = np.array([[0, 1, 2, 3], [0, 1, 2, 0], [0, 2, 2, 0]])
    >>> class_retention(labels, labels[0])
    array([1.  , 0.75, 0.5 ])
    """
    walk = _int_labels(labels_along_walk, "labels_along_walk", 2)
    seeds = _int_labels(seed_labels, "seed_labels", 1)
    if walk.shape[1] != seeds.shape[0]:
        raise ValueError(
            f"labels_along_walk has {walk.shape[1]} chains (columns) but seed_labels has "
            f"{seeds.shape[0]} labels; they must match."
        )
    return (walk == seeds[None, :]).mean(axis=1).astype(np.float64)
