"""A complete, readable description of the model a configuration defines (``stdp describe``).

`describe` returns Markdown with everything needed to reproduce a run by
hand: the paper, every equation string the network is built from (exactly
the strings of `stdp.equations` that `stdp.network` uses for this
configuration), a table of every parameter of `stdp.config.SCHEMA` with its
value, unit and meaning, the connectivity and the presentation protocol.

Examples
--------
>>> from stdp.config import load_config
>>> text = describe(load_config(None, ["network.n_exc=100"]))
>>> text.splitlines()[0]
'# Diehl & Cook (2015) spiking network: model description'
"""

from __future__ import annotations

import math
from typing import Any

from brian2 import ms

from . import equations as eq
from . import models, network
from .config import SCHEMA, Config, Param, eval_config
from .encoding import TEMPORAL_CODES
from .network import cycle_duration, n_counted, norm_total, norm_totals, own_theta_plus
from .topology import layout

__all__ = ["CITATION", "N_INPUT", "describe", "model_strings", "parameter_rows", "symbol_rows"]

CITATION = (
    "Diehl PU and Cook M (2015). Unsupervised learning of digit recognition using "
    "spike-timing-dependent plasticity. *Front. Comput. Neurosci.* 9:99. "
    "doi:[10.3389/fncom.2015.00099](https://doi.org/10.3389/fncom.2015.00099)"
)

#: Input neurons (pixels) of each data set.
N_INPUT: dict[str, int] = {"digits": 64, "mnist": 784, "fashion_mnist": 784}


def model_strings(cfg: Config) -> dict[str, dict[str, str]]:
    """Every equation string of the network for ``cfg``, grouped by the object that uses it.

    Parameters
    ----------
    cfg : Config
        The configuration (it selects the clamping, spike block and trace update).

    Returns
    -------
    dict of dict of str
        ``{object: {role: Brian2 code}}``, e.g.
        ``result["exc"]["threshold"]``; the strings are those passed to
        Brian2 by `stdp.network` (stripped of surrounding blank lines).
    """
    used = network.model_strings(cfg)  # built-in strings or the config's [equations]
    inputs = network.input_strings(cfg)  # the input code's (encoding.code)
    strings = {
        "exc": {
            "model": used["exc_model"],
            "threshold": used["exc_threshold"],
            "reset": used["exc_reset"],
            "at the start of every cycle": eq.LEARNING_SWITCH,
        },
        "inh": {
            "model": used["inh_model"],
            "threshold": used["inh_threshold"],
            "reset": used["inh_reset"],
        },
        "input": {
            role: code
            for role, code in (
                ("model", inputs["model"]),
                ("threshold", inputs["threshold"]),
                ("reset", inputs["reset"]),
                ("at the start of every cycle", inputs["each_cycle"]),
            )
            if code
        },
        "input_to_exc": {
            "model": eq.STDP_MODEL,
            "on_pre": used["stdp_on_pre"],
            "on_post": used["stdp_on_post"],
        },
        "exc_to_inh": {"on_pre": used["exc_to_inh_on_pre"]},
        "inh_to_exc": {"on_pre": used["inh_to_exc_on_pre"]},
        "normalization": {
            "factors and sums (exc, every cycle)": eq.NORMALIZE_SUMS,
            "weights (input_to_exc, every cycle, after the factors)": eq.NORMALIZE_WEIGHTS,
        },
        "controller": {
            "model": eq.CONTROLLER_EQUATIONS,
            "at the start of every cycle": eq.CONTROLLER_CYCLE,
        },
        "spike_counter": {"on_pre": eq.SPIKE_COUNTER_ON_PRE},
    }
    if cfg["normalization.norm"] == "l2":  # the Euclidean length, from the squares' sums
        strings["normalization"] = {
            "1. exc, every cycle": eq.NORMALIZE_SQUARES_CLEAR,
            "2. input_to_exc, every cycle": eq.NORMALIZE_SQUARES_ADD,
            "3. factors and sums (exc, every cycle)": eq.NORMALIZE_LENGTHS,
            "4. weights (input_to_exc, every cycle, after the factors)": eq.NORMALIZE_WEIGHTS,
        }
    if cfg["topology.kind"] == "conv":  # shared weights: the kernel table and its steps
        strings["input_to_exc"]["model"] = eq.STDP_MODEL + "w0 : 1\n"
        strings["kernel"] = {
            "model": eq.KERNEL_MODEL,
            "1. tie (input_to_exc -> kernel), every cycle": eq.KERNEL_SUM,
            "2. kernel, every cycle": eq.KERNEL_UPDATE,
            "3. tie, every cycle": eq.KERNEL_WRITE,
            "4. exc, every cycle": eq.WSUM_CLEAR,
            "5. input_to_exc, every cycle": eq.WSUM_ADD,
        }
        if cfg["normalization.enabled"]:
            strings["kernel"]["6. tie, every cycle, after the normalisation"] = (
                eq.KERNEL_AFTER_NORMALIZATION
            )
        if network.winner_takes_kernel(cfg):  # topology.share = "winner"
            strings["kernel"] = {
                "filters (one per filter), model": eq.FILTER_MODEL,
                "first_spike (exc -> filters), on_pre": eq.FIRST_SPIKE_ON_PRE,
                "0. input_to_exc, every cycle: only the winners' changes count": (
                    eq.KERNEL_KEEP_WINNERS
                ),
                **strings["kernel"],
                "after step 5, exc": eq.WINS_CLEAR,
                "after step 5, filters": eq.CLAIMS_CLEAR,
            }
    if cfg["network.inhibition"] == "distance":  # a per-synapse weight, set at build time
        strings["inh_to_exc"]["model"] = "w_inh_exc : 1 (constant)"
        strings["inh_to_exc"]["w_inh_exc, set once at build time"] = network.DISTANCE_INHIBITION
    if cfg["protocol.reset_state"]:
        role = "set to rest at the start of every cycle (protocol.reset_state)"
        strings["exc"][role] = eq.RESET_EXC_STATE
        strings["inh"][role] = eq.RESET_INH_STATE
        strings["input"][role] = eq.RESET_INPUT_STATE
    return {
        obj: {role: code.strip() for role, code in roles.items()} for obj, roles in strings.items()
    }


def _code_text(cfg: Config) -> str:
    """How the pixels drive the input neurons, in words (``encoding.code``)."""
    code = cfg["encoding.code"]
    if code in ("poisson", "bernoulli"):
        draw = (
            "drawn in every time step"
            if code == "bernoulli" or cfg["encoding.generator"] == "bernoulli"
            else "drawn as waiting times"
        )
        return (
            f"every pixel drives one Poisson input neuron ({draw}, code {code}) at rate "
            f"`pixel / 255 * max_rate` with max_rate = {_q(cfg, 'encoding.max_rate')}."
        )
    if code == "regular":
        return (
            "every pixel drives one input neuron that fires regularly (code regular), "
            "`255 / (pixel * max_rate)` apart from a fixed phase of that interval, with "
            f"max_rate = {_q(cfg, 'encoding.max_rate')}: the Poisson code's rate without its noise."
        )
    volleys = (
        f"{cfg['encoding.volleys']} volley(s), {_q(cfg, 'encoding.volley_period')} apart; "
        f"pixels at or below {cfg['encoding.min_intensity']:g} x 255 stay silent."
    )
    if code == "latency":
        return (
            "every pixel sends one spike per volley (latency code), "
            f"`latency_max * (1 - pixel / 255)` after the volley's start with latency_max = "
            f"{_q(cfg, 'encoding.latency_max')}; " + volleys
        )
    return (
        "in every volley the pixels fire once each in order of decreasing intensity "
        f"(rank-order code), {_q(cfg, 'encoding.rank_interval')} apart; " + volleys
    )


def _iter_params(schema: dict[str, Any], prefix: str = ""):
    for name, item in schema.items():
        if isinstance(item, Param):
            yield prefix + name, item
        else:
            yield from _iter_params(item, f"{prefix}{name}.")


def _value(cfg: Config, key: str, param: Param) -> str:
    value = cfg[key]
    if param.is_quantity and not isinstance(value, str):
        return f"{float(value / param.kind):g} {param.kind!s}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"' if value not in ("all", "auto", "same") else value
    return f"{value:g}" if isinstance(value, float) else str(value)


def parameter_rows(cfg: Config) -> list[tuple[str, str, str, str]]:
    """``(key, value, unit, description)`` for every parameter of `SCHEMA`, in schema order.

    Parameters
    ----------
    cfg : Config
        The configuration whose values are listed.

    Returns
    -------
    list of tuple of str
        One row per parameter; the unit is empty for numbers without one.
    """
    rows = []
    for key, param in _iter_params(SCHEMA):
        unit = str(param.kind) if param.is_quantity else ""
        doc = param.doc
        if param.choices:
            doc += f" (one of: {', '.join(param.choices)})"
        rows.append((key, _value(cfg, key, param), unit, doc))
    return rows


#: Where each symbol of the equations comes from: ``(objects, symbol, config key)``.
_SYMBOLS: tuple[tuple[str, str, str], ...] = (
    *(
        ("exc, inh", name, f"{{exc,inh}}.{name}")
        for name in ("v_rest", "v_reset", "v_thresh", "tau_m", "tau_ge", "tau_gi", "E_exc", "E_inh")
    ),
    ("exc", "theta_offset", "exc.theta_offset"),
    ("exc", "theta_plus", "exc.theta_plus"),
    ("exc", "tau_theta", "exc.tau_theta"),
    ("exc", "spike_block", "exc.spike_block"),
    ("exc", "tau_post1", "stdp.tau_post1"),
    ("exc", "tau_post2", "stdp.tau_post2"),
    ("input", "tau_pre", "stdp.tau_pre"),
    ("input, spike_counter", "t_present", "protocol.presentation"),
    ("input", "stim", "the examples' pixels / 255, or their ranks (rank_order; one row per cycle)"),
    ("input", "t_never", "1e9 s: the next spike of an input that does not fire again"),
    ("input", "latency_max", "encoding.latency_max"),
    ("input", "min_intensity", "encoding.min_intensity"),
    ("input", "rank_interval", "encoding.rank_interval"),
    ("input", "period_steps", "encoding.volley_period"),
    ("input_to_exc", "nu_pre", "stdp.nu_pre"),
    ("input_to_exc", "nu_post", "stdp.nu_post"),
    ("input_to_exc", "w_max", "stdp.w_max"),
    ("input_to_exc", "eta_pre", "stdp.eta_pre"),
    ("input_to_exc", "eta_post", "stdp.eta_post"),
    ("input_to_exc", "x_tar", "stdp.x_tar"),
    ("input_to_exc", "mu", "stdp.mu"),
    ("input_to_exc", "beta", "stdp.beta"),
    ("exc, input_to_exc", "norm_total", "normalization.total"),
    ("exc_to_inh", "w_exc_inh", "network.w_exc_inh"),
    ("inh_to_exc", "w_inh_exc", "network.w_inh_exc"),
    ("controller", "min_spikes", "encoding.min_spikes"),
    ("controller", "max_retries", "encoding.max_retries"),
    ("controller", "cumulative", "encoding.retry_count"),
    ("controller", "max_rate", "encoding.max_rate"),
    ("controller", "retry_rate_step", "encoding.retry_rate_step"),
    ("controller", "volleys", "encoding.volleys"),
    ("controller", "retry_volleys", "encoding.retry_volleys"),
)


def symbol_rows(cfg: Config, n_input: int) -> list[tuple[str, str, str, str]]:
    """``(objects, symbol, value, source)`` for every external symbol of the equations.

    Parameters
    ----------
    cfg : Config
        The configuration.
    n_input : int
        Number of input neurons (for ``normalization.total = "auto"``).

    Returns
    -------
    list of tuple of str
        One row per symbol of the objects' namespaces (`stdp.network`).
    """
    params = dict(_iter_params(SCHEMA))
    rows = []
    for objects, symbol, key in _SYMBOLS:
        if key.startswith("{exc,inh}."):
            name = key.split(".", 1)[1]
            exc, inh = (_value(cfg, f"{g}.{name}", params[f"{g}.{name}"]) for g in ("exc", "inh"))
            value = exc if exc == inh else f"exc: {exc}, inh: {inh}"
        elif key == "exc.theta_plus" and own_theta_plus(cfg):
            value = (
                f"{_value(cfg, key, params[key])} (patches), "
                f"{_value(cfg, 'topology.dense_theta_plus', params['topology.dense_theta_plus'])}"
                " (whole image)"
            )
        elif key == "normalization.total":
            value = f"{norm_total(cfg, n_input):g}"
            if cfg["topology.kind"] == "local" and cfg["topology.dense_filters"]:
                value += f" (patches), {norm_totals(cfg, n_input)[-1]:g} (whole image)"
        elif key == "encoding.retry_count":
            value = str(int(cfg[key] == "cumulative"))
        elif symbol == "period_steps":  # the volley period in time steps
            steps = float(cfg[key]) / float(cfg["network.dt"])
            value = f"{math.floor(steps + 0.5):d}"
        elif key in params:
            value = _value(cfg, key, params[key])
        else:
            value = "-"
        rows.append((objects, symbol, value, key))
    if cfg["network.inhibition"] == "distance":  # w_inh_exc is a per-synapse weight then
        rows = [row for row in rows if row[:2] != ("inh_to_exc", "w_inh_exc")]
        rows += [
            ("inh_to_exc", "w_inh_max", _q(cfg, "network.w_inh_exc"), "network.w_inh_exc"),
            (
                "inh_to_exc",
                "scale",
                _q(cfg, "network.inh_distance_scale"),
                "network.inh_distance_scale",
            ),
            ("inh_to_exc", "side", str(network.inhibition_grid_side(cfg)), "network.n_exc"),
        ]
    for group in ("exc", "inh"):  # the parameters of another neuron model (stdp.models)
        name = cfg[f"{group}.model"]
        if name != "lif":
            for symbol in models.MODELS[name].params:
                key = f"{group}.{name}.{symbol}"
                rows.append((group, symbol, _value(cfg, key, params[key]), key))
    return rows


def _inhibition_weights(cfg: Config) -> str:
    """The inh->exc weights in words (``network.inhibition``)."""
    if cfg["network.inhibition"] == "constant":
        return _q(cfg, "network.w_inh_exc")
    side = network.inhibition_grid_side(cfg)
    return (
        f"min({_q(cfg, 'network.w_inh_exc')}, {_q(cfg, 'network.inh_distance_scale')} x "
        f"sqrt(d)), d the Euclidean distance between the source's partner and the target "
        f"on a {side} x {side} grid (neuron k at row k // {side}, column k % {side})"
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _q(cfg: Config, key: str) -> str:
    param = dict(_iter_params(SCHEMA))[key]
    return _value(cfg, key, param)


_RULE_NAMES = {
    "triplet": "triplet",
    "power_law": "power-law",
    "exponential": "exponential",
    "symmetric": "symmetric",
}
_CODE_NAMES = {
    "poisson": "Poisson",
    "bernoulli": "Bernoulli",
    "regular": "Regularly firing",
    "latency": "Latency-coded",
    "rank_order": "Rank-order",
}

_TITLES = {
    "exc": "Excitatory neurons (`exc`)",
    "inh": "Inhibitory neurons (`inh`)",
    "input": "{code} input neurons (`input`)",
    "input_to_exc": "Plastic input -> excitatory synapses (`input_to_exc`), {rule} STDP",
    "exc_to_inh": "Excitatory -> inhibitory synapses (`exc_to_inh`)",
    "inh_to_exc": "Inhibitory -> excitatory synapses (`inh_to_exc`)",
    "normalization": "Divisive weight normalisation",
    "controller": "Presentation protocol (`controller`)",
    "spike_counter": "Spike counter (`spike_counter`: exc -> controller)",
    "kernel": "Shared weights of the convolutional layer (`kernel`, `tie`), before the "
    "normalisation",
}


def describe(cfg: Config, n_input: int | None = None) -> str:
    """Describe the model, parameters, connectivity and protocol of ``cfg`` in Markdown.

    Parameters
    ----------
    cfg : Config
        The configuration.
    n_input : int, optional
        Number of input neurons; default the data set's (`N_INPUT`).

    Returns
    -------
    str
        Markdown text: a title with the citation, every equation string in a
        code block, a table of every parameter, the connectivity and the
        protocol.
    """
    n_input = n_input if n_input is not None else N_INPUT[cfg["dataset.name"]]
    n_exc = cfg["network.n_exc"]
    total = norm_total(cfg, n_input)
    lines: list[str] = [
        "# Diehl & Cook (2015) spiking network: model description",
        "",
        CITATION,
        "",
        f"Configuration: `{cfg.source or 'defaults'}`. Data set `{cfg['dataset.name']}` "
        f"({n_input} input neurons), {n_exc} excitatory and {n_exc} inhibitory neurons, "
        f"Brian2 device `{cfg['device']}`, time step {_q(cfg, 'network.dt')}, "
        f"integration method `{cfg['network.method']}`.",
        "",
        "## Equations",
        "",
        "The Brian2 code of every object, exactly as the network is built from it. Symbols "
        "are filled in from the parameters below through each object's `namespace`.",
        "",
    ]
    for obj, roles in model_strings(cfg).items():
        title = _TITLES[obj].format(
            rule=_RULE_NAMES[cfg["stdp.rule"]], code=_CODE_NAMES[cfg["encoding.code"]]
        )
        lines += [f"### {title}", ""]
        if obj == "normalization" and not cfg["normalization.enabled"]:
            lines += ["Off in this configuration (`normalization.enabled = false`).", ""]
        for role, code in roles.items():
            lines += [f"{role}:", "", "```", code, "```", ""]
        if obj == "exc":
            lines += [f"refractory period: {_q(cfg, 'exc.refractory')}", ""]
        if obj == "inh":
            lines += [f"refractory period: {_q(cfg, 'inh.refractory')}", ""]

    lines += [
        "### Symbols",
        "",
        "| used by | symbol | value | from |",
        "|---|---|---|---|",
    ]
    for objects, symbol, value, key in symbol_rows(cfg, n_input):
        source = f"`{key}`" if "." in key and " " not in key else key
        lines.append(f"| {objects} | `{symbol}` | {_cell(value)} | {_cell(source)} |")
    lines += [
        "",
        "## Parameters",
        "",
        "| key | value | unit | description |",
        "|---|---|---|---|",
    ]
    for key, value, unit, doc in parameter_rows(cfg):
        lines.append(f"| `{key}` | {_cell(value)} | {unit} | {_cell(doc)} |")
    lines.append("")

    lines += [
        "## Connectivity",
        "",
        *_topology_lines(cfg, n_input),
        "| pathway | source -> target | synapses | rule | weights | delays |",
        "|---|---|---|---|---|---|",
        f"| `input_to_exc` | input ({n_input}) -> exc ({n_exc}) | {_input_pattern(cfg, n_input)} | "
        f"{cfg['stdp.rule']} STDP, clipped to [0, {_q(cfg, 'stdp.w_max')}] | "
        f"initially uniform in [{_q(cfg, 'network.w_init_min')}, "
        f"{_q(cfg, 'network.w_init_max')}) | uniform in [{_q(cfg, 'network.delay_min')}, "
        f"{_q(cfg, 'network.delay_max')}], fixed |",
        f"| `exc_to_inh` | exc ({n_exc}) -> inh ({n_exc}) | one to one, {n_exc} | fixed | "
        f"{_q(cfg, 'network.w_exc_inh')} | none |",
        f"| `inh_to_exc` | inh ({n_exc}) -> exc ({n_exc}) | {_inhibition_pattern(cfg, n_input)} "
        f"| fixed | {_inhibition_weights(cfg)} | none |",
        f"| `spike_counter` | exc ({n_exc}) -> controller (1) | {_counter_pattern(cfg, n_input)} | "
        "counts spikes in the presentation window | - | none |",
        "",
        "Weights are conductances in units of the leak conductance: a spike adds `w` to `ge` "
        "(or `gi`) of the target.",
        "",
    ]

    cycle = cycle_duration(cfg)
    retry = (
        "the spikes of the last presentation only"
        if cfg["encoding.retry_count"] == "window"
        else "the spikes of all presentations of the example"
    )
    lines += [
        "## Protocol",
        "",
        f"- **Presentation**: each example is shown for {_q(cfg, 'protocol.presentation')}: "
        + _code_text(cfg),
        f"- **Rest**: then {_q(cfg, 'protocol.rest')} with the input off, so that the variables "
        f"decay; one cycle is {float(cycle / ms):g} ms.",
        f"- **Retry rule**: an example evoking fewer than {cfg['encoding.min_spikes']} "
        f"excitatory spikes ({retry}) is shown again with "
        + (
            f"{cfg['encoding.retry_volleys']} more volleys"
            if cfg["encoding.code"] in TEMPORAL_CODES
            else f"max_rate raised by {_q(cfg, 'encoding.retry_rate_step')}"
        )
        + f", at most {cfg['encoding.max_retries']} times.",
        "- **Normalisation**: "
        + (
            "before every presentation while learning, each excitatory neuron's input weights "
            "are scaled to "
            + ("sum to" if cfg["normalization.norm"] == "l1" else "a Euclidean length of")
            + f" {total:g}."
            if cfg["normalization.enabled"]
            else "off."
        ),
        f"- **Learning**: STDP and theta's growth (+{_q(cfg, 'exc.theta_plus')} per spike, "
        f"decay time constant {_q(cfg, 'exc.tau_theta')}) during training "
        f"({cfg['train.n_examples']} examples); frozen while labelling "
        f"({_q(cfg, 'label.n_examples')} training examples) and testing "
        f"({_q(cfg, 'test.n_examples')} test examples)" + _frozen_text(cfg) + ".",
        "- **Labels and prediction**: each neuron gets the class of its highest mean response "
        "in the labelling pass; a test example is assigned the class whose neurons fire most "
        "on average (paper §2.6).",
        "",
    ]
    lines += model_zoo_lines(cfg)
    return "\n".join(lines)


def _frozen_text(cfg: Config) -> str:
    """What the labelling and test passes do differently from training (none: "").

    Read off `stdp.config.eval_config`, the one place that decides it.
    """
    frozen = eval_config(cfg)
    parts = []
    if frozen["protocol.presentation"] != cfg["protocol.presentation"]:
        parts.append(
            f"each example is shown for {_q(frozen, 'protocol.presentation')} "
            "(protocol.eval_presentation)"
        )
    if any(frozen[k] != cfg[k] for k in ("network.w_inh_exc", "network.inh_distance_scale")):
        parts.append(
            f"the inh->exc weights are {cfg['protocol.eval_inhibition']:g} times the "
            "training's (protocol.eval_inhibition)"
        )
    return "; in those passes " + " and ".join(parts) if parts else ""


def _topology_lines(cfg: Config, n_input: int) -> list[str]:
    """A paragraph on a local or convolutional layer's patches (none for the dense layer)."""
    if cfg["topology.kind"] == "dense":
        return []
    shape = layout(cfg, n_input)
    kind = "convolutional" if shape.kind == "conv" else "locally connected"
    text = (
        f"A {kind} layer (`topology.kind = {shape.kind!r}`): {shape.rows}x{shape.cols} patches "
        f"of {shape.kernel}x{shape.kernel} pixels, {shape.stride} apart, on {shape.side}x"
        f"{shape.side} images; {shape.filters} filters per patch. Neuron "
        "`j = (f * rows + r) * cols + c` is filter f at patch row r, column c."
    )
    if shape.dense_filters:
        text += (
            f" Neurons {shape.n_patch} to {shape.n_exc - 1} ({shape.dense_filters}, "
            "`topology.dense_filters`) see the whole image, each with its own weights and a "
            f"weight sum of {norm_totals(cfg, n_input)[-1]:g}; with `location` inhibition they "
            "inhibit only each other."
        )
        if own_theta_plus(cfg):
            text += (
                f" Their theta grows by {_q(cfg, 'topology.dense_theta_plus')} per spike "
                "(`topology.dense_theta_plus`; `theta_plus` is then a per-neuron constant)."
            )
    if shape.kind == "conv":
        text += (
            f" The {shape.n_kernel} entries of the kernel table are shared by the neurons of "
            "each filter; each synapse holds a copy, tied to its entry at the start of every "
            "cycle (above)."
        )
    return [text, ""]


def _input_pattern(cfg: Config, n_input: int) -> str:
    shape = layout(cfg, n_input)
    if not shape.sparse:
        return f"all to all, {n_input * shape.n_exc}"
    whole = f" (the {shape.dense_filters} whole-image ones every pixel)" if shape.mixed else ""
    return f"each neuron its {shape.kernel}x{shape.kernel} patch{whole}, {shape.n_synapses}"


def _counter_pattern(cfg: Config, n_input: int) -> str:
    """The spike counter's connectivity: every excitatory neuron, or the patches' only."""
    shape = layout(cfg, n_input)
    n = n_counted(cfg, shape)
    if n < shape.n_exc:
        return f"the patches' neurons to one, {n} (not the whole-image neurons)"
    return f"all to one, {n}"


def _inhibition_pattern(cfg: Config, n_input: int) -> str:
    shape = layout(cfg, n_input)
    n_exc = shape.n_exc
    if shape.sparse and cfg["topology.inhibition"] == "location":
        return f"the other filters of the partner's patch, {shape.n_location_pairs}"
    return f"all but the partner, {n_exc * (n_exc - 1)}"


def model_zoo_lines(cfg: Config) -> list[str]:
    """Markdown: the neuron models ``exc.model`` and ``inh.model`` choose from, with their code.

    Every model of `stdp.models.MODELS` as it would be built into the
    excitatory layer of ``cfg`` (adaptive threshold and STDP traces
    included), with the parameters of its own section of the schema.
    """
    lines = [
        "## Neuron models to choose from",
        "",
        f'This configuration uses `exc.model = "{cfg["exc.model"]}"` and '
        f'`inh.model = "{cfg["inh.model"]}"`. The models of `stdp/models.py`, as each would be '
        "built into the excitatory layer (`lif` is the Diehl & Cook model shown above); the "
        "inhibitory layer drops theta and the STDP traces. Synaptic input enters as `V_syn`, "
        "conductance-based `ge*(E_exc - v) + gi*(E_inh - v)` or current-based "
        "`ge*(E_exc - v_rest) + gi*(E_inh - v_rest)`.",
        "",
    ]
    for name, model in models.MODELS.items():
        if name == "lif":
            continue
        strings = models.model_strings(
            name,
            "exc",
            clamp=cfg["exc.clamp_refractory"],
            trace_update=cfg["stdp.trace_update"],
        )
        params = ", ".join(f"`{key}` = {_q(cfg, f'exc.{name}.{key}')}" for key in model.params)
        lines += [
            f"### `{name}`: {model.title}",
            "",
            f"Source: {model.source}. Synapses: {model.synapses.replace('hh', 'conductance')}"
            f"-based.{' Parameters (`exc.' + name + '.*`): ' + params + '.' if params else ''}",
            "",
        ]
        for role in ("model", "threshold", "reset"):
            lines += [f"{role}:", "", "```", strings[role].strip(), "```", ""]
    return lines
