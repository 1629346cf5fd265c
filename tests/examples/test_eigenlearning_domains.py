"""The eigenlearning-domains example: it runs, writes its outputs, and its experiments agree
with the eigenframework as far as measured (see the example's module docstring)."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.linalg import solve

from eigenlab.theory import krr_learning_curve

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "eigenlearning_domains.py"
CUBE, CIRCLE = "hypercube d=8", "unit circle M=256"
# Floors on |theory - measured mean learnability| (beyond 4 standard errors), from the quick
# settings over 30 seeds. Hypercube: wherever the gap exceeds 4 s.e. it is at most 0.016
# (n = 200, where the finite pool helps; 0.015 at the default size). Circle: the theory
# overestimates learnability at the learning transition by up to 0.14 on the quick grid
# (n = 13-32; 0.20 at the default size, n = 43), a limit of the theory in one dimension that
# the example's docstring documents; the floor held with at least 0.008 to spare.
LEARNABILITY_FLOOR = {CUBE: 0.05, CIRCLE: 0.15}
# Median gap over targets and n: at most 0.007 (hypercube) and 0.026 (circle) over 30 seeds.
MEDIAN_LEARNABILITY_GAP = {CUBE: 0.015, CIRCLE: 0.04}


def load_example():
    spec = importlib.util.spec_from_file_location("eigenlearning_domains", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def example():
    return load_example()


@pytest.fixture(scope="module")
def run(example, tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("eigenlearning_domains")
    return out_dir, example.main(quick=True, out_dir=out_dir)


def summary(frame):
    keys = ["domain", "target", "n"]
    measured = (frame[frame["source"] == "experiment"].groupby(keys)
                [["test_mse", "train_mse", "learnability"]].agg(["mean", "sem"]))
    theory = frame[frame["source"] == "theory"].set_index(keys)
    return measured, theory


def test_writes_the_table_and_the_figure(example, run):
    out_dir, frame = run
    assert list(frame.columns) == example.COLUMNS
    saved = pd.read_parquet(out_dir / "eigenlearning_domains.parquet")
    pd.testing.assert_frame_equal(saved, frame)
    image = (out_dir / "eigenlearning_domains.png").read_bytes()
    assert image.startswith(b"\x89PNG\r\n\x1a\n") and len(image) > 20_000

    assert set(frame["domain"]) == {CUBE, CIRCLE}
    assert set(frame["source"]) == {"theory", "experiment"}
    assert frame.loc[frame["source"] == "theory", "trial"].isna().all()
    experiment = frame[frame["source"] == "experiment"]
    counts = experiment.groupby(["domain", "target", "n", "ridge"])["trial"].nunique()
    assert (counts == example.QUICK_TRIALS).all()
    assert len(counts) == 2 * 3 * 6
    np.testing.assert_array_equal(np.sort(frame["n"].unique()),
                                  example.sample_sizes(quick=True))
    assert np.isfinite(frame[["test_mse", "train_mse", "learnability"]].to_numpy()).all()


@pytest.mark.parametrize("domain", [CUBE, CIRCLE])
def test_theory_learnability_matches_the_experiments(run, domain):
    _, frame = run
    measured, theory = summary(frame)
    mean = measured[("learnability", "mean")].loc[domain]
    error = measured[("learnability", "sem")].loc[domain]
    gap = (theory["learnability"].loc[domain] - mean).abs()
    allowed = np.maximum(4 * error, LEARNABILITY_FLOOR[domain])
    assert (gap <= allowed).all(), gap[gap > allowed]
    assert gap.median() <= MEDIAN_LEARNABILITY_GAP[domain]


def test_hypercube_test_mse_matches_then_the_finite_pool_wins(run):
    _, frame = run
    measured, theory = summary(frame)
    ratio = (theory["test_mse"].loc[CUBE] / measured[("test_mse", "mean")].loc[CUBE])
    n = ratio.index.get_level_values("n")
    # Below M/4 within a factor 1.65 (worst over 30 seeds 1.52, k = 1 at n = 32)...
    assert (np.abs(np.log(ratio[n < 64])) < 0.5).all(), ratio[n < 64]
    # ... and at n = 200 of M = 256 distinct points the experiment beats the theory by about
    # 2x (1.37-2.63x over 30 seeds): a protocol that repeated points would not.
    assert (ratio[n == 200] > 1.2).all(), ratio[n == 200]


def test_learnability_falls_with_parity_order(run):
    _, frame = run
    measured, theory = summary(frame)
    for table in (theory["learnability"], measured[("learnability", "mean")]):
        by_order = table.loc[CUBE].unstack("target")[["k=1", "k=2", "k=3"]]
        assert (by_order["k=1"] > by_order["k=2"]).all()
        assert (by_order["k=2"] > by_order["k=3"]).all()
    circle = theory["learnability"].loc[CIRCLE].unstack("target")
    assert (circle["k=1"] >= circle["k=4"]).all() and (circle["k=4"] > circle["k=16"]).all()


def test_the_whole_domain_as_training_set(example):
    """At n = M (every point once) ridgeless KRR interpolates the full-rank hypercube, as the
    theory's finite-rank limit says; with a ridge the population error is the train error."""
    domain = example.hypercube_domain()
    everything = np.arange(domain.n_points)[None, :]
    exact = example.fit_krr(domain.gram, domain.targets, everything, ridge=0.0)
    assert exact["test_mse"].max() < 1e-16
    np.testing.assert_allclose(exact["learnability"], 1.0, rtol=0, atol=1e-8)
    for es in domain.eigensystems:
        curve = krr_learning_curve(es, domain.n_points, ridge=0.0)
        assert curve.effective_ridge == 0 and curve.test_mse == 0
        assert curve.target_learnability == pytest.approx(1.0, abs=1e-12)
    ridged = example.fit_krr(domain.gram, domain.targets, everything, ridge=1e-3)
    np.testing.assert_allclose(ridged["test_mse"], ridged["train_mse"], rtol=1e-12)
    assert ridged["test_mse"].min() > 0


def test_batched_fit_matches_a_direct_solve_per_dataset(example, rng):
    """The vectorised fit against KRR built from the points themselves, one dataset at a time,
    with the off-training-set error measured directly on the held-out points."""
    theta = 2 * np.pi * np.arange(example.N_POINTS) / example.N_POINTS
    points = np.stack([np.cos(theta), np.sin(theta)], axis=1)
    width = example.CIRCLE_WIDTH
    domain = example.unit_circle_domain()
    index = example.training_sets(rng, example.N_POINTS, 40, trials=3)
    assert all(len(set(row)) == 40 for row in index)
    fit = example.fit_krr(domain.gram, domain.targets, index, ridge=1e-3)
    for trial, train in enumerate(index):
        distance2 = np.sum((points[:, None, :] - points[None, train, :]) ** 2, axis=-1)
        k_xd = np.exp(-distance2 / (2 * width**2))  # = exp(-(1 - cos)/w^2)
        labels = domain.targets[train]
        predictions = k_xd @ solve(k_xd[train] + 1e-3 * np.eye(40), labels, assume_a="pos")
        errors = (predictions - domain.targets) ** 2
        held_out = np.setdiff1d(np.arange(example.N_POINTS), train)
        np.testing.assert_allclose(fit["test_mse"][trial], errors.mean(axis=0), rtol=1e-8)
        np.testing.assert_allclose(fit["train_mse"][trial], errors[train].mean(axis=0),
                                   rtol=1e-6)
        np.testing.assert_allclose(
            example.off_training_mse(fit["test_mse"][trial], fit["train_mse"][trial], 40),
            errors[held_out].mean(axis=0), rtol=1e-8)
        np.testing.assert_allclose(fit["learnability"][trial],
                                   np.mean(predictions * domain.targets, axis=0), rtol=1e-8)


def test_sampling_with_replacement_repeats_points(example, rng):
    index = example.training_sets(rng, 256, 200, trials=4, replace=True)
    assert all(len(set(row)) < 200 for row in index)


def test_command_line_quick_run(tmp_path):
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--trials", "2", "--out", str(tmp_path)],
        capture_output=True, text=True, check=True, timeout=120)
    assert "hypercube d=8" in result.stdout
    assert (tmp_path / "eigenlearning_domains.parquet").exists()
    assert (tmp_path / "eigenlearning_domains.png").exists()
