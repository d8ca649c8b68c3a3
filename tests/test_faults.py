"""Faults a user can cause end cleanly: interrupts, dead folders, two runs at once, the disk.

The interrupt and concurrency tests start ``stdp`` as separate processes, as a
user would, and compare what they leave with a run that was left alone.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from filelock import FileLock

from stdp import experiment
from stdp.checkpoint import Checkpoint
from stdp.cli import main
from stdp.config import load_config

from .conftest import SMALL

#: Long enough to be interrupted after its first checkpoint (SMALL checkpoints every 40).
LONGER = [*SMALL, "train.n_examples=400", "label.n_examples=400"]


def _config_file(tmp_path: Path, overrides: list[str]) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(load_config(None, overrides).to_toml())
    return path


def _stdp(*argv: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "stdp", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's job
        env=env,
    )


def _wait_for(condition, proc: subprocess.Popen, timeout: float = 600.0) -> None:
    start = time.monotonic()
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"ended early with {proc.returncode}: {proc.stderr.read()}")
        if time.monotonic() - start > timeout:
            proc.kill()
            raise AssertionError("timed out")
        time.sleep(0.1)


def _status(run_dir: Path) -> dict:
    try:
        return json.loads((run_dir / "status.json").read_text())
    except (OSError, ValueError):
        return {}


def _assert_same_run(a: Path, b: Path) -> None:
    ca, cb = Checkpoint.load(a / "checkpoint.npz"), Checkpoint.load(b / "checkpoint.npz")
    assert ca.state.keys() == cb.state.keys()
    for key in ca.state:
        np.testing.assert_array_equal(ca.state[key], cb.state[key], err_msg=key)
    np.testing.assert_array_equal(ca.assignments, cb.assignments)
    assert ca.train_accuracy == cb.train_accuracy
    for name in ("label_counts.npz", "test_counts.npz"):
        with np.load(a / name) as x, np.load(b / name) as y:
            np.testing.assert_array_equal(x["counts"], y["counts"])
    ma = json.loads((a / "metrics.json").read_text())
    mb = json.loads((b / "metrics.json").read_text())
    assert ma["accuracy"] == mb["accuracy"] and ma["accuracy_linear"] == mb["accuracy_linear"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The LONGER run, left alone."""
    out = tmp_path_factory.mktemp("reference") / "run"
    experiment.run_experiment(None, LONGER, out=out, stream=None)
    return out


@pytest.mark.parametrize(
    "sig, when, status",
    [
        (signal.SIGINT, "training", 130),
        (signal.SIGTERM, "evaluating", 143),
    ],
)
def test_an_interrupted_run_says_how_to_go_on_and_resumes_bit_for_bit(
    tmp_path, reference, sig, when, status
):
    run_dir = tmp_path / "run"
    scratch = tmp_path / "tmp"  # the run's temporary folder: Brian2's debug files would go here
    scratch.mkdir()
    env = dict(os.environ, TMPDIR=str(scratch))
    proc = _stdp("run", str(_config_file(tmp_path, LONGER)), "--out", str(run_dir), env=env)
    # status.json follows the checkpoints: a run killed after one knows what it holds
    _wait_for(
        lambda: (
            (run_dir / "checkpoint.npz").exists()
            and _status(run_dir).get("state") == when
            and _status(run_dir).get("examples_trained", 0) > 0
        ),
        proc,
    )
    os.killpg(proc.pid, sig)  # as Ctrl-C does: the whole process group
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == status, err
    lines = err.strip().splitlines()
    assert lines[-1] == f"stdp: interrupted; continue with 'stdp resume {run_dir}'"
    assert "Traceback" not in err
    assert list(scratch.iterdir()) == []  # no debug log, no script copy left behind
    assert _status(run_dir)["state"] == "interrupted"
    saved = Checkpoint.load(run_dir / "checkpoint.npz").train.done  # where a resume starts
    assert _status(run_dir)["examples_trained"] == saved
    assert main(["resume", str(run_dir)]) == 0
    _assert_same_run(reference, run_dir)


def test_a_run_that_died_before_its_first_checkpoint_is_no_dead_end(tmp_path):
    config = _config_file(tmp_path, [*SMALL, "train.n_examples=40"])
    dead = tmp_path / "dead"
    dead.mkdir()
    (dead / "config.toml").write_text(config.read_text())  # what a kill during the build leaves
    assert main(["resume", str(dead)]) == 0  # resume starts it from the beginning
    assert _status(dead)["state"] == "done"
    again = tmp_path / "again"
    again.mkdir()
    (again / "config.toml").write_text(config.read_text())
    assert main(["run", str(config), "--out", str(again)]) == 0  # and so does the same run
    _assert_same_run(dead, again)


def test_a_folder_in_use_is_refused_naming_its_owner(tmp_path, capsys):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    lock = experiment.lock_folder(run_dir)
    try:
        status = main(["run", "experiments/digits.toml", "--out", str(run_dir)])
        err = capsys.readouterr().err.strip().splitlines()
        assert status == 2 and len(err) == 1
        assert f"in use by process {os.getpid()}" in err[0]
        assert not (run_dir / "config.toml").exists()  # nothing written into it
    finally:
        lock.release()


def test_a_refusal_names_no_dead_holder_and_waits_for_a_late_owner_file(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a pid that no longer runs: a stale .owner from an earlier holder
    lock = FileLock(run_dir / ".lock", timeout=0)
    lock.acquire()  # held, but .owner not yet rewritten: the holder's first instants
    try:
        for stale in (gone.pid, 0):  # 0 names a process group, not a holder
            (run_dir / ".owner").write_text(f"{stale}\n")
            with pytest.raises(experiment.CheckpointError, match="in use by another process"):
                experiment.lock_folder(run_dir)
        late = threading.Timer(0.3, (run_dir / ".owner").write_text, [f"{os.getpid()}\n"])
        late.start()
        with pytest.raises(experiment.CheckpointError, match=f"in use by process {os.getpid()} "):
            experiment.lock_folder(run_dir)
        late.join()
    finally:
        lock.release()


def test_two_runs_into_one_folder_at_once_one_wins_the_other_is_refused(tmp_path, reference):
    config = _config_file(tmp_path, LONGER)
    run_dir = tmp_path / "run"
    procs = [_stdp("run", str(config), "--out", str(run_dir)) for _ in range(2)]
    results = [(p.wait(timeout=900), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    loser = next(err for code, err in results if code == 2).strip().splitlines()
    winner = next(p.pid for p, (code, _) in zip(procs, results, strict=True) if code == 0)
    assert len(loser) == 1
    # refused at the lock, naming the winner, or after the winner's checkpoint
    assert f"in use by process {winner} " in loser[0] or "already holds" in loser[0], loser
    _assert_same_run(reference, run_dir)  # the winner's results, not mixed with the loser's


@pytest.mark.slow  # compiles the network once more, into its own empty cache
def test_two_runs_of_one_config_in_two_folders_share_a_fresh_build_cache(tmp_path, reference):
    """Both build the same network into an empty cache at the same moment."""
    config = _config_file(tmp_path, LONGER)
    env = dict(os.environ, STDP_CACHE_DIR=str(tmp_path / "cache"))
    dirs = [tmp_path / "a", tmp_path / "b"]
    procs = [_stdp("run", str(config), "--out", str(d), env=env) for d in dirs]
    for proc in procs:
        assert proc.wait(timeout=900) == 0, proc.stderr.read()
    for run_dir in dirs:
        _assert_same_run(reference, run_dir)


def test_a_full_disk_ends_in_one_line_and_leaves_no_half_written_file(
    tmp_path, capsys, monkeypatch
):
    from stdp import fileio

    real = fileio.os.fsync

    def fsync(fd):  # the disk fills up as the first checkpoint is written
        if os.path.basename(os.readlink(f"/proc/self/fd/{fd}")).startswith(".checkpoint.npz."):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd)

    monkeypatch.setattr(fileio.os, "fsync", fsync)
    run_dir = tmp_path / "run"
    # the SMALL network of the other tests: its build is cached, so this test compiles nothing
    status = main(["run", str(_config_file(tmp_path, SMALL)), "--out", str(run_dir)])
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("stdp: error")]
    assert errors == ["stdp: error: No space left on device"], err
    assert err.strip().splitlines()[-1] == errors[0]
    assert not [p for p in run_dir.rglob("*") if p.name.endswith(".tmp")]
    assert not (run_dir / "checkpoint.npz").exists()
    assert _status(run_dir)["state"] == "failed"
    assert "No space left on device" in (run_dir / "log.txt").read_text()


@pytest.mark.parametrize("out", ["/dev/null/x", "/proc/stdp-results"])
def test_a_folder_that_cannot_be_made_ends_in_one_line(capsys, out):
    status = main(["run", "experiments/digits.toml", "--out", out])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1 and err[0].startswith("stdp: error: "), err


def test_a_network_too_large_for_the_machine_is_refused_before_anything_is_written(
    tmp_path, capsys
):
    out = tmp_path / "huge"
    status = main(["run", "experiments/digits.toml", "--set", "network.n_exc=10000000",
                   "--out", str(out)])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1
    assert "network.n_exc" in err[0] and "GB" in err[0] and "available" in err[0]
    assert not out.exists()


def test_a_signal_that_lands_inside_a_c_call_still_counts_as_an_interruption():
    from stdp.experiment import interrupted

    def raised(outer: type, inner: BaseException | None) -> BaseException:
        try:
            try:
                if inner is not None:
                    raise inner
            finally:
                raise outer("<built-in function fspath> returned a result with an exception set")
        except BaseException as err:  # noqa: BLE001 - the test builds the chain
            return err

    assert interrupted(KeyboardInterrupt("signal 15"))
    # what CPython raises when the handler's exception is pending as a builtin returns
    assert interrupted(raised(SystemError, KeyboardInterrupt("signal 15")))
    assert not interrupted(raised(SystemError, None))
    assert not interrupted(raised(RuntimeError, ValueError("bad")))
