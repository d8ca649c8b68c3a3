"""The model of Diehl & Cook (2015) as Brian2 equation strings.

Diehl PU and Cook M (2015) Unsupervised learning of digit recognition using
spike-timing-dependent plasticity. Front. Comput. Neurosci. 9:99.
doi:10.3389/fncom.2015.00099

Everything the network computes is written here, in Brian2's notation, so that
a reader can see the whole model without reading the engine. The symbols are
filled in from the configuration (`stdp.config`) through each group's
``namespace``; no number is hard-coded in these strings.

Glossary
--------
=============  =============================================================
``v``          membrane potential (volt)
``ge, gi``     excitatory / inhibitory conductance, in units of the leak
               conductance (dimensionless), jump by a synaptic weight ``w``
``theta``      adaptive threshold of an excitatory neuron (volt); the
               neuron fires when ``v > v_thresh + theta - theta_offset``
``pre``        presynaptic STDP trace, kept by each input neuron
``post1``      fast postsynaptic trace (tau_post1), for depression
``post2``      slow postsynaptic trace (tau_post2), the triplet term
``learning``   1 while learning, 0 when the network is frozen (labelling
               and testing): theta and the weights then stay fixed
``wsum``       running sum of a neuron's input weights (for normalisation)
``wscale``     this cycle's normalisation factor of a neuron's weights (added
               by `stdp.network.excitatory_group`, not part of ``exc_model``)
``learning_now``  the controller's learning flag, copied into ``learning``
               at the start of every cycle (`LEARNING_SWITCH`)
=============  =============================================================

Neurons (paper eq. 1-2, code values in `stdp.config.SCHEMA`)::

    tau_m dv/dt = (v_rest - v) + ge (E_exc - v) + gi (E_inh - v)
    tau_ge dge/dt = -ge,   tau_gi dgi/dt = -gi

Triplet STDP (Pfister & Gerstner 2006, as in the original code), on the
input -> excitatory synapses, with traces set to 1 at each spike:

- presynaptic spike: ``w <- clip(w - nu_pre * post1, 0, w_max)``
- postsynaptic spike: ``w <- clip(w + nu_post * pre * post2, 0, w_max)``,
  where ``post2`` is read *before* the spike resets it (Brian2 runs the
  synaptic ``on_post`` code before the neuron's reset in every time step).

Where this differs from the original Brian 1 code
-------------------------------------------------
- The presynaptic trace lives in the input neuron and is read undelayed at the
  postsynaptic spike; the original's per-synapse trace saw the pre spike at
  ``t_pre + delay``. The depression (``on_pre``) is delayed as in the original.
- ``learning`` multiplies theta's growth and decay and the weight updates, so
  one equation set serves training and testing (the original swapped in
  different equations for its test mode).
"""

from __future__ import annotations

__all__ = [
    "EXC_EQUATIONS",
    "EXC_THRESHOLD",
    "EXC_RESET",
    "INH_EQUATIONS",
    "INH_THRESHOLD",
    "INH_RESET",
    "INPUT_EQUATIONS",
    "INPUT_THRESHOLD",
    "INPUT_RESET",
    "INPUT_EQUATIONS_GEOMETRIC",
    "INPUT_THRESHOLD_GEOMETRIC",
    "INPUT_RESET_GEOMETRIC",
    "INPUT_EQUATIONS_REGULAR",
    "INPUT_RESET_REGULAR",
    "INPUT_FIRST_SPIKE_REGULAR",
    "INPUT_FIRST_SPIKE",
    "INPUT_EQUATIONS_LATENCY",
    "INPUT_EQUATIONS_RANK_ORDER",
    "INPUT_THRESHOLD_VOLLEY",
    "STDP_MODEL",
    "STDP_ON_PRE",
    "STDP_ON_POST",
    "RULES",
    "EXC_TO_INH_ON_PRE",
    "INH_TO_EXC_ON_PRE",
    "LEARNING_SWITCH",
    "NORMALIZE_WEIGHTS",
    "NORMALIZE_SUMS",
    "NORMALIZE_SQUARES_CLEAR",
    "NORMALIZE_SQUARES_ADD",
    "NORMALIZE_LENGTHS",
    "KERNEL_MODEL",
    "KERNEL_SUM",
    "KERNEL_UPDATE",
    "KERNEL_WRITE",
    "WSUM_CLEAR",
    "FILTER_MODEL",
    "FIRST_SPIKE_ON_PRE",
    "KERNEL_KEEP_WINNERS",
    "WINS_CLEAR",
    "CLAIMS_CLEAR",
    "WSUM_ADD",
    "KERNEL_AFTER_NORMALIZATION",
    "RESET_EXC_STATE",
    "RESET_INH_STATE",
    "RESET_INPUT_STATE",
    "CONTROLLER_EQUATIONS",
    "CONTROLLER_CYCLE",
    "SPIKE_COUNTER_ON_PRE",
    "excitatory_equations",
    "excitatory_threshold",
    "excitatory_reset",
    "trace_operator",
    "inhibitory_equations",
]

# --------------------------------------------------------------------------
# Excitatory neurons: conductance-based LIF with an adaptive threshold.
# --------------------------------------------------------------------------
EXC_EQUATIONS = """
dv/dt = ((v_rest - v) + ge*(E_exc - v) + gi*(E_inh - v)) / tau_m : volt {clamp}
dge/dt = -ge / tau_ge : 1
dgi/dt = -gi / tau_gi : 1
dtheta/dt = -learning * theta / tau_theta : volt
dpost1/dt = -post1 / tau_post1 : 1
dpost2/dt = -post2 / tau_post2 : 1
wsum : 1
learning : 1
learning_now : 1 (linked)
"""
EXC_THRESHOLD = "v > v_thresh + theta - theta_offset"
#: ``{trace}`` is ``=`` (traces set to 1, the code) or ``+=`` (incremented, the paper).
EXC_RESET = """
v = v_reset
theta += learning * theta_plus
post1 {trace} 1
post2 {trace} 1
"""

# --------------------------------------------------------------------------
# Inhibitory neurons: conductance-based LIF, fixed threshold.
# --------------------------------------------------------------------------
INH_EQUATIONS = """
dv/dt = ((v_rest - v) + ge*(E_exc - v) + gi*(E_inh - v)) / tau_m : volt {clamp}
dge/dt = -ge / tau_ge : 1
dgi/dt = -gi / tau_gi : 1
"""
INH_THRESHOLD = "v > v_thresh"
INH_RESET = "v = v_reset"

# --------------------------------------------------------------------------
# Input: one Poisson neuron per pixel. The rate is looked up in the example
# table ``stim`` (row k = the example being shown, values pixel/255) and is
# zero outside the presentation window. ``rate > 0*Hz and ...`` skips the
# random draw for dark pixels and during the rest: same statistics, fewer
# draws. The presentation state (k, t_start, max_rate_now) is linked from the
# controller.
# --------------------------------------------------------------------------
INPUT_EQUATIONS = """
rate = int(t - t_start < t_present - dt/2) * stim(k * second, i) * max_rate_now : Hz
dpre/dt = -pre / tau_pre : 1
k : 1 (linked)
t_start : second (linked)
max_rate_now : Hz (linked)
"""
INPUT_THRESHOLD = "rate > 0*Hz and rand() < rate * dt"
INPUT_RESET = "pre {trace} 1"

# --------------------------------------------------------------------------
# The same Poisson input drawn from intervals (``encoding.generator =
# "geometric"``). A neuron that fires in a step with probability p = rate*dt,
# independently in every step, waits a geometric number of steps n >= 0 for
# its next spike: P(n) = (1 - p)**n * p, drawn as floor(log(U) / log(1 - p)).
# So instead of one random number per input and step, each input draws one
# number per spike (in its reset) and one at the start of every presentation
# (`INPUT_FIRST_SPIKE`), and the threshold is a comparison. Same statistics as
# the per-step draw, exactly; other random numbers. p is clipped to
# [1e-12, 1 - 1e-12] only to keep the logarithms finite (a dark pixel then
# waits about 1e12 steps, i.e. never fires), and the wait to 1e8 steps so that
# it fits an integer. A spike drawn after the end of the presentation window is
# moved to ``t_never``.
# --------------------------------------------------------------------------
INPUT_EQUATIONS_GEOMETRIC = """
rate = stim(k * second, i) * max_rate_now : Hz
p_step = clip(rate * dt, 1e-12, 1 - 1e-12) : 1
t_next : second
dpre/dt = -pre / tau_pre : 1
k : 1 (linked)
t_start : second (linked)
max_rate_now : Hz (linked)
"""
INPUT_THRESHOLD_GEOMETRIC = "t > t_next - dt/2"
#: A spike due after the presentation window is moved to ``t_never``.
_LATE = "t_next += int(t_next - t_start > t_present - dt/2) * t_never"
_NEXT_SPIKE = (
    "\nt_next = t + dt * ({first} + floor(clip(log(rand()) / log(1 - p_step), 0, 1e8)))\n"
    + _LATE
    + "\n"
)
#: Reset of a geometric input: the trace update, then the next spike (>= 1 step later).
INPUT_RESET_GEOMETRIC = "pre {trace} 1" + _NEXT_SPIKE.format(first=1)
#: At the start of every cycle, after the controller: the first spike (>= 0 steps).
INPUT_FIRST_SPIKE = _NEXT_SPIKE.format(first=0).strip()

# --------------------------------------------------------------------------
# The rate code without the noise (``encoding.code = "regular"``): every input
# fires at the same rate as the Poisson code's, ``1 / rate`` apart exactly
# (each spike in the time step nearest its time), starting at a fixed
# fraction ``phase`` of that interval into the presentation (a different one
# for every pixel, so that the inputs do not fire in step). An image then
# always evokes the same input spikes.
# --------------------------------------------------------------------------
INPUT_EQUATIONS_REGULAR = INPUT_EQUATIONS_GEOMETRIC + "phase : 1 (constant)\n"
#: Reset of a regular input: the trace update, then the next spike one interval on.
INPUT_RESET_REGULAR = "pre {trace} 1\nt_next += dt / p_step\n" + _LATE
#: At the start of every cycle, after the controller: the first spike, ``phase`` intervals on.
#: A dark pixel (rate 0) never fires, whatever its phase.
INPUT_FIRST_SPIKE_REGULAR = (
    "t_next = t + phase * dt / p_step + int(rate <= 0*Hz) * t_never\n" + _LATE
)

# --------------------------------------------------------------------------
# Temporal codes (``encoding.code = "latency"`` or ``"rank_order"``): every
# pixel that fires sends one spike per volley, at a fixed ``offset`` after the
# volley's start; the information is in the spike's time, not in a rate.
#
# - latency (time to first spike): ``offset = latency_max * (1 - x)`` with
#   x = pixel/255, so a white pixel fires at the volley's start and fainter
#   ones later; pixels with x <= min_intensity stay silent.
# - rank order (Thorpe & Gautrais 1998): the pixels fire one after the other
#   in order of decreasing intensity, ``rank_interval`` apart. The table
#   ``stim`` then holds each pixel's rank (1 = brightest, 0 = silent), made by
#   `stdp.encoding.input_table`; ties go to the lower pixel index.
#
# Times are counted in whole steps from the presentation's start
# (``steps_in``), so a spike falls on the step nearest its offset, exactly
# once per volley. A volley starts every ``volley_period`` (``period_steps``
# steps); ``volleys_now`` volleys are sent, linked from the controller, which
# adds ``retry_volleys`` at each re-presentation. A spike whose offset is not
# within the period, or after the presentation window, is not sent.
# --------------------------------------------------------------------------
_VOLLEY = """
steps_in = floor((t - t_start) / dt + 0.5) : 1
offset_steps = floor(offset / dt + 0.5) : 1
lag = steps_in - offset_steps : 1
dpre/dt = -pre / tau_pre : 1
k : 1 (linked)
t_start : second (linked)
volleys_now : 1 (linked)
"""
INPUT_EQUATIONS_LATENCY = (
    """
offset = latency_max * (1 - stim(k * second, i)) : second
fires = int(stim(k * second, i) > min_intensity) : 1
"""
    + _VOLLEY
)
INPUT_EQUATIONS_RANK_ORDER = (
    """
offset = (stim(k * second, i) - 1) * rank_interval : second
fires = int(stim(k * second, i) > 0.5) : 1
"""
    + _VOLLEY
)
INPUT_THRESHOLD_VOLLEY = (
    "fires > 0 and offset_steps < period_steps and lag >= 0 and lag % period_steps == 0 "
    "and lag < volleys_now * period_steps and t - t_start < t_present - dt/2"
)

# --------------------------------------------------------------------------
# Plastic input -> excitatory synapses (triplet rule). ``dw`` is the weight
# change after clipping; ``wsum_post`` tracks each neuron's weight sum so the
# normalisation needs no pass over all synapses.
# --------------------------------------------------------------------------
#: ``delay_value`` holds each synapse's delay so that it can be passed in with
#: the state; the engine copies it to the synapse's ``delay`` before each run.
STDP_MODEL = """
w : 1
delay_value : second (constant)
"""
STDP_ON_PRE = """
ge_post += w
dw = learning_post * (clip(w - nu_pre * post1_post, 0, w_max) - w)
w += dw
wsum_post += dw
"""
STDP_ON_POST = """
dw = learning_post * (clip(w + nu_post * pre_pre * post2_post, 0, w_max) - w)
w += dw
wsum_post += dw
"""

# --------------------------------------------------------------------------
# The paper's other rules (Diehl & Cook 2015, section 2.3), with the same
# traces (``pre`` in the input neuron, ``post1`` in the excitatory neuron).
# The weight dependence uses the distance to the bounds clipped at 0, so that
# a weight just above w_max after normalisation cannot give a negative base.
# --------------------------------------------------------------------------
TRANSMIT_ONLY_ON_PRE = "ge_post += w"
POWER_LAW_ON_POST = """
dw_raw = eta_post * (pre_pre - x_tar) * clip(w_max - w, 0, w_max)**mu
dw = learning_post * (clip(w + dw_raw, 0, w_max) - w)
w += dw
wsum_post += dw
"""
EXPONENTIAL_ON_POST = """
dw_raw = eta_post * (pre_pre * exp(-beta * w) - x_tar * exp(-beta * (w_max - w)))
dw = learning_post * (clip(w + dw_raw, 0, w_max) - w)
w += dw
wsum_post += dw
"""
SYMMETRIC_ON_PRE = """
ge_post += w
dw = learning_post * (clip(w - eta_pre * post1_post * clip(w, 0, w_max)**mu, 0, w_max) - w)
w += dw
wsum_post += dw
"""
#: (on_pre, on_post) of each learning rule (``stdp.rule``).
RULES = {
    "triplet": (STDP_ON_PRE, STDP_ON_POST),
    "power_law": (TRANSMIT_ONLY_ON_PRE, POWER_LAW_ON_POST),
    "exponential": (TRANSMIT_ONLY_ON_PRE, EXPONENTIAL_ON_POST),
    "symmetric": (SYMMETRIC_ON_PRE, POWER_LAW_ON_POST),
}

# --------------------------------------------------------------------------
# Lateral inhibition: exc i -> inh i, inh i -> every exc j != i.
# --------------------------------------------------------------------------
EXC_TO_INH_ON_PRE = "ge_post += w_exc_inh"
INH_TO_EXC_ON_PRE = "gi_post += w_inh_exc"

# --------------------------------------------------------------------------
# Divisive weight normalisation before every presentation (while learning):
# each excitatory neuron's input weights are scaled to sum to norm_total.
# --------------------------------------------------------------------------
LEARNING_SWITCH = "learning = learning_now"
# First each neuron's factor (one division per neuron, not per synapse), then
# the weights; ``wscale`` is added to the excitatory model by `stdp.network`.
NORMALIZE_SUMS = """
wscale = 1 + learning * (norm_total / wsum - 1)
wsum += learning * (norm_total - wsum)
""".strip()
NORMALIZE_WEIGHTS = "w *= wscale_post"
# ``normalization.norm = "l2"``: the weights' Euclidean length instead of
# their sum. ``wscale`` first collects the sum of the squared weights, one
# pass over the synapses, then becomes the factor; ``wsum`` follows the
# scaling, as it does for the sum.
NORMALIZE_SQUARES_CLEAR = "wscale = 0"
NORMALIZE_SQUARES_ADD = "wscale_post += w**2"
NORMALIZE_LENGTHS = """
wscale = 1 + learning * (norm_total / sqrt(wscale + 1e-300) - 1)
wsum *= wscale
""".strip()

# --------------------------------------------------------------------------
# Shared weights of a convolutional layer (``topology.kind = "conv"``). Each
# synapse holds a copy ``w`` of its entry of the kernel table (``wk`` of the
# group ``kernel``, one element per filter and kernel position) and ``w0``,
# the entry's value when the copy was last set. The synapses ``tie`` join
# every copy to its entry. At the start of every cycle, in this order (all at
# order 1, before the normalisation):
#   1. KERNEL_SUM (tie): each entry sums the changes of its copies,
#   2. KERNEL_UPDATE (kernel): the entry moves by that sum,
#   3. KERNEL_WRITE (tie): every copy is set to its entry,
#   4. WSUM_CLEAR (exc) and WSUM_ADD (input_to_exc): the weight sums, again,
# and after the normalisation (order 3) KERNEL_AFTER_NORMALIZATION (tie) takes
# the scaled copies (equal for all copies of an entry) as the new entries.
# --------------------------------------------------------------------------
KERNEL_MODEL = """
wk : 1
dsum : 1
"""
KERNEL_SUM = "dsum_post += w_pre - w0_pre"
KERNEL_UPDATE = """
wk = clip(wk + dsum, 0, w_max)
dsum = 0
"""
KERNEL_WRITE = """
w_pre = wk_post
w0_pre = wk_post
"""
WSUM_CLEAR = "wsum = 0"
# ``topology.share = "winner"`` (Kheradpisheh et al. 2018): only the first
# neuron of each filter to fire in a cycle teaches the kernel. The synapses
# ``first_spike`` (exc -> filter) mark it; before KERNEL_SUM the other copies
# drop their changes, and after it the marks are cleared.
FILTER_MODEL = "claimed : 1"
FIRST_SPIKE_ON_PRE = """
wins_pre += int(claimed_post < 0.5) * learning_pre
claimed_post = 1
"""
KERNEL_KEEP_WINNERS = "w = w0 + (w - w0) * wins_post"
WINS_CLEAR = "wins = 0"
CLAIMS_CLEAR = "claimed = 0"
WSUM_ADD = "wsum_post += w"
KERNEL_AFTER_NORMALIZATION = """
w0_pre = w_pre
wk_post = w_pre
"""

# --------------------------------------------------------------------------
# Fast-protocol option (``protocol.reset_state``): instead of letting the
# variables decay during a long rest, set them to their resting values at the
# start of every cycle. The adaptive threshold and the weights are kept.
# --------------------------------------------------------------------------
RESET_EXC_STATE = """
v = v_rest
ge = 0
gi = 0
post1 = 0
post2 = 0
"""
RESET_INH_STATE = """
v = v_rest
ge = 0
gi = 0
"""
RESET_INPUT_STATE = "pre = 0"

# --------------------------------------------------------------------------
# The presentation protocol, run in generated code at the start of every
# cycle (presentation + rest). ``nspk`` counts excitatory spikes during the
# presentation window. Fewer than ``min_spikes`` -> show the same example
# again with a higher rate (rate codes) or more volleys (temporal codes), at
# most ``max_retries`` times.
# --------------------------------------------------------------------------
CONTROLLER_EQUATIONS = """
k : 1
retries : 1
nspk : 1
t_start : second
max_rate_now : Hz
volleys_now : 1
learning : 1
learning_now : 1
n_valid : 1
rng_seed : 1
"""
CONTROLLER_CYCLE = """
advance = int(nspk >= min_spikes or retries >= max_retries)
k += advance
retries = (1 - advance) * (retries + 1)
nspk = nspk * (1 - advance) * cumulative
t_start = t
showing = int(k < n_valid)
max_rate_now = showing * (max_rate + retries * retry_rate_step)
volleys_now = showing * (volleys + retries * retry_volleys)
learning_now = learning * showing
"""
SPIKE_COUNTER_ON_PRE = "nspk_post += int(t - t_start_post < t_present - dt/2)"


def excitatory_equations(clamp_refractory: bool) -> str:
    """The excitatory model, with ``(unless refractory)`` if v is clamped."""
    return EXC_EQUATIONS.format(clamp="(unless refractory)" if clamp_refractory else "")


def inhibitory_equations(clamp_refractory: bool) -> str:
    """The inhibitory model, with ``(unless refractory)`` if v is clamped."""
    return INH_EQUATIONS.format(clamp="(unless refractory)" if clamp_refractory else "")


def excitatory_threshold(spike_block: bool) -> str:
    """The excitatory threshold; with ``spike_block`` also ``t - lastspike > spike_block``."""
    return EXC_THRESHOLD + (" and t - lastspike > spike_block" if spike_block else "")


def trace_operator(trace_update: str) -> str:
    """The operator of a trace update on a spike: ``"="`` for ``"set"``, ``"+="`` for ``"add"``."""
    return "=" if trace_update == "set" else "+="


def excitatory_reset(trace_update: str) -> str:
    """The excitatory reset; ``trace_update`` is ``"set"`` or ``"add"``."""
    return EXC_RESET.format(trace=trace_operator(trace_update))
