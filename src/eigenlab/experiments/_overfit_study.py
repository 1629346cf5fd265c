"""The overfitting study behind ``eigenlab overfit``: E0 along n, measured three ways and
predicted, per kernel; noise sensitivity of KRR and of a trained MLP."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

__all__ = ["OverfitConfig", "OverfitResult", "run_overfit"]

Progress = Callable[[int, int, str], None]
_KERNELS = ("gaussian", "laplace")


@dataclass(frozen=True)
class OverfitConfig:
    """One overfitting study.

    Attributes
    ----------
    domain : str
        ``"sphere"`` (uniform points on :math:`S^{d-1}`, fresh test points, theory from the
        exact sphere eigensystem; needs no download) or a dataset name known to
        :func:`eigenlab.data.load_dataset` (a pool of its samples, centred and scaled to unit
        mean squared norm; theory from the pool's Gram eigensystem).
    dim : int
        Sphere: the ambient dimension d >= 3.
    kernels : tuple of str
        ``"gaussian"`` and/or ``"laplace"``.
    width : float
        Kernel width (eigenlab's convention; for data in units of its RMS norm).
    n : tuple of int
        Training sizes.
    trials : int
    test_size : int
        Held-out points per trial.
    noise : tuple of float
        Label-noise variances for the noise-sensitivity curves (at least two).
    target : str
        Dataset domain: the binary target (see :class:`CurveConfig`). Sphere: a unit-variance
        degree-2 harmonic, :math:`\\sqrt{d(d+2)}\\,x_1 x_2`.
    pool : int
        Dataset domain: the points whose Gram eigensystem is the theory's population.
    mlp : bool
        Also train ReLU MLPs to interpolation on noisy labels (slow: minutes).
    mlp_width, mlp_depth, mlp_steps : int
    mlp_sizes : tuple of int
        Training sizes for the MLP (default: the two largest of ``n``).
    data_dir : str or None
    seed : int
    """

    domain: str = "sphere"
    dim: int = 10
    kernels: tuple[str, ...] = ("laplace", "gaussian")
    width: float = 1.0
    n: tuple[int, ...] = (25, 50, 100, 200, 400, 800)
    trials: int = 4
    test_size: int = 1500
    noise: tuple[float, ...] = (0.0, 0.5, 1.0)
    target: str = "even-odd"
    pool: int = 5000
    mlp: bool = False
    mlp_width: int = 512
    mlp_depth: int = 2
    mlp_steps: int = 2000
    mlp_sizes: tuple[int, ...] | None = None
    data_dir: str | None = None
    seed: int = 0

    def __post_init__(self):
        from ..data import available_datasets

        if self.domain != "sphere" and self.domain not in available_datasets():
            raise ValueError(f"`domain` must be 'sphere' or a dataset "
                             f"({', '.join(available_datasets())}); got {self.domain!r}.")
        kernels = self.kernels
        if isinstance(kernels, str):
            kernels = tuple(k.strip() for k in kernels.split(",") if k.strip())
        object.__setattr__(self, "kernels", tuple(kernels))
        if not self.kernels or any(k not in _KERNELS for k in self.kernels):
            raise ValueError(f"`kernels` must list kernels among {_KERNELS}; got "
                             f"{self.kernels!r}.")
        for key in ("n", "noise", "mlp_sizes"):
            value = getattr(self, key)
            if isinstance(value, list | np.ndarray):
                object.__setattr__(self, key, tuple(value))
        if self.domain == "sphere" and self.dim < 3:
            raise ValueError(f"`dim` must be >= 3 (the sphere S^(d-1)); got {self.dim}.")
        if self.width <= 0:
            raise ValueError(f"`width` must be > 0; got {self.width}.")
        if not self.n or min(self.n) < 1:
            raise ValueError(f"`n` must list sizes >= 1; got {self.n!r}.")
        if self.trials < 1 or self.test_size < 1:
            raise ValueError(f"`trials` and `test_size` must be >= 1; got {self.trials} and "
                             f"{self.test_size}.")
        if len(set(self.noise)) < 2 or min(self.noise) < 0:
            raise ValueError(f"`noise` must list at least two distinct variances >= 0; got "
                             f"{self.noise!r}.")
        if self.domain != "sphere" and max(self.n) + self.test_size > self.pool:
            raise ValueError(f"`pool` ({self.pool}) must hold the largest n ({max(self.n)}) "
                             f"plus `test_size` ({self.test_size}).")

    @property
    def mlp_n(self) -> tuple[int, ...]:
        return self.mlp_sizes or tuple(sorted(self.n)[-2:])


@dataclass(frozen=True, eq=False)
class OverfitResult:
    """What :func:`run_overfit` returns.

    Attributes
    ----------
    coefficients : pandas.DataFrame
        One row per (kernel, method, n, trial): ``overfitting_coefficient`` measured by
        ``noise-fit``, the data-only ``estimator``, or predicted (``theory``, trial NaN).
    sensitivity : pandas.DataFrame
        One row per (learner, kernel, n, noise, trial): test MSE against clean targets and
        train MSE against the noisy labels (``learner`` = ``krr`` or ``mlp``).
    slopes : pandas.DataFrame
        Per (learner, kernel, n): the excess test MSE per unit noise variance (E0 - 1 for
        KRR) read from ``sensitivity``.
    regimes : dict
        Per kernel, a sentence: the eigenframework's verdict (benign, tempered,
        catastrophic) from :func:`eigenlab.theory.overfitting_regime` on the sphere's
        spectrum along n, as far as float64 resolves it, with its evidence.
    config : OverfitConfig
    timings : dict
    """

    coefficients: object
    sensitivity: object
    slopes: object
    regimes: dict
    config: OverfitConfig
    timings: dict = field(default_factory=dict)


def _domain(config: OverfitConfig, size: int):
    """(inputs, clean targets, description) for the study's pool of ``size`` points."""
    from ._curve import _dataset_pool
    from ._overfitting import sphere_points

    if config.domain == "sphere":
        x = sphere_points(size, config.dim, seed=config.seed)
        y = np.sqrt(config.dim * (config.dim + 2.0)) * x[:, 0] * x[:, 1]
        return x, y, f"uniform on S^{config.dim - 1}"
    return _dataset_pool(config.domain, config.target, size, seed=config.seed,
                        data_dir=config.data_dir)


def _theory(config: OverfitConfig, kernel, gram, sizes: np.ndarray):
    """(E0 at ``sizes``, the regime or None, a sentence on the regime)."""
    import warnings

    from ..spectra import gram_eigensystem, hypersphere_eigensystem
    from ..theory import krr_learning_curve, overfitting_regime

    if config.domain == "sphere":
        degrees = 200 if config.dim <= 4 else 60
        with warnings.catch_warnings():  # sharply decaying spectra: round-off, reported
            warnings.simplefilter("ignore")
            eigensystem = hypersphere_eigensystem(kernel.profile, config.dim,
                                                  max_degree=degrees,
                                                  n_quadrature=4 * degrees + 400)
    else:
        eigensystem = gram_eigensystem(gram)
    if config.domain != "sphere":
        # Noise fitting on the pool's held-out points: pure unit noise, so the pool-
        # population prediction E0 is corrected to held-out points like run_curve's.
        from ._curve import held_out_prediction

        curve = krr_learning_curve(eigensystem, sizes, ridge=0.0, noise=1.0)
        predicted = held_out_prediction(curve, sizes, float(gram.shape[0]), 1.0)
        return predicted, None, ("regime: not classified (a pool's Gram spectrum has finite "
                                 "rank; use the sphere domain for the limit)")
    predicted = np.asarray(krr_learning_curve(eigensystem, sizes, ridge=0.0)
                           .overfitting_coefficient, dtype=float)
    # The path stays 20x below the number of eigenfunctions whose eigenvalues are resolved
    # in float64: beyond that the listed spectrum is a finite-rank kernel and E0 falls back
    # to 1 whatever the true spectrum does.
    rank = float(eigensystem.multiplicities[eigensystem.eigenvalues > 0].sum())
    if rank / 20 < 10 ** 2.5:
        return predicted, None, (f"regime: undetermined (only {rank:.0f} eigenfunctions "
                                 "resolved in float64: the spectrum decays too fast to follow "
                                 "E0 far in n)")
    regime = overfitting_regime(eigensystem, np.geomspace(10, rank / 20, 30))
    limit = "grows without bound" if regime.verdict == "catastrophic" else (
        f"limit {regime.limit:.3f}")
    path = regime.overfitting_coefficient
    return predicted, regime, (f"regime: {regime.verdict} (E0 from {path[0]:.3f} at n = 10 "
                               f"to {path[-1]:.3f} at n = {regime.n[-1]:.3g}; {limit}; "
                               f"log-log slope over the last decade "
                               f"{regime.growth_exponent:.3f})")


def run_overfit(config: OverfitConfig, *, progress: Progress | None = None) -> OverfitResult:
    r"""Measure and predict ridgeless overfitting along n, per kernel (and for an MLP).

    For each kernel, on one pool of points: :math:`\mathcal{E}_0` by noise fitting and by
    the data-only estimator (:func:`measure_overfitting_coefficient`), the eigenframework's
    prediction at ridge 0 from the domain's eigensystem, and KRR's noise sensitivity on the
    clean target (:func:`krr_noise_sensitivity`); optionally a ReLU MLP trained to
    interpolation on the same noisy labels (:func:`mlp_noise_sensitivity`). Benign: E0 tends
    to 1; tempered: to a constant above 1; catastrophic: it grows without bound (Mallinar,
    Simon et al. 2022, arXiv:2207.06569).
    """
    import pandas as pd
    import torch

    from ..kernels import get_kernel
    from ._overfitting import krr_overfitting, mlp_noise_sensitivity

    def report(done, total, stage):
        if progress is not None:
            progress(done, total, stage)

    timings: dict = {}
    size = (max(config.n) + config.test_size if config.domain == "sphere" else config.pool)
    start = time.perf_counter()
    report(0, 1, "loading data")
    x, y, description = _domain(config, size)
    timings["load"] = time.perf_counter() - start
    sizes = np.asarray(sorted(set(config.n)), dtype=float)
    settings = {"domain": config.domain, "description": description, "width": config.width}
    coefficients, sensitivity, regimes = [], [], {}
    for k, name in enumerate(config.kernels):
        start = time.perf_counter()
        kernel = get_kernel(name, width=config.width)
        report(k, len(config.kernels), f"{name}: Gram matrix")
        gram = kernel(torch.as_tensor(x, dtype=torch.float64))
        report(k, len(config.kernels), f"{name}: noise fitting and noise sensitivity")
        # One eigendecomposition per training block serves both measurements.
        measured, noisy = krr_overfitting(
            gram, y, n=sizes, noise=config.noise, trials=config.trials,
            test_size=config.test_size, seed=[config.seed, k])
        coefficients.append(measured.to_frame(kernel=name, **settings))
        sensitivity.append(noisy.to_frame(kernel=name, **settings))
        report(k, len(config.kernels), f"{name}: theory")
        predicted, regime, regimes[name] = _theory(config, kernel, gram, sizes)
        coefficients.append(pd.DataFrame({
            "method": "theory", "n": sizes, "ridge": 0.0, "trial": np.nan,
            "overfitting_coefficient": predicted, "test_size": config.test_size,
            "kernel": name, **settings}))
        timings[name] = time.perf_counter() - start
    if config.mlp:
        start = time.perf_counter()
        fits = mlp_noise_sensitivity(
            x, y, n=config.mlp_n, noise=config.noise, trials=min(config.trials, 3),
            test_size=min(config.test_size, x.shape[0] - max(config.mlp_n)),
            width=config.mlp_width, depth=config.mlp_depth, steps=config.mlp_steps,
            seed=[config.seed, 3],
            progress=lambda done, total: report(done, total, "MLPs trained to interpolation"))
        sensitivity.append(fits.to_frame(kernel="-", **settings))
        timings["mlp"] = time.perf_counter() - start
    coefficients = pd.concat(coefficients, ignore_index=True)
    sensitivity = pd.concat(sensitivity, ignore_index=True)
    for key, value in asdict(config).items():
        if key not in coefficients and not isinstance(value, tuple | list):
            coefficients[key] = value
            sensitivity[key] = value
    return OverfitResult(coefficients=coefficients, sensitivity=sensitivity,
                         slopes=_slopes(sensitivity), regimes=regimes, config=config,
                         timings=timings)


def _slopes(sensitivity):
    """Least-squares slope of the trial-mean test MSE over the noise variance, per group."""
    import pandas as pd

    rows = []
    for (learner, kernel, n), group in sensitivity.groupby(["learner", "kernel", "n"]):
        mean = group.groupby("noise")["test_mse"].mean()
        noise = mean.index.to_numpy(dtype=float)
        centred = noise - noise.mean()
        slope = float((mean.to_numpy() - mean.mean()) @ centred / (centred @ centred))
        rows.append({"learner": learner, "kernel": kernel, "n": n,
                     "excess_per_noise": slope,
                     "train_mse_max": float(group["train_mse"].max())})
    return pd.DataFrame(rows)
