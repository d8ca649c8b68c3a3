"""The versioned checkpoint: round trip, stdp 0.1 files, newer formats, files that do not fit."""

from __future__ import annotations

import numpy as np
import pytest

from stdp.checkpoint import FORMAT_VERSION, Checkpoint
from stdp.config import load_config
from stdp.errors import CheckpointError
from stdp.fileio import atomic_save_npz
from stdp.network import initial_state
from stdp.passes import FrozenPass, PassPosition, PassStats

from .conftest import SMALL


def _checkpoint() -> Checkpoint:
    cfg = load_config(None, SMALL)
    state = initial_state(cfg, 64, np.random.default_rng(0))
    label = FrozenPass(
        shards={0: (np.arange(40).reshape(2, 20), PassStats(examples=2, wall_seconds=1.5))},
        elapsed=1.5,
    )
    test = FrozenPass(
        position=PassPosition(done=3, chunk=1, k_start=0.0, nspk=2.0, retries=1.0),
        counts=np.ones((3, 20), dtype=np.int64),
        fast_state={"exc.v": np.full(20, -0.06)},
    )
    return Checkpoint(
        state=state,
        n_input=64,
        image_shape=(8, 8),
        dataset="digits",
        phase="test",
        train=PassPosition(done=120, chunk=6, stats=PassStats(examples=120, retries=4)),
        train_accuracy=[(80.0, 0.5), (120.0, 0.625)],
        label=label,
        test=test,
        assignments=np.arange(20) % 10,
        config=cfg.to_toml(),
    )


def _assert_same(a: Checkpoint, b: Checkpoint) -> None:
    assert a.state.keys() == b.state.keys()
    for key in a.state:
        np.testing.assert_array_equal(a.state[key], b.state[key])
    assert (a.n_input, a.image_shape, a.dataset, a.phase) == (
        b.n_input,
        b.image_shape,
        b.dataset,
        b.phase,
    )
    assert a.train == b.train and a.train_accuracy == b.train_accuracy
    np.testing.assert_array_equal(a.assignments, b.assignments)
    counts, stats = b.label.shards[0]
    np.testing.assert_array_equal(counts, a.label.shards[0][0])
    assert stats == a.label.shards[0][1] and b.label.elapsed == 1.5
    assert b.test.position == a.test.position
    np.testing.assert_array_equal(b.test.counts, a.test.counts)
    np.testing.assert_array_equal(b.test.fast_state["exc.v"], a.test.fast_state["exc.v"])


def test_round_trip_keeps_everything(tmp_path):
    ck = _checkpoint()
    loaded = Checkpoint.load(ck.save(tmp_path / "ck.npz"), n_exc=20)
    _assert_same(ck, loaded)
    assert loaded.config == ck.config
    assert loaded.weights.shape == (64, 20)
    with np.load(tmp_path / "ck.npz") as z:
        assert int(z["format_version"]) == FORMAT_VERSION


def test_a_checkpoint_of_stdp_0_1_still_loads(tmp_path):
    """Format 1: no version entry, no embedded configuration, the same arrays otherwise."""
    ck = _checkpoint()
    arrays = ck.to_arrays()
    del arrays["format_version"], arrays["config"]
    atomic_save_npz(tmp_path / "old.npz", arrays)
    loaded = Checkpoint.load(tmp_path / "old.npz")
    _assert_same(ck, loaded)
    assert loaded.config is None


def test_a_newer_format_is_refused_in_one_line(tmp_path):
    arrays = _checkpoint().to_arrays()
    arrays["format_version"] = np.int64(FORMAT_VERSION + 1)
    atomic_save_npz(tmp_path / "new.npz", arrays)
    with pytest.raises(CheckpointError, match="newer stdp") as err:
        Checkpoint.load(tmp_path / "new.npz")
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda a: a.pop("weights"), "damaged"),
        (lambda a: a.__setitem__("phase", np.str_("halfway")), "unknown phase"),
        (lambda a: a.pop("state/exc.v"), "missing state exc.v"),
        (lambda a: a.__setitem__("weights", np.zeros((64, 7))), "do not make"),
    ],
)
def test_damaged_checkpoints_end_with_a_checkpoint_error(tmp_path, damage, message):
    arrays = _checkpoint().to_arrays()
    damage(arrays)
    atomic_save_npz(tmp_path / "bad.npz", arrays)
    with pytest.raises(CheckpointError, match=message):
        Checkpoint.load(tmp_path / "bad.npz")


def test_a_checkpoint_that_does_not_fit_the_config_is_refused_before_building(tmp_path):
    path = _checkpoint().save(tmp_path / "ck.npz")
    with pytest.raises(CheckpointError, match=r"expected \(64, 30\)"):
        Checkpoint.load(path, n_exc=30)
    (tmp_path / "junk.npz").write_bytes(b"not a zip file")
    with pytest.raises(CheckpointError, match="cannot read"):
        Checkpoint.load(tmp_path / "junk.npz")
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        Checkpoint.load(tmp_path / "missing.npz")
