"""Receptive fields: the input weights of every excitatory neuron as an image tile.

Paper: Diehl & Cook (2015), Fig. 2 (the rearranged input weights of a network
trained on MNIST, 28x28 tiles); for a run on the 8x8 digits every tile is 8x8.
Neurons are laid out row by row, ceil(sqrt(n)) per row; colour map "hot_r"
from weight 0 (white) to the largest weight (black).

    python figures/fig_receptive_fields.py RUN_DIR [--out DIR] [--format png,pdf]
"""

from __future__ import annotations

import sys

from stdp.figures import script_main

if __name__ == "__main__":
    sys.exit(script_main("receptive_fields", __doc__))
