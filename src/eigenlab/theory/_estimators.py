r"""Data-only estimates of eigenframework quantities from a training Gram matrix.

These need no knowledge of the eigensystem or the target function: only the n x n Gram
matrix (and the training labels for the risk estimate). They are the eigenframework's
"observables" (Simon et al. 2023, arXiv:2110.03922; Simon et al. 2024, arXiv:2311.14646).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import as_float_array, check_nonnegative, check_psd_eigenvalues

__all__ = ["GramEstimates", "gram_estimates", "gram_effective_ridge",
           "gram_overfitting_coefficient", "gram_test_mse"]


@dataclass(frozen=True, eq=False)
class GramEstimates:
    r"""Estimates from one Gram matrix over a set of ridges; arrays of the ridges' shape.

    Attributes
    ----------
    ridge : ndarray
    effective_ridge : ndarray
        :math:`\hat\kappa = 1/\mathrm{Tr}[(K + \delta I)^{-1}]`.
    overfitting_coefficient : ndarray
        :math:`\hat{\mathcal{E}}_0 = n\,\mathrm{Tr}[(K+\delta I)^{-2}] /
        \mathrm{Tr}[(K+\delta I)^{-1}]^2`.
    train_mse : ndarray
        :math:`\frac1n\|y - \hat f(X)\|^2 = \frac{\delta^2}{n}\|(K+\delta I)^{-1}y\|^2`, summed
        over outputs; NaN when no targets were given.
    test_mse : ndarray
        :math:`\hat E_{te} = n\,\|(K+\delta I)^{-1}y\|^2 / \mathrm{Tr}[(K+\delta I)^{-1}]^2`
        (equal to :math:`E_{tr}(n\hat\kappa/\delta)^2` for :math:`\delta > 0`, a GCV-type
        estimate); NaN when no targets were given.
    """

    ridge: np.ndarray
    effective_ridge: np.ndarray
    overfitting_coefficient: np.ndarray
    train_mse: np.ndarray
    test_mse: np.ndarray


def _check_gram(gram) -> np.ndarray:
    gram = as_float_array(gram, "gram", ndim=(2,))
    if gram.shape[0] != gram.shape[1] or gram.shape[0] == 0:
        raise ValueError(f"`gram` must be a non-empty square matrix; got shape {gram.shape}.")
    scale = max(float(np.max(np.abs(gram))), np.finfo(float).tiny)
    if np.max(np.abs(gram - gram.T)) > 1e-8 * scale:
        raise ValueError("`gram` must be symmetric; got a matrix with |K - K^T| up to "
                         f"{np.max(np.abs(gram - gram.T)):.3g}.")
    return gram


def gram_estimates(gram, targets=None, *, ridge) -> GramEstimates:
    r"""Estimate :math:`\kappa`, :math:`\mathcal{E}_0` and the test MSE from a Gram matrix.

    One eigendecomposition of :math:`K` serves every ridge.

    Parameters
    ----------
    gram : array-like of shape (n, n)
        Training Gram matrix :math:`K_{DD}` (unnormalised, the same one KRR inverts).
    targets : array-like of shape (n,) or (n, n_outputs), optional
        Training labels, for the train MSE and the test-MSE estimate.
    ridge : array-like
        Ridges :math:`\delta \ge 0`. Ridge 0 needs a non-singular Gram matrix.

    Returns
    -------
    GramEstimates

    Notes
    -----
    Dtype policy: float64, with :func:`numpy.linalg.eigh`; cost :math:`O(n^3)` once.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(200, 50)) * np.arange(1, 51) ** -0.75
    >>> est = gram_estimates(x @ x.T, ridge=[1e-3, 1e-1])
    >>> est.overfitting_coefficient.round(3)
    array([1.332, 1.268])
    """
    gram = _check_gram(gram)
    ridge = check_nonnegative(ridge, "ridge")
    n = gram.shape[0]
    values, vectors = np.linalg.eigh(gram)
    values = check_psd_eigenvalues(values, "eigenvalues of `gram`", warn=False)
    shifted = values[None, :] + ridge.reshape(-1, 1)
    if np.any(shifted <= 0):
        raise ValueError("`ridge` must be > 0 when `gram` is singular; got ridge 0 with a "
                         "zero eigenvalue of `gram`.")
    inverse = 1.0 / shifted
    trace = inverse.sum(axis=1)
    trace_sq = (inverse ** 2).sum(axis=1)
    if targets is None:
        train = test = np.full(ridge.size, np.nan)
    else:
        y = as_float_array(targets, "targets", ndim=(1, 2))
        if y.shape[0] != n:
            raise ValueError(f"`targets` must have one row per sample ({n}); got shape "
                             f"{y.shape}.")
        projected = vectors.T @ y
        power = projected ** 2 if projected.ndim == 1 else (projected ** 2).sum(axis=1)
        resolvent_norm = (inverse ** 2) @ power  # ||(K + delta)^-1 y||^2
        train = ridge.ravel() ** 2 * resolvent_norm / n
        test = n * resolvent_norm / trace ** 2
    shape = ridge.shape
    return GramEstimates(
        ridge=ridge, effective_ridge=(1.0 / trace).reshape(shape),
        overfitting_coefficient=(n * trace_sq / trace ** 2).reshape(shape),
        train_mse=np.asarray(train).reshape(shape), test_mse=np.asarray(test).reshape(shape))


def gram_effective_ridge(gram, *, ridge) -> np.ndarray:
    r""":math:`\hat\kappa = 1/\mathrm{Tr}[(K_{DD} + \delta I)^{-1}]`, the data-only estimate of
    the effective ridge. See :func:`gram_estimates`."""
    return gram_estimates(gram, ridge=ridge).effective_ridge


def gram_overfitting_coefficient(gram, *, ridge) -> np.ndarray:
    r"""The overfitting coefficient from data alone.

    :math:`\hat{\mathcal{E}}_0 = n\,\mathrm{Tr}[(K+\delta I)^{-2}] /
    \mathrm{Tr}[(K+\delta I)^{-1}]^2`, from :math:`\mathcal{E}_0 = n\,d\kappa/d\delta`.
    See :func:`gram_estimates`.
    """
    return gram_estimates(gram, ridge=ridge).overfitting_coefficient


def gram_test_mse(gram, targets, *, ridge) -> np.ndarray:
    r"""The GCV-type test-MSE estimate :math:`n\|(K+\delta I)^{-1}y\|^2 /
    \mathrm{Tr}[(K+\delta I)^{-1}]^2`. See :func:`gram_estimates`."""
    return gram_estimates(gram, targets, ridge=ridge).test_mse
