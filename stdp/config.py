"""Experiment configuration: reading, checking and writing the parameters of `SCHEMA`.

A configuration is a TOML file (or a dict) whose sections mirror
`stdp.schema.SCHEMA`, where every parameter is listed with its default, unit,
allowed range and meaning. Physical quantities are written as strings with a
unit, ``"350 ms"``, ``"-65 mV"``, ``"63.75 Hz"`` (parsed without ``eval``: a
number, then one of Brian2's unit names), or given as Brian2 quantities
(``350 * ms``); either way they are checked against the dimension the
parameter expects. Unknown keys, wrong units, values of the wrong type and
values outside the parameter's range are reported as a
`~stdp.errors.ConfigError` naming the key, before anything runs.

Examples
--------
>>> cfg = load_config(None, overrides=["network.n_exc=100", "protocol.presentation=200 ms"])
>>> cfg["network.n_exc"]
100
>>> print(cfg["protocol.presentation"])
200. ms
>>> load_config({"network": {"n_exc": 100}}, {"protocol.presentation": 200 * ms}) == cfg
True
"""

from __future__ import annotations

import copy
import difflib
import functools
import importlib.util
import math
import numbers
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import brian2
import numpy as np
from brian2.units.fundamentalunits import DIMENSIONLESS, Quantity, get_dimensions

from .encoding import TEMPORAL_CODES
from .errors import ConfigError
from .schema import FLAT_SCHEMA, SCHEMA, Hz, Param, Range, iter_schema, ms, mV, second

__all__ = [
    "Param",
    "Range",
    "SCHEMA",
    "Config",
    "load_config",
    "eval_config",
    "parse_quantity",
    "format_quantity",
    "ms",
    "mV",
    "Hz",
    "second",
]

# Former private names, still used by other modules and tests.
_FLAT_SCHEMA = FLAT_SCHEMA
_iter_schema = iter_schema

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


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool | np.bool_)


def _finite_float(value: Any, key: str, what: str) -> float:
    """``float(value)``, with overflow and non-finite values as a ConfigError."""
    try:
        number = float(value)
    except OverflowError:
        raise ConfigError(f"{key}: {value!r} is too large for a {what}") from None
    if not math.isfinite(number):
        raise ConfigError(f"{key}: {value!r} is not a finite {what}")
    return number


def _same_dim(a: Any, b: Any) -> bool:
    """Dimension equality; Brian2 caches dimensions, so ``is`` settles the usual case fast."""
    return a is b or a == b


@np.errstate(all="ignore")  # extreme values are reported, not warned about
def parse_quantity(text: Any, expected: brian2.Unit, key: str = "value") -> Quantity:
    """Read ``"350 ms"`` (or ``350 * ms``) as a Brian2 quantity and check its dimension.

    Parameters
    ----------
    text : str or number or `brian2.Quantity`
        A number followed by a unit name (``"350 ms"``, ``"0.05 mV"``,
        ``"1e7 ms"``), or a scalar Brian2 quantity. A bare number is accepted
        only for dimensionless parameters and for zero.
    expected : `brian2.Unit`
        A unit of the expected dimension.
    key : str
        The configuration key, used in error messages.

    Returns
    -------
    `brian2.Quantity`
        A finite scalar quantity.

    Raises
    ------
    ConfigError
        If the text is not a number with a known unit, the unit has the wrong
        dimension, or the value is not finite.

    Examples
    --------
    >>> print(parse_quantity("0.35 s", ms))
    0.35 s
    >>> print(parse_quantity(350 * ms, ms))
    0.35 s
    >>> parse_quantity("350 mV", ms, "exc.tau_m")
    Traceback (most recent call last):
    ...
    stdp.errors.ConfigError: exc.tau_m: '350 mV' is a voltage but a time (such as "1 ms") is ...
    """
    expected_dim = get_dimensions(expected)
    if _is_bool(text):
        raise ConfigError(f"{key}: expected a quantity in {expected!s}, got {text!r}")
    if isinstance(text, Quantity):
        if text.shape != ():
            raise ConfigError(f"{key}: expected one quantity, got an array of shape {text.shape}")
        dim = get_dimensions(text)
        if dim is DIMENSIONLESS and expected_dim is not DIMENSIONLESS:
            text = float(np.asarray(text))  # a bare number: read below
        else:
            number = _finite_float(np.asarray(text), key, "quantity")
            value = Quantity(number, dim=dim)
            if not _same_dim(dim, expected_dim):
                raise ConfigError(
                    f"{key}: {_show(value)} is a {_dim_name(value)} but a {_dim_name(expected)} "
                    f'(such as "1 {expected!s}") is expected'
                )
            return value
    if isinstance(text, numbers.Real):
        number = _finite_float(text, key, "number")
        if expected_dim is DIMENSIONLESS or number == 0:
            return Quantity(number, dim=expected_dim)
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
    number_text, unit_text = match.groups()
    value = Quantity(float(number_text))
    if unit_text and unit_text.strip() in _UNITS:  # one unit name: the usual case, made fast
        unit = _UNITS[unit_text.strip()]
        value = Quantity(float(number_text) * float(unit), dim=unit.dim)
    elif unit_text:
        tokens = re.split(r"\s*([*/])\s*", unit_text.strip())
        for op, name in zip(["*", *tokens[1::2]], tokens[0::2], strict=True):
            unit = _UNITS.get(name)
            if unit is None:
                raise ConfigError(f"{key}: unknown unit {name!r} in {text!r}")
            with np.errstate(all="ignore"):
                value = value * unit if op == "*" else value / unit
    if not _same_dim(get_dimensions(value), expected_dim):
        raise ConfigError(
            f"{key}: {text!r} is a {_dim_name(value)} but a {_dim_name(expected)} "
            f'(such as "1 {expected!s}") is expected'
        )
    if not math.isfinite(float(np.asarray(value))):
        raise ConfigError(f"{key}: {text!r} is not a finite quantity")
    return value


_DIMENSION_NAMES = {
    "s": "time",
    "m^2 kg s^-3 A^-1": "voltage",
    "s^-1": "rate",
    "1": "dimensionless number",
}


def _show(value: Quantity, unit: brian2.Unit | None = None) -> str:
    """A quantity in messages, ``"350 ms"`` (Brian2's own display warns on extreme values)."""
    if unit is None:
        unit = brian2.get_unit(get_dimensions(value))
    return f"{float(np.asarray(value)) / float(unit):g} {unit!s}"


def _dim_name(unit: brian2.Unit) -> str:
    dim = str(get_dimensions(unit))
    return _DIMENSION_NAMES.get(dim, f"quantity of dimension {dim}")


def format_quantity(value: Quantity, unit: brian2.Unit) -> str:
    """Write a quantity as ``"<number> <unit>"`` so that `parse_quantity` reads it back exactly.

    Parameters
    ----------
    value : `brian2.Quantity`
        A finite scalar quantity.
    unit : `brian2.Unit`
        The unit to write it in (of the same dimension).

    Returns
    -------
    str
        The shortest number in ``unit`` that reads back to exactly ``value``;
        in the rare case that none does, the value in SI base units.

    Examples
    --------
    >>> format_quantity(350 * ms, ms)
    '350.0 ms'
    >>> format_quantity(parse_quantity("0.35 s", ms), ms)
    '349.99999999999994 ms'
    """
    si, scale = float(np.asarray(value)), float(unit)
    number = si / scale
    for _ in range(8):
        back = number * scale  # what parse_quantity computes
        if back == si:
            return f"{number!r} {unit!s}"
        number = math.nextafter(number, math.inf if back < si else -math.inf)
    base = brian2.get_unit(get_dimensions(unit))
    return f"{si!r} {base!s}"


def _out_of_range(key: str, shown: str, param: Param) -> ConfigError:
    return ConfigError(f"{key}: {shown} is out of range (allowed: {param.allowed()})")


def _check_range(number: float, param: Param, key: str, shown: str) -> None:
    rng = param.range if param.range is not None else Range()
    if not rng.contains(number):
        raise _out_of_range(key, shown, param)


#: Default values that stand for "derive it from other keys" ("same": as in training).
_SENTINELS = ("same", "all", "auto")


@np.errstate(all="ignore")  # extreme values are reported, not warned about
def _check_scalar(value: Any, param: Param, key: str) -> Any:
    """Check one value against its parameter: type, unit, range; return the stored value."""
    sentinel = param.default if param.default in _SENTINELS and param.kind is not str else None
    if sentinel is not None and isinstance(value, str) and value == sentinel:
        return sentinel
    hint = f' or "{sentinel}"' if sentinel is not None else ""
    if param.is_quantity:
        if isinstance(value, str) and sentinel is not None and _QUANTITY_RE.match(value) is None:
            raise ConfigError(
                f'{key}: expected a quantity such as "1 {param.kind!s}"{hint}, got {value!r}'
            )
        quantity = parse_quantity(value, param.kind, key)
        number = float(np.asarray(quantity)) / float(param.kind)
        _check_range(number, param, key, f"{number:g} {param.kind!s}")
        return quantity
    if param.kind is bool:
        if not _is_bool(value):
            raise ConfigError(f"{key}: expected true or false, got {value!r}")
        return bool(value)
    if param.kind is int:
        if _is_bool(value) or not isinstance(value, numbers.Integral):
            raise ConfigError(f"{key}: expected an integer{hint}, got {value!r}")
        value = int(value)
        _check_range(value, param, key, str(value))
        return value
    if param.kind is float:
        if isinstance(value, Quantity) and value.shape == () and value.is_dimensionless:
            value = float(np.asarray(value))
        if _is_bool(value) or not isinstance(value, numbers.Real):
            raise ConfigError(f"{key}: expected a number{hint}, got {value!r}")
        number = _finite_float(value, key, "number")
        _check_range(number, param, key, f"{number:g}")
        return number
    if param.kind is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key}: expected a string, got {value!r}")
        if param.choices is not None and value not in param.choices:
            raise ConfigError(f"{key}: {value!r} is not one of {', '.join(param.choices)}")
        return value
    raise AssertionError(param)  # pragma: no cover


#: The topology settings and the layers (topology.kind) they apply to: a value set
#: for another kind of layer would be silently ignored, so it is refused.
_TOPOLOGY_KEYS = {
    **{
        f"topology.{k}": ("local", "conv")
        for k in ("kernel", "stride", "filters", "inhibition", "pool")
    },
    "topology.share": ("conv",),
    "topology.dense_filters": ("local",),
    "topology.dense_theta_plus": ("local",),
    "topology.retry_spikes": ("local",),
}

_SECTIONS = {key.rsplit(".", 1)[0] for key in FLAT_SCHEMA if "." in key}


def _flatten(data: Mapping[Any, Any], prefix: str = "") -> dict[str, Any]:
    """Nested sections and/or dotted keys as one flat ``{dotted key: value}`` dict."""
    flat: dict[str, Any] = {}
    for name, value in data.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            if key in FLAT_SCHEMA:
                raise ConfigError(f"{key}: expected a value, got a table")
            items = _flatten(value, key + ".").items()
        elif key in _SECTIONS:
            raise ConfigError(f"{key}: is a section; expected a table of its keys, got {value!r}")
        else:
            items = [(key, value)]
        for flat_key, flat_value in items:
            if flat_key in flat:
                raise ConfigError(f"{flat_key}: given twice (as a dotted key and in its section)")
            flat[flat_key] = flat_value
    return flat


def _suggest(key: str) -> str:
    close = difflib.get_close_matches(key, list(FLAT_SCHEMA), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _parse_override(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise ConfigError(f"--set {text!r}: expected section.key=value")
    key, raw = (part.strip() for part in text.split("=", 1))
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except (tomllib.TOMLDecodeError, KeyError):
        value = raw
    return key, value


def _override_pairs(overrides: Any) -> list[tuple[str, Any]]:
    """``"key=value"`` strings, ``(key, value)`` pairs or a mapping, as ``(key, value)`` pairs."""
    if overrides is None:
        return []
    if isinstance(overrides, str):
        overrides = [overrides]
    if isinstance(overrides, Mapping):
        return list(_flatten(overrides).items())
    if not isinstance(overrides, Iterable):
        raise ConfigError(
            f"overrides: expected 'key=value' strings or a mapping, got {overrides!r}"
        )
    pairs = []
    for item in overrides:
        if isinstance(item, str):
            pairs.append(_parse_override(item))
        elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            pairs.append(item)
        else:
            raise ConfigError(f"overrides: expected a 'key=value' string, got {item!r}")
    return pairs


class Config:
    """A fully resolved configuration (every key of `SCHEMA` present and checked).

    Values are read with dotted keys: ``cfg["exc.theta_plus"]`` is a
    `brian2.Quantity`, ``cfg["network.n_exc"]`` an ``int``. Make one with
    `load_config` or `Config.from_dict`. Two configurations are equal when
    all their values are; a configuration can be deep-copied and pickled, and
    ``load_config(cfg.to_dict()) == cfg``.

    Parameters
    ----------
    values : mapping
        ``{dotted key: checked value}`` for every key of the schema (use
        `load_config`, which checks them).
    source : str, optional
        Where the values came from (a file name), for messages.

    Examples
    --------
    >>> cfg = Config.from_dict({"network.n_exc": 100})
    >>> cfg["network.n_exc"], cfg.section("network")["n_exc"]
    (100, 100)
    >>> cfg
    Config({'network.n_exc': 100})
    >>> load_config(cfg.to_dict()) == cfg
    True
    >>> cfg.replace(network__n_exc=200)["network.n_exc"]
    200
    """

    def __init__(self, values: Mapping[str, Any], source: str | None = None):
        self._values = dict(values)
        self.source = source

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any],
        overrides: Iterable[str] | Mapping[str, Any] = (),
    ) -> Config:
        """Check a dict of values (nested sections and/or dotted keys) and return a Config.

        The same as ``load_config(data, overrides)``; keys not given take their
        default.

        Parameters
        ----------
        data : mapping
            ``{"network": {"n_exc": 100}}`` and/or ``{"network.n_exc": 100}``;
            quantities as strings (``"350 ms"``) or Brian2 quantities.
        overrides : iterable of str or mapping, optional
            Applied after ``data``, as in `load_config`.

        Returns
        -------
        Config

        Raises
        ------
        ConfigError
            For an unknown key, a value of the wrong type or unit, or out of range.

        Examples
        --------
        >>> print(Config.from_dict({"exc": {"tau_m": 50 * ms}})["exc.tau_m"])
        50. ms
        """
        if not isinstance(data, Mapping):
            raise ConfigError(f"expected a dict of configuration values, got {data!r}")
        return load_config(data, overrides)

    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise KeyError(f"unknown configuration key {key!r}{_suggest(str(key))}") from None

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Config) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable-looking container: compare, not hash

    def __repr__(self) -> str:
        defaults = _default_flat()
        changed = {k: v for k, v in self.to_flat_dict().items() if v != defaults.get(k)}
        where = f", source={self.source!r}" if self.source else ""
        return f"Config({changed!r}{where})"

    def section(self, name: str) -> dict[str, Any]:
        """Return the values of one section as a flat ``{key: value}`` dict."""
        prefix = name + "."
        return {k[len(prefix) :]: v for k, v in self._values.items() if k.startswith(prefix)}

    def replace(self, **changes: Any) -> Config:
        """Return a checked copy with some dotted keys changed (use ``__`` for dots).

        Examples
        --------
        >>> load_config().replace(stdp__nu_post=2e-2)["stdp.nu_post"]
        0.02
        """
        overrides = [(key.replace("__", "."), value) for key, value in changes.items()]
        return _resolve(self.to_dict(), overrides, self.source)

    def to_flat_dict(self) -> dict[str, Any]:
        """Flat ``{dotted key: value}`` dict of TOML-writable values (see `to_dict`)."""
        flat = {}
        for key, value in self._values.items():
            param = FLAT_SCHEMA[key]
            if param.is_quantity and not isinstance(value, str):
                value = format_quantity(value, param.kind)
            flat[key] = value
        return flat

    def to_dict(self) -> dict[str, Any]:
        """Nested dict of TOML-writable values (quantities as ``"<number> <unit>"`` strings)."""
        nested: dict[str, Any] = {}
        for key, value in self.to_flat_dict().items():
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
        """A copy of the flat ``{dotted key: value}`` mapping (quantities as Brian2 quantities)."""
        return dict(self._values)


@functools.cache
def _default_flat() -> dict[str, Any]:
    """The defaults as `Config.to_flat_dict` writes them (for a short repr)."""
    return load_config().to_flat_dict()


def _resolve(
    data: Mapping[str, Any], overrides: Iterable[tuple[str, Any]], source: str | None
) -> Config:
    flat = _flatten(data)
    for key, value in overrides:
        flat[key] = value
    for key in flat:
        if key not in FLAT_SCHEMA:
            where = f" in {source}" if source else ""
            raise ConfigError(f"unknown configuration key {key!r}{where}{_suggest(key)}")
    values = {
        key: _check_scalar(flat.get(key, param.default), param, key)
        for key, param in FLAT_SCHEMA.items()
    }
    cfg = Config(values, source)
    _check_consistency(cfg)
    return cfg


@np.errstate(all="ignore")  # extreme values are reported, not warned about
def _check_consistency(cfg: Config) -> None:
    """Checks across keys (each key's own range is checked by `_check_scalar`)."""
    if cfg["device"] == "cuda_standalone" and importlib.util.find_spec("brian2cuda") is None:
        raise ConfigError(
            "device: cuda_standalone needs the brian2cuda package (and an NVIDIA GPU with the "
            "CUDA toolkit), which is not installed; use cpp_standalone on this machine"
        )
    if float(cfg["protocol.rest"]) < float(cfg["network.delay_max"]):
        raise ConfigError(
            "protocol.rest: must be at least network.delay_max "
            f"({_show(cfg['network.delay_max'], ms)}) so that no input spike is in flight when "
            "one compiled chunk ends and the next begins"
        )
    if float(cfg["network.delay_max"]) < float(cfg["network.delay_min"]):
        raise ConfigError("network.delay_min/delay_max: need 0 <= delay_min <= delay_max")
    if not cfg["network.w_init_min"] <= cfg["network.w_init_max"]:
        raise ConfigError("network.w_init_min: must not exceed network.w_init_max")
    if cfg["topology.kind"] != "dense" and cfg["network.inhibition"] != "constant":
        raise ConfigError(
            f"network.inhibition: {cfg['network.inhibition']!r} is for the dense layer; a "
            f"{cfg['topology.kind']} layer's inhibition is chosen by topology.inhibition"
        )
    kind = cfg["topology.kind"]
    for key in _TOPOLOGY_KEYS:
        if kind not in _TOPOLOGY_KEYS[key] and cfg[key] != FLAT_SCHEMA[key].default:
            raise ConfigError(
                f"{key}: set to {cfg[key]!r}, but it applies only to "
                f"{' and '.join(_TOPOLOGY_KEYS[key])} layers and topology.kind is {kind!r}"
            )
    from .models import check_models  # the neuron models' own refusals

    check_models(cfg)
    dt = float(cfg["network.dt"])
    _check_code(cfg, dt)
    for key in ("protocol.presentation", "protocol.rest", "protocol.eval_presentation"):
        if cfg[key] == "same":
            continue
        steps = float(cfg[key]) / dt
        if not math.isfinite(steps) or abs(steps - round(steps)) > 1e-6:
            raise ConfigError(
                f"{key}: {_show(cfg[key], ms)} is not a whole number of time steps of "
                f"{_show(cfg['network.dt'], ms)}"
            )


def _check_code(cfg: Config, dt: float) -> None:
    """Checks of the temporal input codes' parameters against each other and the time step."""
    code = cfg["encoding.code"]
    if code not in TEMPORAL_CODES:
        return
    period = float(cfg["encoding.volley_period"])
    if period < dt * (1 - 1e-9):
        raise ConfigError(
            f"encoding.volley_period: {_show(cfg['encoding.volley_period'], ms)} is shorter "
            f"than network.dt ({_show(cfg['network.dt'], ms)})"
        )
    if code == "latency" and float(cfg["encoding.latency_max"]) >= period:
        raise ConfigError(
            f"encoding.latency_max: {_show(cfg['encoding.latency_max'], ms)} must be below "
            f"encoding.volley_period ({_show(cfg['encoding.volley_period'], ms)}) so that each "
            "volley ends before the next one starts"
        )
    if code == "rank_order" and float(cfg["encoding.rank_interval"]) < dt * (1 - 1e-9):
        raise ConfigError(
            f"encoding.rank_interval: {_show(cfg['encoding.rank_interval'], ms)} is shorter "
            f"than network.dt ({_show(cfg['network.dt'], ms)}): successive ranks would share "
            "a time step"
        )


def eval_config(cfg: Config) -> Config:
    """The configuration of the labelling and test passes (learning off).

    Parameters
    ----------
    cfg : Config
        The training configuration.

    Returns
    -------
    Config
        ``cfg`` itself, or a copy with ``protocol.presentation`` set to
        ``protocol.eval_presentation`` when that is not ``"same"``, and the
        inh->exc weights (``network.w_inh_exc``, ``network.inh_distance_scale``)
        multiplied by ``protocol.eval_inhibition`` when that is not ``"same"``
        or 1.

    Examples
    --------
    >>> cfg = load_config({"protocol": {"presentation": "100 ms", "eval_presentation": "350 ms"}})
    >>> print(eval_config(cfg)["protocol.presentation"])
    0.35 s
    >>> print(eval_config(cfg.replace(protocol__eval_inhibition=0.5))["network.w_inh_exc"])
    8.5
    """
    changes: dict[str, Any] = {}
    value = cfg["protocol.eval_presentation"]
    if not isinstance(value, str) and value != cfg["protocol.presentation"]:
        changes["protocol__presentation"] = format_quantity(value, ms)
    factor = cfg["protocol.eval_inhibition"]
    if not isinstance(factor, str) and factor != 1:
        changes["network__w_inh_exc"] = cfg["network.w_inh_exc"] * factor
        changes["network__inh_distance_scale"] = cfg["network.inh_distance_scale"] * factor
    return cfg.replace(**changes) if changes else cfg


def load_config(
    path: str | os.PathLike[str] | Mapping[str, Any] | Config | None = None,
    overrides: Iterable[str] | Mapping[str, Any] = (),
) -> Config:
    """Read a configuration (TOML file or dict), apply overrides and check everything.

    Parameters
    ----------
    path : str or path-like or mapping or Config or None, optional
        A TOML file; or a dict of values, with nested sections
        (``{"network": {"n_exc": 100}}``) and/or dotted keys
        (``{"network.n_exc": 100}``); or a `Config`; ``None`` (the default)
        starts from the defaults. Keys not given take their default.
    overrides : iterable of str or mapping, optional
        Applied on top of ``path``: ``"section.key=value"`` strings, as given
        to ``--set`` (the value is read as a TOML value, ``100``, ``1e-4``,
        ``true``, ``"0.5 ms"``, and, if that fails, as a plain string, so
        ``protocol.presentation=200 ms`` works unquoted); or a mapping
        ``{dotted key: value}`` of Python values.

    Returns
    -------
    Config

    Raises
    ------
    ConfigError
        For a missing or malformed file, an unknown key, a value of the wrong
        type or unit, a value outside the parameter's range (non-finite numbers
        included) or inconsistent values; the message names the key.

    Examples
    --------
    >>> from brian2 import ms
    >>> cfg = load_config({"network": {"n_exc": 100}}, {"exc.tau_m": 50 * ms})
    >>> cfg["network.n_exc"], str(cfg["exc.tau_m"])
    (100, '50. ms')
    >>> load_config(None, ["exc.tau_m=-5 ms"])
    Traceback (most recent call last):
    ...
    stdp.errors.ConfigError: exc.tau_m: -5 ms is out of range (allowed: > 0 ms)
    """
    source = None
    if path is None:
        data: Mapping[str, Any] = {}
    elif isinstance(path, Config):
        data, source = path.to_dict(), path.source
    elif isinstance(path, Mapping):
        data = path
    elif isinstance(path, str | os.PathLike):
        path = Path(path)
        source = str(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise ConfigError(f"{path}: not valid TOML: {err}") from None
        except OSError as err:
            raise ConfigError(f"{path}: cannot read: {err.strerror or err}") from None
    else:
        raise ConfigError(f"expected a TOML file, a dict or None, got {path!r}")
    return _resolve(copy.copy(data), _override_pairs(overrides), source)
