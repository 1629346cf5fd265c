"""Sweep config files (TOML or YAML): the job, its grid and how to run it, checked up front."""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from ._grid import Grid
from ._jobs import resolve_job
from ._sweep import ENGINES, SweepResult, sweep

__all__ = ["SweepConfig", "check_sweep_config", "load_sweep_config", "run_sweep_config"]

_TOP = ("job", "grid", "fixed", "zip", "run")
_RUN = {"engine": str, "workers": int, "scheduler": str, "store": str, "batch_size": int,
        "retry_errors": bool}


@dataclass(frozen=True)
class SweepConfig:
    """A sweep as a config file states it.

    Attributes
    ----------
    job : str
        Built-in name or ``module:function``.
    grid : Grid
    engine : str
    workers, batch_size : int or None
    scheduler : str or None
    store : Path
        Relative paths in a file are relative to the file's folder; default
        ``eigenlab-output/sweeps/<file stem>``.
    retry_errors : bool
    """

    job: str
    grid: Grid
    store: Path
    engine: str = "processes"
    workers: int | None = None
    scheduler: str | None = None
    batch_size: int | None = None
    retry_errors: bool = True

    def with_options(self, **options) -> SweepConfig:
        """A copy with the options that are not None replaced (command-line overrides)."""
        return replace(self, **{k: v for k, v in options.items() if v is not None})


def _unknown(keys, allowed, where: str) -> None:
    for key in keys:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" Did you mean `{close[0]}`?" if close else ""
            raise ValueError(f"unknown key `{where}{key}` in the sweep config; allowed: "
                             f"{', '.join(allowed)}.{hint}")


def _table(raw, key: str) -> dict:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise TypeError(f"`{key}` must be a table ([{key}] in TOML); got {value!r} "
                        f"({type(value).__name__}).")
    return value


def load_sweep_config(path) -> SweepConfig:
    """Read and check a sweep config file; nothing runs.

    The file (``.toml``, or ``.yaml``/``.yml`` with PyYAML) holds::

        job = "krr-theory"            # built-in name or "module:function"
        [fixed]                       # the same for every point
        alpha = 1.5
        [grid]                        # the product of these lists
        n = [10, 100, 1000]
        ridge = [0.0, 1e-3]
        [[zip]]                       # optional: lists varied together, equal lengths
        beta = [1.2, 1.8]
        noise = [0.0, 0.1]
        [run]                         # optional: engine, workers, scheduler, store,
        engine = "processes"          # batch_size, retry_errors

    Every key and value is checked, the job's keys against its declared config type,
    and an error names the key, what it got and what it needs.

    Raises
    ------
    FileNotFoundError, ValueError, TypeError
    """
    path = Path(path)
    text = path.read_text()
    if path.suffix in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise ImportError("YAML sweep configs need PyYAML: pip install pyyaml (or "
                              "write the config as TOML).") from None
        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise ValueError(f"{path} is not valid YAML: {error}") from None
    elif path.suffix == ".toml":
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - Python 3.10
            import tomli as tomllib

        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"{path} is not valid TOML: {error}") from None
    else:
        raise ValueError(f"a sweep config must be a .toml, .yaml or .yml file; got {path}.")
    if not isinstance(raw, dict):
        raise TypeError(f"a sweep config must be a table of keys; got {raw!r}.")
    _unknown(raw, _TOP, "")
    if "job" not in raw:
        raise ValueError(f"the sweep config needs `job` (a built-in job name or "
                         f"'module:function'); {path} has none.")
    if not isinstance(raw["job"], str):
        raise TypeError(f"`job` must be a string; got {raw['job']!r}.")
    grid_table = _table(raw, "grid")
    if not grid_table and not raw.get("zip"):
        raise ValueError("`grid` must list at least one axis (e.g. n = [10, 100]); got an "
                         "empty grid. Use [fixed] for values shared by every point.")
    zipped = raw.get("zip", [])
    if isinstance(zipped, dict):
        zipped = [zipped]
    grid = Grid(grid_table, zipped=zipped, fixed=_table(raw, "fixed"))
    run = _table(raw, "run")
    _unknown(run, tuple(_RUN), "run.")
    for key, kind in _RUN.items():
        if key in run and (not isinstance(run[key], kind) or (
                kind is int and isinstance(run[key], bool))):
            raise TypeError(f"`run.{key}` must be {kind.__name__}; got {run[key]!r} "
                            f"({type(run[key]).__name__}).")
    if run.get("engine", "processes") not in ENGINES:
        raise ValueError(f"`run.engine` must be one of {', '.join(ENGINES)}; got "
                         f"{run['engine']!r}.")
    store = Path(run.pop("store")) if "store" in run else None
    if store is not None and not store.is_absolute():
        store = path.parent / store
    config = SweepConfig(job=raw["job"], grid=grid,
                         store=store or Path("eigenlab-output") / "sweeps" / path.stem, **run)
    check_sweep_config(config)
    return config


def check_sweep_config(config: SweepConfig) -> None:
    """Resolve the job and check the grid against it (raises on the first problem)."""
    job = resolve_job(config.job)
    job.check(config.grid.values(), config.grid.origins())
    job.check_points(config.grid.points())


def run_sweep_config(config: SweepConfig, *, progress=None, client=None) -> SweepResult:
    """Run the sweep a :class:`SweepConfig` describes (see :func:`sweep`)."""
    return sweep(config.job, config.grid, store=config.store, engine=config.engine,
                 workers=config.workers, scheduler=config.scheduler, client=client,
                 batch_size=config.batch_size, retry_errors=config.retry_errors,
                 progress=progress)
