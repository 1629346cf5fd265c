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


def main():  # console-script entry point
    app()
