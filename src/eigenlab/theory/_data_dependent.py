r"""Bayes-optimal kernels: the prior covariance, and the posterior one after seeing data.

On a finite domain of M points (or any set of points where a prior covariance is given as a
matrix), with the target a draw :math:`f \sim \mathcal{GP}(0, \Sigma)` and labels
:math:`y = f(D) + \xi`, :math:`\xi \sim \mathcal{N}(0, \epsilon^2 I)`:

* among kernels fixed before seeing data, the test-MSE-optimal one is the prior covariance
  :math:`\Sigma` with ridge :math:`\epsilon^2`: kernel regression is then the posterior mean;
* when the kernel may depend on the training data, the analogous choice is the posterior:
  learning from further data with the posterior covariance :math:`\Sigma_{|D}` as kernel (and
  the posterior mean as offset) gives the posterior mean given all the data.

References
----------
Simon, "On kernel regression with data-dependent kernels", arXiv:2209.01691 (2022).
Rasmussen and Williams, *Gaussian Processes for Machine Learning*, MIT Press 2006, Ch. 2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from .._validation import as_float_array, check_nonnegative

__all__ = ["GaussianProcessPosterior", "gp_posterior", "kernel_regression_predict"]


def _check_covariance(matrix, name) -> np.ndarray:
    matrix = as_float_array(matrix, name, ndim=(2,))
    if matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
        raise ValueError(f"`{name}` must be a non-empty square matrix; got shape "
                         f"{matrix.shape}.")
    scale = max(float(np.max(np.abs(matrix))), np.finfo(float).tiny)
    if np.max(np.abs(matrix - matrix.T)) > 1e-8 * scale:
        raise ValueError(f"`{name}` must be symmetric; got |K - K^T| up to "
                         f"{np.max(np.abs(matrix - matrix.T)):.3g}.")
    return matrix


def _check_index(train_index, size) -> np.ndarray:
    index = np.asarray(train_index)
    if index.ndim != 1 or index.size == 0 or index.dtype.kind not in "iu":
        raise ValueError("`train_index` must be a non-empty 1-d array of integer positions; "
                         f"got {index!r}.")
    if np.any(index < 0) or np.any(index >= size):
        raise ValueError(f"`train_index` must lie in [0, {size}); got values from "
                         f"{index.min()} to {index.max()}.")
    if np.unique(index).size != index.size:
        raise ValueError("`train_index` must not repeat a point.")
    return index


def _check_targets(targets, n) -> np.ndarray:
    y = as_float_array(targets, "targets", ndim=(1, 2))
    if y.shape[0] != n:
        raise ValueError(f"`targets` must have one row per training point ({n}); got shape "
                         f"{y.shape}.")
    return y


def _solve(kernel, index, ridge, right):
    block = kernel[np.ix_(index, index)] + ridge * np.eye(index.size)
    try:
        factor = cho_factor(block, lower=True)
    except np.linalg.LinAlgError:
        raise ValueError("the training block of the kernel plus ridge is singular; use "
                         "ridge > 0 (or noise > 0).") from None
    return cho_solve(factor, right)


def kernel_regression_predict(kernel, train_index, targets, *, ridge) -> np.ndarray:
    r"""Kernel ridge regression on a finite domain, predicted at every point.

    :math:`\hat f = K_{:,D}(K_{DD} + \delta I)^{-1} y`, with the kernel given as the
    :math:`M \times M` matrix over the domain.

    Parameters
    ----------
    kernel : array-like of shape (M, M)
        Symmetric positive semi-definite kernel matrix over the domain.
    train_index : array-like of int, shape (n,)
        Positions of the training points in the domain.
    targets : array-like of shape (n,) or (n, n_outputs)
    ridge : float
        :math:`\delta \ge 0` (0 needs a non-singular training block).

    Returns
    -------
    ndarray of shape (M,) or (M, n_outputs)

    Examples
    --------
    >>> import numpy as np
    >>> kernel_regression_predict(np.eye(3) + 1.0, [0, 1], [1.0, 1.0], ridge=0.0).round(3)
    array([1.   , 1.   , 0.667])
    """
    kernel = _check_covariance(kernel, "kernel")
    index = _check_index(train_index, kernel.shape[0])
    y = _check_targets(targets, index.size)
    ridge = float(check_nonnegative(ridge, "ridge"))
    return kernel[:, index] @ _solve(kernel, index, ridge, y)


@dataclass(frozen=True, eq=False)
class GaussianProcessPosterior:
    r"""The posterior of a Gaussian-process target after noisy observations.

    Attributes
    ----------
    mean : ndarray of shape (M,) or (M, n_outputs)
        :math:`m = \Sigma_{:,D}(\Sigma_{DD} + \epsilon^2 I)^{-1} y`: the Bayes-optimal
        prediction, equal to kernel regression with the prior covariance as kernel and ridge
        :math:`\epsilon^2`.
    covariance : ndarray of shape (M, M)
        :math:`\Sigma_{|D} = \Sigma - \Sigma_{:,D}(\Sigma_{DD} + \epsilon^2 I)^{-1}
        \Sigma_{D,:}`: the Bayes-optimal kernel for learning from further data drawn after
        ``train_index`` (with ``mean`` as offset and ridge :math:`\epsilon^2`).
    train_index : ndarray of int
    noise : float
    """

    mean: np.ndarray
    covariance: np.ndarray
    train_index: np.ndarray
    noise: float

    def second_moment(self) -> np.ndarray:
        r""":math:`\mathbb{E}[f f^\top \mid D] = \Sigma_{|D} + m m^\top` (summed over outputs):
        the posterior counterpart of the prior covariance read as a second moment."""
        mean = self.mean if self.mean.ndim == 2 else self.mean[:, None]
        return self.covariance * mean.shape[1] + mean @ mean.T


def gp_posterior(prior_covariance, train_index, targets, *, noise) -> GaussianProcessPosterior:
    r"""Condition a Gaussian-process prior on noisy observations at some points.

    Parameters
    ----------
    prior_covariance : array-like of shape (M, M)
        :math:`\Sigma`, the prior covariance of the target over the domain (zero mean). As a
        kernel fixed before seeing data, it is the Bayes-optimal one (with ridge
        :math:`\epsilon^2`).
    train_index : array-like of int, shape (n,)
        Positions of the observed points.
    targets : array-like of shape (n,) or (n, n_outputs)
        Observed labels :math:`y = f(D) + \xi`; independent outputs share the prior.
    noise : float
        :math:`\epsilon^2 \ge 0`.

    Returns
    -------
    GaussianProcessPosterior

    Notes
    -----
    Dtype policy: float64, one Cholesky factorisation of the :math:`n \times n` block;
    cost :math:`O(n^3 + M^2 n)`.

    References
    ----------
    Simon, arXiv:2209.01691; Rasmussen and Williams (2006), Eqs. 2.23-2.24.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0, 1, 5)
    >>> prior = np.exp(-(t[:, None] - t[None, :]) ** 2 / 0.1)
    >>> post = gp_posterior(prior, [0, 4], [1.0, -1.0], noise=1e-2)
    >>> post.mean.round(2)
    array([ 0.99,  0.53,  0.  , -0.53, -0.99])
    >>> np.diag(post.covariance).round(2)  # uncertainty is largest between the data
    array([0.01, 0.72, 0.99, 0.72, 0.01])
    """
    prior = _check_covariance(prior_covariance, "prior_covariance")
    index = _check_index(train_index, prior.shape[0])
    y = _check_targets(targets, index.size)
    noise = float(check_nonnegative(noise, "noise"))
    cross = prior[:, index]
    both = _solve(prior, index, noise, np.column_stack([y, cross.T]))
    outputs = 1 if y.ndim == 1 else y.shape[1]
    weights, gain = both[:, :outputs], both[:, outputs:]
    mean = cross @ weights
    covariance = prior - cross @ gain
    covariance = 0.5 * (covariance + covariance.T)
    return GaussianProcessPosterior(mean=mean[:, 0] if y.ndim == 1 else mean,
                                    covariance=covariance, train_index=index, noise=noise)
