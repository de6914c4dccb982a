"""Sample-quality metrics in a feature space: Fréchet distance, KID, and PRDC.

Plain functions of two feature arrays (float64, any dimension), usually the penultimate-layer
features of a classifier (:func:`vdae.metrics.image_features`): Fréchet distance (Heusel et
al. 2017), kernel inception distance (Bińkowski et al. 2018) and precision / recall / density /
coverage (Naeem et al. 2020).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .._validation import RANDOM_STATE, Interval, check_n_samples, check_random_state, \
    validate_params
from ._common import check_pair, sq_distances_chunks
from ._precision_recall import _kth_neighbour_sq_radius

__all__ = ["frechet_distance", "KID", "kid", "PRDC", "prdc"]

_CONSTRAINTS = {
    "n_subsets": [Interval(int, 1, None)],
    "subset_size": [Interval(int, 2, None)],
    "random_state": [RANDOM_STATE],
    "n_neighbors": [Interval(int, 1, None)],
}


def _psd_sqrt(S: np.ndarray) -> np.ndarray:
    """Symmetric square root of a symmetric positive semi-definite matrix (eigenvalues < 0 from
    rounding are set to 0)."""
    w, V = np.linalg.eigh(S)
    return (V * np.sqrt(np.clip(w, 0.0, None))) @ V.T


def frechet_distance(real: Any, generated: Any) -> float:
    r"""Fréchet (2-Wasserstein) distance between Gaussians fitted to two feature sets.

    .. math::

        \mathrm{FD} = \lVert \mu_r - \mu_g \rVert^2
            + \operatorname{tr}\bigl(\Sigma_r + \Sigma_g - 2 (\Sigma_r \Sigma_g)^{1/2}\bigr)

    with sample means and covariances (denominator n − 1). The trace of the matrix square
    root is computed as :math:`\operatorname{tr}(\Sigma_r^{1/2} \Sigma_g \Sigma_r^{1/2})^{1/2}`,
    the sum of the square roots of the eigenvalues of a symmetric positive semi-definite
    matrix, so it is real by construction (no imaginary parts to discard). In features of
    :func:`image_features` this is the "FID" of a data set's own classifier.

    Parameters
    ----------
    real : array-like of shape (n_real, d)
        Features of the reference sample (at least 2 rows).
    generated : array-like of shape (n_generated, d)
        Features of the generated sample (at least 2 rows), same d.

    Returns
    -------
    float
        FD ≥ 0, in squared feature units; 0 for identical sets, symmetric in its arguments.

    Examples
    --------
    >>> import numpy as np
    >>> from vdae.metrics import frechet_distance
    >>> rng = np.random.default_rng(0)
    >>> real, fake = rng.normal(size=(500, 8)), rng.normal(size=(500, 8))
    >>> frechet_distance(real, fake) < 0.2, 7.5 < frechet_distance(real, fake + 1) < 9.5
    (True, True)
    """
    R, G = check_pair(real, generated, ("real", "generated"), min_samples=2)
    mu_r, mu_g = R.mean(axis=0), G.mean(axis=0)
    S_r = np.atleast_2d(np.cov(R, rowvar=False))
    S_g = np.atleast_2d(np.cov(G, rowvar=False))
    root = _psd_sqrt(S_r)
    M = root @ S_g @ root
    cross = float(np.sqrt(np.clip(np.linalg.eigvalsh((M + M.T) / 2), 0.0, None)).sum())
    fd = float(np.sum((mu_r - mu_g) ** 2) + np.trace(S_r) + np.trace(S_g) - 2.0 * cross)
    return max(fd, 0.0)


class KID(NamedTuple):
    """Kernel inception distance: the mean and spread of unbiased MMD² over subsets.

    Parameters
    ----------
    mean : float
        Mean of the subsets' unbiased MMD² (kernel units; can be slightly negative).
    std : float
        Standard deviation of the subsets' values (population, ddof = 0).
    """

    mean: float
    """Mean of the subsets' unbiased MMD² (kernel units; can be slightly negative)."""
    std: float
    """Standard deviation of the subsets' values (population, ddof = 0)."""


def _polynomial_mmd2(X: np.ndarray, Y: np.ndarray) -> float:
    """Unbiased MMD² with k(x, y) = (xᵀy / d + 1)³ between two samples of m rows."""
    d, m = X.shape[1], X.shape[0]
    Kxx = (X @ X.T / d + 1.0) ** 3
    Kyy = (Y @ Y.T / d + 1.0) ** 3
    Kxy = (X @ Y.T / d + 1.0) ** 3
    xx = (Kxx.sum() - np.trace(Kxx)) / (m * (m - 1))
    yy = (Kyy.sum() - np.trace(Kyy)) / (m * (m - 1))
    return float(xx + yy - 2.0 * Kxy.mean())


def kid(
    real: Any, generated: Any, *, n_subsets: int = 100, subset_size: int = 1000,
    random_state: int | np.random.Generator | None = None,
) -> KID:
    r"""Kernel inception distance (Bińkowski et al., ICLR 2018), in any feature space.

    For each of ``n_subsets`` pairs of subsets :math:`X \subset R`, :math:`Y \subset G` of
    m = min(subset_size, n_real, n_generated) rows drawn without replacement, the unbiased
    MMD² with the cubic polynomial kernel :math:`k(x, y) = (x^\top y / d + 1)^3`:

    .. math::

        \frac{1}{m(m-1)} \sum_{i \ne j} \bigl(k(x_i, x_j) + k(y_i, y_j)\bigr)
            - \frac{2}{m^2} \sum_{i, j} k(x_i, y_j).

    When both sets have at most ``subset_size`` rows every subset is the whole set, so the
    value is computed once (std 0).

    Parameters
    ----------
    real : array-like of shape (n_real, d)
        Reference features (at least 2 rows).
    generated : array-like of shape (n_generated, d)
        Generated features (at least 2 rows), same d.
    n_subsets : int, default=100
        Number of random subsets whose MMD² is averaged.
    subset_size : int ≥ 2, default=1000
        Rows per subset (at most the smaller sample's size).
    random_state : int, Generator or None, default=None
        Seeds the subsets.

    Returns
    -------
    KID
        Named tuple ``(mean, std)`` of floats; the mean is an unbiased estimate of MMD²
        (0 in expectation when both samples come from one distribution).

    Examples
    --------
    >>> import numpy as np
    >>> from vdae.metrics import kid
    >>> rng = np.random.default_rng(0)
    >>> real, fake = rng.normal(size=(500, 8)), rng.normal(size=(500, 8))
    >>> same = kid(real, fake, n_subsets=10, subset_size=100, random_state=0)
    >>> shifted = kid(real, fake + 1, n_subsets=10, subset_size=100, random_state=0)
    >>> abs(same.mean) < 0.05, shifted.mean > 0.5
    (True, True)
    """
    validate_params({"n_subsets": n_subsets, "subset_size": subset_size,
                     "random_state": random_state}, _CONSTRAINTS, "kid")
    R, G = check_pair(real, generated, ("real", "generated"), min_samples=2)
    rng = check_random_state(random_state)
    m = min(subset_size, R.shape[0], G.shape[0])
    if m == R.shape[0] and m == G.shape[0]:
        return KID(mean=_polynomial_mmd2(R, G), std=0.0)
    values = np.empty(n_subsets)
    for s in range(n_subsets):
        X = R[rng.choice(R.shape[0], size=m, replace=False)]
        Y = G[rng.choice(G.shape[0], size=m, replace=False)]
        values[s] = _polynomial_mmd2(X, Y)
    return KID(mean=float(values.mean()), std=float(values.std()))


class PRDC(NamedTuple):
    """Precision, recall, density and coverage of a generated sample (Naeem et al. 2020).

    Parameters
    ----------
    precision : float
        Fraction of generated points inside some real point's k-NN ball, in [0, 1].
    recall : float
        Fraction of real points inside some generated point's k-NN ball, in [0, 1].
    density : float
        Mean number of real balls holding a generated point, over k; about 1 for one law.
    coverage : float
        Fraction of real balls holding at least one generated point, in [0, 1].
    """

    precision: float
    """Fraction of generated points inside some real point's k-NN ball (fidelity), in [0, 1]."""
    recall: float
    """Fraction of real points inside some generated point's k-NN ball (diversity), in [0, 1]."""
    density: float
    """Mean number of real balls holding a generated point, over k (fidelity); in [0, n/k],
    about 1 when the two samples have one distribution."""
    coverage: float
    """Fraction of real balls holding at least one generated point (diversity), in [0, 1]."""


def prdc(real: Any, generated: Any, *, n_neighbors: int = 5) -> PRDC:
    r"""Precision, recall, density and coverage (Naeem et al., ICML 2020).

    With :math:`r_i` the distance from real point :math:`x_i` to its k-th nearest other real
    point, :math:`s_j` that of generated point :math:`y_j` among the generated points, and
    closed balls :math:`B(c, r)`, for N real and M generated points:

    .. math::

        \mathrm{precision} &= \tfrac{1}{M} \textstyle\sum_j
            \mathbf{1}[\exists i: y_j \in B(x_i, r_i)], \qquad
        \mathrm{recall} = \tfrac{1}{N} \textstyle\sum_i
            \mathbf{1}[\exists j: x_i \in B(y_j, s_j)], \\
        \mathrm{density} &= \tfrac{1}{kM} \textstyle\sum_j \sum_i
            \mathbf{1}[y_j \in B(x_i, r_i)], \qquad
        \mathrm{coverage} = \tfrac{1}{N} \textstyle\sum_i
            \mathbf{1}[\min_j \lVert x_i - y_j \rVert \le r_i].

    Euclidean distances in float64, computed in blocks (a few tens of MiB whatever the sizes;
    about 3 N M d multiply-adds), with a rounding tolerance so that a point on a ball's
    boundary counts as inside.

    Parameters
    ----------
    real : array-like of shape (n_real, d)
        Reference features (more than ``n_neighbors`` rows).
    generated : array-like of shape (n_generated, d)
        Generated features (more than ``n_neighbors`` rows), same d.
    n_neighbors : int, default=5
        Number k of neighbours setting each ball's radius (the paper's default).

    Returns
    -------
    PRDC
        Named tuple ``(precision, recall, density, coverage)`` of floats.

    Examples
    --------
    >>> import numpy as np
    >>> from vdae.metrics import prdc
    >>> rng = np.random.default_rng(0)
    >>> real, fake = rng.normal(size=(500, 8)), rng.normal(size=(500, 8))
    >>> scores = prdc(real, fake)
    >>> bool(min(scores) > 0.8), bool(max(prdc(real, fake + 3)) < 0.1)
    (True, True)
    """
    validate_params({"n_neighbors": n_neighbors}, _CONSTRAINTS, "prdc")
    R, G = check_pair(real, generated, ("real", "generated"))
    check_n_samples(R.shape[0], n_neighbors, "real")
    check_n_samples(G.shape[0], n_neighbors, "generated")
    r2 = _kth_neighbour_sq_radius(R, n_neighbors)
    s2 = _kth_neighbour_sq_radius(G, n_neighbors)
    n_balls = np.zeros(G.shape[0], dtype=np.int64)  # real balls holding each generated point
    covered = np.zeros(R.shape[0], dtype=bool)  # real ball holding some generated point
    recalled = np.zeros(R.shape[0], dtype=bool)  # real point inside some generated ball
    for rows, D2, tol in sq_distances_chunks(G, R):
        inside = D2 <= r2[None, :] + tol
        n_balls[rows] = inside.sum(axis=1)
        covered |= inside.any(axis=0)
        recalled |= (D2 <= s2[rows, None] + tol).any(axis=0)
    return PRDC(precision=float((n_balls > 0).mean()), recall=float(recalled.mean()),
                density=float(n_balls.sum() / (n_neighbors * G.shape[0])),
                coverage=float(covered.mean()))
