"""The LeNet-style convolutional network behind the image feature extractor, and its training.

One body for both uses: two 3 × 3 convolutions (``channels``, padding 1, ReLU, 2 × 2 max-pool
after each), dropout, a fully connected ReLU layer of ``n_features`` units (the features), then
either a linear classifier head (labelled data) or a fully connected decoder back to the
pixels with a sigmoid (unlabelled data: an autoencoder whose bottleneck gives the features).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from ..exceptions import TrainingDivergedError

__all__ = ["ConvFeatureNet", "train_conv_net", "fit_minibatches", "progress_disabled"]


def progress_disabled(verbose: int) -> bool | None:
    """tqdm's ``disable``: 0 → off, 1 → on when stderr is a terminal, ≥ 2 → always on."""
    return True if verbose <= 0 else (None if verbose == 1 else False)


class ConvFeatureNet(nn.Module):
    """conv(c1) → pool → conv(c2) → pool → dropout → FC(n_features) → dropout → head.

    Parameters
    ----------
    image_shape : (H, W) or (H, W, C)
        One image (rows of the input are flattened row-major, channels last).
    channels : (int, int)
        Output channels of the two convolutions.
    n_features : int
        Width of the penultimate (feature) layer.
    n_outputs : int
        Classes (``mode="classifier"``); ignored by the autoencoder (its output is the image).
    mode : {"classifier", "autoencoder"}
    dropout : float
        Dropout after the fully connected feature layer; half of it after the convolutions.
    """

    def __init__(self, image_shape: tuple[int, ...], channels: tuple[int, int], n_features: int,
                 n_outputs: int, mode: str, dropout: float) -> None:
        super().__init__()
        h, w = image_shape[:2]
        self.in_channels = image_shape[2] if len(image_shape) == 3 else 1
        self.image_shape = tuple(image_shape)
        self.mode = mode
        c1, c2 = channels
        # pixel standardisation (set from the training images by train_conv_net; saved)
        self.register_buffer("shift", torch.zeros(()))
        self.register_buffer("scale", torch.ones(()))
        self.body = nn.Sequential(
            nn.Conv2d(self.in_channels, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(dropout / 2),
            nn.Linear(c2 * (h // 4) * (w // 4), n_features), nn.ReLU(),
        )
        n_pixels = h * w * self.in_channels
        if mode == "classifier":
            self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(n_features, n_outputs))
        else:
            self.head = nn.Sequential(
                nn.Dropout(dropout), nn.Linear(n_features, 4 * n_features), nn.ReLU(),
                nn.Linear(4 * n_features, n_pixels), nn.Sigmoid(),
            )

    def _images(self, x: torch.Tensor) -> torch.Tensor:
        h, w = self.image_shape[:2]
        x = (x - self.shift) / self.scale
        return x.reshape(-1, h, w, self.in_channels).permute(0, 3, 1, 2)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(b, H·W·C) flattened images → (b, n_features) penultimate activations (≥ 0)."""
        return self.body(self._images(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (b, n_outputs), or the reconstruction (b, H·W·C) in (0, 1)."""
        return self.head(self.features(x))


def train_conv_net(
    net: ConvFeatureNet, X: torch.Tensor, codes: torch.Tensor | None, *, epochs: int,
    batch_size: int, learning_rate: float, rng: np.random.Generator, verbose: int,
    desc: str = "feature net",
) -> list[float]:
    """Adam with a cosine decay to 0; cross-entropy (classifier) or pixel MSE (autoencoder).

    The network's input standardisation is set to the pixels' mean and standard deviation.
    Runs under the caller's torch seed (dropout). Returns the mean loss of each epoch.
    """
    with torch.no_grad():
        net.shift.fill_(float(X.mean()))
        net.scale.fill_(max(float(X.std()), 1e-6))
    loss_fn = nn.CrossEntropyLoss() if codes is not None else nn.MSELoss()
    return fit_minibatches(net, loss_fn, X, codes if codes is not None else X, epochs=epochs,
                           batch_size=batch_size, learning_rate=learning_rate, rng=rng,
                           verbose=verbose, desc=desc)


def fit_minibatches(
    net: nn.Module, loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    X: torch.Tensor, target: torch.Tensor, *, epochs: int, batch_size: int,
    learning_rate: float, rng: np.random.Generator, verbose: int = 0, desc: str = "training",
) -> list[float]:
    """Train ``net`` on (X, target) by Adam with a cosine decay to 0, reshuffling the rows by
    ``rng`` every epoch; a non-finite epoch loss raises :class:`TrainingDivergedError`.

    Parameters
    ----------
    X, target : tensor of shape (n, ...)
        Inputs and what ``loss_fn(net(X[idx]), target[idx])`` compares the outputs with.
    epochs, batch_size : int
    learning_rate : float
    rng : numpy Generator
    verbose : int, default=0
        Progress bar (see :func:`progress_disabled`).
    desc : str
        Names the training in the bar and in errors.

    Returns
    -------
    list of float: the mean loss of each epoch.
    """
    n = X.shape[0]
    steps = -(-n // batch_size)
    opt = torch.optim.Adam(net.parameters(), lr=learning_rate)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * steps)
    losses: list[float] = []
    net.train()
    bar = tqdm(total=epochs * steps, desc=desc, disable=progress_disabled(verbose), leave=False)
    try:
        for epoch in range(epochs):
            order = torch.as_tensor(rng.permutation(n), device=X.device)
            total = 0.0
            for s in range(steps):
                idx = order[s * batch_size : (s + 1) * batch_size]
                loss = loss_fn(net(X[idx]), target[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                total += float(loss.detach()) * idx.shape[0]
                bar.update(1)
            mean = total / n
            if not np.isfinite(mean):
                raise TrainingDivergedError(
                    f"{desc}: the training loss became {mean} at epoch {epoch + 1}; lower "
                    f"learning_rate."
                )
            losses.append(mean)
            bar.set_postfix(loss=f"{mean:.4f}")
    finally:
        bar.close()
    net.eval()
    return losses
