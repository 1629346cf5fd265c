r"""The :class:`Kernel` base class: input checks, dtype policy and the blockwise Gram driver.

A kernel here is an immutable callable :math:`K(x, x')` evaluated on whole data matrices.
Subclasses only say how one block of the Gram matrix is turned from a matrix product into
kernel values, in place; this module cuts the matrix into blocks, so that temporary memory
stays bounded whatever :math:`n`, and keeps the Gram matrix of a data set with itself exactly
symmetric.

Dtype policy (every kernel): float32 and float64 inputs are computed and returned in their own
dtype; bool and integer inputs (pixel values in uint8, say) in float64; float16 and bfloat16 in
float32, because the squared distance :math:`\|x\|^2 + \|x'\|^2 - 2 x \cdot x'` cancels and
would lose every digit in half precision. ``x2`` is cast to the dtype and moved to the device
of ``x1``. Numpy input gives a CPU tensor. Kernels are evaluated without autograd.
"""

from __future__ import annotations

import abc
import math
import warnings
from numbers import Integral

import numpy as np
import torch

from .._validation import check_scalar

__all__ = ["Kernel"]

# Temporary memory one Gram block may use: blocks are square, block_size**2 elements.
_BLOCK_BYTES = 256 * 2**20
# Above this the gain from skipping the lower triangle of a symmetric Gram matrix (blocks on
# the diagonal are full) is worth more than the slightly lower matmul throughput of smaller
# blocks; measured on CPU in benchmarks/bench_gram.py.
_MAX_DEFAULT_BLOCK = 2048

_FLOAT_DTYPES = (torch.float32, torch.float64)


# ---------------------------------------------------------------------- input conversion
def _compute_dtype(dtype: torch.dtype, name: str) -> torch.dtype:
    if dtype in _FLOAT_DTYPES:
        return dtype
    if dtype.is_complex:
        raise TypeError(f"`{name}` must be real; got dtype {dtype}.")
    if dtype.is_floating_point:
        return torch.float32
    return torch.float64


def _as_tensor(value: object, name: str, *, like: torch.Tensor | None = None) -> torch.Tensor:
    """``value`` as a 2-D float tensor (dtype policy above), checked, never copied needlessly.

    With ``like``, cast to its dtype and moved to its device. The result may share memory
    with ``value``: callers must not write into it.
    """
    if isinstance(value, torch.Tensor):
        tensor = value.detach()
    else:
        try:
            array = np.asarray(value)
        except (TypeError, ValueError):
            raise TypeError(
                f"`{name}` must be a numeric array or tensor; got {type(value).__name__}."
            ) from None
        if array.dtype.kind not in "biuf":
            raise TypeError(f"`{name}` must be a real numeric array; got dtype {array.dtype}.")
        if array.dtype.kind == "f" and array.dtype.itemsize < 4:
            array = array.astype(np.float32)
        elif array.dtype.kind != "f" or array.dtype.itemsize > 8:
            array = array.astype(np.float64)
        if not array.dtype.isnative or any(stride < 0 for stride in array.strides):
            array = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("="))
        with warnings.catch_warnings():
            # Read-only arrays (memory maps, broadcasts) are fine: nothing writes into them.
            warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
            tensor = torch.as_tensor(array)
    if tensor.ndim != 2:
        raise ValueError(
            f"`{name}` must be 2-D, of shape (n_samples, n_features); got shape "
            f"{tuple(tensor.shape)}."
        )
    dtype = like.dtype if like is not None else _compute_dtype(tensor.dtype, name)
    if like is not None:
        _compute_dtype(tensor.dtype, name)
        tensor = tensor.to(device=like.device)
    tensor = tensor.to(dtype=dtype)
    if not bool(torch.isfinite(tensor).all()):
        bad = tensor[~torch.isfinite(tensor)][0].item()
        raise ValueError(f"`{name}` must be finite; got a value {bad!r}.")
    return tensor


def _check_block_size(block_size: object, dtype: torch.dtype) -> int:
    if block_size is None:
        itemsize = torch.empty((), dtype=dtype).element_size()
        return min(_MAX_DEFAULT_BLOCK, math.isqrt(_BLOCK_BYTES // itemsize))
    if isinstance(block_size, bool) or not isinstance(block_size, Integral) or block_size < 1:
        raise ValueError(
            f"`block_size` must be a positive integer (rows and columns per block) or None; "
            f"got {block_size!r}."
        )
    return int(block_size)


def _positive(value: object, name: str) -> float:
    return check_scalar(value, name, minimum=0.0, strictly=True)


# ---------------------------------------------------------------------- the base class
class Kernel(abc.ABC):
    r"""A positive semi-definite kernel :math:`K(x, x')`, evaluated blockwise on data matrices.

    Kernels are immutable and compare equal when their type and parameters are equal. Calling
    one gives the Gram matrix :math:`[K(x_a, x'_b)]_{ab}`; :meth:`profile` gives the kernel as
    a function of :math:`t = x \cdot x'` for unit-norm inputs, the form the analytic domains
    and the Hermite eigenstructure ansatz need.

    Attributes
    ----------
    name : str
        Short name (``"gaussian"``, ``"laplace"``, ``"polynomial"``, ``"dot-product"``).
    params : dict
        The kernel's parameters, JSON-able (they become table columns).

    Notes
    -----
    Dtype policy: float32 and float64 are kept, bool and integers become float64, float16 and
    bfloat16 become float32; ``x2`` follows ``x1``'s dtype and device.

    Subclasses implement four private methods: ``_row_stats`` (per-row quantities such as
    squared norms), ``_fill_block_`` (one block of kernel values, written in place from a
    matrix product), ``_diag`` and ``_profile``.

    References
    ----------
    Rasmussen and Williams, *Gaussian Processes for Machine Learning*, MIT Press 2006,
    Chapter 4 (kernels and Gram matrices).

    Examples
    --------
    >>> import torch
    >>> from eigenlab.kernels import GaussianKernel
    >>> kernel = GaussianKernel(width=2.0)
    >>> x = torch.randn(50, 3, dtype=torch.float32, generator=torch.Generator().manual_seed(0))
    >>> gram = kernel(x, block_size=8)       # 7 x 7 blocks, only the upper ones computed
    >>> gram.shape, gram.dtype, bool(torch.equal(gram, gram.T))
    (torch.Size([50, 50]), torch.float32, True)
    >>> bool(torch.allclose(gram, kernel(x, x)))
    True
    >>> kernel.diag(x[:3])
    tensor([1., 1., 1.])
    """

    name: str

    # -------------------------------------------------------------- what subclasses define
    @abc.abstractmethod
    def _row_stats(self, x: torch.Tensor) -> torch.Tensor | None:
        """Per-row quantities a block needs besides the inner products (squared norms)."""

    @abc.abstractmethod
    def _fill_block_(self, out: torch.Tensor, a: torch.Tensor, b: torch.Tensor,
                     stats_a: torch.Tensor | None, stats_b: torch.Tensor | None, *,
                     same: bool) -> None:
        """Write :math:`K(a_i, b_j)` into the view ``out``; ``same``: ``a is b``."""

    @abc.abstractmethod
    def _diag(self, x: torch.Tensor) -> torch.Tensor:
        """:math:`K(x_i, x_i)`."""

    @abc.abstractmethod
    def _profile(self, t: np.ndarray) -> np.ndarray:
        """The dot-product form on the unit sphere, float64 in and out."""

    # -------------------------------------------------------------- the public interface
    @property
    def params(self) -> dict:
        """The kernel's parameters as a JSON-able dict, e.g. ``{"width": 2.0}``."""
        return {key: value for key, value in vars(self).items() if key != "name"}

    def __call__(self, x1, x2=None, *, block_size: int | None = None) -> torch.Tensor:
        r"""The Gram matrix :math:`[K(x_{1,a}, x_{2,b})]_{ab}`.

        Built block by block (at most ``block_size`` rows and columns each) from matrix
        products; squared distances are :math:`\|x\|^2 + \|x'\|^2 - 2 x \cdot x'` clamped at
        0. Inputs are never modified.

        Parameters
        ----------
        x1 : torch.Tensor or array-like of shape (n1, d)
        x2 : torch.Tensor or array-like of shape (n2, d), optional
            ``None``: the Gram matrix of ``x1`` with itself, exactly symmetric, with exact
            zero distances on its diagonal. Only the upper triangle of blocks is computed.
        block_size : int, optional
            Rows and columns per block. The default bounds the temporary memory to about
            256 MB (2048 in float32 and float64).

        Returns
        -------
        torch.Tensor of shape (n1, n2)
            On ``x1``'s device, in ``x1``'s float dtype (see the class' dtype policy).
        """
        with torch.no_grad():
            a = _as_tensor(x1, "x1")
            b = None if x2 is None else _as_tensor(x2, "x2", like=a)
            if b is not None and b.shape[1] != a.shape[1]:
                raise ValueError(
                    f"`x2` must have as many features as `x1` ({a.shape[1]}); got "
                    f"{b.shape[1]}."
                )
            return self._gram(a, b, _check_block_size(block_size, a.dtype))

    def diag(self, x) -> torch.Tensor:
        r"""The kernel on the diagonal, :math:`K(x_i, x_i)`, without building the Gram matrix.

        Parameters
        ----------
        x : torch.Tensor or array-like of shape (n, d)

        Returns
        -------
        torch.Tensor of shape (n,)
            Same device and dtype as ``self(x)``.
        """
        with torch.no_grad():
            return self._diag(_as_tensor(x, "x"))

    def profile(self, t) -> np.ndarray:
        r"""The kernel as a function of :math:`t = x \cdot x'` for unit-norm :math:`x, x'`.

        For such inputs :math:`K(x, x') = k(t)` with this profile :math:`k`, the form the
        analytic domains (:mod:`eigenlab.spectra`) and the level coefficients use.

        Parameters
        ----------
        t : float or array-like
            Cosines, normally in :math:`[-1, 1]`.

        Returns
        -------
        numpy.ndarray
            :math:`k(t)` in float64, with the shape of ``t``.
        """
        return self._profile(np.asarray(t, dtype=np.float64))

    def trace_on_sphere(self) -> float:
        r"""The trace :math:`\mathbb E_x K(x, x)` for unit-norm inputs: :math:`k(1)`.

        The HEA adds the kernel trace not captured by its listed modes to the ridge, so it
        needs this value: 1 for the Gaussian and Laplace kernels, :math:`(1/s^2 + c)^p` for
        the polynomial kernel, :math:`wq/2` and :math:`wq` for the one-layer ReLU NNGP and NTK
        (spec §6.4, errata 2).

        Returns
        -------
        float

        Examples
        --------
        >>> from eigenlab.kernels import GaussianKernel, PolynomialKernel
        >>> GaussianKernel(2.0).trace_on_sphere(), PolynomialKernel(2).trace_on_sphere()
        (1.0, 4.0)
        """
        return float(self._profile(np.ones(1))[0])

    def level_coefficients(self, max_degree: int) -> np.ndarray:
        r"""Derivatives :math:`c_\ell = k^{(\ell)}(0)` of the profile, for the HEA.

        The Hermite eigenstructure ansatz writes :math:`K \approx \sum_\ell c_\ell
        (x \cdot x')^\ell / \ell!` for unit-trace data (Karkada, Turnbull, Liu, Simon,
        arXiv:2510.14878). Kernels with a closed form override this; the default computes them
        numerically from the profile with
        :func:`~eigenlab.kernels.numerical_level_coefficients` (a Cauchy integral on the
        circle :math:`|t| = 0.99`) and guarantees an absolute error of at most
        :math:`10^{-6} \max(|c_\ell|, |k(1)|, |k(-1)|)` by its own error estimate.

        Parameters
        ----------
        max_degree : int
            The largest :math:`\ell`.

        Returns
        -------
        numpy.ndarray of shape (max_degree + 1,)
            :math:`c_0, \dots, c_L` in float64.

        Raises
        ------
        ValueError
            ``max_degree`` beyond the degrees the numerical route resolves to that accuracy
            (they lose about as many digits as :math:`\ell!` has); the message says up to
            which degree it does.
        """
        from ._levels import _checked_numerical_level_coefficients

        return _checked_numerical_level_coefficients(self, max_degree)

    # -------------------------------------------------------------- the blockwise driver
    def _gram(self, a: torch.Tensor, b: torch.Tensor | None, block: int) -> torch.Tensor:
        symmetric = b is None
        if symmetric:
            b = a
        n1, n2 = a.shape[0], b.shape[0]
        out = torch.empty((n1, n2), dtype=a.dtype, device=a.device)
        stats_a = self._row_stats(a)
        stats_b = stats_a if symmetric else self._row_stats(b)
        for i0 in range(0, n1, block):
            i1 = min(i0 + block, n1)
            for j0 in range(i0 if symmetric else 0, n2, block):
                j1 = min(j0 + block, n2)
                view = out[i0:i1, j0:j1]
                self._fill_block_(
                    view, a[i0:i1], b[j0:j1],
                    None if stats_a is None else stats_a[i0:i1],
                    None if stats_b is None else stats_b[j0:j1],
                    same=symmetric and i0 == j0,
                )
                if not symmetric:
                    continue
                if i0 == j0:
                    _mirror_upper_(view)
                else:
                    out[j0:j1, i0:i1].copy_(view.mT)
        return out


def _mirror_upper_(square: torch.Tensor, tile: int = 256) -> None:
    """Copy the upper triangle of ``square`` onto its lower one, in tiles (small temporaries)."""
    size = square.shape[0]
    for i0 in range(0, size, tile):
        i1 = min(i0 + tile, size)
        diagonal = square[i0:i1, i0:i1]
        diagonal.copy_(diagonal.triu() + diagonal.triu(1).mT)
        if i1 < size:
            square[i1:, i0:i1].copy_(square[i0:i1, i1:].mT)
