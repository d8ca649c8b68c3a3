"""The input codes (``encoding.code``): spike times against the pixel values.

Each test builds the controller and the input group with the package's own
factories (runtime device, numpy target), so the equations under test are
exactly the ones the engine compiles, and shows them a table of examples.
"""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import ms

from stdp.config import load_config
from stdp.encoding import input_spikes, input_table, intensity_ranks
from stdp.errors import ConfigError
from stdp.network import cycle_duration, input_strings

pytestmark = pytest.mark.usefixtures("runtime_numpy")


def _show(cfg, pixels, n_cycles=None):
    """Spikes of the input group alone (`stdp.encoding.input_spikes`), times in ms."""
    i, t = input_spikes(cfg, np.asarray(pixels, dtype=np.uint8), n_cycles)
    return i, t * 1e3, float(cycle_duration(cfg) / ms)


def _cfg(**encoding):
    return load_config({"encoding": {"min_spikes": 0, **encoding}})


def test_latency_spikes_at_the_formula_once_per_volley():
    cfg = _cfg(code="latency", latency_max="20 ms", volley_period="25 ms", volleys=3)
    pixels = [255, 200, 128, 37, 1, 0]
    i, t, _ = _show(cfg, [pixels])
    dt = float(cfg["network.dt"] / ms)
    expected = set()
    for n, p in enumerate(pixels):
        if p == 0:  # at or below min_intensity = 0: silent
            continue
        offset = np.floor(20 * (1 - p / 255) / dt + 0.5) * dt  # rounded to the step
        expected |= {(n, round(v * 25 + offset, 6)) for v in range(3)}
    assert {(int(a), round(float(b), 6)) for a, b in zip(i, t, strict=True)} == expected
    assert len(i) == len(expected)  # exactly once per pixel and volley


def test_latency_threshold_silences_faint_pixels():
    cfg = _cfg(code="latency", min_intensity=0.5)
    pixels = [255, 128, 127, 64, 0]  # 128/255 > 0.5 > 127/255
    i, t, _ = _show(cfg, [pixels])
    assert sorted(i.tolist()) == [0, 1]
    assert t[i == 0][0] == 0.0  # a white pixel fires at the volley's start


def test_rank_order_fires_in_order_of_decreasing_intensity_at_fixed_intervals():
    cfg = _cfg(code="rank_order", rank_interval="1 ms", volley_period="20 ms", volleys=2)
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, size=16)
    pixels[[2, 9]] = 0  # silent
    pixels[5] = pixels[11] = 200  # a tie: the lower index goes first
    i, t, _ = _show(cfg, [pixels])
    first = t < 20
    firing = np.flatnonzero(pixels > 0)
    order = firing[np.argsort(-pixels[firing], kind="stable")]
    np.testing.assert_array_equal(i[first][np.argsort(t[first], kind="stable")], order)
    np.testing.assert_allclose(np.sort(t[first]), np.arange(order.size) * 1.0)
    np.testing.assert_allclose(np.sort(t[~first]), 20 + np.arange(order.size) * 1.0)


def test_rank_order_drops_ranks_beyond_the_volley_period():
    cfg = _cfg(code="rank_order", rank_interval="2 ms", volley_period="7 ms", volleys=1)
    i, t, _ = _show(cfg, [[250, 240, 230, 220, 210, 200]])
    # offsets 0, 2, 4, 6 ms fit in 7 ms; 8 and 10 ms do not
    np.testing.assert_array_equal(i, [0, 1, 2, 3])
    np.testing.assert_allclose(t, [0, 2, 4, 6])


def test_intensity_ranks_ties_and_silent_pixels():
    ranks = intensity_ranks(np.array([[0.5, 0.9, 0.5, 0.1, 0.0]]), min_intensity=0.2)
    np.testing.assert_array_equal(ranks, [[2, 1, 3, 0, 0]])


@pytest.mark.parametrize("code", ["poisson", "bernoulli"])
def test_rate_codes_fire_at_pixel_times_max_rate(code):
    cfg = _cfg(code=code, max_rate="200 Hz")
    levels = np.array([0, 51, 128, 255])  # rates 0, 40, 100.4, 200 Hz
    n_per_level = 100
    pixels = np.repeat(levels, n_per_level)
    i, t, cycle = _show(cfg, [pixels, pixels])
    present = float(cfg["protocol.presentation"] / ms)
    assert np.all((t % cycle) < present)  # nothing during the rest
    counts = np.bincount(i, minlength=pixels.size).reshape(levels.size, n_per_level).sum(axis=1)
    # each input's count is binomial(700 steps, p = rate * dt), two presentations
    steps = 2 * round(present / float(cfg["network.dt"] / ms))
    p = levels / 255 * 200 * float(cfg["network.dt"])
    mean = n_per_level * steps * p
    sd = np.sqrt(n_per_level * steps * p * (1 - p))
    assert counts[0] == 0
    np.testing.assert_array_less(np.abs(counts[1:] - mean[1:]), 5 * sd[1:])


def test_regular_code_fires_one_interval_apart_at_the_poisson_rate():
    from stdp.network import GOLDEN

    cfg = _cfg(code="regular", max_rate="200 Hz")
    pixels = np.array([0, 51, 128, 255, 255])  # rates 0, 40, 100.4, 200, 200 Hz
    i, t, cycle = _show(cfg, [pixels, pixels])
    present = float(cfg["protocol.presentation"] / ms)
    dt = float(cfg["network.dt"] / ms)
    assert np.all((t % cycle) < present)  # nothing during the rest
    for n, pixel in enumerate(pixels):
        first = t[(i == n) & (t < cycle)]
        if pixel == 0:
            assert first.size == 0 and not np.any(i == n)
            continue
        interval = 1e3 / (pixel / 255 * 200)  # ms
        # each spike in the step nearest its exact time, phase * interval, + interval, ...
        exact = (np.mod(n * GOLDEN, 1.0) + np.arange(first.size)) * interval
        assert exact[-1] < present - dt / 2 <= exact[-1] + interval
        np.testing.assert_allclose(first, exact, atol=dt / 2 + 1e-9)
        # the second presentation repeats the first, spike for spike
        np.testing.assert_allclose(t[(i == n) & (t >= cycle)] - cycle, first, atol=1e-9)
    # the two white pixels differ only in phase
    assert not np.array_equal(t[i == 3], t[i == 4])


def test_bernoulli_code_is_the_per_step_draw_of_the_poisson_code():
    per_step = _cfg(code="poisson", generator="bernoulli")
    assert input_strings(_cfg(code="bernoulli")) == input_strings(per_step)
    assert input_strings(_cfg(code="bernoulli", generator="geometric")) == input_strings(per_step)
    assert input_strings(_cfg()) != input_strings(per_step)  # default: geometric


@pytest.mark.parametrize("code", ["latency", "rank_order"])
def test_a_retry_of_a_temporal_code_adds_volleys(code):
    # nothing counts output spikes here, so every example is retried max_retries times
    cfg = load_config(
        {
            "encoding": {
                "code": code,
                "min_spikes": 1,
                "max_retries": 2,
                "volleys": 2,
                "retry_volleys": 3,
                "volley_period": "25 ms",
            }
        }
    )
    pixels = [255, 100, 0, 30]
    i, t, cycle = _show(cfg, [pixels], n_cycles=4)
    per_cycle = np.bincount((t // cycle).astype(int), minlength=4)
    # 3 firing pixels x (2, 5, 8) volleys, then the table is done: silence
    np.testing.assert_array_equal(per_cycle, [6, 15, 24, 0])


def test_a_retry_of_a_rate_code_raises_the_rate():
    cfg = load_config(
        {
            "encoding": {
                "code": "bernoulli",
                "min_spikes": 1,
                "max_retries": 1,
                "max_rate": "100 Hz",
                "retry_rate_step": "300 Hz",
            }
        }
    )
    i, t, cycle = _show(cfg, [np.full(200, 255)], n_cycles=2)
    first, second_ = np.bincount((t // cycle).astype(int), minlength=2)
    # 200 inputs x 0.35 s: 7,000 spikes at 100 Hz, 28,000 at 400 Hz (sd < 170)
    assert abs(first - 7000) < 5 * np.sqrt(7000)
    assert abs(second_ - 28000) < 5 * np.sqrt(28000)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"code": "latency", "latency_max": "25 ms", "volley_period": "25 ms"},
            "encoding.latency_max: 25 ms must be below encoding.volley_period",
        ),
        (
            {"code": "rank_order", "rank_interval": "0.1 ms"},
            "encoding.rank_interval: 0.1 ms is shorter than network.dt",
        ),
        ({"code": "latency", "volley_period": "0.2 ms", "latency_max": "0.1 ms"}, "shorter"),
        ({"min_intensity": 1.0}, "encoding.min_intensity: 1 is out of range"),
        ({"min_intensity": -0.1}, "encoding.min_intensity"),
        ({"volleys": 0}, "encoding.volleys"),
        ({"latency_max": "0 ms"}, "encoding.latency_max"),
        ({"latency_max": "5 mV"}, "encoding.latency_max"),
        ({"code": "phase"}, "encoding.code: 'phase' is not one of poisson, bernoulli"),
    ],
)
def test_bad_code_parameters_are_refused(overrides, message):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")) as err:
        load_config({"encoding": overrides})
    assert "\n" not in str(err.value)


def test_a_latency_table_is_the_intensity_and_a_rank_table_the_ranks():
    pixels = np.array([[0, 255, 51]], dtype=np.uint8)
    np.testing.assert_allclose(input_table(_cfg(code="latency"), pixels), [[0, 1, 0.2]])
    np.testing.assert_array_equal(input_table(_cfg(code="rank_order"), pixels), [[0, 1, 2]])


@pytest.mark.parametrize("code", ["latency", "rank_order"])
def test_describe_shows_the_code_that_is_built(code):
    from stdp.describe import describe, model_strings, symbol_rows
    from stdp.network import build_network

    cfg = load_config(
        {
            "network": {"n_exc": 2},
            "encoding": {"code": code, "volley_period": "10 ms", "latency_max": "5 ms"},
        }
    )
    built = build_network(cfg, n_input=4, chunk_cycles=1)
    strings = model_strings(cfg)["input"]
    assert built.input.events["spike"] == strings["threshold"]
    assert "at the start of every cycle" not in strings  # no first-spike draw
    text = describe(cfg)
    assert ("latency code" if code == "latency" else "rank-order code") in text
    assert "1 more volleys" in text
    rows = {symbol: value for _, symbol, value, _ in symbol_rows(cfg, 4)}
    assert rows["period_steps"] == "20"  # 10 ms / 0.5 ms


def test_configs_that_generate_the_same_code_share_one_build():
    from stdp.engine import build_key

    def key(**encoding):
        return build_key(load_config({"encoding": encoding}), 64)

    assert key(code="bernoulli") == key(generator="bernoulli")  # the same draw
    assert key(code="bernoulli") != key()  # geometric
    assert key(latency_max="5 ms") == key()  # the poisson code does not read it
    latency = {"code": "latency", "volley_period": "30 ms"}
    assert key(**latency, latency_max="5 ms") != key(**latency, latency_max="6 ms")
    assert key(**latency, rank_interval="2 ms") == key(**latency)
    assert key(code="rank_order", volleys=2) != key(code="rank_order", volleys=3)


def test_describe_names_the_regular_code():
    from stdp.describe import describe, model_strings

    cfg = load_config({"network": {"n_exc": 2}, "encoding": {"code": "regular"}})
    text = describe(cfg)
    assert "fires regularly (code regular)" in text
    assert "### Regularly firing" in text
    assert model_strings(cfg)["input"]["reset"] in text
