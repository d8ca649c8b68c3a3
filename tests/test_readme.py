"""The README's Python code runs as written and prints what the README says it prints."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_the_readme_has_a_short_python_example():
    blocks = _python_blocks()
    assert blocks, "README.md has no ```python block"
    assert len(blocks[0].strip().splitlines()) <= 15


def test_the_readme_python_example_runs_and_scores_as_stated(tmp_path, monkeypatch):
    (tmp_path / "experiments").symlink_to(ROOT / "experiments")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for block in _python_blocks():
            exec(compile(block, "README.md", "exec"), {"__name__": "__readme__"})
    printed = out.getvalue()
    vote = re.search(r"vote: ([0-9.]+)%", printed)
    assert vote is not None, printed
    claimed = re.search(r"This prints `vote: ([0-9.]+)%`", (ROOT / "README.md").read_text())
    assert claimed is not None
    assert float(vote.group(1)) == pytest.approx(float(claimed.group(1)))
    assert float(vote.group(1)) >= 85.0
    assert "(100, 8, 8)" in printed
    assert os.path.exists(tmp_path / "digits-network.npz")
