"""Analytic-domain eigensystems against independent routes: dense eigendecompositions of the
Gram matrix, closed forms (product kernels, Bessel functions), explicit projections and
Monte Carlo on sampled points."""

import itertools
import math

import numpy as np
import pytest
import scipy.sparse.linalg
from scipy.special import gamma, iv

from eigenlab import EigenlabWarning
from eigenlab.spectra._domains import (
    hypercube_eigensystem,
    hypersphere_eigensystem,
    parity_target_power,
    unit_circle_eigensystem,
)

# Absolute tolerance on eigenvalues, relative to the largest: a dense eigh of an M x M Gram
# matrix is accurate to about M ulps of it, and the analytic routes report levels below a few
# dozen ulps of the kernel's scale as exactly zero.
EIGENVALUE_ATOL = 1e-13


def gaussian(width):
    return lambda t: np.exp(-(1.0 - t) / width**2)


def expanded(es):
    """All eigenvalues, each repeated by its multiplicity, in increasing order."""
    return np.sort(np.repeat(es.eigenvalues, es.multiplicities.astype(np.int64)))


def circle_gram(kernel, n_points):
    theta = 2 * np.pi * np.arange(n_points) / n_points
    return kernel(np.cos(theta[:, None] - theta[None, :])) / n_points


def cube_points(dim):
    return np.array(list(itertools.product([-1.0, 1.0], repeat=dim)))


# ---------------------------------------------------------------------- unit circle
@pytest.mark.parametrize("n_points", [64, 65])
@pytest.mark.parametrize("width", [0.3, 1.0])
def test_circle_matches_dense_eigendecomposition(n_points, width):
    kernel = gaussian(width)
    es = unit_circle_eigensystem(kernel, n_points)
    reference = np.linalg.eigvalsh(circle_gram(kernel, n_points))
    assert es.n_functions == n_points
    np.testing.assert_allclose(expanded(es), reference, rtol=0,
                               atol=EIGENVALUE_ATOL * reference[-1])


@pytest.mark.parametrize("n_points", [64, 65])
def test_circle_planted_fourier_mode(n_points):
    kernel = gaussian(0.5)
    planted = unit_circle_eigensystem(
        kernel, n_points, target=lambda theta: np.sqrt(2) * np.cos(5 * theta))
    expected = np.where(planted.mode_labels == 5, 1.0, 0.0)
    np.testing.assert_allclose(planted.target_coeffs, expected, rtol=0, atol=1e-12)
    # The same target given as values on the grid.
    theta = 2 * np.pi * np.arange(n_points) / n_points
    values = unit_circle_eigensystem(kernel, n_points, target=np.sqrt(2) * np.cos(5 * theta))
    np.testing.assert_allclose(values.target_coeffs, planted.target_coeffs, rtol=0, atol=1e-14)


@pytest.mark.parametrize("n_points", [64, 65])
def test_circle_target_power_matches_explicit_projections(n_points, rng):
    theta = 2 * np.pi * np.arange(n_points) / n_points
    target = rng.standard_normal(n_points)
    es = unit_circle_eigensystem(gaussian(0.5), n_points, target=target)
    np.testing.assert_allclose(np.sum(es.target_coeffs**2), np.mean(target**2), rtol=1e-13)
    # Power per level from inner products with the orthonormal real Fourier basis.
    power = {0: np.mean(target) ** 2}
    for k in range(1, n_points // 2 + 1):
        if 2 * k == n_points:
            power[k] = np.mean(target * np.cos(k * theta)) ** 2
        else:
            power[k] = (np.mean(target * np.sqrt(2) * np.cos(k * theta)) ** 2
                        + np.mean(target * np.sqrt(2) * np.sin(k * theta)) ** 2)
    found = {int(k): v**2 for k, v in zip(es.mode_labels, es.target_coeffs, strict=True)}
    assert found.keys() == power.keys()
    for k in power:
        np.testing.assert_allclose(found[k], power[k], rtol=1e-10, atol=1e-15)


def test_circle_multi_output_target_is_columnwise(rng):
    theta = 2 * np.pi * np.arange(32) / 32
    targets = np.stack([np.sin(3 * theta), rng.standard_normal(32)], axis=1)
    kept = targets.copy()
    both = unit_circle_eigensystem(gaussian(0.5), 32, target=targets)
    assert both.target_coeffs.shape == (17, 2)
    for column in range(2):
        single = unit_circle_eigensystem(gaussian(0.5), 32, target=targets[:, column])
        np.testing.assert_array_equal(both.target_coeffs[:, column], single.target_coeffs)
    np.testing.assert_array_equal(targets, kept)


# ---------------------------------------------------------------------- hypercube
@pytest.mark.parametrize("kernel", [gaussian(1.0), np.exp], ids=["gaussian", "exp"])
def test_cube_matches_dense_eigendecomposition(kernel):
    dim = 8
    points = cube_points(dim)
    reference = np.linalg.eigvalsh(kernel(points @ points.T / dim) / 2**dim)
    es = hypercube_eigensystem(kernel, dim)
    np.testing.assert_allclose(expanded(es), reference, rtol=0,
                               atol=EIGENVALUE_ATOL * reference[-1])


def test_cube_parity_is_an_eigenfunction_with_unit_power():
    dim, n_bits = 8, 3
    kernel = gaussian(1.0)
    points = cube_points(dim)
    gram = kernel(points @ points.T / dim) / 2**dim
    parity = np.prod(points[:, :n_bits], axis=1)
    es = hypercube_eigensystem(kernel, dim, target_power=parity_target_power(dim, n_bits))
    level = es.eigenvalues[es.mode_labels == n_bits][0]
    np.testing.assert_allclose(gram @ parity, level * parity, rtol=0, atol=1e-15)
    # Power of the parity in the eigenspace of its level, from a dense eigendecomposition.
    values, vectors = np.linalg.eigh(gram)
    space = vectors[:, np.abs(values - level) < 1e-10 * values[-1]]
    assert space.shape[1] == math.comb(dim, n_bits)
    np.testing.assert_allclose(np.sum((space.T @ parity) ** 2) / 2**dim, 1.0, rtol=1e-12)
    np.testing.assert_allclose(es.target_power, np.where(es.mode_labels == n_bits, 1.0, 0.0))


@pytest.mark.parametrize("dim", [1, 2, 7, 8, 13])
def test_cube_levels_count_every_vertex(dim):
    es = hypercube_eigensystem(gaussian(1.0), dim)
    assert sorted(es.mode_labels.tolist()) == list(range(dim + 1))
    assert es.n_functions == 2**dim


@pytest.mark.parametrize("dim", [40, 60])
def test_cube_high_dimension_matches_product_kernel(dim):
    # exp(x.x'/d) = prod_i exp(x_i x'_i / d): each coordinate contributes cosh(1/d) to the
    # constant and sinh(1/d) to the parity, so lambda_k = cosh^(d-k) sinh^k.
    es = hypercube_eigensystem(np.exp, dim)
    k = es.mode_labels
    closed_form = np.cosh(1 / dim) ** (dim - k) * np.sinh(1 / dim) ** k
    assert np.all(np.isfinite(es.eigenvalues)) and es.n_functions == pytest.approx(2.0**dim)
    resolved = closed_form > 1e-12 * closed_form.max()
    assert resolved.sum() >= 6
    np.testing.assert_allclose(es.eigenvalues[resolved], closed_form[resolved], rtol=1e-6)
    listed = float(np.dot(es.multiplicities, es.eigenvalues))
    np.testing.assert_allclose(listed, np.e, rtol=1e-8)
    np.testing.assert_allclose(es.trace, np.e, rtol=1e-14)


def test_cube_delta_like_kernel_keeps_its_trace():
    # A very narrow kernel on a large cube has eigenvalues near 2^-d that float64 cannot
    # resolve; their mass must survive as tail_mass rather than vanish.
    es = hypercube_eigensystem(gaussian(0.1), 1000)
    np.testing.assert_allclose(es.trace, 1.0, rtol=1e-12)
    assert es.tail_mass > 0.5


# ---------------------------------------------------------------------- hypersphere
@pytest.mark.parametrize("dim", [8, 200])
def test_sphere_exp_kernel_matches_bessel_closed_form(dim):
    max_degree = 30
    es = hypersphere_eigensystem(np.exp, dim, max_degree=max_degree)
    k = es.mode_labels
    closed_form = gamma(dim / 2) * 2.0 ** (dim / 2 - 1) * iv(k + dim / 2 - 1, 1.0)
    leading = closed_form > 1e-3 * closed_form.max()
    assert leading.sum() >= 2
    np.testing.assert_allclose(es.eigenvalues[leading], closed_form[leading], rtol=1e-12)
    np.testing.assert_allclose(es.eigenvalues, closed_form, rtol=0,
                               atol=EIGENVALUE_ATOL * closed_form.max())
    np.testing.assert_allclose(es.trace, np.e, rtol=1e-14)
    if dim == 8:  # degrees beyond 12 carry 2e-12 of the trace: the listed ones carry the rest
        listed = float(np.dot(es.multiplicities, es.eigenvalues))
        np.testing.assert_allclose(listed, np.e, rtol=1e-11)


def test_sphere_multiplicities_are_dimensions_of_harmonics():
    es = hypersphere_eigensystem(gaussian(1.0), 3, max_degree=12)
    order = np.argsort(es.mode_labels)
    np.testing.assert_array_equal(es.multiplicities[order], 2 * np.arange(13) + 1)
    for dim in range(4, 11):
        es = hypersphere_eigensystem(gaussian(1.0), dim, max_degree=8, n_quadrature=200)
        degree = es.mode_labels
        # Homogeneous polynomials of degree k minus those of degree k - 2 (times |x|^2).
        harmonics = [math.comb(k + dim - 1, dim - 1) - (math.comb(k + dim - 3, dim - 1)
                                                        if k >= 2 else 0) for k in degree]
        np.testing.assert_array_equal(es.multiplicities, harmonics)


def test_sphere_matches_monte_carlo_gram(rng):
    n_samples, kernel = 3000, gaussian(1.0)
    points = rng.standard_normal((n_samples, 3))
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    gram = kernel(np.clip(points @ points.T, -1.0, 1.0)) / n_samples
    top = np.sort(scipy.sparse.linalg.eigsh(gram, k=9, which="LA", v0=np.ones(n_samples),
                                            return_eigenvectors=False))[::-1]
    es = hypersphere_eigensystem(kernel, 3, max_degree=4)
    levels = dict(zip(es.mode_labels.tolist(), es.eigenvalues, strict=True))
    groups = [top[:1], top[1:4], top[4:9]]
    for degree, group in enumerate(groups):
        np.testing.assert_allclose(group, levels[degree], rtol=0.05)


def test_sphere_linear_kernel_is_one_level():
    # K(x, x') = x.x' has covariance I/d: one level of d functions with eigenvalue 1/d.
    dim = 5
    es = hypersphere_eigensystem(lambda t: t, dim, max_degree=6)
    eigenvalues = dict(zip(es.mode_labels.tolist(), es.eigenvalues, strict=True))
    np.testing.assert_allclose(eigenvalues[1], 1 / dim, rtol=1e-14)
    assert all(eigenvalues[k] == 0.0 for k in eigenvalues if k != 1)
    assert es.tail_mass == 0.0 and es.trace == pytest.approx(1.0, rel=1e-14)


def test_sphere_target_power_and_tail():
    power = np.linspace(1.0, 0.0, 6)
    es = hypersphere_eigensystem(gaussian(0.7), 4, max_degree=5, target_power=power)
    np.testing.assert_allclose(es.target_power, power[es.mode_labels])
    np.testing.assert_allclose(es.trace, 1.0, rtol=1e-13)
    assert es.tail_mass > 0


def test_sphere_non_psd_kernel_is_refused():
    with pytest.raises(ValueError, match="positive semi-definite"):
        hypersphere_eigensystem(lambda t: -t, 4, max_degree=3)


def test_sphere_unconverged_quadrature_warns():
    with pytest.warns(EigenlabWarning, match="n_quadrature"):
        hypersphere_eigensystem(gaussian(0.1), 3, max_degree=2, n_quadrature=8)


def test_sphere_very_high_dimension():
    es = hypersphere_eigensystem(np.exp, 1000, max_degree=10)
    assert np.all(np.isfinite(es.eigenvalues))
    np.testing.assert_allclose(es.eigenvalues[0], 1 + 1 / 2000, rtol=1e-6)
    np.testing.assert_allclose(es.trace, np.e, rtol=1e-14)


# ---------------------------------------------------------------------- common checks
FAMILY = {
    "circle": lambda kernel: unit_circle_eigensystem(kernel, 48),
    "cube": lambda kernel: hypercube_eigensystem(kernel, 9),
    "sphere": lambda kernel: hypersphere_eigensystem(kernel, 6, max_degree=12),
}


@pytest.mark.parametrize("name", FAMILY)
@pytest.mark.parametrize("kernel", [gaussian(0.5), np.exp, lambda t: (1 + t) ** 2 / 4],
                         ids=["gaussian", "exp", "quadratic"])
def test_family_common_properties(name, kernel):
    es = FAMILY[name](kernel)
    assert es.eigenvalues.dtype == np.float64
    assert np.all(np.diff(es.eigenvalues) <= 0)
    assert np.all(es.eigenvalues >= 0)
    assert len(set(es.mode_labels.tolist())) == es.n_modes
    assert np.all(es.multiplicities >= 1)
    np.testing.assert_allclose(es.trace, kernel(np.array([1.0]))[0], rtol=1e-12)


# ---------------------------------------------------------------------- bad input
def _scalar_kernel(t):
    return 1.0


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: unit_circle_eigensystem(np.exp, 1), ValueError, "`n_points` must be an"),
        (lambda: unit_circle_eigensystem(np.exp, 64.0), TypeError, "`n_points`"),
        (lambda: unit_circle_eigensystem("rbf", 64), TypeError, "`kernel` must be a callable"),
        (lambda: unit_circle_eigensystem(_scalar_kernel, 64), ValueError, "`kernel` must be "
                                                                          "vectorised"),
        (lambda: unit_circle_eigensystem(lambda t: np.where(t < 0, np.nan, t), 64), ValueError,
         "`kernel` must return finite"),
        (lambda: unit_circle_eigensystem(lambda t: t + 0j, 64), TypeError, "`kernel` must "
                                                                           "return real"),
        (lambda: unit_circle_eigensystem(np.exp, 64, target=np.ones(63)), ValueError,
         r"`target` must have shape \(64,\)"),
        (lambda: unit_circle_eigensystem(np.exp, 64, target=np.full(64, np.nan)), ValueError,
         "`target` must be finite"),
        (lambda: hypercube_eigensystem(np.exp, 0), ValueError, "`dim` must be an integer >= 1"),
        (lambda: hypercube_eigensystem(np.exp, True), TypeError, "`dim`"),
        (lambda: hypercube_eigensystem(np.exp, 1001), ValueError, r"`dim` must be .*1000"),
        (lambda: hypercube_eigensystem(np.exp, 4, target_power=np.ones(4)), ValueError,
         r"`target_power` must have shape \(5,\)"),
        (lambda: hypercube_eigensystem(np.exp, 4, target_power=-np.ones(5)), ValueError,
         "`target_power` must be >= 0"),
        (lambda: parity_target_power(4, 5), ValueError, "`n_bits` must be an integer in"),
        (lambda: parity_target_power(4, -1), ValueError, "`n_bits`"),
        (lambda: hypersphere_eigensystem(np.exp, 2, max_degree=3), ValueError,
         r"`dim` must be an integer >= 3; got 2\."),
        (lambda: hypersphere_eigensystem(np.exp, 3, max_degree=-1), ValueError,
         "`max_degree` must be an integer >= 0"),
        (lambda: hypersphere_eigensystem(np.exp, 3, max_degree=2.5), TypeError, "`max_degree`"),
        (lambda: hypersphere_eigensystem(np.exp, 3, max_degree=10, n_quadrature=20),
         ValueError, "`n_quadrature` must be an integer >= 22"),
        (lambda: hypersphere_eigensystem(np.exp, 3, max_degree=2, target_power=[1.0, 0.0]),
         ValueError, r"`target_power` must have shape \(3,\)"),
    ],
)
def test_bad_input_names_the_parameter(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_positional_use_of_options_is_refused():
    with pytest.raises(TypeError):
        hypersphere_eigensystem(np.exp, 3, 4)
    with pytest.raises(TypeError):
        unit_circle_eigensystem(np.exp, 8, np.ones(8))
