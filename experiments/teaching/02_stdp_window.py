"""Lesson 2: the STDP learning window of the Diehl & Cook (2015) synapses.

What you will see
-----------------
Spike-timing-dependent plasticity changes a weight according to the timing
of presynaptic and postsynaptic spikes. The network uses the *triplet* rule
of the original code (Pfister & Gerstner 2006). Each neuron keeps decaying
"traces" of its recent spikes, set to 1 at each spike:

* ``pre``   (input neuron, tau_pre = 20 ms),
* ``post1`` (excitatory neuron, tau_post1 = 20 ms),
* ``post2`` (excitatory neuron, tau_post2 = 40 ms).

At a presynaptic spike the weight is *depressed*:  ``w -= nu_pre * post1``.
At a postsynaptic spike it is *potentiated*:      ``w += nu_post * pre * post2``,
with post2 read just before this spike resets it. The potentiation needs an
*earlier* postsynaptic spike (post2 > 0): one isolated pre/post pair never
potentiates. So the window is measured with a postsynaptic doublet (a
"priming" spike, then the paired spike T ms later) and one presynaptic spike
delta_t = t_post - t_pre before the second postsynaptic spike.

1. The window for the paper's parameters: pre before post (delta_t > 0)
   potentiates, with the pre trace's 20 ms decay; post before pre
   (delta_t < 0) depresses, 100 times more weakly (nu_pre = 1e-4,
   nu_post = 1e-2). Markers: simulated with Brian2 through the package's
   synapse model; line: the closed form (`stdp.window`).
2. Potentiation depends on how recently the postsynaptic neuron fired
   before: the shorter the doublet interval T (the higher the postsynaptic
   rate), the stronger the potentiation, by exp(-T / tau_post2). This is the
   "triplet" in the rule: a neuron that responds strongly learns fast.
3. A zoom on the depression side. (The small kinks at delta_t = T in panel 2:
   for 0 <= delta_t < T the presynaptic spike falls between the two
   postsynaptic spikes, and the priming spike depresses it a little.)

Every delta_t is an independent pre/post pair in one network, so the whole
window is one short simulation. Run it with::

    python experiments/teaching/02_stdp_window.py [--out figures/out/teaching]
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from brian2 import ms

from stdp.config import load_config
from stdp.figures.run import lesson_main, save_lesson_figure
from stdp.window import closed_form_window, default_delta_t, stdp_window

#: Doublet intervals T compared in panel 2.
PRIMING_INTERVALS = (10 * ms, 20 * ms, 40 * ms)


def main(out_dir: Path) -> Path:
    """Simulate, plot and save ``02_stdp_window.png`` in ``out_dir``."""
    matplotlib.use("Agg")  # no window: the figure goes to a file
    # exponential_euler integrates the traces exactly, so the closed form matches to rounding
    cfg = load_config(None, ["network.method=exponential_euler"])
    delta_t = default_delta_t()  # -100 ms .. +100 ms, in seconds
    x = delta_t * 1e3  # in ms for the plots

    dw = stdp_window(cfg, delta_t)  # T = 20 ms
    closed = closed_form_window(cfg, delta_t)
    print(f"largest |simulated - closed form|: {np.max(np.abs(dw - closed)):.2e}")
    print(f"dw at delta_t = +10 ms: {dw[110]:+.2e}; at -10 ms: {dw[90]:+.2e}")

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), constrained_layout=True)

    # 1. the window
    axes[0].plot(x, closed, color="C0", label="closed form")
    axes[0].plot(x, dw, "o", color="C3", ms=3, label="simulated")
    axes[0].set_title("triplet rule, doublet interval T = 20 ms")

    # 2. the doublet interval: the postsynaptic rate gates potentiation
    for interval in PRIMING_INTERVALS:
        axes[1].plot(
            x,
            stdp_window(cfg, delta_t, priming_interval=interval),
            label=f"T = {float(interval / ms):g} ms",
        )
    axes[1].set_title("shorter postsynaptic interval, more potentiation")

    # 3. zoom on the depression
    axes[2].plot(x, closed, color="C0", label="closed form")
    axes[2].plot(x, dw, "o", color="C3", ms=3, label="simulated")
    nu_pre = float(cfg["stdp.nu_pre"])
    axes[2].set_ylim(-1.5 * nu_pre, 1.5 * nu_pre)
    axes[2].set_title("zoom: depression (post before pre)")

    for ax in axes:
        ax.axhline(0, color="0.6", lw=0.8)
        ax.axvline(0, color="0.6", lw=0.8)
        ax.set_xlabel("delta_t = t_post - t_pre (ms)")
        ax.set_ylabel("weight change dw")
        ax.legend()

    return save_lesson_figure(fig, out_dir, "02_stdp_window")


if __name__ == "__main__":
    lesson_main(main, __doc__)
