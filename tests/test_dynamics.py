"""The whole network's dynamics against hand computations, on both devices.

Most tests use `TINY`: 4 input and 4 excitatory neurons, cycles of one 0.5 ms
presentation step and 29.5 ms of rest, and a white pixel firing at 1/dt, i.e.
exactly once, in the first step of its cycle (the Bernoulli generator draws
``rand() < 1``). The input is then deterministic, so a chunk can be computed by
hand step by step, and the runtime device and the compiled engine, whose random
generators differ, must agree to rounding. In Brian2 a time step runs the state
updates, then the thresholds, then the synaptic pathways, then the resets; the
hand computations below count Euler steps (``network.method = euler``) that way.

The re-presentation rates are checked on real images (the embedded 8x8
digits), with `conftest.SMALL` for the compiled engine (the build
`tests/test_engine.py` uses too).
"""

from __future__ import annotations

import gc

import brian2
import numpy as np
import pytest

from stdp.config import load_config
from stdp.datasets import load_dataset
from stdp.encoding import encode_images
from stdp.engine import STATE_KEYS, make_engine
from stdp.network import initial_state, norm_total

from .conftest import SMALL

N_INPUT = 4
N_EXC = 4
#: One build for the hand-computed tests (see the module docstring).
TINY = [
    f"network.n_exc={N_EXC}",
    "encoding.max_rate=2000 Hz",
    "encoding.retry_rate_step=0 Hz",
    "encoding.generator=bernoulli",
    "encoding.max_retries=0",
    "protocol.presentation=0.5 ms",
    "protocol.rest=29.5 ms",
    "engine.chunk_cycles=2",
]
STEPS = 120  # two cycles of 60 steps of 0.5 ms
DT = 0.5e-3
NEVER = -1e4  # initial_state's lastspike: no spike yet


@pytest.fixture(scope="module")
def standalone():
    """``get(overrides, n_input)``: the compiled engine of a config, one alive at a time.

    Brian2 has one standalone device, so asking for another config (or for the
    runtime device, `release`) closes the engine that is open. The Brian2
    objects of earlier engines are collected before a new one is made: while
    they live, Brian2 gives the next build's code objects other names
    (``..._codeobject_1``), and a cached build is then compiled from scratch.
    """
    slot: dict = {}

    def release() -> None:
        if "engine" in slot:
            slot.pop("engine").close()
            slot.pop("key")

    def get(overrides, n_input):
        key = (tuple(overrides), n_input)
        if slot.get("key") != key or slot["engine"].closed:  # closed by another engine
            release()
            gc.collect()  # also the objects of a runtime engine made since
            slot["engine"] = make_engine(load_config(None, overrides), n_input, "cpp_standalone")
            slot["key"] = key
        return slot["engine"]

    get.release = release
    yield get
    release()


@pytest.fixture
def runtime(standalone, monkeypatch):
    """``make(overrides, n_input)``: an engine on Brian2's runtime device.

    With numpy code: Cython would first compile every code object of the
    network (minutes on a new machine) for networks this small.
    """
    from stdp.engine import RuntimeEngine

    monkeypatch.setattr(RuntimeEngine, "codegen_target", "numpy")
    target = brian2.prefs.codegen.target

    def make(overrides, n_input):
        standalone.release()
        return make_engine(load_config(None, overrides), n_input, "runtime")

    yield make
    brian2.prefs.codegen.target = target


def _rest_state(cfg, n_input, w=0.3):
    """Everything at rest, no neuron able to fire (theta = 1 V), equal weights, no delays.

    ``exc.wsum`` is the normalisation target itself, so a learning cycle's
    normalisation multiplies every weight by exactly 1.
    """
    state = initial_state(cfg, n_input, np.random.default_rng(0))
    state["exc.v"][:] = float(cfg["exc.v_rest"])
    state["inh.v"][:] = float(cfg["inh.v_rest"])
    state["exc.theta"][:] = 1.0
    state["exc.wsum"][:] = norm_total(cfg, n_input)
    state["input_to_exc.w"][:] = w
    state["input_to_exc.delay"][:] = 0.0
    return state


def _euler(cfg, section, v, ge, gi, n):
    """``n`` forward-Euler steps of a neuron's (v, ge, gi), as Brian2's state update does them."""
    p = {k: float(cfg[f"{section}.{k}"]) for k in ("v_rest", "tau_m", "tau_ge", "tau_gi")}
    e_exc, e_inh = float(cfg[f"{section}.E_exc"]), float(cfg[f"{section}.E_inh"])
    for _ in range(n):
        dv = ((p["v_rest"] - v) + ge * (e_exc - v) + gi * (e_inh - v)) / p["tau_m"]
        v, ge, gi = v + DT * dv, ge - DT * ge / p["tau_ge"], gi - DT * gi / p["tau_gi"]
    return v, ge, gi


def _chunk(engine, state, table, learning, seed=1):
    return engine.run_chunk(
        state,
        np.asarray(table, dtype=float),
        k_start=-1,
        nspk=engine.cfg["encoding.min_spikes"],
        retries=0,
        learning=learning,
        seed=seed,
    )


# -- the two devices -----------------------------------------------------------------


def _busy_state(cfg):
    """A hand-set state far from rest: neurons that fire, traces, conductances, refractoriness."""
    state = initial_state(cfg, N_INPUT, np.random.default_rng(7))  # random weights and delays
    mv = 1e-3
    state["exc.v"][:] = np.array([-50.0, -58.0, -70.0, -56.0]) * mv
    state["exc.theta"][:] = np.array([10.0, 14.0, 25.0, 12.0]) * mv  # thresholds -62 ... -47 mV
    state["exc.ge"][:] = [0.0, 1.5, 0.4, 0.0]
    state["exc.gi"][:] = [0.3, 0.0, 0.2, 0.0]
    state["exc.post1"][:] = [0.3, 0.9, 0.1, 0.5]
    state["exc.post2"][:] = [0.6, 0.2, 0.0, 0.8]
    state["exc.lastspike"][3] = -2e-3  # refractory for the first 6 steps
    state["exc.not_refractory"][3] = False
    state["exc.wsum"][:] = [1.1, 0.2, 0.6, 0.45]  # normalisation rescales the weights
    state["inh.v"][:] = np.array([-45.0, -60.0, -41.0, -55.0]) * mv
    state["inh.ge"][:] = [0.0, 3.0, 0.0, 0.1]
    state["inh.gi"][:] = [0.0, 0.0, 0.5, 0.0]
    state["input.pre"][:] = [0.4, 0.0, 0.7, 0.2]
    return state


#: (input table, learning): no input at all; one spike per white pixel and cycle.
SCENARIOS = {
    "no input": (np.zeros((2, N_INPUT)), True),
    "white pixels": (np.array([[1, 1, 0, 1], [0, 1, 1, 1]]), True),
    "white pixels, frozen": (np.array([[1, 0, 0, 1], [1, 1, 1, 0]]), False),
}


def test_runtime_device_and_compiled_engine_agree(standalone, runtime):
    """The same hand-set chunk on both devices: same end state to 1e-9, same spikes."""
    compiled = standalone(TINY, N_INPUT)
    state = _busy_state(compiled.cfg)
    expected = {name: _chunk(compiled, state, *args) for name, args in SCENARIOS.items()}
    del compiled
    engine = runtime(TINY, N_INPUT)
    for name, args in SCENARIOS.items():
        want, got = expected[name], _chunk(engine, state, *args)
        for key in (*STATE_KEYS, "input_to_exc.delay"):
            np.testing.assert_allclose(
                got.state[key], want.state[key], rtol=1e-9, atol=1e-13, err_msg=f"{name}: {key}"
            )
        for field in ("cycle_k", "cycle_retries", "window_counts"):
            np.testing.assert_array_equal(getattr(got, field), getattr(want, field))
        counts = [(r.n_input_spikes, r.n_exc_spikes, r.n_inh_spikes) for r in (got, want)]
        assert counts[0] == counts[1], name
        assert want.n_exc_spikes >= 2 and want.n_inh_spikes >= 1, name  # a non-trivial chunk
        if args[0].any():
            assert want.n_input_spikes == args[0].sum()  # one spike per white pixel
    # the scenarios differ from each other, so agreeing is not agreeing on nothing
    assert not np.allclose(
        expected["no input"].state["input_to_exc.w"],
        expected["white pixels"].state["input_to_exc.w"],
    )


# -- lateral inhibition -----------------------------------------------------------


def test_one_spike_inhibits_every_other_neuron_by_w_inh_exc(standalone):
    """Excitatory neuron 0 fires once, at step 112; its partner fires at 113.

    Every other excitatory neuron's ``gi`` jumps by ``w_inh_exc`` in step 113
    and decays by ``1 - dt/tau_gi`` in each of the 6 remaining steps; neuron 0
    itself is not inhibited (``inh_to_exc`` connects ``i != j``).
    """
    engine = standalone(TINY, N_INPUT)
    cfg = engine.cfg
    state = _rest_state(cfg, N_INPUT)
    state["exc.theta"][0] = 0.0  # threshold -72 mV, below rest: fires when not refractory
    state["exc.lastspike"][0] = (112 - 10) * DT  # refractory (5 ms = 10 steps) until step 112
    state["exc.not_refractory"][0] = False
    result = _chunk(engine, state, np.zeros((2, N_INPUT)), learning=False)
    end = STEPS * DT
    assert (result.n_exc_spikes, result.n_inh_spikes, result.n_input_spikes) == (1, 1, 0)
    assert result.state["exc.lastspike"][0] == pytest.approx(112 * DT - end, abs=1e-9)
    assert result.state["inh.lastspike"][0] == pytest.approx(113 * DT - end, abs=1e-9)

    w_inh_exc, w_exc_inh = cfg["network.w_inh_exc"], cfg["network.w_exc_inh"]
    gi_others = w_inh_exc * (1 - DT / float(cfg["exc.tau_gi"])) ** 6
    np.testing.assert_allclose(result.state["exc.gi"][1:], gi_others, rtol=1e-9)
    assert result.state["exc.gi"][0] == 0.0  # its own partner does not inhibit it
    # the partner alone was driven: ge jumped by w_exc_inh at step 112, decayed 7 steps
    ge_inh = w_exc_inh * (1 - DT / float(cfg["inh.tau_ge"])) ** 7
    assert result.state["inh.ge"][0] == pytest.approx(ge_inh, rel=1e-9)
    np.testing.assert_array_equal(result.state["inh.ge"][1:], 0.0)
    # the voltage effect: six Euler steps from rest with gi = w_inh_exc
    v_rest = float(cfg["exc.v_rest"])
    v_others, _, _ = _euler(cfg, "exc", v_rest, 0.0, w_inh_exc, 6)
    np.testing.assert_allclose(result.state["exc.v"][1:] - v_rest, v_others - v_rest, rtol=1e-9)
    assert v_others < v_rest - 5e-3  # hyperpolarised by more than 5 mV
    assert result.state["exc.v"][0] == v_rest  # reset to v_reset = v_rest, nothing since


# -- synaptic delays ---------------------------------------------------------------

#: Delays of the synapses from input 0 to excitatory neurons 0-3, in time steps.
DELAY_STEPS = np.array([0, 3, 8, 19])


def _delayed_state(cfg, post1=0.8, post2=0.6):
    state = _rest_state(cfg, N_INPUT)
    state["exc.post1"][:] = post1
    state["exc.post2"][:] = post2
    state["input_to_exc.delay"][:N_EXC] = DELAY_STEPS * DT  # i-major: input 0 -> exc j
    return state


def _white_pixel_0():
    return np.array([[1.0, 0.0, 0.0, 0.0]])  # one row: cycle 1 shows nothing


def test_transmission_and_depression_arrive_after_the_delay(standalone):
    """Input 0 fires once at step 0; its synapse onto neuron j acts at step ``d_j``.

    At arrival ``ge`` jumps by ``w`` and the triplet rule depresses by
    ``nu_pre * post1``, where post1 has decayed through the ``d_j + 1`` state
    updates of steps 0 to ``d_j``.
    """
    engine = standalone(TINY, N_INPUT)
    cfg = engine.cfg
    state = _delayed_state(cfg)
    result = _chunk(engine, state, _white_pixel_0(), learning=True)
    assert (result.n_input_spikes, result.n_exc_spikes) == (1, 0)

    w = result.state["input_to_exc.w"].reshape(N_INPUT, N_EXC)
    decay1 = 1 - DT / float(cfg["stdp.tau_post1"])
    depression = cfg["stdp.nu_pre"] * 0.8 * decay1 ** (DELAY_STEPS + 1)
    np.testing.assert_allclose(w[0] - 0.3, -depression, rtol=1e-9)
    np.testing.assert_array_equal(w[1:], 0.3)  # silent inputs: no change
    # an undelayed depression would differ by far more than the tolerance
    assert np.all(np.abs(depression[1:] - depression[0]) > 1e-3 * depression[0])

    # the conductance jump arrives d_j steps late: v after the remaining Euler steps
    v_rest = float(cfg["exc.v_rest"])
    for j, d in enumerate(DELAY_STEPS):
        v, _, _ = _euler(cfg, "exc", v_rest, 0.3, 0.0, STEPS - 1 - d)
        assert result.state["exc.v"][j] - v_rest == pytest.approx(v - v_rest, rel=1e-9)
    # later arrival, less time to decay back to rest
    assert np.all(np.diff(result.state["exc.v"]) > 0)
    # the presynaptic trace was set at emission and decayed exactly ever since
    tau_pre = float(cfg["stdp.tau_pre"])
    assert result.state["input.pre"][0] == pytest.approx(np.exp(-(STEPS - 1) * DT / tau_pre))


def test_the_presynaptic_trace_is_not_delayed(standalone):
    """Neuron 3 fires at step 8, between input 0's spike (step 0) and its arrival (step 19).

    Its potentiation at step 8 reads input 0's trace as set at emission,
    ``exp(-8 dt / tau_pre)`` (a trace delayed like the spike would still be 0),
    times post2 before the reset; the delayed depression at step 19 then reads
    the post1 that the spike set to 1, decayed over 11 steps.
    """
    engine = standalone(TINY, N_INPUT)
    cfg = engine.cfg
    state = _delayed_state(cfg)
    state["exc.v"][3] = -60e-3
    state["exc.theta"][3] = 9e-3  # threshold -63 mV: above it until the reset to -65 mV
    state["exc.lastspike"][3] = -2 * DT  # refractory until step 8
    state["exc.not_refractory"][3] = False
    result = _chunk(engine, state, _white_pixel_0(), learning=True)
    assert (result.n_input_spikes, result.n_exc_spikes) == (1, 1)
    assert result.state["exc.lastspike"][3] == pytest.approx(8 * DT - STEPS * DT, abs=1e-9)

    nu_pre, nu_post = cfg["stdp.nu_pre"], cfg["stdp.nu_post"]
    pre_at_8 = np.exp(-8 * DT / float(cfg["stdp.tau_pre"]))
    post2_at_8 = 0.6 * (1 - DT / float(cfg["stdp.tau_post2"])) ** 9
    potentiation = nu_post * pre_at_8 * post2_at_8
    depression = nu_pre * 1.0 * (1 - DT / float(cfg["stdp.tau_post1"])) ** 11
    w = result.state["input_to_exc.w"].reshape(N_INPUT, N_EXC)
    assert w[0, 3] - 0.3 == pytest.approx(potentiation - depression, rel=1e-9)
    assert potentiation > 10 * depression
    # the silent inputs have no trace: neuron 3's spike leaves their weights alone
    np.testing.assert_array_equal(w[1:, 3], 0.3)


# -- re-presentation at a higher rate -------------------------------------------------


def _expected_counts(cfg, images, cycle_k, cycle_retries):
    """Mean and variance of the input spikes of each presentation (a Bernoulli process).

    Pixel i of a presentation with ``r`` retries fires in each of its steps with
    probability ``p_i = x_i (max_rate + r retry_rate_step) dt``.
    """
    steps = round(float(cfg["protocol.presentation"] / cfg["network.dt"]))
    rates = float(cfg["encoding.max_rate"]) + cycle_retries * float(cfg["encoding.retry_rate_step"])
    p = images[cycle_k] * (rates * float(cfg["network.dt"]))[:, None]
    assert p.max() < 1
    return steps * p.sum(axis=1), steps * (p * (1 - p)).sum(axis=1)


def _silent_network_state(cfg, n_input):
    state = initial_state(cfg, n_input, np.random.default_rng(3))
    state["exc.theta"][:] = 1.0  # no excitatory spike: every example is retried to the bound
    return state


def _digit_images(first, n):
    return encode_images(load_dataset("digits").train_images[first : first + n])


#: Runtime device, 2 neurons, 8 cycles per chunk: two examples of 4 presentations each.
RATES = [
    "network.n_exc=2",
    "encoding.max_rate=255 Hz",
    "encoding.retry_rate_step=127.5 Hz",
    "encoding.generator=bernoulli",
    "encoding.max_retries=3",
    "engine.chunk_cycles=8",
]


def test_each_retry_shows_the_example_at_a_higher_rate(runtime):
    """Input spikes per presentation: sum(x) (max_rate + r step) 350 ms, within 5 SD.

    The network cannot fire, so each example is shown 1 + max_retries times,
    at 255, 382.5, 510 and 637.5 Hz for a white pixel.
    """
    engine = runtime(RATES, 64)
    cfg = engine.cfg
    monitor = brian2.SpikeMonitor(engine.built.input, name="presentation_spikes")
    engine.built.net.add(monitor)
    cycle_steps = round(float(engine.cycle / engine.dt))
    present_steps = round(float(cfg["protocol.presentation"] / engine.dt))
    observed, mean, var, retries = [], [], [], []
    for chunk, first in enumerate((10, 20)):
        images = _digit_images(first, 2)
        t0 = float(engine.built.net.t)
        before = int(monitor.num_spikes)
        result = _chunk(engine, _silent_network_state(cfg, 64), images, learning=False, seed=chunk)
        assert result.n_exc_spikes == 0
        np.testing.assert_array_equal(result.cycle_k, np.repeat([0, 1], 4))
        np.testing.assert_array_equal(result.cycle_retries, np.tile(np.arange(4), 2))
        steps = np.rint((np.asarray(monitor.t_)[before:] - t0) / float(engine.dt)).astype(int)
        assert np.all(steps % cycle_steps < present_steps)  # nothing during the rest
        observed.append(np.bincount(steps // cycle_steps, minlength=8))
        m, v = _expected_counts(cfg, images, result.cycle_k, result.cycle_retries)
        mean.append(m)
        var.append(v)
        retries.append(result.cycle_retries)
    observed, mean, var = map(np.concatenate, (observed, mean, var))
    z = (observed - mean) / np.sqrt(var)
    assert np.all(np.abs(z) < 5), z
    assert abs(z.sum() / np.sqrt(z.size)) < 4  # and no bias over all 16 presentations
    # each retry adds retry_rate_step / max_rate = 1/2 of the first rate: over 10 SD a step
    retries = np.concatenate(retries)
    first, second = retries == 0, retries == 1
    assert np.all(mean[second] - mean[first] > 10 * np.sqrt(var[first] + var[second]))


def test_the_compiled_engine_shows_retries_at_the_same_rates(standalone):
    """The same law on the compiled engine (geometric generator): each chunk's total input."""
    engine = standalone(SMALL, 64)
    cfg = engine.cfg
    per_example = cfg["encoding.max_retries"] + 1
    n_images = cfg["engine.chunk_cycles"] // per_example
    for seed, first in enumerate((0, 100, 200)):
        images = _digit_images(first, n_images)
        result = _chunk(engine, _silent_network_state(cfg, 64), images, False, seed=seed)
        assert result.n_exc_spikes == 0
        np.testing.assert_array_equal(result.cycle_k, np.repeat(np.arange(n_images), per_example))
        np.testing.assert_array_equal(
            result.cycle_retries, np.tile(np.arange(per_example), n_images)
        )
        mean, var = _expected_counts(cfg, images, result.cycle_k, result.cycle_retries)
        z = (result.n_input_spikes - mean.sum()) / np.sqrt(var.sum())
        assert abs(z) < 5, z
        # without the increase the total would be far off
        no_increase, _ = _expected_counts(cfg, images, result.cycle_k, 0 * result.cycle_retries)
        assert mean.sum() - no_increase.sum() > 50 * np.sqrt(var.sum())
