"""Tests for `eigenlab/theory/_krr.py`: the KRR eigenframework against independent routes."""

import numpy as np
import pytest

from eigenlab import ConvergenceError
from eigenlab.spectra import Eigensystem, power_law_eigensystem
from eigenlab.theory import (
    effective_ridge,
    function_learnability,
    krr_learning_curve,
    power_law_effective_ridge,
)


def _gaussian_design_krr(rng, eigenvalues, coeffs, n, ridge, noise, trials):
    """Monte Carlo KRR with a planted eigensystem.

    Features x_i ~ N(0, lambda_i), so the linear kernel x.x' has eigenvalues lambda_i and
    eigenfunctions phi_i = x_i / sqrt(lambda_i); the target is sum_i v_i phi_i plus noise.
    Returns per-trial population test MSE (noisy labels), train MSE and the dataset
    learnabilities' trace Tr[K (K + ridge)^-1].
    """
    n_modes = eigenvalues.size
    tests, trains, traces = [], [], []
    root = np.sqrt(eigenvalues)
    for _ in range(trials):
        phi = rng.standard_normal((n, n_modes))
        x = phi * root
        y = phi @ coeffs + np.sqrt(noise) * rng.standard_normal(n)
        gram = x @ x.T
        if ridge > 0:
            dual = np.linalg.solve(gram + ridge * np.eye(n), y)
        else:
            dual = np.linalg.lstsq(gram, y, rcond=None)[0]
        learned = root * (x.T @ dual)
        tests.append(np.sum((learned - coeffs) ** 2) + noise)
        trains.append(np.mean((y - gram @ dual) ** 2))
        values = np.linalg.eigvalsh(gram)
        traces.append(np.sum(values / (values + ridge)) if ridge > 0 else n)
    return np.array(tests), np.array(trains), np.array(traces)


@pytest.mark.parametrize("n", [16, 64, 200])
@pytest.mark.parametrize("ridge", [0.0, 1e-3, 0.1])
@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_matches_monte_carlo_on_gaussian_design(rng, n, ridge, noise):
    # Tolerance: 4 standard errors of the Monte Carlo mean, plus 3% for the eigenframework's
    # finite-n corrections (O(1/n); about 2% at n = 16 in a 300-trial study, <1% at n = 200).
    n_modes = 600
    eigenvalues = np.arange(1, n_modes + 1.0) ** -1.5
    coeffs = np.arange(1, n_modes + 1.0) ** -0.6
    coeffs /= np.linalg.norm(coeffs)
    trials = 120 if n < 100 else 40
    tests, trains, traces = _gaussian_design_krr(rng, eigenvalues, coeffs, n, ridge, noise,
                                                 trials)
    curve = krr_learning_curve(Eigensystem(eigenvalues, coeffs), n, ridge=ridge, noise=noise)
    for measured, predicted in [(tests, curve.test_mse), (trains, curve.train_mse)]:
        error = 4 * measured.std(ddof=1) / np.sqrt(trials) + 0.03 * float(predicted) + 1e-12
        assert abs(measured.mean() - float(predicted)) <= error
    # Conservation law: the mean trace of K (K + ridge)^-1 is the sum of learnabilities.
    conserved = float(curve.learnability_sum)
    assert conserved == pytest.approx(n - ridge / float(curve.effective_ridge), rel=1e-10)
    assert traces.mean() == pytest.approx(conserved, rel=0.03)


def test_dataset_learnabilities_average_to_theory(rng):
    # Fit each eigenfunction as a target on fixed datasets: the per-dataset learnabilities sum
    # to Tr[K(K + ridge)^-1] exactly, and their mean over datasets is the theory's L_i.
    n_modes, n, ridge, trials = 300, 60, 0.05, 150
    eigenvalues = np.arange(1, n_modes + 1.0) ** -1.3
    root = np.sqrt(eigenvalues)
    total = np.zeros(n_modes)
    for _ in range(trials):
        phi = rng.standard_normal((n, n_modes))
        gram = (phi * root) @ (phi * root).T
        dual = np.linalg.solve(gram + ridge * np.eye(n), phi)  # one column per eigenfunction
        learned = root[:, None] * ((phi * root).T @ dual)  # coefficient matrix
        dataset_learnabilities = np.diag(learned)
        values = np.linalg.eigvalsh(gram)
        assert dataset_learnabilities.sum() == pytest.approx(
            np.sum(values / (values + ridge)), rel=1e-9)
        total += dataset_learnabilities
    curve = krr_learning_curve(Eigensystem(eigenvalues), n, ridge=ridge)
    theory = curve.learnabilities()
    top = slice(0, 40)
    assert np.allclose(total[top] / trials, theory[top], atol=0.03)


def test_infinite_ridge_gives_the_target_power():
    es = Eigensystem([1.0, 0.3, 0.1], np.array([[0.5, 0.1], [0.2, 0.0], [0.1, 0.3]]),
                     target_tail=[0.01, 0.02])
    curve = krr_learning_curve(es, 50, ridge=1e13, noise=0.2)
    assert float(curve.test_mse) == pytest.approx(es.total_target_power + 2 * 0.2, rel=1e-9)
    assert float(curve.overfitting_coefficient) == pytest.approx(1.0, abs=1e-9)


def test_noiseless_error_vanishes_as_n_grows():
    # Without noise the error decays to 0 as n^-(beta - 1) (source-capacity rate, beta < 2
    # alpha + 1), until n nears the listed modes: the truncated target tail is never learned.
    es = power_law_eigensystem(2 * 10**6, alpha=1.5, beta=1.8, normalize_target=True)
    n = np.logspace(1, 4, 7)
    curve = krr_learning_curve(es, n)
    assert np.all(np.diff(curve.test_mse) < 0)
    slope = np.diff(np.log(curve.test_mse[-2:])) / np.diff(np.log(n[-2:]))
    assert slope[0] == pytest.approx(-0.8, abs=0.01)
    assert curve.test_mse[-1] < 0.01 * curve.test_mse[0]


@pytest.mark.parametrize("alpha", [1.5, 2.0, 3.0])
def test_ridgeless_power_law_limits(alpha):
    es = power_law_eigensystem(2 * 10**6, alpha=alpha, beta=2.0)
    n = np.array([1e3, 1e4])
    curve = krr_learning_curve(es, n)
    # E0 -> alpha (tempered overfitting) and kappa n^alpha -> ((pi/alpha)/sin(pi/alpha))^alpha.
    assert curve.overfitting_coefficient[-1] == pytest.approx(alpha, rel=2e-3)
    ratio = curve.effective_ridge / power_law_effective_ridge(n, alpha=alpha)
    assert ratio[-1] == pytest.approx(1.0, abs=2e-3)
    assert abs(ratio[-1] - 1) < abs(ratio[0] - 1)


def test_finite_rank_underparameterised_is_least_squares():
    # A rank-R kernel with n > R samples, ridgeless: ordinary least squares on R features,
    # whose noise-only test and train errors have the closed forms eps^2 n/(n-R) (the
    # eigenframework's version) and eps^2 (n - R)/n (exact for OLS).
    rank, noise = 20, 0.5
    es = Eigensystem(np.linspace(1.0, 0.1, rank), np.full(rank, 0.3))
    n = np.array([25.0, 40.0, 200.0])
    curve = krr_learning_curve(es, n, noise=noise)
    assert np.all(curve.effective_ridge == 0)
    assert np.allclose(curve.overfitting_coefficient, n / (n - rank))
    assert np.allclose(curve.test_mse, noise * n / (n - rank))
    assert np.allclose(curve.train_mse, noise * (n - rank) / n)
    assert np.allclose(curve.learnabilities(), 1.0)
    at_rank = krr_learning_curve(es, rank, noise=noise)
    assert np.isinf(at_rank.test_mse)
    clean = krr_learning_curve(es, rank)
    assert float(clean.test_mse) == 0.0


def test_finite_rank_overparameterised_needs_no_tail():
    es = Eigensystem(np.linspace(1.0, 0.1, 20), np.full(20, 0.3))
    curve = krr_learning_curve(es, np.array([5.0, 19.0, 19.999]))
    assert np.all(curve.effective_ridge > 0)
    assert np.all(np.diff(curve.effective_ridge) < 0)


def test_multiplicities_equal_repeated_modes():
    eigenvalues = np.array([1.0, 0.2, 0.05])
    grouped = Eigensystem(eigenvalues, [0.6, 0.3, 0.2], multiplicities=[1, 3, 5])
    # The same spectrum listed mode by mode, the level's power spread over its members.
    repeated = np.repeat(eigenvalues, [1, 3, 5])
    coeffs = np.concatenate([[0.6], np.full(3, 0.3 / np.sqrt(3)), np.full(5, 0.2 / np.sqrt(5))])
    flat = Eigensystem(repeated, coeffs)
    n, ridge = np.array([2.0, 5.0, 8.5]), 1e-2
    a = krr_learning_curve(grouped, n, ridge=ridge, noise=0.1)
    b = krr_learning_curve(flat, n, ridge=ridge, noise=0.1)
    for field in ("effective_ridge", "test_mse", "train_mse", "overfitting_coefficient"):
        assert np.allclose(getattr(a, field), getattr(b, field), rtol=1e-12)


def test_one_hot_target_sums_outputs():
    eigenvalues = np.arange(1, 101.0) ** -2
    coeffs = np.stack([np.arange(1, 101.0) ** -1, np.arange(1, 101.0) ** -0.8], axis=1)
    both = krr_learning_curve(Eigensystem(eigenvalues, coeffs), [10, 30], ridge=1e-3, noise=0.1)
    parts = [krr_learning_curve(Eigensystem(eigenvalues, coeffs[:, k]), [10, 30], ridge=1e-3,
                                noise=0.1) for k in range(2)]
    assert np.allclose(both.test_mse, parts[0].test_mse + parts[1].test_mse, rtol=1e-12)
    assert both.mean_predictor_coeffs().shape == (2, 100, 2)


def test_interpolated_route_equals_exact_route():
    es = power_law_eigensystem(20000, alpha=1.3, beta=1.2)
    n = np.logspace(0, 4.2, 60)[:, None]
    ridge = np.array([0.0, 1e-8, 1e-4, 1.0, 1e4])[None, :]
    exact = krr_learning_curve(es, n, ridge=ridge, noise=0.1, method="exact")
    fast = krr_learning_curve(es, n, ridge=ridge, noise=0.1, method="interpolated")
    assert fast.method == "interpolated" and exact.method == "exact"
    for field in ("effective_ridge", "test_mse", "train_mse", "overfitting_coefficient"):
        assert np.allclose(getattr(fast, field), getattr(exact, field), rtol=1e-11, atol=0)


def test_extreme_scales_are_exact():
    # kappa from 1e-300 to 1e300: compare with the closed form of a one-mode spectrum,
    # n = lam/(lam + kappa) + ridge/kappa, i.e.
    # n kappa^2 + (n lam - lam - ridge) kappa - ridge lam = 0.
    for lam, ridge, n in [(1e-290, 1e-310, 1.5), (1.0, 1e300, 3.0), (1e300, 1e250, 1.0),
                          (1e-5, 0.0, 0.5 + 0.5)]:
        es = Eigensystem([lam])
        kappa = float(effective_ridge(es, n, ridge=ridge).effective_ridge)
        if ridge == 0:
            assert kappa == 0.0  # n >= rank 1: finite-rank limit
            continue
        # The equation is invariant under scaling lam, ridge, kappa together: solve at unit
        # scale so that the quadratic formula cannot overflow.
        scale = max(lam, ridge)
        lam_, ridge_ = lam / scale, ridge / scale
        b = lam_ * (n - 1) - ridge_
        root = np.sqrt(b * b + 4 * n * ridge_ * lam_)
        expected = scale * ((root - b) / (2 * n) if b < 0 else 2 * ridge_ * lam_ / (b + root))
        assert kappa == pytest.approx(expected, rel=1e-12)


def test_record_fields_and_frame():
    es = power_law_eigensystem(500, alpha=2.0, beta=1.5)
    curve = krr_learning_curve(es, [[10], [20]], ridge=[0.0, 0.1, 1.0], noise=0.05)
    assert curve.shape == (2, 3)
    for field in ("n", "ridge", "noise", "effective_ridge", "test_mse", "train_mse", "bias",
                  "variance", "overfitting_coefficient", "learnability_sum"):
        assert getattr(curve, field).shape == (2, 3)
    noise_floor = curve.noise * es.n_outputs
    assert np.allclose(curve.bias + curve.variance + noise_floor, curve.test_mse)
    learn = curve.learnabilities()
    assert learn.shape == (2, 3, 500)
    assert np.allclose(curve.target_learnability,
                       function_learnability(learn, es.target_coeffs) * es.target_power.sum()
                       / es.total_target_power)
    frame = curve.to_frame(dataset="synthetic")
    assert len(frame) == 6 and set(frame["source"]) == {"theory"}
    assert {"n", "ridge", "test_mse", "train_mse", "dataset"} <= set(frame.columns)


def test_convergence_failure_raises_with_diagnostics(monkeypatch):
    import eigenlab.theory._effective_ridge as solver

    monkeypatch.setattr(solver, "_MAX_ITERATIONS", 1)
    es = power_law_eigensystem(1000, alpha=1.5, beta=1.5)
    with pytest.raises(ConvergenceError, match="check=False") as info:
        krr_learning_curve(es, [10, 100, 1000], ridge=1e-3)
    assert not np.all(info.value.result.converged)
    curve = krr_learning_curve(es, [10, 100, 1000], ridge=1e-3, check=False)
    assert not np.all(curve.converged)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 10, "ridge": -1.0}, "`ridge` must be >= 0; got -1.0"),
        ({"n": 0.5}, "`n` must be >= 1"),
        ({"n": [10, np.nan]}, "`n` must be finite"),
        ({"n": 10, "noise": -0.1}, "`noise` must be >= 0"),
        ({"n": [10, 20], "ridge": [0.1, 0.2, 0.3]}, "must broadcast"),
        ({"n": 10, "method": "fast"}, "`method` must be one of"),
        ({"n": "ten"}, "`n` must be numeric"),
    ],
)
def test_bad_grid_input_names_the_parameter(kwargs, message):
    es = power_law_eigensystem(100, alpha=1.5, beta=1.5)
    with pytest.raises((ValueError, TypeError), match=message):
        krr_learning_curve(es, **kwargs)


def test_requires_an_eigensystem():
    with pytest.raises(TypeError, match="`eigensystem` must be an eigenlab Eigensystem"):
        krr_learning_curve(np.ones(3), 10)
