"""`eigenlab curve`: options -> CurveConfig -> run_curve -> curve.parquet, curve.png, summary."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._predict import parse_grid


def curve_config(*, n: str | None, ridge: str, quick: bool, pool: int, trials: int, **options):
    from ..experiments import CurveConfig

    if quick:
        pool, trials = min(pool, 800), min(trials, 2)
    if n is None:
        sizes = np.unique(np.geomspace(10, max(11, pool // 10), 8 if not quick else 5).round())
    else:
        sizes = np.unique(parse_grid(n, "n").round())
    return CurveConfig(n=tuple(int(s) for s in sizes),
                       ridges=tuple(float(r) for r in parse_grid(ridge, "ridge")),
                       pool=pool, trials=trials, **options)


def run_and_save(config, out: Path):
    import matplotlib

    matplotlib.use("Agg")
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.table import Table

    from ..experiments import run_curve
    from ..plotting import plot_learning_curve
    from ._output import save_figure, write_table

    console = Console()
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}"
                  "/{task.total}"), TimeRemainingColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task("starting", total=1)

        def progress(done, total, stage):
            bar.update(task, description=stage, completed=done, total=total)

        result = run_curve(config, progress=progress)

    table_path = write_table(result.frame, out / "curve.parquet")
    ax = plot_learning_curve(result.frame)
    ax.set_title(f"KRR on {result.display_name}, {config.kernel} (width {config.width:g}), "
                 f"target {config.target}", fontsize="medium")
    figure_path = save_figure(ax, out / "curve.png")

    frame = result.frame
    table = Table(title=f"{result.display_name}: predicted (empirical eigensystem, M = "
                  f"{config.pool}) vs measured test MSE ({config.trials} trials)")
    for column in ("n", "ridge", "predicted", "measured", "std err", "ratio"):
        table.add_column(column, justify="right")
    theory = frame[frame["source"].str.startswith("theory")]
    measured = frame[frame["source"] == "experiment"].groupby(["n", "ridge"])["test_mse"]
    stats = measured.agg(["mean", "std", "count"])
    for _, row in theory.iterrows():
        mean, std, count = stats.loc[(row["n"], row["ridge"])]
        table.add_row(f"{row['n']:g}", f"{row['ridge']:g}", f"{row['test_mse']:.4f}",
                      f"{mean:.4f}", f"{std / np.sqrt(count):.4f}",
                      f"{row['test_mse'] / mean:.3f}")
    console.print(table)
    console.print(f"agreement (median over n of |log(predicted/measured test MSE)|): "
                  f"{result.agreement['all']:.3f}")
    console.print(f"wrote {table_path} ({len(frame)} rows) and {figure_path}")
    return result
