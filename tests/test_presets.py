"""The shipped experiment configs load, and the paper presets carry the paper's protocol."""

from __future__ import annotations

from pathlib import Path

import pytest

from stdp.config import load_config

EXPERIMENTS = Path(__file__).resolve().parent.parent / "experiments"
PAPER = EXPERIMENTS / "diehl_cook_2015"

# Diehl & Cook (2015), section 3: training length per network size.
PAPER_TRAINING = {100: 40_000, 400: 3 * 60_000, 1600: 7 * 60_000, 6400: 15 * 60_000}


@pytest.mark.parametrize(
    "path", sorted(EXPERIMENTS.rglob("*.toml")), ids=lambda p: str(p.relative_to(EXPERIMENTS))
)
def test_every_shipped_config_loads(path):
    # A renamed or removed key must not leave a preset behind that no longer loads.
    cfg = load_config(path)
    assert cfg["network.n_exc"] > 0


@pytest.mark.parametrize(
    ("name", "n_exc"),
    [("n100", 100), ("n400", 400), ("n400_tuned", 400), ("n1600", 1600), ("n6400", 6400)],
)
def test_paper_presets_use_the_papers_protocol(name, n_exc):
    cfg = load_config(PAPER / f"{name}.toml")
    assert cfg["network.n_exc"] == n_exc
    assert cfg["dataset.name"] == "mnist"
    assert cfg["train.n_examples"] == PAPER_TRAINING[n_exc]
    # Labels from one pass over the training set; the whole test set, 10 times.
    assert cfg["label.n_examples"] == "all"
    assert cfg["test.n_examples"] == "all"
    assert cfg["test.presentations"] == 10
