"""Eigenframeworks: closed-form theory of how kernels learn, as pure numpy/scipy functions.

This package imports numpy and scipy only (never torch, matplotlib or the rest of eigenlab
beyond its small core), so a theorist can read and use it on its own.

Kernel ridge regression (eigenlearning)
---------------------------------------
krr_learning_curve
    Test/train MSE, bias, variance, overfitting coefficient over a grid of n, ridge, noise.
effective_ridge
    The effective ridge kappa on a grid, with solver diagnostics.
function_learnability
    Learnability of a function from per-mode learnabilities.

Random-feature ridge regression ("More is better")
--------------------------------------------------
rf_learning_curve
    Test/train MSE over a grid of n, k (features; inf = KRR), ridge, noise.
optimal_ridge
    The test-MSE-optimal ridge for KRR or random features (0 and inf included).

Fitting ratio and power-law tasks
---------------------------------
fitting_ratio, ridge_for_fitting_ratio
    R = E_tr/E_te = (ridge/(n kappa))^2 and its exact inverse.
power_law_test_mse, power_law_noise_variance, power_law_optimal_fitting_ratio
    Closed-form test MSE against the fitting ratio, its noise scaling, the optimum.

Overfitting: taxonomy and cost
------------------------------
overfitting_regime
    Benign, tempered or catastrophic, from the ridgeless E0(n) path.
cost_of_overfitting, gram_cost_of_overfitting
    Ridgeless over optimally tuned risk, its agnostic bound E0(0), data-only estimates.

Data-dependent kernels
----------------------
gp_posterior, kernel_regression_predict
    Bayes-optimal kernels: the prior covariance, and the posterior one after seeing data.

Estimators from data (a Gram matrix, no target knowledge needed)
----------------------------------------------------------------
gram_effective_ridge, gram_overfitting_coefficient, gram_test_mse

Asymptotics and readings
------------------------
power_law_effective_ridge, power_law_overfitting_coefficient
fermi_dirac_occupations, chemical_potential
"""

from ._asymptotics import (
    chemical_potential,
    fermi_dirac_occupations,
    power_law_effective_ridge,
    power_law_overfitting_coefficient,
)
from ._data_dependent import (
    GaussianProcessPosterior,
    gp_posterior,
    kernel_regression_predict,
)
from ._estimators import (
    GramEstimates,
    gram_effective_ridge,
    gram_estimates,
    gram_overfitting_coefficient,
    gram_test_mse,
)
from ._fitting_ratio import (
    OptimalRidge,
    fitting_ratio,
    optimal_ridge,
    power_law_noise_variance,
    power_law_optimal_fitting_ratio,
    power_law_test_mse,
    ridge_for_fitting_ratio,
)
from ._krr import (
    EffectiveRidge,
    KRRLearningCurve,
    effective_ridge,
    function_learnability,
    krr_learning_curve,
)
from ._overfitting import (
    CostOfOverfitting,
    GramCostOfOverfitting,
    OverfittingRegime,
    cost_of_overfitting,
    gram_cost_of_overfitting,
    overfitting_regime,
)
from ._random_features import RFLearningCurve, rf_learning_curve

__all__ = [
    "CostOfOverfitting",
    "EffectiveRidge",
    "GaussianProcessPosterior",
    "GramCostOfOverfitting",
    "GramEstimates",
    "KRRLearningCurve",
    "OptimalRidge",
    "OverfittingRegime",
    "RFLearningCurve",
    "chemical_potential",
    "cost_of_overfitting",
    "effective_ridge",
    "fermi_dirac_occupations",
    "fitting_ratio",
    "function_learnability",
    "gp_posterior",
    "gram_cost_of_overfitting",
    "gram_effective_ridge",
    "gram_estimates",
    "gram_overfitting_coefficient",
    "gram_test_mse",
    "kernel_regression_predict",
    "krr_learning_curve",
    "optimal_ridge",
    "overfitting_regime",
    "power_law_effective_ridge",
    "power_law_noise_variance",
    "power_law_optimal_fitting_ratio",
    "power_law_overfitting_coefficient",
    "power_law_test_mse",
    "rf_learning_curve",
    "ridge_for_fitting_ratio",
]
