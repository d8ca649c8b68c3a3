"""Confusion matrix of the test set (rows: true class, columns: predicted class).

Colour: the fraction of each true class; numbers: example counts
(metrics.json, "confusion_matrix"). No figure of the paper.

    python figures/fig_confusion.py RUN_DIR [--out DIR] [--format png,pdf]
"""

from __future__ import annotations

import sys

from stdp.figures import script_main

if __name__ == "__main__":
    sys.exit(script_main("confusion", __doc__))
