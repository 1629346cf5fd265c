"""What runs inside a sweep worker: the standard library only.

It lives outside :mod:`eigenlab.experiments` (whose import loads torch and scikit-learn, a few
seconds) so that a worker process running a light job starts in milliseconds. The runner is
:func:`eigenlab.experiments.sweep`.
"""

from __future__ import annotations

import datetime
import json
import socket
import time
import traceback
from collections.abc import Mapping

_SCALARS = (str, int, float, bool, type(None))


def _plain(value):
    """A numpy scalar -> its Python value (numpy is not imported here)."""
    if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0:
        return value.item()
    return value


def as_rows(records) -> list[dict]:
    """A job's return value -> a list of row dicts (refusing anything else)."""
    if hasattr(records, "to_frame") and not hasattr(records, "to_dict"):
        records = records.to_frame()
    if hasattr(records, "to_dict") and hasattr(records, "columns"):
        records = records.to_dict("records")
    if isinstance(records, Mapping):
        records = [records]
    if not isinstance(records, list | tuple) or not all(isinstance(r, Mapping)
                                                        for r in records):
        raise TypeError("a job must return a dict, a list of dicts, a DataFrame or a record "
                        f"with to_frame(); got {type(records).__name__}.")
    return [{str(k): _plain(v) for k, v in r.items()} for r in records]


def config_columns(config: dict) -> dict:
    """Config values as table cells: scalars as they are, lists and tables as JSON text."""
    return {k: v if isinstance(v, _SCALARS)
            else json.dumps(v, sort_keys=True, separators=(",", ":"))
            for k, v in config.items()}


def _rows(job_name: str, key: str, config: dict, records: list, version: str, wall: float,
          error: str | None, trace: str | None, host: str) -> list[dict]:
    finished = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    columns = config_columns(config)
    return [{**columns, **record, "job": job_name, "config_hash": key,
             "seed": record.get("seed", config.get("seed")), "eigenlab_version": version,
             "dtype": str(record.get("dtype", config.get("dtype", "float64"))),
             "device": str(record.get("device", config.get("device", "cpu"))),
             "wall_time": wall, "status": "ok" if error is None else "error",
             "error": error, "traceback": trace, "host": host, "finished_at": finished}
            for record in records]


def run_batch(function, job_name: str, items: list, version: str) -> list[dict]:
    """Run (config_hash, config) items one after the other; a failure is a row, not a raise."""
    host = socket.gethostname()
    rows = []
    for key, config in items:
        start = time.perf_counter()
        try:
            records, error, trace = as_rows(function(dict(config))), None, None
        except Exception as exc:  # a failing job is recorded and the sweep goes on
            records, error = [{}], f"{type(exc).__name__}: {exc}"
            trace = traceback.format_exc()
        rows += _rows(job_name, key, config, records, version, time.perf_counter() - start,
                      error, trace, host)
    return rows


def failure_rows(job_name: str, items: list, version: str, error: str) -> list[dict]:
    """Error rows for points whose worker died under them (the driver writes these)."""
    return [row for key, config in items
            for row in _rows(job_name, key, config, [{}], version, float("nan"), error, None,
                             "unknown")]
