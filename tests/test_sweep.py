"""Sweeps: grid parsing, planning, the summary table, and a small sweep run twice."""

from __future__ import annotations

import math

import numpy as np
import pytest

from stdp.errors import ConfigError
from stdp.sweep import SweepPoint, parse_grid, plan_sweep, run_sweep, summarise

from .conftest import SMALL


def test_grid_values_are_typed():
    grid = parse_grid(["network.n_exc=100,400", "exc.theta_plus=0.05 mV, 0.1 mV", "x.y=true"])
    assert grid == {
        "network.n_exc": [100, 400],
        "exc.theta_plus": ["0.05 mV", "0.1 mV"],
        "x.y": [True],
    }
    with pytest.raises(ConfigError, match="expected section.key"):
        parse_grid(["network.n_exc"])


def test_plan_checks_every_point_before_running(tmp_path):
    with pytest.raises(ConfigError, match="exc.theta_plus"):
        plan_sweep(None, {"exc.theta_plus": ["0.05 mV", "3 ms"]}, 1, tmp_path)
    points = plan_sweep(None, {"network.n_exc": [100, 400]}, 3, tmp_path)
    assert len(points) == 6
    assert [p.seed for p in points[:3]] == [42, 43, 44]
    assert points[0].run_dir == tmp_path / "network.n_exc=100" / "seed42"
    assert "seed=44" in points[2].overrides()


def test_summary_means_sds_and_failures(tmp_path):
    point_a = [SweepPoint((("k", 1),), s, tmp_path / str(s)) for s in (1, 2, 3)]
    point_b = [SweepPoint((("k", 2),), s, tmp_path / f"b{s}") for s in (1, 2)]

    def done(acc):
        return {
            "status": "done",
            "metrics": {
                "accuracy": acc,
                "accuracy_proportion": acc,
                "train_examples_per_second": 10.0,
            },
        }

    results = [done(0.8), done(0.9), done(1.0), done(0.5), {"status": "failed", "error": "boom"}]
    table = summarise(point_a + point_b, results)
    a, b = table
    assert a["point"] == "k=1" and a["done"] == 3 and a["failed"] == 0
    assert a["accuracy_mean"] == pytest.approx(0.9)
    assert a["accuracy_sd"] == pytest.approx(0.1)
    assert b["done"] == 1 and b["failed"] == 1 and "seed 2: boom" in b["errors"]
    assert b["accuracy_sd"] == 0.0
    empty = summarise(point_b, [None, None])[0]
    assert math.isnan(empty["accuracy_mean"]) and empty["done"] == 0


def test_a_sweep_started_again_skips_finished_runs(tmp_path):
    config = tmp_path / "small.toml"
    lines = []
    for item in SMALL:
        key, value = item.split("=", 1)
        quoted = value if value.replace(".", "").isdigit() else f'"{value}"'
        lines.append(f"{key} = {quoted}")
    config.write_text("\n".join(lines) + "\n")
    out = tmp_path / "sweep"
    grid = ["train.n_examples=40,80"]
    table = run_sweep(config, grid, seeds=1, out=out, workers=1, stream=None)
    assert [row["done"] for row in table] == [1, 1]
    assert (out / "sweep.md").read_text().count("| train.n_examples=") == 2
    finished = sorted(out.glob("*/seed*/metrics.json"))
    assert len(finished) == 2
    stamps = [p.stat().st_mtime_ns for p in finished]
    # as if the sweep had been killed before the second run wrote its metrics
    finished[1].unlink()
    again = run_sweep(config, grid, seeds=1, out=out, workers=1, stream=None)
    assert [row["done"] for row in again] == [1, 1]
    assert finished[0].stat().st_mtime_ns == stamps[0]  # not run again
    assert finished[1].exists()  # completed from its checkpoint
    assert again[0]["accuracy_mean"] == table[0]["accuracy_mean"]
    assert again[1]["accuracy_mean"] == table[1]["accuracy_mean"]


def test_a_run_started_by_a_worker_dies_with_the_worker(tmp_path):
    """A killed sweep must not leave its runs going on as orphans (Linux)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time\n"
            "from stdp.remote import _die_with_parent\n"
            "child = subprocess.Popen(['sleep', '60'], preexec_fn=_die_with_parent)\n"
            "print(child.pid, flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    child = int(parent.stdout.readline())
    os.kill(child, 0)  # running
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        with open(f"/proc/{child}/stat") as stat:  # reaped by init shortly; zombie = gone
            if stat.read().split()[2] == "Z":
                return
        time.sleep(0.05)
    os.kill(child, signal.SIGKILL)
    raise AssertionError("the child outlived its parent")


# -- shipping runs to workers that share nothing with the client (stdp.remote) ------------
class _Recorder:
    """Stands for a Dask variable: remembers what the client offered for a resume."""

    def __init__(self):
        self.values = []

    def set(self, value):
        self.values.append(value)


def test_the_client_keeps_the_newest_files_a_worker_sent(tmp_path):
    from stdp.sweep import _Receiver

    point = SweepPoint((("k", 1),), 1, tmp_path / "run")
    variable = _Recorder()
    receiver = _Receiver([point], {0: variable})
    receiver.apply(0, "a", 2, {"checkpoint.npz": b"ck2", "config.toml": b"c", "log.txt": b"l2"})
    receiver.apply(0, "a", 1, {"checkpoint.npz": b"ck1", "log.txt": b"l1"})  # late, older
    assert (point.run_dir / "checkpoint.npz").read_bytes() == b"ck2"
    assert (point.run_dir / "log.txt").read_bytes() == b"l2"
    # what a task run again after a lost worker gets: the client's last checkpoint
    assert variable.values == [{"config.toml": b"c", "checkpoint.npz": b"ck2", "log.txt": b"l2"}]
    receiver.apply(0, "b", 1, {"checkpoint.npz": b"ck3", "../escape": b"x"})  # a new attempt
    assert (point.run_dir / "checkpoint.npz").read_bytes() == b"ck3"
    assert not (tmp_path / "escape").exists()
    receiver.finished.add(0)
    receiver.apply(0, "b", 2, {"checkpoint.npz": b"ck4"})  # after the run's end: ignored
    assert (point.run_dir / "checkpoint.npz").read_bytes() == b"ck3"


def test_a_worker_sends_only_what_changed(tmp_path):
    from stdp.remote import folder_files

    run = tmp_path / "run"
    (run / "snapshots").mkdir(parents=True)
    for name in ("config.toml", ".lock", ".owner", ".checkpoint.npz.x.tmp", "snapshots/w1.npz"):
        (run / name).write_bytes(name.encode())
    sent: dict = {}
    assert sorted(folder_files(run, sent)) == ["config.toml", "snapshots/w1.npz"]
    assert folder_files(run, sent) == {}
    (run / "snapshots" / "w2.npz").write_bytes(b"2")
    assert folder_files(run, sent) == {"snapshots/w2.npz": b"2"}


def test_a_data_set_goes_to_each_workers_cache_and_the_idx_path_stays_home(tmp_path, monkeypatch):
    """MNIST read from the client's IDX folder reaches a worker's cache through the plugin."""
    import pickle

    from dask.distributed import Client, LocalCluster

    from stdp.datasets import load_dataset
    from stdp.sweep import _datasets_to_ship

    from .test_datasets import synthetic_arrays, write_idx_dir

    arrays = synthetic_arrays()
    idx_dir = write_idx_dir(tmp_path / "idx", arrays, gz=True)
    monkeypatch.setenv("STDP_CACHE_DIR", str(tmp_path / "client-cache"))
    base = {"dataset": {"name": "mnist", "idx_dir": str(idx_dir)}}
    points = plan_sweep(base, {"train.n_examples": [10, 20]}, 1, tmp_path / "out")
    shipped, plugins = _datasets_to_ship(points)
    assert [p.run_dir for p in shipped] == [p.run_dir for p in points]
    assert all('idx_dir = ""' in p.config_toml for p in shipped)
    assert all(str(idx_dir) in p.config_toml for p in points)
    (plugin,) = pickle.loads(pickle.dumps(plugins))  # as the scheduler keeps and sends it
    worker_cache = tmp_path / "worker-cache"
    monkeypatch.setenv("STDP_CACHE_DIR", str(worker_cache))
    with LocalCluster(
        n_workers=1, processes=False, dashboard_address=":0", worker_dashboard_address=":0"
    ) as cluster:
        with Client(cluster) as client:
            client.register_plugin(plugin, name=plugin.plugin_name)
    data = load_dataset("mnist", download=False)  # no network: the worker's cache has it
    np.testing.assert_array_equal(data.train_images, arrays["train_images"])
    np.testing.assert_array_equal(data.test_labels, arrays["test_labels"])
    stamp = (worker_cache / "data" / "mnist.npz").stat().st_mtime_ns
    plugin.setup(None)  # a worker that has it already keeps its file
    assert (worker_cache / "data" / "mnist.npz").stat().st_mtime_ns == stamp


def test_the_dashboard_address_is_printed_when_there_is_one():
    from stdp.sweep import _dashboard

    class FakeClient:
        def __init__(self, services):
            self.services = services
            self.dashboard_link = "http://10.0.0.1:8787/status"

        def scheduler_info(self):
            return {"services": self.services}

    assert _dashboard(FakeClient({"dashboard": 8787})) == "http://10.0.0.1:8787/status"
    assert _dashboard(FakeClient({})) is None


def test_a_run_that_fails_on_its_worker_comes_back_with_its_error_line(tmp_path, monkeypatch):
    import tempfile

    from stdp.remote import RunTask, run_task

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the scratch folder outside Dask
    outcome = run_task(RunTask(0, "seed = 1\n[network]\nn_exc = 20\nn_exk = 3\n"))
    assert outcome["status"] == "failed"
    assert outcome["error"].startswith("stdp: error: ") and "network.n_exk" in outcome["error"]
    assert outcome["files"] == {}  # nothing was written: the config is checked first
    assert not list(tmp_path.glob("stdp-run-*"))  # the scratch folder is gone
