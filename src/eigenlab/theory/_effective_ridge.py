r"""The effective ridge :math:`\kappa` of kernel ridge regression, solved for a whole grid.

:math:`\kappa > 0` is the unique root of

.. math:: \sum_i m_i \frac{\lambda_i}{\lambda_i + \kappa} + \frac{\delta + \tau}{\kappa} = n,

with :math:`\tau` the eigenvalue mass beyond the listed modes (tail-as-ridge). Two routes
share one safeguarded Newton iteration in :math:`u = \log\kappa`:

* ``exact``: every iterate sums over all modes (cost: grid points x modes x ~5 iterations).
* ``interpolated``: the spectral sums are smooth functions of :math:`u` (each term is a
  logistic function of :math:`u`, analytic in the strip :math:`|\mathrm{Im}\,u| < \pi`), so
  they are tabulated once on Chebyshev panels (24 nodes per 2 units of :math:`u`) and
  interpolated to about 1e-14 relative accuracy (cost: ~12 nodes per unit of
  :math:`\log\kappa` x modes, independent of the grid size). A check on each panel's
  Chebyshev tail falls back to ``exact`` if the interpolant is not accurate enough, and
  points where the tabulated equation is ill-conditioned are re-solved exactly.

Brackets are exact and cheap (a prefix-sum bound, see :func:`_brackets`), which keeps the
iteration at a handful of steps for any input, from :math:`\kappa = 10^{-300}` to
:math:`10^{300}`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SpectralSums", "spectral_sums", "solve_effective_ridge_arrays"]

_CHUNK_ELEMENTS = 1 << 22  # elements of a (kappas x modes) block: 32 MB in float64
_PANEL_NODES = 24
_PANEL_WIDTH = 2.0
_INTERPOLATION_TOLERANCE = 1e-13
_MAX_ITERATIONS = 200


@dataclass(frozen=True)
class SpectralSums:
    """Sums over modes at a set of effective ridges; arrays of shape (n_kappa,).

    ``first`` is :math:`\\sum m L`, ``second`` :math:`\\sum m L^2`, ``slope``
    :math:`\\sum m L (1 - L)` (minus the derivative of ``first`` in :math:`\\log\\kappa`) and
    ``residual_power`` :math:`\\sum w (1 - L)^2` and ``learned_power`` :math:`\\sum w L` with
    weights ``w`` (the target's power).
    ``count`` is :math:`\\sum_{\\lambda_i \\ge \\kappa} m_i` and ``balance``
    :math:`\\sum_{\\lambda_i < \\kappa} m_i L_i - \\sum_{\\lambda_i \\ge \\kappa} m_i (1 - L_i)`, so
    that ``first = count + balance`` with every term free of cancellation: the
    effective-ridge equation is solved in that split form.
    """

    first: np.ndarray
    second: np.ndarray
    slope: np.ndarray
    residual_power: np.ndarray
    count: np.ndarray
    balance: np.ndarray
    learned_power: np.ndarray


def spectral_sums(eigenvalues, multiplicities, weights, kappa, *,
                  root_only: bool = False) -> SpectralSums:
    """Exact sums over modes for each value of ``kappa`` (> 0), in float64, blockwise.

    ``eigenvalues`` must be sorted in decreasing order. With ``root_only`` only what the
    Newton iteration needs (``count``, ``balance``, ``slope``, ``first``) is computed; the
    other fields are left as NaN.
    """
    kappa = np.asarray(kappa, dtype=np.float64).ravel()
    cumulative = np.concatenate([[0.0], np.cumsum(multiplicities)])
    count = cumulative[np.searchsorted(-eigenvalues, -kappa, side="right")]
    out = np.full((kappa.size, 5), np.nan)
    step = max(1, _CHUNK_ELEMENTS // max(1, eigenvalues.size))
    for start in range(0, kappa.size, step):
        block = kappa[start:start + step, None]
        denominator = eigenvalues + block
        learn = eigenvalues / denominator
        unlearned = block / denominator
        out[start:start + step, 0] = np.where(eigenvalues >= block, -unlearned, learn) \
            @ multiplicities
        if not root_only:
            out[start:start + step, 4] = learn @ weights
            out[start:start + step, 1] = (learn * learn) @ multiplicities
        np.multiply(learn, unlearned, out=learn)
        out[start:start + step, 2] = learn @ multiplicities
        if root_only:
            continue
        np.multiply(unlearned, unlearned, out=unlearned)
        out[start:start + step, 3] = unlearned @ weights
    balance = out[:, 0]
    return SpectralSums(count + balance, out[:, 1], out[:, 2], out[:, 3], count, balance,
                        out[:, 4])


def _brackets(eigenvalues, multiplicities, n, extra_ridge):
    r"""Guaranteed bounds :math:`\kappa_- \le \kappa \le \kappa_+` for every grid point.

    With :math:`H(\kappa) = \sum_i m_i \min(1, \lambda_i/\kappa)` one has
    :math:`H/2 \le \sum_i m_i L_i \le H`, and :math:`H(\kappa) + r/\kappa` is explicit between
    consecutive eigenvalues (a prefix count plus a suffix sum over :math:`\kappa`). So the
    root of :math:`H + r/\kappa = n` bounds :math:`\kappa` above and that of
    :math:`H + 2r/\kappa = 2n` below. When the second has no root (ridgeless with
    :math:`2n \ge` rank) the bound :math:`L_i \ge 1 - \kappa/\lambda_i` gives
    :math:`\kappa_- = (R - n)/\sum_{\lambda_i>0} m_i/\lambda_i`.
    """
    positive = eigenvalues > 0
    lam = eigenvalues[positive]
    mult = multiplicities[positive]
    rank = mult.sum()
    # counts[j] = sum of m over modes before j; suffix[j] = sum of m*lambda from j on.
    counts = np.concatenate([[0.0], np.cumsum(mult)])
    suffix = np.concatenate([np.cumsum((mult * lam)[::-1])[::-1], [0.0]])

    def solve_h(target, ridge_term):
        # H(kappa) + ridge_term/kappa = target, piece j: counts[j] + (suffix[j]+ridge)/kappa.
        # At kappa = lam[j] the value is counts[j+1] + (suffix[j+1] + ridge)/lam[j], which
        # increases with j; the root lies on the first piece whose right end reaches target.
        out = np.full(target.shape, np.nan)
        if lam.size == 0:
            ok = ridge_term > 0
            out[ok] = ridge_term[ok] / target[ok]
            return out
        # Binary search for the first piece, all targets at once: O(G log P).
        lo = np.zeros(target.shape, dtype=np.int64)
        hi = np.full(target.shape, lam.size, dtype=np.int64)
        while np.any(lo < hi):
            mid = (lo + hi) // 2
            safe = np.minimum(mid, lam.size - 1)
            reached = counts[safe + 1] + (suffix[safe + 1] + ridge_term) / lam[safe] >= target
            reached &= mid < lam.size
            hi = np.where(reached & (lo < hi), mid, hi)
            lo = np.where(~reached & (lo < hi), mid + 1, lo)
        found = lo < lam.size
        j = np.minimum(lo, lam.size - 1)
        denominator = target - counts[j]
        numerator = suffix[j] + ridge_term
        with np.errstate(divide="ignore", invalid="ignore"):
            value = numerator / denominator
        out[found] = value[found]
        # Beyond the last positive eigenvalue only the ridge term remains.
        rest = ~found & (ridge_term > 0) & (target > rank)
        out[rest] = ridge_term[rest] / (target[rest] - rank)
        return out

    upper = solve_h(n, extra_ridge)
    lower = solve_h(2 * n, 2 * extra_ridge)
    with np.errstate(divide="ignore", invalid="ignore"):
        complement = (rank - n) / np.sum(mult / lam) if lam.size else np.full(n.shape, np.nan)
    complement = np.where(rank > n, complement, np.nan)
    lower = np.fmax(lower, complement)
    lower = np.fmax(lower, np.where(extra_ridge > 0, extra_ridge / n, np.nan))
    return lower, upper


class _Interpolant:
    """Piecewise-Chebyshev tables of the spectral sums over a range of log kappa."""

    def __init__(self, eigenvalues, multiplicities, weights, u_min, u_max):
        n_panels = max(1, int(np.ceil((u_max - u_min) / _PANEL_WIDTH)))
        self.u_min = u_min
        self.width = (u_max - u_min) / n_panels if u_max > u_min else _PANEL_WIDTH
        self.n_panels = n_panels
        q = _PANEL_NODES
        k = np.arange(q)
        self.nodes = np.cos((2 * k + 1) * np.pi / (2 * q))  # first kind, in (-1, 1)
        self.weights = (-1.0) ** k * np.sin((2 * k + 1) * np.pi / (2 * q))
        centres = u_min + self.width * (np.arange(n_panels) + 0.5)
        u_nodes = centres[:, None] + 0.5 * self.width * self.nodes[None, :]
        sums = spectral_sums(eigenvalues, multiplicities, weights, np.exp(u_nodes.ravel()))
        table = np.stack([sums.first, sums.second, sums.slope, sums.residual_power,
                          sums.learned_power], axis=-1)
        self.table = table.reshape(n_panels, q, table.shape[-1])
        # Chebyshev coefficients of each panel: the last ones bound the interpolation error.
        basis = np.cos(np.outer(k, (2 * k + 1) * np.pi / (2 * q))) * (2.0 / q)
        coefficients = np.einsum("kj,pjf->pkf", basis, self.table)
        scale = np.max(np.abs(self.table), axis=1) + np.finfo(float).tiny
        self.error = float(np.max(np.abs(coefficients[:, -2:, :]).max(axis=1) / scale))

    def __call__(self, u):
        position = (u - self.u_min) / self.width
        panel = np.clip(np.floor(position).astype(np.int64), 0, self.n_panels - 1)
        x = 2.0 * (position - panel) - 1.0
        difference = x[:, None] - self.nodes[None, :]
        exact = difference == 0
        difference[exact] = 1.0
        ratio = self.weights[None, :] / difference
        ratio[exact.any(axis=1)] = exact[exact.any(axis=1)].astype(float)
        values = np.einsum("gj,gjf->gf", ratio, self.table[panel]) / ratio.sum(axis=1)[:, None]
        first = values[:, 0]
        return SpectralSums(first, values[:, 1], values[:, 2], values[:, 3],
                            np.zeros_like(first), first, values[:, 4])


@dataclass(frozen=True)
class _Solution:
    effective_ridge: np.ndarray
    sums: SpectralSums
    converged: np.ndarray
    iterations: np.ndarray
    method: str


def solve_effective_ridge_arrays(eigenvalues, multiplicities, weights, n, extra_ridge, *,
                                 method="auto") -> _Solution:
    """Solve the effective-ridge equation for flat arrays ``n`` and ``extra_ridge``.

    ``extra_ridge`` is ridge plus tail mass. Inputs are trusted (validated by the caller).
    Points with no positive root (ridgeless, no tail, ``n`` >= rank) get ``kappa = 0`` and the
    sums of the finite-rank limit (every positive mode fully learned).
    """
    n = np.asarray(n, dtype=np.float64).ravel()
    extra_ridge = np.asarray(extra_ridge, dtype=np.float64).ravel()
    size = n.size
    kappa = np.zeros(size)
    iterations = np.zeros(size, dtype=np.int64)
    converged = np.ones(size, dtype=bool)
    positive = eigenvalues > 0
    rank = multiplicities[positive].sum()
    finite_rank = (extra_ridge == 0) & (n >= rank)
    active = np.flatnonzero(~finite_rank)

    finite = SpectralSums(
        first=np.full(size, rank), second=np.full(size, rank), slope=np.zeros(size),
        residual_power=np.full(size, weights[~positive].sum()), count=np.full(size, rank),
        balance=np.zeros(size), learned_power=np.full(size, weights[positive].sum()))
    if active.size == 0:
        return _Solution(kappa, finite, converged, iterations, "exact")

    lower, upper = _brackets(eigenvalues, multiplicities, n[active], extra_ridge[active])
    lo, hi = np.log(lower), np.log(upper)
    n_a, r_a = n[active], extra_ridge[active]

    def exact(u, index, *, root_only=True):
        return spectral_sums(eigenvalues, multiplicities, weights, np.exp(u),
                             root_only=root_only)

    evaluate, used = exact, "exact"
    if method != "exact":
        width = float(hi.max() - lo.min())
        n_nodes = _PANEL_NODES * max(1, int(np.ceil(width / _PANEL_WIDTH)))
        # An exact Newton solve costs ~4x more passes per grid point than one table node.
        worth_it = n_nodes < 4 * active.size and eigenvalues.size > 256
        if method == "interpolated" or worth_it:
            table = _Interpolant(eigenvalues, multiplicities, weights,
                                 float(lo.min()), float(hi.max()))
            if table.error < _INTERPOLATION_TOLERANCE:
                evaluate, used = (lambda u, index, root_only=True: table(u)), "interpolated"

    u, its, done = _newton(evaluate, lo, hi, n_a, r_a)
    sums = evaluate(u, None, root_only=False)
    if used == "interpolated":
        # Where nearly every term is saturated the root is ill-conditioned in the tabulated
        # form (n - sum L cancels); redo those points with the exact split form.
        with np.errstate(divide="ignore"):
            slack = sums.slope + np.exp(np.log(r_a) - u)
        # An absolute error e*n in the tabulated sum moves log kappa by e*n/slack.
        error = max(table.error, 1e-15)
        poor = np.flatnonzero(~(error * n_a < 1e-13 * slack))
        if poor.size:
            u_p, its_p, done_p = _newton(exact, lo[poor], hi[poor], n_a[poor], r_a[poor])
            u[poor], done[poor] = u_p, done_p
            its[poor] += its_p
            sums = _merge(sums, exact(u_p, None, root_only=False), poor)
    kappa[active] = np.exp(u)
    iterations[active] = its
    converged[active] = done
    return _Solution(kappa, _merge(finite, sums, active), converged, iterations, used)


def _merge(sums: SpectralSums, patch: SpectralSums, index) -> SpectralSums:
    fields = {}
    for name in SpectralSums.__dataclass_fields__:
        values = getattr(sums, name).copy()
        values[index] = getattr(patch, name)
        fields[name] = values
    return SpectralSums(**fields)


def safeguarded_newton(phi_and_slope, lo, hi):
    r"""Vectorised safeguarded Newton for decreasing functions :math:`\phi(u)` on brackets.

    ``phi_and_slope(u, todo)`` returns :math:`\phi` and :math:`\phi'` at the points ``u``
    of the unfinished indices ``todo``. Newton steps stay inside the shrinking bracket or
    are replaced by bisection, so every point converges; the stop is a step below a few
    ulps of ``u``. Returns (roots, iterations, converged).
    """
    u = 0.5 * (lo + hi)
    lo, hi = lo.copy(), hi.copy()
    iterations = np.zeros(u.size, dtype=np.int64)
    done = hi - lo <= 4 * np.finfo(float).eps * np.maximum(1.0, np.abs(u))
    for _ in range(_MAX_ITERATIONS):
        todo = np.flatnonzero(~done)
        if todo.size == 0:
            break
        ut = u[todo]
        phi, dphi = phi_and_slope(ut, todo)
        above = phi > 0  # the root is to the right
        lo[todo] = np.where(above, ut, lo[todo])
        hi[todo] = np.where(above, hi[todo], ut)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = -phi / dphi
        proposal = ut + step
        tolerance = 4 * np.finfo(float).eps * np.maximum(1.0, np.abs(ut))
        tiny_step = np.isfinite(step) & (np.abs(step) <= tolerance)
        inside = np.isfinite(proposal) & (proposal > lo[todo]) & (proposal < hi[todo])
        new = np.where(inside, proposal, 0.5 * (lo[todo] + hi[todo]))
        new = np.where(tiny_step, np.clip(proposal, lo[todo], hi[todo]), new)
        finished = tiny_step | (phi == 0) | (hi[todo] - lo[todo] <= tolerance)
        u[todo] = np.where(phi == 0, ut, new)
        iterations[todo] += 1
        done[todo] = finished
    return u, iterations, done


def _newton(evaluate, lo, hi, n, r):
    r"""Safeguarded Newton on :math:`\phi(u) = \log(S_1(u) + r e^{-u}) - \log n`
    (decreasing in :math:`u = \log\kappa`)."""
    with np.errstate(divide="ignore"):
        log_r = np.log(r)  # r / kappa as exp(log r - u): no overflow for subnormal kappa

    def phi_and_slope(ut, todo):
        sums = evaluate(ut, todo)
        ridge_term = np.exp(log_r[todo] - ut)
        # F = sum L + r/kappa - n, assembled so that nothing large cancels.
        excess = (sums.balance + ridge_term) - (n[todo] - sums.count)
        return (np.log1p(excess / n[todo]),
                -(sums.slope + ridge_term) / (n[todo] + excess))

    return safeguarded_newton(phi_and_slope, lo, hi)
