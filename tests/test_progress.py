"""The progress line: rate, ETA and counters, shown once per update, the final line once."""

from __future__ import annotations

import io

from stdp.passes import PassPosition, PassStats
from stdp.progress import Progress


def _position(done: int, seconds: float) -> PassPosition:
    stats = PassStats(examples=done, presentations=done + 2, retries=2, exc_spikes_window=10 * done)
    stats.wall_seconds = seconds
    return PassPosition(done=done, stats=stats)


def test_rate_eta_and_spikes_per_example():
    stream = io.StringIO()
    Progress(stream, "train", 100, since=PassStats()).update(_position(40, 2.0), final=True)
    line = stream.getvalue()
    assert "40/100" in line and "20.0 ex/s" in line and "10.0 spikes/ex" in line
    assert "ETA 0m03s" in line and "retries 2" in line


def test_the_final_line_is_not_written_twice_and_is_logged_once():
    stream, logged = io.StringIO(), []
    progress = Progress(stream, "test", 50, logged.append, since=PassStats())
    progress.update(_position(50, 5.0))  # the last chunk: written (first line)
    progress.update(_position(50, 5.0), final=True)  # the end of the pass: the same line
    assert stream.getvalue().count("50/50") == 1
    assert len(logged) == 1 and "50/50" in logged[0]
