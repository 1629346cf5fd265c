r"""Dot-product kernels :math:`K(x, x') = k(x \cdot x' / s^2)`: polynomial and user profiles.

Each block is one matrix product mapped through :math:`k` in place (polynomial) or through
the user's function (:class:`DotProductKernel`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral
from typing import ClassVar

import numpy as np
import torch

from .._validation import check_scalar
from ._base import Kernel, _positive
from ._radial import _check_degree

__all__ = ["DotProductKernel", "PolynomialKernel"]


class _InnerProductKernel(Kernel):
    """A kernel of the inner product; subclasses map inner products in place."""

    def _from_inner_product_(self, inner: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def _row_stats(self, x):
        return None

    def _fill_block_(self, out, a, b, stats_a, stats_b, *, same):
        torch.matmul(a, b.mT, out=out)
        result = self._from_inner_product_(out)
        if result is not out:
            out.copy_(result)

    def _diag(self, x):
        return self._from_inner_product_(x.square().sum(dim=1))


@dataclass(frozen=True)
class PolynomialKernel(_InnerProductKernel):
    r"""The polynomial kernel :math:`K(x, x') = (x \cdot x' / s^2 + c)^p`.

    On the unit sphere its profile is :math:`k(t) = (t/s^2 + c)^p`, with level coefficients
    :math:`c_\ell = \frac{p!}{(p - \ell)!} c^{p - \ell} s^{-2\ell}` for :math:`\ell \le p`
    and 0 beyond. It equals scikit-learn's ``polynomial_kernel`` with ``gamma``
    :math:`= 1/s^2` and ``coef0`` :math:`= c`.

    Parameters
    ----------
    degree : int
        :math:`p \ge 0`.
    scale : float, default 1.0
        :math:`s > 0`.
    offset : float, default 1.0
        :math:`c \ge 0` (a negative offset makes the kernel indefinite).

    Notes
    -----
    Dtype policy: float32 and float64 kept; integers and bool become float64 (see
    :class:`Kernel`).

    References
    ----------
    Schoelkopf and Smola, *Learning with Kernels*, MIT Press 2002, Section 2.3.

    Examples
    --------
    >>> kernel = PolynomialKernel(2, offset=1.0)
    >>> kernel([[1.0, 2.0]], [[3.0, 0.5]])
    tensor([[25.]], dtype=torch.float64)
    >>> kernel.level_coefficients(3).tolist()
    [1.0, 2.0, 2.0, 0.0]
    """

    name: ClassVar[str] = "polynomial"
    degree: int
    scale: float = 1.0
    offset: float = 1.0

    def __post_init__(self):
        degree = self.degree
        if isinstance(degree, bool) or not isinstance(degree, Integral) or degree < 0:
            raise ValueError(f"`degree` must be an integer >= 0; got {degree!r}.")
        object.__setattr__(self, "degree", int(degree))
        object.__setattr__(self, "scale", _positive(self.scale, "scale"))
        object.__setattr__(self, "offset", check_scalar(self.offset, "offset", minimum=0.0))

    def _from_inner_product_(self, inner):
        return inner.mul_(1.0 / self.scale**2).add_(self.offset).pow_(self.degree)

    def _profile(self, t):
        return (t / self.scale**2 + self.offset) ** self.degree

    def level_coefficients(self, max_degree: int) -> np.ndarray:
        r"""Level coefficients :math:`c_\ell = \frac{p!}{(p-\ell)!} c^{p-\ell} s^{-2\ell}`
        (0 for :math:`\ell > p`).

        Parameters
        ----------
        max_degree : int
            :math:`L \ge 0`.

        Returns
        -------
        numpy.ndarray of shape (max_degree + 1,)

        Examples
        --------
        >>> PolynomialKernel(2, scale=2.0, offset=0.0).level_coefficients(2).tolist()
        [0.0, 0.0, 0.125]
        """
        max_degree = _check_degree(max_degree)
        return np.array([
            math.perm(self.degree, level) * self.offset ** (self.degree - level)
            / self.scale ** (2 * level) if level <= self.degree else 0.0
            for level in range(max_degree + 1)
        ], dtype=np.float64)


@dataclass(frozen=True, init=False, repr=False)
class DotProductKernel(_InnerProductKernel):
    r"""A dot-product kernel :math:`K(x, x') = k(x \cdot x' / s^2)` with a user profile
    :math:`k`.

    On the unit sphere its profile is :math:`t \mapsto k(t/s^2)`. Any :math:`k` with
    non-negative Taylor coefficients, :math:`k(t) = \sum_j a_j t^j` with :math:`a_j \ge 0`,
    gives a positive semi-definite kernel in every dimension (Schoenberg); this is not
    checked.

    Parameters
    ----------
    profile : callable
        :math:`k(t)`, vectorised. It is called both on **torch tensors** (blocks of the Gram
        matrix: float32 or float64, on the inputs' device, any 1-D or 2-D shape) and on
        **numpy float64 arrays** (by :meth:`profile`, any shape), and must return a tensor,
        respectively an array, of the same shape. Arithmetic operators and ``**`` work on
        both, e.g. ``lambda t: (1 + t) ** 3`` or ``lambda t: 1 / (2 - t)``; for functions such
        as ``exp`` dispatch on the type, e.g. ``lambda t: t.exp() if
        isinstance(t, torch.Tensor) else np.exp(t)``. It may not modify its argument in
        place.
    scale : float, default 1.0
        :math:`s > 0`.
    name : str, default "dot-product"
        The name in result tables.

    Notes
    -----
    Dtype policy: float32 and float64 kept; integers and bool become float64 (see
    :class:`Kernel`). Equality compares the profile function by identity.
    :meth:`level_coefficients` are computed numerically from :math:`k`
    (:func:`~eigenlab.kernels.numerical_level_coefficients`): by a Cauchy integral when
    :math:`k` also accepts complex numpy arrays, as the examples above do, otherwise by a far
    less accurate Chebyshev fit; either way degrees beyond the guaranteed accuracy raise.

    References
    ----------
    Schoenberg, "Positive definite functions on spheres", Duke Math. J. 9 (1942).
    Smola, Ovari, Williamson, "Regularization with dot-product kernels", NeurIPS 2000.

    Examples
    --------
    >>> kernel = DotProductKernel(lambda t: (1 + t) ** 2, scale=2.0, name="quadratic")
    >>> kernel([[2.0, 0.0]], [[1.0, 1.0]])
    tensor([[2.2500]], dtype=torch.float64)
    >>> kernel.profile([0.0, 1.0]).tolist()
    [1.0, 1.5625]
    >>> kernel.level_coefficients(3).round(12).tolist()   # 1 + t/2 + t^2/16
    [1.0, 0.5, 0.125, 0.0]
    """

    function: Callable
    scale: float
    name: str

    def __init__(self, profile: Callable, *, scale: float = 1.0, name: str = "dot-product"):
        if not callable(profile):
            raise TypeError(
                f"`profile` must be a callable of t = x.x' / scale^2, vectorised over torch "
                f"tensors and numpy arrays; got {profile!r}."
            )
        if not isinstance(name, str) or not name:
            raise TypeError(f"`name` must be a non-empty string; got {name!r}.")
        object.__setattr__(self, "function", profile)
        object.__setattr__(self, "scale", _positive(scale, "scale"))
        object.__setattr__(self, "name", name)

    def __repr__(self) -> str:
        return (f"DotProductKernel({self.function!r}, scale={self.scale!r}, "
                f"name={self.name!r})")

    @property
    def params(self) -> dict:
        """``{"profile": <the function's qualified name>, "scale": s}``."""
        function = self.function
        label = getattr(function, "__qualname__", None) or repr(function)
        return {"profile": label, "scale": self.scale}

    def _evaluate(self, t, *, expected: type):
        values = self.function(t)
        shape = tuple(t.shape)
        if not isinstance(values, expected) or tuple(values.shape) != shape:
            got = (f"shape {tuple(values.shape)}" if hasattr(values, "shape")
                   else type(values).__name__)
            raise ValueError(
                f"`profile` must be vectorised: on a {expected.__module__.split('.')[0]} "
                f"array of shape {shape} it must return one of the same type and shape; got "
                f"{type(values).__name__} of {got}."
            )
        return values

    def _from_inner_product_(self, inner):
        inner.mul_(1.0 / self.scale**2)
        return self._evaluate(inner, expected=torch.Tensor).to(inner.dtype)

    def _profile(self, t):
        flat = np.atleast_1d(t / self.scale**2)
        values = self._evaluate(flat, expected=np.ndarray)
        # Complex t (the numerical level coefficients) keeps complex values, when the user's
        # function gives them.
        complex_out = np.iscomplexobj(t) and np.iscomplexobj(values)
        dtype = np.complex128 if complex_out else np.float64
        return np.asarray(values, dtype=dtype).reshape(t.shape)
