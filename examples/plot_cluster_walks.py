"""
Clustered data: walks stay in their seed's cluster
==================================================

When the data fall into separate clusters, the k-nearest-neighbour graph has several connected
components. A diffusion process cannot cross between components, and neither can the VDAE's
random walks: a chain started in one cluster generates only points of that cluster. This gives
**cluster-conditional sampling** for free — seed the chains with points of the cluster you want.

The library warns when the graph is disconnected (:class:`vdae.exceptions.DisconnectedGraphWarning`)
and handles it: each component gets its own indicator coordinate in ψ, the walks' target law is
kept per component, and :meth:`vdae.VDAE.sample` stratifies its seeds so each cluster keeps its
share of the samples. To join clusters instead, raise ``n_neighbors``.
"""

# %%
# Three separate circles
# ----------------------
# :func:`vdae.datasets.make_clusters` puts equal numbers of points on disjoint circles.
import warnings

import matplotlib.pyplot as plt
import numpy as np

from vdae import VDAE
from vdae.datasets import make_clusters
from vdae.exceptions import DisconnectedGraphWarning

data = make_clusters(900, n_clusters=3, random_state=0)
X, cluster = data.X, data.y

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", DisconnectedGraphWarning)
    model = VDAE(prior="exact", epochs=100, random_state=0, verbose=0).fit(X)
for w in caught:
    if issubclass(w.category, DisconnectedGraphWarning):
        print("warning:", w.message)
print("D =", model.n_components_, "; graph component of each seed:", np.unique(model.seed_labels_))

# %%
# Walks from one seed per cluster
# -------------------------------
# Five chains of 100 steps from one point of each cluster. The cluster of a state is read off
# its x coordinate (the centres are 4 apart on the x axis).
centres = np.array([X[cluster == c].mean(axis=0) for c in range(3)])


def which_cluster(P):
    return np.argmin(((P[..., None, :] - centres) ** 2).sum(-1), axis=-1)


seeds = np.repeat(np.stack([X[np.flatnonzero(cluster == c)[0]] for c in range(3)]), 5, axis=0)
traj = model.random_walk(seeds, 100, chain="metropolis", random_state=0)
stayed = which_cluster(traj[1:]) == which_cluster(seeds)[None, :]
print(f"states in their seed's cluster: {stayed.mean():.3f} of {stayed.size}")

# %%
# ``sample`` draws from all clusters in proportion to their share of the data.
samples = model.sample(900, random_state=0)
print("samples per cluster:", np.bincount(which_cluster(samples), minlength=3))

fig, axes = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
axes[0].scatter(*X.T, s=2, c="0.8")
for c in range(seeds.shape[0]):
    axes[0].plot(*traj[:, c].T, lw=0.7, color=f"C{c // 5}")
axes[0].scatter(*seeds.T, c="k", marker="*", s=60, zorder=5)
axes[0].set_title("chains (colour: seed's cluster) never cross")
axes[1].scatter(*samples.T, s=3, c=which_cluster(samples), cmap="tab10", vmax=9)
axes[1].set_title("sample(900): stratified over clusters")
for ax in axes:
    ax.set_aspect("equal")
fig.tight_layout()
plt.show()
