"""The one decline decision: calibrated confidence, names lower it but never decide alone."""
from __future__ import annotations

import math

import pytest

from assistant.decline import DeclinePolicy, Evidence, calibrate_threshold


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_confidence_is_the_sigmoid_of_the_stronger_signal():
    policy = DeclinePolicy()
    assert policy.confidence(Evidence(True, best_unit=-3.0, best_passage=1.0)) == pytest.approx(sigmoid(1.0))
    assert policy.confidence(Evidence(True, best_unit=2.0, best_passage=-1.0)) == pytest.approx(sigmoid(2.0))


def test_answers_at_and_above_the_threshold_only():
    policy = DeclinePolicy(min_confidence=0.5)
    assert policy.decide(Evidence(True, best_unit=0.0)).answer
    assert not policy.decide(Evidence(True, best_unit=-0.01)).answer


def test_no_answer_unit_means_decline():
    decision = DeclinePolicy().decide(Evidence(True, best_unit=None, best_passage=9.0))
    assert not decision.answer and decision.confidence == 0.0 and decision.reason


def test_unmatched_names_lower_confidence_by_the_penalty_pro_rata():
    policy = DeclinePolicy(unmatched_name_penalty=2.0)  # explicit: the test pins the arithmetic
    half = Evidence(True, best_unit=1.0, names=("Dropbox", "Acme"), unmatched_names=("Dropbox",))
    assert policy.confidence(half) == pytest.approx(sigmoid(0.0))


def test_an_unmatched_name_never_decides_alone():
    """Strong evidence is answered although the question's only name appears nowhere in it."""
    evidence = Evidence(True, best_unit=6.0, names=("Dropbox",), unmatched_names=("Dropbox",))
    assert DeclinePolicy().decide(evidence).answer


def test_a_named_document_raises_confidence_by_its_prior():
    policy = DeclinePolicy(named_prior_logits=1.0)
    assert policy.confidence(Evidence(True, best_unit=0.0, named_document=True)) == pytest.approx(sigmoid(1.0))


def test_by_default_a_named_document_answers_a_clause_the_cross_encoder_scores_at_minus_three():
    """The default prior (3 logits) offsets what the document's words in the question used to add:
    a governing-law clause scored -3 against "Which country's laws apply to the license?"."""
    clause = Evidence(True, best_unit=-3.0, named_document=True)
    assert DeclinePolicy().decide(clause).answer
    assert not DeclinePolicy().decide(Evidence(True, best_unit=-3.0)).answer


def test_by_default_a_unit_naming_the_kind_of_the_product_asked_about_answers_at_minus_one_and_a_half():
    """The default kind bonus (2 logits): "Personal cloud drives ... must not be used" scored -1.5
    for a question about Dropbox is answered; the same score without the kind is not."""
    assert DeclinePolicy().decide(Evidence(True, best_unit=-1.5, kind_matched=True)).answer
    assert not DeclinePolicy().decide(Evidence(True, best_unit=-1.5)).answer


def test_without_the_reranker_the_dense_threshold_applies():
    policy = DeclinePolicy(min_dense_similarity=0.6)
    assert policy.decide(Evidence(False, best_unit=0.61)).answer
    assert not policy.decide(Evidence(False, best_unit=0.59)).answer


def test_the_reason_names_missing_names_when_none_matched():
    decision = DeclinePolicy().decide(Evidence(True, best_unit=-6.0, names=("Tesla",), unmatched_names=("Tesla",)))
    assert "Tesla" in decision.reason


@pytest.mark.parametrize("bad", [{"min_confidence": 0.0}, {"min_confidence": 1.0}, {"unmatched_name_penalty": -1.0}])
def test_invalid_parameters_are_refused(bad):
    with pytest.raises(ValueError):
        DeclinePolicy(**bad)


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_calibration_takes_the_middle_of_the_separating_range_on_the_logit_scale():
    points = [(0.1, False), (0.2, False), (0.7, True), (0.9, True)]
    threshold, answered, refused = calibrate_threshold(points, log_odds=True)
    assert (answered, refused) == (1.0, 1.0)
    assert logit(threshold) == pytest.approx((logit(0.2) + logit(0.7)) / 2)


def test_calibration_without_the_reranker_takes_the_middle_on_the_cosine_scale():
    points = [(0.40, False), (0.60, True), (0.62, True)]
    threshold, _, _ = calibrate_threshold(points, log_odds=False)
    assert threshold == pytest.approx(0.50)


def test_calibration_trades_one_error_for_balanced_accuracy():
    # One unanswerable question scores above two answerable ones: declining it would cost two.
    points = [(0.1, False), (0.8, False), (0.6, True), (0.7, True), (0.9, True)]
    threshold, answered, refused = calibrate_threshold(points, log_odds=True)
    assert (answered, refused) == (1.0, 0.5)
    assert threshold < 0.6


def test_each_tenth_of_dense_similarity_above_the_center_adds_its_logits():
    from assistant.decline import DENSE_CENTER

    policy = DeclinePolicy(dense_logits_per_tenth=1.5)
    at_center = policy.confidence(Evidence(True, best_unit=-1.0, best_dense=DENSE_CENTER))
    above = policy.confidence(Evidence(True, best_unit=-1.0, best_dense=DENSE_CENTER + 0.2))
    assert at_center == pytest.approx(sigmoid(-1.0))
    assert above == pytest.approx(sigmoid(-1.0 + 3.0))
