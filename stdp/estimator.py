"""`Network`: the unsupervised part of the model as a scikit-learn transformer.

``fit(images)`` trains the network with STDP (no labels) on the compiled
engine; ``transform(images)`` shows each image once to the frozen network and
returns the excitatory spike counts, one row per image, which a readout
(`stdp.NeuronLabeller`, or any scikit-learn classifier) turns into classes:

>>> import stdp
>>> from sklearn.pipeline import make_pipeline
>>> data = stdp.load_dataset("digits")
>>> cfg = stdp.load_config("experiments/digits.toml")          # doctest: +SKIP
>>> model = make_pipeline(stdp.Network(cfg), stdp.NeuronLabeller())
>>> model.fit(data.train_images, data.train_labels)          # doctest: +SKIP
>>> model.score(data.test_images, data.test_labels)          # doctest: +SKIP

Images are pixel values in [0, 255]: a stack ``(n, height, width)`` or rows
``(n, height * width)`` (uint8 as the data sets hold them, or any real type).
A pixel of value ``p`` drives its input neuron at ``p / 255 * encoding.max_rate``.

Brian2's device is one per process, so only one compiled network is loaded at
a time (`stdp.engine.shared_engine`); several `Network` objects can still be
used in one process: each loads its own cached build when it runs (a couple
of seconds after the first build).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from copy import copy
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .checkpoint import FILENAME, Checkpoint
from .config import Config, eval_config, load_config, ms
from .engine import current_engine, shared_engine
from .errors import CheckpointError, ConfigError
from .network import initial_state
from .passes import STREAMS, FrozenPass, PassPosition, frozen_pass, run_pass
from .progress import Progress
from .resources import check_memory

__all__ = ["Network", "versions"]


def versions() -> dict[str, str]:
    """Versions of everything that can change a result."""
    import platform

    import brian2
    import sklearn

    from . import __version__

    return {
        "stdp": __version__,
        "brian2": brian2.__version__,
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _image_shape(n_features: int) -> tuple[int, int]:
    side = int(round(np.sqrt(n_features)))
    return (side, side) if side * side == n_features else (1, n_features)


class Network(TransformerMixin, BaseEstimator):
    """The Diehl & Cook (2015) network, trained without labels, as a scikit-learn transformer.

    Parameters
    ----------
    config : Config, dict, str, Path or None
        The configuration: a `Config` (`stdp.load_config`), a dict of settings
        (``{"network.n_exc": 100}`` or nested sections), the path of a TOML
        file, or None for the defaults (the 400-neuron network of the
        original code). ``train.n_examples`` is the number of examples `fit`
        shows (cycling through the images), ``seed`` fixes the initial
        weights and every random stream.
    verbose : bool, default False
        Show a progress line on standard error while training and transforming.

    Attributes
    ----------
    config_ : Config
        The resolved configuration.
    state_ : dict of ndarray
        The whole network state, ``{"group.variable": values}`` in SI units.
    position_ : stdp.passes.PassPosition
        Where training stands (``position_.done``: examples trained on).
    weights_ : ndarray, shape (n_features_in_, n_exc)
        Input weights (a view of ``state_``).
    theta_ : ndarray, shape (n_exc,)
        Adaptive thresholds, in volt.
    n_features_in_ : int
        Number of pixels of an image.
    image_shape_ : tuple of int
        ``(height, width)`` of an image (from 3-D input, else square if possible).

    Notes
    -----
    ``fit_transform`` (what a `~sklearn.pipeline.Pipeline` calls on the
    training images) draws its Poisson input from the labelling pass's random
    stream, and ``transform`` from the test pass's, so a pipeline fitted on
    the training images and scored on the test images sees exactly the spike
    counts of ``stdp run`` with the same configuration.
    """

    def __init__(self, config: Config | Mapping | str | Path | None = None, *, verbose=False):
        self.config = config
        self.verbose = verbose

    # -- configuration and input ----------------------------------------------------------
    def _resolve_config(self) -> Config:
        if isinstance(self.config, Config):
            return self.config
        if self.config is None or isinstance(self.config, Mapping | str | Path):
            return load_config(self.config)
        raise ConfigError(
            f"config: expected a Config, a dict, a TOML path or None, got {type(self.config)}"
        )

    def _pixels(self, X: Any, reset: bool) -> np.ndarray:
        """Check images and return them as rows ``(n, n_pixels)`` (uint8 kept as is)."""
        X = np.asarray(X)
        if X.dtype == object or not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
            raise ValueError(f"images: expected pixel values (numbers), got dtype {X.dtype}")
        if np.issubdtype(X.dtype, np.complexfloating):
            raise ValueError("images: complex values are not pixel values")
        if X.ndim not in (2, 3) or X.shape[0] == 0 or X[0].size == 0:
            raise ValueError(
                "images: expected a non-empty array of shape (n, height, width) or "
                f"(n, n_pixels), got shape {X.shape}"
            )
        shape = tuple(X.shape[1:]) if X.ndim == 3 else _image_shape(X.shape[1])
        rows = X.reshape(X.shape[0], -1)
        if X.dtype != np.uint8:
            if not np.all(np.isfinite(rows)):
                raise ValueError("images: contain NaN or infinity")
            if rows.min() < 0 or rows.max() > 255:
                raise ValueError(
                    f"images: pixel values must lie in [0, 255], got {rows.min()} to {rows.max()}"
                )
        if reset:
            self.n_features_in_ = rows.shape[1]
            self.image_shape_ = shape
        elif rows.shape[1] != self.n_features_in_:
            raise ValueError(
                f"images: X has {rows.shape[1]} pixels per image, but the network was "
                f"trained on {self.n_features_in_}"
            )
        return rows

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.requires_fit = True
        tags.target_tags.required = False
        return tags

    # -- training ----------------------------------------------------------------------
    def _start(self, n_features: int, image_shape: tuple[int, int]) -> None:
        """A fresh, untrained network for images of ``image_shape``."""
        cfg = self._resolve_config()
        check_memory(cfg, n_features, n_label=0, n_test=0)  # before anything is allocated
        self.config_ = cfg
        self.n_features_in_ = n_features
        self.image_shape_ = tuple(image_shape)
        rng = np.random.default_rng(cfg["seed"])
        self.state_ = initial_state(cfg, n_features, rng)
        self.position_ = PassPosition.start(cfg)

    def fit(self, X: Any, y: Any = None) -> Network:
        """Train a fresh network on ``X`` with STDP (``y`` is ignored: no labels are used).

        Shows ``config_["train.n_examples"]`` examples, example ``j`` being
        ``X[j % len(X)]``, as ``stdp run`` does with the training set.

        Parameters
        ----------
        X : array-like, shape (n_images, height, width) or (n_images, n_pixels)
            Pixel values in [0, 255].
        y : ignored

        Returns
        -------
        self
        """
        pixels = self._pixels(X, reset=True)
        self._start(pixels.shape[1], self.image_shape_)
        self._train(pixels, self.config_["train.n_examples"])
        return self

    def partial_fit(self, X: Any, y: Any = None, n_examples: int | None = None) -> Network:
        """Train further on ``X``, from its first image, for ``n_examples`` (default ``len(X)``).

        Training continues from the network's state and its random streams
        go on where they stopped (as ``stdp extend`` does). Compiled chunks
        of ``engine.chunk_cycles`` cycles idle after the last example of a
        call, so pieces give exactly the network of one longer training only
        when each piece ends on a chunk boundary. On an unfitted network this
        starts a fresh one (without the ``train.n_examples`` of `fit`).

        Returns
        -------
        self
        """
        fitted = hasattr(self, "state_")
        pixels = self._pixels(X, reset=not fitted)
        if not fitted:
            self._start(pixels.shape[1], self.image_shape_)
        n = pixels.shape[0] if n_examples is None else int(n_examples)
        if n < 1:
            raise ValueError(f"n_examples: expected at least 1, got {n}")
        done = self.position_.done
        self._train(pixels, done + n, first=done)
        return self

    def _engine(self, cfg: Config, say: Callable[[str], None] | None):
        """The engine for ``cfg`` (training or frozen), built or loaded if needed."""
        if current_engine(cfg, self.n_features_in_) is None and say is not None:
            shown = ""
            if cfg is not self.config_:
                shown = f", {float(cfg['protocol.presentation'] / ms):g} ms presentations"
            say(f"building the network ({cfg['device']}, {cfg['network.n_exc']} neurons{shown})")
            start = time.perf_counter()
            engine = shared_engine(cfg, self.n_features_in_)
            say(f"network ready in {time.perf_counter() - start:.1f} s")
            return engine
        return shared_engine(cfg, self.n_features_in_)

    def _train(
        self,
        pixels: np.ndarray,
        until: int,
        *,
        first: int = 0,
        on_chunk: Callable[[PassPosition, dict, np.ndarray], None] | None = None,
        progress: Progress | None = None,
        say: Callable[[str], None] | None = None,
    ) -> None:
        """Train until example number ``until``; example ``j`` is ``pixels[(j - first) % n]``."""
        cfg = self.config_
        engine = self._engine(cfg, say)
        if progress is None:
            stream = sys.stderr if self.verbose else None
            progress = Progress(stream, "train", until, since=copy(self.position_.stats))

        def after_chunk(position: PassPosition, state: dict, counts: np.ndarray) -> None:
            self.state_ = state
            if on_chunk is not None:
                on_chunk(position, state, counts)
            progress.update(position)

        self.state_, _, self.position_ = run_pass(
            engine,
            self.state_,
            pixels,
            until,
            learning=True,
            seed=cfg["seed"],
            stream=STREAMS["train"],
            position=self.position_,
            on_chunk=after_chunk,
            record_counts=False,
            first=first,
        )
        progress.update(self.position_, final=True)

    # -- frozen passes -------------------------------------------------------------------
    def transform(self, X: Any) -> np.ndarray:
        """Show each image once to the frozen network; return the spike counts.

        Parameters
        ----------
        X : array-like, shape (n_images, height, width) or (n_images, n_pixels)
            Pixel values in [0, 255].

        Returns
        -------
        ndarray of int64, shape (n_images, n_exc)
            Spikes of each excitatory neuron during each image's presentation
            (of its last presentation when it was shown again for evoking too
            few spikes, as in training).
        """
        check_is_fitted(self, "state_")
        return self._frozen(self._pixels(X, reset=False), "test").counts

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> np.ndarray:
        """`fit`, then the spike counts of ``X`` (on the labelling pass's random stream)."""
        self.fit(X, y, **fit_params)
        return self._frozen(self._pixels(X, reset=False), "label").counts

    def _frozen(
        self,
        pixels: np.ndarray,
        name: str,
        n_total: int | None = None,
        *,
        progress: FrozenPass | None = None,
        save: Callable[[FrozenPass], None] | None = None,
        stream: TextIO | None = None,
        log: Callable[[str], None] | None = None,
        say: Callable[[str], None] | None = None,
    ) -> FrozenPass:
        """The frozen pass ``name`` ("label" or "test") over ``n_total`` examples of ``pixels``."""
        cfg = eval_config(self.config_)
        if cfg["engine.eval_shard_size"] == "all" or cfg["engine.workers"] <= 1:
            self._engine(cfg, say)
        stream = stream if stream is not None else (sys.stderr if self.verbose else None)
        n_total = pixels.shape[0] if n_total is None else n_total
        shown: dict[str, Progress] = {}

        def report(position: PassPosition, event: str) -> None:
            if event == "start":
                if position.done and say is not None:
                    say(f"resuming the {name} pass at example {position.done}")
                shown["p"] = Progress(stream, name, n_total, log, since=copy(position.stats))
            else:
                shown["p"].update(position, final=event == "end")

        return frozen_pass(
            cfg,
            self.n_features_in_,
            self.state_,
            pixels,
            n_total,
            stream=STREAMS[name],
            progress=progress,
            checkpoint_every=self.config_["train.checkpoint_every"],
            save=save,
            report=report,
        )

    # -- what was learned --------------------------------------------------------------
    @property
    def weights_(self) -> np.ndarray:
        """Input weights, shape (n_features_in_, n_exc)."""
        check_is_fitted(self, "state_")
        return np.asarray(self.state_["input_to_exc.w"]).reshape(self.n_features_in_, -1)

    @property
    def theta_(self) -> np.ndarray:
        """Adaptive thresholds (volt), shape (n_exc,)."""
        check_is_fitted(self, "state_")
        return np.asarray(self.state_["exc.theta"])

    def receptive_fields(self) -> np.ndarray:
        """Each neuron's input weights as an image: shape (n_exc, height, width)."""
        return self.weights_.T.reshape(-1, *self.image_shape_)

    # -- saving and loading -------------------------------------------------------------
    def to_checkpoint(self, dataset: str = "") -> Checkpoint:
        """The fitted network as a `stdp.checkpoint.Checkpoint` (training done, no passes)."""
        check_is_fitted(self, "state_")
        return Checkpoint(
            state=dict(self.state_),
            n_input=self.n_features_in_,
            image_shape=self.image_shape_,
            dataset=dataset,
            phase="label",
            train=self.position_,
            config=self.config_.to_toml(),
            versions=versions(),
        )

    def save(self, path: str | Path) -> Path:
        """Write the fitted network to ``path`` (a checkpoint file, ``.npz``; atomic)."""
        return self.to_checkpoint().save(path)

    @classmethod
    def from_checkpoint(cls, ck: Checkpoint, config: Config | None = None) -> Network:
        """A fitted network from a checkpoint (``config``: else the one it holds)."""
        if config is None:
            if ck.config is None:
                raise CheckpointError(
                    "the checkpoint holds no configuration (stdp 0.1); pass config="
                )
            import tomllib

            config = load_config(tomllib.loads(ck.config))
        if ck.n_exc != config["network.n_exc"]:
            raise CheckpointError(
                f"the checkpoint has {ck.n_exc} neurons but the configuration "
                f"{config['network.n_exc']}"
            )
        net = cls(config)
        net.config_ = config
        net.n_features_in_ = ck.n_input
        net.image_shape_ = tuple(ck.image_shape)
        net.state_ = dict(ck.state)
        net.position_ = ck.train
        return net

    @classmethod
    def load(cls, path: str | Path) -> Network:
        """Read a network saved with `save`, or the network of a results folder.

        Parameters
        ----------
        path : str or Path
            A file written by `save`, a results folder's ``checkpoint.npz``,
            or the results folder itself (checkpoints of stdp 0.1 take their
            configuration from the folder's ``config.toml``).
        """
        path = Path(path)
        if path.is_dir():
            path = path / FILENAME
        ck = Checkpoint.load(path)
        config = None
        if ck.config is None and (path.parent / "config.toml").exists():
            config = load_config(path.parent / "config.toml")
        return cls.from_checkpoint(ck, config)
