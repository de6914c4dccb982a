"""VDAE.interpolate (paths along the manifold) and VDAE.score_samples (the anomaly score):
their promises on manifolds with a known geometry, their building blocks, files, the command
line, and clear errors."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.sparse.csgraph import dijkstra
from sklearn.metrics import roc_auc_score

from vdae import VDAE
from vdae.cli import main
from vdae.datasets import data_dir, make_clusters, make_sphere, make_torus
from vdae.exceptions import NotFittedError
from vdae.metrics import manifold_distance
from vdae.models.vdae.interpolation import (
    arc_length, graph_path, latent_path, resample_by_arc_length, seed_graph, smooth_path,
)

pytestmark = pytest.mark.usefixtures("one_thread")

FIT = dict(prior="exact", epochs=100, decoder_hidden=(256, 256, 256), covariance_hidden=(64,),
           random_state=0, verbose=0)


@pytest.fixture(scope="module")
def fitted():
    """name → (data set, VDAE) on 1200 points of the unit sphere and of the (2, 1) torus."""
    out = {}
    for name, make in (("sphere", make_sphere), ("torus", make_torus)):
        data = make(1200, random_state=0)
        out[name] = data, VDAE(**FIT).fit(data.X)
    return out


# ------------------------------------------------------------------ true geodesics
def _polyline_length(P):
    return float(np.linalg.norm(np.diff(P, axis=0), axis=1).sum())


def torus_geodesic(torus, p, q, n_u=240, n_v=120, n_path=80):
    """Length of the shortest path between parameters p and q on the torus: Dijkstra on a fine
    (u, v) grid with a wide stencil (metric error ≈ 1%), then the path's interior points are
    moved (L-BFGS) to minimise its length in R³."""
    du, dv = 2 * np.pi / n_u, 2 * np.pi / n_v
    iu, iv = np.meshgrid(np.arange(n_u), np.arange(n_v), indexing="ij")
    iu, iv = iu.ravel(), iv.ravel()
    pts = torus.embed(np.c_[iu * du, iv * dv])
    offsets = [(a, b) for a in range(-3, 4) for b in range(-3, 4)
               if (a, b) != (0, 0) and np.gcd(a, b) == 1]
    rows, cols = [], []
    for a, b in offsets:
        rows.append(iu * n_v + iv)
        cols.append(((iu + a) % n_u) * n_v + (iv + b) % n_v)
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    W = sp.csr_matrix((np.linalg.norm(pts[rows] - pts[cols], axis=1), (rows, cols)),
                      shape=(len(pts),) * 2)
    src = int(round(p[0] / du)) % n_u * n_v + int(round(p[1] / dv)) % n_v
    dst = int(round(q[0] / du)) % n_u * n_v + int(round(q[1] / dv)) % n_v
    _, pred = dijkstra(W, indices=src, return_predecessors=True)
    nodes = [dst]
    while nodes[-1] != src:
        nodes.append(pred[nodes[-1]])
    params = np.unwrap(np.c_[iu, iv][nodes[::-1]] * [du, dv], axis=0)
    params[0], params[-1] = p, p + np.angle(np.exp(1j * (np.asarray(q) - p)))  # exact ends
    params = np.unwrap(params, axis=0)
    params = resample_by_arc_length(params, n_path)

    def length(interior):
        P = np.vstack([params[:1], interior.reshape(-1, 2), params[-1:]])
        return _polyline_length(torus.embed(P))

    return minimize(length, params[1:-1].ravel(), method="L-BFGS-B").fun


def sphere_geodesic(a, b):
    return float(np.arccos(np.clip(a @ b, -1, 1)))


def _pairs(name, data):
    """Endpoints whose chord cuts through the inside (sphere: through the ball; torus: through
    the hole, and through the tube), with the true geodesic distance."""
    man = data.manifold
    if name == "sphere":
        th = np.deg2rad(150)
        pairs = [(np.array([1.0, 0, 0]), np.array([np.cos(th), np.sin(th), 0.0])),
                 (np.array([0, 0, 1.0]), np.array([np.sin(2.2), 0, np.cos(2.2)]))]
        return [(a, b, sphere_geodesic(a, b)) for a, b in pairs]
    params = [((0.0, 0.0), (0.9 * np.pi, 0.0)), ((0.0, 0.0), (0.0, np.pi))]
    return [(man.embed([p])[0], man.embed([q])[0], torus_geodesic(man, np.array(p), np.array(q)))
            for p, q in params]


def test_torus_geodesic_helper_is_exact_on_known_cases():
    torus = make_torus(10, random_state=0).manifold
    # half the outer equator and half a tube circle are geodesics of known length
    assert torus_geodesic(torus, np.array([0.0, 0.0]), np.array([0.0, np.pi])) \
        == pytest.approx(np.pi, rel=2e-3)
    short = torus_geodesic(torus, np.array([0.0, 0.0]), np.array([0.3, 0.0]))
    assert short == pytest.approx(3 * 0.3, rel=2e-3)


# ---------------------------------------------------------------------- interpolate
@pytest.mark.parametrize("name", ["sphere", "torus"])
def test_path_stays_on_the_manifold_where_the_chord_cuts_through(fitted, name):
    data, model = fitted[name]
    man = data.manifold
    for a, b, geodesic in _pairs(name, data):
        path = model.interpolate(a, b, 50)
        assert path.shape == (50, 3)
        assert manifold_distance(path, man).max <= 0.02
        chord = a + np.linspace(0, 1, 50)[:, None] * (b - a)
        assert manifold_distance(chord, man).max > 0.10  # the straight line leaves the data
        assert _polyline_length(path) == pytest.approx(geodesic, rel=0.10)
        # ends: the round trips ψ_θ⁻¹(ψ(a)), ψ_θ⁻¹(ψ(b)) (the decoder's error is mostly along
        # the manifold: a few % of its diameter after this short fit)
        np.testing.assert_allclose(path[[0, -1]], model.inverse_transform(model.transform([a, b])),
                                   atol=1e-5)
        assert np.linalg.norm(path[[0, -1]] - [a, b], axis=1).max() <= 0.05 * man.diameter
        # equally spaced by arc length in diffusion coordinates
        hops = np.diff(arc_length(model.transform(path).astype(np.float64)))
        assert hops.std() <= 0.5 * hops.mean()


def test_path_survives_save_and_load(fitted, tmp_path):
    data, model = fitted["torus"]
    model.save(tmp_path / "m.vdae")
    loaded = VDAE.load(tmp_path / "m.vdae")
    a, b = data.X[0], data.X[1]
    np.testing.assert_allclose(loaded.interpolate(a, b, 12), model.interpolate(a, b, 12),
                               atol=1e-5)
    np.testing.assert_allclose(loaded.score_samples(data.X[:50]), model.score_samples(data.X[:50]),
                               rtol=1e-4, atol=1e-3)


@pytest.mark.filterwarnings("ignore::vdae.exceptions.DisconnectedGraphWarning")
def test_paths_do_not_cross_components():
    data = make_clusters(300, random_state=0)
    model = VDAE(prior="exact", epochs=2, random_state=0, verbose=0).fit(data.X)
    left, right = data.X[data.X[:, 0] < 0], data.X[data.X[:, 0] > 0]
    with pytest.raises(ValueError, match="b lies in another component"):
        model.interpolate(left[0], right[0], 5)
    path = model.interpolate(left[0], left[1], 5)  # within a component: fine
    assert path.shape == (5, 2) and np.all(path[:, 0] < 0)


# ----------------------------------------------------------------- building blocks
def test_graph_path_on_a_hand_made_graph():
    # 0 - 1 - 2 - 3 (unit edges) and a long edge 0 - 3 of length 5; 4 is isolated
    W = sp.lil_matrix((5, 5))
    for i, j, w in [(0, 1, 1), (1, 2, 1), (2, 3, 1), (0, 3, 5)]:
        W[i, j] = W[j, i] = w
    np.testing.assert_array_equal(graph_path(W.tocsr(), 0, 3), [0, 1, 2, 3])
    assert graph_path(W.tocsr(), 0, 4) is None


def test_seed_graph_is_symmetric_with_euclidean_lengths():
    X = np.random.default_rng(0).normal(size=(40, 3))
    W = seed_graph(X, 4)
    assert abs(W - W.T).max() == 0
    i, j = W.nonzero()
    np.testing.assert_allclose(W[i, j].A1, np.linalg.norm(X[i] - X[j], axis=1), rtol=1e-5)
    assert (W.getnnz(axis=1) >= 4).all()


def test_resampling_and_smoothing():
    P = np.array([[0.0, 0], [1, 0], [1, 3]])  # length 4
    R = resample_by_arc_length(P, 5)
    np.testing.assert_allclose(R, [[0, 0], [1, 0], [1, 1], [1, 2], [1, 3]], atol=1e-12)
    # a zigzag about a straight line: smoothing keeps the ends and removes most of the detour
    t = np.linspace(0, 1, 201)
    zig = np.c_[t, 0.02 * (-1) ** np.arange(201)]
    zig[0, 1] = zig[-1, 1] = 0
    S = smooth_path(resample_by_arc_length(zig, 801), 8)
    np.testing.assert_array_equal(S[[0, -1]], [[0, 0], [1, 0]])
    assert _polyline_length(zig) > 4 and _polyline_length(S) < 1.05
    Z = latent_path(zig, 7)
    assert Z.shape == (7, 2) and np.allclose(Z[[0, -1]], [[0, 0], [1, 0]])
    np.testing.assert_allclose(np.diff(arc_length(Z)), _polyline_length(Z) / 6, rtol=1e-3)


# ---------------------------------------------------------------------- score_samples
def test_score_separates_points_off_the_sphere(fitted):
    data, model = fitted["sphere"]
    X = make_sphere(2000, random_state=5).X
    off = X * np.where(np.arange(2000) % 2 == 0, 1.05, 0.95)[:, None]  # 5% of the radius
    s_on, s_off = model.score_samples(X), model.score_samples(off)
    assert s_on.shape == (2000,) and s_on.dtype == np.float32
    auroc = roc_auc_score(np.r_[np.ones(2000), np.zeros(2000)], np.r_[s_on, s_off])
    assert auroc >= 0.95, auroc
    # farther off scores lower still
    assert np.median(model.score_samples(X * 1.2)) < np.median(s_off) < np.median(s_on)


@pytest.mark.slow
@pytest.mark.skipif(not (data_dir() / "mnist").is_dir(), reason="MNIST data absent")
def test_score_separates_mnist_digits_from_permuted_ones():
    from vdae.datasets import load_mnist

    train = load_mnist("train", n_samples=3000, random_state=0).X
    test = load_mnist("test", n_samples=1000, random_state=1).X
    model = VDAE(prior="exact", epochs=30, random_state=0, verbose=0).fit(train)
    rng = np.random.default_rng(0)
    bad = test.copy()
    for row in bad:  # permute 30% of the pixels among themselves
        idx = rng.choice(784, int(0.3 * 784), replace=False)
        row[idx] = row[rng.permutation(idx)]
    auroc = roc_auc_score(np.r_[np.ones(1000), np.zeros(1000)],
                          np.r_[model.score_samples(test), model.score_samples(bad)])
    assert auroc >= 0.95, auroc


# -------------------------------------------------------------------------- the CLI
def test_cli_interpolate(fitted, tmp_path, capsys):
    data, model = fitted["sphere"]
    model.save(tmp_path / "m.vdae")
    out = tmp_path / "p.npy"
    assert main(["interpolate", str(tmp_path / "m.vdae"), "--indices", "0", "5", "-n", "7",
                 "-o", str(out)]) == 0
    np.testing.assert_allclose(np.load(out), model.interpolate(model.seeds_[0], model.seeds_[5], 7),
                               atol=1e-5)
    np.save(tmp_path / "ends.npy", data.X[:2])
    assert main(["interpolate", str(tmp_path / "m.vdae"), "--points", str(tmp_path / "ends.npy"),
                 "-o", str(out)]) == 0
    assert np.load(out).shape == (10, 3)
    capsys.readouterr()
    for argv, msg in [(["--indices", "0", "99999"], "--indices"), (["-n", "1"], "-n"),
                      (["--points", str(tmp_path / "p.npy")], "2 rows")]:
        assert main(["interpolate", str(tmp_path / "m.vdae"), *argv, "-o", str(out)]) == 2
        err = capsys.readouterr().err.strip()
        assert msg in err and len(err.splitlines()) == 1


# ----------------------------------------------------------------------- bad input
def test_not_fitted():
    model = VDAE()
    with pytest.raises(NotFittedError):
        model.interpolate([0, 0, 1], [1, 0, 0], 5)
    with pytest.raises(NotFittedError):
        model.score_samples([[0, 0, 1]])


@pytest.mark.parametrize("kwargs, err, msg", [
    (dict(a=[np.nan, 0, 1]), ValueError, "a contains NaN"),
    (dict(b=[0, np.inf, 1]), ValueError, "b contains infinity"),
    (dict(a=[0, 1]), ValueError, "a has 2 features"),
    (dict(b=[[0, 0, 1], [1, 0, 0]]), ValueError, "b must be a single point"),
    (dict(a=np.zeros((1, 1, 3))), ValueError, "a must be 2-D"),
    (dict(a="north pole"), TypeError, "a must be"),
    (dict(n_points=1), ValueError, "n_points must be >= 2"),
    (dict(n_points=2.5), TypeError, "n_points must be an int"),
    (dict(n_points=True), TypeError, "n_points must be an int"),
    (dict(smoothing=-1.0), ValueError, "smoothing must be >= 0"),
    (dict(smoothing="wide"), TypeError, "smoothing must be a real number"),
])
def test_interpolate_bad_input(fitted, kwargs, err, msg):
    model = fitted["sphere"][1]
    args = dict(a=[0, 0, 1.0], b=[1.0, 0, 0], n_points=5) | kwargs
    smoothing = args.pop("smoothing", 1.0)
    with pytest.raises(err, match=msg):
        model.interpolate(args["a"], args["b"], args["n_points"], smoothing=smoothing)


@pytest.mark.parametrize("X, err, msg", [
    ([[np.nan, 0, 1]], ValueError, "X contains NaN"),
    ([[0, 1]], ValueError, "X has 2 features"),
    ([0, 0, 1], ValueError, "X must be 2-D"),
    (np.zeros((0, 3)), ValueError, "X has 0 sample"),
    ("points", TypeError, "X must be"),
])
def test_score_samples_bad_input(fitted, X, err, msg):
    with pytest.raises(err, match=msg):
        fitted["sphere"][1].score_samples(X)


@pytest.mark.parametrize("m", [3, 40])
def test_output_law_in_either_space_is_the_gaussian_log_density(m):
    """dᵀ(AᵀA + τI)⁻¹d and log det(AᵀA + τI) of the score's output law, in the m × m space
    (m ≤ K) and through the K × K Woodbury form (m > K), against the dense float64 matrices."""
    import torch

    from vdae.models.vdae.anomaly import _quad_logdet

    g = torch.Generator().manual_seed(0)
    b, K, tau = 50, 16, 0.03
    A = torch.randn(b, K, m, generator=g, dtype=torch.float64) * 0.2
    d = torch.randn(b, m, generator=g, dtype=torch.float64)
    quad, logdet = _quad_logdet(A, d, tau)
    C = A.transpose(1, 2) @ A + tau * torch.eye(m, dtype=torch.float64)
    torch.testing.assert_close(quad, (d[:, None] @ torch.linalg.solve(C, d[:, :, None]))[:, 0, 0])
    torch.testing.assert_close(logdet, torch.linalg.slogdet(C)[1])
