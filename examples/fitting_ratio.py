"""Test MSE against the fitting ratio R = train MSE / test MSE: closed form, exact theory, and
measured kernel ridge regression on real data.

Simon, Karkada, Ghosh, Belkin, "More is better in modern machine learning", ICLR 2024,
arXiv:2311.14646, Section 5 (spec §3.4): on power-law tasks (lambda_i = i^-alpha,
v_i^2 = i^-beta) the ridge can be traded for the fitting ratio, and test MSE as a function of
R has a closed form; the optimal R is 0 (interpolation is optimal) when
beta - 1 >= (alpha - 1)(1 + alpha sigma_rel^2), and small otherwise ("overfitting is
obligatory").

(a) Theory: the closed form (``power_law_test_mse``) against the exact eigenframework on
    3 * 10^6 modes with both tails (``krr_learning_curve`` at the ridge that gives each R,
    ``ridge_for_fitting_ratio``), for relative noise 0, 1, 5 and 50; the optimal R
    (``power_law_optimal_fitting_ratio``) marked. The exponents are those P3 measured for
    CIFAR-10's Myrtle CNTK (alpha = 1.17, beta = 1.14) unless given.
(b) Measured: KRR on a pool of real images (Laplace kernel, binary target, label noise
    0, 0.25 and 1) over a log grid of ridges; each ridge gives a measured (R, test MSE) point,
    against the eigenframework on the pool's eigensystem (held-out correction included).
    The cost of overfitting (ridgeless over best-tuned test MSE; Zhou, Simon et al., ICLR
    2024, arXiv:2306.13185) is read off the same measurement and compared with its
    prediction, the agnostic bound E0(0) and the data-only estimates.

    python examples/fitting_ratio.py [--quick] [--dataset mnist5k] [--out DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

RELATIVE_NOISE = (0.0, 1.0, 5.0, 50.0)
LABEL_NOISE = (0.0, 0.25, 1.0)


def theory_panel(alpha: float, beta: float, n: int, modes: int) -> pd.DataFrame:
    """Closed form against the exact eigenframework over R, per relative noise."""
    from scipy.special import zeta

    from eigenlab.spectra import Eigensystem
    from eigenlab.theory import (
        krr_learning_curve,
        power_law_noise_variance,
        power_law_optimal_fitting_ratio,
        power_law_test_mse,
        ridge_for_fitting_ratio,
    )

    index = np.arange(1, modes + 1, dtype=float)
    eigenvalues, power = index ** -alpha, index ** -beta
    eigensystem = Eigensystem(eigenvalues, np.sqrt(power),
                              tail_mass=zeta(alpha) - eigenvalues.sum(),
                              target_tail=zeta(beta) - power.sum())
    ratios = np.linspace(0.0, 0.95, 77)
    ridges = ridge_for_fitting_ratio(eigensystem, n, ratios)
    rows = []
    for relative in RELATIVE_NOISE:
        noise = float(power_law_noise_variance(n, alpha=alpha, beta=beta,
                                               relative_noise=relative))
        exact = krr_learning_curve(eigensystem, n, ridge=ridges, noise=noise).test_mse
        closed = power_law_test_mse(ratios, n, alpha=alpha, beta=beta, relative_noise=relative)
        best = float(power_law_optimal_fitting_ratio(alpha=alpha, beta=beta,
                                                     relative_noise=relative))
        rows.append(pd.DataFrame({"relative_noise": relative, "fitting_ratio": ratios,
                                  "ridge": ridges, "exact": exact, "closed_form": closed,
                                  "optimal_fitting_ratio": best}))
    return pd.concat(rows, ignore_index=True)


def measured_panel(dataset: str, pool: int, n: int, trials: int, seed: int,
                   data_dir=None) -> pd.DataFrame:
    """Measured (R, test MSE) over ridges on a pool of real data, with the prediction."""
    import torch

    from eigenlab.data import binary_target, class_split, load_dataset, preprocess
    from eigenlab.experiments import held_out_prediction, measure_krr_learning_curve
    from eigenlab.kernels import get_kernel
    from eigenlab.spectra import gram_eigensystem
    from eigenlab.theory import gram_cost_of_overfitting, krr_learning_curve

    data = load_dataset(dataset, data_dir=data_dir)
    split = "vehicles-animals" if dataset.startswith("cifar") else "even-odd"
    y, kept = binary_target(data.labels, *class_split(split))
    chosen = np.random.default_rng(seed).choice(int(kept.sum()), pool, replace=False)
    x = preprocess(data.images[kept][chosen])
    y = y[chosen]
    gram = get_kernel("laplace", width=1.0)(torch.as_tensor(x))
    eigensystem = gram_eigensystem(gram, y)
    top = float(torch.linalg.eigvalsh(gram)[-1])
    ridges = np.concatenate([[0.0], np.geomspace(1e-5 * top, 10 * top, 24)])
    rows = []
    for noise in LABEL_NOISE:
        measured = measure_krr_learning_curve(gram, y, n=[n], ridge=ridges, trials=trials,
                                              noise=noise, seed=seed + 1)
        curve = krr_learning_curve(eigensystem, n, ridge=ridges, noise=noise)
        # Pure unit noise at ridge 0 on held-out points: the agnostic bound E0(0), corrected
        # from the pool population like the predictions ((M E0 - 2n) / (M - n)).
        e0 = float(krr_learning_curve(eigensystem, n, ridge=0.0).overfitting_coefficient)
        bound = (pool * e0 - 2 * n) / (pool - n)
        sample = np.random.default_rng(seed + 2).choice(pool, n, replace=False)
        labels = y[sample] + np.sqrt(noise) * np.random.default_rng(seed + 3).standard_normal(n)
        estimate = gram_cost_of_overfitting(gram[sample][:, sample].numpy(), labels,
                                            ridge=ridges[1:])
        predicted = held_out_prediction(curve, np.float64(n), float(pool), noise)
        test = measured.test_mse[:, 0, :]
        train = measured.train_mse[:, 0, :]
        rows.append(pd.DataFrame({
            "label_noise": noise, "ridge": ridges,
            "measured_test_mse": test.mean(axis=0),
            "measured_test_mse_sem": test.std(axis=0, ddof=1) / np.sqrt(trials),
            "measured_fitting_ratio": train.mean(axis=0) / test.mean(axis=0),
            "predicted_test_mse": predicted,
            "predicted_fitting_ratio": curve.train_mse / predicted,
            # The cost of overfitting, ridgeless over best-tuned test MSE, measured and
            # predicted over this grid of ridges; its agnostic bound E0(0); and the
            # data-only estimates from one noisy training set's Gram matrix.
            "measured_cost": test.mean(axis=0)[0] / test.mean(axis=0).min(),
            "predicted_cost": predicted[0] / predicted.min(), "agnostic_bound": bound,
            "estimated_cost": estimate.cost, "estimated_bound": estimate.agnostic_bound}))
    return pd.concat(rows, ignore_index=True)


def _plot(theory, measured, alpha, beta, n_theory, dataset, n, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    colours = plt.cm.plasma(np.linspace(0.05, 0.8, len(RELATIVE_NOISE)))
    for colour, (relative, rows) in zip(colours, theory.groupby("relative_noise"),
                                        strict=True):
        scale = rows["exact"].min()
        left.plot(rows["fitting_ratio"], rows["exact"] / scale, "-", color=colour,
                  label=f"sigma_rel^2 = {relative:g}")
        left.plot(rows["fitting_ratio"][::4], rows["closed_form"][::4] / scale, "o",
                  color=colour, ms=3, mfc="none",
                  label="closed form" if relative == RELATIVE_NOISE[-1] else None)
        best = rows["optimal_fitting_ratio"].iloc[0]
        left.axvline(best, color=colour, ls=":", lw=0.8)
    left.set(xlabel="fitting ratio R = E_tr / E_te", ylabel="test MSE / its minimum",
             title=f"power law alpha = {alpha:g}, beta = {beta:g}, n = {n_theory}: exact "
             "(lines), closed form (circles), R* (dotted)")
    left.set_xlim(0.0, 0.95)
    left.set_ylim(0.98, 1.5)
    left.legend(fontsize="x-small")
    left.title.set_fontsize("small")

    colours = plt.cm.viridis(np.linspace(0.1, 0.8, len(LABEL_NOISE)))
    for colour, (noise, rows) in zip(colours, measured.groupby("label_noise"), strict=True):
        right.errorbar(rows["measured_fitting_ratio"], rows["measured_test_mse"],
                       yerr=rows["measured_test_mse_sem"], fmt="o", ms=3, color=colour,
                       label=f"label noise {noise:g}: measured")
        right.plot(rows["predicted_fitting_ratio"], rows["predicted_test_mse"], "-",
                   color=colour, lw=1)
    right.set_xscale("symlog", linthresh=1e-3)
    right.set(xlabel="fitting ratio R (each point a ridge)", ylabel="test MSE",
              title=f"KRR, Laplace kernel, {dataset}, n = {n} (lines: eigenframework)")
    right.title.set_fontsize("small")
    right.legend(fontsize="x-small")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(*, out_dir=Path("eigenlab-output/fitting_ratio"), dataset="mnist5k", data_dir=None,
         alpha=1.17, beta=1.14, quick=False, seed=0):
    """Both panels; returns (theory table, measured table, summary dict)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    modes, n_theory = (200_000, 1000) if quick else (3_000_000, 1000)
    theory = theory_panel(alpha, beta, n_theory, modes)
    pool, n, trials = (600, 150, 3) if quick else (4000, 800, 8)
    measured = measured_panel(dataset, pool, n, trials, seed, data_dir)
    _plot(theory, measured, alpha, beta, n_theory, dataset, n, out_dir / "fitting_ratio.png")
    theory.to_parquet(out_dir / "fitting_ratio_theory.parquet", index=False)
    measured.to_parquet(out_dir / "fitting_ratio_measured.parquet", index=False)
    ratio = theory["closed_form"] / theory["exact"]
    shape = theory.groupby("relative_noise")[["closed_form", "exact"]].apply(
        lambda rows: float(np.max(np.abs(np.log(
            (rows["closed_form"] / rows["closed_form"].min())
            / (rows["exact"] / rows["exact"].min()))))))
    ok = measured["measured_test_mse"] > 0
    summary = {
        "seconds": time.perf_counter() - start,
        "closed_form_over_exact": (float(ratio.min()), float(ratio.max())),
        "shape_error_by_noise": shape.to_dict(),
        "optimal_fitting_ratio": theory.groupby("relative_noise")[
            "optimal_fitting_ratio"].first().to_dict(),
        "measured_agreement": float(np.median(np.abs(np.log(
            measured.loc[ok, "predicted_test_mse"] / measured.loc[ok, "measured_test_mse"])))),
        "measured_best_ratio": measured.loc[measured.groupby("label_noise")[
            "measured_test_mse"].idxmin(), ["label_noise", "measured_fitting_ratio"]]
        .set_index("label_noise")["measured_fitting_ratio"].to_dict(),
        "cost_of_overfitting": measured.groupby("label_noise")[
            ["measured_cost", "predicted_cost", "agnostic_bound", "estimated_cost",
             "estimated_bound"]].first().round(4).to_dict("index"),
        "predicted_best_ratio": measured.loc[measured.groupby("label_noise")[
            "predicted_test_mse"].idxmin(), ["label_noise", "predicted_fitting_ratio"]]
        .set_index("label_noise")["predicted_fitting_ratio"].to_dict(),
    }
    return theory, measured, summary


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("eigenlab-output/fitting_ratio"))
    parser.add_argument("--dataset", default="mnist5k")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--alpha", type=float, default=1.17)
    parser.add_argument("--beta", type=float, default=1.14)
    args = parser.parse_args()
    _, _, summary = main(out_dir=args.out, dataset=args.dataset, data_dir=args.data_dir,
                         alpha=args.alpha, beta=args.beta, quick=args.quick)
    for key, value in summary.items():
        print(f"{key}: {value}")
