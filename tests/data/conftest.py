"""Isolation for the data tests: a private cache, no user data folders, no network.

Every test gets an empty cache folder under ``tmp_path``; ``$EIGENLAB_DATA_DIR`` and the
system folders are cleared; any URL other than ``file://`` or a server on 127.0.0.1 is refused
before a socket opens.
"""

import threading
import urllib.error
import urllib.parse
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from eigenlab.data import _catalog, _download


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("EIGENLAB_CACHE_DIR", str(cache))
    monkeypatch.delenv("EIGENLAB_DATA_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(_catalog, "SYSTEM_DATA_DIRS", ())
    real_urlopen = _download._urlopen

    def local_only(url, timeout):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "file" and parts.hostname not in ("127.0.0.1", "localhost"):
            raise urllib.error.URLError(f"network access is disabled in tests ({url})")
        return real_urlopen(url, timeout)

    monkeypatch.setattr(_download, "_urlopen", local_only)
    return cache


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def http_server(tmp_path):
    """Serve ``tmp_path / "served"`` on 127.0.0.1; yields (folder, base URL ending in /)."""
    folder = tmp_path / "served"
    folder.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=folder))
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# --- Writers of small files in each format, independent of the readers under test. -----------

_IDX_CODES = {"uint8": 0x08, "int8": 0x09, "int16": 0x0B, "int32": 0x0C, "float32": 0x0D,
              "float64": 0x0E}


def write_idx(path, array, *, gz=False):
    """Write ``array`` as IDX: 0, 0, type code, ndim, big-endian uint32 dims, big-endian data."""
    import gzip
    import struct

    import numpy as np

    array = np.asarray(array)
    header = struct.pack(">4B", 0, 0, _IDX_CODES[array.dtype.name], array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    content = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    Path(path).write_bytes(gzip.compress(content) if gz else content)
    return content


def cifar_batch(images, labels, *, protocol=2):
    """Pickle a CIFAR-10 batch dict as the canonical files hold it: bytes keys, planar rows."""
    import pickle

    import numpy as np

    batch = {b"batch_label": b"testing batch 1 of 1",
             b"labels": [int(label) for label in labels],
             b"data": np.ascontiguousarray(np.transpose(images, (0, 3, 1, 2))).reshape(
                 len(images), 3072),
             b"filenames": [f"img_{i}.png".encode() for i in range(len(images))]}
    return pickle.dumps(batch, protocol=protocol)


def add_to_tar(archive, name, content):
    import io
    import tarfile

    info = tarfile.TarInfo(name)
    info.size = len(content)
    archive.addfile(info, io.BytesIO(content))


def image_bytes(array, fmt, **options):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt, **options)
    return buffer.getvalue()


@pytest.fixture
def writers():
    """The writers above: write_idx, cifar_batch, add_to_tar, image_bytes."""
    from types import SimpleNamespace

    return SimpleNamespace(write_idx=write_idx, cifar_batch=cifar_batch, add_to_tar=add_to_tar,
                           image_bytes=image_bytes)
