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

Errors in the arrays passed (wrong shape, negative or non-finite counts,
labels out of range, mismatched lengths, a column count different from the
fitted one) raise :class:`ValueError` naming the argument; predicting with an
unfitted :class:`NeuronLabeller` raises :class:`NotFittedError`.

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

__all__ = [
    "METHODS",
    "NotFittedError",
    "NeuronLabeller",
    "assign_labels",
    "all_activity",
    "proportion_weighting",
]

#: Names of the prediction rules accepted by :class:`NeuronLabeller`.
METHODS: tuple[str, ...] = ("all_activity", "proportion")


class NotFittedError(ValueError, AttributeError):
    """A :class:`NeuronLabeller` was used before :meth:`NeuronLabeller.fit`.

    Subclasses both :class:`ValueError` and :class:`AttributeError`, like
    scikit-learn's ``NotFittedError``.
    """


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
    if method not in METHODS:
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
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, but it contains NaN or infinite values")
    if np.any(arr < 0):
        raise ValueError(
            f"{name} must be non-negative spike counts, but its minimum is {arr.min()}"
        )
    return arr


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


class NeuronLabeller:
    """Label neurons on a labelling set, then classify spike counts by voting.

    Follows scikit-learn's estimator conventions: ``__init__`` only stores its
    arguments (they are validated in :meth:`fit`), :meth:`fit` returns
    ``self``, and learned attributes end in ``_`` and exist only after
    :meth:`fit`.

    Parameters
    ----------
    n_classes : int, default 10
        Number of classes; labels lie in ``0..n_classes-1``.
    method : {"all_activity", "proportion"}, default "all_activity"
        Default prediction rule: the paper's mean activity of each class's
        neurons, or BindsNET's proportion weighting. Can be overridden per call.

    Attributes
    ----------
    assignments_ : ndarray of int64, shape (n_neurons,)
        Class of each neuron, ``-1`` for neurons silent on the labelling set.
    class_rates_ : ndarray of float64, shape (n_classes, n_neurons)
        Mean count per class; NaN rows for classes absent from the labelling set.
    proportions_ : ndarray of float64, shape (n_neurons, n_classes)
        Each neuron's class rates normalised to sum to 1 (0 for silent neurons).
    n_neurons_per_class_ : ndarray of int64, shape (n_classes,)
        Number of neurons assigned to each class.
    classes_ : ndarray of int64, shape (n_classes,)
        ``arange(n_classes)``.
    n_neurons_ : int
        Number of neurons (columns of ``counts``) seen in :meth:`fit`.

    See Also
    --------
    assign_labels, all_activity, proportion_weighting
    """

    def __init__(self, n_classes: int = 10, method: str = "all_activity") -> None:
        self.n_classes = n_classes
        self.method = method

    # -- scikit-learn style parameter access -------------------------------

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Return the constructor parameters as a dict."""
        return {"n_classes": self.n_classes, "method": self.method}

    def set_params(self, **params: Any) -> NeuronLabeller:
        """Set constructor parameters; returns ``self``."""
        for key, value in params.items():
            if key not in ("n_classes", "method"):
                raise ValueError(f"invalid parameter {key!r} for NeuronLabeller")
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        return f"NeuronLabeller(n_classes={self.n_classes!r}, method={self.method!r})"

    # -- fitting and prediction --------------------------------------------

    def fit(self, counts: ArrayLike, labels: ArrayLike) -> NeuronLabeller:
        """Assign every neuron a class from the labelling-set responses.

        Parameters
        ----------
        counts : ndarray, shape (n_examples, n_neurons)
            Spike counts on the labelling set (finite, non-negative).
        labels : ndarray, shape (n_examples,)
            Classes of the labelling examples, integers in ``0..n_classes-1``.

        Returns
        -------
        NeuronLabeller
            ``self``, fitted.

        Raises
        ------
        ValueError
            If ``n_classes`` or ``method`` is invalid or the arrays are malformed.
        """
        n_classes = _check_n_classes(self.n_classes)
        _check_method(self.method)
        assignments, class_rates, proportions = assign_labels(counts, labels, n_classes)
        self.assignments_ = assignments
        self.class_rates_ = class_rates
        self.proportions_ = proportions
        self.n_neurons_per_class_ = _neurons_per_class(assignments, n_classes)
        self.classes_ = np.arange(n_classes, dtype=np.int64)
        self.n_neurons_ = int(assignments.shape[0])
        return self

    def _check_fitted_counts(self, counts: ArrayLike) -> np.ndarray:
        if not hasattr(self, "assignments_"):
            raise NotFittedError(
                "This NeuronLabeller instance is not fitted yet; call fit(counts, labels) "
                "before using it to predict"
            )
        arr = _check_counts(counts)
        if arr.shape[1] != self.n_neurons_:
            raise ValueError(
                f"counts has {arr.shape[1]} columns but the labeller was fitted on "
                f"{self.n_neurons_} neurons"
            )
        return arr

    def decision_function(self, counts: ArrayLike, method: str | None = None) -> np.ndarray:
        """Score every class for every example.

        Parameters
        ----------
        counts : ndarray, shape (n_examples, n_neurons)
            Spike counts to classify, with the fitted number of neurons.
        method : {"all_activity", "proportion"}, optional
            Prediction rule; defaults to the ``method`` given at construction.

        Returns
        -------
        ndarray of float64, shape (n_examples, n_classes)
            Class scores; ``-inf`` for classes with no assigned neurons.

        Raises
        ------
        NotFittedError
            If :meth:`fit` has not been called.
        ValueError
            If ``counts`` is malformed or has the wrong number of columns, or
            ``method`` is unknown.
        """
        arr = self._check_fitted_counts(counts)
        method = _check_method(self.method if method is None else method)
        proportions = self.proportions_ if method == "proportion" else None
        return _scores(arr, self.assignments_, len(self.classes_), proportions)

    def predict(self, counts: ArrayLike, method: str | None = None) -> np.ndarray:
        """Predict the class of every example.

        Parameters
        ----------
        counts : ndarray, shape (n_examples, n_neurons)
            Spike counts to classify, with the fitted number of neurons.
        method : {"all_activity", "proportion"}, optional
            Prediction rule; defaults to the ``method`` given at construction.

        Returns
        -------
        ndarray of int64, shape (n_examples,)
            Highest-scoring class (lowest index on ties); ``-1`` for every
            example if no neuron was assigned in :meth:`fit`.

        Raises
        ------
        NotFittedError
            If :meth:`fit` has not been called.
        ValueError
            If ``counts`` is malformed or has the wrong number of columns, or
            ``method`` is unknown.
        """
        return _argmax_predictions(self.decision_function(counts, method))

    def score(self, counts: ArrayLike, labels: ArrayLike, method: str | None = None) -> float:
        """Return the classification accuracy on ``counts`` and ``labels``.

        Parameters
        ----------
        counts : ndarray, shape (n_examples, n_neurons)
            Spike counts to classify, with the fitted number of neurons.
        labels : ndarray, shape (n_examples,)
            True classes, integers in ``0..n_classes-1``.
        method : {"all_activity", "proportion"}, optional
            Prediction rule; defaults to the ``method`` given at construction.

        Returns
        -------
        float
            Fraction of examples predicted correctly (``-1`` predictions are wrong).

        Raises
        ------
        NotFittedError
            If :meth:`fit` has not been called.
        ValueError
            If the arrays are malformed, of different lengths or empty.
        """
        pred = self.predict(counts, method)
        labels_arr = _check_labels(labels, pred.shape[0], len(self.classes_))
        if labels_arr.size == 0:
            raise ValueError("counts and labels are empty; accuracy is undefined")
        return float(np.mean(pred == labels_arr))
