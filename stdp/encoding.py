"""Encoding images as input spikes: the table the network reads, and the codes.

Each pixel drives one input neuron. How its intensity x = pixel/255 becomes
spikes is set by ``encoding.code``; the spikes themselves are made inside the
generated code (`stdp.equations`), from a table with one row per example that
this module makes:

``poisson``, ``bernoulli``
    Rate codes (Diehl & Cook 2015, §2.5): the neuron fires at
    ``rate = x * (max_rate + retries * retry_rate_step)``, drawn once per time
    step with probability ``rate * dt`` (``bernoulli``, and ``poisson`` with
    ``encoding.generator = "bernoulli"``) or from the waiting times of that
    same process (``poisson`` with the default geometric generator). With the
    original code's values a white pixel fires at 63.75 Hz (pixel/4), and
    every re-presentation of an example that evoked too few spikes adds
    31.875 Hz (pixel/8). Table: the intensities x.
``regular``
    The same rate without the noise: each input fires exactly ``1 / rate``
    apart, from a fixed phase of that interval (the golden-ratio sequence over
    the pixels), so that an image always evokes the same input spikes. Table:
    the intensities x.
``latency``
    Time to first spike: one spike per pixel and volley, ``latency_max * (1 - x)``
    after the volley's start; pixels with x <= ``min_intensity`` stay silent.
    Table: the intensities x.
``rank_order``
    Rank order (Thorpe & Gautrais 1998): once per volley the pixels fire one
    after the other in order of decreasing intensity, ``rank_interval`` apart.
    Table: each pixel's rank (1 = brightest; ties go to the lower pixel
    index), 0 for pixels at or below ``min_intensity``.

The temporal codes send ``volleys`` volleys per presentation, ``volley_period``
apart, and a re-presentation adds ``retry_volleys``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .config import Config

__all__ = [
    "CODES",
    "TEMPORAL_CODES",
    "encode_images",
    "input_table",
    "intensity_ranks",
    "input_spikes",
    "code_keys",
]

#: The values of ``encoding.code``.
CODES = ("poisson", "bernoulli", "regular", "latency", "rank_order")
#: The codes that send volleys of one spike per pixel.
TEMPORAL_CODES = ("latency", "rank_order")
#: The ``encoding`` keys each code reads (the retry rule's keys are read by all).
_CODE_KEYS = {
    "poisson": ("generator",),
    "bernoulli": (),
    "regular": (),
    "latency": ("latency_max", "min_intensity", "volleys", "volley_period", "retry_volleys"),
    "rank_order": ("rank_interval", "min_intensity", "volleys", "volley_period", "retry_volleys"),
}
_RETRY_KEYS = ("max_rate", "retry_rate_step", "min_spikes", "max_retries", "retry_count")


def encode_images(images: np.ndarray) -> np.ndarray:
    """Turn uint8 images into intensities ``pixel / 255``, one row per image.

    Parameters
    ----------
    images : ndarray of uint8, shape (n_images, height, width)

    Returns
    -------
    ndarray of float64, shape (n_images, height * width)
        ``pixel / 255``; the input rate of the rate codes is this times the
        current maximum rate.

    Raises
    ------
    ValueError
        If the images are not uint8 or not a stack of 2-D images.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"images: expected uint8 pixels (0-255), got dtype {images.dtype}")
    if images.ndim != 3:
        raise ValueError(f"images: expected shape (n_images, height, width), got {images.shape}")
    return images.reshape(images.shape[0], -1).astype(np.float64) / 255.0


def intensity_ranks(x: np.ndarray, min_intensity: float = 0.0) -> np.ndarray:
    """Each pixel's rank by decreasing intensity, per row: 1 = brightest, 0 = silent.

    Parameters
    ----------
    x : ndarray, shape (n_examples, n_input)
        Intensities in [0, 1].
    min_intensity : float
        Pixels with ``x <= min_intensity`` get rank 0 (they send no spike).

    Returns
    -------
    ndarray of float64, same shape
        Ranks 1, 2, ... of the firing pixels in order of decreasing intensity
        (equal intensities: the lower pixel index first), 0 for the others.

    Examples
    --------
    >>> intensity_ranks(np.array([[0.2, 1.0, 0.0, 0.2]]))
    array([[2., 1., 0., 3.]])
    """
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    order = np.argsort(-x, axis=1, kind="stable")
    ranks = np.empty_like(x)
    positions = np.broadcast_to(np.arange(1, x.shape[1] + 1, dtype=np.float64), x.shape)
    np.put_along_axis(ranks, order, positions, axis=1)
    ranks[x <= min_intensity] = 0.0
    return ranks


def code_keys(cfg: Config) -> dict[str, str]:
    """The ``encoding`` settings that make the input's code, as the build cache sees them.

    Only the keys that ``encoding.code`` reads are kept, and ``code = "bernoulli"``
    is written as the Poisson code with the per-step draw that it is, so that
    two configurations that generate the same code share one compiled network.

    Examples
    --------
    >>> from stdp.config import load_config
    >>> a = load_config({"encoding": {"code": "bernoulli", "latency_max": "9 ms"}})
    >>> b = load_config({"encoding": {"generator": "bernoulli"}})
    >>> code_keys(a) == code_keys(b)
    True
    """
    code = cfg["encoding.code"]
    keys = _RETRY_KEYS + _CODE_KEYS[code]
    values = {f"encoding.{key}": str(cfg[f"encoding.{key}"]) for key in keys}
    if code == "bernoulli":
        values.update({"encoding.code": "poisson", "encoding.generator": "bernoulli"})
    else:
        values["encoding.code"] = code
    return values


def input_table(cfg: Config, pixels: np.ndarray) -> np.ndarray:
    """The table the network reads for ``encoding.code``: intensities, or ranks for rank order.

    Parameters
    ----------
    cfg : Config
        The configuration (``encoding.code``, ``encoding.min_intensity``).
    pixels : ndarray, shape (n_examples, n_input)
        Pixel values in [0, 255], uint8 or any real type.

    Returns
    -------
    ndarray of float64, same shape
        ``pixel / 255``; for ``rank_order`` the ranks of `intensity_ranks`.
    """
    x = np.asarray(pixels, dtype=np.float64) / 255.0
    if cfg["encoding.code"] == "rank_order":
        return intensity_ranks(x, cfg["encoding.min_intensity"])
    return x


def input_spikes(
    cfg: Config, pixels: np.ndarray, n_cycles: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Simulate the input neurons alone on ``pixels`` and return their spikes.

    The controller and the input group of `stdp.network` run on Brian2's
    runtime device (numpy target), with the equations the engine compiles.
    No excitatory neuron counts spikes here, so with ``encoding.min_spikes =
    0`` every example is shown once, and otherwise every example is shown
    ``1 + max_retries`` times (each time with the retry's added input).

    Parameters
    ----------
    cfg : Config
        The configuration (``encoding.*``, ``protocol.*``, ``network.dt``).
    pixels : ndarray, shape (n_examples, n_input)
        Pixel values in [0, 255], one example per row.
    n_cycles : int, optional
        Presentation cycles to simulate (default: one per row).

    Returns
    -------
    i : ndarray of int
        The input neuron (pixel) of each spike.
    t : ndarray of float
        Its time in seconds from the first presentation's start.
    """
    import brian2
    from brian2 import Network, SpikeMonitor, TimedArray, second
    from brian2.devices.device import reset_device

    from .network import controller_group, cycle_duration, input_group

    pixels = np.atleast_2d(np.asarray(pixels))
    table = input_table(cfg, pixels)
    previous = brian2.prefs.codegen.target
    brian2.set_device("runtime")
    brian2.prefs.codegen.target = "numpy"
    try:
        clock = brian2.Clock(dt=cfg["network.dt"], name="clock")
        stim = TimedArray(table, dt=1 * second, name="stim")
        controller = controller_group(cfg, clock)
        controller.k = -1  # the first cycle advances to row 0
        controller.nspk = cfg["encoding.min_spikes"]
        controller.n_valid = table.shape[0]
        inp = input_group(cfg, table.shape[1], controller, stim, clock)
        monitor = SpikeMonitor(inp)
        n_cycles = table.shape[0] if n_cycles is None else n_cycles
        Network(controller, inp, monitor).run(n_cycles * cycle_duration(cfg), namespace={})
        return np.asarray(monitor.i[:], dtype=int), np.asarray(monitor.t[:] / second)
    finally:
        reset_device()  # back to the device before (an open compiled engine keeps it)
        brian2.prefs.codegen.target = previous
