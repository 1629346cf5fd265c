"""Benchmark: kernel ridge regression on MNIST at n = 50,000 by preconditioned CG, in one run.

Setting (issue 5, large kernels): MNIST (d = 784, centred, unit mean squared norm with the
training pool's statistics), Gaussian kernel of width 1, the even-odd target (+-1; or
``--target one-hot``, 10 outputs, test MSE summed over outputs, about 7x the time per CG
iteration on CPU), ridge 1e-2 on the raw Gram matrix, the 10,000 official test images.

1. ``LargeKernelRidge(solver="cg")`` at n = 50,000: float32 kernel blocks (half the Gram
   matrix cached, 5 GB), Nystrom preconditioner of ``--rank`` uniform centres, relative
   residual 1e-5. Prints its time, iterations, test MSE, test accuracy and the process's
   peak resident memory (measured before anything else runs, so it is this fit's).
2. At ``--n-direct`` (the largest n whose float64 Gram matrix and Cholesky factor fit
   comfortably next to other jobs here): the direct float64 Cholesky solve
   (``solver="cholesky"``), the same CG solver, and Nystrom KRR (``solver="nystrom"``, the
   approximation) on the same points, timed in the same run: time, iterations, test MSE,
   relative difference of the test predictions to the direct solve, and the time ratio.

Run:  python benchmarks/bench_large_krr.py [--n-large 50000] [--n-direct 20000] [--rank 1000]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np


def _peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def _report(name, seconds, predictions, test_targets, reference=None, extra=""):
    if predictions.ndim == 1:
        predictions, test_targets = predictions[:, None], test_targets[:, None]
        reference = None if reference is None else reference[:, None]
        agree = np.sign(predictions[:, 0]) == np.sign(test_targets[:, 0])
    else:
        agree = predictions.argmax(1) == test_targets.argmax(1)
    mse = float(np.mean(np.sum((predictions - test_targets) ** 2, axis=1)))
    accuracy = float(np.mean(agree))
    line = f"{name:<34} {seconds:8.1f} s  test MSE {mse:.5f}  accuracy {accuracy:.4f}"
    if reference is not None:
        difference = np.linalg.norm(predictions - reference) / np.linalg.norm(reference)
        line += f"  rel. diff. to direct {difference:.1e}"
    print(line + extra, flush=True)
    return mse


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-large", type=int, default=50_000)
    parser.add_argument("--n-direct", type=int, default=20_000)
    parser.add_argument("--rank", type=int, default=1000)
    parser.add_argument("--nystrom-rank", type=int, default=2000)
    parser.add_argument("--ridge", type=float, default=1e-2)
    parser.add_argument("--width", type=float, default=1.0)
    parser.add_argument("--memory-budget-gb", type=float, default=8.0)
    parser.add_argument("--target", choices=("even-odd", "one-hot"), default="even-odd")
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)

    import torch

    from eigenlab.data import binary_target, load_dataset, preprocess
    from eigenlab.experiments import LargeKernelRidge

    train, test = (load_dataset("mnist", split=split, data_dir=args.data_dir)
                   for split in ("train", "test"))
    order = np.random.default_rng(0).permutation(train.n_samples)
    pool = np.sort(order[:max(args.n_large, args.n_direct)])
    x_pool = preprocess(train.images[pool]).astype(np.float32)
    x_test = preprocess(test.images, reference=train.images[pool]).astype(np.float32)
    if args.target == "one-hot":
        y_pool, y_test = np.eye(10)[train.labels[pool]], np.eye(10)[test.labels]
    else:
        y_pool, y_test = (binary_target(labels, (0, 2, 4, 6, 8), (1, 3, 5, 7, 9))[0]
                          for labels in (train.labels[pool], test.labels))
    common = {"kernel": "gaussian", "kernel_params": {"width": args.width},
              "ridge": args.ridge, "device": "cpu",
              "memory_budget": int(args.memory_budget_gb * 2**30)}
    print(f"MNIST, Gaussian width {args.width}, ridge {args.ridge:g}, {args.target} targets, "
          f"{len(y_test)} test points, torch threads {torch.get_num_threads()}", flush=True)

    def progress(done, total, message):
        if message == "kernel products" and done % 5 and done != total:
            return
        if message.startswith("conjugate") and done % 20:
            return
        print(f"    [{time.strftime('%H:%M:%S')}] {message} {done}/{total}", flush=True)

    subset = np.sort(np.random.default_rng(1).permutation(len(pool))[:args.n_large])
    if not args.skip_large:
        n = args.n_large
        start = time.perf_counter()
        large = LargeKernelRidge(solver="cg", rank=args.rank, **common).fit(
            x_pool[subset], y_pool[subset], progress=progress)
        predictions = large.predict(x_test)
        seconds = time.perf_counter() - start
        print(f"n = {n}: peak resident memory {_peak_rss_gb():.1f} GB "
              f"(kernel blocks cached: {large.cached_})")
        _report(f"CG n={n} (float32, m={args.rank})", seconds, predictions, y_test,
                extra=f"  iterations {large.n_iter_}, residual {large.relative_residual_:.1e}")
        del large

    n = args.n_direct
    chosen = np.sort(np.random.default_rng(2).permutation(len(pool))[:n])
    x, y = x_pool[chosen], y_pool[chosen]
    start = time.perf_counter()
    direct = LargeKernelRidge(solver="cholesky", dtype="float64", **common).fit(x, y)
    reference = direct.predict(x_test)
    direct_seconds = time.perf_counter() - start
    del direct
    _report(f"direct Cholesky n={n} (float64)", direct_seconds, reference, y_test)

    start = time.perf_counter()
    iterative = LargeKernelRidge(solver="cg", rank=args.rank, **common).fit(x, y)
    predictions = iterative.predict(x_test)
    seconds = time.perf_counter() - start
    _report(f"CG n={n} (float32, m={args.rank})", seconds, predictions, y_test, reference,
            extra=f"  iterations {iterative.n_iter_}; "
                  f"direct/CG time {direct_seconds / seconds:.2f}")
    del iterative

    start = time.perf_counter()
    nystrom = LargeKernelRidge(solver="nystrom", rank=args.nystrom_rank, **common).fit(x, y)
    predictions = nystrom.predict(x_test)
    seconds = time.perf_counter() - start
    _report(f"Nystrom KRR n={n} (m={args.nystrom_rank})", seconds, predictions, y_test,
            reference, extra=f"; direct/Nystrom time {direct_seconds / seconds:.2f}")
    print(f"peak resident memory of the whole run {_peak_rss_gb():.1f} GB")


if __name__ == "__main__":
    main()
