"""The figures of `stdp`: plot functions, the figures of a results folder, and their style.

- `stdp.figures.plots`: plot functions. Each takes a fitted `stdp.Network`, a
  `stdp.checkpoint.Checkpoint` or plain arrays, draws into the ``ax`` it is
  given (or a new one) and returns the axes; nothing is saved.
- `stdp.figures.run`: `make_figures` reads a results folder once and writes
  every figure (``stdp figures RUN_DIR``); `script_main` is the command line of
  the paper-figure scripts in the project's ``figures/`` folder, `lesson_main`
  and `save_lesson_figure` those of the teaching scripts in ``experiments/teaching/``.
- ``paper.mplstyle``: the one style of every figure, `STYLE`
  (``matplotlib.style.use("stdp.figures.paper")``).

Only `make_figures`, `save_figure`, `write_animation`, `script_main`,
`save_lesson_figure` and `lesson_main` write files.
"""

from . import plots, run
from .plots import *  # noqa: F403 (the names of plots.__all__)
from .run import *  # noqa: F403 (the names of run.__all__)

__all__ = [*plots.__all__, *run.__all__]
