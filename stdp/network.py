"""Build the Diehl & Cook (2015) network as named Brian2 objects.

`build_network` creates the groups and synapses of `stdp.equations` with the
parameters of a `~stdp.config.Config`, each group with its own explicit
``namespace``. The whole presentation protocol (switching examples, the rest
period, the re-presentation rule and weight normalisation) is part of the
network, so one ``run()`` call simulates many examples with no Python in
between. This works the same on Brian2's runtime device and in
``cpp_standalone`` mode.

Objects (all reachable by name in the returned `BuiltNetwork`):

=================  ========================================================
``input``          one input neuron per pixel, reading the table ``stim``
``exc``            excitatory neurons (adaptive threshold)
``inh``            inhibitory neurons
``input_to_exc``   plastic synapses with delays (the STDP rule of ``stdp.rule``);
                   all-to-all, or patches (``topology.kind``)
``exc_to_inh``     one-to-one, fixed
``inh_to_exc``     fixed; all-but-self, by grid distance (``network.inhibition``)
                   or among a patch's filters (``topology.inhibition``)
``controller``     one "neuron" holding the protocol state (example index k,
                   retries, spike count), updated once per cycle
``spike_counter``  exc -> controller, counts spikes in the presentation window
=================  ========================================================
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import brian2
import numpy as np
from brian2 import (
    Network,
    NeuronGroup,
    SpikeMonitor,
    StateMonitor,
    Synapses,
    TimedArray,
    linked_var,
    second,
)

from . import equations as eq
from . import models
from .config import Config
from .encoding import TEMPORAL_CODES
from .topology import Layout, layout

__all__ = [
    "BuiltNetwork",
    "build_network",
    "norm_total",
    "norm_totals",
    "own_theta_plus",
    "cycle_duration",
    "STATE_VARIABLES",
    "state_variables",
    "initial_state",
]

#: The variables that carry the network's state from one compiled run (chunk)
#: to the next; everything else is recomputed or constant.
STATE_VARIABLES: dict[str, tuple[str, ...]] = {
    "input": ("pre",),
    "exc": ("v", "ge", "gi", "theta", "post1", "post2", "wsum", "lastspike", "not_refractory"),
    "inh": ("v", "ge", "gi", "lastspike", "not_refractory"),
    "input_to_exc": ("w",),
}


def state_variables(cfg: Config) -> dict[str, tuple[str, ...]]:
    """`STATE_VARIABLES` for the neuron models of ``cfg`` (``exc.model``, ``inh.model``).

    A model other than the default adds its own variables (AdEx's ``w_ad``,
    Izhikevich's ``u``, ...); SRM0's v is computed from its kernels ``h`` and
    ``eta``, which carry its state instead.
    """
    variables = dict(STATE_VARIABLES)
    for group in ("exc", "inh"):
        extra = tuple(models.extra_state(cfg, group))
        if extra:
            base = variables[group]
            if cfg[f"{group}.model"] == "srm0":  # v is computed from the kernels h and eta
                base = tuple(v for v in base if v != "v")
            variables[group] = base + extra
    if cfg["topology.kind"] == "conv":  # the kernel table of the shared weights
        variables["kernel"] = ("wk",)
    if winner_takes_kernel(cfg):  # read at the next cycle's start: part of the state
        variables["exc"] = (*variables["exc"], "wins")
    return variables


def winner_takes_kernel(cfg: Config) -> bool:
    """Whether only each filter's first neuron to fire teaches its kernel (``topology.share``)."""
    return cfg["topology.kind"] == "conv" and cfg["topology.share"] == "winner"


def norm_total(cfg: Config, n_input: int) -> float:
    """Target sum of each neuron's input weights (``normalization.total``).

    'auto' is the code's 78 for 784 inputs, scaled to the neuron's number of
    inputs: ``78 * n / 784`` with n the pixels (dense layer) or the patch's
    pixels (local and convolutional layers, `stdp.topology`). In a layer with
    whole-image neurons beside the patches this is the patch neurons' target;
    `norm_totals` gives every neuron's.
    """
    total = cfg["normalization.total"]
    if total != "auto":
        return float(total)
    fan_in = layout(cfg, n_input).fan_in
    if cfg["normalization.norm"] == "l2":  # the sum spread evenly over half the inputs
        return 78.0 * fan_in / 784.0 * math.sqrt(2.0 / fan_in)
    return 78.0 * fan_in / 784.0


def own_theta_plus(cfg: Config) -> bool:
    """Whether the whole-image neurons of a local layer have their own theta step.

    ``topology.dense_theta_plus`` set (not 'same') with ``topology.dense_filters``
    neurons: ``theta_plus`` is then a per-neuron constant of the excitatory group.
    """
    return (
        cfg["topology.kind"] == "local"
        and cfg["topology.dense_filters"] > 0
        and not isinstance(cfg["topology.dense_theta_plus"], str)
    )


def norm_totals(cfg: Config, n_input: int) -> np.ndarray:
    """Every excitatory neuron's target weight sum (or length), shape ``(n_exc,)``.

    ``norm_total`` scaled by the neuron's inputs over a patch neuron's: the
    whole-image neurons of a two-scale local layer (``topology.dense_filters``)
    get ``78`` with 'auto' (the paper's value), the patch neurons ``78 * kernel^2 / 784``.
    With ``normalization.norm = "l2"`` the targets are Euclidean lengths, scaled by
    the square root of that ratio.
    """
    shape = layout(cfg, n_input)
    ratio = shape.fan_ins() / shape.fan_in
    if cfg["normalization.norm"] == "l2":  # a length grows as the root of the inputs
        ratio = np.sqrt(ratio)
    return norm_total(cfg, n_input) * ratio


def n_counted(cfg: Config, shape: Layout) -> int:
    """How many excitatory neurons (the first ones) count towards ``encoding.min_spikes``.

    All of them, or with ``topology.retry_spikes = "patches"`` the patches'
    neurons only, not the whole-image neurons after them (the setting is refused
    for other layers than local ones, `stdp.config`).
    """
    return shape.n_patch if cfg["topology.retry_spikes"] == "patches" else shape.n_exc


#: The regular code's phase step between neighbouring pixels, (sqrt(5) - 1) / 2.
GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0
#: The time of a spike that never comes (geometric input generator).
T_NEVER = 1e9 * second


def cycle_duration(cfg: Config) -> brian2.Quantity:
    """One presentation cycle: presentation plus rest."""
    return cfg["protocol.presentation"] + cfg["protocol.rest"]


@dataclass
class BuiltNetwork:
    """The Brian2 network and handles to its named objects."""

    net: Network
    input: NeuronGroup
    exc: NeuronGroup
    inh: NeuronGroup
    input_to_exc: Synapses
    exc_to_inh: Synapses
    inh_to_exc: Synapses
    controller: NeuronGroup
    spike_counter: Synapses
    exc_spikes: SpikeMonitor
    input_spikes: SpikeMonitor
    inh_spikes: SpikeMonitor
    cycles: StateMonitor
    stim: TimedArray
    n_input: int
    n_exc: int
    chunk_cycles: int
    layout: Layout | None = None
    #: The kernel table and the synapses that tie the copies to it (``topology.kind = "conv"``).
    kernel: NeuronGroup | None = None
    tie: Synapses | None = None


#: Variables that a replaced equation string must keep (the engine moves them
#: between chunks, the synapses and the protocol read them).
REQUIRED_VARIABLES = {
    "exc": ("v", "ge", "gi", "theta", "post1", "post2", "wsum", "learning", "learning_now"),
    "inh": ("v", "ge", "gi"),
}


def model_strings(cfg: Config) -> dict[str, str]:
    """The equation strings a configuration uses: the built-in ones or its ``[equations]``.

    Returns
    -------
    dict
        ``{"exc_model": ..., "exc_threshold": ..., ...}`` with one entry per key
        of the config's ``equations`` section.
    """
    trace = cfg["stdp.trace_update"]
    builtin = {
        "exc_model": eq.excitatory_equations(cfg["exc.clamp_refractory"]),
        "exc_threshold": eq.excitatory_threshold(float(cfg["exc.spike_block"]) > 0),
        "exc_reset": eq.excitatory_reset(trace),
        "inh_model": eq.inhibitory_equations(cfg["inh.clamp_refractory"]),
        "inh_threshold": eq.INH_THRESHOLD,
        "inh_reset": eq.INH_RESET,
    }
    for group in ("exc", "inh"):  # another neuron model than Diehl & Cook's (stdp.models)
        name = cfg[f"{group}.model"]
        if name == "lif":
            continue
        strings = models.model_strings(
            name, group, clamp=cfg[f"{group}.clamp_refractory"], trace_update=trace
        )
        if group == "exc" and float(cfg["exc.spike_block"]) > 0:
            strings["threshold"] += " and t - lastspike > spike_block"
        for role, code in strings.items():
            builtin[f"{group}_{role}"] = code
    builtin |= {
        "stdp_on_pre": eq.RULES[cfg["stdp.rule"]][0],
        "stdp_on_post": eq.RULES[cfg["stdp.rule"]][1],
        "exc_to_inh_on_pre": eq.EXC_TO_INH_ON_PRE,
        "inh_to_exc_on_pre": eq.INH_TO_EXC_ON_PRE,
    }
    return {key: cfg[f"equations.{key}"] or value for key, value in builtin.items()}


def _each_cycle(obj: NeuronGroup | Synapses, code: str, cfg: Config, order: int, name: str) -> None:
    """Run ``code`` on ``obj`` at the start of every presentation cycle, at ``order``.

    The orders within a cycle's start: controller 0, learning switch 1,
    normalisation 2 and 3, state reset 4, the ``cycles`` monitor 5, the
    geometric input's first spike 6.
    """
    obj.run_regularly(code, dt=cycle_duration(cfg), when="start", order=order, name=name)


def _link_to_controller(group: NeuronGroup, controller: NeuronGroup, *names: str) -> None:
    """Make each of ``names`` in ``group`` a linked copy of the controller's single value."""
    index = np.zeros(len(group), dtype=int)
    for name in names:
        setattr(group, name, linked_var(controller, name, index=index))


def _neuron_namespace(cfg: Config, section: str) -> dict:
    if cfg[f"{section}.model"] != "lif":
        return models.model_namespace(cfg, section)
    keys = ("v_rest", "v_reset", "v_thresh", "tau_m", "tau_ge", "tau_gi", "E_exc", "E_inh")
    return {key: cfg[f"{section}.{key}"] for key in keys}


def controller_group(cfg: Config, clock: brian2.Clock) -> NeuronGroup:
    """The one-"neuron" group that runs the presentation protocol (`CONTROLLER_CYCLE`)."""
    temporal = cfg["encoding.code"] in TEMPORAL_CODES
    controller = NeuronGroup(
        1,
        eq.CONTROLLER_EQUATIONS,
        clock=clock,
        name="controller",
        namespace={
            "min_spikes": cfg["encoding.min_spikes"],
            "max_retries": cfg["encoding.max_retries"],
            "cumulative": int(cfg["encoding.retry_count"] == "cumulative"),
            "max_rate": cfg["encoding.max_rate"],
            "retry_rate_step": cfg["encoding.retry_rate_step"],
            # the temporal codes' volleys; 0 for the rate codes, which do not use them
            "volleys": cfg["encoding.volleys"] if temporal else 0,
            "retry_volleys": cfg["encoding.retry_volleys"] if temporal else 0,
        },
    )
    _each_cycle(controller, eq.CONTROLLER_CYCLE, cfg, order=0, name="controller_cycle")
    return controller


def input_strings(cfg: Config) -> dict[str, str]:
    """The input group's equation strings for ``encoding.code`` (and ``encoding.generator``).

    Returns
    -------
    dict
        ``model``, ``threshold`` and ``reset``, and ``each_cycle`` (code run at the
        start of every cycle, after the controller; empty if none).
    """
    trace = eq.trace_operator(cfg["stdp.trace_update"])
    code = cfg["encoding.code"]
    if code in TEMPORAL_CODES:
        model = eq.INPUT_EQUATIONS_LATENCY if code == "latency" else eq.INPUT_EQUATIONS_RANK_ORDER
        return {
            "model": model,
            "threshold": eq.INPUT_THRESHOLD_VOLLEY,
            "reset": eq.INPUT_RESET.format(trace=trace),
            "each_cycle": "",
        }
    if code == "regular":
        return {
            "model": eq.INPUT_EQUATIONS_REGULAR,
            "threshold": eq.INPUT_THRESHOLD_GEOMETRIC,
            "reset": eq.INPUT_RESET_REGULAR.format(trace=trace),
            "each_cycle": eq.INPUT_FIRST_SPIKE_REGULAR,
        }
    if code == "poisson" and cfg["encoding.generator"] == "geometric":
        return {
            "model": eq.INPUT_EQUATIONS_GEOMETRIC,
            "threshold": eq.INPUT_THRESHOLD_GEOMETRIC,
            "reset": eq.INPUT_RESET_GEOMETRIC.format(trace=trace),
            "each_cycle": eq.INPUT_FIRST_SPIKE,
        }
    return {
        "model": eq.INPUT_EQUATIONS,
        "threshold": eq.INPUT_THRESHOLD,
        "reset": eq.INPUT_RESET.format(trace=trace),
        "each_cycle": "",
    }


def input_group(
    cfg: Config, n_input: int, controller: NeuronGroup, stim: TimedArray, clock: brian2.Clock
) -> NeuronGroup:
    """Input neurons, one per pixel, reading the table ``stim`` and the controller's state.

    ``encoding.code`` picks the code: ``poisson`` (drawn as ``encoding.generator``
    says: ``bernoulli``, one random number per input and step, as Brian2's
    ``PoissonGroup``, or ``geometric``, one per spike, from the waiting-time
    distribution of the same process; see
    `stdp.equations.INPUT_EQUATIONS_GEOMETRIC`), ``bernoulli`` (the per-step
    draw), ``latency`` or ``rank_order`` (one spike per pixel and volley; see
    `stdp.equations.INPUT_EQUATIONS_LATENCY`).
    """
    strings = input_strings(cfg)
    temporal = cfg["encoding.code"] in TEMPORAL_CODES
    dt = float(cfg["network.dt"])
    inp = NeuronGroup(
        n_input,
        strings["model"],
        threshold=strings["threshold"],
        reset=strings["reset"],
        method="exact",
        clock=clock,
        name="input",
        namespace={
            "stim": stim,
            "t_present": cfg["protocol.presentation"],
            "tau_pre": cfg["stdp.tau_pre"],
            "t_never": T_NEVER,
            "latency_max": cfg["encoding.latency_max"],
            "min_intensity": cfg["encoding.min_intensity"],
            "rank_interval": cfg["encoding.rank_interval"],
            "period_steps": float(np.floor(float(cfg["encoding.volley_period"]) / dt + 0.5)),
        },
    )
    if temporal:
        _link_to_controller(inp, controller, "k", "t_start", "volleys_now")
    else:
        _link_to_controller(inp, controller, "k", "t_start", "max_rate_now")
    if cfg["encoding.code"] == "regular":  # the golden-ratio sequence: phases spread evenly
        inp.phase = np.mod(np.arange(n_input) * GOLDEN, 1.0)
    if strings["each_cycle"]:
        inp.t_next = T_NEVER  # nothing before the controller's first cycle
        # After the controller (order 0) has set the example, rate and t_start.
        _each_cycle(inp, strings["each_cycle"], cfg, order=6, name="input_first_spike")
    return inp


def excitatory_group(
    cfg: Config,
    n_exc: int,
    clock: brian2.Clock,
    n_input: int = 784,
    *,
    controller: NeuronGroup | None = None,
    threshold: str | None = None,
) -> NeuronGroup:
    """Excitatory neurons with adaptive threshold and STDP traces.

    With a ``controller``, ``learning_now`` is linked to the controller's flag
    and copied into ``learning`` at the start of every cycle (synapses cannot
    read a linked variable of their target). Without one, ``learning_now`` is
    a plain variable and ``learning`` is set directly (for isolated tests and
    teaching). ``threshold`` replaces the threshold condition.
    """
    namespace = _neuron_namespace(cfg, "exc")
    namespace.update(
        theta_offset=cfg["exc.theta_offset"],
        theta_plus=cfg["exc.theta_plus"],
        tau_theta=cfg["exc.tau_theta"],
        tau_post1=cfg["stdp.tau_post1"],
        tau_post2=cfg["stdp.tau_post2"],
        spike_block=cfg["exc.spike_block"],
    )
    shape = layout(cfg, n_input)
    mixed = shape.mixed
    if not mixed:
        namespace["norm_total"] = norm_total(cfg, n_input)
    own_step = own_theta_plus(cfg)
    if own_step:  # the whole-image neurons' own (topology.dense_theta_plus)
        del namespace["theta_plus"]
    strings = model_strings(cfg)
    model = strings["exc_model"]
    if controller is None:
        model = model.replace("learning_now : 1 (linked)", "learning_now : 1")
    model += "\nwscale : 1"  # bookkeeping of the normalisation (eq.NORMALIZE_SUMS)
    if mixed:  # patch and whole-image neurons: each its own target (norm_totals)
        model += "\nnorm_total : 1 (constant)"
    if own_step:
        model += "\ntheta_plus : volt (constant)"
    if winner_takes_kernel(cfg):  # the filter's first neuron to fire (eq.FIRST_SPIKE_ON_PRE)
        model += "\nwins : 1"
    exc = NeuronGroup(
        n_exc,
        model,
        threshold=threshold or strings["exc_threshold"],
        reset=strings["exc_reset"],
        refractory=cfg["exc.refractory"],
        method=cfg["network.method"],
        clock=clock,
        name="exc",
        namespace=namespace,
    )
    if mixed:
        exc.norm_total = norm_totals(cfg, n_input)
    if own_step:
        exc.theta_plus = cfg["exc.theta_plus"]
        exc.theta_plus[shape.n_patch :] = cfg["topology.dense_theta_plus"]
    if controller is not None:
        _link_to_controller(exc, controller, "learning_now")
        _each_cycle(exc, eq.LEARNING_SWITCH, cfg, order=1, name="learning_switch")
    return exc


def inhibitory_group(cfg: Config, n_inh: int, clock: brian2.Clock) -> NeuronGroup:
    """Inhibitory neurons (fixed threshold)."""
    strings = model_strings(cfg)
    return NeuronGroup(
        n_inh,
        strings["inh_model"],
        threshold=strings["inh_threshold"],
        reset=strings["inh_reset"],
        refractory=cfg["inh.refractory"],
        method=cfg["network.method"]
        if cfg["network.inh_method"] == "same"
        else cfg["network.inh_method"],
        clock=clock,
        name="inh",
        namespace=_neuron_namespace(cfg, "inh"),
    )


def stdp_synapses(
    cfg: Config, source: NeuronGroup, target: NeuronGroup, clock: brian2.Clock, n_input: int
) -> Synapses:
    """The plastic input -> excitatory synapses (not yet connected)."""
    strings = model_strings(cfg)
    return Synapses(
        source,
        target,
        # a convolutional layer's copy remembers its kernel entry (eq.KERNEL_SUM)
        model=eq.STDP_MODEL + ("w0 : 1\n" if cfg["topology.kind"] == "conv" else ""),
        on_pre=strings["stdp_on_pre"],
        on_post=strings["stdp_on_post"],
        clock=clock,
        name="input_to_exc",
        namespace={
            "nu_pre": cfg["stdp.nu_pre"],
            "nu_post": cfg["stdp.nu_post"],
            "w_max": cfg["stdp.w_max"],
            "eta_pre": cfg["stdp.eta_pre"],
            "eta_post": cfg["stdp.eta_post"],
            "x_tar": cfg["stdp.x_tar"],
            "mu": cfg["stdp.mu"],
            "beta": cfg["stdp.beta"],
            **({} if layout(cfg, n_input).mixed else {"norm_total": norm_total(cfg, n_input)}),
        },
    )


def lateral_inhibition(
    cfg: Config,
    exc: NeuronGroup,
    inh: NeuronGroup,
    clock: brian2.Clock,
    shape: Layout | None = None,
) -> tuple[Synapses, Synapses]:
    """The connected exc i -> inh i and inh i -> exc j synapses.

    inh i reaches every exc j != i, or, in a local or convolutional layer
    (``shape``) with ``topology.inhibition = "location"``, the other filters
    of i's patch.
    """
    strings = model_strings(cfg)

    def fixed(source: NeuronGroup, target: NeuronGroup, name: str, weight: str, **rule: str):
        """Synapses ``name`` with the fixed weight ``network.<weight>``, connected by ``rule``."""
        synapses = Synapses(
            source,
            target,
            on_pre=strings[f"{name}_on_pre"],
            clock=clock,
            name=name,
            namespace={weight: cfg[f"network.{weight}"]},
        )
        synapses.connect(**rule)
        return synapses

    exc_to_inh = fixed(exc, inh, "exc_to_inh", "w_exc_inh", j="i")
    if shape is not None and shape.sparse and cfg["topology.inhibition"] == "location":
        return exc_to_inh, fixed(inh, exc, "inh_to_exc", "w_inh_exc", **location_pairs(shape))
    if cfg["network.inhibition"] == "constant":
        inh_to_exc = fixed(inh, exc, "inh_to_exc", "w_inh_exc", condition="i != j")
        return exc_to_inh, inh_to_exc
    # "distance": the same on_pre code reads a per-synapse w_inh_exc, set once at build time
    # from the neurons' places on the grid (Hazan et al. 2018).
    inh_to_exc = Synapses(
        inh,
        exc,
        model="w_inh_exc : 1 (constant)",
        on_pre=strings["inh_to_exc_on_pre"],
        clock=clock,
        name="inh_to_exc",
        namespace={
            "side": inhibition_grid_side(cfg),
            "w_inh_max": cfg["network.w_inh_exc"],
            "scale": cfg["network.inh_distance_scale"],
        },
    )
    inh_to_exc.connect(condition="i != j")
    inh_to_exc.w_inh_exc = DISTANCE_INHIBITION
    return exc_to_inh, inh_to_exc


def location_pairs(shape: Layout) -> dict[str, np.ndarray]:
    """``{"i": ..., "j": ...}``: every pair of different filters of one patch, sorted by i."""
    n_loc, filters = shape.n_locations, shape.filters
    f1, f2, loc = np.meshgrid(
        np.arange(filters), np.arange(filters), np.arange(n_loc), indexing="ij"
    )
    keep = (f1 != f2).ravel()
    i = (f1 * n_loc + loc).ravel()[keep]
    j = (f2 * n_loc + loc).ravel()[keep]
    if shape.dense_filters:  # the whole-image neurons: one more location, the image
        d1, d2 = np.meshgrid(np.arange(shape.dense_filters), np.arange(shape.dense_filters))
        keep = (d1 != d2).ravel()
        i = np.concatenate([i, shape.n_patch + d1.ravel()[keep]])
        j = np.concatenate([j, shape.n_patch + d2.ravel()[keep]])
    order = np.lexsort((j, i))
    return {"i": i[order], "j": j[order]}


#: The inh i -> exc j weight of ``network.inhibition = "distance"``: neuron k sits at
#: row ``k // side``, column ``k % side`` of the grid; the weight grows with the square
#: root of the Euclidean distance between i's partner (exc i) and j, up to ``w_inh_max``.
DISTANCE_INHIBITION = (
    "clip(scale * sqrt(sqrt(1.0 * (i // side - j // side)**2 + 1.0 * (i % side - j % side)**2)),"
    " 0, w_inh_max)"
)


def inhibition_grid_side(cfg: Config) -> int:
    """The side of the square grid of ``network.inhibition = "distance"``.

    Raises
    ------
    ConfigError
        If ``network.n_exc`` is not a square number.
    """
    from .errors import ConfigError

    n_exc = cfg["network.n_exc"]
    side = math.isqrt(n_exc)
    if side * side != n_exc:
        raise ConfigError(
            f"network.n_exc: {n_exc} is not a square number, which network.inhibition = "
            '"distance" needs (the excitatory neurons sit on a square grid)'
        )
    return side


def build_network(
    cfg: Config,
    n_input: int,
    chunk_cycles: int | None = None,
    clock: brian2.Clock | None = None,
) -> BuiltNetwork:
    """Create the network for ``n_input`` pixels and ``cfg["network.n_exc"]`` neurons.

    Parameters
    ----------
    cfg : Config
        The experiment configuration (all parameters and their units).
    n_input : int
        Number of input neurons (pixels per image).
    chunk_cycles : int, optional
        Number of presentation cycles simulated per ``run()``; the example
        table ``stim`` has this many rows. Default: ``engine.chunk_cycles``.
    clock : brian2.Clock, optional
        The clock of every group and synapse. Default: a new clock named
        ``clock`` (Brian2's ``defaultclock`` is left alone). Its ``dt`` must be
        ``network.dt``. The CUDA engine passes ``defaultclock``, because
        brian2cuda's code for synapses without delays reads that clock by name.

    Returns
    -------
    BuiltNetwork
        The objects, not yet run. Initial values of the state are set by the
        engine (`stdp.engine`) before each run.
    """
    shape = layout(cfg, n_input)
    n_exc = shape.n_exc
    chunk_cycles = chunk_cycles or cfg["engine.chunk_cycles"]
    cycle = cycle_duration(cfg)
    if clock is None:
        clock = brian2.Clock(dt=cfg["network.dt"], name="clock")
    elif abs(float(clock.dt - cfg["network.dt"])) > 1e-12:
        raise ValueError(f"clock: expected dt = network.dt ({cfg['network.dt']}), got {clock.dt}")
    stim = TimedArray(np.zeros((chunk_cycles, n_input)), dt=1 * second, name="stim")

    controller = controller_group(cfg, clock)
    inp = input_group(cfg, n_input, controller, stim, clock)
    exc = excitatory_group(cfg, n_exc, clock, n_input, controller=controller)
    inh = inhibitory_group(cfg, n_exc, clock)
    input_to_exc = stdp_synapses(cfg, inp, exc, clock, n_input)
    if shape.sparse:  # i-major order, as the dense layer's
        pre, post = shape.synapses()
        input_to_exc.connect(i=pre, j=post)
    else:
        input_to_exc.connect()  # i-major order: synapse index = i * n_exc + j
    exc_to_inh, inh_to_exc = lateral_inhibition(cfg, exc, inh, clock, shape)
    spike_counter = Synapses(
        exc,
        controller,
        on_pre=eq.SPIKE_COUNTER_ON_PRE,
        clock=clock,
        name="spike_counter",
        namespace={"t_present": cfg["protocol.presentation"]},
    )
    counted = n_counted(cfg, shape)
    if counted < shape.n_exc:  # the patches only
        spike_counter.connect(i=np.arange(counted), j=0)
    else:
        spike_counter.connect(j="0")

    objects = [controller, inp, exc, inh, input_to_exc, exc_to_inh, inh_to_exc, spike_counter]
    kernel = tie = None
    if shape.kind == "conv":
        kernel, tie, extra = shared_weights(cfg, shape, exc, input_to_exc, clock)
        objects += [kernel, tie, *extra]
    if cfg["normalization.enabled"]:
        # After the controller (order 0) has decided whether this cycle learns:
        # each neuron's factor, then the weights.
        if cfg["normalization.norm"] == "l2":  # the squares' sums first (sorted by name)
            _each_cycle(exc, eq.NORMALIZE_SQUARES_CLEAR, cfg, order=2, name="normalize_a_clear")
            _each_cycle(
                input_to_exc, eq.NORMALIZE_SQUARES_ADD, cfg, order=2, name="normalize_b_add"
            )
            _each_cycle(exc, eq.NORMALIZE_LENGTHS, cfg, order=2, name="normalize_c_lengths")
        else:
            _each_cycle(exc, eq.NORMALIZE_SUMS, cfg, order=2, name="normalize_sums")
        _each_cycle(input_to_exc, eq.NORMALIZE_WEIGHTS, cfg, order=3, name="normalize_weights")

    if cfg["protocol.reset_state"]:
        # After normalisation; the controller's spike count is already taken.
        rest = {
            group: (eq.RESET_INH_STATE if group == "inh" else eq.RESET_EXC_STATE)
            if cfg[f"{group}.model"] == "lif"
            else models.rest_code(cfg, group) + ("\npost1 = 0\npost2 = 0" if group == "exc" else "")
            for group in ("exc", "inh")
        }
        for group, code in (
            (exc, rest["exc"]),
            (inh, rest["inh"]),
            (inp, eq.RESET_INPUT_STATE),
        ):
            _each_cycle(group, code, cfg, order=4, name=f"{group.name}_reset_state")

    exc_spikes = SpikeMonitor(exc, name="exc_spikes")
    input_spikes = SpikeMonitor(inp, record=False, name="input_spikes")
    inh_spikes = SpikeMonitor(inh, record=False, name="inh_spikes")
    cycles = StateMonitor(
        controller, ["k", "retries"], record=[0], dt=cycle, when="start", order=5, name="cycles"
    )
    net = Network(*objects, exc_spikes, input_spikes, inh_spikes, cycles, name="network")
    return BuiltNetwork(
        net=net,
        input=inp,
        exc=exc,
        inh=inh,
        input_to_exc=input_to_exc,
        exc_to_inh=exc_to_inh,
        inh_to_exc=inh_to_exc,
        controller=controller,
        spike_counter=spike_counter,
        exc_spikes=exc_spikes,
        input_spikes=input_spikes,
        inh_spikes=inh_spikes,
        cycles=cycles,
        stim=stim,
        n_input=n_input,
        n_exc=n_exc,
        chunk_cycles=chunk_cycles,
        layout=shape,
        kernel=kernel,
        tie=tie,
    )


class _TieWritesAreOrderFree(logging.Filter):
    """Drop Brian2's order-dependence warning for the ``tie`` steps' writes.

    Every copy has exactly one ``tie`` synapse, and the copies of an entry
    hold the same value when `eq.KERNEL_AFTER_NORMALIZATION` writes the entry,
    so these writes do not depend on the order of the synapses; Brian2 cannot
    see that (it warns when the code is generated).
    """

    _FIRST_LINES = ("'w_pre = wk_post'", "'w0_pre = w_pre'")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (
            message.startswith("Came across an abstract code block")
            and any(line in message for line in self._FIRST_LINES)
        )


logging.getLogger("brian2.codegen.generators.base").addFilter(_TieWritesAreOrderFree())


def shared_weights(
    cfg: Config, shape: Layout, exc: NeuronGroup, input_to_exc: Synapses, clock: brian2.Clock
) -> tuple[NeuronGroup, Synapses, list]:
    """The kernel table of a convolutional layer and the synapses that tie its copies to it.

    With ``topology.share = "winner"`` also the group ``filters`` and the
    synapses ``first_spike`` that mark each filter's first neuron to fire
    (returned in the list).

    Adds the steps of `stdp.equations.KERNEL_SUM` and after to the start of
    every cycle (order 1, before the normalisation, and order 3, after it).
    """
    kernel = NeuronGroup(
        shape.n_kernel,
        eq.KERNEL_MODEL,
        clock=clock,
        name="kernel",
        namespace={"w_max": cfg["stdp.w_max"]},
    )
    tie = Synapses(input_to_exc, kernel, clock=clock, name="tie")
    tie.connect(i=np.arange(shape.n_synapses), j=shape.kernel_entry())
    extra = []
    if winner_takes_kernel(cfg):
        filters = NeuronGroup(shape.filters, eq.FILTER_MODEL, clock=clock, name="filters")
        first = Synapses(
            exc, filters, on_pre=eq.FIRST_SPIKE_ON_PRE, clock=clock, name="first_spike"
        )
        first.connect(i=np.arange(shape.n_exc), j=np.arange(shape.n_exc) // shape.n_locations)
        _each_cycle(input_to_exc, eq.KERNEL_KEEP_WINNERS, cfg, order=1, name="kernel_0_winners")
        _each_cycle(exc, eq.WINS_CLEAR, cfg, order=1, name="kernel_6_wins_clear")
        _each_cycle(filters, eq.CLAIMS_CLEAR, cfg, order=1, name="kernel_6_claims_clear")
        extra = [filters, first]
    _each_cycle(tie, eq.KERNEL_SUM, cfg, order=1, name="kernel_1_sum")
    _each_cycle(kernel, eq.KERNEL_UPDATE, cfg, order=1, name="kernel_2_update")
    _each_cycle(tie, eq.KERNEL_WRITE, cfg, order=1, name="kernel_3_write")
    _each_cycle(exc, eq.WSUM_CLEAR, cfg, order=1, name="kernel_4_wsum_clear")
    _each_cycle(input_to_exc, eq.WSUM_ADD, cfg, order=1, name="kernel_5_wsum_add")
    if cfg["normalization.enabled"]:  # after normalize_weights (order 3, sorted by name)
        _each_cycle(tie, eq.KERNEL_AFTER_NORMALIZATION, cfg, order=3, name="tie_normalized")
    return kernel, tie, extra


def initial_state(cfg: Config, n_input: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The network's state before training, in SI units, as ``{"group.var": array}``.

    Weights are uniform in ``[w_init_min, w_init_max)`` (i-major: index
    ``i * n_exc + j``), delays uniform in ``[delay_min, delay_max]``, theta at
    ``theta_init``, v at ``v_init``, everything else at rest.

    In a local or convolutional layer (`stdp.topology`) the weight and delay
    matrices hold 0 where a neuron has no synapse; a convolutional layer draws
    its kernel table (``kernel.wk``) and every copy starts at its entry.
    """
    shape = layout(cfg, n_input)
    n_exc = shape.n_exc
    n_syn = n_input * n_exc
    low, high = cfg["network.w_init_min"], cfg["network.w_init_max"]
    d_low, d_high = float(cfg["network.delay_min"]), float(cfg["network.delay_max"])
    extra = {}
    if not shape.sparse:
        w = rng.uniform(low, high, size=n_syn)
        delay = rng.uniform(d_low, d_high, size=n_syn)
    else:
        if shape.kind == "conv":
            extra["kernel.wk"] = rng.uniform(low, high, size=shape.n_kernel)
            w = shape.to_dense(extra["kernel.wk"][shape.kernel_entry()])
        else:
            w = shape.to_dense(rng.uniform(low, high, size=shape.n_synapses))
        delay = shape.to_dense(rng.uniform(d_low, d_high, size=shape.n_synapses))
    never = -1e4  # Brian2's default lastspike (seconds)
    state = {
        "input.pre": np.zeros(n_input),
        "exc.v": np.full(n_exc, float(cfg["exc.v_init"])),
        "exc.ge": np.zeros(n_exc),
        "exc.gi": np.zeros(n_exc),
        "exc.theta": np.full(n_exc, float(cfg["exc.theta_init"])),
        "exc.post1": np.zeros(n_exc),
        "exc.post2": np.zeros(n_exc),
        "exc.wsum": w.reshape(n_input, n_exc).sum(axis=0),
        "exc.lastspike": np.full(n_exc, never),
        "exc.not_refractory": np.ones(n_exc, dtype=bool),
        "inh.v": np.full(n_exc, float(cfg["inh.v_init"])),
        "inh.ge": np.zeros(n_exc),
        "inh.gi": np.zeros(n_exc),
        "inh.lastspike": np.full(n_exc, never),
        "inh.not_refractory": np.ones(n_exc, dtype=bool),
        "input_to_exc.w": w,
        "input_to_exc.delay": delay,
        **extra,
    }
    if winner_takes_kernel(cfg):
        state["exc.wins"] = np.zeros(n_exc)
    for group, n in (("exc", n_exc), ("inh", n_exc)):  # the variables of other neuron models
        if cfg[f"{group}.model"] != "lif":
            for var, value in models.initial_values(cfg, group).items():
                state[f"{group}.{var}"] = np.full(n, value)
            if cfg[f"{group}.model"] == "izhikevich":
                state[f"{group}.v"] = np.full(n, float(cfg[f"{group}.izhikevich.c"]))
            if cfg[f"{group}.model"] == "hh":
                state[f"{group}.v"] = np.full(n, float(models.HH_REST))
    return state


_KEYS_OF_OBJECT = {
    "exc": ("exc_model", "exc_threshold", "exc_reset"),
    "inh": ("inh_model", "inh_threshold", "inh_reset"),
    "input_to_exc": ("stdp_on_pre", "stdp_on_post"),
    "exc_to_inh": ("exc_to_inh_on_pre",),
    "inh_to_exc": ("inh_to_exc_on_pre",),
}


def validate_model(cfg: Config, n_input: int) -> None:
    """Build a 2-neuron copy of the network in runtime mode and prepare it to run.

    This checks every equation string (the built-in ones and any replaced in
    the config's ``[equations]`` section) for syntax, unknown names and
    inconsistent units in about a second, before anything is compiled or
    written.

    Raises
    ------
    ConfigError
        Naming the ``equations.*`` keys of the object that failed.
    """
    import gc

    from brian2.devices.device import reset_device
    from brian2.utils.logger import catch_logs

    from .errors import ConfigError

    if cfg["network.inhibition"] == "distance":
        inhibition_grid_side(cfg)  # the refusal of a grid that is not square, before the copy
    if cfg["topology.kind"] == "dense":
        # a 2x2 grid where the inhibition needs a square
        n_small = 4 if cfg["network.inhibition"] == "distance" else 2
        small = cfg.replace(network__n_exc=n_small, engine__chunk_cycles=1)
    else:  # the layer's refusals first; then two filters on its patches
        shape = layout(cfg, n_input)
        whole = min(shape.dense_filters, 2)
        small = cfg.replace(
            network__n_exc=2 * shape.n_locations + whole,
            topology__filters=2,
            topology__dense_filters=whole,
            engine__chunk_cycles=1,
        )
    brian2.set_device("runtime")
    previous = brian2.prefs.codegen.target
    brian2.prefs.codegen.target = "numpy"
    problem = None
    with catch_logs():  # the throw-away objects would warn that they never ran
        try:
            problem = _model_problem(small, n_input)
        finally:
            brian2.prefs.codegen.target = previous
            reset_device()  # back to the device before (an open compiled engine keeps it)
            gc.collect()
    if problem is not None:
        raise ConfigError(problem)


def _model_problem(cfg: Config, n_input: int) -> str | None:
    overridden = [k for k in model_strings(cfg) if cfg[f"equations.{k}"]]
    try:
        built = build_network(cfg, n_input, chunk_cycles=1)
        for group, names in REQUIRED_VARIABLES.items():
            missing = [n for n in names if n not in getattr(built, group).variables]
            if missing:
                keys = ", ".join(f"equations.{k}" for k in _KEYS_OF_OBJECT[group])
                return (
                    f"{keys}: the {group} model must define {', '.join(missing)} "
                    "(the engine and the synapses use them)"
                )
        built.net.run(0 * second, namespace={})  # prepares every object, runs no step
    except Exception as err:  # Brian2 raises many kinds; report them as config errors
        name = getattr(getattr(err, "brianobj", None), "name", "") or ""
        owners = sorted(_KEYS_OF_OBJECT, key=len, reverse=True)
        owner = next((o for o in owners if name.startswith(o)), None)
        keys = _KEYS_OF_OBJECT[owner] if owner else (tuple(overridden) or ("equations",))
        cause = err.__cause__ or err
        message = " ".join(str(cause).split())
        where = ", ".join(k if k == "equations" else f"equations.{k}" for k in keys)
        return f"{where}: the model does not build ({message})"
    return None
