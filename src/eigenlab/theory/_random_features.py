r"""The eigenframework of random-feature ridge regression ("More is better").

Random-feature (RF) regression fits KRR with the random kernel
:math:`\hat K(x, x') = \frac1k \sum_{j=1}^k g(w_j, x) g(w_j, x')`, :math:`\mathbb{E}_w[g g] = K`,
ridge :math:`\delta` on the raw :math:`n \times n` matrix. Under a Gaussian-universality ansatz
its test error follows from the eigensystem of the limiting kernel :math:`K` through two
unknowns :math:`(\kappa, \gamma)`, which reduce to one monotone root in :math:`\log\gamma`.

References
----------
Simon, Karkada, Ghosh, Belkin, "More is better in modern machine learning: when infinite
overparameterization is optimal and overfitting is obligatory", ICLR 2024, arXiv:2311.14646.
Earlier forms: Bach (arXiv:2303.14151); Mei, Misiakiewicz, Montanari (arXiv:2101.10588).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._eigensystem import Eigensystem
from .._validation import check_nonnegative, check_sample_sizes
from ._effective_ridge import (
    _PANEL_NODES,
    _PANEL_WIDTH,
    _Interpolant,
    safeguarded_newton,
    solve_effective_ridge_arrays,
    spectral_sums,
)
from ._krr import _check_eigensystem, _checked, _grid

__all__ = ["RFLearningCurve", "rf_learning_curve"]

_CHUNK_ELEMENTS = 1 << 22
_INTERPOLATION_TOLERANCE = 1e-13
_METHODS = ("auto", "exact", "interpolated")


def check_feature_counts(value, name: str = "k") -> np.ndarray:
    """Numbers of random features: >= 1, finite or ``np.inf`` (the kernel limit)."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be numeric; got {value!r}.") from None
    if np.any(np.isnan(array)):
        raise ValueError(f"`{name}` must not be NaN; got {value!r}.")
    if np.any(array < 1):
        bad = float(array[array < 1].ravel()[0])
        raise ValueError(f"`{name}` must be >= 1 (a number of random features; np.inf for "
                         f"the kernel limit); got {bad!r}.")
    return array


@dataclass(frozen=True, eq=False)
class RFLearningCurve:
    r"""Eigenframework predictions for random-feature ridge regression over a grid.

    Every array field has the broadcast shape of ``(n, k, ridge, noise)``. MSEs are summed
    over outputs and measured against noisy labels.

    Attributes
    ----------
    n, k, ridge, noise : ndarray
        The grid: samples :math:`n`, features :math:`k` (``inf``: the kernel limit), ridge
        :math:`\delta`, label-noise variance per output :math:`\epsilon^2`.
    effective_ridge : ndarray
        :math:`\kappa = \gamma (1 - z/k)`, the effective ridge of the outer (sample) problem;
        0 at the ridgeless underparameterised boundary.
    feature_ridge : ndarray
        :math:`\gamma`, the effective ridge seen by the kernel's modes,
        :math:`\mathcal{L}_i = \lambda_i / (\lambda_i + \gamma)`; equals :math:`\kappa` at
        :math:`k = \infty`.
    overfitting_coefficient : ndarray
        :math:`\mathcal{E}_0^{RF} = n / (n - q - (z - q)^2/(k - q))`.
    test_mse, train_mse, bias, variance : ndarray
        :math:`E_{te} = \mathcal{E}_0^{RF}(B + K\epsilon^2)`,
        :math:`E_{tr} = (1 - z/n)^2 E_{te}`, :math:`B = \sum_i b_i v_i^2` (+ target tail) and
        :math:`(\mathcal{E}_0^{RF} - 1)(B + K\epsilon^2)`.
    learnability_sum : ndarray
        :math:`z = \mathrm{df}_1(\gamma) = \sum_i m_i \mathcal{L}_i` (tail included).
    converged : ndarray of bool
    iterations : ndarray of int
    eigensystem : Eigensystem
    """

    n: np.ndarray
    k: np.ndarray
    ridge: np.ndarray
    noise: np.ndarray
    effective_ridge: np.ndarray
    feature_ridge: np.ndarray
    overfitting_coefficient: np.ndarray
    test_mse: np.ndarray
    train_mse: np.ndarray
    bias: np.ndarray
    variance: np.ndarray
    learnability_sum: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray
    eigensystem: Eigensystem

    @property
    def shape(self) -> tuple[int, ...]:
        return self.n.shape

    def learnabilities(self) -> np.ndarray:
        r"""Per-mode learnabilities :math:`\mathcal{L}_i = \lambda_i / (\lambda_i + \gamma)`.

        Shape ``grid shape + (n_modes,)``; at :math:`\gamma = 0` (finite rank, ridgeless,
        :math:`n, k \ge` rank) modes with :math:`\lambda_i > 0` have learnability 1.
        """
        lam = self.eigensystem.eigenvalues
        gamma = self.feature_ridge[..., None]
        with np.errstate(invalid="ignore"):
            learn = lam / (lam + gamma)
        return np.where(gamma > 0, learn, (lam > 0).astype(float))

    def to_frame(self, **settings):
        """The tidy table: one row per grid point, ``source = "theory"``."""
        import pandas as pd

        names = ["n", "k", "ridge", "noise", "effective_ridge", "feature_ridge",
                 "overfitting_coefficient", "test_mse", "train_mse", "bias", "variance",
                 "learnability_sum", "converged"]
        frame = pd.DataFrame({"source": "theory",
                              **{name: getattr(self, name).ravel() for name in names}})
        for key, value in settings.items():
            frame[key] = value
        return frame


def _final_sums(eigenvalues, multiplicities, weights, gamma):
    """Sums at each ``gamma`` (> 0), exactly and blockwise.

    Returns (first, second, slope, residual, mixed): ``first`` = sum m L, ``second`` =
    sum m L^2, ``slope`` = sum m L(1-L), ``residual`` = sum w (1-L)^2 and ``mixed`` =
    sum w L (1-L), each free of cancellation.
    """
    base = spectral_sums(eigenvalues, multiplicities, weights, gamma)
    mixed = np.empty(gamma.size)
    step = max(1, _CHUNK_ELEMENTS // max(1, eigenvalues.size))
    for start in range(0, gamma.size, step):
        block = gamma[start:start + step, None]
        denominator = eigenvalues + block
        mixed[start:start + step] = (eigenvalues * block / denominator ** 2) @ weights
    return base.first, base.second, base.slope, base.residual_power, mixed


class _Tables:
    """Chebyshev-panel tables of every sum the RF theory needs, over a range of log gamma.

    Two :class:`_Interpolant` tables: one with the multiplicities (``first``, ``second``,
    ``slope``, ``residual_power``) and one with the target power in their place, whose
    ``slope`` is ``mixed`` = sum w L (1 - L).
    """

    def __init__(self, eigenvalues, multiplicities, weights, u_min, u_max):
        self.main = _Interpolant(eigenvalues, multiplicities, weights, u_min, u_max)
        self.target = _Interpolant(eigenvalues, weights, weights, u_min, u_max)
        self.error = max(self.main.error, self.target.error)

    def root(self, u):
        return self.main(u)

    def final(self, u):
        sums = self.main(u)
        return sums.first, sums.second, sums.slope, sums.residual_power, self.target(u).slope


def _tables_worth_it(eigenvalues, u_min, u_max, points, method):
    """Tabulate when asked, or (auto) when it costs fewer mode passes than exact Newton."""
    if method == "exact" or points == 0:
        return False
    if method == "interpolated":
        return True
    n_nodes = 2 * _PANEL_NODES * max(1, int(np.ceil((u_max - u_min) / _PANEL_WIDTH)))
    return eigenvalues.size > 256 and n_nodes < 4 * points


def _newton_rf(evaluate, tail, n, k, ridge, lo, hi):
    r"""Safeguarded Newton in :math:`u = \log\gamma` on the RF equation (ridge > 0).

    :math:`F(u) = z + \delta/\kappa - n` with :math:`\kappa = \gamma (k - z)/k` is strictly
    decreasing on :math:`\gamma > \gamma_k`; it is solved as
    :math:`\phi = \log(1 + F/n)`, assembled with :math:`z` split into an exact count and a
    small balance so that :math:`k - z` and :math:`n - z` do not cancel.
    """
    log_ridge = np.log(ridge)

    def phi_and_slope(ut, todo):
        sums = evaluate(ut)
        tail_term = tail * np.exp(-ut)
        balance = sums.balance + tail_term
        slope = sums.slope + tail_term
        kt, nt = k[todo], n[todo]
        k_gap = (kt - sums.count) - balance  # k - z
        with np.errstate(divide="ignore", invalid="ignore"):
            # delta / kappa = delta k / (gamma (k - z)), in logs against overflow.
            ridge_term = np.exp(log_ridge[todo] - ut + np.log(kt) - np.log(k_gap))
            excess = (balance + ridge_term) - (nt - sums.count)
            phi = np.log1p(excess / nt)
            dphi = -(slope + ridge_term * (1.0 + slope / k_gap)) / (nt + excess)
        return np.where(k_gap <= 0, np.inf, phi), dphi  # gamma <= gamma_k: F = +infinity

    return safeguarded_newton(phi_and_slope, lo, hi)


def solve_rf_arrays(es: Eigensystem, n, k, ridge, *, method="auto"):
    """Solve for the feature ridge gamma and effective ridge kappa on flat arrays.

    Returns (gamma, kappa, converged, iterations, tables); ``tables`` is the
    :class:`_Tables` used by the Newton solve (None on the exact route). Inputs are trusted.
    """
    lam, mult, weights, tail = es.eigenvalues, es.multiplicities, es.target_power, es.tail_mass
    size = n.size
    gamma = np.zeros(size)
    kappa = np.zeros(size)
    converged = np.ones(size, dtype=bool)
    iterations = np.zeros(size, dtype=np.int64)
    infinite = np.isinf(k)
    ridgeless = ridge == 0
    # Ridgeless: z = min(n, k) (the KRR equation at that size), or the finite-rank limit.
    # Kernel limit: gamma = kappa solves the KRR equation. Positive ridge, finite k: the
    # root lies above gamma_k (df1 = k) and above the KRR root at (n, ridge).
    size_for_krr = np.where(infinite, n, np.where(ridgeless, np.minimum(n, k), n))
    rf = ~infinite & ~ridgeless
    stacked_n = np.concatenate([size_for_krr, k[rf]])
    stacked_r = np.concatenate([np.where(infinite | ~ridgeless, ridge, 0.0) + tail,
                                np.full(int(rf.sum()), tail)])
    krr = solve_effective_ridge_arrays(lam, mult, weights, stacked_n, stacked_r,
                                       method="exact" if method == "exact" else "auto")
    base = krr.effective_ridge[:size]
    converged &= krr.converged[:size]
    iterations += krr.iterations[:size]
    gamma[infinite | ridgeless] = base[infinite | ridgeless]
    kappa[infinite] = base[infinite]
    under = ridgeless & ~infinite & (n < k) & (base > 0)
    kappa[under] = base[under] * (k[under] - n[under]) / k[under]

    index = np.flatnonzero(rf)
    tables = None
    if index.size:
        gamma_k = krr.effective_ridge[size:]
        converged[index] &= krr.converged[size:]
        trace = float(np.dot(mult, lam) + tail)
        n_i, k_i, r_i = n[index], k[index], ridge[index]
        lower = np.maximum(gamma_k, base[index])
        upper = np.maximum(np.maximum(2 * trace / n_i, trace / k_i + 2 * r_i / n_i), lower)
        lo, hi = np.log(lower), np.log(upper)

        def exact(u):
            return spectral_sums(lam, mult, weights, np.exp(u), root_only=True)

        evaluate = exact
        u_min, u_max = float(lo.min()), float(hi.max())
        if _tables_worth_it(lam, u_min, u_max, index.size, method):
            tables = _Tables(lam, mult, weights, u_min, u_max)
            if tables.error < _INTERPOLATION_TOLERANCE:
                evaluate = tables.root
            else:
                tables = None
        u, its, done = _newton_rf(evaluate, tail, n_i, k_i, r_i, lo, hi)
        if tables is not None:
            poor = _poorly_tabulated(tables, u, tail, n_i, k_i, r_i)
            if poor.size:
                u_p, its_p, done_p = _newton_rf(exact, tail, n_i[poor], k_i[poor],
                                                r_i[poor], lo[poor], hi[poor])
                u[poor], done[poor] = u_p, done_p
                its[poor] += its_p
        gamma[index] = np.exp(u)
        converged[index] &= done
        iterations[index] += its
    return gamma, kappa, converged, iterations, tables


def _poorly_tabulated(tables, u, tail, n, k, ridge):
    """Points whose root the tables' error could move by more than ~1e-13 in log gamma.

    An error e z in the tabulated df1 moves F by e z (1 + (delta/kappa)/(k - z)) (the ridge
    term depends on k - z); the root moves by that over |dF/du|.
    """
    sums = tables.root(u)
    tail_term = tail * np.exp(-u)
    z = sums.first + tail_term
    slope = sums.slope + tail_term
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        k_gap = k - z
        ridge_term = ridge * k * np.exp(-u) / k_gap
        error = max(tables.error, 1e-15) * z * (1 + ridge_term / k_gap)
        derivative = slope + ridge_term * (1 + slope / k_gap)
        return np.flatnonzero(~(error < 1e-13 * derivative))


def rf_learning_curve(eigensystem: Eigensystem, n, k, *, ridge=0.0, noise=0.0,
                      method: str = "auto", check: bool = True) -> RFLearningCurve:
    r"""Predict random-feature ridge regression's test and train MSE over a grid.

    With :math:`z = \mathrm{df}_1(\gamma) = \sum_i m_i \mathcal{L}_i`,
    :math:`q = \mathrm{df}_2(\gamma) = \sum_i m_i \mathcal{L}_i^2`,
    :math:`\mathcal{L}_i = \lambda_i/(\lambda_i + \gamma)`, the unknowns
    :math:`\kappa, \gamma > 0` solve

    .. math::

        n = z + \frac{\delta}{\kappa}, \qquad \kappa = \gamma\Big(1 - \frac{z}{k}\Big),

    and then

    .. math::

        \mathcal{E}_0^{RF} = \frac{n}{n - q - \frac{(z - q)^2}{k - q}}, \quad
        b_i = (1 - \mathcal{L}_i)\Big(1 - \mathcal{L}_i\frac{k - z}{k - q}\Big), \quad
        E_{te} = \mathcal{E}_0^{RF}\Big(\sum_i b_i v_i^2 + v_{\rm tail}^2 + K\epsilon^2\Big),
        \quad E_{tr} = \Big(1 - \frac{z}{n}\Big)^2 E_{te}.

    Solved as one monotone root: :math:`h(\gamma) = z + \delta k / (\gamma (k - z)) - n` is
    strictly decreasing on :math:`\gamma > \gamma_k` (:math:`\mathrm{df}_1(\gamma_k) = k`),
    from :math:`+\infty` to :math:`-n`; safeguarded Newton in :math:`\log\gamma` with exact
    brackets, on every grid point at once.

    Exact limits: ``k = np.inf`` is kernel ridge regression (:func:`krr_learning_curve`,
    :math:`\gamma = \kappa`); ridge 0 with :math:`n < k` gives :math:`z = n`; ridge 0 with
    :math:`n \ge k` is the underparameterised least-squares boundary :math:`\gamma = \gamma_k`,
    :math:`\kappa = 0`, :math:`\mathcal{E}_0^{RF} = n/(n - k)` and
    :math:`E_{tr} = (1 - k/n)^2 E_{te}`.

    Parameters
    ----------
    eigensystem : Eigensystem
        Eigenvalues and target coefficients of the *limiting* kernel :math:`K`.
        Multiplicities enter :math:`z` and :math:`q`; per-level target coefficients enter
        the bias without them. ``tail_mass`` :math:`\tau` enters :math:`z` as
        :math:`\tau/\gamma` and not :math:`q` (its modes have :math:`\lambda_i \ll \gamma`):
        in the RF problem the tail acts as ridge on the *feature* side; it also counts in
        the train-fit term :math:`1 - z/n`. ``target_tail`` is never learned
        (:math:`b_i \to 1`), so it adds :math:`\mathcal{E}_0^{RF} v_{\rm tail}^2`.
    n : array-like
        Sample sizes, >= 1.
    k : array-like
        Numbers of random features, >= 1; ``np.inf`` for the kernel limit.
    ridge : array-like, default 0
        Ridge :math:`\delta \ge 0` on the raw random-feature Gram matrix.
    noise : array-like, default 0
        Label-noise variance per output.
    method : {"auto", "exact", "interpolated"}
        ``exact`` sums over every mode at every Newton iterate. ``interpolated`` tabulates
        every spectral sum once on Chebyshev panels in :math:`\log\gamma` (as
        :func:`effective_ridge` does; about 1e-13 relative accuracy, checked, with a fall
        back to exact where the table is not accurate enough or a root is ill-conditioned)
        and solves and evaluates every grid point on the tables. ``auto`` picks the cheaper.
    check : bool, default True
        Raise :class:`~eigenlab.ConvergenceError` if a point fails to converge.

    Returns
    -------
    RFLearningCurve

    Notes
    -----
    Dtype policy: float64. Cost (exact): one pass over the modes per Newton iterate and
    grid point (typically 5-15 iterates), blocks of at most 2**22 values; (interpolated):
    about 24 passes per unit of :math:`\log\gamma` spanned, whatever the grid size.

    References
    ----------
    Simon et al., ICLR 2024, arXiv:2311.14646, Section 4 (the RF eigenframework).

    Examples
    --------
    >>> import numpy as np
    >>> from eigenlab.spectra import power_law_eigensystem
    >>> es = power_law_eigensystem(10**4, alpha=1.5, beta=1.5, normalize_target=True)
    >>> curve = rf_learning_curve(es, 100, [50, 100, 200, np.inf], ridge=1e-3, noise=0.1)
    >>> curve.test_mse.round(3)
    array([0.599, 2.531, 0.529, 0.292])
    """
    es = _check_eigensystem(eigensystem)
    n = check_sample_sizes(n, "n")
    k = check_feature_counts(k, "k")
    ridge = check_nonnegative(ridge, "ridge")
    noise = check_nonnegative(noise, "noise")
    shape, grid = _grid(n=n, k=k, ridge=ridge, noise=noise)
    n_f, k_f, r_f = grid["n"].ravel(), grid["k"].ravel(), grid["ridge"].ravel()
    if method not in _METHODS:
        raise ValueError(f"`method` must be one of {_METHODS}; got {method!r}.")
    gamma, kappa, converged, iterations, tables = solve_rf_arrays(es, n_f, k_f, r_f,
                                                                  method=method)

    lam, mult, weights, tail = es.eigenvalues, es.multiplicities, es.target_power, es.tail_mass
    positive = gamma > 0
    first, second, slope, residual, mixed = (np.zeros(n_f.size) for _ in range(5))
    if np.any(positive):
        u = np.log(gamma[positive])
        u_min, u_max = float(u.min()), float(u.max())
        covered = tables is not None and u_min >= tables.main.u_min and \
            u_max <= tables.main.u_min + tables.main.width * tables.main.n_panels
        if not covered and _tables_worth_it(lam, u_min, u_max, u.size, method):
            tables = _Tables(lam, mult, weights, u_min, u_max)
            covered = tables.error < _INTERPOLATION_TOLERANCE
        parts = tables.final(u) if covered else _final_sums(lam, mult, weights, np.exp(u))
        for out, part in zip((first, second, slope, residual, mixed), parts, strict=True):
            out[positive] = part
    rank = float(mult[lam > 0].sum())
    # gamma = 0: the finite-rank limit, every positive mode learned.
    first[~positive] = rank
    second[~positive] = rank
    residual[~positive] = weights[lam == 0].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        tail_term = np.where(positive, tail / gamma, 0.0)
    z = first + tail_term
    z_minus_q = slope + tail_term
    infinite = np.isinf(k_f)
    ridgeless = r_f == 0
    n_gap = np.zeros(n_f.size)  # n - z
    k_gap = np.full(n_f.size, np.inf)  # k - z
    finite_rank = ~positive
    n_gap[finite_rank] = n_f[finite_rank] - rank
    k_gap[finite_rank] = k_f[finite_rank] - rank
    z[finite_rank] = rank
    # Ridgeless with gamma > 0: z = min(n, k) exactly.
    plain = ridgeless & positive
    z[plain] = np.minimum(n_f[plain], k_f[plain])
    n_gap[plain] = n_f[plain] - z[plain]
    k_gap[plain] = k_f[plain] - z[plain]
    kernel = infinite & ~ridgeless & positive
    n_gap[kernel] = r_f[kernel] / kappa[kernel]
    solved = ~infinite & ~ridgeless
    if np.any(solved):
        # With a = k - z: kappa = gamma a / k and delta/kappa = n - z = a + (n - k), so
        # a^2 + (n - k) a = delta k / gamma; both roots of that quadratic in stable form.
        c = r_f[solved] * k_f[solved] / gamma[solved]
        d = n_f[solved] - k_f[solved]
        root = np.sqrt(d * d + 4 * c)
        over = d >= 0
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(over, 2 * c / (d + root), 0.5 * (root - d))
            gap = np.where(over, a + d, 2 * c / (root - d))
        k_gap[solved], n_gap[solved] = a, gap
        z[solved] = k_f[solved] - a
        kappa[solved] = gamma[solved] * a / k_f[solved]
    with np.errstate(divide="ignore", invalid="ignore"):
        k_minus_q = k_gap + z_minus_q
        # (k - z)/(k - q) and (z - q)/(k - q), with their k -> infinity limits.
        keep = np.where(infinite, 1.0, np.where(k_minus_q > 0, k_gap / k_minus_q, 1.0))
        leak = np.where(infinite | (z_minus_q == 0), 0.0, z_minus_q / k_minus_q)
        slack = n_gap + z_minus_q * keep
        overfitting = n_f / slack
    bias = residual + leak * mixed + float(np.sum(es.target_tail))
    floor = bias + es.n_outputs * grid["noise"].ravel()
    fitting = n_gap / n_f
    with np.errstate(invalid="ignore"):
        test = np.where(floor > 0, overfitting * floor, 0.0)
        variance = np.where(floor > 0, (overfitting - 1.0) * floor, 0.0)
        train = np.where(fitting == 0, 0.0, fitting ** 2 * test)

    def shaped(a):
        return np.asarray(a).reshape(shape)

    curve = RFLearningCurve(
        n=grid["n"].copy(), k=grid["k"].copy(), ridge=grid["ridge"].copy(),
        noise=grid["noise"].copy(), effective_ridge=shaped(kappa),
        feature_ridge=shaped(gamma), overfitting_coefficient=shaped(overfitting),
        test_mse=shaped(test), train_mse=shaped(train), bias=shaped(bias),
        variance=shaped(variance), learnability_sum=shaped(z),
        converged=shaped(converged), iterations=shaped(iterations), eigensystem=es)
    return _checked(curve, check)
