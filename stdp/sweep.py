"""Parameter sweeps: every grid point and seed as its own results folder, run on Dask.

``stdp sweep CONFIG --grid section.key=v1,v2 ... --seeds K`` makes the product
of the grid values times ``K`` seeds (``seed``, ``seed + 1``, ...). Each
combination is one ``stdp run`` in its own process (Brian2's device is global
state, so runs never share an interpreter), in the folder
``OUT/<key=value,...>/seed<N>`` on the client. The runs are scheduled on a
Dask distributed cluster: a local one with one single-threaded worker per core
by default, or an existing one given by its scheduler address.

Workers need ``stdp`` installed and nothing else: the client resolves each
run's configuration (grid values and seed included) and sends it as TOML text,
never a path; data sets that are not embedded are sent once per worker; and
each run's results folder comes back to the client, streamed at every
checkpoint (`stdp.remote`). A local cluster's workers, or workers of a cluster
whose disk holds ``OUT`` under the same path (``shared=True``, ``--shared``),
write into ``OUT`` directly instead.

A sweep started again skips the runs that have ``metrics.json`` and resumes
those that left a checkpoint, so killing a sweep loses at most the runs in
progress since their last checkpoint; a run whose worker is lost resumes on
another worker from the last checkpoint the client holds. Failed runs are reported in the table
with their error, never dropped. After every finished run the table of mean
and SD over seeds per grid point is rewritten (``sweep.csv`` and ``sweep.md``,
atomically).
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import signal
import sys
import threading
import tomllib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .config import load_config
from .errors import ConfigError
from .fileio import atomic_write_bytes, atomic_write_text

__all__ = ["SweepPoint", "parse_grid", "plan_sweep", "run_sweep", "summarise"]

#: Metrics summarised in the table (mean and SD over seeds).
COLUMNS = ("accuracy", "accuracy_proportion", "train_examples_per_second")


@dataclass(frozen=True)
class SweepPoint:
    """One run of a sweep: grid values, seed and results folder."""

    values: tuple[tuple[str, Any], ...]
    seed: int
    run_dir: Path
    #: The run's fully resolved configuration (what a worker receives).
    config_toml: str = field(default="", compare=False, repr=False)

    @property
    def label(self) -> str:
        return ",".join(f"{k}={v}" for k, v in self.values) or "base"

    def overrides(self) -> list[str]:
        sets = [f"{k}={_toml_value(v)}" for k, v in self.values]
        return [*sets, f"seed={self.seed}"]


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def parse_grid(specs: Sequence[str]) -> dict[str, list[Any]]:
    """``["network.n_exc=100,400", "exc.theta_plus=0.05 mV,0.0125 mV"]`` -> dict of value lists.

    Each value is read as a TOML value if possible (numbers, booleans) and as a
    string otherwise (quantities such as ``0.05 mV``).
    """
    grid: dict[str, list[Any]] = {}
    for spec in specs:
        if "=" not in spec:
            raise ConfigError(f"--grid {spec!r}: expected section.key=v1,v2,...")
        key, raw = (part.strip() for part in spec.split("=", 1))
        values = []
        for item in raw.split(","):
            item = item.strip()
            try:
                values.append(tomllib.loads(f"v = {item}")["v"])
            except tomllib.TOMLDecodeError:
                values.append(item)
        if not values or any(v == "" for v in values):
            raise ConfigError(f"--grid {spec!r}: empty value")
        grid[key] = values
    return grid


def plan_sweep(
    config: str | Path, grid: dict[str, list[Any]], seeds: int, out: str | Path
) -> list[SweepPoint]:
    """Every (grid point, seed), with every configuration checked before anything runs."""
    if seeds < 1:
        raise ConfigError(f"--seeds: expected a positive number, got {seeds}")
    base = load_config(config)
    keys = list(grid)
    points = []
    for combo in itertools.product(*(grid[k] for k in keys)):
        values = tuple(zip(keys, combo, strict=True))
        for offset in range(seeds):
            seed = base["seed"] + offset
            name = ",".join(f"{k}={str(v).replace(' ', '')}" for k, v in values) or "base"
            point = SweepPoint(values, seed, Path(out) / name / f"seed{seed}")
            # unknown key or wrong unit: fail now, before anything runs
            cfg = load_config(config, point.overrides())
            points.append(replace(point, config_toml=cfg.to_toml()))
    return points


def summarise(points: Sequence[SweepPoint], results: Sequence[dict | None]) -> list[dict]:
    """One row per grid point: mean and SD over its seeds, counts of done and failed runs."""
    rows: dict[str, dict] = {}
    for point, result in zip(points, results, strict=True):
        row = rows.setdefault(
            point.label,
            {"point": point.label, "runs": 0, "done": 0, "failed": 0, "errors": [], "values": {}},
        )
        row["runs"] += 1
        if result is None:
            continue
        if result["status"] == "failed":
            row["failed"] += 1
            row["errors"].append(f"seed {point.seed}: {result['error']}")
            continue
        row["done"] += 1
        for column in COLUMNS:
            row["values"].setdefault(column, []).append(float(result["metrics"][column]))
    table = []
    for row in rows.values():
        out = {k: row[k] for k in ("point", "runs", "done", "failed")}
        for column in COLUMNS:
            values = np.asarray(row["values"].get(column, []), dtype=float)
            out[f"{column}_mean"] = float(values.mean()) if values.size else float("nan")
            out[f"{column}_sd"] = float(values.std(ddof=1)) if values.size > 1 else 0.0
        out["errors"] = "; ".join(row["errors"])
        table.append(out)
    return table


def _write_tables(out: Path, table: list[dict]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(table[0]))
    writer.writeheader()
    writer.writerows(table)
    atomic_write_text(out / "sweep.csv", buffer.getvalue())
    lines = [
        "| point | runs done | accuracy (%) | proportion weighting (%) | train examples/s "
        "| failed |",
        "|---|---|---|---|---|---|",
    ]
    for row in table:
        cells = [row["point"], f"{row['done']}/{row['runs']}"]
        for column, scale in zip(COLUMNS, (100, 100, 1), strict=True):
            mean, sd = row[f"{column}_mean"], row[f"{column}_sd"]
            cells.append("-" if np.isnan(mean) else f"{scale * mean:.2f} ± {scale * sd:.2f}")
        cells.append(row["errors"] or "")
        lines.append("| " + " | ".join(cells) + " |")
    atomic_write_text(out / "sweep.md", "\n".join(lines) + "\n")


def _terminate(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _dashboard(client) -> str | None:
    """The scheduler's dashboard address, when it runs one."""
    try:
        port = client.scheduler_info()["services"].get("dashboard")
    except (KeyError, AttributeError, OSError):
        return None
    if not port:
        return None
    try:
        return client.dashboard_link
    except (KeyError, AttributeError):
        return None


def _datasets_to_ship(points: list[SweepPoint]) -> tuple[list[SweepPoint], list[Any]]:
    """Load each data set the runs need that is not embedded, once, from the client's sources.

    Returns the points with ``dataset.idx_dir`` cleared (a client's folder
    means nothing to a worker; the worker reads its cache) and one
    `stdp.remote.DatasetPlugin` per data set, which puts the client's cached
    copy into each worker's cache.
    """
    from .cache import cache_dir
    from .datasets import load_dataset
    from .remote import DatasetPlugin

    plugins: dict[str, DatasetPlugin] = {}
    shipped = []
    for point in points:
        cfg = load_config(tomllib.loads(point.config_toml))
        key = str(cfg["dataset.name"]).strip().lower().replace("-", "_")
        if key == "digits":  # embedded in scikit-learn: every worker has it
            shipped.append(point)
            continue
        if key not in plugins:
            load_dataset(key, idx_dir=cfg["dataset.idx_dir"] or None)  # into the client's cache
            path = cache_dir("data") / f"{key}.npz"
            plugins[key] = DatasetPlugin(key, path.read_bytes())
        if cfg["dataset.idx_dir"]:
            cfg = cfg.replace(dataset__idx_dir="")
        shipped.append(replace(point, config_toml=cfg.to_toml()))
    return shipped, list(plugins.values())


def _resume_files(run_dir: Path) -> dict[str, bytes]:
    """The client's files of a run's last checkpoint (empty: the run starts from the beginning)."""
    from .remote import RESUME_FILES

    if not (run_dir / "checkpoint.npz").exists():
        return {}
    return {n: (run_dir / n).read_bytes() for n in RESUME_FILES if (run_dir / n).exists()}


def _write_files(run_dir: Path, files: dict[str, bytes]) -> None:
    """Write files a worker sent, each atomically: the checkpoint, then the metrics, last.

    A folder with ``metrics.json`` is thus complete, and one with a checkpoint
    holds everything the checkpoint needs to resume.
    """
    order = {"checkpoint.npz": 1, "metrics.json": 2}
    for name in sorted(files, key=lambda n: (order.get(n, 0), n)):
        target = run_dir / name
        if Path(name).is_absolute() or ".." in Path(name).parts:  # never outside the folder
            continue
        atomic_write_bytes(target, files[name])


class _Receiver:
    """The client's end of the runs: writes what workers send under ``--out``.

    Keeps, per run, which attempt and message it applied last (older messages
    are ignored) and, after each checkpoint, offers the run's resume files to
    a task that the scheduler runs again on another worker.
    """

    def __init__(self, points: list[SweepPoint], variables: dict[int, Any]):
        self.points = points
        self.variables = variables
        self.applied: dict[int, tuple[str, int]] = {}
        self.finished: set[int] = set()

    def apply(self, index: int, attempt: str, seq: int, files: dict[str, bytes]) -> None:
        if index in self.finished or not files:
            return
        last = self.applied.get(index)
        if last is not None and last[0] == attempt and seq <= last[1]:
            return
        self.applied[index] = (attempt, seq)
        run_dir = self.points[index].run_dir
        _write_files(run_dir, files)
        if "checkpoint.npz" in files and index in self.variables:
            self.variables[index].set(_resume_files(run_dir))

    def drain(self, queue) -> None:
        if queue is None:
            return
        while True:
            try:
                messages = queue.get(batch=True)
            except Exception:  # the scheduler is gone: the futures will say so
                return
            if not messages:
                return
            for msg in messages:
                self.apply(msg["index"], msg["attempt"], msg["seq"], msg["files"])


def _finish(receiver: _Receiver, index: int, future, shared: bool) -> dict[str, Any]:
    """The outcome of one run from its task (files written under --out first)."""
    point = receiver.points[index]
    try:
        outcome = future.result()
    except Exception as err:  # e.g. KilledWorker: the run failed on too many workers
        message = " ".join(str(err).split()) or type(err).__name__
        return {"status": "failed", "error": f"{type(err).__name__}: {message}"}
    if not shared:
        receiver.apply(index, outcome["attempt"], outcome["seq"], outcome["files"])
    receiver.finished.add(index)
    metrics_path = point.run_dir / "metrics.json"
    if outcome["status"] == "done" and metrics_path.exists():
        return {"status": "done", "metrics": json.loads(metrics_path.read_text())}
    return {"status": "failed", "error": outcome.get("error") or "no metrics.json came back"}


def run_sweep(
    config: str | Path,
    grid_specs: Sequence[str],
    seeds: int = 1,
    out: str | Path | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    stream=sys.stderr,
    shared: bool = False,
) -> list[dict]:
    """Run a sweep on Dask and return the summary table (also written to OUT).

    Parameters
    ----------
    config : str or Path
        The base configuration (read here, on the client; workers receive
        each run's resolved configuration as text).
    grid_specs : sequence of str
        ``section.key=v1,v2,...`` (see `parse_grid`).
    seeds : int
        Seeds per grid point (``seed``, ``seed + 1``, ...).
    out : str or Path, optional
        The sweep folder on the client (default ``results/sweep-<config>``).
    scheduler : str, optional
        Address of a running Dask scheduler (default: a local cluster).
    workers : int, optional
        Worker processes of the local cluster (default: one per core).
    stream : text stream or None
        Where one line per finished run goes (and the dashboard's address).
    shared : bool
        ``out`` is on a disk every worker sees under the same absolute path:
        runs write there in place instead of being sent back. Always so on
        a local cluster (no ``scheduler``).

    Returns
    -------
    list of dict
        One row per grid point (see `summarise`).
    """
    from .pool import connect

    grid = parse_grid(grid_specs)
    out = Path(out) if out is not None else Path("results") / f"sweep-{Path(config).stem}"
    shared = shared or not scheduler  # a local cluster's workers see this disk
    if shared:
        out = out.resolve()
    points = plan_sweep(config, grid, seeds, out)
    points, plugins = _datasets_to_ship(points)
    out.mkdir(parents=True, exist_ok=True)
    results: list[dict | None] = [None] * len(points)
    todo = []
    for index, point in enumerate(points):
        metrics_path = point.run_dir / "metrics.json"
        if metrics_path.exists():  # finished earlier: nothing to run
            results[index] = {"status": "done", "metrics": json.loads(metrics_path.read_text())}
        else:
            todo.append(index)
    if results.count(None) < len(results):
        _write_tables(out, summarise(points, results))
    # A SIGTERM (kill) stops the sweep like Ctrl-C: the cluster and its runs are shut down.
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if main_thread else None
    client, cluster = connect(scheduler, workers) if todo else (None, None)
    try:
        if client is not None:
            _run_on_cluster(client, points, todo, results, out, stream, shared, plugins)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    table = summarise(points, results)
    _write_tables(out, table)
    return table


def _run_on_cluster(client, points, todo, results, out, stream, shared, plugins) -> None:
    """Submit the runs in ``todo``, write what comes back, fill ``results`` as runs end."""
    from dask.distributed import Queue, Variable, wait

    from .remote import RunTask, run_task

    link = _dashboard(client)
    if link and stream is not None:
        stream.write(f"dashboard: {link}\n")
        stream.flush()
    if stream is not None and not client.scheduler_info().get("workers"):
        stream.write("no workers yet: the runs start when workers join the scheduler\n")
        stream.flush()
    for plugin in plugins:
        client.register_plugin(plugin, name=plugin.plugin_name)
    prefix = f"stdp-sweep-{uuid.uuid4().hex[:12]}"
    queue = None if shared else Queue(prefix, client=client)
    variables: dict[int, Any] = {}
    futures = {}
    for index in todo:
        point = points[index]
        if shared:
            task = RunTask(index, point.config_toml, shared_dir=str(point.run_dir))
        else:
            if not (point.run_dir / "checkpoint.npz").exists():
                # an earlier attempt died before its first checkpoint: start clean
                for name in ("config.toml", "log.txt", "status.json"):
                    (point.run_dir / name).unlink(missing_ok=True)
            variables[index] = Variable(f"{prefix}-{index}", client=client)
            variables[index].set(_resume_files(point.run_dir))
            task = RunTask(index, point.config_toml, queue=prefix, resume=f"{prefix}-{index}")
        key = f"stdp-{index}-{point.label}-{point.seed}-{prefix[-12:]}"
        futures[client.submit(run_task, task, key=key, pure=False)] = index
    receiver = _Receiver(points, variables)
    pending = set(futures)
    try:
        while pending:
            try:
                done, pending = wait(pending, timeout=0.5, return_when="FIRST_COMPLETED")
            except TimeoutError:  # nothing finished for a moment: look for checkpoints
                done = set()
            receiver.drain(queue)  # every message sent before a task returned is there now
            for future in done:
                index = futures[future]
                results[index] = _finish(receiver, index, future, shared)
                if index in variables:
                    with contextlib.suppress(Exception):
                        variables.pop(index).delete()
                if stream is not None:
                    point = points[index]
                    stream.write(f"{results[index]['status']}: {point.label} seed {point.seed}\n")
                    stream.flush()
                _write_tables(out, summarise(points, results))
    finally:
        for variable in variables.values():
            with contextlib.suppress(Exception):
                variable.delete()
