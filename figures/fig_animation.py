"""Animated GIF of the receptive fields forming during training.

One frame per weight snapshot in RUN_DIR/snapshots (set train.snapshot_every
when running); a folder with fewer than two snapshots gets no animation (a
warning says so). The animated counterpart of the paper's Fig. 2 (rearranged input weights).

    python figures/fig_animation.py RUN_DIR [--out DIR]
"""

from __future__ import annotations

import sys

from stdp.figures import script_main

if __name__ == "__main__":
    sys.exit(script_main("animation", __doc__))
