"""Grounded answers on the sample corpus: cited sentences checked in code, refusals when not covered."""
from __future__ import annotations

import re

import pytest

from assistant.answer import neutralise_markers, verify_citations
from assistant.units import normalise
from assistant.schema import Citation

IN_SCOPE = {
    "Who owns an invention I made on the night shift?": "policies/service-inventions-v3.pdf",
    "How much is the reward when my invention patent is granted?": "policies/service-inventions-v3.pdf",
    "Can I put our code on GitHub?": "policies/open-source-software.pdf",
    "What should I do if I receive a cease-and-desist letter?": "policies/cross-border-ip-disputes.pdf",
}
OUT_OF_SCOPE = [
    "How many vacation days do employees get per year?",
    "How do I reset my VPN password?",
    "What royalty rate does the Tesla and Panasonic battery patent license set?",
    "Where can I park my car at the Baotou site?",
    # The trade-secret policy's title block holds "Corvane" and "Status: Current": no evidence.
    "What is the current share price of Corvane?",
]


@pytest.mark.parametrize("question", sorted(IN_SCOPE))
def test_in_scope_question_gets_a_grounded_cited_answer(sample_assistant, question):
    answer = sample_assistant.ask(question)
    assert answer.grounded, answer.answer
    assert re.search(r"\[\d+\]", answer.answer)
    assert IN_SCOPE[question] in {c.source for c in answer.citations[:3]}


@pytest.mark.parametrize("question", OUT_OF_SCOPE)
def test_out_of_scope_question_is_declined(sample_assistant, question):
    answer = sample_assistant.ask(question)
    assert not answer.grounded, answer.answer
    assert answer.citations == []
    assert "don't cover" in answer.answer and sample_assistant.settings.contact in answer.answer


def test_every_answer_part_stands_in_the_passage_it_cites(sample_assistant):
    answer = sample_assistant.ask("What is the deadline to disclose an invention?")
    citations = {c.n: normalise(c.text) for c in answer.citations}
    pieces = re.findall(r"(.+?) \[(\d+)\](?: \(superseded version\))?(?:\s|$)", answer.answer)
    assert pieces
    for piece, number in pieces:
        assert normalise(piece) in citations[int(number)] or all(
            normalise(part) in citations[int(number)] for part in re.split(r"(?<=:) ", piece)
        )


def test_current_rule_is_answered_from_the_current_version(sample_assistant):
    answer = sample_assistant.ask("Within how many days must I disclose an invention?")
    assert "30 days" in answer.answer
    assert answer.citations[0].source == "policies/service-inventions-v3.pdf"
    assert not answer.citations[0].superseded


def test_a_question_about_an_older_version_is_answered_from_it(sample_assistant):
    """Legal asks what applied before: the superseded text answers, labelled as such, and the
    current version's rule (CNY 6,000) does not."""
    answer = sample_assistant.ask("Under the 2021 version of the inventions policy, what reward did inventors get for a granted invention patent?")
    assert answer.grounded, answer.answer
    assert "3,000" in answer.answer and "6,000" not in answer.answer, answer.answer
    assert "(superseded version)" in answer.answer


def test_citations_are_numbered_best_first_with_pages(sample_assistant):
    answer = sample_assistant.ask("Can I put our code on GitHub?")
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    pdf = [c for c in answer.citations if c.source.endswith(".pdf")]
    assert pdf and all(c.page >= 1 and c.page_end >= c.page for c in pdf)


def test_verify_citations_drops_a_sentence_not_in_its_passage():
    citation = Citation(1, "a.pdf", "A", 1, 1, "", "The reward is CNY 6,000 per patent.", 1.0)
    kept = verify_citations([("The reward is CNY 6,000 per patent.", 1), ("The reward is CNY 9,000.", 1), ("x y z w", 2)], [citation])
    assert kept == [("The reward is CNY 6,000 per patent.", 1)]


def test_document_citation_markers_are_neutralised():
    assert neutralise_markers("See [3] (superseded version) and [12].") == "See (3) (superseded version) and (12)."


def test_empty_question_is_rejected(sample_assistant):
    with pytest.raises(ValueError):
        sample_assistant.ask("   ")


def test_refusal_follows_the_calibrated_threshold(sample_assistant, monkeypatch):
    from dataclasses import replace

    question = "What should I do if I receive a cease-and-desist letter?"
    answered = sample_assistant.ask(question)
    assert answered.grounded and answered.confidence < 1.0
    raised = replace(sample_assistant.decline_policy, min_confidence=(answered.confidence + 1.0) / 2)
    monkeypatch.setattr(sample_assistant, "decline_policy", raised)
    declined = sample_assistant.ask(question)
    assert not declined.grounded and declined.citations == []


def test_naming_a_held_document_raises_confidence(sample_assistant):
    named = sample_assistant.retrieve("What does POL-IP-008 say about insurance?")
    assert named.named.sources
    chosen, decision = sample_assistant.consider(named)
    plain = sample_assistant.evidence(named, chosen)
    from dataclasses import replace

    assert decision.confidence > sample_assistant.decline_policy.confidence(replace(plain, named_document=False))


def test_evidence_that_misses_the_names_in_the_question_lowers_confidence(sample_assistant):
    from dataclasses import replace

    retrieval = sample_assistant.retrieve("How long does the PCT national phase take in Japan for Hoshida patents?")
    chosen, _ = sample_assistant.consider(retrieval)
    evidence = sample_assistant.evidence(retrieval, chosen)
    assert evidence.unmatched_names, evidence
    policy = sample_assistant.decline_policy
    assert policy.confidence(replace(evidence, unmatched_names=())) > policy.confidence(evidence)


def test_evidence_reads_only_the_passages_of_the_document_the_answer_comes_from(sample_assistant):
    from dataclasses import replace

    from assistant.answer import Selection, ScoredUnit
    from assistant.documents import NamedDocuments
    from assistant.retrieval import Retrieval
    from assistant.units import Unit

    found = sample_assistant.retrieve("Can I put our code on GitHub?").passages[0]
    stronger_elsewhere = replace(found, id="other", source="policies/other.pdf", rerank=9.0)
    answering = replace(found, rerank=-2.0)
    retrieval = Retrieval("q", [stronger_elsewhere, answering], NamedDocuments(frozenset(), ()), reranked=True)
    best = ScoredUnit(Unit(("A rule.",), "sentence", "A rule.", 0), 2, -3.0)
    evidence = sample_assistant.evidence(retrieval, Selection([best], best))
    assert (evidence.best_unit, evidence.best_passage) == (-3.0, -2.0)


# Staff questions from the answers issue: the answer states the rule, not a question or a fragment.
STATES_THE_RULE = {
    "We received a letter accusing our magnets of infringing a patent. What do I have to do with it?": ["24 hours"],
    "What bonus do I get when my Chinese invention patent is granted?": ["6,000"],
    "I came up with a better furnace tray design during my night shift. Is the idea mine or the company's?": ["service invention"],
    # The situation first, the question last: found only when the last sentence is read alone too.
    "I don't agree with how the inventor shares were split. How long do I have to appeal?": ["15 days"],
}


@pytest.mark.parametrize("question", sorted(STATES_THE_RULE))
def test_the_answer_states_the_rule_asked_about(sample_assistant, question):
    from assistant.evaluation import has_fragment

    answer = sample_assistant.ask(question)
    assert answer.grounded, answer.answer
    for fact in STATES_THE_RULE[question]:
        assert fact in answer.answer, answer.answer
    assert not has_fragment(answer.answer), answer.answer
    assert "?" not in answer.answer.split("[")[0]  # never the FAQ's or a discussion's question


@pytest.mark.parametrize(
    "question, source",
    [
        ("Can I save customer drawings in my Dropbox?", "policies/trade-secret-protection.pdf"),
        ("Can I send alloy data to a supplier over WeChat?", "policies/trade-secret-protection.pdf"),
        ("Can I paste our sintering parameters into ChatGPT?", "policies/trade-secret-protection.pdf"),
    ],
)
def test_a_brand_the_documents_never_name_is_answered_by_the_rule_for_its_kind(sample_assistant, question, source):
    answer = sample_assistant.ask(question)
    assert answer.grounded, answer.answer
    assert source in {c.source for c in answer.citations[:2]}


@pytest.mark.parametrize(
    "question, source",
    [
        ("Can I paste our sintering parameters into Brainwave Pro, an AI chatbot?", "policies/trade-secret-protection.pdf"),
        ("A competitor, Qilin Magtech, sent us a letter saying our magnets infringe their patent. What should I do?",
         "policies/ip-risk-early-warning.pdf"),
        ("Who owns an invention I made at Zarnovia (our sintering plant) during my shift?", "policies/service-inventions-v3.pdf"),
        ("Who owns an invention I made at the Zarnovia plant during my night shift?", "policies/service-inventions-v3.pdf"),
        ("Can I upload our Lurvik firmware source code to a public repository?", "policies/open-source-software.pdf"),
    ],
)
def test_a_question_naming_something_no_document_holds_is_answered_by_the_rule_that_covers_it(sample_assistant, question, source):
    """Zarnovia, Qilin Magtech and Brainwave Pro appear in no document and in no glossary; each
    question says what it is (assistant/unknown_names.py)."""
    answer = sample_assistant.ask(question)
    assert answer.grounded, answer.answer
    assert source in {c.source for c in answer.citations}


@pytest.mark.parametrize(
    "question",
    [
        "What is the parking fee at Zarnovia airport?",
        "When does the Lurvik canteen open on Sundays?",
        "How many employees does the Zarnovia plant have?",
        "What royalty rate does the Panasonic battery licence set?",
    ],
)
def test_a_question_naming_something_no_document_holds_is_declined_when_nothing_covers_it(sample_assistant, question):
    answer = sample_assistant.ask(question)
    assert not answer.grounded, answer.answer


def test_the_first_source_shown_is_the_one_the_answer_quotes(sample_assistant):
    """Retrieval ranked another page of the policy first (by 1 logit); the answer's own passage
    is shown first once the answer is chosen, and the scores stay best first."""
    answer = sample_assistant.ask("How is my share worked out when the company earns profit from a product using my patent?")
    assert answer.grounded and "[1]" in answer.answer, answer.answer
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    assert [c.score for c in answer.citations] == sorted((c.score for c in answer.citations), reverse=True)


def test_a_followup_is_answered_in_the_context_of_the_conversation(sample_assistant):
    from assistant.followup import Turn

    history = [Turn("user", "How much is the reward when my invention patent is granted?"), Turn("assistant", "CNY 6,000 [1]")]
    answer = sample_assistant.ask("And for a utility model?", history=history)
    assert answer.grounded and "2,000" in answer.answer, answer.answer
    assert answer.standalone_question.startswith(history[0].content)


def test_a_followup_about_another_country_is_answered_for_that_country(sample_assistant):
    """The words the follow-up adds ("Korea") rank up the passages that hold them, so the answer
    is Korea's deadline, not the general one the earlier question found."""
    from assistant.followup import Turn

    history = [Turn("user", "When do we have to enter national phase after a PCT?"), Turn("assistant", "30 months [1]")]
    answer = sample_assistant.ask("And for Korea?", history=history)
    assert answer.grounded and "31" in answer.answer, answer.answer
