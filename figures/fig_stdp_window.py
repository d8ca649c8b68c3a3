"""The STDP learning window: weight change against delta_t = t_post - t_pre.

Simulated (markers) through the package's own synapse model, one Brian2
network with an independent pre/post pair for every delta_t from -100 ms to
+100 ms, and the closed form (line) of the rule stdp.rule selects
(stdp.window). Because the triplet rule only potentiates when the
postsynaptic neuron fired before, every pair uses the triplet protocol: a
postsynaptic doublet 20 ms apart and one presynaptic spike delta_t before the
second postsynaptic spike. The right panel zooms on the (100x weaker)
depression. No figure of the paper (the rule is Pfister & Gerstner 2006's).

    python figures/fig_stdp_window.py RUN_DIR [--out DIR] [--format png,pdf]
    python figures/fig_stdp_window.py CONFIG.toml [--set key=value ...] [--out DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

from _common import STYLE_FILE, formats, parser
from matplotlib import style

from stdp.config import load_config
from stdp.errors import StdpError
from stdp.figures import save_figure, stdp_window_figure


def main(argv: list[str] | None = None) -> int:
    """Write ``stdp_window.<format>`` for a results folder or a config file; return the status."""
    p = parser(__doc__)
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    args = p.parse_args(argv)
    source = Path(args.run_dir)
    try:
        if source.is_dir():
            cfg = load_config(source / "config.toml", args.overrides)
            out = Path(args.out) if args.out else source / "figures"
        else:
            cfg = load_config(source, args.overrides)
            out = Path(args.out) if args.out else Path("figures") / "out"
        with style.context(STYLE_FILE):
            paths = save_figure(stdp_window_figure(cfg), out / "stdp_window", formats(args.format))
    except StdpError as err:
        print(f"fig_stdp_window.py: error: {' '.join(str(err).split())}", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
