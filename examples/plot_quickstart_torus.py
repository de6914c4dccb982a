"""
Quickstart: a VDAE on a torus
=============================

A Variational Diffusion Autoencoder learns a generative model whose latent space is the
*diffusion-map embedding* of the data, and it generates new points by *random walks* in that
embedding. This example fits one on 1 200 points of a torus in R³, draws new points from it,
and checks them against a fresh sample of the same torus.

Three things to take away:

* ``VDAE(...).fit(X)`` needs nothing but the data matrix; the latent dimension D is chosen
  automatically (see :ref:`sphx_glr_auto_examples_plot_choosing_d.py`).
* ``model.sample(n)`` runs ``n`` short chains from training points and returns their end points.
* Sample quality is measured against *held-out* data with the library's metrics.
"""

# %%
# The data
# --------
# :func:`vdae.datasets.make_torus` draws points uniformly (in area) from a torus with radii 2
# and 1. Every generator returns a :class:`vdae.datasets.Dataset`; its ``X`` is the
# (n_samples, n_features) float32 data matrix.
import matplotlib.pyplot as plt

from vdae import VDAE
from vdae.datasets import make_torus
from vdae.metrics import gromov_wasserstein, precision_recall

X = make_torus(1200, random_state=0).X
print(X.shape, X.dtype)

# %%
# Fitting
# -------
# Two parameters keep this example fast:
#
# * ``prior="exact"`` uses the exact diffusion map (a sparse eigensolver) as the encoder.
#   That is the best choice for a few thousand points, and what the default, ``"auto"``,
#   picks up to 20 000 points; above, it trains SpectralNet, a network that scales to
#   millions of points
#   (:ref:`sphx_glr_auto_examples_plot_memmap_large.py`).
# * ``epochs=200`` trains the covariance network and the decoder for 200 passes over the data
#   (about 1 000 steps). The default, ``epochs=None``, trains for at least 6 000 steps, which
#   is a little more precise and takes about half a minute.
#
# ``random_state`` makes everything reproducible: the same seed, data and machine give
# bit-identical models and samples.
model = VDAE(prior="exact", epochs=200, random_state=0, verbose=0).fit(X)
print("latent dimension D =", model.n_components_)
print("eigenvalues:", model.eigenvalues_.round(3))

# %%
# Sampling
# --------
# ``sample`` starts chains at training points and takes ``n_steps`` Metropolis-adjusted
# steps in diffusion coordinates (10 by default), then decodes the last state. Because the
# chain's stationary law is fixed, more steps do not degrade the samples; they only make them
# less correlated with their seeds.
samples = model.sample(1200, random_state=0)

fig = plt.figure(figsize=(10, 4.5))
for i, (pts, title) in enumerate([(X, "training data"), (samples, "VDAE samples")]):
    ax = fig.add_subplot(1, 2, i + 1, projection="3d")
    ax.scatter(*pts.T, s=2, c=pts[:, 2], cmap="viridis")
    ax.set_title(title)
    ax.set_zlim(-2, 2)
    ax.view_init(elev=35, azim=30)
fig.tight_layout()
plt.show()

# %%
# How good are the samples?
# -------------------------
# We compare the samples with 1 000 *fresh* points of the same torus:
#
# * the Gromov–Wasserstein discrepancy (×1000, the paper's Table 1 metric; lower is better)
#   compares the two clouds' distance matrices;
# * precision is the fraction of samples inside the data's k-NN support, recall the fraction
#   of data inside the samples' support (1 is ideal for both).
#
# Two independent samples of the torus set the floor: no model is expected to beat it.
reference = make_torus(1000, random_state=1).X
floor = make_torus(1000, random_state=2).X
print(f"GW x1000: samples {gromov_wasserstein(samples[:1000], reference):.2f}, "
      f"second data sample {gromov_wasserstein(floor, reference):.2f}")
pr = precision_recall(reference, samples, random_state=0)
print(f"precision {pr.precision:.3f}, recall {pr.recall:.3f}")

# %%
# Saving the model
# ----------------
# ``model.save(path)`` writes a safetensors file with a JSON header (no pickle) and
# ``VDAE.load(path)`` restores it; see :ref:`sphx_glr_auto_examples_plot_own_data.py`.
