"""PoolCounts: a layer's counts pooled into images for the next layer (stacking)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from stdp.pooling import PoolCounts


def test_pooled_counts_become_pixel_values():
    # 2 filters on 4x4 patches, pooled over 2x2 blocks: 2 x 4 "pixels"
    rng = np.random.default_rng(0)
    X = rng.integers(0, 5, size=(50, 2 * 16))
    pool = PoolCounts(rows=4, size=2, quantile=1.0).fit(X)
    maps = X.reshape(50, 2, 4, 4)
    by_hand = maps.reshape(50, 2, 2, 2, 2, 2).sum(axis=(3, 5)).reshape(50, 8)
    assert pool.scale_ == pytest.approx(255.0 / by_hand.max())
    out = pool.transform(X)
    np.testing.assert_allclose(out, by_hand * 255.0 / by_hand.max())
    assert out.max() == pytest.approx(255.0)
    # a larger count than any seen in training is clipped to the brightest pixel
    assert pool.transform(X * 3).max() == pytest.approx(255.0)


def test_the_quantile_sets_the_brightest_pixel():
    X = np.array([[1, 0], [2, 0], [3, 0], [100, 0]])
    pool = PoolCounts(size=1, quantile=0.5).fit(X)  # median of the non-zero counts: 2.5
    np.testing.assert_allclose(pool.transform(X)[:, 0], [102, 204, 255, 255])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"rows": 3}, "X has 32 columns, which are not some number of filters on 3x3"),
        ({"rows": 4, "filters": 3}, "X has 32 columns, which are not 3 filters on 4x4"),
        ({"size": 0}, "size: expected a positive integer"),
        ({"quantile": 0.0}, r"quantile: expected a number in \(0, 1\]"),
    ],
)
def test_bad_settings_are_named(params, message):
    with pytest.raises(ValueError, match=message):
        PoolCounts(**params).fit(np.ones((3, 32)))


@parametrize_with_checks([PoolCounts(size=1, quantile=0.9)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.slow
def test_a_dense_layer_stacked_on_a_convolutional_one_learns_the_digits():
    """conv Network -> PoolCounts -> dense Network -> NeuronLabeller, all without labels
    but the labeller's; two compiled builds (about two minutes)."""
    from sklearn.pipeline import make_pipeline

    import stdp

    digits = stdp.load_dataset("digits")
    conv = stdp.load_config(
        "experiments/digits.toml",
        [
            "topology.kind=conv",
            "topology.kernel=4",
            "topology.stride=2",
            "topology.filters=8",
            "network.n_exc=72",
            "topology.share=winner",
            "normalization.total=3.5",
            "train.n_examples=1500",
        ],
    )
    dense = stdp.load_config(
        "experiments/digits.toml", ["network.n_exc=50", "train.n_examples=1500"]
    )
    model = make_pipeline(
        stdp.Network(conv), PoolCounts(rows=3, size=1), stdp.Network(dense), stdp.NeuronLabeller()
    )
    model.fit(digits.train_images, digits.train_labels)
    pooled = model[:2].transform(digits.test_images[:50])
    assert pooled.shape == (50, 72) and 0 <= pooled.min() and pooled.max() <= 255
    assert model[2].weights_.shape == (72, 50)
    # chance is 10 %: the upper layer learned from the lower one's feature maps (measured:
    # 25.93 %, below the conv layer's own vote, 40.07 %: docs/topologies.md)
    assert model.score(digits.test_images, digits.test_labels) > 0.2
