"""The result store: atomic part files, errors, the xarray view, one writer at a time."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eigenlab.experiments import Grid, ResultStore, StoreLockedError, sweep

sys.path.insert(0, str(Path(__file__).parent))  # worker-importable test jobs
import sweep_jobs  # noqa: E402


def _row(key, status="ok", **values):
    return {"config_hash": key, "status": status, "error": None if status == "ok" else "E",
            **values}


def test_a_crash_while_writing_leaves_no_visible_part_file(tmp_path, monkeypatch):
    store = ResultStore(tmp_path)
    store.write([_row("a", value=1.0)])

    def crash(self, handle, **options):
        handle.write(b"PAR1 half a parquet file")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", crash)
    with pytest.raises(OSError, match="disk full"):
        store.write([_row("b", value=2.0)])
    monkeypatch.undo()
    assert len(store.parts()) == 1
    assert list((tmp_path / "parts").iterdir()) == store.parts()  # no temporary left either
    assert store.frame()["config_hash"].tolist() == ["a"]


def test_a_temporary_file_left_by_a_killed_writer_is_invisible_and_cleared(tmp_path):
    store = ResultStore(tmp_path)
    store.write([_row("a", value=1.0)])
    stale = tmp_path / "parts" / ".tmp-part-0001.parquet"
    stale.write_bytes(b"PAR1 truncated")
    assert store.finished() == {"a"}
    with store.lock():
        assert not stale.exists()


def test_only_one_sweep_writes_a_store_at_a_time(tmp_path):
    store = ResultStore(tmp_path)
    with store.lock(), pytest.raises(StoreLockedError, match="being written by another"):
        with ResultStore(tmp_path).lock():
            pass
    with store.lock():  # released
        pass


def test_errors_keep_the_latest_failure_of_points_that_never_succeeded(tmp_path):
    store = ResultStore(tmp_path)
    store.write([_row("a", "error", x=1), _row("b", "error", x=2)])
    store.write([_row("a", "ok", x=1, value=3.0), _row("b", "error", x=2)])
    errors = store.errors()
    assert errors["config_hash"].tolist() == ["b"] and len(errors) == 1
    frame = store.frame()
    assert frame["config_hash"].tolist() == ["a"]
    assert not {"status", "error", "traceback"} & set(frame.columns)
    assert store.finished() == {"a"}


def test_an_empty_store_reads_as_empty(tmp_path):
    store = ResultStore(tmp_path / "nothing")
    assert store.finished() == set() and store.frame().empty and store.errors().empty


def test_rows_carry_the_documented_schema(tmp_path):
    frame = sweep(sweep_jobs.square, {"x": [1, 2]}, store=tmp_path,
                  engine="inprocess").frame()
    assert list(frame.columns) == ["seed", "x", "value", "job", "config_hash",
                                   "eigenlab_version", "dtype", "device", "wall_time", "host",
                                   "finished_at"]
    assert frame["job"].unique().tolist() == ["sweep_jobs:square"]
    assert (frame["wall_time"] >= 0).all() and frame["config_hash"].str.len().eq(32).all()


def test_lists_in_a_config_are_stored_as_canonical_json_text(tmp_path):
    frame = sweep(sweep_jobs.square, Grid({"x": [3]}, fixed={"sizes": [10, 20]}),
                  store=tmp_path, engine="inprocess").frame()
    assert frame["sizes"].tolist() == ["[10,20]"]


def test_to_xarray_pivots_on_the_grid_axes_and_the_jobs_row_index(tmp_path):
    pytest.importorskip("xarray")
    grid = Grid({"x": [1.0, 2.0, 3.0], "power": [1, 2]})
    result = sweep(sweep_jobs.noisy_power, grid, store=tmp_path, engine="inprocess")
    data = result.to_xarray()
    assert dict(data.sizes) == {"x": 3, "power": 2, "trial": 2}
    frame = result.frame()
    for _, row in frame.iterrows():
        point = data["value"].sel(x=row["x"], power=row["power"], trial=row["trial"])
        assert float(point) == row["value"]
    assert "wall_time" in data and "seed" not in data
    with pytest.raises(ValueError, match="do not identify the rows uniquely"):
        result.store.to_xarray(dims=["x"])


def test_to_xarray_leaves_missing_combinations_of_zipped_axes_nan(tmp_path):
    pytest.importorskip("xarray")
    grid = Grid({}, zipped=[{"x": [1.0, 2.0], "power": [1, 2]}])
    data = sweep(sweep_jobs.square, grid, store=tmp_path, engine="inprocess").to_xarray()
    assert data["value"].shape == (2, 2)
    assert np.isnan(data["value"].sel(x=1.0, power=2)) and data["value"].sel(x=2.0,
                                                                              power=2) == 4


def test_to_xarray_without_xarray_says_how_to_install_it(tmp_path, monkeypatch):
    store = ResultStore(tmp_path)
    monkeypatch.setitem(sys.modules, "xarray", None)
    with pytest.raises(ImportError, match="pip install xarray"):
        store.to_xarray()
