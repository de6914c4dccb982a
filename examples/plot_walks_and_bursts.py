"""
Random walks and bursts on a loop
=================================

A VDAE generates by walking. One step from a point x is

.. math:: z' \\sim \\mathcal N\\big(ψ(x),\\ s^2 C_φ(x)\\big), \\qquad x' = ψ_θ^{-1}(z'),

a Gaussian step in diffusion coordinates whose covariance C_φ(x) was trained to match the local
covariance of the neighbours' embeddings (times α), followed by the decoder. Repeating it gives a
chain that moves *along* the data manifold (paper, Figs. 2 and 4).

This example fits a VDAE on the closed space curve (cos t, sin 2t, sin 3t) and shows

* ``random_walk``: whole trajectories, with the paper's chain (Algorithm 2) or the
  Metropolis-adjusted one that :meth:`vdae.VDAE.sample` uses;
* ``burst``: many independent single steps from one point, i.e. draws from p(x' | x);
* ``step_scale`` s: the size of the steps at sampling time.
"""

# %%
# Fit on the loop
# ---------------
# 1 000 points, uniform in arc length. The data set carries its exact manifold, so we can
# measure where the chains are (arc length) and how far they are from the curve.
import matplotlib.pyplot as plt
import numpy as np

from vdae import VDAE
from vdae.datasets import make_loop

data = make_loop(1000, random_state=0)
X, loop = data.X, data.manifold
model = VDAE(prior="exact", epochs=150, random_state=0, verbose=0).fit(X)
print("D =", model.n_components_)

# %%
# Chains from one seed
# --------------------
# Four chains of 200 steps start at the same training point. ``noise=False`` returns the
# decoder's means (points on the learned curve) rather than draws from the output law, which
# makes the paths easier to see. ``chain="paper"`` re-encodes every decoded point
# (Algorithm 2); :meth:`~vdae.VDAE.metropolis_walk` proposes the same steps but accepts or
# rejects them in diffusion coordinates, so its stationary law is exactly the data's
# embedding, and reports the acceptance rate.
seed = np.repeat(X[:1], 4, axis=0)
paper = model.random_walk(seed, 200, chain="paper", noise=False, random_state=0)
metro, rate = model.metropolis_walk(seed, 200, noise=False, random_state=0)
print("trajectory shape (n_steps + 1, n_chains, n_features):", paper.shape)
print(f"Metropolis acceptance rate: {rate:.2f}")

# %%
# Bursts
# ------
# ``burst(x, n)`` draws ``n`` single steps from x. With ``step_scale=1`` they cover a short
# arc around x, the size the model was trained for (the paper's α sets it at training time);
# ``step_scale=3`` triples the latent standard deviation. Larger steps mix faster but reach
# regions where the decoder is less accurate.
x1 = X[500]
bursts = {s: model.burst(x1, 300, step_scale=s, noise=False, random_state=0) for s in (1.0, 3.0)}

fig = plt.figure(figsize=(13, 4.6))
panels = [("chain='paper' (Algorithm 2)", paper), ("chain='metropolis'", metro)]
for i, (title, traj) in enumerate(panels):
    ax = fig.add_subplot(1, 3, i + 1, projection="3d")
    ax.scatter(*X.T, s=1, c="0.8")
    for c in range(traj.shape[1]):
        ax.plot(*traj[:, c].T, lw=0.8, marker=".", ms=2)
    ax.scatter(*X[0], c="k", s=40, marker="*", zorder=5)
    ax.set_title(f"{title}: 4 chains x 200 steps", fontsize=10)
ax = fig.add_subplot(1, 3, 3, projection="3d", computed_zorder=False)
ax.scatter(*X.T, s=1, c="0.8")
for s, colour in zip((3.0, 1.0), ("C3", "C0")):
    ax.scatter(*bursts[s].T, s=3, c=colour, label=f"step_scale={s:g}")
ax.scatter(*x1, c="k", s=40, marker="*")
ax.set_title("bursts: 300 single steps from ★", fontsize=10)
ax.legend(loc="upper left", fontsize=8)
fig.tight_layout()
plt.show()

# %%
# Where the chains go
# -------------------
# The arc length of each state (unwrapped, relative to the seed) shows the walks as a 1-D
# diffusion along the curve; the distance to the true curve shows that they stay on it.
# Algorithm 2's chains re-encode their own decoded output, so small decoder errors feed back
# into the next step; the Metropolis chain moves in diffusion coordinates and only decodes
# for output.
length = loop.length


def unwrapped_arc(traj):
    s = loop.parameters(traj.reshape(-1, 3))[:, 0].reshape(traj.shape[:2])
    return np.unwrap(s - s[0], period=length, axis=0)


fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
for ax, (title, traj) in zip(axes[:2], panels):
    ax.plot(unwrapped_arc(traj), lw=1)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("step")
axes[0].set_ylabel("arc length from the seed")
for title, traj in panels:
    dist = loop.distance(traj[1:].reshape(-1, 3)).reshape(traj[1:].shape[:2])
    axes[2].plot(np.arange(1, traj.shape[0]), np.median(dist, axis=1), label=title)
axes[2].set_xlabel("step")
axes[2].set_ylabel("median distance to the true loop")
axes[2].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
# Spread of a burst grows with ``step_scale``: the standard deviation of the bursts' arc
# length around the seed.
for s, pts in bursts.items():
    arc = np.unwrap(loop.parameters(pts)[:, 0] - loop.parameters(x1[None])[0, 0], period=length)
    arc = (arc + length / 2) % length - length / 2
    print(f"step_scale={s:g}: arc-length sd {arc.std():.3f} (loop length {length:.2f})")
