r"""Closed-form asymptotics and physical readings of the eigenframework."""

from __future__ import annotations

import numpy as np

from .._validation import as_float_array, check_nonnegative, check_sample_sizes, check_scalar

__all__ = ["power_law_effective_ridge", "power_law_overfitting_coefficient",
           "fermi_dirac_occupations", "chemical_potential"]


def power_law_effective_ridge(n, *, alpha: float) -> np.ndarray:
    r"""Ridgeless effective ridge of a power-law spectrum :math:`\lambda_i = i^{-\alpha}` at
    large n:

    .. math:: \kappa \simeq \Big(\frac{\pi/\alpha}{\sin(\pi/\alpha)}\,\frac{1}{n}\Big)^{\alpha}.

    From replacing the sum in the effective-ridge equation by an integral; relative error
    :math:`O(1/n)`. Use it to check :func:`effective_ridge`, not instead of it.

    Examples
    --------
    >>> float(power_law_effective_ridge(100, alpha=2.0) * 100**2).__round__(4)
    2.4674
    """
    n = check_sample_sizes(n, "n")
    alpha = check_scalar(alpha, "alpha", minimum=1.0, strictly=True)
    return ((np.pi / alpha) / np.sin(np.pi / alpha) / n) ** alpha


def power_law_overfitting_coefficient(*, alpha: float) -> float:
    r"""Ridgeless :math:`\mathcal{E}_0 \to \alpha` as :math:`n \to \infty` for
    :math:`\lambda_i \propto i^{-\alpha}` (tempered overfitting; Mallinar et al., NeurIPS 2022,
    arXiv:2207.06569).

    Examples
    --------
    >>> power_law_overfitting_coefficient(alpha=1.5)
    1.5
    """
    return check_scalar(alpha, "alpha", minimum=1.0, strictly=True)


def chemical_potential(effective_ridge) -> np.ndarray:
    r"""The chemical potential :math:`\mu = -\log\kappa` of the Fermi-gas reading."""
    kappa = check_nonnegative(effective_ridge, "effective_ridge")
    if np.any(kappa == 0):
        raise ValueError("`effective_ridge` must be > 0 for a finite chemical potential; got 0.")
    return -np.log(kappa)


def fermi_dirac_occupations(eigenvalues, effective_ridge) -> np.ndarray:
    r"""Learnabilities read as Fermi-Dirac occupations at unit temperature.

    With mode energies :math:`\varepsilon_i = -\log\lambda_i` and chemical potential
    :math:`\mu = -\log\kappa`,

    .. math:: \mathcal{L}_i = \frac{\lambda_i}{\lambda_i + \kappa}
              = \frac{1}{1 + e^{\varepsilon_i - \mu}},

    and the ridgeless conservation law :math:`\sum_i \mathcal{L}_i = n` is the particle-number
    constraint: the n training samples fill the n lowest-energy (largest-eigenvalue) modes,
    blurred over a width of order one in :math:`\log\lambda` (Simon et al. 2023,
    arXiv:2110.03922, Section 4).

    Parameters
    ----------
    eigenvalues : array-like of shape (n_modes,)
    effective_ridge : array-like
        :math:`\kappa > 0`; broadcasts to the output's leading shape.

    Returns
    -------
    ndarray of shape ``effective_ridge.shape + (n_modes,)``

    Examples
    --------
    >>> fermi_dirac_occupations([1.0, 0.1], 0.1).round(4)
    array([0.9091, 0.5   ])
    """
    lam = check_nonnegative(as_float_array(eigenvalues, "eigenvalues", ndim=(1,)),
                            "eigenvalues")
    mu = chemical_potential(effective_ridge)
    with np.errstate(divide="ignore"):
        energy = -np.log(lam)
    # expit keeps the tails exact: occupations of 1e-300 do not round to 0 or overflow.
    from scipy.special import expit

    return expit(mu[..., None] - energy)
