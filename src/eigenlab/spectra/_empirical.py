"""Empirical eigensystems: eigendecomposition of a kernel's Gram matrix on M points."""

from __future__ import annotations

import numpy as np

from .._eigensystem import Eigensystem
from .._validation import as_float_array, check_psd_eigenvalues

__all__ = ["empirical_eigensystem", "gram_eigensystem"]


def gram_eigensystem(gram, targets=None) -> Eigensystem:
    r"""The eigensystem of a Gram matrix on M points, as the uniform measure on those points.

    With :math:`K_M = U \operatorname{diag}(\mu) U^\top`, the integral operator of the kernel
    under the empirical distribution of the M points has eigenvalues :math:`\lambda_i =
    \mu_i / M` and eigenfunctions :math:`\phi_i(x_a) = \sqrt{M} U_{ai}`, orthonormal under that
    distribution. The target's coefficients are :math:`v_i = U_{:,i}^\top y / \sqrt{M}`
    (population normalisation: :math:`\sum_i v_i^2 = \overline{y^2}`, so MSEs come out in the
    units of the labels).

    The pool of M points *is* the population of this eigensystem: KRR trained on n of them
    and tested on the others is compared with the theory through the off-training-set
    correction :math:`(M E_{te} - n E_{tr})/(M - n)` (see :mod:`eigenlab.experiments`).

    Parameters
    ----------
    gram : torch.Tensor or array-like of shape (M, M)
        Symmetric Gram matrix :math:`K(x_a, x_b)`. Decomposed in float64 on its device.
    targets : array-like of shape (M,) or (M, n_outputs), optional
        Labels at the M points.

    Returns
    -------
    Eigensystem
        M modes (no tail: the pool is the whole population), negligible negative eigenvalues
        zeroed (silently when within the eigensolver's own round-off, ``M * eps * max``).

    Notes
    -----
    Dtype policy: the decomposition runs in float64 whatever the Gram's dtype (a float32
    Gram is promoted), because the small eigenvalues set the learning curve at large n.
    Memory: about three M x M float64 matrices (M = 20,000 needs about 10 GB).

    References
    ----------
    Simon et al., TMLR 2023, arXiv:2110.03922, Section 2.4.
    """
    import torch

    matrix = torch.as_tensor(gram)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
        raise ValueError(f"`gram` must be a non-empty square matrix; got shape "
                         f"{tuple(matrix.shape)}.")
    if not torch.isfinite(matrix).all():
        raise ValueError("`gram` must be finite; got NaN or infinite entries.")
    size = matrix.shape[0]
    y = None
    if targets is not None:
        y = as_float_array(targets.cpu().numpy() if hasattr(targets, "cpu") else targets,
                           "targets", ndim=(1, 2))
        if y.shape[0] != size:
            raise ValueError(f"`targets` must have one row per point of `gram` ({size}); got "
                             f"shape {y.shape}.")
    values, vectors = torch.linalg.eigh(matrix.to(torch.float64))
    values = values.flip(0).cpu().numpy()
    vectors = vectors.flip(1)
    roundoff = 16 * size * np.finfo(np.float64).eps * float(np.max(np.abs(values)))
    quiet = np.where((values < 0) & (values > -roundoff), 0.0, values)
    eigenvalues = check_psd_eigenvalues(quiet, "eigenvalues of `gram`") / size
    coeffs = None
    if y is not None:
        projected = vectors.T @ torch.as_tensor(y, dtype=torch.float64, device=vectors.device)
        coeffs = projected.cpu().numpy() / np.sqrt(size)
    return Eigensystem(eigenvalues, coeffs,
                       mode_labels=np.arange(size))


def empirical_eigensystem(x, targets, kernel, *, device=None, dtype=None,
                          block_size: int | None = None) -> Eigensystem:
    r"""Build the Gram matrix of ``kernel`` on ``x`` and return its eigensystem.

    A convenience over :func:`gram_eigensystem`; see there for the normalisation.

    Parameters
    ----------
    x : array-like or torch.Tensor of shape (M, n_features)
    targets : array-like of shape (M,) or (M, n_outputs), or None
    kernel : eigenlab.kernels.Kernel
    device : str or torch.device, optional
        Where to build and decompose the Gram matrix (``"cuda"`` when available).
    dtype : torch.dtype, optional
        dtype of the Gram construction (float64 by default); the decomposition is float64.

    Examples
    --------
    >>> import numpy as np
    >>> from eigenlab.kernels import GaussianKernel
    >>> x = np.random.default_rng(0).normal(size=(300, 5)) / np.sqrt(5)
    >>> es = empirical_eigensystem(x, np.sign(x[:, 0]), GaussianKernel(width=1.0))
    >>> es.n_modes, round(es.trace, 6)   # trace = mean K(x, x) = 1 for a Gaussian kernel
    (300, 1.0)
    """
    import torch

    points = torch.as_tensor(x, dtype=dtype or torch.float64, device=device)
    gram = kernel(points, block_size=block_size)
    return gram_eigensystem(gram, targets)
