"""Tests for `eigenlab/cli`: the `predict` subcommand end to end, with CliRunner."""

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from eigenlab.cli import app
from eigenlab.cli._predict import parse_grid
from eigenlab.spectra import power_law_eigensystem
from eigenlab.theory import krr_learning_curve

runner = CliRunner()


def test_predict_quick_writes_the_tidy_table_and_plot(tmp_path):
    result = runner.invoke(app, ["predict", "--quick", "--noise", "0.2", "--out",
                                 str(tmp_path)])
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(tmp_path / "predict.parquet")
    assert (tmp_path / "predict.png").stat().st_size > 10_000
    assert {"n", "ridge", "source", "test_mse", "train_mse", "alpha", "beta",
            "eigenlab_version"} <= set(frame.columns)
    assert set(frame["source"]) == {"theory"}
    assert frame["n"].max() <= 1000
    # The table holds the library's answer for the same settings.
    row = frame[(frame["ridge"] == 1e-3)].iloc[-1]
    es = power_law_eigensystem(5000, alpha=1.5, beta=1.3, normalize_target=True)
    expected = krr_learning_curve(es, row["n"], ridge=1e-3, noise=0.2)
    assert row["test_mse"] == pytest.approx(float(expected.test_mse), rel=1e-12)
    assert "test_mse" in result.output


@pytest.mark.parametrize("spectrum", ["circle", "hypercube", "sphere"])
def test_predict_on_analytic_domains(tmp_path, spectrum):
    size = {"circle": "64", "hypercube": "8", "sphere": "5"}[spectrum]
    result = runner.invoke(app, ["predict", "--spectrum", spectrum, "--size", size,
                                 "--n", "2:50:5", "--ridge", "1e-3", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(tmp_path / "predict.parquet")
    test = frame["test_mse"].to_numpy()
    # A hard target's error can first rise with n (variance before learning), then falls.
    assert np.all(np.isfinite(test)) and test[-1] < test[0]
    assert frame["spectrum"].iloc[0] == spectrum


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--n", "ten"], "--n"),
        (["--ridge", "-1"], "ridge"),
        (["--alpha", "0.5"], "alpha"),
        (["--spectrum", "torus"], "torus"),
    ],
)
def test_bad_options_fail_with_a_message(tmp_path, args, message):
    result = runner.invoke(app, ["predict", "--out", str(tmp_path), *args])
    assert result.exit_code != 0
    assert message in result.output


def test_grid_parsing():
    assert parse_grid("1:100:3", "n").tolist() == [1.0, 10.0, 100.0]
    assert parse_grid("0, 1e-3", "ridge").tolist() == [0.0, 1e-3]
    with pytest.raises(ValueError, match="`--n` must be"):
        parse_grid("1:2", "n")


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and "eigenlab" in result.output
