r"""The fitting ratio, power-law tasks in closed form, and the optimal ridge.

The fitting ratio is :math:`R = E_{tr}/E_{te}`; for KRR :math:`\sqrt R = s = \delta/(n\kappa)
\in [0, 1)`, with :math:`s = 0` ridgeless and :math:`s \to 1` infinite ridge. On power-law
tasks the test MSE is a closed-form function of :math:`s` and the optimal ridge follows from
one scalar condition (when it is zero: "overfitting is obligatory").

References
----------
Simon, Karkada, Ghosh, Belkin, "More is better in modern machine learning: when infinite
overparameterization is optimal and overfitting is obligatory", ICLR 2024, arXiv:2311.14646
(Section 5, power-law tasks and the fitting ratio).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._eigensystem import Eigensystem
from .._validation import check_nonnegative, check_sample_sizes
from ._effective_ridge import solve_effective_ridge_arrays
from ._krr import _check_eigensystem, _grid, effective_ridge
from ._random_features import check_feature_counts, rf_learning_curve

__all__ = ["OptimalRidge", "fitting_ratio", "optimal_ridge", "power_law_noise_variance",
           "power_law_optimal_fitting_ratio", "power_law_test_mse", "ridge_for_fitting_ratio"]

_GRID_POINTS = 97
_GOLDEN_ITERATIONS = 32


def _check_exponents(alpha, beta):
    alpha = np.asarray(check_nonnegative(alpha, "alpha"))
    beta = np.asarray(check_nonnegative(beta, "beta"))
    if np.any(alpha <= 1):
        raise ValueError(f"`alpha` must be > 1 (a finite-trace kernel); got "
                         f"{float(alpha[alpha <= 1].ravel()[0])!r}.")
    if np.any(beta <= 1):
        raise ValueError(f"`beta` must be > 1 (a finite-power target); got "
                         f"{float(beta[beta <= 1].ravel()[0])!r}.")
    return alpha, beta


def _check_fitting_ratio(value) -> np.ndarray:
    ratio = check_nonnegative(value, "fitting_ratio")
    if np.any(ratio >= 1):
        raise ValueError("`fitting_ratio` must be in [0, 1) (1 is infinite ridge); got "
                         f"{float(ratio[ratio >= 1].ravel()[0])!r}.")
    return ratio


def _prefactor(alpha, beta):
    r""":math:`C_{\alpha\beta}`, with its removable 0/0 at :math:`\beta = \alpha + 1`.

    :math:`(\alpha - \beta + 1)/\sin(\pi(\beta - 1)/\alpha) = \alpha t/\sin(\pi t)` with
    :math:`t = (\alpha - \beta + 1)/\alpha`, which is :math:`(\alpha/\pi)/\mathrm{sinc}(t)`.
    """
    t = (alpha - beta + 1) / alpha
    ratio = (alpha / np.pi) / np.sinc(t)
    return np.pi ** beta * ratio * np.sin(np.pi / alpha) * (alpha * np.sin(np.pi / alpha)) \
        ** (-beta)


def power_law_test_mse(fitting_ratio, n, *, alpha, beta, relative_noise=0.0) -> np.ndarray:
    r"""Test MSE of KRR on a power-law task as a function of the fitting ratio, closed form.

    For :math:`\lambda_i = i^{-\alpha}`, :math:`v_i^2 = i^{-\beta}` (:math:`\alpha > 1`,
    :math:`1 < \beta < 2\alpha + 1`) and :math:`s = \sqrt{R}`,

    .. math::

        E_{te}(s) = C_{\alpha\beta}\, n^{-(\beta-1)}\,
            \frac{(1 - s)^{1-\beta} + \alpha\sigma^2_{\rm rel}}{1 + (\alpha - 1)s}, \qquad
        C_{\alpha\beta} = \frac{\pi^\beta(\alpha-\beta+1)\sin(\pi/\alpha)}
                               {\sin(\pi(\beta-1)/\alpha)}\big(\alpha\sin(\pi/\alpha)\big)^{-\beta},

    from the continuum limit of the eigenframework: :math:`\mathcal{E}_0 =
    \alpha/(1 + (\alpha-1)s)`, bias :math:`\propto \kappa^{(\beta-1)/\alpha}` and
    :math:`\kappa^{-1/\alpha}(\pi/\alpha)/\sin(\pi/\alpha) = n(1 - s)`. The noise is scaled
    as :math:`\epsilon^2 = \sigma^2_{\rm rel}\,E_{te}(s{=}0, \epsilon{=}0)` (see
    :func:`power_law_noise_variance`). At :math:`\beta = \alpha + 1` the removable 0/0 in
    :math:`C_{\alpha\beta}` is taken as its limit. For :math:`\beta \ge 2\alpha + 1` the
    task saturates (bias decays as :math:`n^{-2\alpha}`) and the formula does not apply.

    Parameters
    ----------
    fitting_ratio : array-like
        :math:`R = E_{tr}/E_{te} \in [0, 1)`.
    n : array-like
        Sample sizes, >= 1.
    alpha, beta : float or array-like
        Power-law exponents.
    relative_noise : array-like, default 0
        :math:`\sigma^2_{\rm rel} \ge 0`.

    Returns
    -------
    ndarray, the broadcast shape of the inputs.

    References
    ----------
    Simon et al., ICLR 2024, arXiv:2311.14646, Section 5.

    Examples
    --------
    >>> float(power_law_test_mse(0.0, 1000, alpha=2.0, beta=3.0)) * 1000 ** 2  # doctest: +ELLIPSIS
    2.4674...
    """
    ratio = _check_fitting_ratio(fitting_ratio)
    n = check_sample_sizes(n, "n")
    alpha, beta = _check_exponents(alpha, beta)
    noise = check_nonnegative(relative_noise, "relative_noise")
    s = np.sqrt(ratio)
    return (_prefactor(alpha, beta) * n ** (1 - beta)
            * ((1 - s) ** (1 - beta) + alpha * noise) / (1 + (alpha - 1) * s))


def power_law_noise_variance(n, *, alpha, beta, relative_noise) -> np.ndarray:
    r"""The absolute noise :math:`\epsilon^2 = \sigma^2_{\rm rel} C_{\alpha\beta}
    n^{-(\beta-1)}` that :func:`power_law_test_mse` assumes: noise in units of the ridgeless
    noiseless test MSE at the same n (arXiv:2311.14646's scaling, which keeps the task's
    noise-to-signal balance fixed as n grows).

    Examples
    --------
    >>> float(power_law_noise_variance(1, alpha=2.0, beta=3.0, relative_noise=1.0))
    ... # doctest: +ELLIPSIS
    2.4674...
    """
    n = check_sample_sizes(n, "n")
    alpha, beta = _check_exponents(alpha, beta)
    noise = check_nonnegative(relative_noise, "relative_noise")
    return noise * _prefactor(alpha, beta) * n ** (1 - beta)


def power_law_optimal_fitting_ratio(*, alpha, beta, relative_noise=0.0) -> np.ndarray:
    r"""The fitting ratio :math:`R^* = s^{*2}` that minimises :func:`power_law_test_mse`.

    Zero ridge is optimal (:math:`R^* = 0`, "overfitting is obligatory") iff

    .. math:: \beta - 1 \ge (\alpha - 1)(1 + \alpha\sigma^2_{\rm rel}).

    Otherwise :math:`s^*` is the unique root in :math:`(0, 1)` of

    .. math::

        (\beta - 1)(1 + (\alpha-1)s) = (\alpha-1)\big[(1 - s) + \alpha\sigma^2_{\rm rel}
        (1 - s)^\beta\big]

    (left side increasing, right side decreasing), found by bisection to machine
    precision; without noise :math:`s^* = (\alpha - \beta)/(\beta(\alpha - 1))`. The optimum
    does not depend on n.

    Parameters
    ----------
    alpha, beta, relative_noise : float or array-like
        Broadcast against each other.

    Returns
    -------
    ndarray of :math:`R^* \in [0, 1)`.

    Examples
    --------
    >>> power_law_optimal_fitting_ratio(alpha=1.17, beta=1.14).round(4)  # CIFAR-10 CNTK
    np.float64(0.024)
    >>> float(power_law_optimal_fitting_ratio(alpha=1.12, beta=1.36))  # MNIST: ridgeless
    0.0
    """
    alpha, beta = _check_exponents(alpha, beta)
    noise = check_nonnegative(relative_noise, "relative_noise")
    alpha, beta, noise = np.broadcast_arrays(alpha, beta, noise)

    def condition(s):
        return (beta - 1) * (1 + (alpha - 1) * s) - (alpha - 1) * (
            (1 - s) + alpha * noise * (1 - s) ** beta)

    lo, hi = np.zeros(alpha.shape), np.ones(alpha.shape)
    for _ in range(64):
        mid = 0.5 * (lo + hi)
        negative = condition(mid) < 0
        lo, hi = np.where(negative, mid, lo), np.where(negative, hi, mid)
    s = np.where(condition(np.zeros(alpha.shape)) >= 0, 0.0, 0.5 * (lo + hi))
    return s ** 2


def fitting_ratio(eigensystem: Eigensystem, n, *, ridge) -> np.ndarray:
    r"""The KRR fitting ratio :math:`R = E_{tr}/E_{te} = (\delta/(n\kappa))^2` on a grid.

    Finite-rank ridgeless points (:math:`\kappa = 0`) give :math:`(1 - R/n)^2`, rank R.

    Examples
    --------
    >>> from eigenlab.spectra import power_law_eigensystem
    >>> es = power_law_eigensystem(10**4, alpha=1.5, beta=1.3)
    >>> r = fitting_ratio(es, 100, ridge=[0.0, 1.0, 1e6])
    >>> r.round(3)
    array([0.  , 0.39, 1.  ])
    """
    es = _check_eigensystem(eigensystem)
    solution = effective_ridge(es, n, ridge=ridge)
    kappa, n_grid, ridge_grid = solution.effective_ridge, solution.n, solution.ridge
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(kappa > 0, ridge_grid / (n_grid * kappa),
                     np.maximum(0.0, 1.0 - solution.learnability_sum / n_grid))
    return s ** 2


def ridge_for_fitting_ratio(eigensystem: Eigensystem, n, fitting_ratio) -> np.ndarray:
    r"""The ridge :math:`\delta` at which KRR has fitting ratio :math:`R` (inverse of
    :func:`fitting_ratio`).

    With :math:`s = \sqrt R`: the effective-ridge equation and :math:`s = \delta/(n\kappa)`
    give :math:`\sum_i m_i \mathcal{L}_i + \tau/\kappa = n(1 - s)`, solved for
    :math:`\kappa`, then :math:`\delta = s\,n\,\kappa`. Exact, no search.

    Parameters
    ----------
    eigensystem : Eigensystem
    n : array-like
        Sample sizes, >= 1.
    fitting_ratio : array-like
        :math:`R \in [0, 1)`; broadcasts against ``n``. A finite-rank spectrum (no tail)
        cannot reach :math:`R < (1 - \mathrm{rank}/n)^2`.

    Examples
    --------
    >>> from eigenlab.spectra import power_law_eigensystem
    >>> es = power_law_eigensystem(10**4, alpha=1.5, beta=1.3)
    >>> ridge = ridge_for_fitting_ratio(es, 100, [0.0, 0.25])
    >>> fitting_ratio(es, 100, ridge=ridge).round(12)
    array([0.  , 0.25])
    """
    es = _check_eigensystem(eigensystem)
    n = check_sample_sizes(n, "n")
    ratio = _check_fitting_ratio(fitting_ratio)
    shape, grid = _grid(n=n, fitting_ratio=ratio)
    n_f = grid["n"].ravel()
    s = np.sqrt(grid["fitting_ratio"].ravel())
    learned = n_f * (1 - s)
    if es.tail_mass == 0 and np.any(learned >= es.rank):
        raise ValueError(
            "`fitting_ratio` is below what a finite-rank spectrum can reach: it needs "
            f"n (1 - sqrt(R)) < rank = {es.rank:g}; got n (1 - sqrt(R)) = "
            f"{float(learned[learned >= es.rank][0]):g}.")
    solution = solve_effective_ridge_arrays(es.eigenvalues, es.multiplicities,
                                            es.target_power, learned,
                                            np.full(n_f.size, es.tail_mass), method="exact")
    return (s * n_f * solution.effective_ridge).reshape(shape)


@dataclass(frozen=True, eq=False)
class OptimalRidge:
    r"""The test-MSE-optimal ridge over a grid of (n, k, noise).

    Attributes
    ----------
    n, k, noise : ndarray
        The grid (``k = inf``: kernel ridge regression).
    ridge : ndarray
        The optimal ridge :math:`\delta^*`: 0 when ridgeless is optimal, ``inf`` when the
        zero predictor is (noise-dominated tasks).
    test_mse : ndarray
        :math:`\min_{\delta \in [0, \infty]} E_{te}(\delta)`.
    ridgeless_test_mse : ndarray
        :math:`E_{te}(0)`.
    null_test_mse : ndarray
        :math:`E_{te}(\infty) = \sum_i v_i^2 + v_{\rm tail}^2 + K\epsilon^2`.
    fitting_ratio : ndarray
        :math:`E_{tr}/E_{te}` at the optimum (1 at infinite ridge).
    """

    n: np.ndarray
    k: np.ndarray
    noise: np.ndarray
    ridge: np.ndarray
    test_mse: np.ndarray
    ridgeless_test_mse: np.ndarray
    null_test_mse: np.ndarray
    fitting_ratio: np.ndarray


def optimal_ridge(eigensystem: Eigensystem, n, *, k=np.inf, noise=0.0) -> OptimalRidge:
    r"""Find the ridge that minimises the predicted test MSE, for KRR or random features.

    Candidates are ridge 0, ridge :math:`\infty` (the zero predictor) and a log grid of 97
    ridges per grid point spanning :math:`10^{-4} n\kappa_0` (effectively ridgeless;
    :math:`\kappa_0` the ridgeless effective ridge) to :math:`10^{4} n\,\mathrm{Tr}K`
    (effectively infinite); the best grid ridge is refined by golden-section search in
    :math:`\log\delta` between its neighbours, on all grid points at once.

    Parameters
    ----------
    eigensystem : Eigensystem
    n : array-like
        Sample sizes, >= 1.
    k : array-like, default inf
        Random features; ``inf`` for KRR (:func:`rf_learning_curve` at ``k = inf`` is
        :func:`krr_learning_curve`).
    noise : array-like, default 0
        Label-noise variance per output.

    Returns
    -------
    OptimalRidge

    Notes
    -----
    Dtype policy: float64. Cost: about 200 learning-curve evaluations per grid point. A
    test-MSE curve with several local minima in ridge is resolved to the grid's spacing
    (0.35 decades or finer) before refinement.

    References
    ----------
    Simon et al., ICLR 2024, arXiv:2311.14646 (at optimal ridge, RF test MSE is
    non-increasing in k and n).

    Examples
    --------
    >>> from eigenlab.spectra import power_law_eigensystem
    >>> es = power_law_eigensystem(10**4, alpha=1.5, beta=1.3, normalize_target=True)
    >>> best = optimal_ridge(es, 1000)
    >>> round(float(best.fitting_ratio), 3)  # closed form: (0.2/0.65)^2 = 0.095
    0.095
    """
    es = _check_eigensystem(eigensystem)
    n = check_sample_sizes(n, "n")
    k = check_feature_counts(k, "k")
    noise = check_nonnegative(noise, "noise")
    shape, grid = _grid(n=n, k=k, noise=noise)
    n_f, k_f, noise_f = (grid[name].ravel()[:, None] for name in ("n", "k", "noise"))

    def evaluate(ridge):
        return rf_learning_curve(es, n_f, k_f, ridge=ridge, noise=noise_f)

    ridgeless = evaluate(0.0).test_mse[:, 0]
    null = es.total_target_power + es.n_outputs * noise_f[:, 0]
    kappa0 = effective_ridge(es, n_f[:, 0]).effective_ridge
    positive = es.eigenvalues[es.eigenvalues > 0]
    floor = positive[-1] if positive.size else 1.0
    low = np.log(n_f[:, 0] * np.where(kappa0 > 0, kappa0, floor) * 1e-4)
    high = np.log(n_f[:, 0] * max(es.trace, np.finfo(float).tiny) * 1e4)
    t = np.linspace(0.0, 1.0, _GRID_POINTS)
    log_grid = low[:, None] + (high - low)[:, None] * t[None, :]
    values = evaluate(np.exp(log_grid)).test_mse
    best = np.argmin(values, axis=1)
    rows = np.arange(best.size)
    a = log_grid[rows, np.maximum(best - 1, 0)]
    b = log_grid[rows, np.minimum(best + 1, _GRID_POINTS - 1)]
    golden = (np.sqrt(5.0) - 1) / 2
    c, d = b - golden * (b - a), a + golden * (b - a)
    fc, fd = (evaluate(np.exp(x)[:, None]).test_mse[:, 0] for x in (c, d))
    for _ in range(_GOLDEN_ITERATIONS):
        left = fc < fd
        b = np.where(left, d, b)
        a = np.where(left, a, c)
        c_new, d_new = b - golden * (b - a), a + golden * (b - a)
        moved = np.where(left, c_new, d_new)
        f_moved = evaluate(np.exp(moved)[:, None]).test_mse[:, 0]
        # Left: [a, d] keeps c as its new d. Right: [c, b] keeps d as its new c.
        c, d, fc, fd = (np.where(left, c_new, d), np.where(left, c, d_new),
                        np.where(left, f_moved, fd), np.where(left, fc, f_moved))
    refined = np.where(fc < fd, c, d)
    refined_mse = np.minimum(fc, fd)
    grid_mse = values[rows, best]
    use_grid = grid_mse < refined_mse
    log_ridge = np.where(use_grid, log_grid[rows, best], refined)
    mse = np.where(use_grid, grid_mse, refined_mse)
    ridge = np.exp(log_ridge)
    ridge = np.where(ridgeless <= mse, 0.0, ridge)
    mse = np.minimum(mse, ridgeless)
    ridge = np.where(null < mse, np.inf, ridge)
    mse = np.minimum(mse, null)
    finite = np.isfinite(ridge)
    at_best = evaluate(np.where(finite, ridge, 0.0)[:, None])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(finite, at_best.train_mse[:, 0] / at_best.test_mse[:, 0], 1.0)

    def shaped(x):
        return np.asarray(x).reshape(shape)

    return OptimalRidge(n=grid["n"].copy(), k=grid["k"].copy(), noise=grid["noise"].copy(),
                        ridge=shaped(ridge), test_mse=shaped(mse),
                        ridgeless_test_mse=shaped(ridgeless), null_test_mse=shaped(null),
                        fitting_ratio=shaped(ratio))
