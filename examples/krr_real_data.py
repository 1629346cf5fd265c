"""Theory vs experiment for KRR on real images: empirical-eigensystem and HEA predictions.

For each dataset, a pool of M images (centred, scaled to unit mean squared norm), a Gaussian
kernel and a binary target: the eigenframework prediction from the pool's Gram matrix is
compared with KRR measured on held-out pool points (``eigenlab curve``'s protocol, with the
off-training-set correction (M E_te - n E_tr)/(M - n); see docs/experiments.md). The
uncorrected prediction is reported too, to show why the correction is needed.

Reproduces the agreement table of docs/experiments.md (defaults: M = 8,000, n from 10 to
M/10, ridge 1e-3, 5 trials, widths 1 and 2) and, with ``--theory hea`` or
``--theory empirical,hea``, the HEA tables of docs/hea.md:

    python examples/krr_real_data.py [--quick] [--out DIR] [--data-dir DIR]
        [--theory empirical,hea] [--kernel laplace] [--widths 0.5,1,2,4] [--zca 5e-3]
        [--normalize] [--datasets fashion-mnist] [--largest 3000]

Reference: Simon, Dickens, Karkada, DeWeese, "The eigenlearning framework", TMLR 2023,
arXiv:2110.03922 (Section 5, image datasets).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

TASKS = {
    "mnist": "even-odd",
    "fashion-mnist": "low-high",
    "cifar10": "vehicles-animals",
}


def main(*, datasets=tuple(TASKS), widths=(1.0, 2.0), pool=8000, trials=5, ridge=1e-3,
         out_dir=Path("eigenlab-output/krr_real_data"), data_dir=None, quick=False,
         theory=("empirical",), largest=None, hea_samples=30_000, kernel="gaussian",
         zca=None, normalize=False):
    """Run the study; returns the summary table (one row per dataset and width).

    ``theory`` lists the prediction sources (``"empirical"``, ``"hea"``); ``largest`` the
    largest training size (default pool // 10); ``kernel``, ``zca`` and ``normalize`` are
    :class:`eigenlab.experiments.CurveConfig`'s (the same preprocessing for every row).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from eigenlab.experiments import CurveConfig, agreement, run_curve
    from eigenlab.plotting import plot_learning_curve

    if quick:
        pool, trials, widths, hea_samples, largest = 600, 2, widths[:1], 3000, None
    top = largest or pool // 10
    sizes = tuple(int(s) for s in np.unique(np.geomspace(10, top, 8).round()))
    rows, frames = [], []
    figure, axes = plt.subplots(len(widths), len(datasets), squeeze=False,
                                figsize=(4.5 * len(datasets), 3.6 * len(widths)))
    for j, name in enumerate(datasets):
        for i, width in enumerate(widths):
            config = CurveConfig(dataset=name, data_dir=data_dir, target=TASKS.get(name,
                                 "even-odd"), width=width, pool=pool, n=sizes,
                                 ridges=(ridge,), trials=trials, theory=tuple(theory),
                                 hea_samples=hea_samples, kernel=kernel, zca=zca,
                                 normalize=normalize)
            result = run_curve(config)
            frame = result.frame
            measured = (frame[frame["source"] == "experiment"].groupby("n")["test_mse"]
                        .mean().sort_index())
            row = {"dataset": result.display_name, "target": config.target,
                   "kernel": kernel, "width": width, "zca": zca or 0.0,
                   "normalize": config.normalize, "pool": pool, "n_max": sizes[-1],
                   "pool_effective_dimension": result.pool_effective_dimension,
                   "seconds": sum(result.timings.values())}
            for source in config.theory:
                theory_rows = frame[frame["source"] == f"theory:{source}"].sort_values("n")
                ratio = theory_rows["test_mse"].to_numpy() / measured.to_numpy()
                row[f"agreement_{source}"] = result.agreement[source]
                row[f"worst_ratio_{source}"] = float(ratio[np.argmax(np.abs(np.log(ratio)))])
                if source == "empirical":
                    row["agreement_empirical_uncorrected"] = agreement(
                        theory_rows["population_test_mse"], measured)
            if result.diagnostics is not None:
                d = result.diagnostics
                row.update(effective_dimension=d.effective_dimension, max_degree=d.max_degree,
                           unexplained_power=d.unexplained_power,
                           constant_mode_ratio=d.constant_mode_ratio,
                           hea_warnings=len(d.warnings))
            rows.append(row)
            frames.append(frame)
            ax = plot_learning_curve(frame, ax=axes[i, j])
            ax.set_title(f"{result.display_name}, {config.target}, width {width:g}",
                         fontsize="small")
    summary = pd.DataFrame(rows)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pd.concat(frames, ignore_index=True).to_parquet(out_dir / "krr_real_data.parquet")
    summary.to_csv(out_dir / "summary.csv", index=False)
    figure.tight_layout()
    figure.savefig(out_dir / "krr_real_data.png", dpi=110)
    plt.close(figure)
    return summary


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("eigenlab-output/krr_real_data"))
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--pool", type=int, default=8000)
    parser.add_argument("--theory", default="empirical", help="comma list: empirical,hea")
    parser.add_argument("--largest", type=int, default=None)
    parser.add_argument("--datasets", default=",".join(TASKS))
    parser.add_argument("--widths", default="1,2")
    parser.add_argument("--kernel", default="gaussian", help="gaussian, laplace, ...")
    parser.add_argument("--zca", type=float, default=None, help="partial ZCA strength")
    parser.add_argument("--normalize", action="store_true",
                        help="project each centred sample onto the sphere (before the ZCA)")
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--hea-samples", type=int, default=30_000)
    args = parser.parse_args()
    table = main(out_dir=args.out, data_dir=args.data_dir, quick=args.quick, pool=args.pool,
                 theory=args.theory.split(","), largest=args.largest,
                 datasets=args.datasets.split(","),
                 widths=tuple(float(w) for w in args.widths.split(",")),
                 kernel=args.kernel, zca=args.zca, normalize=args.normalize,
                 trials=args.trials, hea_samples=args.hea_samples)
    with pd.option_context("display.width", 250, "display.max_columns", 40):
        print(table.to_string(index=False))
