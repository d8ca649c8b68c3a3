"""Label excitatory neurons by their responses and classify by voting.

After unsupervised training the network is frozen and a labelling set (by
default the whole training set) is presented once more. The spike counts of
the excitatory neurons form a matrix ``counts`` of shape
``(n_examples, n_neurons)``. Following Diehl & Cook (2015), §2.6:

1. **Assignment.** For every class ``c`` the mean response of each neuron over
   the labelling examples of class ``c`` is computed (sum of counts divided by
   the number of examples of class ``c``). Each neuron is assigned the class of
   its highest *mean* response (the mean, not the sum, so unequal class sizes
   do not bias the assignment).
2. **Prediction ("all activity", the paper's rule).** For a new example the
   score of class ``c`` is the mean spike count of the neurons assigned to
   ``c``; the prediction is the class with the highest score.

A second rule, **proportion weighting** (BindsNET's ``proportion_weighting``,
Hazan et al. 2018), weights each neuron's count by the fraction of its
labelling-set response that belonged to its assigned class:
``proportions[n, c] = class_rates[c, n] / sum_k class_rates[k, n]`` and the
score of class ``c`` is ``sum over neurons n assigned to c of
counts[:, n] * proportions[n, c]``, divided by the number of neurons assigned
to ``c``.

Conventions (and how they differ from the original code)
--------------------------------------------------------
* **Silent neurons** -- neurons with zero spikes over the whole labelling set,
  so that every class mean is 0 -- are **unassigned** and get the label
  ``-1``; they take part in no vote. Their row of ``proportions`` is all 0.
  The original training script (``Diehl&Cook_spiking_MNIST.py``) starts from
  ``np.zeros(n_e)`` and so silently labels them ``0``; its evaluation script
  starts from ``-1``. Here it is always ``-1``.
* **Classes absent from the labelling set** have no mean: their row of
  ``class_rates`` is NaN, they are never assigned a neuron and their
  proportion is 0. The original ``get_new_assignments`` skips the division for
  an empty class but still compares the *previous* class's ``rate`` array,
  effectively reusing it; that bug is not reproduced.
* **Classes with no assigned neurons** score ``-inf`` and therefore never win a
  prediction, even when every other score is 0 (an example that evoked no
  spikes). The original ``get_recognized_number_ranking`` gives them a score of
  0, so they can win ties with silent examples.
* **Ties** are broken towards the **lowest class index**, both in assignment
  (as in the original, whose strict ``>`` keeps the first maximum) and in
  prediction (the original ranks classes with a reversed ``np.argsort``, which
  for ten classes picks the highest tied index). An example with no spikes at
  all therefore gets the lowest class index that has at least one neuron.
* **No neuron assigned at all** (e.g. a labelling set with no spikes): every
  class scores ``-inf`` and every prediction is ``-1``, which
  :func:`stdp.evaluation.accuracy` counts as wrong.

The functional API works on class indices ``0..n_classes-1``;
:class:`NeuronLabeller` is a scikit-learn classifier on top of it that also
takes labels of any type (indexed as by :class:`~sklearn.preprocessing.LabelEncoder`)
and predicts labels from its ``classes_``. Bad arrays (wrong shape, negative or
non-finite counts, labels out of range, mismatched lengths, a column count
different from the fitted one) raise :class:`ValueError` naming the argument;
an unfitted :class:`NeuronLabeller` raises scikit-learn's ``NotFittedError``.

References
----------
Diehl, P. U. & Cook, M. (2015). Unsupervised learning of digit recognition
using spike-timing-dependent plasticity. Front. Comput. Neurosci. 9:99, §2.6.

Hazan, H. et al. (2018). BindsNET: A machine learning-oriented spiking neural
networks library in Python. Front. Neuroinform. 12:89.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import Tags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

__all__ = [
    "METHODS",
    "NotFittedError",
    "NeuronLabeller",
    "assign_labels",
    "all_activity",
    "proportion_weighting",
]

#: Names of the prediction rules accepted by :class:`NeuronLabeller`.
METHODS: tuple[str, ...] = ("all_activity", "proportion_weighting")

#: Older spellings of :data:`METHODS`, still accepted.
_METHOD_ALIASES: dict[str, str] = {"proportion": "proportion_weighting"}


# --------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------


def _check_n_classes(n_classes: Any) -> int:
    if isinstance(n_classes, bool) or not isinstance(n_classes, int | np.integer):
        raise ValueError(f"n_classes must be a positive integer, got {n_classes!r}")
    if n_classes < 1:
        raise ValueError(f"n_classes must be a positive integer, got {n_classes!r}")
    return int(n_classes)


def _check_method(method: Any) -> str:
    """Return the canonical name of a prediction rule (aliases resolved)."""
    if isinstance(method, str) and method in _METHOD_ALIASES:
        return _METHOD_ALIASES[method]
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    return method


def _check_counts(counts: ArrayLike, name: str = "counts") -> np.ndarray:
    """Return ``counts`` as a 2-D float64 array, checking it is finite and >= 0."""
    arr = np.asarray(counts)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_examples, n_neurons), "
            f"got an array with {arr.ndim} dimension(s) and shape {arr.shape}"
        )
    if arr.dtype == bool or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise ValueError(f"{name} must hold real numbers (spike counts), got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    _check_finite_non_negative(arr, name)
    return arr


def _check_finite_non_negative(arr: np.ndarray, name: str, whom: str | None = None) -> None:
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, but it contains NaN or infinite values")
    if np.any(arr < 0):
        where = f" (Negative values in data passed to {whom})" if whom else ""
        raise ValueError(
            f"{name} must be non-negative spike counts, but its minimum is {arr.min()}{where}"
        )


def _check_int_vector(values: ArrayLike, name: str) -> np.ndarray:
    """Return ``values`` as a 1-D int64 array (integral floats are accepted)."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array, got an array with {arr.ndim} dimension(s) "
            f"and shape {arr.shape}"
        )
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype == bool:
        raise ValueError(f"{name} must hold integers, got dtype bool")
    if np.issubdtype(arr.dtype, np.integer):
        return arr.astype(np.int64, copy=False)
    if np.issubdtype(arr.dtype, np.floating) and np.all(np.isfinite(arr)):
        if np.all(arr == np.round(arr)):
            return arr.astype(np.int64)
    raise ValueError(f"{name} must hold integers, got dtype {arr.dtype} with non-integer values")


def _check_labels(labels: ArrayLike, n_examples: int, n_classes: int) -> np.ndarray:
    arr = _check_int_vector(labels, "labels")
    if arr.shape[0] != n_examples:
        raise ValueError(
            f"labels has {arr.shape[0]} entries but counts has {n_examples} rows; "
            "they must have the same length"
        )
    if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
        bad = arr[(arr < 0) | (arr >= n_classes)][0]
        raise ValueError(
            f"labels must lie in 0..{n_classes - 1} (n_classes={n_classes}), found {bad}"
        )
    return arr


def _check_assignments(assignments: ArrayLike, n_neurons: int, n_classes: int) -> np.ndarray:
    arr = _check_int_vector(assignments, "assignments")
    if arr.shape[0] != n_neurons:
        raise ValueError(
            f"assignments has {arr.shape[0]} entries but counts has {n_neurons} columns "
            "(one assignment per neuron expected)"
        )
    if arr.size and (arr.min() < -1 or arr.max() >= n_classes):
        bad = arr[(arr < -1) | (arr >= n_classes)][0]
        raise ValueError(
            f"assignments must lie in -1..{n_classes - 1} (-1 = unassigned, "
            f"n_classes={n_classes}), found {bad}"
        )
    return arr


def _check_proportions(proportions: ArrayLike, n_neurons: int, n_classes: int) -> np.ndarray:
    arr = np.asarray(proportions, dtype=np.float64)
    if arr.shape != (n_neurons, n_classes):
        raise ValueError(
            f"proportions must have shape (n_neurons, n_classes) = ({n_neurons}, {n_classes}), "
            f"got {arr.shape}"
        )
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError("proportions must be finite and non-negative")
    return arr


# --------------------------------------------------------------------------
# core computations (inputs already validated)
# --------------------------------------------------------------------------


def _assign(
    counts: np.ndarray, labels: np.ndarray, n_classes: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n_neurons = counts.shape[1]
    class_sizes = np.bincount(labels, minlength=n_classes)
    sums = np.zeros((n_classes, n_neurons), dtype=np.float64)
    np.add.at(sums, labels, counts)
    class_rates = np.full((n_classes, n_neurons), np.nan)
    present = class_sizes > 0
    class_rates[present] = sums[present] / class_sizes[present, None]

    # Absent classes (NaN) can never be the maximum; argmax keeps the first
    # (lowest-index) maximum, so ties go to the lowest class index.
    comparable = np.where(present[:, None], class_rates, -np.inf)
    best = np.argmax(comparable, axis=0) if n_neurons else np.zeros(0, dtype=np.int64)
    best_rate = comparable[best, np.arange(n_neurons)]
    # Silent neuron: zero mean response in every present class (or no class present).
    assignments = np.where(best_rate > 0, best, -1).astype(np.int64)

    rates0 = np.where(present[:, None], class_rates, 0.0).T  # (n_neurons, n_classes)
    totals = rates0.sum(axis=1, keepdims=True)
    proportions = np.divide(rates0, totals, out=np.zeros_like(rates0), where=totals > 0)
    return assignments, class_rates, proportions


def _neurons_per_class(assignments: np.ndarray, n_classes: int) -> np.ndarray:
    return np.bincount(assignments[assignments >= 0], minlength=n_classes).astype(np.int64)


def _scores(
    counts: np.ndarray,
    assignments: np.ndarray,
    n_classes: int,
    proportions: np.ndarray | None,
) -> np.ndarray:
    """Class scores, shape (n_examples, n_classes); -inf for classes with no neurons."""
    n_neurons = counts.shape[1]
    weights = np.zeros((n_neurons, n_classes), dtype=np.float64)
    assigned = np.flatnonzero(assignments >= 0)
    if proportions is None:
        weights[assigned, assignments[assigned]] = 1.0
    else:
        weights[assigned, assignments[assigned]] = proportions[assigned, assignments[assigned]]
    n_per_class = _neurons_per_class(assignments, n_classes)
    summed = counts @ weights
    scores = np.full(summed.shape, -np.inf)
    np.divide(summed, n_per_class[None, :], out=scores, where=n_per_class[None, :] > 0)
    return scores


def _argmax_predictions(scores: np.ndarray) -> np.ndarray:
    """Argmax over classes (lowest index on ties); -1 where every score is -inf."""
    if scores.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    pred = np.argmax(scores, axis=1).astype(np.int64)
    pred[np.all(np.isneginf(scores), axis=1)] = -1
    return pred


# --------------------------------------------------------------------------
# public functional API (BindsNET style)
# --------------------------------------------------------------------------


def assign_labels(
    counts: ArrayLike, labels: ArrayLike, n_classes: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Assign each neuron the class of its highest mean response.

    Parameters
    ----------
    counts : ndarray, shape (n_examples, n_neurons)
        Spike counts of the excitatory neurons on the labelling set (finite,
        non-negative).
    labels : ndarray, shape (n_examples,)
        True classes of the labelling examples, integers in ``0..n_classes-1``.
    n_classes : int
        Number of classes.

    Returns
    -------
    assignments : ndarray of int64, shape (n_neurons,)
        Class of each neuron; ``-1`` for neurons silent on the whole labelling
        set. Ties go to the lowest class index.
    class_rates : ndarray of float64, shape (n_classes, n_neurons)
        Mean count of each neuron over the examples of each class; NaN rows for
        classes absent from the labelling set.
    proportions : ndarray of float64, shape (n_neurons, n_classes)
        ``class_rates`` transposed and normalised to sum to 1 over classes
        (absent classes count as 0); all-zero rows for silent neurons.

    Raises
    ------
    ValueError
        If ``counts`` is not 2-D, finite and non-negative, if ``labels`` is not
        a 1-D integer array of the same length with values in range, or if
        ``n_classes`` is not a positive integer.
    """
    n_classes = _check_n_classes(n_classes)
    counts_arr = _check_counts(counts)
    labels_arr = _check_labels(labels, counts_arr.shape[0], n_classes)
    return _assign(counts_arr, labels_arr, n_classes)


def all_activity(counts: ArrayLike, assignments: ArrayLike, n_classes: int) -> np.ndarray:
    """Predict classes by the mean count of each class's neurons (Diehl & Cook 2015).

    Parameters
    ----------
    counts : ndarray, shape (n_examples, n_neurons)
        Spike counts to classify (finite, non-negative).
    assignments : ndarray, shape (n_neurons,)
        Class of each neuron, ``-1`` for unassigned (as from :func:`assign_labels`).
    n_classes : int
        Number of classes.

    Returns
    -------
    ndarray of int64, shape (n_examples,)
        Predicted classes. Classes with no assigned neurons never win; ties go
        to the lowest class index; ``-1`` everywhere if no neuron is assigned.

    Raises
    ------
    ValueError
        If the arrays have the wrong shape or values out of range.
    """
    n_classes = _check_n_classes(n_classes)
    counts_arr = _check_counts(counts)
    assign_arr = _check_assignments(assignments, counts_arr.shape[1], n_classes)
    return _argmax_predictions(_scores(counts_arr, assign_arr, n_classes, None))


def proportion_weighting(
    counts: ArrayLike, assignments: ArrayLike, proportions: ArrayLike, n_classes: int
) -> np.ndarray:
    """Predict classes by proportion-weighted counts (BindsNET, Hazan et al. 2018).

    Parameters
    ----------
    counts : ndarray, shape (n_examples, n_neurons)
        Spike counts to classify (finite, non-negative).
    assignments : ndarray, shape (n_neurons,)
        Class of each neuron, ``-1`` for unassigned (as from :func:`assign_labels`).
    proportions : ndarray, shape (n_neurons, n_classes)
        Per-neuron class proportions (as from :func:`assign_labels`).
    n_classes : int
        Number of classes.

    Returns
    -------
    ndarray of int64, shape (n_examples,)
        Predicted classes: for class ``c``, the sum over neurons ``n`` assigned
        to ``c`` of ``counts[:, n] * proportions[n, c]``, divided by the number
        of such neurons; classes with no neurons never win, ties go to the
        lowest index, ``-1`` everywhere if no neuron is assigned.

    Raises
    ------
    ValueError
        If the arrays have the wrong shape or values out of range.
    """
    n_classes = _check_n_classes(n_classes)
    counts_arr = _check_counts(counts)
    n_neurons = counts_arr.shape[1]
    assign_arr = _check_assignments(assignments, n_neurons, n_classes)
    prop_arr = _check_proportions(proportions, n_neurons, n_classes)
    return _argmax_predictions(_scores(counts_arr, assign_arr, n_classes, prop_arr))


# --------------------------------------------------------------------------
# estimator
# --------------------------------------------------------------------------

#: scikit-learn estimator checks that do not apply to :class:`NeuronLabeller`,
#: with the reason (for ``check_estimator(..., expected_failed_checks=...)``).
EXPECTED_FAILED_CHECKS: dict[str, str] = {}


def _shape(values: Any) -> tuple[int, ...]:
    """Shape of an array-like without copying arrays, data frames or sparse matrices."""
    shape = getattr(values, "shape", None)
    return tuple(np.asarray(values).shape if shape is None else shape)


def _check_2d(X: Any) -> tuple[int, ...]:
    """Reject anything but a 2-D ``counts`` with the package's message; return its shape."""
    shape = _shape(X)
    if len(shape) != 2:
        raise ValueError(
            "counts must be a 2-D array of shape (n_examples, n_neurons), got an array "
            f"with {len(shape)} dimension(s) and shape {shape}. Reshape your data: "
            "counts.reshape(1, -1) for a single example"
        )
    return shape


class NeuronLabeller(ClassifierMixin, BaseEstimator):
    """Label neurons on a labelling set, then classify spike counts by voting.

    A scikit-learn classifier (Diehl & Cook 2015, §2.6). :meth:`fit` assigns
    every neuron (column of ``X``) the class of its highest mean spike count
    over the labelling examples; :meth:`predict` scores each class by the
    activity of the neurons assigned to it and returns the best class. See
    :mod:`stdp.labelling` for the exact rules (silent neurons, absent classes,
    ties).

    Parameters
    ----------
    n_classes : int or None, default None
        Fixes the classes to the integers ``0..n_classes-1``: labels must lie
        in that range and classes absent from the labelling set are kept (they
        get no neuron and are never predicted), as in the paper. With None the
        classes are the sorted distinct labels seen in :meth:`fit`, of any type
        (integers, strings, ...), as :class:`~sklearn.preprocessing.LabelEncoder`
        finds them.
    method : {"all_activity", "proportion_weighting"}, default "all_activity"
        Default prediction rule: ``"all_activity"`` is the paper's vote (the
        mean count of the neurons assigned to each class);
        ``"proportion_weighting"`` (BindsNET) weights each neuron's count by the
        fraction of its labelling-set response that belonged to its class. The
        older spelling ``"proportion"`` is accepted. Can be overridden per call
        of :meth:`predict`, :meth:`decision_function`, :meth:`class_scores`
        and :meth:`score`.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels; ``arange(n_classes)`` (int64) when ``n_classes`` is given.
    assignments_ : ndarray of int64, shape (n_neurons,)
        Index into ``classes_`` of each neuron's class; ``-1`` for neurons
        that never fired on the labelling set.
    class_rates_ : ndarray of float64, shape (n_classes, n_neurons)
        Mean count per class; NaN rows for classes absent from the labelling set.
    proportions_ : ndarray of float64, shape (n_neurons, n_classes)
        Each neuron's class rates normalised to sum to 1 (0 for silent neurons).
    n_neurons_per_class_ : ndarray of int64, shape (n_classes,)
        Number of neurons assigned to each class.
    n_features_in_ : int
        Number of neurons (columns of ``X``) seen in :meth:`fit`.
    n_neurons_ : int
        Same as ``n_features_in_``.
    feature_names_in_ : ndarray of str, shape (n_features_in_,)
        Column names, only when ``X`` in :meth:`fit` had string column names.

    See Also
    --------
    assign_labels, all_activity, proportion_weighting

    Notes
    -----
    ``X`` holds spike counts: dense (sparse raises :class:`TypeError`), finite
    and non-negative (tag ``input_tags.positive_only``; negative input raises
    :class:`ValueError`). If no neuron fired on the labelling set, no class
    can win and :meth:`predict` returns ``-1`` (counted wrong by :meth:`score`),
    or raises :class:`ValueError` if ``-1`` cannot mean "no class" (non-numeric
    classes, or ``-1`` is a class). There is no ``predict_proba``: the scores
    are mean spike counts, not probabilities.

    ``check_estimator(NeuronLabeller())`` passes with no expected failures
    (:data:`EXPECTED_FAILED_CHECKS` is empty). The tag
    ``classifier_tags.poor_score`` is set: 2 neurons (the features of
    scikit-learn's test data) cannot vote well for 3 classes.

    Examples
    --------
    Two neurons, each firing for one class; labels may be strings:

    >>> import numpy as np
    >>> from stdp.labelling import NeuronLabeller
    >>> counts = np.array([[5, 0], [4, 1], [0, 6], [1, 3]])
    >>> labels = np.array(["cat", "cat", "dog", "dog"])
    >>> labeller = NeuronLabeller().fit(counts, labels)
    >>> labeller.classes_
    array(['cat', 'dog'], dtype='<U3')
    >>> labeller.assignments_
    array([0, 1])
    >>> labeller.predict(np.array([[2, 0], [1, 7]]))
    array(['cat', 'dog'], dtype='<U3')

    Fixing the classes keeps a class with no labelling examples (it never
    wins), and the labeller works with scikit-learn's tools:

    >>> labeller = NeuronLabeller(n_classes=3).fit(counts, [0, 0, 1, 1])
    >>> labeller.n_neurons_per_class_
    array([1, 1, 0])
    >>> from sklearn.model_selection import cross_val_score
    >>> cross_val_score(NeuronLabeller(), np.tile(counts, (3, 1)), np.tile(labels, 3), cv=3)
    array([1., 1., 1.])
    """

    def __init__(self, n_classes: int | None = None, method: str = "all_activity") -> None:
        self.n_classes = n_classes
        self.method = method

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.classifier_tags.poor_score = True
        return tags

    def fit(self, X: ArrayLike, y: ArrayLike) -> NeuronLabeller:
        """Assign every neuron a class from the labelling-set responses.

        Parameters
        ----------
        X : array-like, shape (n_examples, n_neurons)
            Spike counts on the labelling set (finite, non-negative).
        y : array-like, shape (n_examples,)
            Labels of the labelling examples: integers in ``0..n_classes-1``
            when ``n_classes`` is given, else any classification labels.

        Returns
        -------
        NeuronLabeller
            ``self``, fitted.

        Raises
        ------
        ValueError
            If ``n_classes`` or ``method`` is invalid, the arrays are malformed
            or of different lengths, ``X`` is negative or not finite, or the
            labels are not valid classes.
        TypeError
            If ``X`` is sparse.
        """
        n_classes = None if self.n_classes is None else _check_n_classes(self.n_classes)
        _check_method(self.method)
        n_rows = _check_2d(X)[0]
        if y is not None:  # None: validate_data says that y is required
            y_shape = _shape(y)
            if len(y_shape) != 1 and not (len(y_shape) == 2 and y_shape[1] == 1):
                raise ValueError(
                    f"labels must be a 1-D array, got an array with {len(y_shape)} "
                    f"dimension(s) and shape {y_shape}"
                )
            if y_shape[0] != n_rows:
                raise ValueError(
                    f"labels has {y_shape[0]} entries but counts has {n_rows} rows; "
                    "they must have the same length"
                )
        X, y = validate_data(self, X, y, dtype=np.float64, ensure_all_finite=False)
        _check_finite_non_negative(X, "counts", "NeuronLabeller.fit")
        if n_classes is None:
            check_classification_targets(y)
            encoder = LabelEncoder().fit(y)
            classes = encoder.classes_
            indices = encoder.transform(y).astype(np.int64, copy=False)
        else:
            classes = np.arange(n_classes, dtype=np.int64)
            indices = _check_labels(y, X.shape[0], n_classes)
        assignments, class_rates, proportions = _assign(X, indices, len(classes))
        self.classes_ = classes
        self.assignments_ = assignments
        self.class_rates_ = class_rates
        self.proportions_ = proportions
        self.n_neurons_per_class_ = _neurons_per_class(assignments, len(classes))
        self.n_neurons_ = int(self.n_features_in_)
        return self

    def _validate_counts(self, X: ArrayLike) -> np.ndarray:
        check_is_fitted(self)
        n_columns = _check_2d(X)[1]
        if n_columns != self.n_features_in_:
            raise ValueError(
                f"counts has {n_columns} columns but the labeller was fitted on "
                f"{self.n_features_in_} neurons (X has {n_columns} features, but "
                f"NeuronLabeller is expecting {self.n_features_in_} features as input)"
            )
        X = validate_data(self, X, reset=False, dtype=np.float64, ensure_all_finite=False)
        _check_finite_non_negative(X, "counts", "NeuronLabeller")
        return X

    def class_scores(self, X: ArrayLike, method: str | None = None) -> np.ndarray:
        """Score every class for every example.

        Parameters
        ----------
        X : array-like, shape (n_examples, n_neurons)
            Spike counts to classify, with the fitted number of neurons.
        method : {"all_activity", "proportion_weighting"}, optional
            Prediction rule; defaults to the ``method`` given at construction.

        Returns
        -------
        ndarray of float64, shape (n_examples, n_classes)
            Score of each class in ``classes_``; ``-inf`` for classes with no
            assigned neurons.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before :meth:`fit`.
        ValueError
            If ``X`` is malformed or has the wrong width, or ``method`` is unknown.
        """
        X = self._validate_counts(X)
        method = _check_method(self.method if method is None else method)
        proportions = self.proportions_ if method == "proportion_weighting" else None
        return _scores(X, self.assignments_, len(self.classes_), proportions)

    def decision_function(self, X: ArrayLike, method: str | None = None) -> np.ndarray:
        """Class scores in scikit-learn's shape for decision functions.

        Parameters
        ----------
        X : array-like, shape (n_examples, n_neurons)
            Spike counts to classify, with the fitted number of neurons.
        method : {"all_activity", "proportion_weighting"}, optional
            Prediction rule; defaults to the ``method`` given at construction.

        Returns
        -------
        ndarray of float64, shape (n_examples,) or (n_examples, n_classes)
            With two classes, ``score(classes_[1]) - score(classes_[0])``
            (positive: ``classes_[1]`` wins; ties go to ``classes_[0]``; NaN if
            no neuron was assigned at all). Otherwise :meth:`class_scores`.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before :meth:`fit`.
        ValueError
            If ``X`` is malformed or has the wrong width, or ``method`` is unknown.
        """
        scores = self.class_scores(X, method)
        if scores.shape[1] != 2:
            return scores
        with np.errstate(invalid="ignore"):  # -inf - -inf: no neuron at all -> NaN
            return scores[:, 1] - scores[:, 0]

    def predict(self, X: ArrayLike, method: str | None = None) -> np.ndarray:
        """Predict the class of every example.

        Parameters
        ----------
        X : array-like, shape (n_examples, n_neurons)
            Spike counts to classify, with the fitted number of neurons.
        method : {"all_activity", "proportion_weighting"}, optional
            Prediction rule; defaults to the ``method`` given at construction.

        Returns
        -------
        ndarray, shape (n_examples,)
            Highest-scoring class from ``classes_`` (the first in ``classes_``
            on ties); ``-1`` for every example if no neuron was assigned in
            :meth:`fit`.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If :meth:`fit` has not been called.
        ValueError
            If ``X`` is malformed or has the wrong number of columns,
            ``method`` is unknown, or no neuron was assigned and ``-1`` cannot
            stand for "no class" (see Notes of :class:`NeuronLabeller`).
        """
        indices = _argmax_predictions(self.class_scores(X, method))
        if indices.size == 0 or indices.min() >= 0:
            return self.classes_[indices]
        classes = self.classes_
        if classes.dtype.kind not in "iuf" or np.any(classes == -1):
            raise ValueError(
                "no neuron was assigned a class in fit (none fired on the labelling set), "
                "and -1 cannot mark 'no class' among these classes"
            )
        return np.where(indices >= 0, classes[np.maximum(indices, 0)], np.int64(-1))

    def score(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        method: str | None = None,
    ) -> float:
        """Return the classification accuracy on ``X`` and ``y``.

        Parameters
        ----------
        X : array-like, shape (n_examples, n_neurons)
            Spike counts to classify, with the fitted number of neurons.
        y : array-like, shape (n_examples,)
            True labels (integers in ``0..n_classes-1`` when ``n_classes`` is given).
        sample_weight : array-like, shape (n_examples,), optional
            Weights of the examples.
        method : {"all_activity", "proportion_weighting"}, optional
            Prediction rule; defaults to the ``method`` given at construction.

        Returns
        -------
        float
            Fraction of examples predicted correctly
            (:func:`sklearn.metrics.accuracy_score`; ``-1`` predictions are wrong).

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If :meth:`fit` has not been called.
        ValueError
            If the arrays are malformed, of different lengths or empty.
        """
        pred = self.predict(X, method)
        if self.n_classes is not None:
            truth = _check_labels(y, pred.shape[0], len(self.classes_))
        else:
            truth = column_or_1d(y)
            check_consistent_length(truth, pred)
        return float(accuracy_score(truth, pred, sample_weight=sample_weight))
