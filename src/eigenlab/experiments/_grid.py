"""Sweep grids: a product of axes, optional zipped axes, fixed values; stable config hashes."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Grid", "canonical_json", "config_hash"]

_SCALARS = (str, int, float, bool, type(None))


def _plain(value, where: str):
    """numpy scalars and arrays -> Python values; refuse what JSON cannot hold."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return [_plain(v, where) for v in value.tolist()]
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, Sequence):
        return [_plain(v, where) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v, f"{where}.{k}") for k, v in value.items()}
    raise TypeError(f"`{where}` must hold numbers, strings, booleans, lists or tables; got "
                    f"{value!r} ({type(value).__name__}).")


def _canonical(value):
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float):
        # 1000 and 1000.0 name the same point: a config edited from one to the other resumes.
        if math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    return _canonical(_plain(value, "config"))


def canonical_json(config: Mapping) -> str:
    """The config as JSON with sorted keys, no spaces, and integral floats written as ints.

    Examples
    --------
    >>> canonical_json({"ridge": 0.5, "n": 100.0, "kernel": "gaussian"})
    '{"kernel":"gaussian","n":100,"ridge":0.5}'
    """
    return json.dumps(_canonical(dict(config)), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=True)


def config_hash(job: str, config: Mapping) -> str:
    """A point's identity: SHA-256 (32 hex digits) of the canonical JSON of job name + config.

    The library version is left out on purpose, so that a sweep resumed after an upgrade
    keeps its finished points (each row records the version that made it).

    Examples
    --------
    >>> config_hash("krr-theory", {"n": 10, "seed": 0}) == config_hash(
    ...     "krr-theory", {"seed": 0, "n": 10.0})
    True
    >>> len(config_hash("krr-theory", {"n": 10}))
    32
    """
    text = canonical_json({"job": job, "config": dict(config)})
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _axis(values, where: str) -> tuple:
    if isinstance(values, np.ndarray):
        values = values.tolist()
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Sequence):
        raise TypeError(f"`{where}` must be a non-empty list of values; got {values!r} "
                        f"({type(values).__name__}). A single value belongs in [fixed].")
    if len(values) == 0:
        raise ValueError(f"`{where}` must be a non-empty list of values; got []. An empty "
                         "axis makes an empty grid.")
    return tuple(_plain(v, where) for v in values)


def _check_name(name, where: str) -> str:
    if not isinstance(name, str) or not name:
        raise TypeError(f"`{where}` keys must be non-empty strings; got {name!r}.")
    return name


@dataclass(frozen=True, eq=False)
class Grid:
    """The points of a sweep: the product of ``axes``, zipped groups, and ``fixed`` values.

    Every point is ``{**fixed, axis: value, ...}`` and carries a ``seed`` (0 unless the grid
    sets one), so that randomness always comes from the config. Points are listed in a fixed
    order: the product over ``axes`` in the order given, then over each zipped group, the
    last axis varying fastest.

    Parameters
    ----------
    axes : mapping of str to list
        Each axis a non-empty list; the grid is their Cartesian product.
    zipped : sequence of mappings of str to list, optional
        Groups of axes varied together: within a group the lists have equal length and the
        k-th values go together (e.g. ``{"alpha": [1.5, 2], "beta": [1.2, 1.8]}`` gives two
        (alpha, beta) pairs). Each group is one more factor of the product.
    fixed : mapping, optional
        Values shared by every point (a list here is one value, e.g. a list of sizes).

    Attributes
    ----------
    axes, zipped, fixed
        As given, with numpy values turned into Python values.
    names : tuple of str
        The varying keys, in order (the dimensions of :meth:`ResultStore.to_xarray`).

    Examples
    --------
    >>> grid = Grid({"n": [10, 100], "ridge": [0.0, 0.1]}, fixed={"alpha": 1.5})
    >>> len(grid), grid.names
    (4, ('n', 'ridge'))
    >>> grid.points()[1]
    {'alpha': 1.5, 'seed': 0, 'n': 10, 'ridge': 0.1}
    >>> len(Grid({"n": [10]}, zipped=[{"alpha": [1.5, 2.0], "beta": [1.2, 1.8]}]))
    2
    """

    axes: dict = field(default_factory=dict)
    zipped: tuple = ()
    fixed: dict = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.axes, Mapping):
            raise TypeError(f"`grid` must be a table of axis -> list of values; got "
                            f"{self.axes!r} ({type(self.axes).__name__}).")
        fixed = {} if self.fixed is None else self.fixed
        if not isinstance(fixed, Mapping):
            raise TypeError(f"`fixed` must be a table of key -> value; got {fixed!r}.")
        if isinstance(self.zipped, Mapping) or not isinstance(self.zipped, Sequence):
            raise TypeError(f"`zip` must be a list of tables of axis -> list; got "
                            f"{self.zipped!r}.")
        axes = {_check_name(k, "grid"): _axis(v, f"grid.{k}") for k, v in self.axes.items()}
        groups = []
        for i, group in enumerate(self.zipped):
            if not isinstance(group, Mapping) or not group:
                raise TypeError(f"`zip[{i}]` must be a non-empty table of axis -> list; got "
                                f"{group!r}.")
            group = {_check_name(k, f"zip[{i}]"): _axis(v, f"zip[{i}].{k}")
                     for k, v in group.items()}
            lengths = {k: len(v) for k, v in group.items()}
            if len(set(lengths.values())) > 1:
                raise ValueError(f"`zip[{i}]` axes must have equal lengths (their values go "
                                 f"together); got lengths {lengths}.")
            groups.append(group)
        fixed = {_check_name(k, "fixed"): _plain(v, f"fixed.{k}") for k, v in fixed.items()}
        seen: dict[str, str] = {}
        for where, keys in [("grid", axes), ("fixed", fixed),
                            *((f"zip[{i}]", g) for i, g in enumerate(groups))]:
            for key in keys:
                if key in seen:
                    raise ValueError(f"key `{key}` appears in both {seen[key]} and {where}; "
                                     "give each key one place.")
                seen[key] = where
        if "seed" not in seen:
            fixed["seed"] = 0
        object.__setattr__(self, "axes", axes)
        object.__setattr__(self, "zipped", tuple(groups))
        object.__setattr__(self, "fixed", fixed)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.axes) + tuple(k for group in self.zipped for k in group)

    def __len__(self) -> int:
        return math.prod(len(v) for v in self.axes.values()) * math.prod(
            len(next(iter(g.values()))) for g in self.zipped)

    def origins(self) -> dict[str, str]:
        """Where each key is set: ``"fixed"``, ``"grid"`` or ``"zip[i]"`` (for messages)."""
        out = {k: "fixed" for k in self.fixed}
        out.update({k: "grid" for k in self.axes})
        for i, group in enumerate(self.zipped):
            out.update({k: f"zip[{i}]" for k in group})
        return out

    def values(self) -> dict[str, tuple]:
        """Every key with the distinct values it takes (fixed keys: one value)."""
        out = {k: (v,) for k, v in self.fixed.items()}
        out.update(self.axes)
        for group in self.zipped:
            out.update(group)
        return out

    def points(self) -> list[dict]:
        """The configs, one dict per point, in grid order."""
        factors = [[((k, v),) for v in values] for k, values in self.axes.items()]
        for group in self.zipped:
            factors.append(list(zip(*([(k, v) for v in vs] for k, vs in group.items()),
                                    strict=True)))
        return [{**self.fixed, **dict(itertools.chain.from_iterable(combo))}
                for combo in itertools.product(*factors)]
