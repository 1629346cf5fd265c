"""Sweep jobs: pure ``job(config) -> records`` functions, found by short name or path.

A job takes one config dict (every key of a grid point, ``seed`` included) and returns its
records: a dict (one row), a list of dicts, a DataFrame, or a result record with
``to_frame()``. A job may declare ``config_type``, a dataclass whose fields are the keys it
accepts (with their types, defaults and ``metadata={"choices": ..., "minimum": ...}``), so
that a sweep checks every point before running any; and ``row_index``, the record columns
that tell one job's rows apart (e.g. ``trial``).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import difflib
import functools
import importlib
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ._curve import CurveConfig
from ._overfit_study import OverfitConfig
from ._rf_study import RFConfig

__all__ = ["Job", "KRRMeasureConfig", "KRRTheoryConfig", "builtin_jobs", "curve",
           "krr_measure", "krr_theory", "overfit", "resolve_job", "rf"]


@dataclass(frozen=True)
class KRRTheoryConfig:
    """One point of the eigenframework's KRR prediction
    (:func:`eigenlab.theory.krr_learning_curve`).

    ``spectrum="power-law"``: :math:`\\lambda_i = i^{-\\alpha}`, :math:`v_i^2 \\propto
    i^{-\\beta}` (``modes`` listed, target normalised). ``spectrum="hea"``: the Hermite
    eigenstructure ansatz of ``kernel`` on ``dataset`` (first ``hea_samples`` samples, a
    binary ``target``), computed once per worker process and reused.
    """

    n: float = field(metadata={"minimum": 1.0})
    ridge: float = field(default=0.0, metadata={"minimum": 0.0})
    noise: float = field(default=0.0, metadata={"minimum": 0.0})
    spectrum: str = field(default="power-law", metadata={"choices": ("power-law", "hea")})
    alpha: float = field(default=1.5, metadata={"minimum": 0.0})
    beta: float = field(default=1.3, metadata={"minimum": 0.0})
    modes: int = field(default=10_000, metadata={"minimum": 1})
    dataset: str = "mnist5k"
    target: str = "even-odd"
    kernel: str = "gaussian"
    width: float = field(default=1.0, metadata={"minimum": 0.0})
    hea_samples: int = field(default=5_000, metadata={"minimum": 10})
    hea_modes: int = field(default=5_000, metadata={"minimum": 1})
    seed: int = 0


@dataclass(frozen=True)
class KRRMeasureConfig:
    """One measured KRR learning-curve point (:func:`measure_krr_learning_curve`).

    ``pool`` points of ``dataset`` are drawn with ``seed``; their Gram matrix under
    ``kernel`` (width in units of the data's RMS norm after centring) gives the KRR test and
    train MSE at training size ``n`` and ``ridge`` over ``trials`` random training sets.
    """

    n: int = field(metadata={"minimum": 1})
    ridge: float = field(default=0.0, metadata={"minimum": 0.0})
    noise: float = field(default=0.0, metadata={"minimum": 0.0})
    dataset: str = "mnist5k"
    target: str = "even-odd"
    kernel: str = "gaussian"
    width: float = field(default=1.0, metadata={"minimum": 0.0})
    pool: int = field(default=1_000, metadata={"minimum": 2})
    trials: int = field(default=1, metadata={"minimum": 1})
    dtype: str = field(default="float64", metadata={"choices": ("float64", "float32")})
    device: str = "cpu"
    seed: int = 0

    def __post_init__(self):
        if self.n >= self.pool:
            raise ValueError(f"`n` must stay below `pool` ({self.pool}) to leave test "
                             f"points; got n = {self.n}.")


@functools.lru_cache(maxsize=4)
def _dataset(name: str, target: str, samples: int | None):
    """Features (centred, unit mean squared norm) and a +-1 target; cached per process."""
    from ..data import binary_target, class_split, load_dataset, preprocess

    data = load_dataset(name, download=False)
    y, kept = binary_target(data.labels, *class_split(target))
    x = preprocess(data.images[kept][:samples])
    return x, y[:samples]


@functools.lru_cache(maxsize=4)
def _hea_eigensystem(dataset, target, kernel, width, samples, modes):
    from ..kernels import get_kernel
    from ..spectra import hermite_eigensystem
    from ._curve import _hea_cache

    x, y = _dataset(dataset, target, samples)
    # Widths and kernels on the same data share the process's HEA work (HermiteCache).
    return hermite_eigensystem(x, y, get_kernel(kernel, width=width), n_modes=modes,
                               cache=_hea_cache(x), warn=False)


def krr_theory(config: dict) -> list[dict]:
    """Predicted KRR test/train MSE at one (n, ridge, noise): one row (see KRRTheoryConfig).

    Examples
    --------
    >>> row, = krr_theory({"n": 100, "ridge": 1e-3, "modes": 1000})
    >>> row["source"], round(row["test_mse"], 4)
    ('theory:power-law', 0.3538)
    """
    from ..spectra import power_law_eigensystem
    from ..theory import krr_learning_curve

    c = KRRTheoryConfig(**config)
    if c.spectrum == "power-law":
        es = power_law_eigensystem(c.modes, alpha=c.alpha, beta=c.beta, normalize_target=True)
    else:
        es = _hea_eigensystem(c.dataset, c.target, c.kernel, c.width, c.hea_samples,
                              c.hea_modes)
    curve = krr_learning_curve(es, c.n, ridge=c.ridge, noise=c.noise)
    rows = curve.to_frame().to_dict("records")
    for row in rows:
        row["source"] = f"theory:{c.spectrum}"
    return rows


def krr_measure(config: dict) -> list[dict]:
    """Measured KRR test/train MSE at one (n, ridge): one row per trial (see KRRMeasureConfig)."""
    import torch

    from ..kernels import get_kernel
    from ._measure import measure_krr_learning_curve

    c = KRRMeasureConfig(**config)
    x, y = _dataset(c.dataset, c.target, None)
    if c.pool > len(x):
        raise ValueError(f"`pool` must be at most the {len(x)} samples of {c.dataset!r}; "
                         f"got {c.pool}.")
    rng = np.random.default_rng(c.seed)
    pool = rng.choice(len(x), size=c.pool, replace=False)
    features = torch.as_tensor(x[pool], dtype=getattr(torch, c.dtype), device=c.device)
    gram = get_kernel(c.kernel, width=c.width)(features)
    curve = measure_krr_learning_curve(gram, y[pool], n=[c.n], ridge=[c.ridge],
                                       trials=c.trials, noise=c.noise, seed=rng)
    return curve.to_frame(device=c.device).to_dict("records")


# Where the in-process `eigenlab curve` sends run_curve's stage-by-stage progress. Display
# only: it never changes a job's rows, and worker processes never see it.
_CURVE_PROGRESS: contextvars.ContextVar = contextvars.ContextVar("curve_progress",
                                                                 default=None)


@contextlib.contextmanager
def curve_progress(callback):
    """Within the block, in-process :func:`curve` jobs report their stages to ``callback``."""
    token = _CURVE_PROGRESS.set(callback)
    try:
        yield
    finally:
        _CURVE_PROGRESS.reset(token)


def curve(config: dict):
    """One ``eigenlab curve`` run (:class:`CurveConfig`): predicted and measured rows.

    The rows of :attr:`CurveResult.frame`: per theory source and per measured trial, at
    every (n, ridge), with the run's agreement and diagnostics as columns.

    Examples
    --------
    >>> rows = curve({"pool": 300, "n": [10, 50], "trials": 2, "seed": 1})
    >>> sorted(rows["source"].unique()), len(rows)
    (['experiment', 'theory:empirical'], 6)
    """
    from ._curve import run_curve

    return run_curve(CurveConfig(**config), progress=_CURVE_PROGRESS.get()).frame


def rf(config: dict):
    """One ``eigenlab rf`` study (:class:`RFConfig`): measured and predicted random-feature
    ridge regression, one row per (source, n, k, ridge, trial)."""
    from ._rf_study import run_rf

    return run_rf(RFConfig(**config)).frame


def overfit(config: dict):
    """One ``eigenlab overfit`` study (:class:`OverfitConfig`): the overfitting coefficient
    per (kernel, method, n, trial), where ``method`` is ``noise-fit``, ``estimator``,
    ``theory``, or ``noise-sensitivity`` (one plus the slope of the clean test MSE over the
    label noise, per learner: ``kernel`` names the KRR kernel, ``"-"`` the MLP)."""
    import pandas as pd

    from ._overfit_study import run_overfit

    result = run_overfit(OverfitConfig(**config))
    slopes = result.slopes.assign(
        method="noise-sensitivity", trial=float("nan"),
        overfitting_coefficient=result.slopes["excess_per_noise"] + 1.0)
    return pd.concat([result.coefficients.assign(learner="krr"),
                      slopes.drop(columns=["excess_per_noise"])], ignore_index=True)


krr_theory.config_type = KRRTheoryConfig
krr_measure.config_type = KRRMeasureConfig
krr_measure.row_index = ("trial",)
curve.config_type = CurveConfig
curve.row_index = ("source", "n", "ridge", "trial")
rf.config_type = RFConfig
rf.row_index = ("source", "n", "k", "ridge", "trial")
overfit.config_type = OverfitConfig
overfit.row_index = ("learner", "kernel", "method", "n", "trial")

_BUILTIN = {"curve": curve, "krr-measure": krr_measure, "krr-theory": krr_theory,
            "overfit": overfit, "rf": rf}


def builtin_jobs() -> dict[str, Callable]:
    """The jobs known by short name: ``curve``, ``krr-theory``, ``krr-measure``, ``rf`` and
    ``overfit``."""
    return dict(_BUILTIN)


@dataclass(frozen=True)
class Job:
    """A resolved job: its name (part of every config hash), function and declarations."""

    name: str
    function: Callable
    config_type: type | None = None
    row_index: tuple[str, ...] = ()

    def check(self, values: dict[str, tuple], where: dict[str, str]) -> None:
        """Check every key and value a grid gives the job, before any job runs.

        ``values`` maps each key to the distinct values it takes; ``where`` maps it to the
        place it came from (``grid``, ``fixed``, ``zip[0]``) for the messages.
        """
        if self.config_type is None:
            return
        fields = {f.name: f for f in dataclasses.fields(self.config_type)}
        hints = typing.get_type_hints(self.config_type)
        for key in values:
            if key not in fields and key != "seed":
                close = difflib.get_close_matches(key, fields, n=1)
                hint = f" Did you mean `{close[0]}`?" if close else ""
                raise ValueError(f"unknown key `{where[key]}.{key}` for job {self.name!r}; it "
                                 f"takes {', '.join(sorted(fields))}.{hint}")
        for name, f in fields.items():
            required = (f.default is dataclasses.MISSING
                        and f.default_factory is dataclasses.MISSING)
            if required and name not in values:
                raise ValueError(f"job {self.name!r} needs `{name}`; got none. Set it in "
                                 "[fixed] or vary it in [grid].")
        for key, distinct in values.items():
            if key in fields:
                for value in distinct:
                    _check_value(value, hints[key], fields[key].metadata,
                                 f"{where[key]}.{key}")

    def check_points(self, points: Sequence[dict]) -> None:
        """Build the config of every point, so that checks across keys (``n`` below
        ``pool``, ...) fail before any job runs; the message names the point."""
        if self.config_type is None:
            return
        for index, point in enumerate(points):
            try:
                self.config_type(**point)
            except (ValueError, TypeError) as error:
                raise type(error)(f"grid point {index} ({_describe(point)}): "
                                  f"{error}") from None


def _describe(point: dict, limit: int = 6) -> str:
    shown = [f"{k}={v!r}" for k, v in point.items() if k != "seed"][:limit]
    return ", ".join(shown) + (", ..." if len(point) - 1 > limit else "")


_TYPE_WORDS = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


def _check_value(value, annotation, metadata, where: str) -> None:
    kinds = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else (
        annotation,)
    if value is None and type(None) in kinds:
        return
    kind = next(k for k in kinds if k is not type(None))
    fits = {int: isinstance(value, int) and not isinstance(value, bool),
            float: isinstance(value, int | float) and not isinstance(value, bool),
            bool: isinstance(value, bool), str: isinstance(value, str)}.get(kind, True)
    if not fits:
        hint = ""
        if kind in (int, float) and isinstance(value, str):
            try:
                float(value)
                hint = " YAML reads 1e-3 as text: write 1.0e-3."
            except ValueError:
                pass
        raise TypeError(f"`{where}` must be {_TYPE_WORDS.get(kind, kind)}; got {value!r} "
                        f"({type(value).__name__}).{hint}")
    choices = metadata.get("choices")
    if choices is not None and value not in choices:
        raise ValueError(f"`{where}` must be one of {', '.join(map(repr, choices))}; got "
                         f"{value!r}.")
    minimum = metadata.get("minimum")
    if minimum is not None and value < minimum:
        raise ValueError(f"`{where}` must be >= {minimum}; got {value!r}.")


def resolve_job(job) -> Job:
    """A job from a short name (``"krr-theory"``), a ``"module:function"`` path or a callable.

    Examples
    --------
    >>> resolve_job("krr-theory").name
    'krr-theory'
    >>> resolve_job("eigenlab.experiments._jobs:krr_theory").name
    'krr-theory'
    >>> resolve_job("krr-theroy")
    Traceback (most recent call last):
    ...
    ValueError: `job` must be a built-in job (curve, krr-measure, krr-theory, overfit, rf) \
or a 'module:function' path; got 'krr-theroy'. Did you mean 'krr-theory'?
    """
    if isinstance(job, str):
        if job in _BUILTIN:
            function = _BUILTIN[job]
        elif ":" in job:
            module_name, _, attribute = job.partition(":")
            try:
                module = importlib.import_module(module_name)
            except ImportError as error:
                raise ValueError(f"`job` {job!r}: cannot import module {module_name!r} "
                                 f"({error}).") from None
            function = getattr(module, attribute, None)
            if not callable(function):
                raise ValueError(f"`job` {job!r}: module {module_name!r} has no function "
                                 f"{attribute!r}.")
        else:
            close = difflib.get_close_matches(job, _BUILTIN, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"`job` must be a built-in job ({', '.join(sorted(_BUILTIN))}) "
                             f"or a 'module:function' path; got {job!r}.{hint}")
    elif callable(job):
        function = job
    else:
        raise TypeError(f"`job` must be a function, a built-in job name or a "
                        f"'module:function' path; got {job!r}.")
    name = next((short for short, f in _BUILTIN.items() if f is function), None)
    if name is None:
        name = f"{function.__module__}:{getattr(function, '__qualname__', repr(function))}"
    return Job(name=name, function=function,
               config_type=getattr(function, "config_type", None),
               row_index=tuple(getattr(function, "row_index", ())))
