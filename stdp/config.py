"""Experiment configuration: every parameter, its default, its unit and its meaning.

A configuration is a TOML file whose sections mirror `SCHEMA` below. Physical
quantities are written as strings with a unit, ``"350 ms"``, ``"-65 mV"``,
``"63.75 Hz"``; they are parsed without ``eval`` (a number, then one of
Brian2's unit names) and checked against the dimension the parameter expects.
Unknown keys, wrong units and values of the wrong type are reported as a
`~stdp.errors.ConfigError` naming the key.

The defaults are the values of the original code of Diehl & Cook (2015) for
the 400-neuron network (peter-u-diehl/stdp-mnist). Where the paper and the
code differ, the default follows the code and the parameter's description
says what the paper does; see ``docs/model.md`` for the full list.

Examples
--------
>>> cfg = load_config(None, overrides=["network.n_exc=100", "protocol.presentation=200 ms"])
>>> cfg["network.n_exc"]
100
>>> print(cfg["protocol.presentation"])
200. ms
"""

from __future__ import annotations

import copy
import importlib.util
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import brian2
from brian2.units.fundamentalunits import DIMENSIONLESS, Quantity, get_dimensions

from .errors import ConfigError

__all__ = [
    "Param",
    "SCHEMA",
    "Config",
    "load_config",
    "eval_config",
    "parse_quantity",
    "format_quantity",
]


@dataclass(frozen=True)
class Param:
    """One configuration parameter.

    Parameters
    ----------
    default : object
        The default value; quantities are given as strings such as ``"5 ms"``.
    kind : `brian2.Unit` or type
        For a physical quantity, the unit it is written in by default (its
        dimension is what values are checked against); otherwise the Python type
        (``int``, ``float``, ``bool``, ``str``).
    doc : str
        What the parameter means, where its default comes from.
    choices : tuple of str, optional
        The allowed values of a string parameter.
    """

    default: Any
    kind: Any
    doc: str
    choices: tuple[str, ...] | None = None

    @property
    def is_quantity(self) -> bool:
        return isinstance(self.kind, brian2.Unit)


ms, mV, Hz, second = brian2.ms, brian2.mV, brian2.Hz, brian2.second


def _neuron(
    v_rest: str,
    v_reset: str,
    v_thresh: str,
    tau_m: str,
    e_inh: str,
    refractory: str,
    clamp: bool,
    v_init: str,
    what: str,
) -> dict[str, Param]:
    return {
        "v_rest": Param(v_rest, mV, f"resting potential of the {what} neurons"),
        "v_reset": Param(v_reset, mV, "potential after a spike"),
        "v_thresh": Param(
            v_thresh, mV, "firing threshold (for excitatory neurons: plus theta - theta_offset)"
        ),
        "tau_m": Param(tau_m, ms, "membrane time constant"),
        "tau_ge": Param("1 ms", ms, "decay time constant of the excitatory conductance ge"),
        "tau_gi": Param("2 ms", ms, "decay time constant of the inhibitory conductance gi"),
        "E_exc": Param("0 mV", mV, "reversal potential of excitatory synapses"),
        "E_inh": Param(e_inh, mV, "reversal potential of inhibitory synapses"),
        "refractory": Param(refractory, ms, "no spike within this time after a spike"),
        "clamp_refractory": Param(
            clamp,
            bool,
            "hold v at v_reset during the refractory period. The original (Brian 1) code clamps "
            "the inhibitory neurons (scalar reset) but not the excitatory ones (string reset); "
            "the Brian 2 ports clamp both",
        ),
        "v_init": Param(
            v_init, mV, "membrane potential at the start of training (code: v_rest - 40 mV)"
        ),
    }


#: The configuration schema: sections (nested dicts) of `Param`.
SCHEMA: dict[str, Any] = {
    "seed": Param(42, int, "seed of every random draw: initial weights, delays and Poisson input"),
    "device": Param(
        "cpp_standalone",
        str,
        "cpp_standalone: the whole protocol runs in compiled C++ (fast); runtime: Brian2's "
        "runtime mode with Cython code, for teaching and debugging (about 10x slower); "
        "cuda_standalone: Brian2CUDA on an NVIDIA GPU (needs the brian2cuda package)",
        choices=("cpp_standalone", "runtime", "cuda_standalone"),
    ),
    "dataset": {
        "name": Param(
            "digits",
            str,
            "digits: scikit-learn's 8x8 digits (embedded); mnist; fashion_mnist",
            choices=("digits", "mnist", "fashion_mnist"),
        ),
        "idx_dir": Param("", str, "folder with the four IDX files, tried first (empty: not used)"),
    },
    "network": {
        "n_exc": Param(400, int, "number of excitatory neurons (and of inhibitory neurons)"),
        "dt": Param(
            "0.5 ms", ms, "integration time step (original code: 0.5 ms; most ports: 0.1 ms)"
        ),
        "method": Param(
            "euler",
            str,
            "integration method; forward Euler as in the original code",
            choices=("euler", "exponential_euler", "rk2", "rk4"),
        ),
        "inh_method": Param(
            "same",
            str,
            "integration method of the inhibitory neurons ('same': network.method). Each of "
            "them is driven by one excitatory neuron only, so forward Euler stays stable for "
            "them where the excitatory neurons need exponential Euler, which costs an exp() "
            "per neuron and step",
            choices=("same", "euler", "exponential_euler", "rk2", "rk4"),
        ),
        "w_exc_inh": Param(
            10.4, float, "exc->inh one-to-one weight (conductance in units of g_leak)"
        ),
        "w_inh_exc": Param(
            17.0,
            float,
            "inh->exc weight onto every excitatory neuron but the source's partner (code: 17.0; "
            "the paper's text: 10 nS)",
        ),
        "w_init_min": Param(
            0.003, float, "initial input->exc weights are uniform in [w_init_min, w_init_max)"
        ),
        "w_init_max": Param(0.303, float, "see w_init_min (code: (U[0,1) + 0.01) * 0.3)"),
        "delay_min": Param("0 ms", ms, "input->exc delays are uniform in [delay_min, delay_max]"),
        "delay_max": Param("10 ms", ms, "see delay_min (code: 0-10 ms)"),
    },
    "exc": {
        **_neuron(
            "-65 mV",
            "-65 mV",
            "-52 mV",
            "100 ms",
            "-100 mV",
            "5 ms",
            False,
            "-105 mV",
            "excitatory",
        ),
        "spike_block": Param(
            "0 ms",
            ms,
            "block spikes for this long after a spike (0: off). The Brian 2 ports read the "
            "original's 'timer' as a 50 ms block; in the original it blocks one time step",
        ),
        "theta_init": Param("20 mV", mV, "initial adaptive threshold theta"),
        "theta_plus": Param("0.05 mV", mV, "increase of theta at each spike (while learning)"),
        "tau_theta": Param("1e7 ms", ms, "decay time constant of theta (while learning)"),
        "theta_offset": Param(
            "20 mV", mV, "the code's hidden offset: threshold = v_thresh + theta - theta_offset"
        ),
    },
    "inh": _neuron(
        "-60 mV", "-45 mV", "-40 mV", "10 ms", "-85 mV", "2 ms", True, "-100 mV", "inhibitory"
    ),
    "stdp": {
        "rule": Param(
            "triplet",
            str,
            "learning rule of the input->exc synapses: triplet (the original code); the paper's "
            "power_law (its headline figures), exponential, symmetric (pre-and-post)",
            choices=("triplet", "power_law", "exponential", "symmetric"),
        ),
        "tau_pre": Param("20 ms", ms, "time constant of the presynaptic trace"),
        "tau_post1": Param(
            "20 ms", ms, "time constant of the fast postsynaptic trace (depression)"
        ),
        "tau_post2": Param(
            "40 ms", ms, "time constant of the slow postsynaptic trace (triplet term)"
        ),
        "nu_pre": Param(1e-4, float, "depression at a presynaptic spike: w -= nu_pre * post1"),
        "nu_post": Param(
            1e-2, float, "potentiation at a postsynaptic spike: w += nu_post * pre * post2"
        ),
        "w_max": Param(1.0, float, "weights are clipped to [0, w_max] after every update"),
        "eta_pre": Param(
            1e-4,
            float,
            "symmetric rule: depression at a presynaptic spike, -eta_pre * post1 * w**mu "
            "(value: the code's nu_ee_pre)",
        ),
        "eta_post": Param(
            1e-2,
            float,
            "power_law/exponential/symmetric rules: learning rate at a postsynaptic spike "
            "(value: the code's nu_ee_post)",
        ),
        "x_tar": Param(
            0.2,
            float,
            "target presynaptic trace: below it a postsynaptic spike depresses (value: our "
            "sweep of the power-law rule, docs/tuning.md; the code's unused STDP_offset is 0.4)",
        ),
        "mu": Param(
            0.2,
            float,
            "exponent of the weight dependence (value: the code's unused exp_ee_pre/post)",
        ),
        "beta": Param(
            1.0, float, "exponential rule: strength of the weight dependence (our choice)"
        ),
        "trace_update": Param(
            "set",
            str,
            "set: a spike sets its trace to 1 (original code); add: adds 1 (the paper's text)",
            choices=("set", "add"),
        ),
    },
    "normalization": {
        "enabled": Param(
            True, bool, "divisive weight normalisation before every presentation while learning"
        ),
        "total": Param(
            "auto",
            float,
            "target sum of each excitatory neuron's input weights; 'auto': 78 * n_inputs / 784 "
            "(the code's 78 for MNIST)",
        ),
    },
    "encoding": {
        "max_rate": Param(
            "63.75 Hz", Hz, "Poisson rate of a white pixel (code: pixel/8 * intensity 2 = 255/4 Hz)"
        ),
        "retry_rate_step": Param(
            "31.875 Hz",
            Hz,
            "added to the white-pixel rate at each re-presentation "
            "(code: intensity + 1, i.e. pixel/8)",
        ),
        "generator": Param(
            "geometric",
            str,
            "how Poisson spikes are drawn, with the same statistics: bernoulli (a random number "
            "per input and time step, as Brian2's PoissonGroup and the original code) or "
            "geometric (one per spike, from the waiting time to the next spike; faster)",
            choices=("geometric", "bernoulli"),
        ),
        "min_spikes": Param(
            5, int, "an example evoking fewer excitatory spikes is presented again"
        ),
        "max_retries": Param(
            15,
            int,
            "at most this many re-presentations of one example (the original has no bound); "
            "examples that reach it are counted and reported",
        ),
        "retry_count": Param(
            "window",
            str,
            "window: count spikes of the last 350 ms window only (code); cumulative: over all "
            "presentations of the example (the paper's text)",
            choices=("window", "cumulative"),
        ),
    },
    "protocol": {
        "presentation": Param("350 ms", ms, "how long an example is shown"),
        "rest": Param("150 ms", ms, "input off after each presentation, so that variables decay"),
        "eval_presentation": Param(
            "same",
            ms,
            "how long an example is shown in the labelling and test passes, where learning is "
            "off ('same': protocol.presentation). A longer window gives each neuron more spikes "
            "to be labelled and to vote with; a fast protocol can train with short windows and "
            "still be read out with the paper's 350 ms",
        ),
        "reset_state": Param(
            False,
            bool,
            "at the start of every presentation set v to rest and the conductances and STDP "
            "traces to 0 (a fast-protocol option: lets a short rest replace the paper's 150 ms "
            "decay; theta and the weights are kept)",
        ),
    },
    "train": {
        "n_examples": Param(
            60000, int, "training presentations (examples taken in order, cycling: j mod n_train)"
        ),
        "accuracy_every": Param(
            10000,
            int,
            "running training accuracy (paper Fig. 2C): label neurons on each block of this many "
            "training examples and score the next block (0: off)",
        ),
        "snapshot_every": Param(
            0, int, "save the weights every this many training examples, for animations (0: off)"
        ),
        "checkpoint_every": Param(
            10000, int, "write checkpoint.npz every this many training examples"
        ),
    },
    "label": {
        "n_examples": Param(
            "all",
            int,
            "training examples used to assign labels to neurons ('all': the whole training set)",
        ),
    },
    "test": {
        "n_examples": Param("all", int, "test examples evaluated ('all': the whole test set)"),
        "presentations": Param(
            1,
            int,
            "show the test set this many times (each with new Poisson input) and report the "
            "accuracy as mean and SD over them (the paper: 10)",
        ),
    },
    "equations": {
        key: Param(
            "",
            str,
            f"replace the built-in {what} (a Brian2 string; empty: built-in, see "
            "stdp/equations.py). Must keep the variables the engine uses",
        )
        for key, what in (
            ("exc_model", "excitatory model equations"),
            ("exc_threshold", "excitatory threshold condition"),
            ("exc_reset", "excitatory reset code"),
            ("inh_model", "inhibitory model equations"),
            ("inh_threshold", "inhibitory threshold condition"),
            ("inh_reset", "inhibitory reset code"),
            ("stdp_on_pre", "input->exc on_pre code (transmission and depression)"),
            ("stdp_on_post", "input->exc on_post code (potentiation)"),
            ("exc_to_inh_on_pre", "exc->inh on_pre code"),
            ("inh_to_exc_on_pre", "inh->exc on_pre code"),
        )
    },
    "engine": {
        "chunk_cycles": Param(
            1000,
            int,
            "presentation cycles (presentation + rest) per compiled run; between chunks Python "
            "shows progress and writes checkpoints",
        ),
        "eval_shard_size": Param(
            "all",
            int,
            "cut labelling and test passes into shards of this many examples, each started from "
            "the trained state ('all': one piece); results depend on it, not on engine.workers",
        ),
        "workers": Param(
            1, int, "processes that run the shards of a labelling or test pass at once"
        ),
        "spike_queue": Param(
            "runs",
            str,
            "cpp_standalone's synaptic delay queue: runs (stdp/cpp/spikequeue.h: each source's "
            "synapses grouped by delay and queued one group at a time) or brian2 (Brian2's "
            "own, one synapse at a time); the same events in the same order, so the same "
            "results bit for bit",
            choices=("runs", "brian2"),
        ),
        "build_dir": Param(
            "", str, "where compiled code is cached (empty: $STDP_CACHE_DIR or ~/.cache/stdp)"
        ),
    },
}

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_QUANTITY_RE = re.compile(
    rf"^\s*({_NUMBER})\s*(?:\*\s*)?([A-Za-zµ_][A-Za-z0-9µ_]*(?:\s*[*/]\s*[A-Za-zµ_][A-Za-z0-9µ_]*)*)?\s*$"
)


def _unit_table() -> dict[str, brian2.Unit]:
    table = {}
    for unit in brian2.units.allunits.all_units:
        table.setdefault(str(unit), unit)
        table.setdefault(unit.dispname, unit)
    for name in ("second", "volt", "hertz", "siemens", "amp", "farad", "ohm"):
        table[name] = getattr(brian2, name)
    table["s"] = brian2.second
    table["us"] = brian2.usecond
    table["Hz"] = brian2.Hz
    return table


_UNITS = _unit_table()


def parse_quantity(text: str | float | int, expected: brian2.Unit, key: str = "value") -> Quantity:
    """Parse ``"350 ms"`` into a Brian2 quantity and check its dimension.

    Parameters
    ----------
    text : str or number
        A number followed by a unit name (``"350 ms"``, ``"0.05 mV"``,
        ``"1e7 ms"``). A bare number is accepted only for dimensionless
        parameters and for zero.
    expected : `brian2.Unit`
        A unit of the expected dimension.
    key : str
        The configuration key, used in error messages.

    Returns
    -------
    `brian2.Quantity`

    Raises
    ------
    ConfigError
        If the text is not a number with a known unit, or the unit has the wrong
        dimension.
    """
    expected_dim = get_dimensions(expected)
    if isinstance(text, bool):
        raise ConfigError(f"{key}: expected a quantity in {expected!s}, got {text!r}")
    if isinstance(text, int | float):
        if expected_dim is DIMENSIONLESS or text == 0:
            return Quantity(float(text), dim=expected_dim)
        raise ConfigError(
            f'{key}: expected a quantity with a unit, such as "{text} {expected!s}", '
            f"got the bare number {text!r}"
        )
    if not isinstance(text, str):
        raise ConfigError(f'{key}: expected a string such as "1 {expected!s}", got {text!r}')
    match = _QUANTITY_RE.match(text)
    if match is None:
        raise ConfigError(
            f'{key}: cannot read {text!r} as a number with a unit (e.g. "1 {expected!s}")'
        )
    number, unit_text = match.groups()
    value = Quantity(float(number))
    if unit_text:
        tokens = re.split(r"\s*([*/])\s*", unit_text.strip())
        for op, name in zip(["*", *tokens[1::2]], tokens[0::2], strict=True):
            unit = _UNITS.get(name)
            if unit is None:
                raise ConfigError(f"{key}: unknown unit {name!r} in {text!r}")
            value = value * unit if op == "*" else value / unit
    if get_dimensions(value) != expected_dim:
        raise ConfigError(
            f"{key}: {text!r} is a {_dim_name(value)} but a {_dim_name(expected)} "
            f'(such as "1 {expected!s}") is expected'
        )
    return value


_DIMENSION_NAMES = {
    "s": "time",
    "m^2 kg s^-3 A^-1": "voltage",
    "s^-1": "rate",
    "1": "dimensionless number",
}


def _dim_name(unit: brian2.Unit) -> str:
    dim = str(get_dimensions(unit))
    return _DIMENSION_NAMES.get(dim, f"quantity of dimension {dim}")


def format_quantity(value: Quantity, unit: brian2.Unit) -> str:
    """Write a quantity as ``"<number> <unit>"`` so that `parse_quantity` reads it back exactly."""
    number = float(value / unit)
    return f"{number!r} {unit!s}"


def _check_scalar(value: Any, param: Param, key: str) -> Any:
    if param.is_quantity:
        if value == "same" and param.default == "same":
            return "same"
        return parse_quantity(value, param.kind, key)
    if param.kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key}: expected true or false, got {value!r}")
        return value
    if param.kind is int:
        if value == "all" and param.default == "all":
            return "all"
        if isinstance(value, bool) or not isinstance(value, int):
            hint = ' or "all"' if param.default == "all" else ""
            raise ConfigError(f"{key}: expected an integer{hint}, got {value!r}")
        if value < 0:
            raise ConfigError(f"{key}: expected a non-negative integer, got {value}")
        return value
    if param.kind is float:
        if value == "auto" and param.default == "auto":
            return "auto"
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise ConfigError(f"{key}: expected a number, got {value!r}")
        return float(value)
    if param.kind is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key}: expected a string, got {value!r}")
        if param.choices is not None and value not in param.choices:
            raise ConfigError(f"{key}: {value!r} is not one of {', '.join(param.choices)}")
        return value
    raise AssertionError(param)  # pragma: no cover


def _iter_schema(schema: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Param]]:
    for name, item in schema.items():
        key = f"{prefix}{name}"
        if isinstance(item, Param):
            yield key, item
        else:
            yield from _iter_schema(item, key + ".")


_FLAT_SCHEMA: dict[str, Param] = dict(_iter_schema(SCHEMA))


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat = {}
    for name, value in data.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            if key in _FLAT_SCHEMA:
                raise ConfigError(f"{key}: expected a value, got a table")
            flat.update(_flatten(value, key + "."))
        else:
            flat[key] = value
    return flat


def _suggest(key: str) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(_FLAT_SCHEMA), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _parse_override(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise ConfigError(f"--set {text!r}: expected section.key=value")
    key, raw = (part.strip() for part in text.split("=", 1))
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


class Config:
    """A fully resolved configuration (every key of `SCHEMA` present and checked).

    Values are read with dotted keys: ``cfg["exc.theta_plus"]`` is a
    `brian2.Quantity`, ``cfg["network.n_exc"]`` an ``int``. Use `load_config`
    to make one.
    """

    def __init__(self, values: Mapping[str, Any], source: str | None = None):
        self._values = dict(values)
        self.source = source

    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise KeyError(f"unknown configuration key {key!r}{_suggest(key)}") from None

    def __contains__(self, key: str) -> bool:
        return key in self._values

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Config) and self.to_dict() == other.to_dict()

    def section(self, name: str) -> dict[str, Any]:
        """Return the values of one section as a flat ``{key: value}`` dict."""
        prefix = name + "."
        return {k[len(prefix) :]: v for k, v in self._values.items() if k.startswith(prefix)}

    def replace(self, **changes: Any) -> Config:
        """Return a copy with some dotted keys changed (use ``__`` for dots)."""
        overrides = [(key.replace("__", "."), value) for key, value in changes.items()]
        return _resolve(self.to_dict(), overrides, self.source)

    def to_dict(self) -> dict[str, Any]:
        """Nested dict of TOML-writable values (quantities as ``"<number> <unit>"`` strings)."""
        nested: dict[str, Any] = {}
        for key, value in self._values.items():
            param = _FLAT_SCHEMA[key]
            if param.is_quantity and not isinstance(value, str):
                value = format_quantity(value, param.kind)
            node = nested
            *parents, leaf = key.split(".")
            for parent in parents:
                node = node.setdefault(parent, {})
            node[leaf] = value
        return nested

    def to_toml(self) -> str:
        """The resolved configuration as TOML text (every key, with its value)."""
        import tomli_w

        return tomli_w.dumps(self.to_dict())

    def flat(self) -> dict[str, Any]:
        """A copy of the flat ``{dotted key: value}`` mapping."""
        return dict(self._values)


def _resolve(
    data: Mapping[str, Any], overrides: Iterable[tuple[str, Any]], source: str | None
) -> Config:
    flat = _flatten(data)
    for key, value in overrides:
        flat[key] = value
    values = {}
    for key in flat:
        if key not in _FLAT_SCHEMA:
            where = f" in {source}" if source else ""
            raise ConfigError(f"unknown configuration key {key!r}{where}{_suggest(key)}")
    for key, param in _FLAT_SCHEMA.items():
        values[key] = _check_scalar(flat.get(key, param.default), param, key)
    cfg = Config(values, source)
    _check_consistency(cfg)
    return cfg


def _check_consistency(cfg: Config) -> None:
    def positive(key: str) -> None:
        if not float(cfg[key]) > 0:
            raise ConfigError(f"{key}: must be positive, got {cfg[key]}")

    for key in (
        "network.n_exc",
        "network.dt",
        "protocol.presentation",
        "engine.chunk_cycles",
        "train.checkpoint_every",
        "test.presentations",
        "engine.workers",
        "stdp.w_max",
        "stdp.tau_pre",
        "stdp.tau_post1",
        "stdp.tau_post2",
        "exc.tau_m",
        "inh.tau_m",
        "exc.tau_theta",
    ):
        positive(key)
    if cfg["device"] == "cuda_standalone" and importlib.util.find_spec("brian2cuda") is None:
        raise ConfigError(
            "device: cuda_standalone needs the brian2cuda package (and an NVIDIA GPU with the "
            "CUDA toolkit), which is not installed; use cpp_standalone on this machine"
        )
    if cfg["engine.eval_shard_size"] == 0:
        raise ConfigError("engine.eval_shard_size: must be a positive number of examples or 'all'")
    if float(cfg["protocol.rest"]) < float(cfg["network.delay_max"]):
        raise ConfigError(
            f"protocol.rest: must be at least network.delay_max ({cfg['network.delay_max']}) "
            "so that "
            "no input spike is in flight when one compiled chunk ends and the next begins"
        )
    if (
        float(cfg["network.delay_max"]) < float(cfg["network.delay_min"])
        or float(cfg["network.delay_min"]) < 0
    ):
        raise ConfigError("network.delay_min/delay_max: need 0 <= delay_min <= delay_max")
    if not cfg["network.w_init_min"] <= cfg["network.w_init_max"]:
        raise ConfigError("network.w_init_min: must not exceed network.w_init_max")
    dt = float(cfg["network.dt"])
    if cfg["protocol.eval_presentation"] != "same":
        positive("protocol.eval_presentation")
    for key in ("protocol.presentation", "protocol.rest", "protocol.eval_presentation"):
        if cfg[key] == "same":
            continue
        steps = float(cfg[key]) / dt
        if abs(steps - round(steps)) > 1e-6:
            raise ConfigError(
                f"{key}: {cfg[key]} is not a whole number of time steps of {cfg['network.dt']}"
            )


def eval_config(cfg: Config) -> Config:
    """The configuration of the labelling and test passes (learning off).

    The same as ``cfg`` except that ``protocol.presentation`` is
    ``protocol.eval_presentation`` when that is not ``"same"``.
    """
    value = cfg["protocol.eval_presentation"]
    if value == "same" or value == cfg["protocol.presentation"]:
        return cfg
    return cfg.replace(protocol__presentation=format_quantity(value, ms))


def load_config(path: str | Path | None, overrides: Iterable[str] = ()) -> Config:
    """Read a TOML configuration, apply ``--set`` overrides and check everything.

    Parameters
    ----------
    path : str or Path or None
        The TOML file; ``None`` starts from the defaults.
    overrides : iterable of str
        ``"section.key=value"`` strings; the value is read as a TOML value
        (``100``, ``1e-4``, ``true``, ``"0.5 ms"``) and, if that fails, as a
        plain string (so ``protocol.presentation=200 ms`` works unquoted).

    Returns
    -------
    Config

    Raises
    ------
    ConfigError
        For a missing or malformed file, an unknown key, a wrong unit or type.
    """
    data: dict[str, Any] = {}
    source = None
    if path is not None:
        path = Path(path)
        source = str(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise ConfigError(f"{path}: not valid TOML: {err}") from None
    parsed = [_parse_override(text) for text in overrides]
    return _resolve(copy.deepcopy(data), parsed, source)
