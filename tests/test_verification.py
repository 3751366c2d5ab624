"""Generated sentences checked against the passages they cite, with the real cross-encoder."""
from __future__ import annotations

import pytest

from assistant.prompting import NO_ANSWER
from assistant.verification import VerificationPolicy, Verifier, split_cited

OWNERSHIP = (
    "Title: Invention Policy | Version: 3.0 | p. 4 | Section: 4. Ownership\n"
    "All inventions conceived by employees in the course of their employment belong to the company. "
    "Employees must report each invention to the IP office within thirty (30) days of conception."
)
OPEN_SOURCE = (
    "Title: Open Source Policy | Version: 2.0 | p. 9 | Section: 17. FAQ\n"
    "Putting company code on a personal GitHub account, even in a private repository, is a breach of this policy."
)
SHOWN = {1: OWNERSHIP, 2: OPEN_SOURCE}


@pytest.fixture(scope="module")
def verifier(reranker):
    return Verifier(reranker)


@pytest.mark.parametrize(
    "reply, expected",
    [
        ("A rule. [1] Another rule. [2]", [("A rule.", (1,)), ("Another rule.", (2,))]),
        ("A rule [1]. Another rule [2].", [("A rule.", (1,)), ("Another rule.", (2,))]),
        ("A rule [1][2].", [("A rule.", (1, 2))]),
        ("A rule [1, 2].", [("A rule.", (1, 2))]),
        ("- A rule [1]\n- Another rule [2]", [("A rule", (1,)), ("Another rule", (2,))]),
        ("Answer: A rule [1].", [("A rule.", (1,))]),
        ("A rule with no source.", [("A rule with no source.", ())]),
    ],
)
def test_sentences_and_their_citations_are_parsed(reply, expected):
    assert split_cited(reply) == expected


def test_a_sentence_copied_from_its_passage_is_kept(verifier):
    reply = "All inventions conceived by employees in the course of their employment belong to the company. [1]"
    result = verifier.verify(reply, SHOWN)
    assert [s.text for s in result.kept] == [
        "All inventions conceived by employees in the course of their employment belong to the company."
    ]


def test_a_faithful_paraphrase_with_the_passages_figures_is_kept(verifier):
    result = verifier.verify("Employees have to report an invention to the IP office within 30 days [1].", SHOWN)
    assert len(result.kept) == 1


def test_a_citation_of_a_passage_not_given_removes_the_sentence(verifier):
    result = verifier.verify("Inventions belong to the company [7].", SHOWN)
    assert result.kept == [] and "[7]" in result.unsupported[0].problems[0]


def test_a_sentence_without_a_citation_is_removed(verifier):
    result = verifier.verify("Inventions belong to the company.", SHOWN)
    assert result.unsupported[0].problems == ("cites no passage",)


@pytest.mark.parametrize(
    "reply, fact",
    [
        ("Employees must report each invention to the IP office within 90 days of conception [1].", "90 days"),
        ("Employees must report each invention to the IP office within thirty (30) days and receive EUR 500 [1].", "EUR 500"),
        ("Employees must report each invention on Form IP-9 within thirty (30) days [1].", "IP-9"),
    ],
)
def test_a_fabricated_figure_removes_the_sentence(verifier, reply, fact):
    result = verifier.verify(reply, SHOWN)
    assert result.kept == [] and fact in result.unsupported[0].problems[0]


def test_a_sentence_its_passage_does_not_support_is_removed(verifier):
    result = verifier.verify("Putting company code on a personal GitHub account is a breach of policy [1].", SHOWN)
    assert result.kept == [] and "not supported" in result.unsupported[0].problems[-1]


def test_the_no_answer_reply_is_recognised(verifier):
    assert verifier.verify(f" {NO_ANSWER}", SHOWN).no_answer


def test_kept_and_removed_sentences_are_told_apart(verifier):
    reply = (
        "Putting company code on a personal GitHub account, even in a private repository, is a breach of this policy. [2] "
        "Employees receive a bonus of EUR 5,000 for each patent [1]."
    )
    result = verifier.verify(reply, SHOWN)
    assert [s.cited for s in result.kept] == [(2,)] and [s.cited for s in result.unsupported] == [(1,)]


def test_the_support_threshold_is_the_calibrated_value():
    """benchmarks/calibrate_support.py: 99th percentile of other-document scores on the sample corpus."""
    assert VerificationPolicy().min_support == -0.75


def test_the_threshold_separates_a_copy_from_a_wrong_passage(reranker):
    threshold = VerificationPolicy().min_support
    sentence = "Putting company code on a personal GitHub account, even in a private repository, is a breach of this policy."
    assert reranker.score(sentence, [OPEN_SOURCE])[0] >= threshold > reranker.score(sentence, [OWNERSHIP])[0]
