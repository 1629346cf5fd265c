"""ReLU NNGP and NTK against independent routes: the spec's one-layer formulas in numpy, wide
finite networks (Monte Carlo over initialisations, gradients by autograd), 40-digit numerical
derivatives (mpmath) for the level coefficients, and the trace of errata 2."""

import math

import mpmath
import numpy as np
import pytest
import torch

from eigenlab.kernels import ReluNNGPKernel, ReluNTKKernel, get_kernel
from eigenlab.kernels._levels import _times_factorials
from eigenlab.kernels._relu import _arccos_map_taylor, _depth_one_closed_form, _relu_taylor

KINDS = {"nngp": ReluNNGPKernel, "ntk": ReluNTKKernel}
# The spec's checks (§6.4, "Checked"): (w, b) = (1, 1), (2, 0.5) and (0.7, 0).
VARIANCES = [(1.0, 1.0), (2.0, 0.5), (0.7, 0.0)]


def rows_of_many_norms(rng, n, dim=5):
    x = rng.standard_normal((n, dim))
    return x * (rng.uniform(0.2, 3.0, n) / np.linalg.norm(x, axis=1))[:, None]


# ---------------------------------------------------------------------- one layer: the spec
def spec_depth_one(x1, x2, w, b):
    """Spec §6.4, literally: p = b + w|x|^2, cos = (w x.x' + b)/sqrt(p p'), NNGP, NTK."""
    p1, p2 = b + w * np.sum(x1**2, 1), b + w * np.sum(x2**2, 1)
    inner = w * x1 @ x2.T + b
    root = np.sqrt(np.outer(p1, p2))
    theta = np.arccos(np.clip(inner / root, -1.0, 1.0))
    nngp = w * root * (np.sin(theta) + (np.pi - theta) * np.cos(theta)) / (2 * np.pi)
    return nngp, nngp + w * inner * (np.pi - theta) / (2 * np.pi)


@pytest.mark.parametrize(("w", "b"), VARIANCES)
def test_depth_one_gram_equals_the_spec_formula(rng, w, b):
    x1, x2 = rows_of_many_norms(rng, 9), rows_of_many_norms(rng, 7)
    x2[0] = -x1[0]  # an antipodal pair: theta = pi when b = 0
    nngp, ntk = spec_depth_one(x1, x2, w, b)
    np.testing.assert_allclose(ReluNNGPKernel(weight_variance=w, bias_variance=b)(x1, x2),
                               nngp, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ReluNTKKernel(weight_variance=w, bias_variance=b)(x1, x2),
                               ntk, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("w", "b"), VARIANCES)
def test_depth_one_self_gram_has_the_exact_diagonal(rng, w, b):
    # kernel(x) puts theta = 0 on its diagonal: K(x, x) = w p / 2 and w p.
    x = rows_of_many_norms(rng, 8)
    p = b + w * np.sum(x**2, 1)
    nngp, ntk = spec_depth_one(x, x, w, b)
    off = ~np.eye(8, dtype=bool)
    for kernel, expected, diagonal in ((ReluNNGPKernel, nngp, w * p / 2),
                                       (ReluNTKKernel, ntk, w * p)):
        gram = kernel(weight_variance=w, bias_variance=b)(x).numpy()
        np.testing.assert_allclose(gram[off], expected[off], rtol=1e-12)
        np.testing.assert_allclose(np.diag(gram), diagonal, rtol=1e-14)
        np.testing.assert_allclose(kernel(weight_variance=w, bias_variance=b).diag(x), diagonal,
                                   rtol=1e-14)


def layer_recursion(x1, x2, depth, w, b):
    """The documented recursion, pair by pair in plain Python floats."""
    def pair(a, c):
        s, s_a, s_c = w * a @ c + b, w * a @ a + b, w * c @ c + b
        theta_ntk = s
        for layer in range(depth):
            bias = b if layer < depth - 1 else 0.0
            cos = max(-1.0, min(1.0, s / math.sqrt(s_a * s_c)))
            angle = math.acos(cos)
            s = w * math.sqrt(s_a * s_c) * (math.sin(angle) + (math.pi - angle) * cos) / (
                2 * math.pi) + bias
            theta_ntk = s + w * (math.pi - angle) / (2 * math.pi) * theta_ntk
            s_a, s_c = w * s_a / 2 + bias, w * s_c / 2 + bias
        return s, theta_ntk
    values = np.array([[pair(a, c) for c in x2] for a in x1])
    return values[..., 0], values[..., 1]


@pytest.mark.parametrize("depth", [2, 3, 5])
def test_deep_gram_equals_the_layer_recursion(rng, depth):
    x1, x2 = rows_of_many_norms(rng, 6), rows_of_many_norms(rng, 5)
    nngp, ntk = layer_recursion(x1, x2, depth, 1.3, 0.2)
    params = dict(weight_variance=1.3, bias_variance=0.2)
    np.testing.assert_allclose(ReluNNGPKernel(depth, **params)(x1, x2, block_size=4), nngp,
                               rtol=1e-12)
    np.testing.assert_allclose(ReluNTKKernel(depth, **params)(x1, x2, block_size=4), ntk,
                               rtol=1e-12)


@pytest.mark.parametrize("depth", [1, 2])
def test_zero_input_without_bias_gives_zeros_not_nan(rng, depth):
    x = rows_of_many_norms(rng, 4)
    x[1] = 0.0
    for kind in KINDS.values():
        kernel = kind(depth, weight_variance=2.0, bias_variance=0.0)
        for gram in (kernel(x), kernel(x, x[:2]), kernel.diag(x)[:, None]):
            assert torch.isfinite(gram).all()
        assert torch.all(kernel(x)[1] == 0) and kernel.diag(x)[1] == 0


# ---------------------------------------------------------------------- wide finite networks
def finite_network_kernels(x, depth, w, b, width, seed):
    """NNGP estimate and exact empirical NTK of one random network of the documented form.

    z1 = sqrt(w) W1 x + sqrt(b) beta1, z_{h+1} = sqrt(w/n) W phi(z_h) + sqrt(b) beta,
    f = sqrt(w/n) v . phi(z_L), all parameters N(0, 1). The NNGP estimate is the readout's
    conditional covariance (w/n) phi(z_L) . phi(z_L'). The NTK is sum_p df(x)/dp df(x')/dp,
    assembled per layer from autograd's df/dz_h: the gradient of a weight matrix is
    sqrt(var) delta a^T, so its inner products are var (delta . delta')(a . a').
    """
    generator = torch.Generator().manual_seed(seed)
    a = torch.as_tensor(x, dtype=torch.float32)
    activations, pre_activations, variances = [a], [], []
    variance = w
    for _ in range(depth):
        weights = torch.randn(width, a.shape[1], generator=generator)
        bias = torch.randn(width, generator=generator)
        z = (math.sqrt(variance) * a @ weights.T + math.sqrt(b) * bias).requires_grad_()
        pre_activations.append(z)
        variances.append(variance)
        a = torch.relu(z)
        activations.append(a)
        variance = w / width
    readout = torch.randn(width, generator=generator)
    output = math.sqrt(w / width) * a @ readout
    deltas = torch.autograd.grad(output.sum(), pre_activations)  # rows are independent
    nngp = (w / width) * a @ a.T
    ntk = nngp.clone()
    for variance, delta, previous in zip(variances, deltas, activations[:-1], strict=True):
        delta_gram = delta @ delta.T
        ntk += variance * delta_gram * (previous @ previous.T) + b * delta_gram
    return nngp.detach().double().numpy(), ntk.detach().double().numpy()


def test_the_per_layer_ntk_assembly_is_the_gradient_inner_product():
    # The Monte Carlo estimator above against the plain Jacobian J J^T over all parameters.
    x = np.random.default_rng(3).standard_normal((4, 3))
    depth, w, b, width = 2, 1.3, 0.4, 16
    _, fast = finite_network_kernels(x, depth, w, b, width, seed=5)
    generator = torch.Generator().manual_seed(5)
    params, fan_in = [], 3
    for _ in range(depth):
        params += [torch.randn(width, fan_in, generator=generator),
                   torch.randn(width, generator=generator)]
        fan_in = width
    params.append(torch.randn(width, generator=generator))
    params = [p.double().requires_grad_() for p in params]
    a, variance = torch.as_tensor(x), w
    for layer in range(depth):
        a = torch.relu(math.sqrt(variance) * a @ params[2 * layer].T
                       + math.sqrt(b) * params[2 * layer + 1])
        variance = w / width
    output = math.sqrt(w / width) * a @ params[-1]
    jacobian = torch.stack([
        torch.cat([g.reshape(-1) for g in torch.autograd.grad(value, params,
                                                              retain_graph=True)])
        for value in output])
    np.testing.assert_allclose(fast, (jacobian @ jacobian.T).numpy(), rtol=1e-5)


# Per network, an entry of the empirical kernel fluctuates by about c / sqrt(width) relative
# to its mean, per layer (c^2 = Var phi(z)^2 / (E phi(z)^2)^2 = 5 on the diagonal), so the
# mean of 16 networks has a standard error of about 0.5% of the largest entry (one layer of
# width 8192; measured 0.4-0.5%) and 1% (two layers of 4096; measured 0.7-0.9%), while the
# bias of finite width is O(1/width). The tolerances, 3% and 5% of the largest entry, are
# five standard errors or more; the errors measured are 0.2% and 0.5-1.6%.
@pytest.mark.parametrize(("depth", "w", "b", "width", "tolerance"), [
    (1, 1.0, 1.0, 8192, 0.03),
    (2, 2.0, 0.1, 4096, 0.05),
])
def test_kernels_match_wide_finite_networks(depth, w, b, width, tolerance):
    rng = np.random.default_rng(11)
    x = rows_of_many_norms(rng, 5, dim=6)
    x[2] = -0.8 * x[1] + 0.1 * x[2]  # an obtuse pair
    samples = [finite_network_kernels(x, depth, w, b, width, seed) for seed in range(16)]
    for index, kind in enumerate(KINDS.values()):
        empirical = np.mean([sample[index] for sample in samples], axis=0)
        expected = kind(depth, weight_variance=w, bias_variance=b)(x).numpy()
        error = np.abs(empirical - expected).max() / np.abs(expected).max()
        assert error < tolerance, (kind.__name__, error)


# ---------------------------------------------------------------------- level coefficients
def mp_profile(t, depth, w, b, kind):
    """The unit-sphere kernel at 40 digits, from the Gram formulas (theta = acos)."""
    w, b = mpmath.mpf(w), mpmath.mpf(b)
    sigma, variance = w * t + b, w + b
    tangent = sigma
    for layer in range(depth):
        bias = b if layer < depth - 1 else 0
        angle = mpmath.acos(sigma / variance)
        sigma = w * variance * (mpmath.sin(angle) + (mpmath.pi - angle) * mpmath.cos(angle)) / (
            2 * mpmath.pi) + bias
        tangent = sigma + w * (mpmath.pi - angle) / (2 * mpmath.pi) * tangent
        variance = w * variance / 2 + bias
    return tangent if kind == "ntk" else sigma


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize(("w", "b"), VARIANCES)
def test_level_coefficients_match_40_digit_derivatives(kind, depth, w, b):
    with mpmath.workdps(40):
        expected = np.array([float(mpmath.diff(lambda t: mp_profile(t, depth, w, b, kind), 0,
                                               degree)) for degree in range(8)])
    got = KINDS[kind](depth, weight_variance=w, bias_variance=b).level_coefficients(7)
    # Exact zeros (odd degrees >= 3 of the one-layer NNGP without bias) come out as 1e-40.
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-30)


@pytest.mark.parametrize("center", [-0.95, -0.3, 0.0, 0.4, 0.9])
def test_arccos_map_taylor_series_matches_mpmath(center):
    with mpmath.workdps(40):
        expected = [float(c) for c in mpmath.taylor(
            lambda u: mpmath.sqrt(1 - u**2) + u * (mpmath.pi - mpmath.acos(u)),
            mpmath.mpf(center), 15)]
    np.testing.assert_allclose(_arccos_map_taylor(center, 15), expected, rtol=1e-13,
                               atol=1e-40)


@pytest.mark.parametrize(("w", "b"), VARIANCES)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_depth_one_closed_form_equals_series_composition(w, b, kind):
    tangent = kind == "ntk"
    np.testing.assert_allclose(
        _depth_one_closed_form(w, b, 40, tangent=tangent),
        _times_factorials(_relu_taylor(1, w, b, 40, tangent=tangent)), rtol=1e-12, atol=0)


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("depth", [1, 2, 4])
def test_level_coefficients_resum_to_the_profile(kind, depth):
    # sum_l c_l t^l / l! = k(t) inside the unit disc, and c_l >= 0 (Schoenberg).
    kernel = KINDS[kind](depth, weight_variance=1.5, bias_variance=0.3)
    c = kernel.level_coefficients(90)
    assert np.all(c >= 0)
    taylor = c / np.array([math.factorial(degree) for degree in range(91)], dtype=float)
    for t in (-0.5, 0.3, 0.5):
        assert np.polynomial.polynomial.polyval(t, taylor) == pytest.approx(
            float(kernel.profile(t)), rel=1e-12)


def test_level_coefficients_do_not_overflow_before_they_must():
    c = ReluNTKKernel().level_coefficients(200)
    assert np.all(np.isfinite(c[:150])) and np.all(c[1:150] > 0)
    assert ReluNNGPKernel(2).level_coefficients(0).shape == (1,)


# ---------------------------------------------------------------------- trace (errata 2)
@pytest.mark.parametrize(("w", "b"), VARIANCES)
def test_trace_on_sphere_is_the_mean_diagonal_on_unit_trace_data(rng, w, b):
    q = w + b
    assert ReluNNGPKernel(weight_variance=w, bias_variance=b).trace_on_sphere() == (
        pytest.approx(w * q / 2, rel=1e-14))
    assert ReluNTKKernel(weight_variance=w, bias_variance=b).trace_on_sphere() == (
        pytest.approx(w * q, rel=1e-14))
    # K(x, x) is affine in |x|^2, so E K(x, x) = k(1) exactly when E|x|^2 = 1.
    x = rng.standard_normal((300, 20)) * np.linspace(2.0, 0.1, 20)
    x /= np.sqrt(np.mean(np.sum(x**2, 1)))
    for depth in (1, 3):
        for kind in KINDS.values():
            kernel = kind(depth, weight_variance=w, bias_variance=b)
            assert kernel.diag(x).mean().item() == pytest.approx(kernel.trace_on_sphere(),
                                                                 rel=1e-12)


def test_trace_reproduces_the_spec_numbers():
    # Errata 2: w = b = 1 gives TrK = 1 (NNGP) and 2 (NTK); the kernel_width default
    # w = sqrt(2 pi / (1 + 2 pi kw)), b = kw w gives 1.266 (kw = 3) and 1.202 (kw = 4).
    assert ReluNNGPKernel().trace_on_sphere() == pytest.approx(1.0)
    assert ReluNTKKernel().trace_on_sphere() == pytest.approx(2.0)
    for kw, expected in ((3.0, 1.266), (4.0, 1.202)):
        w = math.sqrt(2 * math.pi / (1 + 2 * math.pi * kw))
        trace = ReluNTKKernel(weight_variance=w, bias_variance=kw * w).trace_on_sphere()
        assert trace == pytest.approx(expected, abs=5e-4)


# ---------------------------------------------------------------------- boundary
@pytest.mark.parametrize(("make", "error", "message"), [
    (lambda: ReluNNGPKernel(0), ValueError, r"`depth` must be an integer >= 1 \(the number "
                                            r"of hidden layers\); got 0"),
    (lambda: ReluNTKKernel(1.5), ValueError, r"`depth` must be an integer >= 1"),
    (lambda: ReluNTKKernel(True), ValueError, r"`depth` must be an integer >= 1"),
    (lambda: ReluNNGPKernel(weight_variance=0.0), ValueError,
     r"`weight_variance` must be > 0.0; got 0.0"),
    (lambda: ReluNTKKernel(bias_variance=-0.1), ValueError,
     r"`bias_variance` must be >= 0.0; got -0.1"),
    (lambda: ReluNTKKernel(bias_variance="1"), TypeError, r"`bias_variance` must be a real"),
    (lambda: ReluNNGPKernel(1, 2.0), TypeError, r"positional argument"),
    (lambda: get_kernel("relu-ntk", width=1.0), TypeError,
     r"takes parameters \['depth', 'weight_variance', 'bias_variance'\]"),
])
def test_bad_parameters_name_the_parameter(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_named_and_equal():
    kernel = get_kernel("RELU-NTK", depth=3, weight_variance=2, bias_variance=0)
    assert kernel == ReluNTKKernel(3, weight_variance=2.0, bias_variance=0.0)
    assert kernel.params == {"depth": 3, "weight_variance": 2.0, "bias_variance": 0.0}
    assert get_kernel("relu-nngp") == ReluNNGPKernel()
    assert ReluNNGPKernel() != ReluNTKKernel() and ReluNNGPKernel(1) != ReluNNGPKernel(2)
    assert kernel.name == "relu-ntk" and ReluNNGPKernel.name == "relu-nngp"
