"""Neuron assignments: how many neurons each class has, and the class of each neuron.

Neurons are labelled with the class of their highest mean response in the
labelling pass (paper §2.6); neurons that never fired are unassigned (-1,
grey). The grid has the layout of the receptive-field figure. No figure of
the paper.

    python figures/fig_assignments.py RUN_DIR [--out DIR] [--format png,pdf]
"""

from __future__ import annotations

import sys

from stdp.figures import script_main

if __name__ == "__main__":
    sys.exit(script_main("assignments", __doc__))
