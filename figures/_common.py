"""Shared command line of the figure scripts in this folder (not a figure itself).

Every ``fig_*.py`` script calls `main` with the name of its figure in
`stdp.figures.FIGURES`: it reads ``RUN_DIR`` (a results folder of
``stdp run``), draws with ``style.mplstyle`` and writes
``<out>/<name>.<format>`` (default ``RUN_DIR/figures``). Bad input ends with a
one-line error and exit status 2, as on the ``stdp`` command line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import style  # noqa: E402

from stdp.errors import StdpError  # noqa: E402
from stdp.figures import FORMATS, make_figures  # noqa: E402

#: The style of every figure (the same values as `stdp.figures.STYLE`).
STYLE_FILE = Path(__file__).with_name("style.mplstyle")


def parser(doc: str) -> argparse.ArgumentParser:
    """The command line of a figure script: ``RUN_DIR [--out DIR] [--format png,pdf]``."""
    summary, _, details = doc.strip().partition("\n")
    p = argparse.ArgumentParser(
        description=summary,
        epilog=details.strip() or None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("run_dir", help="results folder written by 'stdp run'")
    p.add_argument("--out", default=None, help="output folder (default: RUN_DIR/figures)")
    p.add_argument(
        "--format",
        default="png,pdf",
        help=f"comma-separated formats, some of {','.join(FORMATS)} (default: png,pdf)",
    )
    return p


def formats(text: str) -> list[str]:
    """``"png,pdf"`` -> ``["png", "pdf"]``, checked against `stdp.figures.FORMATS`."""
    chosen = [fmt.strip().lower() for fmt in text.split(",") if fmt.strip()]
    if not chosen or any(fmt not in FORMATS for fmt in chosen):
        raise StdpError(f"--format: {text!r}: use some of {', '.join(FORMATS)}")
    return chosen


def main(name: str | None, doc: str, argv: Sequence[str] | None = None) -> int:
    """Write one figure of a results folder (``name``; None: only the animation).

    Parameters
    ----------
    name : str or None
        A key of `stdp.figures.FIGURES`, or None for the receptive-field GIF.
    doc : str
        The script's docstring (the ``--help`` text).
    argv : sequence of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0, or 2 for bad input.
    """
    args = parser(doc).parse_args(argv)
    try:
        with style.context(STYLE_FILE):
            paths = make_figures(
                args.run_dir,
                args.out,
                formats(args.format),
                names=[name] if name else [],
                animation=name is None,
                style=None,
            )
    except StdpError as err:
        print(f"{Path(sys.argv[0]).name}: error: {' '.join(str(err).split())}", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0
