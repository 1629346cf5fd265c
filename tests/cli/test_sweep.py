"""`eigenlab sweep`: the example config runs and resumes; bad files fail with one clear line."""

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eigenlab.cli import app
from eigenlab.experiments import ResultStore, load_sweep_config

EXAMPLE = Path(__file__).parents[2] / "examples" / "sweep_power_law.toml"
sys.path.insert(0, str(Path(__file__).parents[1] / "experiments"))  # test jobs

runner = CliRunner()


def test_the_example_config_runs_and_a_second_run_skips_every_point(tmp_path):
    store = tmp_path / "store"
    first = runner.invoke(app, ["sweep", str(EXAMPLE), "--engine", "inprocess",
                                "--store", str(store)])
    assert first.exit_code == 0, first.output
    assert "42 points: 0 already in the store, 42 run, 0 failed" in first.output
    frame = ResultStore(store).frame()
    assert len(frame) == 42 and set(frame["alpha"]) == {1.5, 2.0}
    assert set(zip(frame["alpha"], frame["beta"], strict=True)) == {(1.5, 1.3), (2.0, 1.8)}
    again = runner.invoke(app, ["sweep", str(EXAMPLE), "--engine", "inprocess",
                                "--store", str(store)])
    assert again.exit_code == 0 and "42 already in the store, 0 run" in again.output


def test_the_example_config_reads_its_run_table_relative_to_the_file():
    config = load_sweep_config(EXAMPLE)
    assert config.engine == "processes" and config.job == "krr-theory"
    assert config.store == EXAMPLE.parent / "sweep-output" / "power_law"
    assert len(config.grid) == 42


@pytest.mark.parametrize("text, message", [
    ('job = "krr-theory"\n[grid]\nn = [10]\nalphaa = [1.5]\n',
     "unknown key `grid.alphaa` for job 'krr-theory'"),
    ('job = "krr-theory"\n[grid]\nn = ["ten"]\n', "`grid.n` must be a number; got 'ten'"),
    ('job = "krr-theory"\n[grid]\n', "`grid` must list at least one axis"),
    ('job = "krr-theory"\n[grid]\nn = []\n', "`grid.n` must be a non-empty list"),
    ('job = "nope"\n[grid]\nn = [10]\n', "`job` must be a built-in job"),
    ('job = "krr-theory"\n[grid]\nn = [10]\n[run]\nworkers = "two"\n',
     "`run.workers` must be int; got 'two' (str)"),
    ('job = "krr-theory"\n[grid]\nn = [10]\n[run]\nengin = "dask"\n',
     "unknown key `run.engin`"),
    ('job = "krr-theory"\ngrids = 3\n', "unknown key `grids` in the sweep config"),
    ('[grid]\nn = [10]\n', "the sweep config needs `job`"),
])
def test_bad_config_files_fail_with_one_line_naming_the_key(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    result = runner.invoke(app, ["sweep", str(path), "--store", str(tmp_path / "s")])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "s").exists()


def test_a_yaml_config_and_a_failing_point_exit_with_status_1(tmp_path):
    pytest.importorskip("yaml")
    path = tmp_path / "sweep.yaml"
    path.write_text("job: sweep_jobs:noisy_power\ngrid:\n  x: [1.0, 2.0]\n"
                    "zip:\n  - fail: [false, true]\n    power: [1, 2]\n"
                    "run:\n  engine: inprocess\n")
    result = runner.invoke(app, ["sweep", str(path), "--store", str(tmp_path / "s")])
    assert result.exit_code == 1, result.output
    assert "4 points: 0 already in the store, 4 run, 2 failed" in result.output
    assert "ValueError: planted failure at x=1.0" in result.output


def test_a_yaml_exponent_without_a_dot_gets_a_hint(tmp_path):
    pytest.importorskip("yaml")
    path = tmp_path / "sweep.yaml"
    path.write_text("job: krr-theory\ngrid:\n  n: [10]\n  ridge: [1e-3]\n")
    result = runner.invoke(app, ["sweep", str(path), "--store", str(tmp_path / "s")])
    assert result.exit_code == 2
    assert "`grid.ridge` must be a number; got '1e-3' (str). YAML reads 1e-3 as text" in (
        result.output)
