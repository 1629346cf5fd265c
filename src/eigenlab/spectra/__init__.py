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
"""

from .._eigensystem import Eigensystem
from ._domains import (
    hypercube_eigensystem,
    hypersphere_eigensystem,
    parity_target_power,
    unit_circle_eigensystem,
)
from ._empirical import empirical_eigensystem, gram_eigensystem
from ._synthetic import power_law_eigensystem

__all__ = [
    "Eigensystem",
    "empirical_eigensystem",
    "gram_eigensystem",
    "hypercube_eigensystem",
    "hypersphere_eigensystem",
    "parity_target_power",
    "power_law_eigensystem",
    "unit_circle_eigensystem",
]
