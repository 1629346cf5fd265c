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

from .._validation import as_float_array, check_scalar

__all__ = [
    "ExponentFit",
    "MonomialInputs",
    "MonomialLearningTimes",
    "MonomialSelection",
    "fit_learning_exponent",
    "format_monomial",
    "gaussian_inputs",
    "hea_monomial_eigenvalues",
    "monomial_learning_times",
    "planted_spectrum",
    "select_monomials",
    "whitened_inputs",
]

Progress = Callable[[int, int, str], None]

PAPER_COORDINATES = (0, 1, 2, 3, 5, 10, 20, 40, 60, 100, 150)


# ---------------------------------------------------------------------- monomials
def format_monomial(monomial) -> str:
    """``((0, 2), (3, 1))`` -> ``"z0^2*z3"``; ``()`` -> ``"1"``.

    >>> format_monomial(((0, 2), (3, 1)))
    'z0^2*z3'
    """
    if not monomial:
        return "1"
    return "*".join(f"z{c}" if e == 1 else f"z{c}^{e}" for c, e in monomial)


def _check_monomials(monomials, n_coordinates: int, name: str = "monomials") -> list[tuple]:
    checked = []
    for monomial in monomials:
        try:
            pairs = tuple((int(c), int(e)) for c, e in monomial)
        except (TypeError, ValueError):
            raise ValueError(f"`{name}` must hold tuples of (coordinate, exponent) pairs, as "
                             f"hermite_modes returns; got {monomial!r}.") from None
        coordinates = [c for c, _ in pairs]
        if (not pairs or any(e < 1 for _, e in pairs) or any(c < 0 for c in coordinates)
                or coordinates != sorted(set(coordinates))):
            raise ValueError(f"`{name}` entries must be non-empty, with distinct increasing "
                             f"coordinates >= 0 and exponents >= 1; got {monomial!r}.")
        if coordinates[-1] >= n_coordinates:
            raise ValueError(f"`{name}` uses coordinate {coordinates[-1]} but only "
                             f"{n_coordinates} whitened coordinates exist; got {monomial!r}.")
        checked.append(pairs)
    if not checked:
        raise ValueError(f"`{name}` must hold at least one monomial; got {monomials!r}.")
    return checked


def hea_monomial_eigenvalues(monomials, eigenvalues, level_coeffs) -> np.ndarray:
    r"""HEA eigenvalues :math:`\lambda_\alpha = c_{|\alpha|}\prod_i\gamma_i^{\alpha_i}`.

    Parameters
    ----------
    monomials : sequence of tuple
        Multi-indices as ``(coordinate, exponent)`` pairs (the labels of
        :func:`eigenlab.spectra.hermite_modes`).
    eigenvalues : array-like of shape (d,)
        :math:`\gamma_i`, covariance eigenvalues of data scaled to
        :math:`\mathbb E\|x\|^2 = \sum_i\gamma_i = 1`.
    level_coeffs : array-like of shape (L + 1,)
        :math:`c_0, \dots, c_L` (e.g. ``kernel.level_coefficients(L)``); every degree must be
        at most L.

    Returns
    -------
    ndarray of shape (len(monomials),), float64

    Examples
    --------
    >>> hea_monomial_eigenvalues([((0, 2),), ((0, 1), (1, 1))], [0.5, 0.3, 0.2],
    ...                          [1.0, 1.0, 0.5]).round(3).tolist()
    [0.125, 0.075]
    """
    gamma = as_float_array(eigenvalues, "eigenvalues", ndim=(1,))
    coeffs = as_float_array(level_coeffs, "level_coeffs", ndim=(1,))
    if np.any(gamma < 0) or np.any(coeffs < 0):
        raise ValueError("`eigenvalues` and `level_coeffs` must be >= 0.")
    checked = _check_monomials(monomials, gamma.size)
    values = np.empty(len(checked))
    for k, pairs in enumerate(checked):
        degree = sum(e for _, e in pairs)
        if degree >= coeffs.size:
            raise ValueError(f"`level_coeffs` must reach degree {degree} (monomial "
                             f"{format_monomial(pairs)}); got degrees up to {coeffs.size - 1}.")
        values[k] = coeffs[degree] * math.prod(gamma[c] ** e for c, e in pairs)
    return values


@dataclass(frozen=True, eq=False)
class MonomialSelection:
    """Monomials chosen by :func:`select_monomials`, in decreasing HEA eigenvalue.

    Attributes
    ----------
    monomials : tuple of tuple
        ``(coordinate, exponent)`` pairs in the original coordinates.
    hea_eigenvalues : ndarray of shape (M,)
    degrees : ndarray of shape (M,)
    candidates : int
        How many monomials were considered before thinning.
    """

    monomials: tuple
    hea_eigenvalues: np.ndarray
    degrees: np.ndarray
    candidates: int

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(format_monomial(m) for m in self.monomials)


def select_monomials(eigenvalues, level_coeffs, *, coordinates=PAPER_COORDINATES,
                     shrink: float = 0.9, min_eigenvalue: float = 1e-6,
                     max_count: int = 1000) -> MonomialSelection:
    r"""Monomial targets spread over the HEA spectrum, as in the paper's MLP sweep.

    Every monomial of degree 1 to L (L + 1 = ``len(level_coeffs)``) over the principal
    ``coordinates`` is ranked by its HEA eigenvalue; walking down the list, a monomial is kept
    when its eigenvalue is at most ``shrink`` times the last kept one (so consecutive targets
    differ by at least 10% at the default), and the walk stops at ``min_eigenvalue`` or after
    ``max_count`` targets (spec §6.11: coordinates {0, 1, 2, 3, 5, 10, 20, 40, 60, 100,
    150}, degree <= 6, shrink 0.9, floor 1e-6, at most 1000).

    Parameters
    ----------
    eigenvalues : array-like of shape (d,)
        :math:`\gamma_i`, decreasing, summing to 1.
    level_coeffs : array-like of shape (L + 1,)
    coordinates : sequence of int
        Distinct principal-coordinate indices, each < d.
    shrink : float in (0, 1], default 0.9
    min_eigenvalue : float, default 1e-6
    max_count : int, default 1000

    Returns
    -------
    MonomialSelection

    Examples
    --------
    >>> gamma = planted_spectrum(20)
    >>> chosen = select_monomials(gamma, [1.0, 1.0, 0.5], coordinates=(0, 1, 5),
    ...                           shrink=0.5, min_eigenvalue=1e-3)
    >>> chosen.names
    ('z0', 'z5', 'z0^2', 'z0*z5', 'z5^2')
    """
    from ..spectra import hermite_modes

    gamma = as_float_array(eigenvalues, "eigenvalues", ndim=(1,))
    coeffs = as_float_array(level_coeffs, "level_coeffs", ndim=(1,))
    if np.any(gamma < 0) or np.any(np.diff(gamma) > 0):
        raise ValueError("`eigenvalues` must be non-negative and decreasing (as "
                         "data_statistics returns them).")
    if coeffs.size < 2:
        raise ValueError(f"`level_coeffs` must reach at least degree 1; got {coeffs.size} "
                         "coefficient(s).")
    chosen_coords = sorted({int(c) for c in coordinates})
    if not chosen_coords or chosen_coords[0] < 0 or chosen_coords[-1] >= gamma.size:
        raise ValueError(f"`coordinates` must be indices in [0, {gamma.size}); got "
                         f"{tuple(coordinates)!r}.")
    shrink = check_scalar(shrink, "shrink", minimum=0.0, strictly=True)
    if shrink > 1.0:
        raise ValueError(f"`shrink` must be in (0, 1]; got {shrink!r}.")
    floor = check_scalar(min_eigenvalue, "min_eigenvalue", minimum=0.0)
    if isinstance(max_count, bool) or not isinstance(max_count, Integral) or max_count < 1:
        raise ValueError(f"`max_count` must be an integer >= 1; got {max_count!r}.")
    k, top = len(chosen_coords), coeffs.size - 1
    total = math.comb(k + top, top)  # every multi-index of degree <= L over k coordinates
    without_constant = coeffs.copy()
    without_constant[0] = 0.0
    values, labels = hermite_modes(without_constant, gamma[chosen_coords], total)
    kept, last = [], math.inf
    for value, label in zip(values, labels, strict=True):
        if value < floor or len(kept) == max_count:
            break
        if value <= shrink * last:
            kept.append(tuple((chosen_coords[c], e) for c, e in label))
            last = value
    monomials = tuple(kept)
    return MonomialSelection(
        monomials=monomials,
        hea_eigenvalues=hea_monomial_eigenvalues(monomials, gamma, coeffs) if kept
        else np.empty(0),
        degrees=np.array([sum(e for _, e in m) for m in monomials], dtype=np.int64),
        candidates=len(labels))


# ---------------------------------------------------------------------- inputs
def planted_spectrum(dim: int = 200, *, exponent: float = 2.0, offset: float = 6.0) -> np.ndarray:
    r""":math:`\gamma_i \propto (\text{offset} + i)^{-\text{exponent}}`, :math:`i = 0, \dots,
    d - 1`, normalised to sum 1 (the HEA paper's MLP data: d = 200, offset 6, exponent 2).

    >>> gamma = planted_spectrum(200)
    >>> round(float(gamma.sum()), 12), round(float(1 / np.sum(gamma**2)), 1)
    (1.0, 15.8)
    """
    if isinstance(dim, bool) or not isinstance(dim, Integral) or dim < 1:
        raise ValueError(f"`dim` must be an integer >= 1; got {dim!r}.")
    exponent = check_scalar(exponent, "exponent", minimum=0.0)
    offset = check_scalar(offset, "offset", minimum=0.0, strictly=True)
    values = (offset + np.arange(dim)) ** -exponent
    return values / values.sum()


@dataclass(frozen=True, eq=False)
class MonomialInputs:
    r"""Where the inputs of the study come from.

    Attributes
    ----------
    name : str
    eigenvalues : ndarray of shape (d,)
        :math:`\gamma_i`, decreasing, summing to 1.
    pool : ndarray of shape (N, d) or None
        Real inputs, centred and scaled to :math:`\mathbb E\|x\|^2 = 1` (float32); None for
        Gaussian inputs.
    coordinates : ndarray of shape (N, k) or None
        Their whitened principal coordinates :math:`z_i` (float64).
    """

    name: str
    eigenvalues: np.ndarray
    pool: np.ndarray | None = None
    coordinates: np.ndarray | None = None

    @property
    def dim(self) -> int:
        return int(self.eigenvalues.size)

    @property
    def n_coordinates(self) -> int:
        """Whitened coordinates that monomials may use."""
        return self.dim if self.pool is None else int(self.coordinates.shape[1])

    @property
    def effective_dimension(self) -> float:
        return float(1.0 / np.sum(self.eigenvalues ** 2))


def gaussian_inputs(eigenvalues, *, name: str = "gaussian") -> MonomialInputs:
    r"""Gaussian inputs :math:`x = \sqrt\gamma \odot g`, :math:`g \sim \mathcal N(0, I_d)`,
    drawn fresh at every step; the whitened coordinates are :math:`z = g`.

    ``eigenvalues`` (non-negative, decreasing, e.g. :func:`planted_spectrum`) are normalised to
    sum 1.
    """
    gamma = as_float_array(eigenvalues, "eigenvalues", ndim=(1,))
    if gamma.size == 0 or np.any(gamma <= 0) or np.any(np.diff(gamma) > 0):
        raise ValueError("`eigenvalues` must be positive and decreasing; got "
                         f"{gamma[:6].tolist()}{'...' if gamma.size > 6 else ''}.")
    return MonomialInputs(name=str(name), eigenvalues=gamma / gamma.sum())


def whitened_inputs(x, *, name: str = "data", n_coordinates: int = 256) -> MonomialInputs:
    r"""A real dataset as a pool to resample rows from, with its whitened coordinates.

    The rows are centred and scaled to :math:`\mathbb E\|x\|^2 = 1` and their principal
    coordinates whitened, :math:`z_i = u_i^\top x/\sqrt{\gamma_i}`, with the pool's own
    statistics (:func:`eigenlab.spectra.data_statistics`); each training step draws rows with
    replacement.

    Parameters
    ----------
    x : array-like of shape (N, d)
        Samples as rows (e.g. ``preprocess(load_dataset("mnist").images)``).
    name : str
    n_coordinates : int, default 256
        Whitened coordinates kept (the leading ones with :math:`\gamma_i > 0`).

    Returns
    -------
    MonomialInputs
        The pool is stored in float32 (what the network trains in), the coordinates in float64.
    """
    from ..spectra import data_statistics

    x = as_float_array(x, "x", ndim=(2,))
    if isinstance(n_coordinates, bool) or not isinstance(n_coordinates, Integral) or (
            n_coordinates < 1):
        raise ValueError(f"`n_coordinates` must be an integer >= 1; got {n_coordinates!r}.")
    stats = data_statistics(x)
    pool = stats.transform(x)
    positive = int(np.sum(stats.eigenvalues > 0))
    k = min(int(n_coordinates), positive)
    coordinates = (pool @ stats.directions[:, :k]) / np.sqrt(stats.eigenvalues[:k])
    return MonomialInputs(name=str(name), eigenvalues=stats.eigenvalues,
                          pool=pool.astype(np.float32), coordinates=coordinates)


def _hermite_product(z, monomial):
    """Normalised Hermite product on torch columns z[:, c] (recurrence of hermite_features)."""
    out = None
    for coordinate, exponent in monomial:
        column = z[:, coordinate]
        previous, current = None, column.new_ones(column.shape)
        for k in range(exponent):
            nxt = column * current if previous is None else column * current - math.sqrt(
                k) * previous
            previous, current = current, nxt / math.sqrt(k + 1)
        out = current if out is None else out * current
    return out


def _sampler(inputs: MonomialInputs, monomial, targets, batch_size, generator, device, dtype):
    import torch

    if inputs.pool is None:
        scale = torch.as_tensor(np.sqrt(inputs.eigenvalues), dtype=dtype, device=device)

        def sample(step):
            z = torch.randn(batch_size, inputs.dim, generator=generator, device=device,
                            dtype=dtype)
            return z * scale, _hermite_product(z, monomial)
        return sample

    pool, y = targets

    def sample(step):
        rows = torch.randint(pool.shape[0], (batch_size,), generator=generator, device=device)
        return pool[rows], y[rows]
    return sample


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
