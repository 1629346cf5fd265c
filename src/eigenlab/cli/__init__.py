"""The ``eigenlab`` command line: options -> a config -> one library call -> files + a summary.

Subcommands
-----------
predict
    Predict a KRR learning curve from a synthetic or analytic eigensystem (power law,
    circle, hypercube, sphere); writes ``predict.parquet`` and ``predict.png``.
sweep
    Run a sweep config file (a job and its grid) with a progress bar; resumable.
"""

from ._app import app, main

__all__ = ["app", "main"]
