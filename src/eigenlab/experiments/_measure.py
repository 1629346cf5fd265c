"""Measured KRR learning curves on a pool of points with a precomputed Gram matrix."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._errors import EigenlabWarning
from .._validation import as_float_array, check_nonnegative, check_sample_sizes

__all__ = ["MeasuredLearningCurve", "measure_krr_learning_curve"]

Progress = Callable[[int, int], None]


@dataclass(frozen=True, eq=False)
class MeasuredLearningCurve:
    """KRR errors measured over trials; arrays of shape (n_trials, len(n), len(ridge)).

    Attributes
    ----------
    n : ndarray of shape (len(n),)
    ridge : ndarray of shape (len(ridge),)
    noise : float
        Label-noise variance per output added to training and test labels.
    test_mse : ndarray
        Mean squared error on the held-out points (noisy labels when ``noise > 0``), summed
        over outputs.
    train_mse : ndarray
        Mean squared error on the training points against their (noisy) labels.
    pool_size : int
        M, the number of points in the pool.
    test_size : int
        Held-out points per trial.
    dtype : str
    """

    n: np.ndarray
    ridge: np.ndarray
    noise: float
    test_mse: np.ndarray
    train_mse: np.ndarray
    pool_size: int
    test_size: int
    dtype: str

    def to_frame(self, **settings):
        """Tidy table: one row per (trial, n, ridge), ``source = "experiment"``."""
        import pandas as pd

        trials, sizes, ridges = np.meshgrid(np.arange(self.test_mse.shape[0]), self.n,
                                            self.ridge, indexing="ij")
        frame = pd.DataFrame({
            "source": "experiment", "n": sizes.ravel(), "ridge": ridges.ravel(),
            "noise": self.noise, "trial": trials.ravel(), "test_mse": self.test_mse.ravel(),
            "train_mse": self.train_mse.ravel(), "pool_size": self.pool_size,
            "test_size": self.test_size, "dtype": self.dtype})
        for key, value in settings.items():
            frame[key] = value
        return frame


def measure_krr_learning_curve(gram, targets, *, n, ridge, trials: int = 5, noise=0.0,
                               test_size: int | None = None, seed=0,
                               progress: Progress | None = None) -> MeasuredLearningCurve:
    r"""Measure KRR test and train MSE on a pool of M points whose Gram matrix is given.

    Each trial draws a fresh random permutation of the pool. Its first ``max(n)`` points are
    the candidate training points, and the training set of size ``n`` is their first ``n``
    (so within a trial the training sets are nested, while each is a uniformly random
    n-subset of the pool); the test set is drawn from the remaining points, held out from
    every training set. For each ridge :math:`\delta` one Cholesky factorisation of
    :math:`K_{NN} + \delta I` at the largest size N serves every smaller n, because the
    Cholesky factor of a leading block is the leading block of the factor. Predictions use
    submatrices of the given Gram matrix, so no kernel is evaluated here.

    Parameters
    ----------
    gram : torch.Tensor or array-like of shape (M, M)
        The pool's Gram matrix :math:`K(x_a, x_b)`; its device and dtype are used.
    targets : array-like of shape (M,) or (M, n_outputs)
        Clean labels of the pool.
    n : array-like of int
        Training-set sizes, each < M.
    ridge : array-like
        Ridges :math:`\delta \ge 0` on the raw Gram matrix. Ridge 0 is solved by an
        eigendecomposition with a pseudo-inverse cut at the eigensolver's round-off.
    trials : int, default 5
    noise : float, default 0
        Variance of Gaussian label noise added (independently) to training and test labels.
    test_size : int, optional
        Held-out points per trial; default all ``M - max(n)`` of them.
    seed : int or numpy.random.Generator
    progress : callable(done, total), optional
        Called after each (trial, ridge) unit of work.

    Returns
    -------
    MeasuredLearningCurve

    Notes
    -----
    Dtype policy: the Gram matrix's dtype (float64 recommended). In float32 the Cholesky
    factorisation is reliable only for ridges above about 1e-4 of the largest eigenvalue of
    the training Gram matrix; a failed float32 factorisation is redone in float64 with an
    :class:`~eigenlab.EigenlabWarning`. Cost per trial: one :math:`N^3/3` factorisation per
    ridge plus :math:`O(N^2)` per n, against :math:`O(n^3)` per (n, ridge) for a fit per point.
    """
    import torch

    matrix = torch.as_tensor(gram)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"`gram` must be a square matrix; got shape {tuple(matrix.shape)}.")
    pool = matrix.shape[0]
    y = as_float_array(targets.cpu().numpy() if hasattr(targets, "cpu") else targets,
                       "targets", ndim=(1, 2))
    if y.shape[0] != pool:
        raise ValueError(f"`targets` must have one row per pool point ({pool}); got shape "
                         f"{y.shape}.")
    sizes = check_sample_sizes(n, "n").ravel()
    if np.any(sizes != np.round(sizes)):
        raise ValueError(f"`n` must hold whole numbers of samples; got {sizes.tolist()}.")
    sizes = np.unique(sizes.astype(np.int64))
    ridges = check_nonnegative(ridge, "ridge").ravel()
    noise = float(check_nonnegative(noise, "noise"))
    if isinstance(trials, bool) or not isinstance(trials, int | np.integer) or trials < 1:
        raise ValueError(f"`trials` must be a positive integer; got {trials!r}.")
    largest = int(sizes[-1])
    if largest >= pool:
        raise ValueError(f"`n` must be smaller than the pool ({pool} points) so that points "
                         f"are left to test on; got n = {largest}.")
    available = pool - largest
    test_size = available if test_size is None else int(test_size)
    if not 1 <= test_size <= available:
        raise ValueError(f"`test_size` must be between 1 and {available} (the pool minus the "
                         f"largest training set); got {test_size}.")
    rng = np.random.default_rng(seed)
    dtype = matrix.dtype
    labels = torch.as_tensor(y, dtype=dtype, device=matrix.device)
    if labels.ndim == 1:
        labels = labels[:, None]
    test = np.empty((trials, sizes.size, ridges.size))
    train = np.empty_like(test)
    total, done = trials * ridges.size, 0
    for t in range(trials):
        order = rng.permutation(pool)
        train_index = torch.as_tensor(order[:largest], device=matrix.device)
        test_index = torch.as_tensor(order[largest:largest + test_size], device=matrix.device)
        y_train = labels[train_index]
        y_test = labels[test_index]
        if noise > 0:
            y_train = y_train + np.sqrt(noise) * torch.as_tensor(
                rng.standard_normal(tuple(y_train.shape)), dtype=dtype, device=matrix.device)
            y_test = y_test + np.sqrt(noise) * torch.as_tensor(
                rng.standard_normal(tuple(y_test.shape)), dtype=dtype, device=matrix.device)
        k_train = matrix[train_index[:, None], train_index]
        k_cross = matrix[test_index[:, None], train_index]
        workspace = torch.empty_like(k_train)
        for r, delta in enumerate(ridges):
            duals = _nested_duals(k_train, y_train, sizes, float(delta), workspace)
            for s, (size, dual) in enumerate(zip(sizes, duals, strict=True)):
                fitted_residual = _train_residual(k_train[:size, :size], dual, y_train[:size],
                                                  float(delta))
                prediction = k_cross[:, :size] @ dual
                test[t, s, r] = float(((prediction - y_test) ** 2).sum(dim=1).mean())
                train[t, s, r] = float((fitted_residual ** 2).sum(dim=1).mean())
            done += 1
            if progress is not None:
                progress(done, total)
    return MeasuredLearningCurve(
        n=sizes.astype(np.float64), ridge=ridges, noise=noise, test_mse=test, train_mse=train,
        pool_size=pool, test_size=test_size, dtype=str(dtype).replace("torch.", ""))


def _train_residual(k_train, dual, y_train, delta):
    # (K + delta I) dual = y  =>  y - K dual = delta * dual, exact and free for delta > 0.
    if delta > 0:
        return delta * dual
    return y_train - k_train @ dual


def _nested_duals(k_train, y_train, sizes, delta, workspace):
    """Dual coefficients (K[:n, :n] + delta I)^-1 y[:n] for every n, from one factorisation.

    Ridge > 0: Cholesky of K + delta I at the largest size N. The factor of the leading
    n x n block is the leading block of the factor, and forward substitution is
    prefix-consistent, so one forward solve serves every n and only the back substitution is
    per n. Ridge 0 (or a failed factorisation): the minimum-norm solution from an
    eigendecomposition of each leading block, cutting eigenvalues below the eigensolver's
    round-off. ``workspace`` is an (N, N) buffer reused across ridges.
    """
    import torch

    if delta > 0:
        workspace.copy_(k_train)
        workspace.diagonal().add_(delta)
        factor, info = torch.linalg.cholesky_ex(workspace)
        if int(info) == 0:
            forward = torch.linalg.solve_triangular(factor, y_train, upper=False)
            return [torch.linalg.solve_triangular(factor[:n, :n].mT, forward[:n], upper=True)
                    for n in sizes]
        if k_train.dtype != torch.float64:
            warnings.warn(
                f"the {k_train.dtype} Cholesky factorisation of K + {delta:g} I failed (ridge "
                "too small for this precision); solving in float64 instead.",
                EigenlabWarning, stacklevel=3)
            wide = k_train.to(torch.float64)
            duals = _nested_duals(wide, y_train.to(torch.float64), sizes, delta,
                                  torch.empty_like(wide))
            return [d.to(k_train.dtype) for d in duals]

    duals = []
    for n in sizes:
        block = k_train[:n, :n].clone()
        block.diagonal().add_(delta)
        values, vectors = torch.linalg.eigh(block)
        cut = n * torch.finfo(block.dtype).eps * values.abs().max()
        inverse = torch.where(values > cut, 1.0 / values, torch.zeros_like(values))
        duals.append(vectors @ (inverse[:, None] * (vectors.T @ y_train[:n])))
    return duals
