"""Tests for `eigenlab/theory/_asymptotics.py`."""

import numpy as np
import pytest

from eigenlab.spectra import Eigensystem
from eigenlab.theory import (
    chemical_potential,
    fermi_dirac_occupations,
    krr_learning_curve,
    power_law_effective_ridge,
    power_law_overfitting_coefficient,
)


@pytest.mark.parametrize(("alpha", "value"), [(1.5, 3.7609), (2.0, 2.4674), (3.0, 1.7680)])
def test_power_law_constant(alpha, value):
    # The published constants ((pi/alpha)/sin(pi/alpha))^alpha.
    assert power_law_effective_ridge(1.0, alpha=alpha) == pytest.approx(value, abs=1e-4)
    assert power_law_overfitting_coefficient(alpha=alpha) == alpha


def test_occupations_are_learnabilities_even_in_the_far_tails():
    eigenvalues = np.logspace(0, -300, 7)
    curve = krr_learning_curve(Eigensystem(eigenvalues, tail_mass=1e-310), [2.0, 3.0])
    occupations = fermi_dirac_occupations(eigenvalues, curve.effective_ridge)
    assert np.allclose(occupations, curve.learnabilities(), rtol=1e-12, atol=0)
    assert np.all(occupations > 0)
    # The particle-number constraint: ridgeless, the occupations fill n states.
    filled = occupations.sum(axis=1) + 1e-310 / curve.effective_ridge
    assert np.allclose(filled, [2.0, 3.0])
    assert np.allclose(chemical_potential(curve.effective_ridge),
                       -np.log(curve.effective_ridge))


def test_bad_input():
    with pytest.raises(ValueError, match="`alpha` must be > 1"):
        power_law_effective_ridge(10, alpha=1.0)
    with pytest.raises(ValueError, match="`effective_ridge` must be > 0"):
        chemical_potential(0.0)
