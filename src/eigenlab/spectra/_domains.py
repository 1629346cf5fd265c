r"""Exact eigensystems of dot-product kernels on the analytic domains of the eigenlearning paper.

A dot-product kernel is a function of :math:`t = x \cdot x'` only, passed as a vectorised
callable ``kernel(t)`` on :math:`t \in [-1, 1]` (on the hypercube :math:`t = x \cdot x' / d`).
On these domains the symmetry of the data fixes the eigenfunctions (Fourier modes, parities,
spherical harmonics); only the eigenvalue of each degenerate level has to be computed:

* unit circle, :math:`M` equally spaced points: a circulant Gram matrix, diagonalised by the
  discrete Fourier transform;
* Boolean hypercube :math:`\{-1, +1\}^d`: a Krawtchouk transform of :math:`d + 1` kernel
  values, computed from exact integers;
* hypersphere :math:`S^{d-1}`: the Funk-Hecke integral, by Gauss-Gegenbauer quadrature.

Every eigenvalue is a signed sum of kernel values, so its absolute accuracy is a few units in
the last place of the sum of the terms' magnitudes. A level whose eigenvalue is below that
resolution (a far-down level of a smooth kernel, whose true value may be :math:`10^{-40}`) is
reported as exactly zero instead of as round-off of either sign, and whatever trace
:math:`\mathbb{E}_x K(x, x) = K(1)` the listed modes do not carry (beyond round-off) is kept as
``tail_mass``, which the theory treats as extra ridge. On the sphere that includes the degrees
beyond ``max_degree``; on the finite domains it is the mass of the unresolved levels, which
matters when their multiplicities are huge (a hypercube of dimension 40 and more).
"""

from __future__ import annotations

import math
import warnings
from numbers import Integral

import numpy as np
from scipy.linalg import eigvalsh_tridiagonal

from .._eigensystem import Eigensystem
from .._errors import EigenlabWarning
from .._validation import as_float_array, check_nonnegative

__all__ = [
    "hypercube_eigensystem",
    "hypersphere_eigensystem",
    "parity_target_power",
    "unit_circle_eigensystem",
]

_EPS = float(np.finfo(np.float64).eps)
# Resolution of a signed sum, in units of eps times the sum of its terms' magnitudes (with
# each kernel value's error scale |K| + |K'|, see _sensitivity). Covers the kernel's own
# evaluation error, the rounding of the grid, the weights and the sum; measured errors of the
# three transforms here stay below about 10 of these units.
_ROUNDOFF_ULPS = 32
# A hypersphere spectrum is flagged when halving the quadrature rule moves an eigenvalue by
# more than this, relative to the largest: Gauss rules converge geometrically for smooth
# kernels, so a rule that agrees with its half to this level is accurate far beyond it.
_QUADRATURE_RTOL = 1e-8
# C(1030, 515) overflows float64, and multiplicities are stored as float64.
_MAX_HYPERCUBE_DIM = 1000


# ---------------------------------------------------------------------- boundary checks
def _check_integer(value: object, name: str, minimum: int, *, hint: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"`{name}` must be an integer >= {minimum}{hint}; got {value!r}.")
    if value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}{hint}; got {value!r}.")
    return int(value)


def _evaluate_kernel(kernel: object, t: np.ndarray) -> np.ndarray:
    """``kernel(t)`` as float64, after checking it is a real, finite, vectorised function."""
    if not callable(kernel):
        raise TypeError(
            f"`kernel` must be a callable of t = x.x' (vectorised over a numpy array); got "
            f"{kernel!r}."
        )
    values = np.asarray(kernel(t.copy()))
    if values.dtype.kind not in "fiub":
        raise TypeError(f"`kernel` must return real numbers; got dtype {values.dtype}.")
    if values.shape != t.shape:
        raise ValueError(
            f"`kernel` must be vectorised: kernel(t) for t of shape {t.shape} must return an "
            f"array of the same shape; got shape {values.shape}."
        )
    values = values.astype(np.float64)
    bad = ~np.isfinite(values)
    if np.any(bad):
        where = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"`kernel` must return finite values on [-1, 1]; got kernel({float(t[where])!r}) "
            f"= {float(values[where])!r}."
        )
    return values


def _level_coeffs(target_power: object, n_levels: int, size: str) -> np.ndarray | None:
    """Target coefficients :math:`v_k = \\sqrt{\\text{power}_k}` from per-level powers."""
    if target_power is None:
        return None
    power = as_float_array(target_power, "target_power", ndim=(1, 2))
    if power.shape[0] != n_levels:
        raise ValueError(
            f"`target_power` must have shape ({n_levels},) or ({n_levels}, n_outputs), one "
            f"entry per level ({size}); got shape {power.shape}."
        )
    return np.sqrt(check_nonnegative(power, "target_power"))


def _sensitivity(values: np.ndarray, t: np.ndarray) -> np.ndarray:
    """:math:`|K(t)| + |K'(t)|` on a strictly monotone grid: the size of a kernel value's error,
    in ulps, once the grid point's own rounding (up to an ulp of 1) is propagated through a
    steep kernel such as a narrow Gaussian. The derivative is a finite-difference estimate."""
    return np.abs(values) + np.abs(np.gradient(values, t))


def _resolve(eigenvalues: np.ndarray, magnitude: np.ndarray, multiplicities: np.ndarray,
             trace: float) -> tuple[np.ndarray, float, float]:
    """Zero the eigenvalues below the round-off of their own sum; account for the trace.

    ``magnitude[k]`` is the sum of the magnitudes of the terms of eigenvalue ``k``, each term's
    kernel value replaced by its :func:`_sensitivity`. Returns the eigenvalues, the trace
    :math:`K(1)` minus the listed modes' mass (the degrees not listed and the levels too small
    to resolve), and the round-off of that difference.
    """
    resolved = np.abs(eigenvalues) > _ROUNDOFF_ULPS * _EPS * magnitude
    eigenvalues = np.where(resolved, eigenvalues, 0.0)
    leftover = trace - float(np.dot(multiplicities, eigenvalues))
    # The levels' errors are independent and typically well below one ulp of their magnitude
    # (which adds |terms|), so the listed mass is resolved to about one ulp of the weighted
    # magnitudes; the worst-case bound would hide real unresolved mass on large hypercubes.
    uncertainty = _EPS * (_ROUNDOFF_ULPS * abs(trace)
                          + float(np.dot(multiplicities[resolved], magnitude[resolved])))
    return eigenvalues, leftover, uncertainty


# ---------------------------------------------------------------------- unit circle
def unit_circle_eigensystem(kernel, n_points: int, *, target=None) -> Eigensystem:
    r"""Eigensystem of a dot-product kernel on :math:`M` equally spaced points of the circle.

    The points are :math:`x_j = (\cos\theta_j, \sin\theta_j)` with
    :math:`\theta_j = 2\pi j / M`, weighted uniformly, so :math:`x_i \cdot x_j =
    \cos(\theta_i - \theta_j)` and the Gram matrix is circulant. Its Fourier modes are the
    eigenfunctions (orthonormal under the uniform measure on the points: :math:`1`,
    :math:`\sqrt 2 \cos k\theta`, :math:`\sqrt 2 \sin k\theta`, and :math:`\cos(M\theta/2)` for
    even :math:`M`), and the eigenvalue of the integral operator (the Gram matrix over
    :math:`M`) at frequency :math:`k = 0, \dots, \lfloor M/2 \rfloor` is

    .. math:: \lambda_k = \frac{1}{M} \sum_{j=0}^{M-1} K(\cos\theta_j) \cos(k\theta_j),

    with multiplicity 2 (cosine and sine) except for :math:`k = 0` and :math:`k = M/2`, which
    have multiplicity 1. The target's coefficient on level :math:`k` is the square root of its
    power there, measured with the population norm
    :math:`\mathbb{E}_\theta[f^2] = \frac1M \sum_j f(\theta_j)^2`, so that
    :math:`\sum_k v_k^2 = \mathbb{E}_\theta[f^2]` (Parseval).

    Parameters
    ----------
    kernel : callable
        :math:`K(t)` for :math:`t = x \cdot x' \in [-1, 1]`, vectorised over a float64 array;
        e.g. ``lambda t: np.exp(-(1 - t) / s**2)`` for a Gaussian kernel of width ``s``.
    n_points : int
        Number of points :math:`M \ge 2`.
    target : callable or array-like of shape (n_points,) or (n_points, n_outputs), optional
        The target function: a callable of the angle :math:`\theta` (vectorised over the array
        of the :math:`M` grid angles) or its values on the grid. ``None`` means the zero
        target.

    Returns
    -------
    Eigensystem
        :math:`\lfloor M/2 \rfloor + 1` modes sorted by decreasing eigenvalue, with
        ``mode_labels`` the frequencies :math:`k`, ``multiplicities`` 1 or 2 (summing to
        :math:`M`). Every mode is listed; eigenvalues below the round-off of their sum are
        reported as zero, and ``tail_mass`` is their mass if it exceeds round-off (in practice
        0 on the circle).

    References
    ----------
    Simon, Dickens, Karkada, DeWeese, "The eigenlearning framework: a conservation law
    perspective on kernel regression and wide neural networks", TMLR 2023, arXiv:2110.03922
    (the unit-circle experiments).

    Examples
    --------
    >>> es = unit_circle_eigensystem(lambda t: np.exp(-(1 - t) / 0.5**2), 64,
    ...                              target=lambda theta: np.sqrt(2) * np.cos(3 * theta))
    >>> es.mode_labels[:4].tolist(), float(es.n_functions)
    ([0, 1, 2, 3], 64.0)
    >>> print(f"{es.target_coeffs[es.mode_labels == 3][0]:.12f}")
    1.000000000000
    """
    n_points = _check_integer(n_points, "n_points", 2)
    index = np.arange(n_points)
    # cos(2 pi j / M) for j and M - j from the same angle, so the circulant is exactly symmetric.
    t = np.cos(2 * np.pi * np.minimum(index, n_points - index) / n_points)
    values = _evaluate_kernel(kernel, t)

    n_levels = n_points // 2 + 1
    multiplicities = np.full(n_levels, 2.0)
    multiplicities[0] = 1.0
    if n_points % 2 == 0:
        multiplicities[-1] = 1.0
    # The FFT's error is normwise: a fraction of an ulp of the mean magnitude in every level.
    half = np.arange(n_levels)
    sensitivity = _sensitivity(values[half], t[half])[np.minimum(index, n_points - index)]
    magnitude = np.full(n_levels, np.mean(sensitivity))
    eigenvalues, leftover, uncertainty = _resolve(np.fft.rfft(values).real / n_points,
                                                  magnitude, multiplicities, values[0])

    target_coeffs = None
    if target is not None:
        theta = 2 * np.pi * index / n_points
        if callable(target):
            target = target(theta.copy())
        target_values = as_float_array(target, "target", ndim=(1, 2))
        if target_values.shape[0] != n_points:
            raise ValueError(
                f"`target` must have shape ({n_points},) or ({n_points}, n_outputs), one value "
                f"per grid point; got shape {target_values.shape}."
            )
        spectrum = np.fft.rfft(target_values, axis=0)
        weight = multiplicities if target_values.ndim == 1 else multiplicities[:, None]
        target_coeffs = np.sqrt(weight * np.abs(spectrum) ** 2) / n_points

    return Eigensystem.sorted(eigenvalues, target_coeffs, multiplicities=multiplicities,
                              mode_labels=np.arange(n_levels),
                              tail_mass=leftover if leftover > uncertainty else 0.0)


# ---------------------------------------------------------------------- hypercube
def _krawtchouk_weights(dim: int) -> np.ndarray:
    r"""``W[k, j]`` = :math:`2^{-d}` times the coefficient of :math:`z^j` in
    :math:`(1 - z)^k (1 + z)^{d - k}`, i.e. the sum of a level-``k`` parity over the points at
    Hamming distance ``j`` from the all-ones point, over :math:`2^d`.

    Built from exact integers by the three-term recurrence in ``j`` and rounded once, so it is
    exact to float64 precision for any ``dim`` (the integers reach :math:`\binom{d}{d/2}`).
    """
    scale = 2**dim
    weights = np.empty((dim + 1, dim + 1))
    for k in range(dim + 1):
        previous, current = 0, 1
        row = [current]
        for j in range(dim):
            # (j + 1) a_{j+1} = (d - 2k) a_j - (d - j + 1) a_{j-1}, from (1 - z^2) G' = (d - 2k
            # - d z) G for the generating function G; the division is exact.
            previous, current = current, ((dim - 2 * k) * current
                                          - (dim - j + 1) * previous) // (j + 1)
            row.append(current)
        weights[k] = [a / scale for a in row]
    return weights


def hypercube_eigensystem(kernel, dim: int, *, target_power=None) -> Eigensystem:
    r"""Eigensystem of a dot-product kernel on the Boolean hypercube :math:`\{-1, +1\}^d`.

    Under the uniform measure on the :math:`2^d` vertices, with :math:`t = x \cdot x' / d`, the
    eigenfunctions are the parities :math:`\chi_S(x) = \prod_{i \in S} x_i`, and the eigenvalue
    depends only on the level :math:`k = |S|`, with multiplicity :math:`\binom{d}{k}`. Grouping
    the vertices by their Hamming distance :math:`j` from :math:`x`,

    .. math:: \lambda_k = 2^{-d} \sum_{j=0}^{d} K\!\left(1 - \frac{2j}{d}\right)
        \sum_i (-1)^i \binom{k}{i}\binom{d-k}{j-i}
        = \frac{2^{-d}}{\binom{d}{k}} \sum_{j=0}^{d} \binom{d}{j}
        K\!\left(1 - \frac{2j}{d}\right) \mathcal{K}_k(j),

    with :math:`\mathcal{K}_k(j) = \sum_i (-1)^i \binom{j}{i}\binom{d-j}{k-i}` the Krawtchouk
    polynomial. The combinatorial weights are computed from exact integers, so any
    ``dim`` up to 1000 works. Levels below the round-off of the sum are reported as zero and
    their total mass (:math:`K(1)` minus the listed mass, when above round-off) as
    ``tail_mass``: at large :math:`d` the multiplicities make it far larger than round-off.

    Parameters
    ----------
    kernel : callable
        :math:`K(t)` for :math:`t = x \cdot x' / d \in [-1, 1]`, vectorised over a float64
        array. It is evaluated at the :math:`d + 1` values :math:`1 - 2j/d`.
    dim : int
        The dimension :math:`d`, from 1 to 1000.
    target_power : array-like of shape (dim + 1,) or (dim + 1, n_outputs), optional
        The target's power :math:`\mathbb{E}[f_k^2]` in each level :math:`k = 0, \dots, d`,
        aggregated over the :math:`\binom{d}{k}` parities of the level (a parity on ``n_bits``
        bits has power 1 in level ``n_bits``: see :func:`parity_target_power`). ``None`` means
        the zero target.

    Returns
    -------
    Eigensystem
        :math:`d + 1` modes sorted by decreasing eigenvalue, with ``mode_labels`` the level
        :math:`k`, ``multiplicities`` :math:`\binom{d}{k}` (summing to :math:`2^d`) and the
        mass of the unresolved levels in ``tail_mass``.

    References
    ----------
    Simon, Dickens, Karkada, DeWeese, "The eigenlearning framework", TMLR 2023,
    arXiv:2110.03922 (the hypercube experiments). Yang and Salman, "A fine-grained spectral
    perspective on neural networks", 2019, arXiv:1907.10599 (the Boolean-cube spectrum).

    Examples
    --------
    >>> es = hypercube_eigensystem(np.exp, 10, target_power=parity_target_power(10, 2))
    >>> float(es.n_functions), es.mode_labels[:3].tolist()
    (1024.0, [0, 1, 2])
    >>> print(f"{es.trace:.12f}")  # E K(x, x) = K(1) = e
    2.718281828459
    """
    dim = _check_integer(dim, "dim", 1)
    if dim > _MAX_HYPERCUBE_DIM:
        raise ValueError(
            f"`dim` must be an integer in [1, {_MAX_HYPERCUBE_DIM}] (beyond it the "
            f"multiplicities approach the float64 range); got {dim!r}."
        )
    target_coeffs = _level_coeffs(target_power, dim + 1, "dim + 1")
    distances = np.arange(dim + 1)
    t = (dim - 2 * distances) / dim
    values = _evaluate_kernel(kernel, t)
    weights = _krawtchouk_weights(dim)
    multiplicities = np.array([float(math.comb(dim, k)) for k in range(dim + 1)])
    eigenvalues, leftover, uncertainty = _resolve(
        weights @ values, np.abs(weights) @ _sensitivity(values, t), multiplicities, values[0])
    return Eigensystem.sorted(eigenvalues, target_coeffs, multiplicities=multiplicities,
                              mode_labels=distances,
                              tail_mass=leftover if leftover > uncertainty else 0.0)


def parity_target_power(dim: int, n_bits: int) -> np.ndarray:
    r"""Per-level power of a parity :math:`\chi_S(x) = \prod_{i \in S} x_i` on the hypercube.

    A parity on :math:`|S|` = ``n_bits`` bits is one unit-norm eigenfunction of level
    ``n_bits``, so its power is 1 there and 0 elsewhere.

    Parameters
    ----------
    dim : int
        The dimension :math:`d \ge 1`.
    n_bits : int
        The number of bits :math:`|S|`, from 0 to ``dim``.

    Returns
    -------
    ndarray of shape (dim + 1,)
        The ``target_power`` argument of :func:`hypercube_eigensystem`.

    References
    ----------
    Simon, Dickens, Karkada, DeWeese, "The eigenlearning framework", TMLR 2023,
    arXiv:2110.03922 (learning parities on the hypercube).

    Examples
    --------
    >>> parity_target_power(4, 2).tolist()
    [0.0, 0.0, 1.0, 0.0, 0.0]
    """
    dim = _check_integer(dim, "dim", 1)
    n_bits = _check_integer(n_bits, "n_bits", 0)
    if n_bits > dim:
        raise ValueError(f"`n_bits` must be an integer in [0, dim={dim}]; got {n_bits!r}.")
    power = np.zeros(dim + 1)
    power[n_bits] = 1.0
    return power


# ---------------------------------------------------------------------- hypersphere
def _sphere_legendre(n_degrees: int, dim: int, t: np.ndarray) -> np.ndarray:
    """Legendre polynomials of the sphere, :math:`P_k = C_k^{(d/2-1)} / C_k^{(d/2-1)}(1)`,
    for ``k < n_degrees``; bounded by 1 on [-1, 1], so the recurrence cannot overflow."""
    values = np.empty((n_degrees, t.size))
    values[0] = 1.0
    if n_degrees > 1:
        values[1] = t
    for k in range(1, n_degrees - 1):
        values[k + 1] = ((2 * k + dim - 2) * t * values[k] - k * values[k - 1]) / (k + dim - 2)
    return values


def _gegenbauer_rule(n_nodes: int, dim: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Gauss rule for the probability measure :math:`\propto (1 - t^2)^{(d-3)/2}` on [-1, 1].

    Golub-Welsch nodes (eigenvalues of the Jacobi matrix of the Gegenbauer weight with
    parameter :math:`\alpha = d/2 - 1`), one Newton step on the orthonormal polynomial and
    Christoffel weights :math:`w_j = 1 / \sum_{k<n} q_k(t_j)^2`. Unlike
    ``scipy.special.roots_gegenbauer`` this stays accurate to a few ulps for large rules and
    works for any dimension (where the weight underflows, the rule's weights are zero).
    """
    alpha = dim / 2 - 1
    k = np.arange(1, n_nodes, dtype=np.float64)
    off_diagonal = np.sqrt(k * (k + 2 * alpha - 1) / (4 * (k + alpha) * (k + alpha - 1)))
    nodes = eigvalsh_tridiagonal(np.zeros(n_nodes), off_diagonal)
    coupling = np.concatenate([[0.0], off_diagonal, [1.0]])
    with np.errstate(all="ignore"):  # q_k overflows only where the weight underflows
        for polish in (True, False):
            q_previous, q = np.zeros(n_nodes), np.ones(n_nodes)
            dq_previous, dq = np.zeros(n_nodes), np.zeros(n_nodes)
            christoffel = np.zeros(n_nodes)
            for j in range(n_nodes):
                christoffel += q * q
                q_previous, q = q, (nodes * q - coupling[j] * q_previous) / coupling[j + 1]
                dq_previous, dq = dq, ((q_previous + nodes * dq - coupling[j] * dq_previous)
                                       / coupling[j + 1])
            if polish:
                step = q / dq
                nodes = np.where(np.isfinite(step), nodes - step, nodes)
        weights = np.where(np.isfinite(christoffel), 1.0 / christoffel, 0.0)
    return nodes, weights / weights.sum()


def _funk_hecke(kernel, dim: int, n_degrees: int, n_nodes: int):
    """Eigenvalues of degrees < n_degrees by an ``n_nodes`` rule, and their magnitudes."""
    nodes, weights = _gegenbauer_rule(n_nodes, dim)
    legendre = _sphere_legendre(n_degrees, dim, nodes)
    values = _evaluate_kernel(kernel, nodes)
    return (legendre @ (weights * values),
            np.abs(legendre) @ (weights * _sensitivity(values, nodes)))


def _sphere_multiplicities(dim: int, max_degree: int) -> np.ndarray:
    counts = [1] + [(2 * k + dim - 2) * math.comb(k + dim - 3, k - 1) // k
                    for k in range(1, max_degree + 1)]
    if counts[-1] > np.finfo(np.float64).max:
        raise ValueError(
            f"The number of spherical harmonics of degree `max_degree`={max_degree} in "
            f"`dim`={dim} exceeds float64; use a smaller `max_degree`."
        )
    return np.array([float(c) for c in counts])


def hypersphere_eigensystem(kernel, dim: int, *, max_degree: int, target_power=None,
                            n_quadrature: int = 1000) -> Eigensystem:
    r"""Eigensystem of a dot-product kernel on the unit sphere :math:`S^{d-1} \subset
    \mathbb{R}^d`.

    Under the uniform measure on the sphere the eigenfunctions are the spherical harmonics,
    and by the Funk-Hecke formula the eigenvalue of degree :math:`k` is

    .. math:: \lambda_k = \frac{\Gamma(d/2)}{\sqrt\pi\,\Gamma((d-1)/2)}
        \int_{-1}^{1} K(t) P_k(t) (1 - t^2)^{(d-3)/2} \, dt,
        \qquad P_k = C_k^{(d/2-1)} / C_k^{(d/2-1)}(1),

    with multiplicity :math:`m_0 = 1`, :math:`m_k = \frac{2k+d-2}{k}\binom{k+d-3}{k-1}` (the
    number of spherical harmonics of degree :math:`k`). The integral is computed by an
    ``n_quadrature``-point Gauss rule for the weight :math:`(1 - t^2)^{(d-3)/2}` (Gegenbauer
    parameter :math:`d/2 - 1`). Degrees beyond ``max_degree`` are kept as ``tail_mass``
    :math:`= K(1) - \sum_{k \le k_{\max}} m_k \lambda_k` (set to 0 when within round-off),
    since the trace :math:`\mathbb{E}_x K(x, x)` is :math:`K(1)`.

    By Schoenberg's theorem :math:`K` is positive semi-definite on every :math:`S^{d-1}` iff
    its expansion in the :math:`P_k` has non-negative coefficients; a kernel that is not PSD on
    this sphere has a negative :math:`\lambda_k` and is refused.

    Parameters
    ----------
    kernel : callable
        :math:`K(t)` for :math:`t = x \cdot x' \in [-1, 1]`, vectorised over a float64 array;
        e.g. ``lambda t: np.exp(-(1 - t) / s**2)`` for a Gaussian kernel of width ``s``.
    dim : int
        The ambient dimension :math:`d \ge 3` (the sphere :math:`S^{d-1}`).
    max_degree : int
        The largest degree :math:`k_{\max} \ge 0` listed as a mode.
    target_power : array-like of shape (max_degree + 1,) or (max_degree + 1, n_outputs), optional
        The target's power in each degree :math:`k = 0, \dots, k_{\max}`, aggregated over the
        :math:`m_k` harmonics of the degree. ``None`` means the zero target.
    n_quadrature : int, default 1000
        Number of quadrature nodes, at least :math:`2(k_{\max} + 1)`. Raise it for a kernel
        that is sharply peaked at :math:`t = 1`.

    Returns
    -------
    Eigensystem
        :math:`k_{\max} + 1` modes sorted by decreasing eigenvalue, with ``mode_labels`` the
        degree :math:`k`, ``multiplicities`` :math:`m_k` and the trace beyond them in
        ``tail_mass``. Eigenvalues below the round-off of their quadrature sum are reported as
        zero (their mass then counts in ``tail_mass``).

    Warns
    -----
    EigenlabWarning
        If the quadrature looks unconverged: a rule of half the size changes an eigenvalue by
        more than 1e-8 of the largest, or the listed modes carry more than the trace
        :math:`K(1)`.

    References
    ----------
    Simon, Dickens, Karkada, DeWeese, "The eigenlearning framework", TMLR 2023,
    arXiv:2110.03922 (the hypersphere experiments). Smola, Ovari, Williamson,
    "Regularization with dot-product kernels", NeurIPS 2000 (Funk-Hecke and Schoenberg).
    Golub and Welsch, "Calculation of Gauss quadrature rules", Math. Comp. 1969.

    Examples
    --------
    >>> es = hypersphere_eigensystem(np.exp, 3, max_degree=10)
    >>> es.mode_labels[:4].tolist(), es.multiplicities[:4].tolist()
    ([0, 1, 2, 3], [1.0, 3.0, 5.0, 7.0])
    >>> print(f"{es.eigenvalues[0]:.12f}")  # E exp(x . x') = sinh(1) on S^2
    1.175201193644
    >>> print(f"{es.trace:.12f}")
    2.718281828459
    """
    dim = _check_integer(dim, "dim", 3)
    max_degree = _check_integer(max_degree, "max_degree", 0)
    n_quadrature = _check_integer(
        n_quadrature, "n_quadrature", 2 * (max_degree + 1),
        hint=" (twice the number of degrees, 2 * (max_degree + 1))",
    )
    n_degrees = max_degree + 1
    target_coeffs = _level_coeffs(target_power, n_degrees, "max_degree + 1")
    multiplicities = _sphere_multiplicities(dim, max_degree)
    trace = float(_evaluate_kernel(kernel, np.ones(1))[0])

    eigenvalues, magnitude = _funk_hecke(kernel, dim, n_degrees, n_quadrature)
    coarse, coarse_magnitude = _funk_hecke(kernel, dim, n_degrees, n_quadrature // 2)
    floor = _ROUNDOFF_ULPS * _EPS * (magnitude + coarse_magnitude)
    change = float(np.max(np.abs(eigenvalues - coarse) - floor))
    largest = float(np.max(np.abs(eigenvalues)))
    if change > _QUADRATURE_RTOL * largest:
        warnings.warn(
            f"The quadrature may be unconverged: a rule of {n_quadrature // 2} nodes changes "
            f"an eigenvalue by {change:.3g} (largest eigenvalue {largest:.3g}). Increase "
            f"`n_quadrature` (got {n_quadrature}).",
            EigenlabWarning,
            stacklevel=2,
        )
    eigenvalues, leftover, uncertainty = _resolve(eigenvalues, magnitude, multiplicities, trace)
    if -leftover > uncertainty:
        warnings.warn(
            f"The listed degrees carry {trace - leftover!r}, more than the kernel's trace "
            f"K(1) = {trace!r}: the quadrature is inaccurate or the kernel is not positive "
            f"semi-definite. Increase `n_quadrature` (got {n_quadrature}); tail_mass is set "
            "to 0.",
            EigenlabWarning,
            stacklevel=2,
        )
    return Eigensystem.sorted(eigenvalues, target_coeffs, multiplicities=multiplicities,
                              mode_labels=np.arange(n_degrees),
                              tail_mass=leftover if leftover > uncertainty else 0.0)
