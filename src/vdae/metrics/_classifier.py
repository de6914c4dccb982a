"""A small torch MLP digit classifier, used to label generated MNIST samples (e.g. along walks)."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch
from torch import nn

from .._torch import batched_apply, resolve_device, to_tensor
from .._validation import (
    HIDDEN,
    RANDOM_STATE,
    Interval,
    check_array,
    check_is_fitted,
    check_random_state,
    validate_params,
)
from ._conv_net import fit_minibatches

__all__ = ["DigitClassifier", "train_digit_classifier"]

_CONSTRAINTS = {
    "hidden": [HIDDEN],
    "epochs": [Interval(int, 1, None)],
    "batch_size": [Interval(int, 1, None)],
    "learning_rate": [Interval(float, 0, None, closed="neither")],
    "dropout": [Interval(float, 0, 1, closed="left")],
    "random_state": [RANDOM_STATE],
}


def _mlp(n_in: int, hidden: Sequence[int], n_out: int, dropout: float) -> nn.Sequential:
    layers: list[nn.Module] = []
    width = n_in
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(dropout)]
        width = h
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)


class DigitClassifier:
    """A fitted multilayer-perceptron classifier (returned by :func:`train_digit_classifier`).

    Parameters
    ----------
    module : torch.nn.Module
        The trained network, mapping (b, n_features) to (b, n_classes) logits.
    classes : ndarray of shape (n_classes,)
        The class labels, in the order of the logits.
    n_features : int
        Number of input features.
    device : torch.device
        Where the network lives.
    train_losses : list of float
        Mean cross-entropy of each training epoch.

    Attributes
    ----------
    module_ : torch.nn.Sequential
        The network, in evaluation mode; maps (b, n_features_in_) to (b, n_classes) logits.
    classes_ : ndarray of shape (n_classes,)
        The class labels, in the order of the logits.
    n_features_in_ : int
        Number of input features (784 for flattened MNIST).
    device_ : torch.device
        Where the network lives.
    train_losses_ : list of float
        Mean cross-entropy of each training epoch.
    """

    def __init__(
        self, module: nn.Module, classes: np.ndarray, n_features: int, device: torch.device,
        train_losses: list[float],
    ) -> None:
        self.module_ = module.eval()
        self.classes_ = classes
        self.n_features_in_ = n_features
        self.device_ = device
        self.train_losses_ = train_losses

    def predict_proba(self, X: Any) -> np.ndarray:
        """Predict class probabilities for each row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
            Inputs, scaled like the training data (e.g. pixels in [0, 1]).

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Probabilities (rows sum to 1), columns ordered as ``classes_``.
        """
        check_is_fitted(self, "module_")
        Xc = check_array(X, "X", n_features=self.n_features_in_)
        self.module_.eval()
        return batched_apply(lambda t: torch.softmax(self.module_(t), dim=1), Xc, self.device_)

    def predict(self, X: Any) -> np.ndarray:
        """Predict the label of each row of ``X`` (values in [0, 1] like the training data).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
            Inputs, scaled like the training data (e.g. pixels in [0, 1]).

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        check_is_fitted(self, "module_")
        Xc = check_array(X, "X", n_features=self.n_features_in_)
        self.module_.eval()
        logits = batched_apply(self.module_, Xc, self.device_)
        return self.classes_[logits.argmax(axis=1)]

    def score(self, X: Any, y: Any) -> float:
        """Return the accuracy: the fraction of rows whose predicted label equals ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
            Inputs, scaled like the training data (e.g. pixels in [0, 1]).
        y : array-like of shape (n_samples,)
            True labels.

        Returns
        -------
        float
            The accuracy, in [0, 1].
        """
        y_arr = np.asarray(y).reshape(-1)
        pred = self.predict(X)
        if y_arr.shape[0] != pred.shape[0]:
            raise ValueError(f"X has {pred.shape[0]} rows but y has {y_arr.shape[0]} labels.")
        return float(np.mean(pred == y_arr))


def train_digit_classifier(
    X: Any,
    y: Any,
    *,
    hidden: Sequence[int] = (512, 256),
    epochs: int = 6,
    batch_size: int = 256,
    learning_rate: float = 2e-3,
    dropout: float = 0.2,
    random_state: int | np.random.Generator | None = None,
    device: str | torch.device = "cpu",
) -> DigitClassifier:
    r"""Train a small MLP classifier (e.g. on MNIST) for labelling generated images.

    Minimises the cross-entropy

    .. math:: \mathcal{L} = -\frac{1}{n}\sum_i \log \operatorname{softmax}(g(x_i))_{y_i}

    of a ReLU MLP :math:`g` (``n_features → hidden … → n_classes``, dropout after each hidden
    layer) with Adam and a cosine learning-rate decay to 0 over ``epochs``. With the defaults,
    trained on the 60 000 MNIST training images (flattened to 784 values in [0, 1]) it reaches
    about 98.3 % accuracy on the 10 000 test images in under a minute on a 2-core CPU.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Training inputs, e.g. pixel intensities scaled to [0, 1].
    y : array-like of shape (n_samples,)
        Class labels (any integers or strings; at least 2 classes).
    hidden : sequence of int, default=(512, 256)
        Hidden-layer widths.
    epochs : int, default=6
        Passes over the training set.
    batch_size : int, default=256
        Minibatch size.
    learning_rate : float, default=2e-3
        Initial Adam step size.
    dropout : float in [0, 1), default=0.2
        Dropout probability after each hidden layer.
    random_state : int, Generator or None, default=None
        Seeds the initialisation, the shuffling and the dropout masks.
    device : str or torch.device, default="cpu"
        "auto", "cpu" or "cuda[:i]".

    Returns
    -------
    DigitClassifier
        The fitted classifier, with ``predict(X) -> labels``.

    Examples
    --------
    Two well-separated Gaussian classes:

    >>> import numpy as np
    >>> from vdae.metrics import train_digit_classifier
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 0.1, (100, 4)), rng.normal(1, 0.1, (100, 4))]
    >>> y = np.repeat([3, 7], 100)
    >>> clf = train_digit_classifier(X, y, hidden=(16,), epochs=20, batch_size=32,
    ...                              random_state=0)
    >>> clf.classes_, clf.score(X, y)
    (array([3, 7]), 1.0)
    """
    validate_params(
        {"hidden": hidden, "epochs": epochs, "batch_size": batch_size,
         "learning_rate": learning_rate, "dropout": dropout, "random_state": random_state},
        _CONSTRAINTS, "train_digit_classifier",
    )
    Xc = check_array(X, "X", min_samples=2)
    try:
        y_arr = np.asarray(y)
    except ValueError as exc:  # ragged lists
        raise ValueError(f"y could not be converted to an array: {exc}") from None
    if y_arr.ndim != 1 or y_arr.shape[0] != Xc.shape[0]:
        raise ValueError(
            f"y must be 1-D with one label per row of X ({Xc.shape[0]}); got shape {y_arr.shape}."
        )
    classes, codes = np.unique(y_arr, return_inverse=True)
    if classes.shape[0] < 2:
        raise ValueError(f"y must contain at least 2 classes; got {classes.tolist()}.")
    dev = resolve_device(device)
    rng = check_random_state(random_state)
    X_t = to_tensor(Xc, dev)
    y_t = torch.as_tensor(codes, dtype=torch.long, device=dev)
    cuda_devices = []
    if dev.type == "cuda":
        cuda_devices = [torch.cuda.current_device() if dev.index is None else dev.index]
    with torch.random.fork_rng(devices=cuda_devices):
        torch.manual_seed(int(rng.integers(0, 2**63 - 1)))
        model = _mlp(Xc.shape[1], hidden, classes.shape[0], dropout).to(dev)
        losses = fit_minibatches(model, nn.CrossEntropyLoss(), X_t, y_t, epochs=epochs,
                                 batch_size=batch_size, learning_rate=learning_rate, rng=rng,
                                 desc="train_digit_classifier")
    return DigitClassifier(model, classes, Xc.shape[1], dev, losses)
