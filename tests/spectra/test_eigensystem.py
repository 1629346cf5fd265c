"""Tests for `eigenlab/_eigensystem.py` and `eigenlab/spectra/_synthetic.py`."""

import warnings

import numpy as np
import pytest
from scipy.special import zeta

from eigenlab import SpectrumWarning
from eigenlab.spectra import Eigensystem, power_law_eigensystem
from eigenlab.theory import krr_learning_curve


def test_record_is_immutable_and_validated_once():
    es = Eigensystem([2.0, 1.0], [1.0, -1.0])
    with pytest.raises(ValueError):
        es.eigenvalues[0] = 3.0
    with pytest.raises(AttributeError):
        es.tail_mass = 1.0
    assert es.target_coeffs.dtype == np.float64
    assert es.multiplicities.tolist() == [1.0, 1.0]


def test_inputs_are_not_mutated():
    values = np.array([2.0, 1.0, -1e-20])
    coeffs = np.array([1.0, 2.0, 3.0])
    with pytest.warns(SpectrumWarning, match="set to zero"):
        Eigensystem(values, coeffs)
    assert values[2] == -1e-20 and coeffs.tolist() == [1.0, 2.0, 3.0]


def test_dtype_aware_negative_gate():
    # float32 round-off (1e-5 relative) is zeroed; the same value in float64 is significant.
    with pytest.warns(SpectrumWarning):
        Eigensystem(np.array([1.0, -1e-5], dtype=np.float32))
    with pytest.raises(ValueError, match="must be >= 0"):
        Eigensystem(np.array([1.0, -1e-5]))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"eigenvalues": [1.0, np.nan]}, "`eigenvalues` must be finite"),
        ({"eigenvalues": [1.0, -0.5]}, "`eigenvalues` must be >= 0"),
        ({"eigenvalues": [0.5, 1.0]}, "must be sorted in decreasing order"),
        ({"eigenvalues": []}, "at least one mode"),
        ({"eigenvalues": [[1.0]]}, "`eigenvalues` must have 1 dimension"),
        ({"eigenvalues": [1.0, 0.5], "target_coeffs": [1.0]}, "`target_coeffs` must have one row"),
        ({"eigenvalues": [1.0], "multiplicities": [0]}, "`multiplicities` must be > 0"),
        ({"eigenvalues": [1.0], "multiplicities": [1, 2]}, "`multiplicities` must have shape"),
        ({"eigenvalues": [1.0], "tail_mass": -1.0}, "`tail_mass` must be >= 0"),
        ({"eigenvalues": [1.0], "mode_labels": [1, 2]}, "`mode_labels` must have one entry"),
        ({"eigenvalues": [1.0], "target_coeffs": [[1.0, 2.0]], "target_tail": [1.0]},
         "`target_tail` must have shape"),
        ({"eigenvalues": [1.0 + 1.0j]}, "significant imaginary parts"),
        ({"eigenvalues": ["a"]}, "must be numeric"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        Eigensystem(**kwargs)


def test_sorted_constructor_keeps_modes_together():
    es = Eigensystem.sorted([0.1, 1.0, 0.5], [1.0, 2.0, 3.0], multiplicities=[1, 2, 3],
                            mode_labels=["a", "b", "c"])
    assert es.eigenvalues.tolist() == [1.0, 0.5, 0.1]
    assert es.target_coeffs.tolist() == [2.0, 3.0, 1.0]
    assert es.mode_labels.tolist() == ["b", "c", "a"]
    assert es.multiplicities.tolist() == [2.0, 3.0, 1.0]


def test_truncation_moves_mass_to_the_tails():
    es = Eigensystem([1.0, 0.5, 0.25, 0.125], [1.0, 0.5, 0.5, 0.5], multiplicities=[1, 1, 2, 1])
    short = es.truncate(2)
    assert short.tail_mass == pytest.approx(0.625)
    assert short.target_tail == pytest.approx(0.5)
    assert short.trace == pytest.approx(es.trace)
    assert short.total_target_power == pytest.approx(es.total_target_power)
    with pytest.raises(ValueError, match="`n_modes` must be a positive integer"):
        es.truncate(0)


def test_power_law_tails_are_the_zeta_remainders():
    es = power_law_eigensystem(1000, alpha=1.5, beta=1.2)
    assert es.trace == pytest.approx(zeta(1.5), rel=1e-12)
    assert es.total_target_power == pytest.approx(zeta(1.2), rel=1e-12)
    # Truncating further and keeping the tails changes the curve only at large n / P.
    full = krr_learning_curve(es, [10, 30], ridge=1e-3)
    cut = krr_learning_curve(es.truncate(300), [10, 30], ridge=1e-3)
    assert np.allclose(cut.test_mse, full.test_mse, rtol=1e-3)


def test_power_law_bad_input():
    with pytest.raises(ValueError, match="`alpha` must be > 1"):
        power_law_eigensystem(10, alpha=0.5, beta=2.0)
    with pytest.raises(ValueError, match="`n_modes` must be a positive integer"):
        power_law_eigensystem(0, alpha=1.5, beta=2.0)


def test_negligible_negatives_warn_with_the_library_class():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Eigensystem([1.0, 0.0, -1e-17])
    assert [w.category for w in caught] == [SpectrumWarning]
