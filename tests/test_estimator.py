"""`stdp.Network` as a scikit-learn transformer: fit, transform, save/load, pipelines."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline

import stdp
from stdp import experiment

from .conftest import SMALL


@pytest.fixture(scope="module")
def digits():
    return stdp.load_dataset("digits")


@pytest.fixture(scope="module")
def fitted(digits):
    """The SMALL network fitted on the first 120 training images (as the SMALL run trains)."""
    return stdp.Network(stdp.load_config(None, SMALL)).fit(digits.train_images[:120])


def test_learned_attributes_and_receptive_fields(fitted):
    assert fitted.weights_.shape == (64, 20)
    assert fitted.theta_.shape == (20,)
    assert fitted.image_shape_ == (8, 8) and fitted.n_features_in_ == 64
    assert fitted.position_.done == 120
    fields = fitted.receptive_fields()
    assert fields.shape == (20, 8, 8)
    # neuron j's field is column j of the weights, laid out row by row
    np.testing.assert_array_equal(fields[3].ravel(), fitted.weights_[:, 3])
    assert fitted.theta_.max() > 0  # the adaptive threshold moved: training happened


def test_transform_is_deterministic_and_shaped(fitted, digits):
    a = fitted.transform(digits.test_images[:30])
    b = fitted.transform(digits.test_images[:30].reshape(30, -1))  # rows or images
    assert a.shape == (30, 20) and a.dtype == np.int64
    np.testing.assert_array_equal(a, b)
    assert a.sum() > 0


def test_saved_and_loaded_network_transforms_bit_for_bit(fitted, digits, tmp_path):
    before = fitted.transform(digits.test_images[:30])
    path = fitted.save(tmp_path / "net.npz")
    loaded = stdp.Network.load(path)
    assert loaded.config_ == fitted.config_
    np.testing.assert_array_equal(loaded.weights_, fitted.weights_)
    np.testing.assert_array_equal(loaded.transform(digits.test_images[:30]), before)


def test_two_networks_with_different_configs_in_one_process(fitted, digits):
    images = digits.test_images[:30]
    first = fitted.transform(images)
    # the demo's network (100 neurons; its build is shared with the README and notebook tests)
    cfg = stdp.load_config("experiments/digits.toml", ["train.n_examples=60"])
    other = stdp.Network(cfg).fit(digits.train_images[:60])
    theirs = other.transform(images)
    assert theirs.shape == (30, 100)
    # the first network reloads its own build and gives exactly what it gave before
    np.testing.assert_array_equal(fitted.transform(images), first)
    np.testing.assert_array_equal(other.transform(images), theirs)


def test_pipeline_reproduces_the_results_folder(tmp_path, digits):
    """fit_transform draws on the labelling stream, transform on the test stream: same counts."""
    metrics, run_dir = experiment.run_experiment(None, SMALL, out=tmp_path / "run", stream=None)
    cfg = stdp.load_config(None, SMALL)
    network = stdp.Network(cfg)
    label_counts = network.fit_transform(digits.train_images[:120])
    with np.load(run_dir / "label_counts.npz") as z:
        np.testing.assert_array_equal(label_counts, z["counts"])
    with np.load(run_dir / "test_counts.npz") as z:
        np.testing.assert_array_equal(network.transform(digits.test_images[:60]), z["counts"])
    model = make_pipeline(stdp.Network(cfg), stdp.NeuronLabeller(n_classes=10))
    model.fit(digits.train_images[:120], digits.train_labels[:120])
    assert model.score(digits.test_images[:60], digits.test_labels[:60]) == metrics["accuracy"]


def test_cross_validation_of_both_readouts(digits):
    cfg = stdp.load_config(None, SMALL)
    images, labels = digits.train_images[:300], digits.train_labels[:300]
    vote = cross_val_score(
        make_pipeline(stdp.Network(cfg), stdp.NeuronLabeller()), images, labels, cv=3
    )
    linear = cross_val_score(
        make_pipeline(stdp.Network(cfg), LogisticRegression(max_iter=2000)), images, labels, cv=3
    )
    assert vote.shape == linear.shape == (3,)
    # 20 neurons after 120 examples: well above chance (10 %) with either readout
    assert vote.mean() > 0.3 and linear.mean() > 0.3


def test_bad_images_are_refused(fitted):
    with pytest.raises(ValueError, match=r"\[0, 255\]"):
        fitted.transform(-np.ones((2, 8, 8)))
    with pytest.raises(ValueError, match="NaN"):
        fitted.transform(np.full((2, 64), np.nan))
    with pytest.raises(ValueError, match="64"):
        fitted.transform(np.zeros((2, 7, 7), dtype=np.uint8))
    with pytest.raises(ValueError, match="shape"):
        fitted.transform(np.zeros(64, dtype=np.uint8))
    with pytest.raises(NotFittedError):
        stdp.Network().transform(np.zeros((2, 64), dtype=np.uint8))
    with pytest.raises(stdp.ConfigError):
        stdp.Network({"network.n_exc": -3}).fit(np.zeros((2, 64), dtype=np.uint8))
