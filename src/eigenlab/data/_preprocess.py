"""Raw samples -> float64 feature matrices on the scale a kernel expects."""

from __future__ import annotations

import numpy as np

from .._validation import check_scalar

__all__ = ["partial_zca", "preprocess"]

_NORMALIZE = ("none", "sphere")
_SCALE = ("unit-power", "pixel", "standardize")


def preprocess(images, *, normalize: str = "none", center: bool = True,
               scale: str = "unit-power", reference=None) -> np.ndarray:
    r"""Flatten samples to float64 features and put them on a kernel's scale.

    The steps, in order:

    1. flatten each sample to a row of :math:`X \in \mathbb R^{N \times d}` (float64); uint8
       pixels are divided by 255 first;
    2. ``center``: subtract the mean sample :math:`\bar x`;
    3. ``scale``:

       - ``"unit-power"``: divide by one global constant so that the mean squared norm
         :math:`\frac1N \sum_a \|x_a\|^2 = 1` (the HEA convention,
         :math:`\frac1N\|X\|_F^2 = 1`);
       - ``"pixel"``: nothing more (pixels are already in [0, 1] after step 1);
       - ``"standardize"``: each feature to zero mean and unit variance (constant features
         stay 0); this centres, so it needs ``center=True``;

    4. ``normalize="sphere"``: each sample to unit norm, :math:`x_a / \|x_a\|`.

    Which to choose depends on the kernel:

    - **Dot-product kernels** :math:`K(x \cdot x')` (the NNGP and NTK of MLPs, the analytic
      :func:`eigenlab.spectra.hypersphere_eigensystem`) are functions of the angle only
      when inputs lie on the unit sphere: use ``normalize="sphere"``.
    - **Gaussian and Laplace kernels** :math:`K(\|x - x'\| / \sigma)` work on
      ``scale="unit-power"`` data (the default), where the width :math:`\sigma` is in units
      of the data's RMS norm: centred data then have :math:`\mathbb E\|x - x'\|^2 = 2`.
      This is also the input the Hermite eigenstructure ansatz assumes.
    - ``"pixel"`` and ``"standardize"`` keep the conventions of other code bases for
      comparisons; they fix no kernel scale.

    Parameters
    ----------
    images : array-like of shape (N, ...)
        Raw samples, e.g. :attr:`Dataset.images`; uint8 means pixels in 0..255. Not
        modified.
    normalize : {"none", "sphere"}, default "none"
    center : bool, default True
    scale : {"unit-power", "pixel", "standardize"}, default "unit-power"
    reference : array-like of shape (M, ...), optional
        Take the statistics (mean sample, global scale, per-feature spread) from
        ``reference`` instead of ``images``, e.g. preprocess a test set with the training
        set's statistics. Default: ``images`` itself.

    Returns
    -------
    numpy.ndarray of shape (N, d), float64
        A new array.

    References
    ----------
    Karkada, Turnbull, Liu, Simon, "Predicting kernel regression learning curves from only
    raw data statistics", ICLR 2026, arXiv:2510.14878 (the HEA; its preprocessing: /255,
    centre, optional normalisation, global scale to unit mean squared norm).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> images = rng.integers(0, 256, size=(100, 4, 4), dtype=np.uint8)
    >>> x = preprocess(images)
    >>> x.shape, x.dtype, round(float(np.mean(np.sum(x**2, axis=1))), 12)
    ((100, 16), dtype('float64'), 1.0)
    >>> np.allclose(np.linalg.norm(preprocess(images, normalize="sphere"), axis=1), 1.0)
    True
    """
    if normalize not in _NORMALIZE:
        raise ValueError(f"`normalize` must be one of {_NORMALIZE}; got {normalize!r}.")
    if scale not in _SCALE:
        raise ValueError(f"`scale` must be one of {_SCALE}; got {scale!r}.")
    if not isinstance(center, bool | np.bool_):
        raise TypeError(f"`center` must be True or False; got {center!r}.")
    if scale == "standardize" and not center:
        raise ValueError("`scale='standardize'` centres every feature, so it needs "
                         "center=True; got center=False.")
    x = _features(images, "images")
    ref = x if reference is None else _features(reference, "reference")
    if ref.shape[1] != x.shape[1]:
        raise ValueError(f"`reference` must have {x.shape[1]} features per sample like "
                         f"`images`; got {ref.shape[1]}.")
    if center:
        mean = ref.mean(axis=0)
        x -= mean
        ref = x if reference is None else ref - mean
    if scale == "unit-power":
        power = float(np.mean(np.einsum("ij,ij->i", ref, ref)))
        if not power > 0:
            raise ValueError("`images` has zero power after centring (all samples equal); "
                             "it cannot be scaled to unit power.")
        x /= np.sqrt(power)
    elif scale == "standardize":
        spread = ref.std(axis=0)
        constant = np.ptp(ref, axis=0) == 0  # exact, unlike spread > 0 after centring
        x /= np.where(constant, 1.0, spread)
        if reference is None:
            x[:, constant] = 0.0  # exactly, instead of the centring's round-off
    if normalize == "sphere":
        norms = np.linalg.norm(x, axis=1)
        if np.any(norms == 0):
            raise ValueError(f"`images` sample {int(np.argmin(norms))} has zero norm"
                             f"{' after centring' if center else ''}; it cannot be put on the "
                             "sphere.")
        x /= norms[:, None]
    return x


def partial_zca(features, *, strength: float, reference=None) -> np.ndarray:
    r"""Partially whiten features: flatten the head of their covariance spectrum.

    With the SVD :math:`X = U S V^\top` and :math:`z' = z / \mathrm{mean}(S^2)`, the singular
    values become :math:`S' = S / \sqrt{z' S^2 + 1}`: directions with :math:`S^2 \ll
    \mathrm{mean}(S^2)/z` are kept, larger ones are shrunk towards a common level, which
    raises the effective dimension. ``strength=0`` returns a copy. The total power
    :math:`\|X\|_F^2` is preserved. Compose with :func:`preprocess`: centre (and optionally
    normalise) first, then ``partial_zca``, then ``preprocess(..., scale="unit-power")`` to
    re-centre and rescale, as in the HEA experiments.

    Parameters
    ----------
    features : array-like of shape (N, d)
        Not modified.
    strength : float
        :math:`z \ge 0` (the HEA experiments use 1e-3 to 1e-2).
    reference : array-like of shape (M, d), optional
        Take :math:`V`, :math:`S` and the power-preserving factor from ``reference`` instead
        of ``features``, so that one fixed linear map whitens two sets alike (e.g. a
        training pool and a larger sample for statistics). Default: ``features`` itself.

    Returns
    -------
    numpy.ndarray of shape (N, d), float64

    References
    ----------
    Karkada, Turnbull, Liu, Simon, arXiv:2510.14878 (partial ZCA as in its code,
    ``data.py::preprocess``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((500, 3)) * [10.0, 1.0, 0.1]
    >>> s = np.linalg.svd(partial_zca(x, strength=1e3), compute_uv=False)
    >>> bool(s[0] / s[-1] < 100 / 1.0)  # the condition number drops from about 100
    True
    """
    strength = check_scalar(strength, "strength", minimum=0.0)
    x = np.array(features, dtype=np.float64, copy=True)
    if x.ndim != 2:
        raise ValueError(f"`features` must have shape (N, d); got {x.shape}.")
    ref = x if reference is None else np.asarray(reference, dtype=np.float64)
    if ref.ndim != 2 or ref.shape[1] != x.shape[1]:
        raise ValueError(f"`reference` must have shape (M, {x.shape[1]}) like `features`; got "
                         f"{ref.shape}.")
    if strength == 0:
        return x
    # The d x d Gram matrix gives V and S^2 without an N x d SVD.
    squares, basis = np.linalg.eigh(ref.T @ ref)
    squares = np.clip(squares, 0.0, None)
    # mean(S^2) over the min(N, d) singular values, as in the HEA code's thin SVD.
    relative = strength / np.mean(squares[-min(ref.shape):])
    shrink = 1.0 / np.sqrt(relative * squares + 1.0)
    # The power kept by the reference: sum S'^2 / sum S^2, in closed form.
    total, kept = np.sum(squares), np.sum(squares * shrink**2)
    out = (x @ basis) * shrink @ basis.T
    return out * np.sqrt(total / kept) if kept > 0 else out


def _features(images, name: str) -> np.ndarray:
    array = np.asarray(images)
    if array.ndim < 2 or array.shape[0] == 0:
        raise ValueError(f"`{name}` must have shape (N, ...) with N >= 1 samples; got "
                         f"{array.shape}.")
    if array.dtype.kind not in "uif" or array.dtype == np.bool_:
        raise TypeError(f"`{name}` must be numeric; got dtype {array.dtype}.")
    x = np.array(array.reshape(len(array), -1), dtype=np.float64, copy=True)
    if array.dtype == np.uint8:
        x /= 255.0
    if not np.all(np.isfinite(x)):
        raise ValueError(f"`{name}` must be finite; got NaN or infinity.")
    return x
