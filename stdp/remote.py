"""The worker side of a sweep: one run shipped as data, its results folder sent back.

A sweep's client (`stdp.sweep`) never hands a worker a path of its own. It
sends a `RunTask`: the run's fully resolved configuration as TOML text and,
for an interrupted run, the files of its last checkpoint. The worker runs
``stdp run`` (or ``stdp resume``) in its own process in a scratch folder
(under the Dask worker's local directory), with its own cache for data sets
and compiled networks (``$STDP_CACHE_DIR`` of the worker), and sends the
results folder back:

- each time the run writes a checkpoint, the files that changed since the
  last message go to the client through a Dask `distributed.Queue`, and the
  client writes them under its ``--out`` (a lost worker loses at most one
  checkpoint interval);
- the task's result holds the files that changed after the last message.

The client keeps the files of the latest checkpoint it has written in a Dask
`distributed.Variable` named in the task. A task that the scheduler runs again
after its worker was lost reads that variable when it starts, so the run
resumes from the client's last checkpoint, with exactly the result an
undisturbed run has (resuming is bit-exact, `stdp.experiment`).

A data set that is not embedded in the package (MNIST, Fashion-MNIST) is sent
once to each worker by `DatasetPlugin`, a Dask worker plugin that writes the
client's cached copy into the worker's cache, so that workers need no network.

With ``shared=True`` a task instead runs in place in a results folder that
every worker sees under the same path (nothing is copied).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache import cache_dir
from .fileio import atomic_write_bytes

__all__ = ["RunTask", "DatasetPlugin", "run_task", "folder_files", "RESUME_FILES"]

#: The files a run needs to resume (the client keeps these of its last checkpoint).
RESUME_FILES = ("config.toml", "checkpoint.npz", "log.txt")
#: Seconds between looks at the run's folder for a new checkpoint.
POLL_SECONDS = 0.25
#: Files of a results folder that belong to the process that has it, never copied.
_PRIVATE = (".lock", ".owner")


@dataclass(frozen=True)
class RunTask:
    """One run of a sweep as a worker receives it: data, never a path of the client.

    Attributes
    ----------
    index : int
        The run's place in the sweep (messages to the client carry it).
    config_toml : str
        The fully resolved configuration (`stdp.config.Config.to_toml`).
    queue : str or None
        Name of the Dask queue for the files of each checkpoint (None: none sent).
    resume : str or None
        Name of the Dask variable holding the files of the client's last
        checkpoint of this run (``{name: bytes}``, empty for a fresh start).
    shared_dir : str or None
        A results folder every worker sees: run in place there instead.
    """

    index: int
    config_toml: str
    queue: str | None = None
    resume: str | None = None
    shared_dir: str | None = None
    files: dict[str, bytes] = field(default_factory=dict, repr=False)


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when the thread that started it dies (Linux).

    A lost worker or a stopped sweep must not leave its runs going on as orphans.
    """
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the run may outlive its worker
        pass


def folder_files(
    run_dir: Path, since: dict[str, tuple[int, int]] | None = None
) -> dict[str, bytes]:
    """The files of a results folder (``{relative path: bytes}``), optionally only changed ones.

    ``since`` maps relative paths to ``(size, mtime_ns)`` of what was sent
    already; it is updated with what is returned. Temporary files of atomic
    writes and the folder's lock are left out.
    """
    files: dict[str, bytes] = {}
    if not run_dir.is_dir():
        return files
    for path in sorted(run_dir.rglob("*")):
        name = path.relative_to(run_dir).as_posix()
        if not path.is_file() or path.name in _PRIVATE or path.name.endswith(".tmp"):
            continue
        try:
            stat = path.stat()
            stamp = (stat.st_size, stat.st_mtime_ns)
            if since is not None and since.get(name) == stamp:
                continue
            files[name] = path.read_bytes()
        except FileNotFoundError:  # replaced or removed while we looked
            continue
        if since is not None:
            since[name] = stamp
    return files


def _worker_context() -> tuple[Any, Any]:
    """The Dask worker running this task and the task's key (None, None outside Dask)."""
    try:
        from distributed import get_worker
        from distributed.worker import thread_state

        return get_worker(), getattr(thread_state, "key", None)
    except (ImportError, ValueError):
        return None, None


def _cancelled(worker: Any, key: Any) -> bool:
    """Whether the scheduler no longer wants this task (its client left or released it)."""
    if worker is None or key is None:
        return False
    try:
        state = worker.state.tasks.get(key)
    except AttributeError:
        return False
    return state is None or state.state in ("cancelled", "released", "forgotten")


def _resume_files(task: RunTask) -> dict[str, bytes]:
    """The files of the client's last checkpoint of this run (empty: start from the beginning)."""
    if task.resume is None:
        return dict(task.files)
    from distributed import Variable

    return dict(Variable(task.resume).get(timeout=120) or {})


def run_task(task: RunTask) -> dict[str, Any]:
    """Run (or resume) one sweep run on this worker; never raises.

    Returns
    -------
    dict
        ``status`` ("done" or "failed"), ``error`` (one line, if failed),
        ``attempt`` and ``seq`` (which message of which attempt the files
        follow) and ``files``: the files that changed since the last message.
    """
    worker, key = _worker_context()
    attempt = uuid.uuid4().hex
    try:
        if task.shared_dir is not None:
            return _run_in_place(task, attempt, worker, key)
        return _run_in_scratch(task, attempt, worker, key)
    except Exception as err:  # a task never raises: the sweep reports the run as failed
        message = " ".join(str(err).split()) or type(err).__name__
        return {"status": "failed", "error": message, "attempt": attempt, "seq": -1, "files": {}}


def _scratch_root(worker: Any) -> Path:
    root = getattr(worker, "local_directory", None) if worker is not None else None
    return Path(root or tempfile.gettempdir())


def _command(config_path: Path, run_dir: Path, resume: bool) -> list[str]:
    if resume:
        return [sys.executable, "-m", "stdp", "resume", str(run_dir)]
    return [sys.executable, "-m", "stdp", "run", str(config_path), "--out", str(run_dir)]


def _run_in_scratch(task: RunTask, attempt: str, worker: Any, key: Any) -> dict[str, Any]:
    scratch = Path(tempfile.mkdtemp(prefix="stdp-run-", dir=_scratch_root(worker)))
    try:
        run_dir = scratch / "run"
        config_path = scratch / "config.toml"
        config_path.write_text(task.config_toml, encoding="utf-8")
        files = _resume_files(task)
        resume = "checkpoint.npz" in files
        if resume:
            for name, data in files.items():
                atomic_write_bytes(run_dir / name, data)
        sent: dict[str, tuple[int, int]] = {}
        folder_files(run_dir, sent)  # what the client has already
        queue = None
        if task.queue is not None:
            from distributed import Queue

            queue = Queue(task.queue)
        seq = 0

        def on_checkpoint() -> None:
            nonlocal seq
            stamps = dict(sent)
            changed = folder_files(run_dir, stamps)
            if not changed or queue is None:
                return
            message = {"index": task.index, "attempt": attempt, "seq": seq + 1, "files": changed}
            try:
                queue.put(message, timeout=120)
            except (OSError, TimeoutError):  # the scheduler is busy or away: send them next time
                return
            seq += 1
            sent.update(stamps)

        code, error = _supervise(
            _command(config_path, run_dir, resume),
            scratch / "stderr.txt",
            run_dir / "checkpoint.npz",
            on_checkpoint if queue is not None else None,
            worker,
            key,
        )
        result = {"attempt": attempt, "seq": seq + 1, "files": folder_files(run_dir, sent)}
        if code == 0 and (run_dir / "metrics.json").exists():
            return {"status": "done", **result}
        return {"status": "failed", "error": error, **result}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run_in_place(task: RunTask, attempt: str, worker: Any, key: Any) -> dict[str, Any]:
    run_dir = Path(task.shared_dir)
    result = {"attempt": attempt, "seq": 1, "files": {}}
    if (run_dir / "metrics.json").exists():
        return {"status": "done", **result}
    resume = (run_dir / "checkpoint.npz").exists()
    if not resume and run_dir.exists():  # an earlier attempt died before its first checkpoint
        for name in ("config.toml", "log.txt"):
            (run_dir / name).unlink(missing_ok=True)
    run_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="stdp-run-", dir=_scratch_root(worker)))
    try:
        config_path = scratch / "config.toml"
        config_path.write_text(task.config_toml, encoding="utf-8")
        code, error = _supervise(
            _command(config_path, run_dir, resume), scratch / "stderr.txt", None, None, worker, key
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if code == 0 and (run_dir / "metrics.json").exists():
        return {"status": "done", **result}
    return {"status": "failed", "error": error, **result}


def _stamp(path: Path | None) -> tuple[int, int, int] | None:
    if path is None:
        return None
    with contextlib.suppress(FileNotFoundError):
        stat = path.stat()
        return (stat.st_ino, stat.st_size, stat.st_mtime_ns)
    return None


def _supervise(
    cmd: list[str],
    stderr_path: Path,
    checkpoint: Path | None,
    on_checkpoint,
    worker: Any,
    key: Any,
) -> tuple[int, str]:
    """Run ``cmd``; call ``on_checkpoint`` after each new checkpoint; stop it if cancelled.

    Returns the exit status and the last line of its standard error.
    """
    with open(stderr_path, "w", encoding="utf-8") as stderr:
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        try:
            last = _stamp(checkpoint)
            while proc.poll() is None:
                time.sleep(POLL_SECONDS)
                if _cancelled(worker, key):
                    proc.terminate()  # the run keeps its last checkpoint and stops
                    proc.wait()
                    return proc.returncode, "cancelled: the sweep no longer wants this run"
                stamp = _stamp(checkpoint)
                if on_checkpoint is not None and stamp is not None and stamp != last:
                    last = stamp
                    on_checkpoint()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
    lines = [line for line in stderr_path.read_text(errors="replace").splitlines() if line.strip()]
    return proc.returncode, lines[-1] if lines else f"exit {proc.returncode}"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


try:  # a plain base class keeps this module importable without distributed
    from distributed.diagnostics.plugin import WorkerPlugin as _WorkerPlugin
except ImportError:  # pragma: no cover
    _WorkerPlugin = object  # type: ignore[assignment,misc]


class DatasetPlugin(_WorkerPlugin):
    """A cached data set sent once to every worker (those that join later too).

    Registered by the client with ``client.register_plugin``; on each worker
    `setup` writes the bytes to ``<worker cache>/data/<name>.npz`` (unless
    the same file is there already), where `stdp.datasets.load_dataset`
    finds it without any network.

    Parameters
    ----------
    name : str
        The data set's cache name (``"mnist"``, ``"fashion_mnist"``).
    data : bytes
        The client's cached ``.npz`` file.
    """

    def __init__(self, name: str, data: bytes):
        self.dataset = name
        self.data = data
        self.digest = _sha256(data)

    @property
    def plugin_name(self) -> str:
        return f"stdp-data-{self.dataset}-{self.digest[:12]}"

    def setup(self, worker: Any = None) -> None:
        path = cache_dir("data") / f"{self.dataset}.npz"
        with contextlib.suppress(OSError):
            if path.stat().st_size == len(self.data) and _sha256(path.read_bytes()) == self.digest:
                return
        atomic_write_bytes(path, self.data)


def worker_environment() -> dict[str, str]:
    """Where this worker keeps its cache and scratch folders (for messages and tests)."""
    worker, _ = _worker_context()
    return {
        "cache": str(cache_dir()),
        "cwd": os.getcwd(),
        "scratch": str(_scratch_root(worker)),
    }
