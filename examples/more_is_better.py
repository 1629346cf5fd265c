"""More is better: random-feature ridge regression swept over k (features) and n (samples).

Reproduces the shapes of the k- and n-sweep figure of Simon, Karkada, Ghosh, Belkin, "More is
better in modern machine learning", ICLR 2024, arXiv:2311.14646 (spec §3.5):

(a) ReLU random features relu(u . x)/sqrt(k), u ~ N(0, 2 I) (``ReluRandomFeatures(2, 0)``, the
    features of the NNGP kernel ``relu-nngp`` with weight variance 2, bias 0) on CIFAR-10
    (JPEG copy), inputs centred and scaled to unit mean squared norm, target +1 for classes
    {0, 1, 7, 8, 9} and -1 for the rest (P3's split). Training and test points come from a pool
    of M images; the theory uses the pool's empirical NNGP eigensystem, with the
    off-training-set correction (M E_te - n E_tr)/(M - n) since the test points are the pool's
    held-out points.
(b) Gaussian random features on x ~ N(0, diag(lambda)) with lambda_i = v_i^2 = i^-1.5 and
    label noise 0.5: fresh test points, the exact eigensystem, no correction.

For each: n = 256 with k swept and k = 256 with n swept, every ridge of a log grid measured
from one eigendecomposition per (n, k), a few ridges plotted, and the test MSE at the
optimal ridge, which is non-increasing in k and in n. Theory lines come from
``eigenlab.theory.rf_learning_curve``.

    python examples/more_is_better.py [--quick] [--out DIR] [--data-dir DIR] [--trials 10]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

VEHICLE_CLASSES = (0, 1, 7, 8, 9)      # P3's CIFAR-10 split (spec §3.5a)
PLOTTED_RIDGES = (1e-3, 1e-1, 10.0)


def _sizes(low, high, count, fixed):
    """A log grid with the other sweep's fixed size in it, so that k = n is measured."""
    return np.unique(np.append(np.geomspace(low, high, count).round().astype(int), fixed))


def _theory(eigensystem, sizes, widths, ridges, noise):
    """rf_learning_curve on the (n, k, ridge) grid, or None if the theory is not there yet."""
    try:
        from eigenlab.theory import rf_learning_curve
    except ImportError:
        return None
    return rf_learning_curve(eigensystem, np.asarray(sizes, float)[:, None, None],
                             np.asarray(widths, float)[None, :, None],
                             ridge=np.asarray(ridges)[None, None, :], noise=noise)


def _cifar_pool(dataset, data_dir, pool, seed):
    from eigenlab.data import binary_target, load_dataset, preprocess

    data = load_dataset(dataset, data_dir=data_dir)
    positive = VEHICLE_CLASSES if dataset.startswith("cifar") else (0, 2, 4, 6, 8)
    labels, kept = binary_target(data.labels, positive)
    chosen = np.random.default_rng(seed).choice(int(kept.sum()), pool, replace=False)
    x = preprocess(data.images[kept][chosen])
    return x, labels[chosen], data.display_name


def _sweeps(quick):
    if quick:
        return dict(fixed=32, k=_sizes(4, 256, 7, 32), n=_sizes(4, 128, 6, 32), modes=400,
                    pool=300, test_size=150, ridges=np.geomspace(1e-3, 1e2, 6), trials=2)
    return dict(fixed=256, k=_sizes(10, 4096, 19, 256), n=_sizes(10, 1024, 16, 256), modes=4000,
                pool=3000, test_size=1000, ridges=np.geomspace(1e-3, 1e2, 16), trials=10)


def _panel_frames(name, measured, theory, correction_pool=None):
    """Tidy rows: measured (trial mean) and theory, per (n, k, ridge)."""
    mean = measured.test_mse.mean(axis=0)
    sem = measured.test_mse.std(axis=0, ddof=1) / np.sqrt(measured.test_mse.shape[0])
    sizes, widths, ridges = np.meshgrid(measured.n, measured.k, measured.ridge, indexing="ij")
    frame = pd.DataFrame({"panel": name, "n": sizes.ravel(), "k": widths.ravel(),
                          "ridge": ridges.ravel(), "test_mse": mean.ravel(),
                          "test_mse_sem": sem.ravel()})
    if theory is not None:
        predicted = theory.test_mse
        if correction_pool is not None:  # held-out pool points (this panel is noiseless)
            from eigenlab.experiments import held_out_prediction

            predicted = held_out_prediction(theory, measured.n[:, None, None],
                                            correction_pool)
        frame["theory_test_mse"] = np.broadcast_to(predicted, mean.shape).ravel()
    return frame


def _plot(ax, frame, optimal, axis, title):
    import matplotlib.pyplot as plt

    colours = plt.cm.viridis(np.linspace(0.1, 0.85, len(PLOTTED_RIDGES)))
    for colour, ridge in zip(colours, PLOTTED_RIDGES, strict=True):
        rows = frame[np.isclose(frame["ridge"], ridge)].sort_values(axis)
        if rows.empty:
            continue
        ax.errorbar(rows[axis], rows["test_mse"], yerr=rows["test_mse_sem"], fmt="o",
                    ms=3, color=colour, label=f"ridge {ridge:g}")
        if "theory_test_mse" in rows:
            ax.plot(rows[axis], rows["theory_test_mse"], "-", color=colour, lw=1)
    ax.plot(optimal[axis], optimal["grid_test_mse"], "k^-", ms=4, lw=1,
            label="optimal ridge")
    ax.set(xscale="log", yscale="log", xlabel=axis, ylabel="test MSE", title=title)
    ax.title.set_fontsize("small")


def main(*, out_dir=Path("eigenlab-output/more_is_better"), data_dir=None,
         dataset="cifar10", quick=False, trials=None, seed=0):
    """Run both studies; returns the summary table (one row per panel and sweep)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from eigenlab.experiments import (
        GaussianDesign,
        GaussianRandomFeatures,
        ReluRandomFeatures,
        measure_rf_learning_curve,
    )
    from eigenlab.spectra import gram_eigensystem

    config = _sweeps(quick)
    trials = trials or config["trials"]
    fixed, ridges = config["fixed"], config["ridges"]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    figure, axes = plt.subplots(2, 2, figsize=(10, 7.5))
    frames, optima, rows = [], [], []

    # (a) ReLU random features on a real-image pool.
    start = time.perf_counter()
    x, y, display = _cifar_pool(dataset, data_dir, config["pool"], seed)
    features = ReluRandomFeatures(weight_variance=2.0, bias_variance=0.0)
    eigensystem = gram_eigensystem(features.kernel(x), y)
    setup = time.perf_counter() - start
    # (b) Gaussian random features with a planted power-law eigensystem.
    index = np.arange(1, config["modes"] + 1)
    design = GaussianDesign(index**-1.5, index**-0.75)
    studies = [
        (f"{display}, ReLU RF", features, (x, y), 0.0, eigensystem, config["pool"]),
        ("Gaussian RF, lambda = v^2 = i^-1.5", GaussianRandomFeatures(), design, 0.5,
         design.eigensystem, None),
    ]
    for row, (name, feature_map, data, noise, system, pool) in enumerate(studies):
        for col, (axis, sizes, widths) in enumerate([("k", [fixed], config["k"]),
                                                     ("n", config["n"], [fixed])]):
            start = time.perf_counter()
            curve = measure_rf_learning_curve(
                feature_map, data, n=sizes, k=widths, ridge=ridges, trials=trials,
                noise=noise, test_size=config["test_size"], seed=seed + 10 * row + col)
            seconds = time.perf_counter() - start + (setup if row == 0 and col == 0 else 0)
            theory = _theory(system, curve.n, curve.k, curve.ridge, noise)
            frame = _panel_frames(name, curve, theory, pool).assign(sweep=axis)
            optimal = curve.optimal_ridge().to_frame(panel=name, sweep=axis)
            frames.append(frame)
            optima.append(optimal)
            fixed_name = "n" if axis == "k" else "k"
            _plot(axes[row, col], frame, optimal, axis, f"{name}, {fixed_name} = {fixed}")
            best = optimal["grid_test_mse"].to_numpy()
            summary = {"panel": name, "sweep": axis, "points": len(best), "trials": trials,
                       "seconds": round(seconds, 1),
                       "optimal_first": best[0], "optimal_last": best[-1],
                       "optimal_largest_rise": float(np.max(np.diff(best), initial=0.0)),
                       "peak_ridge": PLOTTED_RIDGES[0]}
            smallest = frame[np.isclose(frame["ridge"], PLOTTED_RIDGES[0])].sort_values(axis)
            peak = smallest.iloc[int(np.argmax(smallest["test_mse"].to_numpy()))]
            summary.update(peak_at=int(peak[axis]), peak_test_mse=float(peak["test_mse"]))
            if "theory_test_mse" in frame:
                ratio = frame["theory_test_mse"] / frame["test_mse"]
                summary["agreement"] = float(np.median(np.abs(np.log(ratio))))
                summary["worst_ratio"] = float(ratio.iloc[int(np.argmax(np.abs(np.log(
                    ratio.to_numpy()))))])
                summary["peak_theory"] = float(peak["theory_test_mse"])
            rows.append(summary)
    axes[0, 0].legend(fontsize="x-small")
    figure.suptitle("Random-feature ridge regression: measured (points), theory (lines)",
                    fontsize="medium")
    figure.tight_layout()
    figure.savefig(out_dir / "more_is_better.png", dpi=110)
    plt.close(figure)
    pd.concat(frames, ignore_index=True).to_parquet(out_dir / "more_is_better.parquet")
    pd.concat(optima, ignore_index=True).to_csv(out_dir / "optimal_ridge.csv", index=False)
    table = pd.DataFrame(rows)
    table.to_csv(out_dir / "summary.csv", index=False)
    return table


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("eigenlab-output/more_is_better"))
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--dataset", default="cifar10")
    parser.add_argument("--trials", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    table = main(out_dir=args.out, data_dir=args.data_dir, dataset=args.dataset,
                 quick=args.quick, trials=args.trials, seed=args.seed)
    with pd.option_context("display.width", 250, "display.max_columns", 40):
        print(table.to_string(index=False))
