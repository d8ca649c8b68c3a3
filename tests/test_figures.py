"""``make_figures`` on a tiny results folder: every file, sizes, frames; bad folders."""

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

from stdp.cli import main
from stdp.errors import CheckpointError, DataError
from stdp.experiment import run_experiment
from stdp.figures import FIGSIZES, FIGURES, STYLE, make_figures
from stdp.recording import record_presentation

from .conftest import SMALL

ROOT = Path(__file__).resolve().parents[1]
DPI = STYLE["savefig.dpi"]
N_EXC = 20  # network.n_exc of SMALL


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A finished run of the shared small config, with weight snapshots every 40 examples."""
    out = tmp_path_factory.mktemp("figures") / "run"
    run_experiment(None, [*SMALL, "train.snapshot_every=40"], out=out, stream=None)
    return out


@pytest.fixture(scope="module")
def written(run_dir):
    return make_figures(run_dir)


def test_every_file_is_written(run_dir, written):
    expected = [f"{name}.{fmt}" for name in FIGURES for fmt in ("png", "pdf")]
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


def test_style_file_matches_library_style():
    from_file = matplotlib.rc_params_from_file(
        ROOT / "figures" / "style.mplstyle", use_default_template=False
    )
    assert set(from_file) == set(STYLE)
    for key, value in STYLE.items():
        assert from_file[key] == matplotlib.RcParams({key: value})[key], key


def test_record_presentation(run_dir):
    rec = record_presentation(run_dir, example_index=3)
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
    chosen = record_presentation(run_dir, example_index=3, neuron=0)
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
    partial = tmp_path / "partial"
    partial.mkdir()
    for name in ("config.toml", "checkpoint.npz"):
        shutil.copy(run_dir / name, partial / name)
    (partial / "snapshots").mkdir()
    shutil.copy(next((run_dir / "snapshots").glob("*.npz")), partial / "snapshots")
    with caplog.at_level(logging.WARNING, logger="stdp.figures"):
        paths = make_figures(
            partial, formats=("png",), names=["theta", "confusion", "running_accuracy"]
        )
    assert [p.name for p in paths] == ["theta.png"]
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "confusion" in messages and "running_accuracy" in messages
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


@pytest.mark.parametrize("damage", ["missing", "no_checkpoint", "truncated", "garbage", "bad_json"])
def test_broken_results_folder(run_dir, tmp_path, damage):
    broken = tmp_path / "broken"
    if damage != "missing":
        broken.mkdir()
        shutil.copy(run_dir / "config.toml", broken / "config.toml")
        data = (run_dir / "checkpoint.npz").read_bytes()
        if damage == "truncated":
            (broken / "checkpoint.npz").write_bytes(data[: len(data) // 3])
        elif damage == "garbage":
            (broken / "checkpoint.npz").write_bytes(b"not a checkpoint")
        elif damage == "bad_json":
            (broken / "checkpoint.npz").write_bytes(data)
            (broken / "metrics.json").write_text("{ not json")
    with pytest.raises(CheckpointError) as info:
        make_figures(broken, formats=("png",))
    assert "\n" not in str(info.value)
    assert not (broken / "figures").exists()


def test_cli_figures(run_dir, tmp_path, capsys):
    status = main(["figures", str(run_dir), "--out", str(tmp_path), "--format", "png"])
    out = capsys.readouterr().out.split()
    assert status == 0
    assert len(out) == len(FIGURES) + 1 and all(Path(p).exists() for p in out)
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


def test_metrics_feed_the_figures(run_dir):
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert len(metrics["running_accuracy"]) >= 1  # SMALL scores blocks of 40 examples
    assert np.asarray(metrics["confusion_matrix"]).shape == (10, 10)
