"""Replacing equation strings from the config: the run uses them, errors name the key."""

from __future__ import annotations

import brian2
import pytest
from brian2 import Network, ms, mV

from stdp.config import load_config
from stdp.describe import describe
from stdp.errors import ConfigError
from stdp.network import excitatory_group, validate_model

pytestmark = pytest.mark.usefixtures("runtime_numpy")


def _spike_count(cfg, drive):
    """Spikes of one excitatory neuron with theta at 40 mV and a constant excitatory drive."""
    exc = excitatory_group(cfg, 1, brian2.Clock(dt=cfg["network.dt"]))
    exc.theta = 40 * mV
    exc.v = -65 * mV
    exc.run_regularly(f"ge = {drive}", dt=cfg["network.dt"], when="before_groups")
    mon = brian2.SpikeMonitor(exc)
    Network(exc, mon).run(200 * ms, namespace={})
    return int(mon.num_spikes)


def test_removing_the_adaptive_threshold_makes_the_neuron_fire_more():
    builtin = load_config(None)
    no_theta = load_config(None, ["equations.exc_threshold=v > v_thresh"])
    # ge = 1 settles v at -32.5 mV: above v_thresh (-52 mV), just below the adaptive
    # threshold v_thresh + theta - theta_offset = -32 mV
    drive = 1.0
    assert _spike_count(builtin, drive) == 0
    assert _spike_count(no_theta, drive) > 5


def test_current_based_synapses_change_the_response():
    """A current-based excitatory neuron: ge adds a fixed current instead of a conductance."""
    current = load_config(
        None,
        [
            "equations.exc_model="
            '"""dv/dt = ((v_rest - v) + ge*60*mV + gi*(E_inh - v)) / tau_m : volt\n'
            "dge/dt = -ge / tau_ge : 1\ndgi/dt = -gi / tau_gi : 1\n"
            "dtheta/dt = -learning * theta / tau_theta : volt\n"
            "dpost1/dt = -post1 / tau_post1 : 1\ndpost2/dt = -post2 / tau_post2 : 1\n"
            'wsum : 1\nlearning : 1\nlearning_now : 1 (linked)"""'
        ],
    )
    validate_model(current, 64)
    # ge = 0.8: the conductance-based neuron settles at -65 mV / 1.8 = -36 mV, below
    # its threshold (-32 mV); the current-based one heads for -65 + 0.8 * 60 = -17 mV.
    assert _spike_count(load_config(None), 0.8) == 0
    assert _spike_count(current, 0.8) > 0
    assert "ge*60*mV" in describe(current)


@pytest.mark.parametrize(
    "override, key, message",
    [
        ("equations.exc_threshold=v > 3*ms", "equations.exc_threshold", "different units"),
        ("equations.stdp_on_post=w += foo", "equations.stdp_on_post", '"foo" could not be'),
        (
            "equations.inh_to_exc_on_pre=gi_post += w_inh_exc*mV",
            "equations.inh_to_exc_on_pre",
            "inconsistent units",
        ),
        ("equations.inh_model=dv/dt = (v_rest - v)/tau_m : volt", "equations.inh_model", "ge"),
    ],
)
def test_bad_equations_name_the_key(override, key, message):
    with pytest.raises(ConfigError, match=message) as info:
        validate_model(load_config(None, [override]), 64)
    assert key in str(info.value)
