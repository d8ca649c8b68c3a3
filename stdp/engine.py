"""Run the network in chunks on Brian2's ``cpp_standalone`` or runtime device.

The network of `stdp.network` contains the whole presentation protocol, so a
*chunk* of ``engine.chunk_cycles`` presentation cycles is one ``run()`` call.
Between chunks Python only moves state around: it passes the network's state
(weights, theta, membrane potentials, traces, ...) and the next rows of the
example table in, and reads the state and the recorded spikes out.

In ``cpp_standalone`` mode the network is compiled once per configuration and
input size (the build folder is cached and reused by later processes) and
every chunk is one run of the compiled binary with ``device.run(run_args=...)``.
Nothing but the arguments passed in survives from one chunk to the next, so a
chunk's result depends only on its inputs: a run that is stopped and resumed
from a checkpoint continues bit for bit as if it had not been stopped.

Each chunk seeds the random number generator from ``(seed, chunk index)``
(`chunk_seed`), so the Poisson input of different chunks is independent and
the same chunk always sees the same numbers.
"""

from __future__ import annotations

import contextlib
import filecmp
import gc
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import uuid
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import brian2
import numpy as np
from brian2 import prefs, second
from filelock import ReadWriteLock, Timeout

from .cache import cache_dir
from .config import Config
from .encoding import code_keys
from .errors import ConfigError, SimulationError
from .fileio import atomic_write_text
from .network import STATE_VARIABLES, BuiltNetwork, build_network, cycle_duration, state_variables

__all__ = [
    "ChunkResult",
    "Engine",
    "chunk_seed",
    "make_engine",
    "shared_engine",
    "current_engine",
    "release_engine",
    "default_build_root",
]

# Variables that make up a chunk's state, in "group.variable" form.
STATE_KEYS = tuple(f"{g}.{v}" for g, vs in STATE_VARIABLES.items() for v in vs)
_UNITS = {"v": brian2.volt, "theta": brian2.volt, "lastspike": second}
#: Bumped when the engine changes how it builds (compiler or linker flags, inserted code).
ENGINE_VERSION = 5
#: Compiler flags that let the state updaters vectorise (see `StandaloneEngine._select_device`).
_VECTOR_FLAGS = ("--param=vect-max-version-for-alias-checks=100", "-D__FAST_MATH__")
#: The delay queue of ``engine.spike_queue = "runs"``.
SPIKE_QUEUE = Path(__file__).parent / "cpp" / "spikequeue.h"
# Configuration keys that do not change the generated code.
_NOT_IN_CODE = (
    "seed",
    "device",
    "dataset.",
    "train.",
    "label.",
    "test.",
    "engine.build_dir",
    "engine.eval_shard_size",
    "engine.workers",
    "protocol.eval_presentation",
)


def _unit(group: brian2.Group, var: str) -> brian2.Unit:
    """The unit of a state variable of another neuron model (``w_ad``, ``u``, ...)."""
    return brian2.get_unit(group.variables[var].dim)


def chunk_seed(seed: int, chunk_index: int, stream: int = 0) -> int:
    """A 32-bit seed for one chunk, derived from the run's seed with `numpy.random.SeedSequence`."""
    seq = np.random.SeedSequence([int(seed), int(stream), int(chunk_index)])
    return int(seq.generate_state(1, dtype=np.uint32)[0])


def default_build_root() -> Path:
    """Folder for compiled networks: ``build`` in the cache (`stdp.cache.cache_dir`)."""
    return cache_dir("build")


@dataclass
class ChunkResult:
    """What one chunk of ``n_cycles`` presentation cycles produced.

    Attributes
    ----------
    state : dict of ndarray
        The network state at the end of the chunk (SI units), ready to be
        passed to the next chunk (``lastspike`` is already shifted to the next
        chunk's time frame).
    cycle_k : ndarray of int, shape (n_cycles,)
        Row of the example table shown in each cycle (``>= n_valid``: idle).
    cycle_retries : ndarray of int, shape (n_cycles,)
        How many times that example had already been shown before this cycle.
    window_counts : ndarray of int, shape (n_cycles, n_exc)
        Excitatory spikes of each neuron in each cycle's presentation window.
    nspk, retries : float
        The controller's spike count and retry count after the last cycle.
    n_input_spikes, n_inh_spikes, n_exc_spikes : int
        Spike totals over the chunk (for throughput figures).
    sim_seconds : float
        Wall-clock time of the simulation itself (without process start, I/O).
    """

    state: dict[str, np.ndarray]
    cycle_k: np.ndarray
    cycle_retries: np.ndarray
    window_counts: np.ndarray
    nspk: float
    retries: float
    n_input_spikes: int
    n_inh_spikes: int
    n_exc_spikes: int
    sim_seconds: float
    extra: dict = field(default_factory=dict)


#: The engines of this process that are not closed (at most one: see `close_open_engines`).
_OPEN: weakref.WeakSet = weakref.WeakSet()


def close_open_engines() -> None:
    """Close every open engine of this process and collect its Brian2 objects.

    Brian2 has one device per process, and while the objects of an earlier
    network are alive it names the next network's code objects
    ``..._codeobject_1``: the generated code then differs from the cached
    build's, which is compiled again (about a minute), and again when the
    names go back. So a new engine first closes the ones still open.
    """
    for engine in list(_OPEN):
        if not engine.closed:
            engine.close()
    gc.collect()


class Engine:
    """Common part of the two devices: the network and the bookkeeping of one chunk.

    One engine is open per process at a time: making one closes the others.
    """

    device_name = ""

    def __init__(self, cfg: Config, n_input: int):
        close_open_engines()
        _OPEN.add(self)
        self.cfg = cfg
        self.n_input = n_input
        self.n_exc = cfg["network.n_exc"]
        self.chunk_cycles = cfg["engine.chunk_cycles"]
        self.cycle = cycle_duration(cfg)
        self.dt = cfg["network.dt"]
        self.steps_per_cycle = int(round(float(self.cycle / self.dt)))
        self.present_steps = int(round(float(cfg["protocol.presentation"] / self.dt)))
        self.duration = self.chunk_cycles * self.cycle
        self.setup_seconds = 0.0
        self.closed = False
        self._delay: np.ndarray | None = None  # the delays of the running chunk (constant)
        #: The state's keys for this configuration's neuron models (`state_variables`).
        self.state_keys = tuple(f"{g}.{v}" for g, vs in state_variables(cfg).items() for v in vs)

    @property
    def built(self) -> BuiltNetwork:
        """The Brian2 objects of the network (set by the device-specific subclass)."""
        return self._built

    # -- to be provided by the device-specific subclasses -------------------------
    def _run(self, values: dict, seed: int) -> ChunkResult:  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> None:
        """Release the device (needed before another standalone engine is made)."""
        self.closed = True
        self._built = None  # its Brian2 objects may go (see `make_engine`)

    # -- shared ------------------------------------------------------------------
    def run_chunk(
        self,
        state: dict[str, np.ndarray],
        table: np.ndarray,
        *,
        k_start: int,
        nspk: float,
        retries: float,
        learning: bool,
        seed: int,
    ) -> ChunkResult:
        """Simulate one chunk.

        Parameters
        ----------
        state : dict of ndarray
            The network state (see `stdp.network.initial_state`).
        table : ndarray, shape (n_valid, n_input)
            The examples to show, in order, as intensities in [0, 1]
            (pixel / 255); at most ``chunk_cycles`` rows.
        k_start, nspk, retries : number
            The controller's state before the first cycle: ``k_start = -1``
            with ``nspk >= min_spikes`` starts at row 0 with a new example;
            ``k_start = 0`` with the previous chunk's ``nspk`` and ``retries``
            continues an example that was not finished.
        learning : bool
            Whether STDP, theta's changes and normalisation are on.
        seed : int
            Seed of the chunk's random numbers (Poisson input).
        """
        n_valid = table.shape[0]
        if n_valid > self.chunk_cycles or table.ndim != 2 or table.shape[1] != self.n_input:
            raise ValueError(
                f"table: expected at most {self.chunk_cycles} rows of {self.n_input} values, "
                f"got shape {table.shape}"
            )
        padded = np.zeros((self.chunk_cycles, self.n_input))
        padded[:n_valid] = table
        controller = {
            "k": float(k_start),
            "nspk": float(nspk),
            "retries": float(retries),
            "learning": float(bool(learning)),
            "n_valid": float(n_valid),
        }
        values = {"state": state, "stim": padded, "controller": controller}
        return self._run(values, seed)

    def _collect(
        self, sim_seconds: float, t0: float = 0.0, before: dict | None = None
    ) -> ChunkResult:
        """Read the state and records of the chunk that started at time ``t0`` (seconds).

        ``before`` holds the monitors' sizes before the chunk (runtime mode,
        where monitors keep recording across chunks).
        """
        b = self.built
        before = before or {"exc": 0, "input": 0, "inh": 0, "cycles": 0}
        state = {}
        # v is read even where the model computes it (SRM0): it is checked for blow-ups.
        for key in (*self.state_keys, *(("exc.v",) if "exc.v" not in self.state_keys else ())):
            group, var = key.split(".")
            obj = getattr(b, group)
            dtype = bool if var == "not_refractory" else float
            state[key] = np.array(getattr(obj, var)[:], dtype=dtype)
        # the dense (n_input, n_exc) matrix of a local or convolutional layer (stdp.topology)
        state["input_to_exc.w"] = b.layout.to_dense(state["input_to_exc.w"])
        state["input_to_exc.delay"] = self._delay
        t_end = t0 + float(self.duration)
        state["exc.lastspike"] = state["exc.lastspike"] - t_end
        state["inh.lastspike"] = state["inh.lastspike"] - t_end
        cycle_k = np.rint(np.asarray(b.cycles.k[0])[before["cycles"] :]).astype(np.int64)
        cycle_retries = np.rint(np.asarray(b.cycles.retries[0])[before["cycles"] :]).astype(
            np.int64
        )
        if cycle_k.shape[0] != self.chunk_cycles:
            raise RuntimeError(
                f"expected {self.chunk_cycles} cycle records, got {cycle_k.shape[0]}"
            )
        spike_i = np.asarray(b.exc_spikes.i[:], dtype=np.int64)[before["exc"] :]
        spike_t = np.asarray(b.exc_spikes.t[:])[before["exc"] :] - t0
        steps = np.rint(spike_t / float(self.dt)).astype(np.int64)
        cycle = steps // self.steps_per_cycle
        inside = (steps % self.steps_per_cycle) < self.present_steps
        flat = cycle[inside] * self.n_exc + spike_i[inside]
        window_counts = np.bincount(flat, minlength=self.chunk_cycles * self.n_exc).reshape(
            self.chunk_cycles, self.n_exc
        )
        ctrl = b.controller
        return ChunkResult(
            state=state,
            cycle_k=cycle_k,
            cycle_retries=cycle_retries,
            window_counts=window_counts,
            nspk=float(ctrl.nspk[0]),
            retries=float(ctrl.retries[0]),
            n_input_spikes=int(b.input_spikes.num_spikes) - before["input"],
            n_inh_spikes=int(b.inh_spikes.num_spikes) - before["inh"],
            n_exc_spikes=int(spike_i.shape[0]),
            sim_seconds=sim_seconds,
        )

    def _state_items(self, values: dict, t0: float = 0.0):
        """Yield (VariableView, value with units) for every state variable and the controller.

        ``lastspike`` is stored relative to the chunk's start; ``t0`` is the
        device's time at that start.
        """
        b = self.built
        for key in (*self.state_keys, "input_to_exc.delay"):
            group, var = key.split(".")
            view = getattr(getattr(b, group), "delay_value" if var == "delay" else var)
            value = values["state"][key]
            if group == "input_to_exc":  # the synapses that exist (stdp.topology)
                value = b.layout.to_synapses(value)
            if var == "not_refractory":
                yield view, np.asarray(value, dtype=bool)
            elif var == "lastspike":
                yield view, (np.asarray(value) + t0) * second
            elif var == "delay":
                yield view, np.asarray(value) * second
            else:
                yield view, np.asarray(value) * _UNITS.get(var, _unit(getattr(b, group), var))
        if b.kernel is not None:  # each copy's reference: its kernel entry (eq.KERNEL_SUM)
            wk = np.asarray(values["state"]["kernel.wk"], dtype=float)
            yield b.input_to_exc.w0, wk[b.layout.kernel_entry()]
        for var, value in values["controller"].items():
            yield getattr(b.controller, var), value


class RuntimeEngine(Engine):
    """Brian2's runtime device (Cython code), one ``Network.run`` per chunk."""

    device_name = "runtime"
    #: Brian2's code generation target ("numpy" needs no compiler, and is slower).
    codegen_target = "cython"

    def __init__(self, cfg: Config, n_input: int):
        super().__init__(cfg, n_input)
        start = time.perf_counter()
        brian2.set_device("runtime")
        prefs.codegen.target = self.codegen_target
        self._built = build_network(cfg, n_input, self.chunk_cycles)
        self.setup_seconds = time.perf_counter() - start

    def _run(self, values: dict, seed: int) -> ChunkResult:
        b = self._built
        # The device's clock keeps running from chunk to chunk; monitors keep
        # their records, so remember where this chunk starts.
        t0 = float(b.net.t)
        before = {
            "exc": int(b.exc_spikes.num_spikes),
            "input": int(b.input_spikes.num_spikes),
            "inh": int(b.inh_spikes.num_spikes),
            "cycles": int(len(b.cycles.t)),
        }
        for view, value in self._state_items(values, t0):
            view[:] = value
        self._delay = np.asarray(values["state"]["input_to_exc.delay"], dtype=float)
        b.input_to_exc.delay = "delay_value"
        b.stim.values[:] = values["stim"]
        brian2.seed(seed)
        start = time.perf_counter()
        b.net.run(self.duration, namespace={})
        return self._collect(time.perf_counter() - start, t0, before)


class StandaloneEngine(Engine):
    """``cpp_standalone``: compiled once, one binary run per chunk (single thread)."""

    device_name = "cpp_standalone"

    def __init__(self, cfg: Config, n_input: int, build_root: Path | None = None):
        super().__init__(cfg, n_input)
        start = time.perf_counter()
        root = Path(cfg["engine.build_dir"] or build_root or default_build_root())
        self.build_dir = root / (self.build_prefix + build_key(cfg, n_input))
        self._select_device()
        self.build_dir.mkdir(parents=True, exist_ok=True)
        self._built = build_network(cfg, n_input, self.chunk_cycles, clock=self._clock())
        device = brian2.device
        device.apply_run_args()
        # Set after the command-line values have been applied (run_args cannot set delays).
        self._built.input_to_exc.delay = "delay_value"
        seed_var = device.get_array_name(self._built.controller.variables["rng_seed"])
        device.insert_code("main", self._seed_statement(f"brian::{seed_var}[0]"))
        self._built.net.run(self.duration, namespace={})
        # One reader-writer lock per build: building (and deleting run arguments)
        # takes it alone, every run of the binary shares it. So a process that
        # rebuilds a cached build (make relinks ./main) never does so while
        # another process runs that binary (or reads its files).
        self._lock = ReadWriteLock(self.build_dir / ".build.lock", is_singleton=False)
        with self._lock.write_lock():
            self._build(device)
        self._results = f"results_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.setup_seconds = time.perf_counter() - start

    #: Prefix of the build folder's name (builds for other devices must not collide).
    build_prefix = ""

    def _build(self, device) -> None:
        """Generate the code, adjust the generated sources (`_adjust_sources`), compile."""
        from brian2.codegen.cpp_prefs import get_compiler_and_args

        directory = str(self.build_dir)
        # Another process may be starting the binary of this build right now
        # (seeds of a sweep, shards of a pass): it must never read a static
        # array that this build is rewriting (see `_write_static_arrays_atomically`).
        real = brian2.get_device()  # brian2.device is a proxy object
        real.write_static_arrays = lambda d: _write_static_arrays_atomically(real, d)
        before = _sources(self.build_dir)
        device.build(directory=directory, compile=False, run=False, with_output=False)
        _sort_clock_resets(self.build_dir / "main.cpp")
        self._adjust_sources()
        _keep_unchanged_times(self.build_dir, before)
        device.compile_source(directory, get_compiler_and_args()[0], False, False)

    def _adjust_sources(self) -> None:
        """Put our own files in place of Brian2's before compiling.

        With ``engine.spike_queue = "runs"`` the delay queue is
        `SPIKE_QUEUE`. `shutil.copy2` keeps the file's time stamp, so an
        unchanged header does not make ``make`` recompile an up-to-date build.
        """
        if self.cfg["engine.spike_queue"] == "runs":
            shutil.copy2(SPIKE_QUEUE, self.build_dir / "brianlib" / "spikequeue.h")

    def _select_device(self) -> None:
        brian2.set_device("cpp_standalone", build_on_run=False)
        brian2.device.reinit()
        brian2.device.activate(build_on_run=False)
        prefs.codegen.loop_invariant_optimisations = True  # Brian2's default
        prefs.devices.cpp_standalone.openmp_threads = 0
        # Brian2's default "make -j" starts one compiler per file at once.
        prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{os.cpu_count() or 1}"]
        # Linking with -ffast-math sets flush-to-zero: traces and conductances
        # that decay between spikes would otherwise spend most of their time as
        # denormal numbers (below 1e-308), which the CPU handles 10-100x slower
        # (the chunks got slower and slower without it).
        prefs.codegen.cpp.extra_link_args = ["-ffast-math"]
        # GCC ignores ``__restrict`` on the local pointer copies that Brian2's
        # templates make, so it vectorises a loop only behind run-time overlap
        # checks, and gives up beyond 10 of them: the excitatory state update
        # (eight arrays) stayed scalar. Allowing more checks vectorises it.
        # And glibc declares its vector exp()/log() (libmvec) only when
        # __FAST_MATH__ is defined, which Brian2's -fno-finite-math-only turns
        # off: exponential Euler's exp() per neuron and step stayed scalar.
        # Defining the macro enables those declarations and nothing else that
        # the generated code uses (the C++ library checks it only in <complex>).
        args = list(prefs.codegen.cpp.extra_compile_args_gcc)
        for flag in _VECTOR_FLAGS:  # one word each: Brian2 drops flags it cannot test alone
            if flag not in args:
                args.append(flag)
        prefs.codegen.cpp.extra_compile_args_gcc = args

    def _clock(self) -> brian2.Clock | None:
        """The network's clock (None: `build_network`'s own named clock)."""
        return None

    def _seed_statement(self, seed_value: str) -> str:
        """C++ run after the command-line values are set: seed this chunk's generator."""
        return f"brian::_random_generators[0].seed((unsigned long) {seed_value});"

    def _run(self, values: dict, seed: int) -> ChunkResult:
        device = brian2.device
        run_args = dict(self._state_items(values))
        run_args[self._built.stim] = values["stim"]
        run_args[self._built.controller.rng_seed] = float(seed)
        self._delay = np.asarray(values["state"]["input_to_exc.delay"], dtype=float)
        # Brian2 writes the run's arguments into the shared build folder under
        # names that are hashes of their contents, so two processes using the
        # same build (sharded passes, sweeps) can write and read the same file.
        # Each run holds a shared lock from writing its files until its binary
        # has read them; files are only deleted under the exclusive lock, i.e.
        # when no other run of this build is in progress (else the next one does).
        try:
            with self._lock.read_lock():
                device.run(
                    directory=str(self.build_dir),
                    results_directory=self._results,
                    with_output=False,
                    run_args=run_args,
                )
        except RuntimeError as err:  # the binary failed or was killed
            raise SimulationError(
                f"the compiled simulation stopped ({err}); the last checkpoint is kept: "
                "continue with 'stdp resume RUN_DIR'"
            ) from None
        finally:
            _remove_run_args(self.build_dir, self._lock)
        _check_binary_output(Path(device.results_dir) / "stdout.txt")
        return self._collect(float(device._last_run_time))

    def close(self) -> None:
        if self.closed:  # closed already (by a newer engine): the device is no longer ours
            return
        super().close()
        self._lock.close()
        shutil.rmtree(self.build_dir / self._results, ignore_errors=True)
        brian2.get_device().__dict__.pop("write_static_arrays", None)
        brian2.device.reinit()
        brian2.set_device("runtime")


class CudaStandaloneEngine(StandaloneEngine):
    """Brian2CUDA's ``cuda_standalone``: the same network and protocol on an NVIDIA GPU.

    Needs the ``brian2cuda`` package, the CUDA toolkit (``nvcc``) and a GPU.
    Each brian2cuda release pins one Brian2 version (1.0b1: Brian2 2.10.1,
    whose wheels need Python >= 3.12), so it is installed into its own environment:
    ``pip install brian2cuda`` there, then ``device = "cuda_standalone"``.
    Three workarounds for brian2cuda 1.0b1 (without them the network does not
    compile): the network runs on ``defaultclock`` (`_clock`), loop-invariant
    optimisation is off (`_select_device`), and the code is compiled as C++17
    (`_adjust_sources`); and the GCC-only flags of a CPU engine earlier in the
    process are dropped (`_drop_gcc_only_flags`). Measured on an H200, this
    device is slower than one CPU thread for the paper's network (0.48x at
    6,400 neurons, docs/results.md).
    Chunks, checkpoints and resume work as on the CPU; the Poisson input is
    drawn with cuRAND, so the random numbers (not the statistics) differ from
    a ``cpp_standalone`` run with the same seed.
    """

    device_name = "cuda_standalone"
    build_prefix = "cuda_"

    def _select_device(self) -> None:
        try:
            import brian2cuda  # noqa: F401  (registers the cuda_standalone device)
        except ImportError as err:
            raise ConfigError(
                "device: cuda_standalone needs the brian2cuda package and an NVIDIA GPU with "
                f'the CUDA toolkit (import failed: {err}); use device = "cpp_standalone" '
                "on this machine"
            ) from None
        brian2.set_device("cuda_standalone", build_on_run=False)
        brian2.device.reinit()
        brian2.device.activate(build_on_run=False)
        _drop_gcc_only_flags()
        # brian2cuda's reset template puts the scalar (loop-invariant) code and
        # the per-neuron code in one scope, so both declare ``dt`` and nvcc
        # stops ("dt" has already been declared, in the input's reset).
        prefs.codegen.loop_invariant_optimisations = False

    def _clock(self) -> brian2.Clock:
        # brian2cuda's synapse code for pathways without delays reads the
        # simulation time step from a clock named "defaultclock" (and a clock
        # named "clock" would clash with C's clock() in the generated code).
        brian2.defaultclock.dt = self.cfg["network.dt"]
        return brian2.defaultclock

    def _adjust_sources(self) -> None:
        # brian2cuda has its own spike queue on the GPU: nothing to replace.
        # Its makefile asks for C++11, but the Thrust and libcu++ headers of
        # CUDA 13 need C++17 (they stop with "#error Thrust requires at least
        # C++17"); the generated code compiles as C++17 as well.
        makefile = self.build_dir / "makefile"
        atomic_write_text(makefile, makefile.read_text().replace("-std=c++11", "-std=c++17"))

    def _seed_statement(self, seed_value: str) -> str:
        # Seeds cuRAND's host and device generators (brian2cuda's random_number_buffer).
        return f"random_number_buffer.set_seed((unsigned long long) {seed_value});"


def _drop_gcc_only_flags() -> None:
    """Take the flags that `StandaloneEngine` gives GCC out of Brian2's preferences.

    Preferences are global: after a ``cpp_standalone`` engine in the same
    process, brian2cuda would put ``-ffast-math`` on nvcc's link line (nvcc
    stops: "Unknown option '-ffast-math'") and the vectorisation flags on its
    host compiler's.
    """
    cpp = prefs.codegen.cpp
    cpp.extra_link_args = [a for a in cpp.extra_link_args if a != "-ffast-math"]
    cpp.extra_compile_args_gcc = [a for a in cpp.extra_compile_args_gcc if a not in _VECTOR_FLAGS]


def _write_static_arrays_atomically(device, directory: str) -> None:
    """Brian2's ``write_static_arrays``, but safe while other processes run the build.

    Brian2 rewrites every static array of a build (``tofile``: truncate, then
    write) each time the build is generated, and a process that reuses a
    cached build generates it again. A binary of the same build that another
    process starts at that moment reads its static arrays from the files being
    rewritten, and may get a short file: the linked-variable index arrays
    (which input neuron reads which example and rate) are then left
    uninitialised, without any message, and the input rates are garbage. The
    seeds of a sweep point and the shards of a pass start together, so the
    window is real; no result is known to have been hit by it.

    Here Brian2 writes the arrays into a scratch folder inside ``directory``;
    each file then replaces its old version with one atomic rename, and only if
    its bytes differ, so a running or starting binary sees either the old or
    the new complete file (and an up-to-date build is not touched at all).
    """
    target = Path(directory) / "static_arrays"
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory, prefix=".static_arrays_") as scratch:
        (Path(scratch) / "static_arrays").mkdir()
        type(device).write_static_arrays(device, scratch)
        for new in sorted((Path(scratch) / "static_arrays").iterdir()):
            old = target / new.name
            if old.exists() and filecmp.cmp(new, old, shallow=False):
                continue
            os.replace(new, old)


_SOURCE_SUFFIXES = (".cpp", ".h", ".hpp", ".cu", ".cuh")
#: A clock's reset in Brian2's main.cpp: ``_array_<clock>_timestep[0] = 0;`` or ``..._t[0] = 0.0;``.
_CLOCK_RESET = re.compile(r"^\s*_array_(\w+?)_(timestep\[0\] = 0|t\[0\] = 0\.0);$")


def _sources(build_dir: Path) -> dict[Path, tuple[bytes, int]]:
    """Content and modification time of every source file of a build (and its makefile)."""
    found = {}
    for path in build_dir.rglob("*"):
        if path.is_file() and (path.suffix in _SOURCE_SUFFIXES or path.name == "makefile"):
            found[path] = (path.read_bytes(), path.stat().st_mtime_ns)
    return found


def _keep_unchanged_times(build_dir: Path, before: dict[Path, tuple[bytes, int]]) -> None:
    """Give a regenerated file with the same content its old time stamp back.

    ``make`` compares time stamps: a source that Brian2 wrote again, but that
    came out the same, must not make an up-to-date build compile again.
    """
    for path, (content, mtime) in before.items():
        if path.exists() and path.stat().st_mtime_ns != mtime and path.read_bytes() == content:
            os.utime(path, ns=(mtime, mtime))


def _sort_clock_resets(main_cpp: Path) -> None:
    """Put Brian2's clock resets in main.cpp in one order (it writes them in set order).

    The order changes from one process to the next, so every process that
    loaded a cached build compiled main.cpp again. The resets are independent
    assignments; sorted by clock they read the same in every process.
    """
    if not main_cpp.exists():
        return
    lines = main_cpp.read_text().splitlines(keepends=True)
    out, run = [], []
    for line in [*lines, ""]:
        if _CLOCK_RESET.match(line.rstrip("\n")):
            run.append(line)
            continue
        if run:
            clocks: dict[str, list[str]] = {}
            for reset in run:
                clocks.setdefault(_CLOCK_RESET.match(reset.rstrip("\n")).group(1), []).append(reset)
            out.extend(reset for name in sorted(clocks) for reset in clocks[name])
            run = []
        out.append(line)
    text = "".join(out)
    if text != "".join(lines):
        main_cpp.write_text(text)


def _check_binary_output(path: Path) -> None:
    """Raise if the compiled simulation reported an error on its standard output.

    Brian2's generated code prints "Error opening static array ..." when a
    file is missing and goes on with uninitialised memory instead of stopping.
    """
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return
    errors = [line.strip() for line in text.splitlines() if line.startswith("Error")]
    if errors:
        raise SimulationError(
            f"the compiled simulation reported: {'; '.join(errors[:3])}; "
            "its results are not used (the last checkpoint is kept)"
        )


def _remove_run_args(build_dir: Path, lock: ReadWriteLock) -> None:
    """Delete the run-argument files of finished runs, if no run of this build is going on."""
    try:
        with lock.write_lock(blocking=False):
            for path in (build_dir / "static_arrays").glob("init_*"):  # files and their .lock
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
    except Timeout:
        return  # another process is running this build; a later run cleans up


def build_key(cfg: Config, n_input: int) -> str:
    """Name of the build folder: a hash of everything that enters the generated code."""
    relevant = {
        key: str(value)
        for key, value in cfg.flat().items()
        if not any(key == p or (p.endswith(".") and key.startswith(p)) for p in _NOT_IN_CODE)
        and not key.startswith("encoding.")
    }
    relevant.update(code_keys(cfg))  # only the input code's own keys
    relevant.update(
        n_input=n_input, brian2=brian2.__version__, numpy=np.__version__, engine=ENGINE_VERSION
    )
    digest = hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:16]
    return f"n{cfg['network.n_exc']}_in{n_input}_{digest}"


def make_engine(cfg: Config, n_input: int, device: str | None = None) -> Engine:
    """Create the engine for ``cfg["device"]`` (or ``device``).

    Brian2's device is one per process, so making an engine closes the
    process's shared engine (`shared_engine`), if there is one.
    """
    release_engine()
    # Brian2 names new objects "..._1" while objects of an earlier network are
    # alive, which changes the generated code and recompiles a cached build
    # (about a minute): collect the earlier network's objects first.
    gc.collect()
    device = device or cfg["device"]
    if device == "cpp_standalone":
        return StandaloneEngine(cfg, n_input)
    if device == "runtime":
        return RuntimeEngine(cfg, n_input)
    if device == "cuda_standalone":
        return CudaStandaloneEngine(cfg, n_input)
    raise ValueError(f"device: expected cpp_standalone, cuda_standalone or runtime, got {device!r}")


_SHARED: dict[str, Engine | None] = {"engine": None}


def shared_engine(cfg: Config, n_input: int) -> Engine:
    """The process's engine for ``cfg`` and ``n_input``, made (or loaded from the cache) on demand.

    Brian2's device is process-wide, so one compiled network is loaded at a
    time: asking for another closes the current one, and asking for the first
    again loads its cached build anew (about 2 s). This is what lets several
    `stdp.Network` objects live in one process.
    """
    current = current_engine(cfg, n_input)
    if current is not None:
        return current
    engine = make_engine(cfg, n_input)  # closes the current one
    _SHARED["engine"] = engine
    return engine


def current_engine(cfg: Config, n_input: int) -> Engine | None:
    """The shared engine if it is loaded and is the one for ``cfg`` and ``n_input``, else None."""
    current = _SHARED["engine"]
    if current is None or current.closed or current.n_input != n_input or current.cfg != cfg:
        return None
    return current


def release_engine() -> None:
    """Close the process's shared engine, if there is one (`shared_engine`)."""
    current, _SHARED["engine"] = _SHARED["engine"], None
    if current is not None and not current.closed:
        current.close()
