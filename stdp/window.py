"""The STDP learning window of the input -> excitatory synapses, simulated and in closed form.

`stdp_window` measures the weight change as a function of the spike-time
difference ``delta_t = t_post - t_pre`` by *simulating* the package's own
synapse model (`stdp.network.stdp_synapses` onto `stdp.network.excitatory_group`,
the exact code the engine compiles) with the spike times forced. All values of
``delta_t`` run at once, in one network of many independent pre/post pairs.
`closed_form_window` gives the same curve analytically, for the rule that
``stdp.rule`` selects (see `CLOSED_FORMS`).

The protocol: a postsynaptic doublet and one presynaptic spike
---------------------------------------------------------------
With the triplet rule of Diehl & Cook (2015) (Pfister & Gerstner 2006, as in
the original code) a single pre/post pair never potentiates: the potentiation
``nu_post * pre * post2`` needs the slow postsynaptic trace ``post2``, which is
0 before the first postsynaptic spike. The window is therefore measured with
the standard triplet protocol (post-pre-post / pre-post-post triplets of
Pfister & Gerstner 2006): every pair of neurons sees

* a postsynaptic *priming* spike at ``t_post - priming_interval``,
* the postsynaptic spike at ``t_post``,
* one presynaptic spike at ``t_pre = t_post - delta_t``,

with no other spikes, zero synaptic delay, learning on, the weight starting at
``w0`` (far enough from 0 and ``w_max`` that nothing is clipped) and the
weight change read after the last spike. A spike reads the traces left by
spikes of *earlier* time steps only: in Brian2 the synaptic pathways run
before the neurons' resets, and the presynaptic pathway before the
postsynaptic one.

For the triplet rule this gives, with ``d = delta_t``, ``T = priming_interval``
and ``E(x, tau)`` the decay of a trace over a time ``x``::

    dw(d) = nu_post * E_pre(d, tau_pre) * E(T, tau_post2)      if d > 0
          - nu_pre  * post1(t_pre)

    post1(t_pre) = E(-d, tau_post1) [+ E(T - d, tau_post1) for "add" traces]   if d < 0
                 = E(T - d, tau_post1)                                         if 0 <= d < T
                 = 0                                                           if d >= T

The first term is the potentiation by pre-before-post (the pre trace, read at
the second postsynaptic spike, times ``post2`` left by the priming spike); the
second the depression by post-before-pre (``post1`` at the presynaptic spike).
For ``0 <= d < T`` the presynaptic spike falls between the two postsynaptic
spikes and is depressed a little by the priming spike. ``E(x, tau)`` is
``exp(-x / tau)``; the excitatory traces are integrated with
``network.method``, so with ``discrete=True`` `closed_form_window` uses the
integrator's exact per-step factor instead (``(1 - dt/tau)**n`` for Euler),
which matches the simulation to rounding. The presynaptic trace is always
integrated exactly (``method="exact"`` in the input group).

Examples
--------
>>> import numpy as np
>>> from stdp.config import load_config
>>> cfg = load_config(None, ["network.method=exponential_euler"])
>>> delta_t = np.arange(-100, 101, 1.0) * 1e-3  # seconds
>>> dw = stdp_window(cfg, delta_t)
>>> np.allclose(dw, closed_form_window(cfg, delta_t), rtol=1e-9, atol=1e-15)
True
"""

from __future__ import annotations

from collections.abc import Callable

import brian2
import numpy as np
from brian2 import Network, NeuronGroup, TimedArray, ms
from brian2.devices.device import reset_device

from . import equations as eq
from .config import FLAT_SCHEMA, Config
from .errors import ConfigError
from .network import excitatory_group, stdp_synapses

__all__ = [
    "PRIMING_INTERVAL",
    "W0",
    "CLOSED_FORMS",
    "stdp_window",
    "closed_form_window",
    "default_delta_t",
    "decay_factor",
]

#: Default interval between the postsynaptic priming spike and the paired postsynaptic spike.
PRIMING_INTERVAL: brian2.Quantity = 20 * ms
#: Default initial weight of every simulated synapse (no clipping for the default parameters).
W0: float = 0.5


def default_delta_t(step: brian2.Quantity = 1 * ms, span: brian2.Quantity = 100 * ms) -> np.ndarray:
    """``delta_t`` from ``-span`` to ``+span`` in steps of ``step``, in seconds.

    Parameters
    ----------
    step : Quantity, default 1 ms
        Spacing of the values.
    span : Quantity, default 100 ms
        Largest absolute value.

    Returns
    -------
    ndarray of float
        ``delta_t = t_post - t_pre`` in seconds.
    """
    n = int(round(float(span / step)))
    return np.arange(-n, n + 1) * float(step)


def decay_factor(
    delta: np.ndarray, tau: float, method: str = "exact", dt: float | None = None
) -> np.ndarray:
    """How much a trace ``dx/dt = -x/tau`` decays over ``delta`` seconds.

    Parameters
    ----------
    delta : ndarray
        Elapsed times in seconds (``>= 0``; a whole number of steps if ``dt``
        is given).
    tau : float
        Time constant in seconds.
    method : {"exact", "euler", "exponential_euler", "rk2", "rk4"}, default "exact"
        With ``dt``: the integrator, whose one-step factor is raised to the
        number of steps. ``"exact"`` and ``"exponential_euler"`` are
        ``exp(-delta / tau)``.
    dt : float, optional
        Time step in seconds; ``None`` (default) gives ``exp(-delta / tau)``.

    Returns
    -------
    ndarray
        The decay factor.
    """
    delta = np.asarray(delta, dtype=float)
    if dt is None or method in ("exact", "exponential_euler"):
        return np.exp(-delta / tau)
    h = dt / tau
    per_step = {
        "euler": 1 - h,
        "rk2": 1 - h + h**2 / 2,
        "rk4": 1 - h + h**2 / 2 - h**3 / 6 + h**4 / 24,
    }[method]
    return per_step ** np.rint(delta / dt)


def _triplet_window(
    cfg: Config, delta_t: np.ndarray, priming_interval: float, discrete: bool
) -> np.ndarray:
    """Closed form of the triplet rule for the doublet protocol (see the module docstring)."""
    d = np.asarray(delta_t, dtype=float)
    big_t = float(priming_interval)
    dt = float(cfg["network.dt"]) if discrete else None
    method = cfg["network.method"]
    tau_pre = float(cfg["stdp.tau_pre"])
    tau1 = float(cfg["stdp.tau_post1"])
    tau2 = float(cfg["stdp.tau_post2"])
    nu_pre, nu_post = float(cfg["stdp.nu_pre"]), float(cfg["stdp.nu_post"])
    add = cfg["stdp.trace_update"] == "add"

    def post_decay(x: np.ndarray, tau: float) -> np.ndarray:
        return decay_factor(np.maximum(x, 0.0), tau, method, dt)

    # The presynaptic trace is integrated exactly ("exact" method in the input group).
    pre_at_post = np.where(d > 0, np.exp(-np.maximum(d, 0.0) / tau_pre), 0.0)
    potentiation = nu_post * pre_at_post * post_decay(np.full_like(d, big_t), tau2)
    post1 = np.where(
        d < 0,
        post_decay(-d, tau1) + (post_decay(big_t - d, tau1) if add else 0.0),
        np.where(d < big_t, post_decay(big_t - d, tau1), 0.0),
    )
    return potentiation - nu_pre * post1


def _apply(cfg: Config, kind: str, w: float, pre: float, post1: float, post2: float) -> float:
    """One spike's weight update for ``stdp.rule`` (the formulas of `stdp.equations.RULES`)."""
    rule = cfg["stdp.rule"]
    w_max = cfg["stdp.w_max"]
    eta_pre, eta_post = cfg["stdp.eta_pre"], cfg["stdp.eta_post"]
    x_tar, mu, beta = cfg["stdp.x_tar"], cfg["stdp.mu"], cfg["stdp.beta"]
    if kind == "pre":
        if rule == "triplet":
            w = w - cfg["stdp.nu_pre"] * post1
        elif rule == "symmetric":
            w = w - eta_pre * post1 * min(max(w, 0.0), w_max) ** mu
    elif rule == "triplet":
        w = w + cfg["stdp.nu_post"] * pre * post2
    elif rule in ("power_law", "symmetric"):
        w = w + eta_post * (pre - x_tar) * min(max(w_max - w, 0.0), w_max) ** mu
    else:  # exponential
        w = w + eta_post * (pre * np.exp(-beta * w) - x_tar * np.exp(-beta * (w_max - w)))
    return float(min(max(w, 0.0), w_max))


def _sequence_window(
    cfg: Config, delta_t: np.ndarray, priming_interval: float, discrete: bool, w0: float = 0.5
) -> np.ndarray:
    """Any rule's window for the doublet protocol, by applying its updates spike by spike.

    The three spikes (priming post at ``-T``, pre at ``-delta_t``, post at 0)
    are taken in time order (a presynaptic spike before a postsynaptic one in
    the same step); each reads the traces left by spikes of earlier steps,
    evaluated in closed form, and applies the rule's update with clipping.
    Needed for the weight-dependent rules, whose change at the priming spike
    alters the next one.
    """
    dt = float(cfg["network.dt"])
    method = cfg["network.method"]
    add = cfg["stdp.trace_update"] == "add"
    tau_pre = float(cfg["stdp.tau_pre"])
    tau1, tau2 = float(cfg["stdp.tau_post1"]), float(cfg["stdp.tau_post2"])

    def trace(t: float, times: list[float], tau: float, exact: bool) -> float:
        earlier = [ti for ti in times if ti < t - dt / 2]
        if not earlier:
            return 0.0
        used = earlier if add else [max(earlier)]
        if exact:
            return float(sum(np.exp(-(t - ti) / tau) for ti in used))
        return float(
            sum(decay_factor(t - ti, tau, method, dt if discrete else None) for ti in used)
        )

    out = np.empty(len(delta_t))
    for index, d in enumerate(np.asarray(delta_t, dtype=float)):
        events = sorted([(-priming_interval, 1, "post"), (-d, 0, "pre"), (0.0, 1, "post")])
        w, pre_times, post_times = w0, [], []
        for t, _, kind in events:
            pre = trace(t, pre_times, tau_pre, exact=True)  # the input group integrates exactly
            post1 = trace(t, post_times, tau1, exact=False)
            post2 = trace(t, post_times, tau2, exact=False)
            w = _apply(cfg, kind, w, pre, post1, post2)
            (pre_times if kind == "pre" else post_times).append(t)
        out[index] = w - w0
    return out


#: Closed forms of the learning window, by the name of the rule (``stdp.rule``).
#: Each is ``f(cfg, delta_t [s], priming_interval [s], discrete) -> dw`` for the
#: default initial weight `W0`.
CLOSED_FORMS: dict[str, Callable[[Config, np.ndarray, float, bool], np.ndarray]] = {
    "triplet": _triplet_window,
    "power_law": _sequence_window,
    "exponential": _sequence_window,
    "symmetric": _sequence_window,
}


def closed_form_window(
    cfg: Config,
    delta_t: np.ndarray,
    *,
    priming_interval: brian2.Quantity = PRIMING_INTERVAL,
    discrete: bool = False,
) -> np.ndarray:
    """The analytic weight change of the protocol of `stdp_window`.

    Parameters
    ----------
    cfg : Config
        Uses ``stdp.*`` (rule, time constants, learning rates, trace update)
        and, with ``discrete``, ``network.dt`` and ``network.method``.
    delta_t : ndarray
        ``t_post - t_pre`` in seconds.
    priming_interval : Quantity, default 20 ms
        Time from the postsynaptic priming spike to the paired postsynaptic spike.
    discrete : bool, default False
        Use the integrator's per-step decay of the postsynaptic traces
        (matches the simulation exactly for any ``network.method``) instead of
        ``exp(-t / tau)`` (exact only for ``exponential_euler``).

    Returns
    -------
    ndarray
        The weight change ``dw`` for every ``delta_t`` (without clipping).

    Raises
    ------
    ConfigError
        If no closed form is known for ``stdp.rule``.
    """
    rule = cfg["stdp.rule"]
    if rule not in CLOSED_FORMS:
        raise ConfigError(f"stdp.rule: no closed-form window for the rule {rule!r}")
    return CLOSED_FORMS[rule](
        cfg, np.asarray(delta_t, dtype=float), float(priming_interval), discrete
    )


def _spike_table(times: np.ndarray, n_steps: int, dt: float) -> np.ndarray:
    """A (n_steps, n_neurons) table with 1 where neuron j spikes (times[:, j], NaN = none)."""
    table = np.zeros((n_steps, times.shape[1]))
    for row in times:
        ok = np.isfinite(row)
        table[np.rint(row[ok] / dt).astype(int), np.flatnonzero(ok)] = 1
    return table


def _rule_only(cfg: Config) -> Config:
    """``cfg`` on the paper's dense layer: one synapse per pair whatever ``topology.*`` says.

    The window is a property of the rule and the neurons; a local or
    convolutional layout would be checked against the pairs' count of neurons.
    """
    topology = [key for key in FLAT_SCHEMA if key.startswith("topology.")]
    return cfg.replace(**{key.replace(".", "__"): FLAT_SCHEMA[key].default for key in topology})


def stdp_window(
    cfg: Config,
    delta_t: np.ndarray,
    *,
    priming_interval: brian2.Quantity = PRIMING_INTERVAL,
    w0: float = W0,
    target: str = "numpy",
) -> np.ndarray:
    """Simulate the learning window through the package's synapse model.

    One network holds an independent presynaptic/postsynaptic pair for every
    value of ``delta_t``; spike times are forced (see the module docstring for
    the protocol). Runs on Brian2's runtime device.

    Parameters
    ----------
    cfg : Config
        The configuration (its ``stdp.*``, ``exc.*`` and ``network.dt``,
        ``network.method`` are used).
    delta_t : ndarray
        ``t_post - t_pre`` in seconds; every value must be a whole number of
        time steps ``network.dt``.
    priming_interval : Quantity, default 20 ms
        Time from the postsynaptic priming spike to the paired postsynaptic
        spike; longer than the excitatory refractory period.
    w0 : float, default 0.5
        Initial weight of every synapse.
    target : {"numpy", "cython"}, default "numpy"
        Brian2's code generation target for this simulation.

    Returns
    -------
    ndarray
        The weight change ``w_final - w0`` for every ``delta_t``.

    Raises
    ------
    ValueError
        If a ``delta_t`` is not a whole number of time steps, or the priming
        interval is not longer than the refractory period.
    """
    cfg = _rule_only(cfg)
    delta = np.atleast_1d(np.asarray(delta_t, dtype=float))
    dt = float(cfg["network.dt"])
    steps = delta / dt
    if np.any(np.abs(steps - np.rint(steps)) > 1e-6):
        raise ValueError(f"delta_t: every value must be a multiple of network.dt = {dt} s")
    big_t = float(priming_interval)
    if big_t <= float(cfg["exc.refractory"]):
        raise ValueError(
            f"priming_interval: {priming_interval} must be longer than exc.refractory "
            f"({cfg['exc.refractory']}) so that both postsynaptic spikes happen"
        )
    margin = 10 * dt
    t_post = margin + max(big_t, float(np.max(delta, initial=0.0)))
    t_pre = t_post - delta
    t_end = max(t_post, float(np.max(t_pre))) + margin
    n_steps = int(round(t_end / dt)) + 1
    n = delta.shape[0]
    pre_times = t_pre[None, :]
    post_times = np.vstack([np.full(n, t_post - big_t), np.full(n, t_post)])

    old_target = brian2.prefs.codegen.target
    brian2.set_device("runtime")
    brian2.prefs.codegen.target = target
    try:
        clock = brian2.Clock(dt=cfg["network.dt"], name="clock")
        pre_at = TimedArray(_spike_table(pre_times, n_steps, dt), dt=cfg["network.dt"])
        post_at = TimedArray(_spike_table(post_times, n_steps, dt), dt=cfg["network.dt"])
        # The input neurons' trace and reset, with forced spike times instead of Poisson.
        trace_line = next(line for line in eq.INPUT_EQUATIONS.splitlines() if "dpre/dt" in line)
        trace = eq.trace_operator(cfg["stdp.trace_update"])
        inp = NeuronGroup(
            n,
            trace_line,
            threshold="pre_at(t, i) > 0",
            reset=eq.INPUT_RESET.format(trace=trace),
            method="exact",
            clock=clock,
            name="input",
            namespace={"pre_at": pre_at, "tau_pre": cfg["stdp.tau_pre"]},
        )
        exc = excitatory_group(cfg, n, clock, threshold="post_at(t, i) > 0")
        exc.namespace["post_at"] = post_at
        exc.learning = 1
        exc.theta = cfg["exc.theta_init"]
        syn = stdp_synapses(cfg, inp, exc, clock, n_input=n)
        syn.connect(j="i")
        syn.w = w0
        syn.delay = 0 * ms
        net = Network(inp, exc, syn)
        net.run(n_steps * cfg["network.dt"], namespace={})
        w = np.asarray(syn.w[:], dtype=float)
        order = np.asarray(syn.i[:], dtype=int)
    finally:
        brian2.prefs.codegen.target = old_target
        reset_device()  # back to the device before (an open compiled engine keeps it)
    dw = np.empty(n)
    dw[order] = w - w0
    return dw
