"""Readers for the on-disk formats of image datasets.

Each reader returns plain arrays, validates what it reads, and names the file in every error.
Nothing is extracted to disk: archives are read member by member in memory. Pickles (the
CIFAR python batches) go through an unpickler that admits only the few numpy globals the
format needs.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import os
import pickle
import tarfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath

import numpy as np

from ._download import ChecksumError

__all__ = [
    "DataFormatError",
    "read_arrays",
    "read_cifar_batch",
    "read_idx",
    "read_image_folder",
    "read_svhn_mat",
    "read_tar_members",
]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")

# IDX type codes (LeCun's format description): all multi-byte values are big-endian.
_IDX_DTYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
               0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


class DataFormatError(ValueError):
    """A data file is truncated, corrupt, or not in the format it claims to be."""


def read_idx(path: str | os.PathLike, *, sha256: str | None = None) -> np.ndarray:
    """Read an IDX file (the MNIST format), gzipped or not.

    The header is two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
    0x0D float32, 0x0E float64) and the number of dimensions, followed by one big-endian
    uint32 per dimension and the values in C order. Gzip is recognised by its magic bytes, not
    by the file name.

    Parameters
    ----------
    path : path-like
    sha256 : str, optional
        Expected SHA-256 of the decompressed content; a mismatch raises
        :class:`ChecksumError`.

    Returns
    -------
    numpy.ndarray
        Native byte order, of the shape in the header (uint8 (N, 28, 28) for MNIST images).

    Raises
    ------
    DataFormatError
        Bad magic number, unknown type code, or a size that does not match the header
        (truncated file); the message names the file.

    Examples
    --------
    >>> import pathlib, struct, tempfile
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = pathlib.Path(tmp.name) / "labels-idx1-ubyte"
    >>> _ = path.write_bytes(struct.pack(">4BI", 0, 0, 8, 1, 3) + bytes([7, 2, 1]))
    >>> read_idx(path)
    array([7, 2, 1], dtype=uint8)
    >>> tmp.cleanup()
    """
    path = Path(path)
    content = read_maybe_gzip(path)
    if sha256 is not None:
        got = hashlib.sha256(content).hexdigest()
        if got != sha256.lower():
            raise ChecksumError(
                f"{path} is not the canonical file of that name: the SHA-256 of its content "
                f"is {got}, the published one is {sha256.lower()}. Replace the file (or load a "
                "file you made yourself with `read_idx`/`load_arrays`, or pass verify=False)."
            )
    if len(content) < 4 or content[:2] != b"\x00\x00":
        raise DataFormatError(f"{path} is not an IDX file: it does not start with two zero "
                              f"bytes (got {content[:4]!r}).")
    code, ndim = content[2], content[3]
    if code not in _IDX_DTYPES:
        raise DataFormatError(f"{path}: unknown IDX type code 0x{code:02X}; expected one of "
                              f"{', '.join(f'0x{c:02X}' for c in _IDX_DTYPES)}.")
    header = 4 + 4 * ndim
    if len(content) < header:
        raise DataFormatError(f"{path} is truncated: {len(content)} bytes cannot hold the "
                              f"header of a {ndim}-dimensional IDX array.")
    shape = tuple(int(d) for d in np.frombuffer(content, ">u4", count=ndim, offset=4))
    dtype = _IDX_DTYPES[code]
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(content) != expected:
        state = "truncated" if len(content) < expected else "longer than its header says"
        raise DataFormatError(f"{path} is {state}: the header announces shape {shape} "
                              f"({expected} bytes) but the content has {len(content)} bytes.")
    array = np.frombuffer(content, dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def read_maybe_gzip(path: Path) -> bytes:
    """The bytes of ``path``, decompressed if it is gzipped; errors name the file."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DataFormatError(f"Cannot read {path}: {error}.") from None
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as error:
        raise DataFormatError(f"{path} is a corrupt or truncated gzip file ({error}).") from None


# ---------------------------------------------------------------------------------------------
# CIFAR python batches: restricted unpickling.

def _reconstruct_function() -> Callable:
    return np.ndarray((0,), np.uint8).__reduce__()[0]


def _frombuffer_function() -> Callable:
    return np.zeros(1, np.uint8).__reduce_ex__(5)[0]


def _safe_dtype(*args, **kwargs) -> np.dtype:
    dtype = np.dtype(*args, **kwargs)
    if dtype.hasobject:
        raise pickle.UnpicklingError("object arrays are not allowed")
    return dtype


def _latin1_encode(text: str, encoding: str = "latin1") -> bytes:
    # Protocol <= 2 pickles written by Python 3 store bytes as _codecs.encode(str, "latin1").
    if codecs.lookup(encoding).name != "iso8859-1":
        raise pickle.UnpicklingError(f"encoding {encoding!r} is not allowed")
    return text.encode("latin1")


class _CifarUnpickler(pickle.Unpickler):
    """Admits numpy array/dtype reconstruction and latin-1 bytes; refuses every other global.

    The module names cover the layouts numpy has pickled under (``numpy.core`` in the
    original Python 2 batches, ``numpy._core`` since numpy 2), resolved here without
    importing the deprecated ``numpy.core`` alias.
    """

    _ALLOWED = {
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): _safe_dtype,
        ("numpy.core.multiarray", "_reconstruct"): _reconstruct_function(),
        ("numpy._core.multiarray", "_reconstruct"): _reconstruct_function(),
        ("numpy.core.numeric", "_frombuffer"): _frombuffer_function(),
        ("numpy._core.numeric", "_frombuffer"): _frombuffer_function(),
        ("_codecs", "encode"): _latin1_encode,
        ("builtins", "bytes"): bytes,
        ("__builtin__", "bytes"): bytes,
    }

    def __init__(self, file, source: str):
        super().__init__(file, encoding="bytes")
        self._source = source

    def find_class(self, module: str, name: str):
        try:
            return self._ALLOWED[module, name]
        except KeyError:
            raise DataFormatError(
                f"{self._source}: refusing to unpickle the global {module}.{name}. A CIFAR "
                "batch holds only a dict of bytes, lists and numpy uint8 arrays; this file "
                "is not one (and may be malicious)."
            ) from None


def read_cifar_batch(source: str | os.PathLike | bytes, *,
                     name: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Read one CIFAR-10 python batch (``data_batch_1`` ... ``test_batch``).

    A batch is a pickled dict with (bytes) keys ``data``, a uint8 array (N, 3072) of
    channel-planar rows (1024 red, 1024 green, 1024 blue values, each a 32x32 image in row
    order), and ``labels``, a list of N ints. It is unpickled by a restricted unpickler that
    admits only numpy array reconstruction; any other global (``os.system``, ...) raises.

    Parameters
    ----------
    source : path-like or bytes
        The batch file, or its bytes (e.g. read from the archive).
    name : str, optional
        What to call ``source`` in errors when it is bytes.

    Returns
    -------
    images : numpy.ndarray of shape (N, 32, 32, 3), uint8
        Height, width, channel order (HWC).
    labels : numpy.ndarray of shape (N,), int64

    Raises
    ------
    DataFormatError
        Not a pickle, a refused global, or a dict without the expected keys and shapes.

    Examples
    --------
    >>> import pickle
    >>> batch = {b"data": np.arange(2 * 3072, dtype=np.uint32).astype(np.uint8).reshape(2, -1),
    ...          b"labels": [3, 8], b"batch_label": b"demo"}
    >>> images, labels = read_cifar_batch(pickle.dumps(batch))
    >>> images.shape, labels.tolist(), images[0, 0, 1].tolist()  # pixel (0, 1): R, G, B
    ((2, 32, 32, 3), [3, 8], [1, 1, 1])
    """
    if isinstance(source, bytes | bytearray):
        where, content = name or "CIFAR batch", bytes(source)
    else:
        where = str(source)
        try:
            content = Path(source).read_bytes()
        except OSError as error:
            raise DataFormatError(f"Cannot read {where}: {error}.") from None
    try:
        batch = _CifarUnpickler(io.BytesIO(content), where).load()
    except DataFormatError:
        raise
    except Exception as error:  # pickle raises many types on garbage input
        raise DataFormatError(f"{where} is not a readable CIFAR batch pickle "
                              f"({type(error).__name__}: {error}).") from None
    if not isinstance(batch, dict):
        raise DataFormatError(f"{where}: a CIFAR batch is a dict; got {type(batch).__name__}.")
    batch = {key.decode("latin1") if isinstance(key, bytes) else key: value
             for key, value in batch.items()}
    data, labels = batch.get("data"), batch.get("labels")
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 \
            or data.shape[1] != 3072:
        got = f"{data.dtype} {data.shape}" if isinstance(data, np.ndarray) else type(data).__name__
        raise DataFormatError(f"{where}: 'data' must be a uint8 array of shape (N, 3072); "
                              f"got {got}.")
    if not isinstance(labels, list | np.ndarray) or len(labels) != len(data):
        raise DataFormatError(f"{where}: 'labels' must be a list of {len(data)} class indices.")
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu" or labels.ndim != 1 or np.any(labels < 0):
        raise DataFormatError(f"{where}: 'labels' must be non-negative integers.")
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels.astype(np.int64)


def read_tar_members(path: str | os.PathLike,
                     keep: Callable[[PurePosixPath], bool]) -> dict[PurePosixPath, bytes]:
    """Bytes of the regular-file members of a (gzipped) tar archive for which ``keep`` holds.

    Read in one pass, in memory; nothing is extracted. Members with absolute paths or ``..``
    components are ignored, as are links and devices.
    """
    path = Path(path)
    members = {}
    try:
        with tarfile.open(path, "r:*") as archive:
            for member in archive:
                name = PurePosixPath(member.name)
                if not member.isfile() or name.is_absolute() or ".." in name.parts:
                    continue
                if keep(name):
                    members[name] = archive.extractfile(member).read()
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise DataFormatError(f"{path} is not a readable tar archive ({error}).") from None
    return members


# ---------------------------------------------------------------------------------------------
# SVHN .mat files.

def read_svhn_mat(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read an SVHN cropped-digits file (``train_32x32.mat``, ``test_32x32.mat``).

    The file (MATLAB v5) holds ``X``, uint8 (32, 32, 3, N), and ``y``, (N, 1) with digits
    1-9 as themselves and the digit 0 stored as label 10; here 10 is mapped to 0.

    Returns
    -------
    images : numpy.ndarray of shape (N, 32, 32, 3), uint8
    labels : numpy.ndarray of shape (N,), int64, in 0..9

    Examples
    --------
    >>> import pathlib, tempfile, scipy.io
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = pathlib.Path(tmp.name) / "test_32x32.mat"
    >>> X = np.zeros((32, 32, 3, 2), np.uint8)
    >>> scipy.io.savemat(path, {"X": X, "y": np.array([[10], [3]], np.uint8)})
    >>> images, labels = read_svhn_mat(path)
    >>> images.shape, labels.tolist()
    ((2, 32, 32, 3), [0, 3])
    >>> tmp.cleanup()
    """
    import scipy.io

    path = Path(path)
    try:
        content = scipy.io.loadmat(path, variable_names=("X", "y"))
    except (OSError, ValueError, TypeError, NotImplementedError) as error:
        raise DataFormatError(f"{path} is not a readable MATLAB v5 file ({error}).") from None
    x, y = content.get("X"), content.get("y")
    if x is None or y is None:
        raise DataFormatError(f"{path}: an SVHN file holds variables 'X' and 'y'; found "
                              f"{sorted(k for k in content if not k.startswith('__'))}.")
    if x.ndim != 4 or x.shape[:3] != (32, 32, 3) or y.size != x.shape[3]:
        raise DataFormatError(f"{path}: 'X' must have shape (32, 32, 3, N) and 'y' N entries; "
                              f"got {x.shape} and {y.shape}.")
    labels = y.reshape(-1)
    if np.any(labels != np.round(labels)) or np.any((labels < 0) | (labels > 10)):
        raise DataFormatError(f"{path}: 'y' must hold digits 0..10 (10 meaning 0).")
    labels = labels.astype(np.int64) % 10
    images = np.ascontiguousarray(np.moveaxis(x, 3, 0).astype(np.uint8, copy=False))
    return images, labels


# ---------------------------------------------------------------------------------------------
# Image folders: <class>/<image> in a directory or a tar archive.

def read_image_folder(path: str | os.PathLike, *, split: str | None = None,
                      classes: Sequence[str] | None = None
                      ) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Decode a folder of class subfolders of images, or a tar(.gz) archive of one.

    See :func:`eigenlab.data.load_image_folder`. Images are taken in class order, then file
    name order. Grayscale images give (H, W); colour ones (H, W, 3) (palette and alpha
    images are converted to RGB); when a folder mixes the two, grayscale is repeated over
    three channels.
    """
    path = Path(path)
    if path.is_dir():
        root = path / split if split is not None else path
        if not root.is_dir():
            raise DataFormatError(f"{path} has no folder {split!r} for split={split!r}.")
        files = {}
        for folder in sorted(p for p in root.iterdir() if p.is_dir()
                             and not p.name.startswith(".")):
            for file in sorted(folder.iterdir()):
                if file.suffix.lower() in IMAGE_SUFFIXES and not file.name.startswith("."):
                    files[(folder.name, file.name)] = file
        found = sorted({cls for cls, _ in files})
        origin = root
    elif path.is_file():
        members = read_tar_members(path, lambda name: _is_image_member(name, split))
        if split is None:
            splits = {name.parts[-3] for name in members if len(name.parts) >= 3}
            if len(splits) > 1:
                raise DataFormatError(f"{path} holds several splits ({', '.join(sorted(splits))})"
                                      "; pass split= to choose one.")
        files = {(name.parts[-2], name.name): data for name, data in members.items()}
        found = sorted({cls for cls, _ in files})
        origin = path
    else:
        raise FileNotFoundError(f"No image folder or archive at {path}.")
    if not files:
        where = f"{origin}" + (f" (split {split!r})" if split and origin == path else "")
        raise DataFormatError(f"{where} holds no images ({', '.join(IMAGE_SUFFIXES)}) in class "
                              "subfolders.")
    if classes is None:
        classes = tuple(found)
    else:
        classes = tuple(classes)
        missing, extra = set(classes) - set(found), set(found) - set(classes)
        if missing or extra:
            raise DataFormatError(f"{origin}: class folders {found} do not match the expected "
                                  f"classes {list(classes)}.")
    index = {cls: i for i, cls in enumerate(classes)}
    keys = sorted(files, key=lambda key: (index[key[0]], key[1]))
    decoded = [_decode_image(files[key], f"{origin}:{key[0]}/{key[1]}") for key in keys]
    images = _stack(decoded, [f"{origin}:{c}/{f}" for c, f in keys])
    labels = np.array([index[cls] for cls, _ in keys], dtype=np.int64)
    return images, labels, classes


def _is_image_member(name: PurePosixPath, split: str | None) -> bool:
    if name.suffix.lower() not in IMAGE_SUFFIXES or name.name.startswith("."):
        return False
    if split is None:
        return len(name.parts) >= 2
    return len(name.parts) >= 3 and name.parts[-3] == split


def _decode_image(source: Path | bytes, where: str) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as image:
            if image.mode in ("I", "F") or image.mode.startswith("I;"):
                raise DataFormatError(f"{where} has {image.mode!r} pixels; only 8-bit "
                                      "grayscale and colour images are supported.")
            if image.mode not in ("L", "RGB"):
                image = image.convert("L" if image.mode in ("1", "LA") else "RGB")
            return np.asarray(image, dtype=np.uint8)
    except DataFormatError:
        raise
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise DataFormatError(f"{where} is not a readable image ({error}).") from None


def _stack(images: list[np.ndarray], names: list[str]) -> np.ndarray:
    if any(image.ndim == 3 for image in images):
        images = [np.repeat(image[:, :, None], 3, axis=2) if image.ndim == 2 else image
                  for image in images]
    shape = images[0].shape
    for image, name in zip(images, names, strict=True):
        if image.shape != shape:
            raise DataFormatError(f"{name} has shape {image.shape}; the first image "
                                  f"({names[0]}) has {shape}. All images must have one size.")
    return np.stack(images)


# ---------------------------------------------------------------------------------------------
# Arrays: .npz, or a pair of .npy files.

def read_arrays(path: str | os.PathLike | Sequence[str | os.PathLike], *, x_key: str = "x",
                y_key: str = "y") -> tuple[np.ndarray, np.ndarray, str]:
    """``(x, y, where)`` from a ``.npz``, a folder of ``<x_key>.npy`` and ``<y_key>.npy``, or a
    pair of ``.npy`` paths. Never unpickles (``allow_pickle=False``)."""
    if isinstance(path, list | tuple):
        if len(path) != 2:
            raise ValueError(f"`path` as a sequence must be (x_path, y_path); got {path!r}.")
        return _load_npy(Path(path[0])), _load_npy(Path(path[1])), f"{path[0]}, {path[1]}"
    path = Path(path)
    if path.is_dir():
        files = [path / f"{x_key}.npy", path / f"{y_key}.npy"]
        for file in files:
            if not file.is_file():
                raise FileNotFoundError(f"{path} is a folder but holds no {file.name}; expected "
                                        f"{files[0].name} and {files[1].name}.")
        return _load_npy(files[0]), _load_npy(files[1]), str(path)
    if path.suffix == ".npy":
        raise ValueError(f"`path` is one .npy file ({path}); pass the pair (x_path, y_path), a "
                         "folder holding both, or an .npz.")
    if not path.is_file():
        raise FileNotFoundError(f"No .npz file, folder or .npy pair at {path}.")
    try:
        with np.load(path, allow_pickle=False) as archive:
            stored = list(archive.files)
            arrays = {key: archive[key] for key in (x_key, y_key) if key in stored}
    except (OSError, ValueError, zlib.error, EOFError) as error:
        raise DataFormatError(f"{path} is not a readable .npz file ({error}).") from None
    for parameter, key in (("x_key", x_key), ("y_key", y_key)):
        if key not in arrays:
            raise ValueError(f"`{parameter}` names no array in {path}: got {key!r}; it holds "
                             f"{stored}.")
    return arrays[x_key], arrays[y_key], str(path)


def _load_npy(path: Path) -> np.ndarray:
    if not path.is_file():
        raise FileNotFoundError(f"No .npy file at {path}.")
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise DataFormatError(f"{path} is not a readable .npy file ({error}).") from None
