"""The checkpoint: a network's whole state and where its passes stand, in one versioned file.

This module is the only one that reads or writes ``checkpoint.npz``. A
`Checkpoint` holds

- the network state (weights, delays, theta, every other state variable) and
  what it was trained on (input size, image shape, data set name);
- where training stands (`stdp.passes.PassPosition`: examples done, chunk
  index, the controller's state) and the running accuracy;
- the labelling and test passes, finished or under way (`stdp.passes.FrozenPass`);
- the neurons' class assignments once labelled;
- the configuration it belongs to (TOML text) and the versions that made it.

The file is an ``.npz`` archive without pickled objects, written atomically.
Its ``format_version`` entry says how to read it: version 2 is written now;
version 1 (the layout of stdp 0.1, which had no version entry and no embedded
configuration) is read as well. A file from a newer stdp is refused with a
one-line error.
"""

from __future__ import annotations

import json
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import CheckpointError
from .fileio import atomic_save_npz
from .passes import FrozenPass, PassPosition, PassStats

__all__ = ["Checkpoint", "FORMAT_VERSION", "PHASES", "FILENAME"]

#: The layout written by this version of stdp (1: stdp 0.1, without a version entry).
FORMAT_VERSION = 2
#: The phases of a results folder, in order.
PHASES = ("train", "label", "test", "done")
#: The name of the checkpoint in a results folder.
FILENAME = "checkpoint.npz"
#: State variables stored under their own names rather than ``state/<key>``.
_NAMED = {"input_to_exc.w": "weights", "input_to_exc.delay": "delays", "exc.theta": "theta"}


def _empty_block(n_exc: int) -> list[np.ndarray]:
    return [np.zeros((0, n_exc), dtype=np.int64), np.zeros(0, dtype=np.int64), np.full(n_exc, -2)]


@dataclass
class Checkpoint:
    """A network's state and the progress of its passes (see the module docstring).

    Attributes
    ----------
    state : dict of ndarray
        ``{"group.variable": values}`` in SI units (`stdp.network.initial_state`).
    n_input : int
        Number of inputs (pixels).
    image_shape : tuple of int
        ``(height, width)`` of an input image.
    dataset : str
        Name of the data set trained on ("" if unknown).
    phase : {"train", "label", "test", "done"}
        The first phase of a results folder that is not finished.
    train : PassPosition
        Where training stands.
    train_accuracy : list of (examples, accuracy)
        The running training accuracy (Diehl & Cook 2015, Fig. 2C).
    train_block : list of ndarray
        The running accuracy's block under way: counts, labels, assignments.
    label, test : FrozenPass
        The labelling and test passes.
    assignments : ndarray of int or None
        Class of each neuron (-1: unassigned), once labelled.
    config : str or None
        The configuration as TOML text (None in version-1 files).
    versions : dict
        Versions of the software that wrote it.
    """

    state: dict[str, np.ndarray]
    n_input: int
    image_shape: tuple[int, int]
    dataset: str = ""
    phase: str = "train"
    train: PassPosition = field(default_factory=PassPosition)
    train_accuracy: list[tuple[float, float]] = field(default_factory=list)
    train_block: list[np.ndarray] | None = None
    label: FrozenPass = field(default_factory=FrozenPass)
    test: FrozenPass = field(default_factory=FrozenPass)
    assignments: np.ndarray | None = None
    config: str | None = None
    versions: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.train_block is None:
            self.train_block = _empty_block(self.n_exc)

    # -- views ------------------------------------------------------------------------
    @property
    def n_exc(self) -> int:
        """Number of excitatory neurons."""
        return int(np.asarray(self.state["exc.theta"]).shape[0])

    @property
    def weights(self) -> np.ndarray:
        """Input weights, shape (n_input, n_exc)."""
        return np.asarray(self.state["input_to_exc.w"]).reshape(self.n_input, self.n_exc)

    @property
    def theta(self) -> np.ndarray:
        """Adaptive thresholds (volt), shape (n_exc,)."""
        return np.asarray(self.state["exc.theta"])

    def pass_of(self, name: str) -> FrozenPass:
        """The labelling (``"label"``) or test (``"test"``) pass."""
        if name not in ("label", "test"):
            raise ValueError(f"no frozen pass named {name!r}")
        return getattr(self, name)

    def forget_frozen_passes(self) -> None:
        """Drop the labelling and test passes, finished or not, and the assignments."""
        self.label, self.test = FrozenPass(), FrozenPass()

    # -- writing ------------------------------------------------------------------------
    def to_arrays(self) -> dict[str, Any]:
        """The archive's entries (see `save`)."""
        arrays: dict[str, Any] = {"format_version": np.int64(FORMAT_VERSION)}
        for key, value in self.state.items():
            if key in _NAMED:
                continue
            arrays[f"state/{key}"] = value
        arrays["weights"] = self.weights
        arrays["delays"] = np.asarray(self.state["input_to_exc.delay"]).reshape(
            self.n_input, self.n_exc
        )
        arrays["theta"] = self.theta
        arrays["phase"] = np.str_(self.phase)
        arrays.update(self.train.to_arrays("train/"))
        for name in ("label", "test"):
            frozen = self.pass_of(name)
            for index, (counts, stats) in frozen.shards.items():
                arrays[f"{name}/shard/{index}/counts"] = counts
                arrays[f"{name}/shard/{index}/stats"] = stats.to_array()
            if frozen.shards:
                arrays[f"{name}/shard_elapsed"] = np.float64(frozen.elapsed)
            if frozen.position is not None:
                arrays.update(frozen.position.to_arrays(f"{name}/"))
                arrays[f"{name}/counts"] = frozen.counts
                for key, value in frozen.fast_state.items():
                    arrays[f"{name}/state/{key}"] = value
        if self.assignments is not None:
            arrays["assignments"] = self.assignments
        arrays["train_accuracy"] = np.asarray(self.train_accuracy, dtype=float).reshape(-1, 2)
        for suffix, value in zip(("counts", "labels", "labeller"), self.train_block, strict=True):
            arrays[f"train_block_{suffix}"] = value
        meta = {
            "n_input": self.n_input,
            "image_shape": list(self.image_shape),
            "dataset": self.dataset,
            "versions": self.versions,
        }
        arrays["meta"] = np.str_(json.dumps(meta))
        if self.config is not None:
            arrays["config"] = np.str_(self.config)
        return arrays

    def save(self, path: str | Path) -> Path:
        """Write the checkpoint to ``path`` atomically (an ``.npz`` archive, no pickle)."""
        return atomic_save_npz(path, self.to_arrays())

    # -- reading ------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path, n_exc: int | None = None) -> Checkpoint:
        """Read a checkpoint written by this or an earlier version of stdp.

        Parameters
        ----------
        path : str or Path
            The ``.npz`` file.
        n_exc : int, optional
            The number of excitatory neurons the configuration expects: a
            checkpoint of another size is refused before anything is built.

        Raises
        ------
        CheckpointError
            If the file is missing, unreadable, incomplete, from a newer stdp,
            or does not fit ``n_exc``.
        """
        path = Path(path)
        if not path.exists():
            raise CheckpointError(f"{path}: no such checkpoint")
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as err:
            message = " ".join(str(err).split())
            raise CheckpointError(f"{path}: cannot read the checkpoint ({message})") from None
        version = int(arrays.get("format_version", 1))
        if version > FORMAT_VERSION:
            raise CheckpointError(
                f"{path}: checkpoint format {version} was written by a newer stdp "
                f"(this one reads formats 1-{FORMAT_VERSION}); upgrade stdp"
            )
        try:
            ck = cls._from_arrays(arrays)
        except (KeyError, ValueError, TypeError) as err:
            raise CheckpointError(f"{path}: damaged checkpoint ({err})") from None
        problem = ck._problem(n_exc)
        if problem:
            raise CheckpointError(f"{path}: {problem}")
        return ck

    @classmethod
    def _from_arrays(cls, arrays: dict[str, np.ndarray]) -> Checkpoint:
        meta = json.loads(str(arrays["meta"]))
        n_input = int(meta["n_input"])
        state = {key[len("state/") :]: arrays[key] for key in arrays if key.startswith("state/")}
        state["input_to_exc.w"] = arrays["weights"].reshape(-1)
        state["input_to_exc.delay"] = arrays["delays"].reshape(-1)
        state["exc.theta"] = arrays["theta"]
        shape = tuple(int(s) for s in meta.get("image_shape", ()))
        ck = cls(
            state=state,
            n_input=n_input,
            image_shape=shape if len(shape) == 2 else (1, n_input),
            dataset=str(meta.get("dataset", "")),
            phase=str(arrays["phase"]),
            train=PassPosition.from_arrays(arrays, "train/"),
            train_accuracy=[(float(n), float(a)) for n, a in arrays["train_accuracy"]],
            train_block=[
                arrays["train_block_counts"],
                arrays["train_block_labels"],
                arrays["train_block_labeller"],
            ],
            assignments=arrays.get("assignments"),
            config=str(arrays["config"]) if "config" in arrays else None,
            versions=dict(meta.get("versions", {})),
        )
        for name in ("label", "test"):
            frozen = ck.pass_of(name)
            prefix = f"{name}/shard/"
            for index in {int(k.split("/")[2]) for k in arrays if k.startswith(prefix)}:
                frozen.shards[index] = (
                    arrays[f"{prefix}{index}/counts"],
                    PassStats.from_array(arrays[f"{prefix}{index}/stats"]),
                )
            if frozen.shards:
                frozen.elapsed = float(arrays.get(f"{name}/shard_elapsed", 0.0))
            if f"{name}/done" in arrays:
                frozen.position = PassPosition.from_arrays(arrays, f"{name}/")
                frozen.counts = arrays[f"{name}/counts"]
                prefix = f"{name}/state/"
                frozen.fast_state = {
                    k[len(prefix) :]: arrays[k] for k in arrays if k.startswith(prefix)
                }
        return ck

    def _problem(self, n_exc: int | None) -> str:
        """What is inconsistent in the checkpoint ("" if nothing)."""
        from .engine import STATE_KEYS

        missing = [k for k in STATE_KEYS if k not in self.state]
        if missing:
            return f"checkpoint is missing state {', '.join(missing)}"
        if self.phase not in PHASES:
            return f"unknown phase {self.phase!r}"
        w = np.asarray(self.state["input_to_exc.w"])
        if w.size != self.n_input * self.n_exc:
            return f"{w.size} weights do not make {self.n_input} inputs x {self.n_exc} neurons"
        if self.image_shape[0] * self.image_shape[1] != self.n_input:
            return f"image shape {self.image_shape} does not match {self.n_input} inputs"
        if n_exc is not None and n_exc != self.n_exc:
            return (
                f"weights have shape {(self.n_input, self.n_exc)}, expected "
                f"({self.n_input}, {n_exc}) from the configuration"
            )
        return ""
