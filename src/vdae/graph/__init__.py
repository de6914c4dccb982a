"""The data's graph and its diffusion map: kNN search, the Gaussian affinity, Markov
normalisation, the diffusion map's eigenpairs, the choice of D, and the Nyström extension.

Pure functions (numpy/scipy); the estimators built on them live in :mod:`vdae.prior`.
"""

from .affinity import (AffinityGraph, build_affinity_graph, gaussian_affinity, graph_components,
                       local_scales)
from .diffusion import choose_eigen_solver, diffusion_eigenpairs, markov_normalize, nystrom_weights
from .knn import EXACT_THRESHOLD, KNNIndex, intrinsic_dimension, nearest_neighbors
from .nystrom import NystromEncoder
from .selection import (extend_until_one_to_one, fold_fraction, local_linear_residuals,
                        select_components)

__all__ = [
    "AffinityGraph", "build_affinity_graph", "gaussian_affinity", "graph_components",
    "local_scales",
    "choose_eigen_solver", "diffusion_eigenpairs", "markov_normalize", "nystrom_weights",
    "EXACT_THRESHOLD", "KNNIndex", "intrinsic_dimension", "nearest_neighbors", "NystromEncoder",
    "extend_until_one_to_one", "fold_fraction", "local_linear_residuals", "select_components",
]
