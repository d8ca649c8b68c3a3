"""Per-example bookkeeping of a chunk, on hand-built cycle records (no simulation)."""

from __future__ import annotations

import numpy as np
import pytest

from stdp.config import load_config
from stdp.engine import ChunkResult
from stdp.errors import SimulationError
from stdp.passes import _check_state, examples_from_chunk


def _result(cycle_k, cycle_retries, window_counts, nspk, retries, v=-0.065):
    n_exc = window_counts.shape[1]
    return ChunkResult(
        state={"exc.v": np.full(n_exc, v)},
        cycle_k=np.asarray(cycle_k),
        cycle_retries=np.asarray(cycle_retries),
        window_counts=np.asarray(window_counts),
        nspk=nspk,
        retries=retries,
        n_input_spikes=0,
        n_inh_spikes=0,
        n_exc_spikes=int(np.sum(window_counts)),
        sim_seconds=0.0,
    )


# Six cycles: example 0 needs a retry, 1 is fine, 2 needs two retries and is
# still being shown (3 spikes < 5) when the chunk ends.
COUNTS = np.array([[1, 2], [3, 4], [5, 0], [0, 1], [2, 0], [1, 2]])
K = [0, 0, 1, 2, 2, 2]
RETRIES = [0, 1, 0, 0, 1, 2]


def test_counts_of_the_last_presentation_of_each_finished_example():
    cfg = load_config(None)
    counts, presentations, finished = examples_from_chunk(
        _result(K, RETRIES, COUNTS, nspk=3, retries=2), n_valid=3, cfg=cfg
    )
    np.testing.assert_array_equal(counts, [[3, 4], [5, 0]])
    np.testing.assert_array_equal(presentations, [2, 1])
    assert not finished


def test_cumulative_counting_sums_every_presentation():
    cfg = load_config(None, ["encoding.retry_count=cumulative"])
    counts, _, _ = examples_from_chunk(
        _result(K, RETRIES, COUNTS, nspk=3, retries=2), n_valid=3, cfg=cfg
    )
    np.testing.assert_array_equal(counts, [[4, 6], [5, 0]])


def test_the_last_example_finishes_when_the_bound_is_reached():
    cfg = load_config(None, ["encoding.max_retries=2"])
    counts, presentations, finished = examples_from_chunk(
        _result(K, RETRIES, COUNTS, nspk=3, retries=2), n_valid=3, cfg=cfg
    )
    assert finished
    np.testing.assert_array_equal(counts, [[3, 4], [5, 0], [1, 2]])
    np.testing.assert_array_equal(presentations, [2, 1, 3])


def test_idle_cycles_after_the_last_row_are_ignored():
    cfg = load_config(None)
    counts, _, _ = examples_from_chunk(
        _result([0, 1, 2, 2], [0, 0, 0, 1], COUNTS[:4], nspk=0, retries=1), n_valid=2, cfg=cfg
    )
    np.testing.assert_array_equal(counts, [[1, 2], [3, 4]])


def test_a_diverged_simulation_stops_with_a_clear_error():
    with pytest.raises(SimulationError, match="exponential_euler"):
        _check_state(_result(K, RETRIES, COUNTS, nspk=3, retries=2, v=2.4e6))
    with pytest.raises(SimulationError, match="diverged"):
        _check_state(_result(K, RETRIES, COUNTS, nspk=3, retries=2, v=np.nan))
    _check_state(_result(K, RETRIES, COUNTS, nspk=3, retries=2))  # a normal state passes


def test_progress_of_a_continued_pass_counts_only_the_new_work():
    import io
    from copy import copy

    from stdp.experiment import Progress
    from stdp.passes import PassPosition, PassStats

    # 60,000 examples done earlier at 20 ex/s, then 1,000 more in 10 s: 100 ex/s
    earlier = PassStats(examples=60_000, wall_seconds=3_000.0)
    position = PassPosition(done=60_000, stats=copy(earlier))
    out = io.StringIO()
    progress = Progress(out, "train", 120_000, since=earlier)
    position.done += 1_000
    position.stats.examples += 1_000
    position.stats.wall_seconds += 10.0
    progress.update(position, final=True)
    line = out.getvalue()
    assert "61000/120000" in line and " 100.0 ex/s" in line
    assert "ETA 9m50s" in line  # 59,000 examples left at 100 ex/s
    # without the starting point, the rate is that of the whole pass
    out = io.StringIO()
    Progress(out, "train", 120_000).update(position, final=True)
    assert f"{61_000 / 3_010:7.1f} ex/s" in out.getvalue()
