"""Tests of vdae.datasets: manifold geometry and uniform sampling, generators, loaders, renderer."""

import dataclasses
import gzip

import numpy as np
import pytest
from scipy import stats
from scipy.spatial.distance import pdist

from vdae.datasets import (
    Dataset,
    available_datasets,
    data_dir,
    get_manifold,
    gaussian_grid_centres,
    grid_mode_assignment,
    load_bulldog_standin,
    load_bunny,
    load_bunny_mesh,
    load_coil20,
    load_dataset,
    load_frey,
    load_mnist,
    make_circle,
    make_clusters,
    make_embedded_manifold,
    make_flat_torus,
    make_gaussian_grid,
    make_loop,
    make_sphere,
    make_strip,
    make_torus,
)
from vdae.datasets._readers import read_idx, read_ply
from vdae.datasets.render import render_turntable_with_masks, turntable_background

TWO_PI = 2 * np.pi

GENERATORS = {
    "circle": (make_circle, 2, 1),
    "loop": (make_loop, 3, 1),
    "sphere": (make_sphere, 3, 2),
    "torus": (make_torus, 3, 2),
    "flat_torus": (make_flat_torus, 4, 2),
    "strip": (make_strip, 2, 2),
    "embedded": (make_embedded_manifold, 10, 2),
    "clusters": (make_clusters, 2, 1),
}


def _circular_diff(a, b):
    return np.abs(np.angle(np.exp(1j * (a - b))))


# ------------------------------------------------------------------- generated manifolds
@pytest.mark.parametrize("name", list(GENERATORS))
def test_generated_points_lie_on_their_manifold(name):
    make, m, p = GENERATORS[name]
    ds = make(1500, random_state=0)
    assert ds.X.shape == (1500, m) and ds.X.dtype == np.float32
    assert ds.params.shape == (1500, p) and ds.name == name
    man = ds.manifold
    assert (man.ambient_dim, man.intrinsic_dim) == (m, p)
    assert man.distance(ds.X).max() < 1e-5
    # the recovered intrinsic parameters are the generating ones
    rec = man.parameters(ds.X)
    for j, (lo, hi) in enumerate(man.parameter_ranges):
        assert np.all((rec[:, j] >= lo) & (rec[:, j] <= hi))
        if name in ("loop",):
            gap = np.abs(rec[:, j] - ds.params[:, j])
            err = np.minimum(gap, man.length - gap)  # arc length is periodic
        elif (lo, hi) == (0.0, TWO_PI):
            err = _circular_diff(rec[:, j], ds.params[:, j])
        else:
            err = np.abs(rec[:, j] - ds.params[:, j])
        assert err.max() < 1e-4
    # the projection of on-manifold points is the point itself, and embed inverts parameters
    assert np.abs(man.project(ds.X) - ds.X).max() < 1e-5


def test_embedded_manifold_in_784_dimensions():
    ds = make_embedded_manifold(800, ambient_dim=784, random_state=1)
    assert ds.X.shape == (800, 784) and ds.manifold.intrinsic_dim == 2
    assert ds.manifold.distance(ds.X).max() < 1e-5
    # the embedding is fixed (constant seed): same frame whatever the sample seed
    again = make_embedded_manifold(5, ambient_dim=784, random_state=2).manifold
    np.testing.assert_array_equal(again.frame, ds.manifold.frame)
    # the map into R^784 is an isometry: pairwise distances equal those of the 3-D sheet
    P3 = ds.manifold.embed_3d(ds.params[:50])
    d3 = np.linalg.norm(P3[:, None] - P3[None], axis=2)
    Pm = ds.manifold.embed(ds.params[:50])
    dm = np.linalg.norm(Pm[:, None] - Pm[None], axis=2)
    assert np.abs(d3 - dm).max() < 1e-10


def test_distances_of_points_pushed_off_by_known_offsets():
    rng = np.random.default_rng(0)
    circle = make_circle(500, random_state=0)
    C = circle.X.astype(float)
    np.testing.assert_allclose(circle.manifold.distance(1.1 * C), 0.1, atol=1e-6)
    np.testing.assert_allclose(circle.manifold.distance(0.9 * C), 0.1, atol=1e-6)

    sphere = make_sphere(500, random_state=0)
    S = sphere.X.astype(float)
    np.testing.assert_allclose(sphere.manifold.distance(1.25 * S), 0.25, atol=1e-6)

    torus = make_torus(500, random_state=0)
    man, n = torus.manifold, torus.manifold.normal(torus.params)
    on = man.embed(torus.params)
    for eps in (0.3, -0.3, 0.9, -0.9):  # |eps| < r: the point stays off the axis
        np.testing.assert_allclose(man.distance(on + eps * n), abs(eps), atol=1e-9)
    # the angle parameters of a point moved along the normal are unchanged (eps < r inward)
    moved = man.parameters(on - 0.5 * n)
    np.testing.assert_allclose(_circular_diff(moved, torus.params), 0, atol=1e-9)

    ft = make_flat_torus(300, random_state=0)
    Y = ft.X.astype(float).copy()
    Y[:, :2] *= 1.3
    Y[:, 2:] *= 0.6
    np.testing.assert_allclose(ft.manifold.distance(Y), np.hypot(0.3, 0.4), atol=1e-6)

    strip = get_manifold("strip", length=4.0)
    pts = np.array([[2.0, 0.5], [4.3, 1.4], [-0.5, 0.5], [2.0, -0.2], [0.0, 0.0]])
    np.testing.assert_allclose(strip.distance(pts), [0.0, 0.5, 0.5, 0.2, 0.0], atol=1e-12)
    np.testing.assert_allclose(strip.parameters(pts)[1], [4.0, 1.0])

    clusters = make_clusters(400, n_clusters=3, random_state=0)
    rel = clusters.X - clusters.manifold.centres[clusters.y]
    pushed = clusters.manifold.centres[clusters.y] + 1.2 * rel
    np.testing.assert_allclose(clusters.manifold.distance(pushed), 0.2, atol=1e-6)
    np.testing.assert_array_equal(clusters.manifold.components(pushed), clusters.y)

    # the loop: along the binormal the nearest point is unchanged, distance = offset
    loop = get_manifold("loop")
    t = rng.uniform(0, TWO_PI, 400)
    v = loop.velocity(t)
    a = np.c_[-np.cos(t), -4 * np.sin(2 * t), -9 * np.sin(3 * t)]
    b = np.cross(v, a)
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    np.testing.assert_allclose(loop.distance(loop.gamma(t) + 0.01 * b), 0.01, atol=1e-9)

    # the rolled sheet: off the sheet's 3-D frame (orthogonal complement) and beyond its edge
    sheet = get_manifold("embedded", ambient_dim=10)
    on = sheet.embed(np.c_[rng.uniform(0, sheet.length, 50), rng.uniform(0, sheet.height, 50)])
    perp = rng.standard_normal((50, 10))
    perp -= (perp @ sheet.frame) @ sheet.frame.T
    perp /= np.linalg.norm(perp, axis=1, keepdims=True)
    np.testing.assert_allclose(sheet.distance(on + 0.05 * perp), 0.05, atol=1e-9)
    top = sheet.embed(np.c_[rng.uniform(1, sheet.length - 1, 20), np.full(20, sheet.height)])
    np.testing.assert_allclose(sheet.distance(top + 0.7 * sheet.frame[:, 2]), 0.7, atol=1e-9)


def test_loop_distance_matches_brute_force():
    loop = get_manifold("loop")
    rng = np.random.default_rng(1)
    Q = rng.uniform(-1.5, 1.5, size=(60, 3))
    G = loop.gamma(np.linspace(0, TWO_PI, 200_000, endpoint=False))
    brute = np.array([np.sqrt(((G - q) ** 2).sum(1).min()) for q in Q])
    d = loop.distance(Q)
    assert np.all(d <= brute + 1e-12)  # refinement beats a 200 000-point grid...
    assert np.all(brute - d < 1e-6 * loop.diameter)  # ...which is itself accurate to ~1e-8
    # nearest points are on the curve at the right distance
    np.testing.assert_allclose(np.linalg.norm(loop.project(Q) - Q, axis=1), d, atol=1e-9)


def test_diameters():
    assert get_manifold("circle").diameter == 2.0
    assert get_manifold("sphere").diameter == 2.0
    assert get_manifold("torus").diameter == 6.0
    assert get_manifold("flat_torus").diameter == pytest.approx(2 * np.sqrt(2))
    assert get_manifold("strip").diameter == pytest.approx(np.sqrt(17))
    assert get_manifold("clusters", n_circles=3).diameter == pytest.approx(10.0)
    for name in ("loop", "embedded"):
        man = get_manifold(name)
        far = pdist(man.sample(2000, random_state=0)[0].astype(float)).max()
        assert far <= man.diameter + 1e-5 and far >= 0.97 * man.diameter


# -------------------------------------------------------------------------- uniformity
def _ks_uniform(values, lo, hi):
    return stats.kstest(values, stats.uniform(loc=lo, scale=hi - lo).cdf).pvalue


@pytest.mark.parametrize(
    "name", ["circle", "loop", "sphere", "torus", "flat_torus", "strip", "embedded"]
)
def test_sampling_is_uniform_in_volume(name):
    ds = GENERATORS[name][0](20_000, random_state=123)
    man = ds.manifold
    rec = man.parameters(ds.X)  # parameters recovered from the points, not the generating ones
    for j, (lo, hi) in enumerate(man.parameter_ranges):
        if name == "torus" and j == 1:  # tube angle: exact non-uniform density (R + r cos v)
            p = stats.kstest(rec[:, 1], man.tube_angle_cdf).pvalue
            assert _ks_uniform(rec[:, 1], lo, hi) < 1e-6  # ... and it is *not* uniform
        else:
            p = _ks_uniform(rec[:, j], lo, hi)
        assert p > 1e-3, (name, j, p)
    if name == "sphere":  # Archimedes: z uniform in [-1, 1]
        assert _ks_uniform(ds.X[:, 2], -1, 1) > 1e-3


def test_loop_uniform_in_arc_length_not_in_t():
    loop = get_manifold("loop")
    X, s = loop.sample(20_000, random_state=5)
    t = loop.curve_parameter(s[:, 0])
    assert _ks_uniform(t, 0, TWO_PI) < 1e-6  # t has density ∝ |gamma'(t)|
    naive = loop.gamma(np.random.default_rng(5).uniform(0, TWO_PI, 20_000))
    assert _ks_uniform(loop.parameters(naive)[:, 0], 0, loop.length) < 1e-4  # the KS test has power
    # the arc length table: speed integrates to the total length
    speed = np.linalg.norm(loop.velocity(np.linspace(0, TWO_PI, 400_001)), axis=1)
    assert loop.length == pytest.approx(np.trapezoid(speed, dx=TWO_PI / 400_000), rel=1e-9)


# --------------------------------------------------------------------- generator options
@pytest.mark.parametrize("name", list(GENERATORS) + ["gaussian_grid"])
def test_same_random_state_gives_identical_arrays(name):
    a = load_dataset(name, n_samples=300, random_state=7)
    b = load_dataset(name, n_samples=300, random_state=7)
    np.testing.assert_array_equal(a.X, b.X)
    c = load_dataset(name, n_samples=300, random_state=8)
    assert not np.array_equal(a.X, c.X)
    g = load_dataset(name, n_samples=300, random_state=np.random.default_rng(7))
    assert g.X.shape == a.X.shape


def test_noise_is_isotropic_with_the_given_std():
    ds = make_circle(20_000, noise=0.01, random_state=0)
    d = ds.manifold.distance(ds.X)
    assert np.sqrt(np.mean(d**2)) == pytest.approx(0.01, rel=0.03)
    ds = make_embedded_manifold(5000, ambient_dim=50, noise=0.02, random_state=0)
    resid = ds.X - ds.manifold.embed(ds.params)
    assert resid.std() == pytest.approx(0.02, rel=0.03)
    assert np.abs(resid.mean()) < 1e-3


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: make_circle(-3), ValueError, "n_samples must be an int >= 1, got -3"),
        (lambda: make_sphere(2.5), TypeError, "n_samples"),
        (lambda: make_torus(True), TypeError, "n_samples"),
        (lambda: make_loop(10, noise=-0.1), ValueError, "noise"),
        (lambda: make_circle(10, random_state="x"), TypeError, "random_state"),
        (lambda: make_strip(10, length=0), ValueError, "length"),
        (lambda: make_clusters(10, n_clusters=0), ValueError, "n_clusters"),
        (lambda: make_clusters(10, spacing=1.5), ValueError, "spacing"),
        (lambda: make_embedded_manifold(10, ambient_dim=2), ValueError, "ambient_dim"),
        (lambda: make_gaussian_grid(10, std=0), ValueError, "std"),
        (lambda: load_mnist("validation"), ValueError, "split"),
        (lambda: load_coil20(size=2), ValueError, "size"),
        (lambda: load_bulldog_standin(0), ValueError, "n_frames"),
        (lambda: get_manifold("circle").distance(np.zeros((3, 3))), ValueError, r"\(n, 2\)"),
    ],
)
def test_bad_arguments_raise_clear_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ------------------------------------------------------------------ gaussian grid, clusters
def test_gaussian_grid_modes_and_assignment():
    ds = make_gaussian_grid(25_000, random_state=0)
    assert ds.manifold is None and ds.params is None and ds.X.shape == (25_000, 2)
    counts = np.bincount(ds.y, minlength=25)
    assert counts.size == 25 and counts.min() > 0
    assert stats.chisquare(counts).pvalue > 1e-3  # equal weights
    centres = gaussian_grid_centres()
    assert {tuple(c) for c in centres} == {(i - 2.0, j - 2.0) for i in range(5) for j in range(5)}
    for k in (0, 12, 24):
        pts = ds.X[ds.y == k]
        np.testing.assert_allclose(pts.mean(0), centres[k], atol=0.01)
        np.testing.assert_allclose(pts.std(0), 0.1, rtol=0.06)
    mode = grid_mode_assignment(ds.X)
    inside = mode >= 0
    assert inside.mean() == pytest.approx(1 - np.exp(-4.5), abs=0.004)  # 98.89 % within 3 std
    np.testing.assert_array_equal(mode[inside], ds.y[inside])
    probes = [[0.5, 0.5], [1.0, -2.0], [0.25, 0.0], [9, 9]]  # gap, centre, inside, far
    np.testing.assert_array_equal(grid_mode_assignment(probes), [-1, 15, 12, -1])


def test_clusters_are_balanced_disjoint_circles():
    ds = make_clusters(1001, n_clusters=3, random_state=0)
    assert sorted(np.bincount(ds.y)) == [333, 334, 334]
    np.testing.assert_allclose(np.diff(ds.manifold.centres[:, 0]), 4.0)
    np.testing.assert_array_equal(ds.manifold.components(ds.X), ds.y)
    for k in range(3):
        r = np.linalg.norm(ds.X[ds.y == k] - ds.manifold.centres[k], axis=1)
        np.testing.assert_allclose(r, 1.0, atol=1e-6)


# ----------------------------------------------------------------- container and registry
def test_dataset_container():
    ds = make_loop(100, random_state=0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.X = None
    assert len(ds) == 100 and ds.n_features == 3 and "loop" in repr(ds)
    with pytest.raises(ValueError, match="not an image"):
        ds.images()
    with pytest.raises(ValueError, match="y must have shape"):
        Dataset(X=np.zeros((3, 2)), y=np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match="image_shape"):
        Dataset(X=np.zeros((3, 6)), image_shape=(2, 2))
    img = Dataset(X=np.zeros((3, 4), dtype=np.float64), image_shape=(2, 2))
    assert img.X.dtype == np.float32 and img.images().shape == (3, 2, 2)


def test_registry():
    names = available_datasets()
    assert names == [
        "circle", "loop", "sphere", "torus", "flat_torus", "strip", "embedded",
        "gaussian_grid", "clusters", "bunny", "frey", "mnist", "coil20", "bulldog_standin",
    ]  # fmt: skip
    with pytest.raises(ValueError, match="available: circle, loop"):
        load_dataset("swiss_cheese")
    with pytest.raises(TypeError):
        load_dataset("circle", n_neighbours=3)
    assert load_dataset("strip", n_samples=10, length=2.0, random_state=0).manifold.length == 2.0
    assert load_dataset("embedded", n_samples=10, ambient_dim=784).X.shape == (10, 784)
    assert get_manifold("torus").name == "torus"
    with pytest.raises(ValueError, match="not a manifold"):
        get_manifold("gaussian_grid")
    with pytest.raises(ValueError, match="no known ground-truth manifold"):
        get_manifold("mnist")


# --------------------------------------------------------------------------- file readers
def test_ply_reader_parses_header_and_triangulates(tmp_path):
    text = (
        "ply\nformat ascii 1.0\ncomment a quad and a triangle\nelement vertex 5\n"
        "property float y\nproperty float x\nproperty float z\nproperty float confidence\n"
        "element face 2\nproperty list uchar int vertex_indices\nend_header\n"
        "0 0 0 1\n0 1 0 1\n1 1 0 1\n1 0 0 1\n0.5 0.5 1 0.5\n4 0 1 2 3 \n3 0 1 4 \n"
    )
    (tmp_path / "m.ply").write_text(text)
    mesh = read_ply(tmp_path / "m.ply")
    np.testing.assert_array_equal(mesh.vertices[1], [1, 0, 0])  # x is the 2nd column
    np.testing.assert_array_equal(mesh.faces, [[0, 1, 2], [0, 2, 3], [0, 1, 4]])
    (tmp_path / "bad.ply").write_text(text.replace("element face 2", "element face 3"))
    with pytest.raises(ValueError, match="declares"):
        read_ply(tmp_path / "bad.ply")


def test_idx_reader_checks_magic_and_size(tmp_path):
    data = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    raw = bytes([0, 0, 8, 3]) + np.array([2, 3, 4], dtype=">u4").tobytes() + data.tobytes()
    (tmp_path / "a.gz").write_bytes(gzip.compress(raw))
    np.testing.assert_array_equal(read_idx(tmp_path / "a.gz", expected_magic=0x803), data)
    with pytest.raises(ValueError, match="expected 0x00000801"):
        read_idx(tmp_path / "a.gz", expected_magic=0x801)
    (tmp_path / "b.idx").write_bytes(raw[:-1])
    with pytest.raises(ValueError, match="data bytes"):
        read_idx(tmp_path / "b.idx")


# ---------------------------------------------------------------------------- real data
def _have(*parts):
    return (data_dir().joinpath(*parts)).exists()


needs_bunny = pytest.mark.skipif(not _have("bunny", "bun_zipper.ply"), reason="bunny data absent")


@pytest.mark.parametrize(
    "loader, filename",
    [
        (load_frey, "frey_rawface.mat"),
        (load_mnist, "train-images-idx3-ubyte.gz"),
        (load_bunny, "bun_zipper.ply"),
        (load_coil20, "obj1__0.png"),
        (load_bulldog_standin, "bun_zipper.ply"),
    ],
)
def test_missing_data_folder_raises_file_not_found(loader, filename, tmp_path, monkeypatch):
    monkeypatch.setenv("VDAE_DATA", str(tmp_path))
    assert data_dir() == tmp_path
    with pytest.raises(FileNotFoundError, match=filename) as info:
        loader()
    assert "VDAE_DATA" in str(info.value) and str(tmp_path) in str(info.value)


@pytest.mark.skipif(not _have("mnist", "t10k-labels-idx1-ubyte.gz"), reason="MNIST data absent")
def test_load_mnist():
    ds = load_mnist()
    assert ds.X.shape == (70_000, 784) and ds.X.dtype == np.float32
    assert ds.X.min() == 0.0 and ds.X.max() == 1.0 and ds.image_shape == (28, 28)
    assert set(np.unique(ds.y)) == set(range(10))
    np.testing.assert_array_equal(ds.y[:10], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])
    test = load_mnist("test")
    assert test.X.shape == (10_000, 784)
    np.testing.assert_array_equal(np.bincount(test.y)[:3], [980, 1135, 1032])
    np.testing.assert_array_equal(test.X, ds.X[60_000:])
    sub = load_mnist("all", n_samples=500, random_state=0)
    assert sub.X.shape == (500, 784)
    np.testing.assert_array_equal(sub.X, load_mnist("all", n_samples=500, random_state=0).X)


@pytest.mark.skipif(not _have("frey", "frey_rawface.mat"), reason="Frey data absent")
def test_load_frey():
    ds = load_frey()
    assert ds.X.shape == (1965, 560) and ds.X.dtype == np.float32 and ds.image_shape == (28, 20)
    assert ds.X.min() == 0.0 and ds.X.max() == 1.0


@pytest.mark.skipif(not _have("coil20", "coil-20-unproc", "obj5__71.png"), reason="COIL-20 absent")
def test_load_coil20_unprocessed():
    ds = load_coil20()
    assert ds.X.shape == (360, 128 * 128) and ds.X.dtype == np.float32
    assert 0.0 <= ds.X.min() and ds.X.max() <= 1.0 and ds.X.max() > 0.9
    np.testing.assert_array_equal(np.bincount(ds.y), [72] * 5)
    np.testing.assert_allclose(ds.params[:72, 0], np.deg2rad(5 * np.arange(72)))


@pytest.mark.slow  # decodes 1440 PNGs (~1 s)
@pytest.mark.skipif(not _have("coil20", "coil-20-proc", "obj20__71.png"), reason="COIL-20 absent")
def test_load_coil20_processed():
    ds = load_coil20(processed=True)
    assert ds.X.shape == (1440, 128 * 128) and ds.image_shape == (128, 128)
    np.testing.assert_array_equal(np.bincount(ds.y), [72] * 20)
    assert 0.0 <= ds.X.min() and ds.X.max() <= 1.0


@needs_bunny
def test_load_bunny():
    ds = load_bunny()
    assert ds.X.shape == (35_947, 3) and ds.X.dtype == np.float32
    np.testing.assert_allclose(ds.X.min(0), [-0.0947, 0.0330, -0.0619], atol=1e-4)
    np.testing.assert_allclose(ds.X.max(0), [0.0610, 0.1873, 0.0588], atol=1e-4)
    sub = load_bunny(2000, random_state=0)
    assert sub.X.shape == (2000, 3) and len(np.unique(sub.X, axis=0)) == 2000  # no replacement
    assert np.isin(sub.X.view("V12"), ds.X.view("V12")).all()  # rows of the full cloud
    np.testing.assert_array_equal(sub.X, load_bunny(2000, random_state=0).X)
    V, F = load_bunny_mesh()
    assert V.shape == (35_947, 3) and F.shape == (69_451, 3) and F.min() == 0 and F.max() == 35_946


@needs_bunny
def test_bulldog_standin():
    ds = load_bulldog_standin()
    assert ds.name == "bulldog_standin" and "stand-in" in ds.description.lower()
    assert ds.X.shape == (200, 100 * 80 * 3) and ds.image_shape == (100, 80, 3)
    assert 0.0 <= ds.X.min() and ds.X.max() <= 1.0
    np.testing.assert_allclose(ds.params[:, 0], TWO_PI * np.arange(200) / 200)
    frames = ds.images()
    bg = turntable_background(100, 80)
    covered = (np.abs(frames - bg).max(axis=3) > 0.02).mean(axis=(1, 2))
    assert covered.min() > 0.08 and covered.max() < 0.5  # the object fills a sensible part
    steps = np.abs(np.diff(np.concatenate([frames, frames[:1]]), axis=0)).mean(axis=(1, 2, 3))
    assert steps.min() > 1e-3  # consecutive frames differ, including 199 -> 0
    assert np.abs(frames[100] - frames[0]).mean() > 5 * steps.mean()  # half a turn is far
    # frame 0 equals the frame at 360°, and rendering is deterministic
    V, F = load_bunny_mesh()
    ends, masks = render_turntable_with_masks(V, F, [0.0, TWO_PI])
    np.testing.assert_allclose(ends[0], ends[1], atol=1e-4)
    np.testing.assert_allclose(ends[0], frames[0], atol=1e-6)
    assert 0.08 < masks[0].mean() < 0.5
