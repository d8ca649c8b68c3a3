"""A complete experiment in a results folder: train, label, test; resume; evaluate again.

Data flow: dataset -> encoding (pixel/255 intensities) -> network -> training
pass (learning on) -> labelling pass and test pass (network frozen) ->
labelling (`stdp.labelling`) -> evaluation (`stdp.evaluation`).

A results folder holds:

=====================  ==================================================
``config.toml``        the fully resolved configuration
``checkpoint.npz``     weights (n_input x n_exc), theta, the whole network
                       state, pass positions, assignments (no pickle)
``label_counts.npz``   spike counts of the labelling pass, with labels
``test_counts.npz``    spike counts of the test pass, with labels
``metrics.json``       accuracy, throughput, counters, seed, versions
``log.txt``            what happened, one line per event
``snapshots/``         weights every ``train.snapshot_every`` examples
=====================  ==================================================

Every file is written atomically. The checkpoint is written at chunk
boundaries every ``train.checkpoint_every`` examples (and at the end of each
pass), so a run that is killed loses at most the work since the last
checkpoint, and `resume` continues it with exactly the result the run would
have had without the interruption.
"""

from __future__ import annotations

import datetime as _dt
import json
import platform
import shutil
import sys
import time
import zipfile
from copy import copy
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from . import __version__
from .config import Config, eval_config, load_config, ms
from .datasets import Dataset, load_dataset
from .encoding import encode_images
from .engine import STATE_KEYS, Engine, make_engine
from .errors import CheckpointError, ConfigError
from .evaluation import evaluate_with_labeller, mean_and_sd
from .fileio import atomic_save_npz, atomic_write_json, atomic_write_text
from .labelling import NeuronLabeller, all_activity, assign_labels
from .network import initial_state, validate_model
from .shards import run_shards, shard_bounds, shutdown_workers
from .training import STREAMS, PassPosition, PassStats, run_pass

__all__ = [
    "Experiment",
    "run_experiment",
    "resume_experiment",
    "evaluate_run",
    "extend_run",
    "load_checkpoint",
]

PHASES = ("train", "label", "test", "done")
#: Engine settings that `evaluate_run` may change (they do not touch the trained network).
EVALUATE_KEYS = ("protocol.eval_presentation", "engine.eval_shard_size", "engine.workers")
CHECKPOINT = "checkpoint.npz"
#: Settings that `extend_run` may change besides ``train.n_examples`` (none touches the model).
EXTEND_PREFIXES = ("train.", "label.", "test.", "engine.")
#: Results of a finished pass that `extend_run` keeps aside when it continues in place.
_RESULT_FILES = ("config.toml", "metrics.json", "label_counts.npz", "test_counts.npz")


def versions() -> dict[str, str]:
    """Versions of everything that can change a result."""
    import brian2
    import sklearn

    return {
        "stdp": __version__,
        "brian2": brian2.__version__,
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _n(value: int | str, available: int, key: str) -> int:
    if value == "all":
        return available
    if value > available and key != "train.n_examples":
        raise ConfigError(f"{key}: {value} examples asked for but the data set has {available}")
    return int(value)


class Progress:
    """One line of progress: examples/s, spikes per example, retries, ETA and running accuracy."""

    def __init__(
        self,
        stream: TextIO | None,
        label: str,
        total: int,
        log=None,
        since: PassStats | None = None,
    ):
        self.stream = stream
        self.label = label
        self.total = total
        self.log = log
        # A resumed or extended pass: rate and ETA from this process's work only.
        self.base = (since.examples, since.wall_seconds) if since is not None else (0, 0.0)
        self.tty = bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())
        self.last_print = 0.0
        # the latest running training accuracy, shown at the end of the line
        self.note = ""

    def update(self, position: PassPosition, final: bool = False) -> None:
        s = position.stats
        examples, seconds = s.examples - self.base[0], s.wall_seconds - self.base[1]
        if seconds <= 0:
            return
        rate = examples / seconds
        remaining = (self.total - position.done) / rate if rate > 0 else float("inf")
        spikes = s.exc_spikes_window / max(s.examples, 1)
        line = (
            f"{self.label:5s} {position.done:>7d}/{self.total} "
            f"[{100 * position.done / self.total:5.1f}%] "
            f"{rate:7.1f} ex/s  {spikes:5.1f} spikes/ex  retries {s.retries} "
            f"(gave up {s.gave_up})  ETA {_hms(remaining)}"
        )
        if self.note:
            line += f"  {self.note}"
        now = time.monotonic()
        if self.stream is not None:
            if self.tty:
                self.stream.write("\r" + line + ("\n" if final else ""))
                self.stream.flush()
            elif final or now - self.last_print > 10:
                self.stream.write(line + "\n")
                self.stream.flush()
                self.last_print = now
        if final and self.log is not None:
            self.log(line)


def _hms(seconds: float) -> str:
    if not np.isfinite(seconds):
        return "?"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"


@dataclass
class _Data:
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
    return _Data(
        dataset=dataset,
        train=encode_images(dataset.train_images),
        label_images=encode_images(dataset.train_images[:n_label]),
        label_labels=dataset.train_labels[:n_label],
        test_images=encode_images(dataset.test_images[:n_test]),
        test_labels=np.tile(dataset.test_labels[:n_test], cfg["test.presentations"]),
        n_train=cfg["train.n_examples"],
    )


class Experiment:
    """One results folder and what is needed to (continue to) fill it."""

    def __init__(self, cfg: Config, run_dir: Path, stream: TextIO | None = sys.stderr):
        self.cfg = cfg
        self.run_dir = Path(run_dir)
        self.stream = stream
        self.data = _load_data(cfg)
        self.n_input = int(np.prod(self.data.dataset.image_shape))
        self.engine: Engine | None = None

    # -- logging -------------------------------------------------------------------
    def log(self, message: str) -> None:
        stamp = _dt.datetime.now().isoformat(timespec="seconds")
        with open(self.run_dir / "log.txt", "a", encoding="utf-8") as handle:
            handle.write(f"{stamp} {message}\n")

    def say(self, message: str) -> None:
        self.log(message)
        if self.stream is not None:
            self.stream.write(message + "\n")
            self.stream.flush()

    # -- checkpoint ----------------------------------------------------------------
    def save_checkpoint(self, ck: dict[str, Any]) -> None:
        arrays: dict[str, Any] = {}
        state = ck["state"]
        n_exc = self.cfg["network.n_exc"]
        arrays["weights"] = state["input_to_exc.w"].reshape(self.n_input, n_exc)
        arrays["delays"] = state["input_to_exc.delay"].reshape(self.n_input, n_exc)
        arrays["theta"] = state["exc.theta"]
        for key in STATE_KEYS:
            if key not in ("input_to_exc.w", "exc.theta"):
                arrays[f"state/{key}"] = state[key]
        arrays["phase"] = np.str_(ck["phase"])
        arrays.update(ck["train_position"].to_arrays("train/"))
        for name in ("label", "test"):
            for index, (counts, stats) in (ck.get(f"{name}_shards") or {}).items():
                arrays[f"{name}/shard/{index}/counts"] = counts
                arrays[f"{name}/shard/{index}/stats"] = np.array(astuple(stats), dtype=float)
            if ck.get(f"{name}_shards"):
                arrays[f"{name}/shard_elapsed"] = np.float64(ck.get(f"{name}_elapsed", 0.0))
            if ck.get(f"{name}_position") is not None:
                arrays.update(ck[f"{name}_position"].to_arrays(f"{name}/"))
                arrays[f"{name}/counts"] = ck[f"{name}_counts"]
                for key, value in ck[f"{name}_state"].items():
                    arrays[f"{name}/state/{key}"] = value
        if ck.get("assignments") is not None:
            arrays["assignments"] = ck["assignments"]
        arrays["train_accuracy"] = np.asarray(ck["train_accuracy"], dtype=float).reshape(-1, 2)
        arrays["train_block_counts"] = ck["train_block"][0]
        arrays["train_block_labels"] = ck["train_block"][1]
        arrays["train_block_labeller"] = ck["train_block"][2]
        arrays["meta"] = np.str_(
            json.dumps(
                {
                    "n_input": self.n_input,
                    "image_shape": list(self.data.dataset.image_shape),
                    "dataset": self.data.dataset.name,
                    "versions": versions(),
                }
            )
        )
        atomic_save_npz(self.run_dir / CHECKPOINT, arrays)

    def fresh_checkpoint(self) -> dict[str, Any]:
        rng = np.random.default_rng(self.cfg["seed"])
        n_exc = self.cfg["network.n_exc"]
        return {
            "state": initial_state(self.cfg, self.n_input, rng),
            "phase": "train",
            "train_position": PassPosition.start(self.cfg),
            "train_accuracy": [],
            "train_block": _empty_block(n_exc),
        }

    # -- the phases ----------------------------------------------------------------
    def _engine(self, frozen: bool = False) -> Engine:
        """The engine for training, or (``frozen``) for the labelling and test passes.

        The two differ only when ``protocol.eval_presentation`` sets another
        presentation time for the frozen passes; then the training engine is
        closed and the other one built (training is over by then).
        """
        cfg = eval_config(self.cfg) if frozen else self.cfg
        if self.engine is not None and self.engine.cfg != cfg:
            self.engine.close()
            self.engine = None
        if self.engine is None:
            start = time.perf_counter()
            shown = ""
            if cfg is not self.cfg:
                shown = f", {float(cfg['protocol.presentation'] / ms):g} ms presentations"
            self.say(
                f"building the network ({cfg['device']}, {cfg['network.n_exc']} neurons{shown})"
            )
            self.engine = make_engine(cfg, self.n_input)
            self.say(f"network ready in {time.perf_counter() - start:.1f} s")
        return self.engine

    def run(self, ck: dict[str, Any]) -> dict[str, Any]:
        """Run (or continue) every phase that is not done yet and write the metrics."""
        try:
            if ck["phase"] == "train":
                ck = self._train(ck)
            if ck["phase"] in ("label", "test"):
                ck = self._evaluate_passes(ck)
            return self.write_metrics(ck)
        finally:
            shutdown_workers()
            if self.engine is not None:
                self.engine.close()
                self.engine = None

    def _train(self, ck: dict[str, Any]) -> dict[str, Any]:
        cfg = self.cfg
        n_train = self.data.n_train
        every = cfg["train.checkpoint_every"]
        snap_every = cfg["train.snapshot_every"]
        acc_every = cfg["train.accuracy_every"]
        labels_all = self.data.dataset.train_labels
        n_classes = self.data.dataset.n_classes
        engine = self._engine()
        position: PassPosition = ck["train_position"]
        progress = Progress(self.stream, "train", n_train, self.log, since=copy(position.stats))
        if position.done:
            self.say(f"resuming training at example {position.done}")
        block = list(ck["train_block"])
        if ck["train_accuracy"]:  # resumed: show the latest figure from the start
            progress.note = _running_accuracy_note(*ck["train_accuracy"][-1])

        def on_chunk(pos: PassPosition, state, counts) -> None:
            first = pos.done - counts.shape[0]
            if acc_every:
                labels = labels_all[(first + np.arange(counts.shape[0])) % labels_all.shape[0]]
                scored = len(ck["train_accuracy"])
                _update_running_accuracy(
                    block, counts, labels, acc_every, ck["train_accuracy"], first, n_classes
                )
                for examples, acc in ck["train_accuracy"][scored:]:
                    self.log(f"running accuracy at {int(examples)} examples: {100 * acc:.2f} %")
                    progress.note = _running_accuracy_note(examples, acc)
            ck["state"] = state
            crossed = pos.done // snap_every > first // snap_every if snap_every else False
            if snap_every and (crossed or pos.done >= n_train):
                self._snapshot(state, pos.done)
            if pos.done // every > first // every or pos.done >= n_train:
                ck["phase"] = "label" if pos.done >= n_train else "train"
                ck["train_block"] = tuple(block)
                self.save_checkpoint(ck)
            progress.update(pos)

        if position.done == 0 and snap_every:
            self._snapshot(ck["state"], 0)
        ck["state"], _, position = run_pass(
            engine,
            ck["state"],
            self.data.train,
            n_train,
            learning=True,
            seed=cfg["seed"],
            stream=STREAMS["train"],
            position=position,
            on_chunk=on_chunk,
            record_counts=False,
        )
        # The last chunk's on_chunk has written the checkpoint with phase "label".
        ck["train_position"] = position
        ck["train_block"] = tuple(block)
        ck["phase"] = "label"
        progress.update(position, final=True)
        return ck

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

    def _evaluate_passes(self, ck: dict[str, Any]) -> dict[str, Any]:
        data = self.data
        passes = (
            ("label", data.label_images, data.label_images.shape[0]),
            # the test set, shown test.presentations times in a row
            ("test", data.test_images, data.test_labels.shape[0]),
        )
        for name, images, n_total in passes:
            if PHASES.index(ck["phase"]) > PHASES.index(name):
                continue
            ck["phase"] = name
            ck = self._frozen_pass(ck, name, images, n_total)
            counts = ck[f"{name}_counts"]
            labels = data.label_labels if name == "label" else data.test_labels
            atomic_save_npz(
                self.run_dir / f"{name}_counts.npz", {"counts": counts, "labels": labels}
            )
            if name == "label":
                labeller = NeuronLabeller(n_classes=data.dataset.n_classes).fit(counts, labels)
                ck["assignments"] = labeller.assignments_
            ck["phase"] = "test" if name == "label" else "done"
            self.save_checkpoint(ck)
        return ck

    def _frozen_pass(
        self, ck: dict[str, Any], name: str, images: np.ndarray, n_total: int
    ) -> dict[str, Any]:
        cfg = self.cfg
        if cfg["engine.eval_shard_size"] != "all":
            return self._sharded_pass(ck, name, images, n_total)
        every = cfg["train.checkpoint_every"]
        position = ck.get(f"{name}_position") or PassPosition.start(cfg)
        counts_so_far = ck.get(f"{name}_counts")
        if counts_so_far is None:
            counts_so_far = np.zeros((0, cfg["network.n_exc"]), dtype=np.int64)
        # A frozen pass starts from the trained state; only the fast variables move.
        state = dict(ck["state"])
        state.update(ck.get(f"{name}_state") or {})
        if position.done:
            self.say(f"resuming the {name} pass at example {position.done}")
        progress = Progress(self.stream, name, n_total, self.log, since=copy(position.stats))
        engine = self._engine(frozen=True)
        pieces = [counts_so_far]

        def on_chunk(pos: PassPosition, new_state, counts) -> None:
            pieces.append(counts)
            first = pos.done - counts.shape[0]
            if pos.done // every > first // every and pos.done < n_total:
                ck[f"{name}_position"] = pos
                ck[f"{name}_counts"] = np.concatenate(pieces)
                ck[f"{name}_state"] = _fast_state(new_state)
                self.save_checkpoint(ck)
            progress.update(pos)

        new_state, _, position = run_pass(
            engine,
            state,
            images,
            n_total,
            learning=False,
            seed=cfg["seed"],
            stream=STREAMS[name],
            position=position,
            on_chunk=on_chunk,
            record_counts=False,
        )
        progress.update(position, final=True)
        ck[f"{name}_position"] = position
        ck[f"{name}_counts"] = np.concatenate(pieces)
        ck[f"{name}_state"] = _fast_state(new_state)
        return ck

    def _sharded_pass(
        self, ck: dict[str, Any], name: str, images: np.ndarray, n_total: int
    ) -> dict[str, Any]:
        """The pass in independent shards (`stdp.shards`), on ``engine.workers`` processes."""
        cfg = self.cfg
        bounds = shard_bounds(n_total, cfg["engine.eval_shard_size"])
        done: dict[int, tuple[np.ndarray, PassStats]] = ck.setdefault(f"{name}_shards", {})
        if done:
            self.say(f"resuming the {name} pass: {len(done)} of {len(bounds)} shards done")
        jobs = [(i, a, b) for i, (a, b) in enumerate(bounds) if i not in done]
        # Each shard's stats count its own worker's seconds; the pass's wall time is
        # the time this process (and, when resumed, earlier ones) spent waiting for them.
        earlier = ck.get(f"{name}_elapsed", 0.0)
        started = time.perf_counter()
        position = PassPosition(done=0)

        def tally() -> None:
            position.done = sum(bounds[i][1] - bounds[i][0] for i in done)
            position.stats = _sum_stats(stats for _, stats in done.values())
            position.stats.wall_seconds = earlier + time.perf_counter() - started
            ck[f"{name}_elapsed"] = position.stats.wall_seconds

        tally()
        progress = Progress(self.stream, name, n_total, self.log, since=copy(position.stats))

        for index, counts, stats in run_shards(
            lambda: self._engine(frozen=True),
            eval_config(cfg),
            self.n_input,
            ck["state"],
            images,
            jobs,
            cfg["seed"],
            STREAMS[name],
            cfg["engine.workers"],
        ):
            done[index] = (counts, stats)
            tally()
            if len(done) < len(bounds):
                self.save_checkpoint(ck)
            progress.update(position)
        tally()
        progress.update(position, final=True)
        ck[f"{name}_counts"] = np.concatenate([done[i][0] for i in range(len(bounds))])
        ck[f"{name}_position"] = position
        ck[f"{name}_state"] = {}
        del ck[f"{name}_shards"], ck[f"{name}_elapsed"]
        return ck

    # -- results -------------------------------------------------------------------
    def write_metrics(self, ck: dict[str, Any]) -> dict[str, Any]:
        cfg = self.cfg
        data = self.data
        metrics, labeller = evaluate_with_labeller(
            ck["label_counts"],
            data.label_labels,
            ck["test_counts"],
            data.test_labels,
            n_classes=data.dataset.n_classes,
        )
        # The paper's protocol: accuracy as mean +- SD over presentations of the test set.
        n_pres = cfg["test.presentations"]
        per_presentation = [
            float(np.mean(labeller.predict(block) == truth))
            for block, truth in zip(
                np.split(ck["test_counts"], n_pres),
                np.split(data.test_labels, n_pres),
                strict=True,
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
        train = ck["train_position"].stats
        metrics.update(
            {
                "dataset": data.dataset.name,
                "n_exc": cfg["network.n_exc"],
                "n_train": int(ck["train_position"].done),
                "seed": cfg["seed"],
                "device": cfg["device"],
                "versions": versions(),
                "train_examples_per_second": _ratio(train.examples, train.wall_seconds),
                "train_presentations_per_second": _ratio(train.presentations, train.wall_seconds),
                "train_wall_seconds": train.wall_seconds,
                "train_sim_seconds": train.sim_seconds,
                "train_presentations": train.presentations,
                "train_retries": train.retries,
                "train_gave_up": train.gave_up,
                "train_spikes_per_example": _ratio(train.exc_spikes_window, train.examples),
                "running_accuracy": [
                    {"examples": int(n), "accuracy": float(a)} for n, a in ck["train_accuracy"]
                ],
            }
        )
        for name in ("label", "test"):
            s = ck[f"{name}_position"].stats
            metrics[f"{name}_examples_per_second"] = _ratio(s.examples, s.wall_seconds)
            metrics[f"{name}_presentations"] = s.presentations
            metrics[f"{name}_retries"] = s.retries
            metrics[f"{name}_gave_up"] = s.gave_up
            metrics[f"{name}_spikes_per_example"] = _ratio(s.exc_spikes_window, s.examples)
        if self.engine is not None:
            metrics["setup_seconds"] = self.engine.setup_seconds
        atomic_write_json(self.run_dir / "metrics.json", metrics)
        spread = (
            f" +- {100 * metrics['accuracy_sd']:.2f} (SD over {n_pres} presentations)"
            if n_pres > 1
            else ""
        )
        self.say(
            f"test accuracy {100 * metrics['accuracy']:.2f} %{spread} "
            f"(proportion weighting {100 * metrics['accuracy_proportion']:.2f} %), "
            f"{metrics['n_test']} test examples, labels from {metrics['n_label']} training examples"
        )
        metrics["neurons_per_class"] = np.bincount(
            labeller.assignments_[labeller.assignments_ >= 0], minlength=data.dataset.n_classes
        ).tolist()
        return metrics


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b > 0 else 0.0


def _sum_stats(all_stats) -> PassStats:
    total = PassStats()
    for stats in all_stats:
        for field in fields(PassStats):
            setattr(total, field.name, getattr(total, field.name) + getattr(stats, field.name))
    return total


def _stats_from(values: np.ndarray) -> PassStats:
    """Inverse of ``astuple(stats)`` (each field takes the type of its default)."""
    kinds = [(f.name, type(f.default)) for f in fields(PassStats)]
    return PassStats(**{name: kind(v) for (name, kind), v in zip(kinds, values, strict=True)})


def _fast_state(state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The part of the state that changes while the network is frozen."""
    return {k: v for k, v in state.items() if k not in ("input_to_exc.w", "input_to_exc.delay")}


def _empty_block(n_exc: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.zeros((0, n_exc), dtype=np.int64), np.zeros(0, dtype=np.int64), np.full(n_exc, -2)


def _running_accuracy_note(examples: float, accuracy: float) -> str:
    """The progress line's note of the latest running accuracy."""
    return f"running accuracy {100 * accuracy:.1f} % at {int(examples)}"


def _update_running_accuracy(block, counts, labels, size, history, first, n_classes) -> None:
    """The paper's Fig. 2C: label neurons on one block of training examples, score the next.

    ``block`` is ``[counts, labels, assignments]``: the counts and labels of
    the block being filled (which started at example ``first - len(counts)``)
    and the assignments made from the previous complete block (first entry
    -2 while there is none). Each scored block appends
    ``(examples seen at its end, accuracy)`` to ``history``.
    """
    start = first - block[0].shape[0]
    block_counts = np.concatenate([block[0], counts])
    block_labels = np.concatenate([block[1], labels])
    while block_counts.shape[0] >= size:
        end = start + size
        now_counts, now_labels = block_counts[:size], block_labels[:size]
        if block[2].size and block[2][0] != -2:
            predicted = all_activity(now_counts, block[2], n_classes)
            history.append((end, float(np.mean(predicted == now_labels))))
        block[2] = assign_labels(now_counts, now_labels, n_classes)[0]
        block_counts, block_labels = block_counts[size:], block_labels[size:]
        start = end
    block[0], block[1] = block_counts, block_labels


# -- entry points ----------------------------------------------------------------------
def _default_out(cfg_path: str | Path | None) -> Path:
    stem = Path(cfg_path).stem if cfg_path else "run"
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("results") / f"{stem}-{stamp}"


def run_experiment(
    config: str | Path | None,
    overrides: list[str] | tuple[str, ...] = (),
    out: str | Path | None = None,
    stream: TextIO | None = sys.stderr,
) -> tuple[dict[str, Any], Path]:
    """Train, label and test as ``config`` says; return the metrics and the results folder.

    The configuration and the data set are checked before anything is written,
    so bad input leaves no results folder behind.
    """
    cfg = load_config(config, overrides)
    run_dir = Path(out) if out is not None else _default_out(config)
    if (run_dir / CHECKPOINT).exists() or (run_dir / "config.toml").exists():
        raise CheckpointError(
            f"{run_dir} already holds a run; use 'stdp resume {run_dir}' or another --out"
        )
    exp = Experiment(cfg, run_dir, stream)  # loads and checks the data set
    validate_model(cfg, exp.n_input)  # every equation string, units included
    run_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(run_dir / "config.toml", cfg.to_toml())
    exp.say(f"results folder: {run_dir}")
    metrics = exp.run(exp.fresh_checkpoint())
    return metrics, run_dir


def load_checkpoint(run_dir: str | Path) -> tuple[Config, dict[str, Any]]:
    """Read a results folder's configuration and checkpoint."""
    run_dir = Path(run_dir)
    if not (run_dir / "config.toml").exists():
        raise CheckpointError(f"{run_dir}: no config.toml; not a results folder")
    cfg = load_config(run_dir / "config.toml")
    path = run_dir / CHECKPOINT
    if not path.exists():
        raise CheckpointError(f"{path}: no checkpoint yet; start the run again with 'stdp run'")
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise CheckpointError(f"{path}: cannot read the checkpoint ({err})") from None
    try:
        meta = json.loads(str(arrays["meta"]))
        n_input = int(meta["n_input"])
        state = {key[len("state/") :]: arrays[key] for key in arrays if key.startswith("state/")}
        state["input_to_exc.w"] = arrays["weights"].reshape(-1)
        state["input_to_exc.delay"] = arrays["delays"].reshape(-1)
        state["exc.theta"] = arrays["theta"]
        if arrays["weights"].shape != (n_input, cfg["network.n_exc"]):
            raise CheckpointError(
                f"{path}: weights have shape {arrays['weights'].shape}, expected "
                f"({n_input}, {cfg['network.n_exc']}) from config.toml"
            )
        ck: dict[str, Any] = {
            "state": state,
            "phase": str(arrays["phase"]),
            "train_position": PassPosition.from_arrays(arrays, "train/"),
            "train_accuracy": [tuple(row) for row in arrays["train_accuracy"]],
            "train_block": [
                arrays["train_block_counts"],
                arrays["train_block_labels"],
                arrays["train_block_labeller"],
            ],
            "assignments": arrays.get("assignments"),
        }
        for name in ("label", "test"):
            prefix = f"{name}/shard/"
            shards = {int(k.split("/")[2]) for k in arrays if k.startswith(prefix)}
            if shards:
                ck[f"{name}_shards"] = {
                    i: (arrays[f"{prefix}{i}/counts"], _stats_from(arrays[f"{prefix}{i}/stats"]))
                    for i in shards
                }
                ck[f"{name}_elapsed"] = float(arrays.get(f"{name}/shard_elapsed", 0.0))
            if f"{name}/done" in arrays:
                ck[f"{name}_position"] = PassPosition.from_arrays(arrays, f"{name}/")
                ck[f"{name}_counts"] = arrays[f"{name}/counts"]
                prefix = f"{name}/state/"
                ck[f"{name}_state"] = {
                    k[len(prefix) :]: arrays[k] for k in arrays if k.startswith(prefix)
                }
    except KeyError as err:
        raise CheckpointError(f"{path}: checkpoint is missing {err}") from None
    missing = [k for k in STATE_KEYS if k not in state]
    if missing:
        raise CheckpointError(f"{path}: checkpoint is missing state {', '.join(missing)}")
    if ck["phase"] not in PHASES:
        raise CheckpointError(f"{path}: unknown phase {ck['phase']!r}")
    return cfg, ck


def _forget_frozen_passes(ck: dict[str, Any]) -> None:
    """Drop the labelling and test passes of a checkpoint, finished or not."""
    for name in ("label", "test"):
        for suffix in ("position", "counts", "state", "shards", "elapsed"):
            ck.pop(f"{name}_{suffix}", None)


def resume_experiment(run_dir: str | Path, stream: TextIO | None = sys.stderr) -> dict[str, Any]:
    """Finish an interrupted run from its last checkpoint."""
    cfg, ck = load_checkpoint(run_dir)
    exp = Experiment(cfg, Path(run_dir), stream)
    if ck["phase"] == "done":
        exp.say("the run is already complete; recomputing the metrics")
    return exp.run(ck)


def evaluate_run(
    run_dir: str | Path,
    overrides: list[str] | tuple[str, ...] = (),
    stream: TextIO | None = sys.stderr,
) -> dict[str, Any]:
    """Label and test again from the trained checkpoint (optionally with other label/test sizes)."""
    cfg, ck = load_checkpoint(run_dir)
    if PHASES.index(ck["phase"]) < PHASES.index("label"):
        raise CheckpointError(f"{run_dir}: training is not finished; use 'stdp resume {run_dir}'")
    for text in overrides:
        key = text.split("=", 1)[0].strip()
        if not key.startswith(("label.", "test.")) and key not in EVALUATE_KEYS:
            raise ConfigError(
                f"--set {text!r}: evaluate only accepts label.*, test.* and "
                f"{', '.join(EVALUATE_KEYS)}"
            )
    cfg = load_config(Path(run_dir) / "config.toml", overrides)
    exp = Experiment(cfg, Path(run_dir), stream)
    _forget_frozen_passes(ck)
    ck["phase"] = "label"
    exp.say("labelling and testing again from the trained checkpoint")
    metrics = exp.run(ck)
    if overrides:
        atomic_write_text(Path(run_dir) / "config.toml", cfg.to_toml())
    return metrics


def extend_run(
    run_dir: str | Path,
    overrides: list[str] | tuple[str, ...],
    out: str | Path | None = None,
    stream: TextIO | None = sys.stderr,
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
    _, ck = load_checkpoint(run_dir)
    keys = [text.split("=", 1)[0].strip() for text in overrides]
    for text, key in zip(overrides, keys, strict=True):
        if not key.startswith(EXTEND_PREFIXES):
            raise ConfigError(
                f"--set {text!r}: extend only accepts {', '.join(p + '*' for p in EXTEND_PREFIXES)}"
                " (the model of a trained network cannot change)"
            )
    if "train.n_examples" not in keys:
        raise ConfigError("extend needs --set train.n_examples=N, the new length of training")
    cfg = load_config(run_dir / "config.toml", overrides)
    done = int(ck["train_position"].done)
    target = run_dir if out is None else Path(out)
    exp = Experiment(cfg, target, stream)  # loads and checks the data set
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
        if (run_dir / "log.txt").exists():
            shutil.copy2(run_dir / "log.txt", target / "log.txt")
        if (run_dir / "snapshots").is_dir():
            shutil.copytree(run_dir / "snapshots", target / "snapshots", dirs_exist_ok=True)
    # The configuration first: if the checkpoint below is never written, the
    # folder still holds the finished shorter run, and extending again works.
    atomic_write_text(target / "config.toml", cfg.to_toml())
    _forget_frozen_passes(ck)
    ck["phase"] = "train"
    ck["assignments"] = None
    exp.save_checkpoint(ck)
    exp.say(f"extending training from {done} to {exp.data.n_train} examples (from {run_dir})")
    return exp.run(ck), target
