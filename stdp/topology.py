"""Where each excitatory neuron looks: the paper's dense layer, local and convolutional ones.

``topology.kind`` chooses how the input -> excitatory synapses are laid out:

``dense``
    Diehl & Cook (2015): every neuron sees every pixel.
``local``
    A locally connected layer (Saunders et al. 2019, "Locally connected spiking
    neural networks for unsupervised feature learning"): the image is covered
    by square patches of ``topology.kernel`` pixels a side, ``topology.stride``
    apart; ``topology.filters`` neurons look at each patch, each with its own
    weights.
``conv``
    The same layout with shared weights: the neurons of one filter hold copies
    of one kernel (``topology.filters`` kernels of ``kernel x kernel``
    weights), and at the start of every presentation cycle the STDP changes of
    all copies are summed into the kernel table and the copies set to it
    (`stdp.equations.KERNEL_SUM` and the steps after it). Within one
    presentation each copy learns on its own, so the kernel moves by the sum
    of the per-synapse updates of the presentation.

Neuron ``j`` of a local or convolutional layer is filter ``f`` at row ``r``,
column ``c`` of the grid of patches, ``j = (f * rows + r) * cols + c``
(channel-major, as a CNN's feature maps), and sees pixel
``(r * stride + a, c * stride + b)`` through kernel entry ``(a, b)``.
Lateral inhibition (``topology.inhibition``) acts among the filters of one
location (Saunders et al.) or, as in the paper, among all neurons.

A ``local`` layer may also hold ``topology.dense_filters`` neurons that see the
whole image (neurons ``filters * rows * cols`` onwards), each with its own
weights: a Diehl & Cook group beside the patches, one more "location" whose
patch is the image, so that the layer codes each example at two scales. With
``location`` inhibition they inhibit each other and none of the patch
neurons; 'auto' normalisation gives each neuron ``78 * (its inputs) / 784``.

The engine keeps the weights as the paper's dense ``(n_input, n_exc)``
matrix, with zeros where a neuron has no synapse, so checkpoints, receptive
fields and figures need not know the layout; `Layout.synapses` maps it to
the synapses that exist.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .config import Config
from .errors import ConfigError

__all__ = ["Layout", "layout", "KINDS"]

#: The values of ``topology.kind``.
KINDS = ("dense", "local", "conv")


@dataclass(frozen=True)
class Layout:
    """The geometry of the input -> excitatory synapses.

    Attributes
    ----------
    kind : {"dense", "local", "conv"}
    n_input : int
        Pixels per image (a square image of ``side`` pixels a side).
    side : int
    kernel, stride, filters : int
        Patch side, patch spacing, neurons (filters) per patch; for ``dense``
        the kernel is the image, the stride 1 and ``filters`` the number of
        neurons.
    rows, cols : int
        The grid of patches (1 x 1 for ``dense``).
    dense_filters : int
        ``local`` only: neurons after the patches' that see the whole image,
        each with its own weights (a Diehl & Cook group beside the patches:
        a layer of two scales). 0: none.
    """

    kind: str
    n_input: int
    side: int
    kernel: int
    stride: int
    filters: int
    rows: int
    cols: int
    dense_filters: int = 0

    @property
    def n_locations(self) -> int:
        """Number of patches."""
        return self.rows * self.cols

    @property
    def n_patch(self) -> int:
        """Number of neurons that look at patches: filters x locations."""
        return self.filters * self.n_locations

    @property
    def n_exc(self) -> int:
        """Number of excitatory neurons: filters x locations, then the whole-image ones."""
        return self.n_patch + self.dense_filters

    @property
    def fan_in(self) -> int:
        """Input synapses per neuron of the patches (every neuron's in a dense layer)."""
        return self.n_input if self.kind == "dense" else self.kernel * self.kernel

    def fan_ins(self) -> np.ndarray:
        """Input synapses of each neuron, shape ``(n_exc,)``."""
        out = np.full(self.n_exc, self.fan_in, dtype=np.int64)
        out[self.n_patch :] = self.n_input
        return out

    @property
    def mixed(self) -> bool:
        """Whether neurons differ in their number of inputs (patches and whole-image neurons)."""
        return self.sparse and self.dense_filters > 0

    @property
    def sparse(self) -> bool:
        """Whether some neuron does not see some pixel (a local or convolutional layer)."""
        return self.kind != "dense"

    @property
    def n_synapses(self) -> int:
        """Number of input -> excitatory synapses."""
        return self.n_patch * self.fan_in + self.dense_filters * self.n_input

    @property
    def n_location_pairs(self) -> int:
        """Inhibitory synapses of ``location`` inhibition: ordered pairs of filters of a patch.

        The whole-image neurons count as one more patch.
        """
        return self.n_patch * (self.filters - 1) + self.dense_filters * max(
            self.dense_filters - 1, 0
        )

    @property
    def n_kernel(self) -> int:
        """Entries of the shared kernel table (``conv``; 0 otherwise)."""
        return self.filters * self.kernel * self.kernel if self.kind == "conv" else 0

    def neuron(self, f: int, r: int, c: int) -> int:
        """Index of filter ``f`` at patch row ``r``, column ``c``."""
        return (f * self.rows + r) * self.cols + c

    @functools.cached_property
    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self.sparse:
            n_exc = self.n_exc
            pre = np.repeat(np.arange(self.n_input), n_exc)
            post = np.tile(np.arange(n_exc), self.n_input)
            return pre, post, np.zeros(0, dtype=np.int64)
        k = self.kernel
        f, r, c, a, b = np.meshgrid(
            np.arange(self.filters),
            np.arange(self.rows),
            np.arange(self.cols),
            np.arange(k),
            np.arange(k),
            indexing="ij",
        )
        post = ((f * self.rows + r) * self.cols + c).ravel()
        pre = ((r * self.stride + a) * self.side + (c * self.stride + b)).ravel()
        entry = ((f * k + a) * k + b).ravel()
        if self.dense_filters:  # every pixel to every whole-image neuron (local only)
            pre = np.concatenate([pre, np.repeat(np.arange(self.n_input), self.dense_filters)])
            whole = self.n_patch + np.arange(self.dense_filters)
            post = np.concatenate([post, np.tile(whole, self.n_input)])
            entry = np.concatenate([entry, np.full(self.dense_filters * self.n_input, -1)])
        order = np.lexsort((post, pre))  # i-major, as the dense layer's synapses
        return pre[order], post[order], entry[order]

    def synapses(self) -> tuple[np.ndarray, np.ndarray]:
        """The ``(pre, post)`` indices of every synapse, sorted by pre, then post."""
        pre, post, _ = self._arrays
        return pre, post

    def dense_index(self) -> np.ndarray:
        """Each synapse's place in the flattened ``(n_input, n_exc)`` weight matrix."""
        pre, post, _ = self._arrays
        return pre * self.n_exc + post

    def kernel_entry(self) -> np.ndarray:
        """Each synapse's entry of the kernel table, ``(f * kernel + a) * kernel + b`` (conv)."""
        return self._arrays[2]

    def to_synapses(self, dense: np.ndarray) -> np.ndarray:
        """The values of the synapses that exist, from a flattened dense matrix."""
        dense = np.asarray(dense).reshape(-1)
        return dense if not self.sparse else dense[self.dense_index()]

    def to_dense(self, values: np.ndarray) -> np.ndarray:
        """The flattened ``(n_input, n_exc)`` matrix of per-synapse ``values`` (0 elsewhere)."""
        values = np.asarray(values)
        if not self.sparse:
            return values
        dense = np.zeros(self.n_input * self.n_exc, dtype=values.dtype)
        dense[self.dense_index()] = values
        return dense

    def kernel_of(self, dense: np.ndarray) -> np.ndarray:
        """The kernel table, shape ``(filters, kernel, kernel)``, read from a tied dense matrix.

        Each entry is taken from the neuron of its filter at patch (0, 0).
        """
        w = np.asarray(dense).reshape(self.n_input, self.n_exc)
        k = self.kernel
        table = np.empty((self.filters, k, k))
        for f in range(self.filters):
            j = self.neuron(f, 0, 0)
            table[f] = w[:, j].reshape(self.side, self.side)[:k, :k]
        return table

    def pool(self, counts: np.ndarray, size: int) -> np.ndarray:
        """Spike counts summed over blocks of ``size x size`` patches, per filter.

        Parameters
        ----------
        counts : ndarray, shape (n_examples, n_exc)
        size : int
            Block side in patches; 1 returns ``counts``. Blocks at the edge
            may be smaller.

        Returns
        -------
        ndarray, shape (n_examples, filters * ceil(rows / size) * ceil(cols / size) + dense_filters)
            The whole-image neurons' counts (``dense_filters``) follow, as they are.
        """
        counts = np.asarray(counts)
        if size <= 1 or not self.sparse:
            return counts
        n = counts.shape[0]
        maps = counts[:, : self.n_patch].reshape(n, self.filters, self.rows, self.cols)
        pr, pc = -(-self.rows // size), -(-self.cols // size)
        padded = np.zeros((n, self.filters, pr * size, pc * size), dtype=counts.dtype)
        padded[:, :, : self.rows, : self.cols] = maps
        pooled = padded.reshape(n, self.filters, pr, size, pc, size).sum(axis=(3, 5))
        return np.concatenate([pooled.reshape(n, -1), counts[:, self.n_patch :]], axis=1)


def layout(cfg: Config, n_input: int) -> Layout:
    """The layout of ``cfg``'s topology for images of ``n_input`` pixels.

    Raises
    ------
    ConfigError
        If the images are not square, the kernel does not fit in them, the
        patches do not tile the image, or ``network.n_exc`` is not filters x
        patches.
    """
    kind = cfg["topology.kind"]
    n_exc = cfg["network.n_exc"]
    if kind == "dense":
        return Layout("dense", n_input, 0, 0, 1, n_exc, 1, 1)
    side = math.isqrt(n_input)
    if side * side != n_input:
        raise ConfigError(
            f"topology.kind: {kind!r} needs square images; these have {n_input} pixels"
        )
    kernel, stride, filters = (cfg[f"topology.{k}"] for k in ("kernel", "stride", "filters"))
    if kernel > side:
        raise ConfigError(
            f"topology.kernel: {kernel} pixels is larger than the {side}x{side} images"
        )
    if (side - kernel) % stride:
        raise ConfigError(
            f"topology.stride: patches of {kernel} pixels, {stride} apart, do not tile a "
            f"side of {side} pixels ((side - kernel) must be a multiple of the stride)"
        )
    rows = (side - kernel) // stride + 1
    whole = cfg["topology.dense_filters"] if kind == "local" else 0
    shape = Layout(kind, n_input, side, kernel, stride, filters, rows, rows, whole)
    if n_exc != shape.n_exc:
        beside = f" and {whole} whole-image neurons" if whole else ""
        raise ConfigError(
            f"network.n_exc: {n_exc} neurons, but a {kind} layer of {filters} filters on "
            f"{rows}x{rows} patches ({kernel} pixels, stride {stride}, {side}x{side} images)"
            f"{beside} has {shape.n_exc}; set network.n_exc = {shape.n_exc}"
        )
    return shape
