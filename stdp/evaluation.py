"""Classification metrics and the end-of-run evaluation.

The evaluation follows Diehl & Cook (2015), §2.6: neurons are labelled on the
labelling set (by default the training set) with
:class:`stdp.labelling.NeuronLabeller`, and the test set is classified with the
paper's "all activity" rule; BindsNET's proportion weighting is reported too.
The metrics are scikit-learn's (:func:`sklearn.metrics.accuracy_score`,
:func:`sklearn.metrics.confusion_matrix`, :func:`sklearn.metrics.recall_score`)
behind the package's input checks and conventions.

Conventions (see :mod:`stdp.labelling` for the labelling rules)
---------------------------------------------------------------
* A prediction of ``-1`` ("no prediction": no neuron was assigned at all) is
  always an error. :func:`accuracy` and :func:`per_class_accuracy` count it
  wrong; :func:`confusion_matrix` puts it in no column, so a row of the matrix
  may sum to less than the number of examples of that class.
* Silent labelling neurons are unassigned and do not vote; classes absent from
  the labelling set get no neurons; classes with no neurons never win (the
  original code labels silent neurons 0 in its training script, reuses the
  previous class's rates for an empty class and scores neuron-less classes 0).
* :func:`per_class_accuracy` is NaN for classes absent from ``y_true``; in the
  JSON-ready dict of :func:`evaluate` those entries are ``None`` so that the
  dict serialises as strict JSON.

References
----------
Diehl, P. U. & Cook, M. (2015). Unsupervised learning of digit recognition
using spike-timing-dependent plasticity. Front. Comput. Neurosci. 9:99, §2.6.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn import metrics

from stdp.labelling import (
    NeuronLabeller,
    _check_int_vector,
    _check_n_classes,
    all_activity,
    assign_labels,
)

__all__ = [
    "accuracy",
    "confusion_matrix",
    "per_class_accuracy",
    "evaluate",
    "evaluate_with_labeller",
    "mean_and_sd",
    "linear_readout_accuracy",
    "linear_readout",
    "choose_readout_c",
    "READOUT_C_GRID",
    "update_running_accuracy",
]


def _check_pair(
    y_true: ArrayLike, y_pred: ArrayLike, n_classes: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Validate a pair of label vectors; -1 is allowed in ``y_pred`` only."""
    true = _check_int_vector(y_true, "y_true")
    pred = _check_int_vector(y_pred, "y_pred")
    if true.shape != pred.shape:
        raise ValueError(
            f"y_true has {true.shape[0]} entries but y_pred has {pred.shape[0]}; "
            "they must have the same length"
        )
    if n_classes is None:
        if true.size and true.min() < 0:
            raise ValueError(f"y_true must be non-negative class indices, found {true.min()}")
        if pred.size and pred.min() < -1:
            raise ValueError(
                f"y_pred must be class indices or -1 (no prediction), found {pred.min()}"
            )
    else:
        if true.size and (true.min() < 0 or true.max() >= n_classes):
            bad = true[(true < 0) | (true >= n_classes)][0]
            raise ValueError(
                f"y_true must lie in 0..{n_classes - 1} (n_classes={n_classes}), found {bad}"
            )
        if pred.size and (pred.min() < -1 or pred.max() >= n_classes):
            bad = pred[(pred < -1) | (pred >= n_classes)][0]
            raise ValueError(
                f"y_pred must lie in -1..{n_classes - 1} (-1 = no prediction, "
                f"n_classes={n_classes}), found {bad}"
            )
    return true, pred


def accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Fraction of predictions equal to the true class.

    Parameters
    ----------
    y_true : ndarray, shape (n_examples,)
        True classes (non-negative integers).
    y_pred : ndarray, shape (n_examples,)
        Predicted classes; ``-1`` (no prediction) always counts as wrong.

    Returns
    -------
    float
        Accuracy in ``[0, 1]``.

    Raises
    ------
    ValueError
        If the vectors are not 1-D integer arrays of the same non-zero length,
        or hold values below 0 (``y_true``) or below -1 (``y_pred``).
    """
    true, pred = _check_pair(y_true, y_pred)
    if true.size == 0:
        raise ValueError("y_true and y_pred are empty; accuracy is undefined")
    return float(metrics.accuracy_score(true, pred))


def confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike, n_classes: int) -> np.ndarray:
    """Count (true class, predicted class) pairs.

    Parameters
    ----------
    y_true : ndarray, shape (n_examples,)
        True classes in ``0..n_classes-1``.
    y_pred : ndarray, shape (n_examples,)
        Predicted classes in ``-1..n_classes-1``. Predictions of ``-1`` are in
        no column (they are errors), so row ``i`` sums to the number of
        examples of class ``i`` minus its ``-1`` predictions.
    n_classes : int
        Number of classes.

    Returns
    -------
    ndarray of int64, shape (n_classes, n_classes)
        ``matrix[i, j]`` is the number of examples of true class ``i``
        predicted as class ``j``.

    Raises
    ------
    ValueError
        If the vectors are malformed, of different lengths or out of range.
    """
    n_classes = _check_n_classes(n_classes)
    true, pred = _check_pair(y_true, y_pred, n_classes)
    if true.size == 0:  # scikit-learn refuses empty input
        return np.zeros((n_classes, n_classes), dtype=np.int64)
    # Predictions outside ``labels`` (the -1s) are left out of the matrix. With
    # one class scikit-learn warns about a 1 x 1 matrix although ``labels`` is given.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "A single label was found", UserWarning)
        matrix = metrics.confusion_matrix(true, pred, labels=np.arange(n_classes))
    return matrix.astype(np.int64, copy=False)


def per_class_accuracy(y_true: ArrayLike, y_pred: ArrayLike, n_classes: int) -> np.ndarray:
    """Accuracy on the examples of each true class (recall per class).

    Parameters
    ----------
    y_true : ndarray, shape (n_examples,)
        True classes in ``0..n_classes-1``.
    y_pred : ndarray, shape (n_examples,)
        Predicted classes in ``-1..n_classes-1`` (``-1`` counts as wrong).
    n_classes : int
        Number of classes.

    Returns
    -------
    ndarray of float64, shape (n_classes,)
        Fraction of each class's examples predicted correctly; NaN for classes
        absent from ``y_true``.

    Raises
    ------
    ValueError
        If the vectors are malformed, of different lengths or out of range.
    """
    n_classes = _check_n_classes(n_classes)
    true, pred = _check_pair(y_true, y_pred, n_classes)
    if true.size == 0:  # scikit-learn refuses empty input
        return np.full(n_classes, np.nan)
    recall = metrics.recall_score(
        true, pred, labels=np.arange(n_classes), average=None, zero_division=np.nan
    )
    return np.asarray(recall, dtype=np.float64)


def evaluate_with_labeller(
    counts_label: ArrayLike,
    labels_label: ArrayLike,
    counts_test: ArrayLike,
    labels_test: ArrayLike,
    n_classes: int = 10,
) -> tuple[dict[str, Any], NeuronLabeller]:
    """Label neurons on one set, classify another, and summarise.

    Parameters
    ----------
    counts_label : ndarray, shape (n_label, n_neurons)
        Spike counts on the labelling set.
    labels_label : ndarray, shape (n_label,)
        Classes of the labelling examples.
    counts_test : ndarray, shape (n_test, n_neurons)
        Spike counts on the test set (same neurons).
    labels_test : ndarray, shape (n_test,)
        Classes of the test examples.
    n_classes : int, default 10
        Number of classes.

    Returns
    -------
    results : dict
        JSON-serialisable (strict JSON: no NaN) summary with keys

        - ``"accuracy"`` (float): test accuracy with the paper's "all activity" rule;
        - ``"accuracy_proportion"`` (float): test accuracy with proportion weighting;
        - ``"per_class_accuracy"`` (list of float or None, length n_classes):
          "all activity" accuracy per true class, ``None`` for classes absent
          from the test set;
        - ``"confusion_matrix"`` (list of lists of int, n_classes x n_classes):
          rows = true class, columns = "all activity" prediction, ``-1``
          predictions in no column;
        - ``"n_assigned_neurons"`` (int): neurons with a class (not silent);
        - ``"neurons_per_class"`` (list of int, length n_classes);
        - ``"n_neurons"`` (int): all neurons, assigned or not;
        - ``"n_label"``, ``"n_test"`` (int): sizes of the two sets.
    labeller : NeuronLabeller
        The labeller fitted on the labelling set.

    Raises
    ------
    ValueError
        If any array is malformed, the neuron counts differ, or the test set is empty.
    """
    labeller = NeuronLabeller(n_classes=n_classes, method="all_activity").fit(
        counts_label, labels_label
    )
    n_classes = len(labeller.classes_)
    if np.ndim(labels_test) == 1 and np.shape(labels_test)[0] == 0:
        raise ValueError("counts_test and labels_test are empty; accuracy is undefined")
    pred = labeller.predict(counts_test, method="all_activity")
    pred_prop = labeller.predict(counts_test, method="proportion_weighting")
    true, _ = _check_pair(labels_test, pred, n_classes)
    per_class = per_class_accuracy(true, pred, n_classes)
    results: dict[str, Any] = {
        "accuracy": accuracy(true, pred),
        "accuracy_proportion": accuracy(true, pred_prop),
        "per_class_accuracy": [None if math.isnan(v) else float(v) for v in per_class],
        "confusion_matrix": confusion_matrix(true, pred, n_classes).tolist(),
        "n_assigned_neurons": int(np.count_nonzero(labeller.assignments_ >= 0)),
        "neurons_per_class": [int(v) for v in labeller.n_neurons_per_class_],
        "n_neurons": int(labeller.n_neurons_),
        "n_label": int(np.asarray(labels_label).shape[0]),
        "n_test": int(true.shape[0]),
    }
    return results, labeller


def evaluate(
    counts_label: ArrayLike,
    labels_label: ArrayLike,
    counts_test: ArrayLike,
    labels_test: ArrayLike,
    n_classes: int = 10,
) -> dict[str, Any]:
    """Label neurons on one set, classify another, and summarise.

    Same as :func:`evaluate_with_labeller` but returns only the dict.

    Parameters
    ----------
    counts_label : ndarray, shape (n_label, n_neurons)
        Spike counts on the labelling set.
    labels_label : ndarray, shape (n_label,)
        Classes of the labelling examples.
    counts_test : ndarray, shape (n_test, n_neurons)
        Spike counts on the test set (same neurons).
    labels_test : ndarray, shape (n_test,)
        Classes of the test examples.
    n_classes : int, default 10
        Number of classes.

    Returns
    -------
    dict
        See :func:`evaluate_with_labeller`.
    """
    results, _ = evaluate_with_labeller(
        counts_label, labels_label, counts_test, labels_test, n_classes
    )
    return results


def mean_and_sd(values: ArrayLike) -> tuple[float, float]:
    """Mean and sample standard deviation (``ddof=1``) of repeated results.

    Parameters
    ----------
    values : ndarray, shape (n_values,)
        Finite values, e.g. accuracies of runs with different seeds.

    Returns
    -------
    mean : float
    sd : float
        Sample standard deviation; ``0.0`` when there is a single value.

    Raises
    ------
    ValueError
        If ``values`` is empty, not 1-D or not finite.
    """
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"values must be a 1-D sequence, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError("values is empty; need at least one value")
    if not np.all(np.isfinite(arr)):
        raise ValueError("values must be finite")
    mean = float(arr.mean())
    sd = float(arr.std(ddof=1)) if arr.size > 1 else 0.0
    return mean, sd


#: The values of C (inverse regularisation strength) that ``C="auto"`` chooses from.
READOUT_C_GRID = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)


def _logistic_readout(c: float):
    """Standardised counts -> logistic regression with inverse regularisation ``c``."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    # copy=False: the scaler works on the float64 copies the callers make (one copy
    # of the counts at a time, not two)
    return make_pipeline(StandardScaler(copy=False), LogisticRegression(C=c, max_iter=1000))


def _rows_as_float(counts: np.ndarray, rows: np.ndarray, block: int = 4096) -> np.ndarray:
    """``counts[rows]`` as float64, copied a block of rows at a time (no integer copy of it all)."""
    out = np.empty((rows.shape[0], counts.shape[1]), dtype=float)
    for start in range(0, rows.shape[0], block):
        out[start : start + block] = counts[rows[start : start + block]]
    return out


def choose_readout_c(
    counts: np.ndarray,
    labels: np.ndarray,
    grid: tuple[float, ...] = READOUT_C_GRID,
    held_out: float = 0.2,
    seed: int = 0,
) -> tuple[float, dict[float, float]]:
    """The C of the grid that scores best on a stratified part of the labelling pass held out.

    Only the training images' counts are used: the readout is fitted on
    ``1 - held_out`` of them and scored on the rest, for C from the smallest
    up, each fit starting from the previous one's weights (the weakly
    regularised fits are the slow ones). The search stops once two values in
    a row do no better than the best so far. Ties go to the smaller C (the
    stronger regularisation).

    Returns
    -------
    best : float
    scores : dict
        Held-out accuracy for each C tried.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    labels = np.asarray(labels)
    fit_idx, val_idx = train_test_split(
        np.arange(labels.shape[0]), test_size=held_out, stratify=labels, random_state=seed
    )
    scaler = StandardScaler(copy=False)
    fit_x = scaler.fit_transform(_rows_as_float(counts, fit_idx))
    val_x = scaler.transform(_rows_as_float(counts, val_idx))
    model = LogisticRegression(max_iter=1000, warm_start=True)
    scores: dict[float, float] = {}
    best, worse = None, 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for c in sorted(grid):
            model.set_params(C=c).fit(fit_x, labels[fit_idx])
            scores[c] = float(model.score(val_x, labels[val_idx]))
            if best is None or scores[c] > scores[best]:
                best, worse = c, 0
            else:
                worse += 1
                if worse == 2:
                    break
    return best, scores


def linear_readout_accuracy(
    train_counts: np.ndarray,
    train_labels: np.ndarray,
    test_counts: np.ndarray,
    test_labels,
    c: float | str = "auto",
    seed: int = 0,
) -> float:
    """Accuracy of scikit-learn's logistic regression on standardised spike counts.

    The linear readout of Saunders et al. (2019) and later STDP papers, beside
    the paper's vote: fitted on the labelling pass's counts, scored on the
    test pass's (every presentation of the test set).

    Parameters
    ----------
    c : float or "auto"
        Inverse regularisation strength of the logistic regression
        (scikit-learn's ``C``). ``"auto"``: `choose_readout_c` picks it on a
        fifth of the labelling pass held out (training images only), then the
        readout is fitted on the whole pass.
    seed : int
        The held-out split's seed (``c="auto"``).
    """
    return linear_readout(train_counts, train_labels, test_counts, test_labels, c, seed)[0]


def linear_readout(
    train_counts: np.ndarray,
    train_labels: np.ndarray,
    test_counts: np.ndarray,
    test_labels,
    c: float | str = "auto",
    seed: int = 0,
) -> tuple[float, float]:
    """`linear_readout_accuracy` and the C it used: ``(accuracy, C)``."""
    from sklearn.exceptions import ConvergenceWarning

    train_labels = np.asarray(train_labels)
    if np.unique(train_labels).size < 2:
        return float("nan"), float("nan")
    if c == "auto":
        # a held-out fifth needs two examples of every class; with fewer, scikit-learn's C = 1
        enough = np.unique(train_labels, return_counts=True)[1].min() >= 10
        c = choose_readout_c(train_counts, train_labels, seed=seed)[0] if enough else 1.0
    readout = _logistic_readout(float(c))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        readout.fit(train_counts.astype(float), train_labels)
    return float(readout.score(test_counts.astype(float), test_labels)), float(c)


def update_running_accuracy(block, counts, labels, size, history, first, n_classes) -> None:
    """The paper's Fig. 2C: label neurons on one block of training examples, score the next.

    ``block`` is ``[counts, labels, assignments]``: the counts and labels of
    the block being filled (which started at example ``first - len(counts)``)
    and the assignments made from the previous complete block (first entry
    -2 while there is none). Each scored block appends
    ``(examples seen at its end, accuracy)`` to ``history``.
    """
    start = first - block[0].shape[0]
    block_counts = np.concatenate([block[0], counts])
    block_labels = np.concatenate([block[1], labels])
    while block_counts.shape[0] >= size:
        end = start + size
        now_counts, now_labels = block_counts[:size], block_labels[:size]
        if block[2].size and block[2][0] != -2:
            predicted = all_activity(now_counts, block[2], n_classes)
            history.append((end, float(np.mean(predicted == now_labels))))
        block[2] = assign_labels(now_counts, now_labels, n_classes)[0]
        block_counts, block_labels = block_counts[size:], block_labels[size:]
        start = end
    block[0], block[1] = block_counts, block_labels
