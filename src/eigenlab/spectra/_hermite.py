r"""The Hermite eigenstructure ansatz (HEA): a kernel's eigensystem from raw data statistics.

For data with covariance :math:`U \Gamma U^\top` (scaled so that :math:`\mathbb{E}\|x\|^2 =
\sum_i \gamma_i = 1`) and a rotation-invariant kernel with level coefficients :math:`c_\ell`
(the :math:`\ell`-th derivative at :math:`t = 0` of its profile :math:`k(t)`, :math:`t =
x \cdot x'`), the ansatz reads

.. math::

    \lambda_\alpha = c_{|\alpha|} \prod_i \gamma_i^{\alpha_i}, \qquad
    \phi_\alpha(x) = \prod_i \frac{\mathrm{He}_{\alpha_i}(z_i)}{\sqrt{\alpha_i!}}, \qquad
    z_i = \frac{u_i^\top x}{\sqrt{\gamma_i}},

over multi-indices :math:`\alpha \in \mathbb{N}_0^d`, with He the probabilists' Hermite
polynomials. No kernel matrix is formed: the kernel enters only through :math:`c_\ell`.

Reference: Karkada, Turnbull, Liu, Simon, "Predicting kernel regression learning curves from
only raw data statistics", ICLR 2026, arXiv:2510.14878.
"""


from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .._eigensystem import Eigensystem
from .._errors import EigenlabWarning
from .._validation import as_float_array
from ._hermite_cache import HermiteCache
from ._hermite_data import DataStatistics, data_statistics, hermite_features
from ._hermite_modes import _degree_cap, hermite_modes

__all__ = [
    "AnsatzWarning",
    "DataStatistics",
    "HermiteAnalysis",
    "HermiteCache",
    "HermiteDiagnostics",
    "data_statistics",
    "hermite_analysis",
    "hermite_eigensystem",
    "hermite_features",
    "hermite_modes",
]

# Below this many samples per estimated target coefficient the decomposition is noisy (an
# independent prototype needed about 10 for accuracy at n = 3,000).
_SAMPLES_PER_COEFFICIENT = 10.0
_LOW_EFFECTIVE_DIMENSION = 10.0
_CONSTANT_MODE_TOLERANCE = 0.2


class AnsatzWarning(EigenlabWarning):
    """One of the HEA's own assumptions fails on this data: treat its prediction with care."""


@dataclass(frozen=True, eq=False)
class HermiteDiagnostics:
    """The HEA's checks of its own assumptions, computed before anything is measured.

    Attributes
    ----------
    effective_dimension : float
        :math:`1/\\sum\\gamma_i^2`; low values (below about 10) strain the ansatz.
    max_degree : int
        Largest polynomial degree kept.
    degree_capped : bool
        True when HEA eigenvalues started growing with degree (a top covariance eigenvalue
        large against the kernel's scale), so higher degrees were cut.
    samples_per_coefficient : float
        Samples behind each estimated target coefficient.
    norm_spread : float
        Standard deviation over mean of the squared sample norms (on up to 5,000 samples).
    constant_mode_ratio : float
        Mean kernel value over pairs of distinct samples against the constant mode's HEA
        eigenvalue :math:`c_0` (1 when the ansatz holds).
    captured_trace : float
        Sum of the listed HEA eigenvalues over the kernel trace.
    unexplained_power : float
        Fraction of the target's power outside the decomposed modes (acts as noise).
    warnings : tuple of str
        One sentence per failed check (also emitted as :class:`AnsatzWarning`).
    """

    effective_dimension: float
    max_degree: int
    degree_capped: bool
    samples_per_coefficient: float
    norm_spread: float
    constant_mode_ratio: float
    captured_trace: float
    unexplained_power: float
    warnings: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class HermiteAnalysis:
    """What :func:`hermite_analysis` returns: the eigensystem with its statistics and checks."""

    eigensystem: Eigensystem
    statistics: DataStatistics
    diagnostics: HermiteDiagnostics
    level_coefficients: np.ndarray


def hermite_analysis(x, y, kernel, *, n_modes: int = 20_000, n_target_modes: int | None = None,
                     max_degree: int = 10, center: bool = True, seed=0,
                     statistics: DataStatistics | None = None,
                     cache: HermiteCache | None = None, warn: bool = True) -> HermiteAnalysis:
    r"""The HEA eigensystem of ``kernel`` on data ``x`` with the target ``y``, and its checks.

    Steps (Karkada et al. 2026, arXiv:2510.14878): (1) centre ``x`` and scale it to unit mean
    squared norm (the kernel's width is understood in these units); (2) covariance
    eigenvalues :math:`\gamma` and directions; (3) the kernel's level coefficients
    :math:`c_\ell`, degrees capped where :math:`c_{\ell+1}\gamma_1 \ge c_\ell` (spec errata
    4); (4) the top ``n_modes`` HEA eigenvalues, best first; (5) the normalised Hermite
    features of the top ``n_target_modes`` on the whitened samples, orthogonalised in
    decreasing-eigenvalue order (QR), giving the target coefficients
    :math:`v = Q^\top y/\sqrt N`; the target power they leave unexplained becomes
    ``target_tail`` (never learned, so it acts as noise); (6) the kernel trace not captured by
    the listed eigenvalues becomes ``tail_mass`` (acting as ridge).

    Parameters
    ----------
    x : array-like of shape (N, d)
        Samples for the statistics and the target decomposition.
    y : array-like of shape (N,) or (N, n_outputs)
        Targets at those samples.
    kernel : eigenlab.kernels.Kernel
        Any kernel with ``level_coefficients`` and ``profile`` (Gaussian, Laplace,
        polynomial, ReLU NNGP/NTK, dot-product).
    n_modes : int, default 20,000
        HEA eigenvalues to list.
    n_target_modes : int, optional
        Modes whose target coefficients are estimated; default ``min(n_modes, N // 10)`` (about
        ten samples per coefficient).
    max_degree : int, default 10
        Cap on the polynomial degree.
    center : bool, default True
    seed : int
        For the subsample of pairs behind the constant-mode check.
    statistics : DataStatistics, optional
        Statistics of ``x`` computed earlier (:func:`data_statistics`), reused so that a
        second kernel or width on the same data skips the covariance step.
    cache : HermiteCache, optional
        Work on the same ``x`` kept from earlier calls and extended by this one: the
        statistics, whitened coordinates and Hermite feature columns with their inner
        products. A second kernel or width then costs a fraction of the first (see
        :class:`HermiteCache`).
    warn : bool, default True
        Emit an :class:`AnsatzWarning` per failed check.

    Returns
    -------
    HermiteAnalysis

    Notes
    -----
    Dtype policy: float64 throughout. Memory: the N x n_target_modes feature matrix and the
    whitened coordinates it needs (held by ``cache`` when one is given, freed otherwise).
    """
    x = as_float_array(x, "x", ndim=(2,))
    y = as_float_array(y, "y", ndim=(1, 2))
    if y.shape[0] != x.shape[0]:
        raise ValueError(f"`y` must have one row per sample of `x` ({x.shape[0]}); got shape "
                         f"{y.shape}.")
    for name, value, minimum in (("n_modes", n_modes, 1), ("max_degree", max_degree, 0)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
            raise ValueError(f"`{name}` must be an integer >= {minimum}; got {value!r}.")
    if not hasattr(kernel, "level_coefficients"):
        raise TypeError(f"`kernel` must be an eigenlab kernel with level coefficients; got "
                        f"{type(kernel).__name__}.")
    if statistics is not None and (not isinstance(statistics, DataStatistics)
                                   or statistics.mean.shape != (x.shape[1],)):
        raise ValueError(f"`statistics` must be the DataStatistics of `x` ({x.shape[1]} "
                         "features); compute it with data_statistics(x).")
    if cache is None:
        cache = HermiteCache()
    elif not isinstance(cache, HermiteCache):
        raise TypeError(f"`cache` must be a HermiteCache; got {type(cache).__name__}.")
    stats = cache._bind(x, center, statistics)
    coeffs = np.asarray(kernel.level_coefficients(max_degree), dtype=np.float64)
    cap = _degree_cap(coeffs, float(stats.eigenvalues[0]))
    values, labels = cache._modes(coeffs[:cap + 1], n_modes)

    n_samples = x.shape[0]
    targets = n_target_modes if n_target_modes is not None else min(values.size,
                                                                       n_samples // 10)
    targets = int(max(1, min(targets, values.size, n_samples)))
    projected = cache._project(x, y, labels[:targets])
    coefficients = np.zeros((values.size, projected.shape[1]))
    coefficients[:targets] = projected
    power = np.mean(y.reshape(n_samples, -1) ** 2, axis=0)
    unexplained = np.clip(power - (coefficients ** 2).sum(axis=0), 0.0, None)
    if y.ndim == 1:
        coefficients, unexplained, power = coefficients[:, 0], unexplained[0], power[0]
    trace = float(kernel.profile(np.array(1.0)))
    label_array = np.fromiter(labels, dtype=object, count=len(labels))
    eigensystem = Eigensystem(values, coefficients, mode_labels=label_array,
                              tail_mass=max(0.0, trace - float(values.sum())),
                              target_tail=unexplained)

    diagnostics = _diagnose(stats, x, kernel, coeffs, cap, max_degree, targets, values, trace,
                            float(np.sum(unexplained) / max(np.sum(power), 1e-300)), seed)
    if warn:
        for message in diagnostics.warnings:
            warnings.warn(message, AnsatzWarning, stacklevel=2)
    return HermiteAnalysis(eigensystem=eigensystem, statistics=stats, diagnostics=diagnostics,
                           level_coefficients=coeffs[:cap + 1])


def _diagnose(stats, x, kernel, coeffs, cap, max_degree, targets, values, trace, unexplained,
              seed) -> HermiteDiagnostics:
    import torch

    # Both checks need only a subsample: transforming all N samples again would cost as much
    # as the whitening itself.
    rng = np.random.default_rng(seed)
    subset = stats.transform(x[rng.choice(x.shape[0], size=min(5000, x.shape[0]),
                                          replace=False)])
    norms = (subset ** 2).sum(axis=1)
    sample = subset[:600]
    block = kernel(torch.as_tensor(sample)).numpy()
    off_diagonal = (block.sum() - np.trace(block)) / (block.shape[0] * (block.shape[0] - 1))
    constant_ratio = float(off_diagonal / coeffs[0]) if coeffs[0] > 0 else float("nan")
    d_eff = stats.effective_dimension
    per_coefficient = stats.n_samples / targets
    capped = cap < min(max_degree, coeffs.size - 1)
    messages = []
    if capped:
        messages.append(
            f"HEA eigenvalues grow with degree beyond degree {cap} (top covariance eigenvalue "
            f"{stats.eigenvalues[0]:.3g} against the kernel's level-coefficient ratio): the "
            "degrees above were cut; widen the kernel or whiten the data (partial ZCA).")
    if d_eff < _LOW_EFFECTIVE_DIMENSION:
        messages.append(
            f"low effective dimension ({d_eff:.1f} < {_LOW_EFFECTIVE_DIMENSION:g}): the ansatz "
            "assumes many comparable directions; partial ZCA raises it.")
    if per_coefficient < _SAMPLES_PER_COEFFICIENT:
        messages.append(
            f"only {per_coefficient:.1f} samples per estimated target coefficient (want >= "
            f"{_SAMPLES_PER_COEFFICIENT:g}): the target decomposition is noisy; use more "
            "samples or fewer target modes.")
    if np.isfinite(constant_ratio) and abs(constant_ratio - 1) > _CONSTANT_MODE_TOLERANCE:
        messages.append(
            f"the mean kernel value over pairs is {constant_ratio:.2f} x the constant mode's "
            f"HEA eigenvalue (sample norms spread by {np.std(norms) / np.mean(norms):.2f}): "
            "the kernel is not close to a dot-product kernel on this data; normalising the "
            "samples to the sphere helps.")
    return HermiteDiagnostics(
        effective_dimension=d_eff, max_degree=cap, degree_capped=capped,
        samples_per_coefficient=per_coefficient,
        norm_spread=float(np.std(norms) / np.mean(norms)), constant_mode_ratio=constant_ratio,
        captured_trace=float(values.sum() / trace) if trace > 0 else float("nan"),
        unexplained_power=unexplained, warnings=tuple(messages))


def hermite_eigensystem(x, y, kernel, **options) -> Eigensystem:
    """The HEA eigensystem alone; see :func:`hermite_analysis` for the options and checks.

    Examples
    --------
    >>> from eigenlab.kernels import GaussianKernel
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(4000, 20)) * np.arange(1, 21) ** -0.5
    >>> es = hermite_eigensystem(x, np.sign(x[:, 0]), GaussianKernel(width=2.0), n_modes=500,
    ...                          warn=False)
    >>> es.n_modes, es.mode_labels[:3].tolist()
    (500, [(), ((0, 1),), ((1, 1),)])
    """
    return hermite_analysis(x, y, kernel, **options).eigensystem
