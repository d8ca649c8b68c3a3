"""The neuron models of `stdp.models` against what is known about them.

Single neurons in Brian2's runtime mode (numpy code, no compiler), driven by
constant inputs: closed-form firing periods (IF, LIF, SRM0), the published
firing patterns of Izhikevich (2003) and of AdEx (Naud et al. 2008), the
Hodgkin-Huxley action potential and its onset of repetitive firing; then the
refusals of combinations that make no sense, and every model built into the
network.
"""

from __future__ import annotations

import math

import brian2
import numpy as np
import pytest
from brian2 import Network, SpikeMonitor, StateMonitor, TimedArray, mS, ms, mV, nS, pA, pF, uA

from stdp import models
from stdp.cli import main
from stdp.config import load_config
from stdp.errors import ConfigError
from stdp.network import excitatory_group, state_variables, validate_model


@pytest.fixture(autouse=True)
def numpy_runtime():
    """Runtime device with numpy code for every test here (no compiler needed)."""
    previous = brian2.prefs.codegen.target
    brian2.set_device("runtime")
    brian2.prefs.codegen.target = "numpy"
    yield
    brian2.prefs.codegen.target = previous


def spike_trains(group, duration, *monitored: str) -> tuple[list[np.ndarray], StateMonitor | None]:
    """Run ``group`` alone for ``duration``; its spike times (ms) per neuron, and a monitor."""
    spikes = SpikeMonitor(group)
    states = StateMonitor(group, list(monitored), record=True) if monitored else None
    Network(group, spikes, *([states] if states is not None else [])).run(duration, namespace={})
    trains = spikes.spike_trains()
    return [np.asarray(trains[i] / ms) for i in range(len(group))], states


def lif_params(**changes) -> dict:
    """The namespace of the network's excitatory neuron (defaults of the schema)."""
    cfg = load_config(None, [f"exc.model={changes.pop('model', 'lif_current')}"])
    params = models.model_namespace(cfg, "exc")
    params.update(changes)
    return params


def test_non_leaky_if_period_is_c_theta_over_i():
    """Non-leaky IF: C dv/dt = I fires every T = C (v_thresh - v_reset) / I."""
    c, g_l = 200 * pF, 10 * nS  # tau_m = C / g_L = 20 ms
    params = lif_params(model="if", tau_m=c / g_l)
    currents = np.array([60.0, 110.0, 270.0]) * pA  # T = 43.3, 23.6, 9.6 ms
    dt = 0.1 * ms
    group = models.single_neuron("if", len(currents), params, dt=dt)
    group.V_ext = currents / g_l
    trains, _ = spike_trains(group, 500 * ms)
    theta = params["v_thresh"] - params["v_reset"]
    for current, train in zip(currents, trains, strict=True):
        period = float(c * theta / current / ms)
        steps = math.ceil(period / float(dt / ms) - 1e-9)  # the first step past the crossing
        assert len(train) >= 2
        np.testing.assert_allclose(np.diff(train), steps * float(dt / ms), atol=1e-6)


def lif_period(v_inf: float, tau: float, v_reset: float, v_thresh: float) -> float:
    """Time from v_reset to v_thresh of dv/dt = (v_inf - v) / tau (infinite if never)."""
    return tau * math.log((v_inf - v_reset) / (v_inf - v_thresh)) if v_inf > v_thresh else math.inf


def test_network_lif_f_i_curve_matches_closed_form():
    """The network's own excitatory neuron under a held conductance ge, against the closed form.

    tau_m dv/dt = (v_rest - v) + ge (E_exc - v) relaxes to v_inf = (v_rest + ge E_exc) /
    (1 + ge) in tau_m / (1 + ge); exponential Euler is exact for it, so each interval is the
    closed-form time rounded up to the next step.
    """
    cfg = load_config(None, ["network.method=exponential_euler", "exc.refractory=0 ms"])
    conductances = np.array([0.1, 0.3, 0.5, 1.0, 2.0])
    clock = brian2.Clock(dt=cfg["network.dt"], name="clock")
    exc = excitatory_group(cfg, len(conductances), clock)
    exc.v = cfg["exc.v_rest"]
    exc.theta = cfg["exc.theta_init"]
    exc.learning = 0
    exc.namespace["g_in"] = TimedArray(conductances[None, :], dt=1 * brian2.second)
    exc.run_regularly("ge = g_in(t, i)", when="start", name="hold_ge")
    trains, _ = spike_trains(exc, 600 * ms)
    dt = float(cfg["network.dt"] / ms)
    v_rest, e_exc = float(cfg["exc.v_rest"] / mV), float(cfg["exc.E_exc"] / mV)
    v_reset, v_thresh = float(cfg["exc.v_reset"] / mV), float(cfg["exc.v_thresh"] / mV)
    tau = float(cfg["exc.tau_m"] / ms)
    for ge, train in zip(conductances, trains, strict=True):
        period = lif_period((v_rest + ge * e_exc) / (1 + ge), tau / (1 + ge), v_reset, v_thresh)
        if math.isinf(period):
            assert len(train) == 0, f"ge={ge}: below rheobase (ge = 13/52) but fired"
            continue
        assert len(train) >= 3
        np.testing.assert_allclose(np.diff(train), math.ceil(period / dt) * dt, atol=1e-6)


def test_current_lif_and_srm0_closed_form_and_equivalence():
    """Current-based LIF, and SRM0 with tau_eta = tau_m, eta_0 = v_thresh - v_reset.

    SRM0's kernels are the impulse responses of the LIF's two linear ODEs, so with these
    kernels SRM0 is the LIF with reset by subtraction: the same intervals as the closed form
    T = tau_m ln(V / (V - (v_thresh - v_reset))), within one time step.
    """
    dt = 0.1 * ms
    drives = np.array([14.0, 20.0, 40.0]) * mV
    params = lif_params(model="srm0")
    theta = float((params["v_thresh"] - params["v_reset"]) / mV)
    tau = float(params["tau_m"] / ms)
    assert params["tau_eta"] == params["tau_m"] and float(params["eta_0"] / mV) == pytest.approx(
        theta
    )
    periods = [lif_period(float(v / mV), tau, 0.0, theta) for v in drives]
    results = {}
    for name in ("lif_current", "srm0"):
        group = models.single_neuron(name, len(drives), params, dt=dt, method="exponential_euler")
        group.V_ext = drives
        results[name], _ = spike_trains(group, 2 * brian2.second)
    for k, period in enumerate(periods):
        lif, srm = (np.diff(results[name][k]) for name in ("lif_current", "srm0"))
        step = float(dt / ms)
        np.testing.assert_allclose(lif, math.ceil(period / step) * step, atol=1e-6)
        assert np.all(np.abs(srm - period) <= step + 1e-9), (period, srm)


def izhikevich_params(types: list[str]) -> dict:
    table = np.array([models.IZHIKEVICH_TYPES[t] for t in types])
    return {
        "a": table[:, 0] / ms,
        "b": table[:, 1],
        "c": table[:, 2] * mV,
        "d": table[:, 3] * mV,
        "v_peak": 30 * mV,
        "tau_izh": 1 * ms,  # Izhikevich's (2003) time unit
        "v_thresh": -52 * mV,  # only shifts the quadratic in the excitatory layer
        "E_inh": -100 * mV,  # inhibition stops there (none here)
    }


def test_izhikevich_published_firing_patterns():
    """Izhikevich (2003) Fig. 2 at I = 10: RS adapts, CH bursts, FS fires fast and steadily."""
    types = ["RS", "CH", "FS"]
    group = models.single_neuron("izhikevich", 3, izhikevich_params(types), dt=0.1 * ms)
    group.V_ext = 10 * mV
    trains, _ = spike_trains(group, 300 * ms)
    rs, ch, fs = (np.diff(t) for t in trains)
    # regular spiking: spike-frequency adaptation, then tonic firing
    assert rs[-1] > 1.5 * rs[0] and np.all(np.diff(rs) >= -1e-6)
    # chattering: short intra-burst intervals and long pauses between bursts
    assert ch.min() < 3.0 and ch.max() > 40.0
    assert np.sum(ch > 20.0) >= 3 and np.sum(ch < 6.0) >= 3 * np.sum(ch > 20.0)
    # fast spiking: several times the RS rate, steady intervals
    assert len(trains[2]) > 4 * len(trains[0])
    late = fs[len(fs) // 2 :]
    assert late.std() / late.mean() < 0.05


def test_izhikevich_time_scale_stretches_time():
    """tau_izh slows v alone: with a / s as well, tau_izh = s ms is the 2003 neuron s times slower.

    Forward Euler with the step also s times longer takes the same steps, so every spike
    time is s times the 2003 neuron's (RS and CH patterns at I = 10).
    """
    scale = 10.0
    trains = []
    for tau, dt, factor in ((1 * ms, 0.1 * ms, 1.0), (scale * ms, scale * 0.1 * ms, scale)):
        params = izhikevich_params(["RS", "CH"])
        params.update(tau_izh=tau, a=params["a"] / factor)
        group = models.single_neuron("izhikevich", 2, params, dt=dt)
        group.V_ext = 10 * mV
        trains.append(spike_trains(group, factor * 300 * ms)[0])
    for fast, slow in zip(*trains, strict=True):
        assert len(fast) >= 5 and len(slow) == len(fast)
        np.testing.assert_allclose(slow, scale * fast, atol=scale * 0.1 + 1e-6)


def test_izhikevich_inhibition_stops_at_e_inh():
    """A forward Euler step under strong inhibition takes v to E_inh, never below it.

    Below E_inh the quadratic grows again, and a step far below it would throw v past
    v_peak (a spurious spike) or diverge; a conductance would stop at E_inh.
    """
    params = izhikevich_params(["RS", "RS"])
    params["tau_izh"] = np.array([1.0, 10.0]) * ms
    group = models.single_neuron("izhikevich", 2, params, dt=0.5 * ms)
    group.V_ext = -5000 * mV  # one step alone would carry v to -2.5 V and -0.3 V
    trains, states = spike_trains(group, 20 * ms, "v")
    assert all(len(train) == 0 for train in trains)
    v = states.v / mV
    assert v.min() >= -100 - 1e-9
    np.testing.assert_allclose(v[:, -1], -100, atol=1e-9)


def test_adex_published_firing_patterns():
    """Naud et al. (2008) Table 1: tonic, adapting and bursting AdEx neurons."""
    names = ["tonic", "adapting", "bursting"]
    table = np.array([models.ADEX_PATTERNS[name] for name in names])
    c, g_l, e_l, v_t, delta_t, a, tau_w, b, v_r, current = table.T
    params = {
        "tau_m": c * pF / (g_l * nS),
        "v_rest": e_l * mV,
        "v_thresh": v_t * mV,
        "Delta_T": delta_t * mV,
        "a_w": a / g_l,
        "tau_w": tau_w * ms,
        "b_w": b * pA / (g_l * nS),
        "v_reset": v_r * mV,
        "v_peak": 0 * mV,
    }
    group = models.single_neuron("adex", 3, params, dt=0.1 * ms)
    group.V_ext = current * pA / (g_l * nS)
    trains, _ = spike_trains(group, 500 * ms)
    tonic, adapting, bursting = (np.diff(t) for t in trains)
    assert tonic.max() / tonic.min() < 1.2  # regular from the start
    assert adapting[-1] > 3 * adapting[0] and np.all(np.diff(adapting) > 0)
    # bursts: doublets separated by long pauses
    late = bursting[2:]
    assert late.min() < 10.0 and late.max() > 100.0
    assert np.all((late < 10.0) | (late > 100.0))


def test_hodgkin_huxley_spike_amplitude_and_thresholds():
    """HH at 6.3 C: the spike peaks near +40 mV, about 100 mV above rest; a long step of
    2 uA/cm^2 stays subthreshold and 2.5 uA/cm^2 fires; repetitive firing starts between 6
    and 6.5 uA/cm^2 (about 6.2, Rinzel & Miller 1980), at a rate of about 50 Hz or more.
    """
    currents = np.array([2.0, 2.5, 6.0, 6.5]) * uA  # per cm^2 of membrane
    group = models.hh_neuron(len(currents), dt=0.025 * ms)
    group.V_ext = currents / (0.3 * mS)
    trains, states = spike_trains(group, 150 * ms, "v")
    v = states.v / mV
    assert abs(v[0, -1] + 65) < 2.0  # rest
    assert len(trains[0]) == 0 and v[0].max() < -50
    assert len(trains[1]) >= 1
    peak = v[1].max()
    assert 30 < peak < 50 and 90 < peak - v[1, 0] < 115
    assert np.sum(trains[2] > 50) == 0  # one spike at the onset, then damped oscillations
    late = trains[3][trains[3] > 50]
    assert len(late) >= 5  # 100 ms of tonic firing at >= 50 Hz


@pytest.mark.parametrize(
    "overrides, message",
    [
        (["exc.model=hh"], "needs network.dt <= 0.025 ms"),
        (["exc.model=hh", "network.dt=0.025 ms", "protocol.presentation=350 ms"], "theta_plus"),
        (['network.method="exponential_euler"', "exc.model=adex"], "not linear in v"),
        (["inh.model=srm0"], "inh.clamp_refractory = false"),
    ],
)
def test_refusals_name_the_reason(overrides, message):
    with pytest.raises(ConfigError, match=message) as info:
        load_config(None, overrides)
    assert "\n" not in str(info.value)


def test_cli_refuses_hh_network_with_exit_2(capsys):
    assert main(["describe", "experiments/digits.toml", "--set", "exc.model=hh"]) == 2
    err = capsys.readouterr().err
    assert "exc.model" in err and "network.dt" in err and "Traceback" not in err


@pytest.mark.parametrize("name", [m for m in models.MODELS if m != "lif"])
def test_every_model_builds_into_the_network(name):
    """Each model as excitatory and inhibitory layer: the strings build, units included,
    and the state the engine carries between chunks is the model's own."""
    sets = [f"exc.model={name}", f"inh.model={name}"]
    if name in ("srm0", "hh"):
        sets.append("inh.clamp_refractory=false")
    if name in ("if", "adex", "izhikevich", "hh"):
        sets.append("network.method=euler")
    if name == "hh":
        sets += ["network.dt=0.025 ms", "exc.theta_plus=0 mV"]
    cfg = load_config(None, sets)
    validate_model(cfg, 16)
    variables = state_variables(cfg)
    for var in models.MODELS[name].state:
        assert var in variables["exc"] and var in variables["inh"]
    assert ("v" in variables["exc"]) == (name != "srm0")


def test_describe_prints_every_model():
    """``stdp describe`` shows every model's code, and the chosen model's parameters."""
    from stdp.describe import describe

    text = describe(load_config(None, ["exc.model=adex", "network.method=euler"]))
    for name in models.MODELS:
        if name != "lif":
            strings = models.model_strings(name, "exc", clamp=False)
            assert f"### `{name}`" in text
            assert strings["model"].strip() in text and strings["reset"] in text
    for symbol in models.MODELS["adex"].params:
        assert f"| exc | `{symbol}` |" in text  # the symbols table names its source
    assert "`exc.adex.b_w`" in text


@pytest.mark.parametrize("name", ["adex", "izhikevich"])
def test_models_cut_at_a_peak_hold_v_while_refractory(name):
    """Without the clamp, input in the refractory period lets v run away past v_peak."""
    strings = models.model_strings(name, "exc", clamp=False)
    assert "(unless refractory)" in strings["model"].splitlines()[0]
    assert (
        "(unless refractory)"
        not in models.model_strings("lif_current", "exc", clamp=False)["model"]
    )
