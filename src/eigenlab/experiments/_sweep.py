"""The sweep runner: a grid of pure jobs on one engine, every finished batch stored at once."""

from __future__ import annotations

import contextlib
import math
import os
import pickle
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._sweep_worker import failure_rows, run_batch
from ._grid import Grid, config_hash
from ._jobs import Job, resolve_job
from ._store import ResultStore

__all__ = ["ENGINES", "SweepResult", "sweep"]

Progress = Callable[[int, int, str], None]

ENGINES = ("inprocess", "processes", "dask")
# A batch aims at this much work, so per-task overhead (about 0.2 ms for a process pool,
# 4 ms for Dask) stays below 1%, while a killed sweep loses at most a second per worker.
_TARGET_BATCH_SECONDS = 1.0
_MIN_BATCH_SECONDS = 0.05
_MAX_BATCH = 10_000


@dataclass(frozen=True, eq=False)
class SweepResult:
    """What a sweep did, and its rows.

    Attributes
    ----------
    store : ResultStore
    job : str
        The job's name (short name or ``module:function``).
    grid : Grid
    config_hashes : tuple of str
        One per grid point, in grid order.
    n_points, n_skipped, n_run, n_failed : int
        Grid size; points found finished in the store; points run now; of those, failed.
    engine : str
    wall_time : float
        Seconds the sweep took.
    """

    store: ResultStore
    job: str
    grid: Grid
    config_hashes: tuple
    n_points: int
    n_skipped: int
    n_run: int
    n_failed: int
    engine: str
    wall_time: float

    def frame(self):
        """This sweep's finished rows (from the store), in grid order."""
        frame = self.store.frame()
        if frame.empty:
            return frame
        order = {h: i for i, h in enumerate(self.config_hashes)}
        position = frame["config_hash"].map(order)
        mine = position.notna().to_numpy()
        keep = np.argsort(position[mine].to_numpy(), kind="stable")
        return frame[mine].iloc[keep].reset_index(drop=True)

    def errors(self):
        """This sweep's failed points with their errors."""
        errors = self.store.errors()
        if errors.empty:
            return errors
        return errors[errors["config_hash"].isin(set(self.config_hashes))].reset_index(
            drop=True)

    def to_xarray(self, **options):
        """:meth:`ResultStore.to_xarray` of the store."""
        return self.store.to_xarray(**options)


class _BatchSizer:
    """Batches of about a second of work: size 1 until timings arrive, never so large that
    the last batches leave workers idle (at most remaining / (2 workers), unless that is
    under 50 ms of work)."""

    def __init__(self, workers: int, fixed: int | None):
        self.workers, self.fixed = workers, fixed
        self.seconds, self.jobs = 0.0, 0

    def record(self, seconds: float, jobs: int):
        # The latest batch, not the running mean: a fresh worker's first calls are slow
        # (imports, BLAS start-up) and would keep the batches small for too long.
        self.seconds, self.jobs = seconds, jobs

    def size(self, remaining: int) -> int:
        if self.fixed is not None:
            return self.fixed
        if self.jobs == 0:
            return 1
        per_job = max(self.seconds / self.jobs, 1e-6)
        balanced = math.ceil(remaining / (2 * self.workers))
        # Splitting batches shorter than this for balance costs more than the idle time saved.
        worth_splitting = math.ceil(_MIN_BATCH_SECONDS / per_job)
        by_time = int(_TARGET_BATCH_SECONDS / per_job)
        return max(1, min(by_time, max(balanced, worth_splitting), _MAX_BATCH))


class _InProcess:
    """Runs each batch when it is submitted; the same interface as the pools."""

    isolates_deaths = True  # a death here is the driver's own: nothing survives to see it

    def __init__(self):
        self.workers = 1

    def submit(self, fn, *args):
        from concurrent.futures import Future

        future = Future()
        future.set_result(fn(*args))
        return future

    def wait(self, futures):
        return set(futures)

    def result(self, future):
        return future.result()


class _WorkerDied(Exception):
    """A batch's worker process died under it (killed, out of memory, a crash in C code)."""


class _Pool:
    """A process pool that can be restarted: a worker that dies breaks the whole
    ``ProcessPoolExecutor``, failing every batch in flight."""

    isolates_deaths = False  # a death fails every batch in flight, not only its own

    def __init__(self, workers: int, context):
        from concurrent.futures import ProcessPoolExecutor

        self.workers, self.context = workers, context
        self._make = lambda: ProcessPoolExecutor(workers, mp_context=context)
        self.executor = self._make()

    def submit(self, fn, *args):
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        try:
            return self.executor.submit(fn, *args)
        except BrokenProcessPool as error:  # a batch already in flight killed the pool
            future = Future()
            future.never_ran = True
            future.set_exception(error)
            return future

    def wait(self, futures):
        from concurrent.futures import FIRST_COMPLETED, wait

        return wait(futures, return_when=FIRST_COMPLETED).done

    def result(self, future):
        from concurrent.futures.process import BrokenProcessPool

        try:
            return future.result()
        except BrokenProcessPool:
            raise _WorkerDied from None

    def restart(self):
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.executor = self._make()

    def close(self):
        self.executor.shutdown(wait=True, cancel_futures=True)


class _Dask:
    isolates_deaths = True  # a dead worker fails only the tasks it was running

    def __init__(self, client):
        self.client = client

    @property
    def workers(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

    def wait(self, futures):
        from distributed import wait

        return set(wait(list(futures), return_when="FIRST_COMPLETED").done)

    def result(self, future):
        from distributed import KilledWorker

        try:
            return future.result()
        except KilledWorker:  # the batch killed its worker several times over
            raise _WorkerDied from None

    def restart(self):  # Dask replaces dead workers itself
        pass


def _start_context(module: str | None):
    import multiprocessing

    if sys.platform != "linux":
        return multiprocessing.get_context("spawn")
    # Not fork: the driver usually has torch's (and maybe Dask's) threads running, and fork
    # copies their locks mid-use. The fork server forks clean workers from one process that
    # has imported the worker module and the job's module once, so workers start quickly.
    context = multiprocessing.get_context("forkserver")
    from multiprocessing import forkserver

    if getattr(forkserver._forkserver, "_forkserver_pid", None) is None:
        # "__main__": the fork server imports the user's script once, instead of each
        # worker re-running its top level to find a job defined there (Python >= 3.12;
        # 3.11 drops the script's path, so keep a script's heavy imports under its guard).
        preload = ["__main__", "eigenlab._sweep_worker", "numpy"]
        if module not in (None, "__main__"):
            preload.append(module)
        context.set_forkserver_preload(preload)
    # Start it now: it imports while the driver checks the grid and reads the store.
    forkserver.ensure_running()
    return context


def _available_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@contextlib.contextmanager
def _engine(engine: str, workers: int | None, scheduler: str | None, client, context=None):
    if engine == "inprocess":
        yield _InProcess()
    elif engine == "processes":
        pool = _Pool(workers or _available_cpus(), context)
        try:
            yield pool
        finally:
            pool.close()
    else:
        try:
            import distributed
        except ImportError:
            raise ImportError("engine='dask' needs dask and distributed: pip install "
                              "'eigenlab[dask]'.") from None
        if client is not None:
            yield _Dask(client)
        elif scheduler is not None:
            options = ({"scheduler_file": scheduler} if scheduler.endswith(".json")
                       else {"address": scheduler})
            with distributed.Client(**options) as connected:
                yield _Dask(connected)
        else:
            with distributed.LocalCluster(n_workers=workers or _available_cpus(),
                                          threads_per_worker=1, dashboard_address=None
                                          ) as cluster, distributed.Client(cluster) as local:
                yield _Dask(local)


def _check_options(engine, workers, scheduler, client, batch_size):
    if engine not in ENGINES:
        raise ValueError(f"`engine` must be one of {', '.join(ENGINES)}; got {engine!r}.")
    for name, value in (("workers", workers), ("batch_size", batch_size)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 1):
            raise ValueError(f"`{name}` must be a positive integer; got {value!r}.")
    if (scheduler is not None or client is not None) and engine != "dask":
        raise ValueError(f"`scheduler`/`client` need engine='dask'; got engine={engine!r}.")
    if scheduler is not None and not isinstance(scheduler, str):
        raise TypeError(f"`scheduler` must be an address like 'tcp://host:8786' or a "
                        f"scheduler file ending in .json; got {scheduler!r}.")


def sweep(job, grid, *, store, engine: str = "processes", workers: int | None = None,
          scheduler: str | None = None, client=None, batch_size: int | None = None,
          retry_errors: bool = True, progress: Progress | None = None) -> SweepResult:
    """Run ``job`` on every point of ``grid``, writing each finished batch to ``store``.

    Points already finished in the store (same job name and config, by
    :func:`config_hash`) are skipped, so running a killed or extended sweep again does only
    what is missing. A job that raises is recorded with its error and traceback (see
    :meth:`ResultStore.errors`) and the sweep goes on; it is tried again by the next run
    unless ``retry_errors=False``. Every key and value is checked against the job's declared
    ``config_type`` before any job runs. The rows are the same whichever engine runs them.

    Parameters
    ----------
    job : callable, str
        ``job(config: dict) -> records``, pure and seeded from ``config["seed"]``; or a
        built-in name (``"krr-theory"``, ``"krr-measure"``) or a ``"module:function"`` path.
        The process and Dask engines need a module-level (importable) function.
    grid : Grid or mapping of str to list
        The points; a mapping is the product of its axes (see :class:`Grid`).
    store : str, os.PathLike or ResultStore
        Folder of the result store (held locked while the sweep writes).
    engine : {"processes", "inprocess", "dask"}, default "processes"
        A local process pool (fork server on Linux); this process, one job after the other;
        or Dask distributed: ``client``, else the scheduler at ``scheduler``, else a local
        cluster of ``workers`` single-threaded worker processes.
    workers : int, optional
        Pool size or local-cluster workers; default the CPUs available.
    scheduler : str, optional
        Dask scheduler address (``"tcp://host:8786"``) or scheduler file (``*.json``).
    client : distributed.Client, optional
        An existing Dask client (e.g. on a dask-jobqueue SLURM/PBS cluster); not closed.
    batch_size : int, optional
        Jobs per task. Default: adaptive, about one second of work per task (one job per
        task until the first timings arrive), so that 100,000 tiny points make a few hundred
        tasks. At most two tasks per worker are in flight at a time.
    retry_errors : bool, default True
    progress : callable(done, total, message), optional
        Called once at the start and after every finished batch; ``done`` counts finished
        points, those skipped included.

    Returns
    -------
    SweepResult

    Examples
    --------
    >>> import tempfile
    >>> result = sweep("krr-theory", {"n": [10, 100], "ridge": [0.0, 1e-2]},
    ...                store=tempfile.mkdtemp(), engine="inprocess")
    >>> result.n_run, result.frame()[["n", "ridge"]].values.tolist()
    (4, [[10.0, 0.0], [10.0, 0.01], [100.0, 0.0], [100.0, 0.01]])
    """
    from .. import __version__

    start = time.perf_counter()
    _check_options(engine, workers, scheduler, client, batch_size)
    resolved: Job = resolve_job(job)
    grid = grid if isinstance(grid, Grid) else Grid(grid)
    resolved.check(grid.values(), grid.origins())
    points = grid.points()
    resolved.check_points(points)
    if engine != "inprocess":
        try:
            pickle.dumps(resolved.function)
        except (pickle.PicklingError, AttributeError, TypeError) as error:
            raise ValueError(f"engine={engine!r} needs a job defined at module level (it is "
                             f"sent to worker processes by name); got "
                             f"{resolved.function!r} ({error}).") from None
    context = (_start_context(getattr(resolved.function, "__module__", None))
               if engine == "processes" else None)
    store = store if isinstance(store, ResultStore) else ResultStore(store)
    hashes = tuple(config_hash(resolved.name, p) for p in points)
    if len(set(hashes)) != len(hashes):
        raise ValueError("the grid lists the same point more than once; make its axes' "
                         "values distinct.")
    report = progress or (lambda done, total, message: None)
    with store.lock():
        store.write_metadata({"job": resolved.name, "axes": list(grid.names),
                              "index": list(resolved.row_index)})
        finished = store.finished()
        if not retry_errors:
            failed = store.errors()
            finished |= set(failed["config_hash"]) if len(failed) else set()
        todo = deque((h, p) for h, p in zip(hashes, points, strict=True) if h not in finished)
        skipped = len(points) - len(todo)
        report(skipped, len(points), f"{skipped} already stored"
               if skipped else "starting")
        done, failures = skipped, 0
        if todo:
            with _engine(engine, workers, scheduler, client, context) as runner:
                failures = _drive(runner, resolved, todo, store, __version__, batch_size,
                                  lambda n, f: report(skipped + n, len(points),
                                                      f"{f} failed" if f else ""))
                done = len(points)
    return SweepResult(store=store, job=resolved.name, grid=grid, config_hashes=hashes,
                       n_points=len(points), n_skipped=skipped, n_run=done - skipped,
                       n_failed=failures, engine=engine,
                       wall_time=time.perf_counter() - start)


_DIED = ("WorkerDied: the worker process died while running this point (killed, out of "
         "memory, or a crash in compiled code); rerun the sweep to try it again")


def _drive(runner, job: Job, todo: deque, store: ResultStore, version: str,
           batch_size: int | None, report: Callable[[int, int], None]) -> int:
    """Keep at most two batches per worker in flight; store each as it finishes.

    A worker that dies is not the end of the sweep: the points of the batches it took down
    are run again one at a time (alone in the pool, when one death fails every batch in
    flight), and a point that kills its worker on its own is recorded as an error.
    """
    sizer = _BatchSizer(runner.workers, batch_size)
    in_flight: dict = {}  # future -> (items, alone)
    suspects: deque = deque()  # points of batches that died, to run one at a time
    completed = failed = 0

    def submit(items, alone=False):
        future = runner.submit(run_batch, job.function, job.name, items, version)
        in_flight[future] = (items, alone)

    def store_rows(rows, n_items, timed=True):
        nonlocal completed, failed
        store.write(rows)
        seen: dict[str, tuple] = {}
        for row in rows:
            seen.setdefault(row["config_hash"], (row["wall_time"], row["status"]))
        if timed:
            sizer.record(sum(t for t, _ in seen.values()), n_items)
        failed += sum(status != "ok" for _, status in seen.values())
        completed += n_items
        report(completed, failed)

    def collect(future) -> bool:
        """Store a finished batch; False if its worker died under it."""
        items, alone = in_flight.pop(future)
        try:
            rows = runner.result(future)
        except _WorkerDied:
            if alone and not getattr(future, "never_ran", False):
                store_rows(failure_rows(job.name, items, version, _DIED), len(items),
                           timed=False)
            else:
                suspects.extend(items)
            return False
        store_rows(rows, len(items))
        return True

    while todo or in_flight or suspects:
        if suspects:
            # Alone in the pool when one death fails every batch in flight, so that a
            # second death names its point; side by side where deaths are isolated.
            while suspects and (runner.isolates_deaths or not in_flight):
                submit([suspects.popleft()], alone=True)
        else:
            while todo and len(in_flight) < 2 * runner.workers:
                size = sizer.size(len(todo))
                submit([todo.popleft() for _ in range(min(size, len(todo)))])
        done = runner.wait(list(in_flight))
        pool_broken = False
        for future in done:
            pool_broken |= not collect(future) and not runner.isolates_deaths
        if pool_broken:
            # The pool is gone: batches still in flight died with it (those that finished
            # first keep their rows). Restart it; their points run again, each alone.
            for future in list(in_flight):
                collect(future)
            runner.restart()
    return failed
