"""Accuracy during training: the paper's Fig. 2C.

Neurons are labelled on one block of train.accuracy_every training examples
and scored on the next block (the checkpoint's running accuracy, also in
metrics.json as "running_accuracy"; drawn while the run is still training).

    python figures/fig_running_accuracy.py RUN_DIR [--out DIR] [--format png,pdf]
"""

from __future__ import annotations

import sys

from stdp.figures import script_main

if __name__ == "__main__":
    sys.exit(script_main("running_accuracy", __doc__))
