"""Every figure of a results folder, written to files (``stdp figures RUN_DIR``).

`make_figures` reads a results folder (see `stdp.experiment`) and writes one
file per figure and format, plus an animated GIF of the receptive fields
forming during training, into ``RUN_DIR/figures`` (or ``out_dir``):

========================  ==========================================================
``receptive_fields``      input weights of every neuron (as in the paper's Fig. 2)
``theta``                 adaptive thresholds
``assignments``           neurons per class and class of each neuron
``confusion``             test-set confusion matrix (needs ``metrics.json``)
``running_accuracy``      accuracy during training (paper Fig. 2C; needs ``metrics.json``)
``weight_histogram``      distribution of the input weights
``presentation``          one test example: rasters and a membrane potential
                          (re-simulated in Brian2's runtime mode, `stdp.recording`)
``stdp_window``           the learning window of the run's rule (`stdp.window`)
``receptive_fields.gif``  the receptive fields at every snapshot (``snapshots/``)
========================  ==========================================================

Figures are drawn on `matplotlib.figure.Figure` objects (no pyplot, no GUI),
with the rc parameters of `STYLE` (the same as ``figures/style.mplstyle``),
and every file is written atomically (a temporary name in the same folder,
then `os.replace`). A figure whose data the folder does not have yet (no
``metrics.json`` before the run ends, fewer than two snapshots) or whose data
set cannot be loaded on this machine (the presentation) is skipped with a
logged warning.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from . import plotting
from .config import Config
from .errors import CheckpointError, ConfigError, DataError
from .fileio import atomic_write_bytes

__all__ = [
    "STYLE",
    "FORMATS",
    "FIGURES",
    "FIGSIZES",
    "Results",
    "load_results",
    "save_figure",
    "write_animation",
    "make_figures",
]

logger = logging.getLogger(__name__)

#: rc parameters of every figure (``figures/style.mplstyle`` holds the same values).
STYLE: dict[str, Any] = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "standard",
    "figure.constrained_layout.use": True,
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.labelsize": 9.0,
    "xtick.labelsize": 8.0,
    "ytick.labelsize": 8.0,
    "legend.fontsize": 8.0,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "image.interpolation": "nearest",
    "pdf.fonttype": 42,
}

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
}


@dataclass
class Results:
    """What the figures need from a results folder (arrays, no paths to open later).

    Attributes
    ----------
    run_dir : Path
        The results folder.
    cfg : Config
        Its configuration.
    weights : ndarray, shape (n_input, n_exc)
        Trained input weights.
    theta : ndarray, shape (n_exc,)
        Adaptive thresholds (volt).
    image_shape : tuple of int
        ``(height, width)`` of an input image.
    assignments : ndarray or None
        Class of each neuron (-1: unassigned); None before labelling.
    metrics : dict or None
        ``metrics.json``; None before the run has finished.
    snapshots : list of (int, ndarray)
        ``(training examples seen, weights)`` of every snapshot, in order.
    n_classes : int
        Number of classes (10 for the built-in data sets).
    """

    run_dir: Path
    cfg: Config
    weights: np.ndarray
    theta: np.ndarray
    image_shape: tuple[int, int]
    assignments: np.ndarray | None = None
    metrics: dict[str, Any] | None = None
    snapshots: list[tuple[int, np.ndarray]] = field(default_factory=list)
    n_classes: int = 10


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as z:
            return {key: z[key] for key in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as err:
        raise CheckpointError(f"{path}: cannot read ({_one_line(err)})") from None


def _one_line(err: object) -> str:
    return " ".join(str(err).split())


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
        or any file in it is corrupt.
    """
    from .experiment import load_checkpoint

    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise CheckpointError(f"{run_dir}: no such results folder")
    try:
        cfg, ck = load_checkpoint(run_dir)
    except ConfigError as err:
        raise CheckpointError(f"{run_dir / 'config.toml'}: {_one_line(err)}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError) as err:
        raise CheckpointError(f"{run_dir / 'checkpoint.npz'}: cannot read ({err})") from None
    n_exc = cfg["network.n_exc"]
    weights = np.asarray(ck["state"]["input_to_exc.w"], dtype=float).reshape(-1, n_exc)
    theta = np.asarray(ck["state"]["exc.theta"], dtype=float)
    meta_arrays = _read_npz(run_dir / "checkpoint.npz")
    try:
        meta = json.loads(str(meta_arrays["meta"]))
        shape = tuple(int(s) for s in meta["image_shape"])
    except (KeyError, ValueError, TypeError) as err:
        raise CheckpointError(f"{run_dir / 'checkpoint.npz'}: bad meta data ({err})") from None
    if len(shape) != 2 or shape[0] * shape[1] != weights.shape[0]:
        raise CheckpointError(
            f"{run_dir / 'checkpoint.npz'}: image shape {shape} does not match "
            f"{weights.shape[0]} inputs"
        )
    metrics = None
    metrics_path = run_dir / "metrics.json"
    if metrics_path.exists():
        try:
            metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as err:
            raise CheckpointError(f"{metrics_path}: not valid JSON ({_one_line(err)})") from None
        if not isinstance(metrics, dict):
            raise CheckpointError(f"{metrics_path}: expected a JSON object")
    n_classes = 10
    if metrics and "confusion_matrix" in metrics:
        n_classes = len(metrics["confusion_matrix"])
    snapshots = []
    for path in sorted((run_dir / "snapshots").glob("weights_*.npz")):
        arrays = _read_npz(path)
        if "weights" not in arrays or arrays["weights"].shape != weights.shape:
            raise CheckpointError(f"{path}: expected weights of shape {weights.shape}")
        snapshots.append((int(arrays.get("examples", -1)), np.asarray(arrays["weights"], float)))
    snapshots.sort(key=lambda item: item[0])
    assignments = ck.get("assignments")
    return Results(
        run_dir=run_dir,
        cfg=cfg,
        weights=weights,
        theta=theta,
        image_shape=(shape[0], shape[1]),
        assignments=None if assignments is None else np.asarray(assignments, dtype=int),
        metrics=metrics,
        snapshots=snapshots,
        n_classes=n_classes,
    )


# -- one function per figure: Results -> Figure (or None when the data are missing) ----------
def _figure(name: str) -> Figure:
    return Figure(figsize=FIGSIZES[name])


def figure_receptive_fields(res: Results) -> Figure:
    """Input weights of every neuron as image tiles (as in the paper's Fig. 2)."""
    fig = _figure("receptive_fields")
    ax = fig.add_subplot()
    plotting.plot_receptive_fields(res.weights, res.image_shape, ax)
    ax.set_title(f"receptive fields of {res.weights.shape[1]} neurons")
    return fig


def figure_theta(res: Results) -> Figure:
    """The adaptive thresholds after training."""
    fig = _figure("theta")
    plotting.plot_theta(res.theta, fig.add_subplot())
    return fig


def figure_assignments(res: Results) -> Figure | None:
    """Neurons per class and the class of every neuron."""
    if res.assignments is None:
        return None
    fig = _figure("assignments")
    plotting.plot_assignments(res.assignments, res.n_classes, fig.subplots(1, 2))
    return fig


def figure_confusion(res: Results) -> Figure | None:
    """Confusion matrix of the test set."""
    if not res.metrics or "confusion_matrix" not in res.metrics:
        return None
    fig = _figure("confusion")
    ax = fig.add_subplot()
    plotting.plot_confusion(np.asarray(res.metrics["confusion_matrix"]), ax)
    ax.set_title(f"test set: accuracy {100 * res.metrics.get('accuracy', float('nan')):.1f} %")
    return fig


def figure_running_accuracy(res: Results) -> Figure | None:
    """Accuracy during training (paper Fig. 2C)."""
    history = (res.metrics or {}).get("running_accuracy") or []
    if not history:
        return None
    fig = _figure("running_accuracy")
    plotting.plot_running_accuracy(
        [h["examples"] for h in history], [h["accuracy"] for h in history], fig.add_subplot()
    )
    return fig


def figure_weight_histogram(res: Results) -> Figure:
    """Distribution of the input weights after training."""
    fig = _figure("weight_histogram")
    plotting.plot_weight_histogram(
        res.weights, fig.add_subplot(), w_max=float(res.cfg["stdp.w_max"])
    )
    return fig


def figure_presentation(res: Results, example_index: int = 0) -> Figure | None:
    """One test example shown to the trained network (re-simulated, runtime mode).

    None (the figure is skipped) if the run's data set cannot be loaded here.
    """
    from .recording import record_presentation

    try:
        rec = record_presentation(res.run_dir, example_index=example_index)
    except DataError as err:
        logger.warning("no presentation figure: %s", _one_line(err))
        return None
    fig = _figure("presentation")
    axes = fig.subplots(3, 1, sharex=True, height_ratios=[2, 2, 1.5])
    plotting.plot_presentation(
        (rec["input_t"], rec["input_i"]),
        (rec["exc_t"], rec["exc_i"]),
        (rec["t"], rec["v"]),
        rec["threshold"],
        axes,
        presentation=float(rec["presentation"]),
        neuron=int(rec["neuron"]),
        n_input=res.weights.shape[0],
        n_exc=res.weights.shape[1],
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

    from .window import PRIMING_INTERVAL, closed_form_window, default_delta_t, stdp_window

    delta_t = default_delta_t()
    simulated = stdp_window(cfg, delta_t)
    exact = cfg["network.method"] == "exponential_euler"
    closed = closed_form_window(cfg, delta_t, discrete=not exact)
    fig = _figure("stdp_window")
    full, zoom = fig.subplots(1, 2)
    plotting.plot_stdp_window(delta_t * 1e3, simulated, closed, full, title="learning window")
    nu_pre = float(cfg["stdp.nu_pre"])
    plotting.plot_stdp_window(
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
}


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
    """Write an animated GIF of the receptive fields at every snapshot.

    Parameters
    ----------
    snapshots : sequence of (int, ndarray)
        ``(training examples seen, weights of shape (n_input, n_exc))``, in order.
    image_shape : tuple of int
        ``(height, width)`` of an input image.
    path : str or Path
        The GIF to write (atomically).
    fps : float, default 2.0
        Frames per second.
    dpi : float, default 80.0
        Resolution of the frames.

    Returns
    -------
    Path or None
        The file written, or None (with a logged warning) if there are fewer
        than two snapshots.
    """
    from matplotlib.animation import FuncAnimation, PillowWriter

    path = Path(path)
    if len(snapshots) < 2:
        logger.warning(
            "no animation: %d snapshot(s) in the results folder, need 2 or more "
            "(set train.snapshot_every)",
            len(snapshots),
        )
        return None
    vmax = max(float(np.max(w)) for _, w in snapshots) or 1.0
    fig = _figure("animation")
    ax = fig.add_subplot()
    plotting.plot_receptive_fields(snapshots[0][1], image_shape, ax, vmax=vmax)
    image = ax.images[0]

    def update(k: int):
        examples, weights = snapshots[k]
        grid = plotting.receptive_field_grid(weights, image_shape)
        image.set_data(np.ma.masked_invalid(grid))
        ax.set_title(f"receptive fields after {examples} training examples")
        return (image,)

    update(0)
    animation = FuncAnimation(fig, update, frames=len(snapshots), blit=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp.gif", dir=path.parent)
    os.close(fd)
    try:
        animation.save(tmp, writer=PillowWriter(fps=fps), dpi=dpi)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


def make_figures(
    run_dir: str | Path,
    out_dir: str | Path | None = None,
    formats: Sequence[str] = ("png", "pdf"),
    *,
    names: Sequence[str] | None = None,
    animation: bool = True,
    style: str | Path | dict[str, Any] | None = STYLE,
) -> list[Path]:
    """Write every figure of a results folder.

    Parameters
    ----------
    run_dir : str or Path
        The results folder.
    out_dir : str or Path, optional
        Where to write; default ``run_dir/figures``.
    formats : sequence of str, default ("png", "pdf")
        File formats of the still figures (see `FORMATS`).
    names : sequence of str, optional
        Only these figures of `FIGURES` (default: all of them).
    animation : bool, default True
        Also write ``receptive_fields.gif`` from ``snapshots/``.
    style : dict, str, Path or None, default `STYLE`
        Matplotlib style (rc dict or ``.mplstyle`` file) used via
        `matplotlib.style.context`; None uses the current rc parameters.

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
    formats = [fmt.strip().lower() for fmt in formats if fmt.strip()]
    bad = [fmt for fmt in formats if fmt not in FORMATS]
    if bad:
        raise ValueError(f"formats: {', '.join(bad)} not one of {', '.join(FORMATS)}")
    names = list(FIGURES) if names is None else list(names)
    unknown = [name for name in names if name not in FIGURES]
    if unknown:
        raise ValueError(f"names: unknown figure {', '.join(unknown)}; known: {', '.join(FIGURES)}")
    res = load_results(run_dir)
    out = Path(out_dir) if out_dir is not None else res.run_dir / "figures"
    written: list[Path] = []
    context = matplotlib.style.context(style) if style is not None else contextlib.nullcontext()
    with context:
        for name in names:
            fig = FIGURES[name](res)
            if fig is None:
                logger.warning(
                    "skipped the %s figure: the results folder has no data for it yet", name
                )
                continue
            written += save_figure(fig, out / name, formats)
        if animation:
            gif = write_animation(res.snapshots, res.image_shape, out / "receptive_fields.gif")
            if gif is not None:
                written.append(gif)
    return written
