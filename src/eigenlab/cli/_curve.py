"""`eigenlab curve`: options -> a grid of CurveConfigs -> the sweep runner -> table, plot, summary.

Every run goes through :func:`eigenlab.experiments.sweep` with the built-in ``curve`` job, so
its rows land in a result store (``OUT/store``) with their config hash, version and wall
time, and running the same command again reuses the finished points. A comma list in
``--dataset``, ``--kernel``, ``--width``, ``--target``, ``--zca`` or ``--seed`` makes a grid
(their product), run on a process pool.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ._predict import parse_grid

# Options that take a comma list; each list is an axis of the grid.
_AXES = {"dataset": str, "kernel": str, "width": float, "target": str, "zca": float,
         "seed": int}
_MAX_PANELS = 16


def _axis_values(name: str, text, kind) -> list:
    if text is None or not isinstance(text, str):
        return [text]
    parts = [part.strip() for part in text.split(",")]
    if not parts or any(not part for part in parts):
        raise ValueError(f"`--{name}` must be a value or a comma list of values; got "
                         f"{text!r}.")
    try:
        values = [kind(part) for part in parts]
    except ValueError:
        raise ValueError(f"`--{name}` must be {'numbers' if kind is not str else 'names'} "
                         f"separated by commas; got {text!r}.") from None
    if len(set(values)) != len(values):
        raise ValueError(f"`--{name}` lists a value twice; got {text!r}.")
    return values


def curve_grid(*, n: str | None, ridge: str, quick: bool, pool: int, trials: int, **options):
    """The command's options as a :class:`~eigenlab.experiments.Grid` of curve configs.

    Every point is checked (by building its :class:`~eigenlab.experiments.CurveConfig`)
    before anything runs; the grid's fixed part is the full config, defaults included, so
    that a stored point is found again whatever options were spelled out.
    """
    from ..experiments import CurveConfig, Grid

    if quick:
        pool, trials = min(pool, 800), min(trials, 2)
        options["hea_samples"] = min(options.get("hea_samples", 20_000), 3000)
        options["hea_modes"] = min(options.get("hea_modes", 20_000), 3000)
    if n is None:
        sizes = np.unique(np.geomspace(10, max(11, pool // 10), 8 if not quick else 5).round())
    else:
        sizes = np.unique(parse_grid(n, "n").round())
    axes = {key: _axis_values(key, options.pop(key), kind) for key, kind in _AXES.items()
            if key in options}
    first = {key: values[0] for key, values in axes.items()}
    base = CurveConfig(n=tuple(int(s) for s in sizes),
                       ridges=tuple(float(r) for r in parse_grid(ridge, "ridge")),
                       pool=pool, trials=trials, **first, **options)
    fixed = asdict(base)
    varying = {key: values for key, values in axes.items() if len(values) > 1}
    for key in varying:
        fixed.pop(key)
    grid = Grid(varying, fixed=fixed)
    from ..experiments import resolve_job

    resolve_job("curve").check_points(grid.points())
    return grid


def run_and_save(grid, out: Path, *, engine: str | None = None, workers: int | None = None,
                 store: Path | None = None, console=None):
    """Run the grid's curves through the sweep runner; write curve.parquet and curve.png."""
    import matplotlib

    matplotlib.use("Agg")
    from rich.console import Console
    from rich.progress import Progress

    from ..experiments import sweep
    from ..experiments._jobs import curve_progress
    from ._output import progress_columns, write_table

    console = console or Console()
    single = len(grid) == 1
    engine = engine or ("inprocess" if single else "processes")
    with Progress(*progress_columns(), console=console, transient=True) as bar:
        task = bar.add_task("starting", total=None)

        def stage(done, total, message):  # run_curve's stages (in-process, one point)
            bar.update(task, description=message, completed=done, total=total)

        def points(done, total, message):
            bar.update(task, description=f"curves{': ' + message if message else ''}",
                       completed=done, total=total)

        with curve_progress(stage if engine == "inprocess" else None):
            result = sweep("curve", grid, store=store or out / "store", engine=engine,
                           workers=workers, progress=None if single else points)
    frame = result.frame()
    if result.n_skipped:
        console.print(f"{result.n_skipped} of {result.n_points} curves found in "
                      f"{result.store.path}: reused, not recomputed (delete that folder, or "
                      "pass another --store, to run them again).")
    for _, row in result.errors().iterrows():
        console.print(f"[red]failed[/red] {_label(row, grid.names) or 'curve'}: "
                      f"{row['error']}")
    if frame.empty:
        return result
    table_path = write_table(frame, out / "curve.parquet")
    figure_path = _plot(frame, grid, out / "curve.png", console)
    if single:
        _summarise_one(frame, console)
    else:
        _summarise_grid(frame, grid, console)
    console.print(f"wrote {table_path} ({len(frame)} rows)"
                  + (f" and {figure_path}" if figure_path else "")
                  + f"; store {result.store.path}")
    return result


def _label(row, names) -> str:
    return ", ".join(f"{key} {row[key]:g}" if isinstance(row[key], float) else
                     f"{key} {row[key]}" for key in names)


def _title(row) -> str:
    prep = "".join([f", ZCA {row['zca']:g}" if row.get("zca") and not _isnan(row["zca"])
                    else "", ", normalised" if row.get("normalize") else ""])
    return (f"KRR on {row['dataset_name']}{prep}, {row['kernel']} (width {row['width']:g}), "
            f"target {row['target']}, seed {row['seed']}")


def _isnan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _points(frame):
    """(first row, rows) per finished point, in grid order."""
    for _, rows in frame.groupby("config_hash", sort=False):
        yield rows.iloc[0], rows


def _plot(frame, grid, path: Path, console):
    import matplotlib.pyplot as plt

    from ..plotting import plot_learning_curve
    from ._output import save_figure

    groups = list(_points(frame))
    if len(groups) > _MAX_PANELS:
        console.print(f"{len(groups)} curves are too many for one figure: no curve.png (the "
                      f"table has them all; plot_learning_curve draws any subset).")
        return None
    if len(groups) == 1:
        row, rows = groups[0]
        ax = plot_learning_curve(rows)
        ax.set_title(_title(row), fontsize="medium")
        return save_figure(ax, path)
    ncols = min(4, len(groups))
    nrows = math.ceil(len(groups) / ncols)
    figure, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.4 * nrows),
                                squeeze=False)
    for ax, (row, rows) in zip(axes.flat, groups, strict=False):
        plot_learning_curve(rows, ax=ax)
        ax.set_title(_label(row, grid.names), fontsize="small")
        if ax is not axes.flat[0]:
            legend = ax.get_legend()
            if legend is not None:
                legend.remove()
    for ax in axes.flat[len(groups):]:
        ax.set_visible(False)
    first = groups[0][0]
    figure.suptitle(f"KRR on {first['dataset_name']}: predicted vs measured test MSE",
                    fontsize="medium")
    figure.tight_layout()
    return save_figure(axes.flat[0], path)


def _sources(frame) -> list[str]:
    return sorted(s.split(":", 1)[1] for s in frame["source"].unique()
                  if str(s).startswith("theory:"))


def _summarise_one(frame, console):
    from rich.table import Table

    row = frame.iloc[0]
    sources = _sources(frame)
    table = Table(title=f"{row['dataset_name']}: predicted ({', '.join(sources)}) vs measured "
                  f"test MSE (pool M = {row['pool']}, {row['trials']} trials)")
    table.add_column("n", justify="right")
    table.add_column("ridge", justify="right")
    for source in sources:
        table.add_column(source, justify="right")
    table.add_column("measured", justify="right")
    table.add_column("std err", justify="right")
    measured = frame[frame["source"] == "experiment"].groupby(["n", "ridge"])["test_mse"]
    stats = measured.agg(["mean", "std", "count"])
    predicted = {source: frame[frame["source"] == f"theory:{source}"].set_index(
        ["n", "ridge"])["test_mse"] for source in sources}
    for (n, ridge), (mean, std, count) in stats.iterrows():
        table.add_row(f"{n:g}", f"{ridge:g}",
                      *(f"{predicted[s].loc[(n, ridge)]:.4f}" for s in sources),
                      f"{mean:.4f}", f"{std / np.sqrt(count):.4f}")
    console.print(table)
    console.print(f"pool: effective dimension {row['pool_effective_dimension']:.1f}, spread "
                  f"of squared norms {row['pool_norm_spread']:.3f} (std/mean)")
    if "hea_effective_dimension" in frame and not _isnan(row["hea_effective_dimension"]):
        console.print(f"HEA diagnostics: effective dimension "
                      f"{row['hea_effective_dimension']:.1f}, max degree "
                      f"{int(row['hea_max_degree'])}, {row['hea_samples_per_coefficient']:.0f}"
                      f" samples per coefficient, unexplained target power "
                      f"{row['hea_unexplained_power']:.3f}")
        for message in filter(None, str(row["hea_warnings"] or "").split(" | ")):
            console.print(f"[yellow]HEA warning:[/yellow] {message}")
    scores = _scores(frame)
    for source in sources:
        console.print(f"agreement {source} (median over n of |log(predicted/measured test "
                      f"MSE)|): {scores[source]:.3f}")


def _scores(frame) -> dict:
    theory = frame[frame["source"].astype(str).str.startswith("theory:")]
    return {source.split(":", 1)[1]: float(rows["agreement"].iloc[0])
            for source, rows in theory.groupby("source")}


def _summarise_grid(frame, grid, console):
    from rich.table import Table

    sources = _sources(frame)
    table = Table(title="agreement: median over (n, ridge) of |log(predicted/measured test "
                  "MSE)|")
    for key in grid.names:
        table.add_column(key)
    for source in sources:
        table.add_column(source, justify="right")
    table.add_column("pool d_eff", justify="right")
    table.add_column("seconds", justify="right")
    for row, rows in _points(frame):
        scores = _scores(rows)
        table.add_row(*(f"{row[key]:g}" if isinstance(row[key], float) else str(row[key])
                        for key in grid.names),
                      *(f"{scores[s]:.3f}" if s in scores else "-" for s in sources),
                      f"{row['pool_effective_dimension']:.1f}", f"{row['wall_time']:.1f}")
    console.print(table)
