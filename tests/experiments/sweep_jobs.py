"""Light sweep jobs for the tests: importable by worker processes, no torch.

The tests put this folder on ``sys.path`` so that process-pool and Dask workers import these
functions by name, as they would a user's own module.
"""

import os
import time
from pathlib import Path

import numpy as np


def noisy_power(config):
    """Two rows per point, drawn from the point's seed; raises where ``fail`` is set."""
    if config.get("fail"):
        raise ValueError(f"planted failure at x={config['x']}")
    rng = np.random.default_rng(config["seed"])
    draws = rng.normal(size=2)
    return [{"trial": t, "value": config["x"] ** config.get("power", 2) + draws[t]}
            for t in range(2)]


noisy_power.row_index = ("trial",)


def square(config):
    return {"value": config["x"] ** 2}


def slow_square(config):
    """Sleeps, then appends its x to a log file (one line per run): counts executions."""
    time.sleep(config.get("sleep", 0.05))
    log = config.get("log")
    if log:
        with open(Path(log) / f"{os.getpid()}.log", "a") as handle:
            handle.write(f"{config['x']}\n")
    return {"value": config["x"] ** 2}


def sleep_job(config):
    time.sleep(config["seconds"])
    return {"slept": config["seconds"]}


def bad_return(config):
    return 42


def dies_at(config):
    """Kills its own process (as the OOM killer would) where x is in ``die_at``."""
    if config["x"] in config.get("die_at", ()):
        os.kill(os.getpid(), 9)
    return {"value": config["x"] ** 2}
