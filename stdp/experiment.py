"""A complete experiment in a results folder: train, label, test; resume; evaluate again.

Data flow: dataset (uint8 pixels) -> `stdp.Network` (training pass, learning
on; labelling and test passes, frozen: `stdp.passes`) -> spike counts ->
`stdp.NeuronLabeller` (the vote and proportion weighting) and a linear readout
(scikit-learn's logistic regression) -> metrics.

A results folder holds:

=====================  ==================================================
``config.toml``        the fully resolved configuration
``checkpoint.npz``     the network state and where each pass stands
                       (`stdp.checkpoint.Checkpoint`; no pickle)
``label_counts.npz``   spike counts of the labelling pass, with labels
``test_counts.npz``    spike counts of the test pass, with labels
``metrics.json``       accuracy, throughput, counters, seed, versions
``log.txt``            what happened, one line per event
``status.json``        state (training, evaluating, done, failed,
                       interrupted), its process, and the examples
                       trained on in the checkpoint
``snapshots/``         weights every ``train.snapshot_every`` examples
=====================  ==================================================

Every file is written atomically. The checkpoint is written at chunk
boundaries every ``train.checkpoint_every`` examples (and at the end of each
pass), so a run that is killed loses at most the work since the last
checkpoint, and `Experiment.run` on the reopened folder continues it with
exactly the result the run would have had without the interruption.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import shutil
import sys
import time
from copy import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from filelock import FileLock, Timeout

from .checkpoint import FILENAME, PHASES, Checkpoint
from .config import Config, load_config
from .datasets import Dataset, load_dataset
from .engine import release_engine
from .errors import CheckpointError, ConfigError
from .estimator import Network, versions
from .evaluation import (
    evaluate_with_labeller,
    linear_readout,
    mean_and_sd,
    update_running_accuracy,
)
from .fileio import atomic_save_npz, atomic_write_json, atomic_write_text
from .labelling import NeuronLabeller
from .network import validate_model
from .passes import FrozenPass, PassPosition
from .pool import shutdown as shutdown_workers
from .progress import Progress
from .resources import check_memory
from .topology import layout

__all__ = [
    "Experiment",
    "run_experiment",
    "resume_experiment",
    "evaluate_run",
    "extend_run",
    "load_checkpoint",
]

#: The default ``stream``: the standard error of the moment the object is made.
STDERR: Any = type("Stderr", (), {"__repr__": lambda self: "sys.stderr"})()
#: Engine settings that `evaluate_run` may change (they do not touch the trained network).
EVALUATE_KEYS = (
    "protocol.eval_presentation",
    "protocol.eval_inhibition",
    "engine.eval_shard_size",
    "engine.workers",
)
#: Settings of the readout only: `evaluate_run` scores the saved counts again.
READOUT_KEYS = ("label.linear_c",)
CHECKPOINT = FILENAME
#: Settings that `extend_run` may change besides ``train.n_examples`` (none touches the model).
EXTEND_PREFIXES = ("train.", "label.", "test.", "engine.")
#: Results of a finished pass that `extend_run` keeps aside when it continues in place.
_RESULT_FILES = ("config.toml", "metrics.json", "label_counts.npz", "test_counts.npz")


def _n(value: int | str, available: int, key: str) -> int:
    if value == "all":
        return available
    if value > available and key != "train.n_examples":
        raise ConfigError(f"{key}: {value} examples asked for but the data set has {available}")
    return int(value)


@dataclass
class _Data:
    """The images of each pass as rows of uint8 pixels: views of the data set, never copies."""

    dataset: Dataset
    train: np.ndarray
    label_images: np.ndarray
    label_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    n_train: int


def _load_data(cfg: Config) -> _Data:
    dataset = load_dataset(cfg["dataset.name"], idx_dir=cfg["dataset.idx_dir"] or None)
    n_label = _n(cfg["label.n_examples"], dataset.n_train, "label.n_examples")
    n_test = _n(cfg["test.n_examples"], dataset.n_test, "test.n_examples")
    train = dataset.train_images.reshape(dataset.n_train, -1)
    return _Data(
        dataset=dataset,
        train=train,
        label_images=train[:n_label],
        label_labels=dataset.train_labels[:n_label],
        test_images=dataset.test_images.reshape(dataset.n_test, -1)[:n_test],
        test_labels=np.tile(dataset.test_labels[:n_test], cfg["test.presentations"]),
        n_train=cfg["train.n_examples"],
    )


def interrupted(err: BaseException) -> bool:
    """Whether ``err`` is a KeyboardInterrupt or was raised because of one.

    The command line turns SIGINT and SIGTERM into a KeyboardInterrupt; raised
    while a C function returns, it comes back as a SystemError ("... returned
    a result with an exception set") caused by it.
    """
    seen: set[int] = set()
    while err is not None and id(err) not in seen:
        if isinstance(err, KeyboardInterrupt):
            return True
        seen.add(id(err))
        err = err.__cause__ or err.__context__
    return False


class Experiment:
    """One results folder: a `Network` trained, labelled and tested, with checkpoints.

    Make one with `Experiment.create` (a new folder) or `Experiment.open` (an
    existing one), then call `run`, which does whatever is not done yet:
    training, the labelling pass, the test pass, the metrics. A run that was
    interrupted continues from its last checkpoint, exactly.

    Parameters
    ----------
    cfg : Config
        The configuration.
    run_dir : str or Path
        The results folder.
    stream : text stream or None
        Where progress and messages go (None: only to ``log.txt``).
    checkpoint : Checkpoint, optional
        Where the run stands; a fresh, untrained network if None.

    Attributes
    ----------
    network : Network
        The network (fitted: its state is the checkpoint's).
    checkpoint : Checkpoint
        Where the run stands (written to ``checkpoint.npz``).
    metrics : dict or None
        The metrics, once `run` has finished.

    Examples
    --------
    >>> exp = Experiment.create("experiments/digits.toml", out="results/demo")  # doctest: +SKIP
    >>> metrics = exp.run()                                                   # doctest: +SKIP
    >>> exp.network.receptive_fields().shape                                  # doctest: +SKIP
    (100, 8, 8)
    """

    def __init__(
        self,
        cfg: Config,
        run_dir: str | Path,
        stream: TextIO | None = STDERR,
        checkpoint: Checkpoint | None = None,
    ):
        self.cfg = cfg
        self.run_dir = Path(run_dir)
        self.stream = sys.stderr if stream is STDERR else stream
        self.data = _load_data(cfg)
        shape = self.data.dataset.image_shape
        self.n_input = int(np.prod(shape))
        dataset = self.data.dataset
        check_memory(  # before anything is allocated or written
            cfg,
            self.n_input,
            n_images_held=dataset.n_train + dataset.n_test,
            n_label=len(self.data.label_labels),
            n_test=len(self.data.test_labels),
        )
        self.metrics: dict[str, Any] | None = None
        self._versions = versions()
        self._config_toml = cfg.to_toml()  # what every checkpoint embeds
        self._lock: FileLock | None = None
        if checkpoint is None:
            network = Network(cfg)
            network._start(self.n_input, shape)
            checkpoint = network.to_checkpoint(self.data.dataset.name)
            checkpoint.phase = "train"
        elif checkpoint.n_input != self.n_input:
            raise CheckpointError(
                f"{self.run_dir / CHECKPOINT}: the network has {checkpoint.n_input} inputs but "
                f"{cfg['dataset.name']} images have {self.n_input} pixels"
            )
        self.checkpoint = checkpoint
        self.network = Network.from_checkpoint(checkpoint, cfg)
        # examples trained on in the checkpoint on disk: where a resume starts
        self._trained_saved = int(self.network.position_.done)

    # -- making and opening ------------------------------------------------------------
    @classmethod
    def create(
        cls,
        config: Config | str | Path | dict | None,
        overrides: list[str] | tuple[str, ...] = (),
        out: str | Path | None = None,
        stream: TextIO | None = STDERR,
    ) -> Experiment:
        """A new results folder for ``config`` (checked before anything is written).

        Parameters
        ----------
        config : Config, dict, str, Path or None
            The configuration or its TOML file (None: the defaults).
        overrides : sequence of str
            ``"section.key=value"`` settings applied on top.
        out : str or Path, optional
            The results folder (default ``results/<config name>-<time>``);
            it must not hold a run already.
        stream : text stream or None
            Where progress goes.
        """
        cfg = (
            config
            if isinstance(config, Config) and not overrides
            else load_config(config, overrides)
        )
        source = config if isinstance(config, str | Path) else None
        run_dir = Path(out) if out is not None else default_out(source)
        _refuse_a_finished_or_started_run(run_dir)
        exp = cls(cfg, run_dir, stream)  # loads and checks the data set
        validate_model(cfg, exp.n_input)  # every equation string, units included
        run_dir.mkdir(parents=True, exist_ok=True)
        exp._lock = lock_folder(run_dir)
        try:
            _refuse_a_finished_or_started_run(run_dir)  # again, now that the folder is ours
            again = (run_dir / "config.toml").exists()
            atomic_write_text(run_dir / "config.toml", cfg.to_toml())
            exp.set_status("created")
            exp.say(f"results folder: {run_dir}")
            if again:
                exp.say("the earlier attempt in this folder left no checkpoint: starting again")
        except BaseException:
            exp.close()
            raise
        return exp

    @classmethod
    def open(
        cls,
        run_dir: str | Path,
        overrides: list[str] | tuple[str, ...] = (),
        stream: TextIO | None = STDERR,
        fresh_if_missing: bool = True,
    ) -> Experiment:
        """An existing results folder, ready to `run` what is left.

        ``overrides`` change settings that do not touch the trained network
        (see `evaluate_run` and `extend_run`). A folder whose run died before
        its first checkpoint starts from the beginning (``fresh_if_missing``).
        """
        lock = lock_folder(run_dir) if (Path(run_dir) / "config.toml").exists() else None
        try:
            cfg, ck = load_checkpoint(run_dir, overrides, fresh_if_missing)
            exp = cls(cfg, run_dir, stream, ck)
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        exp._lock = lock
        if ck is None:
            exp.say("no checkpoint yet: starting the run from the beginning")
        return exp

    # -- logging -------------------------------------------------------------------------
    def log(self, message: str) -> None:
        """Append a time-stamped line to ``log.txt``."""
        append_log(self.run_dir, message)

    def say(self, message: str) -> None:
        """Log a line and show it on the stream."""
        self.log(message)
        if self.stream is not None:
            self.stream.write(message + "\n")
            self.stream.flush()

    # -- the checkpoint ------------------------------------------------------------------
    def save_checkpoint(self) -> None:
        """Write where the run stands to ``checkpoint.npz`` (atomically)."""
        ck = self.checkpoint
        ck.state = self.network.state_
        ck.train = self.network.position_
        ck.config = self._config_toml
        ck.versions = self._versions
        ck.save(self.run_dir / CHECKPOINT)

    # -- the phases ----------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        """Run (or continue) every phase that is not done yet; write and return the metrics."""
        try:
            if self.checkpoint.phase == "train":
                self.set_status("training")
                self._train()
            if self.checkpoint.phase in ("label", "test"):
                self.set_status("evaluating")
                self._evaluate_passes()
            self.metrics = self.write_metrics()
            self.set_status("done")
            return self.metrics
        except BaseException as err:
            if interrupted(err):
                self._note_end("interrupted", "interrupted")
            else:
                self._note_end("failed", " ".join(str(err).split()) or type(err).__name__)
            raise
        finally:
            shutdown_workers()
            release_engine()
            self.close()

    def close(self) -> None:
        """Release the results folder (another process may then resume it)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def set_status(self, state: str, **details: Any) -> None:
        """Record in ``status.json`` what the folder holds: created, training, evaluating,
        done, failed or interrupted (with the process and the time), and the examples
        trained on in its checkpoint (rewritten at every checkpoint of the training)."""
        record = {
            "state": state,
            "phase": self.checkpoint.phase,
            "examples_trained": self._trained_saved,
            "pid": os.getpid(),
            "time": _dt.datetime.now().isoformat(timespec="seconds"),
            **details,
        }
        atomic_write_json(self.run_dir / "status.json", record)

    def _note_end(self, state: str, error: str) -> None:
        """Log how the run ended and record it, without hiding the original error."""
        try:
            self.log(f"{state}: {error}")
            self.set_status(state, error=error)
        except OSError:  # e.g. the disk is full: the original error matters more
            pass

    def _train(self) -> None:
        cfg, ck, net = self.cfg, self.checkpoint, self.network
        n_train = self.data.n_train
        every = cfg["train.checkpoint_every"]
        snap_every = cfg["train.snapshot_every"]
        acc_every = cfg["train.accuracy_every"]
        labels_all = self.data.dataset.train_labels
        n_classes = self.data.dataset.n_classes
        progress = Progress(
            self.stream, "train", n_train, self.log, since=copy(net.position_.stats)
        )
        if net.position_.done:
            self.say(f"resuming training at example {net.position_.done}")
        block = list(ck.train_block)
        if ck.train_accuracy:  # resumed: show the latest figure from the start
            progress.note = _running_accuracy_note(*ck.train_accuracy[-1])

        def on_chunk(pos: PassPosition, state, counts) -> None:
            first = pos.done - counts.shape[0]
            if acc_every:
                labels = labels_all[(first + np.arange(counts.shape[0])) % labels_all.shape[0]]
                scored = len(ck.train_accuracy)
                update_running_accuracy(
                    block, counts, labels, acc_every, ck.train_accuracy, first, n_classes
                )
                for examples, acc in ck.train_accuracy[scored:]:
                    self.log(f"running accuracy at {int(examples)} examples: {100 * acc:.2f} %")
                    progress.note = _running_accuracy_note(examples, acc)
            crossed = pos.done // snap_every > first // snap_every if snap_every else False
            if snap_every and (crossed or pos.done >= n_train):
                self._snapshot(state, pos.done)
            if pos.done // every > first // every or pos.done >= n_train:
                ck.phase = "label" if pos.done >= n_train else "train"
                ck.train_block = list(block)
                self.save_checkpoint()
                self._trained_saved = int(pos.done)
                self.log(f"checkpoint: {pos.done} examples trained")
                if pos.done < n_train:
                    self.set_status("training")

        if net.position_.done == 0 and snap_every:
            self._snapshot(net.state_, 0)
        net._train(self.data.train, n_train, on_chunk=on_chunk, progress=progress, say=self.say)
        # The last chunk's on_chunk has written the checkpoint with phase "label".
        ck.train_block = list(block)
        ck.phase = "label"

    def _snapshot(self, state, done: int) -> None:
        n_exc = self.cfg["network.n_exc"]
        atomic_save_npz(
            self.run_dir / "snapshots" / f"weights_{done:09d}.npz",
            {
                "weights": state["input_to_exc.w"].reshape(self.n_input, n_exc).astype(np.float32),
                "theta": state["exc.theta"],
                "examples": np.int64(done),
            },
        )

    def _evaluate_passes(self) -> None:
        data, ck = self.data, self.checkpoint
        passes = (
            ("label", data.label_images, data.label_labels),
            # the test set, shown test.presentations times in a row
            ("test", data.test_images, data.test_labels),
        )
        for name, images, labels in passes:
            if PHASES.index(ck.phase) > PHASES.index(name):
                continue
            ck.phase = name

            def save(progress: FrozenPass, name: str = name) -> None:
                setattr(ck, name, progress)
                self.save_checkpoint()

            done = self.network._frozen(
                images,
                name,
                labels.shape[0],
                progress=ck.pass_of(name),
                save=save,
                stream=self.stream,
                log=self.log,
                say=self.say,
            )
            setattr(ck, name, done)
            atomic_save_npz(
                self.run_dir / f"{name}_counts.npz", {"counts": done.counts, "labels": labels}
            )
            if name == "label":
                labeller = NeuronLabeller(n_classes=data.dataset.n_classes)
                ck.assignments = labeller.fit(done.counts, labels).assignments_
            ck.phase = "test" if name == "label" else "done"
            self.save_checkpoint()

    # -- results -------------------------------------------------------------------------
    def _readout_features(self, counts: np.ndarray) -> np.ndarray:
        """What the linear readout reads: the counts, pooled per filter (``topology.pool``)."""
        return layout(self.cfg, self.n_input).pool(counts, self.cfg["topology.pool"])

    def write_metrics(self) -> dict[str, Any]:
        """Score the test counts (vote, proportion weighting, linear readout); write metrics."""
        cfg, data, ck = self.cfg, self.data, self.checkpoint
        label_counts, test_counts = ck.label.counts, ck.test.counts
        metrics, labeller = evaluate_with_labeller(
            label_counts,
            data.label_labels,
            test_counts,
            data.test_labels,
            n_classes=data.dataset.n_classes,
        )
        # The paper's protocol: accuracy as mean +- SD over presentations of the test set.
        n_pres = cfg["test.presentations"]
        per_presentation = [
            float(np.mean(labeller.predict(block) == truth))
            for block, truth in zip(
                np.split(test_counts, n_pres), np.split(data.test_labels, n_pres), strict=True
            )
        ]
        mean, sd = mean_and_sd(per_presentation)
        metrics.update(
            test_set_presentations=n_pres,
            accuracy_per_presentation=per_presentation,
            accuracy_mean=mean,
            accuracy_sd=sd,
            n_test=int(data.test_labels.shape[0] // n_pres),
        )
        metrics["accuracy_linear"], metrics["linear_c"] = linear_readout(
            self._readout_features(label_counts),
            data.label_labels,
            self._readout_features(test_counts),
            data.test_labels,
            c=cfg["label.linear_c"],
            seed=cfg["seed"],
        )
        train = ck.train.stats
        metrics.update(
            {
                "dataset": data.dataset.name,
                "n_exc": cfg["network.n_exc"],
                "n_train": int(ck.train.done),
                "seed": cfg["seed"],
                "device": cfg["device"],
                "versions": self._versions,
                "train_examples_per_second": _ratio(train.examples, train.wall_seconds),
                "train_presentations_per_second": _ratio(train.presentations, train.wall_seconds),
                "train_wall_seconds": train.wall_seconds,
                "train_sim_seconds": train.sim_seconds,
                "train_presentations": train.presentations,
                "train_retries": train.retries,
                "train_gave_up": train.gave_up,
                "train_spikes_per_example": _ratio(train.exc_spikes_window, train.examples),
                "running_accuracy": [
                    {"examples": int(n), "accuracy": float(a)} for n, a in ck.train_accuracy
                ],
            }
        )
        for name in ("label", "test"):
            s = ck.pass_of(name).position.stats
            metrics[f"{name}_examples_per_second"] = _ratio(s.examples, s.wall_seconds)
            metrics[f"{name}_presentations"] = s.presentations
            metrics[f"{name}_retries"] = s.retries
            metrics[f"{name}_gave_up"] = s.gave_up
            metrics[f"{name}_spikes_per_example"] = _ratio(s.exc_spikes_window, s.examples)
        metrics["neurons_per_class"] = np.bincount(
            labeller.assignments_[labeller.assignments_ >= 0], minlength=data.dataset.n_classes
        ).tolist()
        atomic_write_json(self.run_dir / "metrics.json", metrics)
        spread = (
            f" +- {100 * metrics['accuracy_sd']:.2f} (SD over {n_pres} presentations)"
            if n_pres > 1
            else ""
        )
        self.say(
            f"test accuracy {100 * metrics['accuracy']:.2f} %{spread} "
            f"(proportion weighting {100 * metrics['accuracy_proportion']:.2f} %, "
            f"linear readout {100 * metrics['accuracy_linear']:.2f} % "
            f"at C = {metrics['linear_c']:g}), "
            f"{metrics['n_test']} test examples, labels from {metrics['n_label']} training examples"
        )
        return metrics


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b > 0 else 0.0


def _running_accuracy_note(examples: float, accuracy: float) -> str:
    """The progress line's note of the latest running accuracy."""
    return f"running accuracy {100 * accuracy:.1f} % at {int(examples)}"


# -- entry points ----------------------------------------------------------------------
def default_out(cfg_path: str | Path | None) -> Path:
    stem = Path(cfg_path).stem if cfg_path else "run"
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("results") / f"{stem}-{stamp}"


def run_experiment(
    config: str | Path | None,
    overrides: list[str] | tuple[str, ...] = (),
    out: str | Path | None = None,
    stream: TextIO | None = STDERR,
) -> tuple[dict[str, Any], Path]:
    """Train, label and test as ``config`` says; return the metrics and the results folder.

    The configuration and the data set are checked before anything is written,
    so bad input leaves no results folder behind.
    """
    exp = Experiment.create(config, overrides, out, stream)
    return exp.run(), exp.run_dir


def load_checkpoint(
    run_dir: str | Path, overrides: list[str] | tuple[str, ...] = (), fresh_if_missing=False
) -> tuple[Config, Checkpoint | None]:
    """Read a results folder's configuration (with ``overrides``) and checkpoint.

    A folder whose run died before its first checkpoint has only
    ``config.toml``: with ``fresh_if_missing`` the checkpoint is then None
    (the run starts from the beginning), else that is an error.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise CheckpointError(f"{run_dir}: no such results folder")
    if not (run_dir / "config.toml").exists():
        raise CheckpointError(f"{run_dir}: no config.toml; not a results folder")
    cfg = load_config(run_dir / "config.toml", overrides)
    path = run_dir / CHECKPOINT
    if not path.exists():
        if fresh_if_missing:
            return cfg, None
        raise CheckpointError(f"{path}: no checkpoint yet; start the run again with 'stdp run'")
    return cfg, Checkpoint.load(path, n_exc=cfg["network.n_exc"])


def append_log(run_dir: str | Path, message: str) -> None:
    """Append ``message`` with a time stamp to the results folder's ``log.txt``."""
    stamp = _dt.datetime.now().isoformat(timespec="seconds")
    with open(Path(run_dir) / "log.txt", "a", encoding="utf-8") as handle:
        handle.write(f"{stamp} {message}\n")


def lock_folder(run_dir: str | Path) -> FileLock:
    """Take the results folder for this process, or refuse naming the process that has it.

    Raises
    ------
    CheckpointError
        If another process (or another `Experiment` here) holds the folder.
    """
    run_dir = Path(run_dir)
    lock = FileLock(run_dir / ".lock", timeout=0)
    try:
        lock.acquire()
    except Timeout:
        owner = _folder_owner(run_dir)
        raise CheckpointError(
            f"{run_dir} is in use by {owner} (a run, resume, evaluate or extend); "
            "wait for it to end or use another --out"
        ) from None
    atomic_write_text(run_dir / ".owner", f"{os.getpid()}\n")
    return lock


def _folder_owner(run_dir: Path, wait: float = 1.0) -> str:
    """Name the live process that holds ``run_dir``, or "another process".

    The holder writes ``.owner`` just after it takes the lock, so a refusal in
    between would find no file, or a dead holder's: it waits up to ``wait``
    seconds for the file to name a live process.
    """
    deadline = time.monotonic() + wait
    while True:
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int((run_dir / ".owner").read_text().split()[0])
            if _alive(pid):
                return f"process {pid}"
        if time.monotonic() >= deadline:
            return "another process"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    if pid <= 0:  # 0 and -1 would ask about a process group, not a process
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        pass
    return True


def _refuse_a_finished_or_started_run(run_dir: Path) -> None:
    """`Experiment.create` may reuse a folder only if its run left no checkpoint."""
    if (run_dir / CHECKPOINT).exists():
        raise CheckpointError(
            f"{run_dir} already holds a run; use 'stdp resume {run_dir}' or another --out"
        )


def resume_experiment(run_dir: str | Path, stream: TextIO | None = STDERR) -> dict[str, Any]:
    """Finish an interrupted run from its last checkpoint."""
    exp = Experiment.open(run_dir, stream=stream)
    if exp.checkpoint.phase == "done":
        exp.say("the run is already complete; recomputing the metrics")
    return exp.run()


def evaluate_run(
    run_dir: str | Path,
    overrides: list[str] | tuple[str, ...] = (),
    stream: TextIO | None = STDERR,
) -> dict[str, Any]:
    """Label and test again from the trained checkpoint (optionally with other label/test sizes).

    When the run is complete and the overrides change only the readout
    (`READOUT_KEYS`, e.g. ``label.linear_c``), the saved spike counts are
    scored again without running the passes.
    """
    for text in overrides:
        key = text.split("=", 1)[0].strip()
        if not key.startswith(("label.", "test.")) and key not in EVALUATE_KEYS:
            raise ConfigError(
                f"--set {text!r}: evaluate only accepts label.*, test.* and "
                f"{', '.join(EVALUATE_KEYS)}"
            )
    exp = Experiment.open(run_dir, overrides, stream, fresh_if_missing=False)
    if PHASES.index(exp.checkpoint.phase) < PHASES.index("label"):
        exp.close()
        raise CheckpointError(f"{run_dir}: training is not finished; use 'stdp resume {run_dir}'")
    keys = {text.split("=", 1)[0].strip() for text in overrides}
    if exp.checkpoint.phase == "done" and keys and keys <= set(READOUT_KEYS):
        # only the readout changes: the saved counts are what the passes would give again
        exp.say("scoring the saved spike counts again with the new readout settings")
    else:
        exp.checkpoint.forget_frozen_passes()
        exp.checkpoint.phase = "label"
        exp.say("labelling and testing again from the trained checkpoint")
    metrics = exp.run()
    if overrides:
        atomic_write_text(Path(run_dir) / "config.toml", exp.cfg.to_toml())
    return metrics


def extend_run(
    run_dir: str | Path,
    overrides: list[str] | tuple[str, ...],
    out: str | Path | None = None,
    stream: TextIO | None = STDERR,
) -> tuple[dict[str, Any], Path]:
    """Train a run further from its checkpoint, then label and test again.

    ``overrides`` must raise ``train.n_examples`` above the number of examples
    already trained; they may also change other ``train.*``, ``label.*``,
    ``test.*`` and ``engine.*`` settings (not the model). Training continues
    from the checkpoint exactly as an uninterrupted longer run would: the
    same order of training images and the same random streams.

    With ``out`` the run is copied to that new folder first (the original is
    left as it is). Without it the run is extended in place, and the results
    of its finished passes (``config.toml``, ``metrics.json``, the spike
    counts) are first moved to ``RUN_DIR/before_<examples>/``.

    Returns the new metrics and the folder that holds them.
    """
    run_dir = Path(run_dir)
    keys = [text.split("=", 1)[0].strip() for text in overrides]
    for text, key in zip(overrides, keys, strict=True):
        if not key.startswith(EXTEND_PREFIXES):
            raise ConfigError(
                f"--set {text!r}: extend only accepts {', '.join(p + '*' for p in EXTEND_PREFIXES)}"
                " (the model of a trained network cannot change)"
            )
    if "train.n_examples" not in keys:
        raise ConfigError("extend needs --set train.n_examples=N, the new length of training")
    source_lock = lock_folder(run_dir) if (run_dir / "config.toml").exists() else None
    try:
        exp = _extension(run_dir, overrides, out, stream)
    except BaseException:
        if source_lock is not None:
            source_lock.release()
        raise
    if out is None:
        exp._lock = source_lock
    elif source_lock is not None:
        source_lock.release()  # a copy is extended: the original is free again
    return exp.run(), exp.run_dir


def _extension(run_dir: Path, overrides, out, stream) -> Experiment:
    """The folder of `extend_run`, ready to run (the original's lock is held by the caller)."""
    cfg, ck = load_checkpoint(run_dir, overrides)
    done = int(ck.train.done)
    target = run_dir if out is None else Path(out)
    exp = Experiment(cfg, target, stream, ck)  # loads and checks the data set
    if exp.data.n_train <= done:
        raise ConfigError(
            f"train.n_examples: {exp.data.n_train} is not more than the {done} examples "
            f"{run_dir} has already trained"
        )
    if out is None:
        kept = run_dir / f"before_{done:09d}"
        kept.mkdir(exist_ok=True)
        for name in _RESULT_FILES:  # (an earlier, interrupted extend has kept them already)
            if (run_dir / name).exists() and not (kept / name).exists():
                shutil.copy2(run_dir / name, kept / name)
        for name in _RESULT_FILES[1:]:  # config.toml is replaced below
            (run_dir / name).unlink(missing_ok=True)
    else:
        if (target / CHECKPOINT).exists() or (target / "config.toml").exists():
            raise CheckpointError(f"{target} already holds a run; choose another --out")
        target.mkdir(parents=True, exist_ok=True)
        exp._lock = lock_folder(target)
        if (run_dir / "log.txt").exists():
            shutil.copy2(run_dir / "log.txt", target / "log.txt")
        if (run_dir / "snapshots").is_dir():
            shutil.copytree(run_dir / "snapshots", target / "snapshots", dirs_exist_ok=True)
    # The configuration first: if the checkpoint below is never written, the
    # folder still holds the finished shorter run, and extending again works.
    atomic_write_text(target / "config.toml", cfg.to_toml())
    ck.forget_frozen_passes()
    ck.phase = "train"
    ck.assignments = None
    exp.save_checkpoint()
    exp.say(f"extending training from {done} to {exp.data.n_train} examples (from {run_dir})")
    return exp
