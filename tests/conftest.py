"""Shared fixtures: a private cache folder and a small, fast configuration."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: Modules whose tests each take minutes (notebooks, the README's example on the
#: whole demo): collected first, so that ``pytest -n`` hands them out at the start
#: and the workers finish together instead of one running them alone at the end.
LONG_MODULES = ("test_notebooks.py", "test_readme.py")


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: item.path.name not in LONG_MODULES)  # stable: order kept otherwise


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory):
    """Keep compiled networks of the test session out of the user's cache.

    The workers of ``pytest -n`` share one cache (builds are locked, so two
    workers never compile the same network at once). Set ``STDP_TEST_CACHE``
    to reuse builds between test sessions.
    """
    root = os.environ.get("STDP_TEST_CACHE")
    if not root:
        base = tmp_path_factory.getbasetemp()
        if os.environ.get("PYTEST_XDIST_WORKER"):  # pytest -n: one cache for all workers
            base = base.parent
        root = str(base / "stdp-cache")
        os.makedirs(root, exist_ok=True)
    old = os.environ.get("STDP_CACHE_DIR")
    os.environ["STDP_CACHE_DIR"] = root
    from brian2 import prefs

    prefs.logging.file_log = False
    prefs.logging.save_script = False
    yield Path(root)
    if old is None:
        os.environ.pop("STDP_CACHE_DIR", None)
    else:
        os.environ["STDP_CACHE_DIR"] = old


@pytest.fixture
def runtime_numpy():
    """Brian2's runtime device with numpy code (no compiler): for single-group physics tests.

    Brian2's warnings about objects that never ran are kept quiet, and the
    test's objects are collected afterwards.
    """
    import gc

    import brian2
    from brian2.utils.logger import catch_logs

    brian2.set_device("runtime")
    old = brian2.prefs.codegen.target
    brian2.prefs.codegen.target = "numpy"
    with catch_logs():
        yield
        gc.collect()
    brian2.prefs.codegen.target = old


#: A small digits configuration shared by the end-to-end tests (one compiled build).
SMALL = [
    "dataset.name=digits",
    "network.n_exc=20",
    "normalization.total=12.0",
    "encoding.max_rate=255 Hz",
    "encoding.retry_rate_step=127.5 Hz",
    "encoding.max_retries=3",
    "train.n_examples=120",
    "train.checkpoint_every=40",
    "train.accuracy_every=40",
    "label.n_examples=120",
    "test.n_examples=60",
    "engine.chunk_cycles=20",
]


def kill_after_checkpoint(monkeypatch, overrides: list[str], out, n: int = 2) -> None:
    """Run ``overrides`` into ``out`` and stop it (KeyboardInterrupt) right after its
    ``n``-th checkpoint, as a kill would; the folder is then ready for a resume."""
    from stdp import experiment

    original = experiment.Experiment.save_checkpoint
    calls = {"n": 0}

    def save_then_die(self):
        original(self)
        calls["n"] += 1
        if calls["n"] == n:
            raise KeyboardInterrupt

    monkeypatch.setattr(experiment.Experiment, "save_checkpoint", save_then_die)
    try:
        with pytest.raises(KeyboardInterrupt):
            experiment.run_experiment(None, overrides, out=out, stream=None)
    finally:
        monkeypatch.setattr(experiment.Experiment, "save_checkpoint", original)
