"""Runs `examples/mlp_hermite_monomials.py` at tiny size (Gaussian inputs and the digits)."""

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

SCRIPT = Path(__file__).parents[2] / "examples" / "mlp_hermite_monomials.py"


def _load():
    spec = importlib.util.spec_from_file_location("mlp_hermite_monomials", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_quick_study_runs_and_learns_in_hea_order(tmp_path, one_thread):
    fits = _load().main(datasets=("gaussian", "digits"), quick=True, out_dir=tmp_path)
    assert (tmp_path / "mlp_hermite_monomials.png").stat().st_size > 10_000
    runs = pd.read_parquet(tmp_path / "mlp_hermite_monomials.parquet")
    assert set(runs["inputs"]) == set(fits["inputs"]) and len(set(runs["inputs"])) == 2
    assert pd.read_parquet(tmp_path / "mlp_hermite_monomials_fits.parquet").shape == fits.shape
    gaussian = fits[(fits["inputs"] == "Gaussian d=200") & (fits["threshold"] == 0.15)].iloc[0]
    assert gaussian["n_used"] >= 3 and gaussian["spearman"] > 0.5
    assert np.isfinite(gaussian["slope"]) and 0.1 < gaussian["slope"] < 1.0
    assert (runs["hea_eigenvalue"] > 0).all() and not runs["diverged"].any()
