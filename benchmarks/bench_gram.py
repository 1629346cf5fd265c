"""Benchmark: blockwise Gaussian Gram matrices against a plain matmul; KRR against scikit-learn.

Part 1, on MNIST-shaped random data (n = 10,000 x d = 784) in float32 and float64, times in
the same run:
  * ``matmul``: ``x @ x.T``, one torch matrix product of the same shapes (the baseline: a
    Gram matrix needs at least this product);
  * ``gram(x)``: ``GaussianKernel(width)(x)`` with the default blocks (symmetric: only the
    upper triangle of blocks is computed, then mirrored);
  * ``gram(x, y)``: the same against a second matrix, so every block is computed;
  * the same two with one block (``block_size=n``: temporaries of n^2 elements) and with a
    small block.
Throughput counts 2 n^2 d flops for every entry (the matmul's count), so a symmetric build can
exceed the matmul. The target is a ratio >= 0.5 against the matmul for every build.

Part 2 times ``KernelRidgeRegression`` fit + predict against ``sklearn.kernel_ridge.
KernelRidge(kernel="rbf")`` at n = 4000 training and 1000 test points, d = 784, float64
(eigenlab also in float32), and checks that the predictions agree.

Every timing is the best of ``--repeats`` runs, interleaved across the contenders (timings
on a shared machine vary by 2x and more between runs). Run:
    python benchmarks/bench_gram.py [--n 10000] [--dim 784] [--repeats 3] [--krr-n 4000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from sklearn.kernel_ridge import KernelRidge

from eigenlab.experiments._estimator import KernelRidgeRegression
from eigenlab.kernels import GaussianKernel


def best_times(functions, repeats):
    """Best of ``repeats`` timings of each function, the repeats interleaved across functions
    so that a slow phase of a shared machine hits every contender alike."""
    times = {label: [] for label in functions}
    for _ in range(repeats):
        for label, function in functions.items():
            start = time.perf_counter()
            function()
            times[label].append(time.perf_counter() - start)
    return {label: min(values) for label, values in times.items()}


def gram_benchmark(n, dim, repeats, small_block):
    rng = np.random.default_rng(0)
    kernel = GaussianKernel(width=np.sqrt(dim / 2.0))
    flops = 2.0 * n * n * dim
    print(f"Gram matrices, n = {n}, d = {dim}, {torch.get_num_threads()} torch threads; "
          f"GFLOP/s count 2 n^2 d = {flops / 1e9:.1f} GFLOP per matrix")
    print(f"{'dtype':8s} {'build':28s} {'seconds':>8s} {'GFLOP/s':>8s} {'vs matmul':>9s}")
    for dtype in (torch.float32, torch.float64):
        x = torch.as_tensor(rng.random((n, dim)), dtype=dtype)
        y = torch.as_tensor(rng.random((n, dim)), dtype=dtype)
        builds = {
            "matmul x @ x.T": lambda x=x: x @ x.T,
            "gram(x), default blocks": lambda x=x: kernel(x),
            "gram(x, y), default blocks": lambda x=x, y=y: kernel(x, y),
            "gram(x), one block": lambda x=x: kernel(x, block_size=n),
            "gram(x, y), one block": lambda x=x, y=y: kernel(x, y, block_size=n),
            f"gram(x), blocks of {small_block}": lambda x=x: kernel(x, block_size=small_block),
        }
        times = best_times(builds, repeats)
        reference = times["matmul x @ x.T"]
        for label, seconds in times.items():
            print(f"{str(dtype)[6:]:8s} {label:28s} {seconds:8.3f} {flops / seconds / 1e9:8.1f} "
                  f"{reference / seconds:9.2f}")


def krr_benchmark(n, dim, repeats):
    rng = np.random.default_rng(1)
    x_train, x_test = rng.random((n, dim)), rng.random((1000, dim))
    y_train = np.sin(x_train.sum(axis=1)) + 0.1 * rng.standard_normal(n)
    width, ridge = np.sqrt(dim / 2.0), 1e-2

    def sklearn_run():
        model = KernelRidge(alpha=ridge, kernel="rbf", gamma=1.0 / (2.0 * width**2))
        return model.fit(x_train, y_train).predict(x_test)

    def eigenlab_run(dtype):
        model = KernelRidgeRegression("gaussian", ridge=ridge, kernel_params={"width": width},
                                      dtype=dtype)
        return model.fit(x_train, y_train).predict(x_test)

    expected = sklearn_run()
    agreement = {dtype: np.max(np.abs(eigenlab_run(dtype) - expected))
                 for dtype in ("float64", "float32")}
    times = best_times({"sklearn": sklearn_run,
                        "float64": lambda: eigenlab_run("float64"),
                        "float32": lambda: eigenlab_run("float32")}, repeats)
    reference = times["sklearn"]
    print(f"\nKRR fit + predict, n = {n} train, 1000 test, d = {dim}, Gaussian kernel, "
          f"ridge {ridge}")
    print(f"{'estimator':32s} {'seconds':>8s} {'speed-up':>8s} {'max |diff|':>10s}")
    print(f"{'sklearn KernelRidge (float64)':32s} {reference:8.3f} {1.0:8.2f} {'':>10s}")
    for dtype in ("float64", "float32"):
        seconds = times[dtype]
        print(f"{'eigenlab KRR (' + dtype + ')':32s} {seconds:8.3f} {reference / seconds:8.2f} "
              f"{agreement[dtype]:10.1e}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--dim", type=int, default=784)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--small-block", type=int, default=512)
    parser.add_argument("--krr-n", type=int, default=4000)
    args = parser.parse_args(argv)
    gram_benchmark(args.n, args.dim, args.repeats, args.small_block)
    krr_benchmark(args.krr_n, args.dim, args.repeats)


if __name__ == "__main__":
    main()
