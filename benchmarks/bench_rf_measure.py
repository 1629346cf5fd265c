"""Benchmark: a random-feature learning-curve grid, eigenlab against a naive loop, in one run.

Setting: Gaussian random features on a planted power-law design (lambda_i = v_i^2 = i^-1.5,
M = 2,000 modes, label noise 0.5, 1,000 fresh test points), n on 6 sizes up to 512, k on 10
sizes up to 2,048, 31 ridges (ridge 0 and 30 log-spaced from 1e-3 to 1e2, P3's count),
float64.

* eigenlab: ``measure_rf_learning_curve``: one feature pool per trial, nested subsets, one
  eigendecomposition per (n, k) for all ridges.
* naive: per (n, k, ridge), fresh features, the n x n random-kernel matrix and a fresh solve
  (``torch.linalg.solve``; least squares at ridge 0), on the same data points.

Correctness: the naive loop run on trial 0's own data and nested features (rebuilt from the
same seed) reproduces eigenlab's test MSEs (largest relative difference printed). Timing: the
naive loop with fresh features, on the first trial (its cost per trial is the same for every
trial), against eigenlab's time per trial.

Run:  python benchmarks/bench_rf_measure.py [--trials 3] [--modes 2000] [--ridges 31]
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def naive_trial(feature_map, x_train, y_train, x_test, y_test, sizes, widths, ridges, *,
                draw):
    """Test MSE per (n, k, ridge) with a fresh feature draw and a fresh solve each."""
    import torch

    test = np.empty((len(sizes), len(widths), len(ridges)))
    for a, n in enumerate(sizes):
        for b, k in enumerate(widths):
            for c, ridge in enumerate(ridges):
                features = draw(int(k))
                phi, cross = features.features(x_train[:n]), features.features(x_test)
                if ridge == 0:
                    weights = torch.linalg.lstsq(phi / np.sqrt(k), y_train[:n],
                                                 driver="gelsd").solution
                    prediction = cross / np.sqrt(k) @ weights
                else:
                    gram = phi @ phi.T / k
                    dual = torch.linalg.solve(gram + ridge * torch.eye(int(n), dtype=gram.dtype),
                                              y_train[:n])
                    prediction = cross @ (phi.T @ dual) / k
                test[a, b, c] = float(((prediction - y_test) ** 2).sum(dim=1).mean())
    return test


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--modes", type=int, default=2000)
    parser.add_argument("--ridges", type=int, default=31)
    args = parser.parse_args(argv)

    import torch

    from eigenlab.experiments import GaussianDesign, GaussianRandomFeatures
    from eigenlab.experiments import measure_rf_learning_curve as measure

    index = np.arange(1, args.modes + 1)
    design = GaussianDesign(index**-1.5, index**-0.75)
    features = GaussianRandomFeatures()
    sizes = np.unique(np.geomspace(16, 512, 6).round().astype(int))
    widths = np.unique(np.geomspace(16, 2048, 10).round().astype(int))
    ridges = np.concatenate([[0.0], np.geomspace(1e-3, 1e2, args.ridges - 1)])
    noise, test_size, seed = 0.5, 1000, 7
    print(f"Gaussian RF, M={args.modes} modes, n={sizes.tolist()}, k={widths.tolist()}, "
          f"{ridges.size} ridges, {test_size} test points, {args.trials} trials, "
          f"torch threads {torch.get_num_threads()}")

    start = time.perf_counter()
    curve = measure(features, design, n=sizes, k=widths, ridge=ridges, trials=args.trials,
                    noise=noise, test_size=test_size, seed=seed)
    ours = (time.perf_counter() - start) / args.trials

    # Trial 0's data and feature pool, drawn in measure_rf_learning_curve's order.
    rng = np.random.default_rng(seed)
    x, y = design.sample(sizes[-1] + test_size, seed=rng)
    y = y[:, None] + np.sqrt(noise) * rng.standard_normal((len(y), 1))
    pool = features.sample(int(widths[-1]), design.input_dim, seed=rng)
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    split = (x[:sizes[-1]], y[:sizes[-1]], x[sizes[-1]:], y[sizes[-1]:])
    same = naive_trial(features, *split, sizes, widths, ridges, draw=pool.subset)
    difference = np.max(np.abs(same / curve.test_mse[0] - 1))

    fresh_rng = np.random.default_rng(seed + 1)
    start = time.perf_counter()
    naive_trial(features, *split, sizes, widths, ridges,
                draw=lambda k: features.sample(k, design.input_dim, seed=fresh_rng))
    naive = time.perf_counter() - start
    print(f"eigenlab grid     {ours:8.2f} s per trial")
    print(f"naive loop        {naive:8.2f} s per trial "
          f"({sizes.size * widths.size * ridges.size} fits)")
    print(f"speed-up          {naive / ours:8.1f}x")
    print(f"same features: largest relative difference in test MSE {difference:.1e}")
    return naive / ours, difference


if __name__ == "__main__":
    main()
