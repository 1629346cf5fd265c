r"""Kernel ridge regression as a scikit-learn estimator, solved with torch on any device.

The estimator is the one every eigenframework describes (spec §1.1): the unnormalised Gram
matrix plus the ridge, :math:`\hat f(x) = k_{xD} (K_{DD} + \delta I_n)^{-1} y`. It works in
``Pipeline``, ``GridSearchCV`` and ``clone`` like any scikit-learn regressor; the heavy
numerics (Gram matrices from :mod:`eigenlab.kernels`, the Cholesky solve) run in torch, in the
dtype and on the device the estimator was given.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping

import numpy as np
import torch
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .._errors import EigenlabWarning
from .._validation import check_scalar
from ..kernels import Kernel, get_kernel

__all__ = ["KernelRidgeRegression"]

_DTYPES = {"float32": torch.float32, "float64": torch.float64}
# Temporary memory of one block of test-versus-train kernel values in predict.
_PREDICT_BLOCK_BYTES = 256 * 2**20
# Kernels whose width defaults, when not given, to sklearn's gamma = 1 / n_features.
_WIDTH_KERNELS = ("gaussian", "laplace", "rbf")


def _resolve_dtype(dtype: object) -> torch.dtype:
    if isinstance(dtype, torch.dtype):
        key = str(dtype).removeprefix("torch.")
    else:
        try:
            key = np.dtype(dtype).name
        except TypeError:
            key = None
    if key not in _DTYPES:
        raise ValueError(f"`dtype` must be 'float32' or 'float64'; got {dtype!r}.")
    return _DTYPES[key]


def _resolve_device(device: object) -> torch.device:
    try:
        resolved = torch.device(device)
        torch.empty(0, device=resolved)
    except (RuntimeError, TypeError, AssertionError) as error:
        raise ValueError(
            f"`device` must name an available torch device ('cpu', 'cuda', 'cuda:1', ...); "
            f"got {device!r} ({error})."
        ) from None
    return resolved


class KernelRidgeRegression(RegressorMixin, BaseEstimator):
    r"""Kernel ridge regression, :math:`\hat f(x) = k_{xD}(K_{DD} + \delta I_n)^{-1} y`.

    Fitting solves :math:`(K_{DD} + \delta I_n)\,\alpha = y` for the dual coefficients by a
    Cholesky factorisation; predicting evaluates :math:`k_{xD}\,\alpha` block by block. The
    ridge acts on the raw, unnormalised Gram matrix, the convention of the eigenlearning
    framework (so :math:`\delta` here is :math:`n` times the ridge of an estimator that
    averages the loss). With ``ridge=0``, or when the factorisation fails (a Gram matrix that
    is not numerically positive definite in the chosen dtype), the system is solved by a
    symmetric eigendecomposition instead, as a pseudo-inverse (the minimum-norm interpolant
    when ``ridge=0``), and an :class:`~eigenlab.EigenlabWarning` says so.

    Parameters
    ----------
    kernel : str or Kernel, default "gaussian"
        A kernel name for :func:`~eigenlab.kernels.get_kernel` (``"gaussian"``/``"rbf"``,
        ``"laplace"``, ``"polynomial"``) or a :class:`~eigenlab.kernels.Kernel`.
    ridge : float, default 1.0
        :math:`\delta \ge 0`.
    kernel_params : dict, optional
        Parameters for a kernel given by name, e.g. ``{"width": 2.0}``. When a Gaussian or
        Laplace kernel is named without a ``width``, the width is
        :math:`\sqrt{d/2}` for :math:`d` features (scikit-learn's default
        ``gamma = 1/n_features`` for the RBF kernel). Must be empty for a Kernel instance.
    dtype : {"float64", "float32"}, default "float64"
        The dtype of the Gram matrix, the solve and the predictions. float32 halves memory
        and roughly doubles speed, at an accuracy of about :math:`10^{-4}` relative to
        float64 for a well-conditioned system (worse when :math:`\delta` is small next to
        the Gram matrix's largest eigenvalue).
    device : str, default "cpu"
        Any torch device (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``).

    Attributes
    ----------
    X_fit_ : torch.Tensor of shape (n_samples, n_features)
        The training inputs, in ``dtype`` on ``device``.
    dual_coef_ : torch.Tensor of shape (n_samples,) or (n_samples, n_outputs)
        :math:`\alpha = (K_{DD} + \delta I)^{-1} y`, shaped like the ``y`` seen in fit.
    kernel_ : Kernel
        The kernel used (with the default width filled in).
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : numpy.ndarray of shape (n_features_in_,)
        Feature names, when ``X`` had string column names.

    Notes
    -----
    Dtype policy: inputs of any numeric dtype are converted to ``dtype``; predictions are
    numpy arrays in ``dtype``. Memory is :math:`n^2` elements for the Gram matrix plus as
    much for its factor; beyond that, :class:`~eigenlab.experiments.LargeKernelRidge` solves
    the same system by conjugate gradients on blockwise kernel products.

    References
    ----------
    Schoelkopf and Smola, *Learning with Kernels*, MIT Press 2002, Section 4.
    Simon, Dickens, Karkada, DeWeese, "The eigenlearning framework", TMLR 2023,
    arXiv:2110.03922 (the estimator and its ridge convention).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 3))
    >>> y = np.sin(X[:, 0])
    >>> model = KernelRidgeRegression("gaussian", ridge=1e-3, kernel_params={"width": 1.5})
    >>> model.fit(X, y).predict(X[:2]).shape
    (2,)
    >>> round(model.score(X, y), 4)
    1.0
    """

    def __init__(self, kernel="gaussian", *, ridge=1.0, kernel_params=None, dtype="float64",
                 device="cpu"):
        self.kernel = kernel
        self.ridge = ridge
        self.kernel_params = kernel_params
        self.dtype = dtype
        self.device = device

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    # ------------------------------------------------------------------ fit and predict
    def fit(self, X, y):
        """Solve :math:`(K_{DD} + \\delta I)\\,\\alpha = y` for the dual coefficients.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        self
        """
        ridge = check_scalar(self.ridge, "ridge", minimum=0.0)
        dtype = _resolve_dtype(self.dtype)
        device = _resolve_device(self.device)
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True,
                             dtype=(np.float64, np.float32))
        kernel = self._resolve_kernel(X.shape[1])

        inputs = torch.tensor(X, dtype=dtype, device=device)
        targets = torch.tensor(y, dtype=dtype, device=device)
        gram = kernel(inputs)
        gram.diagonal().add_(ridge)
        factor, info = torch.linalg.cholesky_ex(gram)
        columns = targets.reshape(len(targets), -1)
        if ridge > 0 and int(info) == 0:
            dual_coef = torch.cholesky_solve(columns, factor)
        else:
            del factor
            dual_coef = self._eigen_solve(gram, columns, ridge=ridge, info=int(info))

        self.kernel_ = kernel
        self.X_fit_ = inputs
        self.dual_coef_ = dual_coef.reshape(targets.shape)
        return self

    def predict(self, X):
        """Predictions :math:`k_{xD}\\,\\alpha`, block by block over the rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features)

        Returns
        -------
        numpy.ndarray of shape (n_queries,) or (n_queries, n_outputs)
            Shaped like the ``y`` seen in fit, in ``dtype``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        train = self.X_fit_
        queries = torch.tensor(X, dtype=train.dtype, device=train.device)
        rows = max(1, _PREDICT_BLOCK_BYTES // (train.element_size() * max(1, len(train))))
        with torch.no_grad():
            predictions = torch.cat([
                self.kernel_(queries[start:start + rows], train) @ self.dual_coef_
                for start in range(0, len(queries), rows)
            ])
        return predictions.cpu().numpy()

    # ------------------------------------------------------------------ helpers
    def _resolve_kernel(self, n_features: int) -> Kernel:
        params = self.kernel_params
        if params is not None and not isinstance(params, Mapping):
            raise TypeError(f"`kernel_params` must be a dict or None; got {params!r}.")
        params = dict(params or {})
        if isinstance(self.kernel, Kernel):
            if params:
                raise ValueError(
                    f"`kernel_params` must be empty when `kernel` is a Kernel instance "
                    f"({self.kernel!r}); got {params!r}."
                )
            return self.kernel
        if not isinstance(self.kernel, str):
            raise TypeError(
                f"`kernel` must be a kernel name ('gaussian', 'laplace', 'polynomial') or an "
                f"eigenlab.kernels.Kernel; got {self.kernel!r}."
            )
        if self.kernel.lower() in _WIDTH_KERNELS and "width" not in params:
            params["width"] = math.sqrt(n_features / 2.0)
        return get_kernel(self.kernel, **params)

    @staticmethod
    def _eigen_solve(matrix: torch.Tensor, columns: torch.Tensor, *, ridge: float,
                     info: int) -> torch.Tensor:
        """Pseudo-inverse solve by ``eigh``, dropping eigenvalues that are round-off.

        Eigenvalues of either sign below ``n * eps * max|eigenvalue|`` are dropped: for a
        positive semi-definite Gram matrix these are its numerical null space; a genuinely
        indefinite matrix (a kernel that is not positive semi-definite) is still solved
        exactly.
        """
        eigenvalues, eigenvectors = torch.linalg.eigh(matrix)
        cutoff = (torch.finfo(matrix.dtype).eps * len(matrix)
                  * float(eigenvalues.abs().max()) if len(matrix) else 0.0)
        kept = eigenvalues.abs() > cutoff
        inverse = torch.where(kept, 1.0 / torch.where(kept, eigenvalues, 1.0), 0.0)
        if ridge == 0:
            reason = "ridge = 0: the minimum-norm interpolant was computed"
        else:
            reason = (f"The Gram matrix plus ridge = {ridge!r} is not numerically positive "
                      f"definite in {str(matrix.dtype).removeprefix('torch.')} (Cholesky "
                      f"failed at column {info}); solved")
        warnings.warn(
            f"{reason} by a symmetric eigendecomposition, dropping "
            f"{int((~kept).sum())} eigenvalue(s) below {cutoff:.3g}. A larger ridge"
            + ("" if matrix.dtype == torch.float64 else " or dtype='float64'")
            + " makes the solve well conditioned.",
            EigenlabWarning,
            stacklevel=3,
        )
        return eigenvectors @ (inverse[:, None] * (eigenvectors.mT @ columns))
