"""The parameters of the neuron models, as sections of the configuration schema.

`neuron_params` gives the parameters every model of a layer shares (the
paper's LIF values by default); `model_params` the ``model`` key and one
section per model of `stdp.models` (``exc.adex.*``, ``inh.izhikevich.*``, ...),
each value with its unit, range and source.
"""

from __future__ import annotations

from typing import Any

from .params import FINITE, NON_NEGATIVE, POSITIVE, Param, kHz, ms, msiemens, mV, ufarad

__all__ = ["MODEL_NAMES", "neuron_params", "model_params"]


def neuron_params(
    v_rest: str,
    v_reset: str,
    v_thresh: str,
    tau_m: str,
    e_inh: str,
    refractory: str,
    clamp: bool,
    v_init: str,
    what: str,
) -> dict[str, Param]:
    """The parameters every neuron model of one layer shares, with these defaults.

    ``what`` ("excitatory", "inhibitory") goes into the descriptions; ``clamp``
    is the default of ``clamp_refractory``; the others are quantities as strings.
    """
    return {
        "v_rest": Param(v_rest, mV, f"resting potential of the {what} neurons", range=FINITE),
        "v_reset": Param(v_reset, mV, "potential after a spike", range=FINITE),
        "v_thresh": Param(
            v_thresh,
            mV,
            "firing threshold (for excitatory neurons: plus theta - theta_offset)",
            range=FINITE,
        ),
        "tau_m": Param(tau_m, ms, "membrane time constant", range=POSITIVE),
        "tau_ge": Param(
            "1 ms", ms, "decay time constant of the excitatory conductance ge", range=POSITIVE
        ),
        "tau_gi": Param(
            "2 ms", ms, "decay time constant of the inhibitory conductance gi", range=POSITIVE
        ),
        "E_exc": Param("0 mV", mV, "reversal potential of excitatory synapses", range=FINITE),
        "E_inh": Param(e_inh, mV, "reversal potential of inhibitory synapses", range=FINITE),
        "refractory": Param(
            refractory, ms, "no spike within this time after a spike", range=NON_NEGATIVE
        ),
        "clamp_refractory": Param(
            clamp,
            bool,
            "hold v at v_reset during the refractory period. The original (Brian 1) code clamps "
            "the inhibitory neurons (scalar reset) but not the excitatory ones (string reset); "
            "the Brian 2 ports clamp both",
        ),
        "v_init": Param(
            v_init,
            mV,
            "membrane potential at the start of training (code: v_rest - 40 mV)",
            range=FINITE,
        ),
    }


#: The neuron models of `stdp.models` (``exc.model``, ``inh.model``).
MODEL_NAMES = ("lif", "if", "lif_current", "alif", "adex", "izhikevich", "srm0", "hh")


def model_params(
    default: str,
    what: str,
    *,
    tau_eta: str,
    eta_0: str,
    izhikevich: tuple[str, float, str, str],
    izh_name: str,
) -> dict[str, Any]:
    """The ``model`` key and the parameters of each model of `stdp.models` for one layer."""
    a, b, c, d = izhikevich
    return {
        "model": Param(
            default,
            str,
            f"neuron model of the {what} neurons (stdp/models.py): lif (conductance-based LIF, "
            "Diehl & Cook 2015), if (non-leaky), lif_current (current-based synapses), alif "
            "(adaptive threshold, Bellec et al. 2018), adex (Brette & Gerstner 2005), izhikevich "
            "(Izhikevich 2003), srm0 (spike response model), hh (Hodgkin & Huxley 1952; needs "
            "network.dt <= 0.025 ms). Each uses v_rest, v_reset, v_thresh, tau_m where its "
            "equations name them, and its own section below",
            choices=MODEL_NAMES,
        ),
        "alif": {
            "tau_a": Param(
                "200 ms",
                ms,
                "alif: decay time constant of the threshold adaptation a (Bellec et al. 2018 use "
                "200 ms to seconds, the time scale of the task)",
                range=POSITIVE,
            ),
            "beta_a": Param(
                "1 mV",
                mV,
                "alif: threshold increase per unit of a (a jumps by 1 at each spike); the "
                "threshold is v_thresh + beta_a * a (our choice, about 1/13 of v_thresh - v_rest)",
                range=NON_NEGATIVE,
            ),
        },
        "adex": {
            "a_w": Param(
                4 / 30,
                float,
                "adex: subthreshold adaptation a / g_L (Brette & Gerstner 2005: 4 nS / 30 nS)",
                range=FINITE,
            ),
            "b_w": Param(
                "2.6833 mV",
                mV,
                "adex: spike-triggered adaptation b / g_L, added to w_ad at each spike (Brette & "
                "Gerstner 2005: 80.5 pA / 30 nS)",
                range=NON_NEGATIVE,
            ),
            "tau_w": Param(
                "144 ms",
                ms,
                "adex: adaptation time constant (Brette & Gerstner 2005)",
                range=POSITIVE,
            ),
            "Delta_T": Param(
                "2 mV",
                mV,
                "adex: slope factor of the spike onset (Brette & Gerstner 2005)",
                range=POSITIVE,
            ),
            "v_peak": Param(
                "0 mV",
                mV,
                "adex: a spike is cut (and v reset) when v reaches this (Naud et al. 2008 use "
                "0 mV); the soft threshold V_T is v_thresh (+ theta - theta_offset)",
                range=FINITE,
            ),
        },
        "izhikevich": {
            "a": Param(
                a,
                kHz,
                f"izhikevich: recovery rate of u ({izh_name}, Izhikevich 2003 Fig. 2; 1 kHz = "
                "1/ms)",
                range=POSITIVE,
            ),
            "b": Param(
                b, float, "izhikevich: sensitivity of u to v (Izhikevich 2003)", range=FINITE
            ),
            "c": Param(c, mV, "izhikevich: v after a spike (Izhikevich 2003)", range=FINITE),
            "d": Param(
                d, mV, "izhikevich: increase of u at a spike (Izhikevich 2003)", range=FINITE
            ),
            "v_peak": Param(
                "30 mV", mV, "izhikevich: spike cut-off (Izhikevich 2003)", range=FINITE
            ),
            "tau_izh": Param(
                "1 ms",
                ms,
                "izhikevich: time scale of v, dv/dt = (0.04 v^2 + 5 v + 140 - u + I) / tau_izh "
                "(Izhikevich 2003: 1 ms). Larger values slow the membrane alone (u keeps its rate "
                "a), as the capacitance C does in Izhikevich's (2007, ch. 8) form C dv/dt = "
                "k (v - v_r)(v - v_t) - u + I",
                range=POSITIVE,
            ),
        },
        "srm0": {
            "tau_eta": Param(
                tau_eta,
                ms,
                "srm0: time constant of the after-spike kernel eta (default tau_m: then SRM0 is "
                "the LIF with reset by subtraction)",
                range=POSITIVE,
            ),
            "eta_0": Param(
                eta_0,
                mV,
                "srm0: depth of the after-spike kernel eta(s) = -eta_0 exp(-s/tau_eta) "
                "(default v_thresh - v_reset); in the excitatory layer deepened by theta - "
                "theta_offset, so that a spike brings v to the same level below the adaptive "
                "threshold as the LIF's reset",
                range=NON_NEGATIVE,
            ),
        },
        "hh": {
            "C_m": Param(
                "1 uF",
                ufarad,
                "hh: membrane capacitance of 1 cm^2 of membrane (HH 1952)",
                range=POSITIVE,
            ),
            "g_Na": Param(
                "120 mS",
                msiemens,
                "hh: sodium conductance of 1 cm^2 (HH 1952)",
                range=NON_NEGATIVE,
            ),
            "g_K": Param(
                "36 mS",
                msiemens,
                "hh: potassium conductance of 1 cm^2 (HH 1952)",
                range=NON_NEGATIVE,
            ),
            "g_leak": Param(
                "0.3 mS",
                msiemens,
                "hh: leak conductance of 1 cm^2 (HH 1952); ge and gi are in units of it",
                range=POSITIVE,
            ),
            "E_Na": Param("50 mV", mV, "hh: sodium reversal potential (HH 1952)", range=FINITE),
            "E_K": Param("-77 mV", mV, "hh: potassium reversal potential (HH 1952)", range=FINITE),
            "E_leak": Param(
                "-54.387 mV", mV, "hh: leak reversal potential (rest at -65 mV)", range=FINITE
            ),
            "v_spike": Param(
                "0 mV",
                mV,
                "hh: a spike is counted when v crosses this (the refractory period stops it from "
                "counting twice)",
                range=FINITE,
            ),
        },
    }
