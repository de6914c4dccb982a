"""The main job (``vdae demo``): how many processes it uses, what it does without data, and its
command-line refusals (the full demo is a long job, run by ``make demo``, not here)."""

import logging

import pytest

from vdae.cli import main
from vdae.demo import _jobs, _run_job, demo_processes
from vdae.metrics._common import n_usable_cpus


def test_demo_processes_follow_n_jobs_the_cores_and_the_tasks():
    cores = n_usable_cpus()
    assert demo_processes(None, 5) == min(cores, 5)
    assert demo_processes(-1, 5) == min(cores, 5)
    assert demo_processes(1, 5) == 1
    assert demo_processes(3, 5) == 3
    assert demo_processes(8, 5) == 5  # never more processes than data sets
    assert demo_processes(None, 1) == 1


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "2"])
def test_demo_processes_refuse_what_is_not_a_count(bad):
    with pytest.raises(ValueError, match="n_jobs"):
        demo_processes(bad, 5)


def test_the_demo_covers_the_noisy_torus_and_the_bunny_last():
    labels = [label for label, _, _ in _jobs()]
    assert labels == ["loop", "sphere", "torus", "torus_noise0.05", "bunny"]


def test_a_job_whose_data_are_missing_is_skipped_with_a_warning(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("VDAE_DATA", str(tmp_path / "no_data_here"))
    out = tmp_path / "out"
    out.mkdir()
    with caplog.at_level(logging.WARNING, logger="vdae.demo"):
        assert _run_job(("bunny", "bunny", {}), out, True, 0, False) is None
    assert "skipping bunny" in caplog.text
    assert list(out.iterdir()) == []  # nothing fitted, nothing written


def test_the_cli_refuses_a_zero_job_count_before_any_work(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "-o", str(out), "--jobs", "0"]) == 2
    assert "n_jobs" in capsys.readouterr().err
    assert not out.exists()
