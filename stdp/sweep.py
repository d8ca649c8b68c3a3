"""Parameter sweeps: every grid point and seed as its own results folder, run on Dask.

``stdp sweep CONFIG --grid section.key=v1,v2 ... --seeds K`` makes the product
of the grid values times ``K`` seeds (``seed``, ``seed + 1``, ...). Each
combination is one ``stdp run`` in its own process (Brian2's device is global
state, so runs never share an interpreter), in the folder
``OUT/<key=value,...>/seed<N>``. The runs are scheduled on a Dask distributed
cluster: a local one with one single-threaded worker per core by default, or an
existing one given by its scheduler address.

A sweep started again skips the runs that have ``metrics.json`` and resumes
those that left a checkpoint, so killing a sweep loses at most the runs in
progress since their last checkpoint. Failed runs are reported in the table
with their error, never dropped. After every finished run the table of mean
and SD over seeds per grid point is rewritten (``sweep.csv`` and ``sweep.md``,
atomically).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import signal
import subprocess
import sys
import threading
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .config import load_config
from .errors import ConfigError
from .fileio import atomic_write_text

__all__ = ["SweepPoint", "parse_grid", "plan_sweep", "run_sweep", "summarise"]

#: Metrics summarised in the table (mean and SD over seeds).
COLUMNS = ("accuracy", "accuracy_proportion", "train_examples_per_second")


@dataclass(frozen=True)
class SweepPoint:
    """One run of a sweep: grid values, seed and results folder."""

    values: tuple[tuple[str, Any], ...]
    seed: int
    run_dir: Path

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
            load_config(config, point.overrides())  # unknown key or wrong unit: fail now
            points.append(point)
    return points


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when the worker that started it dies (Linux).

    A sweep that is killed stops its workers; without this their runs would go
    on as orphans and a restarted sweep would start the same runs twice.
    """
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the run may outlive its worker
        pass


def _run_point(config: str, point: SweepPoint) -> dict[str, Any]:
    """Run (or resume, or just read) one point in a subprocess; never raises."""
    run_dir = point.run_dir
    metrics_path = run_dir / "metrics.json"
    if metrics_path.exists():
        return {"status": "done", "metrics": json.loads(metrics_path.read_text())}
    if (run_dir / "checkpoint.npz").exists():
        cmd = [sys.executable, "-m", "stdp", "resume", str(run_dir)]
    else:
        cmd = [sys.executable, "-m", "stdp", "run", config, "--out", str(run_dir)]
        if run_dir.exists():  # an earlier attempt died before its first checkpoint
            for name in ("config.toml", "log.txt"):
                (run_dir / name).unlink(missing_ok=True)
        for text in point.overrides():
            cmd += ["--set", text]
    proc = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=_die_with_parent)
    if proc.returncode == 0 and metrics_path.exists():
        return {"status": "done", "metrics": json.loads(metrics_path.read_text())}
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    return {"status": "failed", "error": lines[-1] if lines else f"exit {proc.returncode}"}


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


def run_sweep(
    config: str | Path,
    grid_specs: Sequence[str],
    seeds: int = 1,
    out: str | Path | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    stream=sys.stderr,
) -> list[dict]:
    """Run a sweep on Dask and return the summary table (also written to OUT)."""
    from dask.distributed import as_completed

    from .pool import connect

    grid = parse_grid(grid_specs)
    out = Path(out) if out is not None else Path("results") / f"sweep-{Path(config).stem}"
    points = plan_sweep(config, grid, seeds, out)
    out.mkdir(parents=True, exist_ok=True)
    results: list[dict | None] = [None] * len(points)
    # A SIGTERM (kill) stops the sweep like Ctrl-C: the cluster and its runs are shut down.
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if main_thread else None
    client, cluster = connect(scheduler, workers)
    try:
        futures = {
            client.submit(
                _run_point, str(config), p, key=f"stdp-{i}-{p.label}-{p.seed}", pure=False
            ): i
            for i, p in enumerate(points)
        }
        for future in as_completed(futures):
            index = futures[future]
            results[index] = future.result()
            status = results[index]["status"]
            if stream is not None:
                stream.write(f"{status}: {points[index].label} seed {points[index].seed}\n")
                stream.flush()
            _write_tables(out, summarise(points, results))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    table = summarise(points, results)
    _write_tables(out, table)
    return table
