"""Local and convolutional layers (topology.kind): indices, shared weights, end to end, resume."""

from __future__ import annotations

import brian2
import numpy as np
import pytest

from stdp import experiment
from stdp.cli import main
from stdp.config import load_config
from stdp.errors import ConfigError
from stdp.network import cycle_duration, initial_state, location_pairs
from stdp.topology import layout

from .conftest import SMALL, kill_after_checkpoint

#: 4x4 images, 2x2 patches 2 apart, 2 filters: 2x2 patches, 8 neurons.
TINY = ["topology.kind=local", "topology.kernel=2", "topology.stride=2", "topology.filters=2"]


def test_local_connectivity_of_a_hand_built_case():
    shape = layout(load_config(None, [*TINY, "network.n_exc=8"]), 16)
    assert (shape.rows, shape.cols, shape.n_exc, shape.fan_in) == (2, 2, 8, 4)
    pre, post = shape.synapses()
    # The 4x4 image, pixel p at row p // 4, column p % 4; neuron (f, r, c) = (f*2 + r)*2 + c.
    expected = {
        0: [0, 1, 4, 5],  # filter 0, patch (0, 0)
        1: [2, 3, 6, 7],  # filter 0, patch (0, 1)
        2: [8, 9, 12, 13],  # filter 0, patch (1, 0)
        3: [10, 11, 14, 15],
        5: [2, 3, 6, 7],  # filter 1, patch (0, 1)
        6: [8, 9, 12, 13],
    }
    for j, pixels in expected.items():
        assert sorted(pre[post == j]) == pixels
    assert len(pre) == 8 * 4 and np.all(np.diff(pre) >= 0)  # i-major, as the dense layer
    dense = np.zeros((16, 8))
    dense[pre, post] = 1
    np.testing.assert_array_equal(shape.to_dense(np.ones(32)).reshape(16, 8), dense)
    np.testing.assert_array_equal(shape.to_synapses(dense.ravel()), np.ones(32))


def test_overlapping_patches_and_kernel_entries():
    cfg = load_config(
        None,
        [
            "topology.kind=conv",
            "topology.kernel=3",
            "topology.stride=1",
            "topology.filters=2",
            "network.n_exc=8",
        ],
    )
    shape = layout(cfg, 16)  # 4x4 image, 3x3 kernel: 2x2 patches
    pre, post = shape.synapses()
    entry = shape.kernel_entry()
    # neuron 7 = filter 1, patch (1, 1): pixel (1 + a, 1 + b) through entry (1*3 + a)*3 + b
    for a in range(3):
        for b in range(3):
            p = (1 + a) * 4 + (1 + b)
            (s,) = np.flatnonzero((pre == p) & (post == 7))
            assert entry[s] == (3 + a) * 3 + b
    assert shape.n_kernel == 18 and np.bincount(entry).tolist() == [4] * 18


def test_inhibition_among_the_filters_of_a_patch():
    shape = layout(load_config(None, [*TINY, "topology.filters=3", "network.n_exc=12"]), 16)
    pairs = location_pairs(shape)
    got = set(zip(pairs["i"].tolist(), pairs["j"].tolist(), strict=True))
    # neuron f*4 + location; every ordered pair of different filters at each of the 4 patches
    expected = {
        (f1 * 4 + loc, f2 * 4 + loc)
        for loc in range(4)
        for f1 in range(3)
        for f2 in range(3)
        if f1 != f2
    }
    assert got == expected and len(pairs["i"]) == len(expected)


def test_whole_image_neurons_beside_the_patches():
    cfg = load_config(None, [*TINY, "topology.dense_filters=2", "network.n_exc=10"])
    shape = layout(cfg, 16)
    assert (shape.n_patch, shape.n_exc, shape.n_synapses) == (8, 10, 8 * 4 + 2 * 16)
    assert shape.fan_ins().tolist() == [4] * 8 + [16] * 2
    pre, post = shape.synapses()
    assert sorted(pre[post == 8]) == list(range(16)) == sorted(pre[post == 9])
    assert sorted(pre[post == 5]) == [2, 3, 6, 7]  # the patches' neurons as before
    assert np.all(np.diff(pre) >= 0)  # still i-major
    dense = np.zeros((16, 10))
    dense[pre, post] = 1
    assert dense[:, 8:].all() and dense[:, :8].sum() == 32
    values = np.arange(len(pre), dtype=float)
    np.testing.assert_array_equal(shape.to_synapses(shape.to_dense(values)), values)
    # they inhibit each other and no patch neuron; the patches' pairs are unchanged
    pairs = set(zip(*location_pairs(shape).values(), strict=True))
    assert {(i, j) for i, j in pairs if max(i, j) >= 8} == {(8, 9), (9, 8)}
    assert len(pairs) == 8 * 1 + 2 == shape.n_location_pairs
    # 'auto' normalisation: 78 per 784 inputs, each neuron its own
    from stdp.network import norm_totals

    np.testing.assert_allclose(norm_totals(cfg, 16), [78 * 4 / 784] * 8 + [78 * 16 / 784] * 2)
    explicit = cfg.replace(normalization__total=2.0)
    np.testing.assert_allclose(norm_totals(explicit, 16), [2.0] * 8 + [8.0] * 2)
    # a Euclidean length grows as the root of the inputs: 'auto' is the sum's
    # 78 * n / 784 spread evenly over half the n inputs
    l2 = cfg.replace(normalization__norm="l2")
    np.testing.assert_allclose(
        norm_totals(l2, 16),
        [78 * 4 / 784 * (2 / 4) ** 0.5] * 8 + [78 * 16 / 784 * (2 / 16) ** 0.5] * 2,
    )
    np.testing.assert_allclose(
        norm_totals(l2.replace(normalization__total=2.0), 16), [2.0] * 8 + [4.0] * 2
    )
    # pooling leaves their counts as they are, after the pooled maps
    counts = np.arange(20).reshape(2, 10)
    pooled = shape.pool(counts, 2)
    assert pooled.shape == (2, 2 + 2)
    np.testing.assert_array_equal(pooled[:, 2:], counts[:, 8:])
    np.testing.assert_array_equal(pooled[:, 0], counts[:, :4].sum(axis=1))
    # the feature maps are the patches' neurons only
    from stdp.figures.plots import feature_maps

    np.testing.assert_array_equal(feature_maps(counts[1], shape), counts[1, :8].reshape(2, 2, 2))


def test_whole_image_neurons_are_for_local_layers_only():
    with pytest.raises(ConfigError, match="topology.dense_filters: set to 2, but it applies only"):
        load_config(None, ["network.n_exc=8", "topology.dense_filters=2"])
    conv = [*TINY[1:], "topology.kind=conv", "topology.dense_filters=2", "network.n_exc=10"]
    with pytest.raises(ConfigError, match="applies only to local layers and topology.kind is"):
        load_config(None, conv)
    cfg = load_config(None, [*TINY, "topology.dense_filters=2", "network.n_exc=8"])
    with pytest.raises(ConfigError, match="and 2 whole-image neurons has 10; set network.n_exc"):
        layout(cfg, 16)


def test_pooling_sums_each_filters_counts_over_blocks():
    shape = layout(
        load_config(
            None,
            [
                "topology.kind=local",
                "topology.kernel=1",
                "topology.stride=1",
                "topology.filters=2",
                "network.n_exc=18",
            ],
        ),
        9,
    )  # 3x3 patches
    counts = np.arange(36).reshape(2, 18)
    pooled = shape.pool(counts, 2)  # blocks 2x2, 2x1, 1x2, 1x1 per filter
    maps = counts.reshape(2, 2, 3, 3)
    first = [maps[:, f, :2, :2].sum(axis=(1, 2)) for f in range(2)]
    last = [maps[:, f, 2, 2] for f in range(2)]
    assert pooled.shape == (2, 8)
    np.testing.assert_array_equal(pooled[:, 0], first[0])
    np.testing.assert_array_equal(pooled[:, 4], first[1])
    np.testing.assert_array_equal(pooled[:, 3], last[0])
    np.testing.assert_array_equal(pooled[:, 7], last[1])
    assert pooled.sum() == counts.sum()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["topology.stride=3"], "topology.stride: patches of 2 pixels, 3 apart, do not tile"),
        (["topology.kernel=5"], "topology.kernel: 5 pixels is larger than the 4x4 images"),
        (["network.n_exc=9"], "network.n_exc: 9 neurons, but a local layer of 2 filters"),
    ],
)
def test_layouts_that_do_not_fit_are_refused(overrides, message):
    cfg = load_config(None, [*TINY, "network.n_exc=8", *overrides])
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        layout(cfg, 16)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["topology.kernel=8"], "topology.kernel: set to 8, but it applies only to local and conv"),
        (["topology.pool=2"], "topology.pool: set to 2, but it applies only to local and conv"),
        (["topology.inhibition=all"], "topology.inhibition: set to 'all', but it applies only"),
        (
            ["topology.retry_spikes=patches"],
            "topology.retry_spikes: set to 'patches', but it applies only to local layers",
        ),
        (
            [
                "topology.kind=local",
                "topology.kernel=2",
                "topology.stride=2",
                "topology.share=winner",
            ],
            "topology.share: set to 'winner', but it applies only to conv layers and "
            "topology.kind is 'local'",
        ),
    ],
)
def test_settings_of_another_kind_of_layer_are_refused_not_ignored(overrides, message):
    # a user who sets a patch size but forgets topology.kind would get the dense layer
    with pytest.raises(ConfigError, match=message):
        load_config(None, ["network.n_exc=8", *overrides])


def test_refusals_reach_the_user_as_one_line(tmp_path, capsys):
    with pytest.raises(ConfigError, match="network.inhibition: 'distance' is for the dense"):
        load_config(None, [*TINY, "network.n_exc=8", "network.inhibition=distance"])
    digits = "experiments/digits.toml"
    code = main(["run", digits, "--set", "topology.kind=conv", "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "topology.kernel: 12 pixels is larger than the 8x8 images" in err[0]
    kernel = ["--set", "topology.kernel=4", "--set", "topology.stride=2"]
    code = main(
        ["run", digits, "--set", "topology.kind=conv", *kernel, "--out", str(tmp_path / "s")]
    )
    err = capsys.readouterr().err.strip().splitlines()
    # 100 filters on the 3x3 patches of 4x4 pixels, 2 apart, of the 8x8 digits
    assert code == 2 and len(err) == 1 and "set network.n_exc = 900" in err[0]
    code = main(
        [
            "run",
            digits,
            "--set",
            "topology.kind=local",
            "--set",
            "topology.kernel=4",
            "--set",
            "topology.stride=3",
            "--out",
            str(tmp_path / "t"),
        ]
    )
    assert code == 2 and "do not tile" in capsys.readouterr().err


#: Bright input, large STDP rates, weak inhibition: one presentation moves many weights.
FAST_LEARNING = [
    "encoding.max_rate=255 Hz",
    "encoding.min_spikes=0",
    "stdp.nu_post=0.05",
    "stdp.nu_pre=0.01",
    "engine.chunk_cycles=1",
    "network.w_inh_exc=1.0",
]


def _tiny_conv(normalization: bool, *more: str) -> tuple:
    cfg = load_config(
        None,
        [
            *more,
            "topology.kind=conv",
            "topology.kernel=2",
            "topology.stride=1",
            "topology.filters=2",
            "network.n_exc=18",
            f"normalization.enabled={str(normalization).lower()}",
            *FAST_LEARNING,
        ],
    )
    state = initial_state(cfg, 16, np.random.default_rng(3))
    state["exc.theta"][:] = 0.0
    state["exc.v"][:] = float(cfg["exc.v_thresh"]) - 0.03  # close to the threshold
    return cfg, state


def test_the_shared_update_is_the_sum_of_the_per_synapse_updates(runtime_numpy):
    from stdp.recording import prepare_network

    brian2.seed(7)  # the input's random numbers, whatever ran before

    cfg, state = _tiny_conv(normalization=False)
    image = np.linspace(0.2, 1.0, 16)[None, :]
    built = prepare_network(cfg, 16, state, image, learning=True)
    shape = built.layout
    entry = shape.kernel_entry()
    wk_before = np.array(built.kernel.wk[:])
    np.testing.assert_array_equal(built.input_to_exc.w[:], wk_before[entry])  # tied at the start
    built.net.run(cycle_duration(cfg))  # one presentation: each copy learns on its own
    w = np.array(built.input_to_exc.w[:])
    w0 = np.array(built.input_to_exc.w0[:])
    change = w - w0
    assert np.count_nonzero(change) > 10
    # copies of one entry changed by different amounts (else the test would not tell a sum)
    assert any(np.unique(change[entry == e]).size > 1 for e in range(shape.n_kernel))
    expected = np.clip(
        wk_before + np.bincount(entry, weights=change, minlength=shape.n_kernel),
        0,
        float(cfg["stdp.w_max"]),
    )
    built.net.run(float(cfg["network.dt"]) * brian2.second)  # the next cycle's first step
    np.testing.assert_allclose(built.kernel.wk[:], expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(built.input_to_exc.w[:], built.kernel.wk[:][entry])
    np.testing.assert_array_equal(built.input_to_exc.w0[:], built.kernel.wk[:][entry])


def test_only_each_filters_first_neuron_to_fire_teaches_its_kernel(runtime_numpy):
    from stdp.recording import prepare_network

    brian2.seed(7)  # the input's random numbers, whatever ran before

    cfg, state = _tiny_conv(False, "topology.share=winner")
    image = np.linspace(0.2, 1.0, 16)[None, :]
    built = prepare_network(cfg, 16, state, image, learning=True)
    shape = built.layout
    entry = shape.kernel_entry()
    wk_before = np.array(built.kernel.wk[:])
    built.net.run(cycle_duration(cfg))
    wins = np.array(built.exc.wins[:])
    spikes_i, spikes_t = np.array(built.exc_spikes.i[:]), np.array(built.exc_spikes.t[:])
    first = np.full(shape.n_exc, np.inf)
    np.minimum.at(first, spikes_i, spikes_t)
    for f in range(shape.filters):  # the winner fired first among its filter's neurons
        mine = slice(f * shape.n_locations, (f + 1) * shape.n_locations)
        assert np.isfinite(first[mine]).sum() > 1  # several of them fired
        winners = np.flatnonzero(wins[mine] > 0)
        assert winners.size >= 1 and np.all(first[mine][winners] == first[mine].min())
    post = np.array(built.input_to_exc.j[:])
    change = np.array(built.input_to_exc.w[:]) - np.array(built.input_to_exc.w0[:])
    assert np.count_nonzero(change[wins[post] == 0]) > 0  # losers learned too, and are dropped
    kept = change * wins[post]
    expected = np.clip(
        wk_before + np.bincount(entry, weights=kept, minlength=shape.n_kernel),
        0,
        float(cfg["stdp.w_max"]),
    )
    built.net.run(float(cfg["network.dt"]) * brian2.second)
    np.testing.assert_allclose(built.kernel.wk[:], expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(built.input_to_exc.w[:], built.kernel.wk[:][entry])
    assert not np.any(built.exc.wins[:])  # cleared for the next cycle


def test_normalisation_keeps_the_copies_tied(runtime_numpy):
    from stdp.recording import prepare_network

    brian2.seed(7)  # the input's random numbers, whatever ran before

    cfg, state = _tiny_conv(normalization=True)
    images = np.linspace(0.2, 1.0, 32).reshape(2, 16)
    built = prepare_network(cfg, 16, state, images, learning=True)
    # the second cycle's first step: the kernel takes the first presentation's changes,
    # then the normalisation (learning is on for the second example) scales every copy
    built.net.run(cycle_duration(cfg) + float(cfg["network.dt"]) * brian2.second)
    entry = built.layout.kernel_entry()
    wk = np.array(built.kernel.wk[:])
    w0 = np.array(built.input_to_exc.w0[:])  # each copy as the cycle began
    np.testing.assert_array_equal(w0, wk[entry])
    # every neuron's weights sum to the target: 78 * (2 x 2 inputs) / 784
    target = 78 * 4 / 784
    np.testing.assert_allclose(np.bincount(built.input_to_exc.j[:], weights=w0), target, rtol=1e-12)
    np.testing.assert_allclose(wk.reshape(2, 4).sum(axis=1), target, rtol=1e-12)


#: A small convolutional layer on the digits: 4 filters of 4x4 on 3x3 patches (36 neurons).
CONV = [
    *[s for s in SMALL if not s.startswith(("network.n_exc", "normalization.total"))],
    "network.method=exponential_euler",
    "network.w_inh_exc=60.0",
    "topology.kind=conv",
    "topology.kernel=4",
    "topology.stride=2",
    "topology.filters=4",
    "network.n_exc=36",
    "topology.pool=2",
]
# the local layer with 9 whole-image neurons beside its patches (two scales)
LOCAL = [
    *[s for s in CONV if not s.startswith(("topology.kind", "network.n_exc"))],
    "topology.kind=local",
    "topology.dense_filters=9",
    "network.n_exc=45",
]
CONV.append("topology.share=winner")  # the winner's mark is state too


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param(CONV, id="conv"),
        # a build of its own (about 45 s of g++): with -m slow; the local layer's
        # connectivity and learning are checked in runtime mode below
        pytest.param(LOCAL, id="local", marks=pytest.mark.slow),
    ],
)
def test_each_topology_runs_end_to_end_and_resumes_bit_for_bit(overrides, tmp_path, monkeypatch):
    straight, straight_dir = experiment.run_experiment(
        None, overrides, out=tmp_path / "straight", stream=None
    )
    assert 0.0 <= straight["accuracy"] <= 1.0 and "accuracy_linear" in straight
    kill_after_checkpoint(monkeypatch, overrides, tmp_path / "killed")  # at 80 examples
    resumed = experiment.resume_experiment(tmp_path / "killed", stream=None)
    cfg, ck = experiment.load_checkpoint(straight_dir)
    with (
        np.load(straight_dir / "checkpoint.npz") as a,
        np.load(tmp_path / "killed" / "checkpoint.npz") as b,
    ):
        for key in ("weights", "theta", "assignments"):
            np.testing.assert_array_equal(a[key], b[key])
        if "state/kernel.wk" in a:
            np.testing.assert_array_equal(a["state/kernel.wk"], b["state/kernel.wk"])
    assert resumed["accuracy"] == straight["accuracy"]
    assert resumed["accuracy_linear"] == straight["accuracy_linear"]
    # no synapse outside a neuron's patch; learning moved the ones inside
    shape = layout(cfg, 64)
    w = ck.weights
    outside = np.ones(w.shape, dtype=bool)
    pre, post = shape.synapses()
    outside[pre, post] = False
    assert np.all(w[outside] == 0) and np.ptp(w[~outside]) > 0.1
    if shape.kind == "conv":  # every copy is its kernel entry
        wk = ck.state["kernel.wk"]
        np.testing.assert_array_equal(w[pre, post], wk[shape.kernel_entry()])


def test_a_local_layer_learns_inside_its_patches_only(runtime_numpy):
    from stdp.recording import prepare_network

    brian2.seed(7)  # the input's random numbers, whatever ran before

    cfg = load_config(
        None,
        [
            *TINY,
            "network.n_exc=8",
            *FAST_LEARNING,
        ],
    )
    state = initial_state(cfg, 16, np.random.default_rng(5))
    state["exc.theta"][:] = 0.0
    before = state["input_to_exc.w"].reshape(16, 8).copy()
    images = np.linspace(0.2, 1.0, 32).reshape(2, 16)
    built = prepare_network(cfg, 16, state, images, learning=True)
    built.net.run(cycle_duration(cfg) + float(cfg["network.dt"]) * brian2.second)
    shape = built.layout
    after = shape.to_dense(np.array(built.input_to_exc.w[:])).reshape(16, 8)
    pre, post = shape.synapses()
    inside = np.zeros((16, 8), dtype=bool)
    inside[pre, post] = True
    assert np.all(before[~inside] == 0) and np.all(after[~inside] == 0)
    assert np.count_nonzero(after[inside] != before[inside]) > 8  # its own weights learned
    # each neuron's weights, normalised before the second presentation, sum to 78 * 4 / 784
    # (up to what a spike in that same step changed: the pre traces have decayed for 150 ms)
    np.testing.assert_allclose(np.array(built.exc.wsum[:]), 78 * 4 / 784, rtol=1e-3)
    # the two filters of one patch do not share weights
    assert not np.array_equal(after[:, 0], after[:, 4])


def test_whole_image_neurons_learn_everywhere_and_normalise_to_their_own_sum(runtime_numpy):
    from stdp.recording import prepare_network

    brian2.seed(7)
    cfg = load_config(None, [*TINY, "topology.dense_filters=2", "network.n_exc=10", *FAST_LEARNING])
    state = initial_state(cfg, 16, np.random.default_rng(5))
    state["exc.theta"][:] = 0.0
    before = state["input_to_exc.w"].reshape(16, 10).copy()
    assert np.all(before[:, 8:] > 0)  # every pixel reaches them from the start
    images = np.linspace(0.2, 1.0, 32).reshape(2, 16)
    built = prepare_network(cfg, 16, state, images, learning=True)
    built.net.run(cycle_duration(cfg) + float(cfg["network.dt"]) * brian2.second)
    after = built.layout.to_dense(np.array(built.input_to_exc.w[:])).reshape(16, 10)
    assert np.count_nonzero(after[:, 8:] != before[:, 8:]) > 8
    np.testing.assert_allclose(
        np.array(built.exc.wsum[:]), [78 * 4 / 784] * 8 + [78 * 16 / 784] * 2, rtol=1e-3
    )


def test_whole_image_neurons_may_have_a_theta_plus_of_their_own(runtime_numpy):
    from stdp.recording import prepare_network

    brian2.seed(7)
    cfg = load_config(
        None,
        [
            *TINY,
            "topology.dense_filters=2",
            "network.n_exc=10",
            "topology.dense_theta_plus=0.3 mV",
            "exc.theta_plus=0.01 mV",
            *FAST_LEARNING,
        ],
    )
    state = initial_state(cfg, 16, np.random.default_rng(5))
    state["exc.theta"][:] = 0.0
    built = prepare_network(cfg, 16, state, np.full((2, 16), 1.0), learning=True)
    spikes = brian2.SpikeMonitor(built.exc)
    built.net.add(spikes)
    built.net.run(cycle_duration(cfg))
    n = np.bincount(np.asarray(spikes.i[:]), minlength=10)
    theta = np.asarray(built.exc.theta[:]) / float(brian2.mV)
    # theta grows at spikes and barely decays (tau_theta 10^7 ms): n x the neuron's own step
    fired = n > 0
    assert fired[:8].any() and fired[8:].any()
    np.testing.assert_allclose(theta[:8], 0.01 * n[:8], rtol=1e-4)
    np.testing.assert_allclose(theta[8:], 0.3 * n[8:], rtol=1e-4)


@pytest.mark.parametrize("retry_spikes", ["all", "patches"])
def test_the_retry_counts_the_whole_image_neurons_spikes_or_not(retry_spikes, runtime_numpy):
    from stdp.recording import prepare_network

    brian2.seed(7)
    cfg = load_config(
        None,
        [
            *TINY,
            "topology.dense_filters=2",
            "network.n_exc=10",
            f"topology.retry_spikes={retry_spikes}",
        ],
    )
    state = initial_state(cfg, 16, np.random.default_rng(5))
    state["exc.theta"][:] = 0.0
    built = prepare_network(cfg, 16, state, np.full((2, 16), 1.0), learning=False)
    spikes = brian2.SpikeMonitor(built.exc)
    built.net.add(spikes)
    # to the end of the first presentation window and a little into the rest
    built.net.run(cfg["protocol.presentation"] + 10 * brian2.ms)
    window = np.asarray(spikes.t[:]) < float(cfg["protocol.presentation"])  # what is counted
    n = np.bincount(np.asarray(spikes.i[:])[window], minlength=10)
    assert n[:8].sum() > 0 and n[8:].sum() > 0  # both groups fired
    counted = n.sum() if retry_spikes == "all" else n[:8].sum()
    assert float(built.controller.nspk[0]) == counted


def test_the_learning_window_of_any_layout_is_its_rules(runtime_numpy):
    # the stdp_window figure of a local run on the digits: the window needs no patches
    from stdp.window import stdp_window

    delta = np.array([-0.01, 0.01])
    local = load_config(
        "experiments/digits.toml",
        [
            "topology.kind=local",
            "topology.kernel=4",
            "topology.stride=2",
            "topology.filters=8",
            "topology.dense_filters=2",
            "topology.dense_theta_plus=0.2 mV",
            "network.n_exc=74",
        ],
    )
    dense = load_config("experiments/digits.toml")
    np.testing.assert_array_equal(stdp_window(local, delta), stdp_window(dense, delta))
