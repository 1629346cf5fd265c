"""Which assumption of the Hermite eigenstructure ansatz fails on a dataset?

The HEA (Karkada et al. 2026, arXiv:2510.14878) predicts a rotation-invariant kernel's
eigenvalues from the data covariance alone, λ_α = c_|α| Π γ_i^α_i, assuming (spec §6.9)
(1) many comparable directions (high effective dimension), (2) fast-decaying level
coefficients c_ℓ (wide kernels), (3) PCA coordinates that behave like independent Gaussians.
This script compares the HEA eigenvalues with those of the kernel's Gram matrix on a pool of
M points, rank by rank and by the degree |α| of the HEA mode at each rank, on the data and on
three surrogates that keep the covariance but repair one assumption at a time:

- ``gaussianized``: each whitened PCA coordinate z_i replaced by the normal quantile of its
  rank (Gaussian marginals, the data's dependence kept);
- ``independent``: each coordinate resampled from a different row (a separate random
  permutation per coordinate: the data's marginals kept, the dependence removed);
- ``gaussian``: independent standard normal coordinates (the HEA's home ground, same γ).

If the agreement recovers on a surrogate, the property it repairs is what the ansatz missed.
On the data itself it also decomposes the target both ways (Gram eigenvectors and HEA
Hermite features) and compares the two predicted learning curves (both population errors).

    python examples/hea_assumptions.py [--quick] [--dataset fashion-mnist] [--width 2]
        [--kernel gaussian] [--zca 5e-3] [--normalize] [--pool 3000] [--samples 20000]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

TASKS = {"mnist": "even-odd", "fashion-mnist": "low-high", "cifar10": "vehicles-animals",
         "mnist5k": "even-odd"}
VARIANTS = ("data", "gaussianized", "independent", "gaussian")
LABELLED = ("data", "gaussianized")  # surrogates that keep each sample's row and label


def surrogate(z, variant: str, rng) -> np.ndarray:
    """Whitened coordinates z (N, k) -> the named surrogate (a new array)."""
    from scipy.special import ndtri

    if variant == "data":
        return z.copy()
    if variant == "gaussianized":
        ranks = np.argsort(np.argsort(z, axis=0), axis=0)
        return ndtri((ranks + 0.5) / z.shape[0])
    if variant == "independent":
        return rng.permuted(z, axis=0)
    if variant == "gaussian":
        return rng.standard_normal(z.shape)
    raise ValueError(f"`variant` must be one of {VARIANTS}; got {variant!r}.")


def _ratios(gram_values, hea_values, labels, ranks):
    ratio = gram_values[:ranks] / hea_values[:ranks]
    degree = np.array([sum(e for _, e in key) for key in labels[:ranks]])
    return ratio, degree


def _swap(empirical, hea):
    """Rank-matched hybrids: HEA eigenvalues with Gram targets, and the other way round."""
    from eigenlab.spectra import Eigensystem

    m = min(empirical.n_modes, hea.n_modes)
    return {
        "hea_values": Eigensystem(
            hea.eigenvalues[:m], empirical.target_coeffs[:m],
            tail_mass=hea.tail_mass + float(np.sum(hea.eigenvalues[m:])),
            target_tail=float(np.sum(empirical.target_coeffs[m:] ** 2))),
        "hea_target": Eigensystem(
            empirical.eigenvalues[:m], hea.target_coeffs[:m],
            tail_mass=float(np.sum(empirical.eigenvalues[m:])),
            target_tail=float(hea.target_tail + np.sum(hea.target_coeffs[m:] ** 2))),
    }


def main(*, dataset="fashion-mnist", kernel="gaussian", width=2.0, zca=None, normalize=False,
         pool=3000, samples=20_000, ranks=300, ridge=1e-3, trials=5, variants=VARIANTS,
         data_dir=None,
         seed=0, quick=False, out_dir=Path("eigenlab-output/hea_assumptions")):
    """Run the comparison; returns a summary table (one row per variant).

    Columns: ``variant``, ``effective_dimension``, ``median_abs_log_ratio`` (Gram / HEA
    eigenvalue over the top ``ranks`` ranks, rank-matched), ``ratio_rank_1``, ``_10``,
    ``_100``, ``ratio_degree_1`` ... ``ratio_degree_4+`` (median ratio over the ranks whose
    HEA mode has that degree), and, for the data only, ``curve_agreement`` (median |log| of
    the HEA-predicted over the Gram-eigensystem-predicted held-out test MSE, n = 10 ...
    pool/3), ``curve_agreement_hea_values`` / ``curve_agreement_hea_target`` (the same for
    the HEA's eigenvalues with the Gram's target coefficients, and for the Gram's
    eigenvalues with the HEA's target coefficients, rank-matched, population errors),
    ``unexplained_power`` and the target power in the top 10 and 100 modes both ways; for
    the data and the Gaussianized surrogate (which keep each sample's label),
    ``agreement_gram`` / ``agreement_hea`` and ``worst_ratio_*`` against KRR measured on
    held-out pool points (``trials`` random training sets).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd
    import torch

    from eigenlab.data import NAMED_SPLITS, binary_target, load_dataset, partial_zca, preprocess
    from eigenlab.experiments import measure_krr_learning_curve
    from eigenlab.kernels import get_kernel
    from eigenlab.spectra import data_statistics, gram_eigensystem, hermite_analysis
    from eigenlab.theory import krr_learning_curve

    if quick:
        pool, samples, ranks, trials = min(pool, 400), min(samples, 2000), min(ranks, 60), 2
    rng = np.random.default_rng(seed)
    data = load_dataset(dataset, data_dir=data_dir)
    y_all, kept = binary_target(data.labels, *NAMED_SPLITS[TASKS.get(dataset, "even-odd")])
    chosen = rng.choice(np.flatnonzero(kept), size=min(pool + samples, int(kept.sum())),
                        replace=False)
    y = y_all[np.searchsorted(np.flatnonzero(kept), chosen)]
    # The HEA paper's preprocessing, fitted on all chosen samples: centre, (sphere), (ZCA),
    # re-centre, unit mean squared norm.
    x = preprocess(data.images[chosen], normalize="sphere" if normalize else "none")
    if zca:
        x = partial_zca(x, strength=zca)
    x = preprocess(x)
    stats = data_statistics(x)
    z = stats.whiten(x)
    k = z.shape[1]
    kernel = get_kernel(kernel, width=width)
    sizes = np.unique(np.geomspace(10, pool // 3, 12).round())
    rows, curves = [], {}
    figure, axes = plt.subplots(1, len(variants), figsize=(4.2 * len(variants), 3.4),
                                squeeze=False, sharey=True)
    for ax, variant in zip(axes[0], variants, strict=True):
        zv = surrogate(z, variant, rng)
        xv = (zv * np.sqrt(stats.eigenvalues[:k])) @ stats.directions[:, :k].T
        xv = preprocess(xv)  # the surrogates keep γ up to sampling; re-centre, unit power
        x_pool, x_hea = xv[:pool], xv[pool:]
        gram = kernel(torch.as_tensor(x_pool))
        empirical = gram_eigensystem(gram, y[:pool])
        # Surrogates break the link between samples and labels: decompose no target there.
        analysis = hermite_analysis(x_hea, y[pool:], kernel, n_modes=20 * ranks,
                                    n_target_modes=None if variant in LABELLED else 1,
                                    seed=seed, warn=False)
        hea = analysis.eigensystem
        top = min(ranks, empirical.n_modes, hea.n_modes)
        ratio, degree = _ratios(empirical.eigenvalues, hea.eigenvalues, hea.mode_labels, top)
        row = {"dataset": data.display_name, "kernel": kernel.__class__.__name__,
               "width": width, "zca": zca or 0.0, "normalize": normalize,
               "variant": variant,
               "effective_dimension": analysis.diagnostics.effective_dimension,
               "max_degree": analysis.diagnostics.max_degree,
               "median_abs_log_ratio": float(np.median(np.abs(np.log(ratio)))),
               "ratio_rank_1": ratio[0], "ratio_rank_10": ratio[min(9, top - 1)],
               "ratio_rank_100": ratio[min(99, top - 1)]}
        for level in (1, 2, 3):
            pick = degree == level
            row[f"ratio_degree_{level}"] = float(np.median(ratio[pick])) if pick.any() else np.nan
        row["ratio_degree_4+"] = (float(np.median(ratio[degree >= 4])) if (degree >= 4).any()
                                  else np.nan)
        if variant in LABELLED:
            # Both keep each sample's row, so the labels still mean something: measure KRR on
            # held-out pool points and score both predictions against it.
            measured = measure_krr_learning_curve(gram, y[:pool], n=sizes, ridge=ridge,
                                                  trials=trials, seed=seed)
            mean = measured.test_mse.mean(axis=0).ravel()
            gram_curve = krr_learning_curve(empirical, sizes, ridge=ridge)
            # The pool is the Gram eigensystem's population: its held-out error is the
            # off-training-set one (docs/experiments.md), what the HEA's population error
            # is compared with.
            predicted = {"gram": (pool * gram_curve.test_mse - sizes * gram_curve.train_mse)
                         / (pool - sizes),
                         "hea": krr_learning_curve(hea, sizes, ridge=ridge).test_mse}
            row["curve_agreement"] = float(np.median(np.abs(np.log(predicted["hea"] /
                                                                   predicted["gram"]))))
            for name, curve in predicted.items():
                ratio_n = curve / mean
                row[f"agreement_{name}"] = float(np.median(np.abs(np.log(ratio_n))))
                row[f"worst_ratio_{name}"] = float(ratio_n[np.argmax(np.abs(np.log(ratio_n)))])
            curves[variant] = pd.DataFrame({"n": sizes, "measured": mean, **predicted})
            # Which half of the HEA is off: its eigenvalues with the Gram's target
            # coefficients, and the Gram's eigenvalues with the HEA's target coefficients
            # (rank-matched), each against the Gram eigensystem (population errors).
            mixed = _swap(empirical, hea)
            reference = gram_curve.test_mse
            for name, es in mixed.items():
                mse = krr_learning_curve(es, sizes, ridge=ridge).test_mse
                row[f"curve_agreement_{name}"] = float(np.median(np.abs(np.log(
                    mse / reference))))
            row["unexplained_power"] = analysis.diagnostics.unexplained_power
            power = np.mean(y[:pool] ** 2)
            for top_modes in (10, 100):
                row[f"target_power_top{top_modes}_gram"] = float(
                    np.sum(empirical.target_coeffs[:top_modes] ** 2) / power)
                row[f"target_power_top{top_modes}_hea"] = float(
                    np.sum(hea.target_coeffs[:top_modes] ** 2) / np.mean(y[pool:] ** 2))
        rows.append(row)
        for level in sorted(set(degree)):
            pick = degree == level
            ax.scatter(np.flatnonzero(pick) + 1, ratio[pick], s=6,
                       label=f"degree {level}" if level < 4 else None)
        ax.axhline(1.0, color="k", lw=0.8)
        ax.set(xscale="log", yscale="log", title=f"{variant}", xlabel="rank")
    axes[0, 0].set_ylabel("Gram / HEA eigenvalue")
    axes[0, 0].legend(fontsize="x-small")
    summary = pd.DataFrame(rows)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    summary.to_csv(out_dir / "summary.csv", index=False)
    if curves:
        pd.concat(curves, names=["variant"]).to_csv(out_dir / "curves.csv")
    figure.suptitle(f"{data.display_name}, {kernel.__class__.__name__} width {width:g}"
                    f"{f', ZCA {zca:g}' if zca else ''}{', normalised' if normalize else ''}",
                    fontsize="small")
    figure.tight_layout()
    figure.savefig(out_dir / "hea_assumptions.png", dpi=110)
    plt.close(figure)
    return summary


if __name__ == "__main__":
    import pandas as pd

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--kernel", default="gaussian")
    parser.add_argument("--width", type=float, default=2.0)
    parser.add_argument("--zca", type=float, default=None)
    parser.add_argument("--normalize", action="store_true")
    parser.add_argument("--pool", type=int, default=3000)
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--ranks", type=int, default=300)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", type=Path, default=Path("eigenlab-output/hea_assumptions"))
    args = parser.parse_args()
    table = main(dataset=args.dataset, kernel=args.kernel, width=args.width, zca=args.zca,
                 normalize=args.normalize, pool=args.pool, samples=args.samples,
                 ranks=args.ranks, data_dir=args.data_dir, quick=args.quick, out_dir=args.out)
    with pd.option_context("display.width", 250, "display.max_columns", 40):
        print(table.T.to_string())
