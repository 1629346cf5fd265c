"""Eigensystems and where they come from.

The record
----------
Eigensystem
    Eigenvalues in decreasing order with a target's coefficients, multiplicities, mode labels
    and the truncated tails.

Synthetic and analytic sources
------------------------------
power_law_eigensystem
    :math:`\\lambda_i = i^{-\\alpha}`, :math:`v_i^2 = i^{-\\beta}` with exact zeta tails.
unit_circle_eigensystem
    A dot-product kernel on M equally spaced points of the circle (Fourier modes).
hypercube_eigensystem, parity_target_power
    A dot-product kernel on the boolean hypercube (Walsh/parity levels).
hypersphere_eigensystem
    A dot-product kernel on the sphere S^{d-1} (Gegenbauer levels, by quadrature).

From data
---------
gram_eigensystem, empirical_eigensystem
    Eigendecomposition of a Gram matrix on M points (eigenvalues eig/M, coefficients per
    output).

From raw data statistics: the Hermite eigenstructure ansatz (HEA)
-----------------------------------------------------------------
hermite_eigensystem, hermite_analysis
    Eigenvalues c_|alpha| prod gamma_i^alpha_i and the target's Hermite decomposition, with
    the ansatz's own trust diagnostics (HermiteDiagnostics, AnsatzWarning).
data_statistics, hermite_modes, hermite_features
    The pieces: covariance statistics, best-first multi-indices, Hermite features.
"""

from .._eigensystem import Eigensystem
from ._domains import (
    hypercube_eigensystem,
    hypersphere_eigensystem,
    parity_target_power,
    unit_circle_eigensystem,
)
from ._empirical import empirical_eigensystem, gram_eigensystem
from ._hermite import (
    AnsatzWarning,
    DataStatistics,
    HermiteAnalysis,
    HermiteCache,
    HermiteDiagnostics,
    data_statistics,
    hermite_analysis,
    hermite_eigensystem,
    hermite_features,
    hermite_modes,
)
from ._synthetic import power_law_eigensystem

__all__ = [
    "AnsatzWarning",
    "DataStatistics",
    "Eigensystem",
    "HermiteAnalysis",
    "HermiteCache",
    "HermiteDiagnostics",
    "data_statistics",
    "empirical_eigensystem",
    "gram_eigensystem",
    "hermite_analysis",
    "hermite_eigensystem",
    "hermite_features",
    "hermite_modes",
    "hypercube_eigensystem",
    "hypersphere_eigensystem",
    "parity_target_power",
    "power_law_eigensystem",
    "unit_circle_eigensystem",
]
