"""Class labels -> regression targets: binary +-1, one-hot, and label noise."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .._validation import check_scalar

__all__ = ["NAMED_SPLITS", "add_label_noise", "binary_target", "class_split", "one_hot_target"]

#: Named two-way partitions of class indices, ``name -> (positive, negative)``. Digit splits
#: apply to MNIST, SVHN and digits; the CIFAR-10 ones use its canonical class order
#: (0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog, 7 horse, 8 ship, 9 truck).
#: "loops-no-loops" and "prime-composite" leave some digits out, as in the HEA experiments.
NAMED_SPLITS: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "even-odd": ((0, 2, 4, 6, 8), (1, 3, 5, 7, 9)),
    "low-high": ((0, 1, 2, 3, 4), (5, 6, 7, 8, 9)),
    "loops-no-loops": ((0, 6, 8, 9), (1, 3, 5, 7)),
    "prime-composite": ((2, 3, 5, 7), (4, 6, 8, 9)),
    "vehicles-animals": ((0, 1, 8, 9), (2, 3, 4, 5, 6, 7)),
    "domestic-wild": ((3, 5, 7), (2, 4, 6)),
}


def class_split(name: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The ``(positive, negative)`` class indices of a named partition.

    Parameters
    ----------
    name : str
        A key of :data:`NAMED_SPLITS`: ``"even-odd"``, ``"low-high"``, ``"loops-no-loops"``,
        ``"prime-composite"`` (digits); ``"vehicles-animals"`` (airplane, automobile, ship,
        truck vs the rest), ``"domestic-wild"`` (cat, dog, horse vs bird, deer, frog)
        (CIFAR-10).

    Returns
    -------
    positive, negative : tuple of int

    Examples
    --------
    >>> class_split("vehicles-animals")
    ((0, 1, 8, 9), (2, 3, 4, 5, 6, 7))
    >>> y, kept = binary_target([0, 1, 2, 3], *class_split("even-odd"), n_classes=10)
    >>> y.tolist()
    [1.0, -1.0, 1.0, -1.0]
    """
    if name not in NAMED_SPLITS:
        raise ValueError(f"`name` must be one of {sorted(NAMED_SPLITS)}; got {name!r}.")
    return NAMED_SPLITS[name]


def binary_target(labels, positive, negative=None, *,
                  n_classes: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    r"""A :math:`\pm 1` target: +1 for the ``positive`` classes, -1 for the ``negative`` ones.

    Samples of other classes are dropped; the returned mask says which were kept.

    Parameters
    ----------
    labels : array-like of int, shape (N,)
        Class indices.
    positive : int or collection of int
        Class(es) labelled +1.
    negative : int or collection of int, optional
        Class(es) labelled -1. Default: every other class.
    n_classes : int, optional
        C, to catch indices that name no class; default ``max(labels) + 1``.

    Returns
    -------
    y : numpy.ndarray of shape (n_kept,), float64
        +1.0 or -1.0, in the order of the kept samples.
    kept : numpy.ndarray of shape (N,), bool
        Which samples have a target: ``y`` pairs with ``samples[kept]``.

    Raises
    ------
    ValueError
        An empty class collection, a class on both sides, an index outside ``0..C-1``, or
        a side with no samples in ``labels`` (a one-sided task). A listed class that merely
        has no samples in this subset is allowed.

    Examples
    --------
    >>> y, kept = binary_target([3, 5, 1, 3, 7], positive=3, negative=[5, 7])
    >>> y.tolist(), kept.tolist()
    ([1.0, -1.0, 1.0, -1.0], [True, True, False, True, True])
    """
    labels = _labels(labels)
    if n_classes is None:
        n_classes = int(labels.max()) + 1 if labels.size else 0
    positive = _classes(positive, "positive")
    if negative is None:
        negative = tuple(c for c in range(n_classes) if c not in set(positive))
        if not negative:
            raise ValueError("`negative` defaults to the classes other than `positive`, but "
                             f"there are none (n_classes = {n_classes}).")
    else:
        negative = _classes(negative, "negative")
    overlap = sorted(set(positive) & set(negative))
    if overlap:
        raise ValueError(f"`positive` and `negative` must not share classes; both hold "
                         f"{overlap}.")
    for name, chosen in (("positive", positive), ("negative", negative)):
        unknown = sorted(c for c in chosen if not 0 <= c < n_classes)
        if unknown:
            raise ValueError(f"`{name}` must hold class indices in 0..{n_classes - 1}; got "
                             f"{unknown}. (Labels of a subset may lack the top classes: pass "
                             "n_classes=.)")
    is_positive = np.isin(labels, positive)
    kept = is_positive | np.isin(labels, negative)
    for name, side in (("positive", is_positive), ("negative", kept & ~is_positive)):
        if not np.any(side):
            raise ValueError(f"`{name}` classes {positive if name == 'positive' else negative} "
                             "have no samples in `labels`: the task would be one-sided.")
    return np.where(is_positive[kept], 1.0, -1.0), kept


def one_hot_target(labels, n_classes: int | None = None, *, centered: bool = False) -> np.ndarray:
    r"""One-hot targets, one output per class.

    Parameters
    ----------
    labels : array-like of int, shape (N,)
    n_classes : int, optional
        C; default ``max(labels) + 1``.
    centered : bool, default False
        Subtract :math:`1/C` from every entry, so that each row sums to zero (the encoding
        is the same for every split, unlike subtracting empirical column means).

    Returns
    -------
    numpy.ndarray of shape (N, C), float64

    Examples
    --------
    >>> one_hot_target([0, 2], 3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    >>> one_hot_target([1], 2, centered=True).tolist()
    [[-0.5, 0.5]]
    """
    labels = _labels(labels)
    if n_classes is None:
        n_classes = int(labels.max()) + 1 if labels.size else 0
    if isinstance(n_classes, bool) or not isinstance(n_classes, int | np.integer) \
            or n_classes < 1:
        raise ValueError(f"`n_classes` must be a positive integer; got {n_classes!r}.")
    if labels.size and (labels.max() >= n_classes or labels.min() < 0):
        bad = labels.max() if labels.max() >= n_classes else labels.min()
        raise ValueError(f"`labels` must be in 0..{n_classes - 1} (n_classes = {n_classes}); "
                         f"got {bad}.")
    targets = np.zeros((labels.size, int(n_classes)))
    targets[np.arange(labels.size), labels] = 1.0
    if centered:
        targets -= 1.0 / n_classes
    return targets


def add_label_noise(y, variance: float, *, seed) -> np.ndarray:
    r"""``y`` plus independent Gaussian noise :math:`\mathcal N(0, \varepsilon^2)` per entry.

    Parameters
    ----------
    y : array-like of shape (N,) or (N, K)
        Not modified.
    variance : float
        :math:`\varepsilon^2 \ge 0`, the noise variance of every output (``noise`` in the
        theory).
    seed : int, numpy.random.SeedSequence or numpy.random.Generator
        Source of randomness (required: the noise is part of the experiment).

    Returns
    -------
    numpy.ndarray, float64, the shape of ``y``

    Examples
    --------
    >>> noisy = add_label_noise(np.zeros(100_000), 0.25, seed=0)
    >>> round(float(noisy.var()), 2)
    0.25
    """
    variance = check_scalar(variance, "variance", minimum=0.0)
    y = np.asarray(y, dtype=np.float64)
    if isinstance(seed, bool) or not isinstance(
            seed, int | np.integer | np.random.SeedSequence | np.random.Generator):
        raise TypeError(f"`seed` must be an int, a SeedSequence or a numpy Generator; got "
                        f"{seed!r}.")
    rng = np.random.default_rng(seed)
    return y + np.sqrt(variance) * rng.standard_normal(y.shape)


def _labels(labels) -> np.ndarray:
    array = np.asarray(labels)
    if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
        raise ValueError(f"`labels` must be a 1-d array of integer class indices; got "
                         f"{array.dtype} of shape {array.shape}.")
    return array.astype(np.int64, copy=False)


def _classes(value, name: str) -> tuple[int, ...]:
    items = [value] if isinstance(value, int | np.integer) else value
    if isinstance(value, bool | str) or not isinstance(items, Iterable):
        raise TypeError(f"`{name}` must be a class index or a collection of them; got "
                        f"{value!r}.")
    items = list(items)
    if not items:
        raise ValueError(f"`{name}` must name at least one class; got {value!r}.")
    if not all(isinstance(c, int | np.integer) and not isinstance(c, bool) for c in items):
        raise TypeError(f"`{name}` must hold class indices (ints); got {value!r}.")
    return tuple(int(c) for c in items)
