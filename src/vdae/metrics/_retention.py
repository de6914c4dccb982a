"""Class retention along random walks: how long chains started in one class stay in it, and
the distance scale against which a walk's movement is read."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_array

__all__ = ["class_retention", "same_class_distance"]


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


def same_class_distance(X: Any, y: Any, queries: Any, query_labels: Any, *,
                        n_neighbors: int = 10) -> float:
    """Median distance from each query to its k-th nearest same-class row of ``X``.

    The typical gap between two different examples of one class: a walk whose states move by a
    good fraction of this distance between steps produces new examples of the class rather
    than variations of its seed (on MNIST, 10 000 training images, a test digit's 10th
    same-class neighbour lies about 6 pixel units away); one that moves by a small fraction
    only re-renders its seed.

    Parameters
    ----------
    X : array-like of shape (n, m)
        Reference rows (e.g. training images), in the units of the walk's states.
    y : array-like of int, shape (n,)
        Their classes.
    queries : array-like of shape (q, m)
        Rows whose same-class distance is measured (e.g. the walks' seeds).
    query_labels : array-like of int, shape (q,)
        Their classes; each must have at least ``n_neighbors`` rows in ``X``.
    n_neighbors : int ≥ 1, default=10
        The k of the k-th same-class neighbour whose distance is taken.

    Returns
    -------
    float
        The median over the queries, in the units of X.

    Raises
    ------
    ValueError
        If the shapes disagree or a query's class has fewer than ``n_neighbors`` rows in X.

    Examples
    --------
    >>> import numpy as np
    >>> from vdae.metrics import same_class_distance
    >>> X = np.array([[0.0], [1.0], [2.0], [10.0], [12.0], [14.0]])
    >>> same_class_distance(X, [0, 0, 0, 1, 1, 1], [[0.0], [10.0]], [0, 1], n_neighbors=2)
    1.5
    """
    from sklearn.neighbors import NearestNeighbors

    X = check_array(X, "X", dtype=np.float64)
    Q = check_array(queries, "queries", n_features=X.shape[1], dtype=np.float64)
    y = _int_labels(y, "y", 1)
    yq = _int_labels(query_labels, "query_labels", 1)
    if isinstance(n_neighbors, bool) or not isinstance(n_neighbors, (int, np.integer)) \
            or n_neighbors < 1:
        raise ValueError(f"n_neighbors must be an int >= 1; got {n_neighbors!r}.")
    if len(y) != len(X) or len(yq) != len(Q):
        raise ValueError(f"X has {len(X)} rows and y {len(y)} labels, queries {len(Q)} rows "
                         f"and query_labels {len(yq)}; each pair must match.")
    dist = []
    for c in np.unique(yq):
        pool = X[y == c]
        if len(pool) < n_neighbors:
            raise ValueError(f"class {c} has {len(pool)} rows in X, fewer than "
                             f"n_neighbors={n_neighbors}.")
        nn = NearestNeighbors(n_neighbors=n_neighbors).fit(pool)
        dist.append(nn.kneighbors(Q[yq == c])[0][:, n_neighbors - 1])
    return float(np.median(np.concatenate(dist)))
