"""Tests for `eigenlab/data/_download.py`, against a local HTTP server: nothing leaves the host."""

import gzip
import hashlib
import http.client
import threading
import urllib.error
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from eigenlab.data import ChecksumError, default_cache_dir, fetch_file, file_digest
from eigenlab.data._download import save_array_atomic

PAYLOAD = bytes(range(256)) * 5000  # 1.28 MB: more than one read chunk


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_fetch_verifies_and_places_the_file(http_server, tmp_path):
    served, url = http_server
    (served / "data.bin").write_bytes(PAYLOAD)
    out = tmp_path / "out" / "nested" / "data.bin"
    path = fetch_file(url + "data.bin", out, sha256=hashlib.sha256(PAYLOAD).hexdigest(),
                      md5=hashlib.md5(PAYLOAD).hexdigest().upper())
    assert path == out and out.read_bytes() == PAYLOAD
    assert _leftovers(out.parent) == ["data.bin"]
    assert out.stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("kind", ["sha256", "md5", "content_sha256"])
def test_checksum_mismatch_leaves_nothing_behind(http_server, tmp_path, kind):
    served, url = http_server
    (served / "data.bin").write_bytes(PAYLOAD)
    digest = hashlib.sha256(b"other").hexdigest() if kind != "md5" else "0" * 32
    out = tmp_path / "dl" / "data.bin"
    with pytest.raises(ChecksumError, match="data.bin.*discarded"):
        fetch_file(url + "data.bin", out, **{kind: digest})
    assert not out.parent.exists()  # nor the folder made for it
    out.parent.mkdir()
    with pytest.raises(ChecksumError):
        fetch_file(url + "data.bin", out, **{kind: digest})
    assert _leftovers(out.parent) == []


def test_mismatch_keeps_an_existing_file_untouched(http_server, tmp_path):
    served, url = http_server
    (served / "data.bin").write_bytes(PAYLOAD)
    out = tmp_path / "data.bin"
    out.write_bytes(b"previous")
    with pytest.raises(ChecksumError):
        fetch_file(url + "data.bin", out, sha256="f" * 64)
    assert out.read_bytes() == b"previous"


def test_content_checksum_is_of_the_gunzipped_body(http_server, tmp_path):
    served, url = http_server
    (served / "a.gz").write_bytes(gzip.compress(PAYLOAD, mtime=0))
    out = fetch_file(url + "a.gz", tmp_path / "a.gz",
                     content_sha256=hashlib.sha256(PAYLOAD).hexdigest())
    assert gzip.decompress(out.read_bytes()) == PAYLOAD


def test_http_error_leaves_nothing_behind(http_server, tmp_path):
    _, url = http_server
    with pytest.raises(urllib.error.HTTPError):
        fetch_file(url + "missing.bin", tmp_path / "missing.bin")
    assert _leftovers(tmp_path) == ["served"]


class _ShortHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD)))
        self.end_headers()
        self.wfile.write(PAYLOAD[:1000])
        self.close_connection = True

    def log_message(self, format, *args):
        pass


def test_truncated_transfer_leaves_nothing_behind(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ShortHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/x"
        with pytest.raises((OSError, http.client.HTTPException)):
            fetch_file(url, tmp_path / "x")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert _leftovers(tmp_path) == []


def test_file_urls_and_argument_checks(tmp_path):
    source = tmp_path / "src.bin"
    source.write_bytes(b"abc")
    assert fetch_file(source.as_uri(), tmp_path / "copy.bin").read_bytes() == b"abc"
    with pytest.raises(ValueError, match="`url` must be an http, https or file URL"):
        fetch_file("ftp://example.org/x", tmp_path / "x")
    with pytest.raises(ValueError, match="`sha256` must be a hexadecimal digest"):
        fetch_file(source.as_uri(), tmp_path / "x", sha256="xyz")
    with pytest.raises(ValueError, match="`md5` must be a hexadecimal digest"):
        fetch_file(source.as_uri(), tmp_path / "x", md5="a" * 64)


def test_tests_cannot_reach_the_network(tmp_path):
    with pytest.raises(urllib.error.URLError, match="disabled in tests"):
        fetch_file("https://example.org/file", tmp_path / "file")
    assert not (tmp_path / "file").exists()


def test_file_digest_against_hashlib(tmp_path):
    path = tmp_path / "a.gz"
    path.write_bytes(gzip.compress(PAYLOAD))
    assert file_digest(path) == hashlib.sha256(path.read_bytes()).hexdigest()
    assert file_digest(path, "md5") == hashlib.md5(path.read_bytes()).hexdigest()
    assert file_digest(path, gunzip=True) == hashlib.sha256(PAYLOAD).hexdigest()
    raw = tmp_path / "raw"
    raw.write_bytes(PAYLOAD)
    assert file_digest(raw, gunzip=True) == hashlib.sha256(PAYLOAD).hexdigest()
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(ChecksumError, match="a.gz"):
        file_digest(path, gunzip=True)


def test_cache_folder_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("EIGENLAB_CACHE_DIR", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("EIGENLAB_CACHE_DIR")
    assert default_cache_dir() == tmp_path / "xdg" / "eigenlab"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "eigenlab"


def test_atomic_array_save(tmp_path, rng):
    array = rng.integers(0, 256, size=(3, 4), dtype=np.uint8)
    path = tmp_path / "cache" / "a.npy"
    save_array_atomic(path, array)
    np.testing.assert_array_equal(np.load(path), array)
    assert _leftovers(path.parent) == ["a.npy"]
    with pytest.raises(ValueError):
        save_array_atomic(path, np.array([None], dtype=object))  # allow_pickle=False
    np.testing.assert_array_equal(np.load(path), array)
    assert _leftovers(path.parent) == ["a.npy"]


def test_failed_download_removes_the_folders_it_made(http_server, tmp_path):
    _, url = http_server
    with pytest.raises(urllib.error.HTTPError):
        fetch_file(url + "missing.bin", tmp_path / "new" / "deeper" / "missing.bin")
    assert not (tmp_path / "new").exists()
