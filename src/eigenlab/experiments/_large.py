r"""Kernel ridge regression when the :math:`n \times n` Gram matrix does not fit in memory.

Three pieces that compose (spec §2.3, §2.4: Falkon's and EigenPro's users hit memory and
conditioning, not arithmetic):

* :class:`KernelOperator`: the map :math:`v \mapsto (K_{DD} + \delta I)\,v`, evaluated block
  by block from the data. Only the upper triangle of blocks is evaluated (each serves both
  halves of the symmetric product) and, when they fit in a memory budget, those blocks are
  kept after the first product so that later products are memory reads.
* :func:`nystrom_features`: a rank-:math:`m` Nystrom factor :math:`K_{DD} \approx F F^\top`
  from :math:`m` uniformly sampled centres; :class:`NystromPreconditioner` turns it into the
  preconditioner of Frangella, Tropp and Udell; it is also the cheaper approximate solver
  (Nystrom KRR) of :class:`~eigenlab.experiments.LargeKernelRidge`.
* :func:`conjugate_gradient`: preconditioned conjugate gradients on many right-hand sides at
  once, with a relative-residual stopping rule, an iteration cap and a
  :class:`~eigenlab.ConvergenceError` carrying the diagnostics when it is not met.

Dtype policy: kernel values are computed (and cached) in the input's float dtype, float32
for speed; every sum across blocks, the Nystrom factor, the preconditioner and the conjugate
gradient iterates are float64.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from .._errors import ConvergenceError
from .._validation import check_scalar
from ..kernels import Kernel
from ..kernels._base import _as_tensor, _check_block_size

__all__ = [
    "ConjugateGradientResult",
    "KernelOperator",
    "NystromFeatures",
    "NystromPreconditioner",
    "available_memory",
    "conjugate_gradient",
    "nystrom_features",
]

Progress = Callable[[int, int, str], None]
Operator = Callable[[torch.Tensor], torch.Tensor]

# Right-hand sides up to which a CPU product goes column by column (see _product).
_COLUMNWISE = 16
# Used when the free memory of a device cannot be read.
_FALLBACK_MEMORY = 2 * 2**30


def available_memory(device: torch.device | str = "cpu") -> int:
    """Bytes of memory available now on ``device``: ``MemAvailable`` or the CUDA free memory.

    Parameters
    ----------
    device : torch.device or str

    Returns
    -------
    int
        Bytes; 2 GiB when the platform does not say.

    Examples
    --------
    >>> available_memory("cpu") > 0
    True
    """
    device = torch.device(device)
    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[0])
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return _FALLBACK_MEMORY


def _check_kernel(kernel: object) -> Kernel:
    if not isinstance(kernel, Kernel):
        raise TypeError(f"`kernel` must be an eigenlab.kernels.Kernel; got {kernel!r}.")
    return kernel


def _check_count(value: object, name: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}; got {value!r}.")
    return int(value)


# ---------------------------------------------------------------------- the kernel operator
class KernelOperator:
    r"""The linear map :math:`v \mapsto (K_{DD} + \delta I)\,v`, never holding :math:`n \times n`.

    The Gram matrix of ``x`` with itself is cut into square blocks of ``block_size`` rows and
    columns. A product evaluates each block of the upper triangle once, with the kernel's own
    blockwise code, and uses it twice (:math:`K_{ij} v_j` and :math:`K_{ij}^\top v_i`); the
    largest temporary is one block plus the result. With ``cache=True`` the blocks are kept
    after the first product (half the Gram matrix, :math:`n^2/2` values), so that every
    later product only reads memory: at :math:`n = 50{,}000` in float32 that is 5 GB.

    Parameters
    ----------
    kernel : Kernel
    x : torch.Tensor or array-like of shape (n_samples, n_features)
        The data; its dtype (float32 or float64, by the kernel's dtype policy) is the dtype
        of the kernel values, its device the device of every product. Not copied.
    ridge : float, default 0
        :math:`\delta \ge 0`, on the raw Gram matrix (eigenlab's convention).
    block_size : int, optional
        Rows and columns per block; default 2048 (a 16 MB float64 block).
    cache : {"auto", True, False}, default "auto"
        Keep the blocks after the first product; ``"auto"``: when they take at most
        ``memory_budget`` bytes.
    memory_budget : int, optional
        Bytes the cache may take; default half of :func:`available_memory` on ``x``'s
        device, read when the operator is made.

    Attributes
    ----------
    n_samples : int
    cached : bool
        Whether the blocks are (or will be, after the first product) kept.
    cache_nbytes : int
        The bytes the cache takes or would take.

    Notes
    -----
    Dtype policy: each block product runs in the kernel dtype (the vector is cast to it);
    the sum over blocks, the ridge term and the result are float64. With float32 kernel
    values a product is accurate to about :math:`10^{-6}` relative to its norm.

    Cost: one product evaluates :math:`n^2/2` kernel values (:math:`n^2 d` flops for a
    radial kernel) unless cached; it reads :math:`n^2/2` cached values otherwise.

    Examples
    --------
    >>> from eigenlab.kernels import GaussianKernel
    >>> x = torch.randn(300, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> operator = KernelOperator(GaussianKernel(1.0), x, ridge=0.1, block_size=64)
    >>> v = torch.ones(300, dtype=torch.float64)
    >>> dense = (GaussianKernel(1.0)(x) + 0.1 * torch.eye(300, dtype=torch.float64)) @ v
    >>> bool(torch.allclose(operator(v), dense))
    True
    """

    def __init__(self, kernel: Kernel, x, *, ridge: float = 0.0, block_size: int | None = None,
                 cache: bool | str = "auto", memory_budget: int | None = None):
        self.kernel = _check_kernel(kernel)
        self.x = _as_tensor(x, "x")
        self.ridge = check_scalar(ridge, "ridge", minimum=0.0)
        self.block_size = _check_block_size(block_size, self.x.dtype)
        n, size = self.n_samples, self.block_size
        itemsize = self.x.element_size()
        self.cache_nbytes = sum(
            (min(i0 + size, n) - i0) * (n - i0) for i0 in range(0, n, size)) * itemsize
        if cache == "auto":
            budget = (available_memory(self.x.device) // 2 if memory_budget is None
                      else _check_count(memory_budget, "memory_budget", minimum=0))
            self.cached = self.cache_nbytes <= budget
        elif isinstance(cache, bool):
            self.cached = cache
        else:
            raise ValueError(f"`cache` must be 'auto', True or False; got {cache!r}.")
        self._blocks: list[torch.Tensor] | None = None

    @property
    def n_samples(self) -> int:
        return int(self.x.shape[0])

    @property
    def shape(self) -> tuple[int, int]:
        return (self.n_samples, self.n_samples)

    def __repr__(self) -> str:
        return (f"KernelOperator({self.kernel!r}, n_samples={self.n_samples}, "
                f"ridge={self.ridge!r}, block_size={self.block_size}, cached={self.cached})")

    def __matmul__(self, v) -> torch.Tensor:
        return self.matmul(v)

    def __call__(self, v) -> torch.Tensor:
        return self.matmul(v)

    def matmul(self, v, *, progress: Progress | None = None) -> torch.Tensor:
        r""":math:`(K_{DD} + \delta I)\,v`.

        Parameters
        ----------
        v : torch.Tensor of shape (n_samples,) or (n_samples, k)
        progress : callable(done, total, message), optional
            Called after each row of blocks (useful for the first, uncached product).

        Returns
        -------
        torch.Tensor
            Shaped like ``v``, float64, on the operator's device.
        """
        v = torch.as_tensor(v, device=self.x.device)
        if v.ndim not in (1, 2) or v.shape[0] != self.n_samples:
            raise ValueError(f"`v` must have shape ({self.n_samples},) or ({self.n_samples}, k); "
                             f"got {tuple(v.shape)}.")
        columns = v.reshape(self.n_samples, -1).to(torch.float64)
        with torch.no_grad():
            out = self._product(columns, progress)
            if self.ridge:
                out.add_(columns, alpha=self.ridge)
        return out.reshape(v.shape)

    def _product(self, columns: torch.Tensor, progress: Progress | None) -> torch.Tensor:
        n, size = self.n_samples, self.block_size
        low = columns.to(self.x.dtype)
        # v_i^T K_ij reads the row-major block in order: twice as fast as K_ij^T v_i on CPU.
        low_rows = low.mT.contiguous()
        out = torch.zeros_like(columns)
        # On CPU a block times a thin matrix runs at a fraction of the speed of as many
        # matrix-vector products (measured 25 ms against 10 x 1 ms for 2048 x 10 columns).
        by_column = self.x.device.type == "cpu" and columns.shape[1] <= _COLUMNWISE
        building = self.cached and self._blocks is None
        blocks = iter(self._blocks) if self._blocks is not None else None
        kept: list[torch.Tensor] = []
        starts = range(0, n, size)
        for row, i0 in enumerate(starts):
            i1 = min(i0 + size, n)
            for j0 in starts[row:]:
                j1 = min(j0 + size, n)
                if blocks is not None:
                    block = next(blocks)
                elif i0 == j0:
                    block = self.kernel(self.x[i0:i1], block_size=size)
                else:
                    block = self.kernel(self.x[i0:i1], self.x[j0:j1], block_size=size)
                if building:
                    kept.append(block)
                if by_column:
                    for c in range(columns.shape[1]):
                        out[i0:i1, c] += torch.mv(block, low[j0:j1, c])
                        if j0 != i0:
                            out[j0:j1, c] += low_rows[c, i0:i1] @ block
                    continue
                out[i0:i1] += block @ low[j0:j1]
                if j0 != i0:
                    out[j0:j1] += (low_rows[:, i0:i1] @ block).mT
            if progress is not None:
                progress(row + 1, len(starts), "kernel products")
        if building:
            self._blocks = kept
        return out


# ---------------------------------------------------------------------- Nystrom
@dataclass(frozen=True, eq=False)
class NystromFeatures:
    r"""A Nystrom factor :math:`K_{DD} \approx F F^\top` and the map that makes it.

    With centres :math:`M \subset D` and :math:`K_{MM} = Q E Q^\top`, the feature map is
    :math:`\varphi(x) = k(x, X_M)\,Q E^{-1/2}` (eigenvalues below round-off dropped) and
    :math:`F = \varphi(X_D)`, so that :math:`F F^\top = K_{DM} K_{MM}^{+} K_{MD}`.

    Attributes
    ----------
    centers : torch.Tensor of shape (n_centers,), int64
        Row indices of the centres in the data, sorted.
    projection : torch.Tensor of shape (n_centers, rank), float64
        :math:`Q E^{-1/2}`: features of new points are ``kernel(x, x[centers]) @ projection``.
    features : torch.Tensor of shape (n_samples, rank), float64
        :math:`F`.
    """

    centers: torch.Tensor
    projection: torch.Tensor
    features: torch.Tensor

    @property
    def rank(self) -> int:
        """The number of features kept, at most the number of centres."""
        return int(self.features.shape[1])


def nystrom_features(kernel: Kernel, x, *, n_centers: int, seed=0,
                     block_size: int | None = None) -> NystromFeatures:
    r"""The rank-:math:`m` Nystrom approximation :math:`K_{DD} \approx F F^\top`.

    The :math:`m` centres are drawn uniformly without replacement: they are the first
    :math:`m` entries of one seeded permutation, so for one seed the centre sets are nested
    in :math:`m` and the approximation error :math:`K - FF^\top \succeq 0` decreases
    (in the Loewner order) as :math:`m` grows; at :math:`m = n` it is exact up to round-off.

    Parameters
    ----------
    kernel : Kernel
    x : torch.Tensor or array-like of shape (n_samples, n_features)
    n_centers : int
        :math:`1 \le m \le n`.
    seed : int or torch.Generator, default 0
    block_size : int, optional
        Rows of :math:`K_{DM}` evaluated at a time.

    Returns
    -------
    NystromFeatures

    Notes
    -----
    Dtype policy: kernel values in ``x``'s dtype; the eigendecomposition of :math:`K_{MM}`
    and the features in float64. Eigenvalues of :math:`K_{MM}` below
    :math:`m\,\epsilon\,\lambda_{\max}` (:math:`\epsilon` of ``x``'s dtype) are dropped, so
    ``rank`` can be below ``n_centers``. Cost: :math:`O(n m d + m^3 + n m^2)` time,
    :math:`n m` float64 values of memory.

    Accuracy: for uniform centres, :math:`m \gtrsim d_\text{eff}(\delta) \log n` centres give
    the statistical accuracy of exact KRR at ridge :math:`\delta`, where
    :math:`d_\text{eff}` can be as large as :math:`n\,\max_i K_{ii}/\delta` in the worst case
    (Rudi, Camoriano, Rosasco 2015); docs/large-kernels.md has measured errors on MNIST.

    References
    ----------
    Williams and Seeger, "Using the Nystrom method to speed up kernel machines", NeurIPS 2000.
    Rudi, Camoriano, Rosasco, "Less is more: Nystrom computational regularization",
    NeurIPS 2015.

    Examples
    --------
    >>> from eigenlab.kernels import GaussianKernel
    >>> x = torch.randn(200, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> full = nystrom_features(GaussianKernel(1.0), x, n_centers=200)
    >>> gram = GaussianKernel(1.0)(x)
    >>> bool(torch.allclose(full.features @ full.features.T, gram, atol=1e-8))
    True
    """
    kernel = _check_kernel(kernel)
    x = _as_tensor(x, "x")
    n = int(x.shape[0])
    m = _check_count(n_centers, "n_centers")
    if m > n:
        raise ValueError(f"`n_centers` must be <= n_samples ({n}); got {m}.")
    size = _check_block_size(block_size, x.dtype)
    generator = seed if isinstance(seed, torch.Generator) else torch.Generator().manual_seed(
        _check_count(seed, "seed", minimum=0))
    centers = torch.randperm(n, generator=generator)[:m].sort().values.to(x.device)
    chosen = x[centers]
    with torch.no_grad():
        eigenvalues, vectors = torch.linalg.eigh(kernel(chosen).to(torch.float64))
        cutoff = m * torch.finfo(x.dtype).eps * float(eigenvalues.abs().max())
        kept = eigenvalues > cutoff
        projection = (vectors[:, kept] / eigenvalues[kept].sqrt()).flip(1)
        features = torch.cat([
            kernel(x[i0:i0 + size], chosen, block_size=size).to(torch.float64) @ projection
            for i0 in range(0, n, size)
        ])
    return NystromFeatures(centers=centers, projection=projection, features=features)


def _feature_svd(features: torch.Tensor):
    """:math:`F = U S V^\\top` through the eigendecomposition of :math:`F^\\top F`, descending,
    with singular values below round-off dropped. Returns ``U``, ``S**2`` and ``V``."""
    squared, right = torch.linalg.eigh(features.mT @ features)
    largest = float(squared.abs().max()) if squared.numel() else 0.0
    kept = squared > features.shape[1] * torch.finfo(torch.float64).eps * largest
    squared, right = squared[kept].flip(0), right[:, kept].flip(1)
    left = (features @ right) / squared.sqrt()
    return left, squared, right


@dataclass(frozen=True, eq=False)
class NystromPreconditioner:
    r"""The Nystrom preconditioner for :math:`K + \delta I` from :math:`K \approx U \Lambda U^\top`.

    .. math::

        P^{-1} = (\lambda_r + \delta)\, U (\Lambda + \delta I)^{-1} U^\top + (I - U U^\top),

    with :math:`\lambda_r` the smallest kept eigenvalue: it maps the top :math:`r` directions
    of the Nystrom approximation to the scale of the rest, so that the condition number of
    the preconditioned system is about :math:`(\lambda_r + \delta + \|K - U\Lambda U^\top\|)
    / \delta` instead of :math:`(\lambda_1 + \delta)/\delta`.

    Attributes
    ----------
    basis : torch.Tensor of shape (n_samples, rank), float64
        :math:`U`, orthonormal columns.
    eigenvalues : torch.Tensor of shape (rank,), float64
        :math:`\Lambda`, descending.
    ridge : float
        :math:`\delta > 0`.

    References
    ----------
    Frangella, Tropp, Udell, "Randomized Nystrom preconditioning", SIAM J. Matrix Anal.
    Appl. 44 (2023), arXiv:2110.02820. Rudi, Carratino, Rosasco, "FALKON: an optimal large
    scale kernel method", NeurIPS 2017 (Nystrom preconditioning for KRR).

    Examples
    --------
    >>> from eigenlab.kernels import GaussianKernel
    >>> x = torch.randn(100, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> a = GaussianKernel(1.0)(x) + 0.01 * torch.eye(100, dtype=torch.float64)
    >>> pre = NystromPreconditioner.from_features(
    ...     nystrom_features(GaussianKernel(1.0), x, n_centers=20), ridge=0.01)
    >>> spectrum = torch.linalg.eigvals(pre(a)).real    # of P^{-1} A, column by column
    >>> round(float(torch.linalg.cond(a))), round(float(spectrum.max() / spectrum.min()))
    (3916, 167)
    """

    basis: torch.Tensor
    eigenvalues: torch.Tensor
    ridge: float

    @classmethod
    def from_features(cls, features: NystromFeatures, ridge: float) -> NystromPreconditioner:
        """The preconditioner of ``features.features @ features.features.T + ridge I``.

        Parameters
        ----------
        features : NystromFeatures
        ridge : float
            :math:`\\delta > 0`.

        Returns
        -------
        NystromPreconditioner
        """
        ridge = check_scalar(ridge, "ridge", minimum=0.0, strictly=True)
        left, squared, _ = _feature_svd(features.features)
        return cls(basis=left, eigenvalues=squared, ridge=ridge)

    @property
    def rank(self) -> int:
        return int(self.eigenvalues.shape[0])

    def __call__(self, residual: torch.Tensor) -> torch.Tensor:
        """:math:`P^{-1}` applied to ``residual`` of shape (n_samples,) or (n_samples, k)."""
        if self.rank == 0:
            return residual.clone()
        columns = residual.reshape(residual.shape[0], -1)
        shift = self.eigenvalues[-1] + self.ridge
        scale = shift / (self.eigenvalues + self.ridge) - 1.0
        coefficients = (columns.mT @ self.basis).mT
        return (columns + self.basis @ (scale[:, None] * coefficients)).reshape(residual.shape)


# ---------------------------------------------------------------------- conjugate gradients
@dataclass(frozen=True, eq=False)
class ConjugateGradientResult:
    r"""The solution of :math:`A X = B` by conjugate gradients, with its diagnostics.

    Attributes
    ----------
    solution : torch.Tensor of shape (n,) or (n, k), float64
        Shaped like the right-hand side.
    iterations : int
        Operator products made (one per iteration, all columns at once).
    relative_residual : numpy.ndarray of shape (k,)
        :math:`\|b - A x\| / \|b\|` per column, from the recurrence (the true residual
        agrees with it to the accuracy of the operator's products).
    residual_history : numpy.ndarray of shape (iterations + 1, k)
        The relative residuals after each iteration, starting from :math:`x = 0`.
    converged : bool
        Whether every column reached ``tol``.
    tol : float
    """

    solution: torch.Tensor
    iterations: int
    relative_residual: np.ndarray
    residual_history: np.ndarray
    converged: bool
    tol: float


def conjugate_gradient(operator: Operator, rhs, *, preconditioner: Operator | None = None,
                       tol: float = 1e-6, max_iter: int = 1000, throw: bool = True,
                       progress: Progress | None = None) -> ConjugateGradientResult:
    r"""Solve :math:`A X = B` for symmetric positive definite :math:`A` by (preconditioned) CG.

    The :math:`k` columns of :math:`B` are solved together, one product with :math:`A` per
    iteration for all columns still running; a column stops when its relative residual
    :math:`\|b - Ax\|/\|b\|` is at most ``tol``. Starting point :math:`x = 0`.

    Parameters
    ----------
    operator : callable
        ``operator(v)`` for ``v`` of shape (n, j), float64 (a :class:`KernelOperator`, a
        dense matrix's ``__matmul__``).
    rhs : torch.Tensor or array-like of shape (n,) or (n, k)
    preconditioner : callable, optional
        :math:`P^{-1}`, symmetric positive definite, applied like ``operator``
        (a :class:`NystromPreconditioner`).
    tol : float, default 1e-6
        Relative residual per column, :math:`0 < \text{tol} < 1`.
    max_iter : int, default 1000
        In exact arithmetic CG ends within :math:`n` iterations; in floating point it can
        take a few more.
    throw : bool, default True
        Raise :class:`~eigenlab.ConvergenceError` (its ``result`` is this function's record)
        when a column does not reach ``tol``; ``False`` returns the record with
        ``converged=False``.
    progress : callable(done, total, message), optional
        Called after each iteration with the largest relative residual.

    Returns
    -------
    ConjugateGradientResult

    Notes
    -----
    Dtype policy: iterates, residuals and the result are float64, on ``rhs``'s device.
    Iterations to reach ``tol`` grow like :math:`\sqrt{\kappa}\,\log(2/\text{tol})` for the
    condition number :math:`\kappa` of the (preconditioned) system.

    References
    ----------
    Hestenes and Stiefel, "Methods of conjugate gradients for solving linear systems",
    J. Res. NBS 49 (1952). Saad, *Iterative Methods for Sparse Linear Systems*, 2nd ed.,
    SIAM 2003, Algorithm 9.1.

    Examples
    --------
    >>> a = torch.tensor([[4.0, 1.0], [1.0, 3.0]], dtype=torch.float64)
    >>> result = conjugate_gradient(a.__matmul__, torch.tensor([1.0, 2.0]), tol=1e-12)
    >>> result.solution, result.iterations, result.converged
    (tensor([0.0909, 0.6364], dtype=torch.float64), 2, True)
    """
    tol = check_scalar(tol, "tol", minimum=0.0, strictly=True)
    if tol >= 1:
        raise ValueError(f"`tol` must be < 1; got {tol!r}.")
    b = torch.as_tensor(rhs)
    if b.ndim not in (1, 2) or b.dtype.is_complex or b.dtype == torch.bool:
        raise ValueError(f"`rhs` must be a real array of shape (n,) or (n, k); got shape "
                         f"{tuple(b.shape)} and dtype {b.dtype}.")
    columns = b.reshape(b.shape[0], -1).to(torch.float64)
    max_iter = _check_count(max_iter, "max_iter", minimum=0)
    identity = preconditioner is None

    def precondition(residual):
        return residual.clone() if identity else preconditioner(residual)

    solution = torch.zeros_like(columns)
    residual = columns.clone()
    norms = columns.norm(dim=0)
    scale = torch.where(norms > 0, norms, 1.0)
    relative = residual.norm(dim=0) / scale
    active = relative > tol
    history = [relative.cpu().numpy()]
    direction = precondition(residual)
    rho = (residual * direction).sum(0)
    iterations = 0
    while bool(active.any()) and iterations < max_iter:
        product = torch.zeros_like(columns)
        product[:, active] = operator(direction[:, active])
        curvature = (direction * product).sum(0)
        if bool((curvature[active] <= 0).any()):
            break  # not positive definite (or a breakdown): report what was reached
        step = torch.where(active, rho / torch.where(active, curvature, 1.0), 0.0)
        solution += step * direction
        residual -= step * product
        iterations += 1
        relative = torch.where(active, residual.norm(dim=0) / scale, relative)
        history.append(relative.cpu().numpy())
        active = active & (relative > tol)
        preconditioned = precondition(residual)
        rho_next = (residual * preconditioned).sum(0)
        ratio = torch.where(active, rho_next / torch.where(rho != 0, rho, 1.0), 0.0)
        direction = preconditioned + ratio * direction
        rho = rho_next
        if progress is not None:
            progress(iterations, max_iter,
                     f"conjugate gradients: relative residual {float(relative.max()):.2e}")
    final = relative.cpu().numpy()
    result = ConjugateGradientResult(
        solution=solution.reshape(b.shape), iterations=iterations, relative_residual=final,
        residual_history=np.stack(history), converged=bool((final <= tol).all()), tol=tol)
    if throw and not result.converged:
        raise ConvergenceError(
            f"conjugate gradients reached a relative residual of {float(final.max()):.3g} "
            f"after {iterations} iterations, not `tol` = {tol:g}; raise `max_iter`, the "
            f"preconditioner's rank or the ridge, or pass throw=False to inspect the result.",
            result=result)
    return result


def _default_rank(n_samples: int) -> int:
    """Default Nystrom centres: 1,000, or all the points when there are fewer."""
    return min(n_samples, 1000)

