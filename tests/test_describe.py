"""``stdp describe``: every equation the network is built from and every parameter."""

from __future__ import annotations

import re

import pytest
from brian2 import Equations

from stdp import equations as eq
from stdp.cli import main
from stdp.config import SCHEMA, Param, load_config
from stdp.describe import describe, model_strings, parameter_rows, symbol_rows
from stdp.network import build_network

VARIANTS = [
    [],
    [
        "stdp.trace_update=add",
        "exc.clamp_refractory=true",
        "inh.clamp_refractory=false",
        "exc.spike_block=50 ms",
        "normalization.enabled=false",
        "dataset.name=mnist",
        "encoding.generator=bernoulli",
        "protocol.reset_state=true",
    ],
    [  # a convolutional layer: 3 filters of 8x8 on the 6x6 patches of MNIST, stride 4
        "dataset.name=mnist",
        "topology.kind=conv",
        "topology.kernel=8",
        "topology.stride=4",
        "topology.filters=3",
        "network.n_exc=108",
        "topology.share=winner",
        "normalization.norm=l2",
        "encoding.code=regular",
    ],
]


def _keys(schema, prefix=""):
    for name, item in schema.items():
        if isinstance(item, Param):
            yield prefix + name
        else:
            yield from _keys(item, f"{prefix}{name}.")


def _code_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```\n(.*?)```", text, flags=re.S)]


@pytest.mark.parametrize("overrides", VARIANTS)
def test_every_equation_string_is_a_code_block(overrides):
    cfg = load_config(None, overrides)
    text = describe(cfg)
    blocks = _code_blocks(text)
    strings = [code for roles in model_strings(cfg).values() for code in roles.values()]
    regular = cfg["encoding.code"] == "regular"  # its own reset and first spike
    geometric = cfg["encoding.generator"] == "geometric" and not regular
    reset = cfg["protocol.reset_state"]
    conv = cfg["topology.kind"] == "conv"  # the kernel table's model and 5 or 6 steps
    winner = cfg["topology.share"] == "winner"  # and 5 more for the winner's bookkeeping
    n_conv = conv * (6 + cfg["normalization.enabled"] + 5 * winner)
    l2 = cfg["normalization.norm"] == "l2"  # the squares' sums: 2 more steps
    assert len(strings) == 20 + (geometric or regular) + 3 * reset + n_conv + 2 * l2
    for code in strings:
        assert code in blocks
    # every equation constant of stdp.equations, as this config fills it in
    fill = {
        "clamp": "(unless refractory)" if cfg["exc.clamp_refractory"] else "",
        "trace": "=" if cfg["stdp.trace_update"] == "set" else "+=",
    }
    constants = [name for name in eq.__all__ if name.isupper()]
    for name in constants:
        code = getattr(eq, name)
        if not isinstance(code, str):  # e.g. RULES, the table of rule strings
            continue
        unused = (
            (name.startswith("RESET_") and not reset)
            or (name.startswith("INPUT_") and name.endswith("_GEOMETRIC") and not geometric)
            or (name == "INPUT_FIRST_SPIKE" and not geometric)
            or (name.endswith("_REGULAR") and not regular)
            or (
                name in ("INPUT_EQUATIONS", "INPUT_THRESHOLD", "INPUT_RESET")
                and (geometric or regular)
            )
            or (name == "INPUT_RESET_GEOMETRIC" and regular)
            or name.endswith(("_LATENCY", "_RANK_ORDER", "_VOLLEY"))  # temporal codes only
            or (name.startswith(("KERNEL_", "WSUM_")) and cfg["topology.kind"] != "conv")
            or (name.startswith(("NORMALIZE_SQUARES", "NORMALIZE_LENGTHS")) and not l2)
            or (name == "NORMALIZE_SUMS" and l2)
            or (
                name
                in ("FILTER_MODEL", "FIRST_SPIKE_ON_PRE", "KERNEL_KEEP_WINNERS")
                + ("WINS_CLEAR", "CLAIMS_CLEAR")
                and cfg["topology.share"] != "winner"
            )
        )
        if unused:
            continue
        if name == "INH_EQUATIONS":
            code = code.format(clamp="(unless refractory)" if cfg["inh.clamp_refractory"] else "")
        elif "{" in code:
            code = code.format(**fill)
        assert any(code.strip() in block for block in blocks), name
    assert text.startswith("# Diehl & Cook (2015)")
    assert "doi:[10.3389/fncom.2015.00099]" in text
    if "stdp.trace_update=add" in overrides:
        exc_reset = "v = v_reset\ntheta += learning * theta_plus\npost1 += 1\npost2 += 1"
        assert exc_reset in blocks and "pre += 1" in blocks
        assert "v > v_thresh + theta - theta_offset and t - lastspike > spike_block" in blocks
        assert "Off in this configuration" in text
        assert "input (784) -> exc (400) | all to all, 313600" in text


@pytest.mark.parametrize("overrides", VARIANTS[:2])
def test_described_strings_are_those_of_the_built_network(runtime_numpy, overrides):
    cfg = load_config(None, ["network.n_exc=3", *overrides])
    built = build_network(cfg, n_input=4, chunk_cycles=1)
    m = model_strings(cfg)
    assert built.exc.events["spike"] == m["exc"]["threshold"]
    assert built.inh.events["spike"] == m["inh"]["threshold"]
    assert built.input.events["spike"] == m["input"]["threshold"]
    for group in ("exc", "inh", "input"):
        assert getattr(built, group).event_codes["spike"].strip() == m[group]["reset"]
    assert built.input_to_exc.pre.code.strip() == m["input_to_exc"]["on_pre"]
    assert built.input_to_exc.post.code.strip() == m["input_to_exc"]["on_post"]
    assert built.exc_to_inh.pre.code.strip() == m["exc_to_inh"]["on_pre"]
    assert built.inh_to_exc.pre.code.strip() == m["inh_to_exc"]["on_pre"]
    assert built.spike_counter.pre.code.strip() == m["spike_counter"]["on_pre"]
    regular = {
        obj.name: obj.abstract_code.strip()
        for group in (built.exc, built.input_to_exc, built.controller)
        for obj in group.contained_objects
        if obj.name in ("learning_switch", "controller_cycle") or obj.name.startswith("normalize")
    }
    for group in ("exc", "inh", "input"):
        for obj in getattr(built, group).contained_objects:
            role = {
                f"{group}_reset_state": (
                    "set to rest at the start of every cycle (protocol.reset_state)"
                ),
                "input_first_spike": "at the start of every cycle",
            }.get(obj.name)
            if role:
                assert obj.abstract_code.strip() == m[group].pop(role)
    assert not any("protocol.reset_state" in role for g in m.values() for role in g)
    assert "at the start of every cycle" not in m["input"]
    assert regular["learning_switch"] == m["exc"]["at the start of every cycle"]
    assert regular["controller_cycle"] == m["controller"]["at the start of every cycle"]
    if cfg["normalization.enabled"]:  # the steps in the order they run (sorted by name)
        steps = [code for name, code in sorted(regular.items()) if name.startswith("normalize")]
        assert steps == list(m["normalization"].values())
    else:
        assert not any(name.startswith("normalize") for name in regular)
    for group in ("input", "input_to_exc", "controller"):
        assert Equations(m[group]["model"]) == getattr(built, group).equations
    for group in ("exc", "inh"):
        ours = Equations(m[group]["model"])
        theirs = getattr(built, group).equations
        for name in ours.names:  # Brian2 adds refractoriness to v and lastspike, ...
            assert str(ours[name].expr or "") in str(theirs[name].expr or "")
            assert ours[name].dim == theirs[name].dim
    # every external symbol of every namespace is in the symbol table
    namespaces = set()
    for obj in (
        built.exc,
        built.inh,
        built.input,
        built.input_to_exc,
        built.exc_to_inh,
        built.inh_to_exc,
        built.controller,
        built.spike_counter,
    ):
        namespaces |= set(obj.namespace)
    assert {row[1] for row in symbol_rows(cfg, 4)} == namespaces


def test_every_schema_key_is_in_the_parameter_table():
    cfg = load_config("experiments/digits.toml", ["network.n_exc=37"])
    text = describe(cfg)
    keys = list(_keys(SCHEMA))
    assert [row[0] for row in parameter_rows(cfg)] == keys
    for key in keys:
        assert re.search(rf"^\| `{re.escape(key)}` \|", text, flags=re.M), key
    assert "| `network.n_exc` | 37 |  |" in text
    assert "| `protocol.presentation` | 350 ms | ms |" in text
    assert "| `encoding.max_rate` | 255 Hz | Hz |" in text  # from the config file
    assert '| `stdp.rule` | "triplet" |' in text
    total = cfg["normalization.total"]  # a number in digits.toml, not "auto"
    assert f"scaled to sum to {total:g}." in text
    assert "one cycle is 500 ms" in text


def test_cli_describe_prints_markdown(capsys):
    status = main(["describe", "experiments/digits.toml", "--set", "network.n_exc=11"])
    out = capsys.readouterr().out
    assert status == 0
    assert out.startswith("# Diehl & Cook (2015)")
    assert "| `network.n_exc` | 11 |" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["experiments/digits.toml", "--set", "network.n_exx=3"], "unknown configuration key"),
        (["experiments/digits.toml", "--set", "exc.tau_m=3 mV"], "exc.tau_m: '3 mV' is a voltage"),
        (["no/such/file.toml"], "config file not found"),
    ],
)
def test_cli_describe_bad_config(capsys, argv, message):
    status = main(["describe", *argv])
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert status == 2
    assert len(err) == 1 and err[0].startswith("stdp: error: ") and message in err[0]
    assert captured.out == ""


@pytest.mark.parametrize("rule", ["triplet", "power_law", "exponential", "symmetric"])
@pytest.mark.parametrize("code", ["poisson", "latency"])
def test_headings_name_the_configured_rule_and_code(rule, code):
    text = describe(load_config(None, [f"stdp.rule={rule}", f"encoding.code={code}"]))
    heading = next(line for line in text.splitlines() if "(`input_to_exc`)" in line)
    assert heading.endswith(f"{rule.replace('_', '-')} STDP")
    other = {"poisson": "Latency-coded", "latency": "Poisson"}[code]
    assert f"### {other} input neurons" not in text
    assert ("### Poisson input neurons" in text) == (code == "poisson")


@pytest.mark.parametrize(("retry_spikes", "row"), [("all", "all to one, 10"), ("patches", ", 8 (")])
def test_the_spike_counter_row_says_which_neurons_it_counts(retry_spikes, row):
    cfg = load_config(
        None,
        [
            "topology.kind=local",
            "topology.kernel=2",
            "topology.stride=2",
            "topology.filters=2",
            "topology.dense_filters=2",
            "network.n_exc=10",
            f"topology.retry_spikes={retry_spikes}",
        ],
    )
    counter = next(line for line in describe(cfg, 16).splitlines() if "| `spike_counter`" in line)
    assert row in counter


def test_the_protocol_says_how_the_frozen_passes_differ_from_training():
    plain = describe(load_config())
    assert "(protocol.eval_inhibition)" not in plain
    assert "(protocol.eval_presentation)" not in plain
    text = describe(
        load_config(None, ["protocol.eval_inhibition=0.25", "protocol.eval_presentation=700 ms"])
    )
    line = next(line for line in text.splitlines() if line.startswith("- **Learning**"))
    assert "each example is shown for 700 ms (protocol.eval_presentation)" in line
    assert "inh->exc weights are 0.25 times the training's (protocol.eval_inhibition)" in line
    # a factor of 1 is the training's inhibition: nothing to say
    assert "eval_inhibition)" not in describe(load_config(None, ["protocol.eval_inhibition=1"]))
