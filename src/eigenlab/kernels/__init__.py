"""Kernel functions, evaluated blockwise on data matrices with torch.

Every kernel is an immutable callable: ``kernel(x1, x2=None, *, block_size=None)`` gives the
Gram matrix as a torch tensor on the input's device and in its float dtype (float32 stays
float32, float64 stays float64, integers become float64), built block by block from matrix
products. ``kernel.diag(x)`` gives :math:`K(x_i, x_i)`, ``kernel.profile(t)`` the kernel as a
function of :math:`t = x \\cdot x'` on the unit sphere, ``kernel.level_coefficients(L)`` its
derivatives :math:`c_\\ell = k^{(\\ell)}(0)` for the HEA, ``kernel.trace_on_sphere()`` the trace
:math:`k(1)`, and ``kernel.params`` its parameters for result tables.

The base class
--------------
Kernel
    Abstract base: the blockwise driver, input checks and the dtype policy.

Radial kernels
--------------
GaussianKernel
    :math:`\\exp(-\\|x - x'\\|^2 / (2\\sigma^2))`.
LaplaceKernel
    :math:`\\exp(-\\|x - x'\\| / (\\sqrt2\\,\\sigma))` (the HEA paper's convention).

Dot-product kernels
-------------------
PolynomialKernel
    :math:`(x \\cdot x' / s^2 + c)^p`.
DotProductKernel
    :math:`k(x \\cdot x' / s^2)` for a user profile :math:`k`.

Infinite-width ReLU networks
----------------------------
ReluNNGPKernel
    The NNGP of a fully connected ReLU network of any depth.
ReluNTKKernel
    Its neural tangent kernel.

Level coefficients from a profile
---------------------------------
numerical_level_coefficients
    :math:`k^{(\\ell)}(0)` by a Cauchy integral (or a Chebyshev fit), with error estimates.
NumericalLevelCoefficients
    Its result record.

By name
-------
get_kernel
    ``"gaussian"``/``"rbf"``, ``"laplace"``, ``"polynomial"``, ``"relu-nngp"``,
    ``"relu-ntk"`` with keyword parameters.
"""

from ._base import Kernel
from ._dot_product import DotProductKernel, PolynomialKernel
from ._levels import NumericalLevelCoefficients, numerical_level_coefficients
from ._radial import GaussianKernel, LaplaceKernel
from ._registry import get_kernel
from ._relu import ReluNNGPKernel, ReluNTKKernel

__all__ = [
    "DotProductKernel",
    "GaussianKernel",
    "Kernel",
    "LaplaceKernel",
    "NumericalLevelCoefficients",
    "PolynomialKernel",
    "ReluNNGPKernel",
    "ReluNTKKernel",
    "get_kernel",
    "numerical_level_coefficients",
]
