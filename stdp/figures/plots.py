"""Plot functions: they take a fitted network or arrays, draw into axes, and return the axes.

Every function draws into the matplotlib ``ax`` it is given (or an array of
axes) or, without one, into a new figure made with `matplotlib.pyplot.subplots`,
and returns the axes. Nothing is saved or shown here: `stdp.figures.run` writes
the figures of a results folder, and the scripts in ``figures/`` call that.

The data come as plain arrays or as an object that holds them, by duck typing:
a fitted `stdp.Network` (``weights_``, ``theta_``, ``image_shape_``, ``config_``),
a `stdp.checkpoint.Checkpoint` (``weights``, ``theta``, ``image_shape``,
``assignments``), or anything else with those attributes.

======================  ===========================================================
`plot_receptive_fields` input weights of every neuron as an image tile (paper Fig. 2)
`plot_theta`            adaptive thresholds theta, sorted, in mV
`plot_assignments`      neurons per class and the class of each neuron
`plot_confusion`        confusion matrix of the test set
`plot_running_accuracy` accuracy during training (paper Fig. 2C)
`plot_weight_histogram` distribution of the input weights
`plot_presentation`     one presentation: rasters and one neuron's membrane potential
`plot_stdp_window`      simulated and closed-form STDP learning window
`plot_kernels`          a convolutional layer's kernels, one tile per filter
`plot_local_fields`     a local (or convolutional) layer's filters at every patch
`plot_feature_maps`     one example's spike counts as a map per filter, beside the image
======================  ===========================================================

The last three are for the local and convolutional layers of `stdp.topology`;
they find the layer's geometry (a `stdp.topology.Layout`) with `layout_of`:
from a fitted network's ``config_``, a checkpoint's configuration, or a
``Layout`` given directly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Colormap
from matplotlib.ticker import MaxNLocator

from ..topology import Layout

__all__ = [
    "fitted",
    "receptive_field_grid",
    "plot_receptive_fields",
    "plot_theta",
    "plot_assignments",
    "plot_confusion",
    "plot_running_accuracy",
    "plot_weight_histogram",
    "plot_presentation",
    "plot_stdp_window",
    "layout_of",
    "kernel_table",
    "local_field_grid",
    "feature_maps",
    "plot_kernels",
    "plot_local_fields",
    "plot_feature_maps",
]


def fitted(source: Any, name: str) -> Any:
    """The attribute ``name`` of a fitted network, a checkpoint, or ``source`` itself.

    Looks for ``source.<name>_`` (a fitted scikit-learn style estimator such
    as `stdp.Network`), then ``source.<name>`` (a `stdp.checkpoint.Checkpoint`);
    anything without either is taken to be the data (e.g. an array). An
    attribute its class defines (a property) is read even when reading it
    fails, so an unfitted network raises its own error (scikit-learn's
    ``NotFittedError``) instead of being taken for data.

    Parameters
    ----------
    source : object
        A fitted network, a checkpoint, or the data themselves.
    name : str
        ``"weights"``, ``"theta"``, ``"image_shape"``, ``"assignments"``, ...

    Returns
    -------
    object
        The value found, or ``source``.
    """
    for attribute in (f"{name}_", name):
        if hasattr(type(source), attribute) or hasattr(source, attribute):
            return getattr(source, attribute)
    return source


def _weights_and_shape(
    source: Any, image_shape: tuple[int, int] | None
) -> tuple[np.ndarray, tuple[int, int]]:
    """Weights (n_input, n_neurons) and the image shape of a network, checkpoint or array."""
    weights = np.asarray(fitted(source, "weights"), dtype=float)
    if image_shape is None:
        shape = fitted(source, "image_shape")
        if shape is source:
            raise ValueError("image_shape: required when the weights are given as an array")
        image_shape = shape
    height, width = (int(s) for s in image_shape)
    return weights, (height, width)


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _grid_shape(n: int, n_cols: int | None) -> tuple[int, int]:
    """Rows and columns of a grid of ``n`` tiles; ``ceil(sqrt(n))`` columns by default."""
    n_cols = n_cols or max(1, math.ceil(math.sqrt(n)))
    return max(1, math.ceil(n / n_cols)), n_cols


def _image_axes(ax: Axes) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def receptive_field_grid(
    network_or_weights: Any,
    image_shape: tuple[int, int] | None = None,
    n_cols: int | None = None,
    gap: int = 1,
) -> np.ndarray:
    """Arrange each neuron's input weights as an image tile in one 2-D array.

    Parameters
    ----------
    network_or_weights : Network, Checkpoint or ndarray of shape (n_input, n_neurons)
        A fitted `stdp.Network` (``weights_``, ``image_shape_``), a
        `stdp.checkpoint.Checkpoint` (``weights``, ``image_shape``), or the
        input weights; column ``j`` is neuron ``j``'s receptive field, with
        ``n_input = height * width`` in row-major pixel order.
    image_shape : tuple of int, optional
        ``(height, width)`` of one input image, e.g. ``(28, 28)`` or ``(8, 8)``;
        required with an array, default the network's or checkpoint's.
    n_cols : int, optional
        Tiles per row; default ``ceil(sqrt(n_neurons))``.
    gap : int, default 1
        Pixels of NaN between neighbouring tiles.

    Returns
    -------
    ndarray of float, shape (n_rows * (height + gap) - gap, n_cols * (width + gap) - gap)
        The mosaic; gaps and unused tiles are NaN. Neuron ``j`` is in row
        ``j // n_cols``, column ``j % n_cols``.

    Raises
    ------
    ValueError
        If the weights are not 2-D or their first axis is not ``height * width``,
        or an array comes without ``image_shape``.
    """
    weights, (height, width) = _weights_and_shape(network_or_weights, image_shape)
    if weights.ndim != 2 or weights.shape[0] != height * width:
        raise ValueError(
            f"weights: expected shape ({height * width}, n_neurons) for images of "
            f"{height}x{width}, got {weights.shape}"
        )
    n = weights.shape[1]
    n_rows, n_cols = _grid_shape(n, n_cols)
    grid = np.full((n_rows * (height + gap) - gap, n_cols * (width + gap) - gap), np.nan)
    for j in range(n):
        r, c = divmod(j, n_cols)
        y, x = r * (height + gap), c * (width + gap)
        grid[y : y + height, x : x + width] = weights[:, j].reshape(height, width)
    return grid


def plot_receptive_fields(
    network_or_weights: Any,
    image_shape: tuple[int, int] | None = None,
    ax: Axes | None = None,
    *,
    n_cols: int | None = None,
    gap: int = 1,
    cmap: str | Colormap = "hot_r",
    vmin: float = 0.0,
    vmax: float | None = None,
    colorbar: bool = True,
    title: str | None = "receptive fields (input weights)",
) -> Axes:
    """Draw every neuron's input weights as a tile shaped like an input image.

    The layout of Diehl & Cook (2015), Fig. 2: neurons in row-major order,
    ``ceil(sqrt(n))`` tiles per row.

    Parameters
    ----------
    network_or_weights, image_shape
        The weights and the image shape, as in `receptive_field_grid`.
    ax : Axes, optional
        Where to draw; default a new figure.
    n_cols : int, optional
        Tiles per row; default ``ceil(sqrt(n_neurons))``.
    gap : int, default 1
        Pixels between tiles (drawn in the background colour).
    cmap : str or Colormap, default "hot_r"
        Colour map of the weights.
    vmin : float, default 0.0
        Weight at the bottom of the colour scale.
    vmax : float, optional
        Weight at the top of the colour scale; default the largest weight.
    colorbar : bool, default True
        Add a colour bar labelled "weight".
    title : str or None, default "receptive fields (input weights)"
        Axes title (``None``: none).

    Returns
    -------
    Axes
        The axes; ``ax.images[0]`` holds the mosaic of
        `receptive_field_grid`.
    """
    grid = receptive_field_grid(network_or_weights, image_shape, n_cols=n_cols, gap=gap)
    return _draw_mosaic(_axes(ax), grid, cmap, vmin, vmax, colorbar, title)


def _draw_mosaic(
    ax: Axes,
    grid: np.ndarray,
    cmap: str | Colormap,
    vmin: float,
    vmax: float | None,
    colorbar: bool,
    title: str | None,
) -> Axes:
    """Draw a mosaic of weights (NaN gaps in white) with a "weight" colour bar."""
    cmap = matplotlib.colormaps.get_cmap(cmap).with_extremes(bad="white")
    if vmax is None:
        finite = grid[np.isfinite(grid)]
        vmax = float(finite.max()) if finite.size and finite.max() > vmin else vmin + 1.0
    image = ax.imshow(
        np.ma.masked_invalid(grid), cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest"
    )
    _image_axes(ax)
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label="weight", fraction=0.046, pad=0.04)
    return ax


def plot_theta(
    network_or_theta: Any,
    ax: Axes | None = None,
    *,
    sort: bool = True,
    unit: str = "mV",
    title: str | None = "adaptive thresholds",
) -> Axes:
    """Draw each excitatory neuron's adaptive threshold theta.

    Parameters
    ----------
    network_or_theta : Network, Checkpoint or ndarray of shape (n_neurons,)
        A fitted `stdp.Network` (``theta_``), a `stdp.checkpoint.Checkpoint`
        (``theta``), or the thresholds in volt (SI units).
    ax : Axes, optional
        Where to draw; default a new figure.
    sort : bool, default True
        Sort the neurons by theta (the x axis is then a rank).
    unit : {"mV"}, default "mV"
        Unit of the y axis (only mV is supported).
    title : str or None, default "adaptive thresholds"
        Axes title.

    Returns
    -------
    Axes
    """
    if unit != "mV":
        raise ValueError(f"unit: only 'mV' is supported, got {unit!r}")
    ax = _axes(ax)
    values = np.asarray(fitted(network_or_theta, "theta"), dtype=float) * 1e3
    order = np.argsort(values, kind="stable") if sort else np.arange(values.size)
    ax.bar(np.arange(values.size), values[order], width=1.0, color="C0")
    ax.set_xlabel("neuron (sorted by theta)" if sort else "neuron")
    ax.set_ylabel("theta (mV)")
    ax.set_xlim(-0.5, values.size - 0.5)
    if title:
        ax.set_title(title)
    return ax


def plot_assignments(
    network_or_assignments: Any,
    n_classes: int = 10,
    ax: Axes | Sequence[Axes] | None = None,
    *,
    class_names: Sequence[str] | None = None,
    n_cols: int | None = None,
) -> Axes | np.ndarray:
    """Draw how many neurons are assigned to each class, and the class of each neuron.

    Parameters
    ----------
    network_or_assignments : Network, Checkpoint or ndarray of int, shape (n_neurons,)
        An object with ``assignments_`` or ``assignments`` (a labelled
        network or `stdp.checkpoint.Checkpoint`), or the class of each
        neuron; ``-1`` marks an unassigned neuron (no spikes in the labelling
        pass).
    n_classes : int, default 10
        Number of classes.
    ax : Axes or sequence of two Axes, optional
        One Axes: the bar chart only. Two: the bar chart and the grid of
        neuron classes (laid out like `plot_receptive_fields`). Default: a new
        figure with both.
    class_names : sequence of str, optional
        Tick labels of the classes; default ``0 .. n_classes-1``.
    n_cols : int, optional
        Neurons per row in the grid; default ``ceil(sqrt(n_neurons))``.

    Returns
    -------
    Axes or ndarray of Axes
        What was passed (or the two new axes). The bar chart has one bar per
        class and, if any neuron is unassigned, a grey bar labelled
        "unassigned"; in the grid unassigned neurons are grey and marked "-".

    Raises
    ------
    ValueError
        If a class lies outside ``-1 .. n_classes-1``, or the network or
        checkpoint has no assignments (not labelled yet).
    """
    assignments = fitted(network_or_assignments, "assignments")
    if assignments is None:
        raise ValueError("assignments: none yet (the neurons have not been labelled)")
    assignments = np.asarray(assignments, dtype=int)
    if assignments.size and (assignments.min() < -1 or assignments.max() >= n_classes):
        raise ValueError(f"assignments: values must lie in -1..{n_classes - 1}")
    if ax is None:
        _, axes = plt.subplots(1, 2, figsize=(9, 4))
    elif isinstance(ax, Axes):
        axes = np.array([ax])
    else:
        axes = np.asarray(ax, dtype=object).ravel()
    names = list(class_names) if class_names is not None else [str(c) for c in range(n_classes)]
    counts = np.bincount(assignments[assignments >= 0], minlength=n_classes)
    n_unassigned = int(np.sum(assignments == -1))
    bars = axes[0]
    tab10 = matplotlib.colormaps["tab10"]
    colors = [tab10(c % 10) for c in range(n_classes)]
    bars.bar(np.arange(n_classes), counts, color=colors)
    ticks, labels = list(range(n_classes)), names
    if n_unassigned:
        bars.bar([n_classes], [n_unassigned], color="0.6")
        ticks, labels = ticks + [n_classes], labels + ["unassigned"]
    bars.set_xticks(ticks, labels, rotation=90 if n_unassigned else 0)
    bars.set_xlabel("class")
    bars.set_ylabel("neurons assigned")
    bars.yaxis.set_major_locator(MaxNLocator(integer=True))
    bars.set_title("neurons per class")
    if axes.size > 1:
        grid_ax = axes[1]
        n = assignments.size
        rows, cols = _grid_shape(n, n_cols)
        grid = np.full((rows, cols), np.nan)
        grid.flat[:n] = np.where(assignments >= 0, assignments % 10, np.nan)
        cmap = tab10.with_extremes(bad="0.85")
        grid_ax.imshow(
            np.ma.masked_invalid(grid), cmap=cmap, vmin=-0.5, vmax=9.5, interpolation="nearest"
        )
        for j, c in enumerate(assignments):
            r, col = divmod(j, cols)
            grid_ax.text(col, r, names[c] if c >= 0 else "-", ha="center", va="center", fontsize=8)
        _image_axes(grid_ax)
        grid_ax.set_title("class of each neuron (- unassigned)")
    return axes[0] if isinstance(ax, Axes) else axes


def plot_confusion(
    confusion: np.ndarray,
    ax: Axes | None = None,
    *,
    normalize: bool = True,
    class_names: Sequence[str] | None = None,
    annotate: bool = True,
    title: str | None = "confusion matrix (test set)",
) -> Axes:
    """Draw a confusion matrix (rows: true class, columns: predicted class).

    Parameters
    ----------
    confusion : ndarray of int, shape (n_classes, n_classes)
        ``confusion[t, p]`` examples of class ``t`` predicted as ``p``
        (``metrics.json``'s ``confusion_matrix``).
    ax : Axes, optional
        Where to draw; default a new figure.
    normalize : bool, default True
        Colour by the fraction of each row (each true class); the annotations
        show the counts either way.
    class_names : sequence of str, optional
        Tick labels; default ``0 .. n_classes-1``.
    annotate : bool, default True
        Write the count in every non-empty cell.
    title : str or None, default "confusion matrix (test set)"
        Axes title.

    Returns
    -------
    Axes
    """
    ax = _axes(ax)
    counts = np.asarray(confusion, dtype=float)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"confusion: expected a square matrix, got shape {counts.shape}")
    n = counts.shape[0]
    if normalize:
        totals = counts.sum(axis=1, keepdims=True)
        shown = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
        label, vmax = "fraction of the true class", 1.0
    else:
        shown, label, vmax = counts, "examples", max(float(counts.max()), 1.0)
    image = ax.imshow(shown, cmap="Blues", vmin=0.0, vmax=vmax, interpolation="nearest")
    names = list(class_names) if class_names is not None else [str(c) for c in range(n)]
    ax.set_xticks(range(n), names)
    ax.set_yticks(range(n), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if annotate:
        for t in range(n):
            for p in range(n):
                if counts[t, p]:
                    dark = shown[t, p] > 0.6 * vmax
                    ax.text(
                        p,
                        t,
                        f"{int(counts[t, p])}",
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if dark else "black",
                    )
    ax.figure.colorbar(image, ax=ax, label=label, fraction=0.046, pad=0.04)
    if title:
        ax.set_title(title)
    return ax


def plot_running_accuracy(
    examples: np.ndarray,
    accuracy: np.ndarray,
    ax: Axes | None = None,
    *,
    percent: bool = True,
    title: str | None = "accuracy during training",
) -> Axes:
    """Draw the running training accuracy against the number of examples seen (paper Fig. 2C).

    Parameters
    ----------
    examples : ndarray of int
        Training examples seen at the end of each scored block
        (``metrics.json``'s ``running_accuracy[*].examples``).
    accuracy : ndarray of float
        Accuracy of each block, a fraction in [0, 1].
    ax : Axes, optional
        Where to draw; default a new figure.
    percent : bool, default True
        Show the accuracy in percent.
    title : str or None, default "accuracy during training"
        Axes title.

    Returns
    -------
    Axes
    """
    ax = _axes(ax)
    x = np.asarray(examples, dtype=float)
    y = np.asarray(accuracy, dtype=float) * (100.0 if percent else 1.0)
    ax.plot(x, y, marker="o", color="C0")
    ax.set_xlabel("training examples seen")
    ax.set_ylabel("accuracy (%)" if percent else "accuracy (fraction)")
    ax.set_ylim(0, 100 if percent else 1)
    if x.size:
        ax.set_xlim(0, float(x.max()) * 1.05)
    ax.grid(True, alpha=0.3)
    if title:
        ax.set_title(title)
    return ax


def plot_weight_histogram(
    network_or_weights: Any,
    ax: Axes | None = None,
    *,
    bins: int = 50,
    w_max: float | None = None,
    log: bool = True,
    title: str | None = "input weights",
) -> Axes:
    """Draw the distribution of the input -> excitatory weights.

    Parameters
    ----------
    network_or_weights : Network, Checkpoint or ndarray
        A fitted `stdp.Network` (``weights_``), a `stdp.checkpoint.Checkpoint`
        (``weights``), or weights of any shape (flattened).
    ax : Axes, optional
        Where to draw; default a new figure.
    bins : int, default 50
        Number of bins between 0 and ``w_max``.
    w_max : float, optional
        Upper edge of the histogram; default the network's ``stdp.w_max``
        (a fitted network's ``config_``), else the largest weight (at least 1e-9).
    log : bool, default True
        Logarithmic count axis (most weights are near 0 after training).
    title : str or None, default "input weights"
        Axes title.

    Returns
    -------
    Axes
    """
    ax = _axes(ax)
    w = np.asarray(fitted(network_or_weights, "weights"), dtype=float).ravel()
    if w_max is None and hasattr(network_or_weights, "config_"):
        w_max = float(network_or_weights.config_["stdp.w_max"])
    top = w_max if w_max is not None else max(float(w.max(initial=0.0)), 1e-9)
    ax.hist(w, bins=bins, range=(0.0, top), color="C0", log=log)
    ax.set_xlabel("weight (in units of the leak conductance)")
    ax.set_ylabel("synapses")
    if title:
        ax.set_title(title)
    return ax


def plot_presentation(
    input_spikes: tuple[np.ndarray, np.ndarray],
    exc_spikes: tuple[np.ndarray, np.ndarray],
    v: tuple[np.ndarray, np.ndarray],
    theta_threshold: np.ndarray,
    ax_array: Sequence[Axes] | None = None,
    *,
    presentation: float | None = None,
    neuron: int | None = None,
    n_input: int | None = None,
    n_exc: int | None = None,
) -> np.ndarray:
    """Draw one presentation: input raster, excitatory raster and one membrane potential.

    Parameters
    ----------
    input_spikes : tuple of ndarray
        ``(times in ms, input neuron indices)``.
    exc_spikes : tuple of ndarray
        ``(times in ms, excitatory neuron indices)``.
    v : tuple of ndarray
        ``(times in ms, membrane potential in mV)`` of one excitatory neuron.
    theta_threshold : ndarray or float
        That neuron's firing threshold ``v_thresh + theta - theta_offset`` in
        mV, at the times of ``v`` (or one number).
    ax_array : sequence of three Axes, optional
        Where to draw; default a new figure with three stacked axes sharing x.
    presentation : float, optional
        End of the presentation window in ms; shaded in every panel.
    neuron : int, optional
        Index of the neuron whose potential is shown (highlighted in the
        excitatory raster and named in the legend).
    n_input, n_exc : int, optional
        Number of input / excitatory neurons; fixes the y range of the rasters.

    Returns
    -------
    ndarray of Axes
        The three axes.
    """
    if ax_array is None:
        _, axes = plt.subplots(3, 1, sharex=True, figsize=(7, 6), height_ratios=[2, 2, 1.5])
    else:
        axes = np.asarray(ax_array, dtype=object).ravel()
        if axes.size != 3:
            raise ValueError(f"ax_array: expected 3 axes, got {axes.size}")
    t_in, i_in = (np.asarray(a) for a in input_spikes)
    t_ex, i_ex = (np.asarray(a) for a in exc_spikes)
    t_v, v_mv = (np.asarray(a, dtype=float) for a in v)
    threshold = np.broadcast_to(np.asarray(theta_threshold, dtype=float), t_v.shape)
    axes[0].plot(t_in, i_in, "|", color="k", markersize=3)
    axes[0].set_ylabel("input neuron")
    if n_input is not None:
        axes[0].set_ylim(-0.5, n_input - 0.5)
    axes[0].set_title(f"input spikes ({t_in.size})")
    axes[1].plot(t_ex, i_ex, "|", color="C3", markersize=5)
    if neuron is not None:
        mine = i_ex == neuron
        axes[1].plot(t_ex[mine], i_ex[mine], "|", color="C0", markersize=8)
    axes[1].set_ylabel("excitatory neuron")
    if n_exc is not None:
        axes[1].set_ylim(-0.5, n_exc - 0.5)
    axes[1].set_title(f"excitatory spikes ({t_ex.size})")
    name = f"neuron {neuron}" if neuron is not None else "neuron"
    axes[2].plot(t_v, v_mv, color="C0", lw=1, label=f"v ({name})")
    axes[2].plot(t_v, threshold, color="C3", lw=1, ls="--", label="threshold")
    axes[2].set_ylabel("v (mV)")
    axes[2].set_xlabel("time (ms)")
    axes[2].legend(loc="lower right", fontsize=7)
    if presentation is not None:
        for a in axes:
            a.axvspan(0.0, presentation, color="0.93", zorder=0, lw=0)
        axes[0].text(
            presentation / 2,
            1.0,
            "input on",
            transform=axes[0].get_xaxis_transform(),
            ha="center",
            va="bottom",
            fontsize=7,
            color="0.4",
        )
    return axes


def plot_stdp_window(
    delta_t: np.ndarray,
    dw_simulated: np.ndarray,
    dw_closed_form: np.ndarray | None = None,
    ax: Axes | None = None,
    *,
    title: str | None = "STDP learning window",
) -> Axes:
    """Draw the weight change against ``delta_t = t_post - t_pre``.

    Parameters
    ----------
    delta_t : ndarray
        Spike-time differences in ms.
    dw_simulated : ndarray
        Simulated weight changes (markers).
    dw_closed_form : ndarray, optional
        Closed-form weight changes at the same ``delta_t`` (a line).
    ax : Axes, optional
        Where to draw; default a new figure.
    title : str or None, default "STDP learning window"
        Axes title.

    Returns
    -------
    Axes
    """
    ax = _axes(ax)
    x = np.asarray(delta_t, dtype=float)
    if dw_closed_form is not None:
        ax.plot(x, dw_closed_form, color="C0", lw=1.5, label="closed form", zorder=1)
    ax.plot(x, dw_simulated, "o", color="C3", ms=3, label="simulated (Brian2)", zorder=2)
    ax.axhline(0.0, color="0.5", lw=0.8)
    ax.axvline(0.0, color="0.5", lw=0.8)
    ax.set_xlabel("Δt = t_post - t_pre (ms)")
    ax.set_ylabel("Δw (weight change)")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


# -- local and convolutional layers (stdp.topology) ----------------------------------------------
def layout_of(source: Any, n_input: int | None = None) -> Layout:
    """The geometry of a network's input -> excitatory synapses (`stdp.topology.Layout`).

    Parameters
    ----------
    source : Layout, Network, Checkpoint or Config
        A `stdp.topology.Layout` (returned as is); a fitted `stdp.Network`
        (``config_``, ``n_features_in_``); a `stdp.checkpoint.Checkpoint`
        (its configuration, ``config``, and ``n_input``); or a
        `stdp.config.Config`, with ``n_input``.
    n_input : int, optional
        Pixels per image; default the network's or checkpoint's.

    Returns
    -------
    Layout

    Raises
    ------
    ValueError
        If the checkpoint holds no configuration (stdp 0.1) or the number of
        pixels is unknown.
    stdp.errors.ConfigError
        If the configuration's topology does not fit the images.
    """
    import tomllib

    from ..config import Config, load_config
    from ..topology import layout

    if isinstance(source, Layout):
        return source
    cfg = fitted(source, "config")
    if cfg is None:
        raise ValueError("layout: the checkpoint holds no configuration (stdp 0.1); pass a Layout")
    if isinstance(cfg, str):
        cfg = load_config(tomllib.loads(cfg))
    if not isinstance(cfg, Config):
        raise ValueError(
            f"layout: expected a Layout, a fitted network, a checkpoint or a Config, "
            f"got {type(source).__name__}"
        )
    if n_input is None:
        for name in ("n_features_in_", "n_input"):
            if hasattr(source, name):
                n_input = int(getattr(source, name))
                break
        else:
            raise ValueError("n_input: required with a Config")
    return layout(cfg, n_input)


def _sparse_layout(
    source: Any, layout: Layout | None, what: str, kinds: tuple[str, ...] = ("local", "conv")
) -> Layout:
    shape = layout_of(source if layout is None else layout)
    if shape.kind not in kinds:
        raise ValueError(
            f"{what}: needs a {' or '.join(kinds)} layer (topology.kind); this one is {shape.kind}"
        )
    return shape


def _dense_weights(source: Any, shape: Layout) -> np.ndarray:
    """The ``(n_input, n_exc)`` weight matrix of a network, checkpoint or array."""
    weights = np.asarray(fitted(source, "weights"), dtype=float)
    if weights.size != shape.n_input * shape.n_exc:
        raise ValueError(
            f"weights: expected {shape.n_input} x {shape.n_exc} values for this layer, "
            f"got shape {weights.shape}"
        )
    return weights.reshape(shape.n_input, shape.n_exc)


def kernel_table(network_or_weights: Any, layout: Layout | None = None) -> np.ndarray:
    """A convolutional layer's kernels, shape ``(filters, kernel, kernel)``.

    Parameters
    ----------
    network_or_weights : Network, Checkpoint or ndarray
        A fitted `stdp.Network` or a `stdp.checkpoint.Checkpoint`, whose
        kernel table ``kernel.wk`` (entry ``(f * kernel + a) * kernel + b``)
        is read from its state, or from the copies of filter ``f`` at patch
        (0, 0) if the state has none; or the dense weights, shape
        ``(n_input, n_exc)``, read the latter way; or the table itself, shape
        ``(filters, kernel, kernel)``, returned as a float array.
    layout : Layout, optional
        The layer; default the network's or checkpoint's (`layout_of`),
        required with weights.

    Returns
    -------
    ndarray of float, shape (filters, kernel, kernel)
        ``table[f, a, b]`` is filter ``f``'s weight on pixel ``(r * stride + a,
        c * stride + b)`` of its neuron at patch ``(r, c)``.

    Raises
    ------
    ValueError
        If the layer is not convolutional or the arrays do not fit it.
    """
    given = np.asarray(network_or_weights) if isinstance(network_or_weights, np.ndarray) else None
    if given is not None and given.ndim == 3:
        return given.astype(float)
    if given is not None and layout is None:
        raise ValueError("layout: required when the weights are given as an array")
    shape = _sparse_layout(network_or_weights, layout, "kernels", kinds=("conv",))
    state = fitted(network_or_weights, "state")
    if isinstance(state, dict) and "kernel.wk" in state:
        table = np.asarray(state["kernel.wk"], dtype=float)
        if table.size != shape.n_kernel:
            raise ValueError(f"kernel.wk: expected {shape.n_kernel} entries, got {table.size}")
        return table.reshape(shape.filters, shape.kernel, shape.kernel)
    return shape.kernel_of(_dense_weights(network_or_weights, shape))


def local_field_grid(
    network_or_weights: Any,
    layout: Layout | None = None,
    *,
    n_cols: int | None = None,
    gap: int = 1,
    location_gap: int = 3,
) -> np.ndarray:
    """Every filter's weights on its patch, laid out on the grid of patches, in one 2-D array.

    Each patch location ``(r, c)`` of the layer gets a block: a small grid of
    its ``filters`` neurons' weights, each cropped to its ``kernel x kernel``
    patch. The blocks lie on the ``rows x cols`` grid of patches, so the
    mosaic reads like the image cut into its patches.

    Parameters
    ----------
    network_or_weights : Network, Checkpoint or ndarray of shape (n_input, n_exc)
        A fitted `stdp.Network`, a `stdp.checkpoint.Checkpoint`, or the dense
        input weights (zeros outside each neuron's patch).
    layout : Layout, optional
        The layer (local or convolutional); default the network's or
        checkpoint's, required with an array.
    n_cols : int, optional
        Filter tiles per row within a block; default ``ceil(sqrt(filters))``.
    gap : int, default 1
        Pixels of NaN between the tiles of one block.
    location_gap : int, default 3
        Pixels of NaN between neighbouring blocks.

    Returns
    -------
    ndarray of float
        The mosaic; gaps and unused tiles are NaN. With ``fr x fc`` tiles per
        block (``fc = n_cols``), a block is ``bh = fr * (kernel + gap) - gap``
        high and ``bw = fc * (kernel + gap) - gap`` wide, and filter ``f`` at
        patch ``(r, c)`` starts at row ``r * (bh + location_gap) + (f // fc)
        * (kernel + gap)``, column ``c * (bw + location_gap) + (f % fc) *
        (kernel + gap)``.

    Raises
    ------
    ValueError
        If the layer is dense, or the weights do not fit it.
    """
    if isinstance(network_or_weights, np.ndarray) and layout is None:
        raise ValueError("layout: required when the weights are given as an array")
    shape = _sparse_layout(network_or_weights, layout, "local fields")
    weights = _dense_weights(network_or_weights, shape)
    k, s, side = shape.kernel, shape.stride, shape.side
    f_rows, f_cols = _grid_shape(shape.filters, n_cols)
    bh, bw = f_rows * (k + gap) - gap, f_cols * (k + gap) - gap
    grid = np.full(
        (
            shape.rows * (bh + location_gap) - location_gap,
            shape.cols * (bw + location_gap) - location_gap,
        ),
        np.nan,
    )
    images = weights.T.reshape(shape.n_exc, side, side)
    for f in range(shape.filters):
        tr, tc = divmod(f, f_cols)
        for r in range(shape.rows):
            for c in range(shape.cols):
                y = r * (bh + location_gap) + tr * (k + gap)
                x = c * (bw + location_gap) + tc * (k + gap)
                patch = images[shape.neuron(f, r, c), r * s : r * s + k, c * s : c * s + k]
                grid[y : y + k, x : x + k] = patch
    return grid


def feature_maps(counts: np.ndarray, layout: Any) -> np.ndarray:
    """One example's spike counts as a ``rows x cols`` map per filter.

    Parameters
    ----------
    counts : ndarray, shape (n_exc,)
        Spikes of every excitatory neuron (a row of a pass's counts, e.g.
        ``test_counts.npz``'s ``counts``).
    layout : Layout, Network or Checkpoint
        The layer (local or convolutional), or what `layout_of` reads it from.

    Returns
    -------
    ndarray, shape (filters, rows, cols)
        ``maps[f, r, c]`` is the count of neuron ``(f * rows + r) * cols + c``.
        Whole-image neurons (``topology.dense_filters``) have no map and are
        left out.
    """
    shape = _sparse_layout(layout, None, "feature maps")
    counts = np.asarray(counts)
    if counts.size != shape.n_exc:
        raise ValueError(
            f"counts: expected {shape.n_exc} values (one example), got shape {counts.shape}"
        )
    return counts[: shape.n_patch].reshape(shape.filters, shape.rows, shape.cols)


def plot_kernels(
    network_or_weights: Any,
    layout: Layout | None = None,
    ax: Axes | None = None,
    *,
    n_cols: int | None = None,
    gap: int = 1,
    cmap: str | Colormap = "hot_r",
    vmin: float = 0.0,
    vmax: float | None = None,
    colorbar: bool = True,
    title: str | None = "kernels (shared weights of each filter)",
) -> Axes:
    """Draw a convolutional layer's kernels, one ``kernel x kernel`` tile per filter.

    Parameters
    ----------
    network_or_weights, layout
        The kernels, as `kernel_table` reads them: a fitted `stdp.Network`,
        a `stdp.checkpoint.Checkpoint`, dense weights with a ``layout``, or
        the table ``(filters, kernel, kernel)``.
    ax : Axes, optional
        Where to draw; default a new figure.
    n_cols : int, optional
        Tiles per row; default ``ceil(sqrt(filters))``.
    gap : int, default 1
        Pixels between tiles.
    cmap, vmin, vmax, colorbar, title
        As in `plot_receptive_fields`.

    Returns
    -------
    Axes
        ``ax.images[0]`` holds the mosaic: filter ``f`` in row ``f // n_cols``,
        column ``f % n_cols``, as `receptive_field_grid` lays out neurons.
    """
    table = kernel_table(network_or_weights, layout)
    filters, k, _ = table.shape
    grid = receptive_field_grid(table.reshape(filters, k * k).T, (k, k), n_cols=n_cols, gap=gap)
    return _draw_mosaic(_axes(ax), grid, cmap, vmin, vmax, colorbar, title)


def plot_local_fields(
    network_or_weights: Any,
    layout: Layout | None = None,
    ax: Axes | None = None,
    *,
    n_cols: int | None = None,
    gap: int = 1,
    location_gap: int = 3,
    cmap: str | Colormap = "hot_r",
    vmin: float = 0.0,
    vmax: float | None = None,
    colorbar: bool = True,
    title: str | None = "filters at every patch (input weights)",
) -> Axes:
    """Draw a local layer's receptive fields: each patch's filters, on the grid of patches.

    For a convolutional layer every patch shows the copies of the same
    kernels (they differ only by what one presentation changed before the
    copies were tied again).

    Parameters
    ----------
    network_or_weights, layout, n_cols, gap, location_gap
        As in `local_field_grid`.
    ax : Axes, optional
        Where to draw; default a new figure.
    cmap, vmin, vmax, colorbar, title
        As in `plot_receptive_fields`.

    Returns
    -------
    Axes
        ``ax.images[0]`` holds the mosaic of `local_field_grid`.
    """
    grid = local_field_grid(
        network_or_weights, layout, n_cols=n_cols, gap=gap, location_gap=location_gap
    )
    return _draw_mosaic(_axes(ax), grid, cmap, vmin, vmax, colorbar, title)


def plot_feature_maps(
    network_or_layout: Any,
    counts: np.ndarray,
    image: np.ndarray | None = None,
    ax_array: Sequence[Axes] | None = None,
    *,
    label: str | int | None = None,
    n_cols: int | None = None,
    cmap: str | Colormap = "Blues",
    vmax: float | None = None,
    colorbar: bool = True,
) -> np.ndarray:
    """Draw one example's feature maps: each filter's spike counts on the grid of patches.

    Parameters
    ----------
    network_or_layout : Layout, Network or Checkpoint
        The layer (local or convolutional), or what `layout_of` reads it from.
    counts : ndarray, shape (n_exc,)
        The example's spike counts (see `feature_maps`).
    image : ndarray, optional
        The example's input image (drawn first, in grey, if given).
    ax_array : sequence of Axes, optional
        Where to draw: at least one axes per filter, plus one for the image;
        the ones left over are hidden. Default a new figure with a grid of
        ``ceil(sqrt(n_panels))`` columns.
    label : str or int, optional
        The example's class, named in the image's title.
    n_cols : int, optional
        Columns of the new figure's grid (without ``ax_array``).
    cmap : str or Colormap, default "Blues"
        Colour map of the counts.
    vmax : float, optional
        Count at the top of the colour scale, shared by every map; default
        the largest count (at least 1).
    colorbar : bool, default True
        One colour bar labelled "spikes" for all the maps.

    Returns
    -------
    ndarray of Axes
        The axes drawn in: the image's first (if given), then filter ``f``'s
        map at ``1 + f`` (at ``f`` without an image); ``images[0]`` of each
        holds what it shows.
    """
    maps = feature_maps(counts, network_or_layout)
    n_panels = maps.shape[0] + (image is not None)
    if ax_array is None:
        rows, cols = _grid_shape(n_panels, n_cols)
        _, grid = plt.subplots(rows, cols, figsize=(1.8 * cols + 1, 1.8 * rows), squeeze=False)
        axes = grid.ravel()
    else:
        axes = np.asarray(ax_array, dtype=object).ravel()
        if axes.size < n_panels:
            raise ValueError(f"ax_array: expected at least {n_panels} axes, got {axes.size}")
    for extra in axes[n_panels:]:
        extra.set_visible(False)
    axes = axes[:n_panels]
    panels = axes
    if image is not None:
        pixels = np.asarray(image, dtype=float)
        axes[0].imshow(pixels, cmap="gray_r", vmin=0.0, interpolation="nearest")
        _image_axes(axes[0])
        axes[0].set_title("input" + (f" (class {label})" if label is not None else ""))
        panels = axes[1:]
    top = vmax if vmax is not None else max(float(maps.max(initial=0)), 1.0)
    mappable = None
    for f, ax in enumerate(panels):
        mappable = ax.imshow(maps[f], cmap=cmap, vmin=0.0, vmax=top, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():  # a frame, so that a silent filter's map shows
            spine.set_visible(True)
            spine.set_color("0.6")
        ax.set_title(f"filter {f} ({int(maps[f].sum())})", fontsize=8)
    if colorbar and mappable is not None:
        bar = axes[0].figure.colorbar(mappable, ax=list(panels), label="spikes", shrink=0.8)
        bar.ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return axes
