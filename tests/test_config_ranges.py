"""Parameter ranges: out-of-range, non-finite and absurd values are ConfigErrors."""

from __future__ import annotations

import math

import brian2
import numpy as np
import pytest
from brian2 import Hz, ms, mV, second
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stdp.config import Config, load_config
from stdp.errors import ConfigError
from stdp.schema import FLAT_SCHEMA, POSITIVE, Range

NUMERIC = [key for key, p in FLAT_SCHEMA.items() if p.is_quantity or p.kind in (int, float)]


def test_every_numeric_parameter_declares_a_range_its_default_lies_in():
    assert len(NUMERIC) > 40
    for key in NUMERIC:
        param = FLAT_SCHEMA[key]
        assert isinstance(param.range, Range), key
        default = load_config()[key]
        if isinstance(default, str):  # "same", "all", "auto"
            continue
        number = float(default / param.kind) if param.is_quantity else default
        assert param.range.contains(number), key
    for key, param in FLAT_SCHEMA.items():
        if key not in NUMERIC:
            assert param.range is None, key


def test_range_words_and_bounds():
    assert Range(0, low_open=True).describe("ms") == "> 0 ms"
    assert str(Range(0)) == ">= 0"
    assert str(Range(1, 2**31 - 1)) == "1 to 2147483647"
    assert str(Range(0.5, 1.5, low_open=True)) == "(0.5, 1.5]"
    assert str(Range()) == "any finite value"
    assert not POSITIVE.contains(0.0) and POSITIVE.contains(5e-324)
    assert not Range(0, 1).contains(math.inf) and not Range().contains(math.nan)
    assert Range(0, 1).contains(1) and not Range(0, 1, high_open=True).contains(1)
    assert FLAT_SCHEMA["exc.tau_m"].allowed() == "> 0 ms"
    assert FLAT_SCHEMA["stdp.rule"].allowed().startswith("one of triplet")


@pytest.mark.parametrize(
    "override, message",
    [
        ("exc.tau_m=-5 ms", r"exc\.tau_m: -5 ms is out of range \(allowed: > 0 ms\)"),
        ("inh.tau_ge=0 ms", r"inh\.tau_ge: 0 ms is out of range \(allowed: > 0 ms\)"),
        ("network.dt=0 ms", r"network\.dt: 0 ms .*> 0 ms"),
        ("exc.refractory=-1 ms", r"exc\.refractory: -1 ms .*>= 0 ms"),
        ("encoding.max_rate=-1 Hz", r"encoding\.max_rate: -1 Hz .*>= 0 Hz"),
        ("stdp.nu_post=-0.01", r"stdp\.nu_post: -0.01 is out of range \(allowed: >= 0\)"),
        ("stdp.w_max=0", r"stdp\.w_max: 0 .*> 0"),
        ("normalization.total=0", r"normalization\.total: 0 .*> 0"),
        ("network.w_inh_exc=-17", r"network\.w_inh_exc: -17 .*>= 0"),
        ("network.n_exc=0", r"network\.n_exc: 0 .*1 to 2147483647"),
        ("network.n_exc=-3", r"network\.n_exc: -3 .*1 to 2147483647"),
        ("engine.workers=0", r"engine\.workers: 0 "),
        ("engine.eval_shard_size=0", r"engine\.eval_shard_size: 0 "),
        ("test.presentations=0", r"test\.presentations: 0 "),
        ("label.n_examples=0", r"label\.n_examples: 0 "),
        ("seed=-1", r"seed: -1 .*0 to 4294967295"),
        ("seed=4294967296", r"seed: 4294967296 .*0 to 4294967295"),
        ("network.n_exc=99999999999999999999", r"network\.n_exc: 99999999999999999999 "),
        ("exc.tau_theta=1e999 ms", r"exc\.tau_theta: '1e999 ms' is not a finite"),
        ("stdp.nu_pre=inf", r"stdp\.nu_pre: inf is not a finite number"),
        ("stdp.nu_pre=nan", r"stdp\.nu_pre: nan is not a finite number"),
        ("protocol.eval_presentation=-350 ms", r"protocol\.eval_presentation: -350 ms"),
    ],
)
def test_out_of_range_values_name_key_value_and_range(override, message):
    with pytest.raises(ConfigError, match=f"^{message}"):
        load_config(None, [override])


@pytest.mark.parametrize(
    "values",
    [
        {"stdp.nu_post": 10**400},
        {"stdp.nu_post": float("nan")},
        {"network.n_exc": 10**400},
        {"exc.tau_m": float("inf") * ms},
        {"exc.tau_m": float("nan") * ms},
        {"exc.v_rest": -float("inf") * mV},
        {"exc.tau_m": np.float64("nan") * ms},
        {"network.w_exc_inh": np.float64("inf")},
        # 1e308 steps of 1e-300 ms overflow the whole-steps check
        {"network.dt": "1e-300 ms", "protocol.presentation": "1e300 ms"},
    ],
)
def test_overflow_and_non_finite_values_are_config_errors(values):
    with pytest.raises(ConfigError):
        load_config(values)


def test_physically_meaningful_edge_values_are_accepted():
    cfg = load_config(
        {
            "exc.E_inh": "-100 mV",
            "exc.v_thresh": "-52 mV",
            "exc.theta_offset": "-5 mV",
            "exc.theta_plus": "0 mV",
            "encoding.max_rate": "0 Hz",
            "encoding.retry_rate_step": 0 * Hz,
            "encoding.min_spikes": 0,
            "encoding.max_retries": 0,
            "train.n_examples": 0,
            "stdp.nu_pre": 0.0,
            "network.w_inh_exc": 0,
            "network.delay_max": "0 ms",
            "protocol.rest": "0 ms",
            "seed": 2**32 - 1,
            "network.n_exc": np.int64(7),
            "stdp.mu": np.float32(0.5),
        }
    )
    assert cfg["exc.E_inh"] == -100 * mV and cfg["seed"] == 2**32 - 1
    assert cfg["network.n_exc"] == 7 and type(cfg["network.n_exc"]) is int
    assert cfg["network.w_inh_exc"] == 0.0 and type(cfg["network.w_inh_exc"]) is float


# -- property: any value for any key is either a Config or a ConfigError -------------------

_UNITS = [ms, mV, Hz, second, brian2.nS, brian2.metre, brian2.Unit(1)]
_UNIT_NAMES = ["ms", "mV", "Hz", "s", "kHz", "nS", "second", "parsec", "ms/ms", "mV*ms", ""]
_floats = st.floats(allow_nan=True, allow_infinity=True)
_numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**80), max_value=2**80),
    _floats,
    st.floats(min_value=-1e3, max_value=1e3),
    st.sampled_from([0, 1, -1, 2**31 - 1, 2**31, 2**32, 2**63, 10**400, 1e308, 5e-324]),
)
VALUES = st.one_of(
    _numbers,
    st.builds(lambda x, u: f"{x} {u}", _numbers, st.sampled_from(_UNIT_NAMES)),
    st.builds(lambda x, u: x * u, _floats, st.sampled_from(_UNITS)),
    st.builds(lambda x: np.float64(x), _floats),
    st.builds(lambda x: np.int64(x), st.integers(-(2**63), 2**63 - 1)),
    st.builds(lambda x: np.array([x, x]) * ms, _floats),
    st.text(max_size=12),
    st.sampled_from(["same", "all", "auto", "true", "350 ms", "-65 mV", "nan ms", "1e999 Hz"]),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["x", "n_exc"]), st.integers(), max_size=2),
)


def _as_override(key, value):
    with np.errstate(all="ignore"):
        text = value if isinstance(value, str) else str(value)
    return f"{key}={text}"


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=VALUES)
@pytest.mark.parametrize("key", list(FLAT_SCHEMA))
def test_any_value_for_any_key_is_a_config_or_a_config_error(key, value):
    for attempt in (
        lambda: load_config({key: value}),
        lambda: load_config(None, [_as_override(key, value)]),
    ):
        try:
            cfg = attempt()
        except ConfigError as err:
            assert "\n" not in str(err), str(err)
            continue
        assert isinstance(cfg, Config)
        param, stored = FLAT_SCHEMA[key], cfg[key]
        if param.range is not None and not isinstance(stored, str):
            number = float(stored / param.kind) if param.is_quantity else stored
            assert param.range.contains(number), (key, stored)
        assert load_config(cfg.to_dict()) == cfg
