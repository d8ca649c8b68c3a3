"""Adaptive thresholds: theta of every excitatory neuron after training, sorted (mV).

Each spike raised theta by exc.theta_plus while learning (the paper's
homoeostasis); neurons that won many examples have the highest thresholds.
No figure of the paper.

    python figures/fig_theta.py RUN_DIR [--out DIR] [--format png,pdf]
"""

from __future__ import annotations

import sys

from stdp.figures import script_main

if __name__ == "__main__":
    sys.exit(script_main("theta", __doc__))
