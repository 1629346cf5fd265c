"""Runs `examples/more_is_better.py` at tiny size on the bundled MNIST digits."""

import importlib.util
from pathlib import Path

import numpy as np

SCRIPT = Path(__file__).parents[2] / "examples" / "more_is_better.py"


def _load():
    spec = importlib.util.spec_from_file_location("more_is_better", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_study_runs_and_shows_the_peak(tmp_path):
    summary = _load().main(dataset="mnist5k", quick=True, out_dir=tmp_path)
    assert (tmp_path / "more_is_better.png").stat().st_size > 10_000
    assert (tmp_path / "more_is_better.parquet").exists()
    assert (tmp_path / "optimal_ridge.csv").exists()
    assert list(summary["sweep"]) == ["k", "n", "k", "n"]
    # The ridgeless-like peak sits at k = n (fixed at 32 in the quick study) ...
    assert (summary["peak_at"] == 32).all()
    assert (summary["peak_test_mse"] > 3 * summary["optimal_last"]).all()
    # ... and at optimal ridge more features or samples do not hurt (two trials: loosely).
    assert (summary["optimal_last"] < summary["optimal_first"]).all()
    if "agreement" in summary:
        assert np.all(summary["agreement"] < 0.3)
