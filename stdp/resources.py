"""How much memory a run needs, estimated before anything is allocated or written.

`estimate_memory` adds up what a run holds at its peak, one named term per
kind of array, from the sizes alone (no Brian2 object is built):

- the Python process: the state it keeps (weights of the current and of the
  initial network, delays), the copies made while a chunk is passed to the
  compiled simulation and read back (or, at a checkpoint, the compressed
  archive and its copy), the example table, the spike counts of the passes,
  the data set, and the fixed cost of Python, NumPy, Brian2 and the objects;
- the compiled simulation (``cpp_standalone``: a separate process that runs
  while the Python process waits, so both count): every per-synapse array of
  the input -> excitatory and the inhibitory -> excitatory synapses (the
  latter are all-to-all, ``n_exc * (n_exc - 1)`` synapses, which is what makes
  large networks large), the delay queues with their temporary arrays, the
  example table.

`check_memory` compares the total with `available_memory` and raises a
one-line `stdp.errors.ConfigError` naming the setting to change. It also
refuses sizes that cannot work at any memory size: more synapses than
Brian2's 32-bit synapse indices can number, or arrays beyond what NumPy can
allocate.

The terms were checked against measured peaks of real runs: the Python
process's ``ru_maxrss`` plus the compiled simulation's sampled RSS (MiB;
digits: 200 training, 100 labelling and 100 test examples; wide inputs:
`stdp.Network.fit` on 20 random images, 50 cycles per chunk)::

    run                         Python  binary  measured  estimate
    digits, 100 neurons            245       5       251       268  (+7 %)
    digits, 400 neurons            248      10       258       277  (+7 %)
    digits, 1600 neurons           262      82       344       374  (+9 %)
    digits, 3000 neurons           279     276       554       632  (+14 %)
    20000 inputs, 100 neurons      328     133       461       517  (+12 %)
    4096 inputs, 400 neurons       305     101       406       458  (+13 %)

`tests/test_resources.py` has the arithmetic on a small case.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .config import Config
from .errors import ConfigError
from .topology import layout

__all__ = ["estimate_memory", "available_memory", "check_memory", "format_bytes"]

#: Python with NumPy, SciPy, scikit-learn, SymPy, Brian2 and stdp imported, the
#: Brian2 objects of the network and its generated code: ``stdp run`` on the
#: digits with 100 neurons peaks at 251 MB (``ru_maxrss``), its arrays at 2 MB;
#: rounded up for other versions of the libraries.
PYTHON_BASE = 260 * 2**20
#: The compiled simulation's own code, C++ runtime and small arrays (5 MB measured
#: with 100 neurons).
BINARY_BASE = 6 * 2**20
#: Synapses are numbered with 32-bit integers by Brian2 (and its delay queue).
MAX_SYNAPSES = 2**31 - 1
#: float64 values per excitatory/inhibitory neuron pair, Python and binary together:
#: about 25 state variables of the two groups, their copies passed in and read
#: back, N_incoming/N_outgoing, the one-to-one synapses and the spike counter.
NEURON_VALUES = 100
#: The cgroup (v2) files that limit a container's memory (checked besides /proc/meminfo).
CGROUP = Path("/sys/fs/cgroup")

_F8 = 8  # float64 / int64
_I4 = 4  # int32


def _capacity(n: int) -> int:
    """Elements a C++ vector filled by ``push_back`` holds room for (doubling from 1)."""
    return 0 if n <= 0 else 1 << (n - 1).bit_length()


def _synapse_bytes(n_sources: int, per_source: int, n_delays: int) -> dict[str, int]:
    """Binary memory of all-to-all-like synapses, grouped by source.

    Parameters
    ----------
    n_sources, per_source : int
        Sources and synapses per source (the synapses number ``n_sources * per_source``).
    n_delays : int
        Per-synapse float64 arrays: the model's own and one ``delay`` per pathway.

    Returns
    -------
    dict
        ``arrays``: the index arrays (``_synaptic_pre``, ``_synaptic_post``,
        int32, filled by ``push_back``) and the float64 arrays; ``queue``: the
        delay queue's synapse lists (int32 per synapse, one ``push_back``
        vector per source); ``prepare``: the queue's temporaries while it is
        prepared (one int per synapse for the delays in steps, and the lists
        by source).
    """
    n = n_sources * per_source
    lists = _I4 * n_sources * _capacity(per_source)
    return {
        "arrays": 2 * _I4 * _capacity(n) + n_delays * _F8 * n,
        "queue": lists,
        "prepare": _I4 * n + lists,
    }


def estimate_memory(
    cfg: Config,
    n_input: int,
    n_images_held: int = 0,
    image_bytes: int | None = None,
    *,
    n_label: int | None = None,
    n_test: int | None = None,
) -> dict[str, int]:
    """The memory (bytes) a run of ``cfg`` with ``n_input`` inputs needs at its peak.

    Parameters
    ----------
    cfg : Config
        The configuration (``network.n_exc``, ``engine.chunk_cycles``, the
        passes' sizes, ``engine.workers``, ``device``).
    n_input : int
        Inputs (pixels per image).
    n_images_held : int
        Images the process holds in memory (training and test set).
    image_bytes : int, optional
        Bytes per image (default ``n_input``: one uint8 per pixel).
    n_label, n_test : int, optional
        Examples of the labelling and test passes whose spike counts are kept
        (default: ``label.n_examples`` and ``test.n_examples`` times
        ``test.presentations``; ``"all"`` counts as ``n_images_held``).
        Pass 0 for a run without these passes (`stdp.Network.fit`).

    Returns
    -------
    dict of str to int
        One entry per term, in bytes, and ``"total"``:

        ``input_synapses``
            Input -> excitatory synapses in the compiled simulation: the
            int32 indices, w, delay_value and the delay of each of the two
            pathways (float64), the two delay queues and the temporaries of
            preparing one of them.
        ``inhibitory_synapses``
            Inhibitory -> excitatory synapses (all but self), same arrays with
            one delay.
        ``python_state``
            Weights of the current and the initial network and the delays
            (float64), held by the Python process.
        ``chunk_copies``
            Per chunk, the weights and delays passed to the simulation and the
            weights read back (a raw copy and the array kept); at a checkpoint
            instead the compressed archive and its copy (at most as large).
        ``example_table``
            The chunk's table (``engine.chunk_cycles`` rows of ``n_input``
            float64): its rows and its padded copy in Python, one in the binary,
            and the uint8 pixels taken from the images.
        ``spike_counts``
            Spikes per cycle and neuron of a chunk (int64, and the examples'
            copy), the labelling and test passes' counts (int64, one array
            each, both held at the end), and the linear readout's float64
            copy of the larger of the two.
        ``neurons``
            Per-neuron state (`NEURON_VALUES`).
        ``dataset``
            The images held.
        ``workers``
            With ``engine.workers > 1`` and sharded passes, each further worker
            process: its own fixed cost, state, copies, table and simulation.
        ``fixed``
            Python with its libraries and the compiled simulation's own
            (`PYTHON_BASE`, `BINARY_BASE`).

    Notes
    -----
    All arithmetic is on Python integers, so absurd sizes give absurd numbers
    rather than an overflow.
    """
    n_exc = int(cfg["network.n_exc"])
    n_input = int(n_input)
    chunk = int(cfg["engine.chunk_cycles"])
    image_bytes = n_input if image_bytes is None else int(image_bytes)
    n_syn = n_input * n_exc

    def rows(value: object) -> int:
        return int(n_images_held) if value == "all" else int(value)

    if n_label is None:
        n_label = rows(cfg["label.n_examples"])
    if n_test is None:
        n_test = rows(cfg["test.n_examples"]) * int(cfg["test.presentations"])

    # Input -> excitatory: w, delay_value, and the pre and post pathways' delays.
    # Pre pathway: n_input sources of n_exc synapses; post: n_exc of n_input. A local
    # or convolutional layer (stdp.topology) has kernel^2 per neuron instead of n_input,
    # and its inhibition may stay within a patch; its weights are held dense in Python.
    # Whole-image neurons beside the patches (topology.dense_filters) see every pixel and
    # inhibit each other: the averages per neuron below count them (stdp.topology.Layout).
    fan_in, inh_fan_out = n_input, max(n_exc - 1, 0)
    if cfg["topology.kind"] != "dense":
        shape = layout(cfg, n_input)
        fan_in = -(-shape.n_synapses // max(n_exc, 1))
        if cfg["topology.inhibition"] == "location":
            inh_fan_out = -(-shape.n_location_pairs // max(n_exc, 1))
    pre = _synapse_bytes(n_input, n_exc * fan_in // max(n_input, 1), n_delays=4)
    post = _synapse_bytes(n_exc, fan_in, n_delays=0)
    # Inhibitory -> excitatory: one pathway, with its delay.
    inh = _synapse_bytes(n_exc, inh_fan_out, n_delays=1)
    # The queues are prepared one after the other: only one set of temporaries at a time.
    prepare = max(pre["prepare"], post["prepare"], inh["prepare"])
    input_synapses = pre["arrays"] + pre["queue"] + post["queue"]
    inhibitory_synapses = inh["arrays"] + inh["queue"]
    if inh["prepare"] >= max(pre["prepare"], post["prepare"]):
        inhibitory_synapses += prepare
    else:
        input_synapses += prepare

    table_cells = chunk * n_input
    one_process = {
        "input_synapses": input_synapses,
        "inhibitory_synapses": inhibitory_synapses,
        # current weights, initial weights (held until the first checkpoint, and
        # by the caller of a training pass), delays (one array shared by all states)
        "python_state": 3 * _F8 * n_syn,
        # w * 1 and delay * second passed to the binary; w read back (np.fromfile)
        # and the float64 copy kept as the new state
        "chunk_copies": 4 * _F8 * n_syn,
        # Python: the rows (pixel / 255) and the padded table; binary: its copy;
        # the uint8 pixels of the rows
        "example_table": 3 * _F8 * table_cells + table_cells,
        "neurons": NEURON_VALUES * _F8 * n_exc,
    }
    # A chunk's counts per cycle and neuron and the examples' copy; each pass's
    # counts in one array (filled chunk by chunk or shard by shard), both held
    # at the end, when the linear readout makes a float64 copy of one (fitted
    # on the labelling counts, scored on the test counts): L + T + max(L, T) rows.
    counts = 2 * _F8 * chunk * n_exc + _F8 * (n_label + n_test + max(n_label, n_test)) * n_exc
    terms = dict(one_process)
    terms["spike_counts"] = counts
    terms["dataset"] = int(n_images_held) * image_bytes
    workers = int(cfg["engine.workers"])
    sharded = cfg["engine.eval_shard_size"] != "all"
    extra = workers - 1 if workers > 1 and sharded else 0
    terms["workers"] = extra * (sum(one_process.values()) + PYTHON_BASE + BINARY_BASE)
    terms["fixed"] = PYTHON_BASE + BINARY_BASE
    terms["total"] = sum(terms.values())
    return terms


def available_memory() -> int | None:
    """Bytes of memory available to new allocations, or None if not known.

    ``MemAvailable`` of ``/proc/meminfo`` on Linux (else the free physical
    pages from `os.sysconf`), lowered to what a cgroup (v2) memory limit
    leaves, if the process runs under one.
    """
    available = _meminfo_available()
    if available is None:
        try:
            available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            available = None
    limit = _cgroup_room()
    if limit is not None:
        available = limit if available is None else min(available, limit)
    return available if available is None or available > 0 else None


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_room() -> int | None:
    """What the cgroup's ``memory.max`` leaves above ``memory.current`` (None: no limit)."""
    try:
        limit = (CGROUP / "memory.max").read_text().strip()
        used = (CGROUP / "memory.current").read_text().strip()
        if limit == "max":
            return None
        return max(int(limit) - int(used), 0)
    except (OSError, ValueError):
        return None


def format_bytes(n: int | float) -> str:
    """``n`` bytes as a short decimal figure in GB or MB: ``"61.3 GB"``, ``"3,200 GB"``."""
    for unit, size in (("GB", 1e9), ("MB", 1e6)):
        if n >= size:
            value = n / size
            return f"{value:.3g} {unit}" if value < 1000 else f"{value:,.0f} {unit}"
    return f"{n / 1e3:.3g} kB"


#: The terms named in the message, with the words that describe them.
_SHOWN = {
    "inhibitory_synapses": "inhibitory synapses",
    "input_synapses": "input synapses",
    "python_state": "weights and delays",
    "chunk_copies": "their copies per chunk",
    "example_table": "example tables",
    "spike_counts": "spike counts",
    "dataset": "images",
    "workers": "worker processes",
}


def _culprit(cfg: Config, terms: dict[str, int]) -> tuple[str, str]:
    """The setting behind the largest term, and what to do about it."""
    largest = max(_SHOWN, key=lambda name: terms[name])
    if largest == "example_table":
        return "engine.chunk_cycles", "use fewer cycles per chunk"
    if largest == "dataset":
        return "dataset.name", "use a smaller data set"
    if largest == "workers":
        return "engine.workers", "use fewer workers"
    if largest == "spike_counts":
        per_chunk = 2 * _F8 * int(cfg["engine.chunk_cycles"]) * int(cfg["network.n_exc"])
        if terms["spike_counts"] > 2 * per_chunk:
            return "label.n_examples", "label and test on fewer examples"
        return "engine.chunk_cycles", "use fewer cycles per chunk"
    return "network.n_exc", "use fewer neurons"


def check_memory(
    cfg: Config,
    n_input: int,
    n_images_held: int = 0,
    *,
    n_label: int | None = None,
    n_test: int | None = None,
) -> None:
    """Refuse a run that cannot fit in memory, before anything is allocated or written.

    Parameters
    ----------
    cfg, n_input, n_images_held, n_label, n_test
        As for `estimate_memory`.

    Raises
    ------
    ConfigError
        If the network has more synapses than Brian2 can number (32-bit), an
        array larger than NumPy can allocate, or the estimated total
        (`estimate_memory`) exceeds `available_memory`. Nothing is raised for
        the memory when the available memory is not known.
    """
    n_exc = int(cfg["network.n_exc"])
    what = f"a network of {n_exc} neurons with {n_input} inputs"
    terms = estimate_memory(cfg, n_input, n_images_held, n_label=n_label, n_test=n_test)
    key, advice = _culprit(cfg, terms)
    needs = f"{what} needs about {format_bytes(terms['total'])} of memory"
    available = available_memory()
    if available is not None and terms["total"] > available:
        parts = sorted(
            (name for name in _SHOWN if terms[name] >= 0.05 * terms["total"]),
            key=lambda name: -terms[name],
        )
        detail = ", ".join(f"{_SHOWN[name]} {format_bytes(terms[name])}" for name in parts)
        raise ConfigError(
            f"{key}: {needs} ({detail}), but {format_bytes(available)} are available; {advice}"
        )
    synapses = max(n_exc * int(n_input), n_exc * (n_exc - 1))
    if synapses > MAX_SYNAPSES:
        raise ConfigError(
            f"network.n_exc: {needs} and {synapses:,} synapses in one group, more than the "
            f"{MAX_SYNAPSES:,} that Brian2 can number; use fewer neurons"
        )
    if max(terms.values()) > np.iinfo(np.intp).max:
        raise ConfigError(f"{key}: {needs}, more than NumPy can allocate; {advice}")
