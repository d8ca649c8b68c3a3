"""Checksummed downloads from a list of mirrors, done by `pooch`.

`fetch_file` asks `pooch.retrieve` for one file: a copy already in the folder
with the right SHA-256 is used as it is (no request); otherwise the file is
streamed by `pooch.HTTPDownloader` into a temporary file next to its final
place, its SHA-256 is checked, and only then is it moved into place, so a file
under its final name has always been verified. Mirrors are tried in order and
the first one that delivers a verified file wins.

Every failure (no mirror reachable, HTTP error, timeout, cut-off transfer,
checksum mismatch) ends as a one-line `stdp.errors.DataError` that names the
file and, for each mirror, the reason.

Partial downloads are not resumed: pooch starts a failed transfer again from
zero. The files fetched here are the gzipped MNIST and Fashion-MNIST IDX files
(at most 26 MB each), downloaded once and then kept as a ``.npz`` cache, so a
restart costs seconds. Only ``http`` and ``https`` mirrors are supported; a
local copy is given as a folder instead (``idx_dir`` of `stdp.datasets.load_dataset`).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path

import pooch

from stdp import __version__
from stdp.errors import DataError

__all__ = ["fetch_file", "mirror_urls"]

logger = logging.getLogger(__name__)


def mirror_urls(env: str, default: Sequence[str]) -> list[str]:
    """Mirror base URLs from the comma-separated ``$env``, else from ``default``.

    Parameters
    ----------
    env : str
        Name of the environment variable that overrides ``default``.
    default : sequence of str
        Base URLs used when ``$env`` is unset or blank.

    Returns
    -------
    list of str
        The base URLs in order, each ending in ``/``.
    """
    value = os.environ.get(env, "").strip()
    urls = [url.strip() for url in value.split(",") if url.strip()] if value else list(default)
    return [url if url.endswith("/") else url + "/" for url in urls]


class _HashingDownloader:
    """`pooch.HTTPDownloader` that also records the SHA-256 of what it received.

    pooch deletes a file whose checksum does not match; the digest kept here
    lets the error message say what arrived instead.
    """

    def __init__(self, timeout: float) -> None:
        self._http = pooch.HTTPDownloader(
            progressbar=False,
            chunk_size=1 << 16,
            timeout=timeout,
            # identity: a server that marks .gz files as gzip-encoded must not
            # have them decompressed on the way (the checksum is of the .gz).
            headers={"User-Agent": f"stdp/{__version__}", "Accept-Encoding": "identity"},
        )
        self.received_sha256: str | None = None

    def __call__(
        self, url: str, output_file: str, pooch_obj: object, check_only: bool = False
    ) -> None:
        self._http(url, output_file, pooch_obj, check_only=check_only)
        self.received_sha256 = pooch.file_hash(output_file, alg="sha256")


def _reason(exc: BaseException, timeout: float) -> str:
    """A short, one-line reason for a failed download."""
    import requests

    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"HTTP {exc.response.status_code} {exc.response.reason}".strip()
    if isinstance(exc, requests.Timeout):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, requests.ConnectionError):
        # requests nests the OS error deep in its message; keep only that part.
        found = re.search(r"\[Errno -?\d+\] [^'\")\]]+", str(exc))
        return f"connection failed ({found.group(0)})" if found else "connection failed"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "transfer cut off before the end"
    if isinstance(exc, requests.RequestException):
        return f"transfer failed ({type(exc).__name__})"
    return " ".join(str(exc).split()) or type(exc).__name__


def fetch_file(
    file_name: str,
    mirrors: Sequence[str],
    *,
    sha256: str,
    folder: str | os.PathLike[str],
    timeout: float = 10.0,
) -> Path:
    """Return ``folder/file_name``, downloading it from the first mirror that works.

    Parameters
    ----------
    file_name : str
        Name of the file on the mirrors and in ``folder``.
    mirrors : sequence of str
        Base URLs (``http`` or ``https``, ending in ``/``), tried in order;
        the file's URL is the base URL followed by ``file_name``.
    sha256 : str
        Expected hex SHA-256 of the file. A copy already in ``folder`` is
        used only if it matches; a download is kept only if it matches.
    folder : str or path-like
        Where the file is stored (created if needed).
    timeout : float, default 10.0
        Seconds to wait for a connection and for each block of data.

    Returns
    -------
    pathlib.Path
        The verified file.

    Raises
    ------
    DataError
        If ``mirrors`` is empty or no mirror delivered a file with the right
        checksum; the message gives each mirror's reason (HTTP status,
        connection error, timeout, checksum mismatch).

    Examples
    --------
    >>> fetch_file(  # doctest: +SKIP
    ...     "train-labels-idx1-ubyte.gz",
    ...     ["https://ossci-datasets.s3.amazonaws.com/mnist/"],
    ...     sha256="3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    ...     folder="downloads",
    ... )
    PosixPath('downloads/train-labels-idx1-ubyte.gz')
    """
    folder = Path(folder).expanduser()
    expected = sha256.lower()
    if not mirrors:
        raise DataError(f"could not download {file_name}: no mirrors configured")
    failures: list[str] = []
    for base in mirrors:
        url = base + file_name
        if not url.lower().startswith(("http://", "https://")):
            failures.append(f"{url}: only http and https mirrors are supported")
            continue
        downloader = _HashingDownloader(timeout)
        try:
            path = pooch.retrieve(
                url,
                known_hash=f"sha256:{expected}",
                fname=file_name,
                path=folder,
                downloader=downloader,
            )
        except ValueError as exc:
            got = downloader.received_sha256
            if got is None or got == expected:  # not a checksum problem
                failures.append(f"{url}: {_reason(exc, timeout)}")
            else:
                failures.append(
                    f"{url}: checksum mismatch, expected sha256 {expected}, got {got} "
                    "(download deleted)"
                )
        except OSError as exc:  # requests' exceptions are OSErrors too
            failures.append(f"{url}: {_reason(exc, timeout)}")
        else:
            return Path(path)
        logger.info("download failed: %s", failures[-1])
    raise DataError(" ".join(f"could not download {file_name}: {'; '.join(failures)}".split()))
