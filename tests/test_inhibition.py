"""The inh->exc profiles of network.inhibition: constant (Diehl & Cook) and distance (Hazan)."""

from __future__ import annotations

import brian2
import numpy as np
import pytest

from stdp.cli import main
from stdp.config import load_config
from stdp.describe import describe, symbol_rows
from stdp.errors import ConfigError
from stdp.network import build_network, validate_model


def _weights(overrides: list[str]) -> np.ndarray:
    """The inh->exc weight matrix (source row, target column) of a built network, 0 if absent."""
    cfg = load_config(None, overrides)
    built = build_network(cfg, n_input=4, chunk_cycles=1)
    built.net.run(0 * brian2.second, namespace={})  # evaluates the build-time weight expression
    syn = built.inh_to_exc
    n = cfg["network.n_exc"]
    w = np.zeros((n, n))
    if "w_inh_exc" in syn.variables:  # a per-synapse weight
        w[syn.i[:], syn.j[:]] = syn.w_inh_exc[:]
    else:  # one constant from the namespace
        w[syn.i[:], syn.j[:]] = syn.namespace["w_inh_exc"]
    return w


def test_distance_profile_on_a_3x3_grid(runtime_numpy):
    w_max, scale = 6.0, 4.0
    w = _weights(
        [
            "network.n_exc=9",
            "network.inhibition=distance",
            f"network.w_inh_exc={w_max}",
            f"network.inh_distance_scale={scale}",
        ]
    )
    # Neuron k at row k // 3, column k % 3; min(w_max, scale * sqrt(Euclidean distance)).
    expected = np.zeros((9, 9))
    for i in range(9):
        for j in range(9):
            if i != j:
                d = np.hypot(i // 3 - j // 3, i % 3 - j % 3)
                expected[i, j] = min(w_max, scale * np.sqrt(d))
    np.testing.assert_allclose(w, expected, rtol=1e-12)
    # The cap bites: 4 sqrt(sqrt 5) = 5.98 stays below it, 4 sqrt(2) = 5.66 too, the
    # corners (d = sqrt 8: 6.73) are capped.
    assert w[0, 8] == w_max and w[2, 6] == w_max
    assert w[4, 1] == pytest.approx(scale)  # a neighbour: d = 1


def test_constant_profile_is_the_papers(runtime_numpy):
    w = _weights(["network.n_exc=4", "network.w_inh_exc=17.0"])
    np.testing.assert_array_equal(w, 17.0 * (1 - np.eye(4)))
    built = build_network(load_config(None, ["network.n_exc=4"]), n_input=4, chunk_cycles=1)
    assert "w_inh_exc" not in built.inh_to_exc.variables  # no per-synapse weight


@pytest.mark.parametrize("n_exc", [2, 10, 99])
def test_distance_profile_refuses_a_grid_that_is_not_square(n_exc, runtime_numpy):
    cfg = load_config(None, [f"network.n_exc={n_exc}", "network.inhibition=distance"])
    with pytest.raises(ConfigError, match=rf"network.n_exc: {n_exc} is not a square number"):
        validate_model(cfg, n_input=4)
    with pytest.raises(ConfigError, match="not a square number"):
        build_network(cfg, n_input=4, chunk_cycles=1)


def test_cli_refuses_a_grid_that_is_not_square(capsys):
    status = main(
        [
            "describe",
            "experiments/digits.toml",
            "--set",
            "network.n_exc=10",
            "--set",
            "network.inhibition=distance",
        ]
    )
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert len(err.splitlines()) == 1 and "not a square number" in err


def test_describe_shows_the_profile():
    cfg = load_config(None, ["network.n_exc=16", "network.inhibition=distance"])
    text = describe(cfg, n_input=4)
    assert "on a 4 x 4 grid" in text
    assert "clip(scale * sqrt(sqrt(" in text  # the expression the weights are set with
    constant = describe(load_config(None, ["network.n_exc=16"]), n_input=4)
    assert "x 4 grid" not in constant and "clip(scale" not in constant


def test_describe_lists_the_symbols_of_the_built_synapses(runtime_numpy):
    cfg = load_config(None, ["network.n_exc=16", "network.inhibition=distance"])
    built = build_network(cfg, n_input=4, chunk_cycles=1)
    rows = {
        symbol: value
        for objects, symbol, value, _ in symbol_rows(cfg, 4)
        if objects == "inh_to_exc"
    }
    assert set(rows) == set(built.inh_to_exc.namespace)  # no w_inh_exc: a per-synapse weight
    assert rows["side"] == "4"
