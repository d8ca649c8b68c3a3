"""Every figure of a results folder, written to files (``stdp figures RUN_DIR``).

`make_figures` reads a results folder once (`load_results`: ``config.toml``,
the checkpoint through `stdp.checkpoint.Checkpoint`, ``metrics.json`` and the
weight snapshots) and writes one file per figure and format, plus an animated
GIF of the receptive fields forming during training, into ``RUN_DIR/figures``
(or ``out_dir``):

========================  ==========================================================
``receptive_fields``      input weights of every neuron (as in the paper's Fig. 2)
``theta``                 adaptive thresholds
``assignments``           neurons per class and class of each neuron (once labelled)
``confusion``             test-set confusion matrix (needs ``metrics.json``)
``running_accuracy``      accuracy during training (paper Fig. 2C)
``weight_histogram``      distribution of the input weights
``presentation``          one test example: rasters and a membrane potential
                          (re-simulated in Brian2's runtime mode, `stdp.recording`)
``stdp_window``           the learning window of the run's rule (`stdp.window`)
``receptive_fields.gif``  the receptive fields at every snapshot (``snapshots/``)
========================  ==========================================================

A local or convolutional layer (``topology.kind``, `stdp.topology`) also gets
(`FOR_KINDS`; a dense run does not):

========================  ==========================================================
``kernels``               a convolutional layer's kernels, one tile per filter
``local_fields``          each patch's filters, cropped to the patch, on the grid
                          of patches
``feature_maps``          the first test example (else labelling example): each
                          filter's spike counts on the grid of patches, beside
                          the image (counts from the checkpoint's passes)
========================  ==========================================================

Figures are drawn on `matplotlib.figure.Figure` objects (no pyplot, no GUI)
with the plot functions of `stdp.figures.plots`, in the style `STYLE` (the
package's ``paper.mplstyle``), and every file is written atomically. A figure
whose data the folder does not have yet (no ``metrics.json`` before the run
ends, fewer than two snapshots) or whose data set cannot be loaded on this
machine (the presentation) is skipped with a logged warning. `script_main`
is the command line of the scripts in the project's ``figures/`` folder;
`lesson_main` and `save_lesson_figure` are those of the teaching scripts in
``experiments/teaching/``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import math
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib.style
import numpy as np
from matplotlib.figure import Figure

from ..checkpoint import Checkpoint
from ..config import Config
from ..errors import CheckpointError, DataError, StdpError
from ..fileio import atomic_write_bytes
from ..topology import Layout, layout
from . import plots

__all__ = [
    "STYLE",
    "STYLE_FILE",
    "FORMATS",
    "FIGURES",
    "FIGSIZES",
    "FOR_KINDS",
    "figure_names",
    "Results",
    "load_results",
    "parse_formats",
    "save_figure",
    "stdp_window_figure",
    "write_animation",
    "make_figures",
    "script_main",
    "LESSON_OUT",
    "lesson_main",
    "save_lesson_figure",
]

logger = logging.getLogger(__name__)

#: The style of every figure, a package style: ``matplotlib.style.use(STYLE)``.
STYLE = "stdp.figures.paper"
#: The file behind `STYLE` (package data).
STYLE_FILE = Path(__file__).with_name("paper.mplstyle")

#: File formats `make_figures` can write (besides the GIF).
FORMATS: tuple[str, ...] = ("png", "pdf", "svg")

#: Size of each figure in inches (width, height); PNGs are this times ``savefig.dpi``.
FIGSIZES: dict[str, tuple[float, float]] = {
    "receptive_fields": (6.0, 5.4),
    "theta": (6.0, 3.5),
    "assignments": (9.0, 4.0),
    "confusion": (5.5, 4.8),
    "running_accuracy": (6.0, 3.5),
    "weight_histogram": (6.0, 3.5),
    "presentation": (7.0, 7.0),
    "stdp_window": (9.0, 4.0),
    "animation": (5.0, 4.6),
    "kernels": (5.0, 4.4),
    "local_fields": (7.0, 6.4),
    "feature_maps": (7.5, 6.0),
}


@dataclass
class Results:
    """What the figures need from a results folder, read once.

    Attributes
    ----------
    run_dir : Path
        The results folder.
    cfg : Config
        Its configuration (``config.toml``).
    checkpoint : Checkpoint
        Its checkpoint: weights, theta, image shape, assignments (None before
        labelling), running accuracy.
    metrics : dict or None
        ``metrics.json``; None before the run has finished.
    snapshots : list of (int, ndarray)
        ``(training examples seen, weights)`` of every snapshot, in order.
    """

    run_dir: Path
    cfg: Config
    checkpoint: Checkpoint
    metrics: dict[str, Any] | None = None
    snapshots: list[tuple[int, np.ndarray]] = field(default_factory=list)

    @property
    def layout(self) -> Layout:
        """The geometry of the input -> excitatory synapses (`stdp.topology`)."""
        return layout(self.cfg, self.checkpoint.n_input)

    @property
    def n_classes(self) -> int:
        """Number of classes (from the confusion matrix; 10 without one)."""
        return len((self.metrics or {}).get("confusion_matrix") or range(10))


def _one_line(err: object) -> str:
    return " ".join(str(err).split())


def _read_metrics(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        metrics = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise CheckpointError(f"{path}: not valid JSON ({_one_line(err)})") from None
    if not isinstance(metrics, dict):
        raise CheckpointError(f"{path}: expected a JSON object")
    return metrics


def _read_snapshots(folder: Path, shape: tuple[int, ...]) -> list[tuple[int, np.ndarray]]:
    snapshots = []
    for path in sorted(folder.glob("weights_*.npz")):
        try:
            with np.load(path, allow_pickle=False) as z:
                weights = np.asarray(z["weights"], dtype=float)
                examples = int(z["examples"]) if "examples" in z.files else -1
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as err:
            raise CheckpointError(f"{path}: cannot read ({_one_line(err)})") from None
        if weights.shape != shape:
            raise CheckpointError(f"{path}: expected weights of shape {shape}")
        snapshots.append((examples, weights))
    snapshots.sort(key=lambda item: item[0])
    return snapshots


def load_results(run_dir: str | Path) -> Results:
    """Read a results folder's configuration, checkpoint, metrics and snapshots.

    Parameters
    ----------
    run_dir : str or Path
        The results folder.

    Returns
    -------
    Results

    Raises
    ------
    CheckpointError
        If the folder, its ``config.toml`` or ``checkpoint.npz`` is missing,
        or any file in it is corrupt (a one-line message).
    """
    from ..recording import load_run

    cfg, checkpoint = load_run(run_dir)
    run_dir = Path(run_dir)
    return Results(
        run_dir=run_dir,
        cfg=cfg,
        checkpoint=checkpoint,
        metrics=_read_metrics(run_dir / "metrics.json"),
        snapshots=_read_snapshots(run_dir / "snapshots", checkpoint.weights.shape),
    )


# -- one function per figure: Results -> Figure (or None when the data are missing) ----------
def _figure(name: str) -> Figure:
    return Figure(figsize=FIGSIZES[name])


def figure_receptive_fields(res: Results) -> Figure:
    """Input weights of every neuron as image tiles (as in the paper's Fig. 2)."""
    fig = _figure("receptive_fields")
    ax = plots.plot_receptive_fields(res.checkpoint, ax=fig.add_subplot())
    ax.set_title(f"receptive fields of {res.checkpoint.n_exc} neurons")
    return fig


def figure_theta(res: Results) -> Figure:
    """The adaptive thresholds after training."""
    fig = _figure("theta")
    plots.plot_theta(res.checkpoint, fig.add_subplot())
    return fig


def figure_assignments(res: Results) -> Figure | None:
    """Neurons per class and the class of every neuron (None before labelling)."""
    if res.checkpoint.assignments is None:
        return None
    fig = _figure("assignments")
    plots.plot_assignments(res.checkpoint, res.n_classes, fig.subplots(1, 2))
    return fig


def figure_confusion(res: Results) -> Figure | None:
    """Confusion matrix of the test set (None without ``metrics.json``)."""
    if not res.metrics or "confusion_matrix" not in res.metrics:
        return None
    fig = _figure("confusion")
    ax = plots.plot_confusion(np.asarray(res.metrics["confusion_matrix"]), fig.add_subplot())
    ax.set_title(f"test set: accuracy {100 * res.metrics.get('accuracy', float('nan')):.1f} %")
    return fig


def figure_running_accuracy(res: Results) -> Figure | None:
    """Accuracy during training (paper Fig. 2C), from the checkpoint; None before a block."""
    history = np.asarray(res.checkpoint.train_accuracy, dtype=float).reshape(-1, 2)
    if not history.size:
        return None
    fig = _figure("running_accuracy")
    plots.plot_running_accuracy(history[:, 0], history[:, 1], fig.add_subplot())
    return fig


def figure_weight_histogram(res: Results) -> Figure:
    """Distribution of the input weights after training."""
    fig = _figure("weight_histogram")
    w_max = float(res.cfg["stdp.w_max"])
    plots.plot_weight_histogram(res.checkpoint, fig.add_subplot(), w_max=w_max)
    return fig


def figure_presentation(res: Results, example_index: int = 0) -> Figure | None:
    """One test example shown to the trained network (re-simulated, runtime mode).

    None (the figure is skipped) if the run's data set cannot be loaded here.
    """
    from ..recording import record_presentation

    try:
        rec = record_presentation(res.cfg, res.checkpoint, example_index=example_index)
    except DataError as err:
        logger.warning("no presentation figure: %s", _one_line(err))
        return None
    fig = _figure("presentation")
    axes = fig.subplots(3, 1, sharex=True, height_ratios=[2, 2, 1.5])
    plots.plot_presentation(
        (rec["input_t"], rec["input_i"]),
        (rec["exc_t"], rec["exc_i"]),
        (rec["t"], rec["v"]),
        rec["threshold"],
        axes,
        presentation=float(rec["presentation"]),
        neuron=int(rec["neuron"]),
        n_input=res.checkpoint.n_input,
        n_exc=res.checkpoint.n_exc,
    )
    fig.suptitle(
        f"test example {int(rec['example_index'])} (class {int(rec['label'])}): "
        f"{float(rec['presentation']):g} ms presentation, {float(rec['rest']):g} ms rest"
    )
    return fig


def figure_stdp_window(res: Results) -> Figure:
    """The learning window of the run's rule, simulated and in closed form."""
    return stdp_window_figure(res.cfg)


def stdp_window_figure(cfg: Config) -> Figure:
    """Simulated (markers) and closed-form (line) learning window for ``cfg``.

    Parameters
    ----------
    cfg : Config
        The configuration (``stdp.*``, ``network.dt``, ``network.method``).

    Returns
    -------
    Figure
    """
    from brian2 import ms

    from ..window import PRIMING_INTERVAL, closed_form_window, default_delta_t, stdp_window

    delta_t = default_delta_t()
    simulated = stdp_window(cfg, delta_t)
    exact = cfg["network.method"] == "exponential_euler"
    closed = closed_form_window(cfg, delta_t, discrete=not exact)
    fig = _figure("stdp_window")
    full, zoom = fig.subplots(1, 2)
    plots.plot_stdp_window(delta_t * 1e3, simulated, closed, full, title="learning window")
    nu_pre = float(cfg["stdp.nu_pre"])
    plots.plot_stdp_window(
        delta_t * 1e3, simulated, closed, zoom, title="zoom on the depression (y range ±2 nu_pre)"
    )
    zoom.set_ylim(-2 * nu_pre, 2 * nu_pre)
    if not exact:
        for ax in (full, zoom):
            ax.lines[0].set_label(f"closed form ({cfg['network.method']} steps)")
            ax.legend()
    fig.suptitle(
        f"{cfg['stdp.rule']} rule: postsynaptic doublet {float(PRIMING_INTERVAL / ms):g} ms apart, "
        "presynaptic spike Δt before the second"
    )
    return fig


def figure_kernels(res: Results) -> Figure:
    """A convolutional layer's kernels (its kernel table ``kernel.wk``)."""
    fig = _figure("kernels")
    shape = res.layout
    ax = plots.plot_kernels(res.checkpoint, shape, fig.add_subplot())
    ax.set_title(f"{shape.filters} kernels of {shape.kernel}x{shape.kernel} pixels")
    return fig


def figure_local_fields(res: Results) -> Figure:
    """Each patch's filters, cropped to the patch, on the grid of patches."""
    fig = _figure("local_fields")
    s = res.layout
    ax = plots.plot_local_fields(res.checkpoint, s, fig.add_subplot())
    ax.set_title(
        f"{s.kind} layer: {s.filters} filters at each of {s.rows}x{s.cols} patches "
        f"({s.kernel}x{s.kernel} pixels, stride {s.stride})"
    )
    return fig


def _example(cfg: Config, split: str, index: int) -> tuple[np.ndarray | None, int | None]:
    """Image and label of example ``index`` of the data set's ``split``; None if unavailable."""
    from ..datasets import load_dataset

    try:
        dataset = load_dataset(cfg["dataset.name"], idx_dir=cfg["dataset.idx_dir"] or None)
    except DataError as err:
        logger.warning("feature maps without the input image: %s", _one_line(err))
        return None, None
    images = dataset.test_images if split == "test" else dataset.train_images
    labels = dataset.test_labels if split == "test" else dataset.train_labels
    return np.asarray(images[index]), int(labels[index])


def figure_feature_maps(res: Results, example_index: int = 0) -> Figure | None:
    """One example's feature maps, beside its image.

    The spike counts of test example ``example_index`` (of the labelling
    pass, which shows training images, before the test pass has counts);
    None before either pass has counted that example.
    """
    shape = res.layout
    for name in ("test", "label"):
        counts = res.checkpoint.pass_of(name).counts
        if counts is not None and np.asarray(counts).shape[0] > example_index:
            break
    else:
        return None
    image, label = _example(res.cfg, "test" if name == "test" else "train", example_index)
    if image is not None:
        image = image.reshape(res.checkpoint.image_shape)
    fig = _figure("feature_maps")
    n_panels = shape.filters + (image is not None)
    cols = math.ceil(math.sqrt(n_panels))
    axes = fig.subplots(math.ceil(n_panels / cols), cols, squeeze=False).ravel()
    row = np.asarray(counts)[example_index]
    plots.plot_feature_maps(shape, row, image, axes, label=label)
    where = "test" if name == "test" else "labelling (training image)"
    whole = ""
    if shape.dense_filters:  # they have no place on the grid: their total in the title
        spikes = int(row[shape.n_patch :].sum())
        whole = f"; the {shape.dense_filters} whole-image neurons: {spikes} spikes"
    fig.suptitle(
        f"feature maps of {where} example {example_index}: spikes of each filter "
        f"on the {shape.rows}x{shape.cols} patches{whole}"
    )
    return fig


#: The figures `make_figures` writes, by name (``name.png``, ``name.pdf``, ...).
FIGURES: dict[str, Callable[[Results], Figure | None]] = {
    "receptive_fields": figure_receptive_fields,
    "theta": figure_theta,
    "assignments": figure_assignments,
    "confusion": figure_confusion,
    "running_accuracy": figure_running_accuracy,
    "weight_histogram": figure_weight_histogram,
    "presentation": figure_presentation,
    "stdp_window": figure_stdp_window,
    "kernels": figure_kernels,
    "local_fields": figure_local_fields,
    "feature_maps": figure_feature_maps,
}

#: Figures drawn only for some kinds of layer (``topology.kind``); the others are for every run.
FOR_KINDS: dict[str, tuple[str, ...]] = {
    "kernels": ("conv",),
    "local_fields": ("local", "conv"),
    "feature_maps": ("local", "conv"),
}


def figure_names(cfg: Config) -> list[str]:
    """The figures of `FIGURES` that a run with configuration ``cfg`` has, in order."""
    kind = cfg["topology.kind"]
    return [name for name in FIGURES if kind in FOR_KINDS.get(name, (kind,))]


def parse_formats(formats: str | Iterable[str]) -> list[str]:
    """Check file formats: ``"png,pdf"`` or ``["png", "pdf"]`` -> ``["png", "pdf"]``.

    Raises
    ------
    ValueError
        If a format is not one of `FORMATS` (or none is given).
    """
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    chosen = [fmt.strip().lower() for fmt in items if fmt.strip()]
    bad = [fmt for fmt in chosen if fmt not in FORMATS]
    if bad or not chosen:
        raise ValueError(
            f"formats: {', '.join(bad) or 'none given'}; use some of {', '.join(FORMATS)}"
        )
    return chosen


def save_figure(
    fig: Figure, stem: str | Path, formats: Iterable[str] = ("png", "pdf")
) -> list[Path]:
    """Write ``fig`` as ``stem.<format>`` for every format, each file atomically.

    Parameters
    ----------
    fig : Figure
        The figure.
    stem : str or Path
        Path without the suffix.
    formats : iterable of str, default ("png", "pdf")
        File formats (see `FORMATS`).

    Returns
    -------
    list of Path
        The files written.
    """
    paths = []
    for fmt in formats:
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt)
        paths.append(atomic_write_bytes(Path(f"{stem}.{fmt}"), buffer.getvalue()))
    return paths


def write_animation(
    snapshots: Sequence[tuple[int, np.ndarray]],
    image_shape: tuple[int, int],
    path: str | Path,
    *,
    fps: float = 2.0,
    dpi: float = 80.0,
) -> Path | None:
    """Write an animated GIF of the receptive fields at every snapshot (atomically).

    Parameters
    ----------
    snapshots : sequence of (int, ndarray)
        ``(training examples seen, weights of shape (n_input, n_exc))``, in order.
    image_shape : tuple of int
        ``(height, width)`` of an input image.
    path : str or Path
        The GIF to write.
    fps : float, default 2.0
        Frames per second.
    dpi : float, default 80.0
        Resolution of the frames (pixels per inch of `FIGSIZES` ``["animation"]``).

    Returns
    -------
    Path or None
        The file written, or None (with a logged warning) if there are fewer
        than two snapshots.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    if len(snapshots) < 2:
        logger.warning(
            "no animation: %d snapshot(s) in the results folder, need 2 or more "
            "(set train.snapshot_every)",
            len(snapshots),
        )
        return None
    vmax = max(float(np.max(w)) for _, w in snapshots) or 1.0
    fig = Figure(figsize=FIGSIZES["animation"], dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    ax = plots.plot_receptive_fields(snapshots[0][1], image_shape, fig.add_subplot(), vmax=vmax)
    frames = []
    for examples, weights in snapshots:
        ax.images[0].set_data(
            np.ma.masked_invalid(plots.receptive_field_grid(weights, image_shape))
        )
        ax.set_title(f"receptive fields after {examples} training examples")
        canvas.draw()
        frames.append(Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB"))
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=round(1000 / fps),
        loop=0,
    )
    return atomic_write_bytes(path, buffer.getvalue())


def make_figures(
    run_dir: str | Path,
    out_dir: str | Path | None = None,
    formats: Sequence[str] = ("png", "pdf"),
    *,
    names: Sequence[str] | None = None,
    animation: bool = True,
    style: str | Path | dict[str, Any] | None = STYLE,
) -> list[Path]:
    """Write every figure of a results folder (reading it once).

    Parameters
    ----------
    run_dir : str or Path
        The results folder.
    out_dir : str or Path, optional
        Where to write; default ``run_dir/figures``.
    formats : sequence of str, default ("png", "pdf")
        File formats of the still figures (see `FORMATS`).
    names : sequence of str, optional
        Only these figures of `FIGURES` (default: all of them that the run's
        layer has, `figure_names`; one its layer does not have is skipped
        with a logged warning).
    animation : bool, default True
        Also write ``receptive_fields.gif`` from ``snapshots/``.
    style : str, Path, dict or None, default `STYLE`
        Matplotlib style (a style name, ``.mplstyle`` file or rc dict) used
        via `matplotlib.style.context`; None uses the current rc parameters.

    Returns
    -------
    list of Path
        Every file written, in order.

    Raises
    ------
    CheckpointError
        If the results folder is missing or corrupt.
    ValueError
        For an unknown format or figure name.
    """
    formats = parse_formats(formats)
    unknown = [name for name in names or () if name not in FIGURES]
    if unknown:
        raise ValueError(f"names: unknown figure {', '.join(unknown)}; known: {', '.join(FIGURES)}")
    res = load_results(run_dir)
    names = figure_names(res.cfg) if names is None else list(names)
    kind = res.cfg["topology.kind"]
    out = Path(out_dir) if out_dir is not None else res.run_dir / "figures"
    written: list[Path] = []
    context = matplotlib.style.context(style) if style is not None else contextlib.nullcontext()
    with context:
        for name in names:
            if kind not in FOR_KINDS.get(name, (kind,)):
                logger.warning(
                    "skipped the %s figure: it is for %s layers, this run's is %s",
                    name,
                    " and ".join(FOR_KINDS[name]),
                    kind,
                )
                continue
            fig = FIGURES[name](res)
            if fig is None:
                logger.warning(
                    "skipped the %s figure: the results folder has no data for it yet", name
                )
                continue
            written += save_figure(fig, out / name, formats)
        if animation:
            shape = res.checkpoint.image_shape
            gif = write_animation(res.snapshots, shape, out / "receptive_fields.gif")
            if gif is not None:
                written.append(gif)
    return written


def script_main(name: str, doc: str | None = None, argv: Sequence[str] | None = None) -> int:
    """The command line of a figure script: ``RUN_DIR [--out DIR] [--format png,pdf]``.

    Writes one figure of a results folder in `STYLE` and prints the files
    written; bad input ends with a one-line error and exit status 2, as on
    the ``stdp`` command line. ``stdp_window`` also takes a TOML config
    instead of a results folder, and ``--set key=value`` overrides.

    Parameters
    ----------
    name : str
        A key of `FIGURES`, or ``"animation"`` for the receptive-field GIF.
    doc : str, optional
        The script's docstring (the ``--help`` text).
    argv : sequence of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0, or 2 for bad input.
    """
    if name not in FIGURES and name != "animation":
        raise ValueError(f"name: unknown figure {name!r}")
    summary, _, details = (
        (doc or f"Write the {name} figure of a results folder.").strip().partition("\n")
    )
    parser = argparse.ArgumentParser(
        description=summary,
        epilog=details.strip() or None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    window = name == "stdp_window"
    parser.add_argument(
        "run_dir",
        metavar="RUN_DIR" + (" | CONFIG" if window else ""),
        help="results folder written by 'stdp run'" + (", or a TOML config" if window else ""),
    )
    parser.add_argument("--out", default=None, help="output folder (default: RUN_DIR/figures)")
    parser.add_argument(
        "--format",
        default="png,pdf",
        help=f"comma-separated formats, some of {','.join(FORMATS)} (default: png,pdf)",
    )
    if window:
        parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args(argv)
    try:
        try:
            formats = parse_formats(args.format)
        except ValueError:
            raise StdpError(
                f"--format: {args.format!r}: use some of {', '.join(FORMATS)}"
            ) from None
        if window:
            paths = _window_script(Path(args.run_dir), args.overrides, args.out, formats)
        else:
            paths = make_figures(
                args.run_dir,
                args.out,
                formats,
                names=[] if name == "animation" else [name],
                animation=name == "animation",
            )
    except StdpError as err:
        print(f"{parser.prog}: error: {_one_line(err)}", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0


def _window_script(
    source: Path, overrides: list[str], out: str | None, formats: list[str]
) -> list[Path]:
    """The STDP window of a results folder's or a config file's configuration."""
    from ..config import load_config

    if source.is_dir():
        cfg = load_config(source / "config.toml", overrides)
        out_dir = Path(out) if out else source / "figures"
    else:
        cfg = load_config(source, overrides)
        out_dir = Path(out) if out else Path("figures") / "out"
    with matplotlib.style.context(STYLE):
        return save_figure(stdp_window_figure(cfg), out_dir / "stdp_window", formats)


# -- the teaching scripts (experiments/teaching/): one figure each, drawn with pyplot -------------

#: Where a teaching script writes its figure unless given ``--out``.
LESSON_OUT = Path("figures/out/teaching")


def save_lesson_figure(fig: Figure, out_dir: str | Path, name: str) -> Path:
    """Write a lesson's figure as ``out_dir/<name>.png`` at 120 dpi, close it, print the path.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure (made with `matplotlib.pyplot`; it is closed afterwards).
    out_dir : str or Path
        The folder, created if missing.
    name : str
        The file name without ``.png`` (the script's name, e.g. ``"01_single_neuron"``).

    Returns
    -------
    Path
        The file written.
    """
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"figure: {path}")
    return path


def lesson_main(
    main: Callable[[Path], Path], doc: str | None, argv: Sequence[str] | None = None
) -> Path:
    """The command line of a teaching script: ``[--out DIR]``, then ``main(DIR)``.

    Parameters
    ----------
    main : callable
        The script's ``main(out_dir) -> Path``, which draws and saves the figure.
    doc : str or None
        The script's docstring; its first line is the ``--help`` description.
    argv : sequence of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    Path
        What ``main`` returns (the figure written).
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument(
        "--out",
        type=Path,
        default=LESSON_OUT,
        help=f"folder for the figure (default: {LESSON_OUT})",
    )
    return main(parser.parse_args(argv).out)
