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


def run_with_stages(run, console):
    """``run(progress)`` under a transient progress bar that shows its stage messages, the
    bar's fill and the time elapsed and left; returns what ``run`` returns."""
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=console, transient=True) as bar:
        task = bar.add_task("starting", total=None)
        return run(lambda done, total, stage: bar.update(task, description=stage,
                                                         completed=done, total=total))
