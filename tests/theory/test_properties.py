"""Property tests (hypothesis) for the effective-ridge solve and the KRR eigenframework."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from eigenlab.spectra import Eigensystem
from eigenlab.theory import krr_learning_curve

# Log-uniform spectra spanning up to 200 orders of magnitude, with optional tails and
# multiplicities: extreme but valid inputs.
log_values = st.floats(min_value=-100, max_value=100, allow_nan=False)


@st.composite
def eigensystems(draw):
    size = draw(st.integers(1, 40))
    logs = sorted(draw(st.lists(log_values, min_size=size, max_size=size)), reverse=True)
    eigenvalues = 10.0 ** np.array(logs)
    coeffs = np.array(draw(st.lists(st.floats(-3, 3), min_size=size, max_size=size)))
    multiplicities = np.array(draw(st.lists(st.integers(1, 50), min_size=size,
                                            max_size=size)), dtype=float)
    tail = draw(st.one_of(st.just(0.0), st.floats(1e-30, 1e3)))
    return Eigensystem(eigenvalues, coeffs, multiplicities=multiplicities, tail_mass=tail)


sizes = st.floats(min_value=1.0, max_value=1e6)
ridges = st.one_of(st.just(0.0), st.floats(min_value=1e-100, max_value=1e100))


@settings()
@given(eigensystems(), st.lists(sizes, min_size=2, max_size=6), ridges)
def test_kappa_decreases_with_n_and_sums_are_sane(es, ns, ridge):
    n = np.sort(np.array(ns))
    curve = krr_learning_curve(es, n, ridge=ridge, noise=0.1)
    kappa = curve.effective_ridge
    assert np.all(np.isfinite(kappa)) and np.all(kappa >= 0)
    assert np.all(np.diff(kappa) <= 1e-12 * kappa[:-1])
    learn = curve.learnabilities()
    assert np.all((learn >= 0) & (learn <= 1))
    assert np.all(curve.overfitting_coefficient >= 1 - 1e-12)
    assert not np.any(np.isnan(curve.test_mse)) and not np.any(np.isnan(curve.train_mse))
    # Infinite test error only where a finite-rank ridgeless fit has exactly n = rank.
    assert np.all(np.isfinite(curve.test_mse) | (n == es.rank))
    assert np.all(curve.test_mse >= 0) and np.all(curve.train_mse >= 0)
    positive = kappa > 0
    # Conservation law: sum of learnabilities (tail included) = n - ridge / kappa.
    expected = n[positive] - ridge / kappa[positive]
    assert np.allclose(curve.learnability_sum[positive], expected, rtol=1e-9,
                       atol=1e-9 * n[positive])


@settings()
@given(eigensystems(), sizes, st.lists(ridges, min_size=2, max_size=6))
def test_kappa_increases_with_ridge(es, n, rs):
    ridge = np.sort(np.array(rs))
    curve = krr_learning_curve(es, n, ridge=ridge)
    kappa = curve.effective_ridge
    assert np.all(np.diff(kappa) >= -1e-12 * kappa[1:])
    assert np.all(curve.converged)


@settings()
@given(eigensystems(), st.lists(sizes, min_size=1, max_size=4),
       st.lists(ridges, min_size=1, max_size=4))
def test_both_routes_agree(es, ns, rs):
    n = np.array(ns)[:, None]
    ridge = np.array(rs)[None, :]
    exact = krr_learning_curve(es, n, ridge=ridge, method="exact")
    fast = krr_learning_curve(es, n, ridge=ridge, method="interpolated")
    assert np.allclose(fast.effective_ridge, exact.effective_ridge, rtol=1e-10, atol=0)
    assert np.allclose(fast.test_mse, exact.test_mse, rtol=1e-8, atol=1e-300)
