"""Tests for `eigenlab rf` through the command line."""

import pandas as pd
from typer.testing import CliRunner

from eigenlab.cli import app

runner = CliRunner()


def test_rf_quick_writes_tables_plot_and_the_checks(tmp_path):
    result = runner.invoke(app, ["rf", "--quick", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(tmp_path / "rf.parquet")
    assert {"source", "n", "k", "ridge", "trial", "test_mse", "train_mse"} <= set(frame.columns)
    assert 64 in set(frame["k"])  # the peak k = n is always measured
    optimal = pd.read_parquet(tmp_path / "rf_optimal.parquet")
    assert set(optimal["source"]) == {"experiment", "theory"}
    assert (tmp_path / "rf.png").stat().st_size > 10_000
    assert "agreement" in result.output and "more is better along k" in result.output


def test_rf_on_a_dataset_uses_relu_features_by_default(tmp_path):
    result = runner.invoke(app, ["rf", "--quick", "--data", "mnist5k", "--k", "16,64,256",
                                 "--n", "64", "--noise", "0", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(tmp_path / "rf.parquet")
    assert set(frame["features"]) == {"relu"}
    assert "pool population" in result.output


def test_rf_bad_input_is_one_clear_line(tmp_path):
    result = runner.invoke(app, ["rf", "--quick", "--features", "relu", "--out",
                                 str(tmp_path)])
    assert result.exit_code == 2 and "exactly when `data` is 'planted'" in result.output
    assert not (tmp_path / "rf.parquet").exists()
