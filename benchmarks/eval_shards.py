"""Labelling + test passes in shards: one worker against two, in one invocation.

Copies a finished results folder twice, runs ``stdp evaluate`` on each copy
with the same shard size and 1 or 2 worker processes, and prints the wall
times, their ratio, and whether the spike counts are identical (they must
be: each shard starts from the trained state with its own random stream).

Usage::

    python benchmarks/eval_shards.py results/n100 --shard-size 5000 \\
        --set label.n_examples=20000 --set test.n_examples=5000
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--shard-size", type=int, default=5000)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args(argv)

    from brian2 import prefs

    from stdp.experiment import evaluate_run

    prefs.logging.file_log = False
    times, counts = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2):
            copy = Path(tmp) / f"workers{workers}"
            shutil.copytree(args.run_dir, copy, ignore=shutil.ignore_patterns("snapshots"))
            overrides = [
                *args.overrides,
                f"engine.eval_shard_size={args.shard_size}",
                f"engine.workers={workers}",
            ]
            start = time.perf_counter()
            metrics = evaluate_run(copy, overrides, stream=None)
            times[workers] = time.perf_counter() - start
            with np.load(copy / "label_counts.npz") as a, np.load(copy / "test_counts.npz") as b:
                counts[workers] = (a["counts"], b["counts"])
            print(
                f"workers={workers}: {times[workers]:.1f} s "
                f"({metrics['n_label']} labelling + {metrics['n_test']} test examples), "
                f"accuracy {100 * metrics['accuracy']:.2f} %",
                flush=True,
            )
    same = all(np.array_equal(a, b) for a, b in zip(counts[1], counts[2], strict=True))
    print(f"speed-up with 2 workers: {times[1] / times[2]:.2f}x; identical counts: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
