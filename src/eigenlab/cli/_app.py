"""Typer application and its subcommands. Thin: parse, call, save, print."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from .. import __version__

app = typer.Typer(
    name="eigenlab",
    help="The eigenframework theory of deep learning: predict, measure and compare "
    "learning curves.",
    no_args_is_help=True,
    add_completion=False,
)


class SpectrumKind(str, Enum):
    power_law = "power-law"
    circle = "circle"
    hypercube = "hypercube"
    sphere = "sphere"


def _version(value: bool):
    if value:
        typer.echo(f"eigenlab {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")):
    """eigenlab command line."""


@app.command()
def predict(
    spectrum: SpectrumKind = typer.Option(SpectrumKind.power_law, help="Eigensystem source."),
    alpha: float = typer.Option(1.5, help="power-law: eigenvalue exponent (lambda_i = i^-alpha)."),
    beta: float = typer.Option(1.3, help="power-law: target exponent (v_i^2 = i^-beta)."),
    modes: int = typer.Option(100_000, help="power-law: number of listed modes."),
    kernel_width: float = typer.Option(
        1.0, help="circle/hypercube/sphere: Gaussian kernel width sigma, "
        "K = exp(-(1 - x.x')/sigma^2) on unit-norm inputs."),
    size: int = typer.Option(
        8, help="circle: points; hypercube: dimension; sphere: ambient dimension d."),
    target_level: int = typer.Option(
        2, help="circle: frequency; hypercube: parity bits; sphere: degree of the target."),
    n: str = typer.Option("1:1e4:40", help="Sample sizes: START:STOP:COUNT (log-spaced) or "
                          "a comma list."),
    ridge: str = typer.Option("0,1e-3,1e-1", help="Ridges, a comma list."),
    noise: float = typer.Option(0.0, help="Label-noise variance per output."),
    out: Path = typer.Option(Path("eigenlab-output/predict"), help="Output folder."),
    quick: bool = typer.Option(False, help="Small sizes that finish in about a second."),
):
    """Predict a KRR learning curve from a synthetic or analytic eigensystem."""
    from ._predict import PredictConfig, run_predict

    try:
        config = PredictConfig.from_options(
            spectrum=spectrum.value, alpha=alpha, beta=beta, modes=modes,
            kernel_width=kernel_width, size=size, target_level=target_level, n=n,
            ridge=ridge, noise=noise, out=out, quick=quick)
        run_predict(config)
    except (ValueError, TypeError) as error:
        _fail(error)


def _fail(error: Exception):
    """Report a bad input as one clear line (exit status 2), not a traceback."""
    typer.echo(f"Error: {error}", err=True)
    raise typer.Exit(2)


@app.command()
def curve(
    dataset: str = typer.Option("mnist5k", help="Dataset name (mnist5k needs no download; "
                                "mnist, fashion-mnist, cifar10, svhn, digits). A comma list "
                                "runs each (so do --kernel, --width, --target, --zca, "
                                "--seed: their product)."),
    split: str = typer.Option("train", help="Dataset split."),
    data_dir: str = typer.Option(None, help="Folder holding the dataset files (else "
                                 "$EIGENLAB_DATA_DIR, the cache, system folders)."),
    kernel: str = typer.Option("gaussian", help="gaussian, laplace, polynomial, relu-nngp or "
                               "relu-ntk."),
    width: str = typer.Option("1.0", help="Kernel width, in units of the RMS norm of the "
                              "centred data; a comma list runs each."),
    degree: int = typer.Option(3, help="Polynomial degree."),
    zca: str = typer.Option(None, help="Partial ZCA strength (e.g. 5e-3): flattens the head "
                            "of the covariance spectrum, raising the effective dimension. "
                            "Default: none."),
    normalize: bool = typer.Option(False, "--normalize/--no-normalize", help="Project each "
                                   "centred sample onto the unit sphere (before the ZCA, as "
                                   "the HEA paper does)."),
    target: str = typer.Option("even-odd", help="even-odd, vehicles-animals, ..., A-B "
                               "(class pair), A-rest, or one-hot."),
    theory: str = typer.Option("empirical", help="Theory sources, comma-separated: empirical "
                               "(Gram matrix of the pool), hea (Hermite eigenstructure ansatz "
                               "from raw data statistics)."),
    hea_samples: int = typer.Option(20_000, help="Samples behind the HEA statistics."),
    hea_modes: int = typer.Option(20_000, help="HEA eigenvalues listed."),
    pool: int = typer.Option(5000, help="M: points whose Gram matrix gives the eigensystem "
                             "and from which train and test points are drawn."),
    n: str = typer.Option(None, help="Training sizes: START:STOP:COUNT (log-spaced) or a "
                          "comma list. Default: 8 sizes from 10 to pool/10."),
    ridge: str = typer.Option("1e-3", help="Ridges, a comma list."),
    trials: int = typer.Option(5, help="Random training sets per (n, ridge)."),
    noise: float = typer.Option(0.0, help="Label-noise variance per output."),
    device: str = typer.Option("cpu", help="cpu, cuda or auto."),
    dtype: str = typer.Option("float64", help="float64 or float32 (Gram matrix and solves)."),
    seed: str = typer.Option("0", help="Random seed; a comma list repeats the run per seed."),
    out: Path = typer.Option(Path("eigenlab-output/curve"), help="Output folder."),
    quick: bool = typer.Option(False, help="A small run that finishes in seconds."),
    engine: str = typer.Option(None, help="Sweep engine: inprocess (default for one curve), "
                               "processes (default for several) or dask."),
    workers: int = typer.Option(None, help="Worker processes for several curves (default: "
                                "the CPUs)."),
    store: Path = typer.Option(None, help="Result store (default OUT/store); finished curves "
                               "found there are reused."),
):
    """Predict a KRR learning curve on real data and measure it: table, plot, agreement.

    Runs through the sweep runner (the ``curve`` job): rows go to a result store with their
    config hash, and curves already there are reused.
    """
    from ._curve import curve_grid, run_and_save

    try:
        grid = curve_grid(
            dataset=dataset, split=split, data_dir=data_dir, kernel=kernel, width=width,
            degree=degree, zca=zca, normalize=normalize, target=target, theory=theory,
            hea_samples=hea_samples, hea_modes=hea_modes, pool=pool, n=n, ridge=ridge,
            trials=trials, noise=noise, device=device, dtype=dtype, seed=seed, quick=quick)
        result = run_and_save(grid, out, engine=engine, workers=workers, store=store)
    except (ValueError, TypeError, FileNotFoundError, ImportError, RuntimeError) as error:
        _fail(error)  # RuntimeError: the store is locked by another run, a worker died
    if result.n_failed:
        raise typer.Exit(1)


@app.command()
def rf(
    data: str = typer.Option("planted", help="planted (Gaussian inputs with lambda_i = "
                             "i^-alpha, v_i^2 = i^-beta; no download) or a dataset name."),
    features: str = typer.Option(None, help="gaussian (planted), relu or fourier (datasets; "
                                 "default relu)."),
    n: str = typer.Option("256", help="Training sizes: a comma list or START:STOP:COUNT."),
    k: str = typer.Option("10:2560:12", help="Feature counts: a comma list or "
                          "START:STOP:COUNT."),
    ridge: str = typer.Option("1e-3:100:11", help="Ridges (each (n, k) solves all from one "
                              "eigendecomposition)."),
    noise: float = typer.Option(0.5, help="Label-noise variance."),
    trials: int = typer.Option(5, help="Draws of data, features and noise."),
    test_size: int = typer.Option(1000, help="Test points per trial."),
    alpha: float = typer.Option(1.5, help="planted: eigenvalue exponent."),
    beta: float = typer.Option(1.5, help="planted: target exponent."),
    modes: int = typer.Option(4000, help="planted: input dimension (modes)."),
    target: str = typer.Option("even-odd", help="dataset: the binary target."),
    pool: int = typer.Option(3000, help="dataset: pool size (theory's population)."),
    data_dir: str = typer.Option(None, help="Folder holding the dataset files."),
    width: float = typer.Option(1.0, help="fourier: Gaussian kernel width."),
    dtype: str = typer.Option("float64", help="float64 or float32."),
    seed: int = typer.Option(0, help="Random seed."),
    out: Path = typer.Option(Path("eigenlab-output/rf"), help="Output folder."),
    quick: bool = typer.Option(False, help="A small run that finishes in seconds."),
):
    """Random-feature ridge regression over (n, k, ridge): measured against the random-feature
    eigenframework, with the optimal ridge ("more is better")."""
    from ._rf import rf_config, run_and_save

    try:
        config = rf_config(
            data=data, features=features or ("gaussian" if data == "planted" else "relu"),
            n=n, k=k, ridge=ridge, noise=noise, trials=trials, test_size=test_size,
            alpha=alpha, beta=beta, modes=modes, target=target, pool=pool,
            data_dir=data_dir, width=width, dtype=dtype, seed=seed, quick=quick)
        run_and_save(config, out)
    except (ValueError, TypeError, FileNotFoundError) as error:
        _fail(error)


@app.command()
def overfit(
    domain: str = typer.Option("sphere", help="sphere (uniform points on S^(dim-1), exact "
                               "theory, no download) or a dataset name (mnist5k, mnist, ...)."),
    dim: int = typer.Option(10, help="sphere: ambient dimension d >= 3."),
    kernel: str = typer.Option("laplace,gaussian", help="Kernels, comma-separated: laplace, "
                               "gaussian."),
    width: float = typer.Option(1.0, help="Kernel width (data: in units of its RMS norm)."),
    n: str = typer.Option(None, help="Training sizes: START:STOP:COUNT or a comma list "
                          "(default 25,50,...,800)."),
    trials: int = typer.Option(4, help="Random training sets per n."),
    test_size: int = typer.Option(1500, help="Held-out points per trial."),
    noise: str = typer.Option("0,0.5,1", help="Label-noise variances for the noise-"
                              "sensitivity curves, comma-separated."),
    target: str = typer.Option("even-odd", help="dataset: the binary target."),
    pool: int = typer.Option(5000, help="dataset: points drawn (theory's population)."),
    data_dir: str = typer.Option(None, help="Folder holding the dataset files."),
    mlp: bool = typer.Option(False, "--mlp/--no-mlp", help="Also train ReLU MLPs to "
                             "interpolation on the noisy labels (minutes)."),
    mlp_n: str = typer.Option(None, help="MLP training sizes (default: the two largest n)."),
    mlp_width: int = typer.Option(512, help="MLP hidden width."),
    mlp_depth: int = typer.Option(2, help="MLP hidden layers."),
    mlp_steps: int = typer.Option(2000, help="Most full-batch Adam steps per MLP fit."),
    seed: int = typer.Option(0, help="Random seed."),
    out: Path = typer.Option(Path("eigenlab-output/overfit"), help="Output folder."),
    quick: bool = typer.Option(False, help="A small run that finishes in seconds."),
):
    """Benign, tempered or catastrophic: the overfitting coefficient E0 along n, measured
    (noise fitting, data-only estimator, noise sensitivity) and predicted."""
    from ._overfit import overfit_config, run_and_save

    try:
        config = overfit_config(
            domain=domain, dim=dim, kernels=kernel, width=width, n=n, trials=trials,
            test_size=test_size, noise=noise, target=target, pool=pool, data_dir=data_dir,
            mlp=mlp, mlp_n=mlp_n, mlp_width=mlp_width, mlp_depth=mlp_depth,
            mlp_steps=mlp_steps, seed=seed, quick=quick)
        run_and_save(config, out)
    except (ValueError, TypeError, FileNotFoundError) as error:
        _fail(error)


@app.command()
def sweep(
    config: Path = typer.Argument(..., help="Sweep config file (.toml or .yaml): the job, "
                                  "its [grid], [fixed] values, optional [[zip]] and [run]."),
    engine: str = typer.Option(None, help="inprocess, processes (default) or dask."),
    workers: int = typer.Option(None, help="Worker processes (default: the CPUs)."),
    scheduler: str = typer.Option(None, help="Dask scheduler address (tcp://host:8786) or "
                                  "scheduler file (*.json); implies --engine dask."),
    store: Path = typer.Option(None, help="Result store folder (default: the config's "
                               "[run] store, else eigenlab-output/sweeps/<config name>)."),
    batch_size: int = typer.Option(None, help="Jobs per task (default: adaptive, about a "
                                   "second of work per task)."),
):
    """Run a sweep of jobs over a grid; resumes where a killed run stopped."""
    from ._sweep import run_sweep_file

    try:
        result = run_sweep_file(config, engine=engine, workers=workers, scheduler=scheduler,
                                store=store, batch_size=batch_size)
    except (ValueError, TypeError, FileNotFoundError, ImportError, RuntimeError) as error:
        _fail(error)  # RuntimeError: the store is locked by another sweep, a worker died
    if result.n_failed:
        raise typer.Exit(1)


def main():  # console-script entry point
    app()
