"""Runs `examples/krr_real_data.py` at tiny size on the embedded digits."""

import importlib.util
from pathlib import Path

import numpy as np

SCRIPT = Path(__file__).parents[2] / "examples" / "krr_real_data.py"


def _load():
    spec = importlib.util.spec_from_file_location("krr_real_data", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_study_runs_and_agrees(tmp_path):
    summary = _load().main(datasets=("mnist5k",), quick=True, out_dir=tmp_path,
                           theory=("empirical", "hea"))
    assert list(summary["dataset"]) == ["MNIST-5k"]
    assert (tmp_path / "krr_real_data.png").stat().st_size > 10_000
    assert (tmp_path / "krr_real_data.parquet").exists()
    row = summary.iloc[0]
    assert np.isfinite(row["agreement_empirical"]) and row["agreement_empirical"] < 0.3
    assert np.isfinite(row["agreement_empirical_uncorrected"])
    assert row["agreement_hea"] < 0.3 and row["effective_dimension"] > 10


def test_quick_study_with_a_kernel_and_preprocessing(tmp_path):
    summary = _load().main(datasets=("mnist5k",), quick=True, out_dir=tmp_path,
                           theory=("hea",), widths=(4.0,), kernel="laplace", zca=1e-2,
                           normalize=True)
    row = summary.iloc[0]
    assert row["kernel"] == "laplace" and row["zca"] == 1e-2 and row["normalize"]
    # Partial ZCA lifts the digits' effective dimension (about 30 without it).
    assert row["effective_dimension"] > 35 and row["pool_effective_dimension"] > 35
    assert np.isfinite(row["agreement_hea"]) and "agreement_empirical" not in summary
