"""Presenting a sequence of examples to the network, chunk by chunk.

A *pass* shows examples in order (training with learning on; labelling and
testing with the network frozen). `run_pass` feeds the engine one chunk at a
time and turns what each chunk recorded into one spike-count vector per
completed example. Its position (`PassPosition`) is a handful of numbers, so a
pass can be checkpointed between chunks and resumed later with exactly the
same result.

The re-presentation rule (Diehl & Cook 2015, §2.5): an example that evokes
fewer than ``encoding.min_spikes`` excitatory spikes is shown again after the
rest period with the input rate raised by ``encoding.retry_rate_step``, at most
``encoding.max_retries`` times. The counts kept for an example are those of its
last presentation (``retry_count = "window"``, as the original code) or the sum
over all its presentations (``"cumulative"``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from .config import Config
from .engine import ChunkResult, Engine, chunk_seed
from .errors import SimulationError

__all__ = ["PassPosition", "PassStats", "run_pass", "examples_from_chunk", "STREAMS"]

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


def _check_state(result: ChunkResult) -> None:
    """Stop with a clear message if the simulation blew up (e.g. unstable forward Euler)."""
    v = result.state["exc.v"]
    if not np.all(np.isfinite(v)) or np.max(np.abs(v)) > 1.0:
        worst = np.max(np.abs(np.where(np.isfinite(v), v, np.inf)))
        raise SimulationError(
            f"the simulation diverged (excitatory v reached {worst:.3g} V, "
            f"{result.n_exc_spikes} excitatory spikes in one chunk): forward Euler is unstable "
            "when the summed inhibitory conductance is large; set network.method = "
            '"exponential_euler" or a smaller network.dt'
        )


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
) -> tuple[dict[str, np.ndarray], np.ndarray | None, PassPosition]:
    """Show ``n_examples`` examples (cycling through ``images``) starting at ``position``.

    Parameters
    ----------
    engine : Engine
        A built engine (`stdp.engine.make_engine`).
    state : dict of ndarray
        The network state to start from.
    images : ndarray, shape (n_images, n_input), float in [0, 1]
        Example ``j`` of the pass is ``images[j % n_images]``.
    n_examples : int
        Length of the pass.
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
        rows = (position.done + np.arange(n_valid)) % n_images
        result = engine.run_chunk(
            state,
            images[rows],
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
        _check_state(result)
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
