"""Peak memory (max RSS) of a run: by default the N = 400 MNIST preset's first 5,000 examples.

    python benchmarks/memory.py                         # this checkout
    python benchmarks/memory.py --compare /tmp/old      # and another checkout, in the same run

Each run is a separate ``stdp run`` process into a temporary folder, which
reports its own peak resident set size (``getrusage(RUSAGE_SELF)``) as it
ends: the Python process that holds the data and the network state, not the
compiler or the compiled simulation it starts.
``--compare DIR`` runs the ``stdp`` package of another checkout (e.g. a
``git worktree`` of an older commit) with the same Python, and prints the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = [
    "experiments/diehl_cook_2015/n400.toml",
    "--set",
    "train.n_examples=5000",
    "--set",
    "label.n_examples=1000",
    "--set",
    "test.n_examples=1000",
    "--set",
    "test.presentations=1",
]


def peak_mb(source: Path, args: list[str]) -> tuple[float, str]:
    """Run ``stdp run ARGS`` with the package from ``source``; its peak RSS (MB) and accuracy."""
    env = dict(os.environ, PYTHONPATH=str(source))
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, *args, "--out", f"{out}/run"],
            cwd=source,  # "python -c" looks in the working folder first
            env=env,
            capture_output=True,
            text=True,
        )
        lines = proc.stdout.strip().splitlines()
        if proc.returncode != 0 or not lines or not lines[-1].startswith("maxrss_kb "):
            raise SystemExit(f"run failed ({source}): {proc.stderr.strip().splitlines()[-1:]}")
        accuracy = json.loads(Path(out, "run", "metrics.json").read_text())["accuracy"]
    return int(lines[-1].split()[1]) / 1024, f"test accuracy {100 * accuracy:.2f} %"


_CHILD = """
import resource, sys
from stdp.cli import main
status = main(["run", *sys.argv[1:]])
print("maxrss_kb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
sys.exit(status)
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare", type=Path, help="another checkout to measure first")
    parser.add_argument("args", nargs="*", help="arguments of 'stdp run' (default: see above)")
    opts = parser.parse_args(argv)
    args = opts.args or DEFAULT
    print("stdp run " + " ".join(args))
    other = None
    if opts.compare:
        other, line = peak_mb(opts.compare.resolve(), args)
        print(f"{opts.compare}: max RSS {other:.0f} MB ({line})")
    mine, line = peak_mb(ROOT, args)
    print(f"{ROOT}: max RSS {mine:.0f} MB ({line})")
    if other:
        print(f"ratio: {other / mine:.2f}x less memory")
    return 0


if __name__ == "__main__":
    sys.exit(main())
