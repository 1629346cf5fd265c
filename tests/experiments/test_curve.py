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


def test_the_curve_job_through_the_sweep_gives_run_curves_rows_with_their_summaries(
        tmp_path):
    from dataclasses import asdict

    from eigenlab.experiments import sweep

    config = CurveConfig(pool=500, n=(10, 40), ridges=(1e-3,), trials=2, seed=5,
                         theory="empirical,hea", hea_samples=2000, hea_modes=1000)
    direct = run_curve(config)
    fixed = asdict(config)
    widths = [config.width, 2.0]
    fixed.pop("width")
    result = sweep("curve", _grid({"width": widths}, fixed), store=tmp_path,
                   engine="inprocess")
    frame = result.frame()
    assert frame["config_hash"].nunique() == 2 and set(frame["width"]) == set(widths)
    mine = frame[frame["width"] == config.width].reset_index(drop=True)
    expected = direct.frame.reset_index(drop=True)
    for column in ("source", "n", "ridge", "trial", "test_mse", "train_mse"):
        np.testing.assert_array_equal(mine[column].to_numpy(), expected[column].to_numpy())
    # The summaries travel with the rows: agreement per theory source, pool and HEA checks.
    theory = mine[mine["source"] == "theory:hea"]
    assert theory["agreement"].iloc[0] == pytest.approx(direct.agreement["hea"])
    assert mine["pool_effective_dimension"].iloc[0] == pytest.approx(
        direct.pool_effective_dimension)
    assert mine["hea_effective_dimension"].iloc[0] == pytest.approx(
        direct.diagnostics.effective_dimension)
    assert mine.loc[mine["source"] == "experiment", "agreement"].isna().all()
    # The same command again finds both points finished.
    again = sweep("curve", _grid({"width": widths}, fixed), store=tmp_path,
                  engine="inprocess")
    assert (again.n_skipped, again.n_run) == (2, 0)


def _grid(axes, fixed):
    from eigenlab.experiments import Grid

    return Grid(axes, fixed=fixed)


def _small(**changes):
    return CurveConfig(**{"pool": 600, "n": (10, 30, 60), "ridges": (1e-3,), "trials": 2,
                          **changes})


def test_normalize_puts_the_pool_rows_on_the_sphere():
    plain = run_curve(_small())
    sphere = run_curve(_small(normalize="sphere"))
    assert sphere.config.normalize is True and plain.config.normalize is False
    # Handwritten digits' squared norms spread by about 27%; on the sphere only the
    # re-centring after the projection moves them (by about 2%).
    assert plain.pool_norm_spread > 0.2
    assert sphere.pool_norm_spread < 0.03
    assert set(sphere.frame["normalize"]) == {True}


def test_zca_raises_the_effective_dimension_the_hea_sees():
    options = {"theory": "hea", "hea_samples": 3000, "hea_modes": 2000}
    plain = run_curve(_small(**options))
    whitened = run_curve(_small(zca=1e-2, **options))
    assert whitened.diagnostics.effective_dimension > 1.2 * plain.diagnostics.effective_dimension
    # One map transforms the pool and the HEA's sample: their spectra agree.
    for result in (plain, whitened):
        assert result.pool_effective_dimension == pytest.approx(
            result.diagnostics.effective_dimension, rel=0.1)
    assert set(whitened.frame["zca"]) == {1e-2}
    assert whitened.agreement["hea"] < 0.3


def test_the_preprocessing_is_one_map_fitted_on_the_pool(rng):
    from eigenlab.experiments._curve import _preprocessing

    raw = rng.integers(0, 256, size=(300, 6, 6), dtype=np.uint8)
    for changes in ({}, {"normalize": True}, {"zca": 1e-1}, {"zca": 1e-1, "normalize": True},
                    {"kernel": "polynomial", "zca": 1e-2}):
        transform = _preprocessing(raw, _small(**changes))
        fitted = transform(None, is_reference=True)
        # Applied to the pool's own raw samples the map gives what fitting produced, and it
        # acts row by row: a subset maps to the same rows.
        np.testing.assert_allclose(transform(raw), fitted, atol=1e-12)
        np.testing.assert_allclose(transform(raw[::7]), fitted[::7], atol=1e-12)
        norms = np.sum(fitted**2, axis=1)
        if changes.get("kernel") == "polynomial":  # dot-product kernels: on the sphere
            np.testing.assert_allclose(norms, 1.0, atol=1e-12)
        else:  # centred, unit mean squared norm
            np.testing.assert_allclose(fitted.mean(axis=0), 0.0, atol=1e-12)
            assert np.mean(norms) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"zca": -1e-3}, "`zca` must be None or a finite partial-ZCA strength >= 0"),
        ({"zca": float("nan")}, "`zca` must be None"),
        ({"zca": True}, "`zca` must be None"),
        ({"zca": "5e-3"}, "`zca` must be None"),
        ({"normalize": "cube"}, "`normalize` must be True, False, 'none' or 'sphere'"),
        ({"normalize": 2}, "`normalize` must be"),
    ],
)
def test_bad_preprocessing_fails_before_any_work(changes, message):
    with pytest.raises(ValueError, match=message):
        CurveConfig(pool=500, n=(10,), **changes)


def test_with_label_noise_the_held_out_prediction_follows_the_measurement():
    # With noise, fresh labels at training points cost 2 eps^2 tr(S)/n more than the train
    # error; the off-training-set prediction must account for it once n is a fair share of
    # the pool (without that term it over-predicts by 30% at n = M/5).
    config = CurveConfig(pool=1000, n=(50, 100, 200), ridges=(1e-3, 1e-1), trials=8,
                         noise=0.5, seed=4)
    result = run_curve(config)
    measured = result.measured.test_mse
    mean, error = measured.mean(axis=0), measured.std(axis=0) / np.sqrt(measured.shape[0])
    predicted = result.frame[result.frame["source"] == "theory:empirical"]["test_mse"]
    predicted = predicted.to_numpy().reshape(mean.shape)
    assert np.all(np.abs(predicted / mean - 1) < 0.04 + 3 * error / mean), (predicted, mean)


def test_hea_curves_on_the_same_data_share_one_cache_and_match_fresh_ones():
    # A grid over widths on the same HEA sample reuses the process's HermiteCache: the
    # second width's prediction equals a fresh analysis's.
    from eigenlab.experiments import _curve

    def hea(width):
        config = CurveConfig(pool=500, n=(10, 40), ridges=(1e-3,), trials=1, theory="hea",
                             hea_samples=2000, hea_modes=800, width=width, seed=2)
        return run_curve(config).eigensystems["hea"]

    _curve._HEA_CACHES.clear()
    hea(1.0)
    shared = hea(2.0)
    assert len(_curve._HEA_CACHES) == 1
    assert next(iter(_curve._HEA_CACHES.values())).n_columns > 200  # both widths' columns
    _curve._HEA_CACHES.clear()
    fresh = hea(2.0)
    assert list(shared.mode_labels) == list(fresh.mode_labels)
    np.testing.assert_allclose(shared.target_coeffs, fresh.target_coeffs, atol=1e-10)
    np.testing.assert_allclose(shared.eigenvalues, fresh.eigenvalues, rtol=1e-12)
