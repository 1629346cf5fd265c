"""Empirical counterparts of the theory: estimators, measured learning curves, main jobs.

KernelRidgeRegression
    A scikit-learn-compatible KRR estimator over eigenlab's kernels (torch, any device).
LargeKernelRidge
    KRR at large n: direct Cholesky while the Gram matrix fits, Nystrom-preconditioned
    conjugate gradients on blockwise kernel products when it does not, or Nystrom KRR.
KernelOperator, conjugate_gradient, ConjugateGradientResult
    The matrix-free (K + ridge I) v (blockwise, optionally cached) and the solver.
nystrom_features, NystromFeatures, NystromPreconditioner, available_memory
    A rank-m Nystrom factor K ~ F F^T, its preconditioner, the device's free memory.
measure_krr_learning_curve, MeasuredLearningCurve
    KRR test/train MSE over trials, sizes and ridges from a pool's Gram matrix.
measure_rf_learning_curve, MeasuredRFLearningCurve, MeasuredOptimalRidge
    Random-feature ridge regression's test/train MSE over grids of n, k (features) and
    ridge, from nested subsets of one feature pool per trial; the measured optimal ridge.
ReluRandomFeatures, RandomFourierFeatures, GaussianRandomFeatures, RandomFeatureMap,
RandomFeatures, GaussianDesign
    Feature maps whose limits are eigenlab kernels (ReLU NNGP, Gaussian, linear), a draw of
    features, and Gaussian inputs with a planted eigensystem.
run_curve, CurveConfig, CurveResult, agreement
    The main job: predict a learning curve on real data and measure it; the agreement
    figure (median |log(predicted/measured)|).
held_out_prediction
    A pool-population prediction turned into the error on the pool's held-out points
    (the off-training-set correction, label noise included).
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
sweep, SweepResult, Grid, config_hash
    The sweep runner: a pure ``job(config) -> records`` over a grid, on this process, a
    process pool or Dask distributed, batched, resumable, with a progress callback.
ResultStore, StoreLockedError
    Its store: tidy Parquet part files written atomically; DataFrame and xarray views.
resolve_job, builtin_jobs, Job, krr_theory, KRRTheoryConfig, krr_measure, KRRMeasureConfig
    Jobs by short name or ``module:function``; the built-in KRR prediction and measurement.
load_sweep_config, run_sweep_config, SweepConfig
    Sweep config files (TOML/YAML), checked before anything runs.
measure_overfitting_coefficient, MeasuredOverfitting, sphere_points
    The overfitting coefficient E0 measured by noise fitting and by the data-only estimator.
krr_noise_sensitivity, mlp_noise_sensitivity, NoiseSensitivity
    Test MSE against clean targets as label noise grows, for KRR and a trained MLP.
krr_overfitting
    Both KRR measurements from one eigendecomposition per training set.
run_rf, RFConfig, RFResult
    ``eigenlab rf``: measured random-feature ridge regression over (n, k, ridge) against the
    random-feature eigenframework, with the optimal ridge.
run_overfit, OverfitConfig, OverfitResult
    ``eigenlab overfit``: E0 along n per kernel, measured and predicted, with noise
    sensitivity (benign, tempered, catastrophic).
"""

from ._curve import CurveConfig, CurveResult, agreement, held_out_prediction, run_curve
from ._estimator import KernelRidgeRegression
from ._feature_maps import (
    GaussianDesign,
    GaussianRandomFeatures,
    RandomFeatureMap,
    RandomFeatures,
    RandomFourierFeatures,
    ReluRandomFeatures,
)
from ._grid import Grid, config_hash
from ._jobs import (
    Job,
    KRRMeasureConfig,
    KRRTheoryConfig,
    builtin_jobs,
    krr_measure,
    krr_theory,
    resolve_job,
)
from ._large import (
    ConjugateGradientResult,
    KernelOperator,
    NystromFeatures,
    NystromPreconditioner,
    available_memory,
    conjugate_gradient,
    nystrom_features,
)
from ._large_estimator import LargeKernelRidge
from ._measure import MeasuredLearningCurve, measure_krr_learning_curve
from ._mlp import LayerScaling, MupMLP, MupTable, OnlineTrainingResult, mup_table, train_online
from ._monomial_targets import (
    MonomialInputs,
    MonomialSelection,
    format_monomial,
    gaussian_inputs,
    hea_monomial_eigenvalues,
    planted_spectrum,
    select_monomials,
    whitened_inputs,
)
from ._monomials import (
    ExponentFit,
    MonomialLearningTimes,
    fit_learning_exponent,
    monomial_learning_times,
)
from ._overfit_study import OverfitConfig, OverfitResult, run_overfit
from ._overfitting import (
    MeasuredOverfitting,
    NoiseSensitivity,
    krr_noise_sensitivity,
    krr_overfitting,
    measure_overfitting_coefficient,
    mlp_noise_sensitivity,
    sphere_points,
)
from ._random_features import (
    MeasuredOptimalRidge,
    MeasuredRFLearningCurve,
    measure_rf_learning_curve,
)
from ._rf_study import RFConfig, RFResult, run_rf
from ._store import ResultStore, StoreLockedError
from ._sweep import SweepResult, sweep
from ._sweep_config import SweepConfig, load_sweep_config, run_sweep_config

__all__ = [
    "ConjugateGradientResult",
    "CurveConfig",
    "CurveResult",
    "ExponentFit",
    "GaussianDesign",
    "GaussianRandomFeatures",
    "Grid",
    "Job",
    "KRRMeasureConfig",
    "KRRTheoryConfig",
    "KernelOperator",
    "KernelRidgeRegression",
    "LargeKernelRidge",
    "LayerScaling",
    "MeasuredLearningCurve",
    "MeasuredOptimalRidge",
    "MeasuredOverfitting",
    "MeasuredRFLearningCurve",
    "MonomialInputs",
    "MonomialLearningTimes",
    "MonomialSelection",
    "MupMLP",
    "MupTable",
    "NoiseSensitivity",
    "NystromFeatures",
    "NystromPreconditioner",
    "OnlineTrainingResult",
    "OverfitConfig",
    "OverfitResult",
    "RFConfig",
    "RFResult",
    "RandomFeatureMap",
    "RandomFeatures",
    "RandomFourierFeatures",
    "ReluRandomFeatures",
    "ResultStore",
    "StoreLockedError",
    "SweepConfig",
    "SweepResult",
    "agreement",
    "available_memory",
    "builtin_jobs",
    "config_hash",
    "conjugate_gradient",
    "fit_learning_exponent",
    "format_monomial",
    "gaussian_inputs",
    "hea_monomial_eigenvalues",
    "held_out_prediction",
    "krr_measure",
    "krr_noise_sensitivity",
    "krr_overfitting",
    "krr_theory",
    "load_sweep_config",
    "measure_krr_learning_curve",
    "measure_overfitting_coefficient",
    "measure_rf_learning_curve",
    "mlp_noise_sensitivity",
    "monomial_learning_times",
    "mup_table",
    "nystrom_features",
    "planted_spectrum",
    "resolve_job",
    "run_curve",
    "run_overfit",
    "run_rf",
    "run_sweep_config",
    "select_monomials",
    "sphere_points",
    "sweep",
    "train_online",
    "whitened_inputs",
]
