"""Result records -> matplotlib Axes. Computes no theory, writes no files.

plot_learning_curve
    Test (and optionally train) MSE against n on log-log axes, one line per ridge; measured
    points with error bars when a tidy table with ``source = "experiment"`` rows is given.
"""

from ._curves import plot_learning_curve

__all__ = ["plot_learning_curve"]
