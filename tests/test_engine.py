"""The compiled engine end to end: protocol, frozen passes, checkpoints, resume.

All tests here share one small configuration (`conftest.SMALL`), so the
network is compiled once per test session.
"""

from __future__ import annotations

import json
from pathlib import Path

import brian2
import numpy as np
import pytest

from stdp import experiment
from stdp.config import load_config
from stdp.encoding import encode_images
from stdp.engine import StandaloneEngine, chunk_seed, shared_engine
from stdp.network import initial_state
from stdp.passes import PassPosition, run_pass

from .conftest import SMALL, kill_after_checkpoint


@pytest.fixture
def engine():
    """The SMALL network's compiled engine: the process's shared one, loaded again if closed.

    One engine is open per process at a time, so a test that makes another one
    closes this; loading the cached build again takes about 2 s.
    """
    return shared_engine(load_config(None, SMALL), 64)


def _digits():
    from stdp.datasets import load_dataset

    return load_dataset("digits")


def test_frozen_chunk_keeps_weights_and_theta(engine):
    cfg = engine.cfg
    state = initial_state(cfg, 64, np.random.default_rng(0))
    images = encode_images(_digits().train_images[:20])
    result = engine.run_chunk(
        state, images, k_start=-1, nspk=5, retries=0, learning=False, seed=chunk_seed(0, 0)
    )
    np.testing.assert_array_equal(result.state["input_to_exc.w"], state["input_to_exc.w"])
    np.testing.assert_array_equal(result.state["exc.theta"], state["exc.theta"])
    assert result.window_counts.sum() > 0  # the network did respond
    learned = engine.run_chunk(
        state, images, k_start=-1, nspk=5, retries=0, learning=True, seed=chunk_seed(0, 0)
    )
    assert not np.array_equal(learned.state["input_to_exc.w"], state["input_to_exc.w"])
    assert np.all(learned.state["input_to_exc.w"] >= 0)
    assert np.all(learned.state["input_to_exc.w"] <= cfg["stdp.w_max"])


def test_weight_sums_are_tracked_exactly(engine):
    state = initial_state(engine.cfg, 64, np.random.default_rng(1))
    images = encode_images(_digits().train_images[:20])
    result = engine.run_chunk(
        state, images, k_start=-1, nspk=5, retries=0, learning=True, seed=chunk_seed(1, 0)
    )
    true_sums = result.state["input_to_exc.w"].reshape(64, -1).sum(axis=0)
    np.testing.assert_allclose(result.state["exc.wsum"], true_sums, rtol=1e-10)


def test_same_seed_same_result_other_seed_other_result(engine):
    state = initial_state(engine.cfg, 64, np.random.default_rng(2))
    images = encode_images(_digits().train_images[:20])

    def run(seed):
        return engine.run_chunk(
            state, images, k_start=-1, nspk=5, retries=0, learning=True, seed=seed
        ).state["input_to_exc.w"]

    np.testing.assert_array_equal(run(11), run(11))
    assert not np.array_equal(run(11), run(12))


def test_silent_examples_are_retried_up_to_the_bound(engine):
    """Blank images evoke no spike: each is shown 1 + max_retries times, then given up."""
    cfg = engine.cfg
    max_retries = cfg["encoding.max_retries"]
    state = initial_state(cfg, 64, np.random.default_rng(3))
    blank = np.zeros((5, 64))
    result = engine.run_chunk(
        state, blank, k_start=-1, nspk=5, retries=0, learning=True, seed=chunk_seed(3, 0)
    )
    per_example = max_retries + 1
    n_full = cfg["engine.chunk_cycles"] // per_example
    expected_k = np.repeat(np.arange(n_full + 1), per_example)[: cfg["engine.chunk_cycles"]]
    np.testing.assert_array_equal(result.cycle_k, expected_k)
    np.testing.assert_array_equal(result.cycle_retries, np.arange(expected_k.size) % per_example)
    assert result.n_input_spikes == 0


def test_a_pass_continues_across_chunks_without_losing_examples(engine):
    cfg = engine.cfg
    state = initial_state(cfg, 64, np.random.default_rng(4))
    images = _digits().train_images[:50].reshape(50, -1)  # run_pass takes pixels
    n = 70  # more than the images (cycles through them) and than 3 chunks of 20 cycles
    seen = []

    def on_chunk(position, new_state, counts):
        seen.append((position.done, counts.shape[0]))

    final_state, counts, position = run_pass(
        engine,
        state,
        images,
        n,
        learning=True,
        seed=5,
        stream=0,
        position=PassPosition.start(cfg),
        on_chunk=on_chunk,
    )
    assert position.done == n
    assert counts.shape == (n, cfg["network.n_exc"])
    assert sum(c for _, c in seen) == n
    assert position.stats.presentations == n + position.stats.retries
    assert position.chunk == len(seen) >= 4
    # a finished pass leaves the controller ready for a new example
    assert (position.k_start, position.retries) == (-1.0, 0.0)
    assert position.nspk >= cfg["encoding.min_spikes"]


def _logged_running_accuracy(run_dir):
    """The running-accuracy messages of a run's log.txt, without their time stamps."""
    return [
        message
        for line in (run_dir / "log.txt").read_text().splitlines()
        if (message := line.split(" ", 1)[1]).startswith("running accuracy at")
    ]


def test_end_to_end_run_writes_every_result(tmp_path):
    metrics, run_dir = experiment.run_experiment(None, SMALL, out=tmp_path / "run", stream=None)
    for name in ("config.toml", "checkpoint.npz", "metrics.json", "log.txt"):
        assert (run_dir / name).is_file(), name
    saved = json.loads((run_dir / "metrics.json").read_text())
    for key in (
        "accuracy",
        "accuracy_proportion",
        "n_train",
        "n_label",
        "n_test",
        "train_examples_per_second",
        "seed",
        "versions",
    ):
        assert key in saved, key
    assert saved["n_train"] == 120 and saved["n_label"] == 120 and saved["n_test"] == 60
    assert saved["accuracy"] == metrics["accuracy"]
    # 20 neurons, 120 training examples: well above chance (10 %) on 10 classes
    assert saved["accuracy"] > 0.3
    with np.load(run_dir / "checkpoint.npz", allow_pickle=False) as ck:
        assert ck["weights"].shape == (64, 20)
        assert ck["theta"].shape == (20,)
        assert ck["assignments"].shape == (20,)
        assert str(ck["phase"]) == "done"
        # theta grew while learning (spikes add theta_plus)
        assert ck["theta"].max() > 0.02
    with np.load(run_dir / "test_counts.npz") as tc:
        assert tc["counts"].shape == (60, 20)
    # running accuracy over blocks of 40 examples: the 2nd and 3rd blocks are scored
    assert [entry["examples"] for entry in saved["running_accuracy"]] == [80, 120]
    # and each scored block is written to the log as it is scored, with its figure
    assert _logged_running_accuracy(run_dir) == [
        f"running accuracy at {e['examples']} examples: {100 * e['accuracy']:.2f} %"
        for e in saved["running_accuracy"]
    ]
    # evaluating again from the checkpoint reproduces the test accuracy exactly
    again = experiment.evaluate_run(run_dir, stream=None)
    assert again["accuracy"] == metrics["accuracy"]
    # the paper's protocol: the test set shown several times, mean and SD reported
    three = experiment.evaluate_run(run_dir, ["test.presentations=3"], stream=None)
    per = three["accuracy_per_presentation"]
    assert len(per) == 3 and three["n_test"] == 60
    assert three["accuracy_mean"] == pytest.approx(np.mean(per))
    assert three["accuracy"] == pytest.approx(np.mean(per))  # equal-sized presentations
    assert three["accuracy_sd"] == pytest.approx(np.std(per, ddof=1))
    assert per[0] == metrics["accuracy"]  # the first presentation is the one seen before
    with np.load(run_dir / "test_counts.npz") as tc:
        first, second, _ = np.split(tc["counts"], 3)
        assert not np.array_equal(first, second)  # new Poisson input each time
    # a longer read-out window (protocol.eval_presentation) for the frozen passes only:
    # with the same weights and input rates, about twice the spikes per example
    with np.load(run_dir / "label_counts.npz") as lc:
        spikes_350 = lc["counts"].sum(axis=1).mean()
    with np.load(run_dir / "checkpoint.npz") as ck:
        weights_before = ck["weights"].copy()
    experiment.evaluate_run(
        run_dir, ["protocol.eval_presentation=700 ms", "test.presentations=1"], stream=None
    )
    with np.load(run_dir / "label_counts.npz") as lc:
        spikes_700 = lc["counts"].sum(axis=1).mean()
    assert 1.5 < spikes_700 / spikes_350 < 2.5
    with np.load(run_dir / "checkpoint.npz") as ck:
        np.testing.assert_array_equal(ck["weights"], weights_before)

    # no inhibition in the frozen passes only (protocol.eval_inhibition = 0): with the
    # training's full inhibition few neurons answer an example, without it many more
    def answering() -> float:
        with np.load(run_dir / "label_counts.npz") as lc:
            return float((lc["counts"] > 0).sum(axis=1).mean())

    experiment.evaluate_run(run_dir, ["protocol.eval_presentation=350 ms"], stream=None)
    full = answering()
    experiment.evaluate_run(run_dir, ["protocol.eval_inhibition=0"], stream=None)
    assert answering() > 2 * full
    with np.load(run_dir / "checkpoint.npz") as ck:
        np.testing.assert_array_equal(ck["weights"], weights_before)
    # and back to the training window and inhibition: the first evaluation's counts exactly
    same = experiment.evaluate_run(
        run_dir,
        [
            "protocol.eval_presentation=350 ms",
            "protocol.eval_inhibition=same",
            "test.presentations=1",
        ],
        stream=None,
    )
    assert same["accuracy"] == metrics["accuracy"]
    # a readout setting only: the saved counts are scored again, the passes not run
    from stdp.evaluation import linear_readout

    stamp = (run_dir / "label_counts.npz").stat().st_mtime_ns
    strong = experiment.evaluate_run(run_dir, ["label.linear_c=0.002"], stream=None)
    assert (run_dir / "label_counts.npz").stat().st_mtime_ns == stamp
    assert strong["linear_c"] == 0.002 and strong["accuracy"] == metrics["accuracy"]
    with np.load(run_dir / "label_counts.npz") as lc, np.load(run_dir / "test_counts.npz") as tc:
        by_hand = linear_readout(lc["counts"], lc["labels"], tc["counts"], tc["labels"], c=0.002)
    assert strong["accuracy_linear"] == by_hand[0]
    assert "linear_c = 0.002" in (run_dir / "config.toml").read_text()


def test_killed_run_resumes_bit_for_bit(tmp_path, monkeypatch):
    straight, straight_dir = experiment.run_experiment(
        None, SMALL, out=tmp_path / "straight", stream=None
    )
    kill_after_checkpoint(monkeypatch, SMALL, tmp_path / "killed")  # at 80 examples
    _, ck = experiment.load_checkpoint(tmp_path / "killed")
    assert ck.phase == "train" and 0 < ck.train.done < 120
    resumed = experiment.resume_experiment(tmp_path / "killed", stream=None)
    with (
        np.load(straight_dir / "checkpoint.npz") as a,
        np.load(tmp_path / "killed" / "checkpoint.npz") as b,
    ):
        np.testing.assert_array_equal(a["weights"], b["weights"])
        np.testing.assert_array_equal(a["theta"], b["theta"])
        np.testing.assert_array_equal(a["assignments"], b["assignments"])
    assert resumed["accuracy"] == straight["accuracy"]
    # the log names each running-accuracy block once, with the uninterrupted run's figure
    assert _logged_running_accuracy(tmp_path / "killed") == _logged_running_accuracy(straight_dir)
    assert len(_logged_running_accuracy(straight_dir)) == 2


def test_run_arguments_are_kept_while_another_run_of_the_build_is_going_on(tmp_path):
    """Sharded passes share a build: one run must not delete the files another reads."""
    from filelock import ReadWriteLock

    from stdp.engine import _remove_run_args

    (tmp_path / "static_arrays").mkdir()
    arg = tmp_path / "static_arrays" / "init_exc_v_0123.dat"
    arg.write_bytes(b"\0" * 8)
    (tmp_path / "static_arrays" / "init_exc_v_0123.dat.lock").touch()
    built = tmp_path / "static_arrays" / "_static_array__array_input__k_indices"
    built.write_bytes(b"\0" * 8)
    path = tmp_path / ".run_args.lock"
    other = ReadWriteLock(path, is_singleton=False)
    mine = ReadWriteLock(path, is_singleton=False)
    try:
        with other.read_lock():  # another run of this build is in progress
            _remove_run_args(tmp_path, mine)
            assert arg.exists()
        _remove_run_args(tmp_path, mine)
    finally:
        other.close()
        mine.close()
    assert sorted(p.name for p in (tmp_path / "static_arrays").iterdir()) == [built.name]


def test_the_delay_queue_of_runs_gives_brian2s_events_bit_for_bit(tmp_path):
    """engine.spike_queue: queueing synapses in runs of equal delay changes no result."""
    from stdp.engine import SPIKE_QUEUE, StandaloneEngine, build_key, default_build_root

    ours, ours_dir = experiment.run_experiment(None, SMALL, out=tmp_path / "runs", stream=None)
    theirs, theirs_dir = experiment.run_experiment(
        None, [*SMALL, "engine.spike_queue=brian2"], out=tmp_path / "brian2", stream=None
    )
    # the two builds really use different queues
    for queue, is_ours in (("runs", True), ("brian2", False)):
        cfg = load_config(None, [*SMALL, f"engine.spike_queue={queue}"])
        built = default_build_root() / (StandaloneEngine.build_prefix + build_key(cfg, 64))
        header = (built / "brianlib" / "spikequeue.h").read_bytes()
        assert (header == SPIKE_QUEUE.read_bytes()) is is_ours
    with np.load(ours_dir / "checkpoint.npz") as a, np.load(theirs_dir / "checkpoint.npz") as b:
        assert np.unique(a["delays"]).size > 10  # heterogeneous delays: the queue matters
        for key in ("weights", "theta", "assignments"):
            np.testing.assert_array_equal(a[key], b[key])
    for name in ("label_counts.npz", "test_counts.npz"):
        with np.load(ours_dir / name) as a, np.load(theirs_dir / name) as b:
            np.testing.assert_array_equal(a["counts"], b["counts"])
    assert ours["accuracy"] == theirs["accuracy"]


_QUEUE_STATE_PROGRAM = r"""
#include <cstdio>
#include "spikequeue.h"
// Queue spikes with delays 0-3 steps and print what arrives in the next 5
// steps: first from the queue itself, then from a fresh queue restored from
// its stored state.
int main()
{
    double delays[4] = {0.0, 0.001, 0.002, 0.003};
    int32_t sources[4] = {0, 0, 1, 1};
    for (int restore = 0; restore < 2; restore++)
    {
        CSpikeQueue q(0, 2);
        q.prepare(delays, 4, sources, 4, 0.001);
        q.advance();
        int32_t spikes[2] = {0, 1};
        q.push(spikes, 2);
        if (restore)
        {
            auto state = q._full_state();
            CSpikeQueue other(0, 2);
            other.prepare(delays, 4, sources, 4, 0.001);
            other._restore_from_full_state(state);
            q = other;
        }
        for (int step = 0; step < 5; step++)
        {
            std::vector<int32_t> *now = q.peek();
            std::printf("%d:", step);
            for (int32_t syn : *now) std::printf(" %d", syn);
            std::printf(";");
            q.advance();
        }
        std::printf("\n");
    }
}
"""


def test_the_queues_state_can_be_stored_and_restored(tmp_path):
    """Brian2 >= 2.10 writes each spike queue's state with `_full_state` (ours too)."""
    import shutil
    import subprocess

    import brian2

    from stdp.engine import SPIKE_QUEUE

    compiler = shutil.which("g++") or shutil.which("c++")
    if compiler is None:
        pytest.skip("needs a C++ compiler")
    (tmp_path / "main.cpp").write_text(_QUEUE_STATE_PROGRAM)
    shutil.copy(SPIKE_QUEUE, tmp_path / "spikequeue.h")
    include = Path(brian2.__file__).parent / "synapses"  # stdint_compat.h
    subprocess.run(
        [compiler, "-std=c++17", f"-I{include}", "main.cpp", "-o", "main"], cwd=tmp_path, check=True
    )
    before, after = subprocess.run(
        [str(tmp_path / "main")], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert before == "0: 0;1: 1;2: 2;3: 3;4:;"  # synapse d arrives d steps after the spike
    assert after == before


def test_a_reused_build_leaves_the_static_arrays_of_running_binaries_alone(tmp_path):
    """A second process generating a cached build must not truncate files a binary reads.

    Unchanged static arrays are not rewritten (same inode, same time stamp);
    a changed one is replaced by an atomic rename, so a reader that opened the
    old file still reads all of its bytes.
    """
    import os
    import shutil

    cfg = load_config(None, [*SMALL, f"engine.build_dir={tmp_path}"])
    # a copy of the SMALL build of the session's cache (the build key does not depend on
    # engine.build_dir), so that this test compiles nothing: the copy keeps the time stamps
    # of the object files, and make finds them up to date
    shared = StandaloneEngine(load_config(None, SMALL), n_input=64)
    shared.close()
    shutil.copytree(shared.build_dir, tmp_path / shared.build_dir.name, symlinks=True)
    first = StandaloneEngine(cfg, n_input=64)
    first.close()
    arrays = sorted((first.build_dir / "static_arrays").glob("_static_array_*"))
    assert arrays  # the linked-variable index arrays of the input group
    before = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in arrays}
    victim = arrays[0]
    good = victim.read_bytes()
    victim.write_bytes(good[: len(good) // 2])  # as if caught mid-rewrite
    with open(victim, "rb") as reader:
        second = StandaloneEngine(cfg, n_input=64)
        second.close()
        assert reader.read() == good[: len(good) // 2]  # the old file, untouched
    assert victim.read_bytes() == good
    assert victim.stat().st_ino != before[victim.name][0]
    for p in arrays[1:]:
        assert (p.stat().st_ino, p.stat().st_mtime_ns) == before[p.name]
    assert not [p for p in first.build_dir.iterdir() if p.name.startswith(".static_arrays_")]
    assert os.listdir(first.build_dir / "static_arrays")


def test_errors_printed_by_the_compiled_simulation_stop_the_run(tmp_path):
    from stdp.engine import _check_binary_output
    from stdp.errors import SimulationError

    out = tmp_path / "stdout.txt"
    out.write_text("Setting results dir to 'x'\nSetting 'exc.v' from file 'init_exc_v.dat'\n")
    _check_binary_output(out)
    out.write_text("Error opening static array _static_array__array_input__k_indices.\n")
    with pytest.raises(SimulationError, match="_static_array__array_input__k_indices"):
        _check_binary_output(out)


def test_extending_a_finished_run_matches_the_longer_run(tmp_path):
    longer, longer_dir = experiment.run_experiment(
        None, SMALL, out=tmp_path / "longer", stream=None
    )
    short_cfg = [*SMALL, "train.n_examples=80"]
    short, short_dir = experiment.run_experiment(
        None, short_cfg, out=tmp_path / "short", stream=None
    )
    assert short["n_train"] == 80
    with np.load(short_dir / "checkpoint.npz") as ck:
        short_weights = ck["weights"].copy()

    # into a new folder: the short run stays as it was
    extended, new_dir = experiment.extend_run(
        short_dir, ["train.n_examples=120"], out=tmp_path / "extended", stream=None
    )
    assert new_dir == tmp_path / "extended"
    assert extended["n_train"] == 120
    with np.load(short_dir / "checkpoint.npz") as ck:
        np.testing.assert_array_equal(ck["weights"], short_weights)
    assert json.loads((short_dir / "metrics.json").read_text())["n_train"] == 80
    # training went on from the checkpoint as the uninterrupted longer run did
    with np.load(longer_dir / "checkpoint.npz") as a, np.load(new_dir / "checkpoint.npz") as b:
        np.testing.assert_array_equal(a["weights"], b["weights"])
        np.testing.assert_array_equal(a["theta"], b["theta"])
        np.testing.assert_array_equal(a["assignments"], b["assignments"])
    assert extended["accuracy"] == longer["accuracy"]
    assert extended["running_accuracy"] == longer["running_accuracy"]

    # in place: the shorter run's results are kept aside, not lost
    again, same_dir = experiment.extend_run(short_dir, ["train.n_examples=120"], stream=None)
    assert same_dir == short_dir and again["accuracy"] == longer["accuracy"]
    kept = short_dir / "before_000000080"
    assert json.loads((kept / "metrics.json").read_text())["n_train"] == 80
    assert "n_examples = 80" in (kept / "config.toml").read_text()
    assert json.loads((short_dir / "metrics.json").read_text())["n_train"] == 120


def test_extend_rejects_what_it_cannot_do(tmp_path):
    from stdp.errors import CheckpointError, ConfigError

    _, run_dir = experiment.run_experiment(
        None, [*SMALL, "train.n_examples=40"], out=tmp_path / "run", stream=None
    )
    with pytest.raises(ConfigError, match="train.n_examples"):
        experiment.extend_run(run_dir, ["test.presentations=2"], stream=None)
    with pytest.raises(ConfigError, match="not more than the 40 examples"):
        experiment.extend_run(run_dir, ["train.n_examples=40"], stream=None)
    with pytest.raises(ConfigError, match="network.n_exc"):
        experiment.extend_run(run_dir, ["train.n_examples=80", "network.n_exc=30"], stream=None)
    with pytest.raises(CheckpointError, match="already holds a run"):
        experiment.extend_run(run_dir, ["train.n_examples=80"], out=run_dir, stream=None)
    # nothing was changed by the refused attempts
    assert json.loads((run_dir / "metrics.json").read_text())["n_train"] == 40
    assert not (run_dir / "before_000000040").exists()


def test_a_new_engine_closes_the_open_one_and_reuses_its_build(engine):
    """While an engine's Brian2 objects live, the next network's code objects would be
    named ``..._codeobject_1`` and the cached build compiled again."""
    from stdp.network import validate_model

    main_binary = engine.build_dir / "main"
    compiled_at = main_binary.stat().st_mtime_ns
    validate_model(engine.cfg, 64)  # runtime objects on the side leave the device alone
    engine.run_chunk(
        initial_state(engine.cfg, 64, np.random.default_rng(0)),
        np.zeros((1, 64)),
        k_start=-1,
        nspk=5,
        retries=0,
        learning=False,
        seed=1,
    )
    other = StandaloneEngine(engine.cfg, n_input=64)  # `engine` is still referenced
    try:
        assert engine.closed and not other.closed
        assert main_binary.stat().st_mtime_ns == compiled_at  # nothing compiled
        names = list(brian2.get_device().code_objects)
        assert names and not [n for n in names if n.endswith("_codeobject_1")]
    finally:
        other.close()
