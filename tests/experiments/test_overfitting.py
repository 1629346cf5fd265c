"""Measured overfitting (noise fitting, the data-only estimator, noise sensitivity) against the
exact eigenframework on the sphere, and the trained-MLP side."""

import numpy as np
import pytest
import torch

from eigenlab.experiments import (
    krr_noise_sensitivity,
    krr_overfitting,
    measure_overfitting_coefficient,
    mlp_noise_sensitivity,
    sphere_points,
)
from eigenlab.kernels import get_kernel
from eigenlab.spectra import hypersphere_eigensystem
from eigenlab.theory import krr_learning_curve

DIM = 10
SIZES = np.array([25.0, 50.0, 100.0, 200.0, 400.0])


@pytest.fixture(scope="module")
def sphere():
    return sphere_points(400 + 1200, DIM, seed=11)


def _gram(name, x):
    return get_kernel(name, width=1.0)(torch.as_tensor(x))


def _theory(name, ridge=0.0):
    kernel = get_kernel(name, width=1.0)
    eigensystem = hypersphere_eigensystem(kernel.profile, DIM, max_degree=60,
                                          n_quadrature=640)
    return np.asarray(krr_learning_curve(eigensystem, SIZES, ridge=ridge)
                      .overfitting_coefficient)


def test_sphere_points_are_uniform_on_the_sphere():
    x = sphere_points(20_000, 5, seed=0)
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=0.02)
    np.testing.assert_allclose((x ** 2).mean(axis=0), 1 / 5, atol=0.01)  # E x_i^2 = 1/d


def test_laplace_on_the_sphere_is_tempered_and_noise_fitting_matches_the_theory(sphere):
    # The Laplace kernel's sphere spectrum decays as a power law: E0 levels off above 1
    # (d/(d-1) asymptotically). Noise fitting on fresh points against the exact eigensystem.
    measured = measure_overfitting_coefficient(_gram("laplace", sphere), n=SIZES, trials=6,
                                               seed=1)
    predicted = _theory("laplace")
    mean = measured.overfitting_coefficient.mean(axis=0)
    error = measured.overfitting_coefficient.std(axis=0) / np.sqrt(6)
    assert np.all(np.abs(mean - predicted) < 4 * error + 0.03), (mean, predicted)
    assert np.all((predicted > 1.1) & (predicted < 1.2))  # tempered, flat over n
    # The data-only estimator reads the same number off the training Gram matrices.
    np.testing.assert_allclose(measured.overfitting_estimate.mean(axis=0), predicted,
                               rtol=0.05)


def test_gaussian_on_the_sphere_grows_like_the_theory_says(sphere):
    # Faster than any power law: E0 keeps growing with n (catastrophic in the limit).
    measured = measure_overfitting_coefficient(_gram("gaussian", sphere), n=SIZES, trials=6,
                                               seed=2)
    predicted = _theory("gaussian")
    mean = measured.overfitting_coefficient.mean(axis=0)
    assert predicted[-1] > 1.4 * predicted[0]
    assert mean[-1] > 1.3 * mean[0]
    np.testing.assert_allclose(mean, predicted, rtol=0.2)


def test_a_fixed_ridge_makes_overfitting_benign_as_n_grows(sphere):
    gram = _gram("gaussian", sphere)
    measured = measure_overfitting_coefficient(gram, n=SIZES, ridge=1.0, trials=4, seed=3)
    predicted = _theory("gaussian", ridge=1.0)
    mean = measured.overfitting_coefficient.mean(axis=0)
    np.testing.assert_allclose(mean, predicted, rtol=0.08)
    assert predicted[-1] < predicted[1] and predicted[-1] < 1.1


def test_noise_sensitivity_slope_is_the_overfitting_coefficient_minus_one(sphere):
    # A real target (a degree-2 harmonic) with label noise: the test MSE against the clean
    # target grows by (E0 - 1) per unit noise variance, whatever the target.
    gram = _gram("gaussian", sphere)
    target = np.sqrt(DIM * (DIM + 2.0)) * sphere[:, 0] * sphere[:, 1]
    result = krr_noise_sensitivity(gram, target, n=[50, 200], noise=[0.0, 0.5, 1.0],
                                   trials=6, seed=4)
    fitted = measure_overfitting_coefficient(gram, n=[50, 200], trials=6, seed=5)
    assert result.train_mse.max() < 1e-6  # ridgeless: it interpolates the noisy labels
    np.testing.assert_allclose(result.excess_per_noise + 1,
                               fitted.overfitting_coefficient.mean(axis=0), rtol=0.15)
    frame = result.to_frame(kernel="gaussian")
    assert len(frame) == 6 * 2 * 3 and set(frame["learner"]) == {"krr"}


def test_an_mlp_trained_to_interpolation_pays_for_label_noise():
    x = sphere_points(40 + 400, 6, seed=6)
    target = np.sqrt(6 * 8.0) * x[:, 0] * x[:, 1]
    result = mlp_noise_sensitivity(x, target, n=[40], noise=[0.0, 1.0], trials=2,
                                   test_size=400, width=128, steps=600,
                                   learning_rate=3e-3, seed=7)
    assert result.learner == "mlp" and result.test_mse.shape == (2, 1, 2)
    assert result.train_mse.max() < 0.05  # (nearly) interpolating
    assert result.excess_per_noise[0] > 0.2  # tempered, not benign: noise costs test error


@pytest.mark.parametrize("call, message", [
    (lambda g: measure_overfitting_coefficient(g, n=[100]), "`n` must be smaller than the "
     "pool (100 points)"),
    (lambda g: measure_overfitting_coefficient(g, n=[10], trials=0), "`trials` must be"),
    (lambda g: measure_overfitting_coefficient(g, n=[10], test_size=95), "`test_size` must"),
    (lambda g: krr_noise_sensitivity(g, np.zeros(100), n=[10], noise=[0.5]),
     "`noise` must list at least two distinct"),
    (lambda g: krr_noise_sensitivity(g, np.zeros(99), n=[10]), "one row per pool point"),
    (lambda g: measure_overfitting_coefficient(g[:, :50], n=[10]), "must be a square"),
])
def test_bad_input_is_refused_with_a_clear_message(call, message):
    gram = torch.eye(100, dtype=torch.float64)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(gram)


def test_one_pass_gives_both_measurements_as_the_separate_calls_do(sphere):
    # krr_overfitting shares each training set's eigendecomposition between noise fitting
    # and noise sensitivity; with one seed it equals the two separate measurements.
    gram = _gram("laplace", sphere)
    target = np.sqrt(DIM * (DIM + 2.0)) * sphere[:, 0] * sphere[:, 1]
    measured, noisy = krr_overfitting(gram, target, n=[25, 100], trials=2, seed=9)
    alone = measure_overfitting_coefficient(gram, n=[25, 100], trials=2, seed=9)
    sensitivity = krr_noise_sensitivity(gram, target, n=[25, 100], trials=2, seed=9)
    np.testing.assert_array_equal(measured.overfitting_coefficient,
                                  alone.overfitting_coefficient)
    np.testing.assert_array_equal(noisy.test_mse, sensitivity.test_mse)
    assert krr_overfitting(gram, None, n=[25], trials=1)[1] is None
