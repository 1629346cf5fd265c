"""Benchmark: random-feature theory on a 100 (k) x 100 (n) grid with 10^5 modes.

eigenlab's one-root solve (safeguarded Newton in log gamma on every grid point at once)
against the nested-bisection approach of the public reference code, written here in plain
numpy and called in a Python loop over grid points:

  * inner: bisection for gamma given kappa, on log10 gamma in [-15, 15], solving
    k = df1(gamma) + k kappa / gamma;
  * outer: bisection on log10 kappa in [-15, 15], solving n = df1(gamma(kappa)) + ridge/kappa;
  * up to 200 iterations each (both stop early once the bracket no longer shrinks in
    float64, which is what 200 iterations amount to), then the test MSE of that point.

The baseline costs the same at every grid point, so by default it is timed on a random
subset of points and its full-grid time is extrapolated per point (stated in the output);
``--full`` times it on all 10^4 points (hours).

Run:  python benchmarks/bench_rf_theory.py [--subset 12] [--full]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from eigenlab.spectra import power_law_eigensystem
from eigenlab.theory import rf_learning_curve

_ITERATIONS = 200


def _bisect_log10(decreasing, lo=-15.0, hi=15.0):
    """Root of a decreasing function of 10**x on [lo, hi], by bisection in x."""
    for _ in range(_ITERATIONS):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if decreasing(10.0 ** mid) > 0:
            lo = mid
        else:
            hi = mid
    return 10.0 ** (0.5 * (lo + hi))


def reference_point(eigenvalues, coeffs_sq, tail, n, k, ridge, noise):
    """One grid point the way the public reference code does it (nested bisection)."""

    def df1(gamma):
        return np.sum(eigenvalues / (eigenvalues + gamma)) + tail / gamma

    def gamma_of(kappa):
        return _bisect_log10(lambda gamma: df1(gamma) + k * kappa / gamma - k)

    kappa = _bisect_log10(lambda kappa: df1(gamma_of(kappa)) + ridge / kappa - n)
    gamma = gamma_of(kappa)
    learn = eigenvalues / (eigenvalues + gamma)
    z = np.sum(learn) + tail / gamma
    q = np.sum(learn ** 2)
    e0 = n / (n - q - (z - q) ** 2 / (k - q))
    b = (1 - learn) * (1 - learn * (k - z) / (k - q))
    return kappa, e0 * (np.sum(b * coeffs_sq) + noise)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="time the baseline on all points")
    parser.add_argument("--subset", type=int, default=12, help="baseline points to time")
    parser.add_argument("--modes", type=int, default=10**5)
    parser.add_argument("--ridge", type=float, default=1e-3)
    args = parser.parse_args(argv)

    es = power_law_eigensystem(args.modes, alpha=1.5, beta=1.3, normalize_target=True)
    k = np.logspace(1, 4, 100)
    n = np.logspace(1, 4, 100)
    noise = 0.1
    grid_k, grid_n = np.meshgrid(k, n, indexing="ij")

    start = time.perf_counter()
    curve = rf_learning_curve(es, n[None, :], k[:, None], ridge=args.ridge, noise=noise)
    eigenlab_time = time.perf_counter() - start

    rng = np.random.default_rng(0)
    points = np.arange(grid_n.size) if args.full else rng.choice(grid_n.size, args.subset,
                                                                  replace=False)
    # The reference code adds unexplained target power to the noise.
    tail_noise = noise + float(np.sum(es.target_tail))
    start = time.perf_counter()
    out = np.array([reference_point(es.eigenvalues, es.target_power, es.tail_mass,
                                    grid_n.flat[p], grid_k.flat[p], args.ridge, tail_noise)
                    for p in points])
    elapsed = time.perf_counter() - start
    full_time = elapsed * grid_n.size / points.size

    kappa = curve.effective_ridge.ravel()[points]
    test = curve.test_mse.ravel()[points]
    print(f"grid: {k.size} k x {n.size} n = {grid_n.size} points, ridge {args.ridge:g}, "
          f"{args.modes:,} modes (power law alpha=1.5, beta=1.3)")
    print(f"eigenlab rf_learning_curve     : {eigenlab_time:9.2f} s "
          f"(Newton iterations: median {int(np.median(curve.iterations))}, "
          f"max {int(curve.iterations.max())})")
    scope = ("measured on all points" if args.full else
             f"extrapolated from {points.size} random points, "
             f"{elapsed / points.size:.2f} s per point")
    print(f"baseline nested bisection      : {full_time:9.2f} s ({scope})")
    print(f"speed ratio                    : {full_time / eigenlab_time:9.1f}x")
    print(f"max rel diff kappa {np.max(np.abs(kappa / out[:, 0] - 1)):.1e}, "
          f"test MSE {np.max(np.abs(test / out[:, 1] - 1)):.1e} over {points.size} points")


if __name__ == "__main__":
    main()
