"""Checks every kernel passes, run over every kernel family with several parameters each:
symmetric, positive semi-definite, shaped, dtype and device kept, inputs untouched, blockwise
equal to one-shot, ``x2=None`` equal to ``k(x, x)``, ``diag`` equal to the Gram diagonal, and
``profile(t)`` equal to the kernel on unit-norm pairs with ``x . x' = t``."""

import copy
import dataclasses
import json

import numpy as np
import pytest
import torch

from eigenlab.kernels import (
    DotProductKernel,
    GaussianKernel,
    Kernel,
    LaplaceKernel,
    PolynomialKernel,
    ReluNNGPKernel,
    ReluNTKKernel,
    get_kernel,
)


def exponential_profile(t):
    return t.exp() if isinstance(t, torch.Tensor) else np.exp(t)


def geometric_profile(t):
    """1 / (2 - t): non-negative Taylor coefficients, finite on |t| < 2."""
    return 1.0 / (2.0 - t)


KERNELS = [
    GaussianKernel(width=0.5),
    GaussianKernel(width=3.0),
    LaplaceKernel(width=0.7),
    LaplaceKernel(width=2.0),
    PolynomialKernel(0),
    PolynomialKernel(1, offset=0.0),
    PolynomialKernel(3, scale=2.0, offset=0.5),
    DotProductKernel(exponential_profile),
    DotProductKernel(geometric_profile, scale=1.5, name="geometric"),
    ReluNNGPKernel(),
    ReluNNGPKernel(3, weight_variance=2.0, bias_variance=0.0),
    ReluNTKKernel(),
    ReluNTKKernel(2, weight_variance=0.7, bias_variance=0.4),
]
DTYPES = [torch.float32, torch.float64]

# Tolerances, relative to the largest kernel value, per dtype: entries are accurate to a few
# ulps of the inner products they come from (the matmul's summation order changes with the
# block shape), and a Gram matrix's negative eigenvalues from rounding its entries are at most
# about n ulps of its largest.
RTOL = {torch.float32: 2e-5, torch.float64: 1e-12}
PSD_RTOL = {torch.float32: 1e-5, torch.float64: 1e-12}
# k(x, x) has self-distances of round-off size, ~eps |x|^2, instead of exact zeros; the
# Laplace kernel's cusp turns them into errors of order sqrt(eps) on its diagonal.
CUSP_ATOL = {torch.float32: 3e-3, torch.float64: 1e-7}


def kernel_id(kernel):
    return f"{kernel.name}-{'-'.join(f'{k}={v}' for k, v in kernel.params.items())}"


@pytest.fixture(params=KERNELS, ids=kernel_id)
def kernel(request):
    return request.param


@pytest.fixture(params=DTYPES, ids=lambda dtype: str(dtype)[6:])
def dtype(request):
    return request.param


def sample(rng, n, dim=6, dtype=torch.float64):
    """Rows of norm about 1, the scale the kernels' parameters are meant for."""
    return torch.as_tensor(rng.standard_normal((n, dim)) / np.sqrt(dim), dtype=dtype)


def test_symmetric(kernel, dtype, rng):
    gram = kernel(sample(rng, 30, dtype=dtype), block_size=7)
    assert torch.equal(gram, gram.T)


def test_positive_semidefinite(kernel, dtype, rng):
    gram = kernel(sample(rng, 60, dtype=dtype))
    eigenvalues = np.linalg.eigvalsh(gram.double().numpy())
    assert eigenvalues[0] >= -PSD_RTOL[dtype] * eigenvalues[-1]


def test_shape(kernel, rng):
    x1, x2 = sample(rng, 7), sample(rng, 5)
    assert kernel(x1, x2).shape == (7, 5)
    assert kernel(x1).shape == (7, 7)
    assert kernel(x1[:1], x2[:0]).shape == (1, 0)
    assert kernel.diag(x1).shape == (7,)


def test_dtype_and_device_kept(kernel, dtype, rng):
    x1, x2 = sample(rng, 9, dtype=dtype), sample(rng, 4, dtype=dtype)
    for gram in (kernel(x1, x2), kernel(x1), kernel(x1.numpy()), kernel(x1, x2.double()),
                 kernel.diag(x1)):
        assert gram.dtype == dtype
        assert gram.device == x1.device
        assert isinstance(gram, torch.Tensor)


def test_integer_input_becomes_float64(kernel, rng):
    pixels = rng.integers(0, 3, size=(5, 4)).astype(np.uint8)
    assert kernel(pixels).dtype == torch.float64
    assert kernel(torch.as_tensor(pixels)).dtype == torch.float64


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_device_kept_on_cuda(kernel, dtype, rng):
    x = sample(rng, 50, dtype=dtype)
    gram = kernel(x.cuda(), x[:7])
    assert gram.device.type == "cuda"
    torch.testing.assert_close(gram.cpu(), kernel(x, x[:7]), rtol=RTOL[dtype], atol=0)


def test_inputs_untouched(kernel, rng):
    x1, x2 = sample(rng, 12), sample(rng, 8)
    array = x1.numpy().copy()
    before = (x1.clone(), x2.clone(), array.copy())
    kernel(x1, x2, block_size=3)
    kernel(x1, block_size=5)
    kernel(array)
    kernel.diag(x1)
    t = np.linspace(-1, 1, 5)
    kernel.profile(t)
    assert torch.equal(x1, before[0]) and torch.equal(x2, before[1])
    np.testing.assert_array_equal(array, before[2])
    np.testing.assert_array_equal(t, np.linspace(-1, 1, 5))


@pytest.mark.parametrize("block_size", [1, 3, 8])
def test_blockwise_equals_one_shot(kernel, dtype, block_size, rng):
    x1, x2 = sample(rng, 17, dtype=dtype), sample(rng, 11, dtype=dtype)
    for args in ((x1, x2), (x1,)):
        one_shot = kernel(*args, block_size=100)
        blocks = kernel(*args, block_size=block_size)
        scale = one_shot.abs().max()
        torch.testing.assert_close(blocks, one_shot, rtol=0, atol=RTOL[dtype] * scale)


def test_self_gram_equals_explicit_pair(kernel, dtype, rng):
    x = sample(rng, 20, dtype=dtype)
    gram, explicit = kernel(x), kernel(x, x)
    scale = gram.abs().max()
    torch.testing.assert_close(gram, explicit, rtol=0,
                               atol=RTOL[dtype] * scale + CUSP_ATOL[dtype])
    off_diagonal = ~torch.eye(20, dtype=torch.bool)
    torch.testing.assert_close(gram[off_diagonal], explicit[off_diagonal], rtol=0,
                               atol=RTOL[dtype] * scale)


def test_diag_equals_gram_diagonal(kernel, dtype, rng):
    x = sample(rng, 15, dtype=dtype)
    gram = kernel(x)
    torch.testing.assert_close(kernel.diag(x), gram.diagonal(), rtol=0,
                               atol=RTOL[dtype] * gram.abs().max())


def test_profile_matches_kernel_on_unit_norm_pairs(kernel, rng):
    t = np.concatenate([np.linspace(-1, 1, 41), rng.uniform(-1, 1, 20)])
    # A random rotation of x = e1 and x' = t e1 + sqrt(1 - t^2) e2, so x . x' = t.
    rotation, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    x = rotation[:, 0][None, :]
    partners = t[:, None] * rotation[:, 0] + np.sqrt(1 - t**2)[:, None] * rotation[:, 1]
    values = kernel(x, partners)[0].numpy()
    profile = kernel.profile(t)
    assert profile.dtype == np.float64 and profile.shape == t.shape
    np.testing.assert_allclose(profile, values, rtol=1e-10, atol=1e-12 * np.abs(values).max())
    assert float(kernel.profile(0.5)) == pytest.approx(float(kernel.profile([0.5])[0]))


def test_immutable_hashable_with_repr(kernel):
    assert isinstance(kernel, Kernel)
    with pytest.raises(dataclasses.FrozenInstanceError):
        kernel.scale = 3.0
    twin = copy.deepcopy(kernel)
    assert twin == kernel and hash(twin) == hash(kernel)
    assert type(kernel).__name__ in repr(kernel)


def test_params_are_json_able(kernel):
    params = kernel.params
    assert json.loads(json.dumps(params)) == params
    assert isinstance(kernel.name, str) and "name" not in params


def test_named_kernels_round_trip_through_get_kernel(kernel):
    if isinstance(kernel, DotProductKernel):
        pytest.skip("user profiles are not made by name")
    assert get_kernel(kernel.name, **kernel.params) == kernel
