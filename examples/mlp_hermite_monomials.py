r"""MLPs learn Hermite monomials in HEA order: time to learn against the HEA eigenvalue.

Checks the MLP claim of Karkada, Turnbull, Liu, Simon, "Predicting kernel regression learning
curves from only raw data statistics", ICLR 2026, arXiv:2510.14878 (spec §6.11): a
feature-learning (muP) MLP trained online on a single Hermite monomial
:math:`\phi_\alpha` of the whitened principal coordinates learns it after a number of steps
:math:`t_{\rm learn} \propto \lambda_\alpha^{-1/2}`, where
:math:`\lambda_\alpha = c_{|\alpha|}\prod_i\gamma_i^{\alpha_i}` is the monomial's HEA
eigenvalue (ReLU-NTK level coefficients, w = b = 1).

For each input distribution:

* Gaussian inputs with the paper's planted spectrum, d = 200, :math:`\gamma_i \propto
  (6 + i)^{-2}`, fresh every step; and a real dataset (MNIST, 60,000 training images, centred,
  scaled to unit mean squared norm, rows resampled with replacement, monomials of its own
  whitened principal coordinates, normalised to unit mean square over the pool);
* targets: monomials of degree <= 6 over the principal coordinates {0, 1, 2, 3, 5, 10, 20,
  40, 60, 100, 150}, thinned so that consecutive HEA eigenvalues shrink by at least 30%, with
  :math:`\lambda \ge 2\cdot10^{-5}` (the paper: 10% and :math:`10^{-6}`, hundreds of targets);
* a centred ReLU MLP in muP (3 hidden layers, width 256, batch 256, base learning rate 0.05,
  richness 1) per monomial and seed, trained until the EMA(0.9) train loss is below 0.15 and
  0.1, at most 8,000 steps (the paper: width 1024, batch 1024, rate 0.01, 100,000 steps);
* a least-squares fit of :math:`\log t_{\rm learn}` (mean over seeds) against
  :math:`\log(1/\lambda)`, with a bootstrap error over monomials and the spread over seeds,
  and the Spearman correlation between HEA order and learning order.

Run::

    python examples/mlp_hermite_monomials.py                 # about 22 min, 1 thread, busy CPU
    python examples/mlp_hermite_monomials.py --quick         # a few seconds (the tests)
    python examples/mlp_hermite_monomials.py --datasets gaussian --seeds 0 1 --device auto

MNIST is read from ``$EIGENLAB_DATA_DIR`` (or the other folders of
:func:`eigenlab.data.data_search_path`); ``mnist5k`` needs no files. It writes
``mlp_hermite_monomials.parquet`` (one row per monomial, seed and threshold),
``mlp_hermite_monomials_fits.parquet`` (the fits) and ``mlp_hermite_monomials.png``
(:math:`t_{\rm learn}` against :math:`1/\lambda`, log-log, with the fitted line and the
slope-1/2 reference) into ``--out`` (default ``results/mlp_hermite_monomials``).
Measured results: docs/mlp-monomials.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np

from eigenlab.experiments import (
    fit_learning_exponent,
    gaussian_inputs,
    monomial_learning_times,
    planted_spectrum,
    select_monomials,
    whitened_inputs,
)
from eigenlab.kernels import ReluNTKKernel

FULL = dict(seeds=(0, 1, 2), width=256, depth=3, batch_size=256, max_steps=8000,
            shrink=0.7, min_eigenvalue=2e-5, max_degree=6)
QUICK = dict(seeds=(0,), width=64, depth=2, batch_size=64, max_steps=400, shrink=0.25,
             min_eigenvalue=3e-3, max_degree=3)
COORDINATES = (0, 1, 2, 3, 5, 10, 20, 40, 60, 100, 150)


def _inputs(name: str, data_dir=None):
    if name == "gaussian":
        return gaussian_inputs(planted_spectrum(200), name="Gaussian d=200")
    from eigenlab.data import load_dataset, preprocess

    data = load_dataset(name, data_dir=data_dir, download=False)
    return whitened_inputs(preprocess(data.images), name=data.display_name)


def plot_learning_times(times, fit, *, ax=None, label_points=True):
    """Steps to learn against 1/lambda_HEA (log-log): seeds, means, fit, slope-1/2 line."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.5))
    index = int(np.argmin(np.abs(times.thresholds - fit.threshold)))
    steps = times.steps_to_learn[:, :, index]
    x = 1.0 / times.hea_eigenvalues
    learned = np.all(np.isfinite(steps), axis=1)
    colors = plt.get_cmap("tab10").colors
    for j in range(steps.shape[1]):
        ax.scatter(x, steps[:, j], s=8, color="0.7", zorder=1)
    for degree in np.unique(times.degrees):
        pick = learned & (times.degrees == degree)
        ax.scatter(x[pick], np.exp(np.mean(np.log(steps[pick]), axis=1)), s=30,
                   color=colors[(degree - 1) % 10], label=f"degree {degree}", zorder=3)
    if np.any(~learned):
        ax.scatter(x[~learned], np.full((~learned).sum(), times.max_steps), marker="^",
                   color="k", label="not learned (cap)", zorder=3)
    if label_points:
        for k, name in enumerate(times.names):
            y = times.max_steps if not learned[k] else np.exp(np.mean(np.log(steps[k])))
            ax.annotate(name, (x[k], y), fontsize=6, xytext=(3, -6), textcoords="offset points")
    if np.isfinite(fit.slope):
        grid = np.geomspace(x.min(), x.max(), 50)
        ax.plot(grid, np.exp(fit.intercept) * grid ** fit.slope, color="k",
                label=f"fit: slope {fit.slope:.2f} ± {fit.slope_stderr:.2f}")
        centre = np.exp(np.mean(np.log(x[learned])))
        level = np.exp(fit.intercept) * centre ** fit.slope
        ax.plot(grid, level * (grid / centre) ** 0.5, "--", color="0.45",
                label="slope 1/2 (paper)")
    ax.set(xscale="log", yscale="log", xlabel=r"$1/\lambda_{\rm HEA}$",
           ylabel=f"steps to EMA loss < {fit.threshold:g}",
           title=f"{times.inputs} (Spearman {fit.spearman:.2f})")
    ax.legend(fontsize=7, loc="upper left")
    return ax


def _summary_row(times, fit, matched, depth):
    per_seed = fit.seed_slopes[np.isfinite(fit.seed_slopes)]
    return dict(inputs=times.inputs, threshold=fit.threshold, slope=fit.slope,
                slope_stderr=fit.slope_stderr, slope_ols_stderr=fit.slope_ols_stderr,
                seed_slope_mean=float(per_seed.mean()) if per_seed.size else float("nan"),
                seed_slope_std=float(per_seed.std(ddof=1)) if per_seed.size > 1
                else float("nan"),
                spearman=fit.spearman, n_used=fit.n_used, n_censored=fit.n_censored,
                n_monomials=len(times.monomials), effective_dimension=times.effective_dimension,
                **{f"slope_ntk_depth{depth}": matched.slope,
                   f"spearman_ntk_depth{depth}": matched.spearman},
                wall_time=float(times.wall_time.sum()))


def main(datasets=("gaussian", "mnist"), *, quick=False, out_dir="results/mlp_hermite_monomials",
         seeds=None, width=None, depth=None, batch_size=None, max_steps=None,
         learning_rate=0.05, shrink=None, min_eigenvalue=None, max_degree=None, device="cpu",
         data_dir=None, verbose=False):
    """Run the study on each dataset; write the tables and the plot; return the fits."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    settings = dict(QUICK if quick else FULL)
    given = dict(seeds=seeds, width=width, depth=depth, batch_size=batch_size,
                 max_steps=max_steps, shrink=shrink, min_eigenvalue=min_eigenvalue,
                 max_degree=max_degree)
    settings.update({k: v for k, v in given.items() if v is not None})
    kernel = ReluNTKKernel(1, weight_variance=1.0, bias_variance=1.0)
    matched_kernel = ReluNTKKernel(settings["depth"], weight_variance=1.0, bias_variance=1.0)
    coeffs = kernel.level_coefficients(settings["max_degree"])
    matched_coeffs = matched_kernel.level_coefficients(settings["max_degree"])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frames, rows, results = [], [], []
    for name in datasets:
        start = time.perf_counter()
        inputs = _inputs(name, data_dir)
        chosen = select_monomials(inputs.eigenvalues, coeffs, coordinates=[
            c for c in COORDINATES if c < inputs.n_coordinates], shrink=settings["shrink"],
            min_eigenvalue=settings["min_eigenvalue"])

        def report(done, total, message, name=name):
            if verbose:
                print(f"  [{name} {done}/{total}] {message}", flush=True)

        times = monomial_learning_times(
            inputs, chosen.monomials, kernel=kernel, width=settings["width"],
            depth=settings["depth"], batch_size=settings["batch_size"],
            max_steps=settings["max_steps"], learning_rate=learning_rate,
            seeds=settings["seeds"], device=device, progress=report)
        # Same gamma products, the level coefficients of the NTK of the trained depth.
        matched = dataclasses.replace(
            times, kernel=repr(matched_kernel), hea_eigenvalues=times.hea_eigenvalues
            * matched_coeffs[times.degrees] / coeffs[times.degrees])
        for threshold in times.thresholds:
            fit = fit_learning_exponent(times, threshold=threshold)
            rows.append(_summary_row(times, fit, fit_learning_exponent(
                matched, threshold=threshold), settings["depth"]))
        frames.append(times.to_frame())
        results.append((times, fit_learning_exponent(times)))
        if verbose:
            print(f"{inputs.name}: {len(chosen.monomials)} monomials, "
                  f"{time.perf_counter() - start:.0f} s", flush=True)
    pd.concat(frames, ignore_index=True).to_parquet(out / "mlp_hermite_monomials.parquet")
    summary = pd.DataFrame(rows)
    summary.to_parquet(out / "mlp_hermite_monomials_fits.parquet")
    fig, axes = plt.subplots(1, len(results), figsize=(5.5 * len(results), 4.6), squeeze=False)
    for ax, (times, fit) in zip(axes[0], results, strict=True):
        plot_learning_times(times, fit, ax=ax, label_points=not quick)
    fig.tight_layout()
    fig.savefig(out / "mlp_hermite_monomials.png", dpi=130)
    plt.close(fig)
    return summary


def _parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=["gaussian", "mnist"],
                        help="'gaussian' and/or eigenlab dataset names (mnist, mnist5k, "
                             "fashion-mnist, cifar10)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, a few seconds")
    parser.add_argument("--out", default="results/mlp_hermite_monomials")
    parser.add_argument("--seeds", nargs="+", type=int)
    parser.add_argument("--width", type=int)
    parser.add_argument("--depth", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--max-steps", type=int)
    parser.add_argument("--lr", type=float, default=0.05, help="base learning rate eta_0")
    parser.add_argument("--shrink", type=float)
    parser.add_argument("--min-eigenvalue", type=float)
    parser.add_argument("--max-degree", type=int)
    parser.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    parser.add_argument("--data-dir")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (default 1: small matrices, shared machines)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    import pandas as pd
    import torch

    args = _parse()
    torch.set_num_threads(args.threads)
    began = time.perf_counter()
    fits = main(tuple(args.datasets), quick=args.quick, out_dir=args.out, seeds=args.seeds,
                width=args.width, depth=args.depth, batch_size=args.batch_size,
                max_steps=args.max_steps, learning_rate=args.lr, shrink=args.shrink,
                min_eigenvalue=args.min_eigenvalue, max_degree=args.max_degree,
                device=args.device, data_dir=args.data_dir, verbose=True)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(fits.round(3).to_string(index=False))
    print(f"total {time.perf_counter() - began:.0f} s; wrote {args.out}/")
