"""The memory estimate of a run and the refusal of what does not fit (stdp.resources)."""

from __future__ import annotations

import sys

import pytest

from stdp import resources
from stdp.config import load_config
from stdp.errors import ConfigError
from stdp.resources import available_memory, check_memory, estimate_memory, format_bytes

DIGITS = "experiments/digits.toml"


def small_cfg(**overrides):
    settings = {"network.n_exc": 3, "engine.chunk_cycles": 2}
    settings.update(overrides)
    return load_config(None, [f"{k}={v}" for k, v in settings.items()])


def test_terms_of_a_hand_computed_case():
    # 4 inputs, 3 neurons: 12 input synapses, 3 * 2 = 6 inhibitory synapses; 2 cycles per chunk.
    terms = estimate_memory(small_cfg(), 4, n_images_held=10, n_label=5, n_test=7)
    # Input synapses: int32 pre/post indices filled by push_back (room for 16) and
    # four float64 arrays (w, delay_value, two pathway delays): 2*4*16 + 4*8*12 = 512;
    # the pre queue: 4 sources, room for 4 of their 3 synapses: 4*4*4 = 64;
    # the post queue: 3 sources of 4: 4*3*4 = 48; preparing the pre queue (the
    # largest temporaries): delays in steps 4*12 + lists 64 = 112.
    assert terms["input_synapses"] == 512 + 64 + 48 + 112
    # Inhibitory: indices with room for 8 of 6: 2*4*8, one delay 8*6, queue 3 sources * 2: 4*3*2.
    assert terms["inhibitory_synapses"] == 64 + 48 + 24
    # Python: current and initial weights and the delays; per chunk two copies
    # passed in and two arrays read back (float64).
    assert terms["python_state"] == 3 * 8 * 12
    assert terms["chunk_copies"] == 4 * 8 * 12
    # 2 rows of 4 inputs: three float64 tables and the uint8 pixels.
    assert terms["example_table"] == 3 * 8 * 8 + 8
    # The chunk's counts (2 x 3, twice); at the end the 5 labelling and 7 test rows
    # (int64) and the linear readout's float64 copy of the 7 test rows.
    assert terms["spike_counts"] == 2 * 8 * 2 * 3 + 8 * (5 + 7 + 7) * 3
    assert terms["dataset"] == 10 * 4  # one uint8 per pixel
    assert terms["neurons"] == resources.NEURON_VALUES * 8 * 3
    assert terms["workers"] == 0
    assert terms["fixed"] == resources.PYTHON_BASE + resources.BINARY_BASE
    assert terms["total"] == sum(v for k, v in terms.items() if k != "total")


def test_passes_sized_by_config_and_images_held():
    cfg = small_cfg(**{"label.n_examples": 5, "test.n_examples": 7, "test.presentations": 2})
    by_config = estimate_memory(cfg, 4)["spike_counts"]
    assert by_config == 2 * 8 * 2 * 3 + 8 * (5 + 14 + 14) * 3
    # 'all' (the default) counts every image held, for both passes (an upper bound).
    assert estimate_memory(small_cfg(), 4, n_images_held=10)["spike_counts"] == (
        2 * 8 * 2 * 3 + 8 * (10 + 10 + 10) * 3
    )
    # A labelling pass larger than the test pass: the readout copies the labelling counts.
    assert estimate_memory(small_cfg(), 4, n_label=9, n_test=2)["spike_counts"] == (
        2 * 8 * 2 * 3 + 8 * (9 + 2 + 9) * 3
    )
    assert estimate_memory(small_cfg(), 4, 10, image_bytes=32)["dataset"] == 320


def test_workers_add_whole_processes():
    one = estimate_memory(small_cfg(), 4)
    three = estimate_memory(small_cfg(**{"engine.workers": 3, "engine.eval_shard_size": 10}), 4)
    per_process = sum(
        one[k]
        for k in (
            "input_synapses",
            "inhibitory_synapses",
            "python_state",
            "chunk_copies",
            "example_table",
            "neurons",
        )
    )
    assert three["workers"] == 2 * (per_process + one["fixed"])
    # Unsharded passes run in one process, whatever engine.workers says.
    assert estimate_memory(small_cfg(**{"engine.workers": 3}), 4)["workers"] == 0


@pytest.mark.parametrize("n_exc", [1, 10, 100, 1000, 10_000])
def test_monotone_in_neurons_and_inputs(n_exc):
    cfg = small_cfg(**{"network.n_exc": n_exc})
    bigger = small_cfg(**{"network.n_exc": n_exc + 1})
    assert estimate_memory(bigger, 64)["total"] > estimate_memory(cfg, 64)["total"]
    assert estimate_memory(cfg, 65)["total"] > estimate_memory(cfg, 64)["total"]


def test_large_networks_are_dominated_by_inhibitory_synapses():
    # All-to-all inhibition: n_exc * (n_exc - 1) synapses of at least 24 bytes.
    terms = estimate_memory(small_cfg(**{"network.n_exc": 20_000}), 64)
    assert terms["inhibitory_synapses"] >= 24 * 20_000 * 19_999
    assert max(resources._SHOWN, key=terms.get) == "inhibitory_synapses"


def test_refuses_ten_million_neurons_on_the_digits(monkeypatch):
    monkeypatch.setattr(resources, "available_memory", lambda: 20_100_000_000)
    cfg = load_config(DIGITS, ["network.n_exc=10000000"])
    with pytest.raises(ConfigError) as info:
        check_memory(cfg, 64, n_images_held=1797)
    message = str(info.value)
    assert message.startswith("network.n_exc: a network of 10000000 neurons with 64 inputs")
    total = estimate_memory(cfg, 64, 1797)["total"]
    assert f"needs about {format_bytes(total)} of memory" in message
    assert "but 20.1 GB are available; use fewer neurons" in message
    assert "\n" not in message


def test_refuses_a_huge_example_table_by_its_key(monkeypatch):
    monkeypatch.setattr(resources, "available_memory", lambda: 20_000_000_000)
    cfg = load_config(DIGITS, ["engine.chunk_cycles=100000000"])
    with pytest.raises(ConfigError, match=r"^engine\.chunk_cycles: .*use fewer cycles per chunk$"):
        check_memory(cfg, 64, n_images_held=1797)


def test_accepts_the_digits_demo(monkeypatch):
    monkeypatch.setattr(resources, "available_memory", lambda: 2_000_000_000)
    cfg = load_config(DIGITS)
    check_memory(cfg, 64, n_images_held=1797)  # raises if it does not fit
    assert estimate_memory(cfg, 64, 1797)["total"] < 1_000_000_000


def test_unknown_available_memory_refuses_nothing_that_can_be_built(monkeypatch):
    monkeypatch.setattr(resources, "available_memory", lambda: None)
    check_memory(load_config(DIGITS, ["network.n_exc=20000"]), 64)  # 12 GB: not refused


def test_sizes_beyond_brian2_or_numpy_are_refused_without_knowing_the_memory(monkeypatch):
    monkeypatch.setattr(resources, "available_memory", lambda: None)
    # 46,342 neurons have more than 2**31 - 1 inhibitory synapses (int32 indices).
    with pytest.raises(ConfigError, match=r"^network\.n_exc: .*that Brian2 can number"):
        check_memory(load_config(DIGITS, ["network.n_exc=46342"]), 64)
    check_memory(load_config(DIGITS, ["network.n_exc=46341"]), 64)
    # An example table of (2**31 - 1)**2 float64 values: beyond NumPy's index range.
    big = 2**31 - 1
    cfg = load_config(DIGITS, ["network.n_exc=1", f"engine.chunk_cycles={big}"])
    with pytest.raises(ConfigError, match=r"^engine\.chunk_cycles: .*more than NumPy can allocate"):
        check_memory(cfg, big)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/meminfo")
def test_available_memory_on_linux():
    available = available_memory()
    assert isinstance(available, int) and available > 0
    with open("/proc/meminfo") as handle:
        total = next(int(line.split()[1]) * 1024 for line in handle if line.startswith("MemTotal"))
    assert available <= total


def test_available_memory_respects_a_cgroup_limit(monkeypatch, tmp_path):
    (tmp_path / "memory.max").write_text("3000000000\n")
    (tmp_path / "memory.current").write_text("1000000000\n")
    monkeypatch.setattr(resources, "CGROUP", tmp_path)
    monkeypatch.setattr(resources, "_meminfo_available", lambda: 50_000_000_000)
    assert available_memory() == 2_000_000_000
    (tmp_path / "memory.max").write_text("max\n")
    assert available_memory() == 50_000_000_000


@pytest.mark.parametrize(
    "n, text", [(61_300_000_000, "61.3 GB"), (3.2e15, "3,200,000 GB"), (420e6, "420 MB")]
)
def test_format_bytes(n, text):
    assert format_bytes(n) == text


def test_a_convolutional_layer_counts_its_own_synapses():
    # 16 filters of 5x5 on the 24x24 patches of MNIST: 9,216 neurons of 25 inputs each,
    # inhibited by the 15 other filters of their patch
    keys = [
        "topology.kind=conv",
        "topology.kernel=5",
        "topology.stride=1",
        "topology.filters=16",
        "network.n_exc=9216",
    ]
    conv = estimate_memory(load_config(None, keys), 784, n_images_held=0, n_label=0, n_test=0)
    dense = estimate_memory(
        load_config(None, ["network.n_exc=9216"]), 784, n_images_held=0, n_label=0, n_test=0
    )
    n_syn, n_inh = 9216 * 25, 9216 * 15
    # per input synapse: two int32 indices, 4 float64, the queues' int32 and the
    # temporaries while they are prepared; fewer per inhibitory one
    assert 40 * n_syn <= conv["input_synapses"] < 80 * n_syn
    assert 16 * n_inh <= conv["inhibitory_synapses"] < 40 * n_inh
    assert conv["inhibitory_synapses"] * 500 < dense["inhibitory_synapses"]
    # the weights are held dense in Python either way
    assert conv["python_state"] == dense["python_state"]
