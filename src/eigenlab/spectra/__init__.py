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
"""

from .._eigensystem import Eigensystem
from ._synthetic import power_law_eigensystem

__all__ = [
    "Eigensystem",
    "power_law_eigensystem",
]
