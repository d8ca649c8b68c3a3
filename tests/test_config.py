"""Configuration: units are parsed and checked, unknown keys rejected, round trips exact."""

from __future__ import annotations

import copy
import pickle

import brian2
import pytest
from brian2 import Hz, ms, mV

from stdp.config import (
    SCHEMA,
    Config,
    eval_config,
    format_quantity,
    load_config,
    parse_quantity,
)
from stdp.errors import ConfigError


def test_quantities_parse_with_units():
    assert parse_quantity("350 ms", ms) == 350 * ms
    assert parse_quantity("-65 mV", mV) == -65 * mV
    assert parse_quantity("1e7 ms", ms) == 1e4 * brian2.second
    assert float(parse_quantity("0.35 s", ms) / ms) == pytest.approx(350)
    assert parse_quantity("63.75Hz", Hz) == 63.75 * Hz
    assert parse_quantity(0, ms) == 0 * ms


@pytest.mark.parametrize(
    "text, message",
    [
        ("100 mV", "is a voltage but a time"),
        ("100", "bare number"),
        ("fast", "cannot read"),
        ("3 parsecs", "unknown unit"),
    ],
)
def test_wrong_units_name_the_key(text, message):
    with pytest.raises(ConfigError, match=message) as info:
        load_config(None, [f"exc.tau_m={text}"])
    assert str(info.value).startswith("exc.tau_m")


def test_unknown_key_is_reported_with_a_suggestion(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[exc]\ntau_mm = "10 ms"\n')
    with pytest.raises(ConfigError, match=r"unknown configuration key 'exc.tau_mm'.*exc.tau_m"):
        load_config(path)


def test_wrong_types_are_rejected():
    with pytest.raises(ConfigError, match="network.n_exc: expected an integer"):
        load_config(None, ["network.n_exc=1.5"])
    with pytest.raises(ConfigError, match="device: 'gpu' is not one of"):
        load_config(None, ["device=gpu"])
    with pytest.raises(ConfigError, match="exc.clamp_refractory: expected true or false"):
        load_config(None, ["exc.clamp_refractory=1"])


def test_rest_must_cover_the_longest_delay():
    with pytest.raises(ConfigError, match="protocol.rest"):
        load_config(None, ["protocol.rest=5 ms"])


def test_presentation_must_be_whole_time_steps():
    with pytest.raises(ConfigError, match="whole number of time steps"):
        load_config(None, ["protocol.presentation=350.2 ms"])


def test_eval_inhibition_scales_only_the_frozen_passes_inhibition(tmp_path):
    cfg = load_config(None, ["network.w_inh_exc=16", "network.inh_distance_scale=4"])
    assert cfg["protocol.eval_inhibition"] == "same"
    assert eval_config(cfg) is cfg
    one = cfg.replace(protocol__eval_inhibition=1.0)
    assert eval_config(one) is one
    weak = cfg.replace(protocol__eval_inhibition=0.25)
    frozen = eval_config(weak)
    assert frozen["network.w_inh_exc"] == 4.0 and frozen["network.inh_distance_scale"] == 1.0
    assert frozen.flat() == {
        **weak.flat(),
        "network.w_inh_exc": 4.0,
        "network.inh_distance_scale": 1.0,
    }
    # with a longer window as well, both change
    both = eval_config(weak.replace(protocol__eval_presentation="700 ms"))
    assert both["protocol.presentation"] == 700 * ms and both["network.w_inh_exc"] == 4.0
    path = tmp_path / "config.toml"
    path.write_text(weak.to_toml())
    assert load_config(path) == weak
    for text, message in (
        ("protocol.eval_inhibition=-0.5", r"protocol.eval_inhibition: -0.5 is out of range"),
        ("protocol.eval_inhibition=weak", "protocol.eval_inhibition: expected a number"),
        ("protocol.eval_inhibition=nan", "protocol.eval_inhibition"),
    ):
        with pytest.raises(ConfigError, match=message):
            load_config(None, [text])


def test_eval_presentation_changes_only_the_frozen_passes_window(tmp_path):
    cfg = load_config(None, ["protocol.presentation=100 ms"])
    assert cfg["protocol.eval_presentation"] == "same"
    assert eval_config(cfg) is cfg
    longer = load_config(
        None, ["protocol.presentation=100 ms", "protocol.eval_presentation=350 ms"]
    )
    frozen = eval_config(longer)
    assert frozen["protocol.presentation"] == 350 * ms
    assert frozen.flat() == {**longer.flat(), "protocol.presentation": 350 * ms}
    path = tmp_path / "config.toml"
    path.write_text(longer.to_toml())
    assert load_config(path) == longer
    for text, message in (
        ("protocol.eval_presentation=350 mV", "protocol.eval_presentation"),
        ("protocol.eval_presentation=0 ms", r"protocol.eval_presentation: 0 ms .*allowed: > 0 ms"),
        ("protocol.eval_presentation=350.2 ms", "whole number of time steps"),
        ("protocol.eval_presentation=longer", "protocol.eval_presentation"),
    ):
        with pytest.raises(ConfigError, match=message):
            load_config(None, [text])


def test_defaults_are_the_original_400_neuron_values():
    cfg = load_config(None)
    assert cfg["network.n_exc"] == 400
    assert cfg["network.dt"] == 0.5 * ms
    assert cfg["exc.theta_plus"] == 0.05 * mV
    assert cfg["exc.refractory"] == 5 * ms
    assert cfg["network.w_exc_inh"] == 10.4
    assert cfg["network.w_inh_exc"] == 17.0
    assert cfg["stdp.nu_pre"] == 1e-4 and cfg["stdp.nu_post"] == 1e-2
    assert cfg["encoding.max_rate"] == 63.75 * Hz


def test_resolved_config_round_trips_through_toml(tmp_path):
    cfg = load_config(None, ["network.n_exc=100", "exc.theta_plus=0.0123 mV", "train.n_examples=7"])
    path = tmp_path / "config.toml"
    path.write_text(cfg.to_toml())
    again = load_config(path)
    assert again == cfg
    assert again["exc.theta_plus"] == 0.0123 * mV
    # every schema key is written
    assert set(again.flat()) == set(cfg.flat())
    assert "tau_theta" in SCHEMA["exc"]


def test_missing_file_and_bad_toml(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[exc\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)


def test_cuda_device_without_brian2cuda_is_a_clear_error(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "brian2cuda" else real(name, *a),
    )
    with pytest.raises(ConfigError, match="device: cuda_standalone needs the brian2cuda package"):
        load_config(None, ["device=cuda_standalone"])


def test_cuda_engine_without_brian2cuda_raises_before_building(monkeypatch):
    import builtins

    from stdp.engine import make_engine

    cfg = load_config(None, ["network.n_exc=2"])
    real_import = builtins.__import__

    def no_brian2cuda(name, *args, **kwargs):
        if name == "brian2cuda":
            raise ImportError("No module named 'brian2cuda'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_brian2cuda)
    with pytest.raises(ConfigError, match="cuda_standalone needs the brian2cuda package"):
        make_engine(cfg, 4, device="cuda_standalone")
    import brian2

    assert brian2.get_device().__class__.__name__ == "RuntimeDevice"


def test_a_dict_with_sections_or_dotted_keys_is_a_configuration():
    nested = load_config({"network": {"n_exc": 100}, "exc": {"tau_m": "50 ms"}})
    dotted = load_config({"network.n_exc": 100, "exc.tau_m": "50 ms"})
    mixed = Config.from_dict({"network": {"n_exc": 100}, "exc.tau_m": 50 * ms})
    assert nested == dotted == mixed
    assert mixed["exc.tau_m"] == 50 * ms and mixed["network.n_exc"] == 100
    assert mixed != load_config()
    # keys not given keep their defaults
    assert mixed["inh.tau_m"] == 10 * ms


def test_overrides_as_a_mapping_of_python_values():
    cfg = load_config(None, {"network.n_exc": 30, "protocol.presentation": 200 * ms})
    assert cfg == load_config(None, ["network.n_exc=30", "protocol.presentation=200 ms"])
    # overrides win over the dict they are applied to
    assert load_config({"network.n_exc": 5}, {"network.n_exc": 6})["network.n_exc"] == 6


def test_brian2_quantities_are_checked_like_strings():
    assert load_config({"exc.theta_plus": 0.1 * mV})["exc.theta_plus"] == 0.1 * mV
    assert load_config({"exc.tau_m": 0.1 * brian2.second})["exc.tau_m"] == 100 * ms
    with pytest.raises(ConfigError, match=r"^exc\.tau_m: .*is a voltage but a time"):
        load_config({"exc.tau_m": 5 * mV})
    with pytest.raises(ConfigError, match=r"^exc\.tau_m: expected one quantity"):
        load_config({"exc.tau_m": [1, 2] * ms})
    with pytest.raises(ConfigError, match=r"^network\.n_exc: expected an integer"):
        load_config({"network.n_exc": 100 * Hz})
    with pytest.raises(ConfigError, match=r"^stdp\.nu_pre: expected a number"):
        load_config({"stdp.nu_pre": 1 * ms})


def test_key_given_twice_or_section_given_a_value_is_an_error():
    with pytest.raises(ConfigError, match="network.n_exc: given twice"):
        load_config({"network": {"n_exc": 10}, "network.n_exc": 20})
    with pytest.raises(ConfigError, match="network: is a section"):
        load_config({"network": 5})
    with pytest.raises(ConfigError, match="exc.tau_m: expected a value, got a table"):
        load_config({"exc": {"tau_m": {"x": 1}}})


def test_bad_path_and_overrides_types_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="expected a TOML file, a dict or None"):
        load_config(42)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path)  # a folder
    with pytest.raises(ConfigError, match="overrides: expected"):
        load_config(None, [3])
    with pytest.raises(ConfigError, match="expected a dict"):
        Config.from_dict(["network.n_exc=3"])
    # a single override string is one override, not a list of characters
    assert load_config(None, "network.n_exc=3")["network.n_exc"] == 3


def test_round_trip_through_a_dict_is_exact():
    cfg = load_config(
        None,
        {
            "protocol.presentation": 0.35 * brian2.second,  # not a whole number of ms in binary
            "exc.theta_plus": 0.1 * mV + 0.2 * mV,
            "encoding.max_rate": 63.75 * Hz,
            "protocol.eval_presentation": "700 ms",
            "stdp.nu_post": 0.1 + 0.2,
        },
    )
    again = load_config(cfg.to_dict())
    assert again == cfg
    assert again.flat() == cfg.flat()
    assert float(again["protocol.presentation"]) == 0.35
    assert load_config(cfg) == cfg


def test_format_quantity_reads_back_exactly():
    for value in (0.35 * brian2.second, 350 * ms, (0.1 + 0.2) * mV, 1e-300 * ms, -65 * mV):
        text = format_quantity(value, ms if value.has_same_dimensions(ms) else mV)
        assert float(parse_quantity(text, value)) == float(value), text


def test_config_deep_copies_and_pickles_equal():
    cfg = load_config(None, {"network.n_exc": 30, "exc.tau_m": 50 * ms})
    for other in (copy.deepcopy(cfg), pickle.loads(pickle.dumps(cfg))):
        assert other == cfg and other is not cfg
        assert other["exc.tau_m"] == 50 * ms
    assert repr(cfg) == "Config({'network.n_exc': 30, 'exc.tau_m': '50.0 ms'})"


def test_sklearn_clone_keeps_the_configuration():
    from sklearn.base import BaseEstimator, clone

    class Holder(BaseEstimator):
        def __init__(self, config=None):
            self.config = config

    cfg = load_config(None, {"network.n_exc": 30})
    assert clone(Holder(cfg)).config == cfg
