"""The plot functions draw the data they are given (arrays, a fitted network or a
checkpoint), into the axes they are given."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from stdp import figures
from stdp.checkpoint import Checkpoint
from stdp.config import load_config
from stdp.network import initial_state

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
    grid = figures.receptive_field_grid(weights, shape)
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
    assert figures.receptive_field_grid(weights, (8, 8), gap=0).shape == (16, 16)
    assert figures.receptive_field_grid(weights, (8, 8), n_cols=4, gap=0).shape == (8, 32)
    with pytest.raises(ValueError, match=r"expected shape \(784, n_neurons\)"):
        figures.receptive_field_grid(weights, (28, 28))


def test_plot_receptive_fields_draws_the_mosaic():
    rng = np.random.default_rng(0)
    weights = rng.uniform(0, 0.8, size=(64, 25))
    ax = _ax()
    out = figures.plot_receptive_fields(weights, (8, 8), ax)
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
    ax = figures.plot_receptive_fields(np.zeros((784, 10)), (28, 28), _ax(), colorbar=False)
    assert ax.images[0].get_array().shape == (3 * 29 - 1, 4 * 29 - 1)
    assert ax.images[0].get_clim() == (0.0, 1.0)  # all-zero weights: a usable scale
    assert len(ax.figure.axes) == 1


def test_plot_theta_in_mV_sorted():
    theta = np.array([0.03, 0.01, 0.02])  # volt
    ax = figures.plot_theta(theta, _ax())
    heights = [patch.get_height() for patch in ax.patches]
    np.testing.assert_allclose(heights, [10.0, 20.0, 30.0])
    assert "mV" in ax.get_ylabel()
    unsorted = figures.plot_theta(theta, _ax(), sort=False)
    np.testing.assert_allclose([p.get_height() for p in unsorted.patches], [30.0, 10.0, 20.0])


def test_plot_assignments_counts_and_unassigned():
    assignments = np.array([0, 0, 3, -1, 9, 3, 3, -1, 2])
    fig = Figure()
    axes = figures.plot_assignments(assignments, 10, fig.subplots(1, 2))
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
    out = figures.plot_assignments(np.array([1, 1, 0]), 3, ax)
    assert out is ax
    assert [p.get_height() for p in ax.patches] == [1, 2, 0]  # no "unassigned" bar
    with pytest.raises(ValueError, match="assignments"):
        figures.plot_assignments(np.array([5]), 3, _ax())


def test_plot_confusion_normalises_rows_and_annotates_counts():
    confusion = np.array([[8, 2, 0], [0, 0, 0], [1, 1, 2]])
    ax = figures.plot_confusion(confusion, _ax())
    shown = ax.images[0].get_array()
    np.testing.assert_allclose(shown[0], [0.8, 0.2, 0.0])
    np.testing.assert_allclose(shown[1], [0.0, 0.0, 0.0])  # empty class: no division by 0
    np.testing.assert_allclose(shown[2], [0.25, 0.25, 0.5])
    assert sorted(t.get_text() for t in ax.texts) == sorted(["8", "2", "1", "1", "2"])
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    counts = figures.plot_confusion(confusion, _ax(), normalize=False)
    np.testing.assert_array_equal(counts.images[0].get_array(), confusion)


def test_plot_running_accuracy_in_percent():
    ax = figures.plot_running_accuracy([200, 300, 400], [0.5, 0.54, 0.72], _ax())
    x, y = ax.lines[0].get_data()
    np.testing.assert_array_equal(x, [200, 300, 400])
    np.testing.assert_allclose(y, [50.0, 54.0, 72.0])
    assert ax.get_ylabel() == "accuracy (%)" and ax.get_ylim() == (0.0, 100.0)


def test_plot_weight_histogram_counts_every_weight():
    weights = np.random.default_rng(1).uniform(0, 1, size=(64, 10))
    ax = figures.plot_weight_histogram(weights, _ax(), bins=20, w_max=1.0)
    assert len(ax.patches) == 20
    assert sum(p.get_height() for p in ax.patches) == 640


def test_plot_presentation_three_panels_with_units():
    t = np.arange(0, 500, 0.5)
    axes = figures.plot_presentation(
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
        figures.plot_presentation(([], []), ([], []), ([], []), 0.0, Figure().subplots(2, 1))


def test_plot_stdp_window_markers_and_line():
    dt = np.array([-10.0, 0.0, 10.0])
    ax = figures.plot_stdp_window(dt, [-1.0, 0.0, 2.0], [-1.1, 0.0, 2.1], _ax())
    line, markers = ax.lines[:2]
    np.testing.assert_array_equal(markers.get_ydata(), [-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(line.get_ydata(), [-1.1, 0.0, 2.1])
    assert "ms" in ax.get_xlabel()


def test_new_figure_when_no_axes_given():
    import matplotlib.pyplot as plt

    ax = figures.plot_theta(np.array([0.02]))
    try:
        assert len(ax.patches) == 1
    finally:
        plt.close(ax.figure)


class FittedNetwork:
    """Duck-typed stand-in for a fitted `stdp.Network` (only the fitted attributes)."""

    def __init__(self, weights, theta, image_shape, config=None, assignments=None):
        self.weights_ = weights
        self.theta_ = theta
        self.image_shape_ = image_shape
        self.config_ = config
        if assignments is not None:
            self.assignments_ = assignments
        # an attribute of the same name without the underscore must not be used
        self.weights = np.full_like(weights, -1.0)


def _tile(grid, j, n_cols, shape):
    h, w = shape
    r, c = divmod(j, n_cols)
    return grid[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w]


def test_receptive_fields_of_a_fitted_network():
    weights = np.arange(12 * 5, dtype=float).reshape(12, 5)  # 3x4 images, 5 neurons
    net = FittedNetwork(weights, np.zeros(5), (3, 4))
    ax = figures.plot_receptive_fields(net, ax=_ax(), colorbar=False)
    data = ax.images[0].get_array()
    assert data.shape == (2 * 4 - 1, 3 * 5 - 1)  # 3 columns, 2 rows of 3x4 tiles
    for j in range(5):
        np.testing.assert_array_equal(_tile(data, j, 3, (3, 4)), weights[:, j].reshape(3, 4))
    assert np.ma.count(data) == weights.size  # the sixth tile and the gaps are masked
    # an explicit image shape wins over the network's
    wide = figures.receptive_field_grid(net, (1, 12), gap=0)
    np.testing.assert_array_equal(wide[0, :12], weights[:, 0])


def test_receptive_fields_of_a_checkpoint():
    cfg = load_config(None, ["dataset.name=digits", "network.n_exc=4"])
    state = initial_state(cfg, 64, np.random.default_rng(3))
    ck = Checkpoint(state=state, n_input=64, image_shape=(8, 8))
    grid = figures.receptive_field_grid(ck)
    np.testing.assert_array_equal(_tile(grid, 3, 2, (8, 8)), ck.weights[:, 3].reshape(8, 8))
    np.testing.assert_array_equal(
        grid, figures.receptive_field_grid(state["input_to_exc.w"].reshape(64, 4), (8, 8))
    )


def test_array_needs_an_image_shape():
    with pytest.raises(ValueError, match="image_shape: required"):
        figures.plot_receptive_fields(np.ones((64, 4)), ax=_ax())


def test_theta_and_histogram_of_a_fitted_network():
    cfg = load_config(None, ["stdp.w_max=2.0"])
    weights = np.array([[0.1, 0.5], [1.5, 0.1]])
    net = FittedNetwork(weights, np.array([0.02, 0.005]), (1, 2), config=cfg)
    ax = figures.plot_theta(net, _ax())
    np.testing.assert_allclose([p.get_height() for p in ax.patches], [5.0, 20.0])
    hist = figures.plot_weight_histogram(net, _ax(), bins=4, log=False)
    # the range ends at the network's stdp.w_max: bins of 0.5, counts 2, 1, 0, 1
    assert hist.patches[-1].get_x() + hist.patches[-1].get_width() == pytest.approx(2.0)
    assert [p.get_height() for p in hist.patches] == [2, 1, 0, 1]


def test_assignments_of_a_network_and_of_an_unlabelled_checkpoint():
    net = FittedNetwork(np.ones((4, 3)), np.zeros(3), (2, 2), assignments=np.array([2, 2, -1]))
    ax = figures.plot_assignments(net, 3, _ax())
    assert [p.get_height() for p in ax.patches] == [0, 0, 2, 1]  # 3 classes + "unassigned"
    cfg = load_config(None, ["network.n_exc=3"])
    ck = Checkpoint(
        state=initial_state(cfg, 4, np.random.default_rng(0)), n_input=4, image_shape=(2, 2)
    )
    with pytest.raises(ValueError, match="not been labelled"):
        figures.plot_assignments(ck, 10, _ax())


def test_fitted_prefers_the_fitted_attribute():
    net = FittedNetwork(np.ones((4, 1)), np.zeros(1), (2, 2))
    assert figures.fitted(net, "weights") is net.weights_
    array = np.zeros(3)
    assert figures.fitted(array, "theta") is array


def test_an_unfitted_network_is_not_taken_for_data():
    class NotFitted(AttributeError):
        pass

    class UnfittedNetwork:
        @property
        def theta_(self):
            raise NotFitted("This Network instance is not fitted yet")

    with pytest.raises(NotFitted, match="not fitted"):
        figures.plot_theta(UnfittedNetwork(), _ax())
