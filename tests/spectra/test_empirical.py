"""Tests for `eigenlab/spectra/_empirical.py`."""

import numpy as np
import pytest
import torch

from eigenlab.spectra import gram_eigensystem, unit_circle_eigensystem


def test_circle_gram_gives_the_analytic_spectrum():
    # Independent route: the circulant closed form (Fourier) on the same M points.
    size, width = 64, 0.7
    theta = 2 * np.pi * np.arange(size) / size
    gram = np.exp(-(1 - np.cos(theta[:, None] - theta[None, :])) / width ** 2)
    target = np.sqrt(2) * np.cos(3 * theta)
    empirical = gram_eigensystem(gram, target)
    analytic = unit_circle_eigensystem(lambda t: np.exp(-(1 - t) / width ** 2), size,
                                       target=lambda th: np.sqrt(2) * np.cos(3 * th))
    expanded = np.repeat(analytic.eigenvalues, analytic.multiplicities.astype(int))
    assert np.allclose(empirical.eigenvalues, expanded, atol=1e-13)
    # The target's power sits in the eigenspace of frequency 3 (degenerate pair).
    level = analytic.eigenvalues[analytic.mode_labels == 3][0]
    in_level = np.isclose(empirical.eigenvalues, level, rtol=1e-9)
    assert empirical.target_power[in_level].sum() == pytest.approx(1.0, abs=1e-10)
    assert empirical.total_target_power == pytest.approx(np.mean(target ** 2))


def test_multi_output_and_torch_input(rng):
    x = rng.normal(size=(50, 3))
    gram = torch.as_tensor(x @ x.T + 1.0)
    y = rng.normal(size=(50, 2))
    es = gram_eigensystem(gram, y)
    assert es.target_coeffs.shape == (50, 2)
    assert np.allclose((es.target_coeffs ** 2).sum(axis=0), (y ** 2).mean(axis=0))
    assert es.trace == pytest.approx(float(torch.diagonal(gram).mean()))


def test_bad_input():
    with pytest.raises(ValueError, match="`gram` must be a non-empty square matrix"):
        gram_eigensystem(np.ones((3, 2)))
    with pytest.raises(ValueError, match="`targets` must have one row per point"):
        gram_eigensystem(np.eye(3), np.ones(4))
    with pytest.raises(ValueError, match="`gram` must be finite"):
        gram_eigensystem(np.full((2, 2), np.nan))
    with pytest.raises(ValueError, match="must be >= 0"):
        gram_eigensystem(np.diag([1.0, -1.0]))
