"""`eigenlab sweep CONFIG`: run a sweep config file with a progress bar, then summarise."""

from __future__ import annotations

from pathlib import Path


def run_sweep_file(path: Path, *, engine: str | None = None, workers: int | None = None,
                   scheduler: str | None = None, store: Path | None = None,
                   batch_size: int | None = None, console=None):
    """Load and check the config (command-line options override its [run] table), run it."""
    from rich.console import Console
    from rich.progress import Progress

    from ..experiments import load_sweep_config, run_sweep_config
    from ._output import progress_columns

    console = console or Console()
    config = load_sweep_config(path).with_options(
        engine=engine, workers=workers, scheduler=scheduler, store=store,
        batch_size=batch_size)
    if config.scheduler is not None and config.engine != "dask":
        config = config.with_options(engine="dask")
    with Progress(*progress_columns(message=True), console=console, transient=False) as bar:
        task = bar.add_task(f"[bold]{config.job} ({config.engine})", total=None, message="")

        def progress(done: int, total: int, message: str):
            bar.update(task, completed=done, total=total, message=message)

        result = run_sweep_config(config, progress=progress)
    console.print(f"{result.n_points} points: {result.n_skipped} already in the store, "
                  f"{result.n_run} run, {result.n_failed} failed, in "
                  f"{result.wall_time:.1f} s ({result.engine}).")
    console.print(f"store: {result.store.path} (read it with "
                  f"eigenlab.experiments.ResultStore({str(result.store.path)!r}).frame())")
    if result.n_failed:
        errors = result.errors()
        for _, row in errors.head(5).iterrows():
            console.print(f"[red]failed[/red] {row['config_hash'][:12]}: {row['error']}")
        if len(errors) > 5:
            console.print(f"... and {len(errors) - 5} more; ResultStore(...).errors() "
                          "lists them all.")
    return result
