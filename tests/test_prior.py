"""The diffusion-map prior against theory: graph, exact diffusion maps, automatic D, SpectralNet.

On the circle, sphere and flat torus the first non-trivial eigenspace of the Laplace–Beltrami
operator is spanned by the centred ambient coordinates, with multiplicity 2, 3 and 4.
"""


import numpy as np
import pytest
import scipy.sparse as sp
from scipy.linalg import subspace_angles
from sklearn.neighbors import KNeighborsRegressor

from vdae import DiffusionMap, SpectralNet
from vdae.datasets import make_circle, make_clusters, make_sphere, make_strip, make_torus
from vdae.exceptions import DisconnectedGraphWarning
from vdae.graph.diffusion import markov_normalize
from vdae.graph.affinity import build_affinity_graph
from vdae.graph.knn import nearest_neighbors


def max_sine(A, B):
    """Largest principal-angle sine between the column spans of A and B."""
    return float(np.sin(subspace_angles(A - A.mean(0), B - B.mean(0))).max())


# ----------------------------------------------------------------------------- graph
def test_affinity_is_symmetric_sparse_with_unit_diagonal():
    X = make_circle(500, random_state=0).X
    g = build_affinity_graph(X, 10)
    K = g.K
    assert sp.issparse(K) and K.nnz <= 2 * 10 * 500 + 500
    assert abs(K - K.T).max() < 1e-12
    np.testing.assert_allclose(K.diagonal(), 1.0)
    assert K.data.min() > 0 and K.data.max() <= 1.0


def test_markov_rows_sum_to_one_and_alpha_normalisation():
    X = make_circle(400, random_state=1).X
    K = build_affinity_graph(X, 10).K
    K_a, d, q = markov_normalize(K, 1.0)
    M = sp.diags(1 / d) @ K_a
    np.testing.assert_allclose(np.asarray(M.sum(1)).ravel(), 1.0, atol=1e-12)
    np.testing.assert_allclose(q, np.asarray(K.sum(1)).ravel())
    dense = K.toarray() / np.outer(q, q)
    np.testing.assert_allclose(K_a.toarray(), dense, rtol=1e-12)


def test_approximate_neighbours_agree_with_exact():
    X = np.random.default_rng(0).normal(size=(3000, 8)).astype(np.float32)
    ind_e, dist_e, _ = nearest_neighbors(X, 10, method="exact")
    ind_a, dist_a, _ = nearest_neighbors(X, 10, method="approximate", random_state=0)
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(ind_a, ind_e)])
    assert recall >= 0.95
    assert not np.any(ind_a == np.arange(3000)[:, None])  # self excluded



def test_auto_search_is_exact_on_large_low_dimensional_data():
    """Above 20 000 points, a 2-D surface in R^3 keeps the exact k-d tree (no NN-descent):
    the neighbours are those of the exact search, and the index answers queries exactly."""
    from vdae.graph.knn import EXACT_THRESHOLD, TreeSearch, auto_method

    X = make_torus(EXACT_THRESHOLD + 5000, random_state=0).X
    method, tree = auto_method(X, 10)
    assert method == "exact" and isinstance(tree, TreeSearch)
    ind, dist, index = nearest_neighbors(X, 10)
    assert index.method == "exact"
    rows = np.arange(0, len(X), 97)
    d = np.linalg.norm(X[rows, None, :] - X[None, :, :], axis=2)
    d[np.arange(len(rows)), rows] = np.inf
    np.testing.assert_allclose(dist[rows], np.sort(d, axis=1)[:, :10], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape", [(20_000, 3), (25_000, 10), (25_000, 17)])
def test_auto_search_goes_approximate_only_for_large_high_dimensional_data(shape):
    """Up to 20 000 points: exact without a probe; a full-rank 10-D cloud (intrinsic dimension
    above 4) and anything wider than 16 features: NN-descent."""
    from vdae.graph.knn import auto_method

    X = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    method, tree = auto_method(X, 10)
    assert (method, tree) == (("exact", None) if shape[0] <= 20_000 else ("approximate", None))


# ----------------------------------------------------------------- exact diffusion map
@pytest.mark.parametrize("name", ["circle", "sphere", "flat_torus"])
def test_exact_map_recovers_first_eigenspace(name, manifold_data, exact_maps):
    X, X_test, D = manifold_data[name]
    dm = exact_maps[name]
    gaps = 1 - dm.eigenvalues_
    # multiplicity D: the first D Laplacian eigenvalues agree, the (D+1)-th is clearly larger
    assert gaps[D - 1] / gaps[0] < 1.25
    assert gaps[D] / gaps[D - 1] > 1.5  # theory: 4, 3, 2 (next Laplace–Beltrami eigenvalue)
    assert max_sine(dm.embedding_[:, :D], X) <= 0.15
    assert max_sine(dm.transform(X_test)[:, :D], X_test) <= 0.15  # Nyström on held-out points


def test_eigenvectors_are_pi_orthonormal_and_nontrivial(manifold_data, exact_maps):
    dm = exact_maps["sphere"]
    F, pi = dm.eigenvectors_, dm.stationary_
    np.testing.assert_allclose(F.T @ (pi[:, None] * F), np.eye(F.shape[1]), atol=1e-8)
    np.testing.assert_allclose(pi @ F, 0.0, atol=1e-8)
    lam = dm.eigenvalues_
    assert np.all(np.diff(lam) <= 1e-12) and lam[0] < 1


def test_nystrom_reproduces_training_points(manifold_data, exact_maps):
    X, _, _ = manifold_data["circle"]
    dm = exact_maps["circle"]
    err = np.abs(dm.transform(X[:200]) - dm.embedding_[:200]).max()
    assert err < 0.05 * np.abs(dm.embedding_).max()


def test_deterministic_signs_and_repeatability():
    X = make_circle(800, random_state=3).X
    a = DiffusionMap(3).fit_transform(X)
    b = DiffusionMap(3).fit_transform(X)
    np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------------- automatic D
def _recoverable(Z, params, k=10):
    """Held-out R² of predicting each intrinsic coordinate from Z by kNN regression."""
    n = len(Z) // 2
    reg = KNeighborsRegressor(k).fit(Z[:n], params[:n])
    resid = ((reg.predict(Z[n:]) - params[n:]) ** 2).sum(0)
    return 1 - resid / ((params[n:] - params[n:].mean(0)) ** 2).sum(0)


def test_automatic_dimension_on_torus_includes_tube_angle():
    data = make_torus(2000, random_state=4)
    dm = DiffusionMap(n_neighbors=15).fit(data.X)
    assert dm.n_components_ >= 6
    u, v = data.params[:, 0], data.params[:, 1]
    circ = np.c_[np.cos(u), np.sin(u), np.cos(v), np.sin(v)]
    assert _recoverable(dm.embedding_, circ).min() > 0.9
    assert _recoverable(dm.embedding_[:, :4], circ).min() < 0.5  # D = 4 collapses the tube


def test_automatic_dimension_on_long_strip():
    data = make_strip(2000, length=4.0, random_state=5)
    dm = DiffusionMap(n_neighbors=15).fit(data.X)
    D = dm.n_components_
    assert 3 <= D <= 6
    np.testing.assert_array_equal(dm.components_, np.arange(1, D + 1))
    assert _recoverable(dm.embedding_, data.X).min() > 0.9
    assert _recoverable(dm.embedding_[:, : D - 1], data.X).min() < 0.5  # the short side is new


def test_fold_fraction_flags_a_projection_of_the_sphere_and_not_the_sphere():
    from vdae.graph.selection import fold_fraction

    X = make_sphere(2000, random_state=8).X
    assert fold_fraction(X, X) == 0.0
    # the projection to the (x, y) plane lays the upper hemisphere on the lower one. A point's
    # nearest projected neighbour is from the other side half the time, and that is a fold when
    # 2|z| > 6 r_10 ≈ 0.84 (r_10 ≈ 0.14 on 2000 points): |z| > 0.42, 58% of the sphere → ≈ 0.29
    assert 0.2 < fold_fraction(X, X[:, :2]) < 0.4
    rot = np.linalg.qr(np.random.default_rng(0).standard_normal((3, 3)))[0]
    assert fold_fraction(X, 5.0 * X @ rot) == 0.0  # rigid motions and scalings are one-to-one


def test_too_few_coordinates_are_extended_until_the_embedding_is_one_to_one():
    from vdae.graph.selection import extend_until_one_to_one, fold_fraction

    X = make_sphere(2000, random_state=9).X
    dm = DiffusionMap(n_components=6, random_state=0).fit(X)
    Z = dm.eigenvectors_ * dm.all_eigenvalues_
    assert fold_fraction(X, Z[:, :2]) > 0.1  # a closed surface folds in two coordinates
    assert extend_until_one_to_one(X, Z, 2) == 3
    assert extend_until_one_to_one(X, Z, 4) == 4  # never fewer than asked


def test_selection_falls_back_to_whitney_when_it_finds_fewer_coordinates_than_dimensions():
    from vdae.graph.selection import select_components

    # Frey faces' residuals (split 0): two new directions after ψ_1, then only harmonics
    r = np.array([1.0, 0.81, 0.59] + [0.07] * 17)
    assert select_components(r, 1.0) == 3  # a curve: three coordinates are plenty
    assert select_components(r, 3.4) == 3  # round(d̂) = 3 coordinates found: kept
    assert select_components(r, 5.6) == 12  # fewer than d̂ = 5.6: ⌈2 d̂⌉ (Whitney)
    assert select_components(r, 12.1) == 20  # capped at the candidates
    assert select_components(np.r_[1.0, 0.05, r[1:]], 5.6, n_forced=1) == 13  # after indicators


@pytest.mark.parametrize("n", [16, 20, 50])
def test_automatic_dimension_on_a_few_points_of_a_circle(n):
    # the later local linear fits would extrapolate (residuals > 1) and read as new directions
    X = make_circle(n, random_state=1).X
    assert DiffusionMap(n_neighbors=min(15, n - 1), random_state=0).fit(X).n_components_ == 2


def test_residual_of_a_coordinate_on_constant_earlier_ones_is_one_not_nan():
    from vdae.graph.selection import _loo_residual

    P = np.repeat(np.array([[0.0], [1.0]]), 50, axis=0)  # an indicator: two repeated values
    y = np.random.default_rng(0).standard_normal(100)
    r = _loo_residual(P, y)
    assert np.isfinite(r) and r > 0.9  # y varies within each group: a new direction
    assert _loo_residual(np.zeros((100, 1)), y) == 1.0


@pytest.mark.parametrize("make, D", [(make_circle, 2)])
def test_automatic_dimension_small_cases(make, D):
    assert DiffusionMap().fit(make(1500, random_state=6).X).n_components_ == D


# ---------------------------------------------------------------------- clustered data
def test_two_disjoint_circles_are_two_components_and_separated():
    data = make_clusters(1000, n_clusters=2, random_state=7)
    with pytest.warns(DisconnectedGraphWarning, match="2 connected components"):
        dm = DiffusionMap(3).fit(data.X)
    assert dm.n_graph_components_ == 2
    first = dm.embedding_[:, 0]
    assert dm.eigenvalues_[0] == pytest.approx(1.0)
    a, b = first[data.y == 0], first[data.y == 1]
    assert np.ptp(a) < 1e-8 and np.ptp(b) < 1e-8 and abs(a[0] - b[0]) > 0.5


# --------------------------------------------------------------------------- SpectralNet
@pytest.mark.parametrize("name", ["circle", "sphere", "flat_torus"])
def test_spectralnet_matches_theory_on_held_out_points(name, manifold_data, spectral_nets,
                                                       exact_maps):
    X, X_test, D = manifold_data[name]
    sn = spectral_nets[name]
    assert max_sine(sn.transform(X_test), X_test) <= 0.2
    exact_gap = 1 - exact_maps[name].eigenvalues_[:D]
    np.testing.assert_allclose(1 - sn.eigenvalues_, exact_gap, rtol=0.10)


def test_spectralnet_outputs_are_pi_orthonormal(manifold_data, spectral_nets, exact_maps):
    X, _, D = manifold_data["sphere"]
    pi = exact_maps["sphere"].stationary_
    F = spectral_nets["sphere"].transform(X) / spectral_nets["sphere"].eigenvalues_
    np.testing.assert_allclose(F.T @ (pi[:, None] * F), np.eye(D), atol=2e-3)


def test_spectralnet_same_seed_same_output():
    X = make_circle(300, random_state=8).X
    kw = dict(n_neighbors=10, epochs=20, hidden=(32, 32), random_state=3, verbose=0)
    a = SpectralNet(2, **kw).fit(X).transform(X)
    b = SpectralNet(2, **kw).fit(X).transform(X)
    np.testing.assert_array_equal(a, b)
    c = SpectralNet(2, **{**kw, "random_state": 4}).fit(X).transform(X)
    assert not np.array_equal(a, c)


# --------------------------------------------------------------------------- bad input
BAD_INPUTS = [
    (np.array([[0.0, np.nan], [1, 2], [3, 4]] * 10), ValueError, "NaN"),
    (np.array([[0.0, np.inf], [1, 2], [3, 4]] * 10), ValueError, "infinity"),
    (np.array([["a", "b"]] * 30), TypeError, "real numbers"),
    (np.arange(30.0), ValueError, "2-D"),
    (np.random.default_rng(0).normal(size=(10, 2)), ValueError, "n_neighbors"),
    (np.ones((50, 3)), ValueError, "identical"),
]


@pytest.mark.parametrize("Estimator", [DiffusionMap, SpectralNet])
@pytest.mark.parametrize("X, err, msg", BAD_INPUTS)
def test_bad_input_is_refused_with_named_argument(Estimator, X, err, msg):
    with pytest.raises(err, match=msg) as info:
        Estimator(2, n_neighbors=15).fit(X)
    assert "X" in str(info.value)


@pytest.mark.parametrize("param, value, err", [
    ("n_neighbors", 0, ValueError), ("n_neighbors", 2.5, TypeError), ("alpha", 1.5, ValueError),
    ("bandwidth", "huge", ValueError), ("n_components", -1, ValueError),
])
def test_bad_parameters_are_refused(param, value, err):
    X = make_circle(100, random_state=0).X
    with pytest.raises(err, match=param):
        DiffusionMap(**{param: value}).fit(X)


def test_transform_checks_feature_count(exact_maps):
    with pytest.raises(ValueError, match="features"):
        exact_maps["circle"].transform(np.zeros((3, 5)))


def test_nystrom_tree_search_gives_the_same_coordinates(monkeypatch):
    """Up to KD_TREE_MAX_FEATURES features the Nyström extension finds its neighbours with
    scipy's k-d tree; the coordinates equal those of scikit-learn's search (training points,
    which find themselves at distance 0, included)."""
    import vdae.graph.knn as knn

    X, Y = make_torus(600, random_state=0).X, make_torus(400, random_state=1).X
    dm = DiffusionMap(4, n_neighbors=10).fit(X)
    queries = np.r_[Y, X[:100]]
    tree = dm.transform(queries)
    monkeypatch.setattr(knn, "KD_TREE_MAX_FEATURES", 0)
    dm.nystrom_encoder_._index = None
    np.testing.assert_allclose(dm.transform(queries), tree, rtol=0, atol=1e-6)


@pytest.mark.parametrize("clusters", [1, 2])
def test_multigrid_solver_gives_the_shift_invert_eigenpairs(clusters):
    """The "amg" solver (LOBPCG with an algebraic-multigrid preconditioner, what "auto" picks
    for large low-dimensional manifolds) finds the eigenpairs of shift-invert ARPACK: subspace
    angles < 2e-3 rad, eigenvalues to 1e-4 of the gap 1 − λ; with two components the
    component contrast comes first with eigenvalue 1, as for every solver."""
    from vdae.graph.diffusion import diffusion_eigenpairs

    X = make_strip(6000, length=3.3, random_state=0).X  # simple eigenvalues (no symmetry)
    if clusters == 2:
        X = np.concatenate([X[::2], X[1::2] + np.array([10.0, 0.0])])
    g = build_affinity_graph(X, 15, random_state=0)
    K, degree, _ = markov_normalize(g.K, 1.0)
    labels = g.labels if g.n_components > 1 else None
    assert g.n_components == clusters
    out = {s: diffusion_eigenpairs(K, degree, 4, labels=labels, solver=s, random_state=0)
           for s in ("amg", "shift_invert")}
    (lam_a, V_a), (lam_s, V_s) = out["amg"], out["shift_invert"]
    np.testing.assert_allclose(1 - lam_a, 1 - lam_s, rtol=1e-4, atol=1e-12)
    pi = degree / degree.sum()
    w = np.sqrt(pi)[:, None]
    assert np.max(subspace_angles(w * V_a, w * V_s)) < 2e-3
    assert np.abs(np.sum(pi[:, None] * V_a * V_s, axis=0)).min() > 0.999  # same vectors, signs
    if clusters == 2:
        assert lam_a[0] == 1.0


def test_multigrid_map_chooses_d_on_a_subsample_and_matches_shift_invert():
    """With eigen_solver="amg" (auto's choice for large low-dimensional manifolds) and
    n_components=None, D comes from the exact map of a 3 000-point subsample and only D
    eigenpairs of the whole graph are computed: on a 3.3 × 1 strip D = 4 (the across-strip
    coordinate is the 4th eigenvector, after two harmonics of the along-strip one), as the
    whole-graph selection finds, with the coordinates of shift-invert at D = 4."""
    X = make_strip(6000, length=3.3, random_state=1).X
    dm = DiffusionMap(eigen_solver="amg", random_state=0).fit(X)
    assert dm.selection_ is not None and dm.selection_.n_features_in_ == 2
    assert dm.n_components_ == 4 and dm.eigenvectors_.shape == (6000, 4)
    assert dm.residuals_ is None
    whole = DiffusionMap(eigen_solver="arpack").fit(X)
    assert whole.selection_ is None and whole.n_components_ == 4
    ref = DiffusionMap(4, eigen_solver="shift_invert", random_state=0).fit(X)
    np.testing.assert_allclose(dm.eigenvalues_, ref.eigenvalues_, rtol=0, atol=1e-7)
    assert np.max(subspace_angles(dm.embedding_, ref.embedding_)) < 2e-3
