"""Evaluation metrics for generative models (the paper's Sect. 6.4 and more).

- :func:`gromov_wasserstein` — GW discrepancy between data and samples (Table 1, left).
- :func:`local_bilipschitz`, :func:`median_bilipschitz` — the local bi-Lipschitz constant of
  the latent-to-data map (Sect. 4.3; Table 1, right).
- :func:`mmd2`, :func:`mmd2_multiscale` — Gaussian-kernel MMD² (Table A.2).
- :func:`precision_recall`, :func:`coverage` — support-based sample quality and diversity.
- :func:`manifold_distance`, :func:`spread_ratios`, :func:`parameter_uniformity` — against a
  known true manifold (``spread_ratios``: samples' spread around it over the data's).
- :func:`class_retention`, :func:`train_digit_classifier` — class structure along random walks;
  :func:`same_class_distance` — the scale against which a walk's movement is read.
- :func:`frechet_distance`, :func:`kid` (:class:`KID`), :func:`prdc` (:class:`PRDC`) — Fréchet
  distance, kernel inception distance, precision/recall/density/coverage in a feature space.
- :class:`FeatureExtractor`, :func:`pretrained_features`, :func:`image_features`,
  :func:`image_quality`, :func:`feature_cache_dir` — a small convolutional network per image
  data set (MNIST, COIL-20, Frey), trained once and cached, whose features those metrics use.
"""

from ._bilipschitz import local_bilipschitz, median_bilipschitz
from ._classifier import DigitClassifier, train_digit_classifier
from ._feature_extractor import FeatureExtractor
from ._feature_metrics import KID, PRDC, frechet_distance, kid, prdc
from ._gromov import gromov_wasserstein, gromov_wasserstein_runs, gromov_wasserstein_starts
from ._manifold import ManifoldDistance, manifold_distance, parameter_uniformity, spread_ratios
from ._mmd import mmd2, mmd2_multiscale
from ._precision_recall import PrecisionRecall, coverage, precision_recall
from ._pretrained import feature_cache_dir, image_features, image_quality, pretrained_features
from ._retention import class_retention, same_class_distance

__all__ = [
    "gromov_wasserstein",
    "gromov_wasserstein_runs",
    "gromov_wasserstein_starts",
    "local_bilipschitz",
    "median_bilipschitz",
    "mmd2",
    "mmd2_multiscale",
    "PrecisionRecall",
    "precision_recall",
    "coverage",
    "ManifoldDistance",
    "manifold_distance",
    "spread_ratios",
    "parameter_uniformity",
    "class_retention",
    "same_class_distance",
    "DigitClassifier",
    "train_digit_classifier",
    "frechet_distance",
    "KID",
    "kid",
    "PRDC",
    "prdc",
    "FeatureExtractor",
    "pretrained_features",
    "image_features",
    "image_quality",
    "feature_cache_dir",
]
