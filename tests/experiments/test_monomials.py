"""The monomial time-to-learn study: targets, HEA eigenvalues, selection, learning order, fit.

Independent routes: Monte Carlo moments of the Gaussian targets, eigh-whitening of a
non-Gaussian pool, the library's vectorised enumeration of HEA modes against the per-monomial
formula, brute-force selection with itertools, and a planted exponent for the fit.
"""

import dataclasses
import itertools
import math

import numpy as np
import pytest
import torch

from eigenlab.experiments import (
    ExponentFit,
    MonomialLearningTimes,
    fit_learning_exponent,
    format_monomial,
    gaussian_inputs,
    hea_monomial_eigenvalues,
    monomial_learning_times,
    planted_spectrum,
    select_monomials,
    whitened_inputs,
)
from eigenlab.experiments._monomial_targets import _hermite_product, _sampler
from eigenlab.kernels import ReluNTKKernel
from eigenlab.spectra import hermite_features, hermite_modes

MONOMIALS = [((0, 1),), ((1, 2),), ((0, 1), (3, 1)), ((2, 3),), ((0, 2), (1, 1))]
COEFFS = ReluNTKKernel(1, weight_variance=1.0, bias_variance=1.0).level_coefficients(6)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_gaussian_targets_are_orthonormal_zero_mean_hermite_monomials():
    inputs = gaussian_inputs(planted_spectrum(12))
    generator = torch.Generator().manual_seed(0)
    xs, ys = [], []
    for monomial in MONOMIALS:
        # The same generator state for each monomial: every target sees the same inputs.
        generator.manual_seed(0)
        sample = _sampler(inputs, monomial, None, 200_000, generator, "cpu", torch.float64)
        x, y = sample(1)
        xs.append(x)
        ys.append(y)
    assert all(torch.equal(xs[0], x) for x in xs)
    features = torch.stack(ys, dim=1).numpy()
    n = features.shape[0]
    assert np.all(np.abs(features.mean(axis=0)) < 5 * features.std(axis=0) / math.sqrt(n))
    gram = features.T @ features / n  # E[phi_a phi_b] = delta_ab
    np.testing.assert_allclose(gram, np.eye(len(MONOMIALS)), atol=0.1)
    x = xs[0].numpy()
    np.testing.assert_allclose(x.T @ x / n, np.diag(inputs.eigenvalues), atol=3e-3)
    assert float(np.mean(np.sum(x ** 2, axis=1))) == pytest.approx(1.0, abs=0.01)


def test_torch_hermite_product_equals_the_library_features():
    z = np.random.default_rng(0).normal(size=(50, 4)) * 2.0
    expected = hermite_features(z, MONOMIALS)
    got = torch.stack([_hermite_product(torch.as_tensor(z), m) for m in MONOMIALS], 1)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_whitened_pool_targets_match_an_eigh_whitening():
    rng = np.random.default_rng(1)
    raw = rng.uniform(-1, 1, size=(3000, 6)) * [5.0, 3.0, 2.0, 1.5, 1.0, 0.5] + 7.0
    raw = raw @ np.linalg.qr(rng.normal(size=(6, 6)))[0]  # rotated, shifted, not Gaussian
    inputs = whitened_inputs(raw, n_coordinates=3)
    assert inputs.pool.shape == (3000, 6) and inputs.coordinates.shape == (3000, 3)
    assert float(np.mean(np.sum(inputs.pool.astype(float) ** 2, axis=1))) == pytest.approx(1.0)
    centred = raw - raw.mean(axis=0)
    values, vectors = np.linalg.eigh(centred.T @ centred / raw.shape[0])
    z0 = centred @ vectors[:, -1] / math.sqrt(values[-1])  # top whitened coordinate
    np.testing.assert_allclose(inputs.coordinates[:, 0] ** 2, z0 ** 2, rtol=1e-8)
    times = monomial_learning_times(inputs, [((0, 2),)], width=16, depth=1, batch_size=8,
                                    max_steps=2)
    feature = (z0 ** 2 - 1) / math.sqrt(2)
    assert times.target_scales[0] == pytest.approx(math.sqrt(np.mean(feature ** 2)))
    assert times.effective_dimension == pytest.approx(inputs.effective_dimension)


def test_hea_eigenvalues_match_the_enumeration_of_hermite_modes():
    gamma = planted_spectrum(30)
    values, labels = hermite_modes(COEFFS, gamma, 300)
    keep = [k for k, label in enumerate(labels) if label]  # drop the constant mode
    got = hea_monomial_eigenvalues([labels[k] for k in keep], gamma, COEFFS)
    np.testing.assert_allclose(got, values[keep], rtol=1e-12)


def _brute_force_selection(gamma, coeffs, coordinates, shrink, floor):
    candidates = []
    for degree in range(1, len(coeffs)):
        for combo in itertools.combinations_with_replacement(coordinates, degree):
            pairs = tuple((c, combo.count(c)) for c in sorted(set(combo)))
            value = coeffs[degree] * math.prod(gamma[c] ** e for c, e in pairs)
            candidates.append((value, pairs))
    candidates.sort(key=lambda item: -item[0])
    kept, last = [], math.inf
    for value, pairs in candidates:
        if value < floor:
            break
        if value <= shrink * last:
            kept.append((value, pairs))
            last = value
    return kept


def test_selection_equals_brute_force_and_keeps_its_promises():
    gamma = planted_spectrum(200)
    coords = (0, 1, 2, 5, 10, 40)
    chosen = select_monomials(gamma, COEFFS[:5], coordinates=coords, shrink=0.8,
                              min_eigenvalue=1e-5)
    expected = _brute_force_selection(gamma, COEFFS[:5], coords, 0.8, 1e-5)
    np.testing.assert_allclose(chosen.hea_eigenvalues, [v for v, _ in expected], rtol=1e-12)
    # Ties between equal eigenvalues may be broken differently; compare as sets of names.
    assert set(chosen.names) == {format_monomial(p) for _, p in expected}
    assert chosen.candidates == math.comb(len(coords) + 4, 4) - 1
    ratios = chosen.hea_eigenvalues[1:] / chosen.hea_eigenvalues[:-1]
    assert np.all(ratios <= 0.8 + 1e-12) and chosen.hea_eigenvalues[-1] >= 1e-5
    paper = select_monomials(gamma, COEFFS)  # the spec's defaults
    assert paper.names[0] == "z0" and np.all(paper.degrees <= 6)
    assert np.all(paper.hea_eigenvalues > 1e-6) and len(paper.monomials) <= 1000
    assert {c for m in paper.monomials for c, _ in m} <= {0, 1, 2, 3, 5, 10, 20, 40, 60, 100,
                                                          150}
    capped = select_monomials(gamma, COEFFS, max_count=3)
    assert capped.names == paper.names[:3]


@pytest.fixture(scope="module")
def two_monomials():
    """z0 (top direction, degree 1) against z5^3 (a lower direction, degree 3)."""
    inputs = gaussian_inputs(planted_spectrum(20))
    return monomial_learning_times(inputs, [((0, 1),), ((5, 3),)], width=64, depth=2,
                                   batch_size=64, max_steps=400, seeds=(0, 1))


def test_top_degree_one_monomial_is_learned_before_a_low_degree_three_one(two_monomials):
    times = two_monomials
    assert times.hea_eigenvalues[0] > 100 * times.hea_eigenvalues[1]
    fast, slow = times.steps_to_learn[0, :, -1], times.steps_to_learn[1, :, -1]
    assert np.all(np.isfinite(fast)) and np.all(fast < 200)
    assert np.all(~np.isfinite(slow) | (slow > 2 * fast))
    assert not times.diverged.any()


def test_learning_times_table_is_tidy(two_monomials):
    frame = two_monomials.to_frame()
    assert len(frame) == 2 * 2 * 2  # monomials x seeds x thresholds
    assert list(frame["monomial"].unique()) == ["z0", "z5^3"]
    assert {"hea_eigenvalue", "steps_to_learn", "reached", "seed", "threshold", "width",
            "learning_rate", "dtype", "device", "kernel"} <= set(frame.columns)
    assert frame["dtype"].iloc[0] == "float32" and frame["device"].iloc[0] == "cpu"
    assert (frame["reached"] == np.isfinite(frame["steps_to_learn"])).all()


def _planted_times(slope, noise, censor=()):
    rng = np.random.default_rng(3)
    eigenvalues = np.geomspace(0.1, 1e-5, 16)
    steps = 30.0 * eigenvalues[:, None, None] ** -slope * np.exp(
        noise * rng.normal(size=(16, 3, 1)))
    steps = np.round(steps)
    for k in censor:
        steps[k, 0, 0] = np.nan
    monomials = tuple(((k, 1),) for k in range(16))
    return MonomialLearningTimes(
        inputs="planted", effective_dimension=10.0, monomials=monomials,
        hea_eigenvalues=eigenvalues, target_scales=np.ones(16), seeds=np.arange(3),
        thresholds=np.array([0.1]), steps_to_learn=steps, final_ema_loss=np.zeros((16, 3)),
        diverged=np.zeros((16, 3), dtype=bool), wall_time=np.zeros((16, 3)), kernel="k",
        width=1, depth=1, batch_size=1, max_steps=10**6, learning_rate=0.1, richness=1.0,
        ema=0.9, dtype="float32", device="cpu")


def test_fit_recovers_a_planted_exponent_and_the_order():
    fit = fit_learning_exponent(_planted_times(0.5, 0.1))
    assert isinstance(fit, ExponentFit)
    assert abs(fit.slope - 0.5) < 3 * fit.slope_stderr and fit.slope_stderr < 0.05
    assert fit.slope_stderr == pytest.approx(fit.slope_ols_stderr, rel=0.6)
    np.testing.assert_allclose(fit.seed_slopes, 0.5, atol=0.05)
    assert fit.spearman > 0.95 and fit.n_used == 16 and fit.n_censored == 0
    exact = fit_learning_exponent(_planted_times(0.8, 0.0))
    assert exact.slope == pytest.approx(0.8, abs=0.01) and exact.spearman == 1.0


def test_fit_leaves_censored_monomials_out_and_ranks_them_last():
    fit = fit_learning_exponent(_planted_times(0.5, 0.0, censor=(15,)))
    assert fit.n_used == 15 and fit.n_censored == 1
    assert fit.slope == pytest.approx(0.5, abs=0.01) and fit.spearman == 1.0
    # Censoring a fast monomial breaks the order: it is ranked last.
    assert fit_learning_exponent(_planted_times(0.5, 0.0, censor=(0,))).spearman < 1.0


def test_kernel_choice_changes_only_the_level_coefficients(two_monomials):
    deep = ReluNTKKernel(3, weight_variance=1.0, bias_variance=1.0)
    replaced = dataclasses.replace(two_monomials, hea_eigenvalues=hea_monomial_eigenvalues(
        two_monomials.monomials, planted_spectrum(20), deep.level_coefficients(3)))
    ratio = replaced.hea_eigenvalues / two_monomials.hea_eigenvalues
    c = deep.level_coefficients(3) / COEFFS[:4]
    np.testing.assert_allclose(ratio, c[[1, 3]], rtol=1e-12)


@pytest.mark.parametrize(("call", "name"), [
    (lambda: planted_spectrum(0), "dim"),
    (lambda: planted_spectrum(10, offset=0.0), "offset"),
    (lambda: gaussian_inputs([0.1, 0.5]), "eigenvalues"),
    (lambda: whitened_inputs(np.eye(5), n_coordinates=0), "n_coordinates"),
    (lambda: hea_monomial_eigenvalues([((0, 0),)], [0.5, 0.5], [1, 1]), "monomials"),
    (lambda: hea_monomial_eigenvalues([((0, 3),)], [0.5, 0.5], [1, 1]), "level_coeffs"),
    (lambda: hea_monomial_eigenvalues([((2, 1),)], [0.5, 0.5], [1, 1]), "monomials"),
    (lambda: hea_monomial_eigenvalues([((1, 1), (0, 1))], [0.5, 0.5], [1, 1]), "monomials"),
    (lambda: select_monomials(planted_spectrum(200), COEFFS, shrink=1.5), "shrink"),
    (lambda: select_monomials(planted_spectrum(5), COEFFS), "coordinates"),
    (lambda: select_monomials(planted_spectrum(200), COEFFS, min_eigenvalue=-1.0),
     "min_eigenvalue"),
    (lambda: select_monomials(planted_spectrum(200), COEFFS, max_count=0), "max_count"),
    (lambda: select_monomials(planted_spectrum(200)[::-1], COEFFS), "eigenvalues"),
    (lambda: monomial_learning_times(gaussian_inputs(planted_spectrum(5)), [((5, 1),)]),
     "monomials"),
    (lambda: monomial_learning_times(gaussian_inputs(planted_spectrum(5)), [((0, 1),)],
                                     seeds=[-1]), "seeds"),
    (lambda: monomial_learning_times(gaussian_inputs(planted_spectrum(5)), [((0, 1),)],
                                     width=0), "width"),
    (lambda: monomial_learning_times(gaussian_inputs(planted_spectrum(5)), [((0, 1),)],
                                     thresholds=[0.0]), "thresholds"),
    (lambda: monomial_learning_times(gaussian_inputs(planted_spectrum(5)), [((0, 1),)],
                                     batch_size=0), "batch_size"),
    (lambda: fit_learning_exponent(_planted_times(0.5, 0.0), threshold=0.3), "threshold"),
])
def test_bad_inputs_name_the_parameter(call, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        call()
