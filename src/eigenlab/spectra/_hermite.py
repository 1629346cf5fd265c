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

import hashlib
import math
import os
import warnings
from dataclasses import dataclass

import numpy as np

from .._eigensystem import Eigensystem
from .._errors import EigenlabWarning
from .._validation import as_float_array
from ._hermite_modes import _degree_cap, hermite_modes

__all__ = [
    "AnsatzWarning",
    "DataStatistics",
    "HermiteCache",
    "HermiteAnalysis",
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
# Rows per chunk of streamed features: 4,096 x 3,000 columns is a 98 MB buffer, reused.
_ROW_CHUNK = 4096


class AnsatzWarning(EigenlabWarning):
    """One of the HEA's own assumptions fails on this data: treat its prediction with care."""


@dataclass(frozen=True, eq=False)
class DataStatistics:
    r"""Second-order statistics of a dataset, in the HEA's convention.

    Attributes
    ----------
    mean : ndarray of shape (d,)
        Subtracted before scaling (zeros if the data were not centred).
    scale : float
        Factor applied after centring so that :math:`\mathbb{E}\|x\|^2 = 1`.
    eigenvalues : ndarray of shape (d,)
        :math:`\gamma_i`, covariance eigenvalues of the scaled data, decreasing, summing to 1.
    directions : ndarray of shape (d, d)
        Covariance eigenvectors :math:`u_i` as columns.
    n_samples : int
    """

    mean: np.ndarray
    scale: float
    eigenvalues: np.ndarray
    directions: np.ndarray
    n_samples: int

    @property
    def effective_dimension(self) -> float:
        r"""Participation ratio :math:`d_{\rm eff} = 1/\sum_i \gamma_i^2`."""
        return float(1.0 / np.sum(self.eigenvalues ** 2))

    def transform(self, x) -> np.ndarray:
        """Centre and scale new points the same way, shape (N, d)."""
        return (as_float_array(x, "x", ndim=(2,)) - self.mean) * self.scale

    def whiten(self, x, n_coordinates: int | None = None) -> np.ndarray:
        r"""Whitened principal coordinates :math:`z_i = u_i^\top x / \sqrt{\gamma_i}`.

        Only coordinates with :math:`\gamma_i > 0` exist; ``n_coordinates`` keeps the first
        ones. Shape (N, n_coordinates), float64.
        """
        positive = int(np.sum(self.eigenvalues > 0))
        k = positive if n_coordinates is None else min(int(n_coordinates), positive)
        return self._whiten_columns(as_float_array(x, "x", ndim=(2,)), 0, k)

    def _whiten_columns(self, x: np.ndarray, start: int, stop: int) -> np.ndarray:
        # One matrix product with the centring and scaling folded into the directions: no
        # centred copy of the (possibly multi-GB) data is made.
        directions = self.directions[:, start:stop] * (
            self.scale / np.sqrt(self.eigenvalues[start:stop]))
        return x @ directions - self.mean @ directions


def data_statistics(x, *, center: bool = True) -> DataStatistics:
    r"""Covariance spectrum and directions of ``x`` after centring and scaling to
    :math:`\mathbb{E}\|x\|^2 = 1`.

    Parameters
    ----------
    x : array-like of shape (N, d)
        Samples as rows (already flattened and, for images, divided by 255 or not: the
        scaling makes the overall scale irrelevant).
    center : bool, default True

    Returns
    -------
    DataStatistics

    Notes
    -----
    Dtype policy: float64. Cost: one :math:`d \times d` covariance (a symmetric rank-k update
    over the N samples, BLAS ``dsyrk``) and its eigendecomposition (LAPACK ``dsyevr``); for
    CIFAR-10-sized data (N = 50,000, d = 3,072) about 10 s on 2 cores, far cheaper than a
    thin SVD of the data.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> stats = data_statistics(rng.normal(size=(5000, 3)) * [3.0, 2.0, 1.0])
    >>> stats.eigenvalues.round(2), round(stats.effective_dimension, 1)
    (array([0.65, 0.27, 0.07]), 2.0)
    """
    import scipy.linalg
    from scipy.linalg.blas import dsyrk

    x = np.ascontiguousarray(as_float_array(x, "x", ndim=(2,)))
    n_samples, dim = x.shape
    if n_samples < 2 or dim < 1:
        raise ValueError(f"`x` must hold at least 2 samples of at least 1 feature; got shape "
                         f"{x.shape}.")
    mean = x.mean(axis=0) if center else np.zeros(dim)
    # A symmetric rank-k update (half the flops of a matrix product, no centred copy of the
    # data); centring afterwards loses about log10((|mean|/spread)^2) digits of float64.
    moment = _symmetric_from_upper(dsyrk(1.0 / n_samples, x.T, lower=0))
    covariance = moment - np.outer(mean, mean)
    second_moment = float(np.trace(covariance))
    if second_moment <= 1e-12 * max(float(np.trace(moment)), np.finfo(float).tiny):
        raise ValueError("`x` must not be constant: its centred mean squared norm is 0.")
    scale = 1.0 / math.sqrt(second_moment)
    covariance *= scale ** 2
    # LAPACK's MRRR driver: several times faster than the divide-and-conquer default at
    # d = 3,072, and as accurate (backward stable).
    values, vectors = scipy.linalg.eigh(covariance, driver="evr", check_finite=False)
    order = np.argsort(values)[::-1]
    values = np.clip(values[order], 0.0, None)
    values /= values.sum()
    return DataStatistics(mean=mean, scale=scale, eigenvalues=values,
                          directions=vectors[:, order], n_samples=n_samples)


def hermite_features(z, multi_indices, *, out: np.ndarray | None = None) -> np.ndarray:
    r"""Normalised Hermite features :math:`\prod_i \mathrm{He}_{\alpha_i}(z_i)/\sqrt{\alpha_i!}`.

    Built from the stable recurrence :math:`h_{k+1} = (z h_k - \sqrt{k}\,h_{k-1})/\sqrt{k+1}`
    of the normalised polynomials, so each feature has unit mean square for Gaussian data.

    Parameters
    ----------
    z : array-like of shape (N, k)
        Whitened coordinates (:func:`DataStatistics.whiten`).
    multi_indices : sequence of tuple
        As returned by :func:`hermite_modes`.

    out : ndarray of shape (N, len(multi_indices)), optional
        Where to write them (float64, each column contiguous): e.g. rows of a reused
        column-major buffer, so that features can be streamed in row chunks.

    Returns
    -------
    ndarray of shape (N, len(multi_indices)), float64, column-major (Fortran order: one
    feature per contiguous column); ``out`` when given.

    Examples
    --------
    >>> z = np.array([[1.0, 2.0], [0.0, -1.0]])
    >>> hermite_features(z, [(), ((0, 2),), ((0, 1), (1, 1))]).round(4)
    array([[ 1.    ,  0.    ,  2.    ],
           [ 1.    , -0.7071, -0.    ]])
    """
    z = as_float_array(z, "z", ndim=(2,))
    top: dict[int, int] = {}
    for key in multi_indices:
        for coordinate, exponent in key:
            if coordinate >= z.shape[1]:
                raise ValueError(f"`multi_indices` use coordinate {coordinate} but `z` has only "
                                 f"{z.shape[1]} columns.")
            top[coordinate] = max(top.get(coordinate, 0), exponent)
    if z.strides[0] != z.itemsize:
        # Contiguous coordinates: a column of a C-ordered (N, k) array is read with a stride
        # of k values, one cache miss per sample, and the recurrence reads it many times.
        z = np.asfortranarray(z)
    # Degrees 0 and 1 are 1 and z itself; only coordinates raised to a power >= 2 get a
    # table (most of the top modes' coordinates appear linearly), so the tables stay small.
    tables = {}
    for coordinate, highest in top.items():
        if highest < 2:
            continue
        column = z[:, coordinate]
        table = np.empty((highest - 1, z.shape[0]))
        previous, current = np.ones(z.shape[0]), column
        for k in range(1, highest):
            table[k - 1] = (column * current - math.sqrt(k) * previous) / math.sqrt(k + 1)
            previous, current = current, table[k - 1]
        tables[coordinate] = table

    def factor(coordinate, exponent):
        return z[:, coordinate] if exponent == 1 else tables[coordinate][exponent - 2]

    # Each column written once by its first factor, then multiplied in place: no pass to
    # fill a gigabyte-sized buffer with ones first.
    shape = (z.shape[0], len(multi_indices))
    if out is None:
        features = np.empty(shape, order="F")
    elif out.shape != shape or out.dtype != np.float64 or (
            out.size and out.strides[0] != out.itemsize):
        raise ValueError(f"`out` must be a float64 array of shape {shape} with contiguous "
                         f"columns; got {out.dtype} {out.shape}.")
    else:
        features = out
    for j, key in enumerate(multi_indices):
        if not key:
            features[:, j] = 1.0
            continue
        (first, power), *rest = key
        np.copyto(features[:, j], factor(first, power))
        for coordinate, exponent in rest:
            features[:, j] *= factor(coordinate, exponent)
    return features


class HermiteCache:
    r"""The HEA's work on one dataset, reused by every kernel, width and target analysed on it.

    What :func:`hermite_analysis` computes from the data alone does not depend on the kernel:
    the data statistics, the whitened coordinates, and for each multi-index its Hermite
    feature column and inner products with the other columns and with the target. A new
    kernel or width changes only which multi-indices are decomposed, and in which order, so
    with a cache it costs the mode enumeration, the columns not seen before and one Cholesky
    factorisation of their Gram matrix:

    >>> from eigenlab.kernels import GaussianKernel
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(3000, 10)) * np.arange(1, 11) ** -0.5
    >>> cache = HermiteCache()
    >>> for width in (1.0, 2.0):
    ...     analysis = hermite_analysis(x, np.sign(x[:, 0]), GaussianKernel(width=width),
    ...                                 n_modes=300, cache=cache, warn=False)
    >>> cache.n_columns >= 300  # the feature columns of both widths' target modes
    True
    >>> cache.nbytes < cache.n_columns * x.shape[0] * 8  # but never the feature matrix
    True

    A cache belongs to one data matrix (it checks the shape and a sample of rows, and
    raises on a different one); targets may change, and their inner products are kept per
    target. Memory: the N x k whitened coordinates (k coordinates used so far), float64,
    and the m x m Gram matrix of the m multi-indices decomposed so far; :attr:`nbytes`
    reports it and :meth:`clear` frees it. The N x m feature matrix itself is never held:
    features are made in chunks of rows, their products accumulated, and made again when a
    later kernel or target needs products with them (elementwise work, a few percent of the
    matrix products).

    Notes
    -----
    Cholesky-QR: for features :math:`F` (columns in decreasing-eigenvalue order) with Gram
    matrix :math:`F^\top F = LL^\top`, the Gram-Schmidt coefficients of the target are
    :math:`Q^\top y = L^{-1}F^\top y`; any order of any subset of the cached columns is a
    principal submatrix of the cached Gram matrix, so no product is ever recomputed.
    """

    def __init__(self):
        self.clear()

    def clear(self) -> None:
        """Forget everything (frees the memory)."""
        self._key = None
        self._statistics = None
        self._z = np.empty((0, 0), order="F")
        self._zcount = 0
        self._labels: list = []
        self._index: dict = {}
        self._gram = np.empty((0, 0))
        self._moments: dict = {}
        self._last_modes = (None, None)

    @property
    def statistics(self) -> DataStatistics | None:
        """The data statistics, once computed."""
        return self._statistics

    @property
    def n_columns(self) -> int:
        """Hermite feature columns held."""
        return len(self._labels)

    @property
    def nbytes(self) -> int:
        """Bytes of data the cache holds (the coordinates computed, the Gram matrix, the
        target products). The coordinate buffer reserves room beyond, as address space that
        takes memory only once written; the last mode list's label tuples, Python objects,
        are not counted."""
        moments = sum(m.nbytes for m in self._moments.values())
        return int(self._zcount * self._z.shape[0] * 8 + self._gram.nbytes + moments)

    def _bind(self, x: np.ndarray, center: bool, statistics: DataStatistics | None):
        rows = x[np.linspace(0, x.shape[0] - 1, num=min(64, x.shape[0])).astype(int)]
        key = (x.shape, bool(center), hashlib.blake2b(np.ascontiguousarray(rows).tobytes(),
                                                      digest_size=16).hexdigest())
        if self._key is None:
            self._key = key
        elif key != self._key:
            raise ValueError("`cache` holds the work of different data (shape, centring or "
                             "sampled rows differ from `x`); use one HermiteCache per dataset.")
        if statistics is not None:
            if self._statistics is not None and statistics is not self._statistics:
                raise ValueError("`statistics` differs from the statistics held by `cache`; "
                                 "pass one of them.")
            self._statistics = statistics
        if self._statistics is None:
            self._statistics = data_statistics(x, center=center)
        return self._statistics

    def _modes(self, level_coeffs: np.ndarray, n_modes: int):
        """hermite_modes on the held spectrum; the last result is kept (a second target with
        the same kernel reuses it)."""
        key = (level_coeffs.tobytes(), int(n_modes))
        if self._last_modes[0] != key:
            self._last_modes = (key, hermite_modes(level_coeffs, self._statistics.eigenvalues,
                                                   n_modes))
        values, labels = self._last_modes[1]
        return values.copy(), list(labels)

    def _coordinates(self, x: np.ndarray, k: int) -> np.ndarray:
        """The first ``k`` whitened coordinates, computing only those not held yet."""
        have = self._zcount
        if k > have:
            if k > self._z.shape[1] or self._z.shape[0] != x.shape[0]:
                # Room for every direction: address space only, committed as filled.
                positive = int(np.sum(self._statistics.eigenvalues > 0))
                self._z = _grown(self._z[:, :have], x.shape[0], k, positive)
            self._z[:, have:k] = self._statistics._whiten_columns(x, have, k)
            self._zcount = k
        return self._z[:, :k]

    def _streamed(self, z: np.ndarray, labels: list):
        """(rows, features of ``labels`` on those rows, scaled by 1/sqrt(N)) in chunks of
        rows, written into one reused buffer (valid until the next chunk)."""
        n_samples = z.shape[0]
        buffer = np.empty((min(_ROW_CHUNK, n_samples), len(labels)), order="F")
        scale = 1.0 / math.sqrt(n_samples)
        for start in range(0, n_samples, _ROW_CHUNK):
            rows = slice(start, min(start + _ROW_CHUNK, n_samples))
            block = buffer[:rows.stop - rows.start]
            hermite_features(z[rows], labels, out=block)
            block *= scale
            yield rows, block

    def _add_columns(self, x: np.ndarray, labels: list) -> None:
        from scipy.linalg.blas import dgemm, dsyrk

        new = [key for key in dict.fromkeys(labels) if key not in self._index]
        if not new:
            return
        used = max((c for key in self._labels + new for c, _ in key), default=-1) + 1
        z = self._coordinates(x, max(used, 1))
        m, k = len(self._labels), len(new)
        # Products of the new columns with the held ones and among themselves, accumulated
        # over row chunks (the held columns are made again per chunk: elementwise work).
        cross = np.zeros((m, k), order="F")
        upper = np.zeros((k, k), order="F")
        moments = {target: np.zeros((k, target.values.shape[1])) for target in self._moments}
        for rows, block in self._streamed(z, self._labels + new):
            held, added = block[:, :m], block[:, m:]
            if m:
                cross = dgemm(1.0, held, added, beta=1.0, c=cross, trans_a=1, overwrite_c=1)
            upper = dsyrk(1.0, added, beta=1.0, c=upper, trans=1, lower=0, overwrite_c=1)
            for target, total in moments.items():
                total += added.T @ target.values[rows]
        gram = np.empty((m + k, m + k))
        gram[:m, :m] = self._gram
        gram[:m, m:] = cross
        gram[m:, :m] = cross.T
        gram[m:, m:] = _symmetric_from_upper(upper)
        self._gram = gram
        for target, total in moments.items():
            self._moments[target] = np.concatenate([self._moments[target], total])
        for j, key in enumerate(new):
            self._index[key] = m + j
        self._labels += new

    def _target_moments(self, y: np.ndarray) -> np.ndarray:
        r""":math:`F^\top y/\sqrt N` for every held column, kept per target."""
        target = _Target(y)
        if target not in self._moments:
            total = np.zeros((len(self._labels), target.values.shape[1]))
            if self._labels:
                used = max((c for key in self._labels for c, _ in key), default=-1) + 1
                z = self._z[:, :max(used, 1)]
                for rows, block in self._streamed(z, self._labels):
                    total += block.T @ target.values[rows]
            self._moments[target] = total
        return self._moments[target]

    def _project(self, x: np.ndarray, y: np.ndarray, labels: list) -> np.ndarray:
        r"""Gram-Schmidt coefficients :math:`Q^\top y/\sqrt N` of ``y`` on the features of
        ``labels`` taken in order; shape (len(labels), n_outputs)."""
        import scipy.linalg

        self._add_columns(x, labels)
        index = np.fromiter((self._index[key] for key in labels), dtype=np.int64,
                            count=len(labels))
        moments = self._target_moments(y)[index]
        try:
            factor = scipy.linalg.cholesky(self._gram[np.ix_(index, index)], lower=True,
                                           check_finite=False)
            diagonal = np.diagonal(factor)
            if diagonal.min() / diagonal.max() > 1e-6:
                return scipy.linalg.solve_triangular(factor, moments, lower=True,
                                                     check_finite=False)
        except np.linalg.LinAlgError:
            pass
        # Ill-conditioned features: Householder QR of [F, y/sqrt(N)], in order (the one
        # place the whole feature matrix is made).
        used = max((c for key in labels for c, _ in key), default=-1) + 1
        features = hermite_features(self._z[:, :max(used, 1)], labels)
        features *= 1.0 / math.sqrt(x.shape[0])
        target = y.reshape(y.shape[0], -1) / math.sqrt(y.shape[0])
        r = np.linalg.qr(np.concatenate([features, target], axis=1), mode="r")
        signs = np.sign(np.diagonal(r)[:len(labels)])
        signs[signs == 0] = 1.0
        return r[:len(labels), len(labels):] * signs[:, None]


def _symmetric_from_upper(matrix: np.ndarray) -> np.ndarray:
    """Copy the upper triangle (what BLAS ``syrk`` computes) onto the lower one, in place,
    in square blocks that stay in cache (``np.triu`` sums cost three full-size copies)."""
    size, block = matrix.shape[0], 256
    for start in range(0, size, block):
        stop = min(start + block, size)
        diagonal = matrix[start:stop, start:stop]
        lower = np.tril_indices(stop - start, -1)
        diagonal[lower] = diagonal.T[lower]
        matrix[stop:, start:stop] = matrix[start:stop, stop:].T
    return matrix


def _grown(held: np.ndarray, rows: int, needed: int, wanted: int) -> np.ndarray:
    """A column-major buffer of at least ``needed`` columns, up to ``wanted`` if half the
    machine's memory allows (unwritten pages cost address space, not memory), starting with
    the columns ``held``."""
    budget = _physical_memory() // 2 // (8 * max(rows, 1))
    buffer = np.empty((rows, int(max(needed, min(wanted, budget)))), order="F")
    if held.size:
        buffer[:, :held.shape[1]] = held
    return buffer


def _physical_memory() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):  # not POSIX: assume a small machine
        return 8 * 2**30


class _Target:
    """A target's values (scaled by 1/sqrt(N), 2D) hashed by content, as a cache key."""

    def __init__(self, y: np.ndarray):
        self.values = np.ascontiguousarray(y.reshape(y.shape[0], -1)) / math.sqrt(y.shape[0])
        self._hash = hashlib.blake2b(self.values.tobytes(), digest_size=16).hexdigest()

    def __hash__(self):
        return hash(self._hash)

    def __eq__(self, other):
        return isinstance(other, _Target) and other._hash == self._hash


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
