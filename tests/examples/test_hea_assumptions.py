"""Runs `examples/hea_assumptions.py` at tiny size, and checks its surrogates."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).parents[2] / "examples" / "hea_assumptions.py"


def _load():
    spec = importlib.util.spec_from_file_location("hea_assumptions", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_surrogates_repair_one_assumption_each(rng):
    module = _load()
    # Dependent, non-Gaussian coordinates: z1 = z0^2 - 1 (uncorrelated with z0, not
    # independent of it).
    z0 = rng.standard_normal(20_000)
    z = np.stack([z0, (z0**2 - 1) / np.sqrt(2)], axis=1)
    dependence = abs(np.corrcoef(z[:, 0] ** 2, z[:, 1])[0, 1])
    assert dependence > 0.5

    independent = module.surrogate(z, "independent", rng)
    # Same marginals (a permutation of each column), dependence gone.
    np.testing.assert_array_equal(np.sort(independent, axis=0), np.sort(z, axis=0))
    assert abs(np.corrcoef(independent[:, 0] ** 2, independent[:, 1])[0, 1]) < 0.05

    gaussianized = module.surrogate(z, "gaussianized", rng)
    # Same ranks (the dependence kept), Gaussian marginals: no skew, kurtosis 3.
    np.testing.assert_array_equal(np.argsort(gaussianized, axis=0), np.argsort(z, axis=0))
    column = gaussianized[:, 1]
    assert abs(np.mean(column**3)) < 0.01 and np.mean(column**4) == pytest.approx(3, abs=0.05)
    assert np.mean(z[:, 1] ** 3) > 1.5  # the original column was strongly skewed
    with pytest.raises(ValueError, match="`variant` must be one of"):
        module.surrogate(z, "uniform", rng)


def test_quick_comparison_on_the_embedded_digits(tmp_path):
    summary = _load().main(dataset="mnist5k", quick=True, out_dir=tmp_path)
    assert list(summary["variant"]) == ["data", "gaussianized", "independent", "gaussian"]
    assert (tmp_path / "hea_assumptions.png").stat().st_size > 10_000
    # MNIST digits are high-dimensional: the HEA's top eigenvalues are within about 25% of
    # the Gram matrix's on every variant, and its learning curve close to the Gram one.
    assert np.all(summary["median_abs_log_ratio"] < 0.25)
    assert np.all(summary["effective_dimension"] > 20)
    data = summary.iloc[0]
    assert data["curve_agreement"] < 0.15
    assert 0 < data["target_power_top10_hea"] < data["target_power_top100_hea"] <= 1
