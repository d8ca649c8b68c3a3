"""Lesson 1: one excitatory neuron of the Diehl & Cook (2015) network.

What you will see
-----------------
The excitatory neurons of the network are leaky integrate-and-fire neurons
with *conductance-based* synapses::

    tau_m dv/dt = (v_rest - v) + ge (E_exc - v) + gi (E_inh - v)

``ge`` is the excitatory conductance in units of the leak conductance: with
``ge = 1`` the synapses pull v towards E_exc = 0 mV as strongly as the leak
pulls it towards v_rest = -65 mV. In the network ``ge`` jumps by the weight
``w`` at every input spike and decays in tau_ge = 1 ms; here we simply hold
it at a constant value to see how the neuron responds.

The neuron fires when v crosses its threshold ``v_thresh + theta -
theta_offset`` (-52 mV at the start, theta = theta_offset = 20 mV) and is
reset to v_reset = -65 mV. While the network learns, every spike raises the
*adaptive threshold* theta by theta_plus = 0.05 mV, and theta decays back
only very slowly (tau_theta = 10^7 ms, almost three hours). A neuron that
fires a lot becomes harder to excite: this homoeostasis stops a few neurons
from winning every digit.

1. The membrane potential for one constant conductance: v climbs towards its
   steady state (-65 mV / (1 + ge)), crosses the threshold, is reset, ...
2. The f-I curve: firing rate against the conductance, with theta fixed
   (``learning = 0``) and adaptive (``learning = 1``). Below ge = 0.25 the
   steady state stays under -52 mV and the neuron never fires.
3. theta over time for a few conductances: it grows by 0.05 mV per spike, so
   the neurons that fire fastest are slowed down most.

The neurons are built with the package's own factory
(`stdp.network.excitatory_group`), so these are exactly the equations the
network trains with. Run it with::

    python experiments/teaching/01_single_neuron.py [--out figures/out/teaching]

It runs in Brian2's runtime mode (numpy code, no compiler) in a few seconds.
"""

from __future__ import annotations

from pathlib import Path

import brian2
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from brian2 import Network, SpikeMonitor, StateMonitor, TimedArray, ms, mV, second

from stdp.config import load_config
from stdp.figures.run import lesson_main, save_lesson_figure
from stdp.network import excitatory_group

#: Constant excitatory conductances (units of the leak conductance), one neuron each.
CONDUCTANCES = np.linspace(0.0, 2.0, 41)
#: How long each neuron is driven.
DURATION = 2 * second


def simulate(cfg, conductances: np.ndarray, learning: int) -> dict[str, np.ndarray]:
    """Drive one neuron per conductance for DURATION; return spikes, v and theta."""
    clock = brian2.Clock(dt=cfg["network.dt"], name="clock")
    exc = excitatory_group(cfg, len(conductances), clock)
    exc.v = cfg["exc.v_rest"]
    exc.theta = cfg["exc.theta_init"]
    exc.learning = learning  # 1: theta grows at every spike; 0: theta stays fixed
    # Hold ge at a constant value: set it at the start of every time step.
    exc.namespace["g_in"] = TimedArray(conductances[None, :], dt=DURATION)
    exc.run_regularly("ge = g_in(t, i)", when="start", name="hold_ge")
    spikes = SpikeMonitor(exc)
    states = StateMonitor(exc, ["v", "theta"], record=True)  # every time step
    net = Network(exc, spikes, states)
    net.run(DURATION, namespace={})
    return {
        "rate": np.bincount(spikes.i[:], minlength=len(conductances)) / float(DURATION),
        "t": states.t / ms,
        "v": states.v / mV,
        "theta": states.theta / mV,
    }


def main(out_dir: Path) -> Path:
    """Simulate, plot and save ``01_single_neuron.png`` in ``out_dir``."""
    matplotlib.use("Agg")  # no window: the figure goes to a file
    brian2.set_device("runtime")
    brian2.prefs.codegen.target = "numpy"
    cfg = load_config(None)  # the paper's (original code's) parameters

    fixed = simulate(cfg, CONDUCTANCES, learning=0)
    adaptive = simulate(cfg, CONDUCTANCES, learning=1)
    print(
        f"rate at ge = {CONDUCTANCES[-1]:g}: {fixed['rate'][-1]:.1f} Hz with a fixed threshold, "
        f"{adaptive['rate'][-1]:.1f} Hz with the adaptive one"
    )

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), constrained_layout=True)

    # 1. membrane potential for one conductance, with the (fixed) threshold
    k = int(np.argmin(np.abs(CONDUCTANCES - 1.0)))
    show = fixed["t"] < 300
    threshold = float((cfg["exc.v_thresh"] - cfg["exc.theta_offset"]) / mV) + fixed["theta"][k]
    axes[0].plot(fixed["t"][show], fixed["v"][k][show], label="v")
    axes[0].plot(fixed["t"][show], threshold[show], "--", label="threshold")
    axes[0].set_xlabel("time (ms)")
    axes[0].set_ylabel("v (mV)")
    axes[0].set_title(f"one neuron at a constant ge = {CONDUCTANCES[k]:g}")
    axes[0].legend(loc="center right", framealpha=1.0)

    # 2. f-I curve with and without the adaptive threshold
    axes[1].plot(CONDUCTANCES, fixed["rate"], "o-", ms=3, label="theta fixed (learning = 0)")
    axes[1].plot(CONDUCTANCES, adaptive["rate"], "s-", ms=3, label="theta adaptive (learning = 1)")
    axes[1].axvline(0.25, color="0.6", lw=0.8)
    axes[1].set_xlabel("constant excitatory conductance ge (units of g_leak)")
    axes[1].set_ylabel("firing rate (Hz)")
    axes[1].set_title(f"f-I curve over {float(DURATION):g} s")
    axes[1].legend()

    # 3. theta grows with every spike
    for g in (0.5, 1.0, 2.0):
        j = int(np.argmin(np.abs(CONDUCTANCES - g)))
        axes[2].plot(
            adaptive["t"], adaptive["theta"][j] - adaptive["theta"][j][0], label=f"ge = {g:g}"
        )
    axes[2].set_xlabel("time (ms)")
    axes[2].set_ylabel("theta - theta_init (mV)")
    axes[2].set_title("adaptive threshold (+0.05 mV per spike)")
    axes[2].legend()

    return save_lesson_figure(fig, out_dir, "01_single_neuron")


if __name__ == "__main__":
    lesson_main(main, __doc__)
