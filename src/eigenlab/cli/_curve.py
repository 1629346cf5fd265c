"""`eigenlab curve`: options -> CurveConfig -> run_curve -> curve.parquet, curve.png, summary."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._predict import parse_grid


def curve_config(*, n: str | None, ridge: str, quick: bool, pool: int, trials: int, **options):
    from ..experiments import CurveConfig

    if quick:
        pool, trials = min(pool, 800), min(trials, 2)
        options["hea_samples"] = min(options.get("hea_samples", 20_000), 3000)
        options["hea_modes"] = min(options.get("hea_modes", 20_000), 3000)
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
    prep = "".join([f", ZCA {config.zca:g}" if config.zca else "",
                    ", normalised" if config.normalize else ""])
    ax.set_title(f"KRR on {result.display_name}{prep}, {config.kernel} (width "
                 f"{config.width:g}), target {config.target}", fontsize="medium")
    figure_path = save_figure(ax, out / "curve.png")

    frame = result.frame
    sources = ", ".join(config.theory)
    table = Table(title=f"{result.display_name}: predicted ({sources}) vs measured test MSE "
                  f"(pool M = {config.pool}, {config.trials} trials)")
    table.add_column("n", justify="right")
    table.add_column("ridge", justify="right")
    for source in config.theory:
        table.add_column(source, justify="right")
    table.add_column("measured", justify="right")
    table.add_column("std err", justify="right")
    measured = frame[frame["source"] == "experiment"].groupby(["n", "ridge"])["test_mse"]
    stats = measured.agg(["mean", "std", "count"])
    predicted = {source: frame[frame["source"] == f"theory:{source}"].set_index(
        ["n", "ridge"])["test_mse"] for source in config.theory}
    for (n, ridge), (mean, std, count) in stats.iterrows():
        table.add_row(f"{n:g}", f"{ridge:g}",
                      *(f"{predicted[s].loc[(n, ridge)]:.4f}" for s in config.theory),
                      f"{mean:.4f}", f"{std / np.sqrt(count):.4f}")
    console.print(table)
    console.print(f"pool: effective dimension {result.pool_effective_dimension:.1f}, spread "
                  f"of squared norms {result.pool_norm_spread:.3f} (std/mean)")
    if result.diagnostics is not None:
        d = result.diagnostics
        console.print(f"HEA diagnostics: effective dimension {d.effective_dimension:.1f}, "
                      f"max degree {d.max_degree}, {d.samples_per_coefficient:.0f} samples "
                      f"per coefficient, unexplained target power {d.unexplained_power:.3f}")
        for message in d.warnings:
            console.print(f"[yellow]HEA warning:[/yellow] {message}")
    for source, score in result.agreement.items():
        console.print(f"agreement {source} (median over n of |log(predicted/measured test "
                      f"MSE)|): {score:.3f}")
    console.print(f"wrote {table_path} ({len(frame)} rows) and {figure_path}")
    return result
