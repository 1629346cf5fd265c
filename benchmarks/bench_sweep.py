"""Benchmark: the sweep runner's overhead against a bare concurrent.futures loop, in one run.

Setting (issue 5), two workers:

1. 1,000 small jobs (an eigendecomposition of a 24 x 24 matrix seeded from the config,
   about 0.1 ms each). Per-job overhead = (wall time - serial compute time / workers) / jobs,
   for
   * eigenlab: ``sweep(job, grid, store=..., engine="processes", workers=2)``: config
     hashes, adaptive batches, every batch written to the Parquet store (atomic, fsync),
     pool start (fork server) included;
   * baseline: ``ProcessPoolExecutor(2)`` (default start method), one ``submit`` per job,
     results gathered, nothing stored, pool start included.
   Target: eigenlab's overhead at most 2x the baseline's.
2. 40 jobs of one second each. These jobs *sleep* (so the serial time is exactly 40 s
   whatever the machine's load): the sweep's wall time over the serial time. Target <= 0.6.
   ``--dask`` also runs part 2 on a local Dask cluster of 2 worker processes.

Run:  python benchmarks/bench_sweep.py [--jobs 1000] [--sleepers 40] [--dask]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np

# Jobs live at the top of the script and the heavy imports inside main(): worker processes
# re-run this top level to find the jobs, and should not import torch to do so.


def small_job(config):
    rng = np.random.default_rng(config["seed"])
    a = rng.normal(size=(24, 24))
    return {"top_eigenvalue": float(np.linalg.eigvalsh(a @ a.T)[-1])}


def sleep_job(config):
    time.sleep(config["seconds"])
    return {"slept": config["seconds"]}


def _bare_loop(configs, workers, context=None):
    from concurrent.futures import ProcessPoolExecutor

    start = time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=context) as executor:
        futures = [executor.submit(small_job, c) for c in configs]
        results = [f.result() for f in futures]
    return time.perf_counter() - start, results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--sleepers", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dask", action="store_true")
    args = parser.parse_args(argv)

    from eigenlab.experiments import sweep

    workers = args.workers
    configs = [{"seed": s} for s in range(args.jobs)]
    start = time.perf_counter()
    serial = [small_job(c) for c in configs]
    compute = time.perf_counter() - start
    print(f"{args.jobs} small jobs: serial compute {compute:.3f} s "
          f"({1e3 * compute / args.jobs:.3f} ms/job), {workers} workers")

    bare, results = _bare_loop(configs, workers)
    assert results == serial

    def timed_sweep():
        with tempfile.TemporaryDirectory() as store:
            start = time.perf_counter()
            result = sweep(small_job, {"seed": list(range(args.jobs))}, store=store,
                           engine="processes", workers=workers)
            wall = time.perf_counter() - start
            frame = result.frame()
            assert frame["top_eigenvalue"].tolist() == [r["top_eigenvalue"] for r in serial]
            return wall, len(result.store.parts())

    def overhead(wall):
        return (wall - compute / workers) / args.jobs

    ours, n_parts = timed_sweep()  # the fork server starts here
    warm, _ = timed_sweep()
    import multiprocessing

    bare_forkserver, _ = _bare_loop(configs, workers, multiprocessing.get_context("forkserver"))
    print(f"  bare ProcessPoolExecutor loop: {bare:.3f} s, overhead "
          f"{1e3 * overhead(bare):.3f} ms/job")
    print(f"  eigenlab sweep (processes):    {ours:.3f} s, overhead "
          f"{1e3 * overhead(ours):.3f} ms/job ({n_parts} part files, fork server started)")
    print(f"  overhead ratio eigenlab / bare: {overhead(ours) / overhead(bare):.2f} "
          "(target <= 2)")
    print(f"  for context: the sweep again (fork server running) {warm:.3f} s, ratio "
          f"{overhead(warm) / overhead(bare):.2f}; the bare loop on the fork server "
          f"{bare_forkserver:.3f} s")

    if not args.sleepers:
        return
    grid = {"seconds": [1.0], "seed": list(range(args.sleepers))}
    engines = [("processes", {})]
    if args.dask:
        engines.append(("dask", {}))
    for engine, options in engines:
        with tempfile.TemporaryDirectory() as store:
            start = time.perf_counter()
            result = sweep(sleep_job, grid, store=store, engine=engine, workers=workers,
                           **options)
            wall = time.perf_counter() - start
            serial_time = float(result.frame()["wall_time"].sum())
        print(f"{args.sleepers} one-second sleep jobs on {workers} workers ({engine}): "
              f"{wall:.2f} s against {serial_time:.2f} s serial, ratio "
              f"{wall / serial_time:.3f} (target <= 0.6)")


if __name__ == "__main__":
    main()
