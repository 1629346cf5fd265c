"""Writing results from the command line: atomic tables and figures."""

from __future__ import annotations

from pathlib import Path


def write_table(frame, path: Path) -> Path:
    """Write a DataFrame as Parquet atomically: a killed run never leaves a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    frame.to_parquet(partial, index=False)
    partial.replace(path)
    return path


def save_figure(ax, path: Path) -> Path:
    """Save the Axes' figure and close it."""
    import matplotlib.pyplot as plt

    ax.figure.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(ax.figure)
    return path


def progress_columns(*, counts: bool = True, message: bool = False) -> list:
    """The columns of eigenlab's progress bars: what is running, the bar, done/total (when
    the work is counted in items), time elapsed, ETA, and a message field if asked."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [TextColumn("{task.description}"), BarColumn()]
    columns += [MofNCompleteColumn()] if counts else []
    columns += [TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn()]
    columns += [TextColumn("{task.fields[message]}")] if message else []
    return columns


def run_with_stages(run, console):
    """``run(progress)`` under a transient progress bar that shows its stage messages, the
    bar's fill and the time elapsed and left; returns what ``run`` returns."""
    from rich.progress import Progress

    with Progress(*progress_columns(counts=False), console=console, transient=True) as bar:
        task = bar.add_task("starting", total=None)
        return run(lambda done, total, stage: bar.update(task, description=stage,
                                                         completed=done, total=total))
