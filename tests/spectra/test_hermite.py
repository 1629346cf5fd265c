"""Tests for the HEA (`eigenlab/spectra/_hermite*.py`) against independent routes."""

import itertools
import math

import numpy as np
import pytest
import torch

from eigenlab.experiments import measure_krr_learning_curve
from eigenlab.kernels import GaussianKernel, LaplaceKernel
from eigenlab.spectra import (
    AnsatzWarning,
    HermiteCache,
    data_statistics,
    hermite_analysis,
    hermite_features,
    hermite_modes,
)
from eigenlab.theory import krr_learning_curve


def _brute_force(coeffs, gamma, max_degree):
    values, keys = [], []
    for degree in range(max_degree + 1):
        if coeffs[degree] <= 0:
            continue
        for combo in itertools.combinations_with_replacement(range(gamma.size), degree):
            exponents = {}
            for c in combo:
                exponents[c] = exponents.get(c, 0) + 1
            values.append(coeffs[degree] * np.prod([gamma[c] ** a for c, a in
                                                    exponents.items()]))
            keys.append(tuple(sorted(exponents.items())))
    order = np.argsort(values)[::-1]
    return np.array(values)[order], [keys[i] for i in order]


@pytest.mark.parametrize(
    ("coeffs", "gamma"),
    [
        ([1.0, 0.8, 0.5, 0.3, 0.2], [0.4, 0.3, 0.2, 0.1]),
        ([0.2, 1.0, 0.05, 3.0, 0.0, 1.0], [0.5, 0.2, 0.2, 0.1]),   # non-monotone, ties, a zero
        ([1.0, 1.0, 1.0, 1.0], [0.25, 0.25, 0.25, 0.25]),          # isotropic: all ties
    ],
)
def test_best_first_enumeration_equals_brute_force(coeffs, gamma):
    coeffs, gamma = np.array(coeffs), np.array(gamma)
    expected, keys = _brute_force(coeffs, gamma, coeffs.size - 1)
    values, labels = hermite_modes(coeffs, gamma, len(keys))
    assert len(set(labels)) == len(labels) == len(keys)
    assert set(labels) == set(keys)
    assert np.allclose(values, expected, rtol=1e-13)
    top, top_labels = hermite_modes(coeffs, gamma, 12)
    assert np.allclose(top, expected[:12], rtol=1e-13)


def test_hermite_features_are_orthonormal_on_gaussian_data(rng):
    z = rng.standard_normal((200_000, 3))
    labels = [(), ((0, 1),), ((0, 2),), ((0, 3),), ((0, 1), (1, 1)), ((1, 2), (2, 1)),
              ((2, 4),)]
    h = hermite_features(z, labels)
    assert np.allclose(h.T @ h / z.shape[0], np.eye(len(labels)), atol=0.03)
    # Against the explicit polynomials He_2 = z^2 - 1, He_3 = z^3 - 3z.
    assert np.allclose(h[:, 2], (z[:, 0] ** 2 - 1) / math.sqrt(2))
    assert np.allclose(h[:, 3], (z[:, 0] ** 3 - 3 * z[:, 0]) / math.sqrt(6))


def test_planted_target_coefficients_are_recovered(rng):
    x = rng.standard_normal((20_000, 6)) * np.array([2.0, 1.5, 1.2, 1.0, 0.8, 0.5])
    stats = data_statistics(x)
    z = stats.whiten(x)
    y = 0.8 * z[:, 0] + 0.5 * (z[:, 1] ** 2 - 1) / math.sqrt(2) - 0.3 * z[:, 0] * z[:, 2]
    analysis = hermite_analysis(x, y, GaussianKernel(width=2.0), n_modes=200,
                                n_target_modes=100, warn=False)
    es = analysis.eigensystem
    found = {label: coeff for label, coeff in zip(es.mode_labels, es.target_coeffs,
                                                  strict=True)}
    assert abs(found[((0, 1),)]) == pytest.approx(0.8, abs=0.02)
    assert abs(found[((1, 2),)]) == pytest.approx(0.5, abs=0.02)
    assert abs(found[((0, 1), (2, 1))]) == pytest.approx(0.3, abs=0.02)
    assert analysis.diagnostics.unexplained_power < 0.01


def test_eigenvalues_and_eigenfunctions_match_the_gram_matrix(rng):
    # Synthetic Gaussian data with a known anisotropic covariance (spec 6.9): HEA eigenvalues
    # against the Gram matrix's, and HEA eigenfunctions against its eigenvectors.
    n, dim = 3000, 30
    gamma = (6.0 + np.arange(dim)) ** -2.0
    x = rng.standard_normal((n, dim)) * np.sqrt(gamma / gamma.sum())
    kernel = GaussianKernel(width=3.0)
    analysis = hermite_analysis(x, np.sign(x[:, 0]), kernel, n_modes=60, warn=False)
    hea = analysis.eigensystem
    scaled = analysis.statistics.transform(x)
    gram = kernel(torch.as_tensor(scaled))
    values, vectors = torch.linalg.eigh(gram)
    empirical = values.flip(0).numpy()[:60] / n
    ratio = empirical[:40] / hea.eigenvalues[:40]
    assert np.all((ratio > 0.85) & (ratio < 1.1))
    # Overlap: each of the top HEA eigenfunctions lies in the span of empirical eigenvectors
    # of nearby rank (near-degenerate levels mix, so compare subspaces).
    features = hermite_features(analysis.statistics.whiten(x), list(hea.mode_labels[:12]))
    features /= np.linalg.norm(features, axis=0)
    basis = vectors.flip(1).numpy()[:, :20]
    captured = np.sum((basis.T @ features) ** 2, axis=0)
    assert np.all(captured[:8] > 0.9)


def test_hea_learning_curve_predicts_krr_on_gaussian_data(rng):
    n_pool, dim = 4000, 40
    gamma = (3.0 + np.arange(dim)) ** -1.0
    x = rng.standard_normal((n_pool, dim)) * np.sqrt(gamma)
    y = np.sign(x[:, 0] + x[:, 1])
    kernel = GaussianKernel(width=2.0)
    es = hermite_analysis(x, y, kernel, n_modes=3000, n_target_modes=400,
                          warn=False).eigensystem
    sizes = np.array([10.0, 40.0, 160.0])
    predicted = krr_learning_curve(es, sizes, ridge=1e-3).test_mse
    scaled = data_statistics(x).transform(x)
    measured = measure_krr_learning_curve(kernel(torch.as_tensor(scaled)), y, n=sizes,
                                          ridge=[1e-3], trials=6, seed=0)
    mean = measured.test_mse[:, :, 0].mean(axis=0)
    assert np.all(np.abs(np.log(predicted / mean)) < 0.12)


def test_diagnostics_flag_what_breaks_the_ansatz(rng):
    # Low effective dimension and a narrow Laplace kernel whose eigenvalues grow with degree.
    x = rng.standard_normal((2000, 5)) * np.array([3.0, 1.0, 0.3, 0.1, 0.05])
    with pytest.warns(AnsatzWarning) as caught:
        analysis = hermite_analysis(x, x[:, 0], LaplaceKernel(width=0.5), n_modes=100,
                                    n_target_modes=50, max_degree=20)
    messages = " ".join(str(w.message) for w in caught)
    assert "effective dimension" in messages
    assert analysis.diagnostics.degree_capped
    assert analysis.diagnostics.max_degree < 20
    quiet = hermite_analysis(rng.standard_normal((3000, 40)), rng.standard_normal(3000),
                             GaussianKernel(width=2.0), n_modes=200, n_target_modes=100,
                             warn=False)
    assert quiet.diagnostics.warnings == ()
    assert quiet.diagnostics.unexplained_power > 0.9  # pure noise is not explained


def test_bad_input():
    x = np.ones((10, 3)) + np.arange(3)
    with pytest.raises(ValueError, match="`y` must have one row per sample"):
        hermite_analysis(np.random.default_rng(0).normal(size=(10, 3)), np.ones(9),
                         GaussianKernel(width=1.0))
    with pytest.raises(ValueError, match="must not be constant"):
        data_statistics(x)
    data = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(ValueError, match="`n_modes` must be an integer >= 1; got 0"):
        hermite_analysis(data, np.ones(20), GaussianKernel(width=1.0), n_modes=0)
    with pytest.raises(ValueError, match="`max_degree` must be an integer >= 0; got -1"):
        hermite_analysis(data, np.ones(20), GaussianKernel(width=1.0), max_degree=-1)
    with pytest.raises(TypeError, match="`kernel` must be an eigenlab kernel"):
        hermite_analysis(np.random.default_rng(0).normal(size=(10, 3)), np.ones(10), "rbf")


def test_reused_statistics_give_the_same_eigensystem(rng):
    x = rng.standard_normal((2000, 10)) * np.arange(1, 11) ** -0.5
    y = np.sign(x[:, 0])
    stats = data_statistics(x)
    kernel = GaussianKernel(width=2.0)
    fresh = hermite_analysis(x, y, kernel, n_modes=300, warn=False).eigensystem
    reused = hermite_analysis(x, y, kernel, n_modes=300, statistics=stats,
                              warn=False).eigensystem
    assert np.array_equal(fresh.eigenvalues, reused.eigenvalues)
    assert np.allclose(fresh.target_coeffs, reused.target_coeffs)
    with pytest.raises(ValueError, match="`statistics` must be the DataStatistics of `x`"):
        hermite_analysis(x[:, :5], y, kernel, statistics=stats)


def test_enumeration_on_a_larger_random_problem(rng):
    gamma = np.sort(rng.random(25) ** 3)[::-1]
    gamma /= gamma.sum()
    coeffs = np.exp(-1.0) * 0.5 ** np.arange(5) + np.array([0, 0, 0.3, 0, 0.01])
    expected, keys = _brute_force(coeffs, gamma, 4)
    values, labels = hermite_modes(coeffs, gamma, 3000)
    assert np.allclose(values, expected[:3000], rtol=1e-12)
    assert set(labels) == set(keys[:3000])


def _gram_schmidt_coefficients(x, y, labels, stats):
    """Independent route: explicit QR of the Hermite features in order, signs made positive."""
    features = hermite_features(stats.whiten(x), labels)
    q, r = np.linalg.qr(features)
    q = q * np.sign(np.diagonal(r))
    return q.T @ y / math.sqrt(x.shape[0])


def test_cache_reuse_across_widths_and_targets_matches_fresh_analyses(rng):
    x = rng.standard_normal((2000, 12)) * np.arange(1, 13) ** -0.7
    first, second = np.sign(x[:, 0] + x[:, 1] * x[:, 2]), x[:, 3] ** 2 - np.mean(x[:, 3] ** 2)
    cache = HermiteCache()
    for width, y in ((1.0, first), (3.0, first), (3.0, second)):
        kernel = GaussianKernel(width=width)
        cached = hermite_analysis(x, y, kernel, n_modes=400, n_target_modes=150, cache=cache,
                                  warn=False).eigensystem
        fresh = hermite_analysis(x, y, kernel, n_modes=400, n_target_modes=150,
                                 warn=False).eigensystem
        assert list(cached.mode_labels) == list(fresh.mode_labels)
        np.testing.assert_allclose(cached.target_coeffs, fresh.target_coeffs, atol=1e-12)
        expected = _gram_schmidt_coefficients(x, y, list(fresh.mode_labels[:150]),
                                              cache.statistics)
        np.testing.assert_allclose(cached.target_coeffs[:150], expected, atol=1e-10)
    # The two widths order their modes differently but share columns: the cache holds their
    # union once.
    assert 150 < cache.n_columns < 300
    # It holds the coordinates and the columns' products, never the feature matrix itself.
    assert cache.nbytes == (cache._zcount * x.shape[0] * 8 + cache.n_columns ** 2 * 8
                            + 2 * cache.n_columns * 8)
    assert cache.nbytes < cache.n_columns * x.shape[0] * 8


def test_streamed_products_equal_whole_matrix_products_across_chunks(rng, monkeypatch):
    # Chunks of 7 rows (so that the last one is partial): the Gram matrix and target
    # products accumulated over chunks equal those of the whole feature matrix.
    import eigenlab.spectra._hermite_cache as module

    monkeypatch.setattr(module, "_ROW_CHUNK", 7)
    x = rng.standard_normal((40, 5)) * np.array([1.0, 0.9, 0.7, 0.5, 0.3])
    y = x[:, 0] * x[:, 1] + 0.1 * rng.standard_normal(40)
    cache = HermiteCache()
    for width in (1.0, 2.0):
        hermite_analysis(x, y, GaussianKernel(width=width), n_modes=30, n_target_modes=12,
                         cache=cache, warn=False)
    stats = cache.statistics
    z = stats.whiten(x)
    features = hermite_features(z, cache._labels) / np.sqrt(40)
    np.testing.assert_allclose(cache._gram, features.T @ features, atol=1e-12)
    np.testing.assert_allclose(cache._target_moments(y)[:, 0], features.T @ y / np.sqrt(40),
                               atol=1e-12)


def test_ill_conditioned_features_fall_back_to_householder_qr(rng):
    # Few samples and many modes: the features' Gram matrix is nearly singular.
    x = rng.standard_normal((120, 4)) * np.array([1.0, 0.8, 0.6, 0.4])
    y = np.sign(x[:, 0])
    analysis = hermite_analysis(x, y, GaussianKernel(width=1.0), n_modes=200,
                                n_target_modes=110, warn=False)
    labels = list(analysis.eigensystem.mode_labels[:110])
    features = hermite_features(analysis.statistics.whiten(x), labels)
    singular = np.linalg.svd(features, compute_uv=False)
    assert singular[-1] / singular[0] < 1e-6  # the Cholesky route would be refused
    expected = _gram_schmidt_coefficients(x, y, labels, analysis.statistics)
    # Both are backward stable; they differ by about eps x condition number.
    np.testing.assert_allclose(analysis.eigensystem.target_coeffs[:110], expected, atol=1e-6)


def test_cache_refuses_other_data(rng):
    x = rng.standard_normal((500, 5))
    cache = HermiteCache()
    hermite_analysis(x, x[:, 0], GaussianKernel(width=1.0), n_modes=20, cache=cache,
                     warn=False)
    with pytest.raises(ValueError, match="`cache` holds the work of different data"):
        hermite_analysis(x + 1.0, x[:, 0], GaussianKernel(width=1.0), n_modes=20,
                         cache=cache, warn=False)
    with pytest.raises(ValueError, match="`statistics` differs from the statistics held"):
        hermite_analysis(x, x[:, 0], GaussianKernel(width=1.0), cache=cache,
                         statistics=data_statistics(x), warn=False)
    with pytest.raises(TypeError, match="`cache` must be a HermiteCache; got dict"):
        hermite_analysis(x, x[:, 0], GaussianKernel(width=1.0), cache={}, warn=False)
    cache.clear()
    assert cache.nbytes == 0 and cache.statistics is None
