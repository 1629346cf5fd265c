"""Benchmark: a KRR learning curve for 10^6 modes on a 100 (n) x 10 (ridge) grid.

eigenlab's vectorised solve against the per-point approach of the public reference code
(a bracketing root finder called in a Python loop for each (n, ridge), followed by the
learnabilities and test MSE of that point), timed in the same run.

Baselines, both per point:
  * ``bisect``: scipy.optimize.bisect in linear kappa on [1e-25, 1e10] with scipy's default
    xtol, as in the public reference code (inaccurate for kappa below ~1e-10);
  * ``brentq-log``: scipy.optimize.brentq in log kappa, the careful per-point version.

The per-point baselines cost the same at every grid point, so by default they are timed on a
random subset of grid points and their full-grid time is extrapolated linearly (stated in
the output); ``--full`` times them on the whole grid.

Run:  python benchmarks/bench_krr_learning_curve.py [--full] [--subset 40]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.optimize import bisect, brentq

from eigenlab.spectra import power_law_eigensystem
from eigenlab.theory import krr_learning_curve


def reference_point(eigenvalues, coeffs_sq, tail, n, ridge, noise, *, solver):
    """One grid point the way the public reference code does it."""
    extra = ridge + tail

    def excess(kappa):
        return np.sum(eigenvalues / (eigenvalues + kappa)) + extra / kappa - n

    if solver == "bisect":
        kappa = bisect(excess, 1e-25, 1e10, maxiter=128)
    else:
        kappa = np.exp(brentq(lambda u: excess(np.exp(u)), np.log(extra / n if extra else
                                                                  1e-300), np.log(10.0 + extra / n),
                              xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500))
    learn = eigenvalues / (eigenvalues + kappa)
    e0 = n / (n - np.sum(learn ** 2))
    test = e0 * (np.sum((1 - learn) ** 2 * coeffs_sq) + noise)
    return kappa, test


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="time the baselines on all points")
    parser.add_argument("--subset", type=int, default=40, help="baseline points to time")
    parser.add_argument("--modes", type=int, default=10**6)
    args = parser.parse_args(argv)

    es = power_law_eigensystem(args.modes, alpha=1.5, beta=1.3, normalize_target=True)
    n = np.logspace(1, 5, 100)
    ridge = np.concatenate([[0.0], np.logspace(-8, 0, 9)])
    noise = 0.1
    grid_n, grid_ridge = np.meshgrid(n, ridge, indexing="ij")

    start = time.perf_counter()
    curve = krr_learning_curve(es, n[:, None], ridge=ridge[None, :], noise=noise)
    eigenlab_time = time.perf_counter() - start
    start = time.perf_counter()
    exact = krr_learning_curve(es, n[:, None], ridge=ridge[None, :], noise=noise,
                               method="exact")
    exact_time = time.perf_counter() - start

    rng = np.random.default_rng(0)
    points = np.arange(grid_n.size) if args.full else rng.choice(grid_n.size, args.subset,
                                                                  replace=False)
    coeffs_sq = es.target_power
    tail_noise = noise + float(np.sum(es.target_tail))  # the reference adds unexplained power
    results = {}
    for solver in ("bisect", "brentq-log"):
        start = time.perf_counter()
        out = [reference_point(es.eigenvalues, coeffs_sq, es.tail_mass, grid_n.flat[p],
                               grid_ridge.flat[p], tail_noise, solver=solver) for p in points]
        elapsed = time.perf_counter() - start
        results[solver] = (np.array(out), elapsed * grid_n.size / points.size)

    print(f"grid: {n.size} n x {ridge.size} ridges = {grid_n.size} points, "
          f"{args.modes:,} modes (power law alpha=1.5, beta=1.3)")
    print(f"eigenlab (auto -> {curve.method}): {eigenlab_time:8.2f} s")
    print(f"eigenlab (exact route)        : {exact_time:8.2f} s")
    scope = "measured" if args.full else f"extrapolated from {points.size} random points"
    kappa = curve.effective_ridge.ravel()[points]
    test = curve.test_mse.ravel()[points]
    for solver, (values, full_time) in results.items():
        ref_kappa, ref_test = values[:, 0], values[:, 1]
        trusted = ref_kappa > 1e-9 if solver == "bisect" else np.ones(points.size, bool)
        kappa_error = np.max(np.abs(kappa[trusted] / ref_kappa[trusted] - 1))
        test_error = np.max(np.abs(test[trusted] / ref_test[trusted] - 1))
        print(f"baseline {solver:<11}: {full_time:8.2f} s ({scope}); "
              f"ratio {full_time / eigenlab_time:7.1f}x (exact route "
              f"{full_time / exact_time:5.1f}x); max rel diff kappa {kappa_error:.1e}, "
              f"test MSE {test_error:.1e}"
              + ("" if solver != "bisect" else f" over {trusted.sum()} points with kappa>1e-9"))
    agreement = np.max(np.abs(curve.effective_ridge / exact.effective_ridge - 1))
    print(f"interpolated vs exact route: max rel diff kappa {agreement:.1e}")


if __name__ == "__main__":
    main()
