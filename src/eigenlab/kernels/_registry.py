"""Kernels by name, for configs, command lines and estimators."""

from __future__ import annotations

import dataclasses

from ._base import Kernel
from ._dot_product import PolynomialKernel
from ._radial import GaussianKernel, LaplaceKernel
from ._relu import ReluNNGPKernel, ReluNTKKernel

__all__ = ["get_kernel"]

_KERNELS: dict[str, type[Kernel]] = {
    "gaussian": GaussianKernel,
    "laplace": LaplaceKernel,
    "polynomial": PolynomialKernel,
    "rbf": GaussianKernel,
    "relu-nngp": ReluNNGPKernel,
    "relu-ntk": ReluNTKKernel,
}


def get_kernel(name: str, **params) -> Kernel:
    r"""The kernel called ``name`` with parameters ``params``.

    The inverse of a kernel's ``name`` and ``params``:
    ``get_kernel(kernel.name, **kernel.params) == kernel`` for every named kernel.

    Parameters
    ----------
    name : str
        ``"gaussian"`` (alias ``"rbf"``), ``"laplace"``, ``"polynomial"``, ``"relu-nngp"`` or
        ``"relu-ntk"``; case-insensitive.
        (Kernels with a user profile are made directly, with
        :class:`~eigenlab.kernels.DotProductKernel`.)
    **params
        The kernel's parameters: ``width`` (Gaussian, Laplace); ``degree``, ``scale``,
        ``offset`` (polynomial); ``depth``, ``weight_variance``, ``bias_variance`` (ReLU).

    Returns
    -------
    Kernel

    Raises
    ------
    ValueError
        An unknown name, with the list of known names; a parameter out of range.
    TypeError
        A missing or unexpected parameter.

    Examples
    --------
    >>> get_kernel("rbf", width=2.0)
    GaussianKernel(width=2.0)
    >>> get_kernel("polynomial", degree=3, offset=0.0).params
    {'degree': 3, 'scale': 1.0, 'offset': 0.0}
    >>> get_kernel("relu-ntk", depth=2, bias_variance=0.0)
    ReluNTKKernel(depth=2, weight_variance=1.0, bias_variance=0.0)
    """
    if not isinstance(name, str) or name.lower() not in _KERNELS:
        known = ", ".join(repr(key) for key in sorted(_KERNELS))
        raise ValueError(f"`name` must be one of {known}; got {name!r}.")
    cls = _KERNELS[name.lower()]
    fields = [field for field in dataclasses.fields(cls) if field.init]
    names = [field.name for field in fields]
    unexpected = sorted(set(params) - set(names))
    if unexpected:
        raise TypeError(
            f"The {name.lower()!r} kernel takes parameters {names}; got unexpected "
            f"{unexpected}."
        )
    missing = [field.name for field in fields if field.name not in params
               and field.default is dataclasses.MISSING]
    if missing:
        raise TypeError(f"The {name.lower()!r} kernel needs parameter(s) {missing}; got "
                        f"{sorted(params)}.")
    return cls(**params)
