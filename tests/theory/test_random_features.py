"""Tests for `eigenlab/theory/_random_features.py`: RF theory against simulation and limits."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from threadpoolctl import threadpool_limits  # installed with scikit-learn

from eigenlab.spectra import Eigensystem, power_law_eigensystem
from eigenlab.theory import krr_learning_curve, rf_learning_curve


def _simulate_linear_rf(rng, eigenvalues, coeffs, n, k, ridge, noise, trials):
    """Monte Carlo linear random-feature ridge regression on a Gaussian design.

    x_i ~ N(0, lambda_i) and features w.x / sqrt(k) with w ~ N(0, I): the limiting kernel
    x.x' has eigenvalues lambda_i and eigenfunctions x_i / sqrt(lambda_i). Ridge on the
    n x n random-feature Gram matrix; ridge 0 is the minimum-norm least-squares fit.
    Returns per-trial population test MSE (noisy labels) and train MSE.
    """
    root = np.sqrt(eigenvalues)
    tests, trains = [], []
    with threadpool_limits(1):  # small products: threads only contend (5x slower on 2 cores)
        for _ in range(trials):
            phi = rng.standard_normal((n, root.size))
            y = phi @ coeffs + np.sqrt(noise) * rng.standard_normal(n)
            w = rng.standard_normal((k, root.size))
            features = (phi * root) @ w.T / np.sqrt(k)
            if ridge > 0:
                dual = np.linalg.solve(features @ features.T + ridge * np.eye(n), y)
                weights = features.T @ dual
            else:
                weights = np.linalg.lstsq(features, y, rcond=None)[0]
            learned = root * (w.T @ weights) / np.sqrt(k)
            tests.append(np.sum((learned - coeffs) ** 2) + noise)
            trains.append(np.mean((y - features @ weights) ** 2))
    return np.array(tests), np.array(trains)


def _errata_task():
    # The review errata's check: P = 800, lambda_i = i^-1.5, v_i^2 ~ i^-1.2 normalised.
    index = np.arange(1, 801.0)
    power = index ** -1.2
    return index ** -1.5, np.sqrt(power / power.sum())


@pytest.mark.parametrize(("n", "k", "ridge"), [
    (150, 30, 0.0), (150, 100, 0.0), (150, 140, 1e-2), (150, 150, 1e-3), (150, 150, 1e-2),
    (150, 160, 1e-2), (150, 300, 0.0), (150, 300, 1e-1), (150, 600, 1e-3), (40, 80, 0.0),
    (40, 40, 1e-2), (300, 100, 1e-2), (300, 600, 0.0)])
def test_matches_monte_carlo_linear_random_features(rng, n, k, ridge):
    # Across the double-descent peak at k = n. Tolerance: 4 standard errors of the 40-draw
    # mean plus 4% for finite-size offsets (the review measured up to ~4% near the ridgeless
    # peak, n = 150, k = 100; we measured < 1.5% for test MSE with 150 draws at n = 150).
    eigenvalues, coeffs = _errata_task()
    noise, trials = 0.1, 40
    tests, trains = _simulate_linear_rf(rng, eigenvalues, coeffs, n, k, ridge, noise, trials)
    curve = rf_learning_curve(Eigensystem(eigenvalues, coeffs), n, k, ridge=ridge,
                              noise=noise)
    for measured, predicted in [(tests, curve.test_mse), (trains, curve.train_mse)]:
        error = 4 * measured.std(ddof=1) / np.sqrt(trials) + 0.04 * float(predicted) + 1e-12
        assert abs(measured.mean() - float(predicted)) <= error


def test_errata_train_mse_of_ridgeless_underparameterised_features():
    # Errata 1: E_tr = (1 - z/n)^2 E_te, nonzero for ridgeless k < n (simulated 0.3991 and
    # 0.1117 in the review's 300-draw check).
    eigenvalues, coeffs = _errata_task()
    curve = rf_learning_curve(Eigensystem(eigenvalues, coeffs), 150, [30, 100], noise=0.1)
    assert curve.train_mse == pytest.approx([0.4001, 0.1127], abs=1e-4)


def test_peak_at_k_equal_n():
    es = power_law_eigensystem(5000, alpha=1.5, beta=1.3, normalize_target=True)
    k = np.arange(50, 151)
    curve = rf_learning_curve(es, 100, k, ridge=1e-4, noise=0.1)
    assert abs(int(k[np.argmax(curve.test_mse)]) - 100) <= 2
    assert curve.test_mse.max() > 5 * curve.test_mse[0]


def _rich_eigensystem():
    rng = np.random.default_rng(3)
    eigenvalues = np.sort(rng.uniform(0, 1, 300) ** 4)[::-1]
    coeffs = rng.normal(size=(300, 2))
    multiplicities = rng.integers(1, 5, 300).astype(float)
    return Eigensystem(eigenvalues, coeffs, multiplicities=multiplicities, tail_mass=0.02,
                       target_tail=[0.1, 0.3])


def test_kernel_limit_is_krr_exactly():
    es = _rich_eigensystem()
    n = np.array([1.0, 10, 100, 1000, 5000])[:, None]
    ridge = np.array([0.0, 1e-6, 1e-2, 10.0])[None, :]
    krr = krr_learning_curve(es, n, ridge=ridge, noise=0.3, method="exact")
    rf = rf_learning_curve(es, n, np.inf, ridge=ridge, noise=0.3, method="exact")
    for name in ["effective_ridge", "overfitting_coefficient", "test_mse", "train_mse",
                 "bias", "variance", "learnability_sum"]:
        np.testing.assert_allclose(getattr(rf, name), getattr(krr, name), rtol=1e-12,
                                   err_msg=name)
    tabulated = rf_learning_curve(es, n, np.inf, ridge=ridge, noise=0.3,
                                  method="interpolated")
    np.testing.assert_allclose(tabulated.test_mse, krr.test_mse, rtol=1e-10)
    np.testing.assert_array_equal(rf.feature_ridge, rf.effective_ridge)
    wide = rf_learning_curve(es, n, 1e12, ridge=ridge, noise=0.3)
    np.testing.assert_allclose(wide.test_mse, krr.test_mse, rtol=1e-8)
    # Train MSE at tiny ridge is (n - z)^2-sensitive: the 1/k correction shows at 1e-8.
    np.testing.assert_allclose(wide.train_mse, krr.train_mse, rtol=1e-6)


def test_ridgeless_underparameterised_limit_is_classical():
    es = power_law_eigensystem(2000, alpha=1.5, beta=1.2, normalize_target=True)
    n, k = 200.0, np.array([1.0, 10, 50, 150, 199])
    curve = rf_learning_curve(es, n, k, noise=0.2)
    np.testing.assert_allclose(curve.overfitting_coefficient, n / (n - k), rtol=1e-12)
    np.testing.assert_allclose(curve.train_mse, (1 - k / n) ** 2 * curve.test_mse,
                               rtol=1e-12)
    assert np.all(curve.effective_ridge == 0)
    # The boundary gamma_k: df1(gamma_k) = k, i.e. the KRR effective ridge at n = k.
    np.testing.assert_allclose(curve.feature_ridge,
                               krr_learning_curve(es, k).effective_ridge, rtol=1e-12)
    # ... and it is the limit of small ridge (linear in ridge; slowest next to the peak).
    small = rf_learning_curve(es, n, k, ridge=1e-14, noise=0.2)
    np.testing.assert_allclose(small.test_mse, curve.test_mse, rtol=1e-7)


def test_ridgeless_overparameterised_is_the_limit_of_small_ridge():
    es = power_law_eigensystem(2000, alpha=1.5, beta=1.2, normalize_target=True)
    curve = rf_learning_curve(es, 100, [150, 400, 3000], noise=0.2)
    small = rf_learning_curve(es, 100, [150, 400, 3000], ridge=1e-12, noise=0.2)
    np.testing.assert_allclose(small.test_mse, curve.test_mse, rtol=1e-6)
    np.testing.assert_allclose(curve.learnability_sum, 100, rtol=1e-12)
    assert np.all(curve.train_mse == 0)


def test_multiplicities_equal_repeated_modes():
    # A level of m modes with power v^2 is m copies of the eigenvalue with power v^2/m each.
    lam = np.array([1.0, 0.3, 0.05, 0.01])
    mult = np.array([1.0, 3.0, 5.0, 20.0])
    coeffs = np.array([0.5, 0.7, 0.3, 0.2])
    levels = Eigensystem(lam, coeffs, multiplicities=mult)
    copies = Eigensystem(np.repeat(lam, mult.astype(int)),
                         np.repeat(coeffs / np.sqrt(mult), mult.astype(int)))
    args = dict(n=np.array([3.0, 12.0, 40.0])[:, None], k=np.array([2.0, 12.0, 80.0]))
    for ridge in [0.0, 1e-2]:
        a = rf_learning_curve(levels, **args, ridge=ridge, noise=0.1)
        b = rf_learning_curve(copies, **args, ridge=ridge, noise=0.1)
        np.testing.assert_allclose(a.test_mse, b.test_mse, rtol=1e-10)
        np.testing.assert_allclose(a.train_mse, b.train_mse, rtol=1e-10, atol=1e-300)


def test_tail_mass_matches_the_untruncated_spectrum():
    full = power_law_eigensystem(200_000, alpha=1.5, beta=1.3, normalize_target=True)
    cut = full.truncate(20_000)
    n = np.array([10.0, 100.0, 1000.0])[:, None]
    k = np.array([5.0, 100.0, 5000.0, np.inf])
    a = rf_learning_curve(full, n, k, ridge=1e-3, noise=0.1)
    b = rf_learning_curve(cut, n, k, ridge=1e-3, noise=0.1)
    np.testing.assert_allclose(b.test_mse, a.test_mse, rtol=2e-3)


def test_multi_output_sums_single_outputs():
    es = _rich_eigensystem()
    both = rf_learning_curve(es, [20.0, 200.0], 50, ridge=1e-3, noise=0.1)
    parts = [rf_learning_curve(es.with_target(es.target_coeffs[:, j],
                                              target_tail=es.target_tail[j]),
                               [20.0, 200.0], 50, ridge=1e-3, noise=0.1) for j in range(2)]
    np.testing.assert_allclose(both.test_mse, parts[0].test_mse + parts[1].test_mse,
                               rtol=1e-12)


def test_grid_is_vectorised_and_converges_on_extremes():
    es = power_law_eigensystem(3000, alpha=2.5, beta=1.5)
    n = np.logspace(0, 6, 7)[:, None, None]
    k = np.logspace(0, 8, 9)[None, :, None]
    ridge = np.concatenate([[0.0], np.logspace(-100, 100, 9)])[None, None, :]
    grid = rf_learning_curve(es, n, k, ridge=ridge, noise=0.1)
    assert grid.shape == (7, 9, 10) and np.all(grid.converged)
    assert np.all(grid.overfitting_coefficient >= 1 - 1e-12)
    point = rf_learning_curve(es, 1000.0, 100.0, ridge=1e-50, noise=0.1)
    np.testing.assert_allclose(grid.test_mse[3, 2, 3], point.test_mse, rtol=1e-12)
    # Huge ridge: nothing is learned.
    np.testing.assert_allclose(grid.test_mse[..., -1], es.total_target_power + 0.1,
                               rtol=1e-10)


@pytest.mark.parametrize("spectrum", ["power", "rich"])
def test_interpolated_route_equals_exact(spectrum):
    es = (power_law_eigensystem(5000, alpha=1.5, beta=1.3, normalize_target=True)
          if spectrum == "power" else _rich_eigensystem())
    n = np.logspace(0, 4, 9)[:, None, None]
    k = np.concatenate([np.logspace(0, 5, 11), [np.inf]])[None, :, None]
    ridge = np.array([0.0, 1e-12, 1e-6, 1e-3, 1.0, 1e3])[None, None, :]
    exact = rf_learning_curve(es, n, k, ridge=ridge, noise=0.1, method="exact")
    table = rf_learning_curve(es, n, k, ridge=ridge, noise=0.1, method="interpolated")
    finite = np.isfinite(exact.test_mse)
    np.testing.assert_array_equal(np.isfinite(table.test_mse), finite)
    for name in ["test_mse", "train_mse", "effective_ridge", "feature_ridge"]:
        np.testing.assert_allclose(getattr(table, name)[finite], getattr(exact, name)[finite],
                                   rtol=1e-9, atol=1e-300, err_msg=name)


def test_gamma_above_kappa_and_monotone_in_ridge():
    es = power_law_eigensystem(3000, alpha=1.5, beta=1.5)
    ridge = np.logspace(-6, 2, 30)
    curve = rf_learning_curve(es, 300, 100, ridge=ridge)
    assert np.all(curve.feature_ridge >= curve.effective_ridge)
    assert np.all(np.diff(curve.effective_ridge) > 0)
    assert np.all(np.diff(curve.feature_ridge) > 0)


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(n=10, k=0.5), "`k` must be >= 1"),
    (dict(n=10, k=np.nan), "`k` must not be NaN"),
    (dict(n=0, k=10), "`n` must be >= 1"),
    (dict(n=10, k=10, ridge=-1.0), "`ridge` must be >= 0"),
    (dict(n=[1, 2], k=[1, 2, 3]), "must broadcast"),
    (dict(n=10, k=10, method="fast"), "`method` must be one of"),
])
def test_bad_inputs(kwargs, message):
    es = power_law_eigensystem(100, alpha=1.5, beta=1.5)
    with pytest.raises(ValueError, match=message):
        rf_learning_curve(es, **kwargs)


def test_needs_an_eigensystem():
    with pytest.raises(TypeError, match="Eigensystem"):
        rf_learning_curve([1.0, 0.5], 10, 10)


# Property checks on extreme but valid inputs: log-uniform spectra over up to 200 decades,
# multiplicities and tails, ridges from 1e-100 to 1e100.
@st.composite
def _eigensystems(draw):
    size = draw(st.integers(1, 30))
    logs = sorted(draw(st.lists(st.floats(-100, 100), min_size=size, max_size=size)),
                  reverse=True)
    coeffs = draw(st.lists(st.floats(-3, 3), min_size=size, max_size=size))
    multiplicities = draw(st.lists(st.integers(1, 50), min_size=size, max_size=size))
    tail = draw(st.one_of(st.just(0.0), st.floats(1e-30, 1e3)))
    return Eigensystem(10.0 ** np.array(logs), np.array(coeffs),
                       multiplicities=np.array(multiplicities, dtype=float), tail_mass=tail)


@settings()
@given(_eigensystems(), st.floats(1.0, 1e6), st.floats(1.0, 1e7),
       st.lists(st.one_of(st.just(0.0), st.floats(1e-100, 1e100)), min_size=2, max_size=5))
def test_properties_on_extreme_inputs(es, n, k, ridges):
    ridge = np.sort(np.array(ridges))
    curve = rf_learning_curve(es, n, k, ridge=ridge, noise=0.1)
    assert np.all(curve.converged)
    assert np.all(curve.overfitting_coefficient >= 1 - 1e-9)
    assert np.all(curve.test_mse >= 0) and not np.any(np.isnan(curve.test_mse))
    assert np.all(curve.train_mse <= curve.test_mse * (1 + 1e-9))
    assert np.all(curve.feature_ridge >= curve.effective_ridge * (1 - 1e-12))
    # kappa grows with ridge; the features' limit is KRR.
    assert np.all(np.diff(curve.effective_ridge) >= -1e-9 * curve.effective_ridge[1:])
    kernel = rf_learning_curve(es, n, np.inf, ridge=ridge, noise=0.1)
    reference = krr_learning_curve(es, n, ridge=ridge, noise=0.1)
    finite = np.isfinite(reference.test_mse)
    np.testing.assert_allclose(kernel.test_mse[finite], reference.test_mse[finite],
                               rtol=1e-9)


def test_record_fields_are_consistent_and_tidy():
    es = _rich_eigensystem()
    curve = rf_learning_curve(es, [20.0, 200.0], [[10.0], [300.0]], ridge=1e-3, noise=0.2)
    assert curve.shape == (2, 2)
    np.testing.assert_allclose(curve.test_mse,
                               curve.bias + curve.variance + es.n_outputs * curve.noise,
                               rtol=1e-12)
    learn = curve.learnabilities()
    assert learn.shape == (2, 2, es.n_modes)
    np.testing.assert_allclose(learn @ es.multiplicities + es.tail_mass / curve.feature_ridge,
                               curve.learnability_sum, rtol=1e-9)
    frame = curve.to_frame(dataset="synthetic")
    assert len(frame) == 4 and set(frame["source"]) == {"theory"}
    assert {"n", "k", "ridge", "test_mse", "feature_ridge", "dataset"} <= set(frame.columns)


@settings()
@given(_eigensystems(), st.lists(st.floats(1.0, 1e5), min_size=1, max_size=3),
       st.lists(st.floats(1.0, 1e6), min_size=1, max_size=3),
       st.lists(st.one_of(st.just(0.0), st.floats(1e-60, 1e60)), min_size=1, max_size=3))
def test_interpolated_route_on_extreme_inputs(es, ns, ks, ridges):
    args = dict(n=np.array(ns)[:, None, None], k=np.array(ks)[None, :, None],
                ridge=np.array(ridges)[None, None, :], noise=0.1)
    exact = rf_learning_curve(es, **args, method="exact")
    table = rf_learning_curve(es, **args, method="interpolated")
    finite = np.isfinite(exact.test_mse)
    np.testing.assert_array_equal(np.isfinite(table.test_mse), finite)
    np.testing.assert_allclose(table.test_mse[finite], exact.test_mse[finite], rtol=1e-8)
    np.testing.assert_allclose(table.feature_ridge, exact.feature_ridge, rtol=1e-8)
