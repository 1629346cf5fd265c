"""Learning-curve plots."""

from __future__ import annotations

import numpy as np

__all__ = ["plot_learning_curve"]


def plot_learning_curve(results, ax=None, *, show_train: bool = False, label: str | None = None):
    """Plot test MSE against sample size on log-log axes.

    Parameters
    ----------
    results : KRRLearningCurve or pandas.DataFrame
        A theory record, or a tidy table with columns ``n``, ``ridge``, ``source``,
        ``test_mse`` (and ``train_mse``). Theory rows (``source`` starting with ``theory``)
        are drawn as lines, one colour per ridge and one line style per theory source; other
        rows (``experiment``) as their mean over repeated rows with error bars of one
        standard error.
    ax : matplotlib Axes, optional
        Where to draw; a new figure's Axes by default.
    show_train : bool, default False
        Also draw train MSE (thin, faded lines).
    label : str, optional
        Prefix of the legend entries.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    frame = results.to_frame() if hasattr(results, "to_frame") else results
    missing = {"n", "ridge", "source", "test_mse"} - set(frame.columns)
    if missing:
        raise ValueError(f"`results` must have columns n, ridge, source, test_mse; missing "
                         f"{sorted(missing)}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.0))
    prefix = f"{label}: " if label else ""
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    ridges = sorted(frame["ridge"].unique())
    theory_sources = sorted(s for s in frame["source"].unique() if str(s).startswith("theory"))
    styles = dict(zip(theory_sources, ["-", "--", ":", "-."] * 4, strict=False))
    for k, ridge in enumerate(ridges):
        colour = colours[k % len(colours)]
        rows = frame[frame["ridge"] == ridge]
        for source, group in rows.groupby("source", sort=True):
            if str(source).startswith("theory"):
                stats = group.groupby("n", sort=True)[["test_mse"] + (
                    ["train_mse"] if show_train else [])].mean()
                ax.plot(stats.index, stats["test_mse"], color=colour, ls=styles[source],
                        label=f"{prefix}{source}, ridge={ridge:g}")
                if show_train:
                    ax.plot(stats.index, stats["train_mse"], color=colour, ls=styles[source],
                            lw=0.8, alpha=0.6)
            else:
                stats = group.groupby("n", sort=True)["test_mse"].agg(["mean", "std", "count"])
                error = (stats["std"] / np.sqrt(stats["count"])).fillna(0.0)
                ax.errorbar(stats.index, stats["mean"], yerr=error, fmt="o", ms=4,
                            color=colour, capsize=2, label=f"{prefix}{source}, ridge={ridge:g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    readable_log_ticks(ax)
    ax.set_xlabel("training samples n")
    ax.set_ylabel("test MSE")
    ax.legend(fontsize="small")
    return ax


def readable_log_ticks(ax) -> None:
    """Plain-number tick labels on the log axes of ``ax`` (``30``, ``200``, ``0.5``), minor
    labels only at 2 and 5 times a power of ten, and none when the axis spans more than three
    decades: matplotlib's default writes every minor label in scientific notation, and they
    run into each other over one or two decades."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    plain = FuncFormatter(lambda value, _: f"{value:g}")
    for axis, limits in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        if axis.get_scale() != "log" or min(limits) <= 0:
            continue
        axis.set_major_formatter(plain)
        if np.log10(max(limits) / min(limits)) > 3:
            axis.set_minor_formatter(NullFormatter())
        else:
            axis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
            axis.set_minor_formatter(plain)
