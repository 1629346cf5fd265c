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
