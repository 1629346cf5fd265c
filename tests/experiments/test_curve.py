"""Tests for `eigenlab/experiments/_curve.py`: the main job, end to end."""

import os
from pathlib import Path

import numpy as np
import pytest

from eigenlab.experiments import CurveConfig, agreement, run_curve

SHARED = Path(os.environ.get("EIGENLAB_DATA_DIR", Path(__file__).parents[3] / "shared" /
                             "datasets"))


def test_quick_run_on_the_embedded_digits():
    stages = []
    config = CurveConfig(pool=500, n=(10, 25, 50), ridges=(1e-3, 1e-1), trials=2, seed=3)
    result = run_curve(config, progress=lambda done, total, stage: stages.append(stage))
    frame = result.frame
    assert set(frame["source"]) == {"theory:empirical", "experiment"}
    assert len(frame) == 3 * 2 + 3 * 2 * 2
    for column in ("n", "ridge", "source", "test_mse", "train_mse", "dataset", "kernel",
                   "width", "target", "pool", "seed", "eigenlab_version"):
        assert column in frame.columns
    assert {"loading data", "eigendecomposition (empirical theory)", "measuring"} <= set(stages)
    assert result.eigensystems["empirical"].n_modes == 500
    assert 0 <= result.agreement["empirical"] < 0.3
    assert set(result.agreement_by_ridge["empirical"]) == {1e-3, 1e-1}
    assert result.diagnostics is None
    # The off-training-set correction raises the prediction above the pool-population one.
    theory = frame[frame["source"] == "theory:empirical"]
    assert np.all(theory["test_mse"] >= theory["population_test_mse"])


def test_agreement_is_a_median_log_ratio():
    assert agreement([1.0, 2.0, 4.0], [1.0, 1.0, 1.0]) == pytest.approx(np.log(2.0))
    assert np.isnan(agreement([0.0], [1.0]))


@pytest.mark.skipif(not (SHARED / "mnist").exists(), reason="real MNIST files not available")
def test_mnist_prediction_within_ten_percent():
    # Issue 3's check: the empirical-eigensystem prediction is within 10% of the measured
    # test MSE for n up to a tenth of the pool (plus 3 standard errors of the measurement).
    config = CurveConfig(dataset="mnist", data_dir=str(SHARED), pool=2000,
                         n=(10, 30, 80, 200), ridges=(1e-3,), trials=4, seed=0)
    result = run_curve(config)
    frame = result.frame
    predicted = frame[frame["source"] != "experiment"].sort_values("n")["test_mse"].to_numpy()
    groups = frame[frame["source"] == "experiment"].groupby("n")["test_mse"]
    mean, error = groups.mean().to_numpy(), (groups.std() / np.sqrt(groups.count())).to_numpy()
    assert np.all(np.abs(predicted - mean) <= 0.10 * mean + 3 * error)
    assert result.display_name == "MNIST"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"n": (10, 600)}, "`n` must stay below `pool`"),
        ({"theory": "hermite"}, "`theory` must list sources"),
        ({"dtype": "float16"}, "`dtype` must be"),
        ({"ridges": (-1.0,)}, "`ridges` must list values >= 0"),
        ({"width": 0.0}, "`width` must be > 0"),
    ],
)
def test_bad_configs_fail_before_any_work(changes, message):
    arguments = {"pool": 500, "n": (10,), **changes}
    with pytest.raises(ValueError, match=message):
        CurveConfig(**arguments)


def test_bad_names_are_reported_before_any_work():
    with pytest.raises(ValueError, match="`target` must be one of"):
        CurveConfig(pool=100, n=(10,), target="odd-ish")
    with pytest.raises(ValueError, match="`kernel` must be one of"):
        CurveConfig(pool=100, n=(10,), kernel="sigmoid")
    with pytest.raises(ValueError, match="`dataset` must be one of"):
        CurveConfig(pool=100, n=(10,), dataset="imagenet")
    with pytest.raises(ValueError, match="`pool` must be at most the 5000 samples"):
        run_curve(CurveConfig(pool=5001, n=(10,), trials=1))


def test_hea_and_empirical_together():
    config = CurveConfig(pool=600, n=(10, 30, 60), ridges=(1e-3,), trials=2,
                         theory="empirical,hea", hea_samples=3000, hea_modes=2000)
    result = run_curve(config)
    assert config.theory == ("empirical", "hea")
    assert set(result.frame["source"]) == {"theory:empirical", "theory:hea", "experiment"}
    assert set(result.agreement) == {"empirical", "hea"}
    assert result.diagnostics is not None
    assert result.diagnostics.effective_dimension > 10  # MNIST digits are not low-dimensional
    # The HEA needs no kernel matrix: its eigensystem is as long as asked, not the pool size.
    assert result.eigensystems["hea"].n_modes == 2000
    assert result.agreement["hea"] < 0.3
