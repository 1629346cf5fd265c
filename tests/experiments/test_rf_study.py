"""run_rf: measured random-feature ridge regression against the RF eigenframework."""

import numpy as np
import pytest

from eigenlab.experiments import RFConfig, run_rf


@pytest.fixture(scope="module")
def planted():
    config = RFConfig(n=(64,), k=(8, 16, 32, 64, 128, 256), ridges=(1e-3, 1e-1, 1.0, 10.0),
                      trials=6, modes=600, test_size=500, seed=3)
    return run_rf(config)


def test_theory_follows_the_measurement_over_k_and_ridge(planted):
    # Independent routes: simulated RF ridge regression vs the one-root RF eigenframework.
    assert planted.agreement < 0.12
    frame = planted.frame
    assert set(frame["source"]) == {"theory", "experiment"}
    assert len(frame[frame["source"] == "experiment"]) == 6 * 6 * 4
    measured = frame[frame["source"] == "experiment"].groupby(["k", "ridge"])["test_mse"]
    stats = measured.agg(["mean", "sem"])
    theory = frame[frame["source"] == "theory"].set_index(["k", "ridge"])["test_mse"]
    # Everywhere, the peak included: within 10% plus three standard errors (the Gaussian
    # universality the theory assumes is loosest at k = 8 features).
    for (k, ridge), (mean, sem) in stats.iterrows():
        assert abs(theory[(k, ridge)] / mean - 1) < 0.1 + 3 * sem / mean, (k, ridge)


def test_double_descent_peaks_at_k_equal_n_in_both(planted):
    frame = planted.frame
    small = frame[np.isclose(frame["ridge"], 1e-3)]
    for source in ("experiment", "theory"):
        curve = small[small["source"] == source].groupby("k")["test_mse"].mean()
        assert curve.idxmax() == 64, source
        assert curve.max() > 2 * curve.loc[256] and curve.max() > 1.5 * curve.loc[16]
    dense = planted.theory_curves
    peak = dense[(dense["along"] == "k") & np.isclose(dense["ridge"], 1e-3)]
    assert peak.loc[peak["test_mse"].idxmax(), "k"] == 64


def test_more_is_better_at_the_optimal_ridge(planted):
    # Theorem 1 of "More is better": optimally tuned test MSE is non-increasing in k.
    assert planted.more_is_better["k"] <= 2.0
    theory = planted.optimal[planted.optimal["source"] == "theory"].sort_values("k")
    assert np.all(np.diff(theory["test_mse"]) <= 1e-12)
    measured = planted.optimal[planted.optimal["source"] == "experiment"].sort_values("k")
    # The theory's optimum is no worse than any measured grid ridge, within noise.
    for (_, m), (_, t) in zip(measured.iterrows(), theory.iterrows(), strict=True):
        assert t["test_mse"] < m["grid_test_mse"] * 1.15


@pytest.mark.parametrize("changes, message", [
    ({"features": "relu"}, "`features` must be 'gaussian' exactly when `data` is 'planted'"),
    ({"data": "mnist5k", "features": "gaussian"}, "exactly when"),
    ({"data": "imagenet", "features": "relu"}, "`data` must be 'planted' or a dataset"),
    ({"k": ()}, "`k` must list at least one value"),
    ({"alpha": 0.5}, "`alpha` must be > 1"),
    ({"data": "mnist5k", "features": "relu", "pool": 500, "n": (400,), "test_size": 200},
     "`pool` (500) must hold the largest n"),
])
def test_bad_configs_fail_before_any_work(changes, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        RFConfig(**changes)
