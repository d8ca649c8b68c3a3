"""stdp: unsupervised STDP learning of digits on Brian2 (Diehl & Cook, 2015).

The public API:

==========================  ==============================================================
`load_config`               a `Config` from a TOML file, a dict or the defaults, checked
`load_dataset`              the digits (embedded), MNIST or Fashion-MNIST, as uint8 images
`Network`                   the network as a scikit-learn transformer: ``fit`` trains
                            with STDP (no labels), ``transform`` returns spike counts
`NeuronLabeller`            the paper's readout as a scikit-learn classifier (vote and
                            proportion weighting)
`PoolCounts`                pools a local or convolutional layer's counts into images
                            for the next layer (stacking in a pipeline)
`Experiment`                a results folder: train, label, test, checkpoints, resume
`Checkpoint`                the versioned file of a network's state and its passes
==========================  ==============================================================

Plot functions are in `stdp.figures`.

>>> import stdp
>>> from sklearn.pipeline import make_pipeline
>>> data = stdp.load_dataset("digits")
>>> model = make_pipeline(stdp.Network("experiments/digits.toml"), stdp.NeuronLabeller())
>>> model.fit(data.train_images, data.train_labels).score(
...     data.test_images, data.test_labels)                     # doctest: +SKIP
0.8653...
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.2.0"

#: Public name -> module that defines it (imported on first use, so that
#: ``import stdp`` stays quick and the command line starts fast).
_EXPORTS = {
    "load_config": "config",
    "Config": "config",
    "load_dataset": "datasets",
    "Dataset": "datasets",
    "Network": "estimator",
    "NeuronLabeller": "labelling",
    "PoolCounts": "pooling",
    "Experiment": "experiment",
    "Checkpoint": "checkpoint",
    "StdpError": "errors",
    "ConfigError": "errors",
    "DataError": "errors",
    "CheckpointError": "errors",
    "SimulationError": "errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'stdp' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
