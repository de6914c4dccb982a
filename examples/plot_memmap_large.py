"""
Large data from a memory-mapped file
====================================

A VDAE never needs the whole data set in memory at once: the k-nearest-neighbour graph is
sparse (above 20 000 points: exact by k-d tree on low-dimensional data, NN-descent
otherwise), SpectralNet and the VDAE train on minibatches, and ``transform`` and ``sample``
run in batches. The data may therefore be a memory-mapped ``.npy`` file, opened with
``np.load(path, mmap_mode="r")``: training gathers rows per minibatch and never copies the
file whole (the neighbour search reads every row; a k-d tree, used on at most 16 columns,
keeps a float64 copy of them). (On the command line, pass the ``.npy`` path:
``vdae fit data.npy -o model.vdae``.)

This example writes 20 000 points of a noisy torus to disk, maps the file, and fits a VDAE
with the SpectralNet prior — the encoder that scales linearly in n, and the default above
20 000 points — on short training budgets so that it runs in well under a minute. The same
code runs unchanged on millions of rows (the Performance page, docs/performance.md: 1M points
in R^10 in 85–160 s with the default budgets on 2 cores, depending on the machine's load).
Above 20 000 points, data of more than 16 features or of intrinsic dimension above 4 are
searched by NN-descent (pynndescent), whose first call in a process spends 30–60 s compiling
with numba; that is why this example stays at the exact-search limit.
"""

# %%
# Write a large ``.npy`` file and map it
# --------------------------------------
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from vdae import VDAE
from vdae.datasets import make_torus

folder = Path(tempfile.mkdtemp(prefix="vdae-example-"))
path = folder / "torus_20k.npy"
np.save(path, make_torus(20_000, noise=0.02, random_state=0).X)

X = np.load(path, mmap_mode="r")
print(type(X).__name__, X.shape, f"{path.stat().st_size / 2**20:.1f} MiB on disk")

# %%
# Fit with the SpectralNet prior
# ------------------------------
# ``prior="spectralnet"`` (what the default ``"auto"`` picks above 20 000 points) learns ψ
# with a network trained on the graph's edges, so its cost grows linearly with n, and it
# embeds new points without the training set.
# Short budgets keep this example fast:
#
# * ``encoder_epochs=2``: passes of SpectralNet over the data;
# * ``epochs=5``: passes of the covariance network and decoder (about 400 minibatches);
# * ``n_components=6``: the D the automatic rule finds on this torus (see
#   :ref:`sphx_glr_auto_examples_plot_choosing_d.py`), fixed to skip the selection step.
#
# Above 50 000 points the VDAE searches the reconstruction target x' among the
# neighbours of each point instead of the whole set (``neighbor_pool="auto"``), so a
# training step costs the same at any n.
start = time.perf_counter()
model = VDAE(6, prior="spectralnet", encoder_epochs=2, epochs=5, random_state=0,
             verbose=0).fit(X)
print(f"fit on {X.shape[0]} points: {time.perf_counter() - start:.1f} s")

start = time.perf_counter()
samples = model.sample(10_000, random_state=0)
print(f"10 000 samples: {time.perf_counter() - start:.1f} s")

# %%
# Samples against the data
# ------------------------
# A 2-D view: the torus seen from above (x, y), and a cross-section of the tube
# (distance from the z axis against z) for the data and the samples.
rows = np.sort(np.random.default_rng(0).choice(X.shape[0], 10_000, replace=False))
data = np.asarray(X[rows])
fig, axes = plt.subplots(1, 2, figsize=(10, 4.6))
for pts, label, colour in [(data, "data (10 000 of 20 000)", "0.6"),
                           (samples, "VDAE samples", "C0")]:
    axes[0].scatter(pts[:, 0], pts[:, 1], s=0.2, alpha=0.4, c=colour, label=label)
    axes[1].scatter(np.hypot(pts[:, 0], pts[:, 1]), pts[:, 2], s=0.2, alpha=0.4, c=colour)
axes[0].set_title("top view (x, y)")
axes[1].set_title("tube cross-section (√(x²+y²), z)")
for ax in axes:
    ax.set_aspect("equal")
axes[0].legend(markerscale=20, loc="upper right", fontsize=8)
fig.tight_layout()
plt.show()

# %%
# These short budgets leave the inner rim of the tube (left of the cross-section) thinner in
# the samples than in the data; longer training (the default budgets) is what buys accuracy.
#
# Distance of the samples to the true torus (radii 2 and 1), against the data's own noise.
for pts, label in [(data, "data"), (samples, "samples")]:
    dist = np.abs(np.hypot(np.hypot(pts[:, 0], pts[:, 1]) - 2, pts[:, 2]) - 1)
    print(f"{label}: median distance to the torus {np.median(dist):.4f}")

# %%
# Release the map and delete the file.
del X
path.unlink()
folder.rmdir()
