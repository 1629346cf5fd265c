"""Runs `examples/fitting_ratio.py` at small size: closed form vs exact, measured vs theory."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).parents[2] / "examples" / "fitting_ratio.py"


def _load():
    spec = importlib.util.spec_from_file_location("fitting_ratio", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_fitting_ratio_study(tmp_path):
    theory, measured, summary = _load().main(quick=True, out_dir=tmp_path)
    assert (tmp_path / "fitting_ratio.png").stat().st_size > 10_000
    # The closed form has the exact eigenframework's shape in R (to 0.5%) at every noise.
    assert max(summary["shape_error_by_noise"].values()) < 0.005
    # Noise makes overfitting less attractive: the optimal fitting ratio grows with it.
    best = [summary["optimal_fitting_ratio"][r] for r in (0.0, 1.0, 5.0, 50.0)]
    assert best == sorted(best) and best[-1] > 0.5
    # Measured KRR on real digits against the eigenframework on the pool's eigensystem.
    assert summary["measured_agreement"] < 0.05
    ratio = summary["measured_best_ratio"]
    assert ratio[1.0] > ratio[0.0]
    assert set(measured["label_noise"]) == {0.0, 0.25, 1.0}


def test_the_cost_of_overfitting_stays_below_its_agnostic_bound(tmp_path):
    _, measured, summary = _load().main(quick=True, out_dir=tmp_path)
    for noise, cost in summary["cost_of_overfitting"].items():
        # Ridgeless over best-tuned: at least 1, at most E0(0) (Zhou, Simon et al. 2024),
        # measured and predicted alike; the data-only estimates likewise.
        assert 1.0 <= cost["measured_cost"] <= cost["agnostic_bound"] * 1.02, noise
        assert 1.0 <= cost["predicted_cost"] <= cost["agnostic_bound"], noise
        assert 1.0 <= cost["estimated_cost"] <= cost["estimated_bound"] * 1.0001, noise
    costs = [summary["cost_of_overfitting"][v]["predicted_cost"] for v in (0.0, 0.25, 1.0)]
    assert costs == sorted(costs)  # more noise, more to lose by interpolating
