r"""Kernel ridge regression for large :math:`n`, as a scikit-learn estimator.

:class:`LargeKernelRidge` is :class:`~eigenlab.experiments.KernelRidgeRegression` with a
choice of solver: the direct Cholesky solve while the Gram matrix fits in memory,
Nystrom-preconditioned conjugate gradients on blockwise kernel products when it does not (the
same estimator, to a stated tolerance), or the Nystrom approximation (a different, cheaper
estimator). The pieces are in :mod:`eigenlab.experiments._large`.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import check_scalar
from ._estimator import _PREDICT_BLOCK_BYTES, KernelRidgeRegression, _resolve_device, _resolve_dtype
from ._large import (
    KernelOperator,
    NystromPreconditioner,
    _check_count,
    _default_rank,
    _feature_svd,
    available_memory,
    conjugate_gradient,
    nystrom_features,
)

__all__ = ["LargeKernelRidge"]

_SOLVERS = ("auto", "cholesky", "cg", "nystrom")
# Default relative residual of conjugate gradients per kernel dtype: about a hundred times
# the relative accuracy of one blockwise product in that dtype.
_DEFAULT_TOL = {torch.float32: 1e-5, torch.float64: 1e-8}


class LargeKernelRidge(KernelRidgeRegression):
    r"""Kernel ridge regression :math:`\hat f(x) = k_{xD}(K_{DD} + \delta I_n)^{-1} y` at large n.

    Same estimator, ridge convention (:math:`\delta` on the raw Gram matrix) and interface as
    :class:`~eigenlab.experiments.KernelRidgeRegression`; the solver is chosen:

    * ``"cholesky"``: the direct solve (the Gram matrix and its factor in float64,
      :math:`16 n^2` bytes).
    * ``"cg"``: conjugate gradients on :math:`(K_{DD} + \delta I)\alpha = y`, all outputs at
      once, with blockwise products (:class:`~eigenlab.experiments.KernelOperator`, whose
      blocks are cached when half the Gram matrix fits in ``memory_budget``) and the
      Nystrom preconditioner of ``rank`` centres
      (:class:`~eigenlab.experiments.NystromPreconditioner`). Never holds :math:`n \times n`.
      Its solution is the Cholesky solution to a relative residual ``tol``.
    * ``"nystrom"``: the Nystrom (subset-of-regressors) estimator
      :math:`\hat f(x) = k_{xM}\beta`, :math:`\beta = \arg\min \|K_{DM}\beta - y\|^2 +
      \delta\,\beta^\top K_{MM}\beta`: KRR with the kernel replaced by its rank-``rank``
      Nystrom approximation. Cheaper (:math:`O(n m d + n m^2)`), approximate; exact at
      ``rank = n``.
    * ``"auto"``: ``"cholesky"`` when its :math:`16 n^2` bytes (plus :math:`4 n^2` for float32
      kernel values) fit in ``memory_budget``, ``"cg"`` otherwise.

    Parameters
    ----------
    kernel : str or Kernel, default "gaussian"
    ridge : float, default 1.0
        :math:`\delta`; > 0 for ``"cg"`` and ``"nystrom"``.
    kernel_params : dict, optional
        As in :class:`~eigenlab.experiments.KernelRidgeRegression`.
    solver : {"auto", "cholesky", "cg", "nystrom"}, default "auto"
    rank : int, optional
        Nystrom centres :math:`m` of the preconditioner (``"cg"``) or of the approximation
        (``"nystrom"``); default :math:`\min(n, 1000)`.
    tol : float, optional
        Relative residual at which conjugate gradients stop; default 1e-5 for float32
        kernel values, 1e-8 for float64.
    max_iter : int, default 1000
        Conjugate-gradient iterations at most.
    dtype : {"float32", "float64"}, default "float32"
        The dtype of kernel values (products, cache, Nystrom blocks). Solves, dual
        coefficients and predictions are float64.
    device : str, default "auto"
        ``"auto"``: ``"cuda"`` when available, else ``"cpu"``; or any torch device.
    block_size : int, optional
        Rows and columns of the kernel blocks; default 2048.
    memory_budget : int, optional
        Bytes the Gram matrix (``"auto"``) or its cached blocks (``"cg"``) may take;
        default half the memory available on the device when fitting.
    seed : int, default 0
        Draws the Nystrom centres.

    Attributes
    ----------
    X_fit_ : torch.Tensor of shape (n_rows, n_features)
        Points whose kernel values predict: the training inputs, or the Nystrom centres.
    dual_coef_ : torch.Tensor of shape (n_rows,) or (n_rows, n_outputs), float64
    centers_ : numpy.ndarray of shape (n_rows,)
        Indices of the rows of ``X_fit_`` in the training data.
    kernel_ : Kernel
    solver_ : str
        The solver used.
    n_iter_ : int
        Conjugate-gradient iterations; 1 for the direct solvers (scikit-learn's convention
        for estimators with ``max_iter``).
    relative_residual_ : float
        The largest relative residual reached by conjugate gradients (0.0 otherwise).
    cached_ : bool
        Whether conjugate gradients kept the kernel blocks in memory.
    n_features_in_ : int

    Notes
    -----
    Memory: ``"cholesky"`` :math:`16 n^2` bytes; ``"cg"`` :math:`8 n m` for the
    preconditioner, plus :math:`n^2/2` kernel values when cached, plus one block;
    ``"nystrom"`` :math:`8 n m`. Time per CG iteration: :math:`n^2 d` flops uncached, a read
    of :math:`n^2/2` values cached; iterations grow like the square root of the condition
    number left by the preconditioner, :math:`(\lambda_m(K) + \delta)/\delta`.

    References
    ----------
    Rudi, Carratino, Rosasco, "FALKON: an optimal large scale kernel method", NeurIPS 2017.
    Frangella, Tropp, Udell, "Randomized Nystrom preconditioning", SIMAX 2023.
    Rudi, Camoriano, Rosasco, "Less is more: Nystrom computational regularization",
    NeurIPS 2015.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((500, 3))
    >>> y = np.sin(X[:, 0])
    >>> params = {"kernel_params": {"width": 1.5}, "ridge": 1e-2, "device": "cpu"}
    >>> direct = LargeKernelRidge(solver="cholesky", **params).fit(X, y)
    >>> iterative = LargeKernelRidge(solver="cg", rank=50, **params).fit(X, y)
    >>> iterative.n_iter_ < 30, iterative.predict(X[:3]).dtype
    (True, dtype('float64'))
    >>> bool(np.allclose(iterative.predict(X), direct.predict(X), atol=1e-4))
    True
    """

    def __init__(self, kernel="gaussian", *, ridge=1.0, kernel_params=None, solver="auto",
                 rank=None, tol=None, max_iter=1000, dtype="float32", device="auto",
                 block_size=None, memory_budget=None, seed=0):
        super().__init__(kernel, ridge=ridge, kernel_params=kernel_params, dtype=dtype,
                         device=device)
        self.solver = solver
        self.rank = rank
        self.tol = tol
        self.max_iter = max_iter
        self.block_size = block_size
        self.memory_budget = memory_budget
        self.seed = seed

    def fit(self, X, y, *, progress=None):
        r"""Solve for the dual coefficients with the chosen solver.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        progress : callable(done, total, message), optional
            Called as the kernel blocks and the conjugate-gradient iterations proceed.

        Returns
        -------
        self

        Raises
        ------
        eigenlab.ConvergenceError
            Conjugate gradients did not reach ``tol`` in ``max_iter`` iterations; the
            error's ``result`` holds the diagnostics.
        """
        ridge = check_scalar(self.ridge, "ridge", minimum=0.0)
        if self.solver not in _SOLVERS:
            raise ValueError(f"`solver` must be one of {', '.join(map(repr, _SOLVERS))}; "
                             f"got {self.solver!r}.")
        dtype = _resolve_dtype(self.dtype)
        device = _resolve_device(
            ("cuda" if torch.cuda.is_available() else "cpu") if self.device == "auto"
            else self.device)
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True,
                             dtype=(np.float64, np.float32))
        n = X.shape[0]
        budget = (available_memory(device) // 2 if self.memory_budget is None
                  else _check_count(self.memory_budget, "memory_budget", minimum=0))
        rank = _default_rank(n) if self.rank is None else _check_count(self.rank, "rank")
        rank = min(rank, n)
        tol = _DEFAULT_TOL[dtype] if self.tol is None else self.tol
        seed = _check_count(self.seed, "seed", minimum=0)
        solver = self.solver
        if solver == "auto":
            itemsize = torch.empty((), dtype=dtype).element_size()
            solver = "cholesky" if (16 + (itemsize if itemsize < 8 else 0)) * n**2 <= budget \
                else "cg"
        if solver in ("cg", "nystrom") and ridge == 0:
            raise ValueError(f"`ridge` must be > 0 for solver={solver!r}; got 0.0 (the "
                             f"ridgeless interpolant needs solver='cholesky').")
        kernel = self._resolve_kernel(X.shape[1])
        inputs = torch.tensor(X, dtype=dtype, device=device)
        columns = torch.tensor(y, dtype=torch.float64, device=device).reshape(n, -1)

        centers = torch.arange(n, device=device)
        iterations, residual, cached = 1, 0.0, False
        if solver == "cholesky":
            gram = kernel(inputs, block_size=self.block_size).to(torch.float64)
            gram.diagonal().add_(ridge)
            factor, info = torch.linalg.cholesky_ex(gram)
            if ridge > 0 and int(info) == 0:
                dual_coef = torch.cholesky_solve(columns, factor)
            else:
                del factor
                dual_coef = self._eigen_solve(gram, columns, ridge=ridge, info=int(info))
        elif solver == "nystrom":
            features = nystrom_features(kernel, inputs, n_centers=rank, seed=seed,
                                        block_size=self.block_size)
            left, squared, right = _feature_svd(features.features)
            coefficients = right @ ((squared.sqrt() / (squared + ridge))[:, None]
                                    * (left.mT @ columns))
            dual_coef = features.projection @ coefficients
            centers = features.centers
        else:
            operator = KernelOperator(kernel, inputs, ridge=ridge, block_size=self.block_size,
                                      memory_budget=budget)
            features = nystrom_features(kernel, inputs, n_centers=rank, seed=seed,
                                        block_size=self.block_size)
            preconditioner = NystromPreconditioner.from_features(features, ridge)
            del features

            first = [progress]

            def apply(v):  # kernel-block progress during the first (slowest) product only
                report, first[0] = first[0], None
                return operator.matmul(v, progress=report)

            result = conjugate_gradient(apply, columns, preconditioner=preconditioner, tol=tol,
                                        max_iter=self.max_iter, progress=progress)
            dual_coef = result.solution
            iterations = result.iterations
            residual = float(result.relative_residual.max(initial=0.0))
            cached = operator.cached

        self.kernel_ = kernel
        self.X_fit_ = inputs[centers]
        self.centers_ = centers.cpu().numpy()
        self.dual_coef_ = dual_coef.reshape((len(centers),) + tuple(y.shape[1:]))
        self.solver_ = solver
        self.n_iter_ = iterations
        self.relative_residual_ = residual
        self.cached_ = cached
        return self

    def predict(self, X):
        """Predictions :math:`k(x, X_\\text{fit})\\,\\alpha`, block by block, in float64.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features)

        Returns
        -------
        numpy.ndarray of shape (n_queries,) or (n_queries, n_outputs), float64
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        train = self.X_fit_
        queries = torch.tensor(X, dtype=train.dtype, device=train.device)
        rows = max(1, _PREDICT_BLOCK_BYTES // (8 * max(1, len(train))))
        with torch.no_grad():
            predictions = torch.cat([
                self.kernel_(queries[start:start + rows], train).to(torch.float64)
                @ self.dual_coef_
                for start in range(0, len(queries), rows)
            ])
        return predictions.cpu().numpy()
