"""`eigenlab predict`: a learning curve from a synthetic or analytic eigensystem."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


def parse_grid(text: str, name: str) -> np.ndarray:
    """``"a:b:k"`` -> k log-spaced values from a to b; ``"x,y,z"`` -> that list."""
    text = text.strip()
    try:
        if ":" in text:
            start, stop, count = text.split(":")
            values = np.unique(np.geomspace(float(start), float(stop), int(count)))
        else:
            values = np.array([float(v) for v in text.split(",") if v.strip()])
    except ValueError:
        raise ValueError(f"`--{name}` must be START:STOP:COUNT or a comma list of numbers; "
                         f"got {text!r}.") from None
    if values.size == 0:
        raise ValueError(f"`--{name}` must list at least one value; got {text!r}.")
    return values


@dataclass(frozen=True)
class PredictConfig:
    spectrum: str
    alpha: float
    beta: float
    modes: int
    kernel_width: float
    size: int
    target_level: int
    n: tuple[float, ...]
    ridge: tuple[float, ...]
    noise: float
    out: Path

    @classmethod
    def from_options(cls, *, quick: bool, n: str, ridge: str, **options) -> PredictConfig:
        n_values = parse_grid(n, "n")
        if quick:
            options["modes"] = min(options["modes"], 5_000)
            n_values = n_values[n_values <= 1000] if np.any(n_values <= 1000) else n_values[:1]
        return cls(n=tuple(n_values), ridge=tuple(parse_grid(ridge, "ridge")), **options)

    def settings(self) -> dict:
        keep = {"spectrum": self.spectrum, "noise": self.noise}
        if self.spectrum == "power-law":
            keep.update(alpha=self.alpha, beta=self.beta, modes=self.modes)
        else:
            keep.update(kernel="gaussian", kernel_width=self.kernel_width, size=self.size,
                        target_level=self.target_level)
        return keep


def build_eigensystem(config: PredictConfig):
    from ..spectra import (
        hypercube_eigensystem,
        hypersphere_eigensystem,
        parity_target_power,
        power_law_eigensystem,
        unit_circle_eigensystem,
    )

    if config.spectrum == "power-law":
        return power_law_eigensystem(config.modes, alpha=config.alpha, beta=config.beta,
                                     normalize_target=True)
    width = config.kernel_width

    def kernel(t):
        return np.exp(-(1.0 - t) / width**2)

    level = config.target_level
    if config.spectrum == "circle":
        return unit_circle_eigensystem(
            kernel, config.size, target=lambda theta: np.sqrt(2.0) * np.cos(level * theta))
    if config.spectrum == "hypercube":
        return hypercube_eigensystem(kernel, config.size,
                                     target_power=parity_target_power(config.size, level))
    power = np.zeros(max(level, 8) + 1)
    power[level] = 1.0
    return hypersphere_eigensystem(kernel, config.size, max_degree=power.size - 1,
                                   target_power=power)


def run_predict(config: PredictConfig) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    from rich.console import Console
    from rich.table import Table

    from .. import __version__
    from ..plotting import plot_learning_curve
    from ..theory import krr_learning_curve
    from ._output import save_figure, write_table

    console = Console()
    es = build_eigensystem(config)
    n = np.asarray(config.n)
    ridge = np.asarray(config.ridge)
    curve = krr_learning_curve(es, n[:, None], ridge=ridge[None, :], noise=config.noise)
    frame = curve.to_frame(**config.settings(), eigenlab_version=__version__)

    table_path = write_table(frame, config.out / "predict.parquet")
    ax = plot_learning_curve(curve, show_train=config.noise > 0)
    ax.set_title(f"KRR learning curve, {config.spectrum} eigensystem (theory)")
    figure_path = save_figure(ax, config.out / "predict.png")

    table = Table(title=f"Predicted learning curve ({config.spectrum}, {es.n_modes} modes)")
    for column in ("n", "ridge", "effective_ridge", "overfitting_coefficient", "test_mse",
                   "train_mse"):
        table.add_column(column, justify="right")
    rows = frame.iloc[np.unique(np.linspace(0, len(frame) - 1, 12).astype(int))]
    for _, row in rows.iterrows():
        table.add_row(f"{row.n:.4g}", f"{row.ridge:.3g}", f"{row.effective_ridge:.3e}",
                      f"{row.overfitting_coefficient:.4f}", f"{row.test_mse:.4e}",
                      f"{row.train_mse:.4e}")
    console.print(table)
    console.print(f"wrote {table_path} ({len(frame)} rows) and {figure_path}")
    return table_path
