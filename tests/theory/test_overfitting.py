"""Tests for `eigenlab/theory/_overfitting.py`: the taxonomy on known spectra, the cost of
overfitting against its bound, and the data-only estimates against simulation."""

import numpy as np
import pytest

from eigenlab.spectra import Eigensystem, power_law_eigensystem
from eigenlab.theory import (
    cost_of_overfitting,
    gram_cost_of_overfitting,
    krr_learning_curve,
    overfitting_regime,
)


def _log_spectrum(n_modes=2_000_000, with_tail=True):
    # lambda_i = 1/(i log^2 i), i >= 2; tail sum_{i > P} ~ 1/log(P + 3/2) (integral, error
    # O(1/(P log^2 P))).
    index = np.arange(2, n_modes + 2.0)
    tail = 1 / np.log(n_modes + 1.5) if with_tail else 0.0
    return Eigensystem(1 / (index * np.log(index) ** 2), tail_mass=tail)


@pytest.mark.parametrize("alpha", [1.5, 2.0, 3.0])
def test_power_law_is_tempered_with_limit_alpha(alpha):
    regime = overfitting_regime(power_law_eigensystem(100_000, alpha=alpha, beta=2.0))
    assert regime.verdict == "tempered"
    assert regime.limit == pytest.approx(alpha, rel=2e-3)
    assert abs(regime.growth_exponent) < 0.01


def test_exponential_spectrum_is_catastrophic():
    # Errata-checked values: E0 = 2.72, 5.03, 10.0, 20.0 at n = 5, 10, 20, 40.
    es = Eigensystem(np.exp(-np.arange(1, 401) / 2))
    regime = overfitting_regime(es, np.arange(5, 41))
    assert regime.verdict == "catastrophic" and regime.limit == np.inf
    np.testing.assert_allclose(regime.overfitting_coefficient[[0, 5, 15, 35]],
                               [2.72, 5.03, 10.0, 20.0], atol=0.01)
    assert regime.growth_exponent > 0.9


def test_the_default_path_stops_below_the_eigenfunctions_float64_resolves():
    # A Gaussian kernel on S^9: its sphere eigenvalues underflow to 0 past a few dozen
    # degrees, so the listing is a finite-rank kernel there. A path counting those zero
    # modes runs past the rank, where E0 falls back to 1, and calls the kernel benign.
    import warnings

    from eigenlab.spectra import hypersphere_eigensystem

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        es = hypersphere_eigensystem(lambda t: np.exp(-(1 - t)), 10, max_degree=60,
                                     n_quadrature=640)
    resolved = es.multiplicities[es.eigenvalues > 0].sum()
    assert resolved < es.n_functions / 100  # most listed eigenfunctions are zero
    regime = overfitting_regime(es)
    assert regime.n[-1] == pytest.approx(resolved / 20)
    assert regime.verdict == "catastrophic"
    past_rank = overfitting_regime(es, np.geomspace(10, es.n_functions / 20, 30))
    assert past_rank.overfitting_coefficient[-1] < 1.01  # the misreading it avoids


@pytest.mark.slow
def test_log_spectrum_is_benign_slowly():
    # Errata 9: with tail-as-ridge E0 = 1.395, 1.267, 1.179, 1.130, 1.102 at n = 10 ... 1e5.
    es = _log_spectrum()
    e0 = krr_learning_curve(es, np.logspace(1, 5, 5)).overfitting_coefficient
    np.testing.assert_allclose(e0, [1.395, 1.267, 1.179, 1.130, 1.102], atol=6e-4)
    regime = overfitting_regime(es, np.geomspace(10, 1e5, 30))
    assert regime.verdict == "benign" and regime.limit_model == "log"
    assert np.all(np.diff(regime.overfitting_coefficient) < 0)


def test_log_spectrum_without_its_tail_is_misread():
    # The pitfall: cut at P without the tail, E0 turns up as n nears P and the spectrum looks
    # tempered or worse. Smaller P keeps this fast; with the tail the verdict is benign.
    n = np.geomspace(10, 1e4, 24)
    with_tail = overfitting_regime(_log_spectrum(200_000), n)
    assert with_tail.verdict == "benign"
    cut = overfitting_regime(_log_spectrum(200_000, with_tail=False), n)
    assert cut.verdict != "benign"
    assert cut.overfitting_coefficient[-1] > cut.overfitting_coefficient[-5]


def test_cost_of_overfitting_is_tight_for_pure_noise():
    # Errata 7: lambda_i = i^-2 (P = 20,000), n = 100, pure noise: E0(0) = 1.99413, and the
    # cost reaches it only with ridge = infinity among the candidates (1.9557 up to 10).
    es = Eigensystem(np.arange(1, 20_001.0) ** -2.0)
    cost = cost_of_overfitting(es, 100, noise=1.0)
    assert float(cost.agnostic_bound) == pytest.approx(1.99413, abs=1e-5)
    assert float(cost.cost) == pytest.approx(float(cost.agnostic_bound), rel=1e-12)
    assert float(cost.optimal_ridge) == np.inf
    bounded = krr_learning_curve(es, 100, ridge=np.logspace(-8, 1, 400), noise=1.0).test_mse
    assert float(cost.ridgeless_test_mse) / bounded.min() == pytest.approx(1.9557, abs=1e-3)


def test_cost_of_overfitting_below_the_agnostic_bound_on_random_tasks(rng):
    lam = np.arange(1, 5001.0) ** -2.0
    worst = 0.0
    for _ in range(12):
        decay = rng.uniform(0.5, 3.0)
        coeffs = rng.normal(size=lam.size) * np.arange(1, lam.size + 1.0) ** (-decay / 2)
        noise = 10 ** rng.uniform(-3, 1)
        cost = cost_of_overfitting(Eigensystem(lam, coeffs), [30.0, 100.0], noise=noise)
        assert np.all(cost.cost <= cost.agnostic_bound * (1 + 1e-10))
        assert np.all(cost.cost >= 1 - 1e-12)
        worst = max(worst, float(np.max(cost.cost / cost.agnostic_bound)))
    assert worst > 0.5  # noisy tasks come close to the bound


def _gaussian_design_gram(rng, eigenvalues, n):
    x = rng.standard_normal((n, eigenvalues.size)) * np.sqrt(eigenvalues)
    return x @ x.T


def test_gram_cost_estimates_match_theory(rng):
    # Data-only: the agnostic bound from one Gram matrix against the eigenframework, and the
    # pure-noise cost (GCV risk at ridge 0 over its minimum, ridge -> infinity included).
    # One noise vector gives a noisy risk ratio (1.5-2.4 here); 200 noise outputs average it.
    lam = np.arange(1, 2001.0) ** -1.5
    n = 300
    theory = float(krr_learning_curve(Eigensystem(lam), n).overfitting_coefficient)
    for _ in range(3):
        gram = _gaussian_design_gram(rng, lam, n)
        est = gram_cost_of_overfitting(gram, rng.standard_normal((n, 200)))
        assert est.agnostic_bound == pytest.approx(theory, rel=0.01)
        assert est.cost == pytest.approx(est.agnostic_bound, rel=0.05)
        assert est.optimal_ridge == np.inf
    plain = gram_cost_of_overfitting(gram)
    assert np.isnan(plain.cost) and plain.agnostic_bound == pytest.approx(est.agnostic_bound)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: overfitting_regime(Eigensystem([1.0, 0.5])), "too few eigenfunctions"),
    (lambda: overfitting_regime(power_law_eigensystem(100, alpha=2.0, beta=2.0), [10, 20]),
     "at least 8"),
    (lambda: overfitting_regime(power_law_eigensystem(100, alpha=2.0, beta=2.0),
                                np.arange(10, 18)), "half a decade"),
    (lambda: overfitting_regime(power_law_eigensystem(100, alpha=2.0, beta=2.0),
                                np.arange(10, 60), tolerance=-1.0), "`tolerance`"),
    (lambda: cost_of_overfitting(Eigensystem([1.0]), 10, noise=-1.0), "`noise` must be >= 0"),
    (lambda: gram_cost_of_overfitting(np.zeros((3, 3))), "non-singular"),
])
def test_bad_inputs(call, message):
    with pytest.raises(ValueError, match=message):
        call()
