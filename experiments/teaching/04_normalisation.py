"""Lesson 4: how weight normalisation keeps the weights bounded.

What you will see
-----------------
With the paper's parameters potentiation (nu_post = 1e-2) is a hundred times
stronger than depression (nu_pre = 1e-4): left alone, STDP lets the input
weights of a neuron that fires grow and grow (up to the clip at w_max = 1),
and the neuron then fires for every input. Diehl & Cook (2015) therefore
normalise: before every presentation, each excitatory neuron's input weights
are scaled by the same factor so that they sum to a fixed total (78 for 784
MNIST pixels, 12 in the 8x8-digits demo). The *relative* weights, what the
neuron has learned, are kept; only their scale is reset. Neurons then compete
for a fixed budget of synaptic weight: a pixel can only gain what others lose.

We train a small network (10 excitatory neurons, the 8x8 digits) on its first
16 training images, once with normalisation and once without, and record
every neuron's weight sum ``wsum`` (the network keeps it up to date at every
weight change).

1. Weight sums with normalisation: they start at about 9.8 (64 weights drawn
   uniformly in [0.003, 0.303)) and are scaled to the total 12 before the
   first presentation; during each presentation STDP raises the sums of the
   neurons that fire, and before the next one they are reset to the total.
   Different neurons win different images.
2. Without normalisation the first neuron to win gains weight at every
   presentation, so it wins every following image too: its sum keeps
   growing, the other neurons never fire and never learn (flat lines).
3. The weights after training: with normalisation they stay spread below
   w_max; without, the winner's weights pile up at the clip w_max = 1.

Everything else is the network of training (`stdp.network.build_network`,
the protocol of 350 ms presentations and 150 ms rests) in Brian2's runtime
mode. Run it with::

    python experiments/teaching/04_normalisation.py [--out figures/out/teaching]
"""

from __future__ import annotations

from pathlib import Path

import brian2
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from brian2 import StateMonitor, ms

from stdp.config import load_config
from stdp.datasets import load_digits
from stdp.encoding import encode_images
from stdp.figures.run import lesson_main, save_lesson_figure
from stdp.network import cycle_duration, initial_state
from stdp.recording import prepare_network

N_EXAMPLES = 16
DIGITS_CONFIG = Path(__file__).resolve().parents[1] / "digits.toml"


def train(cfg, table: np.ndarray) -> dict[str, np.ndarray]:
    """Show every row of ``table`` with learning on; return the weight sums over time."""
    n_input = table.shape[1]
    state = initial_state(cfg, n_input, np.random.default_rng(cfg["seed"]))
    built = prepare_network(cfg, n_input, state, table, learning=True)
    sums = StateMonitor(built.exc, "wsum", record=True, dt=5 * ms, name="wsum_monitor")
    built.net.add(sums)
    brian2.seed(cfg["seed"])
    built.net.run(table.shape[0] * cycle_duration(cfg), namespace={})
    weights = np.asarray(built.input_to_exc.w[:]).reshape(n_input, cfg["network.n_exc"])
    return {
        "t": np.asarray(sums.t / ms),
        "wsum": np.asarray(sums.wsum),
        "weights": weights,
        "spikes": int(built.exc_spikes.num_spikes),
    }


def main(out_dir: Path) -> Path:
    """Simulate, plot and save ``04_normalisation.png`` in ``out_dir``."""
    matplotlib.use("Agg")  # no window: the figure goes to a file
    overrides = [
        "network.n_exc=10",
        "encoding.max_retries=0",  # every image once: both runs see the same sequence
    ]
    on = load_config(DIGITS_CONFIG, overrides)
    off = load_config(DIGITS_CONFIG, [*overrides, "normalization.enabled=false"])
    table = encode_images(load_digits().train_images[:N_EXAMPLES])

    results = {"with normalisation": train(on, table), "without": train(off, table)}
    for name, res in results.items():
        final = res["weights"].sum(axis=0)
        print(
            f"{name}: {res['spikes']} spikes; final weight sums "
            f"{final.min():.2f} .. {final.max():.2f}"
        )

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), constrained_layout=True)
    cycle_ms = float(cycle_duration(on) / ms)
    for ax, (name, res) in zip(axes[:2], results.items(), strict=True):
        ax.plot(res["t"] / cycle_ms, res["wsum"].T, lw=1)
        ax.axhline(
            float(on["normalization.total"]),
            color="k",
            ls="--",
            lw=0.8,
            label="normalisation total",
        )
        ax.set_xlabel("presentations")
        ax.set_ylabel("sum of a neuron's input weights")
        ax.set_title(f"{name} (one line per neuron)")
        ax.legend(loc="upper left")
    top = max(ax.get_ylim()[1] for ax in axes[:2])
    for ax in axes[:2]:
        ax.set_ylim(0, top)

    bins = np.linspace(0, float(on["stdp.w_max"]), 41)
    for name, res in results.items():
        axes[2].hist(res["weights"].ravel(), bins=bins, histtype="step", lw=1.5, label=name)
    axes[2].set_yscale("log")
    axes[2].set_xlabel("weight (units of the leak conductance)")
    axes[2].set_ylabel("synapses")
    axes[2].set_title(f"weights after {N_EXAMPLES} presentations")
    axes[2].legend()

    return save_lesson_figure(fig, out_dir, "04_normalisation")


if __name__ == "__main__":
    lesson_main(main, __doc__)
