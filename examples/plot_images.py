"""
Images: Frey faces (or a generated image manifold)
==================================================

Rows of ``X`` can be flattened images. This example fits a VDAE on Brendan Frey's face video
(28 × 20 greyscale frames) when the data folder is present (``$VDAE_DATA``, by default
``../shared/data`` beside the repository; see :func:`vdae.datasets.data_dir`), and otherwise on a
generated image manifold — a bright blob moving around a circle, a 1-parameter family of
images — so the example runs anywhere.

Two parameters matter for images:

* ``image_shape`` gives the shape of one image; the decoder is then convolutional
  (:class:`vdae.nn.conv.ConvDecoder`), which is what the paper uses and what decodes sharper
  images on large sets. To keep this example under a minute we leave it out and use the
  default MLP decoder, which is several times faster on the CPU.
* ``n_components``: the automatic choice of D under-counts on images (see
  :ref:`sphx_glr_auto_examples_plot_choosing_d.py`); the rule's Whitney fallback raises it.
"""

# %%
# The data
# --------
import matplotlib.pyplot as plt
import numpy as np

from vdae import VDAE
from vdae.datasets import load_frey

try:
    faces = load_frey()
    rows = np.random.default_rng(0).choice(len(faces.X), 1000, replace=False)
    X, shape, name = faces.X[np.sort(rows)], faces.image_shape, "Frey faces"
except (FileNotFoundError, OSError):
    # A generated image manifold: a Gaussian blob at angle θ on a circle, 24 x 24 pixels.
    theta = np.random.default_rng(0).uniform(0, 2 * np.pi, 1000)
    r, c = np.mgrid[0:24, 0:24]
    cy, cx = 11.5 + 7 * np.sin(theta), 11.5 + 7 * np.cos(theta)
    images = np.exp(-((r - cy[:, None, None]) ** 2 + (c - cx[:, None, None]) ** 2) / 8)
    X, shape, name = images.reshape(1000, -1).astype(np.float32), (24, 24), "moving blob"
print(f"{name}: {X.shape[0]} images of {shape}")

# %%
# Fit and sample
# --------------
# 1 000 images, the exact prior, 60 epochs. ``sample`` runs 10 Metropolis-adjusted steps
# from training images and decodes; ``noise=False`` returns the decoder's mean images, which
# are what you want to look at (the output law adds pixel noise fitted to the residuals).
model = VDAE(prior="exact", epochs=60, random_state=0, verbose=0).fit(X)
print("D =", model.n_components_)
samples = model.sample(24, random_state=0, noise=False)

# %%
# A random walk from one image moves through neighbouring images: for faces, small changes of
# expression and pose from step to step.
walk = model.random_walk(X[:1], 11, chain="metropolis", noise=False, random_state=1)[:, 0]


def grid(ax, images, title):
    images = np.clip(images.reshape(-1, *shape), 0, 1)
    n_cols = 12
    n_rows = len(images) // n_cols
    tiles = images[: n_rows * n_cols].reshape(n_rows, n_cols, *shape)
    ax.imshow(np.concatenate(np.concatenate(tiles, axis=1), axis=1), cmap="gray")
    ax.set_title(title)
    ax.axis("off")


fig, axes = plt.subplots(3, 1, figsize=(9, 7.5), height_ratios=[2, 2, 1])
grid(axes[0], X[::41][:24], f"{name}: training images")
grid(axes[1], samples, "VDAE samples (decoder means)")
grid(axes[2], walk[:12], "a random walk from the first training image, one step per tile")
fig.tight_layout()
plt.show()
