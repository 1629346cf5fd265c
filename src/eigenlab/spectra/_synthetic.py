"""Synthetic eigensystems with known, closed-form structure."""

from __future__ import annotations

import numpy as np
from scipy.special import zeta

from .._eigensystem import Eigensystem
from .._validation import check_scalar

__all__ = ["power_law_eigensystem"]


def power_law_eigensystem(n_modes: int, *, alpha: float, beta: float,
                          normalize_target: bool = False) -> Eigensystem:
    r"""A power-law task: :math:`\lambda_i = i^{-\alpha}` and :math:`v_i^2 = i^{-\beta}`.

    Modes are indexed from :math:`i = 1`, so :math:`\lambda_1 = 1` and :math:`v_1 = 1`
    (coefficients are positive square roots). The spectrum beyond ``n_modes`` is kept exactly
    as tails: ``tail_mass`` :math:`= \zeta(\alpha, P + 1) = \sum_{i > P} i^{-\alpha}` (Hurwitz
    zeta) and ``target_tail`` :math:`= \zeta(\beta, P + 1)`, so a truncated power law predicts
    the same learning curve as the infinite one up to the tail-as-ridge approximation.

    Parameters
    ----------
    n_modes : int
        Number of listed modes P.
    alpha : float
        Eigenvalue decay exponent; > 1 so that the kernel has finite trace.
    beta : float
        Target power decay exponent; > 1 so that the target has finite power.
    normalize_target : bool, default False
        Divide the target power by :math:`\zeta(\beta)` so that its total power (listed modes
        plus tail) is 1. The eigenvalues are never rescaled.

    Returns
    -------
    Eigensystem

    References
    ----------
    Simon, Karkada, Ghosh, Belkin, "More is better in modern machine learning", ICLR 2024,
    arXiv:2311.14646 (Definition of power-law eigenstructure).

    Examples
    --------
    >>> es = power_law_eigensystem(1000, alpha=1.5, beta=1.2, normalize_target=True)
    >>> round(es.total_target_power, 12)
    1.0
    """
    if isinstance(n_modes, bool) or not isinstance(n_modes, int | np.integer) or n_modes < 1:
        raise ValueError(f"`n_modes` must be a positive integer; got {n_modes!r}.")
    alpha = check_scalar(alpha, "alpha", minimum=1.0, strictly=True)
    beta = check_scalar(beta, "beta", minimum=1.0, strictly=True)
    index = np.arange(1, n_modes + 1, dtype=np.float64)
    eigenvalues = index ** -alpha
    target_power = index ** -beta
    target_tail = float(zeta(beta, n_modes + 1))
    if normalize_target:
        total = float(zeta(beta, 1))
        target_power = target_power / total
        target_tail = target_tail / total
    return Eigensystem(
        eigenvalues,
        np.sqrt(target_power),
        mode_labels=index.astype(np.int64),
        tail_mass=float(zeta(alpha, n_modes + 1)),
        target_tail=target_tail,
    )
