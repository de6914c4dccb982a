"""
Noisy data and the output law
=============================

Real data are a manifold plus noise. The decoder's mean ψ_θ⁻¹(z) is a point *on* the learned
manifold, so samples made of means alone form a thin thread inside the data's cloud. The VDAE's
samplers therefore draw, by default, from an output law p_θ(x | z): the decoder's mean plus a
Gaussian with the mean and covariance of the training residuals x_j − ψ_θ⁻¹(ψ(x_j)) of the
``residual_neighbors`` (16) training points nearest to z in diffusion coordinates.

* ``sample(n)`` / ``noise=True`` (default): samples with the data's spread across the manifold;
* ``sample(n, noise=False)``: the decoder's means, a clean estimate of the manifold itself.
"""

# %%
# A noisy circle
# --------------
# 1 000 points of the unit circle with Gaussian noise of standard deviation 0.05.
import matplotlib.pyplot as plt
import numpy as np

from vdae import VDAE
from vdae.datasets import make_circle
from vdae.metrics import spread_ratios

data = make_circle(1000, noise=0.05, random_state=0)
X, circle = data.X, data.manifold
model = VDAE(prior="exact", epochs=150, random_state=0, verbose=0).fit(X)

with_noise = model.sample(1000, random_state=0)
means = model.sample(1000, random_state=0, noise=False)

# %%
# Spread around the true circle
# -----------------------------
# :func:`vdae.metrics.spread_ratios` divides the median (and 90th percentile) distance of the
# samples to the true circle by the data's own: 1 means the samples are as wide as the data.
fresh = make_circle(1000, noise=0.05, random_state=1).X
for name, S in [("noise=True", with_noise), ("noise=False", means), ("fresh data", fresh)]:
    r = spread_ratios(S, X, circle)
    print(f"{name:12s} spread median {r['spread_median']:.2f}, p90 {r['spread_p90']:.2f}")

# %%
# The same chains, with and without the residuals: the means lie on a thin curve, the samples
# fill the data's band. The histograms show each set's radius.
fig, axes = plt.subplots(1, 3, figsize=(13, 4))
for ax, (name, S) in zip(axes, [("data", X), ("sample(noise=True)", with_noise),
                                ("sample(noise=False)", means)]):
    ax.scatter(*S.T, s=2)
    ax.set_title(name)
    ax.set_aspect("equal")
fig.tight_layout()
plt.show()

fig, ax = plt.subplots(figsize=(6, 3.5))
bins = np.linspace(0.75, 1.25, 60)
for name, S in [("data", X), ("noise=True", with_noise), ("noise=False", means)]:
    ax.hist(np.linalg.norm(S, axis=1), bins=bins, histtype="step", lw=1.5, label=name)
ax.set_xlabel("distance from the centre")
ax.legend()
fig.tight_layout()
plt.show()
