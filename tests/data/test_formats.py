"""Tests for `eigenlab/data/_formats.py`: each reader against files written independently."""

import datetime
import gzip
import hashlib
import io
import os
import pickle
import tarfile

import numpy as np
import pytest
import scipy.io
from PIL import Image

from eigenlab.data import ChecksumError, DataFormatError, read_cifar_batch, read_idx, read_svhn_mat
from eigenlab.data._formats import read_arrays, read_image_folder, read_tar_members

# --- IDX --------------------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "float32", "float64"])
def test_idx_round_trip_every_type(tmp_path, rng, writers, gz, dtype):
    array = (rng.standard_normal((5, 3, 4)) * 100).astype(dtype)
    path = tmp_path / "a-idx3-ubyte"
    writers.write_idx(path, array, gz=gz)
    out = read_idx(path)
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    np.testing.assert_array_equal(out, array)
    out[0] = 0  # a writable copy, not a view of a read buffer


def test_idx_checksum_is_of_the_decompressed_content(tmp_path, writers):
    path = tmp_path / "labels-idx1-ubyte.gz"
    content = writers.write_idx(path, np.arange(10, dtype=np.uint8), gz=True)
    assert read_idx(path, sha256=hashlib.sha256(content).hexdigest()).tolist() == list(range(10))
    with pytest.raises(ChecksumError, match="labels-idx1-ubyte.gz"):
        read_idx(path, sha256=hashlib.sha256(path.read_bytes()).hexdigest())


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_idx_names_the_file(tmp_path, writers, gz):
    path = tmp_path / "train-images-idx3-ubyte"
    content = writers.write_idx(path, np.zeros((4, 28, 28), np.uint8))
    cut = content[:-100]
    path.write_bytes(gzip.compress(cut) if gz else cut)
    with pytest.raises(DataFormatError, match="train-images-idx3-ubyte is truncated"):
        read_idx(path)


def test_truncated_gzip_names_the_file(tmp_path, writers):
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    writers.write_idx(path, np.zeros((4, 28, 28), np.uint8), gz=True)
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(DataFormatError, match=r"t10k-images-idx3-ubyte\.gz is a corrupt"):
        read_idx(path)


def test_idx_header_errors(tmp_path, writers):
    path = tmp_path / "x-idx1-ubyte"
    content = writers.write_idx(path, np.arange(3, dtype=np.uint8))
    path.write_bytes(b"\x01" + content[1:])
    with pytest.raises(DataFormatError, match="not an IDX file"):
        read_idx(path)
    path.write_bytes(content[:2] + b"\x07" + content[3:])
    with pytest.raises(DataFormatError, match="unknown IDX type code 0x07"):
        read_idx(path)
    path.write_bytes(content + b"\x00")
    with pytest.raises(DataFormatError, match="longer than its header"):
        read_idx(path)
    path.write_bytes(content[:6])
    with pytest.raises(DataFormatError, match="cannot hold the header"):
        read_idx(path)


# --- CIFAR batches ----------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_cifar_batch_round_trip(tmp_path, rng, writers, protocol):
    images = rng.integers(0, 256, size=(7, 32, 32, 3), dtype=np.uint8)
    labels = rng.integers(0, 10, size=7)
    path = tmp_path / "data_batch_1"
    path.write_bytes(writers.cifar_batch(images, labels, protocol=protocol))
    out_images, out_labels = read_cifar_batch(path)
    np.testing.assert_array_equal(out_images, images)
    assert out_labels.dtype == np.int64 and out_labels.tolist() == labels.tolist()


def test_cifar_layout_is_channel_planar():
    # Row = 1024 red values, then green, then blue, each a 32x32 image in row order.
    row = np.concatenate([np.full(1024, 10), np.full(1024, 20), np.full(1024, 30)])
    row[1024 + 32 * 2 + 5] = 99  # green at (y=2, x=5)
    batch = {b"data": row.astype(np.uint8)[None], b"labels": [4]}
    images, _ = read_cifar_batch(pickle.dumps(batch, protocol=2))
    assert images[0, 0, 0].tolist() == [10, 20, 30]
    assert images[0, 2, 5].tolist() == [10, 99, 30]


def test_cifar_legacy_numpy_core_name_is_admitted(rng, writers):
    # The original batches were pickled when numpy's module was numpy.core, not numpy._core.
    images = rng.integers(0, 256, size=(2, 32, 32, 3), dtype=np.uint8)
    content = writers.cifar_batch(images, [1, 2], protocol=2)
    legacy = content.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    assert legacy != content
    np.testing.assert_array_equal(read_cifar_batch(legacy)[0], images)


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_restricted_unpickler_refuses_code(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({b"data": _Exploit(marker), b"labels": []}))
    with pytest.raises(DataFormatError, match=r"data_batch_1: refusing to unpickle the global "
                                              r"(posix|os|nt)\.system"):
        read_cifar_batch(path)
    assert not marker.exists()


@pytest.mark.parametrize("payload", [np.float64(1.0), datetime.date(2020, 1, 1)])
def test_restricted_unpickler_admits_no_other_global(payload):
    with pytest.raises(DataFormatError, match="bad: refusing to unpickle the global"):
        read_cifar_batch(pickle.dumps({b"data": payload, b"labels": [0]}), name="bad")


def test_restricted_unpickler_refuses_object_arrays():
    payload = np.array([None, 1], dtype=object)
    with pytest.raises(DataFormatError, match="object arrays are not allowed"):
        read_cifar_batch(pickle.dumps({b"data": payload, b"labels": [0, 0]}), name="bad")


@pytest.mark.parametrize(("content", "message"), [
    (b"not a pickle", "not a readable CIFAR batch"),
    (pickle.dumps([1, 2]), "a CIFAR batch is a dict"),
    (pickle.dumps({b"labels": [1]}), "'data' must be a uint8 array"),
    (pickle.dumps({b"data": np.zeros((2, 100), np.uint8), b"labels": [1, 2]}), r"\(N, 3072\)"),
    (pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [1]}), "list of 2"),
    (pickle.dumps({b"data": np.zeros((1, 3072), np.uint8), b"labels": [-1]}), "non-negative"),
])
def test_malformed_cifar_batches_name_the_source(content, message):
    with pytest.raises(DataFormatError, match=message) as error:
        read_cifar_batch(content, name="archive.tar.gz:data_batch_3")
    assert "archive.tar.gz:data_batch_3" in str(error.value)


def test_tar_members_skip_unsafe_paths(tmp_path, writers):
    path = tmp_path / "a.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        writers.add_to_tar(archive, "ok/file", b"1")
        writers.add_to_tar(archive, "../escape", b"2")
        writers.add_to_tar(archive, "/abs/file", b"3")
    members = read_tar_members(path, lambda name: True)
    assert {str(k): v for k, v in members.items()} == {"ok/file": b"1"}
    assert not (tmp_path.parent / "escape").exists()
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(DataFormatError, match="a.tar.gz"):
        read_tar_members(path, lambda name: True)


# --- SVHN -------------------------------------------------------------------------------------


def test_svhn_round_trip_maps_ten_to_zero(tmp_path, rng):
    images = rng.integers(0, 256, size=(6, 32, 32, 3), dtype=np.uint8)
    digits = np.array([10, 1, 2, 9, 10, 5])
    path = tmp_path / "train_32x32.mat"
    scipy.io.savemat(path, {"X": np.transpose(images, (1, 2, 3, 0)),
                            "y": digits[:, None].astype(np.uint8)})
    out_images, labels = read_svhn_mat(path)
    np.testing.assert_array_equal(out_images, images)
    assert labels.dtype == np.int64 and labels.tolist() == [0, 1, 2, 9, 0, 5]


def test_svhn_errors_name_the_file(tmp_path):
    path = tmp_path / "test_32x32.mat"
    scipy.io.savemat(path, {"X": np.zeros((32, 32, 3, 2), np.uint8)})
    with pytest.raises(DataFormatError, match="test_32x32.mat: an SVHN file holds"):
        read_svhn_mat(path)
    scipy.io.savemat(path, {"X": np.zeros((28, 28, 2), np.uint8), "y": np.ones((2, 1))})
    with pytest.raises(DataFormatError, match=r"test_32x32.mat: 'X' must have shape"):
        read_svhn_mat(path)
    path.write_bytes(b"garbage" * 20)
    with pytest.raises(DataFormatError, match="test_32x32.mat is not a readable"):
        read_svhn_mat(path)


# --- Image folders ----------------------------------------------------------------------------


def _png_tree(root, rng, mode):
    shape = (5, 4) if mode == "L" else (5, 4, 3)
    expected = {}
    for cls in ("b_class", "a_class"):
        (root / cls).mkdir(parents=True)
        for i in range(3):
            array = rng.integers(0, 256, size=shape, dtype=np.uint8)
            Image.fromarray(array, mode=mode).save(root / cls / f"{i:02d}.png")
            expected[(cls, i)] = array
    return expected


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_png_folder_round_trip_is_exact(tmp_path, rng, mode):
    expected = _png_tree(tmp_path / "pics", rng, mode)
    (tmp_path / "pics" / "a_class" / "notes.txt").write_text("ignored")
    images, labels, classes = read_image_folder(tmp_path / "pics")
    assert classes == ("a_class", "b_class")
    assert labels.tolist() == [0, 0, 0, 1, 1, 1]
    order = [(cls, i) for cls in classes for i in range(3)]
    np.testing.assert_array_equal(images, np.stack([expected[key] for key in order]))


def test_jpeg_tar_with_splits(tmp_path, writers):
    path = tmp_path / "set.tar.gz"
    colours = {"cat": (200, 30, 30), "dog": (20, 40, 220)}
    with tarfile.open(path, "w:gz") as archive:
        for split, count in (("train", 3), ("test", 2)):
            for cls, colour in colours.items():
                flat = np.broadcast_to(np.array(colour, np.uint8), (8, 8, 3)).copy()
                for i in range(count):
                    writers.add_to_tar(archive, f"top/{split}/{cls}/{i:04d}.jpg",
                                       writers.image_bytes(flat, "JPEG", quality=90))
    images, labels, classes = read_image_folder(path, split="test")
    assert images.shape == (4, 8, 8, 3) and images.dtype == np.uint8
    assert classes == ("cat", "dog") and labels.tolist() == [0, 0, 1, 1]
    assert np.abs(images[0].astype(int) - colours["cat"]).max() <= 3  # JPEG is lossy
    assert read_image_folder(path, split="train")[0].shape[0] == 6
    with pytest.raises(DataFormatError, match="several splits"):
        read_image_folder(path)
    with pytest.raises(DataFormatError, match="holds no images"):
        read_image_folder(path, split="validation")
    with pytest.raises(DataFormatError, match="do not match the expected classes"):
        read_image_folder(path, split="test", classes=("cat", "dog", "bird"))
    dog_first = read_image_folder(path, split="test", classes=("dog", "cat"))
    assert dog_first[1].tolist() == [0, 0, 1, 1] and dog_first[2] == ("dog", "cat")


def test_mixed_gray_and_colour_are_promoted(tmp_path):
    for cls, mode in (("gray", "L"), ("rgb", "RGB")):
        (tmp_path / cls).mkdir()
        Image.new(mode, (4, 4), 100 if mode == "L" else (1, 2, 3)).save(tmp_path / cls / "0.png")
    images, _, _ = read_image_folder(tmp_path)
    assert images.shape == (2, 4, 4, 3)
    assert images[0, 0, 0].tolist() == [100, 100, 100]


def test_image_folder_errors_name_the_file(tmp_path):
    (tmp_path / "a").mkdir()
    Image.new("L", (4, 4)).save(tmp_path / "a" / "0.png")
    Image.new("L", (5, 4)).save(tmp_path / "a" / "1.png")
    with pytest.raises(DataFormatError, match=r"a/1.png has shape \(4, 5\)"):
        read_image_folder(tmp_path)
    (tmp_path / "a" / "1.png").write_bytes(b"not an image")
    with pytest.raises(DataFormatError, match=r"a/1.png is not a readable image"):
        read_image_folder(tmp_path)
    with pytest.raises(DataFormatError, match="no folder 'train'"):
        read_image_folder(tmp_path, split="train")
    with pytest.raises(FileNotFoundError):
        read_image_folder(tmp_path / "missing")


# --- Arrays -----------------------------------------------------------------------------------


def test_arrays_from_npz_pair_and_folder(tmp_path, rng):
    x, y = rng.standard_normal((4, 3)), np.array([0, 1, 1, 2])
    np.savez(tmp_path / "d.npz", inputs=x, targets=y)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    for args, kwargs in [((tmp_path / "d.npz",), {"x_key": "inputs", "y_key": "targets"}),
                         (((tmp_path / "x.npy", tmp_path / "y.npy"),), {}),
                         ((tmp_path,), {})]:
        out_x, out_y, _ = read_arrays(*args, **kwargs)
        np.testing.assert_array_equal(out_x, x)
        np.testing.assert_array_equal(out_y, y)


def test_arrays_errors(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.zeros(2), y=np.array([None, 1], dtype=object))
    with pytest.raises(DataFormatError, match="d.npz is not a readable"):
        read_arrays(tmp_path / "d.npz")  # pickled object array: refused, never unpickled
    np.savez(tmp_path / "e.npz", a=np.zeros(2))
    with pytest.raises(ValueError, match="`x_key` names no array"):
        read_arrays(tmp_path / "e.npz")
    with pytest.raises(ValueError, match="one .npy file"):
        read_arrays(tmp_path / "x.npy")
    with pytest.raises(FileNotFoundError, match="x.npy"):
        read_arrays(tmp_path)
    (tmp_path / "bad.npz").write_bytes(io.BytesIO(b"PK garbage").getvalue())
    with pytest.raises(DataFormatError, match="bad.npz"):
        read_arrays(tmp_path / "bad.npz")
