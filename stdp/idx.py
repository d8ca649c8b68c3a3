"""MNIST's IDX file format: `read_idx` for one file, `read_idx_set` for the four.

An IDX file is a big-endian header (magic ``0x0000 08 NN``, then ``NN``
32-bit sizes) followed by the raw ``uint8`` data. MNIST and Fashion-MNIST
ship as four such files (`IDX_FILES`), usually gzipped.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path

import numpy as np

from stdp.errors import DataError

__all__ = ["IDX_FILES", "N_CLASSES", "find_idx", "read_idx", "read_idx_set"]

#: Standard IDX file names (each may also be present with a ``.gz`` suffix).
IDX_FILES: dict[str, str] = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

#: Labels in an IDX set must lie in ``0..N_CLASSES - 1``.
N_CLASSES = 10


def _fail(message: str) -> DataError:
    """Build a `DataError` whose message is a single line."""
    return DataError(" ".join(message.split()))


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


def find_idx(directory: str | os.PathLike[str], base: str) -> Path:
    """Return ``directory/base`` or ``directory/base.gz``, whichever exists.

    Parameters
    ----------
    directory : str or path-like
        Folder to look in.
    base : str
        File name without ``.gz``, e.g. ``"train-images-idx3-ubyte"``.

    Returns
    -------
    pathlib.Path
        The plain file if present, else the gzipped one.

    Raises
    ------
    DataError
        If neither exists.
    """
    directory = Path(directory)
    for candidate in (directory / base, directory / f"{base}.gz"):
        if candidate.is_file():
            return candidate
    raise _fail(f"IDX folder {directory} has no {base} (nor {base}.gz)")


def read_idx_set(directory: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Read and cross-check the four standard IDX files in ``directory``.

    Parameters
    ----------
    directory : str or path-like
        Folder holding the files named in `IDX_FILES`, each plain or ``.gz``.

    Returns
    -------
    dict of str to numpy.ndarray
        ``train_images``, ``test_images`` (``uint8``, ``(n, rows, cols)``) and
        ``train_labels``, ``test_labels`` (``int64``, ``(n,)``).

    Raises
    ------
    DataError
        If the folder or a file is missing or bad, a label is not below
        `N_CLASSES`, or image and label counts differ.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise _fail(f"IDX folder {directory} does not exist or is not a folder")
    arrays: dict[str, np.ndarray] = {}
    for key, base in IDX_FILES.items():
        path = find_idx(directory, base)
        array = read_idx(path)
        if key.endswith("images") and array.ndim != 3:
            raise _fail(f"IDX file {path} has shape {array.shape}, expected (n, rows, cols)")
        if key.endswith("labels"):
            if array.ndim != 1:
                raise _fail(f"IDX file {path} has shape {array.shape}, expected (n,)")
            if array.size and array.max() >= N_CLASSES:
                raise _fail(
                    f"IDX file {path} has label {array.max()}, expected labels 0..{N_CLASSES - 1}"
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
