r"""Radial kernels :math:`K(x, x') = g(\|x - x'\|^2)`: Gaussian and Laplace.

Each block is one matrix product turned into squared distances,
:math:`\|x\|^2 + \|x'\|^2 - 2 x \cdot x'` clamped at zero, and then mapped through
:math:`g` in place. The widths follow the conventions of the Hermite eigenstructure ansatz
code (Karkada, Turnbull, Liu, Simon, arXiv:2510.14878), so that on unit-norm data
:math:`\|x - x'\|^2 = 2 - 2t` gives the profiles and level coefficients of its Table (spec
§6.4).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral
from typing import ClassVar

import numpy as np
import torch

from ._base import Kernel, _positive

__all__ = ["GaussianKernel", "LaplaceKernel"]


class _RadialKernel(Kernel):
    """A kernel of the squared distance; subclasses map squared distances in place."""

    def _from_sq_distance_(self, sq_distance: torch.Tensor) -> None:
        raise NotImplementedError

    def _row_stats(self, x: torch.Tensor) -> torch.Tensor:
        return x.square().sum(dim=1)

    def _fill_block_(self, out, a, b, stats_a, stats_b, *, same):
        torch.addmm(stats_a[:, None], a, b.mT, alpha=-2.0, out=out)
        out.add_(stats_b).clamp_(min=0.0)
        if same:
            out.diagonal().zero_()
        self._from_sq_distance_(out)

    def _diag(self, x):
        values = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
        self._from_sq_distance_(values)
        return values


@dataclass(frozen=True)
class GaussianKernel(_RadialKernel):
    r"""The Gaussian (RBF) kernel :math:`K(x, x') = \exp(-\|x - x'\|^2 / (2\sigma^2))`.

    On the unit sphere its profile is :math:`k(t) = e^{-(1 - t)/\sigma^2}`, with level
    coefficients :math:`c_\ell = e^{-1/\sigma^2}\sigma^{-2\ell}`. It equals scikit-learn's
    ``rbf_kernel`` with ``gamma`` :math:`= 1/(2\sigma^2)`.

    Parameters
    ----------
    width : float
        :math:`\sigma > 0`.

    Notes
    -----
    Dtype policy: float32 and float64 kept; integers and bool become float64 (see
    :class:`Kernel`).

    References
    ----------
    Rasmussen and Williams, *Gaussian Processes for Machine Learning*, MIT Press 2006,
    eq. (4.9). Karkada, Turnbull, Liu, Simon, arXiv:2510.14878 (level coefficients).

    Examples
    --------
    >>> import torch
    >>> kernel = GaussianKernel(width=1.0)
    >>> x = torch.tensor([[0.0, 0.0], [1.0, 0.0]], dtype=torch.float64)
    >>> kernel(x)
    tensor([[1.0000, 0.6065],
            [0.6065, 1.0000]], dtype=torch.float64)
    >>> kernel.params, kernel.profile(1.0).item()
    ({'width': 1.0}, 1.0)
    """

    name: ClassVar[str] = "gaussian"
    width: float

    def __post_init__(self):
        object.__setattr__(self, "width", _positive(self.width, "width"))

    def _from_sq_distance_(self, sq_distance):
        sq_distance.mul_(-0.5 / self.width**2).exp_()

    def _profile(self, t):
        return np.exp(-(1.0 - t) / self.width**2)

    def level_coefficients(self, max_degree: int) -> np.ndarray:
        r"""Level coefficients :math:`c_\ell = e^{-1/\sigma^2} \sigma^{-2\ell}`,
        :math:`\ell = 0, \dots, L`.

        Parameters
        ----------
        max_degree : int
            :math:`L \ge 0`.

        Returns
        -------
        numpy.ndarray of shape (max_degree + 1,)

        References
        ----------
        Karkada, Turnbull, Liu, Simon, arXiv:2510.14878 (spec §6.4).

        Examples
        --------
        >>> GaussianKernel(width=1.0).level_coefficients(2).round(4).tolist()
        [0.3679, 0.3679, 0.3679]
        """
        degrees = np.arange(_check_degree(max_degree) + 1)
        return np.exp(-1.0 / self.width**2 - 2.0 * degrees * np.log(self.width))


@dataclass(frozen=True)
class LaplaceKernel(_RadialKernel):
    r"""The Laplace (exponential) kernel :math:`K(x, x') = \exp(-\|x - x'\| / (\sqrt2\,\sigma))`.

    The Euclidean norm and the :math:`\sqrt 2` follow the convention of the Hermite
    eigenstructure ansatz paper, for which the profile on the unit sphere is
    :math:`k(t) = e^{-\sqrt{2 - 2t}/(\sqrt2\sigma)} = e^{-\sqrt{1 - t}/\sigma}`. (This is not
    scikit-learn's ``laplacian_kernel``, which uses the :math:`\ell_1` distance.)

    Parameters
    ----------
    width : float
        :math:`\sigma > 0`.

    Notes
    -----
    Dtype policy: float32 and float64 kept; integers and bool become float64 (see
    :class:`Kernel`). The level coefficients grow roughly like :math:`\ell!` (the profile is
    not analytic at :math:`t = 1`), so a degree cap is a modelling choice (spec §6.4,
    errata 4).

    References
    ----------
    Karkada, Turnbull, Liu, Simon, "Predicting kernel regression learning curves from only
    raw data statistics", arXiv:2510.14878.

    Examples
    --------
    >>> kernel = LaplaceKernel(width=1.0)
    >>> x = [[0.0, 0.0], [2.0, 0.0]]
    >>> round(kernel(x)[0, 1].item(), 6) == round(float(np.exp(-2 / np.sqrt(2))), 6)
    True
    >>> float(kernel.profile(0.0)) == float(np.exp(-1.0))
    True
    """

    name: ClassVar[str] = "laplace"
    width: float

    def __post_init__(self):
        object.__setattr__(self, "width", _positive(self.width, "width"))

    def _from_sq_distance_(self, sq_distance):
        sq_distance.sqrt_().mul_(-1.0 / (math.sqrt(2.0) * self.width)).exp_()

    def _profile(self, t):
        return np.exp(-np.sqrt(np.maximum(1.0 - t, 0.0)) / self.width)

    def level_coefficients(self, max_degree: int) -> np.ndarray:
        r"""Level coefficients :math:`c_\ell = e^{-1/\sigma} y_{\ell-1}(\sigma)/(2\sigma)^\ell`.

        :math:`y_m(s) = \sum_{k=0}^m \frac{(m+k)!}{(m-k)!\,k!}(s/2)^k` is the Bessel
        polynomial (:math:`y_{-1} \equiv 1`), evaluated by its three-term recurrence
        :math:`y_{m+1}(s) = (2m + 1)\,s\,y_m(s) + y_{m-1}(s)` scaled by :math:`(2s)^{-\ell}`.

        Parameters
        ----------
        max_degree : int
            :math:`L \ge 0`.

        Returns
        -------
        numpy.ndarray of shape (max_degree + 1,)
            Grows roughly like :math:`\ell!/(2\sigma)^\ell`.

        References
        ----------
        Karkada, Turnbull, Liu, Simon, arXiv:2510.14878 (spec §6.4). Krall and Frink, "A new
        class of orthogonal polynomials: the Bessel polynomials", Trans. AMS 65 (1949).

        Examples
        --------
        >>> c = LaplaceKernel(width=1.0).level_coefficients(2)
        >>> bool(np.allclose(c, np.exp(-1.0) * np.array([1.0, 1 / 2, 2 / 4])))
        True
        """
        max_degree = _check_degree(max_degree)
        sigma = self.width
        # r_l = y_{l-1}(sigma) / (2 sigma)^l, by the recurrence divided through, which does
        # not overflow before c_l itself does.
        scaled = [1.0, 1.0 / (2.0 * sigma)]
        for degree in range(1, max_degree):
            scaled.append((2 * degree - 1) / 2.0 * scaled[-1] + scaled[-2] / (4.0 * sigma**2))
        return np.exp(-1.0 / sigma) * np.asarray(scaled[: max_degree + 1])


def _check_degree(max_degree: object) -> int:
    if isinstance(max_degree, bool) or not isinstance(max_degree, Integral) or max_degree < 0:
        raise ValueError(f"`max_degree` must be an integer >= 0; got {max_degree!r}.")
    return int(max_degree)
