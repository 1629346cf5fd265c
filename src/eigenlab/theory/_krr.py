r"""The eigenframework of kernel ridge regression (eigenlearning).

References
----------
Simon, Dickens, Karkada, DeWeese, "The eigenlearning framework: a conservation law
perspective on kernel ridge regression and wide neural networks", TMLR 2023,
arXiv:2110.03922. Earlier forms: Bordelon, Canatar, Pehlevan (ICML 2020, arXiv:2002.02561);
Jacot et al. (NeurIPS 2020, arXiv:2006.05800).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._eigensystem import Eigensystem
from .._errors import ConvergenceError
from .._validation import check_nonnegative, check_sample_sizes
from ._effective_ridge import solve_effective_ridge_arrays

__all__ = ["KRRLearningCurve", "EffectiveRidge", "effective_ridge", "krr_learning_curve",
           "function_learnability"]

_METHODS = ("auto", "exact", "interpolated")


def _check_eigensystem(eigensystem) -> Eigensystem:
    if not isinstance(eigensystem, Eigensystem):
        raise TypeError(
            "`eigensystem` must be an eigenlab Eigensystem (build one with "
            f"Eigensystem(eigenvalues, target_coeffs)); got {type(eigensystem).__name__}."
        )
    return eigensystem


def _check_method(method: str) -> str:
    if method not in _METHODS:
        raise ValueError(f"`method` must be one of {_METHODS}; got {method!r}.")
    return method


def _checked(result, check: bool):
    """Raise ConvergenceError (carrying the record) if asked to and any point failed."""
    if check and not np.all(result.converged):
        raise ConvergenceError(
            f"the effective-ridge solve did not converge at {int(np.sum(~result.converged))} "
            "grid point(s); pass check=False to inspect `converged`.", result)
    return result


def _grid(**arrays):
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{k} {v.shape}" for k, v in arrays.items())
        raise ValueError(
            f"the grid arguments must broadcast against each other; got shapes {shapes}."
        ) from None
    return shape, {k: np.broadcast_to(v, shape) for k, v in arrays.items()}


@dataclass(frozen=True, eq=False)
class EffectiveRidge:
    r"""Effective ridge :math:`\kappa` over a grid, with solver diagnostics.

    Attributes
    ----------
    n, ridge : ndarray
        The broadcast grid of sample sizes and ridges.
    effective_ridge : ndarray
        :math:`\kappa`; 0 where the finite-rank ridgeless limit applies.
    learnability_sum : ndarray
        :math:`\sum_i m_i \mathcal{L}_i` over the listed modes plus the tail's
        :math:`\tau/\kappa`; by the conservation law it equals :math:`n - \delta/\kappa`.
    converged : ndarray of bool
    iterations : ndarray of int
        Newton iterations used per grid point.
    method : str
        ``"exact"`` or ``"interpolated"`` (see :func:`effective_ridge`).
    """

    n: np.ndarray
    ridge: np.ndarray
    effective_ridge: np.ndarray
    learnability_sum: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray
    method: str


def effective_ridge(eigensystem: Eigensystem, n, *, ridge=0.0, method: str = "auto",
                    check: bool = True) -> EffectiveRidge:
    r"""Solve for the effective ridge :math:`\kappa` on a grid of sample sizes and ridges.

    :math:`\kappa` is the unique positive root of

    .. math:: \sum_i m_i \frac{\lambda_i}{\lambda_i + \kappa} + \frac{\delta + \tau}{\kappa} = n,

    where :math:`\tau` is the eigensystem's ``tail_mass`` (the truncated spectrum acting as
    ridge). It is solved in :math:`\log\kappa` with exact brackets and safeguarded Newton,
    correct from :math:`\kappa = 10^{-300}` to :math:`10^{300}`, for all grid points at once.

    With :math:`\delta = \tau = 0` and :math:`n \ge` the number of positive-eigenvalue modes
    (rank :math:`R`) no positive root exists: the ridgeless estimator then interpolates in the
    span of the :math:`R` eigenfunctions, every mode is fully learned and :math:`\kappa = 0` is
    returned (the exact finite-rank answer).

    Parameters
    ----------
    eigensystem : Eigensystem
    n : array-like
        Sample sizes, >= 1 (non-integers allowed).
    ridge : array-like, default 0
        Ridge :math:`\delta \ge 0` on the raw Gram matrix, :math:`(K + \delta I)^{-1}`.
        Broadcasts against ``n``.
    method : {"auto", "exact", "interpolated"}
        ``exact`` sums over every mode at every Newton iterate. ``interpolated`` tabulates
        the spectral sums on Chebyshev panels in :math:`\log\kappa` once and solves every
        grid point on the tables (relative accuracy about 1e-14, checked; falls back to
        exact if the check fails). ``auto`` picks the cheaper.
    check : bool, default True
        Raise :class:`~eigenlab.ConvergenceError` if any point fails to converge; with False
        inspect ``converged`` instead.

    Returns
    -------
    EffectiveRidge

    Notes
    -----
    Dtype policy: float64 throughout. Memory: blocks of at most 2**22 (grid x mode) values.

    Examples
    --------
    >>> import numpy as np
    >>> from eigenlab.spectra import power_law_eigensystem
    >>> es = power_law_eigensystem(10**5, alpha=2.0, beta=1.5)
    >>> sol = effective_ridge(es, [10, 100, 1000])
    >>> np.round(sol.effective_ridge * np.array([10, 100, 1000]) ** 2.0, 2)  # -> (pi/2)^2
    array([2.24, 2.44, 2.46])
    """
    es = _check_eigensystem(eigensystem)
    _check_method(method)
    n = check_sample_sizes(n, "n")
    ridge = check_nonnegative(ridge, "ridge")
    shape, grid = _grid(n=n, ridge=ridge)
    solution = solve_effective_ridge_arrays(
        es.eigenvalues, es.multiplicities, es.target_power, grid["n"].ravel(),
        grid["ridge"].ravel() + es.tail_mass, method=method)
    kappa = solution.effective_ridge
    with np.errstate(divide="ignore", invalid="ignore"):
        tail_learned = np.where(kappa > 0, es.tail_mass / kappa, 0.0)
    result = EffectiveRidge(
        n=grid["n"].copy(), ridge=grid["ridge"].copy(),
        effective_ridge=kappa.reshape(shape),
        learnability_sum=(solution.sums.first + tail_learned).reshape(shape),
        converged=solution.converged.reshape(shape),
        iterations=solution.iterations.reshape(shape),
        method=solution.method,
    )
    return _checked(result, check)


@dataclass(frozen=True, eq=False)
class KRRLearningCurve:
    r"""Eigenframework predictions for KRR over a grid of (n, ridge, noise).

    Every array field has the broadcast grid shape. MSEs are summed over outputs and
    measured against noisy labels (so they include the noise floor).

    Attributes
    ----------
    n, ridge, noise : ndarray
        The grid: sample size :math:`n`, ridge :math:`\delta`, label-noise variance per output
        :math:`\epsilon^2`.
    effective_ridge : ndarray
        :math:`\kappa`.
    overfitting_coefficient : ndarray
        :math:`\mathcal{E}_0 = n / (n - \sum_i m_i \mathcal{L}_i^2) \ge 1`.
    test_mse : ndarray
        :math:`E_{te} = \mathcal{E}_0 (B + K \epsilon^2)` with :math:`K` outputs.
    train_mse : ndarray
        :math:`E_{tr} = (\delta / (n\kappa))^2 E_{te}`.
    bias : ndarray
        :math:`B = \sum_i (1 - \mathcal{L}_i)^2 v_i^2` plus the unlearned target tail.
    variance : ndarray
        :math:`(\mathcal{E}_0 - 1)(B + K\epsilon^2)`; ``test_mse = bias + variance + noise
        floor``.
    learnability_sum : ndarray
        :math:`\sum_i m_i \mathcal{L}_i` (tail included); equals :math:`n - \delta/\kappa`.
    target_learnability : ndarray
        :math:`\mathcal{L}(f) = \sum_i \mathcal{L}_i v_i^2 / \sum_i v_i^2` (NaN for a zero
        target).
    converged : ndarray of bool
    iterations : ndarray of int
    method : str
    eigensystem : Eigensystem
        The input, kept so that per-mode quantities can be computed on request.
    """

    n: np.ndarray
    ridge: np.ndarray
    noise: np.ndarray
    effective_ridge: np.ndarray
    overfitting_coefficient: np.ndarray
    test_mse: np.ndarray
    train_mse: np.ndarray
    bias: np.ndarray
    variance: np.ndarray
    learnability_sum: np.ndarray
    target_learnability: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray
    method: str
    eigensystem: Eigensystem

    @property
    def shape(self) -> tuple[int, ...]:
        return self.n.shape

    def learnabilities(self) -> np.ndarray:
        r"""Per-mode learnabilities :math:`\mathcal{L}_i = \lambda_i/(\lambda_i + \kappa)`.

        Returns an array of shape ``grid shape + (n_modes,)``. At :math:`\kappa = 0` (the
        finite-rank ridgeless limit) modes with :math:`\lambda_i > 0` have learnability 1.
        """
        lam = self.eigensystem.eigenvalues
        kappa = self.effective_ridge[..., None]
        with np.errstate(invalid="ignore"):
            learn = lam / (lam + kappa)
        return np.where(kappa > 0, learn, (lam > 0).astype(float))

    def mean_predictor_coeffs(self) -> np.ndarray:
        r"""Coefficients of the dataset-averaged predictor, :math:`\mathcal{L}_i v_i`.

        Shape ``grid shape + target_coeffs.shape``.
        """
        learn = self.learnabilities()
        coeffs = self.eigensystem.target_coeffs
        return learn * coeffs if coeffs.ndim == 1 else learn[..., None] * coeffs

    def coefficient_variance(self) -> np.ndarray:
        r"""Variance of each learned coefficient over datasets, :math:`\mathcal{L}_i^2 E_{te}/n`.

        Shape ``grid shape + (n_modes,)``; it is per output when the target has several
        outputs (``test_mse`` is then divided by the number of outputs).
        """
        per_output = self.test_mse / self.eigensystem.n_outputs
        return self.learnabilities() ** 2 * (per_output / self.n)[..., None]

    def to_frame(self, **settings):
        """The tidy table: one row per grid point, with ``source = "theory"``.

        Extra keyword arguments become constant columns (e.g. ``dataset="mnist"``).
        """
        import pandas as pd

        columns = {
            "source": "theory",
            "n": self.n.ravel(),
            "ridge": self.ridge.ravel(),
            "noise": self.noise.ravel(),
            "effective_ridge": self.effective_ridge.ravel(),
            "overfitting_coefficient": self.overfitting_coefficient.ravel(),
            "test_mse": self.test_mse.ravel(),
            "train_mse": self.train_mse.ravel(),
            "bias": self.bias.ravel(),
            "variance": self.variance.ravel(),
            "learnability_sum": self.learnability_sum.ravel(),
            "target_learnability": self.target_learnability.ravel(),
            "converged": self.converged.ravel(),
        }
        frame = pd.DataFrame(columns)
        for key, value in settings.items():
            frame[key] = value
        return frame


def krr_learning_curve(eigensystem: Eigensystem, n, *, ridge=0.0, noise=0.0,
                       method: str = "auto", check: bool = True) -> KRRLearningCurve:
    r"""Predict KRR's test and train MSE from an eigensystem, over a grid of n, ridge, noise.

    With :math:`\mathcal{L}_i = \lambda_i / (\lambda_i + \kappa)` and :math:`\kappa` from
    :func:`effective_ridge`,

    .. math::

        \mathcal{E}_0 = \frac{n}{n - \sum_i m_i \mathcal{L}_i^2}, \qquad
        E_{te} = \mathcal{E}_0 \Big(\sum_i (1 - \mathcal{L}_i)^2 v_i^2
                 + v_{\rm tail}^2 + K \epsilon^2\Big), \qquad
        E_{tr} = \Big(\frac{\delta}{n\kappa}\Big)^2 E_{te},

    for the estimator :math:`\hat f(x) = k_{xD}(K_{DD} + \delta I_n)^{-1} y` on labels
    :math:`y = f(x) + \xi`, :math:`\mathrm{Var}\,\xi = \epsilon^2` per output. Test MSE is
    against noisy labels and summed over the :math:`K` outputs (one-hot targets: the usual
    multi-class MSE). Multiplicities enter :math:`\kappa` and :math:`\mathcal{E}_0`; target
    coefficients are per level (aggregated), so they enter without them.

    Ridgeless (:math:`\delta = 0`) with no tail and :math:`n \ge R` (finite rank): the exact
    limit is returned, :math:`\kappa = 0`, :math:`\mathcal{E}_0 = n/(n - R)` (infinite at
    :math:`n = R`) and :math:`E_{tr} = (1 - R/n)^2 E_{te}`, the least-squares answer.

    Parameters
    ----------
    eigensystem : Eigensystem
        The kernel's eigenvalues and the target's coefficients (population normalisation:
        :math:`\sum_i v_i^2 = \mathbb{E}[f^2]`).
    n : array-like
        Sample sizes, >= 1.
    ridge : array-like, default 0
        Ridge :math:`\delta \ge 0` (absolute, on the raw Gram matrix).
    noise : array-like, default 0
        Label-noise variance :math:`\epsilon^2 \ge 0` per output.
    method : {"auto", "exact", "interpolated"}
        How :math:`\kappa` and the spectral sums are computed; see :func:`effective_ridge`.
    check : bool, default True
        Raise :class:`~eigenlab.ConvergenceError` on a failed solve.

    Returns
    -------
    KRRLearningCurve
        ``n``, ``ridge`` and ``noise`` broadcast against each other to give the grid shape
        of every field.

    Notes
    -----
    Dtype policy: float64. Cost: one pass over the modes per Newton iterate (``exact``), or
    about 12 passes per unit of :math:`\log\kappa` spanned (``interpolated``), whatever the
    grid size.

    References
    ----------
    Simon et al., TMLR 2023, arXiv:2110.03922, Theorem 1 and Section 4.

    Examples
    --------
    >>> from eigenlab.spectra import power_law_eigensystem
    >>> es = power_law_eigensystem(10**4, alpha=1.5, beta=1.5, normalize_target=True)
    >>> curve = krr_learning_curve(es, [10, 100, 1000], ridge=1e-3, noise=0.1)
    >>> curve.test_mse.round(4)
    array([0.5662, 0.2919, 0.1947])
    """
    es = _check_eigensystem(eigensystem)
    _check_method(method)
    n = check_sample_sizes(n, "n")
    ridge = check_nonnegative(ridge, "ridge")
    noise = check_nonnegative(noise, "noise")
    shape, grid = _grid(n=n, ridge=ridge, noise=noise)
    n_flat, ridge_flat = grid["n"].ravel(), grid["ridge"].ravel()
    solution = solve_effective_ridge_arrays(
        es.eigenvalues, es.multiplicities, es.target_power, n_flat, ridge_flat + es.tail_mass,
        method=method)
    kappa = solution.effective_ridge
    sums = solution.sums
    with np.errstate(divide="ignore", invalid="ignore"):
        # n - sum m L^2 = sum m L (1 - L) + (ridge + tail)/kappa: no cancellation.
        slack = np.where(kappa > 0, sums.slope + (ridge_flat + es.tail_mass) / kappa,
                         n_flat - sums.second)
        overfitting = n_flat / slack
        fitting = np.where(kappa > 0, ridge_flat / (n_flat * kappa), 1.0 - sums.first / n_flat)
        tail_learned = np.where(kappa > 0, es.tail_mass / kappa, 0.0)
    total_noise = es.n_outputs * grid["noise"].ravel()
    bias = sums.residual_power + float(np.sum(es.target_tail))
    floor = bias + total_noise
    # A finite-rank interpolator with nothing to fit is exact even where E0 is infinite.
    with np.errstate(invalid="ignore"):
        test = np.where(floor > 0, overfitting * floor, 0.0)
        variance = np.where(floor > 0, (overfitting - 1.0) * floor, 0.0)
        train = np.where(fitting == 0, 0.0, fitting ** 2 * test)  # interpolation
    if es.total_target_power > 0:
        target_learnability = sums.learned_power / es.total_target_power
    else:
        target_learnability = np.full(kappa.shape, np.nan)

    def shaped(a):
        return np.asarray(a).reshape(shape)

    curve = KRRLearningCurve(
        n=grid["n"].copy(), ridge=grid["ridge"].copy(), noise=grid["noise"].copy(),
        effective_ridge=shaped(kappa), overfitting_coefficient=shaped(overfitting),
        test_mse=shaped(test), train_mse=shaped(train), bias=shaped(bias),
        variance=shaped(variance), learnability_sum=shaped(sums.first + tail_learned),
        target_learnability=shaped(target_learnability), converged=shaped(solution.converged),
        iterations=shaped(solution.iterations), method=solution.method, eigensystem=es,
    )
    return _checked(curve, check)


def function_learnability(learnabilities, target_coeffs) -> np.ndarray:
    r"""Learnability of a function, :math:`\mathcal{L}(f) = \sum_i \mathcal{L}_i v_i^2 /
    \sum_i v_i^2`.

    Parameters
    ----------
    learnabilities : array-like of shape (..., n_modes)
        Per-mode learnabilities, e.g. from :meth:`KRRLearningCurve.learnabilities`.
    target_coeffs : array-like of shape (n_modes,) or (n_modes, n_outputs)
        The function's coefficients (summed over outputs).

    Returns
    -------
    ndarray of shape (...)

    Examples
    --------
    >>> float(function_learnability([1.0, 0.5, 0.0], [1.0, 1.0, 0.0]))
    0.75
    """
    learn = np.asarray(learnabilities, dtype=np.float64)
    coeffs = np.asarray(target_coeffs, dtype=np.float64)
    power = np.square(coeffs) if coeffs.ndim == 1 else np.square(coeffs).sum(axis=1)
    if power.shape[0] != learn.shape[-1]:
        raise ValueError(
            f"`target_coeffs` must have one row per mode ({learn.shape[-1]}); got shape "
            f"{coeffs.shape}."
        )
    total = power.sum()
    if total == 0:
        raise ValueError("`target_coeffs` must not be all zero: a zero function has no "
                         "learnability.")
    return learn @ power / total
