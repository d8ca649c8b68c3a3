"""Sharded frozen passes: the same counts on one or two workers, and after a restart."""

from __future__ import annotations

import numpy as np
import pytest

from stdp import experiment
from stdp.passes import shard_bounds, shard_stream

from .conftest import SMALL

SHARDED = [*SMALL, "engine.eval_shard_size=25"]


def test_shard_bounds_cover_the_pass():
    assert shard_bounds(60, 25) == [(0, 25), (25, 50), (50, 60)]
    assert shard_bounds(50, 25) == [(0, 25), (25, 50)]
    assert len({shard_stream(1, i) for i in range(100)} | {shard_stream(2, i) for i in range(100)})
    assert shard_stream(1, 0) != shard_stream(2, 0)


def _counts(run_dir):
    with np.load(run_dir / "label_counts.npz") as a, np.load(run_dir / "test_counts.npz") as b:
        return a["counts"], b["counts"]


def test_two_workers_give_the_counts_of_one(tmp_path):
    one, dir_one = experiment.run_experiment(None, SHARDED, out=tmp_path / "one", stream=None)
    two, dir_two = experiment.run_experiment(
        None, [*SHARDED, "engine.workers=2"], out=tmp_path / "two", stream=None
    )
    for a, b in zip(_counts(dir_one), _counts(dir_two), strict=True):
        np.testing.assert_array_equal(a, b)
    assert one["accuracy"] == two["accuracy"]
    assert one["label_presentations"] == two["label_presentations"]


def test_an_interrupted_sharded_pass_resumes_exactly(tmp_path, monkeypatch):
    straight, straight_dir = experiment.run_experiment(
        None, SHARDED, out=tmp_path / "straight", stream=None
    )
    original = experiment.Experiment.save_checkpoint

    def die_in_labelling(self):
        original(self)
        if self.checkpoint.phase == "label" and self.checkpoint.label.shards:
            raise KeyboardInterrupt

    monkeypatch.setattr(experiment.Experiment, "save_checkpoint", die_in_labelling)
    with pytest.raises(KeyboardInterrupt):
        experiment.run_experiment(None, SHARDED, out=tmp_path / "killed", stream=None)
    monkeypatch.setattr(experiment.Experiment, "save_checkpoint", original)
    _, ck = experiment.load_checkpoint(tmp_path / "killed")
    assert ck.phase == "label" and len(ck.label.shards) == 1
    resumed = experiment.resume_experiment(tmp_path / "killed", stream=None)
    for a, b in zip(_counts(straight_dir), _counts(tmp_path / "killed"), strict=True):
        np.testing.assert_array_equal(a, b)
    assert resumed["accuracy"] == straight["accuracy"]


def test_sharded_pass_reports_wall_clock_throughput(tmp_path, monkeypatch):
    """The rate of a sharded pass is examples per second of waiting, not per worker-second.

    Each shard's stats carry its worker's own seconds; here they are inflated a
    thousandfold, so a rate computed from their sum would be far below what the
    whole run's wall time allows.
    """
    import time

    from stdp import passes

    real = passes._run_shards

    def slow_workers(*args, **kwargs):
        for index, counts, stats in real(*args, **kwargs):
            stats.wall_seconds *= 1000.0
            yield index, counts, stats

    monkeypatch.setattr(passes, "_run_shards", slow_workers)
    start = time.perf_counter()
    metrics, _ = experiment.run_experiment(None, SHARDED, out=tmp_path / "run", stream=None)
    whole_run = time.perf_counter() - start
    for name in ("label", "test"):
        n = metrics[f"{name}_presentations"]  # at least one presentation per example
        assert n > 0
        examples = n - metrics[f"{name}_retries"]
        assert metrics[f"{name}_examples_per_second"] >= examples / whole_run


@pytest.mark.parametrize("shard", ["all", "40"])
def test_a_pass_holds_its_counts_once(shard):
    # The checkpoints of a pass save views of the one array the pass returns,
    # not copies (at 6,400 neurons and 60,000 examples the counts are 3 GB).
    from stdp.config import load_config
    from stdp.datasets import load_dataset
    from stdp.network import initial_state
    from stdp.passes import frozen_pass

    cfg = load_config(None, [*SMALL, f"engine.eval_shard_size={shard}"])
    images = load_dataset("digits").train_images[:120].reshape(120, -1)
    state = initial_state(cfg, 64, np.random.default_rng(0))
    saved = []
    done = frozen_pass(
        cfg, 64, state, images, 120, stream=1, checkpoint_every=40, save=saved.append
    )
    assert done.counts.shape == (120, 20) and done.counts.sum() > 0
    assert saved  # checkpoints were written during the pass
    for progress in saved:
        held = [progress.counts] if shard == "all" else [c for c, _ in progress.shards.values()]
        for counts in held:
            assert np.shares_memory(counts, done.counts)
