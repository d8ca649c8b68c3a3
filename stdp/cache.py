"""The one folder where `stdp` keeps what it can make again: data sets and compiled networks.

``$STDP_CACHE_DIR`` when that variable is set and not empty, else
``~/.cache/stdp``. Data sets live in its ``data`` subfolder, compiled networks
in ``build``.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir", "CACHE_ENV"]

#: The environment variable that moves the cache.
CACHE_ENV = "STDP_CACHE_DIR"


def cache_dir(*parts: str) -> Path:
    """The cache folder, or a subfolder of it (not created here).

    Parameters
    ----------
    *parts : str
        Subfolder names, e.g. ``cache_dir("build")``.

    Returns
    -------
    Path
    """
    root = os.environ.get(CACHE_ENV) or str(Path.home() / ".cache" / "stdp")
    return Path(root).expanduser().joinpath(*parts)
