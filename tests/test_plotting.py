"""The plot functions draw the data they are given, into the axes they are given."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from stdp import plotting

matplotlib.use("Agg")


def _ax():
    return Figure().add_subplot()


@pytest.mark.parametrize(
    "n, shape, cols, rows",
    [(25, (8, 8), 5, 5), (10, (28, 28), 4, 3), (1, (8, 8), 1, 1), (400, (28, 28), 20, 20)],
)
def test_receptive_field_grid_layout(n, shape, cols, rows):
    h, w = shape
    weights = np.arange(h * w * n, dtype=float).reshape(h * w, n)
    grid = plotting.receptive_field_grid(weights, shape)
    assert grid.shape == (rows * (h + 1) - 1, cols * (w + 1) - 1)
    for j in (0, n - 1, n // 2):
        r, c = divmod(j, cols)
        tile = grid[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w]
        np.testing.assert_array_equal(tile, weights[:, j].reshape(h, w))
    # gaps and unused tiles are NaN, everything else is a weight
    assert np.isfinite(grid).sum() == weights.size
    assert np.isnan(grid).sum() == grid.size - weights.size


def test_receptive_field_grid_without_gap_and_bad_shape():
    weights = np.ones((64, 4))
    assert plotting.receptive_field_grid(weights, (8, 8), gap=0).shape == (16, 16)
    assert plotting.receptive_field_grid(weights, (8, 8), n_cols=4, gap=0).shape == (8, 32)
    with pytest.raises(ValueError, match=r"expected shape \(784, n_neurons\)"):
        plotting.receptive_field_grid(weights, (28, 28))


def test_plot_receptive_fields_draws_the_mosaic():
    rng = np.random.default_rng(0)
    weights = rng.uniform(0, 0.8, size=(64, 25))
    ax = _ax()
    out = plotting.plot_receptive_fields(weights, (8, 8), ax)
    assert out is ax
    image = ax.images[0]
    data = image.get_array()
    assert data.shape == (44, 44)  # 5 x 5 tiles of 8 px with 1 px gaps
    assert np.ma.count(data) == 64 * 25  # gaps masked
    assert image.get_cmap().name == "hot_r"
    assert image.get_clim() == (0.0, pytest.approx(weights.max()))
    # the colour bar is a second axes of the figure
    assert len(ax.figure.axes) == 2


def test_plot_receptive_fields_28x28_tiles():
    ax = plotting.plot_receptive_fields(np.zeros((784, 10)), (28, 28), _ax(), colorbar=False)
    assert ax.images[0].get_array().shape == (3 * 29 - 1, 4 * 29 - 1)
    assert ax.images[0].get_clim() == (0.0, 1.0)  # all-zero weights: a usable scale
    assert len(ax.figure.axes) == 1


def test_plot_theta_in_mV_sorted():
    theta = np.array([0.03, 0.01, 0.02])  # volt
    ax = plotting.plot_theta(theta, _ax())
    heights = [patch.get_height() for patch in ax.patches]
    np.testing.assert_allclose(heights, [10.0, 20.0, 30.0])
    assert "mV" in ax.get_ylabel()
    unsorted = plotting.plot_theta(theta, _ax(), sort=False)
    np.testing.assert_allclose([p.get_height() for p in unsorted.patches], [30.0, 10.0, 20.0])


def test_plot_assignments_counts_and_unassigned():
    assignments = np.array([0, 0, 3, -1, 9, 3, 3, -1, 2])
    fig = Figure()
    axes = plotting.plot_assignments(assignments, 10, fig.subplots(1, 2))
    bars, grid = axes
    heights = [p.get_height() for p in bars.patches]
    assert heights == [2, 0, 1, 3, 0, 0, 0, 0, 0, 1, 2]  # 10 classes + "unassigned"
    labels = [t.get_text() for t in bars.get_xticklabels()]
    assert labels[-1] == "unassigned" and labels[:10] == [str(c) for c in range(10)]
    image = grid.images[0].get_array()
    assert image.shape == (3, 3)
    assert np.ma.count_masked(image) == 2  # the two unassigned neurons
    texts = [t.get_text() for t in grid.texts]
    assert texts.count("-") == 2 and texts.count("3") == 3


def test_plot_assignments_single_axes_and_all_assigned():
    ax = _ax()
    out = plotting.plot_assignments(np.array([1, 1, 0]), 3, ax)
    assert out is ax
    assert [p.get_height() for p in ax.patches] == [1, 2, 0]  # no "unassigned" bar
    with pytest.raises(ValueError, match="assignments"):
        plotting.plot_assignments(np.array([5]), 3, _ax())


def test_plot_confusion_normalises_rows_and_annotates_counts():
    confusion = np.array([[8, 2, 0], [0, 0, 0], [1, 1, 2]])
    ax = plotting.plot_confusion(confusion, _ax())
    shown = ax.images[0].get_array()
    np.testing.assert_allclose(shown[0], [0.8, 0.2, 0.0])
    np.testing.assert_allclose(shown[1], [0.0, 0.0, 0.0])  # empty class: no division by 0
    np.testing.assert_allclose(shown[2], [0.25, 0.25, 0.5])
    assert sorted(t.get_text() for t in ax.texts) == sorted(["8", "2", "1", "1", "2"])
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    counts = plotting.plot_confusion(confusion, _ax(), normalize=False)
    np.testing.assert_array_equal(counts.images[0].get_array(), confusion)


def test_plot_running_accuracy_in_percent():
    ax = plotting.plot_running_accuracy([200, 300, 400], [0.5, 0.54, 0.72], _ax())
    x, y = ax.lines[0].get_data()
    np.testing.assert_array_equal(x, [200, 300, 400])
    np.testing.assert_allclose(y, [50.0, 54.0, 72.0])
    assert ax.get_ylabel() == "accuracy (%)" and ax.get_ylim() == (0.0, 100.0)


def test_plot_weight_histogram_counts_every_weight():
    weights = np.random.default_rng(1).uniform(0, 1, size=(64, 10))
    ax = plotting.plot_weight_histogram(weights, _ax(), bins=20, w_max=1.0)
    assert len(ax.patches) == 20
    assert sum(p.get_height() for p in ax.patches) == 640


def test_plot_presentation_three_panels_with_units():
    t = np.arange(0, 500, 0.5)
    axes = plotting.plot_presentation(
        (np.array([1.0, 2.0, 3.0]), np.array([0, 5, 9])),
        (np.array([50.0]), np.array([2])),
        (t, -65 + 0 * t),
        np.full(t.shape, -52.0),
        Figure().subplots(3, 1),
        presentation=350.0,
        neuron=2,
        n_input=64,
        n_exc=4,
    )
    assert len(axes) == 3
    assert axes[2].get_xlabel() == "time (ms)" and axes[2].get_ylabel() == "v (mV)"
    np.testing.assert_array_equal(axes[0].lines[0].get_ydata(), [0, 5, 9])
    v_line, threshold_line = axes[2].lines
    np.testing.assert_array_equal(threshold_line.get_ydata(), np.full(t.shape, -52.0))
    assert axes[1].get_ylim() == (-0.5, 3.5)
    with pytest.raises(ValueError, match="3 axes"):
        plotting.plot_presentation(([], []), ([], []), ([], []), 0.0, Figure().subplots(2, 1))


def test_plot_stdp_window_markers_and_line():
    dt = np.array([-10.0, 0.0, 10.0])
    ax = plotting.plot_stdp_window(dt, [-1.0, 0.0, 2.0], [-1.1, 0.0, 2.1], _ax())
    line, markers = ax.lines[:2]
    np.testing.assert_array_equal(markers.get_ydata(), [-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(line.get_ydata(), [-1.1, 0.0, 2.1])
    assert "ms" in ax.get_xlabel()


def test_new_figure_when_no_axes_given():
    import matplotlib.pyplot as plt

    ax = plotting.plot_theta(np.array([0.02]))
    try:
        assert len(ax.patches) == 1
    finally:
        plt.close(ax.figure)
