"""Strict, deterministic tests: warnings are errors (pyproject), seeds are fixed."""

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

settings.register_profile("eigenlab", derandomize=True, database=None, deadline=None)
settings.load_profile("eigenlab")
