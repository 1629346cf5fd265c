"""Tests for `eigenlab/theory/_estimators.py`: data-only estimates from a Gram matrix."""

import numpy as np
import pytest

from eigenlab.spectra import Eigensystem
from eigenlab.theory import (
    gram_effective_ridge,
    gram_estimates,
    gram_overfitting_coefficient,
    gram_test_mse,
    krr_learning_curve,
)


def test_estimates_equal_direct_matrix_inverses(rng):
    x = rng.normal(size=(40, 15))
    gram = x @ x.T
    ridge = np.array([1e-2, 1.0])
    inverse = [np.linalg.inv(gram + r * np.eye(40)) for r in ridge]
    assert np.allclose(gram_effective_ridge(gram, ridge=ridge),
                       [1 / np.trace(a) for a in inverse])
    assert np.allclose(gram_overfitting_coefficient(gram, ridge=ridge),
                       [40 * np.trace(a @ a) / np.trace(a) ** 2 for a in inverse])
    y = rng.normal(size=(40, 3))
    est = gram_estimates(gram, y, ridge=ridge)
    for k, _r in enumerate(ridge):
        residual = y - gram @ inverse[k] @ y
        assert est.train_mse[k] == pytest.approx(np.sum(residual ** 2) / 40)


def test_estimates_track_the_eigenframework_on_gaussian_design(rng):
    # kappa_hat and E0_hat are unbiased-ish estimators of the theory's kappa and E0; the GCV
    # estimate tracks the true test MSE on average.
    n_modes, n, ridge, noise, trials = 800, 150, 1e-2, 0.2, 60
    eigenvalues = np.arange(1, n_modes + 1.0) ** -1.4
    coeffs = np.arange(1, n_modes + 1.0) ** -0.7
    coeffs /= np.linalg.norm(coeffs)
    root = np.sqrt(eigenvalues)
    kappas, e0s, estimated, actual = [], [], [], []
    for _ in range(trials):
        phi = rng.standard_normal((n, n_modes))
        x = phi * root
        y = phi @ coeffs + np.sqrt(noise) * rng.standard_normal(n)
        gram = x @ x.T
        est = gram_estimates(gram, y, ridge=ridge)
        kappas.append(float(est.effective_ridge))
        e0s.append(float(est.overfitting_coefficient))
        estimated.append(float(est.test_mse))
        learned = root * (x.T @ np.linalg.solve(gram + ridge * np.eye(n), y))
        actual.append(np.sum((learned - coeffs) ** 2) + noise)
    curve = krr_learning_curve(Eigensystem(eigenvalues, coeffs), n, ridge=ridge, noise=noise)
    # Tolerance: 4 standard errors of the mean over trials plus 2% for finite-n bias.
    def close(samples, target, scale):
        samples = np.asarray(samples)
        spread = 4 * samples.std(ddof=1) / np.sqrt(samples.size)
        return abs(samples.mean() - target) <= spread + 0.02 * scale

    assert close(kappas, float(curve.effective_ridge), float(curve.effective_ridge))
    assert close(e0s, float(curve.overfitting_coefficient), 1.0)
    # Paired per dataset: the estimate against that dataset's true test MSE.
    assert close(np.subtract(estimated, actual), 0.0, np.mean(actual))


def test_bad_gram_input():
    with pytest.raises(ValueError, match="`gram` must be a non-empty square matrix"):
        gram_estimates(np.ones((3, 2)), ridge=1.0)
    with pytest.raises(ValueError, match="`gram` must be symmetric"):
        gram_estimates(np.array([[1.0, 2.0], [0.0, 1.0]]), ridge=1.0)
    with pytest.raises(ValueError, match="`ridge` must be > 0 when `gram` is singular"):
        gram_estimates(np.ones((3, 3)), ridge=0.0)
    with pytest.raises(ValueError, match="`targets` must have one row per sample"):
        gram_test_mse(np.eye(3), np.ones(4), ridge=1.0)
    with pytest.raises(ValueError, match="`eigenvalues of `gram`` must be >= 0"):
        gram_estimates(np.diag([1.0, -1.0]), ridge=1.0)
