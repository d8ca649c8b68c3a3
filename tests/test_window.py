"""The simulated STDP window agrees with its closed form, and has the expected signs."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import ms

from stdp import window
from stdp.config import load_config
from stdp.errors import ConfigError
from stdp.window import closed_form_window, default_delta_t, stdp_window

DELTA_T = default_delta_t()  # -100 .. +100 ms in 1 ms steps


def test_default_delta_t():
    assert DELTA_T.shape == (201,)
    assert DELTA_T[0] == pytest.approx(-0.1) and DELTA_T[-1] == pytest.approx(0.1)
    assert DELTA_T[100] == 0.0


@pytest.mark.parametrize("trace", ["set", "add"])
def test_simulated_window_matches_closed_form_exponential_euler(trace):
    cfg = load_config(None, ["network.method=exponential_euler", f"stdp.trace_update={trace}"])
    dw = stdp_window(cfg, DELTA_T)
    np.testing.assert_allclose(dw, closed_form_window(cfg, DELTA_T), rtol=1e-9, atol=1e-15)


def test_simulated_window_matches_discrete_closed_form_euler():
    cfg = load_config(None)  # forward Euler, as the original code
    dw = stdp_window(cfg, DELTA_T)
    np.testing.assert_allclose(
        dw, closed_form_window(cfg, DELTA_T, discrete=True), rtol=1e-9, atol=1e-15
    )
    # and close to the continuous-time closed form (Euler's error is O(dt / tau))
    continuous = closed_form_window(cfg, DELTA_T)
    assert np.max(np.abs(dw - continuous)) < 0.01 * np.max(np.abs(continuous))


def test_signs_and_values_of_the_window():
    cfg = load_config(None, ["network.method=exponential_euler"])
    dw = stdp_window(cfg, DELTA_T)
    pre_first, post_first = DELTA_T > 0, DELTA_T < 0
    assert np.all(dw[pre_first] > 0)  # pre before post: potentiation
    assert np.all(dw[post_first] < 0)  # post before pre: depression
    # the largest change is the closest pre-before-post pairing
    assert np.argmax(dw) == np.flatnonzero(pre_first)[0]
    nu_pre, nu_post = 1e-4, 1e-2
    d, big_t = 1.0, 20.0  # ms
    peak = nu_post * np.exp(-d / 20) * np.exp(-big_t / 40) - nu_pre * np.exp(-(big_t - d) / 20)
    assert dw[101] == pytest.approx(peak, rel=1e-9)
    # post 10 ms before pre: depression by post1 only
    assert dw[90] == pytest.approx(-nu_pre * np.exp(-10 / 20), rel=1e-9)
    # simultaneous spikes: neither sees the other; only the priming spike depresses
    assert dw[100] == pytest.approx(-nu_pre * np.exp(-big_t / 20), rel=1e-9)
    # the depression side is ~nu_pre / nu_post smaller than the potentiation side
    assert np.min(dw) > -nu_pre and np.max(dw) > 50 * nu_pre


def test_window_scales_with_the_learning_rates():
    base = load_config(None, ["network.method=exponential_euler"])
    fast = base.replace(stdp__nu_post=2e-2, stdp__nu_pre=3e-4)
    d = np.array([-0.02, 0.03])  # beyond the priming spike: one term each
    np.testing.assert_allclose(stdp_window(fast, d), stdp_window(base, d) * [3, 2], rtol=1e-9)


def test_priming_interval_changes_the_potentiation():
    cfg = load_config(None, ["network.method=exponential_euler"])
    d = np.array([0.05])  # pre before both postsynaptic spikes: no depression
    short = stdp_window(cfg, d, priming_interval=10 * ms)
    long = stdp_window(cfg, d, priming_interval=40 * ms)
    # post2 left by the priming spike decays with tau_post2 = 40 ms
    assert short[0] / long[0] == pytest.approx(np.exp(30 / 40), rel=1e-9)
    np.testing.assert_allclose(
        long, closed_form_window(cfg, d, priming_interval=40 * ms), rtol=1e-9
    )


def test_bad_input():
    cfg = load_config(None)
    with pytest.raises(ValueError, match="multiple of network.dt"):
        stdp_window(cfg, np.array([0.00025]))
    with pytest.raises(ValueError, match="longer than exc.refractory"):
        stdp_window(cfg, DELTA_T, priming_interval=2 * ms)


def test_unknown_rule_has_no_closed_form(monkeypatch):
    monkeypatch.setattr(window, "CLOSED_FORMS", {})
    with pytest.raises(ConfigError, match="stdp.rule"):
        closed_form_window(load_config(None), DELTA_T)
