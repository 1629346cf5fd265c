"""The sweep runner: grids and hashes, engines that agree, resume, failures, bad configs."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eigenlab.experiments import (
    Grid,
    ResultStore,
    config_hash,
    krr_measure,
    krr_theory,
    resolve_job,
    sweep,
)
from eigenlab.experiments._sweep import _BatchSizer

HERE = Path(__file__).parent
# Worker processes import the test jobs by module name, as they would a user's module.
sys.path.insert(0, str(HERE))
import sweep_jobs  # noqa: E402

# Columns that record where and when a job ran, not what it computed.
CIRCUMSTANTIAL = ["wall_time", "host", "finished_at"]


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


# --- grids and hashes -------------------------------------------------------------------

def test_grid_is_the_product_then_the_zipped_groups_last_axis_fastest():
    grid = Grid({"n": [1, 2], "ridge": [0.0, 0.5]},
                zipped=[{"alpha": [1.5, 2.0], "beta": [1.2, 1.8]}], fixed={"noise": 0.1})
    points = grid.points()
    assert len(grid) == len(points) == 8
    assert grid.names == ("n", "ridge", "alpha", "beta")
    assert [(p["n"], p["ridge"], p["alpha"], p["beta"]) for p in points[:3]] == [
        (1, 0.0, 1.5, 1.2), (1, 0.0, 2.0, 1.8), (1, 0.5, 1.5, 1.2)]
    assert all(p["noise"] == 0.1 and p["seed"] == 0 for p in points)
    assert Grid({"n": [1], "seed": [3, 4]}).points()[1]["seed"] == 4


def test_grid_values_from_numpy_become_python_values():
    point = Grid({"n": np.array([10, 20])}, fixed={"ridge": np.float64(0.5)}).points()[0]
    assert type(point["n"]) is int and type(point["ridge"]) is float


@pytest.mark.parametrize("axes, zipped, fixed, message", [
    ({"n": []}, (), None, "`grid.n` must be a non-empty list of values; got []"),
    ({"n": 3}, (), None, "`grid.n` must be a non-empty list of values; got 3 (int)"),
    ({"n": [1]}, [{"a": [1, 2], "b": [1]}], None, "`zip[0]` axes must have equal lengths"),
    ({"n": [1]}, (), {"n": 2}, "key `n` appears in both grid and fixed"),
    ({"n": [object()]}, (), None, "`grid.n` must hold numbers, strings"),
])
def test_bad_grids_say_which_key_what_it_got_and_what_it_needs(axes, zipped, fixed, message):
    with pytest.raises((ValueError, TypeError)) as error:
        Grid(axes, zipped=zipped, fixed=fixed)
    assert message in str(error.value)


def test_config_hash_ignores_key_order_and_int_float_spelling_but_not_job_or_values():
    base = config_hash("job", {"n": 10, "ridge": 0.5, "seed": 0})
    assert config_hash("job", {"seed": 0, "ridge": 0.5, "n": 10.0}) == base
    assert config_hash("other", {"n": 10, "ridge": 0.5, "seed": 0}) != base
    assert config_hash("job", {"n": 10, "ridge": 0.5, "seed": 1}) != base
    assert config_hash("job", {"n": 10, "ridge": True, "seed": 0}) != config_hash(
        "job", {"n": 10, "ridge": 1, "seed": 0})


# --- engines -----------------------------------------------------------------------------

GRID = Grid({"x": [0.0, 1.0, 2.0, 3.0], "power": [1, 2]}, zipped=[{"seed": [5, 6]}],
            fixed={"fail": False})


def _without_circumstance(frame):
    return frame.drop(columns=CIRCUMSTANTIAL).reset_index(drop=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    result = sweep(sweep_jobs.noisy_power, GRID, store=tmp_path_factory.mktemp("ref"),
                   engine="inprocess")
    return _without_circumstance(result.frame())


def test_in_process_rows_are_the_jobs_records_with_config_and_metadata(reference):
    assert len(reference) == 2 * len(GRID)
    first = reference.iloc[0]
    expected = np.random.default_rng(5).normal(size=2)[0]
    assert first["value"] == pytest.approx(0.0 + expected)
    assert first["config_hash"] == config_hash(
        "sweep_jobs:noisy_power", {"fail": False, "seed": 5, "x": 0.0, "power": 1})
    assert set(reference.columns) >= {"x", "power", "seed", "fail", "trial", "value", "job",
                                      "config_hash", "eigenlab_version", "dtype", "device"}
    assert (reference["dtype"] == "float64").all() and (reference["device"] == "cpu").all()


def test_process_pool_gives_the_same_rows(reference, tmp_path):
    result = sweep(sweep_jobs.noisy_power, GRID, store=tmp_path, engine="processes",
                   workers=2)
    pd.testing.assert_frame_equal(_without_circumstance(result.frame()), reference)


def test_dask_gives_the_same_rows_through_a_client_or_a_scheduler_address(
        reference, dask_client, tmp_path):
    result = sweep(sweep_jobs.noisy_power, GRID, store=tmp_path / "a", engine="dask",
                   client=dask_client)
    pd.testing.assert_frame_equal(_without_circumstance(result.frame()), reference)
    address = dask_client.scheduler.address
    result = sweep(sweep_jobs.noisy_power, GRID, store=tmp_path / "b", engine="dask",
                   scheduler=address, batch_size=3)
    pd.testing.assert_frame_equal(_without_circumstance(result.frame()), reference)


# --- resume, failures, batching, progress ------------------------------------------------

def test_a_rerun_skips_finished_points_and_an_extended_grid_runs_only_the_new_ones(tmp_path):
    first = sweep(sweep_jobs.square, {"x": [1, 2, 3]}, store=tmp_path, engine="inprocess")
    again = sweep(sweep_jobs.square, {"x": [1, 2, 3]}, store=tmp_path, engine="inprocess")
    extended = sweep(sweep_jobs.square, {"x": [1.0, 2, 3, 4]}, store=tmp_path,
                     engine="inprocess")
    assert (first.n_run, again.n_run, again.n_skipped) == (3, 0, 3)
    assert (extended.n_skipped, extended.n_run) == (3, 1)
    assert sorted(ResultStore(tmp_path).frame()["value"]) == [1, 4, 9, 16]
    assert extended.frame()["value"].tolist() == [1, 4, 9, 16]


def test_a_failing_job_is_recorded_and_the_sweep_goes_on_and_retries_it(tmp_path):
    grid = Grid({}, zipped=[{"x": [1.0, 2.0, 3.0], "fail": [False, True, False]}])
    result = sweep(sweep_jobs.noisy_power, grid, store=tmp_path, engine="inprocess")
    assert (result.n_run, result.n_failed) == (3, 1)
    assert result.frame()["x"].unique().tolist() == [1.0, 3.0]
    errors = result.errors()
    assert errors["x"].tolist() == [2.0]
    assert errors["error"][0] == "ValueError: planted failure at x=2.0"
    assert "raise ValueError" in errors["traceback"][0]
    kept = sweep(sweep_jobs.noisy_power, grid, store=tmp_path, engine="inprocess",
                 retry_errors=False)
    retried = sweep(sweep_jobs.noisy_power, grid, store=tmp_path, engine="inprocess")
    assert (kept.n_run, retried.n_run, retried.n_failed) == (0, 1, 1)
    assert len(ResultStore(tmp_path).errors()) == 1


@pytest.mark.parametrize("batch_size", [1, 4])
def test_a_point_that_kills_its_worker_is_an_error_and_the_sweep_goes_on(tmp_path,
                                                                         batch_size):
    # SIGKILL from inside the job: what the out-of-memory killer does. The process pool
    # breaks, every batch in flight dies with it; the runner restarts the pool and runs
    # their points again one at a time, so that only the guilty points become errors.
    grid = Grid({"x": list(range(12))}, fixed={"die_at": [3, 8]})
    result = sweep(sweep_jobs.dies_at, grid, store=tmp_path, engine="processes", workers=2,
                   batch_size=batch_size)
    assert (result.n_run, result.n_failed) == (12, 2)
    frame = result.frame()
    assert sorted(frame["x"]) == [x for x in range(12) if x not in (3, 8)]
    assert frame["config_hash"].is_unique
    np.testing.assert_array_equal(frame["value"], frame["x"] ** 2)
    errors = result.errors()
    assert sorted(errors["x"]) == [3, 8]
    assert errors["error"].str.startswith("WorkerDied: the worker process died").all()
    # A rerun tries only the dead points again (and they die again).
    again = sweep(sweep_jobs.dies_at, grid, store=tmp_path, engine="processes", workers=2)
    assert (again.n_skipped, again.n_run, again.n_failed) == (10, 2, 2)


def test_a_job_returning_something_else_is_a_recorded_error(tmp_path):
    result = sweep(sweep_jobs.bad_return, {"x": [1]}, store=tmp_path, engine="inprocess")
    assert result.n_failed == 1
    assert "a job must return a dict" in result.errors()["error"][0]


def test_batches_grow_to_about_a_second_of_work_but_keep_every_worker_busy():
    sizer = _BatchSizer(workers=2, fixed=None)
    assert sizer.size(10_000) == 1
    sizer.record(seconds=0.01, jobs=10)
    assert sizer.size(10_000) == 1000
    assert sizer.size(100) == 50  # 25 would balance better, but 25 ms is not worth a task
    assert sizer.size(400) == 100
    sizer.record(seconds=40.0, jobs=10)
    assert sizer.size(10_000) == 1
    assert _BatchSizer(workers=2, fixed=7).size(3) == 7


def test_many_tiny_jobs_make_few_tasks_and_part_files(tmp_path):
    calls = []
    result = sweep(sweep_jobs.square, {"x": list(range(2000))}, store=tmp_path,
                   engine="inprocess", progress=lambda *a: calls.append(a))
    assert result.n_run == 2000
    assert len(ResultStore(tmp_path).parts()) < 40
    done = [c[0] for c in calls]
    assert done == sorted(done) and done[0] == 0 and done[-1] == 2000
    assert all(total == 2000 for _, total, _ in calls)


def test_progress_reports_points_found_in_the_store_first(tmp_path):
    sweep(sweep_jobs.square, {"x": [1, 2]}, store=tmp_path, engine="inprocess")
    calls = []
    sweep(sweep_jobs.square, {"x": [1, 2, 3]}, store=tmp_path, engine="inprocess",
          progress=lambda *a: calls.append(a))
    assert calls[0] == (2, 3, "2 already stored") and calls[-1][:2] == (3, 3)


# --- bad configs fail before any job runs ----------------------------------------------

@pytest.mark.parametrize("job, grid, message", [
    ("krr-theory", {"n": [10], "alphaa": [1.5]},
     "unknown key `grid.alphaa` for job 'krr-theory'; it takes"),
    ("krr-theory", {"n": ["ten"]}, "`grid.n` must be a number; got 'ten' (str)"),
    ("krr-theory", {"ridge": [0.1]}, "job 'krr-theory' needs `n`"),
    ("krr-theory", {"n": [10], "ridge": [-1.0]}, "`grid.ridge` must be >= 0.0; got -1.0"),
    ("krr-theory", {"n": [10], "spectrum": ["circle"]},
     "`grid.spectrum` must be one of 'power-law', 'hea'; got 'circle'"),
    ("krr-measure", {"n": [10.5]}, "`grid.n` must be an integer; got 10.5 (float)"),
    ("krr-theroy", {"n": [10]}, "Did you mean 'krr-theory'?"),
    # Checks across keys: every point's config is built before any job runs.
    ("krr-measure", {"n": [10, 2000], "pool": [1000]},
     "grid point 1 (n=2000, pool=1000): `n` must stay below `pool` (1000)"),
    ("curve", {"pool": [100, 400]},
     "grid point 0 (pool=100): `n` must stay below `pool` (100) to leave test points"),
    ("curve", {"kernel": ["gaussian", "cosine"]},
     "grid point 1 (kernel='cosine'): `kernel` must be one of gaussian"),
    ("no_such_module:job", {"n": [10]}, "cannot import module 'no_such_module'"),
])
def test_bad_configs_fail_before_any_job_runs(tmp_path, job, grid, message):
    with pytest.raises((ValueError, TypeError)) as error:
        sweep(job, grid, store=tmp_path, engine="inprocess")
    assert message in str(error.value)
    assert not (tmp_path / "parts").exists()


def test_bad_options_and_unpicklable_jobs_are_refused_up_front(tmp_path):
    with pytest.raises(ValueError, match="`engine` must be one of inprocess, processes, dask"):
        sweep(sweep_jobs.square, {"x": [1]}, store=tmp_path, engine="threads")
    with pytest.raises(ValueError, match="`workers` must be a positive integer; got 0"):
        sweep(sweep_jobs.square, {"x": [1]}, store=tmp_path, workers=0)
    with pytest.raises(ValueError, match="needs a job defined at module level"):
        sweep(lambda c: {}, {"x": [1]}, store=tmp_path, engine="processes")


def test_jobs_resolve_by_short_name_path_or_function():
    assert resolve_job("curve").row_index == ("source", "n", "ridge", "trial")
    assert resolve_job("krr-theory").function is krr_theory
    assert resolve_job(krr_measure).name == "krr-measure"
    assert resolve_job(krr_measure).row_index == ("trial",)
    assert resolve_job("sweep_jobs:square").name == "sweep_jobs:square"


# --- the built-in jobs do real work -----------------------------------------------------

def test_krr_theory_matches_the_power_law_asymptote_and_is_monotone_in_n(tmp_path):
    from eigenlab.theory import power_law_effective_ridge

    result = sweep("krr-theory", Grid({"n": [100, 1000, 10_000]},
                                      fixed={"alpha": 2.0, "modes": 200_000}),
                   store=tmp_path, engine="inprocess")
    frame = result.frame()
    assert np.all(np.diff(frame["test_mse"]) < 0)
    # Ridgeless power law: kappa ~ n^-alpha up to a constant; check the exponent.
    slope = np.polyfit(np.log(frame["n"]), np.log(frame["effective_ridge"]), 1)[0]
    expected = np.polyfit(np.log(frame["n"]),
                          np.log(power_law_effective_ridge(frame["n"].to_numpy(), alpha=2.0)),
                          1)[0]
    assert slope == pytest.approx(expected, rel=0.02)


def test_krr_measure_learns_mnist_parity_as_n_grows(tmp_path):
    result = sweep("krr-measure", Grid({"n": [10, 250]}, fixed={"pool": 400, "trials": 2,
                                                               "ridge": 1e-3}),
                   store=tmp_path, engine="inprocess")
    frame = result.frame()
    assert len(frame) == 4 and set(frame["trial"]) == {0, 1}
    by_n = frame.groupby("n")["test_mse"].mean()
    assert by_n[250] < 0.8 * by_n[10]
    assert (frame["dtype"] == "float64").all()


# --- a sweep killed with SIGKILL resumes: every point exactly once ------------------------

# Imports under the guard: worker processes re-run the script's top level to find it.
KILLED = textwrap.dedent("""
    import sys
    sys.path.insert(0, {here!r})

    if __name__ == "__main__":
        import sweep_jobs
        from eigenlab.experiments import Grid, sweep

        sweep(sweep_jobs.slow_square, Grid({{"x": list(range({points}))}},
                                           fixed={{"log": {log!r}, "sleep": 0.04}}),
              store={store!r}, engine="processes", workers=2, batch_size=1)
""")


def test_a_sweep_killed_with_sigkill_resumes_with_every_point_exactly_once(tmp_path):
    points, store, log = 40, tmp_path / "store", tmp_path / "log"
    log.mkdir()
    script = tmp_path / "run.py"
    script.write_text(KILLED.format(here=str(HERE), points=points, store=str(store),
                                    log=str(log)))
    process = subprocess.Popen([sys.executable, str(script)], start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while len(ResultStore(store).parts()) < 5:
        assert process.poll() is None, process.stdout.read().decode()
        assert time.monotonic() < deadline, "the sweep never wrote a part file"
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)  # the driver and its pool, mid-run
    process.wait()
    process.stdout.close()
    killed_parts = ResultStore(store).parts()
    done_before = ResultStore(store).finished()
    assert 5 <= len(done_before) < points

    result = sweep(sweep_jobs.slow_square, Grid({"x": list(range(points))},
                                               fixed={"log": str(log), "sleep": 0.04}),
                   store=store, engine="processes", workers=2)
    assert result.n_skipped == len(done_before) and result.n_run == points - len(done_before)
    runs = pd.Series([int(line) for f in log.iterdir() for line in f.read_text().split()])
    stored_before = {int(x) for x in pd.concat(pd.read_parquet(p) for p in killed_parts)["x"]}
    assert (runs[runs.isin(stored_before)].value_counts() == 1).all()  # never run again
    assert set(runs) == set(range(points))
    parts = ResultStore(store).parts()
    assert set(killed_parts) <= set(parts)
    rows = pd.concat([pd.read_parquet(p) for p in parts])  # every file whole and readable
    assert sorted(rows["x"]) == list(range(points))
    assert rows["config_hash"].is_unique
    assert not list((store / "parts").glob(".tmp-*"))
    assert sorted(result.frame()["x"]) == list(range(points))


@pytest.mark.slow
def test_100000_points_make_few_dask_tasks(dask_client, tmp_path):
    tasks = []
    start = time.perf_counter()
    result = sweep(sweep_jobs.square, {"x": list(range(100_000))}, store=tmp_path,
                   engine="dask", client=dask_client,
                   progress=lambda done, total, message: tasks.append(done))
    assert result.n_run == 100_000 and time.perf_counter() - start < 120
    assert len(tasks) - 1 == len(ResultStore(tmp_path).parts()) < 200
    assert ResultStore(tmp_path).frame()["config_hash"].is_unique


@pytest.mark.slow
def test_hea_theory_and_measured_krr_jobs_agree_on_mnist(tmp_path):
    """Two routes to one learning curve, through the two built-in jobs (about 15% apart)."""
    fixed = {"ridge": 1e-3, "kernel": "gaussian", "width": 1.0}
    theory = sweep("krr-theory", Grid({"n": [30, 300]}, fixed={
        **fixed, "spectrum": "hea", "hea_samples": 5000, "hea_modes": 2000}),
        store=tmp_path / "theory", engine="inprocess").frame()
    measured = sweep("krr-measure", Grid({"n": [30, 300]}, fixed={
        **fixed, "pool": 1500, "trials": 4}),
        store=tmp_path / "measured", engine="inprocess").frame()
    mean = measured.groupby("n")["test_mse"].mean().to_numpy()
    np.testing.assert_allclose(theory["test_mse"].to_numpy(), mean, rtol=0.25)


def test_the_rf_and_overfit_studies_run_as_sweep_jobs(tmp_path):
    # A grid over seeds of the quick studies: rows carry their config hash, and bad
    # cross-key configs fail before any job runs.
    rf = {"n": [[32]], "k": [[8, 32, 128]], "ridges": [[1e-3, 1.0]], "trials": [2],
          "modes": [200], "test_size": [200]}
    result = sweep("rf", Grid({"seed": [0, 1]}, fixed={k: v[0] for k, v in rf.items()}),
                   store=tmp_path / "rf", engine="inprocess")
    frame = result.frame()
    assert result.n_failed == 0 and frame["config_hash"].nunique() == 2
    assert set(frame["source"]) == {"theory", "experiment"}
    overfit = {"n": [25, 50], "trials": 2, "test_size": 200, "dim": 5}
    result = sweep("overfit", Grid({"width": [1.0, 2.0]}, fixed=overfit),
                   store=tmp_path / "overfit", engine="inprocess")
    frame = result.frame()
    assert result.n_failed == 0
    assert set(frame["method"]) == {"noise-fit", "estimator", "theory", "noise-sensitivity"}
    with pytest.raises(ValueError, match="grid point 0 .*`features` must be 'gaussian'"):
        sweep("rf", {"features": ["relu"]}, store=tmp_path / "bad", engine="inprocess")
