"""The sweep result store: a folder of Parquet part files, each written atomically."""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from pathlib import Path

__all__ = ["ResultStore", "StoreLockedError", "METADATA_COLUMNS"]

# Columns the runner adds to every row, after the config and record columns.
METADATA_COLUMNS = ("job", "config_hash", "seed", "eigenlab_version", "dtype", "device",
                    "wall_time", "status", "error", "traceback", "host", "finished_at")
_ERROR_ONLY = ("error", "traceback")
_PART_GLOB = "part-*.parquet"
_TEMP_PREFIX = ".tmp-"


class StoreLockedError(RuntimeError):
    """Another sweep is writing to the same store."""


class ResultStore:
    """A folder of tidy Parquet tables, one part file per finished batch of sweep jobs.

    Layout::

        STORE/parts/part-<time>-<id>.parquet   rows of finished jobs (ok and error)
        STORE/sweep.json                       the last sweep's job, axes and row index
        STORE/.lock                            held (flock) while a sweep writes

    Each part file is written under a hidden temporary name and moved into place with
    :func:`os.replace`, so a reader (or a resumed sweep) never sees half a file: a sweep
    killed at any moment leaves only whole part files, and a leftover temporary file is
    removed when the next sweep opens the store. Which points are done is read from the part
    files themselves (their ``config_hash`` and ``status`` columns), so there is no index to
    fall out of step with the data. DuckDB and polars read ``STORE/parts/*.parquet`` directly.

    Every row holds the point's config (lists and tables as canonical JSON text), the job's
    record columns, and :data:`METADATA_COLUMNS`: ``job``, ``config_hash``, ``seed``,
    ``eigenlab_version``, ``dtype``, ``device``, ``wall_time`` (seconds the job ran),
    ``status`` (``"ok"`` or ``"error"``), ``error`` and ``traceback`` (failed jobs), ``host``
    and ``finished_at`` (UTC, ISO 8601).

    Parameters
    ----------
    path : str or os.PathLike
        The store's folder (made on the first write).

    Examples
    --------
    >>> import tempfile
    >>> store = ResultStore(tempfile.mkdtemp())
    >>> _ = store.write([{"n": 10, "test_mse": 0.5, "config_hash": "a", "status": "ok"}])
    >>> store.frame()[["n", "test_mse"]].to_dict("records")
    [{'n': 10, 'test_mse': 0.5}]
    >>> store.finished()
    {'a'}
    """

    def __init__(self, path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"ResultStore({str(self.path)!r})"

    @property
    def parts_dir(self) -> Path:
        return self.path / "parts"

    def parts(self) -> list[Path]:
        """The visible part files, oldest first."""
        if not self.parts_dir.is_dir():
            return []
        return sorted(self.parts_dir.glob(_PART_GLOB))

    def write(self, rows: list[dict]) -> Path:
        """Write rows as one new part file, atomically (temporary name, fsync, rename)."""
        import pandas as pd

        self.parts_dir.mkdir(parents=True, exist_ok=True)
        name = f"part-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.parquet"
        temporary = self.parts_dir / f"{_TEMP_PREFIX}{name}"
        try:
            frame = pd.DataFrame.from_records(rows)
            with open(temporary, "wb") as handle:
                frame.to_parquet(handle, index=False)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.parts_dir / name)
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise
        return self.parts_dir / name

    def _read(self, columns=None):
        import pandas as pd
        import pyarrow.parquet as pq

        tables = []
        for part in self.parts():
            if columns is None:
                tables.append(pq.read_table(part).to_pandas())
            else:
                present = [c for c in columns if c in pq.read_schema(part).names]
                tables.append(pq.read_table(part, columns=present).to_pandas())
        tables = [t for t in tables if len(t)]
        if not tables:
            return pd.DataFrame(columns=list(columns or ()))
        return pd.concat(tables, ignore_index=True, sort=False)

    def finished(self) -> set[str]:
        """Config hashes of the points that finished without error."""
        frame = self._read(["config_hash", "status"])
        if frame.empty:
            return set()
        ok = frame["status"] == "ok" if "status" in frame else True
        return set(frame.loc[ok, "config_hash"].astype(str))

    def frame(self):
        """The rows of every job that finished without error, as a pandas DataFrame.

        The ``status``, ``error`` and ``traceback`` columns are dropped (see :meth:`errors`).
        """
        frame = self._read()
        if "status" in frame:
            frame = frame[frame["status"] == "ok"].reset_index(drop=True)
        return frame.drop(columns=[c for c in ("status", *_ERROR_ONLY) if c in frame])

    def errors(self):
        """One row per failed point that has not since succeeded: its config and its error.

        A point that failed on several attempts keeps its latest error.
        """
        frame = self._read()
        if frame.empty or "status" not in frame:
            return frame.iloc[0:0]
        failed = frame[frame["status"] == "error"]
        failed = failed[~failed["config_hash"].isin(self.finished())]
        failed = failed.drop_duplicates("config_hash", keep="last")
        return failed.dropna(axis=1, how="all").reset_index(drop=True)

    def metadata(self) -> dict:
        """The last sweep's ``job``, grid ``axes`` and per-job row ``index`` ({} if none)."""
        try:
            return json.loads((self.path / "sweep.json").read_text())
        except FileNotFoundError:
            return {}

    def write_metadata(self, metadata: dict) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        temporary = self.path / f"{_TEMP_PREFIX}sweep.json"
        temporary.write_text(json.dumps(metadata, indent=1))
        os.replace(temporary, self.path / "sweep.json")

    def to_xarray(self, *, dims=None, variables=None):
        """The finished rows as an :class:`xarray.Dataset` labelled by the grid's axes.

        Parameters
        ----------
        dims : sequence of str, optional
            Index columns; default the last sweep's grid axes followed by its job's row index
            (e.g. ``trial``). Missing combinations (zipped axes, failed points) are NaN.
        variables : sequence of str, optional
            Data variables; default every numeric column that is not a dimension or a
            metadata column, plus ``wall_time``.

        Raises
        ------
        ImportError
            xarray is not installed (``pip install xarray``).
        ValueError
            The dimensions do not identify rows uniquely (pass ``dims=``).
        """
        try:
            import xarray  # noqa: F401
        except ImportError:
            raise ImportError("ResultStore.to_xarray needs xarray: pip install xarray "
                              "(or pip install 'eigenlab[dask]').") from None
        import pandas as pd

        frame = self.frame()
        meta = self.metadata()
        if dims is None:
            dims = [*meta.get("axes", []), *meta.get("index", [])]
        dims = [d for d in dims if d in frame] if dims else []
        if not dims:
            raise ValueError("`dims` must name the index columns of the table (the store "
                             f"has no sweep metadata); columns: {sorted(frame.columns)}.")
        if variables is None:
            variables = [c for c in frame.columns if c not in dims
                         and c not in METADATA_COLUMNS
                         and pd.api.types.is_numeric_dtype(frame[c])
                         and not pd.api.types.is_bool_dtype(frame[c])] + ["wall_time"]
        indexed = frame.set_index(list(dims))[list(variables)]
        if not indexed.index.is_unique:
            raise ValueError(f"`dims` {list(dims)} do not identify the rows uniquely; pass "
                             "dims= with the columns that do (e.g. add 'seed' or 'trial').")
        return indexed.to_xarray()

    @contextlib.contextmanager
    def lock(self):
        """Hold the store for one writer; clear temporary files a killed writer left."""
        self.path.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; one writer is the user's job
            yield self
            return
        with open(self.path / ".lock", "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreLockedError(f"the store {str(self.path)!r} is being written by "
                                       "another sweep; wait for it or use another --store."
                                       ) from None
            try:
                for stale in self.parts_dir.glob(f"{_TEMP_PREFIX}*"):
                    stale.unlink()
                yield self
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
