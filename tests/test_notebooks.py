"""The notebooks in ``notebooks/`` run top to bottom, and what they compute is right.

Each notebook is executed with nbclient in a fresh kernel of this interpreter
(a kernelspec written for the test, so a ``python3`` kernel of another
environment is never picked up), with this process's environment, so that
``STDP_CACHE_DIR`` (set by ``tests/conftest.py``) holds the compiled networks.
A last cell, added by the test, prints the values the test checks as JSON.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
kernelspec = pytest.importorskip("ipykernel.kernelspec")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
#: Seconds one cell may run (training with compiling takes about a minute on 2 cores).
CELL_TIMEOUT = 900
#: Marks the line the report cell prints.
MARK = "NOTEBOOK-REPORT "
RULES = {"triplet", "power_law", "exponential", "symmetric"}


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """This environment, with a ``python3`` kernelspec of this interpreter first in JUPYTER_PATH."""
    assert "STDP_CACHE_DIR" in os.environ, "tests/conftest.py sets the test session's cache"
    jupyter = tmp_path_factory.mktemp("jupyter")
    kernelspec.write_kernel_spec(path=jupyter / "kernels" / "python3")
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(jupyter), env.get("JUPYTER_PATH")]))
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = env["JUPYTER_PATH"]  # where nbclient looks for the kernelspec
    yield env
    if old is None:
        os.environ.pop("JUPYTER_PATH", None)
    else:
        os.environ["JUPYTER_PATH"] = old


def run_notebook(
    name: str, env: dict, report: str, parameters: str | None = None
) -> tuple[dict, nbformat.NotebookNode]:
    """Execute ``notebooks/<name>``, then evaluate the expression ``report`` in its kernel.

    ``parameters``: code run right after the notebook's cell that starts with
    ``# Parameters`` (to make a notebook's runs shorter). Returns the value of
    ``report`` (through JSON) and the executed notebook. The kernel's
    interpreter and cache folder are added to the report.
    """
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    if parameters is not None:
        where = next(k for k, c in enumerate(nb.cells) if c.source.startswith("# Parameters"))
        nb.cells.insert(where + 1, nbformat.v4.new_code_cell(parameters))
    n_cells = len(nb.cells)
    expression = (
        f"{{**({report}), 'executable': __import__('sys').executable, "
        "'cache': __import__('os').environ.get('STDP_CACHE_DIR')}"
    )
    nb.cells.append(
        nbformat.v4.new_code_cell(f"print({MARK!r} + __import__('json').dumps({expression}))")
    )
    client = nbclient.NotebookClient(
        nb,
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    start = time.perf_counter()
    client.execute(env=env)
    seconds = time.perf_counter() - start
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    line = next(line for line in text.splitlines() if line.startswith(MARK))
    values = json.loads(line[len(MARK) :])
    shown = {k: v for k, v in values.items() if len(json.dumps(v)) < 300}
    print(f"\n{name}: {seconds:.0f} s, {shown}")  # with pytest -s
    assert Path(values["executable"]).resolve() == Path(sys.executable).resolve()
    assert values["cache"] == os.environ["STDP_CACHE_DIR"]
    nb.cells = nb.cells[:n_cells]
    return values, nb


def check_outputs(nb: nbformat.NotebookNode) -> None:
    """Every code cell after the imports shows something, and none shows an error."""
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    for cell in code:
        assert not [o for o in cell.outputs if o.output_type == "error"]
    silent = [cell.source.splitlines()[0] for cell in code[1:] if not cell.outputs]
    assert not silent, f"cells without output: {silent}"
    assert any("image/png" in o.get("data", {}) for cell in code for o in cell.outputs)


def test_quick_start(kernel_env):
    values, nb = run_notebook(
        "01_quick_start.ipynb",
        kernel_env,
        "dict(accuracy=accuracy, accuracy_pw=accuracy_pw, same_counts=same_counts, "
        "done=net.position_.done, n_exc=net.weights_.shape[1], "
        "assigned=int(labeller.n_neurons_per_class_.sum()))",
    )
    check_outputs(nb)
    assert values["done"] == 3000
    assert values["n_exc"] == 100
    assert values["accuracy"] > 0.6  # chance: 0.1; about 0.8 after 3,000 examples
    assert values["accuracy_pw"] > 0.6
    assert values["same_counts"] is True  # saved and loaded: the same spike counts
    assert 90 <= values["assigned"] <= 100
    # the kernel compiled into the test session's cache
    assert list((Path(os.environ["STDP_CACHE_DIR"]) / "build").glob("n100_in64_*"))


def test_change_an_equation(kernel_env):
    values, nb = run_notebook(
        "02_change_an_equation.ipynb",
        kernel_env,
        "dict(accuracy_base=accuracy_base, accuracy_fixed=accuracy_fixed, "
        "winners_base=winners_base, winners_fixed=winners_fixed, "
        "theta_init=float(base['exc.theta_init']), theta_base=net_base.theta_.tolist(), "
        "theta_fixed=net_fixed.theta_.tolist(), "
        "exc_reset=fixed_theta['equations.exc_reset'])",
    )
    check_outputs(nb)
    assert "theta" not in values["exc_reset"]
    theta_init = values["theta_init"]
    # without the adaptive threshold theta never moves from its initial value
    assert values["theta_fixed"] == [theta_init] * 100
    # with it, the thresholds grew, unevenly
    assert max(values["theta_base"]) > theta_init + 1e-3
    assert max(values["theta_base"]) - min(values["theta_base"]) > 1e-4
    assert values["accuracy_base"] > 0.6
    # homeostasis matters: without it few neurons win and the vote fails
    assert values["winners_fixed"] < values["winners_base"]
    assert values["accuracy_fixed"] < values["accuracy_base"] - 0.2


def test_stdp_rules(kernel_env):
    values, nb = run_notebook(
        "03_stdp_rules.ipynb",
        kernel_env,
        "dict(accuracies=accuracies, window_errors=window_errors, "
        "windows={rule: w.tolist() for rule, w in windows.items()}, "
        "delta_t=delta_t.tolist(), nu_pre=float(configs['triplet']['stdp.nu_pre']))",
    )
    check_outputs(nb)
    assert set(values["accuracies"]) == RULES
    for rule, accuracy in values["accuracies"].items():
        assert accuracy > 0.4, rule  # chance: 0.1
    # the simulated windows are the closed forms
    assert set(values["window_errors"]) == RULES
    for rule, error in values["window_errors"].items():
        assert error < 1e-9, rule
    # triplet: pre before post potentiates, post before pre depresses (by nu_pre * post1)
    delta_t = values["delta_t"]
    triplet = dict(zip(delta_t, values["windows"]["triplet"], strict=True))
    plus, minus = (min(delta_t, key=lambda d, s=s: abs(d - s * 0.010)) for s in (1, -1))
    assert triplet[plus] > 0 > triplet[minus] >= -values["nu_pre"]


def test_sklearn_pipeline(kernel_env):
    values, nb = run_notebook(
        "04_sklearn_pipeline.ipynb",
        kernel_env,
        "dict(vote=scores_vote.tolist(), linear=scores_linear.tolist(), "
        "pixels=scores_pixels.tolist(), "
        "cached=len(list(Path(cache.location).rglob('output.pkl'))), "
        "fitted_examples=[model[0].position_.done for model in cv_vote['estimator']])",
    )
    check_outputs(nb)
    for key in ("vote", "linear", "pixels"):
        assert len(values[key]) == 3, key
    mean = {key: sum(values[key]) / 3 for key in ("vote", "linear", "pixels")}
    assert mean["vote"] > 0.5  # chance: 0.1
    assert mean["linear"] > 0.5
    assert mean["pixels"] > 0.9
    # one network per fold, trained once and shared by both pipelines
    assert values["cached"] == 3
    assert values["fitted_examples"] == [3000] * 3


def test_input_codes(kernel_env):
    # Only the Bernoulli code is trained: its compiled network is the demo's
    # (built by the quick start), so this costs no compiling.
    values, nb = run_notebook(
        "06_input_codes.ipynb",
        kernel_env,
        "dict(accuracy=accuracy, output=output_per_example, inputs=input_per_example, "
        "rate_expected=rate_expected, latency_error=latency_error, "
        "rank_decreasing=rank_intensities_decrease, rank_steps=rank_steps.tolist(), "
        "rank_interval=float(configs['rank_order']['encoding.rank_interval']))",
        parameters='CODES_TO_TRAIN = ("bernoulli",)\nprint(CODES_TO_TRAIN, N_TRAIN)',
    )
    check_outputs(nb)
    assert set(values["inputs"]) == {"poisson", "bernoulli", "latency", "rank_order"}
    # latency spikes at the formula; rank order by decreasing intensity, one interval apart
    assert values["latency_error"] < 1e-9
    assert values["rank_decreasing"] is True
    assert values["rank_steps"] == pytest.approx(
        [values["rank_interval"]] * len(values["rank_steps"])
    )
    # the rate codes' input spikes per example: within 5 standard deviations (5 digits)
    for code in ("poisson", "bernoulli"):
        expected = values["rate_expected"]
        assert abs(values["inputs"][code] - expected) < 5 * (expected / 5) ** 0.5, code
    assert set(values["accuracy"]) == {"bernoulli"}
    assert values["accuracy"]["bernoulli"] > 0.5  # chance: 0.1; 0.64 after 1,500 examples
    assert values["output"]["bernoulli"] > 1


def test_neuron_models(kernel_env):
    # Only the default model is trained: its compiled network is the demo's
    # (built by the quick start), so this costs no compiling.
    values, nb = run_notebook(
        "05_neuron_models.ipynb",
        kernel_env,
        "dict(accuracy=accuracies, lif_error=lif_error, if_error=if_error, "
        "srm0_vs_lif=srm0_vs_lif, isis=first_isis, "
        "f_i={name: rates.tolist() for name, rates in f_i.items()})",
        parameters='MODELS_TO_TRAIN = ("lif",)\nprint(MODELS_TO_TRAIN, N_TRAIN)',
    )
    check_outputs(nb)
    # f-I curves: one second holds the closed form's rate to within one spike
    assert values["lif_error"] <= 1.0 + 1e-9
    assert values["if_error"] <= 1.0 + 1e-9
    assert values["srm0_vs_lif"] <= 1.0 + 1e-9  # SRM0 with the LIF's kernels is that LIF
    f_i = values["f_i"]
    assert f_i["if"][5] > 0 and f_i["lif_current"][12] == 0  # IF fires at 5 mV, LIF needs 13
    lif = f_i["lif_current"]
    assert all(b >= a for a, b in zip(lif[:-1], lif[1:], strict=True))
    # adaptation: ALIF, AdEx and Izhikevich RS fire less than the LIF at high drive
    for name in ("alif", "adex"):
        assert f_i[name][-1] < f_i["lif_current"][-1], name
    rs = values["isis"]["izhikevich"]
    assert rs[-1] > rs[0]  # regular spiking: the intervals lengthen
    assert set(values["accuracy"]) == {"lif"}
    assert values["accuracy"]["lif"] > 0.5  # chance: 0.1; about 0.64 after 1,500 examples
