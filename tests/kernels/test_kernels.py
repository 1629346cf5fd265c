"""Each kernel against independent routes: naive double loops, scipy cdist closed forms,
scikit-learn's pairwise kernels, and Taylor coefficients of the profile by a Cauchy integral;
plus the errors at the boundary."""

import math

import numpy as np
import pytest
import torch
from scipy.spatial.distance import cdist
from sklearn.metrics.pairwise import laplacian_kernel, polynomial_kernel, rbf_kernel

from eigenlab.kernels import (
    DotProductKernel,
    GaussianKernel,
    LaplaceKernel,
    PolynomialKernel,
    get_kernel,
)

# Closed forms in float64 agree with the blockwise matmul route to a few ulps of the largest
# squared distance or inner product.
RTOL = 1e-12


def naive(function, x1, x2):
    return np.array([[function(a, b) for b in x2] for a in x1])


@pytest.fixture
def data(rng):
    return rng.standard_normal((6, 4)), rng.standard_normal((5, 4))


# ---------------------------------------------------------------------- naive double loops
@pytest.mark.parametrize("width", [0.3, 1.0, 4.0])
def test_gaussian_against_double_loop(data, width):
    x1, x2 = data
    expected = naive(lambda a, b: math.exp(-np.sum((a - b) ** 2) / (2 * width**2)), x1, x2)
    np.testing.assert_allclose(GaussianKernel(width)(x1, x2).numpy(), expected, rtol=RTOL)


@pytest.mark.parametrize("width", [0.3, 1.0, 4.0])
def test_laplace_against_double_loop(data, width):
    x1, x2 = data
    expected = naive(
        lambda a, b: math.exp(-math.sqrt(np.sum((a - b) ** 2)) / (math.sqrt(2) * width)), x1, x2)
    np.testing.assert_allclose(LaplaceKernel(width)(x1, x2).numpy(), expected, rtol=RTOL)


@pytest.mark.parametrize(("degree", "scale", "offset"), [(0, 1.0, 1.0), (2, 1.0, 0.0),
                                                         (3, 2.0, 0.5), (5, 0.7, 2.0)])
def test_polynomial_against_double_loop(data, degree, scale, offset):
    x1, x2 = data
    expected = naive(lambda a, b: (np.dot(a, b) / scale**2 + offset) ** degree, x1, x2)
    got = PolynomialKernel(degree, scale=scale, offset=offset)(x1, x2).numpy()
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=RTOL * np.abs(expected).max())


def test_dot_product_against_double_loop(data):
    x1, x2 = data
    kernel = DotProductKernel(lambda t: 1 + t + t**2 / 2, scale=3.0)
    expected = naive(lambda a, b: 1 + a @ b / 9 + (a @ b / 9) ** 2 / 2, x1, x2)
    np.testing.assert_allclose(kernel(x1, x2).numpy(), expected, rtol=RTOL)


# ---------------------------------------------------------------------- scipy and sklearn
def test_radial_kernels_against_cdist(rng):
    x1, x2 = rng.standard_normal((40, 9)), rng.standard_normal((30, 9))
    np.testing.assert_allclose(GaussianKernel(2.0)(x1, x2).numpy(),
                               np.exp(-cdist(x1, x2, "sqeuclidean") / 8.0), rtol=RTOL)
    np.testing.assert_allclose(LaplaceKernel(2.0)(x1, x2).numpy(),
                               np.exp(-cdist(x1, x2) / (2.0 * math.sqrt(2))), rtol=RTOL)


@pytest.mark.parametrize("width", [0.5, 2.0])
def test_gaussian_equals_sklearn_rbf(rng, width):
    x1, x2 = rng.standard_normal((30, 7)), rng.standard_normal((20, 7))
    gamma = 1 / (2 * width**2)
    np.testing.assert_allclose(GaussianKernel(width)(x1, x2).numpy(),
                               rbf_kernel(x1, x2, gamma=gamma), rtol=RTOL, atol=1e-300)
    np.testing.assert_allclose(GaussianKernel(width)(x1).numpy(), rbf_kernel(x1, gamma=gamma),
                               rtol=RTOL, atol=1e-300)


def test_laplace_equals_sklearn_laplacian_in_one_dimension_only(rng):
    # sklearn's laplacian kernel uses the l1 distance, ours the Euclidean one (the HEA
    # convention): they agree in one dimension and differ in more.
    width = 1.3
    gamma = 1 / (math.sqrt(2) * width)
    line = rng.standard_normal((25, 1))
    np.testing.assert_allclose(LaplaceKernel(width)(line).numpy(),
                               laplacian_kernel(line, gamma=gamma), rtol=RTOL)
    plane = rng.standard_normal((25, 2))
    assert not np.allclose(LaplaceKernel(width)(plane).numpy(),
                           laplacian_kernel(plane, gamma=gamma))


@pytest.mark.parametrize(("degree", "scale", "offset"), [(2, 1.0, 1.0), (3, 2.0, 0.0)])
def test_polynomial_equals_sklearn(rng, degree, scale, offset):
    x1, x2 = rng.standard_normal((30, 5)), rng.standard_normal((20, 5))
    expected = polynomial_kernel(x1, x2, degree=degree, gamma=1 / scale**2, coef0=offset)
    got = PolynomialKernel(degree, scale=scale, offset=offset)(x1, x2).numpy()
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=RTOL * np.abs(expected).max())


def test_exact_zero_self_distances_and_float32_accuracy(rng):
    # Far from the origin, |x|^2 + |x'|^2 - 2 x.x' cancels; x2=None still gives K(0) exactly.
    x = 100.0 + rng.standard_normal((50, 20))
    for kernel in (GaussianKernel(1.0), LaplaceKernel(1.0)):
        for dtype in (torch.float32, torch.float64):
            gram = kernel(torch.as_tensor(x, dtype=dtype))
            assert torch.all(gram.diagonal() == 1)
            assert torch.all((gram >= 0) & (gram <= 1))


def test_mixed_dtypes_follow_x1(rng):
    x1 = torch.as_tensor(rng.standard_normal((4, 3)), dtype=torch.float32)
    x2 = rng.standard_normal((5, 3))
    gram = GaussianKernel(1.0)(x1, x2)
    assert gram.dtype == torch.float32
    np.testing.assert_allclose(gram.numpy(), rbf_kernel(x1.numpy(), x2.astype(np.float32),
                                                        gamma=0.5), rtol=1e-5)
    half = torch.as_tensor(x2, dtype=torch.float16)
    assert GaussianKernel(1.0)(half).dtype == torch.float32


def test_awkward_numpy_inputs(rng):
    x = rng.standard_normal((8, 3))
    expected = GaussianKernel(1.0)(x).numpy()
    readonly = x.copy()
    readonly.flags.writeable = False  # a read-only array must not trigger torch's warning
    big_endian = x.astype(">f8")
    for variant in (readonly, big_endian, np.asfortranarray(x), x.tolist()):
        np.testing.assert_allclose(GaussianKernel(1.0)(variant).numpy(), expected, rtol=RTOL)
    reversed_rows = GaussianKernel(1.0)(x[::-1]).numpy()  # negative strides
    np.testing.assert_allclose(reversed_rows, expected[::-1, ::-1], rtol=RTOL)


def test_larger_gram_uses_default_blocks_and_stays_symmetric(rng):
    x = torch.as_tensor(rng.standard_normal((2100, 3)))  # more rows than one default block
    gram = GaussianKernel(1.0)(x)
    assert torch.equal(gram, gram.T)
    rows = rng.choice(2100, 5, replace=False)
    np.testing.assert_allclose(gram[rows].numpy(), rbf_kernel(x[rows].numpy(), x.numpy(),
                                                              gamma=0.5), rtol=RTOL)


# ---------------------------------------------------------------------- level coefficients
def taylor_derivatives(profile, max_degree, *, radius, n_points=1024):
    """k^(l)(0) by the Cauchy integral on a circle of radius ``radius`` (trapezoidal rule)."""
    theta = 2 * np.pi * np.arange(n_points) / n_points
    coefficients = np.fft.fft(profile(radius * np.exp(1j * theta))) / n_points
    degrees = np.arange(max_degree + 1)
    factorials = np.array([math.factorial(d) for d in degrees], dtype=float)
    return (coefficients[: max_degree + 1] / radius**degrees).real * factorials


@pytest.mark.parametrize("width", [0.6, 1.0, 3.0])
def test_gaussian_level_coefficients_are_taylor_derivatives(width):
    # An entire function: a circle of radius ~ l sigma^2 keeps round-off relative.
    expected = taylor_derivatives(lambda z: np.exp(-(1 - z) / width**2), 10,
                                  radius=10 * width**2)
    np.testing.assert_allclose(GaussianKernel(width).level_coefficients(10), expected,
                               rtol=1e-9)


@pytest.mark.parametrize("width", [0.6, 1.0, 3.0])
def test_laplace_level_coefficients_are_taylor_derivatives(width):
    # Branch point at t = 1: stay inside the unit disc.
    expected = taylor_derivatives(lambda z: np.exp(-np.sqrt(1 - z) / width), 12, radius=0.9)
    np.testing.assert_allclose(LaplaceKernel(width).level_coefficients(12), expected,
                               rtol=1e-9)


def test_laplace_level_coefficients_match_the_bessel_polynomial_sum():
    sigma = 1.7

    def bessel(m, s):
        return 1.0 if m < 0 else sum(math.factorial(m + k) / (math.factorial(m - k)
                                     * math.factorial(k)) * (s / 2) ** k for k in range(m + 1))

    expected = [math.exp(-1 / sigma) * bessel(ell - 1, sigma) / (2 * sigma) ** ell
                for ell in range(15)]
    np.testing.assert_allclose(LaplaceKernel(sigma).level_coefficients(14), expected,
                               rtol=1e-13)


def test_laplace_level_coefficients_reproduce_the_spec_numbers():
    # Spec errata 4: d = 30, gamma ~ (6 + i)^-2, Laplace width 1: c_l gamma_max^l is 6.0e-4 at
    # l = 5, 1.3e-3 at l = 10 and 11.4 at l = 20.
    gamma = (6.0 + np.arange(30)) ** -2.0
    gamma_max = gamma[0] / gamma.sum()
    c = LaplaceKernel(1.0).level_coefficients(20)
    np.testing.assert_allclose(c[[5, 10, 20]] * gamma_max ** np.array([5, 10, 20]),
                               [6.0e-4, 1.3e-3, 11.4], rtol=0.04)


@pytest.mark.parametrize(("degree", "scale", "offset"), [(3, 1.0, 1.0), (4, 1.5, 0.5),
                                                         (2, 1.0, 0.0)])
def test_polynomial_level_coefficients_are_taylor_derivatives(degree, scale, offset):
    expected = taylor_derivatives(lambda z: (z / scale**2 + offset) ** degree, 6, radius=1.0)
    got = PolynomialKernel(degree, scale=scale, offset=offset).level_coefficients(6)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)
    assert np.all(got[degree + 1:] == 0)


def test_level_coefficients_errors():
    with pytest.raises(ValueError, match="`max_degree` must be an integer >= 0; got -1"):
        GaussianKernel(1.0).level_coefficients(-1)
    # A user profile gets numerical level coefficients (Cauchy integral): k(t) = t.
    np.testing.assert_allclose(DotProductKernel(lambda t: t).level_coefficients(3),
                               [0, 1, 0, 0], atol=1e-12)


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize(("x1", "x2", "error", "message"), [
    (np.ones(3), None, ValueError, r"`x1` must be 2-D.*got shape \(3,\)"),
    (np.ones((2, 3, 1)), None, ValueError, r"`x1` must be 2-D.*got shape \(2, 3, 1\)"),
    (np.ones((2, 3)), np.ones(3), ValueError, r"`x2` must be 2-D"),
    (np.ones((2, 3)), np.ones((2, 4)), ValueError,
     r"`x2` must have as many features as `x1` \(3\); got 4"),
    ([[1.0, np.nan]], None, ValueError, r"`x1` must be finite; got a value nan"),
    (np.ones((2, 2)), [[np.inf, 0.0]], ValueError, r"`x2` must be finite; got a value inf"),
    (np.ones((2, 2), dtype=complex), None, TypeError, r"`x1` must be a real numeric array"),
    (torch.ones((2, 2), dtype=torch.complex64), None, TypeError, r"`x1` must be real"),
    ([["a", "b"]], None, TypeError, r"`x1` must be a real numeric array; got dtype <U1"),
    (np.ones((2, 2)), object(), TypeError, r"`x2` must be a real numeric array"),
])
def test_bad_inputs_name_the_argument(x1, x2, error, message):
    with pytest.raises(error, match=message):
        GaussianKernel(1.0)(x1, x2)


@pytest.mark.parametrize("block_size", [0, -2, 2.5, True, "8"])
def test_bad_block_size(block_size):
    with pytest.raises(ValueError, match="`block_size` must be a positive integer"):
        GaussianKernel(1.0)(np.ones((3, 2)), block_size=block_size)


def test_diag_checks_its_input():
    with pytest.raises(ValueError, match="`x` must be 2-D"):
        LaplaceKernel(1.0).diag(np.ones(4))


@pytest.mark.parametrize(("make", "error", "message"), [
    (lambda: GaussianKernel(0.0), ValueError, r"`width` must be > 0.0; got 0.0"),
    (lambda: LaplaceKernel(-1), ValueError, r"`width` must be > 0.0; got -1.0"),
    (lambda: GaussianKernel(float("nan")), ValueError, r"`width` must be finite"),
    (lambda: GaussianKernel("wide"), TypeError, r"`width` must be a real number"),
    (lambda: PolynomialKernel(-1), ValueError, r"`degree` must be an integer >= 0; got -1"),
    (lambda: PolynomialKernel(2.0), ValueError, r"`degree` must be an integer >= 0; got 2.0"),
    (lambda: PolynomialKernel(True), ValueError, r"`degree` must be an integer >= 0"),
    (lambda: PolynomialKernel(2, scale=0), ValueError, r"`scale` must be > 0.0"),
    (lambda: PolynomialKernel(2, offset=-1), ValueError, r"`offset` must be >= 0.0"),
    (lambda: DotProductKernel(3.0), TypeError, r"`profile` must be a callable"),
    (lambda: DotProductKernel(np.exp, name=""), TypeError, r"`name` must be a non-empty"),
    (lambda: get_kernel("gauss", width=1), ValueError,
     r"`name` must be one of 'gaussian', 'laplace', 'polynomial', 'rbf', 'relu-nngp', "
     r"'relu-ntk'; got 'gauss'"),
    (lambda: get_kernel("laplacian", width=1), ValueError, r"must be one of"),
    (lambda: get_kernel("gaussian"), TypeError, r"'gaussian' kernel needs parameter\(s\) "
                                                r"\['width'\]"),
    (lambda: get_kernel("rbf", sigma=1), TypeError, r"takes parameters \['width'\]; got "
                                                    r"unexpected \['sigma'\]"),
    (lambda: get_kernel("polynomial", degree=-2), ValueError, r"`degree` must be"),
])
def test_bad_parameters(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_get_kernel_names():
    assert get_kernel("RBF", width=2.0) == GaussianKernel(2.0)
    assert get_kernel("laplace", width=1) == LaplaceKernel(1.0)
    assert get_kernel("polynomial", degree=2) == PolynomialKernel(2, scale=1.0, offset=1.0)
    assert GaussianKernel(2) != LaplaceKernel(2) and GaussianKernel(2) != GaussianKernel(3)


def test_profile_must_be_vectorised_over_both_array_types():
    scalar = DotProductKernel(lambda t: 1.0)
    with pytest.raises(ValueError, match="`profile` must be vectorised"):
        scalar(np.ones((2, 2)))
    with pytest.raises(ValueError, match="`profile` must be vectorised"):
        scalar.profile([0.1, 0.2])
    torch_only = DotProductKernel(lambda t: torch.as_tensor(t).exp())
    with pytest.raises(ValueError, match="`profile` must be vectorised: on a numpy array"):
        torch_only.profile([0.1, 0.2])
