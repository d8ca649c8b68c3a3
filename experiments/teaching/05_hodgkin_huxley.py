"""Lesson 5: the Hodgkin-Huxley model, where spikes come from ion channels.

What you will see
-----------------
The network's neurons *declare* a spike when v crosses a threshold and reset
v by hand. Hodgkin & Huxley (1952) explained the spike of the squid giant axon
itself, with a sodium current that activates fast (m) and inactivates slowly
(h) and a potassium current that activates slowly (n)::

    C_m dv/dt = g_leak (E_leak - v) + g_Na m^3 h (E_Na - v) + g_K n^4 (E_K - v) + I
    dx/dt = alpha_x(v) (1 - x) - beta_x(v) x      for x = m, h, n

(`stdp.models.MODELS["hh"]`, parameters of 1 cm^2 of membrane in the schema's
``exc.hh`` section). Its sodium gates open within about 0.1 ms, so it needs a
time step of 0.01-0.025 ms, 20-50 times smaller than the network's 0.5 ms
(the network refuses ``exc.model = "hh"`` unless ``network.dt`` is that small).

1. The action potential: a 1 ms current pulse; v rises to about +40 mV,
   falls below rest (the after-hyperpolarisation, while n is still open) and
   recovers; m, h and n show why.
2. The f-I curve for long current steps: no repetitive firing below about
   6.2 uA/cm^2, then at once about 50 Hz (a "type II" neuron; an integrate-and-
   fire neuron starts at 0 Hz).
3. Refractoriness: a second pulse after a first one; the current it needs to
   make a spike, relative to the first, is very large right after a spike
   (absolute refractoriness) and falls back over about 15 ms (relative
   refractoriness).

Run it with::

    python experiments/teaching/05_hodgkin_huxley.py [--out figures/out/teaching]

It runs in Brian2's runtime mode (numpy code, no compiler) in about a minute.
"""

from __future__ import annotations

from pathlib import Path

import brian2
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from brian2 import Network, SpikeMonitor, StateMonitor, TimedArray, mS, ms, mV, uA

from stdp.figures.run import lesson_main, save_lesson_figure
from stdp.models import hh_neuron

#: Time step of every simulation here.
DT = 0.025 * ms
#: Leak conductance of the model (1 cm^2): the drive is V_ext = I / G_LEAK.
G_LEAK = 0.3 * mS
#: Step currents of the f-I curve (uA per cm^2).
CURRENTS = np.arange(0.0, 20.1, 1.0)
#: Intervals between the two pulses of the refractoriness experiment (ms).
INTERVALS = np.array([3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0, 30.0])


def drive(group, currents: np.ndarray, dt: brian2.Quantity) -> None:
    """Inject ``currents`` (uA, shape (n_steps, n_neurons)) into ``group``, one row per step."""
    group.namespace["I_in"] = TimedArray(currents * uA, dt=dt)
    group.namespace["g_in"] = G_LEAK
    group.run_regularly("V_ext = I_in(t, i) / g_in", when="start", name="inject")


def action_potential(amplitude: float = 10.0, width: float = 1.0) -> dict[str, np.ndarray]:
    """v, m, h, n of one neuron; a pulse of ``amplitude`` uA/cm^2 for ``width`` ms at 5 ms."""
    duration = 30 * ms
    t = np.arange(int(round(float(duration / DT)))) * float(DT / ms)
    group = hh_neuron(1, dt=DT)
    drive(group, (amplitude * ((t >= 5) & (t < 5 + width)))[:, None], DT)
    states = StateMonitor(group, ["v", "m", "h", "n"], record=True)
    Network(group, states).run(duration, namespace={})
    return {
        "t": states.t / ms,
        "v": states.v[0] / mV,
        "m": states.m[0],
        "h": states.h[0],
        "n": states.n[0],
    }


def f_i_curve(currents: np.ndarray = CURRENTS, duration=300 * ms, skip=100 * ms) -> np.ndarray:
    """Firing rate (Hz) after the first ``skip`` of a step of each current (uA/cm^2)."""
    group = hh_neuron(len(currents), dt=DT)
    group.V_ext = currents * uA / G_LEAK
    spikes = SpikeMonitor(group)
    Network(group, spikes).run(duration, namespace={})
    late = spikes.t >= skip
    counts = np.bincount(spikes.i[late], minlength=len(currents))
    return counts / float(duration - skip)


def second_pulse_threshold(
    intervals: np.ndarray = INTERVALS, amplitudes: np.ndarray | None = None, width: float = 0.5
) -> tuple[np.ndarray, float]:
    """The smallest amplitude of a second pulse that fires, for each interval after the first.

    Returns ``(thresholds, first)``: the second pulse's threshold (uA/cm^2, ``inf`` if none of
    ``amplitudes`` fires) for each interval, and the threshold of a single pulse.
    """
    amplitudes = np.arange(2.0, 80.1, 2.0) if amplitudes is None else amplitudes
    duration = 5 + float(intervals.max()) + 15
    t = np.arange(int(round(duration / float(DT / ms)))) * float(DT / ms)
    first_pulse = 40.0 * ((t >= 5) & (t < 5 + width))  # well above threshold: one spike
    # one neuron per (interval, amplitude), plus one per amplitude alone for the single pulse
    columns = []
    for interval in intervals:
        for a in amplitudes:
            columns.append(first_pulse + a * ((t >= 5 + interval) & (t < 5 + interval + width)))
    for a in amplitudes:
        columns.append(a * ((t >= 5) & (t < 5 + width)))
    group = hh_neuron(len(columns), dt=DT)
    drive(group, np.stack(columns, axis=1), DT)
    spikes = SpikeMonitor(group)
    Network(group, spikes).run(duration * ms, namespace={})
    counts = np.bincount(spikes.i[:], minlength=len(columns))
    n_amp = len(amplitudes)
    thresholds = np.full(len(intervals), np.inf)
    for k in range(len(intervals)):
        fired = np.nonzero(counts[k * n_amp : (k + 1) * n_amp] >= 2)[0]
        if len(fired):
            thresholds[k] = amplitudes[fired[0]]
    single = np.nonzero(counts[len(intervals) * n_amp :] >= 1)[0]
    return thresholds, float(amplitudes[single[0]]) if len(single) else np.inf


def main(out_dir: Path) -> Path:
    """Simulate, plot and save ``05_hodgkin_huxley.png`` in ``out_dir``."""
    matplotlib.use("Agg")  # no window: the figure goes to a file
    brian2.set_device("runtime")
    brian2.prefs.codegen.target = "numpy"

    ap = action_potential()
    rates = f_i_curve()
    thresholds, single = second_pulse_threshold()
    onset = CURRENTS[np.argmax(rates > 0)] if np.any(rates > 0) else np.nan
    print(
        f"spike peak {ap['v'].max():.1f} mV ({ap['v'].max() - ap['v'][0]:.1f} mV above rest), "
        f"repetitive firing from {onset:g} uA/cm^2 at {rates[rates > 0].min():.0f} Hz, "
        f"single-pulse threshold {single:g} uA/cm^2"
    )

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), constrained_layout=True)
    ax = axes[0]
    ax.plot(ap["t"], ap["v"], color="k", label="v")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("v (mV)")
    ax.set_title("action potential (1 ms pulse of 10 uA/cm^2)")
    gates = ax.twinx()
    for name in ("m", "h", "n"):
        gates.plot(ap["t"], ap[name], lw=1, label=name)
    gates.set_ylabel("gating variable")
    gates.legend(loc="upper right")

    axes[1].plot(CURRENTS, rates, "o-", ms=3)
    axes[1].set_xlabel("step current (uA/cm^2)")
    axes[1].set_ylabel("firing rate (Hz)")
    axes[1].set_title("f-I curve: a jump to about 50 Hz")

    finite = np.isfinite(thresholds)
    axes[2].plot(INTERVALS[finite], thresholds[finite] / single, "o-", ms=3)
    axes[2].axhline(1.0, color="0.6", lw=0.8)
    axes[2].set_yscale("log")
    axes[2].set_xlabel("interval after a spike (ms)")
    axes[2].set_ylabel("threshold of a second pulse / first")
    axes[2].set_title("refractoriness")
    return save_lesson_figure(fig, out_dir, "05_hodgkin_huxley")


if __name__ == "__main__":
    lesson_main(main, __doc__)
