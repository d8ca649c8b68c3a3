"""scikit-learn's estimator checks for stdp.labelling.NeuronLabeller."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from stdp.labelling import EXPECTED_FAILED_CHECKS, NeuronLabeller


@parametrize_with_checks(
    [NeuronLabeller(), NeuronLabeller(method="proportion_weighting")],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
