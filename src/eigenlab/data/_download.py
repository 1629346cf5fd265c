"""Downloads with checksum verification, and the cache folder they (and decoded arrays) go to.

Everything written here is written atomically: to a temporary file next to the destination,
then ``os.replace``. A failed, interrupted or mismatched download leaves nothing behind, and a
reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import tempfile
import urllib.parse
import urllib.request
import zlib
from pathlib import Path

import numpy as np

__all__ = ["ChecksumError", "default_cache_dir", "fetch_file", "file_digest"]

_CHUNK = 1 << 20
_SCHEMES = ("http", "https", "file")
_FILE_MODE = 0o644  # mkstemp makes 0600 files; cached data is not secret


class ChecksumError(ValueError):
    """A file's checksum is not the one published for it: the file is corrupt or not the
    file it is named after."""


def default_cache_dir() -> Path:
    """The user cache folder: ``$EIGENLAB_CACHE_DIR``, else ``$XDG_CACHE_HOME/eigenlab``, else
    ``~/.cache/eigenlab``.

    Read on every call, so that setting the variable takes effect at once. Nothing is created
    until something is written.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> isinstance(default_cache_dir(), Path)
    True
    """
    explicit = os.environ.get("EIGENLAB_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg).expanduser() / "eigenlab"
    return Path.home() / ".cache" / "eigenlab"


def file_digest(path: str | os.PathLike, algorithm: str = "sha256", *,
                gunzip: bool = False) -> str:
    """Hex digest of a file, read in chunks.

    Parameters
    ----------
    path : path-like
    algorithm : {"sha256", "md5"}, default "sha256"
    gunzip : bool, default False
        Hash the content after gzip decompression when the file is gzipped (detected by its
        magic bytes, not its name); hash the file itself otherwise. This is the checksum of
        record for IDX files, whose ``.gz`` wrappers differ between mirrors.

    Returns
    -------
    str
        Lower-case hexadecimal digest.

    Examples
    --------
    >>> import gzip, pathlib, tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = pathlib.Path(folder.name) / "a.gz"
    >>> _ = path.write_bytes(gzip.compress(b"abc"))
    >>> file_digest(path, gunzip=True)[:16]  # SHA-256 of b"abc", not of the .gz
    'ba7816bf8f01cfea'
    >>> folder.cleanup()
    """
    digest = hashlib.new(algorithm)
    path = Path(path)
    with open(path, "rb") as raw:
        compressed = gunzip and raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        stream = gzip.GzipFile(fileobj=raw) if compressed else raw
        try:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
        except (EOFError, OSError, zlib.error) as error:
            raise ChecksumError(f"Cannot read {path} to check its checksum: {error}.") from None
    return digest.hexdigest()


def fetch_file(url: str, destination: str | os.PathLike, *, sha256: str | None = None,
               md5: str | None = None, content_sha256: str | None = None,
               timeout: float = 60.0) -> Path:
    """Download ``url`` to ``destination``, verify it, and only then put it in place.

    The body is streamed to a temporary file in the destination's folder while it is hashed;
    if the transfer fails, is shorter than announced, or any given checksum does not match,
    the temporary file is removed and nothing is left behind. Otherwise it is renamed onto
    ``destination`` atomically (``os.replace``), replacing any file there.

    Parameters
    ----------
    url : str
        An ``http``, ``https`` or ``file`` URL.
    destination : path-like
        Where the file goes. Missing parent folders are created.
    sha256, md5 : str, optional
        Published checksum of the file as downloaded (hex).
    content_sha256 : str, optional
        SHA-256 of the content after gzip decompression (of the file itself when it is not
        gzipped); see :func:`file_digest`.
    timeout : float, default 60
        Seconds to wait for the server on connection and on each read.

    Returns
    -------
    pathlib.Path
        ``destination``.

    Raises
    ------
    ChecksumError
        A checksum did not match (the message names the URL, expected and got).
    urllib.error.URLError, OSError
        The transfer failed (no network, HTTP error, short read).

    Notes
    -----
    With no checksum the file is only checked for completeness against its
    ``Content-Length``; pass a published checksum whenever one exists.

    Examples
    --------
    >>> import hashlib, pathlib, tempfile
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = pathlib.Path(tmp.name)
    >>> _ = (folder / "src.txt").write_bytes(b"hello")
    >>> digest = hashlib.sha256(b"hello").hexdigest()
    >>> path = fetch_file((folder / "src.txt").as_uri(), folder / "copy.txt", sha256=digest)
    >>> path.read_bytes()
    b'hello'
    >>> tmp.cleanup()
    """
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in _SCHEMES:
        raise ValueError(f"`url` must be an http, https or file URL; got {url!r}.")
    expected = {"sha256": sha256, "md5": md5}
    for algorithm, value in expected.items():
        if value is not None and not _is_hex(value, 64 if algorithm == "sha256" else 32):
            raise ValueError(f"`{algorithm}` must be a hexadecimal digest; got {value!r}.")
    if content_sha256 is not None and not _is_hex(content_sha256, 64):
        raise ValueError(f"`content_sha256` must be a hexadecimal digest; got {content_sha256!r}.")
    destination = Path(destination)
    created = _make_parents(destination)
    descriptor, temporary = tempfile.mkstemp(dir=destination.parent,
                                             prefix=f".{destination.name}.", suffix=".part")
    try:
        digests = {name: hashlib.new(name) for name, value in expected.items() if value}
        received = 0
        with os.fdopen(descriptor, "wb") as out, _urlopen(url, timeout) as response:
            announced = response.headers.get("Content-Length")
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                received += len(chunk)
                for digest in digests.values():
                    digest.update(chunk)
        if announced is not None and received != int(announced):
            raise OSError(f"Download of {url} stopped after {received} of {announced} bytes.")
        for name, digest in digests.items():
            _check(url, name, expected[name], digest.hexdigest())
        if content_sha256 is not None:
            _check(url, "sha256 of the decompressed content", content_sha256,
                   file_digest(temporary, gunzip=True))
        os.chmod(temporary, _FILE_MODE)
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        for folder in created:
            with contextlib.suppress(OSError):  # another process may be using it by now
                folder.rmdir()
        raise
    return destination


def save_array_atomic(path: Path, array: np.ndarray) -> None:
    """Write ``array`` as ``.npy`` to ``path`` through a temporary file and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                             suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as out:
            np.save(out, array, allow_pickle=False)
        os.chmod(temporary, _FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _make_parents(path: Path) -> list[Path]:
    """Create ``path``'s missing parent folders; return them deepest first."""
    missing = [p for p in path.parents if not p.exists()]
    path.parent.mkdir(parents=True, exist_ok=True)
    return missing


def _urlopen(url: str, timeout: float):
    # One seam for the network, so that tests can refuse anything but local servers.
    return urllib.request.urlopen(url, timeout=timeout)


def _check(url: str, what: str, expected: str, got: str) -> None:
    if got.lower() != expected.lower():
        raise ChecksumError(f"Checksum mismatch for {url}: {what} should be {expected.lower()}; "
                            f"got {got}. The download was discarded.")


def _is_hex(value: object, length: int) -> bool:
    return (isinstance(value, str) and len(value) == length
            and all(c in "0123456789abcdefABCDEF" for c in value))
