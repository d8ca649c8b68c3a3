"""Lesson 3: winner-take-all through the inhibitory population.

What you will see
-----------------
Every excitatory neuron of the network excites one inhibitory partner
(weight w_exc_inh = 10.4), and every inhibitory neuron inhibits all
excitatory neurons *but* its partner (w_inh_exc = 17). When one excitatory
neuron fires, all the others receive a strong inhibitory conductance ``gi``
that pulls them towards E_inh = -100 mV: the first neuron to fire silences
its competitors. This lateral inhibition makes the neurons compete, so each
learns a different prototype (paper Fig. 1).

A tiny network shows it: 16 input pixels (a 4x4 image) and 4 excitatory
neurons. We give them hand-made weights: neuron 0 prefers the top row,
neuron 1 the second row, neuron 2 the first column, neuron 3 the second
column (weight 1 there, 0.05 elsewhere). Then we show three images:

* row 1 alone           -> should drive neuron 1 (and neuron 3, through one shared pixel),
* row 1 + column 1      -> a "+" that drives neurons 1 and 3 equally,
* column 0              -> should drive neuron 2 (and a little neuron 0).

Each image is shown for 350 ms, then 150 ms of rest, exactly the protocol of
training (`stdp.network.build_network`); learning is off, so the weights stay
as set. We run it twice: with the inhibition, and with ``w_inh_exc = 0``
(the inhibitory neurons still fire but reach nobody: no competition).

Left: spike rasters of the excitatory neurons. Right: spikes per neuron and
image. With inhibition one neuron takes (nearly) every spike of each image;
without it, every neuron that gets input fires.

Run it with::

    python experiments/teaching/03_lateral_inhibition.py [--out figures/out/teaching]
"""

from __future__ import annotations

from pathlib import Path

import brian2
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from brian2 import ms

from stdp.config import load_config
from stdp.figures.run import lesson_main, save_lesson_figure
from stdp.network import cycle_duration, initial_state
from stdp.recording import prepare_network

SIDE = 4  # the images are SIDE x SIDE pixels
N_EXC = 4


def preferred_weights() -> np.ndarray:
    """Input weights (n_input, n_exc): rows 0, 1 and columns 0, 1 of the image."""
    w = np.full((SIDE, SIDE, N_EXC), 0.05)
    w[0, :, 0] = 1.0  # neuron 0: top row
    w[1, :, 1] = 1.0  # neuron 1: second row
    w[:, 0, 2] = 1.0  # neuron 2: first column
    w[:, 1, 3] = 1.0  # neuron 3: second column
    return w.reshape(SIDE * SIDE, N_EXC)


def images() -> tuple[np.ndarray, list[str]]:
    """Three test images as intensities in [0, 1], one row each."""
    row1 = np.zeros((SIDE, SIDE))
    row1[1, :] = 1
    cross = row1.copy()
    cross[:, 1] = 1
    col0 = np.zeros((SIDE, SIDE))
    col0[:, 0] = 1
    table = np.stack([row1, cross, col0]).reshape(3, -1)
    return table, ["row 1", "row 1 + column 1", "column 0"]


def run(cfg, table: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Show every row of ``table`` once; return spike times (ms), neurons, counts per image."""
    state = initial_state(cfg, SIDE * SIDE, np.random.default_rng(cfg["seed"]))
    state["input_to_exc.w"] = preferred_weights().reshape(-1)  # i-major, as the network
    state["exc.wsum"] = preferred_weights().sum(axis=0)
    state["exc.v"][:] = float(cfg["exc.v_rest"])
    state["inh.v"][:] = float(cfg["inh.v_rest"])
    built = prepare_network(cfg, SIDE * SIDE, state, table, learning=False)
    brian2.seed(cfg["seed"])
    built.net.run(table.shape[0] * cycle_duration(cfg), namespace={})
    t = np.asarray(built.exc_spikes.t / ms)
    i = np.asarray(built.exc_spikes.i[:])
    cycle = (t // float(cycle_duration(cfg) / ms)).astype(int)
    counts = np.zeros((table.shape[0], N_EXC), dtype=int)
    np.add.at(counts, (cycle, i), 1)
    return t, i, counts


def main(out_dir: Path) -> Path:
    """Simulate, plot and save ``03_lateral_inhibition.png`` in ``out_dir``."""
    matplotlib.use("Agg")  # no window: the figure goes to a file
    overrides = [
        f"network.n_exc={N_EXC}",
        "encoding.max_rate=255 Hz",  # the rate of the 8x8 digits demo (few pixels, more drive)
        "encoding.max_retries=0",  # show every image once, however few spikes it evokes
    ]
    with_inh = load_config(None, overrides)
    without = load_config(None, [*overrides, "network.w_inh_exc=0.0"])
    table, names = images()

    fig, axes = plt.subplots(
        2, 2, figsize=(11, 6), constrained_layout=True, gridspec_kw={"width_ratios": [3, 1.2]}
    )
    for row, (cfg, title) in enumerate(
        [(with_inh, "with lateral inhibition"), (without, "without (w_inh_exc = 0)")]
    ):
        t, i, counts = run(cfg, table)
        print(f"{title}: spikes per image (rows) and neuron (columns)\n{counts}")
        raster, bars = axes[row]
        raster.plot(t, i, "|", ms=10, color="C3")
        for k, name in enumerate(names):
            start = k * float(cycle_duration(cfg) / ms)
            raster.axvspan(start, start + 350, color="0.93", lw=0)
            raster.text(start + 175, N_EXC - 0.4, name, ha="center", fontsize=8)
        raster.set_ylim(-0.5, N_EXC + 0.2)
        raster.set_yticks(range(N_EXC))
        raster.set_xlabel("time (ms)")
        raster.set_ylabel("excitatory neuron")
        raster.set_title(title)
        for k in range(len(names)):
            bars.bar(np.arange(N_EXC) + 0.25 * (k - 1), counts[k], width=0.25, label=names[k])
        bars.set_xticks(range(N_EXC))
        bars.set_xlabel("excitatory neuron")
        bars.set_ylabel("spikes per image")
        bars.legend(fontsize=7)

    return save_lesson_figure(fig, out_dir, "03_lateral_inhibition")


if __name__ == "__main__":
    lesson_main(main, __doc__)
