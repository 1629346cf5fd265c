"""Empirical counterparts of the theory: estimators, measured learning curves, main jobs.

KernelRidgeRegression
    A scikit-learn-compatible KRR estimator over eigenlab's kernels (torch, any device).
measure_krr_learning_curve, MeasuredLearningCurve
    KRR test/train MSE over trials, sizes and ridges from a pool's Gram matrix.
run_curve, CurveConfig, CurveResult, agreement
    The main job: predict a learning curve on real data and measure it; the agreement
    figure (median |log(predicted/measured)|).
"""

from ._curve import CurveConfig, CurveResult, agreement, run_curve
from ._estimator import KernelRidgeRegression
from ._measure import MeasuredLearningCurve, measure_krr_learning_curve

__all__ = [
    "CurveConfig",
    "CurveResult",
    "KernelRidgeRegression",
    "MeasuredLearningCurve",
    "agreement",
    "measure_krr_learning_curve",
    "run_curve",
]
