"""FeatureExtractor: a small convolutional network whose penultimate layer embeds images."""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np
import torch

from .._torch import batched_apply, resolve_device, to_tensor
from .._validation import IMAGE_SHAPE, RANDOM_STATE, Interval, check_array, check_is_fitted, \
    check_random_state, validate_params
from ._conv_net import ConvFeatureNet, train_conv_net
from ._feature_files import read_extractor, write_extractor

__all__ = ["FeatureExtractor"]

_CONSTRAINTS = {
    "image_shape": [IMAGE_SHAPE],
    "n_features": [Interval(int, 1, None)],
    "epochs": [Interval(int, 1, None)],
    "batch_size": [Interval(int, 1, None)],
    "learning_rate": [Interval(float, 0, None, closed="neither")],
    "dropout": [Interval(float, 0, 1, closed="left")],
    "random_state": [RANDOM_STATE],
    "verbose": [Interval(int, 0, None)],
}


class FeatureExtractor:
    """A LeNet-style convolutional network trained to embed images in ``n_features`` dimensions.

    With labels, ``fit`` trains a classifier (conv 32 → pool → conv 64 → pool → FC 128 →
    classes, ReLU, dropout, cross-entropy, Adam with a cosine decay); without labels, the same
    body with a fully connected decoder is trained as an autoencoder (pixel MSE). Either way
    :meth:`transform` returns the penultimate (bottleneck) activations, the feature space of
    :func:`frechet_distance`, :func:`kid` and :func:`prdc`.

    Parameters
    ----------
    image_shape : tuple of int
        ``(H, W)`` or ``(H, W, C)`` of one image; rows of ``X`` are images flattened
        row-major (channels last), e.g. (28, 28) for MNIST. H and W must be ≥ 4.
    n_features : int, default=128
        Width of the feature layer.
    channels : (int, int), default=(32, 64)
        Output channels of the two 3 × 3 convolutions.
    epochs : int, default=3
        Passes over the training images.
    batch_size : int, default=64
        Images per minibatch.
    learning_rate : float, default=1.5e-3
        Initial Adam step size (cosine decay to 0). Pixels are standardised by their mean
        and standard deviation over the training images.
    dropout : float in [0, 1), default=0.25
        After the feature layer (half of it after the convolutions); use 0 for autoencoders.
    random_state : int, Generator or None, default=0
        Seeds the initialisation, the shuffling and the dropout: a fixed seed gives the same
        network on the same machine and thread count.
    verbose : int, default=1
        0: silent; 1: a tqdm progress bar on a terminal; ≥ 2: always.
    device : str or torch.device, default="cpu"
        Torch device of the network ("cpu", "cuda", "cuda:1", or "auto").

    Attributes
    ----------
    module_ : ConvFeatureNet
        The network, in evaluation mode.
    mode_ : {"classifier", "autoencoder"}
    classes_ : ndarray of shape (n_classes,) or None
    n_features_in_ : int
        Pixels per image (H·W·C).
    train_losses_ : list of float
        Mean loss per epoch (cross-entropy in nats, or MSE in squared pixel units).
    fit_time_ : float
        Training time in seconds (0 for a loaded network).
    info_ : dict
        Free-form JSON-serialisable facts saved with the network (e.g. its test accuracy).

    See Also
    --------
    pretrained_features : The cached network of a data set.

    Examples
    --------
    A tiny classifier on random 8 x 8 "images" of two classes (bright or dark):

    >>> import numpy as np
    >>> from vdae.metrics import FeatureExtractor
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.uniform(0, 0.3, (40, 64)), rng.uniform(0.7, 1, (40, 64))]
    >>> y = np.repeat([0, 1], 40)
    >>> fx = FeatureExtractor((8, 8), n_features=16, channels=(4, 8), epochs=2, verbose=0)
    >>> fx.fit(X, y).transform(X).shape
    (80, 16)
    """

    def __init__(
        self, image_shape: tuple[int, ...], *, n_features: int = 128,
        channels: tuple[int, int] = (32, 64), epochs: int = 3, batch_size: int = 64,
        learning_rate: float = 1.5e-3, dropout: float = 0.25,
        random_state: int | np.random.Generator | None = 0, verbose: int = 1,
        device: str | torch.device = "cpu",
    ) -> None:
        self.image_shape = image_shape
        self.n_features = n_features
        self.channels = channels
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.dropout = dropout
        self.random_state = random_state
        self.verbose = verbose
        self.device = device

    # ------------------------------------------------------------------ settings and checks
    def _validate(self) -> None:
        validate_params({k: getattr(self, k) for k in _CONSTRAINTS}, _CONSTRAINTS,
                        "FeatureExtractor")
        shape = tuple(self.image_shape)
        if len(shape) not in (2, 3) or min(shape[:2]) < 4:
            raise ValueError(f"FeatureExtractor: image_shape must be (H, W) or (H, W, C) with "
                             f"H, W ≥ 4; got {self.image_shape!r}.")
        ch = self.channels
        if (not isinstance(ch, (tuple, list)) or len(ch) != 2
                or not all(isinstance(c, (int, np.integer)) and c >= 1 for c in ch)):
            raise ValueError(f"FeatureExtractor: channels must be two positive ints; got {ch!r}.")

    def settings(self) -> dict[str, Any]:
        """The architecture and training settings.

        Returns
        -------
        dict
            JSON-serialisable values (the seed only if it is an int), hashed into the cache
            file name by :func:`pretrained_features`.
        """
        seed = self.random_state if isinstance(self.random_state, (int, np.integer)) else None
        return {"image_shape": [int(s) for s in self.image_shape],
                "n_features": int(self.n_features), "channels": [int(c) for c in self.channels],
                "epochs": int(self.epochs), "batch_size": int(self.batch_size),
                "learning_rate": float(self.learning_rate), "dropout": float(self.dropout),
                "random_state": None if seed is None else int(seed)}

    def _build(self, mode: str, n_outputs: int) -> ConvFeatureNet:
        return ConvFeatureNet(tuple(int(s) for s in self.image_shape),
                              (int(self.channels[0]), int(self.channels[1])),
                              int(self.n_features), n_outputs, mode, float(self.dropout))

    def _check_X(self, X: Any, name: str = "X") -> np.ndarray:
        n_pixels = int(np.prod(self.image_shape))
        return check_array(X, name, n_features=n_pixels, owner="FeatureExtractor")

    # -------------------------------------------------------------------------- fit, use
    def fit(self, X: Any, y: Any = None) -> "FeatureExtractor":
        """Train on images ``X`` of shape (n_samples, H·W·C), values in [0, 1].

        Parameters
        ----------
        X : array-like of shape (n_samples, H·W·C)
            Flattened images (row-major, channels last) with values in [0, 1].
        y : array-like of shape (n_samples,) or None, default=None
            Class labels (≥ 2 classes): train a classifier; None: train an autoencoder.

        Returns
        -------
        FeatureExtractor
            The fitted network (``self``).
        """
        self._validate()
        Xc = self._check_X(X)
        classes, codes = None, None
        if y is not None:
            y_arr = np.asarray(y)
            if y_arr.ndim != 1 or y_arr.shape[0] != Xc.shape[0]:
                raise ValueError(f"y must be 1-D with one label per row of X ({Xc.shape[0]}); "
                                 f"got shape {y_arr.shape}.")
            classes, codes = np.unique(y_arr, return_inverse=True)
            if classes.shape[0] < 2:
                raise ValueError(f"y must contain at least 2 classes; got {classes.tolist()}.")
        dev = resolve_device(self.device)
        rng = check_random_state(self.random_state)
        mode = "autoencoder" if classes is None else "classifier"
        start = time.perf_counter()
        with torch.random.fork_rng(devices=[] if dev.type != "cuda" else [dev.index or 0]):
            torch.manual_seed(int(rng.integers(0, 2**63 - 1)))
            net = self._build(mode, 0 if classes is None else classes.shape[0]).to(dev)
            code_t = None if codes is None else torch.as_tensor(codes, dtype=torch.long,
                                                                device=dev)
            self.train_losses_ = train_conv_net(
                net, to_tensor(Xc, dev), code_t, epochs=self.epochs, batch_size=self.batch_size,
                learning_rate=self.learning_rate, rng=rng, verbose=self.verbose,
                desc=f"FeatureExtractor ({mode})")
        self.fit_time_ = time.perf_counter() - start
        self.module_, self.mode_, self.classes_ = net.eval(), mode, classes
        self.n_features_in_ = Xc.shape[1]
        self.device_ = dev
        self.info_: dict[str, Any] = {}
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Penultimate-layer features of images ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, H·W·C)
            Images in [0, 1], flattened row-major.

        Returns
        -------
        ndarray of shape (n_samples, n_features), float64
            Post-ReLU activations (≥ 0; dimensionless).
        """
        check_is_fitted(self, "module_")
        Xc = self._check_X(X)
        self.module_.eval()
        return batched_apply(self.module_.features, Xc, self.device_, 4096).astype(np.float64)

    def predict(self, X: Any) -> np.ndarray:
        """Predict the class of each image (classifiers only).

        Parameters
        ----------
        X : array-like of shape (n_samples, H·W·C)
            Flattened images with values in [0, 1], as in :meth:`transform`.

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        check_is_fitted(self, "module_")
        if self.mode_ != "classifier":
            raise ValueError("predict needs a classifier; this FeatureExtractor was trained "
                             "without labels (an autoencoder).")
        logits = batched_apply(self.module_, self._check_X(X), self.device_, 4096)
        return self.classes_[logits.argmax(axis=1)]

    def score(self, X: Any, y: Any = None) -> float:
        """Held-out quality of the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, H·W·C)
            Images in [0, 1], flattened row-major.
        y : array-like of shape (n_samples,) or None
            True labels (classifiers); ignored by autoencoders.

        Returns
        -------
        float
            Accuracy in [0, 1] (classifier), or the mean squared reconstruction error in
            squared pixel units (autoencoder).
        """
        check_is_fitted(self, "module_")
        Xc = self._check_X(X)
        if self.mode_ == "autoencoder":
            rec = batched_apply(self.module_, Xc, self.device_, 4096)
            return float(np.mean((rec.astype(np.float64) - Xc) ** 2))
        y_arr = np.asarray(y).reshape(-1)
        if y_arr.shape[0] != Xc.shape[0]:
            raise ValueError(f"X has {Xc.shape[0]} rows but y has {y_arr.shape[0]} labels.")
        return float(np.mean(self.predict(Xc) == y_arr))

    # ---------------------------------------------------------------------------- files
    def save(self, path: str | os.PathLike, **info: Any) -> None:
        """Write the network to ``path`` (safetensors + JSON header, atomic, no pickle).

        Parameters
        ----------
        path : path-like
            Target file; written to a temporary file in its folder and renamed over it.
        **info
            JSON-serialisable facts stored in the header (read back as ``info_``).
        """
        check_is_fitted(self, "module_")
        write_extractor(self, path, info)

    @classmethod
    def load(cls, path: str | os.PathLike, *, device: str | torch.device = "cpu",
             verbose: int = 1) -> "FeatureExtractor":
        """Read a network written by :meth:`save` (safetensors only: nothing is executed).

        Parameters
        ----------
        path : str or os.PathLike
            A file written by :meth:`save`.
        device : str or torch.device, default="cpu"
            Where the loaded network computes.
        verbose : int, default=1
            The loaded estimator's ``verbose``.

        Returns
        -------
        FeatureExtractor
            Fitted, with ``fit_time_`` 0 and the saved ``info_`` and ``train_losses_``.

        Raises
        ------
        ModelFileError
            A missing, truncated, corrupted or foreign file.
        """
        return read_extractor(cls, path, device=device, verbose=verbose)
