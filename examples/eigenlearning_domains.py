"""Eigenlearning on the analytic domains: eigenframework theory against actual KRR.

DOCSTRING-PLACEHOLDER
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from eigenlab.spectra import (
    Eigensystem,
    hypercube_eigensystem,
    parity_target_power,
    unit_circle_eigensystem,
)
from eigenlab.theory import krr_learning_curve

N_POINTS = 256
CUBE_DIM = 8
CUBE_WIDTH = 1.0
CIRCLE_WIDTH = 0.2
PARITY_ORDERS = (1, 2, 3)
FREQUENCIES = (1, 4, 16)
RIDGES = (1e-3,)
TRIALS = 200
QUICK_TRIALS = 16
COLUMNS = ["domain", "target", "n", "ridge", "source", "trial", "test_mse", "train_mse",
           "learnability"]


def sample_sizes(*, quick: bool = False) -> np.ndarray:
    """Log-spaced integer sample sizes from 2 to 200 (16 of them, 6 with ``quick``)."""
    return np.unique(np.geomspace(2, 200, 6 if quick else 16).round().astype(np.int64))


def gaussian_profile(width: float):
    r"""The dot-product Gaussian :math:`K(t) = e^{-(1 - t)/w^2}` (an RBF on the unit sphere)."""
    return lambda t: np.exp(-(1.0 - t) / width**2)


@dataclass(frozen=True, eq=False)
class Domain:
    """A finite domain: its Gram matrix, targets on its points and their exact eigensystems.

    Attributes
    ----------
    name : str
    gram : ndarray of shape (n_points, n_points)
        :math:`K(x_i, x_j)` over every point of the domain.
    target_names : tuple of str
    targets : ndarray of shape (n_points, n_targets)
        Each target's values, with unit population norm :math:`\\frac1M \\sum_j f(x_j)^2 = 1`.
    eigensystems : tuple of Eigensystem
        The kernel's exact eigensystem with each target's coefficients.
    """

    name: str
    gram: np.ndarray
    target_names: tuple[str, ...]
    targets: np.ndarray
    eigensystems: tuple[Eigensystem, ...]

    @property
    def n_points(self) -> int:
        return int(self.gram.shape[0])


def hypercube_domain(dim: int = CUBE_DIM, *, width: float = CUBE_WIDTH,
                     orders=PARITY_ORDERS) -> Domain:
    """The boolean hypercube {-1, +1}^dim with parities on the first k bits as targets."""
    points = 1.0 - 2.0 * ((np.arange(2**dim)[:, None] >> np.arange(dim)) & 1)
    kernel = gaussian_profile(width)
    return Domain(
        name=f"hypercube d={dim}",
        gram=kernel(points @ points.T / dim),
        target_names=tuple(f"k={k}" for k in orders),
        targets=np.stack([np.prod(points[:, :k], axis=1) for k in orders], axis=1),
        eigensystems=tuple(hypercube_eigensystem(kernel, dim,
                                                 target_power=parity_target_power(dim, k))
                           for k in orders),
    )


def unit_circle_domain(n_points: int = N_POINTS, *, width: float = CIRCLE_WIDTH,
                       frequencies=FREQUENCIES) -> Domain:
    """M equally spaced points of the unit circle with targets sqrt(2) cos(k theta)."""
    theta = 2 * np.pi * np.arange(n_points) / n_points
    kernel = gaussian_profile(width)
    targets = np.sqrt(2.0) * np.cos(np.outer(theta, frequencies))
    return Domain(
        name=f"unit circle M={n_points}",
        gram=kernel(np.cos(np.subtract.outer(theta, theta))),
        target_names=tuple(f"k={k}" for k in frequencies),
        targets=targets,
        eigensystems=tuple(unit_circle_eigensystem(kernel, n_points, target=targets[:, j])
                           for j in range(targets.shape[1])),
    )


def krr_trials(gram: np.ndarray, targets: np.ndarray, n: int, *, ridge: float, trials: int,
               rng: np.random.Generator, replace: bool = False) -> dict[str, np.ndarray]:
    r"""Fit KRR on ``trials`` random datasets of ``n`` points of a finite domain.

    Each dataset is drawn uniformly from the M points, without replacement by default; the
    estimator :math:`\hat f(x) = k_{xD}(K_{DD} + \delta I)^{-1} y` (for :math:`\delta = 0` the
    minimum-norm least-squares solution) is fitted to every target at once, all datasets in
    one batched solve.

    Parameters
    ----------
    gram : ndarray of shape (M, M)
    targets : ndarray of shape (M, n_targets)
    n : int
        Training-set size, at most M without replacement.
    ridge : float
        :math:`\delta \ge 0`.
    trials : int
    rng : numpy.random.Generator
    replace : bool, default False
        Draw iid with replacement instead (repeated points; a control, see the module notes).

    Returns
    -------
    dict of ndarray of shape (trials, n_targets)
        ``test_mse``: mean squared error over all M points (training points included);
        ``train_mse``: over the n training draws; ``learnability``:
        :math:`\langle f, \hat f\rangle / \langle f, f\rangle` with the population inner
        product :math:`\langle f, g\rangle = \frac1M \sum_j f(x_j) g(x_j)`.
    """
    n_points = gram.shape[0]
    if replace:
        index = rng.integers(0, n_points, size=(trials, n))
    else:
        index = np.argsort(rng.random((trials, n_points)), axis=1)[:, :n]
    rows = gram[index]                                   # (trials, n, M): k_{Dx}
    gram_dd = np.take_along_axis(rows, index[:, None, :], axis=2)
    labels = targets[index]                              # (trials, n, n_targets)
    if ridge > 0:
        coeffs = np.linalg.solve(gram_dd + ridge * np.eye(n), labels)
    else:
        coeffs = np.stack([np.linalg.lstsq(g, y, rcond=None)[0]
                           for g, y in zip(gram_dd, labels, strict=True)])
    predictions = np.swapaxes(rows, 1, 2) @ coeffs       # (trials, M, n_targets)
    fitted = np.take_along_axis(predictions, index[:, :, None], axis=1)
    return {
        "test_mse": np.mean((predictions - targets) ** 2, axis=1),
        "train_mse": np.mean((fitted - labels) ** 2, axis=1),
        "learnability": np.mean(predictions * targets, axis=1) / np.mean(targets**2, axis=0),
    }


def domain_frame(domain: Domain, n_values, *, ridges=RIDGES, trials: int,
                 rng: np.random.Generator) -> pd.DataFrame:
    """Theory and experiment rows for every target of one domain (the tidy table)."""
    parts = []
    for ridge in ridges:
        for name, es in zip(domain.target_names, domain.eigensystems, strict=True):
            curve = krr_learning_curve(es, n_values, ridge=ridge)
            parts.append(pd.DataFrame({
                "domain": domain.name, "target": name, "n": np.asarray(n_values),
                "ridge": ridge, "source": "theory", "trial": np.nan,
                "test_mse": curve.test_mse, "train_mse": curve.train_mse,
                "learnability": curve.target_learnability,
            }))
        for n in n_values:
            measured = krr_trials(domain.gram, domain.targets, int(n), ridge=ridge,
                                  trials=trials, rng=rng)
            for j, name in enumerate(domain.target_names):
                parts.append(pd.DataFrame({
                    "domain": domain.name, "target": name, "n": int(n), "ridge": ridge,
                    "source": "experiment", "trial": np.arange(trials, dtype=float),
                    **{key: values[:, j] for key, values in measured.items()},
                }))
    return pd.concat(parts, ignore_index=True)[COLUMNS]


def off_training_mse(test_mse, train_mse, n, *, n_points: int = N_POINTS):
    r"""Error off the training set, :math:`(M E_{pop} - n E_{tr}) / (M - n)`, for n < M.

    ``test_mse`` is the error over all M points and ``train_mse`` over the n (distinct)
    training points, so this is the mean error over the other M - n points.
    """
    n = np.asarray(n, dtype=np.float64)
    return (n_points * np.asarray(test_mse) - n * np.asarray(train_mse)) / (n_points - n)


def discrepancies(frame: pd.DataFrame, *, n_points: int = N_POINTS) -> pd.DataFrame:
    """Theory against the experimental mean at every (domain, target, ridge, n).

    Columns: ``population`` = |log(theory test_mse / measured population MSE)|;
    ``off_training`` = the same for the off-training-set errors of both
    (:func:`off_training_mse`); ``learnability`` = |theory - measured mean learnability|;
    ``learnability_z`` = that difference in standard errors of the mean. A log-ratio is NaN
    where either error is exactly zero (a ridgeless finite-rank theory that interpolates).
    """
    keys = ["domain", "target", "ridge", "n"]
    quantities = ["test_mse", "train_mse", "learnability"]
    experiment = frame[frame["source"] == "experiment"]
    measured = experiment.groupby(keys)[quantities].mean()
    error = experiment.groupby(keys)["learnability"].sem()
    theory = frame[frame["source"] == "theory"].set_index(keys)[quantities]
    both = measured.join(theory.add_suffix("_theory"), how="inner")
    n = both.index.get_level_values("n").to_numpy()
    off_measured = off_training_mse(both["test_mse"], both["train_mse"], n, n_points=n_points)
    off_theory = off_training_mse(both["test_mse_theory"], both["train_mse_theory"], n,
                                  n_points=n_points)

    def log_ratio(a, b):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where((a > 0) & (b > 0), np.abs(np.log(a / b)), np.nan)

    gap = np.abs(both["learnability_theory"] - both["learnability"])
    return pd.DataFrame({
        "population": log_ratio(both["test_mse_theory"], both["test_mse"]),
        "off_training": log_ratio(off_theory, off_measured),
        "learnability": gap,
        "learnability_z": gap / error.reindex(both.index),
    }, index=both.index)


def agreement(frame: pd.DataFrame, *, by=("domain", "target", "ridge"),
              n_points: int = N_POINTS) -> pd.DataFrame:
    """Medians over n (and whatever is not in ``by``) of :func:`discrepancies`."""
    return discrepancies(frame, n_points=n_points).groupby(list(by)).median()


def plot_panel(frame: pd.DataFrame, quantity: str, ax):
    """One panel: theory lines and experimental means +- one standard error, per target.

    ``frame`` holds one domain's rows; returns ``ax``.
    """
    import matplotlib as mpl

    colours = mpl.rcParams["axes.prop_cycle"].by_key()["color"]
    ridges = sorted(frame["ridge"].unique(), reverse=True)
    styles = dict(zip(ridges, ["-", "--", ":", "-."], strict=False))
    targets = list(dict.fromkeys(frame["target"]))
    for (target, ridge), rows in frame.groupby(["target", "ridge"], sort=False):
        colour = colours[targets.index(target) % len(colours)]
        label = target if len(ridges) == 1 else f"{target}, ridge={ridge:g}"
        theory = rows[rows["source"] == "theory"].sort_values("n")
        ax.plot(theory["n"], theory[quantity], color=colour, ls=styles.get(ridge, "-"),
                label=label)
        stats = (rows[rows["source"] == "experiment"].groupby("n")[quantity]
                 .agg(["mean", "sem"]))
        ax.errorbar(stats.index, stats["mean"], yerr=stats["sem"].fillna(0.0), fmt="o", ms=4,
                    mfc="white" if ridge == 0 else colour, color=colour, capsize=2)
    ax.set_xscale("log")
    ax.set_xlabel("training samples n")
    if quantity == "test_mse":
        ax.set_yscale("log")
        ax.set_ylabel("test MSE (population, all M points)")
    else:
        ax.set_ylabel("target learnability")
    ax.legend(fontsize="small", title=frame["domain"].iloc[0], title_fontsize="small")
    return ax


def plot_domains(frame: pd.DataFrame, path: Path) -> None:
    """The headline figure: one row per domain, learnability and test MSE against n."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # An Agg canvas on a bare Figure: no pyplot state to switch or figures to close.
    domains = list(dict.fromkeys(frame["domain"]))
    figure = Figure(figsize=(10, 3.8 * len(domains)), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(len(domains), 2, squeeze=False)
    for row, domain in enumerate(domains):
        rows = frame[frame["domain"] == domain]
        for col, quantity in enumerate(("learnability", "test_mse")):
            plot_panel(rows, quantity, axes[row, col])
    figure.suptitle("Eigenlearning: theory (lines) vs KRR (mean +- s.e.)")
    figure.savefig(path, dpi=120)


def main(*, trials: int | None = None, out_dir: Path = Path("results/eigenlearning_domains"),
         quick: bool = False, ridges=RIDGES, seed: int = 0) -> pd.DataFrame:
    """Run the theory and the experiments on both domains, save the table and the figure.

    Parameters
    ----------
    trials : int, optional
        Datasets per (domain, n, ridge); 200 by default, 16 with ``quick``.
    out_dir : Path
        Where ``eigenlearning_domains.parquet`` and ``eigenlearning_domains.png`` go.
    quick : bool
        Six sample sizes and few trials: a smoke run of a few seconds.
    ridges : sequence of float
        Ridges :math:`\\delta` (0 allowed: the least-squares interpolator).
    seed : int
        Seed of the dataset draws.

    Returns
    -------
    pandas.DataFrame
        The tidy table, columns ``COLUMNS``.
    """
    trials = (QUICK_TRIALS if quick else TRIALS) if trials is None else int(trials)
    rng = np.random.default_rng(seed)
    n_values = sample_sizes(quick=quick)
    frame = pd.concat([domain_frame(domain, n_values, ridges=ridges, trials=trials, rng=rng)
                       for domain in (hypercube_domain(), unit_circle_domain())],
                      ignore_index=True)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(out_dir / "eigenlearning_domains.parquet", index=False)
    plot_domains(frame, out_dir / "eigenlearning_domains.png")
    return frame


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few-second smoke run")
    parser.add_argument("--trials", type=int, default=None, help="datasets per point")
    parser.add_argument("--out", type=Path, default=Path("results/eigenlearning_domains"))
    parser.add_argument("--ridges", type=float, nargs="+", default=list(RIDGES),
                        help="ridges delta (0 allowed)")
    args = parser.parse_args()
    start = time.perf_counter()
    table = main(trials=args.trials, out_dir=args.out, quick=args.quick,
                 ridges=tuple(args.ridges))
    with pd.option_context("display.width", 120, "display.precision", 3):
        print(agreement(table))
        print(agreement(table, by=("domain", "ridge")))
    print(f"wrote {args.out}/eigenlearning_domains.{{parquet,png}} in "
          f"{time.perf_counter() - start:.1f} s")
