"""`eigenlab overfit`: E0 along n per kernel (measured and predicted), noise sensitivity of KRR
and of a trained MLP -> overfit.parquet, overfit_noise.parquet, overfit.png, summary."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._predict import parse_grid


def overfit_config(*, n: str | None, noise: str, quick: bool, **options):
    from ..experiments import OverfitConfig

    if quick:
        options.update(trials=min(options["trials"], 2),
                       test_size=min(options["test_size"], 500),
                       mlp_width=min(options["mlp_width"], 128),
                       mlp_steps=min(options["mlp_steps"], 300))
        if n is None:
            n = "25,50,100,200"
    sizes = parse_grid(n or "25,50,100,200,400,800", "n").round()
    mlp_sizes = options.pop("mlp_n")
    if mlp_sizes is not None:
        options["mlp_sizes"] = tuple(int(s) for s in parse_grid(mlp_sizes, "mlp-n").round())
    elif quick:
        options["mlp_sizes"] = tuple(int(s) for s in np.sort(sizes)[:2])
    return OverfitConfig(n=tuple(int(s) for s in np.unique(sizes)),
                         noise=tuple(float(v) for v in parse_grid(noise, "noise")), **options)


def run_and_save(config, out: Path, console=None):
    import matplotlib

    matplotlib.use("Agg")
    from rich.console import Console

    from ..experiments import run_overfit
    from ._output import run_with_stages, save_figure, write_table

    console = console or Console()
    result = run_with_stages(lambda progress: run_overfit(config, progress=progress), console)
    paths = [write_table(result.coefficients, out / "overfit.parquet"),
             write_table(result.sensitivity, out / "overfit_noise.parquet")]
    paths.append(save_figure(_plot(result), out / "overfit.png"))
    _summarise(result, console)
    console.print(f"wrote {', '.join(str(p) for p in paths)}")
    return result


def _plot(result):
    import matplotlib.pyplot as plt

    from ..plotting._curves import readable_log_ticks

    frame, config = result.coefficients, result.config
    figure, (left, right) = plt.subplots(1, 2, figsize=(10.5, 4.0))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, kernel in enumerate(config.kernels):
        colour = colours[k % len(colours)]
        rows = frame[frame["kernel"] == kernel]
        theory = rows[rows["method"] == "theory"]
        left.plot(theory["n"], theory["overfitting_coefficient"], "-", color=colour,
                  label=f"{kernel}: theory")
        for method, marker in (("noise-fit", "o"), ("estimator", "x")):
            stats = rows[rows["method"] == method].groupby("n")["overfitting_coefficient"] \
                .agg(["mean", "std", "count"])
            left.errorbar(stats.index, stats["mean"], yerr=stats["std"] / np.sqrt(
                stats["count"]), fmt=marker, color=colour, ms=4, capsize=2,
                label=f"{kernel}: {method}")
    left.set_xscale("log")
    left.set_yscale("log")
    left.axhline(1.0, color="0.6", lw=0.8)
    readable_log_ticks(left)
    left.set_xlabel("training samples n")
    left.set_ylabel("overfitting coefficient E0 (ridge 0)")
    left.set_title(f"{frame['description'].iloc[0]}: benign -> 1, tempered -> const, "
                   "catastrophic -> inf", fontsize="small")
    left.legend(fontsize="x-small")

    noisy = result.sensitivity
    for k, ((learner, kernel), rows) in enumerate(noisy.groupby(["learner", "kernel"],
                                                                sort=False)):
        largest = rows["n"].max()
        stats = rows[rows["n"] == largest].groupby("noise")["test_mse"].agg(
            ["mean", "std", "count"])
        slope = result.slopes.query("learner == @learner and kernel == @kernel and "
                                    "n == @largest")["excess_per_noise"].iloc[0]
        name = "MLP" if learner == "mlp" else f"KRR {kernel}"
        right.errorbar(stats.index, stats["mean"], yerr=stats["std"] / np.sqrt(
            stats["count"]), fmt="o-", ms=4, capsize=2, color=colours[k % len(colours)],
            label=f"{name}, n={largest:g}: slope {slope:.2f}")
    right.set_xlabel("label-noise variance")
    right.set_ylabel("test MSE against clean targets")
    right.set_title("interpolating learners: excess risk per unit noise = E0 - 1",
                    fontsize="small")
    right.legend(fontsize="x-small")
    figure.tight_layout()
    return left


def _summarise(result, console):
    from rich.table import Table

    frame = result.coefficients
    table = Table(title="overfitting coefficient E0 at ridge 0 (mean over trials)")
    table.add_column("kernel")
    table.add_column("n", justify="right")
    for column in ("theory", "noise fit", "estimator", "KRR slope + 1"):
        table.add_column(column, justify="right")
    means = frame.groupby(["kernel", "method", "n"])["overfitting_coefficient"].mean()
    slopes = result.slopes.set_index(["learner", "kernel", "n"])["excess_per_noise"]
    for kernel in result.config.kernels:
        for n in sorted(frame.loc[frame["kernel"] == kernel, "n"].unique()):
            table.add_row(kernel, f"{n:g}", *(f"{means[(kernel, m, n)]:.3f}" for m in (
                "theory", "noise-fit", "estimator")), f"{slopes[('krr', kernel, n)] + 1:.3f}")
    console.print(table)
    mlp = result.slopes[result.slopes["learner"] == "mlp"]
    for _, row in mlp.iterrows():
        console.print(f"MLP at n = {row['n']:g}: excess test MSE per unit label noise "
                      f"{row['excess_per_noise']:.3f} (train MSE at most "
                      f"{row['train_mse_max']:.1e}: interpolating)")
    for kernel in result.config.kernels:
        console.print(f"{kernel}: {result.regimes[kernel]}")
