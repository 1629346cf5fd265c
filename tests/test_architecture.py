"""Tests that hold the architecture: light imports, explicit public names, runnable doctests."""

import importlib
import subprocess
import sys

import pytest

PUBLIC = ["eigenlab", "eigenlab.theory", "eigenlab.spectra", "eigenlab.plotting", "eigenlab.data",
          "eigenlab.kernels", "eigenlab.experiments"]


def _loaded_after(statement: str) -> set[str]:
    code = (f"import sys; {statement}; "
            "print(' '.join(m for m in ('torch', 'matplotlib', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("module", ["eigenlab", "eigenlab.theory", "eigenlab.spectra"])
def test_core_imports_without_heavy_dependencies(module):
    assert _loaded_after(f"import {module}") == set()


def test_the_import_check_can_fail():
    assert "matplotlib" in _loaded_after("import matplotlib")


@pytest.mark.parametrize("module", PUBLIC)
def test_every_public_name_imports(module):
    mod = importlib.import_module(module)
    assert mod.__all__ == sorted(mod.__all__)
    for name in mod.__all__:
        assert getattr(mod, name) is not None
