r"""Random-feature ridge regression, measured: the nested-subset grid over (n, k, ridge).

Random-feature (RF) regression is KRR with the random kernel

.. math::

    \hat K(x, x') = \frac1k \sum_{j=1}^k g(w_j, x)\, g(w_j, x'), \qquad
    \mathbb E_w[g(w, x) g(w, x')] = K(x, x'),

with an absolute ridge :math:`\delta` on the raw :math:`n \times n` matrix :math:`\hat K_{DD}`
(spec §3.1): :math:`\hat f(x) = \hat K_{xD}(\hat K_{DD} + \delta I_n)^{-1} y`. Every feature
map here is :math:`g(w, x) = a\,\sigma(u \cdot x + c)` with Gaussian :math:`u`, so a draw is a
weight matrix, optional offsets and a scale; its limit :math:`K` is one of eigenlab's kernels,
with the same parameters.

The measurement draws the widest feature pool once per trial and takes nested subsets of its
first k features; for each (n, k) one eigendecomposition of the smaller of the two Gram
matrices (:math:`n \times n` or :math:`k \times k`) serves every ridge.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral

import numpy as np

from .._validation import as_float_array, check_nonnegative
from ._feature_maps import (
    GaussianDesign,
    RandomFeatureMap,
    _count,
    _resolve,
)

__all__ = ["MeasuredOptimalRidge", "MeasuredRFLearningCurve", "measure_rf_learning_curve"]

Progress = Callable[[int, int], None]


# ---------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class MeasuredOptimalRidge:
    r"""The ridge that minimises the trial-averaged test MSE, per (n, k); arrays (len n, len k).

    Attributes
    ----------
    n, k : ndarray
    ridge : ndarray
        The refined optimum: the vertex of the parabola through the grid minimum and its two
        neighbours in (log ridge, log mean test MSE), kept between those neighbours; the grid
        minimum itself where it lies at an end of the grid or next to ridge 0.
    test_mse : ndarray
        The parabola's value there (an interpolation, <= ``grid_test_mse``).
    grid_ridge, grid_test_mse, grid_test_mse_sem : ndarray
        The measured minimum over the grid, and its standard error over trials.
    on_boundary : ndarray of bool
        The grid minimum is the smallest or largest ridge: widen the grid.
    """

    n: np.ndarray
    k: np.ndarray
    ridge: np.ndarray
    test_mse: np.ndarray
    grid_ridge: np.ndarray
    grid_test_mse: np.ndarray
    grid_test_mse_sem: np.ndarray
    on_boundary: np.ndarray

    def to_frame(self, **settings):
        """Tidy table: one row per (n, k)."""
        import pandas as pd

        sizes, widths = np.meshgrid(self.n, self.k, indexing="ij")
        frame = pd.DataFrame({
            "source": "experiment", "n": sizes.ravel(), "k": widths.ravel(),
            "ridge": self.ridge.ravel(), "test_mse": self.test_mse.ravel(),
            "grid_ridge": self.grid_ridge.ravel(), "grid_test_mse": self.grid_test_mse.ravel(),
            "grid_test_mse_sem": self.grid_test_mse_sem.ravel(),
            "on_boundary": self.on_boundary.ravel()})
        for key, value in settings.items():
            frame[key] = value
        return frame


@dataclass(frozen=True, eq=False)
class MeasuredRFLearningCurve:
    """RF ridge-regression errors; arrays of shape (n_trials, len(n), len(k), len(ridge)).

    Attributes
    ----------
    n, k, ridge : ndarray
        The grids, sorted and without repeats.
    noise : float
        Label-noise variance per output added to training and test labels.
    test_mse : ndarray
        Mean squared error on the test points (noisy labels when ``noise > 0``), summed over
        outputs.
    train_mse : ndarray
        Mean squared error on the training points against their (noisy) labels.
    test_size : int
        Test points per trial.
    pool_size : int or None
        M for a held-out pool; None when every trial draws fresh points from a design.
    features : str
        The feature map's name (``"relu"``, ``"fourier"``, ``"gaussian"``).
    feature_params : dict
    dtype : str
    """

    n: np.ndarray
    k: np.ndarray
    ridge: np.ndarray
    noise: float
    test_mse: np.ndarray
    train_mse: np.ndarray
    test_size: int
    pool_size: int | None
    features: str
    feature_params: dict
    dtype: str

    def to_frame(self, **settings):
        """Tidy table: one row per (trial, n, k, ridge), ``source = "experiment"``."""
        import pandas as pd

        trials, sizes, widths, ridges = np.meshgrid(
            np.arange(self.test_mse.shape[0]), self.n, self.k, self.ridge, indexing="ij")
        frame = pd.DataFrame({
            "source": "experiment", "n": sizes.ravel(), "k": widths.ravel(),
            "ridge": ridges.ravel(), "noise": self.noise, "trial": trials.ravel(),
            "test_mse": self.test_mse.ravel(), "train_mse": self.train_mse.ravel(),
            "test_size": self.test_size,
            "test_points": "fresh" if self.pool_size is None else "held-out",
            "pool_size": self.pool_size, "features": self.features, "dtype": self.dtype})
        for key, value in settings.items():
            frame[key] = value
        return frame

    def optimal_ridge(self) -> MeasuredOptimalRidge:
        """The ridge minimising the trial-averaged test MSE per (n, k); see the record."""
        mean = self.test_mse.mean(axis=0)
        trials = self.test_mse.shape[0]
        sem = (self.test_mse.std(axis=0, ddof=1) / math.sqrt(trials) if trials > 1
               else np.full_like(mean, np.nan))
        best = np.argmin(mean, axis=-1)
        grid_ridge = self.ridge[best]
        grid_mse = np.take_along_axis(mean, best[..., None], axis=-1)[..., 0]
        grid_sem = np.take_along_axis(sem, best[..., None], axis=-1)[..., 0]
        ridge, value = grid_ridge.copy(), grid_mse.copy()
        last = self.ridge.size - 1
        for index in np.ndindex(best.shape):
            i = int(best[index])
            if i == 0 or i == last or self.ridge[i - 1] <= 0:
                continue
            u = np.log(self.ridge[i - 1:i + 2])
            f = np.log(mean[index][i - 1:i + 2])
            curvature, slope, intercept = np.polyfit(u - u[1], f, 2)
            if curvature <= 0:
                continue
            vertex = np.clip(-slope / (2 * curvature), u[0] - u[1], u[2] - u[1])
            ridge[index] = math.exp(u[1] + vertex)
            value[index] = min(math.exp(intercept + vertex * (slope + curvature * vertex)),
                               grid_mse[index])
        return MeasuredOptimalRidge(
            n=self.n, k=self.k, ridge=ridge, test_mse=value, grid_ridge=grid_ridge,
            grid_test_mse=grid_mse, grid_test_mse_sem=grid_sem,
            on_boundary=(best == 0) | (best == last))


# ---------------------------------------------------------------------- the measurement
def _grid(value, name: str) -> np.ndarray:
    array = as_float_array(value, name).ravel()
    if array.size == 0 or np.any(array < 1) or np.any(array != np.round(array)):
        raise ValueError(f"`{name}` must hold positive whole numbers; got {array.tolist()}.")
    return np.unique(array.astype(np.int64))


def measure_rf_learning_curve(feature_map: RandomFeatureMap, data, *, n, k, ridge,
                              trials: int = 5, noise=0.0, test_size: int | None = None,
                              seed=0, dtype=None, device=None,
                              progress: Progress | None = None) -> MeasuredRFLearningCurve:
    r"""Measure random-feature ridge regression's test and train MSE over grids of n, k, ridge.

    The estimator is KRR with the random kernel :math:`\hat K = \Phi\Phi^\top / k` (spec
    §3.1): :math:`\hat f(x) = \hat K_{xD}(\hat K_{DD} + \delta I_n)^{-1} y`, with an absolute
    ridge :math:`\delta` on the raw :math:`n \times n` matrix.

    Each trial draws

    1. data: ``data.sample`` fresh points (a :class:`GaussianDesign`; test points are fresh
       too, so no finite-pool correction applies, spec errata 11), or a random permutation of
       the pool ``data = (inputs, targets)`` whose first ``max(n)`` points are the candidate
       training points and whose next ``test_size`` points are held out for testing;
    2. label noise (variance ``noise``) on training and test labels;
    3. one pool of ``max(k)`` features. The training set of size n is the first n training
       points and the k features are the first k of the pool (rescaled: :math:`\hat K` divides
       by k), so within a trial the grid is nested, as in P3's experiments.

    For each (n, k), with :math:`A = \Phi_{nk}/\sqrt k`, the smaller of :math:`A^\top A`
    (k x k) and :math:`AA^\top` (n x n) is eigendecomposed once, giving the nonzero squared
    singular values :math:`s_r^2` of A, the coefficients :math:`c = U^\top y` and the
    projected test kernel :math:`Q = \hat K_{TD} U`. Then for every ridge

    .. math::

        \hat f_T = Q\,\mathrm{diag}\Big(\frac{1}{s^2 + \delta}\Big) c, \qquad
        \|y - \hat f_D\|^2 = \|y - Uc\|^2 + \sum_r \Big(\frac{\delta}{s_r^2 + \delta}\Big)^2
        c_r^2,

    which costs :math:`O(T\,\min(n, k))` per ridge. Ridge 0 is the minimum-norm
    (pseudo-inverse) solution: squared singular values at or below
    :math:`\max(n, k)\,\varepsilon\,s_{max}^2` (:math:`\varepsilon` the dtype's machine
    epsilon) count as zero, for every ridge.

    Parameters
    ----------
    feature_map : RandomFeatureMap
        :class:`ReluRandomFeatures`, :class:`RandomFourierFeatures`,
        :class:`GaussianRandomFeatures`.
    data : GaussianDesign or tuple (inputs, targets)
        Fresh points per trial, or a pool: inputs of shape (M, d) and clean targets of shape
        (M,) or (M, n_outputs).
    n : array-like of int
        Training-set sizes (for a pool, ``max(n) < M``).
    k : array-like of int
        Numbers of features.
    ridge : array-like
        Ridges :math:`\delta \ge 0`.
    trials : int, default 5
    noise : float, default 0
        Variance of Gaussian label noise, added independently to training and test labels.
    test_size : int, optional
        Test points per trial; default 1000 (for a pool, at most ``M - max(n)``).
    seed : int or numpy.random.Generator, default 0
    dtype : torch.float64 or torch.float32, default float64
        Of the features, the Gram matrices and their eigendecompositions. In float32 the
        ridgeless peak (k close to n at ridge 0) is not resolved: use float64 there.
    device : str or torch.device, default "cpu"
    progress : callable(done, total), optional
        Called after each (trial, k).

    Returns
    -------
    MeasuredRFLearningCurve
        Errors of shape (trials, len(n), len(k), len(ridge)), ``optimal_ridge()`` and
        ``to_frame()``.

    Notes
    -----
    Cost per trial: evaluating :math:`(\max n + T) \times \max k` features, then per (n, k)
    one Gram matrix (:math:`nk\min(n, k)`), one eigendecomposition (:math:`\min(n, k)^3`)
    and the test projection (:math:`Tk\min(n, k)`), then :math:`O(T\min(n, k))` per ridge.
    A fit per (n, k, ridge) with fresh features costs a feature evaluation and an
    :math:`n^3` solve each. Memory: the :math:`(\max n + T) \times \max k` feature matrix.

    References
    ----------
    Simon, Karkada, Ghosh, Belkin, "More is better in modern machine learning: when infinite
    overparameterization is optimal and overfitting is obligatory", ICLR 2024,
    arXiv:2311.14646 (spec §3).

    Examples
    --------
    >>> import numpy as np
    >>> from eigenlab.experiments import GaussianDesign, GaussianRandomFeatures
    >>> i = np.arange(1, 201)
    >>> design = GaussianDesign(i**-1.5, i**-0.75)
    >>> curve = measure_rf_learning_curve(GaussianRandomFeatures(), design, n=[50],
    ...                                   k=[10, 50, 200], ridge=[0.0, 1e-2], trials=3,
    ...                                   noise=0.5, test_size=200)
    >>> curve.test_mse.shape
    (3, 1, 3, 2)
    >>> peak = curve.test_mse.mean(axis=0)[0, :, 0]      # ridge 0: the peak at k = n
    >>> bool(peak[1] > 3 * max(peak[0], peak[2]))
    True
    """
    import torch

    if not isinstance(feature_map, RandomFeatureMap):
        raise TypeError(f"`feature_map` must be a RandomFeatureMap (ReluRandomFeatures, "
                        f"RandomFourierFeatures, GaussianRandomFeatures); got "
                        f"{type(feature_map).__name__}.")
    sizes, widths = _grid(n, "n"), _grid(k, "k")
    ridges = np.unique(check_nonnegative(ridge, "ridge").ravel())
    if ridges.size == 0:
        raise ValueError("`ridge` must list at least one ridge; got an empty array.")
    noise = float(check_nonnegative(noise, "noise"))
    trials = _count(trials, "trials")
    dtype, device = _resolve(dtype, device)
    largest, widest = int(sizes[-1]), int(widths[-1])

    pool_inputs = pool_targets = None
    if isinstance(data, GaussianDesign):
        available, input_dim, pool_size = None, data.input_dim, None
    elif isinstance(data, tuple | list) and len(data) == 2:
        pool_inputs = as_float_array(data[0].cpu().numpy() if hasattr(data[0], "cpu")
                                     else data[0], "inputs", ndim=(2,))
        pool_targets = as_float_array(data[1].cpu().numpy() if hasattr(data[1], "cpu")
                                      else data[1], "targets", ndim=(1, 2))
        pool_size, input_dim = pool_inputs.shape
        if pool_targets.shape[0] != pool_size:
            raise ValueError(f"`targets` must have one row per input ({pool_size}); got shape "
                             f"{pool_targets.shape}.")
        if largest >= pool_size:
            raise ValueError(f"`n` must be smaller than the pool ({pool_size} points) so that "
                             f"points are left to test on; got n = {largest}.")
        available = pool_size - largest
    else:
        raise TypeError("`data` must be a GaussianDesign or a pair (inputs, targets); got "
                        f"{type(data).__name__}.")
    default = 1000 if available is None else min(1000, available)
    test_size = default if test_size is None else test_size
    if isinstance(test_size, bool) or not isinstance(test_size, Integral) or not (
            1 <= test_size <= (available or test_size)):
        limit = "" if available is None else f" and <= {available} (the pool minus max(n))"
        raise ValueError(f"`test_size` must be an integer >= 1{limit}; got {test_size!r}.")
    test_size = int(test_size)

    rng = np.random.default_rng(seed)
    test = np.empty((trials, sizes.size, widths.size, ridges.size))
    train = np.empty_like(test)
    total = trials * widths.size
    for t in range(trials):
        if pool_inputs is None:
            x, y = data.sample(largest + test_size, seed=rng)
        else:
            order = rng.permutation(pool_size)[:largest + test_size]
            x, y = pool_inputs[order], pool_targets[order]
        y = y[:, None] if y.ndim == 1 else y
        if noise > 0:
            y = y + math.sqrt(noise) * rng.standard_normal(y.shape)
        draw = feature_map.sample(widest, input_dim, seed=rng, dtype=dtype, device=device)
        x = torch.as_tensor(x, dtype=dtype, device=device)
        labels = torch.as_tensor(y, dtype=dtype, device=device)
        phi = draw.features(x)
        del x

        def report(done_k, t=t):
            if progress is not None:
                progress(t * widths.size + done_k, total)

        test[t], train[t] = _nested_errors(phi[:largest], labels[:largest], phi[largest:],
                                           labels[largest:], sizes, widths, ridges, report)
    return MeasuredRFLearningCurve(
        n=sizes, k=widths, ridge=ridges, noise=noise, test_mse=test, train_mse=train,
        test_size=test_size, pool_size=pool_size, features=feature_map.name,
        feature_params=feature_map.params, dtype=str(dtype).replace("torch.", ""))


def _nested_errors(phi_train, y_train, phi_test, y_test, sizes, widths, ridges, report=None):
    """Test and train MSE, shape (len n, len k, len ridge), from nested rows and columns.

    ``phi_*`` are raw feature matrices (random kernel ``phi phi^T / k``); the training set of
    size n is the first n rows and the k features the first k columns. One eigendecomposition
    per (n, k) of the smaller Gram matrix; see :func:`measure_rf_learning_curve`.
    """
    import torch

    dtype = phi_train.dtype
    eps = torch.finfo(dtype).eps
    delta = torch.as_tensor(ridges, dtype=dtype, device=phi_train.device)
    test = np.empty((sizes.size, widths.size, ridges.size))
    train = np.empty_like(test)
    for b, k in enumerate(widths):
        k = int(k)
        phi_test_k = phi_test[:, :k]
        for a, n in enumerate(sizes):
            n = int(n)
            features = phi_train[:n, :k]
            y = y_train[:n]
            if k <= n:
                values, vectors = torch.linalg.eigh((features.mT @ features).div_(k))
                keep = values > max(n, k) * eps * values[-1].clamp(min=0)
                values, vectors = values[keep], vectors[:, keep]
                root = values.sqrt()
                # U = A V / s with A = features / sqrt(k); Q = K_TD U = B V s.
                left = (features @ vectors).div_(root * math.sqrt(k))
                projected = (phi_test_k @ vectors).mul_(root / math.sqrt(k))
            else:
                values, left = torch.linalg.eigh((features @ features.mT).div_(k))
                keep = values > max(n, k) * eps * values[-1].clamp(min=0)
                values, left = values[keep], left[:, keep]
                projected = ((phi_test_k @ features.mT).div_(k)) @ left
            coeffs = left.mT @ y
            residual = float((y - left @ coeffs).square().sum())
            shrink = 1.0 / (values[:, None] + delta[None, :])
            predictions = torch.einsum("tr,rR,ro->tRo", projected, shrink, coeffs)
            errors = (predictions - y_test[:, None, :]).square().sum(dim=2).mean(dim=0)
            fitted = ((delta[None, :] * shrink).square() * coeffs.square().sum(dim=1)[:, None])
            test[a, b] = errors.cpu().numpy()
            train[a, b] = (residual + fitted.sum(dim=0).cpu().numpy()) / n
        if report is not None:
            report(b + 1)
    return test, train
