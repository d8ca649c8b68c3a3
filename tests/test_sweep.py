"""Sweeps: grid parsing, planning, the summary table, and a small sweep run twice."""

from __future__ import annotations

import math

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
