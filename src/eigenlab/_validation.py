"""Small shared checks used at the public boundary.

Every message says which parameter, what it got and what it needs. Internals trust their
inputs, so these run once per public call.
"""

from __future__ import annotations

import warnings
from numbers import Real

import numpy as np

from ._errors import SpectrumWarning

# Relative size (to the largest eigenvalue) below which a negative eigenvalue is treated as
# round-off and zeroed. About sqrt(machine epsilon): an eigendecomposition of an n x n Gram
# matrix has errors of order n * eps * max|lambda|, far below this for any n that fits in
# memory, while a genuinely indefinite matrix has negative eigenvalues far above it.
_NEGATIVE_TOLERANCE = {
    np.dtype(np.float64): 1.5e-8,
    np.dtype(np.float32): 3.5e-4,
    np.dtype(np.float16): 3e-2,
}


def _describe(value: object) -> str:
    if isinstance(value, np.ndarray):
        if value.size <= 6:
            return f"array {value.tolist()!r}"
        return f"array of shape {value.shape}"
    return repr(value)


def as_float_array(value: object, name: str, *, ndim: tuple[int, ...] | None = None) -> np.ndarray:
    """Convert ``value`` to a float64 array, refusing non-numeric input and NaN/inf."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be numeric; got {_describe(value)}.") from None
    if ndim is not None and array.ndim not in ndim:
        allowed = " or ".join(str(d) for d in ndim)
        raise ValueError(
            f"`{name}` must have {allowed} dimension(s); got shape {array.shape}."
        )
    # A sum is NaN or infinite if any entry is, and costs one pass without a boolean array
    # as large as the input (a gigabyte-sized data matrix); only when it is not finite
    # (a bad entry, or an overflow of finite ones) are the entries checked one by one.
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.sum(array)
    if not np.isfinite(total) and not np.all(np.isfinite(array)):
        bad = array[~np.isfinite(array)].ravel()[0]
        raise ValueError(f"`{name}` must be finite; got a value {bad!r}.")
    return array


def check_nonnegative(value: object, name: str) -> np.ndarray:
    """Return ``value`` as a float64 array after checking it is finite and >= 0."""
    array = as_float_array(value, name)
    if np.any(array < 0):
        raise ValueError(f"`{name}` must be >= 0; got {_describe(_first(array, array < 0))}.")
    return array


def check_sample_sizes(value: object, name: str = "n") -> np.ndarray:
    """Return sample sizes as float64 after checking they are finite and >= 1.

    Non-integer sizes are allowed: the eigenframework is smooth in ``n``.
    """
    array = as_float_array(value, name)
    if np.any(array < 1):
        raise ValueError(
            f"`{name}` must be >= 1 (a number of training samples); "
            f"got {_describe(_first(array, array < 1))}."
        )
    return array


def check_scalar(value: object, name: str, *, minimum: float | None = None,
                 strictly: bool = False) -> float:
    """Check a real scalar, optionally bounded below."""
    if isinstance(value, bool) or not isinstance(value, Real | np.floating | np.integer):
        raise TypeError(f"`{name}` must be a real number; got {value!r}.")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"`{name}` must be finite; got {value!r}.")
    if minimum is not None and (value <= minimum if strictly else value < minimum):
        relation = ">" if strictly else ">="
        raise ValueError(f"`{name}` must be {relation} {minimum}; got {value!r}.")
    return value


def check_psd_eigenvalues(eigenvalues: object, name: str = "eigenvalues", *,
                          warn: bool = True) -> np.ndarray:
    """The one numerical gate every spectrum passes.

    Complex values with a significant imaginary part, NaN, infinities and significantly
    negative values raise. Negative values that are negligible next to the largest eigenvalue
    (relative size below about sqrt(eps) of the input's dtype) are round-off: they are set to
    zero with a :class:`~eigenlab.SpectrumWarning` (``warn=False`` for intermediate spectra
    where zeroing round-off is routine, e.g. a low-rank Gram matrix about to get a ridge).

    Returns a float64 copy.
    """
    raw = np.asarray(eigenvalues)
    if raw.dtype.kind == "c":
        scale = max(float(np.max(np.abs(raw), initial=0.0)), np.finfo(np.float64).tiny)
        if np.max(np.abs(raw.imag), initial=0.0) > 1e-5 * scale:
            raise ValueError(
                f"`{name}` has significant imaginary parts: either the matrix is not "
                "Hermitian or its eigendecomposition failed."
            )
        raw = raw.real
    if raw.dtype.kind not in "fiub":
        raise TypeError(f"`{name}` must be numeric; got dtype {raw.dtype}.")
    tolerance = _NEGATIVE_TOLERANCE.get(raw.dtype, _NEGATIVE_TOLERANCE[np.dtype(np.float64)])
    values = as_float_array(raw, name, ndim=(1,))
    largest = float(np.max(np.abs(values), initial=0.0))
    most_negative = float(np.min(values, initial=0.0))
    if most_negative < 0:
        if most_negative < -tolerance * largest:
            raise ValueError(
                f"`{name}` must be >= 0 (a positive semi-definite spectrum); got "
                f"{most_negative!r} against a largest magnitude of {largest!r}. Either the "
                "kernel is not positive semi-definite or its eigendecomposition failed."
            )
        n_zeroed = int(np.sum(values < 0))
        if warn:
            warnings.warn(
                f"{n_zeroed} negative eigenvalue(s) down to {most_negative:.3g} are round-off "
                f"next to the largest ({largest:.3g}); they were set to zero.",
                SpectrumWarning,
                stacklevel=3,
            )
        values = np.where(values < 0, 0.0, values)
    return values


def _first(array: np.ndarray, mask: np.ndarray) -> float:
    return float(np.broadcast_to(array, mask.shape)[mask].ravel()[0])
