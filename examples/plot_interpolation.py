"""
Interpolation along the manifold
================================

:meth:`vdae.VDAE.interpolate` joins two points by a path that stays on the data manifold: the
shortest path between their nearest training points on the k-nearest-neighbour graph, smoothed
and resampled in diffusion coordinates, then decoded. A straight line between the same points
(the chord) cuts through the region without data. On the torus below, the two ends lie on
opposite sides of the hole; on MNIST (when the data are present) the path turns a 3 into an 8
through digits rather than through a blend of the two images.
"""

# %%
# A torus path against the chord
# ------------------------------
import matplotlib.pyplot as plt
import numpy as np

from vdae import VDAE
from vdae.datasets import data_dir, make_torus
from vdae.metrics import manifold_distance

data = make_torus(1200, random_state=0)
model = VDAE(prior="exact", epochs=100, decoder_hidden=(256, 256, 256),
             covariance_hidden=(64,), random_state=0, verbose=0).fit(data.X)
a, b = data.manifold.embed([[0.0, 0.0], [0.9 * np.pi, 0.0]])
path = model.interpolate(a, b, 40)
chord = a + np.linspace(0, 1, 40)[:, None] * (b - a)
print(f"largest distance to the torus / its diameter: path "
      f"{manifold_distance(path, data.manifold).max:.3f}, chord "
      f"{manifold_distance(chord, data.manifold).max:.3f}")

fig = plt.figure(figsize=(6, 5))
ax = fig.add_subplot(projection="3d")
ax.scatter(*data.X.T, s=2, c="0.75", alpha=0.4)
ax.plot(*path.T, "o-", c="C0", ms=3, label="VDAE.interpolate")
ax.plot(*chord.T, "--", c="C3", label="straight line")
ax.set_box_aspect((1, 1, 0.4))
ax.legend(loc="upper left")
ax.set_axis_off()
plt.show()

# %%
# MNIST: from a 3 to an 8
# -----------------------
# Skipped when the MNIST files are not in :func:`vdae.datasets.data_dir`.
if (data_dir() / "mnist").is_dir():
    from vdae.datasets import load_mnist

    digits = load_mnist("train", n_samples=3000, random_state=0)
    mnist = VDAE(prior="exact", epochs=30, random_state=0, verbose=0).fit(digits.X)
    three = digits.X[np.flatnonzero(digits.y == 3)[0]]
    eight = digits.X[np.flatnonzero(digits.y == 8)[0]]
    steps = mnist.interpolate(three, eight, 10)
    fig, axes = plt.subplots(1, 10, figsize=(10, 1.3))
    for ax, image in zip(axes, steps):
        ax.imshow(image.reshape(28, 28), cmap="gray_r")
        ax.set_axis_off()
    fig.suptitle("VDAE.interpolate: 3 → 8")
    plt.show()
else:
    print("MNIST not found: the second figure is skipped.")
