"""Accuracy during training: the paper's Fig. 2C.

Neurons are labelled on one block of train.accuracy_every training examples
and scored on the next block (metrics.json, "running_accuracy").

    python figures/fig_running_accuracy.py RUN_DIR [--out DIR] [--format png,pdf]
"""

from __future__ import annotations

import sys

from _common import main

if __name__ == "__main__":
    sys.exit(main("running_accuracy", __doc__))
