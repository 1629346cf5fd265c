"""The main job: predict a KRR learning curve on real data, measure it, compare."""

from __future__ import annotations

import math
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

__all__ = ["CurveConfig", "CurveResult", "agreement", "held_out_prediction", "run_curve"]

Progress = Callable[[int, int, str], None]

_THEORY_SOURCES = ("empirical", "hea")
_SPHERE_KERNELS = ("polynomial",)
_KERNELS = ("gaussian", "laplace", "polynomial", "relu-nngp", "relu-ntk")
_CLASS_TARGET = re.compile(r"(\d+)-(\d+|rest|all)")  # "3-8" (pair) or "3-rest" (one vs rest)
_NORMALIZE = {False: False, True: True, "none": False, "sphere": True}


@dataclass(frozen=True)
class CurveConfig:
    """Everything that defines one ``eigenlab curve`` run; every field becomes a column.

    Attributes
    ----------
    dataset : str
        A name known to :func:`eigenlab.data.load_dataset` (``"mnist5k"`` needs no download).
    split : str
    data_dir : str or None
    kernel : str
        ``"gaussian"``, ``"laplace"``, ``"polynomial"``, ``"relu-nngp"`` or ``"relu-ntk"``
        (the infinite-width kernels of a one-hidden-layer ReLU network, weight and bias
        variance 1).
    width : float
        Kernel width sigma (Gaussian, Laplace) in units of the data's RMS norm: inputs are
        centred and scaled so that the mean squared norm is 1. Polynomial kernels get
        inputs normalised to the unit sphere and ignore it.
    zca : float or None
        Partial ZCA strength z (:func:`eigenlab.data.partial_zca`; the HEA paper uses 1e-3
        to 1e-2): flattens the head of the covariance spectrum, raising the effective
        dimension. None (or 0): no whitening.
    normalize : bool or {"none", "sphere"}
        Project each centred sample onto the unit sphere before the ZCA, as the HEA paper's
        code does (Karkada et al. 2026, ``preprocess``). The data are then re-centred (and
        whitened) and scaled to unit mean squared norm, which moves the norms a little: the
        squared norms spread by about 2% on MNIST, 4% on Fashion-MNIST, 11% after ZCA 5e-3
        (std/mean; 28% and 37% without normalising). Stored as a bool.
    degree : int
        Polynomial degree.
    target : str
        ``"even-odd"``/``"vehicles-animals"``/... (a named class partition), ``"A-B"`` (class
        A vs class B, other classes dropped), ``"A-rest"`` (A vs all) or ``"one-hot"``.
    theory : tuple of str
        Where predicted eigensystems come from: ``"empirical"`` (the pool's Gram matrix) and/or
        ``"hea"`` (the Hermite eigenstructure ansatz from raw data statistics). A comma-separated
        string is accepted.
    hea_samples : int
        Samples behind the HEA's covariance and target decomposition (drawn from the whole
        dataset's kept samples, not only the pool).
    hea_modes : int
        HEA eigenvalues listed.
    hea_target_modes : int or None
        Modes whose target coefficients the HEA estimates (default hea_samples // 10).
    pool : int
        M, the number of points whose Gram matrix gives the eigensystem; training and test
        points are drawn from it.
    n : tuple of int
        Training-set sizes, each < pool.
    ridges : tuple of float
    trials : int
    noise : float
        Label-noise variance per output.
    device, dtype : str
        Torch device (``"cpu"``, ``"cuda"``, ``"auto"``) and dtype of the Gram matrix and
        the measured solves (``"float64"`` or ``"float32"``); the eigendecomposition is
        always float64.
    seed : int
    """

    dataset: str = "mnist5k"
    split: str = "train"
    data_dir: str | None = None
    kernel: str = "gaussian"
    width: float = 1.0
    degree: int = 3
    target: str = "even-odd"
    theory: tuple[str, ...] = ("empirical",)
    pool: int = 5000
    n: tuple[int, ...] = (10, 18, 32, 56, 100, 178, 316, 500)
    ridges: tuple[float, ...] = (1e-3,)
    trials: int = 5
    noise: float = 0.0
    device: str = "cpu"
    dtype: str = "float64"
    seed: int = 0
    hea_samples: int = 20_000
    hea_modes: int = 20_000
    hea_target_modes: int | None = None
    zca: float | None = None
    normalize: bool = False

    def __post_init__(self):
        from ..data import NAMED_SPLITS, available_datasets

        if self.dataset not in available_datasets():
            raise ValueError(f"`dataset` must be one of {', '.join(available_datasets())}; "
                             f"got {self.dataset!r}.")
        if self.kernel not in _KERNELS:
            raise ValueError(f"`kernel` must be one of {', '.join(_KERNELS)}; got "
                             f"{self.kernel!r}.")
        if not (self.target in NAMED_SPLITS or self.target == "one-hot"
                or _CLASS_TARGET.fullmatch(self.target)):
            raise ValueError(f"`target` must be one of {', '.join(sorted(NAMED_SPLITS))}, "
                             f"'A-B' (two class indices), 'A-rest' or 'one-hot'; got "
                             f"{self.target!r}.")
        for key in ("n", "ridges"):  # lists from a sweep grid or JSON read as tuples
            if isinstance(getattr(self, key), list | np.ndarray):
                object.__setattr__(self, key, tuple(getattr(self, key)))
        theory = self.theory
        if isinstance(theory, str):
            theory = tuple(part.strip() for part in theory.split(",") if part.strip())
        object.__setattr__(self, "theory", tuple(theory))
        if not self.theory or any(t not in _THEORY_SOURCES for t in self.theory):
            raise ValueError(f"`theory` must list sources among {_THEORY_SOURCES}; got "
                             f"{self.theory!r}.")
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"`dtype` must be 'float32' or 'float64'; got {self.dtype!r}.")
        if self.pool < 2:
            raise ValueError(f"`pool` must be at least 2; got {self.pool}.")
        if not self.n or min(self.n) < 1:
            raise ValueError(f"`n` must list sizes >= 1; got {self.n!r}.")
        if max(self.n) >= self.pool:
            raise ValueError(f"`n` must stay below `pool` ({self.pool}) to leave test points; "
                             f"got n up to {max(self.n)}.")
        if not self.ridges or min(self.ridges) < 0:
            raise ValueError(f"`ridges` must list values >= 0; got {self.ridges!r}.")
        if self.trials < 1:
            raise ValueError(f"`trials` must be >= 1; got {self.trials}.")
        if self.noise < 0:
            raise ValueError(f"`noise` must be >= 0; got {self.noise}.")
        if self.width <= 0:
            raise ValueError(f"`width` must be > 0; got {self.width}.")
        if self.zca is not None and (isinstance(self.zca, bool) or not isinstance(
                self.zca, int | float | np.integer | np.floating) or not math.isfinite(
                self.zca) or self.zca < 0):
            raise ValueError(f"`zca` must be None or a finite partial-ZCA strength >= 0 "
                             f"(e.g. 5e-3); got {self.zca!r}.")
        if not isinstance(self.normalize, bool | str | np.bool_) or (
                self.normalize not in _NORMALIZE):
            raise ValueError(f"`normalize` must be True, False, 'none' or 'sphere'; got "
                             f"{self.normalize!r}.")
        object.__setattr__(self, "normalize", _NORMALIZE[self.normalize])
        if self.zca is not None:
            object.__setattr__(self, "zca", float(self.zca))

    def settings(self) -> dict:
        """The columns every row of the result table carries."""
        keep = asdict(self)
        for key in ("n", "ridges", "noise"):
            keep.pop(key)
        keep["theory"] = ",".join(self.theory)
        return keep


@dataclass(frozen=True, eq=False)
class CurveResult:
    """What :func:`run_curve` returns.

    Attributes
    ----------
    frame : pandas.DataFrame
        Tidy: one row per (source, n, ridge, trial) with ``n``, ``ridge``, ``source``
        (``"theory:empirical"``, ``"theory:hea"`` or ``"experiment"``), ``test_mse``,
        ``train_mse`` and every setting of the config; and the run's summaries, so that
        the table stands on its own: ``agreement`` (on theory rows, the source's score),
        ``pool_effective_dimension``, ``pool_norm_spread`` and, when the HEA ran, its
        diagnostics as ``hea_*`` columns (``hea_warnings`` joined by ``" | "``).
    theories : dict
        Per theory source, its :class:`~eigenlab.theory.KRRLearningCurve` (the population
        prediction; the empirical one before the off-training-set correction).
    eigensystems : dict
        Per theory source, its :class:`~eigenlab.spectra.Eigensystem`.
    measured : MeasuredLearningCurve
    agreement : dict
        Per theory source, the median over (n, ridge) of |log(predicted / measured mean test
        MSE)|.
    agreement_by_ridge : dict
        Per theory source, the same per ridge.
    diagnostics : HermiteDiagnostics or None
        The HEA's checks of its own assumptions, when the HEA was run.
    display_name : str
    config : CurveConfig
    timings : dict
        Seconds spent loading, building the Gram matrix, in each theory and measuring.
    pool_effective_dimension : float
        :math:`d_{\\rm eff} = 1/\\sum_i\\gamma_i^2` of the preprocessed pool (its covariance
        eigenvalues normalised to sum 1), whatever the theory sources.
    pool_norm_spread : float
        Standard deviation over mean of the squared norms of the preprocessed pool's rows (0
        when every row has the same norm).
    """

    frame: object
    theories: dict
    eigensystems: dict
    measured: object
    agreement: dict
    agreement_by_ridge: dict
    diagnostics: object
    display_name: str
    config: CurveConfig
    timings: dict = field(default_factory=dict)
    pool_effective_dimension: float = float("nan")
    pool_norm_spread: float = float("nan")


def agreement(predicted, measured) -> float:
    """Median of |log(predicted / measured)| over matching entries (a scale-free error)."""
    predicted = np.asarray(predicted, dtype=float)
    measured = np.asarray(measured, dtype=float)
    ok = (predicted > 0) & (measured > 0) & np.isfinite(predicted) & np.isfinite(measured)
    if not np.any(ok):
        return float("nan")
    return float(np.median(np.abs(np.log(predicted[ok] / measured[ok]))))


def _target(labels, spec: str, n_classes: int):
    """Parse a target spec into (y, mask of used samples)."""
    from ..data import NAMED_SPLITS, binary_target, one_hot_target

    if spec == "one-hot":
        return one_hot_target(labels, n_classes), np.ones(labels.shape[0], dtype=bool)
    if spec in NAMED_SPLITS:
        positive, negative = NAMED_SPLITS[spec]
        return binary_target(labels, positive, negative)
    pair = _CLASS_TARGET.fullmatch(spec)  # the config validated the spec
    positive = int(pair.group(1))
    negative = None if pair.group(2) in ("rest", "all") else int(pair.group(2))
    return binary_target(labels, positive, negative)


# HEA work per sample of data, kept in this process: a grid of curves over kernels, widths or
# targets on the same data (eigenlab curve --width 0.5,1,2 --theory hea) reuses the
# statistics, coordinates and feature products (HermiteCache). Two samples at most.
_HEA_CACHES: OrderedDict = OrderedDict()
_HEA_CACHES_KEPT = 2


def _hea_cache(x: np.ndarray):
    """The process's HermiteCache for this data (a fresh one the first time)."""
    from ..spectra import HermiteCache

    key = HermiteCache.fingerprint(x)
    cache = _HEA_CACHES.pop(key, None) or HermiteCache()
    _HEA_CACHES[key] = cache
    while len(_HEA_CACHES) > _HEA_CACHES_KEPT:
        _HEA_CACHES.popitem(last=False)
    return cache


def _dataset_pool(name: str, target: str, size: int, *, seed=0, data_dir=None):
    """(inputs, clean targets, display name): ``size`` samples of a dataset that ``target``
    uses, drawn with ``seed``, centred and scaled to unit mean squared norm (the pool the
    studies behind ``eigenlab rf`` and ``eigenlab overfit`` run on)."""
    from ..data import load_dataset, preprocess

    dataset = load_dataset(name, data_dir=data_dir)
    y_all, mask = _target(dataset.labels, target, len(dataset.classes))
    candidates = np.flatnonzero(mask)
    if size > candidates.size:
        raise ValueError(f"`pool` must be at most the {candidates.size} samples of "
                         f"{dataset.display_name} that the target {target!r} uses; got "
                         f"{size}.")
    chosen = np.sort(np.random.default_rng(seed).choice(candidates, size=size,
                                                        replace=False))
    x = preprocess(dataset.images[chosen], center=True, scale="unit-power")
    return x, y_all[np.searchsorted(candidates, chosen)], dataset.display_name


def _device(name: str):
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("`device` is 'cuda' but no CUDA device is available; use 'cpu' or "
                         "'auto'.")
    return device


def _preprocessing(reference, config: CurveConfig):
    """One fixed map raw samples -> kernel inputs, fitted on ``reference`` (raw samples).

    Centre, optionally project onto the sphere, optionally partial ZCA, re-centre and scale to
    unit mean squared norm (the HEA paper's order), every statistic taken from ``reference``,
    so that the pool and the HEA's sample are transformed alike. Dot-product kernels then
    get each sample onto the sphere.
    """
    from ..data import partial_zca, preprocess

    sphere = "sphere" if config.normalize else "none"
    whiten = bool(config.zca)
    refit = whiten or config.normalize  # the steps after the first centring move the mean

    def first(raw, ref):
        return preprocess(raw, center=True, scale="unit-power", normalize=sphere, reference=ref)

    ref1 = first(reference, None)
    ref2 = partial_zca(ref1, strength=config.zca) if whiten else ref1

    def transform(raw, *, is_reference=False):
        x = ref1 if is_reference else first(raw, reference)
        if whiten:
            x = ref2 if is_reference else partial_zca(x, strength=config.zca, reference=ref1)
        if refit:
            x = preprocess(x, center=True, scale="unit-power",
                           reference=None if is_reference else ref2)
        if config.kernel in _SPHERE_KERNELS:
            x = preprocess(x, center=False, scale="pixel", normalize="sphere")
        return x

    return transform


def _pool_summary(x: np.ndarray) -> tuple[float, float]:
    """(d_eff, norm spread) of rows ``x``; d_eff = tr(C)^2 / ||C||_F^2 without an eigh."""
    from scipy.linalg.blas import dsyrk

    centred = np.ascontiguousarray(x - x.mean(axis=0))
    moment = dsyrk(1.0 / x.shape[0], centred.T, lower=0)
    trace = float(np.trace(moment))
    frobenius = 2.0 * float(np.sum(np.triu(moment, 1) ** 2)) + float(
        np.sum(np.diag(moment) ** 2))
    norms = np.einsum("ij,ij->i", x, x)
    return trace**2 / frobenius, float(np.std(norms) / np.mean(norms))


def held_out_prediction(curve, n, pool, noise=0.0) -> np.ndarray:
    r"""The eigenframework's test MSE on a pool's held-out points, from its pool-population
    prediction (for a pool of M points whose Gram eigensystem is the theory's population,
    with training sets drawn from the pool and tested on its other points).

    Over the pool's M points the population error is :math:`M E_{te} = n\,e_{\rm train} +
    (M - n) E_{\rm off}`, where :math:`e_{\rm train}` is the error at the training points
    against fresh labels. For a linear smoother :math:`\hat f = S y` with label noise
    :math:`\epsilon^2`, :math:`n\,e_{\rm train} = n E_{tr} + 2\epsilon^2\,\mathrm{tr}\,S`
    (the fit follows its own training noise), and in the eigenframework
    :math:`\mathrm{tr}\,S = \sum_i \mathcal{L}_i = n(1 - \sqrt{E_{tr}/E_{te}})`. So

    .. math:: E_{\rm off} = \frac{M E_{te} - n E_{tr} - 2\epsilon^2 \sum_i
        \mathcal{L}_i}{M - n}.

    Without noise this is the correction of Simon et al. 2023 (arXiv:2110.03922). With noise
    the last term matters: on MNIST-5k (pool 1,000, noise 0.5, ridge 1e-3, 8 trials) at
    n = 200 the measured held-out MSE was 1.036 +- 0.019; this predicts 1.107, the formula
    without it 1.356. The same holds for random features (:math:`\sum_i \mathcal{L}_i` is
    then the RF learnability sum, read the same way from :math:`E_{tr}/E_{te}`).

    Parameters
    ----------
    curve : KRRLearningCurve or RFLearningCurve
        The prediction for the pool population (its ``test_mse`` and ``train_mse``).
    n : array-like
        Training sizes, broadcasting against the curve's arrays.
    pool : float
        M, the pool size (> n).
    noise : float, default 0
        Label-noise variance, summed over outputs.

    Returns
    -------
    ndarray
        The held-out test MSE, shaped like ``curve.test_mse``.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(curve.test_mse > 0, curve.train_mse / curve.test_mse, 0.0)
    learned = n * (1.0 - np.sqrt(np.clip(ratio, 0.0, 1.0)))
    return (pool * curve.test_mse - n * curve.train_mse - 2.0 * noise * learned) / (pool - n)


def _diagnostic_columns(diagnostics) -> dict:
    """The HEA's checks as table columns (``hea_*``), so that stored rows keep them."""
    if diagnostics is None:
        return {}
    return {"hea_effective_dimension": diagnostics.effective_dimension,
            "hea_max_degree": diagnostics.max_degree,
            "hea_samples_per_coefficient": diagnostics.samples_per_coefficient,
            "hea_norm_spread": diagnostics.norm_spread,
            "hea_unexplained_power": diagnostics.unexplained_power,
            "hea_warnings": " | ".join(diagnostics.warnings)}


def run_curve(config: CurveConfig, *, progress: Progress | None = None) -> CurveResult:
    r"""Predict a KRR learning curve (empirical eigensystem and/or HEA) and measure it.

    Protocol (why the off-training-set correction): the eigensystem is that of the Gram
    matrix of a pool of M points, i.e. of the uniform distribution on the pool. Training sets
    are drawn from the pool and tested on the pool's other points. The eigenframework
    predicts the error on the whole pool, :math:`E_{te}`, training points included; the
    error on held-out points follows as

    .. math:: E_{\rm off} = \frac{M E_{te} - n E_{tr} - 2\epsilon^2 \sum_i
        \mathcal{L}_i}{M - n}

    (the last term: with label noise :math:`\epsilon^2` the fit follows its own training
    noise, so fresh labels at training points cost more than the train error), which is
    what is compared with the measurement (Simon et al. 2023, arXiv:2110.03922).
    Without the correction the prediction is too low once n is a sizable fraction of M. The
    HEA (Karkada et al. 2026, arXiv:2510.14878) predicts from the statistics of
    ``hea_samples`` samples of the whole dataset, whose population is the data distribution:
    its prediction is compared with the held-out error directly.

    Preprocessing (``zca``, ``normalize``): one map, fitted on the pool (centre, optionally
    onto the sphere, optionally partial ZCA, re-centre, scale to unit mean squared norm), is
    applied to the pool and to the HEA's sample alike, so that both are draws from the same
    transformed distribution.

    Parameters
    ----------
    config : CurveConfig
    progress : callable(done, total, stage), optional
        Called as work proceeds; the CLI turns it into a progress bar.

    Returns
    -------
    CurveResult
    """
    import pandas as pd
    import torch

    from .. import __version__
    from ..data import load_dataset
    from ..kernels import get_kernel
    from ..spectra import gram_eigensystem, hermite_analysis
    from ..theory import krr_learning_curve
    from ._measure import measure_krr_learning_curve

    def report(done, total, stage):
        if progress is not None:
            progress(done, total, stage)

    timings = {}
    start = time.perf_counter()
    report(0, 1, "loading data")
    dataset = load_dataset(config.dataset, split=config.split, data_dir=config.data_dir)
    y_all, mask = _target(dataset.labels, config.target, len(dataset.classes))
    rng = np.random.default_rng(config.seed)
    candidates = np.flatnonzero(mask)
    if config.pool > candidates.size:
        raise ValueError(f"`pool` must be at most the {candidates.size} samples of "
                         f"{dataset.display_name} that the target {config.target!r} uses; "
                         f"got {config.pool}.")
    chosen = np.sort(rng.choice(candidates, size=config.pool, replace=False))
    y = y_all[np.searchsorted(candidates, chosen)]  # targets come for kept samples only
    if "hea" in config.theory:  # drawn here, after the pool, as the HEA has always been
        size = min(config.hea_samples, candidates.size)
        hea_sample = np.sort(rng.choice(candidates, size=size, replace=False))
    transform = _preprocessing(dataset.images[chosen], config)
    x = transform(None, is_reference=True)
    pool_d_eff, pool_spread = _pool_summary(x)
    if config.kernel == "polynomial":
        kernel = get_kernel(config.kernel, degree=config.degree)
    elif config.kernel.startswith("relu"):
        kernel = get_kernel(config.kernel)  # one hidden layer, weight and bias variance 1
    else:
        kernel = get_kernel(config.kernel, width=config.width)
    timings["load"] = time.perf_counter() - start

    device = _device(config.device)
    dtype = getattr(torch, config.dtype)
    start = time.perf_counter()
    report(0, 1, "building the Gram matrix")
    gram = kernel(torch.as_tensor(x, dtype=dtype, device=device))
    timings["gram"] = time.perf_counter() - start

    sizes = np.asarray(sorted(set(config.n)), dtype=np.float64)
    ridges = np.asarray(config.ridges, dtype=np.float64)
    pool = float(config.pool)
    theories, eigensystems, predictions, populations = {}, {}, {}, {}
    diagnostics = None
    for source in config.theory:
        start = time.perf_counter()
        if source == "empirical":
            report(0, 1, "eigendecomposition (empirical theory)")
            eigensystem = gram_eigensystem(gram, y)
        else:
            report(0, 1, "Hermite eigenstructure ansatz")
            hea_x = transform(dataset.images[hea_sample])
            analysis = hermite_analysis(
                hea_x, y_all[np.searchsorted(candidates, hea_sample)], kernel,
                n_modes=config.hea_modes, n_target_modes=config.hea_target_modes,
                seed=config.seed, cache=_hea_cache(hea_x), warn=False)
            eigensystem, diagnostics = analysis.eigensystem, analysis.diagnostics
        curve = krr_learning_curve(eigensystem, sizes[:, None], ridge=ridges[None, :],
                                   noise=config.noise)
        if source == "empirical":
            # The pool is this eigensystem's population: correct to held-out points.
            predicted = held_out_prediction(curve, sizes[:, None], pool,
                                          config.noise * eigensystem.n_outputs)
        else:
            predicted = curve.test_mse  # the HEA's population is the data distribution
        theories[source], eigensystems[source] = curve, eigensystem
        predictions[source], populations[source] = predicted, curve.test_mse
        timings[source] = time.perf_counter() - start

    start = time.perf_counter()
    measured = measure_krr_learning_curve(
        gram, y, n=sizes, ridge=ridges, trials=config.trials, noise=config.noise,
        seed=rng, progress=lambda done, total: report(done, total, "measuring"))
    timings["measure"] = time.perf_counter() - start

    settings = config.settings()
    settings.update(dataset_name=dataset.display_name, eigenlab_version=__version__)
    frames = []
    for source, curve in theories.items():
        frames.append(pd.DataFrame({
            "source": f"theory:{source}",
            "n": np.repeat(sizes, ridges.size), "ridge": np.tile(ridges, sizes.size),
            "noise": config.noise, "trial": np.nan,
            "test_mse": predictions[source].ravel(), "train_mse": curve.train_mse.ravel(),
            "population_test_mse": populations[source].ravel(),
            "effective_ridge": curve.effective_ridge.ravel(),
            "overfitting_coefficient": curve.overfitting_coefficient.ravel(),
        }))
    frames.append(measured.to_frame())
    frame = pd.concat(frames, ignore_index=True)
    for key, value in settings.items():
        frame[key] = value

    mean_measured = measured.test_mse.mean(axis=0)
    scores = {source: agreement(predicted, mean_measured)
              for source, predicted in predictions.items()}
    by_ridge = {source: {float(r): agreement(predicted[:, k], mean_measured[:, k])
                         for k, r in enumerate(ridges)}
                for source, predicted in predictions.items()}
    frame["agreement"] = frame["source"].map(
        {f"theory:{source}": score for source, score in scores.items()})
    frame["pool_effective_dimension"] = pool_d_eff
    frame["pool_norm_spread"] = pool_spread
    for key, value in _diagnostic_columns(diagnostics).items():
        frame[key] = value
    return CurveResult(frame=frame, theories=theories, eigensystems=eigensystems,
                       measured=measured, agreement=scores, agreement_by_ridge=by_ridge,
                       diagnostics=diagnostics, display_name=dataset.display_name,
                       config=config, timings=timings, pool_effective_dimension=pool_d_eff,
                       pool_norm_spread=pool_spread)
