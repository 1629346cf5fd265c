r"""The HEA's reusable work on one dataset: :class:`HermiteCache`."""

from __future__ import annotations

import hashlib
import math
import os

import numpy as np

from ._hermite_data import (
    DataStatistics,
    _symmetric_from_upper,
    data_statistics,
    hermite_features,
)
from ._hermite_modes import hermite_modes

__all__ = ["HermiteCache"]

# Rows per chunk of streamed features: 4,096 x 3,000 columns is a 98 MB buffer, reused.
_ROW_CHUNK = 4096


class HermiteCache:
    r"""The HEA's work on one dataset, reused by every kernel, width and target analysed on it.

    What :func:`hermite_analysis` computes from the data alone does not depend on the kernel:
    the data statistics, the whitened coordinates, and for each multi-index its Hermite
    feature column and inner products with the other columns and with the target. A new
    kernel or width changes only which multi-indices are decomposed, and in which order, so
    with a cache it costs the mode enumeration, the columns not seen before and one Cholesky
    factorisation of their Gram matrix:

    >>> from eigenlab.kernels import GaussianKernel
    >>> from eigenlab.spectra import hermite_analysis
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

    @staticmethod
    def fingerprint(x, center: bool = True) -> tuple:
        """What identifies the data a cache belongs to: the shape, the centring and a hash of
        64 rows spread over ``x``; equal fingerprints let a caller pick the cache to reuse."""
        x = np.asarray(x)
        rows = x[np.linspace(0, x.shape[0] - 1, num=min(64, x.shape[0])).astype(int)]
        return (x.shape, bool(center), hashlib.blake2b(np.ascontiguousarray(
            rows, dtype=np.float64).tobytes(), digest_size=16).hexdigest())

    def _bind(self, x: np.ndarray, center: bool, statistics: DataStatistics | None):
        key = self.fingerprint(x, center)
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
