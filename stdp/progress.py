"""One line of progress for a pass: examples/s, spikes per example, retries, ETA."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

import numpy as np

from .passes import PassPosition, PassStats

__all__ = ["Progress"]


class Progress:
    """One line of progress: examples/s, spikes per example, retries, ETA and running accuracy."""

    def __init__(
        self,
        stream: TextIO | None,
        label: str,
        total: int,
        log: Callable[[str], None] | None = None,
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
        self.last_line = ""
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
            elif (final or now - self.last_print > 10) and line != self.last_line:
                # (the last chunk's line may already be the final one: not twice)
                self.stream.write(line + "\n")
                self.stream.flush()
                self.last_print = now
                self.last_line = line
        if final and self.log is not None:
            self.log(line)


def _hms(seconds: float) -> str:
    if not np.isfinite(seconds):
        return "?"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"
