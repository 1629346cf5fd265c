"""Tests for `eigenlab overfit` through the command line."""

import pandas as pd
from typer.testing import CliRunner

from eigenlab.cli import app

runner = CliRunner()


def test_overfit_quick_writes_tables_plot_and_the_regimes(tmp_path):
    result = runner.invoke(app, ["overfit", "--quick", "--n", "25,100", "--out",
                                 str(tmp_path)])
    assert result.exit_code == 0, result.output
    coefficients = pd.read_parquet(tmp_path / "overfit.parquet")
    assert set(coefficients["method"]) == {"noise-fit", "estimator", "theory"}
    assert set(coefficients["kernel"]) == {"laplace", "gaussian"}
    noisy = pd.read_parquet(tmp_path / "overfit_noise.parquet")
    assert set(noisy["noise"]) == {0.0, 0.5, 1.0} and set(noisy["learner"]) == {"krr"}
    assert (tmp_path / "overfit.png").stat().st_size > 10_000
    assert "laplace: regime: tempered" in result.output
    assert "gaussian: regime: catastrophic" in result.output


def test_overfit_bad_input_is_one_clear_line(tmp_path):
    result = runner.invoke(app, ["overfit", "--quick", "--domain", "imagenet", "--out",
                                 str(tmp_path)])
    assert result.exit_code == 2 and "`domain` must be 'sphere' or a dataset" in result.output
    result = runner.invoke(app, ["overfit", "--quick", "--kernel", "cosine", "--out",
                                 str(tmp_path)])
    assert result.exit_code == 2 and "`kernels` must list" in result.output
    result = runner.invoke(app, ["overfit", "--quick", "--noise", "0.5", "--out",
                                 str(tmp_path)])
    assert result.exit_code == 2 and "`noise` must list at least two" in result.output
    assert not (tmp_path / "overfit.parquet").exists()
