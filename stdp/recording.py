"""Record one presentation in detail, for figures and teaching (Brian2's runtime device).

Training runs with no per-step recording; to *look* at what the network does
while it sees one image, `record_presentation` rebuilds the network of a
results folder in Brian2's runtime mode, sets the trained state from the
checkpoint, shows one example for one cycle (presentation + rest) with the
network frozen, and returns every spike and the membrane potential of the
excitatory neurons; ``record_presentation(*load_run(run_dir))`` (`load_run`
reads the configuration and, through `stdp.checkpoint.Checkpoint`, the
checkpoint). `prepare_network` is the step that builds the network and sets
its state, as `stdp.engine.RuntimeEngine` does; the teaching scripts use it too.

This module is only used by figures and teaching material. Brian2's device is
global: both functions switch to the runtime device first.
"""

from __future__ import annotations

from pathlib import Path

import brian2
import numpy as np
from brian2 import SpikeMonitor, StateMonitor, ms, mV, second, volt

from .checkpoint import FILENAME, Checkpoint
from .config import Config, load_config
from .errors import CheckpointError, ConfigError
from .network import BuiltNetwork, build_network, cycle_duration, state_variables

__all__ = ["load_run", "prepare_network", "record_presentation"]

_UNITS = {"v": volt, "theta": volt, "lastspike": second}


def prepare_network(
    cfg: Config,
    n_input: int,
    state: dict[str, np.ndarray],
    table: np.ndarray,
    *,
    learning: bool = False,
    target: str = "numpy",
) -> BuiltNetwork:
    """Build the network in runtime mode and set its state, ready to show ``table``.

    Parameters
    ----------
    cfg : Config
        The configuration.
    n_input : int
        Number of input neurons (pixels).
    state : dict of ndarray
        The network state in SI units, as ``{"group.variable": array}``
        (`stdp.network.initial_state`, or `stdp.checkpoint.Checkpoint.state`),
        including ``input_to_exc.delay``.
    table : ndarray, shape (n_examples, n_input)
        The examples to show, one per cycle, as `stdp.encoding.input_table` makes
        them (intensities ``pixel / 255``; ranks for the rank-order code).
        The network is built with one cycle per row.
    learning : bool, default False
        Whether STDP, theta's changes and the normalisation are on.
    target : {"numpy", "cython"}, default "numpy"
        Brian2's code generation target (set globally in ``brian2.prefs``).

    Returns
    -------
    BuiltNetwork
        The network at t = 0; ``built.net.run(n_examples * cycle_duration(cfg))``
        shows every example once (an example evoking too few spikes is shown
        again as in training, pushing the later ones out of the run).
    """
    table = np.atleast_2d(np.asarray(table, dtype=float))
    if table.shape[1] != n_input:
        raise ValueError(f"table: expected rows of {n_input} values, got shape {table.shape}")
    from .engine import close_open_engines

    close_open_engines()  # this network takes Brian2's device; a compiled one would lose it
    brian2.set_device("runtime")
    brian2.prefs.codegen.target = target
    built = build_network(cfg, n_input, chunk_cycles=table.shape[0])
    for group, variables in state_variables(cfg).items():
        obj = getattr(built, group)
        for var in variables:
            value = np.asarray(state[f"{group}.{var}"])
            if group == "input_to_exc":  # the synapses that exist (stdp.topology)
                value = built.layout.to_synapses(value)
            if var == "not_refractory":
                setattr(obj, var, value.astype(bool))
            else:
                unit = _UNITS.get(var, brian2.get_unit(obj.variables[var].dim))
                setattr(obj, var, value.astype(float) * unit)
    delay = built.layout.to_synapses(np.asarray(state["input_to_exc.delay"], dtype=float))
    built.input_to_exc.delay_value = delay * second
    if built.kernel is not None:  # each copy's reference: its kernel entry
        built.input_to_exc.w0 = np.asarray(state["kernel.wk"])[built.layout.kernel_entry()]
    built.input_to_exc.delay = "delay_value"
    built.stim.values[:] = table
    ctrl = built.controller
    ctrl.k = -1
    ctrl.nspk = cfg["encoding.min_spikes"]
    ctrl.retries = 0
    ctrl.learning = float(bool(learning))
    ctrl.n_valid = table.shape[0]
    return built


def load_run(run_dir: str | Path) -> tuple[Config, Checkpoint]:
    """Read a results folder's configuration (``config.toml``) and checkpoint.

    Parameters
    ----------
    run_dir : str or Path
        The results folder.

    Returns
    -------
    Config
        ``stdp.config.load_config(run_dir / "config.toml")``.
    Checkpoint
        ``checkpoint.npz``, checked against the configuration's ``network.n_exc``.

    Raises
    ------
    CheckpointError
        If the folder, its configuration or its checkpoint is missing,
        unreadable or inconsistent (a one-line message).
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise CheckpointError(f"{run_dir}: no such results folder")
    config_path = run_dir / "config.toml"
    if not config_path.exists():
        raise CheckpointError(f"{run_dir}: no config.toml; not a results folder")
    try:
        cfg = load_config(config_path)
    except ConfigError as err:
        raise CheckpointError(f"{config_path}: {' '.join(str(err).split())}") from None
    return cfg, Checkpoint.load(run_dir / FILENAME, n_exc=cfg["network.n_exc"])


def record_presentation(
    cfg: Config,
    checkpoint: Checkpoint,
    example_index: int = 0,
    neuron: int | None = None,
    *,
    split: str = "test",
    seed: int | None = None,
    target: str = "numpy",
) -> dict[str, np.ndarray]:
    """Show one example to a trained network and record everything (runtime mode).

    The trained weights, delays and theta and the rest of the state come from
    the checkpoint; the network is frozen (no learning) and simulated for one
    cycle: ``protocol.presentation`` with the input on, then ``protocol.rest``.

    Parameters
    ----------
    cfg : Config
        The run's configuration (its data set, model and protocol).
    checkpoint : Checkpoint
        The trained state (`stdp.checkpoint.Checkpoint`); for a results
        folder, ``cfg, checkpoint = load_run(run_dir)``.
    example_index : int, default 0
        Which example of the data set's ``split`` to show.
    neuron : int, optional
        The excitatory neuron whose membrane potential is returned; default
        the one that fired most during the presentation (lowest index on
        ties; if none fired, the one that came closest to its threshold).
    split : {"test", "train"}, default "test"
        Which part of the data set the example comes from.
    seed : int, optional
        Seed of the Poisson input; default the run's ``seed``.
    target : {"numpy", "cython"}, default "numpy"
        Brian2's code generation target.

    Returns
    -------
    dict of ndarray
        ``input_t``, ``input_i``: input spikes (ms, index); ``exc_t``,
        ``exc_i``: excitatory spikes (ms, index); ``t``: times of the state
        records (ms); ``v``, ``threshold``: the chosen neuron's membrane
        potential and firing threshold ``v_thresh + theta - theta_offset``
        (mV); ``exc_counts``: spikes of every excitatory neuron in the
        presentation window; ``neuron``, ``example_index``, ``label``,
        ``image`` (uint8, (height, width)), ``image_shape``, ``presentation``
        and ``rest`` (ms).

    Raises
    ------
    DataError
        If the run's data set cannot be loaded here.
    CheckpointError
        If the data set's images do not have the checkpoint's input size.
    IndexError
        If ``example_index`` or ``neuron`` is out of range.
    """
    from .datasets import load_dataset
    from .encoding import input_table

    n_exc = checkpoint.n_exc
    dataset = load_dataset(cfg["dataset.name"], idx_dir=cfg["dataset.idx_dir"] or None)
    images = dataset.test_images if split == "test" else dataset.train_images
    labels = dataset.test_labels if split == "test" else dataset.train_labels
    if not 0 <= example_index < images.shape[0]:
        raise IndexError(f"example_index: {example_index} not in 0..{images.shape[0] - 1}")
    if neuron is not None and not 0 <= neuron < n_exc:
        raise IndexError(f"neuron: {neuron} not in 0..{n_exc - 1}")
    n_input = int(np.prod(images.shape[1:]))
    if n_input != checkpoint.n_input:
        raise CheckpointError(
            f"the checkpoint has {checkpoint.n_input} inputs, the images of "
            f"{cfg['dataset.name']!r} {n_input} pixels"
        )
    table = input_table(cfg, images[example_index : example_index + 1].reshape(1, -1))

    old_target = brian2.prefs.codegen.target
    try:
        built = prepare_network(cfg, n_input, checkpoint.state, table, target=target)
        input_mon = SpikeMonitor(built.input, name="recorded_input_spikes")
        state_mon = StateMonitor(built.exc, ["v", "theta"], record=True, name="recorded_exc")
        built.net.add(input_mon, state_mon)
        brian2.seed(cfg["seed"] if seed is None else seed)
        built.net.run(cycle_duration(cfg), namespace={})
        exc_t = np.asarray(built.exc_spikes.t / ms)
        exc_i = np.asarray(built.exc_spikes.i[:], dtype=np.int64)
        input_t = np.asarray(input_mon.t / ms)
        input_i = np.asarray(input_mon.i[:], dtype=np.int64)
        t = np.asarray(state_mon.t / ms)
        v = np.asarray(state_mon.v / mV)
        threshold = np.asarray(
            (cfg["exc.v_thresh"] + state_mon.theta - cfg["exc.theta_offset"]) / mV
        )
    finally:
        brian2.prefs.codegen.target = old_target
    presentation = float(cfg["protocol.presentation"] / ms)
    inside = exc_t < presentation
    exc_counts = np.bincount(exc_i[inside], minlength=n_exc)
    if neuron is None:
        if exc_counts.max() > 0:
            neuron = int(np.argmax(exc_counts))
        else:
            neuron = int(np.argmax(np.max(v - threshold, axis=1)))
    return {
        "input_t": input_t,
        "input_i": input_i,
        "exc_t": exc_t,
        "exc_i": exc_i,
        "t": t,
        "v": v[neuron],
        "threshold": threshold[neuron],
        "exc_counts": exc_counts,
        "neuron": np.int64(neuron),
        "example_index": np.int64(example_index),
        "label": np.int64(labels[example_index]),
        "image": images[example_index].copy(),
        "image_shape": np.asarray(checkpoint.image_shape, dtype=np.int64),
        "presentation": np.float64(presentation),
        "rest": np.float64(float(cfg["protocol.rest"] / ms)),
    }
