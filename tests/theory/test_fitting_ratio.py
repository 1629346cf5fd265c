"""Tests for `eigenlab/theory/_fitting_ratio.py`: closed forms against the discrete
eigenframework, and the optimal ridge against brute force."""

import numpy as np
import pytest

from eigenlab.spectra import Eigensystem, power_law_eigensystem
from eigenlab.theory import (
    fitting_ratio,
    krr_learning_curve,
    optimal_ridge,
    power_law_noise_variance,
    power_law_optimal_fitting_ratio,
    power_law_test_mse,
    rf_learning_curve,
    ridge_for_fitting_ratio,
)

RATIOS = np.array([0.0, 0.05, 0.25, 0.5, 0.9025])  # s = 0 ... 0.95


def _discrete_over_closed(es, n, alpha, beta, relative_noise=0.0):
    ridge = ridge_for_fitting_ratio(es, n, RATIOS)
    noise = power_law_noise_variance(n, alpha=alpha, beta=beta, relative_noise=relative_noise)
    discrete = krr_learning_curve(es, n, ridge=ridge, noise=noise).test_mse
    return discrete / power_law_test_mse(RATIOS, n, alpha=alpha, beta=beta,
                                         relative_noise=relative_noise)


@pytest.mark.parametrize(("alpha", "beta"), [(1.5, 1.3), (1.17, 1.14), (2.0, 2.5)])
@pytest.mark.parametrize("relative_noise", [0.0, 5.0])
def test_closed_form_matches_discrete_eigenframework_with_tails(alpha, beta, relative_noise):
    # Both tails kept (eigenvalue tail as ridge, target tail in the bias): the closed form is
    # the continuum limit, within 0.5% at n = 1000 for s <= 0.7 (errata 3); at s = 0.95
    # (kappa near the top of the spectrum) the head's discreteness shows, 1.5% at alpha = 2.
    es = power_law_eigensystem(200_000, alpha=alpha, beta=beta)
    ratio = _discrete_over_closed(es, 1000.0, alpha, beta, relative_noise)
    assert np.all(np.abs(ratio - 1) < [5e-3, 5e-3, 5e-3, 5e-3, 2e-2]), ratio


@pytest.mark.slow
def test_closed_form_errata_numbers_at_three_million_modes():
    # Errata 3: ridgeless discrete/closed = 0.9935 and 0.9994 at n = 100 and 1000 for
    # (1.5, 1.3); 0.9944 and 0.9994 for (1.17, 1.14); in [0.995, 0.999] over s at n = 1000.
    for (alpha, beta), expected in [((1.5, 1.3), (0.9935, 0.9994)),
                                    ((1.17, 1.14), (0.9944, 0.9994))]:
        es = power_law_eigensystem(3_000_000, alpha=alpha, beta=beta)
        small = _discrete_over_closed(es, 100.0, alpha, beta)
        large = _discrete_over_closed(es, 1000.0, alpha, beta)
        assert small[0] == pytest.approx(expected[0], abs=1e-4)
        assert large[0] == pytest.approx(expected[1], abs=1e-4)
        assert np.all((large > 0.995) & (large < 1.0))


def test_dropping_the_target_tail_reproduces_the_eight_percent():
    # Errata 3: without the target tail the discrete curve sits 4-8% low at (1.5, 1.3).
    es = power_law_eigensystem(3000, alpha=1.5, beta=1.3)
    ratio = _discrete_over_closed(es.replace(target_tail=0.0), 1000.0, 1.5, 1.3)
    assert np.all(ratio < 0.97)


def test_prefactor_limit_at_beta_alpha_plus_one():
    # Errata 8: C is 0/0 at beta = alpha + 1; the limit is continuous and matches the discrete
    # framework (ratio 0.9985 at n = 1000 for alpha = 2, beta = 3).
    at = power_law_test_mse(0.0, 1000, alpha=2.0, beta=3.0)
    near = power_law_test_mse(0.0, 1000, alpha=2.0, beta=[3.0 - 1e-7, 3.0 + 1e-7])
    np.testing.assert_allclose(near, at, rtol=1e-6)
    es = power_law_eigensystem(200_000, alpha=2.0, beta=3.0)
    discrete = krr_learning_curve(es, 1000.0).test_mse
    assert discrete / at == pytest.approx(0.9985, abs=5e-4)


def test_optimal_fitting_ratio_is_the_argmin_of_the_closed_form():
    s = np.linspace(0, 0.999, 100_001)
    for alpha, beta, noise in [(1.5, 1.3, 0.0), (1.17, 1.14, 0.0), (1.5, 1.3, 1.0),
                               (2.0, 1.5, 5.0), (1.12, 1.36, 0.0), (1.5, 1.3, 50.0),
                               (3.0, 1.2, 0.3)]:
        curve = power_law_test_mse(s ** 2, 100, alpha=alpha, beta=beta, relative_noise=noise)
        best = s[np.argmin(curve)]
        found = np.sqrt(power_law_optimal_fitting_ratio(alpha=alpha, beta=beta,
                                                        relative_noise=noise))
        assert found == pytest.approx(best, abs=2e-5)
        # Zero ridge is optimal exactly when beta - 1 >= (alpha - 1)(1 + alpha noise).
        assert (found == 0) == (beta - 1 >= (alpha - 1) * (1 + alpha * noise))
    # Noiseless closed form, and the CIFAR-10 / SVHN CNTK exponents (R* = 0.0240, 0.0057).
    assert float(power_law_optimal_fitting_ratio(alpha=1.5, beta=1.3)) == pytest.approx(
        (0.2 / 0.65) ** 2, rel=1e-12)
    np.testing.assert_allclose(
        power_law_optimal_fitting_ratio(alpha=[1.17, 1.22], beta=[1.14, 1.20]),
        [0.0240, 0.0057], atol=1e-4)


def test_fitting_ratio_round_trip_and_train_over_test():
    es = power_law_eigensystem(5000, alpha=1.5, beta=1.3, normalize_target=True)
    n = np.array([10.0, 300.0])[:, None]
    ridge = ridge_for_fitting_ratio(es, n, RATIOS)
    np.testing.assert_allclose(fitting_ratio(es, n, ridge=ridge), np.broadcast_to(RATIOS, (2, 5)),
                               rtol=1e-10, atol=1e-15)
    curve = krr_learning_curve(es, n, ridge=ridge, noise=0.1)
    np.testing.assert_allclose(curve.train_mse / curve.test_mse,
                               np.broadcast_to(RATIOS, (2, 5)), rtol=1e-9, atol=1e-15)
    assert np.all(np.diff(ridge, axis=1) > 0)


def _brute_force(es, n, k, noise):
    ridges = np.concatenate([[0.0], np.logspace(-10, 8, 1800)])
    mse = rf_learning_curve(es, n, k, ridge=ridges, noise=noise).test_mse
    return min(mse.min(), es.total_target_power + es.n_outputs * noise)


@pytest.mark.parametrize(("k", "noise"), [(np.inf, 0.0), (np.inf, 0.5), (60.0, 0.1),
                                          (100.0, 0.0), (400.0, 1.0)])
def test_optimal_ridge_matches_brute_force_grid(k, noise):
    es = power_law_eigensystem(2000, alpha=1.8, beta=1.4, normalize_target=True)
    best = optimal_ridge(es, 100, k=k, noise=noise)
    brute = _brute_force(es, 100, k, noise)
    assert float(best.test_mse) <= brute * (1 + 1e-9)
    assert float(best.test_mse) >= brute * (1 - 3e-4)
    at = rf_learning_curve(es, 100, k, ridge=best.ridge, noise=noise).test_mse
    assert float(at) == pytest.approx(float(best.test_mse), rel=1e-12)


def test_optimal_ridge_recovers_the_closed_form_fitting_ratio():
    # The discrete argmin is s = 0.157 vs 0.155 at (1.17, 1.14) and 0.315 vs 0.308 at
    # (1.5, 1.3) in the review; on the exact framework with tails, within 0.01 in s.
    for alpha, beta in [(1.5, 1.3), (1.17, 1.14)]:
        es = power_law_eigensystem(20_000, alpha=alpha, beta=beta, normalize_target=True)
        best = optimal_ridge(es, 1000)
        expected = np.sqrt(power_law_optimal_fitting_ratio(alpha=alpha, beta=beta))
        assert np.sqrt(float(best.fitting_ratio)) == pytest.approx(expected, abs=0.01)


def test_ridgeless_optimal_and_noise_dominated_tasks():
    mnist = power_law_eigensystem(20_000, alpha=1.12, beta=1.36, normalize_target=True)
    assert float(optimal_ridge(mnist, 1000).ridge) == 0.0
    lam = np.arange(1, 501.0) ** -2.0
    pure_noise = optimal_ridge(Eigensystem(lam), 100, noise=0.3)
    assert float(pure_noise.ridge) == np.inf
    assert float(pure_noise.test_mse) == pytest.approx(0.3, rel=1e-12)
    assert float(pure_noise.fitting_ratio) == 1.0


def test_more_is_better_at_optimal_ridge():
    # Theorem 1 of arXiv:2311.14646: optimally tuned RF test MSE is non-increasing in k and n.
    es = power_law_eigensystem(3000, alpha=1.5, beta=1.2, normalize_target=True)
    k = np.array([5.0, 20, 60, 100, 140, 200, 500, 2000, np.inf])
    by_k = optimal_ridge(es, 100, k=k, noise=0.1).test_mse
    assert np.all(np.diff(by_k) <= 1e-10 * by_k[1:])
    n = np.array([5.0, 20, 60, 100, 140, 200, 500, 2000])
    by_n = optimal_ridge(es, n, k=100, noise=0.1).test_mse
    assert np.all(np.diff(by_n) <= 1e-10 * by_n[1:])


@pytest.mark.parametrize(("call", "message"), [
    (lambda: power_law_test_mse(1.0, 10, alpha=1.5, beta=1.3), "`fitting_ratio` must be in"),
    (lambda: power_law_test_mse(0.1, 10, alpha=1.0, beta=1.3), "`alpha` must be > 1"),
    (lambda: power_law_optimal_fitting_ratio(alpha=1.5, beta=0.5), "`beta` must be > 1"),
    (lambda: power_law_test_mse(0.1, 10, alpha=1.5, beta=1.3, relative_noise=-1),
     "`relative_noise` must be >= 0"),
    (lambda: ridge_for_fitting_ratio(Eigensystem([1.0, 0.5]), 10, 0.01),
     "finite-rank spectrum"),
    (lambda: optimal_ridge(Eigensystem([1.0, 0.5]), 10, k=0), "`k` must be >= 1"),
])
def test_bad_inputs(call, message):
    with pytest.raises(ValueError, match=message):
        call()
