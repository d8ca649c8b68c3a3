"""The STDP learning window: weight change against delta_t = t_post - t_pre.

Simulated (markers) through the package's own synapse model, one Brian2
network with an independent pre/post pair for every delta_t from -100 ms to
+100 ms, and the closed form (line) of the rule stdp.rule selects
(stdp.window). Because the triplet rule only potentiates when the
postsynaptic neuron fired before, every pair uses the triplet protocol: a
postsynaptic doublet 20 ms apart and one presynaptic spike delta_t before the
second postsynaptic spike. The right panel zooms on the (100x weaker)
depression. No figure of the paper (the rule is Pfister & Gerstner 2006's).

    python figures/fig_stdp_window.py RUN_DIR [--out DIR] [--format png,pdf]
    python figures/fig_stdp_window.py CONFIG.toml [--set key=value ...] [--out DIR]
"""

from __future__ import annotations

import sys

from stdp.figures import script_main

if __name__ == "__main__":
    sys.exit(script_main("stdp_window", __doc__))
