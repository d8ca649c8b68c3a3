"""Stack layers: pool a local or convolutional layer's spike counts into images.

`PoolCounts` sits between two `stdp.Network` steps of a scikit-learn pipeline,
so that a dense Diehl & Cook layer learns, with STDP and no labels, from the
pooled feature maps of a convolutional (or locally connected) layer below it.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .topology import Layout

__all__ = ["PoolCounts"]


class PoolCounts(TransformerMixin, BaseEstimator):
    """Pool a local or convolutional layer's spike counts into images for the next layer.

    A scikit-learn transformer that stacks layers: between a `stdp.Network`
    with a local or convolutional layer and a dense one, it sums each
    filter's counts over blocks of ``size x size`` patches (`Layout.pool`)
    and scales them to pixel values, so that the next network sees the
    pooled feature maps as an image (one "pixel" per filter and block) and
    encodes them as Poisson rates like any image::

        make_pipeline(Network(conv_cfg), PoolCounts(rows=13, size=2),
                      Network(dense_cfg), NeuronLabeller())

    Parameters
    ----------
    rows : int, default 1
        The layer's ``rows x rows`` grid of patches.
    filters : int or None, default None
        The layer's filters (None: the columns of ``X`` over ``rows**2``). Its
        counts have ``filters * rows * rows`` columns, ordered as
        `stdp.topology` numbers neurons.
    size : int, default 2
        Block side in patches (1: no pooling).
    quantile : float, default 0.99
        The pooled count that becomes the brightest pixel (255) is this
        quantile of the training set's non-zero pooled counts; larger counts
        are clipped to 255.

    Attributes
    ----------
    scale_ : float
        Pixel value per spike.
    n_features_in_ : int
    """

    def __init__(
        self, rows: int = 1, filters: int | None = None, size: int = 2, quantile: float = 0.99
    ):
        self.rows = rows
        self.filters = filters
        self.size = size
        self.quantile = quantile

    def _layout(self, n_columns: int) -> Layout:
        for name in ("rows", "size", "filters"):
            value = getattr(self, name)
            if value is None and name == "filters":
                continue
            if not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{name}: expected a positive integer, got {value!r}")
        if not 0 < self.quantile <= 1:
            raise ValueError(f"quantile: expected a number in (0, 1], got {self.quantile!r}")
        n_loc = self.rows * self.rows
        filters = self.filters if self.filters is not None else n_columns // n_loc
        if filters * n_loc != n_columns:
            raise ValueError(
                f"X has {n_columns} columns, which are not "
                f"{self.filters if self.filters is not None else 'some number of'} filters "
                f"on {self.rows}x{self.rows} patches"
            )
        return Layout("local", 0, 0, 0, 1, filters, self.rows, self.rows)

    def _pooled(self, X: np.ndarray) -> np.ndarray:
        return self._layout(X.shape[1]).pool(X, self.size).astype(float)

    def fit(self, X: Any, y: Any = None) -> PoolCounts:
        """Find the scale from the training set's pooled counts."""
        X = validate_data(self, X, reset=True, ensure_non_negative=True)
        pooled = self._pooled(X)
        positive = pooled[pooled > 0]
        top = float(np.quantile(positive, self.quantile)) if positive.size else 1.0
        self.scale_ = 255.0 / top
        return self

    def transform(self, X: Any) -> np.ndarray:
        """The pooled counts as pixel values in [0, 255], shape ``(n, filters * blocks)``."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, ensure_non_negative=True)
        return np.clip(self._pooled(X) * self.scale_, 0.0, 255.0)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        return tags
