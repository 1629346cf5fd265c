"""`eigenlab rf`: random-feature ridge regression measured over (n, k, ridge) against the
random-feature eigenframework -> rf.parquet, rf_optimal.parquet, rf.png, summary."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._predict import parse_grid

_SHOWN_RIDGES = 3


def rf_config(*, n: str, k: str, ridge: str, quick: bool, **options):
    from ..experiments import RFConfig

    if quick:
        options.update(trials=min(options["trials"], 2), test_size=min(
            options["test_size"], 300), modes=min(options["modes"], 500),
            pool=min(options["pool"], 800))
    sizes = np.unique(parse_grid(n, "n").round()).astype(int)
    widths = np.unique(parse_grid(k, "k").round()).astype(int)
    if quick:
        sizes = np.unique(np.minimum(sizes, 64))
        widths = np.unique(np.minimum(widths, 256))
    # Measure the double-descent peak: every n inside the k range is also a k (and back).
    widths = np.union1d(widths, sizes[(sizes > widths[0]) & (sizes < widths[-1])])
    sizes = np.union1d(sizes, widths[(widths > sizes[0]) & (widths < sizes[-1])])
    return RFConfig(n=tuple(int(v) for v in sizes), k=tuple(int(v) for v in widths),
                    ridges=tuple(float(r) for r in parse_grid(ridge, "ridge")), **options)


def run_and_save(config, out: Path, console=None):
    import matplotlib

    matplotlib.use("Agg")
    from rich.console import Console

    from ..experiments import run_rf
    from ._output import run_with_stages, save_figure, write_table

    console = console or Console()
    result = run_with_stages(lambda progress: run_rf(config, progress=progress), console)
    paths = [write_table(result.frame, out / "rf.parquet"),
             write_table(result.optimal, out / "rf_optimal.parquet"),
             save_figure(_plot(result), out / "rf.png")]
    _summarise(result, console)
    console.print(f"wrote {', '.join(str(p) for p in paths)}")
    return result


def _axes(config):
    """(x axis, panel axis): the longer of n and k runs along x, one panel per other value."""
    return ("k", "n") if len(config.k) >= len(config.n) else ("n", "k")


def _shown_ridges(ridges) -> list[float]:
    ridges = sorted(ridges)
    if len(ridges) <= _SHOWN_RIDGES:
        return ridges
    return [ridges[int(i)] for i in np.linspace(0, len(ridges) - 1, _SHOWN_RIDGES).round()]


def _plot(result):
    import matplotlib.pyplot as plt

    from ..plotting._curves import readable_log_ticks

    config, frame, optimal = result.config, result.frame, result.optimal
    x, panel = _axes(config)
    values = sorted(frame[panel].unique())[:4]
    figure, axes = plt.subplots(1, len(values), figsize=(4.8 * len(values), 3.9),
                                squeeze=False)
    colours = plt.cm.viridis(np.linspace(0.1, 0.85, _SHOWN_RIDGES))
    measured = frame[frame["source"] == "experiment"]
    dense = result.theory_curves
    for ax, value in zip(axes.flat, values, strict=True):
        for colour, ridge in zip(colours, _shown_ridges(config.ridges), strict=False):
            rows = measured[(measured[panel] == value) & np.isclose(measured["ridge"], ridge)]
            stats = rows.groupby(x)["test_mse"].agg(["mean", "std", "count"])
            ax.errorbar(stats.index, stats["mean"], yerr=stats["std"] / np.sqrt(
                stats["count"]), fmt="o", ms=3, color=colour, label=f"ridge {ridge:.3g}")
            line = dense[(dense["along"] == x) & (dense[panel] == value)
                         & np.isclose(dense["ridge"], ridge)].sort_values(x)
            ax.plot(line[x], line["test_mse"], "-", lw=1, color=colour)
        for source, style in (("experiment", "k^"), ("theory", "k--")):
            best = optimal[(optimal["source"] == source) & (optimal[panel] == value)]
            best = best.sort_values(x)
            column = "grid_test_mse" if source == "experiment" else "test_mse"
            ax.plot(best[x], best[column], style, ms=4, lw=1,
                    label=f"optimal ridge ({'measured' if source == 'experiment' else 'theory'})")
        if x == "k":
            ax.axvline(value, color="0.7", lw=0.8, ls=":")  # the double-descent peak k = n
        ax.set(xscale="log", yscale="log", xlabel=x, ylabel="test MSE",
               title=f"{panel} = {value:g}")
        readable_log_ticks(ax)
    axes.flat[0].legend(fontsize="x-small")
    figure.suptitle(f"Random-feature ridge regression: {result.description} (points "
                    "measured, lines theory)", fontsize="medium")
    figure.tight_layout()
    return axes.flat[0]


def _summarise(result, console):
    from rich.table import Table

    config, optimal = result.config, result.optimal
    x, panel = _axes(config)
    measured = optimal[optimal["source"] == "experiment"].set_index(["n", "k"])
    theory = optimal[optimal["source"] == "theory"].set_index(["n", "k"])
    table = Table(title=f"{result.description}: test MSE at the optimal ridge")
    for column in ("n", "k", "measured ridge", "measured MSE", "std err", "theory ridge",
                   "theory MSE"):
        table.add_column(column, justify="right")
    for (n, k), row in measured.iterrows():
        predicted = theory.loc[(n, k)]
        table.add_row(f"{n:g}", f"{k:g}", f"{row['ridge']:.3g}",
                      f"{row['grid_test_mse']:.4f}", f"{row['grid_test_mse_sem']:.4f}",
                      f"{predicted['ridge']:.3g}", f"{predicted['test_mse']:.4f}")
    console.print(table)
    if config.data != "planted":
        console.print("theory optimum: for the pool population (the measured one is on "
                      "held-out points)")
    console.print(f"agreement (median over n, k, ridge of |log(predicted/measured test "
                  f"MSE)|): {result.agreement:.3f}")
    for axis, rise in result.more_is_better.items():
        if np.isfinite(rise):
            verdict = "non-increasing within noise" if rise <= 2 else "RISES"
            console.print(f"more is better along {axis}: largest rise of the optimal-ridge "
                          f"test MSE {rise:+.2f} standard errors ({verdict})")
