"""Tests for stdp.labelling: neuron assignment and the two voting rules."""

import re

import numpy as np
import pytest
import sklearn.exceptions
from sklearn.base import clone, is_classifier
from sklearn.model_selection import cross_val_score

from stdp.labelling import (
    NeuronLabeller,
    NotFittedError,
    all_activity,
    assign_labels,
    proportion_weighting,
)

# Hand-built labelling set: 3 classes of unequal size (class 0: 4 examples,
# class 1: 1 example, class 2: 2 examples) and 5 neurons.
#   n0: fires only for class 0                         -> class 0
#   n1: sum 4 for class 0 (1 per example) but sum 3 for class 1 (one example),
#       so the sums prefer class 0 while the means (1 vs 3) prefer class 1
#   n2: silent                                         -> -1
#   n3: mean 1 for class 1, mean (1+3)/2 = 2 for class 2 -> class 2
#   n4: mean 2 for class 1 and mean (1+3)/2 = 2 for class 2: a tie -> class 1
LABELS = np.array([0, 0, 0, 0, 1, 2, 2])
COUNTS = np.array(
    [
        [2, 1, 0, 0, 0],
        [2, 1, 0, 0, 0],
        [2, 1, 0, 0, 0],
        [2, 1, 0, 0, 0],
        [0, 3, 0, 1, 2],
        [0, 0, 0, 1, 1],
        [0, 0, 0, 3, 3],
    ]
)
EXPECTED_RATES = np.array(
    [
        [2.0, 1.0, 0.0, 0.0, 0.0],
        [0.0, 3.0, 0.0, 1.0, 2.0],
        [0.0, 0.0, 0.0, 2.0, 2.0],
    ]
)
EXPECTED_ASSIGNMENTS = np.array([0, 1, -1, 2, 1])
# Each neuron's rates divided by their sum over classes.
EXPECTED_PROPORTIONS = np.array(
    [
        [1.0, 0.0, 0.0],
        [0.25, 0.75, 0.0],
        [0.0, 0.0, 0.0],
        [0.0, 1 / 3, 2 / 3],
        [0.0, 0.5, 0.5],
    ]
)


def test_assign_labels_uses_means_not_sums_and_leaves_silent_neurons_unassigned():
    assignments, rates, proportions = assign_labels(COUNTS, LABELS, 3)
    # Sanity check of the fixture: the per-class *sums* would put n1 in class 0.
    sums = np.stack([COUNTS[LABELS == c].sum(axis=0) for c in range(3)])
    assert np.argmax(sums[:, 1]) == 0
    assert assignments.dtype == np.int64
    np.testing.assert_array_equal(assignments, EXPECTED_ASSIGNMENTS)
    np.testing.assert_allclose(rates, EXPECTED_RATES)
    np.testing.assert_allclose(proportions, EXPECTED_PROPORTIONS)


def test_fit_sets_learned_attributes_only_in_fit():
    labeller = NeuronLabeller(n_classes=3)
    assert not hasattr(labeller, "assignments_")
    assert labeller.fit(COUNTS, LABELS) is labeller
    np.testing.assert_array_equal(labeller.assignments_, EXPECTED_ASSIGNMENTS)
    np.testing.assert_allclose(labeller.class_rates_, EXPECTED_RATES)
    np.testing.assert_allclose(labeller.proportions_, EXPECTED_PROPORTIONS)
    np.testing.assert_array_equal(labeller.n_neurons_per_class_, [1, 2, 1])
    np.testing.assert_array_equal(labeller.classes_, [0, 1, 2])
    assert labeller.n_neurons_ == 5


def test_init_does_not_validate_but_fit_does():
    labeller = NeuronLabeller(n_classes=0, method="bogus")  # no error here
    with pytest.raises(ValueError, match="n_classes"):
        labeller.fit(COUNTS, LABELS)
    with pytest.raises(ValueError, match="method"):
        NeuronLabeller(n_classes=3, method="bogus").fit(COUNTS, LABELS)


def test_absent_class_has_nan_rates_and_never_gets_neurons():
    # Same data with a 4th class that has no labelling examples.
    labeller = NeuronLabeller(n_classes=4).fit(COUNTS, LABELS)
    assert np.all(np.isnan(labeller.class_rates_[3]))
    np.testing.assert_allclose(labeller.class_rates_[:3], EXPECTED_RATES)
    np.testing.assert_array_equal(labeller.assignments_, EXPECTED_ASSIGNMENTS)
    np.testing.assert_array_equal(labeller.n_neurons_per_class_, [1, 2, 1, 0])
    np.testing.assert_allclose(labeller.proportions_[:, 3], 0.0)
    scores = labeller.decision_function(np.array([[0, 0, 0, 0, 0], [9, 9, 9, 9, 9]]))
    assert np.all(np.isneginf(scores[:, 3]))


def test_absent_middle_class_does_not_reuse_previous_class_rates():
    # Class 1 absent; the original code would compare class 0's rates again.
    counts = np.array([[5, 0], [0, 5]])
    labels = np.array([0, 2])
    assignments, rates, _ = assign_labels(counts, labels, 3)
    assert np.all(np.isnan(rates[1]))
    np.testing.assert_array_equal(assignments, [0, 2])


def test_class_without_neurons_never_wins_even_when_all_scores_are_zero():
    # Only classes 1 and 2 are in the labelling set, so class 0 has no neurons.
    counts = np.array([[4, 0], [0, 4]])
    labels = np.array([1, 2])
    labeller = NeuronLabeller(n_classes=3).fit(counts, labels)
    np.testing.assert_array_equal(labeller.assignments_, [1, 2])
    silent_example = np.zeros((1, 2))
    scores = labeller.decision_function(silent_example)
    # Class 0: no neurons -> -inf; classes 1 and 2: 0 spikes / 1 neuron = 0.
    np.testing.assert_array_equal(scores, [[-np.inf, 0.0, 0.0]])
    # Tie between 1 and 2 goes to the lowest index with neurons: 1, never 0.
    for method in ("all_activity", "proportion"):
        np.testing.assert_array_equal(labeller.predict(silent_example, method=method), [1])
    np.testing.assert_array_equal(all_activity(silent_example, [1, 2], 3), [1])


def test_no_assigned_neurons_predicts_minus_one():
    labeller = NeuronLabeller(n_classes=3).fit(np.zeros((4, 3)), [0, 1, 2, 0])
    np.testing.assert_array_equal(labeller.assignments_, [-1, -1, -1])
    np.testing.assert_array_equal(labeller.n_neurons_per_class_, [0, 0, 0])
    np.testing.assert_array_equal(labeller.proportions_, np.zeros((3, 3)))
    test_counts = np.array([[1, 2, 3], [0, 0, 0]])
    assert np.all(np.isneginf(labeller.decision_function(test_counts)))
    np.testing.assert_array_equal(labeller.predict(test_counts), [-1, -1])
    np.testing.assert_array_equal(labeller.predict(test_counts, method="proportion"), [-1, -1])
    assert labeller.score(test_counts, [0, 1]) == 0.0


# Labelling set where the two rules disagree: 2 classes, 3 neurons.
#   class 0 example: [6, 0, 0]; class 1 example: [4, 2, 2]
#   rates: class 0 = [6, 0, 0], class 1 = [4, 2, 2] -> assignments [0, 1, 1]
#   proportions: n0 = [6/10, 4/10], n1 = [0, 1], n2 = [0, 1]
# Test example [3, 4, 0]:
#   all activity: class 0 = 3 / 1 = 3.0, class 1 = (4 + 0) / 2 = 2.0   -> 0
#   proportion:   class 0 = 3 * 0.6 / 1 = 1.8, class 1 = (4*1 + 0*1) / 2 = 2.0 -> 1
RULE_COUNTS = np.array([[6, 0, 0], [4, 2, 2]])
RULE_LABELS = np.array([0, 1])
RULE_TEST = np.array([[3, 4, 0]])


def test_all_activity_and_proportion_weighting_disagree_as_computed_by_hand():
    labeller = NeuronLabeller(n_classes=2).fit(RULE_COUNTS, RULE_LABELS)
    np.testing.assert_array_equal(labeller.assignments_, [0, 1, 1])
    np.testing.assert_allclose(labeller.proportions_, [[0.6, 0.4], [0.0, 1.0], [0.0, 1.0]])
    np.testing.assert_allclose(labeller.class_scores(RULE_TEST), [[3.0, 2.0]])
    np.testing.assert_allclose(labeller.class_scores(RULE_TEST, method="proportion"), [[1.8, 2.0]])
    # Two classes: scikit-learn's decision function is score(class 1) - score(class 0).
    np.testing.assert_allclose(labeller.decision_function(RULE_TEST), [-1.0])
    np.testing.assert_allclose(
        labeller.decision_function(RULE_TEST, method="proportion_weighting"), [0.2]
    )
    np.testing.assert_array_equal(labeller.predict(RULE_TEST), [0])
    np.testing.assert_array_equal(labeller.predict(RULE_TEST, method="proportion"), [1])
    # The constructor's method is the default for predict.
    proportion_labeller = NeuronLabeller(n_classes=2, method="proportion")
    proportion_labeller.fit(RULE_COUNTS, RULE_LABELS)
    np.testing.assert_array_equal(proportion_labeller.predict(RULE_TEST), [1])
    assert labeller.score(RULE_TEST, [0]) == 1.0
    assert labeller.score(RULE_TEST, [0], method="proportion") == 0.0


def test_functional_api_matches_estimator():
    assignments, _, proportions = assign_labels(RULE_COUNTS, RULE_LABELS, 2)
    pred = all_activity(RULE_TEST, assignments, 2)
    pred_prop = proportion_weighting(RULE_TEST, assignments, proportions, 2)
    assert pred.dtype == np.int64 and pred_prop.dtype == np.int64
    np.testing.assert_array_equal(pred, [0])
    np.testing.assert_array_equal(pred_prop, [1])


def test_prediction_on_fixture_matches_hand_computed_scores():
    labeller = NeuronLabeller(n_classes=3).fit(COUNTS, LABELS)
    x = np.array([[1, 2, 7, 3, 0]])
    # class 0: n0 -> 1/1 = 1; class 1: (n1 + n4) / 2 = (2 + 0) / 2 = 1; class 2: n3 = 3.
    # The silent neuron n2 (7 spikes here) votes for nobody.
    np.testing.assert_allclose(labeller.decision_function(x), [[1.0, 1.0, 3.0]])
    np.testing.assert_array_equal(labeller.predict(x), [2])
    # Proportion: class 0: 1*1.0 = 1; class 1: (2*0.75 + 0*0.5)/2 = 0.75; class 2: 3*2/3 = 2.
    np.testing.assert_allclose(labeller.decision_function(x, method="proportion"), [[1, 0.75, 2]])


def test_predict_before_fit_raises_not_fitted_error():
    labeller = NeuronLabeller(n_classes=3)
    with pytest.raises(NotFittedError, match="not fitted"):
        labeller.predict(COUNTS)
    with pytest.raises(NotFittedError):
        labeller.decision_function(COUNTS)
    with pytest.raises(NotFittedError):
        labeller.score(COUNTS, LABELS)
    assert issubclass(NotFittedError, ValueError)
    assert issubclass(NotFittedError, AttributeError)


def test_wrong_column_count_raises_with_message():
    rng = np.random.default_rng(0)
    labeller = NeuronLabeller(n_classes=10).fit(
        rng.integers(0, 5, size=(20, 100)), np.arange(20) % 10
    )
    message = "counts has 50 columns but the labeller was fitted on 100 neurons"
    with pytest.raises(ValueError, match=re.escape(message)):
        labeller.predict(np.zeros((3, 50)))


@pytest.mark.parametrize(
    ("counts", "labels", "pattern"),
    [
        (np.array([[1, -1], [0, 2]]), [0, 1], "counts must be non-negative"),
        (np.array([[1, np.nan], [0, 2]]), [0, 1], "counts must be finite"),
        (np.array([1, 2]), [0, 1], "counts must be a 2-D array"),
        (np.array([[1, 2], [0, 2]]), [0, 3], "labels must lie in 0..2"),
        (np.array([[1, 2], [0, 2]]), [-1, 0], "labels must lie in 0..2"),
        (np.array([[1, 2], [0, 2]]), [0, 1, 2], "labels has 3 entries but counts has 2 rows"),
        (np.array([[1, 2], [0, 2]]), [0.5, 1], "labels must hold integers"),
        (np.array([[1, 2], [0, 2]]), [[0, 1]], "labels must be a 1-D array"),
    ],
)
def test_fit_rejects_bad_arrays(counts, labels, pattern):
    with pytest.raises(ValueError, match=pattern):
        NeuronLabeller(n_classes=3).fit(counts, labels)
    with pytest.raises(ValueError, match=pattern):
        assign_labels(counts, labels, 3)


def test_predict_rejects_bad_counts_and_method():
    labeller = NeuronLabeller(n_classes=3).fit(COUNTS, LABELS)
    with pytest.raises(ValueError, match="counts must be non-negative"):
        labeller.predict(-np.ones((1, 5)))
    with pytest.raises(ValueError, match="method must be one of"):
        labeller.predict(np.ones((1, 5)), method="max")
    with pytest.raises(ValueError, match="labels has 2 entries but counts has 1 rows"):
        labeller.score(np.ones((1, 5)), [0, 1])


def test_functional_api_rejects_bad_assignments_and_proportions():
    with pytest.raises(ValueError, match="assignments has 2 entries but counts has 3 columns"):
        all_activity(np.ones((1, 3)), [0, 1], 2)
    with pytest.raises(ValueError, match=r"assignments must lie in -1\.\.1"):
        all_activity(np.ones((1, 2)), [0, 2], 2)
    with pytest.raises(ValueError, match="proportions must have shape"):
        proportion_weighting(np.ones((1, 2)), [0, 1], np.ones((2, 3)), 2)


def test_float_counts_and_integral_float_labels_are_accepted():
    labeller = NeuronLabeller(n_classes=2).fit(RULE_COUNTS.astype(float), [0.0, 1.0])
    np.testing.assert_array_equal(labeller.assignments_, [0, 1, 1])


# -- scikit-learn conventions -------------------------------------------------


def test_is_a_scikit_learn_classifier_with_sklearns_not_fitted_error():
    labeller = NeuronLabeller(n_classes=3, method="proportion_weighting")
    assert is_classifier(labeller)
    assert labeller.__sklearn_tags__().input_tags.positive_only
    assert clone(labeller).get_params() == {"n_classes": 3, "method": "proportion_weighting"}
    assert NotFittedError is sklearn.exceptions.NotFittedError
    with pytest.raises(sklearn.exceptions.NotFittedError):
        labeller.predict(COUNTS)


def test_string_labels_give_sorted_classes_and_label_predictions():
    # The fixture with classes 0, 1, 2 renamed; "a" < "b" < "c" keeps the order.
    names = np.array(["a", "b", "c"])
    labeller = NeuronLabeller().fit(COUNTS, names[LABELS])
    np.testing.assert_array_equal(labeller.classes_, names)
    np.testing.assert_array_equal(labeller.assignments_, EXPECTED_ASSIGNMENTS)  # indices
    x = np.array([[1, 2, 7, 3, 0], [5, 0, 0, 0, 0]])
    np.testing.assert_array_equal(labeller.predict(x), ["c", "a"])
    assert labeller.score(x, ["c", "b"]) == 0.5


def test_labels_not_starting_at_zero_without_n_classes():
    # Labels 10 and 30 only: two classes; with n_classes they would be out of range.
    counts = np.array([[4, 0], [0, 4]])
    labeller = NeuronLabeller().fit(counts, [30, 10])
    np.testing.assert_array_equal(labeller.classes_, [10, 30])
    np.testing.assert_array_equal(labeller.assignments_, [1, 0])
    np.testing.assert_array_equal(labeller.predict(np.array([[9, 1], [0, 2]])), [30, 10])
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.2"):
        NeuronLabeller(n_classes=3).fit(counts, [30, 10])


def test_n_classes_keeps_a_class_absent_from_the_labelling_set():
    # Class 1 absent: without n_classes it does not exist, with it it gets no neuron.
    counts = np.array([[5, 0], [0, 5]])
    fixed = NeuronLabeller(n_classes=3).fit(counts, [0, 2])
    free = NeuronLabeller().fit(counts, [0, 2])
    np.testing.assert_array_equal(fixed.classes_, [0, 1, 2])
    np.testing.assert_array_equal(free.classes_, [0, 2])
    np.testing.assert_array_equal(fixed.n_neurons_per_class_, [1, 0, 1])
    x = np.array([[0, 3], [1, 0], [0, 0]])
    np.testing.assert_array_equal(fixed.predict(x), [2, 0, 0])
    np.testing.assert_array_equal(free.predict(x), [2, 0, 0])


def test_cross_val_score_on_hand_built_counts():
    # 18 examples, labels in the order a, b, c, a, b, c, ...; class k makes neurons
    # 2k and 2k+1 fire 4 spikes. StratifiedKFold(3) puts the 5th and 6th example of
    # each class in the third fold. The 6th "a" example (row 15) looks like a "b":
    # when it is tested it is predicted "b" (5/6 right); in training it only
    # lowers the mean of neurons 2, 3 for "a" to 1, below their mean of 4 for "b".
    names = np.array(["a", "b", "c"])
    codes = np.tile(np.arange(3), 6)
    counts = np.zeros((18, 6), dtype=np.int64)
    for row, k in enumerate(codes):
        counts[row, 2 * k : 2 * k + 2] = 4
    counts[15] = [0, 0, 4, 4, 0, 0]
    scores = cross_val_score(NeuronLabeller(), counts, names[codes], cv=3)
    np.testing.assert_allclose(scores, [1.0, 1.0, 5 / 6])


def test_negative_counts_are_rejected_with_sklearns_wording():
    labeller = NeuronLabeller()
    with pytest.raises(ValueError, match="Negative values in data passed to NeuronLabeller"):
        labeller.fit(np.array([[1.0, -0.5], [0.0, 2.0]]), ["x", "y"])


def test_binary_decision_function_is_the_score_difference():
    labeller = NeuronLabeller().fit(RULE_COUNTS, ["no", "yes"])
    x = np.array([[3, 4, 0], [0, 2, 2], [1, 0, 0], [0, 0, 0]])
    # class scores "no" / "yes": 3 / 2, 0 / 2, 1 / 0, 0 / 0 (a tie -> "no").
    np.testing.assert_allclose(labeller.decision_function(x), [-1.0, 2.0, -1.0, 0.0])
    np.testing.assert_array_equal(labeller.predict(x), ["no", "yes", "no", "no"])
    # The old name of the proportion rule still works.
    np.testing.assert_array_equal(
        labeller.class_scores(x, method="proportion"),
        labeller.class_scores(x, method="proportion_weighting"),
    )


def test_no_assigned_neuron_with_general_labels():
    silent = np.zeros((2, 3))
    binary = NeuronLabeller().fit(silent, [1.0, 2.0])
    assert np.all(np.isnan(binary.decision_function(np.ones((1, 3)))))
    np.testing.assert_array_equal(binary.predict(np.ones((2, 3))), [-1.0, -1.0])
    with pytest.raises(ValueError, match="-1 cannot mark 'no class'"):
        NeuronLabeller().fit(silent, ["x", "y"]).predict(np.ones((1, 3)))
    with pytest.raises(ValueError, match="-1 cannot mark 'no class'"):
        NeuronLabeller().fit(silent, [-1, 1]).predict(np.ones((1, 3)))


def test_unknown_method_lists_the_accepted_names():
    with pytest.raises(ValueError, match=r"\['all_activity', 'proportion_weighting'\]"):
        NeuronLabeller(method="vote").fit(COUNTS, LABELS)
