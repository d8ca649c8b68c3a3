"""The paper's four learning rules: simulated weight changes against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from stdp.config import load_config
from stdp.window import W0, _sequence_window, closed_form_window, stdp_window

RULES = ("triplet", "power_law", "exponential", "symmetric")
DELTA = np.arange(-60, 61, 2.0) * 1e-3  # seconds


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("method", ["exponential_euler", "euler"])
def test_simulated_window_matches_the_closed_form(rule, method):
    cfg = load_config(None, [f"stdp.rule={rule}", f"network.method={method}"])
    simulated = stdp_window(cfg, DELTA)
    np.testing.assert_allclose(
        simulated, closed_form_window(cfg, DELTA, discrete=True), rtol=1e-9, atol=1e-15
    )


def test_the_step_by_step_evaluator_agrees_with_the_triplet_formula():
    cfg = load_config(None, ["network.method=exponential_euler"])
    np.testing.assert_allclose(
        _sequence_window(cfg, DELTA, 0.02, discrete=True),
        closed_form_window(cfg, DELTA),
        rtol=1e-9,
        atol=1e-15,
    )


def test_power_law_rule_by_hand():
    """Priming post at -20 ms, pre at -10 ms, post at 0 (the window protocol, d = 10 ms)."""
    cfg = load_config(
        None, ["stdp.rule=power_law", "network.method=exponential_euler", "stdp.x_tar=0.4"]
    )
    eta, x_tar, mu, w_max = 1e-2, 0.4, 0.2, 1.0
    w1 = W0 + eta * (0.0 - x_tar) * (w_max - W0) ** mu  # no presynaptic trace yet: depression
    w2 = w1 + eta * (np.exp(-10 / 20) - x_tar) * (w_max - w1) ** mu
    simulated = stdp_window(cfg, np.array([10e-3]))[0]
    assert simulated == pytest.approx(w2 - W0, rel=1e-12)
    # a recent presynaptic spike (trace 0.61 > x_tar) potentiates at the second post
    # spike; one 60 ms earlier (trace 0.05 < x_tar) depresses
    assert simulated > stdp_window(cfg, np.array([60e-3]))[0]


def test_exponential_rule_by_hand():
    cfg = load_config(
        None, ["stdp.rule=exponential", "network.method=exponential_euler", "stdp.x_tar=0.4"]
    )
    eta, x_tar, beta, w_max = 1e-2, 0.4, 1.0, 1.0

    def step(w, pre):
        return w + eta * (pre * np.exp(-beta * w) - x_tar * np.exp(-beta * (w_max - w)))

    w2 = step(step(W0, 0.0), np.exp(-5 / 20))
    assert stdp_window(cfg, np.array([5e-3]))[0] == pytest.approx(w2 - W0, rel=1e-12)


def test_symmetric_rule_depresses_post_before_pre():
    """Pre 10 ms after the second post spike: the power-law updates plus -eta_pre post1 w^mu."""
    cfg = load_config(
        None, ["stdp.rule=symmetric", "network.method=exponential_euler", "stdp.x_tar=0.4"]
    )
    eta_post, eta_pre, x_tar, mu = 1e-2, 1e-4, 0.4, 0.2
    w1 = W0 + eta_post * (0.0 - x_tar) * (1 - W0) ** mu  # priming post spike, no pre trace
    w2 = w1 + eta_post * (0.0 - x_tar) * (1 - w1) ** mu  # second post spike, still none
    w3 = w2 - eta_pre * np.exp(-10 / 20) * w2**mu  # pre spike reads post1 of the second post
    assert stdp_window(cfg, np.array([-10e-3]))[0] == pytest.approx(w3 - W0, rel=1e-12)


@pytest.mark.parametrize("w0", [0.5, 0.9, 0.99, 0.999])
def test_power_law_potentiation_shrinks_as_w_approaches_w_max(w0):
    """The rule's own soft bound, (w_max - w)**mu, not the clip to [0, w_max].

    With x_tar = 0 the priming postsynaptic spike (no presynaptic trace yet)
    changes nothing, and the paired one potentiates by
    eta_post * exp(-d / tau_pre) * (w_max - w0)**mu. The learning rate is small
    enough that the weight stays below w_max, so the clip never acts; a rule
    without the weight dependence would give eta_post * exp(-d / tau_pre)
    at every w0, and overshoot w_max at w0 = 0.999.
    """
    eta, mu, w_max, d = 2e-3, 0.2, 1.0, 1e-3
    cfg = load_config(
        None,
        [
            "stdp.rule=power_law",
            "network.method=exponential_euler",
            "stdp.x_tar=0",
            f"stdp.eta_post={eta}",
            f"stdp.mu={mu}",
            f"stdp.w_max={w_max}",
        ],
    )
    dw = stdp_window(cfg, np.array([d]), w0=w0)[0]
    expected = eta * np.exp(-d / 20e-3) * (w_max - w0) ** mu
    assert dw == pytest.approx(expected, rel=1e-9)
    assert w0 + dw < w_max  # the clip did not shape the result
    if w0 > 0.99:
        assert w0 + eta * np.exp(-d / 20e-3) > w_max  # without the dependence: clipped


@pytest.mark.parametrize("w0", [0.5, 0.01, 0.001])
def test_symmetric_depression_shrinks_as_w_approaches_zero(w0):
    """The symmetric rule's depression at a presynaptic spike scales as w**mu.

    Pre 10 ms after the paired postsynaptic spike, x_tar = 0 (the postsynaptic
    spikes change nothing): dw = -eta_pre * post1 * w0**mu, with post1 =
    exp(-10 ms / tau_post1). eta_pre is small enough that the weight stays
    above 0 (no clip), yet near 0 a weight-independent step would cross it.
    """
    eta_pre, mu = 4e-3, 0.2
    cfg = load_config(
        None,
        [
            "stdp.rule=symmetric",
            "network.method=exponential_euler",
            "stdp.x_tar=0",
            f"stdp.eta_pre={eta_pre}",
            f"stdp.mu={mu}",
        ],
    )
    dw = stdp_window(cfg, np.array([-10e-3]), w0=w0)[0]
    expected = -eta_pre * np.exp(-10 / 20) * w0**mu
    assert dw == pytest.approx(expected, rel=1e-9)
    assert w0 + dw > 0  # the clip did not shape the result
    if w0 < 0.01:
        assert w0 - eta_pre * np.exp(-10 / 20) < 0  # without the dependence: clipped
