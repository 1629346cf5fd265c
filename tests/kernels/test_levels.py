"""Numerical level coefficients against the closed forms of every kernel family that has one,
on both routes (Cauchy integral, Chebyshev fallback); their error estimates against the true
errors; the fallback's triggers; and the loud failure of ``Kernel.level_coefficients``."""

import math

import numpy as np
import pytest
import torch

from eigenlab.kernels import (
    DotProductKernel,
    GaussianKernel,
    LaplaceKernel,
    NumericalLevelCoefficients,
    PolynomialKernel,
    ReluNNGPKernel,
    ReluNTKKernel,
    numerical_level_coefficients,
)

CLOSED_FORMS = [
    GaussianKernel(0.6),
    GaussianKernel(1.0),
    GaussianKernel(3.0),
    LaplaceKernel(0.7),
    LaplaceKernel(2.0),
    PolynomialKernel(3),
    PolynomialKernel(4, scale=1.5, offset=0.5),
    ReluNNGPKernel(),
    ReluNTKKernel(),
    ReluNNGPKernel(2, weight_variance=2.0, bias_variance=0.0),
    ReluNTKKernel(3, weight_variance=0.7, bias_variance=0.4),
]
MAX_DEGREE = 12
FACTORIALS = np.array([math.factorial(degree) for degree in range(MAX_DEGREE + 1)], float)


def kernel_id(kernel):
    return repr(kernel)


def real_only(kernel):
    """The kernel's public profile, which casts to float64: complex input cannot pass."""
    def profile(t):
        if np.iscomplexobj(t):
            raise TypeError("real arguments only")
        return kernel.profile(t)
    return profile


@pytest.mark.parametrize("kernel", CLOSED_FORMS, ids=kernel_id)
def test_cauchy_route_matches_the_closed_forms(kernel):
    exact = kernel.level_coefficients(MAX_DEGREE)
    estimate = numerical_level_coefficients(kernel, MAX_DEGREE)
    assert estimate.method == "cauchy" and estimate.n_evaluations == 2**14
    np.testing.assert_array_equal(estimate.radius, 0.99)
    error = np.abs(estimate.coefficients - exact)
    # Round-off of the samples, eps max|k|, amplified by l!/r^l (absolute), and relative
    # round-off of the sum: measured at most 5e-13 of l! k(1) and 2e-14 relative.
    scale = FACTORIALS * kernel.trace_on_sphere() / 0.99 ** np.arange(MAX_DEGREE + 1)
    assert np.all(error <= 1e-15 * scale + 1e-13 * np.abs(exact))
    # The error estimate is an upper bound, and not a wild one.
    assert np.all(error <= estimate.errors)
    assert np.all(estimate.errors <= 1e-14 * scale + 1e-12 * np.abs(exact))


@pytest.mark.parametrize("kernel", CLOSED_FORMS, ids=kernel_id)
def test_chebyshev_route_matches_the_closed_forms_at_low_degrees(kernel):
    exact = kernel.level_coefficients(MAX_DEGREE)
    estimate = numerical_level_coefficients(real_only(kernel), MAX_DEGREE)
    assert estimate.method == "chebyshev"
    error = np.abs(estimate.coefficients - exact)
    assert np.all(error <= estimate.errors)
    # Measured: about 1e-13 relative at l = 2, 1e-9 at l = 4, 2e-6 at l = 6.
    relative = error / np.maximum(np.abs(exact), kernel.trace_on_sphere())
    assert np.all(relative[:3] <= 1e-11)
    assert np.all(relative[:5] <= 1e-8)
    assert np.all(relative[:7] <= 1e-5)


def test_a_larger_circle_resolves_entire_profiles_to_high_degree():
    # A Gaussian profile is entire: on |t| = r the round-off is amplified by
    # l! exp(r) / r^l relative, which r = 10 keeps near eps up to l = 20, where r = 0.99
    # loses everything.
    kernel = GaussianKernel(1.0)
    exact = kernel.level_coefficients(20)
    wide = numerical_level_coefficients(kernel, 20, radius=10.0)
    np.testing.assert_allclose(wide.coefficients, exact, rtol=1e-11)
    assert np.all(wide.errors >= np.abs(wide.coefficients - exact))
    default = numerical_level_coefficients(kernel, 20)
    assert abs(default.coefficients[20] / exact[20] - 1) > 0.1
    assert default.errors[20] > abs(default.coefficients[20] - exact[20])


@pytest.mark.parametrize(("profile", "reason"), [
    (lambda t: np.exp(np.asarray(t, dtype=np.float64)), "a ComplexWarning (cast to real)"),
    (lambda t: np.exp(t.real), "real values for complex t"),
    (lambda t: np.exp(t.real) + 0j, "complex values that are not analytic"),
])
def test_profiles_that_are_not_analytic_on_the_circle_fall_back_to_chebyshev(profile, reason):
    estimate = numerical_level_coefficients(profile, 6)
    assert estimate.method == "chebyshev", reason
    np.testing.assert_allclose(estimate.coefficients, np.ones(7), rtol=1e-5)
    assert np.all(estimate.errors >= np.abs(estimate.coefficients - 1))


def test_a_singularity_inside_the_circle_is_detected():
    # A pole at t = 0.75: the circle |t| = 0.99 sees a Laurent series; the fallback picks the
    # intervals that stay clear of the pole. c_l = l! 2^l / 1.5^(l + 1).
    estimate = numerical_level_coefficients(lambda t: 1.0 / (1.5 - 2.0 * t), 5)
    assert estimate.method == "chebyshev"
    assert np.all(estimate.radius < 0.75)
    expected = FACTORIALS[:6] * 2.0 ** np.arange(6) / 1.5 ** np.arange(1, 7)
    np.testing.assert_allclose(estimate.coefficients, expected, rtol=1e-7)


# ---------------------------------------------------------------------- through the kernels
def exponential_profile(t):
    return t.exp() if isinstance(t, torch.Tensor) else np.exp(t)


@pytest.mark.parametrize("scale", [1.0, 1.5])
def test_dot_product_kernel_level_coefficients(scale):
    # k(t / s^2) = exp(t / s^2): c_l = s^(-2l).
    kernel = DotProductKernel(exponential_profile, scale=scale)
    # Accurate to 1e-15 l! k(1) absolute: relative for s = 1, not for the decaying s = 1.5.
    np.testing.assert_allclose(kernel.level_coefficients(10), scale ** (-2.0 * np.arange(11)),
                               rtol=1e-9, atol=1e-15 * FACTORIALS[10] * math.e)
    geometric = DotProductKernel(lambda t: 1.0 / (2.0 - t))
    np.testing.assert_allclose(geometric.level_coefficients(8),
                               FACTORIALS[:9] / 2.0 ** np.arange(1, 10), rtol=1e-12)
    cubic = DotProductKernel(lambda t: (1.0 + t) ** 3)
    np.testing.assert_allclose(cubic.level_coefficients(6), [1, 3, 6, 6, 0, 0, 0], rtol=1e-13,
                               atol=1e-11)


def test_kernel_level_coefficients_fail_loudly_beyond_their_accuracy():
    kernel = DotProductKernel(exponential_profile)
    with pytest.raises(ValueError, match=r"`max_degree` is too large for DotProductKernel.*"
                                         r"cauchy route.*from degree 1[3-6] on.*got 25\. "
                                         r"Ask for max_degree <= 1[2-5]"):
        kernel.level_coefficients(25)
    real = DotProductKernel(lambda t: np.exp(np.asarray(t, dtype=np.float64)))
    np.testing.assert_allclose(real.level_coefficients(4), np.ones(5), rtol=1e-8)
    with pytest.raises(ValueError, match=r"chebyshev route.*got 12"):
        real.level_coefficients(12)


@pytest.mark.parametrize("kernel", CLOSED_FORMS + [DotProductKernel(exponential_profile)],
                         ids=kernel_id)
def test_trace_on_sphere_is_the_profile_at_one(kernel):
    assert kernel.trace_on_sphere() == float(kernel.profile(1.0))
    assert isinstance(kernel.trace_on_sphere(), float)


def test_record_and_argument_errors():
    estimate = numerical_level_coefficients(np.exp, 3)
    assert isinstance(estimate, NumericalLevelCoefficients)
    assert estimate.coefficients.shape == estimate.errors.shape == estimate.radius.shape == (4,)
    with pytest.raises(TypeError, match=r"`profile` must be a callable of t or a Kernel"):
        numerical_level_coefficients("exp", 3)
    with pytest.raises(ValueError, match=r"`radius` must be > 0.0; got 0.0"):
        numerical_level_coefficients(np.exp, 3, radius=0.0)
    with pytest.raises(ValueError, match=r"`max_degree` must be an integer >= 0; got -1"):
        numerical_level_coefficients(np.exp, -1)
    with pytest.raises(ValueError, match=r"`profile` must be vectorised"):
        numerical_level_coefficients(lambda t: 1.0 if np.iscomplexobj(t) else 1.0, 3)
    with pytest.raises(ValueError, match=r"`profile` must be finite on \[-1, 1\]"):
        numerical_level_coefficients(
            lambda t: np.where(np.asarray(t, dtype=np.float64) > 0.5, np.nan, 1.0), 3)
