"""``make_figures`` on a hand-built results folder: every file, sizes, frames; bad folders.

The folder is written the way a run writes it (``Checkpoint.save``, ``config.toml``,
``metrics.json``, weight snapshots) from known arrays, so the figures can be
checked against them without training a network.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from PIL import Image

from stdp import checkpoint as checkpoint_module
from stdp.checkpoint import FILENAME, Checkpoint
from stdp.cli import main
from stdp.config import load_config
from stdp.datasets import load_dataset
from stdp.errors import CheckpointError, DataError
from stdp.estimator import Network
from stdp.figures import (
    FIGSIZES,
    FIGURES,
    FOR_KINDS,
    STYLE,
    STYLE_FILE,
    Results,
    feature_maps,
    figure_names,
    kernel_table,
    layout_of,
    load_results,
    local_field_grid,
    make_figures,
    plot_feature_maps,
    plot_kernels,
    plot_local_fields,
    script_main,
)
from stdp.network import initial_state
from stdp.passes import FrozenPass, PassPosition
from stdp.recording import load_run, record_presentation
from stdp.topology import layout

from .conftest import SMALL

ROOT = Path(__file__).resolve().parents[1]
DPI = matplotlib.rc_params_from_file(STYLE_FILE, use_default_template=False)["savefig.dpi"]
N_EXC = 20  # network.n_exc of SMALL
DENSE_FIGURES = [name for name in FIGURES if name not in FOR_KINDS]
SNAPSHOTS = (0, 40, 80, 120)
RUNNING = [(40.0, 0.25), (80.0, 0.5), (120.0, 0.75)]


def write_results_folder(out: Path, *, finished: bool = True, n_snapshots: int = 4) -> Checkpoint:
    """A results folder of the SMALL config, as a run writes it, from known arrays."""
    cfg = load_config(None, SMALL)
    rng = np.random.default_rng(7)
    state = initial_state(cfg, 64, rng)
    state["exc.theta"] = np.linspace(0.0, 0.019, N_EXC)  # 0, 1, ..., 19 mV
    ck = Checkpoint(
        state=state,
        n_input=64,
        image_shape=(8, 8),
        dataset="digits",
        phase="done" if finished else "label",
        train_accuracy=RUNNING,
        assignments=np.arange(N_EXC) % 10 if finished else None,
        config=cfg.to_toml(),
    )
    out.mkdir(parents=True)
    (out / "config.toml").write_text(cfg.to_toml())
    ck.save(out / FILENAME)
    (out / "snapshots").mkdir()
    for examples in SNAPSHOTS[:n_snapshots]:
        np.savez(
            out / "snapshots" / f"weights_{examples:09d}.npz",
            weights=(ck.weights * (1 + examples / 120)).astype(np.float32),
            theta=ck.theta,
            examples=np.int64(examples),
        )
    if finished:
        confusion = np.diag(np.arange(1, 11))
        confusion[3, 5] = 4
        metrics = {
            "accuracy": 0.5,
            "confusion_matrix": confusion.tolist(),
            "running_accuracy": [{"examples": n, "accuracy": a} for n, a in RUNNING],
        }
        (out / "metrics.json").write_text(json.dumps(metrics))
    return ck


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A finished results folder of the shared small config, with four weight snapshots."""
    out = tmp_path_factory.mktemp("figures") / "run"
    write_results_folder(out)
    return out


@pytest.fixture(scope="module")
def written(run_dir):
    return make_figures(run_dir)


def test_every_file_is_written(run_dir, written):
    expected = [f"{name}.{fmt}" for name in DENSE_FIGURES for fmt in ("png", "pdf")]
    expected.append("receptive_fields.gif")
    assert [p.name for p in written] == expected
    assert all(p.parent == run_dir / "figures" for p in written)
    assert sorted(p.name for p in (run_dir / "figures").iterdir()) == sorted(expected)  # no temp
    for path in written:
        if path.suffix == ".pdf":
            assert path.read_bytes()[:5] == b"%PDF-"


def test_png_sizes(written):
    for path in written:
        if path.suffix == ".png":
            width, height = FIGSIZES[path.stem]
            with Image.open(path) as image:
                assert image.size == (round(width * DPI), round(height * DPI)), path.name


def test_gif_has_a_frame_per_snapshot(run_dir, written):
    snapshots = sorted((run_dir / "snapshots").glob("weights_*.npz"))
    assert len(snapshots) == 4  # 0, 40, 80, 120 training examples
    with Image.open(run_dir / "figures" / "receptive_fields.gif") as gif:
        assert gif.n_frames == 4
        assert gif.size == (
            round(FIGSIZES["animation"][0] * 80),
            round(FIGSIZES["animation"][1] * 80),
        )


def test_style_is_the_packaged_file():
    """``STYLE`` names the package data file, for matplotlib.style.use / context."""
    from_file = matplotlib.rc_params_from_file(STYLE_FILE, use_default_template=False)
    assert from_file["savefig.dpi"] == 150 and from_file["figure.constrained_layout.use"]
    with matplotlib.style.context(STYLE):
        for key, value in from_file.items():
            assert matplotlib.rcParams[key] == value, key
    assert not (ROOT / "figures" / "style.mplstyle").exists()  # one copy only


def test_figures_draw_the_folder_s_data(run_dir):
    res = load_results(run_dir)
    ck = res.checkpoint
    fig = FIGURES["receptive_fields"](res)
    grid = fig.axes[0].images[0].get_array()
    assert grid.shape == (4 * 9 - 1, 5 * 9 - 1)  # 20 neurons: 4 rows of 5 tiles of 8x8
    np.testing.assert_array_equal(grid[9:17, 18:26], ck.weights[:, 7].reshape(8, 8))  # row 1, col 2
    theta = FIGURES["theta"](res).axes[0]
    np.testing.assert_allclose([b.get_height() for b in theta.patches], np.arange(N_EXC))
    bars = FIGURES["assignments"](res).axes[0]
    assert [b.get_height() for b in bars.patches] == [2] * 10  # neuron j has class j % 10
    confusion = FIGURES["confusion"](res).axes[0].images[0].get_array()
    np.testing.assert_allclose(confusion[3, [3, 5]], [4 / 8, 4 / 8])
    x, y = FIGURES["running_accuracy"](res).axes[0].lines[0].get_data()
    np.testing.assert_array_equal(x, [40, 80, 120])
    np.testing.assert_allclose(y, [25.0, 50.0, 75.0])
    hist = FIGURES["weight_histogram"](res).axes[0]
    assert sum(b.get_height() for b in hist.patches) == 64 * N_EXC
    assert hist.patches[-1].get_x() + hist.patches[-1].get_width() == pytest.approx(1.0)  # w_max


def test_make_figures_reads_the_checkpoint_once(run_dir, tmp_path, monkeypatch):
    calls = []
    load = Checkpoint.load.__func__

    def counting(cls, path, n_exc=None):
        calls.append(Path(path))
        return load(cls, path, n_exc)

    monkeypatch.setattr(checkpoint_module.Checkpoint, "load", classmethod(counting))
    make_figures(run_dir, tmp_path, ("png",), names=["theta", "presentation"])
    assert calls == [run_dir / FILENAME]


def test_record_presentation(run_dir):
    cfg, ck = load_run(run_dir)
    rec = record_presentation(cfg, ck, example_index=3)
    n_steps = 1000  # 500 ms at 0.5 ms
    assert rec["t"].shape == rec["v"].shape == rec["threshold"].shape == (n_steps,)
    assert rec["exc_counts"].shape == (N_EXC,)
    assert rec["image"].shape == (8, 8) and tuple(rec["image_shape"]) == (8, 8)
    # input only while the example is shown, excitatory spikes within the cycle
    assert rec["input_t"].size > 0 and rec["input_t"].max() < 350.0
    assert rec["input_i"].max() < 64
    assert np.all((rec["exc_t"] >= 0) & (rec["exc_t"] < 500.0))
    assert rec["exc_counts"].sum() == np.sum(rec["exc_t"] < 350.0)
    # the neuron shown is the one that fired most (or came closest to firing)
    if rec["exc_counts"].max() > 0:
        assert rec["exc_counts"][int(rec["neuron"])] == rec["exc_counts"].max()
    # frozen: the threshold is constant (theta does not move), v stays below reversal 0 mV
    assert np.ptp(rec["threshold"]) == 0.0
    assert rec["v"].max() < 0.0
    chosen = record_presentation(cfg, ck, example_index=3, neuron=0)
    assert int(chosen["neuron"]) == 0
    np.testing.assert_array_equal(chosen["exc_t"], rec["exc_t"])  # same seed, same spikes


def test_formats_and_names(run_dir, tmp_path):
    paths = make_figures(
        run_dir, tmp_path, formats=("svg",), names=["theta", "confusion"], animation=False
    )
    assert [p.name for p in paths] == ["theta.svg", "confusion.svg"]
    assert paths[0].read_text().lstrip().startswith("<?xml")
    with pytest.raises(ValueError, match="jpg"):
        make_figures(run_dir, tmp_path, formats=("jpg",))
    with pytest.raises(ValueError, match="unknown figure"):
        make_figures(run_dir, tmp_path, names=["nope"])


def test_unfinished_run_skips_what_it_lacks(run_dir, tmp_path, caplog):
    """Not labelled, no metrics.json, one snapshot: the running accuracy is in the checkpoint."""
    partial = tmp_path / "partial"
    write_results_folder(partial, finished=False, n_snapshots=1)
    names = ["theta", "assignments", "confusion", "running_accuracy"]
    with caplog.at_level(logging.WARNING, logger="stdp.figures"):
        paths = make_figures(partial, formats=("png",), names=names)
    assert [p.name for p in paths] == ["theta.png", "running_accuracy.png"]
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "assignments" in messages and "confusion" in messages
    assert "1 snapshot(s)" in messages


def test_presentation_skipped_without_the_data_set(run_dir, tmp_path, monkeypatch, caplog):
    import stdp.datasets

    def unavailable(*args, **kwargs):
        raise DataError("data set 'digits' not found")

    monkeypatch.setattr(stdp.datasets, "load_dataset", unavailable)
    with caplog.at_level(logging.WARNING, logger="stdp.figures"):
        paths = make_figures(
            run_dir, tmp_path, ("png",), names=["presentation", "theta"], animation=False
        )
    assert [p.name for p in paths] == ["theta.png"]
    assert "not found" in caplog.text


@pytest.mark.parametrize(
    "damage",
    [
        "missing",
        "no_config",
        "bad_config",
        "other_n_exc",
        "no_checkpoint",
        "truncated",
        "garbage",
        "bad_json",
        "bad_snapshot",
    ],
)
def test_broken_results_folder(run_dir, tmp_path, damage):
    broken = tmp_path / "broken"
    if damage != "missing":
        broken.mkdir()
        shutil.copy(run_dir / "config.toml", broken / "config.toml")
        shutil.copy(run_dir / FILENAME, broken / FILENAME)
        if damage == "no_config":
            (broken / "config.toml").unlink()
        elif damage == "bad_config":
            (broken / "config.toml").write_text("[network]\nn_exc = ")
        elif damage == "other_n_exc":
            (broken / "config.toml").write_text(
                load_config(None, [*SMALL, "network.n_exc=30"]).to_toml()
            )
        elif damage == "no_checkpoint":
            (broken / FILENAME).unlink()
        elif damage == "bad_snapshot":
            (broken / "snapshots").mkdir()
            (broken / "snapshots" / "weights_000000000.npz").write_bytes(b"garbage")
        elif damage == "truncated":
            data = (run_dir / FILENAME).read_bytes()
            (broken / FILENAME).write_bytes(data[: len(data) // 3])
        elif damage == "garbage":
            (broken / FILENAME).write_bytes(b"not a checkpoint")
        elif damage == "bad_json":
            (broken / "metrics.json").write_text("{ not json")
    with pytest.raises(CheckpointError) as info:
        make_figures(broken, formats=("png",))
    assert "\n" not in str(info.value)
    assert not (broken / "figures").exists()


def test_cli_figures(run_dir, tmp_path, capsys):
    status = main(["figures", str(run_dir), "--out", str(tmp_path), "--format", "png"])
    out = capsys.readouterr().out.split()
    assert status == 0
    assert len(out) == len(DENSE_FIGURES) + 1 and all(Path(p).exists() for p in out)
    status = main(["figures", str(tmp_path / "nope")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1 and err[0].startswith("stdp: error: ")
    status = main(["figures", str(run_dir), "--format", "png,bmp"])
    assert status == 2 and "--format" in capsys.readouterr().err


def test_figure_script(run_dir, tmp_path):
    """One of the scripts in figures/, run as a user would (the others share its code)."""
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "figures" / "fig_theta.py"),
            str(run_dir),
            "--out",
            str(tmp_path),
            "--format",
            "png",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(tmp_path / "theta.png")]
    with Image.open(tmp_path / "theta.png") as image:
        assert image.size == (round(FIGSIZES["theta"][0] * DPI), round(FIGSIZES["theta"][1] * DPI))


def test_script_main_errors_are_one_line(run_dir, tmp_path, capsys):
    assert (
        script_main("theta", "Theta.", [str(run_dir), "--out", str(tmp_path), "--format", "svg"])
        == 0
    )
    assert capsys.readouterr().out.split() == [str(tmp_path / "theta.svg")]
    assert script_main("theta", "Theta.", [str(run_dir), "--format", "bmp"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "error: --format: 'bmp'" in err[0]
    assert script_main("animation", None, [str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no such results folder" in err[0]
    with pytest.raises(ValueError, match="unknown figure"):
        script_main("nope", None, [])


def test_a_lesson_saves_its_figure_where_the_command_line_says(tmp_path, capsys):
    import matplotlib.pyplot as plt

    from stdp.figures import lesson_main, save_lesson_figure

    def main(out_dir):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [1, 0])
        return save_lesson_figure(fig, out_dir, "00_lesson")

    path = lesson_main(main, "A lesson.\n\nMore text.", ["--out", str(tmp_path / "out")])
    assert path == tmp_path / "out" / "00_lesson.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert plt.get_fignums() == []  # the figure was closed
    assert capsys.readouterr().out.strip() == f"figure: {path}"


# -- local and convolutional layers: 8x8 images, patches of 4 pixels 2 apart (3x3), 2 filters --
def sparse_config(kind):
    return load_config(
        None,
        [
            *SMALL,
            f"topology.kind={kind}",
            "topology.kernel=4",
            "topology.stride=2",
            "topology.filters=2",
            "network.n_exc=18",
        ],
    )


def sparse_checkpoint(kind, rng):
    """A checkpoint of a local or conv layer: weights everywhere 0 outside the patches."""
    cfg = sparse_config(kind)
    state = initial_state(cfg, 64, rng)
    return Checkpoint(
        state=state, n_input=64, image_shape=(8, 8), dataset="digits", config=cfg.to_toml()
    )


def test_local_fields_crop_each_neuron_s_patch():
    shape = layout(sparse_config("local"), 64)
    assert (shape.rows, shape.cols, shape.n_exc) == (3, 3, 18)
    # weights on every pixel, so that a wrong crop shows; 1000 * neuron + pixel
    weights = np.arange(64)[:, None] + 1000.0 * np.arange(18)[None, :]
    grid = local_field_grid(weights, shape)
    # a block: 1 x 2 tiles of 4x4 with a gap of 1 -> 4 x 9; blocks 3 apart -> 3*7-3 x 3*12-3
    assert grid.shape == (18, 33)
    # filter 1 at patch (2, 1) is neuron (1 * 3 + 2) * 3 + 1 = 16; its pixels rows 4-7, cols 2-5
    expected = 16000.0 + np.arange(64).reshape(8, 8)[4:8, 2:6]
    np.testing.assert_array_equal(grid[14:18, 17:21], expected)
    # filter 0 at patch (0, 2) is neuron 2, pixels rows 0-3, cols 4-7
    np.testing.assert_array_equal(grid[0:4, 24:28], 2000.0 + np.arange(64).reshape(8, 8)[:4, 4:])
    assert np.isnan(grid).sum() == grid.size - 18 * 16  # only gaps besides the 18 patches
    ax = plot_local_fields(weights, shape, colorbar=False)
    np.testing.assert_array_equal(ax.images[0].get_array().filled(np.nan), grid)


def test_kernels_of_a_conv_layer():
    rng = np.random.default_rng(3)
    ck = sparse_checkpoint("conv", rng)
    shape = layout_of(ck)
    assert shape.kind == "conv" and shape.n_kernel == 32
    table = np.arange(32.0).reshape(2, 4, 4)
    copies = table + 100.0  # the copies differ from the table: the table is what is drawn
    ck.state["input_to_exc.w"] = shape.to_dense(copies.ravel()[shape.kernel_entry()])
    ck.state["kernel.wk"] = table.ravel()
    np.testing.assert_array_equal(kernel_table(ck), table)
    np.testing.assert_array_equal(kernel_table(Network.from_checkpoint(ck)), table)  # fitted
    np.testing.assert_array_equal(kernel_table(ck.weights, shape), copies)  # from patch (0, 0)
    grid = plot_kernels(ck, colorbar=False).images[0].get_array()
    assert grid.shape == (4, 9)  # two 4x4 tiles side by side, one pixel apart
    np.testing.assert_array_equal(grid[:, 5:9], table[1])
    # every patch of filter 1 shows the same copy (the local-fields view of a conv layer)
    fields = local_field_grid(ck, shape)
    np.testing.assert_array_equal(fields[14:18, 17:21], copies[1])
    with pytest.raises(ValueError, match="conv layer"):
        kernel_table(sparse_checkpoint("local", rng))
    with pytest.raises(ValueError, match="layout: required"):
        kernel_table(ck.weights)


def test_feature_maps_are_counts_on_the_grid_of_patches():
    shape = layout(sparse_config("conv"), 64)
    counts = np.arange(18)
    maps = feature_maps(counts, shape)
    assert maps.shape == (2, 3, 3)
    assert maps[1, 2, 0] == 15  # neuron (1 * 3 + 2) * 3 + 0
    image = np.arange(64).reshape(8, 8)
    axes = plot_feature_maps(shape, counts, image, label=4)
    assert axes.size == 3 and axes[0].get_title() == "input (class 4)"
    np.testing.assert_array_equal(axes[0].images[0].get_array(), image)
    for f in range(2):
        np.testing.assert_array_equal(axes[1 + f].images[0].get_array(), maps[f])
        assert axes[1 + f].images[0].get_clim() == (0.0, 17.0)  # one scale for every map
    with pytest.raises(ValueError, match="18 values"):
        feature_maps(np.arange(20), shape)
    dense = layout(load_config(None, SMALL), 64)
    with pytest.raises(ValueError, match="local or conv"):
        feature_maps(np.arange(20), dense)


@pytest.mark.parametrize("kind", ["local", "conv"])
def test_make_figures_of_a_sparse_layer(tmp_path, kind):
    """A hand-made results folder of a local / conv layer gets the new figures too."""
    rng = np.random.default_rng(5)
    ck = sparse_checkpoint(kind, rng)
    counts = rng.integers(0, 5, size=(3, 18))
    ck.test = FrozenPass(position=PassPosition(done=3), counts=counts)
    out = tmp_path / "run"
    out.mkdir()
    (out / "config.toml").write_text(ck.config)
    ck.save(out / FILENAME)
    new = {"local": ["local_fields", "feature_maps"]}.get(
        kind, ["kernels", "local_fields", "feature_maps"]
    )
    assert figure_names(sparse_config(kind)) == DENSE_FIGURES + new
    paths = make_figures(out, formats=("png",), names=["theta", *new], animation=False)
    assert [p.name for p in paths] == ["theta.png", *(f"{name}.png" for name in new)]
    for path in paths:
        width, height = FIGSIZES[path.stem]
        with Image.open(path) as image:
            assert image.size == (round(width * DPI), round(height * DPI)), path.name
    # the feature maps are test example 0's counts, beside test image 0 of the data set
    fig = FIGURES["feature_maps"](load_results(out))
    np.testing.assert_array_equal(
        fig.axes[0].images[0].get_array(), load_dataset("digits").test_images[0]
    )
    np.testing.assert_array_equal(fig.axes[2].images[0].get_array(), counts[0, 9:].reshape(3, 3))


def test_feature_maps_before_the_test_pass_and_without_the_data_set(tmp_path, monkeypatch, caplog):
    import stdp.datasets

    rng = np.random.default_rng(6)
    ck = sparse_checkpoint("local", rng)
    res = Results(run_dir=tmp_path, cfg=sparse_config("local"), checkpoint=ck)
    assert FIGURES["feature_maps"](res) is None  # no pass has counted anything
    ck.label = FrozenPass(position=PassPosition(done=2), counts=np.arange(36).reshape(2, 18))
    fig = FIGURES["feature_maps"](res)
    assert "labelling" in fig.get_suptitle()
    first = load_dataset("digits").train_labels[0]  # the labelling pass shows training images
    assert fig.axes[0].get_title() == f"input (class {first})"

    def unavailable(*args, **kwargs):
        raise DataError("data set 'digits' not found")

    monkeypatch.setattr(stdp.datasets, "load_dataset", unavailable)
    with caplog.at_level(logging.WARNING, logger="stdp.figures"):
        fig = FIGURES["feature_maps"](res)
    assert "not found" in caplog.text
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), np.arange(9).reshape(3, 3))


def test_dense_runs_skip_the_figures_of_sparse_layers(run_dir, tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="stdp.figures"):
        paths = make_figures(run_dir, tmp_path, ("png",), names=["kernels"], animation=False)
    assert paths == []
    assert "kernels figure: it is for conv layers, this run's is dense" in caplog.text
