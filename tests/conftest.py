"""Strict, deterministic tests: warnings are errors (pyproject), seeds are fixed."""

import os

import numpy as np
import pytest


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", default=False,
                     help="also run the tests marked slow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def rng():
    return np.random.default_rng(20261204)


from hypothesis import settings  # noqa: E402

settings.register_profile("eigenlab", max_examples=120, derandomize=True, database=None,
                          deadline=None)
# HYPOTHESIS_PROFILE=explore: random, ten times longer searches (development, not CI).
settings.register_profile("explore", max_examples=1500, database=None, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "eigenlab"))
