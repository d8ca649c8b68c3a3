"""Neuron models to choose from (``exc.model``, ``inh.model``), as Brian2 equation strings.

The network's default neuron is Diehl & Cook's conductance-based leaky
integrate-and-fire neuron (``lif``, `stdp.equations.EXC_EQUATIONS`). This
module adds the classic alternatives, each written as readable Brian2 code
with its own parameters (section ``exc.<model>`` / ``inh.<model>`` of
`stdp.schema.SCHEMA`, with units, ranges and sources):

==============  ==============================================================
``if``          non-leaky integrate-and-fire, current-based synapses
``lif_current`` leaky integrate-and-fire, current-based synapses
``lif``         leaky integrate-and-fire, conductance-based synapses (default)
``alif``        adaptive LIF: a threshold adaptation ``a`` that jumps at each
                spike and decays in tau_a (Bellec et al. 2018), current-based
``adex``        adaptive exponential integrate-and-fire (Brette & Gerstner
                2005), current-based
``izhikevich``  Izhikevich (2003) quadratic model with recovery variable u,
                current-based (as in his network of 2003)
``srm0``        spike response model SRM0 (Gerstner & Kistler 2002): the
                potential is a sum of kernels, here written as the two ODEs
                whose impulse responses they are; current-based
``hh``          Hodgkin & Huxley (1952) squid axon; needs a time step of at
                most `HH_MAX_DT` (single-neuron lessons, or a network with a
                small ``network.dt``)
==============  ==============================================================

How the synaptic input enters
-----------------------------
All models share the network's synapses: an input spike adds the weight
``w`` to ``ge``, an inhibitory spike adds to ``gi``, both decaying as in the
default model (tau_ge, tau_gi), in units of the leak conductance g_L. Each
model reads them through ``V_syn``, the synaptic current times 1/g_L (a
voltage), which is either

- conductance-based: ``V_syn = ge*(E_exc - v) + gi*(E_inh - v)``, or
- current-based: ``V_syn = ge*(E_exc - v_rest) + gi*(E_inh - v_rest)`` (the
  driving force frozen at rest, so that a weight means about the same in
  both).

Izhikevich's model reads ``V_syn`` as his input ``I`` (in mV), on its own
time scale ``tau_izh`` (1 ms in his 2003 paper): ``tau_izh dv/dt = 0.04 v^2 +
5 v + 140 - u + I``.

In a single-neuron simulation (`single_neuron`) ``V_syn`` is instead a
per-neuron constant ``V_ext = I_ext / g_L``, so that published f-I curves and
firing patterns, given for injected currents, can be reproduced.

The Diehl & Cook additions
--------------------------
In the excitatory layer every model keeps the STDP traces and the adaptive
threshold ``theta`` (it moves the threshold ``v_thresh + theta -
theta_offset``; for AdEx the soft threshold V_T). Izhikevich's model has
no fixed threshold (it emerges from the quadratic; v_peak only cuts the
spike): there theta - theta_offset is a hyperpolarising current ``I_theta``
(in his mV units), which raises the rheobase as theta raises a threshold.
Hodgkin-Huxley makes its spikes itself: with it ``exc.theta_plus`` must be 0
and the config is refused otherwise. Lateral inhibition works with every
model (it adds to ``gi``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import brian2
import numpy as np
from brian2 import NeuronGroup, ms, mV, volt

from . import equations as eq
from .errors import ConfigError

__all__ = [
    "MODELS",
    "Model",
    "HH_MAX_DT",
    "IZHIKEVICH_TYPES",
    "ADEX_PATTERNS",
    "check_models",
    "model_strings",
    "model_namespace",
    "extra_state",
    "rest_code",
    "single_neuron",
    "hh_neuron",
]

#: The largest time step at which the Hodgkin-Huxley model is integrated (its
#: sodium activation has a time constant of about 0.1 ms near threshold).
HH_MAX_DT = 0.025 * ms

#: The resting potential of the Hodgkin-Huxley model (with E_leak = -54.387 mV), where its
#: gating variables start (m = 0.0529, h = 0.5961, n = 0.3177).
HH_REST = -65 * mV

#: The synaptic input, conductance-based or current-based (see the module docstring).
V_SYN = {
    "conductance": "V_syn = ge*(E_exc - v) + gi*(E_inh - v) : volt",
    "current": "V_syn = ge*(E_exc - v_rest) + gi*(E_inh - v_rest) : volt",
    "external": "V_syn = V_ext : volt\nV_ext : volt",
}
SYNAPSE_VARIABLES = """
dge/dt = -ge / tau_ge : 1
dgi/dt = -gi / tau_gi : 1
"""
#: What the excitatory layer adds to every model: theta and the STDP bookkeeping.
EXC_ADDITIONS = """
dtheta/dt = -learning * theta / tau_theta : volt
dpost1/dt = -post1 / tau_post1 : 1
dpost2/dt = -post2 / tau_post2 : 1
wsum : 1
learning : 1
learning_now : 1 (linked)
"""
EXC_RESET_ADDITIONS = """
theta += learning * theta_plus
post1 {trace} 1
post2 {trace} 1
"""
#: The firing threshold of the excitatory layer, moved by theta (Diehl & Cook).
EXC_VTH = "(v_thresh + theta - theta_offset)"


@dataclass(frozen=True)
class Model:
    """One neuron model: its Brian2 strings and what it needs.

    ``equations``, ``threshold`` and ``reset`` may contain ``{vth}`` (the
    threshold: ``v_thresh``, or ``v_thresh + theta - theta_offset`` in the
    excitatory layer) and ``{clamp}`` (``(unless refractory)`` when v is
    clamped while refractory).
    """

    title: str
    source: str
    synapses: str  # "conductance" or "current" (or "hh" for Hodgkin-Huxley)
    equations: str
    threshold: str
    reset: str
    #: The model's own parameters: section ``exc.<name>`` of the schema.
    params: tuple[str, ...] = ()
    #: Variables besides v (and the synapses'): ``{name: (unit, initial value code)}``.
    state: dict = field(default_factory=dict)
    #: Code that puts the neuron at rest (``protocol.reset_state``), besides ge = gi = 0.
    rest: str = "v = v_rest"
    #: Whether the Diehl & Cook adaptive threshold can move this model's threshold.
    theta: bool = True
    #: Whether v is a state variable that can be clamped while refractory.
    clamp: bool = True
    #: Whether ``network.method = "exponential_euler"`` can integrate it (linear in v).
    linear: bool = True
    #: Whether v is held at its reset value while refractory whatever ``clamp_refractory``
    #: says: a model whose spike is cut at v_peak would otherwise run away to infinity if
    #: input pushed it past its threshold within the refractory period.
    always_clamp: bool = False


MODELS: dict[str, Model] = {
    "if": Model(
        "non-leaky integrate-and-fire",
        "Lapicque (1907); BindsNET IFNodes (with its lower bound). Period at constant current "
        "I: T = C theta / I. Without a leak nothing brings v back up after inhibition, so v "
        "stops at E_inh, where a conductance-based synapse would stop it",
        "current",
        "dv/dt = int(v > E_inh or V_syn > 0*mV) * V_syn / tau_m : volt {clamp}",
        "v > {vth}",
        "v = v_reset",
        linear=False,
    ),
    "lif_current": Model(
        "leaky integrate-and-fire, current-based synapses",
        "Gerstner et al. (2014) Neuronal Dynamics, ch. 1; BindsNET CurrentLIFNodes",
        "current",
        "dv/dt = (v_rest - v + V_syn) / tau_m : volt {clamp}",
        "v > {vth}",
        "v = v_reset",
    ),
    "lif": Model(
        "leaky integrate-and-fire, conductance-based synapses (Diehl & Cook 2015)",
        "Diehl & Cook (2015) eq. 1-2 and their code",
        "conductance",
        "dv/dt = (v_rest - v + V_syn) / tau_m : volt {clamp}",
        "v > {vth}",
        "v = v_reset",
    ),
    "alif": Model(
        "adaptive LIF (threshold adaptation, ALIF/LSNN)",
        "Bellec et al. (2018) Long short-term memory and learning-to-learn in networks of "
        "spiking neurons, NeurIPS: threshold b0 + beta a, a decays in tau_a, +1 per spike",
        "current",
        """
dv/dt = (v_rest - v + V_syn) / tau_m : volt {clamp}
da/dt = -a / tau_a : 1
""",
        "v > {vth} + beta_a * a",
        "v = v_reset\na += 1",
        params=("tau_a", "beta_a"),
        state={"a": (1, "0")},
        rest="v = v_rest\na = 0",
    ),
    "adex": Model(
        "adaptive exponential integrate-and-fire (AdEx)",
        "Brette & Gerstner (2005) J. Neurophysiol. 94:3637; firing patterns: Naud et al. "
        "(2008) Biol. Cybern. 99:335. Written divided by g_L: a_w = a/g_L, w_ad = w/g_L. "
        "Current-based synapses: forward Euler (the exponential is not linear in v) is "
        "unstable with the conductance of the network's strong inhibition",
        "current",
        """
dv/dt = (v_rest - v + Delta_T * exp((v - V_T) / Delta_T) - w_ad + V_syn) / tau_m : volt {clamp}
dw_ad/dt = (a_w * (v - v_rest) - w_ad) / tau_w : volt
V_T = {vth} : volt
""",
        "v > v_peak",
        "v = v_reset\nw_ad += b_w",
        params=("a_w", "b_w", "tau_w", "Delta_T", "v_peak"),
        state={"w_ad": (volt, "0 * mV")},
        rest="v = v_rest\nw_ad = 0 * mV",
        linear=False,
        always_clamp=True,
    ),
    "izhikevich": Model(
        "Izhikevich (2003) simple model",
        "Izhikevich (2003) IEEE Trans. Neural Netw. 14:1569, eq. 1-3 and Fig. 2 "
        "(v and I in mV; time in units of tau_izh, 1 ms there; a longer tau_izh slows v alone, "
        "as the capacitance C of Izhikevich (2007) ch. 8 does); current-based synapses as in his "
        "network, whose input stops at E_inh as a conductance's would: a (forward Euler) step "
        "that would carry v below E_inh ends there (v_step), since below it the quadratic "
        "grows again and throws v past v_peak or diverges",
        "current",
        """
dv/dt = (I_izh + I_syn) / tau_izh : volt {clamp}
du/dt = a * (b * v - u) : volt
I_izh = 0.04 / mV * v**2 + 5 * v + 140 * mV - u - I_theta : volt
I_theta = {vth} - v_thresh : volt
v_step = v + (I_izh + V_syn) * dt / tau_izh : volt
I_syn = V_syn + int(v_step < E_inh) * (E_inh - v_step) * tau_izh / dt : volt
""",
        "v >= v_peak",
        "v = c\nu += d",
        params=("a", "b", "c", "d", "v_peak", "tau_izh"),
        state={"u": (volt, "b * c")},
        rest="v = c\nu = b * c",
        linear=False,
        always_clamp=True,
    ),
    "srm0": Model(
        "spike response model SRM0",
        "Gerstner & Kistler (2002) Spiking Neuron Models, sec. 4.2.3; BindsNET SRM0Nodes. "
        "v = v_rest + eps * input + sum of eta(t - t_spike), the kernels written as ODEs",
        "current",
        """
dh/dt = (V_syn - h) / tau_m : volt
deta/dt = -eta / tau_eta : volt
v = v_rest + h + eta : volt
""",
        "v > {vth}",
        "eta -= eta_0 + {vth} - v_thresh",
        params=("tau_eta", "eta_0"),
        state={"h": (volt, "v_init - v_rest"), "eta": (volt, "0 * mV")},
        rest="h = 0 * mV\neta = 0 * mV",
        clamp=False,
    ),
    "hh": Model(
        "Hodgkin-Huxley (1952) squid giant axon",
        "Hodgkin & Huxley (1952) J. Physiol. 117:500, with the rest at -65 mV (as in Gerstner "
        "et al. 2014, ch. 2); conductances per unit area",
        "hh",
        """
dv/dt = (g_leak * (E_leak - v) + g_Na * m**3 * h * (E_Na - v) + g_K * n**4 * (E_K - v)
         + g_leak * V_syn) / C_m : volt
dm/dt = alpha_m * (1 - m) - beta_m * m : 1
dh/dt = alpha_h * (1 - h) - beta_h * h : 1
dn/dt = alpha_n * (1 - n) - beta_n * n : 1
alpha_m = 1 / exprel(-(v + 40*mV) / (10*mV)) / ms : Hz
beta_m = 4 * exp(-(v + 65*mV) / (18*mV)) / ms : Hz
alpha_h = 0.07 * exp(-(v + 65*mV) / (20*mV)) / ms : Hz
beta_h = 1 / (1 + exp(-(v + 35*mV) / (10*mV))) / ms : Hz
alpha_n = 0.1 / exprel(-(v + 55*mV) / (10*mV)) / ms : Hz
beta_n = 0.125 * exp(-(v + 65*mV) / (80*mV)) / ms : Hz
""",
        "v > v_spike",
        "",
        params=("C_m", "g_Na", "g_K", "g_leak", "E_Na", "E_K", "E_leak", "v_spike"),
        state={"m": (1, "0.0529"), "h": (1, "0.5961"), "n": (1, "0.3177")},
        rest="v = -65 * mV\nm = 0.0529\nh = 0.5961\nn = 0.3177",
        theta=False,
        clamp=False,
    ),
}

#: Izhikevich (2003), Fig. 2: (a [1/ms], b, c [mV], d [mV]) of the cortical cell types.
IZHIKEVICH_TYPES: dict[str, tuple[float, float, float, float]] = {
    "RS": (0.02, 0.2, -65.0, 8.0),  # regular spiking: spike-frequency adaptation
    "IB": (0.02, 0.2, -55.0, 4.0),  # intrinsically bursting: a burst, then tonic spikes
    "CH": (0.02, 0.2, -50.0, 2.0),  # chattering: repetitive bursts
    "FS": (0.1, 0.2, -65.0, 2.0),  # fast spiking: high rate, no adaptation
    "LTS": (0.02, 0.25, -65.0, 2.0),  # low-threshold spiking
    "TC": (0.02, 0.25, -65.0, 0.05),  # thalamo-cortical
    "RZ": (0.1, 0.26, -65.0, 2.0),  # resonator
}

#: Naud et al. (2008), Table 1: (C [pF], g_L [nS], E_L [mV], V_T [mV], Delta_T [mV],
#: a [nS], tau_w [ms], b [pA], V_r [mV], I [pA]) of the AdEx firing patterns.
ADEX_PATTERNS: dict[str, tuple[float, ...]] = {
    "tonic": (200, 10, -70, -50, 2, 2, 30, 0, -58, 500),
    "adapting": (200, 12, -70, -50, 2, 2, 300, 60, -58, 500),
    "initial_burst": (130, 18, -58, -50, 2, 4, 150, 120, -50, 400),
    "bursting": (200, 10, -58, -50, 2, 2, 120, 100, -46, 210),
    "irregular": (100, 12, -60, -50, 2, -11, 130, 30, -48, 160),
    "transient": (100, 10, -65, -50, 2, 10, 90, 100, -47, 180),
    "delayed_accelerating": (200, 12, -70, -50, 2, -10, 300, 0, -58, 300),
}


def _synapse_lines(model: Model, drive: str) -> str:
    if model.synapses == "hh":  # conductance-based, in units of the HH leak
        kind = "conductance" if drive == "network" else "external"
    else:
        kind = model.synapses if drive == "network" else "external"
    return V_SYN[kind] + ("\n" + SYNAPSE_VARIABLES.strip() if drive == "network" else "")


def model_strings(
    name: str, role: str, *, clamp: bool, trace_update: str = "set", drive: str = "network"
) -> dict[str, str]:
    """The ``model``, ``threshold`` and ``reset`` strings of model ``name`` in layer ``role``.

    Parameters
    ----------
    name : str
        A key of `MODELS` (not ``"lif"`` in the network, which uses
        `stdp.equations.EXC_EQUATIONS` unchanged).
    role : {"exc", "inh", "single"}
        The excitatory layer (adaptive threshold and STDP traces added), the
        inhibitory layer, or a lone neuron driven by ``V_ext``.
    clamp : bool
        Whether v is held while refractory (``(unless refractory)``).
    trace_update : {"set", "add"}
        How a spike updates the STDP traces (excitatory layer).
    drive : {"network", "external"}
        Synaptic conductances or a constant ``V_ext`` per neuron.
    """
    model = MODELS[name]
    vth = EXC_VTH if role == "exc" else "v_thresh"
    clamped = (clamp or model.always_clamp) and model.clamp and role != "single"
    fill = {"vth": vth, "clamp": "(unless refractory)" if clamped else ""}
    equations = model.equations.format(**fill).strip() + "\n" + _synapse_lines(model, drive)
    threshold = model.threshold.format(**fill)
    reset = model.reset.format(**fill)
    if role == "exc":
        equations += "\n" + EXC_ADDITIONS.strip()
        trace = eq.trace_operator(trace_update)
        reset += "\n" + EXC_RESET_ADDITIONS.format(trace=trace)
    equations = "\n".join(line.rstrip() for line in equations.splitlines())
    reset = "\n".join(line for line in reset.splitlines() if line.strip())
    return {"model": equations + "\n", "threshold": threshold, "reset": reset}


def model_namespace(cfg, section: str) -> dict:
    """The parameters of ``cfg[section + ".model"]``, named as in its equations."""
    name = cfg[f"{section}.model"]
    keys = ("v_rest", "v_reset", "v_thresh", "tau_m", "tau_ge", "tau_gi", "E_exc", "E_inh")
    namespace = {key: cfg[f"{section}.{key}"] for key in keys}
    namespace["v_init"] = cfg[f"{section}.v_init"]
    for key in MODELS[name].params:
        namespace[key] = cfg[f"{section}.{name}.{key}"]
    return namespace


def extra_state(cfg, section: str) -> dict[str, brian2.Unit | int]:
    """The model's state variables besides those of the default model: ``{name: unit}``."""
    return {var: unit for var, (unit, _) in MODELS[cfg[f"{section}.model"]].state.items()}


def rest_code(cfg, section: str) -> str:
    """Code that sets a neuron of ``section`` to rest (``protocol.reset_state``)."""
    return MODELS[cfg[f"{section}.model"]].rest + "\nge = 0\ngi = 0"


def initial_values(cfg, section: str) -> dict[str, float]:
    """The initial values (SI) of the model's extra state variables."""
    namespace = {k: v for k, v in model_namespace(cfg, section).items()}
    values = {}
    for var, (_, code) in MODELS[cfg[f"{section}.model"]].state.items():
        values[var] = float(eval(code, {"mV": mV, "__builtins__": {}}, namespace))  # noqa: S307
    return values


def check_models(cfg) -> None:
    """Refuse combinations that make no sense, with one line saying why.

    Raises
    ------
    ConfigError
        Izhikevich or Hodgkin-Huxley with an adaptive threshold
        (``exc.theta_plus > 0``); Hodgkin-Huxley with a time step above
        `HH_MAX_DT`; a nonlinear model with ``exponential_euler``; clamping a
        model whose v is not a state variable.
    """
    for section in ("exc", "inh"):
        name = cfg[f"{section}.model"]
        model = MODELS[name]
        key = f"{section}.model"
        if name == "hh" and float(cfg["network.dt"]) > float(HH_MAX_DT) * (1 + 1e-9):
            raise ConfigError(
                f'{key}: "hh" (Hodgkin-Huxley) needs network.dt <= {float(HH_MAX_DT / ms):g} ms '
                f"(its sodium channels open within about 0.1 ms), got "
                f"{float(cfg['network.dt'] / ms):g} ms"
            )
        if section == "exc" and not model.theta and float(cfg["exc.theta_plus"]) > 0:
            raise ConfigError(
                f'{key}: "{name}" has no firing threshold for the adaptive threshold to move '
                "(its spikes are cut at a peak or made by the model itself); set "
                'exc.theta_plus = "0 mV"'
            )
        method = cfg["network.method"]
        if section == "inh" and cfg["network.inh_method"] != "same":
            method = cfg["network.inh_method"]
        if not model.linear and method == "exponential_euler":
            other = "network.inh_method" if section == "inh" else "network.method"
            raise ConfigError(
                f'{key}: "{name}" is not linear in v, which exponential_euler needs; set '
                f'{other} = "euler" (or "rk2", "rk4")'
            )
        if not model.clamp and cfg[f"{section}.clamp_refractory"]:
            raise ConfigError(
                f'{key}: "{name}" has no v to hold while refractory (its refractoriness is part '
                f"of the model); set {section}.clamp_refractory = false"
            )


def single_neuron(
    name: str,
    n: int,
    params: dict,
    *,
    dt: brian2.Quantity = 0.1 * ms,
    method: str = "euler",
    refractory: brian2.Quantity | str | None = None,
    clock: brian2.Clock | None = None,
) -> NeuronGroup:
    """``n`` lone neurons of model ``name``, each driven by its own constant ``V_ext``.

    Parameters
    ----------
    name : str
        A key of `MODELS`.
    n : int
        Number of neurons. Set ``group.V_ext`` to one drive per neuron: a
        current times 1/g_L (for Izhikevich's model, his ``I`` in mV).
    params : dict
        Every symbol of the model's equations (e.g. from `model_namespace`, or
        a published parameter set). A value given as an array of ``n`` values
        becomes a per-neuron constant, so that one group can hold neurons of
        different parameter sets.
    dt, method : optional
        Time step and integration method.
    refractory : quantity or str, optional
        Default 0 ms; for Hodgkin-Huxley ``"v > v_spike"`` (a spike counts once).

    Returns
    -------
    NeuronGroup
        With v (and the model's other variables) at their initial values.
    """
    strings = model_strings(name, "single", clamp=False, drive="external")
    scalars, arrays = {}, {}
    for key, value in params.items():
        if np.ndim(value) == 1:
            arrays[key] = value
        else:
            scalars[key] = value
    equations = strings["model"] + "".join(
        f"{key} : {brian2.get_unit(brian2.get_dimensions(value))!r} (constant)\n"
        for key, value in arrays.items()
    )
    if refractory is None:
        refractory = "v > v_spike" if name == "hh" else 0 * ms
    group = NeuronGroup(
        n,
        equations,
        threshold=strings["threshold"],
        reset=strings["reset"] or None,
        refractory=refractory,
        method=method,
        clock=clock or brian2.Clock(dt=dt),
        namespace=scalars,
    )
    for key, value in arrays.items():
        setattr(group, key, value)
    model = MODELS[name]
    for var, (_, code) in model.state.items():
        setattr(group, var, "0 * mV" if (name, var) == ("srm0", "h") else code)
    if name == "izhikevich":
        group.v = "c"
        group.u = "b * c"
    elif name == "hh":
        group.v = HH_REST
    elif name != "srm0":
        group.v = "v_rest"
    return group


def hh_neuron(n: int, params: dict | None = None, dt: brian2.Quantity = 0.01 * ms) -> NeuronGroup:
    """``n`` Hodgkin-Huxley neurons at rest; ``V_ext = I / g_leak`` sets each one's current."""
    from .config import load_config

    hh = load_config(None, ["exc.model=hh", "network.dt=0.025 ms", "exc.theta_plus=0 mV"])
    namespace = model_namespace(hh, "exc")
    namespace.update(params or {})
    return single_neuron("hh", n, namespace, dt=dt, method="exponential_euler")
