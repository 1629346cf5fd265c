"""Random-feature ridge regression, measured: checked against independent routes.

The feature maps against the exact kernels they converge to; the fast nested-subset grid
against a brute-force numpy solve per (n, k, ridge); the ridgeless underparameterised case
against the exact least-squares formula on a Gaussian design; large k against measured KRR on
the same points; the double-descent peak and "more is better" at optimal ridge.
"""

import math

import numpy as np
import pytest
import torch

from eigenlab.experiments import (
    GaussianDesign,
    GaussianRandomFeatures,
    MeasuredRFLearningCurve,
    RandomFourierFeatures,
    ReluRandomFeatures,
    measure_krr_learning_curve,
    measure_rf_learning_curve,
)
from eigenlab.experiments._random_features import _nested_errors
from eigenlab.kernels import GaussianKernel, PolynomialKernel, ReluNNGPKernel, get_kernel

FEATURE_MAPS = [
    (ReluRandomFeatures(weight_variance=1.5, bias_variance=0.5),
     ReluNNGPKernel(1, weight_variance=1.5, bias_variance=0.5)),
    (ReluRandomFeatures(weight_variance=2.0, bias_variance=0.0),
     get_kernel("relu-nngp", weight_variance=2.0, bias_variance=0.0)),
    (RandomFourierFeatures(width=0.8), GaussianKernel(width=0.8)),
    (GaussianRandomFeatures(), PolynomialKernel(1, offset=0.0)),
]


def _points(rng, count=12, dim=5):
    x = rng.standard_normal((count, dim))
    return x / np.sqrt(np.mean(np.sum(x**2, axis=1)))


@pytest.mark.parametrize(("feature_map", "kernel"), FEATURE_MAPS,
                         ids=["relu", "relu-no-bias", "fourier", "linear"])
def test_random_kernel_converges_to_the_exact_kernel_at_rate_one_over_sqrt_k(
        feature_map, kernel, rng):
    assert feature_map.kernel == kernel
    x = _points(rng)
    exact = kernel(x).numpy()
    widths = np.array([400, 1600, 6400, 25_600, 102_400])
    errors = []
    for k in widths:
        draws = [feature_map.sample(int(k), 5, seed=s).gram(x).numpy() for s in range(4)]
        errors.append(np.mean([np.sqrt(np.mean((d - exact) ** 2)) for d in draws]))
    slope = np.polyfit(np.log(widths), np.log(errors), 1)[0]
    assert -0.62 < slope < -0.38, (slope, errors)
    # Unbiased: at 102,400 features the error is the Monte Carlo error, about 3e-3 of K.
    assert errors[-1] < 6e-3 * np.abs(exact).max()


def test_a_subset_of_a_draw_is_a_nested_draw(rng):
    draw = ReluRandomFeatures().sample(50, 3, seed=rng)
    x = rng.standard_normal((4, 3))
    torch.testing.assert_close(draw.subset(20).features(x), draw.features(x)[:, :20],
                               rtol=1e-14, atol=1e-14)
    phi = draw.features(x)[:, :20]
    torch.testing.assert_close(draw.subset(20).gram(x), phi @ phi.T / 20)
    with pytest.raises(ValueError, match="n_features"):
        draw.subset(51)


def test_features_keep_dtype_and_leave_inputs_untouched(rng):
    x = rng.standard_normal((6, 3))
    before = x.copy()
    draw = RandomFourierFeatures(2.0).sample(30, 3, seed=1, dtype=torch.float32)
    assert draw.features(x).dtype == torch.float32
    np.testing.assert_array_equal(x, before)
    with pytest.raises(ValueError, match=r"shape \(N, 3\)"):
        draw.features(x[:, :2])


def _brute_force(phi_train, y_train, phi_test, y_test, sizes, widths, ridges):
    """A fresh numpy solve per (n, k, ridge); ridge 0 is least squares (minimum norm)."""
    test = np.empty((len(sizes), len(widths), len(ridges)))
    train = np.empty_like(test)
    for a, n in enumerate(sizes):
        for b, k in enumerate(widths):
            features, cross = phi_train[:n, :k] / np.sqrt(k), phi_test[:, :k] / np.sqrt(k)
            gram = features @ features.T
            for c, ridge in enumerate(ridges):
                if ridge == 0:
                    weights = np.linalg.lstsq(features, y_train[:n], rcond=None)[0]
                    fit, prediction = features @ weights, cross @ weights
                else:
                    dual = np.linalg.solve(gram + ridge * np.eye(n), y_train[:n])
                    fit, prediction = gram @ dual, cross @ features.T @ dual
                test[a, b, c] = np.mean(np.sum((prediction - y_test) ** 2, axis=1))
                train[a, b, c] = np.mean(np.sum((fit - y_train[:n]) ** 2, axis=1))
    return test, train


def test_nested_grid_equals_a_solve_per_point(rng):
    x = rng.standard_normal((60, 4))
    y = np.stack([np.sin(x[:, 0]) + x[:, 1] * x[:, 2], x[:, 3] ** 2], axis=1)
    y = y + 0.3 * rng.standard_normal(y.shape)
    draw = ReluRandomFeatures(bias_variance=0.5).sample(45, 4, seed=rng)
    phi = draw.features(x).numpy()
    sizes, widths = np.array([7, 20, 33]), np.array([5, 12, 45])
    ridges = np.array([0.0, 1e-3, 0.1, 10.0])
    test, train = _nested_errors(*(torch.as_tensor(a) for a in (phi[:33], y[:33], phi[33:],
                                                                y[33:])),
                                 sizes, widths, ridges)
    expected_test, expected_train = _brute_force(phi[:33], y[:33], phi[33:], y[33:], sizes,
                                                 widths, ridges)
    np.testing.assert_allclose(test, expected_test, rtol=1e-10)
    np.testing.assert_allclose(train, expected_train, rtol=1e-9, atol=1e-13)


def test_rank_deficient_features_are_solved_as_minimum_norm_least_squares(rng):
    # Linear features of 20-dimensional inputs have rank <= 20 whatever k and n: the Gram
    # matrices are singular and ridge 0 must be the pseudo-inverse.
    design = _power_law_design(20)
    x, y = design.sample(200, seed=rng)
    y = y[:, None] + 0.3 * rng.standard_normal((200, 1))
    phi = GaussianRandomFeatures().sample(50, 20, seed=rng).features(x).numpy()
    sizes, widths = np.array([10, 30, 80]), np.array([5, 20, 50])
    ridges = np.array([0.0, 1e-8, 1e-3, 1.0])
    test, train = _nested_errors(*(torch.as_tensor(a) for a in (phi[:80], y[:80], phi[80:],
                                                                y[80:])),
                                 sizes, widths, ridges)
    expected_test, expected_train = _brute_force(phi[:80], y[:80], phi[80:], y[80:], sizes,
                                                 widths, ridges)
    np.testing.assert_allclose(test, expected_test, rtol=1e-6)
    np.testing.assert_allclose(train, expected_train, rtol=1e-6, atol=1e-12)


def test_large_k_random_features_predict_like_the_exact_kernel(rng):
    x = _points(rng, 140, 6)
    y = torch.as_tensor(np.tanh(2 * x[:, 0]) + x[:, 1] * x[:, 2])[:, None]
    kernel = ReluNNGPKernel(1, weight_variance=2.0, bias_variance=0.2)
    gram = kernel(x)
    n, ridge = 100, 1e-2
    exact = gram[n:, :n] @ torch.linalg.solve(gram[:n, :n] + ridge * torch.eye(n), y[:n])
    exact_mse = float(((exact - y[n:]) ** 2).mean())
    draw = ReluRandomFeatures(2.0, 0.2).sample(60_000, 6, seed=3)
    phi = draw.features(x)
    widths = np.array([600, 6000, 60_000])
    test, _ = _nested_errors(phi[:n], y[:n], phi[n:], y[n:], np.array([n]), widths,
                             np.array([ridge]))
    gaps = np.abs(test[0, :, 0] / exact_mse - 1)
    assert gaps[-1] < 0.02 and gaps[-1] < gaps[0], gaps


@pytest.mark.parametrize("k", [10, 30])
def test_ridgeless_underparameterised_rf_matches_exact_least_squares(k):
    # Isotropic design x ~ N(0, I_M), y = beta . x + noise, features W x with W Gaussian:
    # given W the features are Gaussian and the part of y they cannot explain is Gaussian
    # noise of variance s2(W) = noise + |beta|^2 - (explained), independent of them. Least
    # squares on k Gaussian features and n points then has expected test MSE
    # s2 (n - 1)/(n - k - 1) (inverse-Wishart mean) and train MSE s2 (n - k)/n; averaging
    # over W, a uniformly random k-dimensional subspace explains k/M of |beta|^2.
    dim, n, noise, trials = 60, 50, 0.3, 400
    beta = np.linspace(1.0, 0.2, dim) / 3
    design = GaussianDesign(np.ones(dim), beta)
    curve = measure_rf_learning_curve(GaussianRandomFeatures(), design, n=[n], k=[k],
                                      ridge=[0.0], trials=trials, noise=noise, test_size=500,
                                      seed=11)
    unexplained = noise + np.sum(beta**2) * (1 - k / dim)
    for measured, expected in [(curve.test_mse, unexplained * (n - 1) / (n - k - 1)),
                               (curve.train_mse, unexplained * (n - k) / n)]:
        values = measured[:, 0, 0, 0]
        error = values.std(ddof=1) / math.sqrt(trials)
        assert abs(values.mean() - expected) < 4 * error, (values.mean(), expected, error)
        assert abs(values.mean() / expected - 1) < 0.05


def test_many_features_approach_measured_krr_on_the_same_points(rng):
    # With trials=1 and no noise both measurements draw the same permutation of the pool first,
    # so training and test sets coincide and only the features differ.
    x = _points(rng, 400, 8)
    y = np.sign(x[:, 0] + 0.5 * x[:, 1] * x[:, 2])
    features = ReluRandomFeatures(weight_variance=2.0, bias_variance=0.0)
    gram = features.kernel(x)
    gaps = []
    for seed in range(3):
        krr = measure_krr_learning_curve(gram, y, n=[60, 150], ridge=[1e-3, 0.1], trials=1,
                                         test_size=200, seed=seed)
        rf = measure_rf_learning_curve(features, (x, y), n=[60, 150], k=[150, 20_000],
                                       ridge=[1e-3, 0.1], trials=1, test_size=200, seed=seed)
        gaps.append(np.abs(rf.test_mse[0] / krr.test_mse[0][:, None, :] - 1))
    gaps = np.max(gaps, axis=0)                       # (n, k, ridge)
    assert np.all(gaps[:, 1] < 0.03), gaps
    assert np.all(gaps[:, 1] < gaps[:, 0]), gaps


def _power_law_design(modes=400):
    index = np.arange(1, modes + 1)
    return GaussianDesign(index**-1.5, index**-0.75)   # lambda_i = v_i^2 = i^-1.5 (P3)


def test_double_descent_peak_at_k_equal_n_at_small_ridge():
    curve = measure_rf_learning_curve(GaussianRandomFeatures(), _power_law_design(),
                                      n=[40], k=[10, 40, 160], ridge=[0.0, 1e-4, 1.0],
                                      trials=10, noise=0.5, test_size=300, seed=2)
    mean = curve.test_mse.mean(axis=0)[0]             # (k, ridge)
    for r in (0, 1):
        assert mean[1, r] > 5 * max(mean[0, r], mean[2, r]), mean
    # A large ridge removes the peak.
    assert mean[1, 2] < 1.5 * min(mean[0, 2], mean[2, 2]), mean


def test_more_is_better_at_optimal_ridge():
    design = _power_law_design()
    ridges = np.geomspace(1e-4, 1e2, 13)
    by_k = measure_rf_learning_curve(GaussianRandomFeatures(), design, n=[40],
                                     k=[5, 10, 20, 40, 80, 160, 320], ridge=ridges, trials=12,
                                     noise=0.5, test_size=300, seed=5).optimal_ridge()
    by_n = measure_rf_learning_curve(GaussianRandomFeatures(), design, n=[5, 10, 20, 40, 80,
                                     160], k=[40], ridge=ridges, trials=12, noise=0.5,
                                     test_size=300, seed=6).optimal_ridge()
    for best, sem in [(by_k.grid_test_mse[0], by_k.grid_test_mse_sem[0]),
                      (by_n.grid_test_mse[:, 0], by_n.grid_test_mse_sem[:, 0])]:
        rises = np.diff(best)
        assert np.all(rises < 2 * (sem[1:] + sem[:-1])), (best, sem)
        assert best[-1] < 0.8 * best[0]
    # The unregularised peak is gone at optimal ridge: ridge grows where k ~ n.
    assert not np.any(by_k.on_boundary & (by_k.k[None, :] == 40))


def test_optimal_ridge_recovers_a_planted_minimum():
    ridges = np.geomspace(1e-3, 1e3, 13)
    planted = np.array([[0.37, 5.0]])                  # (n, k) optima
    log_mse = 0.2 * (np.log(ridges)[None, None, :] - np.log(planted)[..., None]) ** 2
    mse = np.exp(log_mse)[None] * np.array([0.9, 1.1])[:, None, None, None]
    curve = MeasuredRFLearningCurve(
        n=np.array([10]), k=np.array([5, 50]), ridge=ridges, noise=0.0, test_mse=mse,
        train_mse=mse, test_size=1, pool_size=None, features="gaussian", feature_params={},
        dtype="float64")
    best = curve.optimal_ridge()
    np.testing.assert_allclose(best.ridge, planted, rtol=1e-10)
    np.testing.assert_allclose(best.test_mse, 1.0, rtol=1e-10)
    assert np.all(best.grid_test_mse >= best.test_mse) and not best.on_boundary.any()
    frame = best.to_frame(task="planted")
    assert list(frame["k"]) == [5, 50] and set(frame["task"]) == {"planted"}


def test_frame_progress_and_float32(rng):
    x = rng.standard_normal((80, 3))
    y = x[:, 0] ** 2
    calls = []
    curve = measure_rf_learning_curve(RandomFourierFeatures(1.0), (x, y), n=[10, 30],
                                      k=[8, 64, 8], ridge=[1e-2, 0.0], trials=2, seed=0,
                                      progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    frame = curve.to_frame(dataset="toy")
    assert len(frame) == 2 * 2 * 2 * 2 and curve.test_size == 50
    assert {"n", "k", "ridge", "trial", "test_mse", "train_mse", "noise", "features",
            "test_points", "dataset"} <= set(frame.columns)
    assert list(curve.ridge) == [0.0, 1e-2] and list(curve.k) == [8, 64]
    assert (frame["test_points"] == "held-out").all() and curve.features == "fourier"
    single = measure_rf_learning_curve(RandomFourierFeatures(1.0), (x, y), n=[10, 30],
                                       k=[8, 64], ridge=[1e-2], trials=2, seed=0,
                                       dtype=torch.float32)
    assert single.dtype == "float32"
    np.testing.assert_allclose(single.test_mse, curve.test_mse[..., 1:], rtol=1e-2)


def test_gaussian_design_plants_its_eigensystem():
    design = _power_law_design(50)
    x, y = design.sample(200_000, seed=4)
    covariance = x.T @ x / len(x)
    np.testing.assert_allclose(np.diag(covariance), design.eigenvalues, rtol=0.02)
    # Target coefficients v_i = E[y phi_i] with phi_i = x_i / sqrt(lambda_i).
    coeffs = (x / np.sqrt(design.eigenvalues)).T @ y / len(x)
    np.testing.assert_allclose(coeffs, design.target_coeffs, atol=0.01)
    es = design.eigensystem
    assert es.n_modes == 50 and es.tail_mass == 0
    assert GaussianDesign.from_eigensystem(es).input_dim == 50


def test_invalid_arguments_name_the_parameter(rng):
    x, y = rng.standard_normal((30, 2)), rng.standard_normal(30)
    features, design = GaussianRandomFeatures(), _power_law_design(20)
    cases = [
        (dict(n=[0]), "`n`"), (dict(k=[2.5]), "`k`"), (dict(ridge=[-1.0]), "`ridge`"),
        (dict(trials=0), "`trials`"), (dict(noise=-0.1), "`noise`"),
        (dict(n=[30]), "smaller than the pool"), (dict(test_size=26), "`test_size`"),
        (dict(dtype=torch.int64), "`dtype`"),
    ]
    for change, message in cases:
        arguments = dict(n=[5], k=[3], ridge=[0.1]) | change
        with pytest.raises(ValueError, match=message):
            measure_rf_learning_curve(features, (x, y), **arguments)
    with pytest.raises(TypeError, match="`data`"):
        measure_rf_learning_curve(features, x, n=[5], k=[3], ridge=[0.1])
    with pytest.raises(TypeError, match="`feature_map`"):
        measure_rf_learning_curve(GaussianKernel(1.0), design, n=[5], k=[3], ridge=[0.1])
    with pytest.raises(ValueError, match="`eigenvalues`"):
        GaussianDesign([1.0, 2.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="`width`"):
        RandomFourierFeatures(0.0)
    with pytest.raises(ValueError, match="`weight_variance`"):
        ReluRandomFeatures(weight_variance=-1.0)
    with pytest.raises(ValueError, match="no tail"):
        from eigenlab.spectra import power_law_eigensystem

        GaussianDesign.from_eigensystem(power_law_eigensystem(10, alpha=1.5, beta=1.5))


@pytest.mark.slow
def test_reproduces_the_stored_gaussian_rf_experiment_of_p3():
    # Spec §3.5(b): M = 10^4 modes, lambda_i = v_i^2 = i^-1.5, noise 0.5, 45 trials, 1000 test
    # points; the authors' stored experiment at n = 256, k = 251, ridge 1e-3 is 5.49.
    index = np.arange(1, 10_001)
    curve = measure_rf_learning_curve(GaussianRandomFeatures(),
                                      GaussianDesign(index**-1.5, index**-0.75), n=[256],
                                      k=[251], ridge=[1e-3], trials=45, noise=0.5,
                                      test_size=1000, seed=0)
    values = curve.test_mse[:, 0, 0, 0]
    error = values.std(ddof=1) / math.sqrt(values.size)
    assert abs(values.mean() - 5.49) < 3 * error, (values.mean(), error)
