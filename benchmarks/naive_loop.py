"""The same Diehl & Cook network, run the way a naive Brian2 port runs it.

This is the baseline of ``benchmarks/throughput.py``: Brian2's runtime device
(Cython), the equation strings of `stdp.equations` and the group factories of
`stdp.network`, but the presentation protocol in Python, as most public ports
write it. For every example:

1. the weights are read out, each neuron's input weights scaled to sum to the
   normalisation total with numpy, and written back;
2. the input rates are set from the image and ``run(350 ms)`` is called;
3. the rates are set to 0 and ``run(150 ms)`` is called;
4. if the excitatory neurons fired fewer than ``encoding.min_spikes`` times in
   the 350 ms, the example is shown again with a higher rate.

Nothing here is used by the toolkit; it exists so that the benchmark can
report how much the compiled engine gains over this loop, measured in the same
invocation on the same machine.
"""

from __future__ import annotations

import time

import brian2
import numpy as np
from brian2 import Network, NeuronGroup, SpikeMonitor, second

from stdp import equations as eq
from stdp.config import Config
from stdp.network import (
    excitatory_group,
    inhibitory_group,
    initial_state,
    lateral_inhibition,
    norm_total,
    stdp_synapses,
)

#: Poisson input with its rate set from Python (what ``PoissonGroup`` does,
#: plus the presynaptic trace of the STDP rule).
NAIVE_INPUT = """
rate : Hz
dpre/dt = -pre / tau_pre : 1
"""


class NaiveLoop:
    """One Brian2 ``Network`` driven example by example from Python."""

    def __init__(self, cfg: Config, n_input: int):
        brian2.set_device("runtime")
        brian2.prefs.codegen.target = "cython"
        self.cfg = cfg
        n_exc = cfg["network.n_exc"]
        clock = brian2.Clock(dt=cfg["network.dt"], name="clock")
        state = initial_state(cfg, n_input, np.random.default_rng(cfg["seed"]))
        trace = eq.trace_operator(cfg["stdp.trace_update"])
        self.inp = NeuronGroup(
            n_input,
            NAIVE_INPUT,
            threshold="rand() < rate * dt",
            reset=eq.INPUT_RESET.format(trace=trace),
            method="exact",
            clock=clock,
            name="input",
            namespace={"tau_pre": cfg["stdp.tau_pre"]},
        )
        self.exc = excitatory_group(cfg, n_exc, clock, n_input)
        self.exc.learning = 1
        self.inh = inhibitory_group(cfg, n_exc, clock)
        self.syn = stdp_synapses(cfg, self.inp, self.exc, clock, n_input)
        self.syn.connect()
        self.syn.w = state["input_to_exc.w"]
        self.syn.delay = state["input_to_exc.delay"] * second
        e2i, i2e = lateral_inhibition(cfg, self.exc, self.inh, clock)
        self.exc.v = state["exc.v"] * brian2.volt
        self.exc.theta = state["exc.theta"] * brian2.volt
        self.inh.v = state["inh.v"] * brian2.volt
        self.spikes = SpikeMonitor(self.exc, record=False)
        self.input_spikes = SpikeMonitor(self.inp, record=False)
        self.inh_spikes = SpikeMonitor(self.inh, record=False)
        self.net = Network(
            self.inp,
            self.exc,
            self.inh,
            self.syn,
            e2i,
            i2e,
            self.spikes,
            self.input_spikes,
            self.inh_spikes,
        )
        self.total = norm_total(cfg, n_input)
        self.shape = (n_input, n_exc)
        self.presentations = 0

    def _normalize(self) -> None:
        w = np.asarray(self.syn.w[:]).reshape(self.shape)
        w *= self.total / w.sum(axis=0)
        self.syn.w[:] = w.ravel()
        self.exc.wsum = self.total

    def present(self, image: np.ndarray) -> int:
        """Show one image (values 0-1) until it evokes enough spikes; return presentations."""
        cfg = self.cfg
        rate = cfg["encoding.max_rate"]
        shown = 0
        while True:
            if cfg["normalization.enabled"]:
                self._normalize()
            before = int(self.spikes.num_spikes)
            self.inp.rate = image * rate
            self.net.run(cfg["protocol.presentation"], namespace={})
            evoked = int(self.spikes.num_spikes) - before
            self.inp.rate = 0 * brian2.Hz
            self.net.run(cfg["protocol.rest"], namespace={})
            shown += 1
            if evoked >= cfg["encoding.min_spikes"] or shown > cfg["encoding.max_retries"]:
                break
            rate = rate + cfg["encoding.retry_rate_step"]
        self.presentations += shown
        return shown


def measure_naive(cfg: Config, images: np.ndarray, n_examples: int, n_warmup: int) -> dict:
    """Examples/s of the naive loop on ``images[n_warmup : n_warmup + n_examples]``."""
    start = time.perf_counter()
    loop = NaiveLoop(cfg, images.shape[1])
    setup = time.perf_counter() - start
    start = time.perf_counter()
    for image in images[:n_warmup]:  # absorbs the Cython compilation
        loop.present(image)
    warm = time.perf_counter() - start
    monitors = (loop.input_spikes, loop.spikes, loop.inh_spikes)
    pres0 = loop.presentations
    before = [int(m.num_spikes) for m in monitors]
    start = time.perf_counter()
    for image in images[n_warmup : n_warmup + n_examples]:
        loop.present(image)
    wall = time.perf_counter() - start
    presentations = loop.presentations - pres0
    n_in, n_ex, n_ih = (int(m.num_spikes) - b for m, b in zip(monitors, before, strict=True))
    n_exc, n_input = cfg["network.n_exc"], images.shape[1]
    events = n_in * n_exc + n_ex * n_input + n_ex + n_ih * (n_exc - 1)
    return {
        "device": "naive loop",
        "n_exc": cfg["network.n_exc"],
        "examples": n_examples,
        "presentations": presentations,
        "examples_per_s": n_examples / wall,
        "presentations_per_s": presentations / wall,
        "sim_share": 1.0,
        "ns_per_event": 1e9 * wall / events if events else float("nan"),
        "events_per_presentation": events / max(presentations, 1),
        "input_spikes_per_presentation": n_in / max(presentations, 1),
        "exc_spikes_per_presentation": n_ex / max(presentations, 1),
        "setup_s": setup,
        "warmup_s": warm,
        "wall_s": wall,
    }
