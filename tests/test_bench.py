"""The experiment harness (experiments): registry, Table 1 records and resume, DRS, Fig. 6's
gap/mode metric, figures on tiny settings, and the command-line wiring."""

import argparse
import json
import math

import numpy as np
import pytest
import torch
from threadpoolctl import threadpool_limits

from experiments import drs as drs_mod
from experiments.cli import add_bench_parser, cmd_figures, cmd_table1
from experiments.figures import (
    FigureContext, fig2_loop_walk, fig3_bulldog, fig6_gaussian_grid, fig_quality_vs_steps_images,
    grid_sample_quality,
)
from experiments.registry import (
    DATASETS, METHODS, PAPER_BILIP, PAPER_GW, QUICK_SETTINGS, SETTINGS, cell_settings, make_model,
)
from experiments.table1 import (
    IMAGE_KEYS, REQUIRED_KEYS, Table1Run, _feature_config, data_floor, image_scores, read_records,
    run_table1, sample_mosaic, write_mosaic, write_table1_markdown,
)

TINY = {"vdae": {"epochs": 5, "encoder_epochs": 5, "prior": "exact"},
        "beta_vae": {"epochs": 3, "beta": 1.0}, "svae": {"epochs": 3}, "wgan": {"epochs": 3}}


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Tiny problems on a shared 2-core machine: one torch and BLAS thread avoids stalls from
    oversubscription (restored afterwards)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        yield
    torch.set_num_threads(before)


# ------------------------------------------------------------------------------ registry
def test_registry_has_settings_for_every_dataset_and_method():
    assert set(SETTINGS) == set(DATASETS) == set(PAPER_GW) == set(PAPER_BILIP)
    assert set(QUICK_SETTINGS) == set(METHODS)
    for d in DATASETS:
        assert set(SETTINGS[d]) == set(METHODS) == set(PAPER_GW[d]) == set(PAPER_BILIP[d])
        for m in METHODS:
            for quick in (False, True):
                model = make_model(m, cell_settings(d, m, quick=quick), seed=0)
                model._validate_params()  # every declared parameter is accepted
    # the paper's fixed latent sizes: bulldog 2-D and COIL-20 10-D for every method
    for m in METHODS:
        assert cell_settings("bulldog_standin", m)["n_components"] == 2
        assert cell_settings("coil20", m)["n_components"] == 10
    assert "n_components" not in cell_settings("circle", "vdae")  # automatic D
    assert PAPER_GW["circle"]["vdae"] == (2.6, 1.3) and PAPER_BILIP["frey"]["svae"] == 39.4
    with pytest.raises(ValueError, match="unknown"):
        cell_settings("circle", "vae")


def test_image_rows_give_every_method_the_image_shape_and_point_clouds_none():
    from experiments.registry import DataSpec, load_split

    images = {d for d, spec in DATASETS.items() if spec.image_shape is not None}
    assert images == {"frey", "mnist", "coil20", "coil20_paper", "bulldog_standin"}
    for d in DATASETS:
        for m in METHODS:
            for quick in (False, True):
                shape = cell_settings(d, m, quick=quick).get("image_shape")
                assert shape == DATASETS[d].image_shape
    assert DATASETS["frey"].image_shape == (28, 20)
    try:  # the declaration is the loader's (checked by load_split on every load)
        X_train, _ = load_split(DATASETS["frey"], seed=0)
    except FileNotFoundError:
        pass
    else:
        assert X_train.shape[1] == 28 * 20
    wrong = DataSpec("circle_img", "Circle", 2, 50, 50, 50, "fresh", "", source="circle",
                     image_shape=(1, 2))
    with pytest.raises(ValueError, match="image_shape"):
        load_split(wrong, seed=0)


def test_paper_protocol_split_scores_against_the_training_rows_themselves():
    from experiments.registry import DataSpec, load_split

    assert DATASETS["coil20_paper"].dataset == "coil20" and DATASETS["coil20"].dataset == "coil20"
    assert cell_settings("coil20_paper", "vdae") == cell_settings("coil20", "vdae")
    spec = DataSpec("circle_paper", "Circle", 2, 300, 100, 999, "training", "", source="circle")
    X_train, X_ref = load_split(spec, seed=3)
    assert X_train.shape == (300, 2) and np.array_equal(X_train, X_ref)
    np.testing.assert_allclose(np.linalg.norm(X_train, axis=1), 1.0, atol=1e-5)
    again, _ = load_split(spec, seed=3)
    other, _ = load_split(spec, seed=4)
    assert np.array_equal(again, X_train) and not np.array_equal(other, X_train)


# ------------------------------------------------------------------------------- table 1
def test_data_floor_of_identical_sets_is_zero_and_of_a_shifted_set_is_not():
    from experiments.table1 import data_floor
    from vdae.datasets import make_circle

    X = make_circle(400, random_state=0).X
    same = data_floor(X, X, n_generated=400)
    assert same["gw"] < 1e-6 and same["precision"] == 1.0 and same["recall"] == 1.0
    assert same["n_generated"] == 400
    bigger = data_floor(X, 1.5 * X, n_generated=200)  # a bigger circle: no sample in support
    assert bigger["precision"] == 0.0 and bigger["mmd"] > 0.02 and bigger["n_generated"] == 200
    assert bigger["gw"] < 5  # GW divides each distance matrix by its max: blind to scale


def test_evaluate_samples_does_not_depend_on_row_order():
    """Rows in file order (sorted along the shape, like the bunny's scan) must not bias
    precision/recall: 2000 points sorted by angle against 2000 others, also sorted. Taking
    the first 1000 of each would compare two half-circles that barely overlap.
    (evaluate_samples takes its precision and recall from _precision_recall; calling that
    alone for the other two pairs skips two GW solves that this test does not look at.)"""
    from vdae.demo import _precision_recall as evaluate_pr
    from vdae.demo import evaluate_samples
    from vdae.datasets import make_circle

    def sorted_circle(seed):
        X = make_circle(2000, random_state=seed).X
        return X[np.argsort(np.arctan2(X[:, 1], X[:, 0]))]

    A, B = sorted_circle(0), sorted_circle(1)
    first = evaluate_pr(A[:1000], B[1000:], seed=0)  # truly disjoint halves
    assert first.precision < 0.1
    whole = evaluate_pr(A, B, seed=0)
    assert whole.precision > 0.95 and whole.recall > 0.95
    full = evaluate_samples(A, B, seed=0)
    assert (full["precision"], full["recall"]) == (whole.precision, whole.recall)
    assert 0 < full["gw"] < 5  # two samples of one circle
    shuffled = evaluate_pr(A[::-1], B[::-1], seed=0)
    assert abs(shuffled.precision - whole.precision) < 0.03


def test_tiny_table1_writes_records_markdown_and_resumes(tmp_path):
    kw = dict(datasets=["circle"], seeds=1, n_train=300, n_eval=300, n_generated=300,
              overrides=TINY)
    run = run_table1(tmp_path, methods=["vdae", "beta_vae"], **kw)
    assert run.n_new == 2 and run.n_skipped == 0 and not run.failed
    records = read_records(tmp_path / "table1.json")
    assert len(records) == 2
    for r in records:
        assert all(k in r for k in REQUIRED_KEYS), set(REQUIRED_KEYS) - set(r)
        assert r["status"] == "ok" and r["n_train"] == 300 and r["n_eval"] == 300
        assert r["gw"] >= 0 and r["bilip_median"] >= 1 and 0 <= r["precision"] <= 1
        assert math.isfinite(r["mmd"]) and r["seconds"] > 0 and r["versions"]["torch"]
        assert r["gw_best"] <= r["gw"]  # the first of the starts is the paper's single one
    md = (tmp_path / "table1.md").read_text()
    assert "Circle" in md and "2.6 (1.3)" in md and "git commit" in md and "MMD" in md
    # the floor: 300 training rows against 300 fresh rows of the same circle
    (floor,) = read_records(tmp_path / "table1_floor.json")
    assert floor["dataset"] == "circle" and floor["n_generated"] == 300
    assert floor["gw"] < 5 and floor["precision"] > 0.9 and abs(floor["mmd"]) < 0.01
    assert "training rows" in md and f"{floor['gw']:.1f}" in md and floor["gw_best"] <= floor["gw"]
    assert "best of 4 solver starts" in md

    again = run_table1(tmp_path, methods=["vdae", "beta_vae"], **kw)  # resume: nothing to do
    assert again.n_new == 0 and again.n_skipped == 2
    assert len(read_records(tmp_path / "table1.json")) == 2
    assert len(read_records(tmp_path / "table1_floor.json")) == 1 and len(again.floors) == 1

    # report only: a second seed is listed as not run, nothing is trained or appended
    report = run_table1(tmp_path, methods=["vdae", "beta_vae"], report_only=True,
                        **dict(kw, seeds=2))
    assert report.n_new == 0 and report.n_skipped == 2
    assert report.missing == [("circle", "beta_vae", 1), ("circle", "vdae", 1)]
    assert len(read_records(tmp_path / "table1.json")) == 2
    assert "NOT RUN (2 cells): circle/beta_vae/seed 1" in (tmp_path / "table1.md").read_text()

    # a failing cell is recorded, not fatal, and is retried on the next run
    bad = dict(kw, overrides={**TINY, "svae": {"n_components": 1}})
    failed = run_table1(tmp_path, methods=["vdae", "svae"], **bad)
    assert failed.n_new == 1 and failed.n_skipped == 1 and len(failed.failed) == 1
    assert read_records(tmp_path / "table1.json")[-1]["status"] == "failed"
    assert run_table1(tmp_path, methods=["svae"], **bad).n_new == 1


def test_image_scores_are_image_quality_and_floors_of_identical_sets_are_perfect(tiny_registry):
    from vdae.metrics import image_quality

    _, _, Xte, _ = tiny_registry
    real, gen = Xte[:40], Xte[40:]
    got = image_scores(gen, real, "tiny", seed=3)
    ref = image_quality(real, gen, "tiny", kid_subset_size=20, random_state=3, verbose=0)
    assert tuple(got) == IMAGE_KEYS
    assert got["fd"] == ref["fd"] and got["kid"] == ref["kid"]
    assert (got["feature_recall"], got["feature_coverage"]) == (ref["recall"], ref["coverage"])
    assert image_scores(gen, real, None) == {}
    floor = data_floor(real, real, n_generated=40, features="tiny")  # the same 40 images
    assert abs(floor["fd"]) < 1e-6 and floor["feature_precision"] == 1.0
    assert floor["feature_recall"] == 1.0 and floor["feature_coverage"] == 1.0
    assert "fd" not in data_floor(real, real, n_generated=40)


def test_sample_mosaic_tiles_the_first_images_and_round_trips_through_png(tmp_path):
    import matplotlib.image

    S = np.random.default_rng(0).uniform(-0.5, 1.5, size=(70, 6)).astype(np.float32)
    m = sample_mosaic(S, (3, 2))  # 64 of 70 images, 8 × 8, 1-pixel white gaps
    assert m.shape == (8 * 4 - 1, 8 * 3 - 1) and m.dtype == np.uint8
    np.testing.assert_array_equal(m[4:7, 3:5], np.round(255 * np.clip(S[9], 0, 1).reshape(3, 2)))
    assert (m[3] == 255).all() and (m[:, 2] == 255).all()  # the gaps
    rgb = sample_mosaic(S[:5, :6].repeat(2, axis=1), (2, 2, 3))  # 5 images: 3 per row, 2 rows
    assert rgb.shape == (5, 8, 3)
    back = matplotlib.image.imread(write_mosaic(m, tmp_path / "a" / "m.png"))
    np.testing.assert_array_equal(np.round(back[..., 0] * 255).astype(np.uint8), m)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["m.png"]  # no temporary left


def test_only_rows_with_a_feature_network_change_their_configuration():
    assert _feature_config("mnist") == {"features": "mnist"}
    assert _feature_config("frey") == {"features": "frey"}
    for d in ("circle", "torus", "bunny", "bulldog_standin", "coil20", "coil20_paper"):
        assert _feature_config(d) == {}  # their cells and floors keep their ids


def test_report_has_feature_space_tables_for_image_rows_only(tmp_path):
    def rec(method, seed, fd, p):
        return {"dataset": "mnist", "method": method, "seed": seed, "n_train": 100,
                "n_eval": 50, "gw": 5.0, "precision": 1.0, "recall": 1.0, "fd": fd,
                "kid": fd / 10, "feature_precision": p, "feature_recall": 0.5,
                "feature_density": 1.0, "feature_coverage": 0.25}
    run = Table1Run(tmp_path / "t.json", tmp_path / "t.md")
    run.records = [rec("vdae", 0, 40.0, 0.9), rec("vdae", 1, 60.0, 0.7), rec("wgan", 0, 90.0, 0.5)]
    run.floors = [{"dataset": "mnist", "seed": 0, "fd": 30.0, "kid": 3.0,
                   "feature_precision": 1.0, "feature_recall": 1.0, "feature_density": 1.0,
                   "feature_coverage": 1.0}]
    md = write_table1_markdown(run, ["circle", "mnist"], ["wgan", "vdae"], command=None,
                               commit="x", quick=False).read_text()
    section = md[md.index("## Image quality in a feature space"):md.index("## Seconds")]
    assert "| MNIST | 90.0 | **50.0 (14.1)** | 30.0 | 1–2 |" in section  # FD, lowest in bold
    assert "| MNIST | 9.00 | **5.00 (1.41)** | 3.00 | 1–2 |" in section  # KID
    assert "| MNIST | 0.50 / 0.50 / 1.00 / 0.25 | 0.80 / 0.50 / 1.00 / 0.25 | 1.00 / 1.00 / " \
           "1.00 / 1.00 |" in section
    assert "| Circle |" not in section  # point clouds have no feature network
    run.records = [r for r in run.records if r["dataset"] != "mnist"]
    md = write_table1_markdown(run, ["circle"], ["wgan", "vdae"], command=None, commit="x",
                               quick=False).read_text()
    assert "Image quality" not in md


def test_declared_sampling_options_reach_the_cell_and_its_id(tmp_path, monkeypatch):
    from experiments import registry

    kw = dict(datasets=["circle"], methods=["vdae"], seeds=1, n_train=300, n_eval=300,
              n_generated=300, overrides=TINY)
    monkeypatch.setitem(registry.SAMPLING, "circle", {})  # nothing declared: sample's default
    plain = read_records(run_table1(tmp_path, **kw).json_path)[0]
    monkeypatch.setitem(registry.SAMPLING, "circle", {"vdae": {"chain": "paper"}})
    run = run_table1(tmp_path, **kw)  # a new configuration: computed, not resumed
    assert run.n_new == 1 and run.n_skipped == 0
    mh = read_records(run.json_path)[-1]
    assert mh["sampling"] == {"chain": "paper"} and "sampling" not in plain
    assert mh["config_id"] != plain["config_id"] and mh["gw"] != plain["gw"]
    assert "sampled with" in run.md_path.read_text()


def test_parallel_table1_matches_the_sequential_run(tmp_path):
    kw = dict(datasets=["circle"], methods=["vdae", "beta_vae"], seeds=1, n_train=300,
              n_eval=300, n_generated=300, overrides=TINY)
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the workers' thread count
    try:
        run_table1(tmp_path / "seq", **kw)
    finally:
        torch.set_num_threads(before)
    par = run_table1(tmp_path / "par", jobs=2, **kw)
    assert par.n_new == 2 and not par.failed
    keys = ("gw", "mmd", "precision", "recall", "bilip_median")
    by_method = {r["method"]: r for r in read_records(tmp_path / "par" / "table1.json")}
    for r in read_records(tmp_path / "seq" / "table1.json"):
        assert {k: r[k] for k in keys} == {k: by_method[r["method"]][k] for k in keys}
        assert r["config_id"] == by_method[r["method"]]["config_id"]
    with pytest.raises(ValueError, match="jobs"):
        run_table1(tmp_path / "bad", jobs=0, **kw)


# ----------------------------------------------------------------------------------- DRS
def test_drs_acceptance_rule_hand_computed():
    logits = np.array([0.0, -1.0, -3.0])
    # γ = 0: σ(F) = exp(D̃ − D̃max − ε), the ideal rejection-sampling rule
    p0 = drs_mod.drs_acceptance(logits, 0.0, gamma=0.0, epsilon=1e-8)
    np.testing.assert_allclose(p0, [math.exp(-1e-8), math.exp(-1), math.exp(-3)], rtol=1e-6)
    # D̃ = −1, γ = 1: F = −1 − log(1 − e^{−1}) = −0.5413249, σ(F − 1) = 1 / (1 + e^{1.5413249})
    F = drs_mod.drs_F(np.array([-1.0]), 0.0, 1e-8)
    assert F[0] == pytest.approx(-0.5413249, abs=1e-6)
    assert drs_mod.drs_acceptance(np.array([-1.0]), 0.0, gamma=1.0)[0] == pytest.approx(
        0.176343, abs=1e-5)
    # a larger γ never accepts more; the rule is monotone in the logit
    p2 = drs_mod.drs_acceptance(logits, 0.0, gamma=2.0)
    assert np.all(p2 <= p0) and np.all(np.diff(p2) < 0)
    with pytest.raises(ValueError, match="logit_max"):
        drs_mod.drs_F(np.array([0.5]), 0.0)


class _KnownRatioGenerator:
    """p_g = U(0, 1) with the exact logit log(p_data / p_g) for p_data(x) = 2x on (0, 1)."""

    def sample(self, n, random_state=None):
        return np.random.default_rng(random_state).uniform(1e-9, 1, (n, 1))

    def discriminator_logits(self, X):
        return np.log(2 * np.asarray(X)[:, 0])


def test_drs_with_exact_logits_recovers_the_data_density():
    sampler = drs_mod.DiscriminatorRejectionSampler(
        _KnownRatioGenerator(), calibration_steps=0, burn_in=20000, gamma=0.0,
        random_state=0).fit(np.zeros((1, 1)))
    S = sampler.sample(20000, random_state=1)[:, 0]
    assert S.mean() == pytest.approx(2 / 3, abs=0.01)  # E[x] under density 2x
    assert np.mean(S < 0.5) == pytest.approx(0.25, abs=0.015)
    assert sampler.acceptance_rate_ == pytest.approx(0.5, abs=0.02)  # 1 / max ratio


# ------------------------------------------------------------------------------- Fig. 6
def test_grid_sample_quality_on_hand_made_points():
    centres = np.array([[-2, -2], [-2, -1], [0, 0], [2, 2], [1, -1]], float)
    pts = np.repeat(centres, 5, axis=0)
    pts[0] += [0.29, 0]  # within 3σ = 0.3 of its centre: in the mode
    gaps = np.array([[0.5, 0.5], [-1.5, 0.0], [0.31, 0.0]])  # the last is just outside
    stats = grid_sample_quality(np.vstack([pts, gaps]))
    assert stats["gap_fraction"] == pytest.approx(3 / 28)
    assert stats["modes_covered"] == 5
    counts = np.array(stats["counts"])
    assert counts.sum() == 25 and counts[0] == 5 and counts[12] == 5 and counts[24] == 5
    # min_share: a mode with one point out of 1000 is not "covered"
    many = np.vstack([np.zeros((999, 2)), [[2.0, 2.0]]])
    assert grid_sample_quality(many)["modes_covered"] == 1


# ------------------------------------------------------------------------------- figures
def _tiny_context(tmp_path):
    return FigureContext(tmp_path / "figures", quick=True, n_points=300,
                         model_params={"vdae": TINY["vdae"], "wgan": {"epochs": 2},
                                       "beta_vae": {"epochs": 2}, "svae": {"epochs": 2}},
                         gan_steps=200)


def test_figures_write_pngs_on_tiny_settings(tmp_path):
    ctx = _tiny_context(tmp_path)
    paths = fig2_loop_walk(ctx) + fig6_gaussian_grid(ctx, n_samples=500)
    assert [p.name for p in paths] == ["fig2_loop_walk.png", "fig6_gaussian_grid.png"]
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 10_000
    stats = json.loads((ctx.out / "fig6_gaussian_grid.json").read_text())
    assert set(stats) == {"data", "GAN", "DRS-GAN", "VDAE"}
    assert stats["data"]["modes_covered"] == 25 and stats["data"]["gap_fraction"] < 0.05


def test_image_sample_figure_reads_the_table_mosaics(tmp_path):
    from experiments.figures import fig_image_samples
    from experiments.table1 import _append_record

    ctx = _tiny_context(tmp_path / "table")  # figures go to table/figures, mosaics beside
    table = ctx.out.parent
    rng = np.random.default_rng(0)
    for m in ("reference", "wgan", "vdae"):
        write_mosaic(sample_mosaic(rng.uniform(size=(64, 100 * 80 * 3)), (100, 80, 3)),
                     table / "samples" / f"bulldog_standin-{m}-seed0.png")
    _append_record(table / "table1.json", {"dataset": "bulldog_standin", "method": "vdae",
                                           "seed": 0, "gw": 14.1, "status": "ok"})
    paths = fig_image_samples(ctx, datasets=("bulldog_standin", "frey"))  # frey: no mosaics
    assert [p.name for p in paths] == ["samples_bulldog_standin.png"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and paths[0].stat().st_size > 50_000


def test_figure_skips_cleanly_when_its_data_set_is_missing(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("VDAE_DATA", str(tmp_path / "no_data_here"))
    ctx = _tiny_context(tmp_path)
    assert fig3_bulldog(ctx) == []
    assert "fig3_bulldog" in ctx.skipped and "missing" in caplog.text
    assert fig_quality_vs_steps_images(ctx) == []
    assert "fig_quality_vs_steps_images" in ctx.skipped


# ----------------------------------------------------------------------------------- CLI
def test_bench_parser_wiring():
    parser = argparse.ArgumentParser(prog="vdae")
    add_bench_parser(parser.add_subparsers(dest="command", required=True))
    a = parser.parse_args(["bench", "table1", "--quick", "--datasets", "circle", "frey",
                           "--methods", "vdae", "--out", "r"])
    assert a.func is cmd_table1 and a.quick and a.datasets == ["circle", "frey"] and a.seeds is None
    b = parser.parse_args(["bench", "figures", "--only", "fig2", "fig6", "--quick"])
    assert b.func is cmd_figures and b.only == ["fig2", "fig6"] and b.out == "results/figures"
    with pytest.raises(SystemExit):
        parser.parse_args(["bench", "table1", "--datasets", "cifar10"])
