"""The model's equations against analytic solutions (runtime device, numpy target).

Every test builds groups with the package's own factories, so the equations
under test are exactly the ones the engine compiles.
"""

from __future__ import annotations

import brian2
import numpy as np
import pytest
from brian2 import Hz, Network, NeuronGroup, TimedArray, ms, mV, second

from stdp import equations as eq
from stdp.config import load_config
from stdp.network import (
    build_network,
    controller_group,
    excitatory_group,
    inhibitory_group,
    input_group,
    stdp_synapses,
)

pytestmark = pytest.mark.usefixtures("runtime_numpy")


def _clock(cfg):
    return brian2.Clock(dt=cfg["network.dt"], name="clock")


@pytest.mark.parametrize("method", ["euler", "exponential_euler"])
def test_membrane_decays_to_rest(method):
    cfg = load_config(None, [f"network.method={method}"])
    exc = excitatory_group(cfg, 1, _clock(cfg))
    exc.v = -55 * mV
    exc.theta = 1 * brian2.volt  # far above threshold: no spike
    net = Network(exc)
    net.run(100 * ms, namespace={})
    dt, tau = float(cfg["network.dt"]), float(cfg["exc.tau_m"])
    n = int(round(0.1 / dt))
    factor = (1 - dt / tau) ** n if method == "euler" else np.exp(-n * dt / tau)
    expected = -65e-3 + (-55e-3 + 65e-3) * factor
    assert exc.v[0] / brian2.volt == pytest.approx(expected, rel=1e-9)
    # and close to the continuous solution exp(-t/tau) in both cases
    assert exc.v[0] / brian2.volt == pytest.approx(-65e-3 + 10e-3 * np.exp(-1), abs=3e-5)


@pytest.mark.parametrize(
    ("inh_method", "inh_follows"), [("same", "exponential_euler"), ("euler", "euler")]
)
def test_inhibitory_neurons_can_have_their_own_integrator(inh_method, inh_follows):
    cfg = load_config(
        None, ["network.method=exponential_euler", f"network.inh_method={inh_method}"]
    )
    inh = inhibitory_group(cfg, 1, _clock(cfg))
    inh.v = -50 * mV  # below the -40 mV threshold
    net = Network(inh)
    net.run(20 * ms, namespace={})
    dt, tau = float(cfg["network.dt"]), float(cfg["inh.tau_m"])
    n = int(round(0.02 / dt))
    factor = (1 - dt / tau) ** n if inh_follows == "euler" else np.exp(-n * dt / tau)
    assert inh.v[0] / brian2.volt == pytest.approx(-60e-3 + 10e-3 * factor, rel=1e-9)
    # the two results differ by more than the tolerance: the test can tell them apart
    assert abs((1 - dt / tau) ** n - np.exp(-n * dt / tau)) * 10e-3 > 1e-6


def _spiking_exc(cfg, times_ms):
    """One excitatory neuron made to spike exactly at the given times."""
    steps = np.zeros(int(1000 * ms / cfg["network.dt"]))
    steps[np.rint(np.asarray(times_ms) / float(cfg["network.dt"] / ms)).astype(int)] = 1
    spike_at = TimedArray(steps, dt=cfg["network.dt"], name="spike_at")
    exc = excitatory_group(cfg, 1, _clock(cfg), threshold="spike_at(t) > 0")
    exc.namespace["spike_at"] = spike_at
    return exc


def test_theta_steps_while_learning_and_is_frozen_otherwise():
    cfg = load_config(None, ["exc.tau_theta=200 ms"])
    times = [10, 30, 50]
    for learning in (1, 0):
        exc = _spiking_exc(cfg, times)
        exc.theta = 20 * mV
        exc.learning = learning
        mon = brian2.SpikeMonitor(exc)
        net = Network(exc, mon)
        net.run(100 * ms, namespace={})
        assert mon.num_spikes == 3
        if learning:
            # Euler steps of dtheta/dt = -theta/tau_theta plus theta_plus per spike.
            dt, tau = 0.5e-3, 0.2
            decay = 1 - dt / tau
            theta = 20e-3
            for step in range(200):
                theta *= decay
                if step * 0.5 in times:
                    theta += 0.05e-3
            assert exc.theta[0] / brian2.volt == pytest.approx(theta, rel=1e-9)
            assert exc.theta[0] < 20 * mV  # decay wins over three small steps here
        else:
            assert exc.theta[0] == 20 * mV


def test_theta_step_is_theta_plus():
    cfg = load_config(None)
    exc = _spiking_exc(cfg, [5])
    exc.theta = 20 * mV
    exc.learning = 1
    net = Network(exc)
    net.run(10 * ms, namespace={})
    # 20 Euler decay steps of dt/tau_theta (steps 0..19); the spike at step 10 adds
    # theta_plus after that step's update, so it decays in steps 11..19 only
    decay = 1 - 0.5 / 1e7
    expected = 20e-3 * decay**20 + 0.05e-3 * decay**9
    assert exc.theta[0] / brian2.volt == pytest.approx(expected, rel=1e-12)


def _pairing(cfg, pre_ms, post_ms, w0=0.5, learning=1):
    """One input -> one excitatory synapse, zero delay, spikes at the given times."""
    clock = _clock(cfg)
    dt = float(cfg["network.dt"])
    n = int(0.2 / dt)
    pre_steps = np.zeros((n, 1))
    pre_steps[np.rint(np.asarray(pre_ms) / (dt * 1e3)).astype(int), 0] = 1
    # The input neuron's trace and reset, with fixed spike times instead of Poisson.
    pre_at = TimedArray(pre_steps, dt=cfg["network.dt"], name="pre_at")
    inp_fixed = NeuronGroup(
        1,
        "dpre/dt = -pre / tau_pre : 1",
        threshold="pre_at(t, i) > 0",
        reset=eq.INPUT_RESET.format(trace="="),
        method="exact",
        clock=clock,
        name="input",
        namespace={"pre_at": pre_at, "tau_pre": cfg["stdp.tau_pre"]},
    )
    exc = _spiking_exc(cfg, post_ms)
    exc.learning = learning
    syn = stdp_synapses(cfg, inp_fixed, exc, clock, n_input=784)
    syn.connect()
    syn.w = w0
    syn.delay = 0 * ms
    net = Network(inp_fixed, exc, syn)
    net.run(200 * ms, namespace={})
    return float(syn.w[0]), exc


@pytest.mark.parametrize("method", ["euler", "exponential_euler"])
def test_triplet_rule_for_post_pre_post(method):
    """post(t0) -> pre(t1) -> post(t2): depression by post1, then triplet potentiation."""
    cfg = load_config(None, [f"network.method={method}"])
    t0, t1, t2 = 10.0, 25.0, 40.0
    w, _ = _pairing(cfg, [t1], [t0, t2])
    nu_pre, nu_post = 1e-4, 1e-2
    dt = 0.5
    if method == "euler":

        def trace(delta, tau):
            return (1 - dt / tau) ** round(delta / dt)

    else:

        def trace(delta, tau):
            return np.exp(-delta / tau)

    # The input's trace uses the exact method in both cases.
    pre_at_t2 = np.exp(-(t2 - t1) / 20.0)
    expected = 0.5 - nu_pre * trace(t1 - t0, 20.0) + nu_post * pre_at_t2 * trace(t2 - t0, 40.0)
    assert w == pytest.approx(expected, rel=1e-12)
    # potentiation dominates for this pairing
    assert w > 0.5


def test_a_single_pre_post_pair_does_not_potentiate():
    """The triplet term needs an earlier postsynaptic spike (post2 is 0 before)."""
    cfg = load_config(None, ["network.method=exponential_euler"])
    w, _ = _pairing(cfg, [10.0], [20.0])
    assert w == 0.5


def test_post_pre_depresses_by_nu_pre_times_post1():
    cfg = load_config(None, ["network.method=exponential_euler"])
    w, _ = _pairing(cfg, [30.0], [10.0])
    assert w == pytest.approx(0.5 - 1e-4 * np.exp(-20.0 / 20.0), rel=1e-12)


def test_weights_are_clipped_to_w_max_and_zero():
    cfg = load_config(None, ["network.method=exponential_euler", "stdp.nu_post=10.0"])
    w, _ = _pairing(cfg, [25.0], [10.0, 40.0], w0=0.9)
    assert w == 1.0
    cfg = load_config(None, ["network.method=exponential_euler", "stdp.nu_pre=10.0"])
    w, _ = _pairing(cfg, [30.0], [10.0], w0=0.01)
    assert w == 0.0


def test_no_weight_change_when_learning_is_off():
    cfg = load_config(None, ["network.method=exponential_euler"])
    w_on, _ = _pairing(cfg, [25.0], [10.0, 40.0], learning=1)
    w_off, _ = _pairing(cfg, [25.0], [10.0, 40.0], learning=0)
    assert w_on != 0.5
    assert w_off == 0.5


def _poisson(cfg):
    clock = _clock(cfg)
    controller = controller_group(cfg, clock)
    stim = TimedArray(np.ones((1, 50)), dt=1 * second, name="stim")
    inp = input_group(cfg, 50, controller, stim, clock)
    mon = brian2.SpikeMonitor(inp)
    net = Network(inp, mon)
    # the controller starts the first example at t = 0 with the rate max_rate
    controller.k = -1
    controller.nspk = cfg["encoding.min_spikes"]
    controller.n_valid = 1
    net.add(controller)
    return net, mon


GENERATORS = ["encoding.generator=bernoulli", "encoding.generator=geometric"]


@pytest.mark.parametrize("generator", GENERATORS)
def test_poisson_input_at_rate_zero_never_fires(generator):
    cfg = load_config(None, ["encoding.max_rate=0 Hz", "encoding.retry_rate_step=0 Hz", generator])
    net, mon = _poisson(cfg)
    net.run(100 * ms, namespace={})
    assert mon.num_spikes == 0


@pytest.mark.parametrize("generator", GENERATORS)
def test_poisson_input_at_one_over_dt_fires_every_step_of_the_presentation(generator):
    rate = 1 / (0.5 * ms)
    cfg = load_config(
        None,
        [f"encoding.max_rate={float(rate / Hz)} Hz", "encoding.retry_rate_step=0 Hz", generator],
    )
    net, mon = _poisson(cfg)
    net.run(500 * ms, namespace={})
    # 350 ms presentation = 700 steps per neuron, then silence during the rest
    assert mon.num_spikes == 50 * 700
    assert float(np.max(mon.t_)) < 0.350


@pytest.mark.parametrize("generator", GENERATORS)
def test_poisson_input_counts_and_intervals_match_the_bernoulli_process(generator):
    """Both generators are a Bernoulli process with p = rate * dt per step.

    Over 4 cycles x 50 inputs x 700 presentation steps at p = 0.05: the
    count per presentation is Binomial(700, p) (mean 35, variance 33.25), the
    interval between spikes within a presentation geometric (P(1 step) = p),
    and nothing fires in the rest.
    """
    p = 0.05
    rate = p / (0.5 * ms)
    cfg = load_config(
        None,
        [f"encoding.max_rate={float(rate / Hz)} Hz", "encoding.retry_rate_step=0 Hz", generator],
    )
    brian2.seed(3)
    net, mon = _poisson(cfg)
    net.run(4 * 500 * ms, namespace={})
    steps = np.round(np.asarray(mon.t_) / 0.0005).astype(int)
    cycle, within = steps // 1000, steps % 1000
    assert within.max() < 700  # the rest is silent
    counts = np.zeros((4, 50))
    np.add.at(counts, (cycle, np.asarray(mon.i)), 1)
    n = counts.size
    # mean within 4 standard errors, variance within 25 % (SE of s^2 ~ 10 % here)
    assert abs(counts.mean() - 700 * p) < 4 * np.sqrt(700 * p * (1 - p) / n)
    assert abs(counts.var(ddof=1) / (700 * p * (1 - p)) - 1) < 0.25
    # one-step intervals: fraction p of the gaps (geometric waiting time)
    gaps = []
    for c in range(4):
        for i in range(50):
            sel = (cycle == c) & (np.asarray(mon.i) == i)
            gaps.append(np.diff(np.sort(within[sel])))
    gaps = np.concatenate(gaps)
    assert gaps.min() >= 1
    share = np.mean(gaps == 1)
    assert abs(share - p) < 4 * np.sqrt(p * (1 - p) / gaps.size)
    assert abs(gaps.mean() - 1 / p) < 4 * np.sqrt((1 - p) / p**2 / gaps.size)


@pytest.mark.parametrize("norm", ["l1", "l2"])
def test_normalisation_sets_every_column_sum(norm):
    """One learning cycle scales each neuron's weights to the target sum or length."""
    total = {"l1": 3.5, "l2": 1.0}[norm]  # weights of about 0.2 either way, below w_max
    cfg = load_config(
        None,
        [
            "network.n_exc=7",
            "engine.chunk_cycles=1",
            f"normalization.total={total}",
            f"normalization.norm={norm}",
        ],
    )
    built = build_network(cfg, n_input=16, chunk_cycles=1)
    rng = np.random.default_rng(0)
    w = rng.uniform(0, 0.3, size=16 * 7)
    built.input_to_exc.w = w
    built.exc.wsum = w.reshape(16, 7).sum(axis=0)
    built.input_to_exc.delay = 0 * ms
    built.controller.learning = 1
    built.controller.k = -1
    built.controller.nspk = 5
    built.controller.n_valid = 1
    built.net.run(cfg["network.dt"], namespace={})
    after = np.asarray(built.input_to_exc.w[:]).reshape(16, 7)
    before = w.reshape(16, 7)
    size = {"l1": lambda m: m.sum(axis=0), "l2": lambda m: np.sqrt((m**2).sum(axis=0))}[norm]
    np.testing.assert_allclose(size(after), total, rtol=1e-12)
    # the relative weights within a column are kept
    np.testing.assert_allclose(
        after / before, np.broadcast_to(total / size(before), (16, 7)), rtol=1e-12
    )
    # the running sums follow the weights (the sum normalisation reads them next cycle)
    np.testing.assert_allclose(built.exc.wsum[:], after.sum(axis=0), rtol=1e-12)


@pytest.mark.parametrize("norm", ["l1", "l2"])
def test_no_normalisation_while_frozen(norm):
    cfg = load_config(
        None, ["network.n_exc=7", "normalization.total=3.5", f"normalization.norm={norm}"]
    )
    built = build_network(cfg, n_input=16, chunk_cycles=1)
    w = np.linspace(0.01, 0.3, 16 * 7)
    built.input_to_exc.w = w
    built.exc.wsum = w.reshape(16, 7).sum(axis=0)
    built.input_to_exc.delay = 0 * ms
    built.controller.learning = 0
    built.controller.k = -1
    built.controller.nspk = 5
    built.controller.n_valid = 1
    built.net.run(cfg["network.dt"], namespace={})
    np.testing.assert_array_equal(built.input_to_exc.w[:], w)


@pytest.mark.parametrize("reset", [True, False])
def test_reset_state_sets_rest_values_at_the_start_of_a_cycle(reset):
    cfg = load_config(None, ["network.n_exc=3", f"protocol.reset_state={str(reset).lower()}"])
    built = build_network(cfg, n_input=4, chunk_cycles=1)
    built.input_to_exc.delay = 0 * ms
    built.controller.learning = 1
    built.controller.k = -1
    built.controller.nspk = 5
    built.controller.n_valid = 0  # nothing shown: no input, only the reset acts
    exc, inh = built.exc, built.inh
    exc.v = -55 * mV
    exc.ge, exc.gi, exc.post1, exc.post2 = 0.5, 0.25, 0.75, 0.5
    exc.theta = 20 * mV
    exc.wsum = 1.0
    inh.v = -50 * mV
    inh.ge, inh.gi = 0.5, 0.25
    built.input.pre = 0.5
    built.net.run(cfg["network.dt"], namespace={})
    at_rest = [
        np.allclose(exc.v_[:], float(cfg["exc.v_rest"])),
        np.all(exc.ge[:] == 0),
        np.all(exc.gi[:] == 0),
        np.all(exc.post1[:] == 0),
        np.all(exc.post2[:] == 0),
        np.allclose(inh.v_[:], float(cfg["inh.v_rest"])),
        np.all(inh.ge[:] == 0),
        np.all(inh.gi[:] == 0),
        np.all(built.input.pre[:] == 0),
    ]
    assert all(at_rest) if reset else not any(at_rest)
    # theta is kept (and, with nothing shown, learning is off: it does not even decay)
    np.testing.assert_array_equal(exc.theta_[:], 0.020)
