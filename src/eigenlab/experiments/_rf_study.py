"""The random-feature study behind ``eigenlab rf``: measured RF ridge regression over a grid
of (n, k, ridge) against the random-feature eigenframework, with the optimal ridge."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

__all__ = ["RFConfig", "RFResult", "run_rf"]

Progress = Callable[[int, int, str], None]
_FEATURES = ("relu", "fourier", "gaussian")


@dataclass(frozen=True)
class RFConfig:
    """One random-feature study.

    Attributes
    ----------
    data : str
        ``"planted"`` (Gaussian inputs with :math:`\\lambda_i = i^{-\\alpha}`, :math:`v_i^2 =
        i^{-\\beta}`, fresh test points, exact eigensystem; needs no download) or a dataset
        name (a pool of its samples, centred and scaled to unit mean squared norm; theory
        from the pool's eigensystem of the features' limiting kernel, corrected to the
        held-out points).
    features : str
        ``"gaussian"`` (planted data only: linear Gaussian features, whose kernel is the
        planted one), ``"relu"`` (relu(w . x + b), the one-layer ReLU NNGP with weight
        variance ``weight_variance`` and bias variance ``bias_variance``) or ``"fourier"``
        (random Fourier features of the Gaussian kernel of width ``width``).
    alpha, beta : float
        Planted spectrum exponents.
    modes : int
        Planted input dimension (number of modes).
    target, pool, data_dir : str, int, str or None
        Dataset: the binary target (see :class:`CurveConfig`), the pool size, where the
        files are.
    width, weight_variance, bias_variance : float
    n, k : tuple of int
        Training sizes and feature counts: their product is measured.
    ridges : tuple of float
        Ridges measured (each k, n uses one eigendecomposition for all of them).
    trials : int
    noise : float
        Label-noise variance.
    test_size : int
    dtype : str
        ``"float64"`` or ``"float32"`` (features and solves).
    seed : int
    """

    data: str = "planted"
    features: str = "gaussian"
    alpha: float = 1.5
    beta: float = 1.5
    modes: int = 4000
    target: str = "even-odd"
    pool: int = 3000
    data_dir: str | None = None
    width: float = 1.0
    weight_variance: float = 2.0
    bias_variance: float = 0.0
    n: tuple[int, ...] = (256,)
    k: tuple[int, ...] = (10, 20, 40, 80, 160, 256, 320, 640, 1280, 2560)
    ridges: tuple[float, ...] = tuple(float(r) for r in np.geomspace(1e-3, 1e2, 11))
    trials: int = 5
    noise: float = 0.5
    test_size: int = 1000
    dtype: str = "float64"
    seed: int = 0

    def __post_init__(self):
        from ..data import available_datasets

        if self.data != "planted" and self.data not in available_datasets():
            raise ValueError(f"`data` must be 'planted' or a dataset "
                             f"({', '.join(available_datasets())}); got {self.data!r}.")
        if self.features not in _FEATURES:
            raise ValueError(f"`features` must be one of {', '.join(_FEATURES)}; got "
                             f"{self.features!r}.")
        if (self.data == "planted") != (self.features == "gaussian"):
            raise ValueError("`features` must be 'gaussian' exactly when `data` is 'planted' "
                             "(their limiting kernel is the planted one; ReLU and Fourier "
                             f"features need a dataset); got data={self.data!r}, "
                             f"features={self.features!r}.")
        for key in ("n", "k", "ridges"):
            value = getattr(self, key)
            if isinstance(value, list | np.ndarray):
                object.__setattr__(self, key, tuple(value))
            if not getattr(self, key):
                raise ValueError(f"`{key}` must list at least one value; got {value!r}.")
        if min(self.n) < 1 or min(self.k) < 1:
            raise ValueError(f"`n` and `k` must list sizes >= 1; got {self.n!r} and "
                             f"{self.k!r}.")
        if min(self.ridges) < 0:
            raise ValueError(f"`ridges` must be >= 0; got {self.ridges!r}.")
        if self.alpha <= 1 or self.beta <= 0:
            raise ValueError(f"`alpha` must be > 1 and `beta` > 0; got {self.alpha} and "
                             f"{self.beta}.")
        if self.dtype not in ("float64", "float32"):
            raise ValueError(f"`dtype` must be 'float64' or 'float32'; got {self.dtype!r}.")
        if self.trials < 1 or self.test_size < 1 or self.noise < 0 or self.width <= 0:
            raise ValueError("`trials` and `test_size` must be >= 1, `noise` >= 0 and `width` "
                             f"> 0; got {self.trials}, {self.test_size}, {self.noise}, "
                             f"{self.width}.")
        if self.data != "planted" and max(self.n) + self.test_size > self.pool:
            raise ValueError(f"`pool` ({self.pool}) must hold the largest n ({max(self.n)}) "
                             f"plus `test_size` ({self.test_size}).")


@dataclass(frozen=True, eq=False)
class RFResult:
    """What :func:`run_rf` returns.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per (source, n, k, ridge, trial): ``source`` is ``experiment`` (per trial)
        or ``theory`` (trial NaN), with ``test_mse`` and ``train_mse``.
    optimal : pandas.DataFrame
        One row per (source, n, k): the optimal ridge and its test MSE, measured (the grid
        minimum, refined) and predicted (``eigenlab.theory.optimal_ridge``, ridge 0 and
        infinity included).
    agreement : float
        Median over (n, k, ridge) of |log(predicted / measured mean test MSE)|.
    more_is_better : dict
        At the measured optimal ridge: ``"k"`` and ``"n"``, the largest rise of test MSE
        along that axis in units of its standard error (<= 2: non-increasing within noise).
    description : str
    config : RFConfig
    theory_curves : pandas.DataFrame
        The prediction on a fine grid (``along = "k"``: every k for each measured n;
        ``along = "n"``: every n for each measured k), each ridge, for plots.
    timings : dict
    """

    frame: object
    optimal: object
    agreement: float
    more_is_better: dict
    description: str
    config: RFConfig
    theory_curves: object = None
    timings: dict = field(default_factory=dict)


def _setup(config: RFConfig):
    """(feature map, data for the measurement, eigensystem, pool size or None, name)."""
    import torch

    from ..spectra import gram_eigensystem
    from ._feature_maps import (
        GaussianDesign,
        GaussianRandomFeatures,
        RandomFourierFeatures,
        ReluRandomFeatures,
    )

    if config.data == "planted":
        index = np.arange(1, config.modes + 1, dtype=float)
        design = GaussianDesign(index ** -config.alpha, index ** (-config.beta / 2))
        return (GaussianRandomFeatures(), design, design.eigensystem, None,
                f"planted: lambda_i = i^-{config.alpha:g}, v_i^2 = i^-{config.beta:g}")
    from ._curve import _dataset_pool

    x, y, name = _dataset_pool(config.data, config.target, config.pool, seed=config.seed,
                              data_dir=config.data_dir)
    if config.features == "relu":
        feature_map = ReluRandomFeatures(weight_variance=config.weight_variance,
                                         bias_variance=config.bias_variance)
    else:
        feature_map = RandomFourierFeatures(width=config.width)
    gram = feature_map.kernel(torch.as_tensor(x, dtype=torch.float64))
    return (feature_map, (x, y), gram_eigensystem(gram, y), config.pool,
            f"{name}, {config.features} features")


def run_rf(config: RFConfig, *, progress: Progress | None = None) -> RFResult:
    r"""Measure random-feature ridge regression over (n, k, ridge) and predict it.

    The measurement is :func:`measure_rf_learning_curve` (nested features and training
    sets, one eigendecomposition per (n, k) for every ridge); the prediction is
    :func:`eigenlab.theory.rf_learning_curve` on the eigensystem of the features' limiting
    kernel (Simon, Karkada, Ghosh, Belkin, "More is better", ICLR 2024, arXiv:2311.14646).
    On a dataset pool the test points are the pool's held-out points and the prediction is
    corrected to them from the pool population (with the label-noise term, see
    ``run_curve``). At the optimal ridge, theory says test MSE is non-increasing in both k
    and n; :attr:`RFResult.more_is_better` reports how far the measurement departs from it.
    """
    import pandas as pd
    import torch

    from .. import __version__
    from ..theory import optimal_ridge, rf_learning_curve
    from ._curve import held_out_prediction
    from ._random_features import measure_rf_learning_curve

    def report(done, total, stage):
        if progress is not None:
            progress(done, total, stage)

    timings = {}
    start = time.perf_counter()
    report(0, 1, "data and eigensystem")
    feature_map, data, eigensystem, pool, description = _setup(config)
    timings["setup"] = time.perf_counter() - start

    start = time.perf_counter()
    measured = measure_rf_learning_curve(
        feature_map, data, n=config.n, k=config.k, ridge=config.ridges, trials=config.trials,
        noise=config.noise, test_size=config.test_size, seed=config.seed,
        dtype=getattr(torch, config.dtype),
        progress=lambda done, total: report(done, total, "measuring"))
    timings["measure"] = time.perf_counter() - start

    start = time.perf_counter()
    report(0, 1, "theory")
    n, k, ridge = (measured.n[:, None, None], measured.k[None, :, None],
                   measured.ridge[None, None, :])
    curve = rf_learning_curve(eigensystem, n, k, ridge=ridge, noise=config.noise)
    predicted = np.broadcast_to(curve.test_mse, measured.test_mse.shape[1:])
    if pool is not None:
        predicted = held_out_prediction(curve, n, float(pool),
                                      config.noise * eigensystem.n_outputs)
    best = optimal_ridge(eigensystem, measured.n[:, None], k=measured.k[None, :],
                         noise=config.noise)
    dense = _dense_theory(eigensystem, measured, pool, config.noise)
    timings["theory"] = time.perf_counter() - start

    settings = {key: value for key, value in asdict(config).items()
                if not isinstance(value, tuple)}
    settings.update(description=description, eigenlab_version=__version__)
    theory_rows = pd.DataFrame({
        "source": "theory", "n": np.broadcast_to(n, predicted.shape).ravel(),
        "k": np.broadcast_to(k, predicted.shape).ravel(),
        "ridge": np.broadcast_to(ridge, predicted.shape).ravel(), "trial": np.nan,
        "test_mse": predicted.ravel(),
        "train_mse": np.broadcast_to(curve.train_mse, predicted.shape).ravel()})
    frame = pd.concat([theory_rows, measured.to_frame().drop(
        columns=["noise", "features", "dtype"])], ignore_index=True)
    for key, value in settings.items():
        frame[key] = value

    measured_best = measured.optimal_ridge()
    theory_best = pd.DataFrame({
        "source": "theory", "n": np.broadcast_to(measured.n[:, None], best.ridge.shape).ravel(),
        "k": np.broadcast_to(measured.k[None, :], best.ridge.shape).ravel(),
        "ridge": best.ridge.ravel(), "test_mse": best.test_mse.ravel()})
    if pool is not None:  # the theory's optimum is for the pool population: label it so
        theory_best["note"] = "pool population (uncorrected)"
    optimal = pd.concat([measured_best.to_frame(), theory_best], ignore_index=True)
    for key, value in settings.items():
        optimal[key] = value

    mean = measured.test_mse.mean(axis=0)
    ok = (predicted > 0) & (mean > 0)
    agreement = float(np.median(np.abs(np.log(predicted[ok] / mean[ok]))))
    return RFResult(frame=frame, optimal=optimal, agreement=agreement,
                    more_is_better=_monotone_check(measured_best), description=description,
                    config=config, theory_curves=dense, timings=timings)


def _dense_theory(eigensystem, measured, pool, noise):
    """The theory on a fine grid (every integer up to 400, then 400 log-spaced values) along
    k for each measured n and along n for each measured k, every ridge: the double-descent
    peak at k = n is sharp and a plot of the measured grid alone would miss it."""
    import pandas as pd

    from ..theory import rf_learning_curve
    from ._curve import held_out_prediction

    def fine(low, high):
        return np.unique(np.concatenate([np.arange(low, min(high, 400) + 1), np.geomspace(
            low, high, 400).round()]))

    frames = []
    for axis, values, others in (("k", fine(measured.k[0], measured.k[-1]), measured.n),
                                 ("n", fine(measured.n[0], measured.n[-1]), measured.k)):
        if values.size < 2:
            continue
        grid = values[:, None, None]
        fixed = others[None, :, None]
        ridge = measured.ridge[None, None, :]
        n, k = (fixed, grid) if axis == "k" else (grid, fixed)
        if pool is not None:
            keep = values < pool
            grid, values = grid[keep], values[keep]
            n, k = (fixed, grid) if axis == "k" else (grid, fixed)
        curve = rf_learning_curve(eigensystem, n, k, ridge=ridge, noise=noise)
        predicted = np.broadcast_to(curve.test_mse, (values.size, others.size, ridge.size))
        if pool is not None:
            predicted = held_out_prediction(curve, n, float(pool),
                                          noise * eigensystem.n_outputs)
        shape = predicted.shape
        frames.append(pd.DataFrame({
            "along": axis, "n": np.broadcast_to(n, shape).ravel(),
            "k": np.broadcast_to(k, shape).ravel(),
            "ridge": np.broadcast_to(ridge, shape).ravel(), "test_mse": predicted.ravel()}))
    return pd.concat(frames, ignore_index=True)


def _monotone_check(best) -> dict:
    """Largest rise of the optimal-ridge test MSE along k and along n, in standard errors."""
    mse, sem = best.grid_test_mse, best.grid_test_mse_sem
    out = {}
    for axis, name in ((1, "k"), (0, "n")):
        if mse.shape[axis] < 2:
            out[name] = math.nan
            continue
        rise = np.diff(mse, axis=axis)
        scale = np.hypot(np.delete(sem, -1, axis=axis), np.delete(sem, 0, axis=axis))
        with np.errstate(divide="ignore", invalid="ignore"):
            out[name] = float(np.nanmax(np.where(scale > 0, rise / scale, np.sign(rise) *
                                                 np.inf)))
    return out
