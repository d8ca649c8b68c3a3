"""Distribution of the trained input -> excitatory weights (log count axis).

After training most weights are close to 0 and a few, on each neuron's
preferred pixels, are large; the normalisation keeps every neuron's sum fixed.
No figure of the paper.

    python figures/fig_weight_histogram.py RUN_DIR [--out DIR] [--format png,pdf]
"""

from __future__ import annotations

import sys

from stdp.figures import script_main

if __name__ == "__main__":
    sys.exit(script_main("weight_histogram", __doc__))
