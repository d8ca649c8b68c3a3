"""Sweeps on a Dask cluster started by hand: the work is shipped, the results come back.

A ``dask scheduler`` and ``dask worker`` run as separate processes; the worker
has its own working directory and its own cache folder (whose ``build``
subfolder is the test session's, so the small configuration is compiled once
for the whole suite). The client runs ``stdp sweep`` with a relative config
path from a folder of its own.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest

from stdp.checkpoint import Checkpoint

from .conftest import SMALL

ROOT = Path(__file__).resolve().parent.parent
DASK = Path(sys.executable).parent / "dask"
#: The runs of the sweeps below: 40 and 400 training examples, a checkpoint every 40.
GRID = "train.n_examples=40,400"
LONG = "train.n_examples=400"


def _small_toml() -> str:
    lines = []
    for item in SMALL:
        key, value = item.split("=", 1)
        quoted = value if value.replace(".", "").isdigit() else f'"{value}"'
        lines.append(f"{key} = {quoted}")
    return "\n".join(lines) + "\n"


def _env(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["STDP_CACHE_DIR"] = str(cache)
    return env


class Cluster:
    """A scheduler, and workers started and killed at will (each in its own session)."""

    def __init__(self, base: Path, build: Path):
        self.base = base
        self.build = build
        self.workers: list[subprocess.Popen] = []
        info = base / "scheduler.json"
        self.scheduler = subprocess.Popen(
            [str(DASK), "scheduler", "--scheduler-file", str(info), "--port", "0",
             "--dashboard-address", ":0"],
            cwd=base, stdout=subprocess.DEVNULL, stderr=open(base / "scheduler.log", "w"),
            env=_env(base / "scheduler-cache"), start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not info.exists() or not info.read_text().strip():
            if time.monotonic() > deadline or self.scheduler.poll() is not None:
                raise RuntimeError("the scheduler did not start: " + _tail(base / "scheduler.log"))
            time.sleep(0.2)
        time.sleep(0.2)
        self.address = json.loads(info.read_text())["address"]

    def worker(
        self, name: str, hide: list[Path] = (), unshare: list[str] = ()
    ) -> tuple[subprocess.Popen, Path]:
        """Start a worker in ``base/name`` with its own cache.

        With ``hide``, the worker runs in the mount namespace that ``unshare``
        (a command prefix) makes, where each folder of ``hide`` is empty.
        """
        cwd = self.base / name
        cache = cwd / "cache"
        cache.mkdir(parents=True)
        (cache / "build").symlink_to(self.build)  # the session's compiled networks
        cmd = [str(DASK), "worker", self.address, "--nthreads", "1", "--name", name,
               "--local-directory", str(cwd / "scratch")]  # fmt: skip
        if hide:
            # A mount namespace of its own where each hidden folder is an empty tmpfs.
            mounts = " && ".join(f"mount -t tmpfs tmpfs '{path}'" for path in hide)
            script = f"{mounts} && test ! -e '{hide[0]}/small.toml' && exec \"$@\""
            cmd = [*unshare, "sh", "-c", script, "sh", *cmd]
        proc = subprocess.Popen(
            cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=open(cwd / "worker.log", "w"),
            env=_env(cache), start_new_session=True,
        )  # fmt: skip
        self.workers.append(proc)
        deadline = time.monotonic() + 120
        while "Registered to" not in (cwd / "worker.log").read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                self.kill(proc)
                raise RuntimeError(f"worker {name} did not start: " + _tail(cwd / "worker.log"))
            time.sleep(0.2)
        return proc, cwd

    def kill(self, proc: subprocess.Popen) -> None:
        with _suppress_lookup():
            os.killpg(proc.pid, signal.SIGKILL)  # the worker, its nanny and its run
        proc.wait()

    def stop(self, proc: subprocess.Popen) -> None:
        """End a process the polite way (SIGTERM), else kill it."""
        if proc.poll() is None:
            with _suppress_lookup():
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill(proc)

    def close(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            self.stop(proc)


class _suppress_lookup:
    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        return kind is ProcessLookupError


def _tail(path: Path) -> str:
    lines = path.read_text(errors="replace").strip().splitlines() if path.exists() else []
    return " | ".join(lines[-5:])


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, _private_cache):
    if not DASK.exists():
        pytest.skip(f"no dask command next to {sys.executable}")
    build = _private_cache / "build"
    build.mkdir(parents=True, exist_ok=True)
    cluster = Cluster(tmp_path_factory.mktemp("cluster"), build)
    yield cluster
    cluster.close()


def _client_dir(base: Path, name: str) -> Path:
    folder = base / name
    folder.mkdir()
    (folder / "small.toml").write_text(_small_toml())
    return folder


def _sweep(cluster: Cluster, client: Path, grid: str, *, wait: bool = True, **popen):
    """``stdp sweep small.toml --grid GRID --scheduler ADDRESS --out out``, run in ``client``."""
    cmd = [sys.executable, "-m", "stdp", "sweep", "small.toml", "--grid", grid,
           "--scheduler", cluster.address, "--out", "out"]  # fmt: skip
    env = _env(client / "cache")  # the client compiles nothing and needs no data
    if not wait:
        return subprocess.Popen(cmd, cwd=client, env=env, text=True, **popen)
    return subprocess.run(cmd, cwd=client, env=env, capture_output=True, text=True, timeout=600)


def _run_dirs(out: Path) -> list[Path]:
    return sorted(path.parent for path in out.glob("*/seed*/config.toml"))


#: Metrics that depend on the clock, not on the simulation.
_TIMING = ("seconds", "per_second", "versions")


def _same_results(a: Path, b: Path) -> None:
    """Two results folders hold the same run, bit for bit (clock readings aside)."""
    assert (a / "config.toml").read_text() == (b / "config.toml").read_text()
    for name in ("label_counts.npz", "test_counts.npz"):
        with np.load(a / name) as one, np.load(b / name) as two:
            assert sorted(one.files) == sorted(two.files)
            for key in one.files:
                np.testing.assert_array_equal(one[key], two[key], err_msg=f"{name}: {key}")
    one = Checkpoint.load(a / "checkpoint.npz")
    two = Checkpoint.load(b / "checkpoint.npz")
    np.testing.assert_array_equal(one.weights, two.weights)
    np.testing.assert_array_equal(one.theta, two.theta)
    for key in one.state:
        np.testing.assert_array_equal(one.state[key], two.state[key], err_msg=key)
    ma, mb = (json.loads((d / "metrics.json").read_text()) for d in (a, b))
    keep = [k for k in ma if not any(t in k for t in _TIMING)]
    assert {k: ma[k] for k in keep} == {k: mb[k] for k in keep}


@pytest.fixture(scope="module")
def reference(cluster, tmp_path_factory):
    """The sweep on one worker in another folder, undisturbed: (client folder, worker folder)."""
    client = _client_dir(tmp_path_factory.mktemp("client"), "client")
    _, worker_dir = cluster.worker("worker-a")
    proc = _sweep(cluster, client, GRID)
    assert proc.returncode == 0, proc.stderr[-2000:] + _tail(worker_dir / "worker.log")
    return client, worker_dir


def test_a_sweep_with_a_relative_config_runs_on_a_worker_elsewhere(reference):
    client, worker_dir = reference
    out = client / "out"
    runs = _run_dirs(out)
    assert [p.relative_to(out).as_posix() for p in runs] == [
        "train.n_examples=40/seed42",
        "train.n_examples=400/seed42",
    ]
    for run, n_train in zip(runs, (40, 400), strict=True):
        metrics = json.loads((run / "metrics.json").read_text())
        assert metrics["n_train"] == n_train
        assert tomllib.loads((run / "config.toml").read_text())["train"]["n_examples"] == n_train
        for name in ("checkpoint.npz", "label_counts.npz", "test_counts.npz", "log.txt"):
            assert (run / name).is_file(), name
        assert not list(run.glob(".lock")) and not list(run.glob("*.tmp"))
        with np.load(run / "test_counts.npz") as counts:
            assert counts["counts"].shape[0] == 60
    assert (out / "sweep.md").read_text().count("| train.n_examples=") == 2
    # nothing of the client's on the worker's side: no results folder, no config
    assert not list(worker_dir.rglob("metrics.json"))
    assert not list(worker_dir.rglob("small.toml"))


def _unshare(probe_dir: Path) -> tuple[list[str], str]:
    """How to make a private mount namespace here (as root, else in a user namespace).

    Returns the command prefix, or an empty one and the reason why there is none.
    """
    if shutil.which("unshare") is None:
        return [], "no unshare command"
    errors = []
    for prefix in (
        ["unshare", "--mount", "--propagation", "private"],
        ["unshare", "--user", "--map-root-user", "--mount", "--propagation", "private"],
    ):
        probe = subprocess.run(
            [*prefix, "sh", "-c", f"mount -t tmpfs tmpfs '{probe_dir}'"],
            capture_output=True, text=True,
        )  # fmt: skip
        if probe.returncode == 0:
            return prefix, ""
        errors.append(probe.stderr.strip())
    return [], f"this machine allows no private mount namespace ({'; '.join(errors)})"


def test_a_worker_that_cannot_see_the_clients_files(cluster, tmp_path_factory):
    unshare, why = _unshare(tmp_path_factory.mktemp("probe"))
    if not unshare:
        pytest.skip(why)
    client = _client_dir(tmp_path_factory.mktemp("client-hidden"), "client")
    # the first worker would take the run: only the hidden one is left
    for proc in cluster.workers:
        cluster.stop(proc)
    hide = [client, ROOT / "experiments"]
    proc, worker_dir = cluster.worker("worker-hidden", hide=hide, unshare=unshare)
    try:
        done = _sweep(cluster, client, "train.n_examples=40")
        assert proc.poll() is None, _tail(worker_dir / "worker.log")
        assert done.returncode == 0, done.stderr[-2000:] + _tail(worker_dir / "worker.log")
        (run,) = _run_dirs(client / "out")
        assert json.loads((run / "metrics.json").read_text())["n_train"] == 40
        for name in ("config.toml", "checkpoint.npz", "test_counts.npz", "log.txt"):
            assert (run / name).is_file(), name
        assert not list(worker_dir.rglob("metrics.json"))
    finally:
        cluster.stop(proc)


@pytest.mark.slow
def test_killing_the_worker_mid_run_changes_nothing(cluster, reference, tmp_path_factory):
    """The run resumes on a new worker from the client's last checkpoint, bit for bit."""
    client = _client_dir(tmp_path_factory.mktemp("client-kill"), "client")
    for proc in cluster.workers:
        if proc.poll() is None:
            cluster.kill(proc)
    first, _ = cluster.worker("worker-killed")
    sweep = _sweep(cluster, client, LONG, wait=False, stderr=subprocess.PIPE)
    run = client / "out" / "train.n_examples=400" / "seed42"
    try:
        deadline = time.monotonic() + 300
        while not (run / "checkpoint.npz").exists():  # the first checkpoint came back
            assert time.monotonic() < deadline and sweep.poll() is None, "no checkpoint came"
            time.sleep(0.1)
        cluster.kill(first)
        held = Checkpoint.load(run / "checkpoint.npz")
        assert held.phase == "train" and 0 < held.train.done < 400
        assert not (run / "metrics.json").exists()
        _, second_dir = cluster.worker("worker-new")
        _, err = sweep.communicate(timeout=600)
        assert sweep.returncode == 0, err[-2000:] + _tail(second_dir / "worker.log")
    finally:
        if sweep.poll() is None:
            sweep.kill()
    resumed = re.findall(r"resuming training at example (\d+)", (run / "log.txt").read_text())
    assert len(resumed) == 1 and held.train.done <= int(resumed[0]) < 400
    _same_results(run, reference[0] / "out" / "train.n_examples=400" / "seed42")


@pytest.mark.slow
def test_a_sweep_started_again_after_its_client_died(cluster, reference, tmp_path_factory):
    """The workers drop the dead client's run; the same command resumes it from --out."""
    client = _client_dir(tmp_path_factory.mktemp("client-restart"), "client")
    for proc in cluster.workers:
        cluster.stop(proc)
    _, worker_dir = cluster.worker("worker-restart")
    sweep = _sweep(cluster, client, LONG, wait=False, stderr=subprocess.DEVNULL)
    run = client / "out" / "train.n_examples=400" / "seed42"
    deadline = time.monotonic() + 300
    while not (run / "checkpoint.npz").exists():
        assert time.monotonic() < deadline and sweep.poll() is None, "no checkpoint came"
        time.sleep(0.1)
    assert list(worker_dir.rglob("stdp-run-*")), "the run is not in the worker's scratch"
    sweep.kill()  # SIGKILL: the client has no chance to say anything
    sweep.wait()
    held = Checkpoint.load(run / "checkpoint.npz")
    assert held.phase == "train" and not (run / "metrics.json").exists()
    deadline = time.monotonic() + 60
    while list(worker_dir.rglob("stdp-run-*")):  # the worker stops the orphaned run
        assert time.monotonic() < deadline, "the worker went on with the dead client's run"
        time.sleep(0.2)
    again = _sweep(cluster, client, LONG)
    assert again.returncode == 0, again.stderr[-2000:] + _tail(worker_dir / "worker.log")
    resumed = re.findall(r"resuming training at example (\d+)", (run / "log.txt").read_text())
    assert resumed == [str(held.train.done)]
    _same_results(run, reference[0] / "out" / "train.n_examples=400" / "seed42")
