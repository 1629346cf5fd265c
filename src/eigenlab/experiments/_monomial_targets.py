r"""Hermite monomial targets and their inputs for the HEA paper's MLP study.

A target is a normalised Hermite monomial of the whitened principal coordinates,

.. math::

    y = \phi_\alpha(x) = \prod_i \frac{\mathrm{He}_{\alpha_i}(z_i)}{\sqrt{\alpha_i!}}, \qquad
    z_i = \frac{u_i^\top x}{\sqrt{\gamma_i}},

with HEA eigenvalue :math:`\lambda_\alpha = c_{|\alpha|}\prod_i\gamma_i^{\alpha_i}`;
:func:`select_monomials` spreads them over the spectrum. Inputs are Gaussian with a planted
spectrum (:func:`gaussian_inputs`; then :math:`z = g` with :math:`g \sim \mathcal N(0, I)`
exactly) or rows resampled with replacement from a real dataset, whitened with its own
statistics (:func:`whitened_inputs`). The experiment is in :mod:`._monomials`.

Reference: Karkada, Turnbull, Liu, Simon, "Predicting kernel regression learning curves from
only raw data statistics", ICLR 2026, arXiv:2510.14878.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral

import numpy as np

from .._validation import as_float_array, check_scalar

__all__ = [
    "MonomialInputs",
    "MonomialSelection",
    "format_monomial",
    "gaussian_inputs",
    "hea_monomial_eigenvalues",
    "planted_spectrum",
    "select_monomials",
    "whitened_inputs",
]

PAPER_COORDINATES = (0, 1, 2, 3, 5, 10, 20, 40, 60, 100, 150)


# ---------------------------------------------------------------------- monomials
def format_monomial(monomial) -> str:
    """``((0, 2), (3, 1))`` -> ``"z0^2*z3"``; ``()`` -> ``"1"``.

    >>> format_monomial(((0, 2), (3, 1)))
    'z0^2*z3'
    """
    if not monomial:
        return "1"
    return "*".join(f"z{c}" if e == 1 else f"z{c}^{e}" for c, e in monomial)


def _check_monomials(monomials, n_coordinates: int, name: str = "monomials") -> list[tuple]:
    checked = []
    for monomial in monomials:
        try:
            pairs = tuple((int(c), int(e)) for c, e in monomial)
        except (TypeError, ValueError):
            raise ValueError(f"`{name}` must hold tuples of (coordinate, exponent) pairs, as "
                             f"hermite_modes returns; got {monomial!r}.") from None
        coordinates = [c for c, _ in pairs]
        if (not pairs or any(e < 1 for _, e in pairs) or any(c < 0 for c in coordinates)
                or coordinates != sorted(set(coordinates))):
            raise ValueError(f"`{name}` entries must be non-empty, with distinct increasing "
                             f"coordinates >= 0 and exponents >= 1; got {monomial!r}.")
        if coordinates[-1] >= n_coordinates:
            raise ValueError(f"`{name}` uses coordinate {coordinates[-1]} but only "
                             f"{n_coordinates} whitened coordinates exist; got {monomial!r}.")
        checked.append(pairs)
    if not checked:
        raise ValueError(f"`{name}` must hold at least one monomial; got {monomials!r}.")
    return checked


def hea_monomial_eigenvalues(monomials, eigenvalues, level_coeffs) -> np.ndarray:
    r"""HEA eigenvalues :math:`\lambda_\alpha = c_{|\alpha|}\prod_i\gamma_i^{\alpha_i}`.

    Parameters
    ----------
    monomials : sequence of tuple
        Multi-indices as ``(coordinate, exponent)`` pairs (the labels of
        :func:`eigenlab.spectra.hermite_modes`).
    eigenvalues : array-like of shape (d,)
        :math:`\gamma_i`, covariance eigenvalues of data scaled to
        :math:`\mathbb E\|x\|^2 = \sum_i\gamma_i = 1`.
    level_coeffs : array-like of shape (L + 1,)
        :math:`c_0, \dots, c_L` (e.g. ``kernel.level_coefficients(L)``); every degree must be
        at most L.

    Returns
    -------
    ndarray of shape (len(monomials),), float64

    Examples
    --------
    >>> hea_monomial_eigenvalues([((0, 2),), ((0, 1), (1, 1))], [0.5, 0.3, 0.2],
    ...                          [1.0, 1.0, 0.5]).round(3).tolist()
    [0.125, 0.075]
    """
    gamma = as_float_array(eigenvalues, "eigenvalues", ndim=(1,))
    coeffs = as_float_array(level_coeffs, "level_coeffs", ndim=(1,))
    if np.any(gamma < 0) or np.any(coeffs < 0):
        raise ValueError("`eigenvalues` and `level_coeffs` must be >= 0.")
    checked = _check_monomials(monomials, gamma.size)
    values = np.empty(len(checked))
    for k, pairs in enumerate(checked):
        degree = sum(e for _, e in pairs)
        if degree >= coeffs.size:
            raise ValueError(f"`level_coeffs` must reach degree {degree} (monomial "
                             f"{format_monomial(pairs)}); got degrees up to {coeffs.size - 1}.")
        values[k] = coeffs[degree] * math.prod(gamma[c] ** e for c, e in pairs)
    return values


@dataclass(frozen=True, eq=False)
class MonomialSelection:
    """Monomials chosen by :func:`select_monomials`, in decreasing HEA eigenvalue.

    Attributes
    ----------
    monomials : tuple of tuple
        ``(coordinate, exponent)`` pairs in the original coordinates.
    hea_eigenvalues : ndarray of shape (M,)
    degrees : ndarray of shape (M,)
    candidates : int
        How many monomials were considered before thinning.
    """

    monomials: tuple
    hea_eigenvalues: np.ndarray
    degrees: np.ndarray
    candidates: int

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(format_monomial(m) for m in self.monomials)


def select_monomials(eigenvalues, level_coeffs, *, coordinates=PAPER_COORDINATES,
                     shrink: float = 0.9, min_eigenvalue: float = 1e-6,
                     max_count: int = 1000) -> MonomialSelection:
    r"""Monomial targets spread over the HEA spectrum, as in the paper's MLP sweep.

    Every monomial of degree 1 to L (L + 1 = ``len(level_coeffs)``) over the principal
    ``coordinates`` is ranked by its HEA eigenvalue; walking down the list, a monomial is kept
    when its eigenvalue is at most ``shrink`` times the last kept one (so consecutive targets
    differ by at least 10% at the default), and the walk stops at ``min_eigenvalue`` or after
    ``max_count`` targets (spec §6.11: coordinates {0, 1, 2, 3, 5, 10, 20, 40, 60, 100,
    150}, degree <= 6, shrink 0.9, floor 1e-6, at most 1000).

    Parameters
    ----------
    eigenvalues : array-like of shape (d,)
        :math:`\gamma_i`, decreasing, summing to 1.
    level_coeffs : array-like of shape (L + 1,)
    coordinates : sequence of int
        Distinct principal-coordinate indices, each < d.
    shrink : float in (0, 1], default 0.9
    min_eigenvalue : float, default 1e-6
    max_count : int, default 1000

    Returns
    -------
    MonomialSelection

    Examples
    --------
    >>> gamma = planted_spectrum(20)
    >>> chosen = select_monomials(gamma, [1.0, 1.0, 0.5], coordinates=(0, 1, 5),
    ...                           shrink=0.5, min_eigenvalue=1e-3)
    >>> chosen.names
    ('z0', 'z5', 'z0^2', 'z0*z5', 'z5^2')
    """
    from ..spectra import hermite_modes

    gamma = as_float_array(eigenvalues, "eigenvalues", ndim=(1,))
    coeffs = as_float_array(level_coeffs, "level_coeffs", ndim=(1,))
    if np.any(gamma < 0) or np.any(np.diff(gamma) > 0):
        raise ValueError("`eigenvalues` must be non-negative and decreasing (as "
                         "data_statistics returns them).")
    if coeffs.size < 2:
        raise ValueError(f"`level_coeffs` must reach at least degree 1; got {coeffs.size} "
                         "coefficient(s).")
    chosen_coords = sorted({int(c) for c in coordinates})
    if not chosen_coords or chosen_coords[0] < 0 or chosen_coords[-1] >= gamma.size:
        raise ValueError(f"`coordinates` must be indices in [0, {gamma.size}); got "
                         f"{tuple(coordinates)!r}.")
    shrink = check_scalar(shrink, "shrink", minimum=0.0, strictly=True)
    if shrink > 1.0:
        raise ValueError(f"`shrink` must be in (0, 1]; got {shrink!r}.")
    floor = check_scalar(min_eigenvalue, "min_eigenvalue", minimum=0.0)
    if isinstance(max_count, bool) or not isinstance(max_count, Integral) or max_count < 1:
        raise ValueError(f"`max_count` must be an integer >= 1; got {max_count!r}.")
    k, top = len(chosen_coords), coeffs.size - 1
    total = math.comb(k + top, top)  # every multi-index of degree <= L over k coordinates
    without_constant = coeffs.copy()
    without_constant[0] = 0.0
    values, labels = hermite_modes(without_constant, gamma[chosen_coords], total)
    kept, last = [], math.inf
    for value, label in zip(values, labels, strict=True):
        if value < floor or len(kept) == max_count:
            break
        if value <= shrink * last:
            kept.append(tuple((chosen_coords[c], e) for c, e in label))
            last = value
    monomials = tuple(kept)
    return MonomialSelection(
        monomials=monomials,
        hea_eigenvalues=hea_monomial_eigenvalues(monomials, gamma, coeffs) if kept
        else np.empty(0),
        degrees=np.array([sum(e for _, e in m) for m in monomials], dtype=np.int64),
        candidates=len(labels))


# ---------------------------------------------------------------------- inputs
def planted_spectrum(dim: int = 200, *, exponent: float = 2.0, offset: float = 6.0) -> np.ndarray:
    r""":math:`\gamma_i \propto (\text{offset} + i)^{-\text{exponent}}`, :math:`i = 0, \dots,
    d - 1`, normalised to sum 1 (the HEA paper's MLP data: d = 200, offset 6, exponent 2).

    >>> gamma = planted_spectrum(200)
    >>> round(float(gamma.sum()), 12), round(float(1 / np.sum(gamma**2)), 1)
    (1.0, 15.8)
    """
    if isinstance(dim, bool) or not isinstance(dim, Integral) or dim < 1:
        raise ValueError(f"`dim` must be an integer >= 1; got {dim!r}.")
    exponent = check_scalar(exponent, "exponent", minimum=0.0)
    offset = check_scalar(offset, "offset", minimum=0.0, strictly=True)
    values = (offset + np.arange(dim)) ** -exponent
    return values / values.sum()


@dataclass(frozen=True, eq=False)
class MonomialInputs:
    r"""Where the inputs of the study come from.

    Attributes
    ----------
    name : str
    eigenvalues : ndarray of shape (d,)
        :math:`\gamma_i`, decreasing, summing to 1.
    pool : ndarray of shape (N, d) or None
        Real inputs, centred and scaled to :math:`\mathbb E\|x\|^2 = 1` (float32); None for
        Gaussian inputs.
    coordinates : ndarray of shape (N, k) or None
        Their whitened principal coordinates :math:`z_i` (float64).
    """

    name: str
    eigenvalues: np.ndarray
    pool: np.ndarray | None = None
    coordinates: np.ndarray | None = None

    @property
    def dim(self) -> int:
        return int(self.eigenvalues.size)

    @property
    def n_coordinates(self) -> int:
        """Whitened coordinates that monomials may use."""
        return self.dim if self.pool is None else int(self.coordinates.shape[1])

    @property
    def effective_dimension(self) -> float:
        return float(1.0 / np.sum(self.eigenvalues ** 2))


def gaussian_inputs(eigenvalues, *, name: str = "gaussian") -> MonomialInputs:
    r"""Gaussian inputs :math:`x = \sqrt\gamma \odot g`, :math:`g \sim \mathcal N(0, I_d)`,
    drawn fresh at every step; the whitened coordinates are :math:`z = g`.

    ``eigenvalues`` (non-negative, decreasing, e.g. :func:`planted_spectrum`) are normalised to
    sum 1.
    """
    gamma = as_float_array(eigenvalues, "eigenvalues", ndim=(1,))
    if gamma.size == 0 or np.any(gamma <= 0) or np.any(np.diff(gamma) > 0):
        raise ValueError("`eigenvalues` must be positive and decreasing; got "
                         f"{gamma[:6].tolist()}{'...' if gamma.size > 6 else ''}.")
    return MonomialInputs(name=str(name), eigenvalues=gamma / gamma.sum())


def whitened_inputs(x, *, name: str = "data", n_coordinates: int = 256) -> MonomialInputs:
    r"""A real dataset as a pool to resample rows from, with its whitened coordinates.

    The rows are centred and scaled to :math:`\mathbb E\|x\|^2 = 1` and their principal
    coordinates whitened, :math:`z_i = u_i^\top x/\sqrt{\gamma_i}`, with the pool's own
    statistics (:func:`eigenlab.spectra.data_statistics`); each training step draws rows with
    replacement.

    Parameters
    ----------
    x : array-like of shape (N, d)
        Samples as rows (e.g. ``preprocess(load_dataset("mnist").images)``).
    name : str
    n_coordinates : int, default 256
        Whitened coordinates kept (the leading ones with :math:`\gamma_i > 0`).

    Returns
    -------
    MonomialInputs
        The pool is stored in float32 (what the network trains in), the coordinates in float64.
    """
    from ..spectra import data_statistics

    x = as_float_array(x, "x", ndim=(2,))
    if isinstance(n_coordinates, bool) or not isinstance(n_coordinates, Integral) or (
            n_coordinates < 1):
        raise ValueError(f"`n_coordinates` must be an integer >= 1; got {n_coordinates!r}.")
    stats = data_statistics(x)
    pool = stats.transform(x)
    positive = int(np.sum(stats.eigenvalues > 0))
    k = min(int(n_coordinates), positive)
    coordinates = (pool @ stats.directions[:, :k]) / np.sqrt(stats.eigenvalues[:k])
    return MonomialInputs(name=str(name), eigenvalues=stats.eigenvalues,
                          pool=pool.astype(np.float32), coordinates=coordinates)


def _hermite_product(z, monomial):
    """Normalised Hermite product on torch columns z[:, c] (recurrence of hermite_features)."""
    out = None
    for coordinate, exponent in monomial:
        column = z[:, coordinate]
        previous, current = None, column.new_ones(column.shape)
        for k in range(exponent):
            nxt = column * current if previous is None else column * current - math.sqrt(
                k) * previous
            previous, current = current, nxt / math.sqrt(k + 1)
        out = current if out is None else out * current
    return out


def _sampler(inputs: MonomialInputs, monomial, targets, batch_size, generator, device, dtype):
    import torch

    if inputs.pool is None:
        scale = torch.as_tensor(np.sqrt(inputs.eigenvalues), dtype=dtype, device=device)

        def sample(step):
            z = torch.randn(batch_size, inputs.dim, generator=generator, device=device,
                            dtype=dtype)
            return z * scale, _hermite_product(z, monomial)
        return sample

    pool, y = targets

    def sample(step):
        rows = torch.randint(pool.shape[0], (batch_size,), generator=generator, device=device)
        return pool[rows], y[rows]
    return sample
