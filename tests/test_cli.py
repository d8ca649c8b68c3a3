"""Bad input on the command line: one-line error, exit status 2, no results written."""

from __future__ import annotations

import gzip
import struct

import pytest

from stdp.cli import main


def _run(capsys, *argv):
    status = main(list(argv))
    err = capsys.readouterr().err.strip().splitlines()
    return status, err


@pytest.mark.parametrize(
    "override, message",
    [
        ("network.n_exx=100", "unknown configuration key 'network.n_exx'"),
        ("protocol.presentation=100 mV", "protocol.presentation: '100 mV' is a voltage"),
        ("dataset.name=cifar", "dataset.name: 'cifar' is not one of"),
    ],
)
def test_bad_config_values(tmp_path, capsys, override, message):
    out = tmp_path / "out"
    status, err = _run(
        capsys, "run", "experiments/digits.toml", "--set", override, "--out", str(out)
    )
    assert status == 2
    assert len(err) == 1 and err[0].startswith("stdp: error: ") and message in err[0]
    assert not out.exists()


def test_missing_config_file(tmp_path, capsys):
    status, err = _run(capsys, "run", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "o"))
    assert status == 2 and "config file not found" in err[0]
    assert not (tmp_path / "o").exists()


def test_missing_data_files(tmp_path, capsys):
    empty = tmp_path / "idx"
    empty.mkdir()
    out = tmp_path / "out"
    status, err = _run(
        capsys,
        "run",
        "experiments/digits.toml",
        "--set",
        "dataset.name=mnist",
        "--set",
        f'dataset.idx_dir="{empty}"',
        "--out",
        str(out),
    )
    assert status == 2 and len(err) == 1 and "train-images-idx3-ubyte" in err[0]
    assert not out.exists()


def test_corrupt_data_file(tmp_path, capsys):
    idx = tmp_path / "idx"
    idx.mkdir()
    images = struct.pack(">IIII", 0x00000803, 10, 28, 28) + bytes(28 * 28 * 4)  # truncated
    labels = struct.pack(">II", 0x00000801, 10) + bytes(10)
    for prefix in ("train", "t10k"):
        (idx / f"{prefix}-images-idx3-ubyte.gz").write_bytes(gzip.compress(images))
        (idx / f"{prefix}-labels-idx1-ubyte.gz").write_bytes(gzip.compress(labels))
    out = tmp_path / "out"
    status, err = _run(
        capsys,
        "run",
        "experiments/digits.toml",
        "--set",
        "dataset.name=mnist",
        "--set",
        f'dataset.idx_dir="{idx}"',
        "--out",
        str(out),
    )
    assert status == 2 and len(err) == 1
    assert "images-idx3-ubyte" in err[0]
    assert not out.exists()


def test_resume_evaluate_and_extend_need_a_results_folder(tmp_path, capsys):
    status, err = _run(capsys, "resume", str(tmp_path))
    assert status == 2 and "not a results folder" in err[0]
    status, err = _run(capsys, "extend", str(tmp_path), "--set", "train.n_examples=10")
    assert status == 2 and "not a results folder" in err[0]
    (tmp_path / "config.toml").write_text("seed = 1\n")
    status, err = _run(capsys, "evaluate", str(tmp_path))
    assert status == 2 and "no checkpoint" in err[0]
    (tmp_path / "checkpoint.npz").write_bytes(b"not a zip file")
    status, err = _run(capsys, "resume", str(tmp_path))
    assert status == 2 and "cannot read the checkpoint" in err[0]
