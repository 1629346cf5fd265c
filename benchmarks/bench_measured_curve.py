"""Benchmark: a measured KRR learning curve on MNIST against scikit-learn, in one run.

Setting (issue 3): MNIST (d = 784, centred, unit mean squared norm), Gaussian kernel of width
1, a binary even/odd target, 10 log-spaced n up to 4,000, 10 ridges, 5 trials, tested on the
held-out points of a pool of M points.

* eigenlab: ``measure_krr_learning_curve`` on the pool's Gram matrix (built once, included in
  the time): nested training sets, one Cholesky factorisation per (trial, ridge).
* baseline: scikit-learn ``KernelRidge(kernel="rbf")`` fitted and evaluated per
  (n, ridge, trial) on exactly the same training and test points.

Both produce the same test MSEs (the largest relative difference is printed). By default the
baseline is timed on the first trial only and its full time extrapolated (trials cost the
same); ``--full`` times all of them.

Run:  python benchmarks/bench_measured_curve.py [--full] [--pool 10000] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--pool", type=int, default=10_000)
    parser.add_argument("--largest", type=int, default=4000)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--dtype", default="float64")
    args = parser.parse_args(argv)

    import torch
    from sklearn.kernel_ridge import KernelRidge

    from eigenlab.data import binary_target, load_dataset, preprocess
    from eigenlab.experiments import measure_krr_learning_curve
    from eigenlab.kernels import GaussianKernel

    dataset = load_dataset("mnist", data_dir=args.data_dir)
    rng = np.random.default_rng(0)
    chosen = np.sort(rng.choice(dataset.n_samples, size=args.pool, replace=False))
    x = preprocess(dataset.images[chosen], center=True, scale="unit-power")
    y, _ = binary_target(dataset.labels[chosen], (0, 2, 4, 6, 8), (1, 3, 5, 7, 9))
    sizes = np.unique(np.geomspace(10, args.largest, 10).round()).astype(int)
    ridges = np.geomspace(1e-4, 1e1, 10)
    width = 1.0
    print(f"MNIST pool M={args.pool}, d={x.shape[1]}, n={sizes.tolist()}, "
          f"{ridges.size} ridges {ridges[0]:g}..{ridges[-1]:g}, {args.trials} trials, "
          f"{args.pool - sizes[-1]} test points, torch threads {torch.get_num_threads()}")

    start = time.perf_counter()
    gram = GaussianKernel(width=width)(torch.as_tensor(x, dtype=getattr(torch, args.dtype)))
    measured = measure_krr_learning_curve(gram, y, n=sizes, ridge=ridges, trials=args.trials,
                                          seed=1)
    ours = time.perf_counter() - start

    order_rng = np.random.default_rng(1)
    timed = args.trials if args.full else 1
    worst = 0.0
    start = time.perf_counter()
    for t in range(timed):
        order = order_rng.permutation(args.pool)
        train_all, test = order[:sizes[-1]], order[sizes[-1]:]
        for s, size in enumerate(sizes):
            train = train_all[:size]
            for r, ridge in enumerate(ridges):
                model = KernelRidge(alpha=ridge, kernel="rbf", gamma=1.0 / (2 * width ** 2))
                model.fit(x[train], y[train])
                mse = np.mean((model.predict(x[test]) - y[test]) ** 2)
                worst = max(worst, abs(mse / measured.test_mse[t, s, r] - 1))
    baseline = (time.perf_counter() - start) * args.trials / timed
    scope = "measured" if args.full else f"extrapolated from {timed} of {args.trials} trials"
    print(f"eigenlab (Gram + nested Cholesky, {args.dtype}): {ours:7.1f} s")
    print(f"scikit-learn KernelRidge per (n, ridge, trial): {baseline:7.1f} s ({scope})")
    print(f"ratio: {baseline / ours:.1f}x; largest relative test-MSE difference {worst:.1e}")


if __name__ == "__main__":
    main()
