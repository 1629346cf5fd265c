r"""Benign, tempered or catastrophic overfitting, and the agnostic cost of overfitting.

Ridgeless KRR on noisy labels has :math:`E_{te} \to \mathcal{E}_0^\infty (B_\infty +
\epsilon^2)`: the noise is amplified by the limit of the overfitting coefficient
:math:`\mathcal{E}_0(n)` at ridge 0. Benign: :math:`\mathcal{E}_0^\infty = 1`; tempered:
finite and above 1; catastrophic: infinite. The same coefficient bounds the cost of
overfitting, :math:`R(\delta{=}0)/\min_\delta R(\delta) \le \mathcal{E}_0(\delta{=}0)`, for
every target and noise level.

References
----------
Mallinar, Simon, Abedsoltan, Pandit, Belkin, Nakkiran, "Benign, tempered, or catastrophic:
a taxonomy of overfitting", NeurIPS 2022, arXiv:2207.06569.
Zhou, Simon, Vardi, Srebro, "An agnostic view on the cost of overfitting in (kernel) ridge
regression", ICLR 2024, arXiv:2306.13185.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._eigensystem import Eigensystem
from .._validation import check_nonnegative, check_sample_sizes, check_scalar
from ._estimators import _check_gram, gram_estimates
from ._fitting_ratio import optimal_ridge
from ._krr import _check_eigensystem, krr_learning_curve

__all__ = ["CostOfOverfitting", "GramCostOfOverfitting", "OverfittingRegime",
           "cost_of_overfitting", "gram_cost_of_overfitting", "overfitting_regime"]

_DECAY_EXPONENTS = np.geomspace(0.02, 4.0, 80)
_LOG_EXPONENTS = np.geomspace(0.25, 4.0, 40)


@dataclass(frozen=True, eq=False)
class OverfittingRegime:
    r"""The ridgeless overfitting regime of a spectrum, with the evidence for it.

    Attributes
    ----------
    verdict : str
        ``"benign"``, ``"tempered"`` or ``"catastrophic"``.
    n : ndarray
        The sample sizes of the path.
    overfitting_coefficient : ndarray
        :math:`\mathcal{E}_0(n)` at ridge 0 along the path (tail as ridge).
    limit : float
        The fitted :math:`\mathcal{E}_0^\infty` (``inf`` when catastrophic).
    growth_exponent : float
        Slope of :math:`\log\mathcal{E}_0` against :math:`\log n` over the last decade of
        the path; clearly positive means unbounded growth.
    limit_model : str
        The model whose fit gave ``limit``: ``"power"`` (:math:`\mathcal{E}_0^\infty + c\,
        n^{-p}`), ``"log"`` (:math:`\mathcal{E}_0^\infty + c\,(\log n)^{-q}`) or
        ``"growth"`` (catastrophic, nothing fitted).
    decay_exponent : float
        :math:`p` or :math:`q` of the chosen model (NaN for ``"growth"``).
    fit_residual : float
        Root-mean-square residual of the chosen fit over the last half of the path.
    tail_mass : float
        The eigensystem's tail used as ridge (0: the listed modes are taken as the whole
        spectrum).
    """

    verdict: str
    n: np.ndarray
    overfitting_coefficient: np.ndarray
    limit: float
    growth_exponent: float
    limit_model: str
    decay_exponent: float
    fit_residual: float
    tail_mass: float


def _fit_limit(n, e0):
    """Best of E0 = L + c n^-p and E0 = L + c (log n)^-q over grids of p, q; least squares."""
    best = (np.inf, np.nan, "power", np.nan)
    candidates = [("power", p, n ** -p) for p in _DECAY_EXPONENTS]
    candidates += [("log", q, np.log(n) ** -q) for q in _LOG_EXPONENTS]
    for model, p, basis in candidates:
        design = np.stack([np.ones_like(basis), basis], axis=1)
        coeffs, *_ = np.linalg.lstsq(design, e0, rcond=None)
        residual = float(np.sqrt(np.mean((design @ coeffs - e0) ** 2)))
        if residual < best[0]:
            best = (residual, float(coeffs[0]), model, p)
    return best


def overfitting_regime(eigensystem: Eigensystem, n=None, *, tolerance: float = 0.05,
                       growth_threshold: float = 0.1) -> OverfittingRegime:
    r"""Classify a spectrum's ridgeless overfitting as benign, tempered or catastrophic.

    Computes :math:`\mathcal{E}_0(n) = n/(n - \sum_i m_i\mathcal{L}_i^2)` at ridge 0 along
    growing n and reads its limit numerically, never from the spectrum's shape:

    1. **catastrophic** if :math:`\log\mathcal{E}_0` still grows against :math:`\log n` over
       the last decade of the path with slope above ``growth_threshold``;
    2. otherwise the limit :math:`\mathcal{E}_0^\infty` is fitted over the last half of the
       path, as :math:`L + c\,n^{-p}` or :math:`L + c\,(\log n)^{-q}` (the slow convergence
       of spectra such as :math:`1/(i\log^2 i)`), best p or q by least squares, whichever
       fits better; :math:`L` is floored at 1 (:math:`\mathcal{E}_0 \ge 1`); **benign** if
       :math:`L \le 1 + ` ``tolerance``, **tempered** otherwise.

    A logarithmically slow approach to 1 is hard to tell from a limit slightly above 1 over
    a few decades of n; the record carries the path and the fit so that the verdict can be
    judged, and longer paths (more modes) make it firmer.

    The truncated tail matters (Mallinar et al. 2022's pitfall): a spectrum cut at P modes
    without its ``tail_mass`` is a finite-rank kernel, whose :math:`\mathcal{E}_0` blows up
    as n approaches P and then falls back to 1. Pass the eigensystem with its tail (it
    enters as ridge, :math:`\tau/\kappa`), and keep the path well below P (the default
    stops at :math:`\sum_i m_i / 20`).

    Parameters
    ----------
    eigensystem : Eigensystem
        Only the spectrum is used.
    n : array-like, optional
        Increasing sample sizes spanning at least a decade and a half (>= 8 points);
        default: 30 log-spaced sizes from 10 to :math:`\sum_{i: \lambda_i > 0} m_i / 20`
        (eigenvalues that underflowed to zero do not count).
    tolerance : float, default 0.05
        How far above 1 a fitted limit may sit and still count as benign.
    growth_threshold : float, default 0.1
        Log-log slope above which :math:`\mathcal{E}_0` counts as growing without bound.

    Returns
    -------
    OverfittingRegime

    References
    ----------
    Mallinar et al., NeurIPS 2022, arXiv:2207.06569, Section 3 and Theorem 3.1.

    Examples
    --------
    >>> import numpy as np
    >>> from eigenlab.spectra import Eigensystem, power_law_eigensystem
    >>> regime = overfitting_regime(power_law_eigensystem(10**5, alpha=2.0, beta=2.0))
    >>> regime.verdict, round(regime.limit, 2)
    ('tempered', 2.0)
    >>> overfitting_regime(Eigensystem(np.exp(-np.arange(400) / 2)), np.arange(10, 41)).verdict
    'catastrophic'
    """
    es = _check_eigensystem(eigensystem)
    tolerance = check_scalar(tolerance, "tolerance", minimum=0.0)
    growth_threshold = check_scalar(growth_threshold, "growth_threshold", minimum=0.0,
                                    strictly=True)
    if n is None:
        # Count only eigenfunctions with a nonzero eigenvalue: a spectrum whose far modes
        # underflowed to 0 (a Gaussian kernel's, in float64) is a finite-rank kernel there,
        # and a path past its rank reads E0 -> 1 ("benign") whatever the true spectrum does.
        resolved = float(np.sum(es.multiplicities[es.eigenvalues > 0]))
        top = resolved / 20
        if top < 10 * 10 ** 1.5:
            raise ValueError(
                "`eigensystem` lists too few eigenfunctions with nonzero eigenvalues for a "
                f"default path (need >= 6,400 so that n can reach 20x below the cut-off); got "
                f"{resolved:g}. Pass `n` explicitly.")
        n = np.geomspace(10, top, 30)
    n = check_sample_sizes(n, "n")
    if n.ndim != 1 or n.size < 8 or np.any(np.diff(n) <= 0):
        raise ValueError("`n` must be an increasing 1-d path of at least 8 sample sizes; got "
                         f"shape {n.shape}.")
    if n[-1] / n[0] < 10 ** 0.5:
        raise ValueError("`n` must span at least half a decade (n[-1]/n[0] >= 3.2); got "
                         f"{n[-1] / n[0]:.3g}.")
    e0 = krr_learning_curve(es.with_target(None), n).overfitting_coefficient
    finite = np.isfinite(e0)
    log_n = np.log(n)
    last = log_n >= log_n[-1] - np.log(10.0)
    last &= finite
    if np.sum(last) >= 2:
        growth = float(np.polyfit(log_n[last], np.log(e0[last]), 1)[0])
    else:
        growth = np.inf
    if not np.all(finite) or growth > growth_threshold:
        verdict, limit, model, p, residual = "catastrophic", np.inf, "growth", np.nan, np.nan
    else:
        half = log_n >= 0.5 * (log_n[0] + log_n[-1])
        residual, limit, model, p = _fit_limit(n[half], e0[half])
        limit = max(limit, 1.0)
        verdict = "benign" if limit <= 1 + tolerance else "tempered"
    return OverfittingRegime(verdict=verdict, n=n, overfitting_coefficient=e0,
                             limit=float(limit), growth_exponent=growth, limit_model=model,
                             decay_exponent=float(p), fit_residual=float(residual),
                             tail_mass=es.tail_mass)


@dataclass(frozen=True, eq=False)
class CostOfOverfitting:
    r"""Ridgeless against optimally tuned test MSE over a grid of (n, noise).

    Attributes
    ----------
    n, noise : ndarray
    agnostic_bound : ndarray
        :math:`\mathcal{E}_0(n; \delta{=}0)`, the supremum of the cost over all targets and
        noise levels; it depends on the spectrum only.
    cost : ndarray
        :math:`R(0)/\min_{\delta\in[0,\infty]} R(\delta)` for the eigensystem's target and
        this noise (NaN for a zero target without noise).
    ridgeless_test_mse, optimal_test_mse : ndarray
    optimal_ridge : ndarray
        The minimiser (0 or ``inf`` allowed).
    """

    n: np.ndarray
    noise: np.ndarray
    agnostic_bound: np.ndarray
    cost: np.ndarray
    ridgeless_test_mse: np.ndarray
    optimal_test_mse: np.ndarray
    optimal_ridge: np.ndarray


def cost_of_overfitting(eigensystem: Eigensystem, n, *, noise=0.0) -> CostOfOverfitting:
    r"""The cost of overfitting of KRR: ridgeless risk over optimally tuned risk.

    With :math:`R(\delta)` the eigenframework test MSE,

    .. math::

        C_n = \frac{R(0)}{\min_{\delta \in [0, \infty]} R(\delta)}
            \le \mathcal{E}_0(n; \delta{=}0),

    because :math:`\kappa` grows with :math:`\delta`, so the bias grows and
    :math:`\mathcal{E}_0 \ge 1`: :math:`R(\delta) \ge B(0) + \epsilon^2 = R(0)/\mathcal{E}_0(0)`.
    The bound is attained by pure noise as :math:`\delta \to \infty`, which is why the
    minimum includes :math:`\delta = \infty` (the zero predictor, risk
    :math:`\sum_i v_i^2 + \epsilon^2`); a bounded ridge grid under-reports the cost.

    Parameters
    ----------
    eigensystem : Eigensystem
    n : array-like
        Sample sizes, >= 1.
    noise : array-like, default 0
        Label-noise variance per output; broadcasts against ``n``.

    Returns
    -------
    CostOfOverfitting

    References
    ----------
    Zhou et al., ICLR 2024, arXiv:2306.13185.

    Examples
    --------
    >>> import numpy as np
    >>> from eigenlab.spectra import Eigensystem
    >>> pure_noise = Eigensystem(np.arange(1, 2001.0) ** -2.0)
    >>> c = cost_of_overfitting(pure_noise, 100, noise=1.0)  # tight: ridge -> infinity
    >>> round(float(c.cost), 5), round(float(c.agnostic_bound), 5), float(c.optimal_ridge)
    (2.03318, 2.03318, inf)
    """
    es = _check_eigensystem(eigensystem)
    n = check_sample_sizes(n, "n")
    noise = check_nonnegative(noise, "noise")
    best = optimal_ridge(es, n, noise=noise)
    bound = krr_learning_curve(es, best.n).overfitting_coefficient
    with np.errstate(divide="ignore", invalid="ignore"):
        cost = np.where(best.test_mse > 0, best.ridgeless_test_mse / best.test_mse, np.nan)
    return CostOfOverfitting(n=best.n, noise=best.noise, agnostic_bound=bound, cost=cost,
                             ridgeless_test_mse=best.ridgeless_test_mse,
                             optimal_test_mse=best.test_mse, optimal_ridge=best.ridge)


@dataclass(frozen=True, eq=False)
class GramCostOfOverfitting:
    r"""Data-only estimates of the cost of overfitting from one Gram matrix.

    Attributes
    ----------
    agnostic_bound : float
        :math:`\hat{\mathcal{E}}_0(\delta{=}0) = n\,\mathrm{Tr}[K^{-2}]/\mathrm{Tr}[K^{-1}]^2`.
    cost : float
        :math:`\hat R(0)/\min_\delta \hat R(\delta)` with the GCV-type risk estimate
        :math:`\hat R(\delta) = n\|(K+\delta I)^{-1}y\|^2/\mathrm{Tr}[(K+\delta I)^{-1}]^2`
        over ``ridge`` and :math:`\delta = \infty` (:math:`\hat R = \|y\|^2/n`); NaN without
        targets.
    ridge : ndarray
        The ridges searched (besides 0 and infinity).
    optimal_ridge : float
        The minimiser of :math:`\hat R` (0 or ``inf`` allowed; NaN without targets).
    """

    agnostic_bound: float
    cost: float
    ridge: np.ndarray
    optimal_ridge: float


def gram_cost_of_overfitting(gram, targets=None, *, ridge=None) -> GramCostOfOverfitting:
    r"""Estimate the cost of overfitting from a training Gram matrix (and labels).

    The agnostic bound needs the Gram matrix only; the task's own cost also needs the
    training labels, through the GCV-type risk estimate of :func:`gram_estimates`, which at
    :math:`\delta \to \infty` tends to :math:`\|y\|^2/n` (the zero predictor).

    Parameters
    ----------
    gram : array-like of shape (n, n)
        Non-singular training Gram matrix (ridgeless KRR must be defined).
    targets : array-like of shape (n,) or (n, n_outputs), optional
    ridge : array-like, optional
        Ridges to search; default 200 log-spaced values from :math:`10^{-3}` times the
        smallest to :math:`10^3 n` times the largest Gram eigenvalue.

    Returns
    -------
    GramCostOfOverfitting

    Notes
    -----
    Dtype policy: float64, one :func:`numpy.linalg.eigh`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(200, 400)) * np.arange(1, 401) ** -1.0
    >>> est = gram_cost_of_overfitting(x @ x.T, rng.normal(size=200))
    >>> round(est.agnostic_bound, 2), round(est.cost, 2)
    (2.89, 1.82)
    """
    gram = _check_gram(gram)
    n = gram.shape[0]
    if ridge is None:
        values = np.linalg.eigvalsh(gram)
        if values[0] <= 0:
            raise ValueError("`gram` must be non-singular for the ridgeless estimate; got a "
                             f"smallest eigenvalue {values[0]:.3g}.")
        ridge = np.geomspace(1e-3 * values[0], 1e3 * n * values[-1], 200)
    ridge = check_nonnegative(ridge, "ridge").ravel()
    estimates = gram_estimates(gram, targets, ridge=np.concatenate([[0.0], ridge]))
    bound = float(estimates.overfitting_coefficient[0])
    if targets is None:
        return GramCostOfOverfitting(agnostic_bound=bound, cost=float("nan"), ridge=ridge,
                                     optimal_ridge=float("nan"))
    y = np.asarray(targets, dtype=np.float64)
    null = float(np.sum(y ** 2) / n)
    risks = estimates.test_mse
    best = int(np.argmin(risks))
    if null < risks[best]:
        minimum, where = null, np.inf
    else:
        minimum, where = float(risks[best]), float(estimates.ridge[best])
    return GramCostOfOverfitting(agnostic_bound=bound, cost=float(risks[0] / minimum),
                                 ridge=ridge, optimal_ridge=where)
