r"""Do feature-learning MLPs learn Hermite monomials in HEA order? The time-to-learn study.

A centred muP MLP (:mod:`._mlp`) is trained online on one target at a time, a normalised
Hermite monomial of the whitened principal coordinates,

.. math::

    y = \phi_\alpha(x) = \prod_i \frac{\mathrm{He}_{\alpha_i}(z_i)}{\sqrt{\alpha_i!}}, \qquad
    z_i = \frac{u_i^\top x}{\sqrt{\gamma_i}},

and the number of steps it needs to bring its smoothed loss below a level is compared with
the monomial's HEA eigenvalue :math:`\lambda_\alpha = c_{|\alpha|}\prod_i\gamma_i^{\alpha_i}`.
The HEA paper reports :math:`t_{\rm learn} \propto \lambda_\alpha^{-1/2}` for such MLPs (a
slope 1/2 of :math:`\log t` against :math:`\log(1/\lambda)`; spec §6.11).

Inputs are Gaussian with a planted spectrum (:func:`gaussian_inputs`; then :math:`z = g` with
:math:`g \sim \mathcal N(0, I)` exactly) or rows resampled with replacement from a real
dataset, whitened with its own statistics (:func:`whitened_inputs`).

Reference: Karkada, Turnbull, Liu, Simon, "Predicting kernel regression learning curves from
only raw data statistics", ICLR 2026, arXiv:2510.14878.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Integral

import numpy as np

from .._validation import check_scalar
from ._monomial_targets import (
    MonomialInputs,
    _check_monomials,
    _sampler,
    format_monomial,
    hea_monomial_eigenvalues,
)

__all__ = ["ExponentFit", "MonomialLearningTimes", "fit_learning_exponent",
           "monomial_learning_times"]

Progress = Callable[[int, int, str], None]


# ---------------------------------------------------------------------- the experiment
@dataclass(frozen=True, eq=False)
class MonomialLearningTimes:
    r"""Steps an MLP needed to learn each monomial: arrays over (monomial, seed, threshold).

    Attributes
    ----------
    inputs : str
        The inputs' name.
    effective_dimension : float
    monomials : tuple of tuple
    hea_eigenvalues : ndarray of shape (M,)
    target_scales : ndarray of shape (M,)
        Root mean square of the raw Hermite feature over the pool, which the target was divided
        by (1 for Gaussian inputs, where it is exact).
    seeds : ndarray of shape (S,)
    thresholds : ndarray of shape (T,)
    steps_to_learn : ndarray of shape (M, S, T)
        First step whose EMA train loss is below the threshold; NaN if not reached within
        ``max_steps`` (censored) or diverged.
    final_ema_loss : ndarray of shape (M, S)
    diverged : ndarray of shape (M, S), bool
    wall_time : ndarray of shape (M, S)
        Seconds per run.
    kernel : str
        The kernel whose level coefficients gave the HEA eigenvalues.
    width, depth, batch_size, max_steps : int
    learning_rate, richness, ema : float
    dtype, device : str
    """

    inputs: str
    effective_dimension: float
    monomials: tuple
    hea_eigenvalues: np.ndarray
    target_scales: np.ndarray
    seeds: np.ndarray
    thresholds: np.ndarray
    steps_to_learn: np.ndarray
    final_ema_loss: np.ndarray
    diverged: np.ndarray
    wall_time: np.ndarray
    kernel: str
    width: int
    depth: int
    batch_size: int
    max_steps: int
    learning_rate: float
    richness: float
    ema: float
    dtype: str
    device: str

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(format_monomial(m) for m in self.monomials)

    @property
    def degrees(self) -> np.ndarray:
        return np.array([sum(e for _, e in m) for m in self.monomials], dtype=np.int64)

    def to_frame(self):
        """Tidy table: one row per (monomial, seed, threshold), every setting a column."""
        import pandas as pd

        m, s, t = self.steps_to_learn.shape
        im, js, kt = (a.ravel() for a in np.meshgrid(np.arange(m), np.arange(s), np.arange(t),
                                                     indexing="ij"))
        steps = self.steps_to_learn.ravel()
        return pd.DataFrame({
            "inputs": self.inputs, "effective_dimension": self.effective_dimension,
            "monomial": np.array(self.names, dtype=object)[im],
            "degree": self.degrees[im], "hea_eigenvalue": self.hea_eigenvalues[im],
            "target_scale": self.target_scales[im], "seed": self.seeds[js],
            "threshold": self.thresholds[kt], "steps_to_learn": steps,
            "reached": np.isfinite(steps), "final_ema_loss": self.final_ema_loss[im, js],
            "diverged": self.diverged[im, js], "wall_time": self.wall_time[im, js],
            "kernel": self.kernel, "width": self.width, "depth": self.depth,
            "batch_size": self.batch_size, "max_steps": self.max_steps,
            "learning_rate": self.learning_rate, "richness": self.richness, "ema": self.ema,
            "dtype": self.dtype, "device": self.device})


def _default_kernel():
    from ..kernels import ReluNTKKernel

    return ReluNTKKernel(1, weight_variance=1.0, bias_variance=1.0)


def monomial_learning_times(inputs: MonomialInputs, monomials, *, kernel=None,
                            width: int = 256, depth: int = 3, batch_size: int = 256,
                            max_steps: int = 4000, learning_rate: float = 0.05,
                            richness: float = 1.0, thresholds=(0.15, 0.1), ema: float = 0.9,
                            seeds: Sequence[int] = (0,), device="cpu", dtype=None,
                            progress: Progress | None = None) -> MonomialLearningTimes:
    r"""Train a fresh centred muP MLP on each monomial and time when it is learned.

    For each monomial :math:`\alpha` and seed: a network from :func:`mup_table` (``width``,
    ``depth``, ``learning_rate``, ``richness``) is trained by :func:`train_online` on fresh
    batches of ``batch_size`` inputs with target :math:`\phi_\alpha` until the EMA train
    loss is below every threshold or ``max_steps`` pass. The seed fixes both the initial
    network and the stream of batches, the same for every monomial (common random numbers, so
    that monomials are compared on equal terms). On real data the target is the Hermite
    feature of the pool's whitened coordinates divided by its root mean square over the pool,
    so its mean square, hence the centred network's initial loss, is exactly 1, as for
    Gaussian inputs.

    Parameters
    ----------
    inputs : MonomialInputs
        :func:`gaussian_inputs` or :func:`whitened_inputs`.
    monomials : sequence of tuple
        ``(coordinate, exponent)`` pairs, e.g. ``select_monomials(...).monomials``.
    kernel : eigenlab kernel, optional
        Its level coefficients give the HEA eigenvalues; default
        ``ReluNTKKernel(1, weight_variance=1, bias_variance=1)`` (the HEA paper's code: the NTK
        of a one-hidden-layer ReLU network, w = b = 1, on inputs with
        :math:`\mathbb E\|x\|^2 = 1`).
    width, depth, batch_size : int, default 256, 3, 256
        The paper: 1024, 3, 1024.
    max_steps : int, default 4000
        The paper: 100,000.
    learning_rate : float, default 0.05
        Base rate :math:`\eta_0` (the paper: 0.01; 0.05 needs about four times fewer steps at this
        scale and stays stable, see docs/mlp-monomials.md).
    richness : float, default 1.0
    thresholds : sequence of float, default (0.15, 0.1)
    ema : float, default 0.9
    seeds : sequence of int, default (0,)
    device : str, default "cpu"
        ``"cpu"``, ``"cuda"`` or ``"auto"``.
    dtype : torch.dtype, optional
        Default torch.float32 (training); HEA eigenvalues and targets on real data are
        computed in float64 first.
    progress : callable(done, total, message), optional
        Called after every (monomial, seed) run.

    Returns
    -------
    MonomialLearningTimes
    """
    import torch

    from ._mlp import (
        MupMLP,
        _check_thresholds,
        _float_dtype,
        _positive_int,
        mup_table,
        resolve_device,
        train_online,
    )

    if not isinstance(inputs, MonomialInputs):
        raise TypeError(f"`inputs` must be MonomialInputs (gaussian_inputs or "
                        f"whitened_inputs); got {type(inputs).__name__}.")
    checked = _check_monomials(monomials, inputs.n_coordinates)
    kernel = _default_kernel() if kernel is None else kernel
    if not hasattr(kernel, "level_coefficients"):
        raise TypeError(f"`kernel` must be an eigenlab kernel with level coefficients; got "
                        f"{type(kernel).__name__}.")
    top = max(sum(e for _, e in m) for m in checked)
    values = hea_monomial_eigenvalues(checked, inputs.eigenvalues,
                                      kernel.level_coefficients(top))
    table_args = dict(learning_rate=learning_rate, richness=richness)
    mup_table(inputs.dim, width, depth, **table_args)  # validates before any work
    batch_size = _positive_int(batch_size, "batch_size")
    max_steps = _positive_int(max_steps, "max_steps")
    levels = _check_thresholds(thresholds)
    ema = check_scalar(ema, "ema", minimum=0.0)
    if ema >= 1.0:
        raise ValueError(f"`ema` must be in [0, 1); got {ema!r}.")
    seed_list = [int(s) for s in np.atleast_1d(np.asarray(seeds))]
    if not seed_list or any(s < 0 for s in seed_list):
        raise ValueError(f"`seeds` must be one or more integers >= 0; got {seeds!r}.")
    device = resolve_device(device)
    dtype = _float_dtype(torch.float32 if dtype is None else dtype)

    pool = None if inputs.pool is None else torch.as_tensor(inputs.pool, device=device,
                                                            dtype=dtype)
    n_m, n_s = len(checked), len(seed_list)
    steps = np.full((n_m, n_s, levels.size), np.nan)
    final, wall = np.full((n_m, n_s), np.nan), np.zeros((n_m, n_s))
    diverged = np.zeros((n_m, n_s), dtype=bool)
    scales = np.ones(n_m)
    done = 0
    for i, monomial in enumerate(checked):
        targets = None
        if pool is not None:
            from ..spectra import hermite_features

            feature = hermite_features(inputs.coordinates, [monomial])[:, 0]
            scales[i] = math.sqrt(float(np.mean(feature ** 2)))
            targets = (pool, torch.as_tensor(feature / scales[i], device=device, dtype=dtype))
        for j, seed in enumerate(seed_list):
            init_seed, data_seed = (int(s.generate_state(1)[0])
                                    for s in np.random.SeedSequence(seed).spawn(2))
            model = MupMLP(mup_table(inputs.dim, width, depth, **table_args),
                           generator=torch.Generator().manual_seed(init_seed), device=device,
                           dtype=dtype)
            generator = torch.Generator(device=device).manual_seed(data_seed)
            sample = _sampler(inputs, monomial, targets, batch_size, generator, device, dtype)
            start = time.perf_counter()
            run = train_online(model, sample, max_steps=max_steps, thresholds=levels, ema=ema)
            wall[i, j] = time.perf_counter() - start
            steps[i, j] = run.steps_to_threshold
            final[i, j] = run.ema_losses[-1] if run.steps_run else np.nan
            diverged[i, j] = run.diverged
            done += 1
            if progress is not None:
                learned = ", ".join("-" if np.isnan(v) else str(int(v))
                                    for v in run.steps_to_threshold)
                progress(done, n_m * n_s, f"{format_monomial(monomial)} seed {seed}: steps "
                                          f"{learned}")
    return MonomialLearningTimes(
        inputs=inputs.name, effective_dimension=inputs.effective_dimension,
        monomials=tuple(checked), hea_eigenvalues=values, target_scales=scales,
        seeds=np.array(seed_list), thresholds=levels, steps_to_learn=steps,
        final_ema_loss=final, diverged=diverged, wall_time=wall, kernel=repr(kernel),
        width=int(width), depth=int(depth), batch_size=batch_size, max_steps=max_steps,
        learning_rate=float(learning_rate), richness=float(richness), ema=float(ema),
        dtype=str(dtype).removeprefix("torch."), device=str(device))


# ---------------------------------------------------------------------- the fit
@dataclass(frozen=True, eq=False)
class ExponentFit:
    r"""Least-squares fit :math:`\log t = a + s\log(1/\lambda)` and rank agreement.

    Attributes
    ----------
    threshold : float
    slope : float
        :math:`s` (the HEA paper: about 1/2), fitted to the per-monomial mean of
        :math:`\log t` over seeds, on the monomials learned in every seed.
    intercept : float
        :math:`a`.
    slope_stderr : float
        Bootstrap standard deviation of :math:`s`, resampling monomials.
    slope_ols_stderr : float
        The textbook least-squares standard error.
    seed_slopes : ndarray of shape (S,)
        :math:`s` fitted to each seed alone (its learned monomials).
    spearman : float
        Spearman rank correlation between :math:`1/\lambda` and the mean :math:`\log t`,
        unlearned monomials ranked last (tied); 1 means the MLP learns exactly in HEA order.
    spearman_pvalue : float
    n_used : int
        Monomials in the fit.
    n_censored : int
        Monomials not learned in at least one seed (left out of the fit).
    """

    threshold: float
    slope: float
    intercept: float
    slope_stderr: float
    slope_ols_stderr: float
    seed_slopes: np.ndarray
    spearman: float
    spearman_pvalue: float
    n_used: int
    n_censored: int


def _line(x, y):
    design = np.stack([np.ones_like(x), x], axis=1)
    (intercept, slope), *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(slope), float(intercept)


def fit_learning_exponent(times: MonomialLearningTimes, *, threshold: float | None = None,
                          n_bootstrap: int = 2000, seed: int = 0) -> ExponentFit:
    r"""Fit the exponent :math:`s` of :math:`t_{\rm learn} \propto \lambda_{\rm HEA}^{-s}`.

    Parameters
    ----------
    times : MonomialLearningTimes
    threshold : float, optional
        One of ``times.thresholds``; default the lowest.
    n_bootstrap : int, default 2000
    seed : int, default 0
        For the bootstrap.

    Returns
    -------
    ExponentFit
        NaN slope when fewer than 3 monomials were learned in every seed.
    """
    from scipy.stats import spearmanr

    if not isinstance(times, MonomialLearningTimes):
        raise TypeError(f"`times` must be MonomialLearningTimes; got {type(times).__name__}.")
    if threshold is None:
        index = int(np.argmin(times.thresholds))
    else:
        matches = np.flatnonzero(np.isclose(times.thresholds, threshold))
        if matches.size == 0:
            raise ValueError(f"`threshold` must be one of {times.thresholds.tolist()}; got "
                             f"{threshold!r}.")
        index = int(matches[0])
    if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, Integral) or (
            n_bootstrap < 1):
        raise ValueError(f"`n_bootstrap` must be an integer >= 1; got {n_bootstrap!r}.")
    steps = times.steps_to_learn[:, :, index]
    x = np.log(1.0 / times.hea_eigenvalues)
    learned = np.all(np.isfinite(steps), axis=1)
    with np.errstate(invalid="ignore"):
        mean_log = np.where(learned, np.mean(np.log(steps), axis=1), np.inf)
    slope = intercept = ols = spread = math.nan
    seed_slopes = np.full(steps.shape[1], np.nan)
    if learned.sum() >= 3:
        xs, ys = x[learned], mean_log[learned]
        slope, intercept = _line(xs, ys)
        residual = ys - (intercept + slope * xs)
        if xs.size > 2 and np.ptp(xs) > 0:
            ols = float(np.sqrt(residual @ residual / (xs.size - 2)
                                / np.sum((xs - xs.mean()) ** 2)))
        rng = np.random.default_rng(seed)
        draws = rng.integers(0, xs.size, size=(n_bootstrap, xs.size))
        bx, by = xs[draws], ys[draws]
        bx = bx - bx.mean(axis=1, keepdims=True)
        spread_x = np.sum(bx * bx, axis=1)
        ok = spread_x > 1e-12 * max(float(np.sum((xs - xs.mean()) ** 2)), 1e-300)
        boot = np.sum(bx * by, axis=1)[ok] / spread_x[ok]
        spread = float(np.std(boot)) if boot.size > 1 else math.nan
        for j in range(steps.shape[1]):
            ok = np.isfinite(steps[:, j])
            if ok.sum() >= 3 and np.ptp(x[ok]) > 0:
                seed_slopes[j] = _line(x[ok], np.log(steps[ok, j]))[0]
    if x.size >= 2 and np.ptp(x) > 0 and np.unique(mean_log).size > 1:
        rank = spearmanr(x, mean_log)
        rho, pvalue = float(rank.statistic), float(rank.pvalue)
    else:
        rho = pvalue = math.nan
    return ExponentFit(threshold=float(times.thresholds[index]), slope=slope,
                       intercept=intercept, slope_stderr=spread, slope_ols_stderr=ols,
                       seed_slopes=seed_slopes, spearman=rho, spearman_pvalue=pvalue,
                       n_used=int(learned.sum()), n_censored=int((~learned).sum()))
