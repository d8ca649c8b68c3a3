"""Frozen passes (labelling, testing) split into shards that can run in parallel.

With learning off, nothing carries over from one example to the next except
the fast variables (v, conductances, traces), which relax during the rest
period. A frozen pass can therefore be cut into *shards* of
``engine.eval_shard_size`` examples, each started from the trained state with
its own random stream (seed, pass, shard index). The shards are then
independent: they can run one after the other or on ``engine.workers``
processes at once, with identical results, and a checkpoint records which
shards are done.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict

import numpy as np

from .config import Config
from .engine import Engine, build_key, make_engine
from .training import PassPosition, PassStats, run_pass

__all__ = ["shard_bounds", "shard_stream", "run_shard", "run_shards", "shutdown_workers"]

_ENGINES: dict[str, Engine] = {}  # one compiled engine per worker process
# The worker processes are kept between passes (labelling, then testing, then
# every further test presentation), so each starts and loads its compiled
# network once per run rather than once per pass.
_POOL: dict[str, object] = {"pool": None, "workers": 0}


def _pool(workers: int) -> ProcessPoolExecutor:
    if _POOL["pool"] is None or _POOL["workers"] != workers:
        shutdown_workers()
        context = multiprocessing.get_context("spawn")
        _POOL["pool"] = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        _POOL["workers"] = workers
    return _POOL["pool"]


def shutdown_workers() -> None:
    """Stop the worker processes of `run_shards` (they are also stopped at exit)."""
    pool = _POOL["pool"]
    _POOL["pool"], _POOL["workers"] = None, 0
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def shard_bounds(n_total: int, size: int) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` covering ``range(n_total)`` in pieces of ``size``."""
    return [(start, min(start + size, n_total)) for start in range(0, n_total, size)]


def shard_stream(stream: int, index: int) -> int:
    """The random stream of shard ``index`` of the pass with stream ``stream``."""
    return 1000 * (stream + 1) + index


def run_shard(
    engine: Engine, state: dict, table: np.ndarray, seed: int, stream: int
) -> tuple[np.ndarray, PassStats]:
    """One shard: the examples of ``table`` in order, learning off, from ``state``."""
    _, counts, position = run_pass(
        engine,
        state,
        table,
        table.shape[0],
        learning=False,
        seed=seed,
        stream=stream,
        position=PassPosition.start(engine.cfg),
    )
    return counts, position.stats


def _in_worker(cfg: Config, n_input: int, state: dict, table: np.ndarray, seed: int, stream: int):
    key = build_key(cfg, n_input) + cfg["device"]
    if key not in _ENGINES:
        from brian2 import prefs

        prefs.logging.file_log = False
        _ENGINES[key] = make_engine(cfg, n_input)
    counts, stats = run_shard(_ENGINES[key], state, table, seed, stream)
    return counts, asdict(stats)


def run_shards(
    engine_factory: Callable[[], Engine],
    cfg: Config,
    n_input: int,
    state: dict,
    images: np.ndarray,
    jobs: list[tuple[int, int, int]],
    seed: int,
    stream: int,
    workers: int,
) -> Iterator[tuple[int, np.ndarray, PassStats]]:
    """Run shards ``(index, start, stop)``; yield ``(index, counts, stats)`` as they finish.

    Example ``j`` of the pass is ``images[j % len(images)]``. With one worker
    the shards run here, on ``engine_factory()``; with more, each worker
    process compiles (or reuses) the same build and runs whole shards.
    """
    n_images = images.shape[0]

    def table(start: int, stop: int) -> np.ndarray:
        return images[np.arange(start, stop) % n_images]

    if workers <= 1:
        engine = engine_factory()
        for index, start, stop in jobs:
            counts, stats = run_shard(
                engine, state, table(start, stop), seed, shard_stream(stream, index)
            )
            yield index, counts, stats
        return
    pool = _pool(workers)
    futures = {
        pool.submit(
            _in_worker,
            cfg,
            n_input,
            state,
            table(start, stop),  # float64, exactly as in one process
            seed,
            shard_stream(stream, index),
        ): index
        for index, start, stop in jobs
    }
    try:
        for future in as_completed(futures):
            counts, stats = future.result()
            yield futures[future], counts, PassStats(**stats)
    except BaseException:
        shutdown_workers()  # a failed or interrupted pass leaves no workers behind
        raise
