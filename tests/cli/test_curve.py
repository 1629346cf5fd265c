"""Tests for `eigenlab curve` (the main job) through the command line."""

import pandas as pd
from typer.testing import CliRunner

from eigenlab.cli import app

runner = CliRunner()


def test_curve_quick_writes_table_plot_and_agreement(tmp_path):
    result = runner.invoke(app, ["curve", "--quick", "--ridge", "1e-3,1e-1", "--out",
                                 str(tmp_path)])
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(tmp_path / "curve.parquet")
    assert set(frame["source"]) == {"theory:empirical", "experiment"}
    assert {"n", "ridge", "trial", "test_mse", "train_mse", "dataset", "kernel", "width",
            "pool", "trials", "seed", "device", "dtype"} <= set(frame.columns)
    assert frame["pool"].iloc[0] == 800 and frame["trials"].iloc[0] == 2
    assert (tmp_path / "curve.png").stat().st_size > 10_000
    assert "agreement" in result.output


def test_curve_bad_input_is_one_clear_line(tmp_path):
    result = runner.invoke(app, ["curve", "--quick", "--dataset", "imagenet", "--out",
                                 str(tmp_path)])
    assert result.exit_code == 2
    assert "imagenet" in result.output
    assert not (tmp_path / "curve.parquet").exists()
    result = runner.invoke(app, ["curve", "--quick", "--n", "10,900", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "pool" in result.output


def test_curve_preprocessing_options(tmp_path):
    result = runner.invoke(app, ["curve", "--quick", "--zca", "1e-2", "--normalize",
                                 "--theory", "empirical,hea", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(tmp_path / "curve.parquet")
    assert set(frame["zca"]) == {1e-2} and set(frame["normalize"]) == {True}
    assert "pool: effective dimension" in result.output
    result = runner.invoke(app, ["curve", "--quick", "--zca", "-1", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "`zca` must be" in result.output


def test_curve_runs_through_the_store_and_reuses_a_finished_curve(tmp_path):
    from eigenlab.experiments import ResultStore

    arguments = ["curve", "--quick", "--pool", "300", "--trials", "1", "--out", str(tmp_path)]
    first = runner.invoke(app, arguments)
    assert first.exit_code == 0, first.output
    store = ResultStore(tmp_path / "store")
    parts = store.parts()
    frame = pd.read_parquet(tmp_path / "curve.parquet")
    assert {"config_hash", "eigenlab_version", "wall_time", "agreement"} <= set(frame.columns)
    assert frame["config_hash"].nunique() == 1
    again = runner.invoke(app, arguments)
    assert again.exit_code == 0, again.output
    assert "1 of 1 curves found" in again.output
    assert store.parts() == parts  # nothing recomputed, nothing rewritten
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "curve.parquet"), frame)


def test_comma_lists_make_a_grid_of_curves(tmp_path):
    result = runner.invoke(app, ["curve", "--quick", "--pool", "300", "--trials", "1",
                                 "--width", "1,2", "--seed", "0,1", "--engine", "inprocess",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(tmp_path / "curve.parquet")
    points = frame.groupby("config_hash")[["width", "seed"]].first()
    assert sorted(map(tuple, points.to_numpy().tolist())) == [(1, 0), (1, 1), (2, 0), (2, 1)]
    assert "agreement: median over (n, ridge)" in result.output
    assert (tmp_path / "curve.png").stat().st_size > 10_000


def test_bad_comma_lists_fail_before_any_curve_runs(tmp_path):
    for option, value, message in [("--width", "1,,2", "`--width` must be a value"),
                                   ("--width", "1,wide", "`--width` must be numbers"),
                                   ("--seed", "0,0", "lists a value twice"),
                                   ("--kernel", "gaussian,cosine", "`kernel` must be one of")]:
        result = runner.invoke(app, ["curve", "--quick", option, value, "--out",
                                     str(tmp_path)])
        assert result.exit_code == 2, (option, value, result.output)
        assert message in result.output, result.output
        assert not (tmp_path / "store").exists()
