"""The Nyström extension of a fitted diffusion map to new points, as a self-contained object."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .diffusion import nystrom_weights
from .knn import exact_search

__all__ = ["NystromEncoder"]


@dataclass
class NystromEncoder:
    """ψ(y) = λ^{t-1} Σ_j M(y, x_j) f(x_j) over the ``n_neighbors`` nearest training points.

    Holds only arrays (so it can be saved without pickle) and rebuilds its exact neighbour
    index on first use.

    Attributes
    ----------
    X_train : ndarray (n, m)
    sigma : ndarray (n,)
        Kernel scales of the training points.
    q : ndarray (n,)
        Kernel row sums of the training points (density estimate) for α-normalisation.
    eigenvectors : ndarray (n, D)
        π-normalised f_1..f_D on the training points.
    eigenvalues : ndarray (D,)
    alpha, diffusion_time : float
    n_neighbors, scale_neighbor : int
    bandwidth : {"self_tuning", "median"}
    """

    X_train: np.ndarray
    sigma: np.ndarray
    q: np.ndarray
    eigenvectors: np.ndarray
    eigenvalues: np.ndarray
    alpha: float
    diffusion_time: float
    n_neighbors: int
    scale_neighbor: int
    bandwidth: str
    _index: object = field(default=None, repr=False)

    def _query(self, Y: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k nearest training points (exact; :func:`~.knn.exact_search`)."""
        if self._index is None:
            self._index = exact_search(self.X_train)
        dist, ind = self._index.kneighbors(Y, n_neighbors=min(k, self.X_train.shape[0]))
        return ind, dist

    def scaled(self, F: np.ndarray) -> np.ndarray:
        """Multiply eigenfunction values (…, D) by λ^t."""
        lam = self.eigenvalues
        return F * (np.sign(lam) * np.abs(lam) ** float(self.diffusion_time))

    def __call__(self, Y: np.ndarray, chunk: int = 8192) -> np.ndarray:
        """Diffusion coordinates of the rows of ``Y`` (n_new, m) → (n_new, D), float32."""
        out = np.empty((Y.shape[0], self.eigenvectors.shape[1]), np.float32)
        for s in range(0, Y.shape[0], chunk):
            out[s : s + chunk] = self._block(Y[s : s + chunk])
        return out

    def _block(self, Y: np.ndarray) -> np.ndarray:
        k = self.n_neighbors
        ind, dist = self._query(Y, k + 1)
        s = min(self.scale_neighbor, dist.shape[1] - 1)
        # a training point finds itself at distance 0: its scale is then one column further
        tiny = 1e-6 * float(np.median(self.sigma))
        col = np.where(dist[:, 0] <= tiny, s, s - 1)
        sigma_new = dist[np.arange(len(Y)), col].astype(np.float64)
        if self.bandwidth == "median":
            sigma_new = np.full_like(sigma_new, float(np.median(self.sigma)))
        sigma_new = np.maximum(sigma_new, self.sigma.min())
        M = nystrom_weights(dist, ind, sigma_new, self.sigma, self.q, self.alpha)
        F = np.einsum("nk,nkd->nd", M, self.eigenvectors[ind])
        return self.scaled(F / self.eigenvalues[None, :])
