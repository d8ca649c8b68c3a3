"""Passes: showing a sequence of examples to the network, chunk by chunk.

This is the one layer that presents examples. A *pass* shows examples in
order: the training pass with learning on (`run_pass`), the labelling and
test passes with the network frozen (`frozen_pass`). `run_pass` feeds the
engine one chunk at a time and turns what each chunk recorded into one
spike-count vector per completed example. Its position (`PassPosition`) is a
handful of numbers, so a pass can be checkpointed between chunks and resumed
later with exactly the same result.

Examples are given as pixel values in [0, 255] (uint8, as the data sets hold
them); each chunk's rows are turned into intensities (pixel / 255) only when
the chunk is run, so a data set is never held as a second, float copy.

The re-presentation rule (Diehl & Cook 2015, §2.5): an example that evokes
fewer than ``encoding.min_spikes`` excitatory spikes is shown again after the
rest period with the input rate raised by ``encoding.retry_rate_step``, at most
``encoding.max_retries`` times. The counts kept for an example are those of its
last presentation (``retry_count = "window"``, as the original code) or the sum
over all its presentations (``"cumulative"``).

Frozen passes can be cut into *shards* (``engine.eval_shard_size``). With
learning off nothing carries over from one example to the next except the fast
variables (v, conductances, traces), which relax during the rest period, so
each shard starts from the trained state with its own random stream (seed,
pass, shard index). The shards are independent: they run one after the other
or on ``engine.workers`` Dask worker processes (`stdp.pool`) with identical
results, and a checkpoint records which shards are done.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, fields

import numpy as np

from .config import Config
from .encoding import input_table
from .engine import ChunkResult, Engine, chunk_seed, shared_engine
from .errors import SimulationError

__all__ = [
    "PassPosition",
    "PassStats",
    "FrozenPass",
    "run_pass",
    "frozen_pass",
    "examples_from_chunk",
    "intensities",
    "shard_bounds",
    "shard_stream",
    "STREAMS",
]

#: Random streams: each pass draws its Poisson input from its own stream.
STREAMS = {"train": 0, "label": 1, "test": 2}


@dataclass
class PassStats:
    """Counters of one pass (all cumulative)."""

    examples: int = 0
    presentations: int = 0
    retries: int = 0
    gave_up: int = 0
    exc_spikes_window: int = 0
    input_spikes: int = 0
    exc_spikes: int = 0
    inh_spikes: int = 0
    sim_seconds: float = 0.0
    wall_seconds: float = 0.0
    chunks: int = 0

    def to_array(self) -> np.ndarray:
        """The counters as one float array (for a checkpoint)."""
        return np.array([getattr(self, f.name) for f in fields(self)], dtype=float)

    @classmethod
    def from_array(cls, values: np.ndarray) -> PassStats:
        """Inverse of `to_array` (each field takes the type of its default)."""
        kinds = [(f.name, type(f.default)) for f in fields(cls)]
        return cls(**{name: kind(v) for (name, kind), v in zip(kinds, values, strict=True)})

    @classmethod
    def total(cls, all_stats) -> PassStats:
        """The sum of several passes' (or shards') counters."""
        out = cls()
        for stats in all_stats:
            for f in fields(cls):
                setattr(out, f.name, getattr(out, f.name) + getattr(stats, f.name))
        return out


@dataclass
class PassPosition:
    """Where a pass stands between two chunks: enough to continue it exactly.

    Attributes
    ----------
    done : int
        Examples completed so far (the next chunk starts with example ``done``).
    chunk : int
        Chunks run so far (the next chunk's random seed depends on it).
    k_start, nspk, retries : float
        The controller's state carried into the next chunk.
    """

    done: int = 0
    chunk: int = 0
    k_start: float = -1.0
    nspk: float = 0.0
    retries: float = 0.0
    stats: PassStats = field(default_factory=PassStats)

    @classmethod
    def start(cls, cfg: Config) -> PassPosition:
        """A fresh pass: the first cycle starts the first example."""
        return cls(nspk=float(cfg["encoding.min_spikes"]))

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """Flatten into ``{prefix + name: 0-d array}`` for a checkpoint."""
        out = {f"{prefix}{k}": np.asarray(v) for k, v in asdict(self).items() if k != "stats"}
        out.update({f"{prefix}stats.{k}": np.asarray(v) for k, v in asdict(self.stats).items()})
        return out

    @classmethod
    def from_arrays(cls, arrays, prefix: str) -> PassPosition:
        """Inverse of `to_arrays`."""

        def get(name, kind):
            return kind(arrays[f"{prefix}{name}"][()])

        stats = PassStats(
            **{
                name: get(f"stats.{name}", type(default))
                for name, default in asdict(PassStats()).items()
            }
        )
        return cls(
            done=get("done", int),
            chunk=get("chunk", int),
            k_start=get("k_start", float),
            nspk=get("nspk", float),
            retries=get("retries", float),
            stats=stats,
        )


def examples_from_chunk(
    result: ChunkResult, n_valid: int, cfg: Config
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Turn a chunk's per-cycle records into per-example spike counts.

    Parameters
    ----------
    result : ChunkResult
        What the chunk recorded.
    n_valid : int
        Number of example rows the chunk was given.
    cfg : Config
        For the re-presentation rule's parameters.

    Returns
    -------
    counts : ndarray of int, shape (n_completed, n_exc)
        Spike counts of the examples completed in this chunk, in order (rows
        ``0 .. n_completed - 1`` of the chunk's table).
    presentations : ndarray of int, shape (n_completed,)
        How many times each completed example was shown.
    last_finished : bool
        Whether the chunk's last cycle finished its example (if not, the next
        chunk continues it).
    """
    k = result.cycle_k
    valid = k < n_valid
    min_spikes = cfg["encoding.min_spikes"]
    max_retries = cfg["encoding.max_retries"]
    last_finished = bool(result.nspk >= min_spikes or result.retries >= max_retries)
    final = np.zeros(k.shape, dtype=bool)
    final[:-1] = k[1:] != k[:-1]
    final[-1] = last_finished
    final &= valid
    n_completed = int(final.sum())
    if not np.array_equal(k[final], np.arange(n_completed)):
        raise RuntimeError(f"examples were not completed in order: {k[final][:10]}")
    if cfg["encoding.retry_count"] == "cumulative":
        counts = np.zeros((n_completed, result.window_counts.shape[1]), dtype=np.int64)
        done = valid & (k < n_completed)
        np.add.at(counts, k[done], result.window_counts[done])
    else:
        counts = result.window_counts[final].astype(np.int64)
    presentations = result.cycle_retries[final] + 1
    return counts, presentations, last_finished


def _check_state(result: ChunkResult, cfg: Config | None = None) -> None:
    """Stop with a clear message if the simulation blew up (e.g. unstable forward Euler)."""
    v = result.state["exc.v"]
    if np.all(np.isfinite(v)) and np.max(np.abs(v)) <= 1.0:
        return
    worst = np.max(np.abs(np.where(np.isfinite(v), v, np.inf)))
    methods = {cfg["network.method"], cfg["network.inh_method"]} if cfg is not None else {"euler"}
    if "euler" in methods:
        advice = (
            "forward Euler is unstable when the summed inhibitory conductance is large; "
            'set network.method = "exponential_euler" (and network.inh_method) '
            "or a smaller network.dt"
        )
    else:
        advice = (
            "the integration is exponential Euler already: lower the input rates or the "
            "weights (encoding.max_rate, normalization.total, network.w_inh_exc) or network.dt"
        )
    raise SimulationError(
        f"the simulation diverged (excitatory v reached {worst:.3g} V, "
        f"{result.n_exc_spikes} excitatory spikes in one chunk): {advice}"
    )


def intensities(pixels: np.ndarray) -> np.ndarray:
    """The table the network reads: pixel values in [0, 255] as intensities ``pixel / 255``.

    Parameters
    ----------
    pixels : ndarray, shape (n_examples, n_input)
        Pixel values, uint8 or any real type.

    Returns
    -------
    ndarray of float64, same shape
    """
    return np.asarray(pixels, dtype=np.float64) / 255.0


def run_pass(
    engine: Engine,
    state: dict[str, np.ndarray],
    images: np.ndarray,
    n_examples: int,
    *,
    learning: bool,
    seed: int,
    stream: int,
    position: PassPosition,
    on_chunk: Callable[[PassPosition, dict, np.ndarray], bool | None] | None = None,
    record_counts: bool = True,
    first: int = 0,
) -> tuple[dict[str, np.ndarray], np.ndarray | None, PassPosition]:
    """Show examples up to number ``n_examples`` (cycling through ``images``) from ``position``.

    Parameters
    ----------
    engine : Engine
        A built engine (`stdp.engine.make_engine`).
    state : dict of ndarray
        The network state to start from.
    images : ndarray, shape (n_images, n_input)
        Pixel values in [0, 255]. Example ``j`` of the pass is
        ``images[(j - first) % n_images]``.
    n_examples : int
        Length of the pass (the pass ends when ``position.done`` reaches it).
    learning : bool
        Plasticity on (training) or off (labelling, testing).
    seed, stream : int
        Chunk ``c`` of the pass uses random seed ``chunk_seed(seed, c, stream)``.
    position : PassPosition
        Where to start (`PassPosition.start` for a new pass).
    on_chunk : callable, optional
        Called after every chunk as ``on_chunk(position, state, counts)`` with
        the counts of the examples completed in that chunk; returning ``True``
        stops the pass early (the position then says where to resume).
    record_counts : bool
        Return the spike counts of all examples completed in this call.
    first : int
        The example number at which ``images`` starts (0: the pass's first example).

    Returns
    -------
    state : dict of ndarray
        The state after the last chunk.
    counts : ndarray of int, shape (n_completed_here, n_exc) or None
        Counts of the examples completed during this call.
    position : PassPosition
        The new position.
    """
    cfg = engine.cfg
    chunk = engine.chunk_cycles
    min_spikes = cfg["encoding.min_spikes"]
    n_images = images.shape[0]
    collected = []
    while position.done < n_examples:
        start = time.perf_counter()
        n_valid = min(chunk, n_examples - position.done)
        rows = (position.done - first + np.arange(n_valid)) % n_images
        result = engine.run_chunk(
            state,
            input_table(cfg, images[rows]),
            k_start=position.k_start,
            nspk=position.nspk,
            retries=position.retries,
            learning=learning,
            seed=chunk_seed(seed, position.chunk, stream),
        )
        counts, _, last_finished = examples_from_chunk(result, n_valid, cfg)
        state = result.state
        stats = position.stats
        n_done = counts.shape[0]
        stats.examples += n_done
        used = result.cycle_k < n_valid
        stats.presentations += int(used.sum())
        stats.retries += int(used.sum()) - n_done
        stats.gave_up += int(np.sum(counts.sum(axis=1) < cfg["encoding.min_spikes"]))
        stats.exc_spikes_window += int(counts.sum())
        stats.input_spikes += result.n_input_spikes
        stats.exc_spikes += result.n_exc_spikes
        stats.inh_spikes += result.n_inh_spikes
        stats.sim_seconds += result.sim_seconds
        stats.chunks += 1
        _check_state(result, cfg)
        position.done += n_done
        position.chunk += 1
        if n_done == n_valid:
            # Every example given was finished (the rest of the chunk idled):
            # whatever comes next starts a new example.
            position.k_start, position.nspk, position.retries = -1.0, float(min_spikes), 0.0
        else:
            position.k_start = -1.0 if last_finished else 0.0
            position.nspk = result.nspk
            position.retries = result.retries
        stats.wall_seconds += time.perf_counter() - start
        if record_counts:
            collected.append(counts)
        if on_chunk is not None and on_chunk(position, state, counts):
            break
    counts_all = None
    if record_counts:
        n_exc = engine.n_exc
        counts_all = (
            np.concatenate(collected) if collected else np.zeros((0, n_exc), dtype=np.int64)
        )
    return state, counts_all, position


# -- frozen passes: labelling, testing, transform ----------------------------------------
@dataclass
class FrozenPass:
    """A frozen pass (labelling or test), finished or under way: what a checkpoint keeps of it.

    An unsharded pass is continued from ``position`` with the fast variables
    ``fast_state`` and the ``counts`` so far; a sharded one keeps the counts
    and counters of its finished ``shards`` and the wall time spent so far
    (``elapsed``). A finished pass has ``counts`` for every example and
    ``position`` (its counters in ``position.stats``).
    """

    position: PassPosition | None = None
    counts: np.ndarray | None = None
    fast_state: dict[str, np.ndarray] = field(default_factory=dict)
    shards: dict[int, tuple[np.ndarray, PassStats]] = field(default_factory=dict)
    elapsed: float = 0.0


def shard_bounds(n_total: int, size: int) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` covering ``range(n_total)`` in pieces of ``size``."""
    return [(start, min(start + size, n_total)) for start in range(0, n_total, size)]


def shard_stream(stream: int, index: int) -> int:
    """The random stream of shard ``index`` of the pass with stream ``stream``."""
    return 1000 * (stream + 1) + index


def _fast_state(state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The part of the state that changes while the network is frozen."""
    return {k: v for k, v in state.items() if k not in ("input_to_exc.w", "input_to_exc.delay")}


def frozen_pass(
    cfg: Config,
    n_input: int,
    state: dict[str, np.ndarray],
    images: np.ndarray,
    n_total: int,
    *,
    stream: int,
    progress: FrozenPass | None = None,
    checkpoint_every: int | None = None,
    save: Callable[[FrozenPass], None] | None = None,
    report: Callable[[PassPosition, str], None] | None = None,
) -> FrozenPass:
    """Show examples ``0 .. n_total - 1`` (example ``j`` is ``images[j % len(images)]``), frozen.

    Sharded (``cfg["engine.eval_shard_size"]`` a number) or not ("all"); the
    shards run on ``cfg["engine.workers"]`` processes.

    Parameters
    ----------
    cfg : Config
        The configuration of the frozen passes (`stdp.config.eval_config`).
    n_input : int
        Number of inputs (pixels).
    state : dict of ndarray
        The trained network state; the pass starts from it and leaves it unchanged.
    images : ndarray, shape (n_images, n_input)
        Pixel values in [0, 255].
    n_total : int
        Length of the pass.
    stream : int
        The pass's random stream (`STREAMS`).
    progress : FrozenPass, optional
        Where an interrupted pass stands (from a checkpoint); a new pass if None.
    checkpoint_every : int, optional
        Call ``save`` every this many examples (unsharded) or after every
        shard (sharded); ``None``: never.
    save : callable, optional
        ``save(progress)``: write a checkpoint of the pass so far.
    report : callable, optional
        ``report(position, event)`` with ``event`` "start", "chunk" or "end":
        the examples done and counters so far, for a progress display.

    Returns
    -------
    FrozenPass
        The finished pass: ``counts`` of shape (n_total, n_exc).
    """
    progress = progress if progress is not None else FrozenPass()
    report = report or (lambda position, event: None)
    if cfg["engine.eval_shard_size"] == "all":
        return _unsharded(cfg, n_input, state, images, n_total, stream, progress,
                          checkpoint_every, save, report)  # fmt: skip
    return _sharded(cfg, n_input, state, images, n_total, stream, progress, save, report)


def _unsharded(cfg, n_input, state, images, n_total, stream, progress, every, save, report):
    position = progress.position or PassPosition.start(cfg)
    # One array for the whole pass, filled chunk by chunk; checkpoints save views
    # of its rows so far (rows once written never change), so the counts are
    # held once, not once more in pieces.
    done_before = progress.counts.shape[0] if progress.counts is not None else 0
    all_counts = np.zeros((max(n_total, done_before), cfg["network.n_exc"]), dtype=np.int64)
    if done_before:
        all_counts[:done_before] = progress.counts
    start_state = dict(state)
    start_state.update(progress.fast_state)
    report(position, "start")

    def on_chunk(pos: PassPosition, new_state, counts) -> None:
        first = pos.done - counts.shape[0]
        all_counts[first : pos.done] = counts
        if every and save is not None and pos.done // every > first // every and pos.done < n_total:
            save(FrozenPass(position=pos, counts=all_counts[: pos.done],
                            fast_state=_fast_state(new_state)))  # fmt: skip
        report(pos, "chunk")

    new_state, _, position = run_pass(
        shared_engine(cfg, n_input),
        start_state,
        images,
        n_total,
        learning=False,
        seed=cfg["seed"],
        stream=stream,
        position=position,
        on_chunk=on_chunk,
        record_counts=False,
    )
    report(position, "end")
    return FrozenPass(position=position, counts=all_counts[: position.done],
                      fast_state=_fast_state(new_state))  # fmt: skip


def _sharded(cfg, n_input, state, images, n_total, stream, progress, save, report):
    bounds = shard_bounds(n_total, cfg["engine.eval_shard_size"])
    # Each shard's counts are copied into one array for the pass as they come
    # back; the shards kept for checkpoints are views of its rows (held once).
    all_counts = np.zeros((n_total, cfg["network.n_exc"]), dtype=np.int64)
    done = {}
    for i, (shard_counts, stats) in progress.shards.items():
        a, b = bounds[i]
        all_counts[a:b] = shard_counts
        done[i] = (all_counts[a:b], stats)
    jobs = [(i, a, b) for i, (a, b) in enumerate(bounds) if i not in done]
    # Each shard's stats count its own worker's seconds; the pass's wall time is
    # the time this process (and, when resumed, earlier ones) spent waiting for them.
    started = time.perf_counter()
    position = PassPosition(done=0)

    def tally() -> float:
        position.done = sum(bounds[i][1] - bounds[i][0] for i in done)
        position.stats = PassStats.total(stats for _, stats in done.values())
        position.stats.wall_seconds = progress.elapsed + time.perf_counter() - started
        return position.stats.wall_seconds

    tally()
    report(position, "start")
    for index, counts, stats in _run_shards(cfg, n_input, state, images, jobs, stream):
        a, b = bounds[index]
        all_counts[a:b] = counts
        done[index] = (all_counts[a:b], stats)
        elapsed = tally()
        if len(done) < len(bounds) and save is not None:
            save(FrozenPass(shards=dict(done), elapsed=elapsed))
        report(position, "chunk")
    tally()
    report(position, "end")
    return FrozenPass(position=position, counts=all_counts)


def _run_shard(cfg: Config, n_input: int, state: dict, table: np.ndarray, stream: int):
    """One shard (in this process or a worker): the rows of ``table`` in order, frozen."""
    engine = shared_engine(cfg, n_input)
    _, counts, position = run_pass(
        engine,
        state,
        table,
        table.shape[0],
        learning=False,
        seed=cfg["seed"],
        stream=stream,
        position=PassPosition.start(cfg),
    )
    return counts, asdict(position.stats)


def _in_worker(cfg: Config, n_input: int, state: dict, table: np.ndarray, stream: int):
    from brian2 import prefs

    prefs.logging.file_log = False
    return _run_shard(cfg, n_input, state, table, stream)


def _run_shards(
    cfg: Config, n_input: int, state: dict, images: np.ndarray, jobs, stream: int
) -> Iterator[tuple[int, np.ndarray, PassStats]]:
    """Run shards ``(index, start, stop)``; yield ``(index, counts, stats)`` as they finish.

    With one worker the shards run here; with more, on the shared local Dask
    cluster (`stdp.pool`), where each worker process builds (or loads from the
    cache) the same compiled network once and runs whole shards.
    """
    n_images = images.shape[0]

    def table(start: int, stop: int) -> np.ndarray:
        return images[np.arange(start, stop) % n_images]

    workers = cfg["engine.workers"]
    if workers <= 1:
        for index, start, stop in jobs:
            counts, stats = _run_shard(
                cfg, n_input, state, table(start, stop), shard_stream(stream, index)
            )
            yield index, counts, PassStats(**stats)
        return
    from dask.distributed import as_completed

    from . import pool

    client = pool.local_client(workers)
    futures = {}
    try:
        # hash=False: a key of its own. With the default content hash, the test pass
        # scatters the labelling pass's state under the same key, and the release of
        # the labelling pass's future can delete it on the workers after the new
        # scatter (dask/distributed#8576): "lost dependencies"
        [shared_state] = client.scatter([state], broadcast=True, hash=False)
        for index, start, stop in jobs:
            future = client.submit(
                _in_worker,
                cfg,
                n_input,
                shared_state,
                table(start, stop),
                shard_stream(stream, index),
                pure=False,
            )
            futures[future] = index
        for future in as_completed(futures):
            counts, stats = future.result()
            yield futures[future], counts, PassStats(**stats)
    except BaseException:
        pool.shutdown()  # a failed or interrupted pass leaves no workers behind
        raise
