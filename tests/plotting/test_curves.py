"""Tests for `eigenlab/plotting/_curves.py`."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from eigenlab.plotting import plot_learning_curve  # noqa: E402
from eigenlab.spectra import power_law_eigensystem  # noqa: E402
from eigenlab.theory import krr_learning_curve  # noqa: E402


def test_theory_lines_and_experiment_error_bars():
    curve = krr_learning_curve(power_law_eigensystem(1000, alpha=1.5, beta=1.5),
                               np.array([10.0, 100.0])[:, None], ridge=[0.0, 0.1])
    theory = curve.to_frame()
    measured = pd.DataFrame({"n": [10, 10, 100, 100], "ridge": 0.1, "source": "experiment",
                             "test_mse": [0.5, 0.6, 0.2, 0.25]})
    frame = pd.concat([theory, measured], ignore_index=True)
    _, ax = plt.subplots()
    returned = plot_learning_curve(frame, ax=ax, show_train=True, label="demo")
    assert returned is ax
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    lines = [line for line in ax.get_lines() if line.get_linestyle() == "-"]
    assert len(lines) >= 2  # one theory line per ridge (and train lines)
    assert any(len(c.get_segments()) == 2 for c in ax.collections)  # error bars at 2 n
    assert "demo: experiment, ridge=0.1" in [t.get_text() for t in ax.get_legend().texts]
    plt.close(ax.figure)


def test_new_axes_and_bad_table():
    ax = plot_learning_curve(krr_learning_curve(power_law_eigensystem(50, alpha=2, beta=2),
                                                [1, 5]))
    assert ax.figure is not None
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="`results` must have columns"):
        plot_learning_curve(pd.DataFrame({"n": [1]}))


def test_theory_sources_get_distinct_line_styles():
    curve = krr_learning_curve(power_law_eigensystem(200, alpha=1.5, beta=1.5), [10.0, 50.0])
    one = curve.to_frame()
    other = one.assign(source="theory:hea", test_mse=one["test_mse"] * 1.1)
    ax = plot_learning_curve(pd.concat([one, other], ignore_index=True))
    assert {line.get_linestyle() for line in ax.get_lines()} == {"-", "--"}
    plt.close(ax.figure)
