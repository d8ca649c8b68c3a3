"""Tests for stdp.evaluation: metrics and the end-of-run summary."""

import json
import math
import warnings

import numpy as np
import pytest

from stdp.evaluation import (
    accuracy,
    confusion_matrix,
    evaluate,
    evaluate_with_labeller,
    mean_and_sd,
    per_class_accuracy,
)
from stdp.labelling import NeuronLabeller


def test_confusion_matrix_exact_and_minus_one_in_no_column():
    y_true = [0, 0, 1, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 1, 2, 0, -1]
    matrix = confusion_matrix(y_true, y_pred, 3)
    assert matrix.dtype == np.int64
    np.testing.assert_array_equal(
        matrix,
        [
            [1, 1, 0],
            [0, 2, 0],
            [1, 0, 1],  # the -1 prediction for a class-2 example is in no column
        ],
    )
    assert matrix.sum() == 6


def test_confusion_matrix_rejects_out_of_range_and_mismatched_lengths():
    with pytest.raises(ValueError, match=r"y_true must lie in 0\.\.2"):
        confusion_matrix([0, 3], [0, 1], 3)
    with pytest.raises(ValueError, match=r"y_pred must lie in -1\.\.2"):
        confusion_matrix([0, 1], [0, -2], 3)
    with pytest.raises(ValueError, match="y_true has 2 entries but y_pred has 3"):
        confusion_matrix([0, 1], [0, 1, 1], 3)


def test_per_class_accuracy_nan_for_missing_class():
    result = per_class_accuracy([0, 0, 2, 2], [0, 1, 2, -1], 3)
    assert result[0] == 0.5
    assert math.isnan(result[1])
    assert result[2] == 0.5  # the -1 prediction counts as wrong


def test_accuracy_counts_minus_one_as_wrong():
    assert accuracy([0, 1, 2, 0], [0, -1, 2, -1]) == 0.5
    assert accuracy([1], [-1]) == 0.0
    assert accuracy(np.array([3, 4]), np.array([3, 4])) == 1.0


def test_accuracy_rejects_empty_and_mismatched():
    with pytest.raises(ValueError, match="empty"):
        accuracy([], [])
    with pytest.raises(ValueError, match="same length"):
        accuracy([0, 1], [0])
    with pytest.raises(ValueError, match="y_pred must be class indices or -1"):
        accuracy([0, 1], [0, -5])


def test_mean_and_sd_known_values():
    mean, sd = mean_and_sd([1.0, 2.0, 3.0, 4.0])
    assert mean == 2.5
    assert sd == pytest.approx(math.sqrt(5 / 3))  # sample SD, ddof=1
    assert mean_and_sd([0.9]) == (0.9, 0.0)
    assert mean_and_sd([2, 2, 2]) == (2.0, 0.0)
    with pytest.raises(ValueError, match="empty"):
        mean_and_sd([])


def _labelling_and_test_sets(rng):
    """3 classes, 6 neurons (two per class); counts noisy but class-selective."""
    n_classes, per_class = 3, 2
    preferred = np.repeat(np.arange(n_classes), per_class)

    def make(labels):
        base = np.where(preferred[None, :] == labels[:, None], 6.0, 1.0)
        return rng.poisson(base)

    labels_label = np.tile(np.arange(n_classes), 10)
    labels_test = np.tile(np.arange(n_classes), 8)
    return make(labels_label), labels_label, make(labels_test), labels_test


def test_evaluate_returns_consistent_json_serialisable_numbers():
    rng = np.random.default_rng(1)
    counts_label, labels_label, counts_test, labels_test = _labelling_and_test_sets(rng)
    results, labeller = evaluate_with_labeller(
        counts_label, labels_label, counts_test, labels_test, n_classes=3
    )
    assert isinstance(labeller, NeuronLabeller)
    json.dumps(results, allow_nan=False)  # strict JSON

    pred = labeller.predict(counts_test)
    assert np.all(pred >= 0)  # so the trace identity below must hold
    matrix = np.array(results["confusion_matrix"])
    assert matrix.shape == (3, 3)
    assert matrix.sum() == len(labels_test)
    assert results["accuracy"] == pytest.approx(np.trace(matrix) / matrix.sum())
    assert results["accuracy"] == pytest.approx(labeller.score(counts_test, labels_test))
    assert results["accuracy_proportion"] == pytest.approx(
        labeller.score(counts_test, labels_test, method="proportion")
    )
    np.testing.assert_allclose(results["per_class_accuracy"], np.diag(matrix) / matrix.sum(axis=1))
    assert results["n_assigned_neurons"] == int(np.sum(labeller.assignments_ >= 0))
    assert results["neurons_per_class"] == labeller.n_neurons_per_class_.tolist()
    assert sum(results["neurons_per_class"]) == results["n_assigned_neurons"]
    assert results["n_label"] == 30
    assert results["n_test"] == 24
    assert results["n_neurons"] == 6
    assert evaluate(counts_label, labels_label, counts_test, labels_test, n_classes=3) == results


def test_evaluate_hand_built_with_missing_test_class_and_silent_neuron():
    # Labelling: neuron 0 -> class 0, neuron 1 -> class 1, neuron 2 silent.
    counts_label = np.array([[5, 0, 0], [0, 5, 0]])
    labels_label = np.array([0, 1])
    # Test set has only class 0 examples: one right, one predicted 1.
    counts_test = np.array([[3, 1, 0], [0, 2, 9]])
    labels_test = np.array([0, 0])
    results = evaluate(counts_label, labels_label, counts_test, labels_test, n_classes=2)
    assert results["accuracy"] == 0.5
    assert results["accuracy_proportion"] == 0.5
    assert results["confusion_matrix"] == [[1, 1], [0, 0]]
    assert results["per_class_accuracy"] == [0.5, None]  # class 1 absent from the test set
    assert results["n_assigned_neurons"] == 2
    assert results["neurons_per_class"] == [1, 1]
    json.dumps(results, allow_nan=False)


def test_evaluate_with_no_assigned_neurons_scores_zero():
    results = evaluate(np.zeros((2, 3)), [0, 1], np.ones((2, 3)), [0, 1], n_classes=2)
    assert results["accuracy"] == 0.0
    assert results["accuracy_proportion"] == 0.0
    assert results["confusion_matrix"] == [[0, 0], [0, 0]]  # -1 predictions in no column
    assert results["n_assigned_neurons"] == 0


def test_evaluate_rejects_mismatched_neurons_and_empty_test_set():
    with pytest.raises(ValueError, match="counts has 2 columns but the labeller was fitted on 3"):
        evaluate(np.ones((2, 3)), [0, 1], np.ones((2, 2)), [0, 1], n_classes=2)
    with pytest.raises(ValueError, match="empty"):
        evaluate(np.ones((2, 3)), [0, 1], np.ones((0, 3)), [], n_classes=2)


def test_single_class_metrics_without_sklearn_warning():
    # scikit-learn warns about a 1 x 1 confusion matrix even when labels are given.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(confusion_matrix([0, 0, 0], [0, -1, 0], 1), [[2]])
        np.testing.assert_allclose(per_class_accuracy([0, 0, 0], [0, -1, 0], 1), [2 / 3])


def test_empty_inputs_give_zero_matrix_and_nan_accuracy_per_class():
    np.testing.assert_array_equal(confusion_matrix([], [], 2), np.zeros((2, 2)))
    assert np.all(np.isnan(per_class_accuracy([], [], 2)))


def _noisy_counts(rng, n):
    """Poisson counts of 500 neurons, each a little more active for class 1 than class 0."""
    labels = np.arange(n) % 2
    return rng.poisson(2.0 + 0.2 * labels[:, None], size=(n, 500)), labels


def test_the_readouts_c_is_chosen_on_held_out_training_counts():
    from stdp.evaluation import READOUT_C_GRID, choose_readout_c, linear_readout

    rng = np.random.default_rng(0)
    train, train_labels = _noisy_counts(rng, 200)
    test, test_labels = _noisy_counts(rng, 2000)
    best, scores = choose_readout_c(train, train_labels)
    tried = sorted(scores)
    assert tried == sorted(READOUT_C_GRID)[: len(tried)] and best in tried
    assert scores[best] == max(scores.values())
    # ties go to the smaller C
    assert best == min(c for c, s in scores.items() if s == scores[best])
    if len(tried) < len(READOUT_C_GRID):  # stopped: two values in a row no better than the best
        assert best < tried[-2] and max(scores[c] for c in tried[-2:]) <= scores[best]
    # 500 weak features and 160 examples to fit: C = 1 overfits, a stronger penalty less
    assert best < 1.0
    auto, c = linear_readout(train, train_labels, test, test_labels, c="auto")
    plain, c1 = linear_readout(train, train_labels, test, test_labels, c=1.0)
    assert c == best and c1 == 1.0 and auto > plain
    # the test counts play no part in the choice
    _, c_again = linear_readout(train, train_labels, test[::-1], test_labels, c="auto")
    assert c_again == best


def test_too_few_examples_per_class_to_hold_some_out_falls_back_to_c_1():
    from stdp.evaluation import linear_readout

    rng = np.random.default_rng(0)
    counts, labels = _noisy_counts(rng, 16)  # 8 per class
    assert linear_readout(counts, labels, counts, labels, c="auto")[1] == 1.0
    assert np.isnan(linear_readout(counts, np.zeros(16, int), counts, labels, c="auto")[0])
