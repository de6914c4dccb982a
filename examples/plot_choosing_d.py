"""
Choosing the latent dimension D
===============================

The VDAE's latent space is the diffusion map ψ_D = (λ₁f₁, …, λ_D f_D), built from the leading
non-trivial eigenvectors f_k of a Markov matrix on the data's k-nearest-neighbour graph. D must
be large enough for ψ_D to be **one-to-one** on the data: if two distant points share the same
coordinates, the decoder cannot tell them apart.

An eigengap does not answer that question. On a long strip the first eigenvectors are
cos(πx/L), cos(2πx/L), … — all functions of the long coordinate x — and the short direction y
appears only later. :class:`vdae.DiffusionMap` (and :class:`vdae.VDAE` with
``n_components=None``) therefore

1. regresses each eigenvector f_k on the earlier ones by local linear regression; the
   normalised residual r_k is ≈ 0 for a *harmonic* (a function of earlier coordinates) and
   ≈ 1 for a *new direction* (Dsilva et al., 2018);
2. keeps every candidate up to the last one with r_k ≥ ``selection_threshold`` (0.2),
3. falls back to Whitney's bound ⌈2 d̂⌉ if that gives fewer coordinates than the estimated
   intrinsic dimension d̂, and
4. adds coordinates while ψ_D still folds distant points together.

The functions behind each step are in :mod:`vdae.graph.selection`.
"""

# %%
# A strip: harmonics first, the second direction later
# ----------------------------------------------------
# 1 500 points uniform on the rectangle [0, 4] × [0, 1].
import matplotlib.pyplot as plt
import numpy as np

from vdae import DiffusionMap
from vdae.datasets import make_strip, make_torus
from vdae.graph.selection import fold_fraction

strip = make_strip(1500, length=4.0, random_state=0).X
dm = DiffusionMap(random_state=0).fit(strip)
print(f"estimated intrinsic dimension d = {dm.intrinsic_dim_:.2f}")
print(f"chosen D = {dm.n_components_}")
print("residuals r_k:", dm.residuals_.round(2))

# %%
# The first row shows the data coloured by the first six eigenvectors, each titled with its
# residual r_k. f₁, f₂, f₃ vary only along x (f₂ and f₃ are harmonics of f₁: r ≈ 0); the first
# eigenvector that varies along y (f₄) has a large residual. The bar chart shows all
# candidates: D is the last one at or above the threshold, so ψ_D contains every new
# direction. The eigenvalues (line) decay smoothly and show no gap at D.
fig = plt.figure(figsize=(12, 5.5))
grid = fig.add_gridspec(2, 6, height_ratios=[1, 3])
for k in range(6):
    ax = fig.add_subplot(grid[0, k])
    ax.scatter(*strip.T, s=1, c=dm.eigenvectors_[:, k], cmap="coolwarm")
    ax.set_title(f"f{k + 1}: r = {dm.residuals_[k]:.2f}", fontsize=10)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
ax = fig.add_subplot(grid[1, :])
k = np.arange(1, len(dm.residuals_) + 1)
ax.bar(k, dm.residuals_, color=["C0" if r >= 0.2 else "C7" for r in dm.residuals_],
       label="residual r_k (blue: new direction)")
ax.axhline(0.2, color="k", ls="--", lw=1, label="selection_threshold = 0.2")
ax.axvline(dm.n_components_ + 0.5, color="C3", lw=2, label=f"chosen D = {dm.n_components_}")
ax.plot(k, dm.all_eigenvalues_[: len(k)], "o-", color="C2", label="eigenvalue λ_k")
ax.set_xlabel("candidate k")
ax.set_xticks(k)
ax.legend(loc="center right", fontsize=9)
fig.tight_layout()
plt.show()

# %%
# A torus: what goes wrong with too small a D
# -------------------------------------------
# On a torus with radii 2 and 1 the first eigenvectors are cos u, sin u, cos 2u, sin 2u of the
# long angle u; the tube angle v appears only in f₅, f₆. The automatic rule finds D = 6. With
# ``n_components=2`` instead, ψ maps the whole tube at each u to one point: the embedding
# *folds*, as measured by :func:`vdae.graph.selection.fold_fraction` — the fraction of points
# whose nearest neighbour in ψ_D lies more than ``ratio`` local radii away in the data (≈ 0 for
# a one-to-one map). The automatic rule uses ``ratio=6``, a conservative test that flags only
# gross folds (front and back of a closed surface); here the fold spans one tube diameter, so
# we use ``ratio=3``.
torus = make_torus(1500, random_state=0)
auto = DiffusionMap(random_state=0).fit(torus.X)
print(f"torus: chosen D = {auto.n_components_}, residuals {auto.residuals_[:8].round(2)}")
for D in (2, 4, auto.n_components_):
    Z = auto.eigenvectors_[:, :D] * auto.all_eigenvalues_[:D]
    print(f"D = {D}: fold fraction {fold_fraction(torus.X, Z, n_neighbors=5, ratio=3):.3f}")

# %%
# Colouring the points by the tube angle v shows it: in (ψ₁, ψ₂) the colours overlap
# (points with different v share coordinates), while (ψ₅, ψ₆) is a circle in v.
v = torus.params[:, 1]
fig, axes = plt.subplots(1, 2, figsize=(9, 4.2))
for ax, (a, b) in zip(axes, [(0, 1), (4, 5)]):
    ax.scatter(auto.embedding_[:, a], auto.embedding_[:, b], s=2, c=v, cmap="hsv")
    ax.set_xlabel(f"ψ{a + 1}")
    ax.set_ylabel(f"ψ{b + 1}")
    ax.set_aspect("equal")
axes[0].set_title("the first two coordinates lose v")
axes[1].set_title("ψ₅, ψ₆ carry the tube angle v")
fig.tight_layout()
plt.show()

# %%
# When to set D yourself
# ----------------------
# Leave ``n_components=None`` (the default of both :class:`vdae.DiffusionMap` and
# :class:`vdae.VDAE`) unless you have a reason:
#
# * you know the data needs more coordinates (on image sets the residual test tends to
#   under-count; the Whitney fallback then raises D, and a fixed larger D can decode better);
# * you want a fixed latent size to compare runs, or a 2-D latent space to look at.
#
# A larger D costs little in the prior but makes each random-walk step a D-dimensional
# Gaussian; a D that is too small folds the manifold, and the decoder then averages the folded
# parts (blurred images, points off the manifold).
