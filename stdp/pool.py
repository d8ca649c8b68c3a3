"""The one pool technology of `stdp`: Dask distributed.

Sharded labelling and test passes (`stdp.passes`) and sweeps (`stdp.sweep`)
both run their work on a Dask cluster: a local one with single-threaded
worker processes by default, or an existing one given by its scheduler
address. The local cluster of the shards is kept between passes (labelling,
then testing, then every further test presentation), so each worker loads its
compiled network once per run rather than once per pass; `shutdown` stops it.
"""

from __future__ import annotations

import logging
import os
from typing import Any

__all__ = ["local_client", "connect", "shutdown"]

_LOCAL: dict[str, Any] = {"client": None, "cluster": None, "workers": 0}


def _quiet() -> None:
    # Dask logs every worker start and stop at INFO level; a run shows its own progress.
    for name in ("distributed", "distributed.nanny", "distributed.scheduler", "distributed.worker"):
        logging.getLogger(name).setLevel(logging.ERROR)


def connect(scheduler: str | None = None, workers: int | None = None):
    """A new Dask client: on ``scheduler``, or on a new local cluster of ``workers`` processes.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``).
    workers : int, optional
        Worker processes of the local cluster (default: one per core), each
        single-threaded (Brian2's device is per process).

    Returns
    -------
    client : dask.distributed.Client
    cluster : dask.distributed.LocalCluster or None
        The local cluster, to be closed after the client (None with ``scheduler``).
    """
    from dask.distributed import Client, LocalCluster

    _quiet()
    if scheduler:
        return Client(scheduler), None
    cluster = LocalCluster(
        n_workers=workers or os.cpu_count() or 1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # any free port: two runs side by side do not clash
    )
    return Client(cluster), cluster


def local_client(workers: int):
    """The process's shared local cluster of ``workers`` processes (started on first use)."""
    if _LOCAL["client"] is None or _LOCAL["workers"] != workers:
        shutdown()
        _LOCAL["client"], _LOCAL["cluster"] = connect(None, workers)
        _LOCAL["workers"] = workers
    return _LOCAL["client"]


def shutdown() -> None:
    """Stop the shared local cluster, if one is running."""
    client, cluster = _LOCAL["client"], _LOCAL["cluster"]
    _LOCAL.update(client=None, cluster=None, workers=0)
    if client is not None:
        client.close()
    if cluster is not None:
        cluster.close()
