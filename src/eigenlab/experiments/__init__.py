"""Empirical counterparts of the theory: estimators, measured learning curves, main jobs.

KernelRidgeRegression
    A scikit-learn-compatible KRR estimator over eigenlab's kernels (torch, any device).
measure_krr_learning_curve, MeasuredLearningCurve
    KRR test/train MSE over trials, sizes and ridges from a pool's Gram matrix.
run_curve, CurveConfig, CurveResult, agreement
    The main job: predict a learning curve on real data and measure it; the agreement
    figure (median |log(predicted/measured)|).
mup_table, MupTable, LayerScaling, MupMLP, train_online, OnlineTrainingResult
    A centred ReLU MLP in the maximal update parametrisation (a printable per-layer table)
    and online SGD that times when the smoothed loss crosses given levels.
monomial_learning_times, MonomialLearningTimes, fit_learning_exponent, ExponentFit
    The HEA paper's MLP study: time to learn Hermite monomials against their HEA
    eigenvalues, and the fitted exponent of t ~ lambda^-s with its rank agreement.
gaussian_inputs, whitened_inputs, MonomialInputs, planted_spectrum
    Its inputs: Gaussian with a planted spectrum, or a real dataset resampled and whitened.
select_monomials, MonomialSelection, hea_monomial_eigenvalues, format_monomial
    Monomial targets spread over the HEA spectrum and their eigenvalues.
"""

from ._curve import CurveConfig, CurveResult, agreement, run_curve
from ._estimator import KernelRidgeRegression
from ._measure import MeasuredLearningCurve, measure_krr_learning_curve
from ._mlp import LayerScaling, MupMLP, MupTable, OnlineTrainingResult, mup_table, train_online
from ._monomials import (
    ExponentFit,
    MonomialInputs,
    MonomialLearningTimes,
    MonomialSelection,
    fit_learning_exponent,
    format_monomial,
    gaussian_inputs,
    hea_monomial_eigenvalues,
    monomial_learning_times,
    planted_spectrum,
    select_monomials,
    whitened_inputs,
)

__all__ = [
    "CurveConfig",
    "CurveResult",
    "ExponentFit",
    "KernelRidgeRegression",
    "LayerScaling",
    "MeasuredLearningCurve",
    "MonomialInputs",
    "MonomialLearningTimes",
    "MonomialSelection",
    "MupMLP",
    "MupTable",
    "OnlineTrainingResult",
    "agreement",
    "fit_learning_exponent",
    "format_monomial",
    "gaussian_inputs",
    "hea_monomial_eigenvalues",
    "measure_krr_learning_curve",
    "monomial_learning_times",
    "mup_table",
    "planted_spectrum",
    "run_curve",
    "select_monomials",
    "train_online",
    "whitened_inputs",
]
