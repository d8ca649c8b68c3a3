"""Atomic file writing.

A file is written to a temporary name in the same folder, flushed to disk and
then renamed over the target, so that a reader (or a run killed half-way)
never sees a half-written file.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["atomic_write_bytes", "atomic_write_text", "atomic_write_json", "atomic_save_npz"]


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; use the usual permissions
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, obj: Any) -> Path:
    """Write ``obj`` as indented JSON to ``path`` atomically."""
    return atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def atomic_save_npz(
    path: str | os.PathLike, arrays: Mapping[str, Any], compress: bool = True
) -> Path:
    """Save ``arrays`` as an ``.npz`` file atomically (never with pickled objects)."""
    buffer = io.BytesIO()
    clean = {key: np.asarray(value) for key, value in arrays.items()}
    for key, value in clean.items():
        if value.dtype == object:
            raise TypeError(f"array {key!r} has dtype object; refusing to pickle it")
    (np.savez_compressed if compress else np.savez)(buffer, **clean)
    return atomic_write_bytes(path, buffer.getvalue())
