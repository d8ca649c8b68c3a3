"""One presentation of test example 0 to the trained network, re-simulated.

Three panels: the Poisson input raster, the excitatory raster (the neuron
shown below highlighted) and the membrane potential of the neuron that fired
most, with its firing threshold v_thresh + theta - theta_offset. The grey
band is the presentation window, then the rest period. The network is rebuilt
in Brian2's runtime mode from the checkpoint (stdp.recording). Compare the
network architecture of the paper's Fig. 1.

    python figures/fig_presentation.py RUN_DIR [--out DIR] [--format png,pdf]
"""

from __future__ import annotations

import sys

from stdp.figures import script_main

if __name__ == "__main__":
    sys.exit(script_main("presentation", __doc__))
