"""The configuration schema: every parameter, its default, unit, range and meaning.

`SCHEMA` is a nested dict of sections, each mapping a key to a `Param`;
`stdp.config` reads and checks configurations against it. Every numeric
parameter declares the `Range` of values that make sense physically
(``POSITIVE`` time constants, ``NON_NEGATIVE`` rates and learning rates,
``COUNT`` for numbers of things where zero makes no sense, ``FINITE`` for
potentials, which may be negative); values outside it are rejected before
anything runs.

The defaults are the values of the original code of Diehl & Cook (2015) for
the 400-neuron network (peter-u-diehl/stdp-mnist). Where the paper and the
code differ, the default follows the code and the parameter's description
says what the paper does; see ``docs/model.md`` for the full list.

Examples
--------
>>> SCHEMA["exc"]["tau_m"].default
'100 ms'
>>> print(FLAT_SCHEMA["exc.tau_m"].allowed())
> 0 ms
>>> FLAT_SCHEMA["network.n_exc"].range.contains(0)
False
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .encoding import CODES
from .neuron_params import MODEL_NAMES, model_params, neuron_params
from .params import (
    COUNT,
    COUNT0,
    FINITE,
    INT32_MAX,
    NON_NEGATIVE,
    POSITIVE,
    SEED,
    Hz,
    Param,
    Range,
    ms,
    mV,
    second,
)

__all__ = [
    "Range",
    "Param",
    "SCHEMA",
    "FLAT_SCHEMA",
    "MODEL_NAMES",
    "INT32_MAX",
    "iter_schema",
    "POSITIVE",
    "NON_NEGATIVE",
    "FINITE",
    "COUNT",
    "COUNT0",
    "SEED",
    "ms",
    "mV",
    "Hz",
    "second",
]


#: The configuration schema: sections (nested dicts) of `Param`.
SCHEMA: dict[str, Any] = {
    "seed": Param(
        42, int, "seed of every random draw: initial weights, delays and Poisson input", range=SEED
    ),
    "device": Param(
        "cpp_standalone",
        str,
        "cpp_standalone: the whole protocol runs in compiled C++ (fast); runtime: Brian2's "
        "runtime mode with Cython code, for teaching and debugging (about 10x slower); "
        "cuda_standalone: Brian2CUDA on an NVIDIA GPU (needs the brian2cuda package)",
        choices=("cpp_standalone", "runtime", "cuda_standalone"),
    ),
    "dataset": {
        "name": Param(
            "digits",
            str,
            "digits: scikit-learn's 8x8 digits (embedded); mnist; fashion_mnist",
            choices=("digits", "mnist", "fashion_mnist"),
        ),
        "idx_dir": Param("", str, "folder with the four IDX files, tried first (empty: not used)"),
    },
    "network": {
        "n_exc": Param(
            400, int, "number of excitatory neurons (and of inhibitory neurons)", range=COUNT
        ),
        "dt": Param(
            "0.5 ms",
            ms,
            "integration time step (original code: 0.5 ms; most ports: 0.1 ms)",
            range=POSITIVE,
        ),
        "method": Param(
            "euler",
            str,
            "integration method; forward Euler as in the original code",
            choices=("euler", "exponential_euler", "rk2", "rk4"),
        ),
        "inh_method": Param(
            "same",
            str,
            "integration method of the inhibitory neurons ('same': network.method). Each of "
            "them is driven by one excitatory neuron only, so forward Euler stays stable for "
            "them where the excitatory neurons need exponential Euler, which costs an exp() "
            "per neuron and step",
            choices=("same", "euler", "exponential_euler", "rk2", "rk4"),
        ),
        "w_exc_inh": Param(
            10.4,
            float,
            "exc->inh one-to-one weight (conductance in units of g_leak)",
            range=NON_NEGATIVE,
        ),
        "w_inh_exc": Param(
            17.0,
            float,
            "inh->exc weight onto every excitatory neuron but the source's partner (code: 17.0; "
            "the paper's text: 10 nS); with inhibition = 'distance' the cap of the profile "
            "(Hazan et al. 2018: 17.5)",
            range=NON_NEGATIVE,
        ),
        "inhibition": Param(
            "constant",
            str,
            "inh->exc profile. constant: w_inh_exc onto every excitatory neuron but the "
            "partner (Diehl & Cook 2015). distance: the excitatory neurons sit on a square "
            "grid (n_exc must be a square) and inh i -> exc j gets "
            "min(w_inh_exc, inh_distance_scale * sqrt(d)), d the Euclidean grid distance "
            "between i's partner and j (Hazan et al. 2018, SOM-LM-SNN)",
            choices=("constant", "distance"),
        ),
        "inh_distance_scale": Param(
            4.8,
            float,
            "with inhibition = 'distance': inh->exc weight per sqrt(grid spacing), so "
            "neighbours get this weight and the cap w_inh_exc is reached at "
            "d = (w_inh_exc / inh_distance_scale)^2 (Hazan et al. 2018's code: 4.8)",
            range=NON_NEGATIVE,
        ),
        "w_init_min": Param(
            0.003,
            float,
            "initial input->exc weights are uniform in [w_init_min, w_init_max)",
            range=NON_NEGATIVE,
        ),
        "w_init_max": Param(
            0.303, float, "see w_init_min (code: (U[0,1) + 0.01) * 0.3)", range=NON_NEGATIVE
        ),
        "delay_min": Param(
            "0 ms",
            ms,
            "input->exc delays are uniform in [delay_min, delay_max]",
            range=NON_NEGATIVE,
        ),
        "delay_max": Param("10 ms", ms, "see delay_min (code: 0-10 ms)", range=NON_NEGATIVE),
    },
    "topology": {
        "kind": Param(
            "dense",
            str,
            "layout of the input->exc synapses (stdp.topology). dense: every neuron sees every "
            "pixel (Diehl & Cook 2015). local: a locally connected layer, filters neurons per "
            "square patch of kernel pixels, patches stride apart, each neuron with its own "
            "weights (Saunders et al. 2019). conv: the same layout with the weights of a filter "
            "shared by all its patches (one kernel table per filter, into which the copies' STDP "
            "changes are summed at the start of every cycle). local and conv need square images "
            "and network.n_exc = filters x patches",
            choices=("dense", "local", "conv"),
        ),
        "kernel": Param(
            12,
            int,
            "local/conv: side of a patch in pixels (Saunders et al. 2019: 12 on MNIST)",
            range=COUNT,
        ),
        "stride": Param(
            4,
            int,
            "local/conv: pixels between neighbouring patches; (image side - kernel) must be a "
            "multiple of it (Saunders et al. 2019: 4)",
            range=COUNT,
        ),
        "filters": Param(
            100,
            int,
            "local/conv: neurons (filters) per patch (Saunders et al. 2019: 25 to 1,000)",
            range=COUNT,
        ),
        "inhibition": Param(
            "location",
            str,
            "local/conv: which neurons inhibit each other. location: the filters of one patch "
            "(Saunders et al. 2019); all: every neuron every other, as in the dense layer "
            "(n_exc^2 synapses: only for small layers)",
            choices=("location", "all"),
        ),
        "share": Param(
            "sum",
            str,
            "conv: what teaches a kernel in a cycle. sum: the STDP changes of all its copies, "
            "summed. winner: only those of the filter's first neuron to fire in the cycle "
            "(one update per filter and example, as Kheradpisheh et al. 2018); the other "
            "copies' changes are dropped",
            choices=("sum", "winner"),
        ),
        "dense_filters": Param(
            0,
            int,
            "local: neurons that see the whole image beside the patches' filters, each with its "
            "own weights and, with location inhibition, inhibiting only each other (a Diehl & "
            "Cook group: the layer codes an example at two scales). network.n_exc = filters x "
            "patches + dense_filters",
            range=COUNT0,
        ),
        "dense_theta_plus": Param(
            "same",
            mV,
            "local: the whole-image neurons' (topology.dense_filters) increase of theta per "
            "spike while learning ('same': exc.theta_plus). Whole-image neurons win the "
            "competition on many more examples than a patch's filter, and the paper's larger "
            "layers need a larger value (0.2 mV at 1,600 neurons) than a patch's 100 filters",
            range=NON_NEGATIVE,
        ),
        "retry_spikes": Param(
            "all",
            str,
            "local: which neurons' spikes count towards encoding.min_spikes, the re-presentation "
            "of an example at a higher rate. all: every excitatory neuron's (the paper's rule). "
            "patches: the patches' filters' only, so that an example the whole-image neurons "
            "(topology.dense_filters) answer but the patches do not is shown again, as it is "
            "without the whole-image neurons",
            choices=("all", "patches"),
        ),
        "pool": Param(
            1,
            int,
            "local/conv: the linear readout (accuracy_linear) reads each filter's spike counts "
            "summed over blocks of pool x pool patches (1: every neuron's count, no pooling)",
            range=COUNT,
        ),
    },
    "exc": {
        **neuron_params(
            "-65 mV",
            "-65 mV",
            "-52 mV",
            "100 ms",
            "-100 mV",
            "5 ms",
            False,
            "-105 mV",
            "excitatory",
        ),
        "spike_block": Param(
            "0 ms",
            ms,
            "block spikes for this long after a spike (0: off). The Brian 2 ports read the "
            "original's 'timer' as a 50 ms block; in the original it blocks one time step",
            range=NON_NEGATIVE,
        ),
        "theta_init": Param("20 mV", mV, "initial adaptive threshold theta", range=NON_NEGATIVE),
        "theta_plus": Param(
            "0.05 mV", mV, "increase of theta at each spike (while learning)", range=NON_NEGATIVE
        ),
        "tau_theta": Param(
            "1e7 ms", ms, "decay time constant of theta (while learning)", range=POSITIVE
        ),
        "theta_offset": Param(
            "20 mV",
            mV,
            "the code's hidden offset: threshold = v_thresh + theta - theta_offset",
            range=FINITE,
        ),
        **model_params(
            "lif",
            "excitatory",
            tau_eta="100 ms",
            eta_0="13 mV",
            izhikevich=("0.02 kHz", 0.2, "-65 mV", "8 mV"),
            izh_name="regular spiking, RS",
        ),
    },
    "inh": {
        **neuron_params(
            "-60 mV", "-45 mV", "-40 mV", "10 ms", "-85 mV", "2 ms", True, "-100 mV", "inhibitory"
        ),
        **model_params(
            "lif",
            "inhibitory",
            tau_eta="10 ms",
            eta_0="5 mV",
            izhikevich=("0.1 kHz", 0.2, "-65 mV", "2 mV"),
            izh_name="fast spiking, FS",
        ),
    },
    "stdp": {
        "rule": Param(
            "triplet",
            str,
            "learning rule of the input->exc synapses: triplet (the original code); the paper's "
            "power_law (its headline figures), exponential, symmetric (pre-and-post)",
            choices=("triplet", "power_law", "exponential", "symmetric"),
        ),
        "tau_pre": Param("20 ms", ms, "time constant of the presynaptic trace", range=POSITIVE),
        "tau_post1": Param(
            "20 ms", ms, "time constant of the fast postsynaptic trace (depression)", range=POSITIVE
        ),
        "tau_post2": Param(
            "40 ms",
            ms,
            "time constant of the slow postsynaptic trace (triplet term)",
            range=POSITIVE,
        ),
        "nu_pre": Param(
            1e-4,
            float,
            "depression at a presynaptic spike: w -= nu_pre * post1",
            range=NON_NEGATIVE,
        ),
        "nu_post": Param(
            1e-2,
            float,
            "potentiation at a postsynaptic spike: w += nu_post * pre * post2",
            range=NON_NEGATIVE,
        ),
        "w_max": Param(
            1.0, float, "weights are clipped to [0, w_max] after every update", range=POSITIVE
        ),
        "eta_pre": Param(
            1e-4,
            float,
            "symmetric rule: depression at a presynaptic spike, -eta_pre * post1 * w**mu "
            "(value: the code's nu_ee_pre)",
            range=NON_NEGATIVE,
        ),
        "eta_post": Param(
            1e-2,
            float,
            "power_law/exponential/symmetric rules: learning rate at a postsynaptic spike "
            "(value: the code's nu_ee_post)",
            range=NON_NEGATIVE,
        ),
        "x_tar": Param(
            0.2,
            float,
            "target presynaptic trace: below it a postsynaptic spike depresses (value: our "
            "sweep of the power-law rule, docs/tuning.md; the code's unused STDP_offset is 0.4)",
            range=NON_NEGATIVE,
        ),
        "mu": Param(
            0.2,
            float,
            "exponent of the weight dependence (value: the code's unused exp_ee_pre/post)",
            range=NON_NEGATIVE,
        ),
        "beta": Param(
            1.0,
            float,
            "exponential rule: strength of the weight dependence (our choice)",
            range=NON_NEGATIVE,
        ),
        "trace_update": Param(
            "set",
            str,
            "set: a spike sets its trace to 1 (original code); add: adds 1 (the paper's text)",
            choices=("set", "add"),
        ),
    },
    "normalization": {
        "enabled": Param(
            True, bool, "divisive weight normalisation before every presentation while learning"
        ),
        "norm": Param(
            "l1",
            str,
            "what the normalisation holds fixed: l1 (the sum of a neuron's input weights, "
            "Diehl & Cook 2015) or l2 (their Euclidean length, as Oja's rule does, Oja 1982: "
            "the winner is then the neuron whose weights point most nearly the input's way, "
            "not the one whose weights pile up on the brightest pixels)",
            choices=("l1", "l2"),
        ),
        "total": Param(
            "auto",
            float,
            "target sum (norm l1) or Euclidean length (norm l2) of each excitatory neuron's "
            "input weights; 'auto': 78 * n / 784 with n the neuron's inputs (the code's 78 for "
            "MNIST), and for l2 the length of that sum spread evenly over half the inputs, "
            "78 * n / 784 * sqrt(2 / n)",
            range=POSITIVE,
        ),
    },
    "encoding": {
        "code": Param(
            "poisson",
            str,
            "how a pixel's intensity x = pixel/255 becomes input spikes: poisson (a Poisson "
            "process at rate x * max_rate, drawn as encoding.generator says; Diehl & Cook 2015), "
            "bernoulli (one random draw per input and time step, spike with probability "
            "x * max_rate * dt: the discrete-time Poisson process, as Brian2's PoissonGroup and "
            "BindsNET's bernoulli encoder), regular (the same rate without the noise: spikes "
            "exactly 1 / rate apart from a fixed phase per pixel), latency (time to first "
            "spike: one spike per pixel and volley, latency_max * (1 - x) after the volley's "
            "start) or rank_order (the pixels "
            "fire once per volley in order of decreasing intensity, rank_interval apart; Thorpe "
            "& Gautrais 1998). Retries: rate codes add retry_rate_step, temporal codes add "
            "retry_volleys volleys",
            choices=CODES,
        ),
        "max_rate": Param(
            "63.75 Hz",
            Hz,
            "Poisson rate of a white pixel (code: pixel/8 * intensity 2 = 255/4 Hz)",
            range=NON_NEGATIVE,
        ),
        "retry_rate_step": Param(
            "31.875 Hz",
            Hz,
            "added to the white-pixel rate at each re-presentation "
            "(code: intensity + 1, i.e. pixel/8)",
            range=NON_NEGATIVE,
        ),
        "generator": Param(
            "geometric",
            str,
            "poisson code: how its spikes are drawn, with the same statistics: bernoulli (a "
            "random number per input and time step, as Brian2's PoissonGroup and the original "
            "code; the same network as code = bernoulli) or geometric (one per spike, from the "
            "waiting time to the next spike; faster). Other codes ignore it",
            choices=("geometric", "bernoulli"),
        ),
        "latency_max": Param(
            "20 ms",
            ms,
            "latency code: the delay of a spike after its volley's start is latency_max * "
            "(1 - pixel/255) (the linear time-to-first-spike code of e.g. Kheradpisheh & "
            "Masquelier 2020, S4NN), rounded to the time step; must be below volley_period",
            range=POSITIVE,
        ),
        "min_intensity": Param(
            0.0,
            float,
            "latency and rank_order codes: pixels with pixel/255 at or below this send no spike "
            "(0: every non-black pixel fires; a black pixel's latency would be latency_max, "
            "which carries no information about the digit)",
            range=Range(0.0, 1.0, high_open=True),
        ),
        "rank_interval": Param(
            "0.5 ms",
            ms,
            "rank_order code: time between the spikes of successive ranks (Thorpe & Gautrais "
            "1998 send one spike per neuron in rank order); at least network.dt, so that "
            "every rank has its own time step. Ranks beyond volley_period are not sent",
            range=POSITIVE,
        ),
        "volleys": Param(
            1,
            int,
            "latency and rank_order codes: volleys per presentation (1: one spike per firing "
            "pixel, the pure code); volley n starts n * volley_period after the presentation's "
            "start, volleys past the presentation window are cut",
            range=COUNT,
        ),
        "volley_period": Param(
            "25 ms",
            ms,
            "latency and rank_order codes: time from one volley's start to the next",
            range=POSITIVE,
        ),
        "retry_volleys": Param(
            1,
            int,
            "latency and rank_order codes: volleys added at each re-presentation of an example "
            "that evoked fewer than min_spikes spikes (the temporal codes' retry: the same "
            "volley again would evoke the same response, so a retry sends more of them)",
            range=COUNT0,
        ),
        "min_spikes": Param(
            5, int, "an example evoking fewer excitatory spikes is presented again", range=COUNT0
        ),
        "max_retries": Param(
            15,
            int,
            "at most this many re-presentations of one example (the original has no bound); "
            "examples that reach it are counted and reported",
            range=COUNT0,
        ),
        "retry_count": Param(
            "window",
            str,
            "window: count spikes of the last 350 ms window only (code); cumulative: over all "
            "presentations of the example (the paper's text)",
            choices=("window", "cumulative"),
        ),
    },
    "protocol": {
        "presentation": Param("350 ms", ms, "how long an example is shown", range=POSITIVE),
        "rest": Param(
            "150 ms",
            ms,
            "input off after each presentation, so that variables decay",
            range=NON_NEGATIVE,
        ),
        "eval_presentation": Param(
            "same",
            ms,
            "how long an example is shown in the labelling and test passes, where learning is "
            "off ('same': protocol.presentation). A longer window gives each neuron more spikes "
            "to be labelled and to vote with; a fast protocol can train with short windows and "
            "still be read out with the paper's 350 ms",
            range=POSITIVE,
        ),
        "eval_inhibition": Param(
            "same",
            float,
            "the inh->exc weights of the labelling and test passes as a multiple of the "
            "training's (network.w_inh_exc, and network.inh_distance_scale with distance "
            "inhibition; 'same': 1). Training keeps the full weights, so that the neurons of a "
            "group compete for examples; below 1 several neurons of a group answer an example "
            "in the frozen passes, a graded code for the linear readout where the full "
            "inhibition leaves mostly one winner per group",
            range=NON_NEGATIVE,
        ),
        "reset_state": Param(
            False,
            bool,
            "at the start of every presentation set v to rest and the conductances and STDP "
            "traces to 0 (a fast-protocol option: lets a short rest replace the paper's 150 ms "
            "decay; theta and the weights are kept)",
        ),
    },
    "train": {
        "n_examples": Param(
            60000,
            int,
            "training presentations (examples taken in order, cycling: j mod n_train)",
            range=COUNT0,
        ),
        "accuracy_every": Param(
            10000,
            int,
            "running training accuracy (paper Fig. 2C): label neurons on each block of this many "
            "training examples and score the next block (0: off)",
            range=COUNT0,
        ),
        "snapshot_every": Param(
            0,
            int,
            "save the weights every this many training examples, for animations (0: off)",
            range=COUNT0,
        ),
        "checkpoint_every": Param(
            10000, int, "write checkpoint.npz every this many training examples", range=COUNT
        ),
    },
    "label": {
        "n_examples": Param(
            "all",
            int,
            "training examples used to assign labels to neurons ('all': the whole training set)",
            range=COUNT,
        ),
        "linear_c": Param(
            "auto",
            float,
            "inverse regularisation strength (scikit-learn's C) of the linear readout's logistic "
            "regression on the labelling pass's standardised counts. auto: chosen from 0.001 to "
            "1 (7 values, from the smallest up until two in a row do no better) by the accuracy "
            "on a stratified fifth of the labelling pass held out, then fitted on the whole pass "
            "(training images only; metrics.json reports it as linear_c)",
            range=POSITIVE,
        ),
    },
    "test": {
        "n_examples": Param(
            "all", int, "test examples evaluated ('all': the whole test set)", range=COUNT
        ),
        "presentations": Param(
            1,
            int,
            "show the test set this many times (each with new Poisson input) and report the "
            "accuracy as mean and SD over them (the paper: 10)",
            range=COUNT,
        ),
    },
    "equations": {
        key: Param(
            "",
            str,
            f"replace the built-in {what} (a Brian2 string; empty: built-in, see "
            "stdp/equations.py). Must keep the variables the engine uses",
        )
        for key, what in (
            ("exc_model", "excitatory model equations"),
            ("exc_threshold", "excitatory threshold condition"),
            ("exc_reset", "excitatory reset code"),
            ("inh_model", "inhibitory model equations"),
            ("inh_threshold", "inhibitory threshold condition"),
            ("inh_reset", "inhibitory reset code"),
            ("stdp_on_pre", "input->exc on_pre code (transmission and depression)"),
            ("stdp_on_post", "input->exc on_post code (potentiation)"),
            ("exc_to_inh_on_pre", "exc->inh on_pre code"),
            ("inh_to_exc_on_pre", "inh->exc on_pre code"),
        )
    },
    "engine": {
        "chunk_cycles": Param(
            1000,
            int,
            "presentation cycles (presentation + rest) per compiled run; between chunks Python "
            "shows progress and writes checkpoints",
            range=COUNT,
        ),
        "eval_shard_size": Param(
            "all",
            int,
            "cut labelling and test passes into shards of this many examples, each started from "
            "the trained state ('all': one piece); results depend on it, not on engine.workers",
            range=COUNT,
        ),
        "workers": Param(
            1, int, "processes that run the shards of a labelling or test pass at once", range=COUNT
        ),
        "spike_queue": Param(
            "runs",
            str,
            "cpp_standalone's synaptic delay queue: runs (stdp/cpp/spikequeue.h: each source's "
            "synapses grouped by delay and queued one group at a time) or brian2 (Brian2's "
            "own, one synapse at a time); the same events in the same order, so the same "
            "results bit for bit",
            choices=("runs", "brian2"),
        ),
        "build_dir": Param(
            "", str, "where compiled code is cached (empty: $STDP_CACHE_DIR or ~/.cache/stdp)"
        ),
    },
}


def iter_schema(schema: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Param]]:
    """``(dotted key, Param)`` for every parameter of a (nested) schema, in order.

    Examples
    --------
    >>> next(iter(iter_schema(SCHEMA)))[0]
    'seed'
    """
    for name, item in schema.items():
        key = f"{prefix}{name}"
        if isinstance(item, Param):
            yield key, item
        else:
            yield from iter_schema(item, key + ".")


#: `SCHEMA` flattened: ``{dotted key: Param}``.
FLAT_SCHEMA: dict[str, Param] = dict(iter_schema(SCHEMA))
