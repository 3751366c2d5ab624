"""One ranking key over raw signals; sources diverse by page; each tuned number pinned."""
from __future__ import annotations

import math

import pytest

from assistant.ranking import RankingPolicy, near_duplicate, same_place
from assistant.schema import Passage


def passage(id: str, rerank: float | None = 0.0, fused_rank: int = 1, **kw) -> Passage:
    fields = dict(text=f"text of {id} about topic {id}", source="a.pdf", title="A", section="1. S", page=1, page_end=1, doc_type="policy", version="1", status="current")
    fields.update(kw)
    return Passage(id=id, rerank=rerank, fused_rank=fused_rank, **fields)


def test_the_key_is_the_rerank_logit_plus_a_fading_fusion_prior():
    policy = RankingPolicy(fusion_prior=1.0)
    assert policy.key(passage("a", rerank=2.0, fused_rank=1)) == pytest.approx(3.0)
    assert policy.key(passage("b", rerank=2.0, fused_rank=4)) == pytest.approx(2.25)


def test_without_the_reranker_the_key_is_the_negative_log_fused_rank():
    assert RankingPolicy().key(passage("a", rerank=None, fused_rank=5)) == pytest.approx(-math.log(5))


@pytest.mark.parametrize(
    "signal, field, amount",
    [
        ({"status": "superseded"}, "superseded_penalty", -4.0),
        ({"doc_type": "lecture"}, "doc_type_penalty", -1.0),
        ({"named": True}, "named_document_bonus", 3.0),
        ({"holds_added": True}, "followup_word_bonus", 4.0),
        ({"quoted": True}, "answer_quote_bonus", 2.0),
        ({"records_change": True}, "change_record_bonus", 4.0),
        ({"status": "superseded", "version_asked": True}, "superseded_penalty", 0.0),
    ],
)
def test_each_adjustment_moves_the_key_by_its_parameter(signal, field, amount):
    policy = RankingPolicy()
    plain, adjusted = passage("a", rerank=1.0), passage("b", rerank=1.0, **signal)
    assert policy.key(adjusted) - policy.key(plain) == pytest.approx(amount)


def test_rank_sets_score_to_the_key_and_sorts_best_first():
    policy = RankingPolicy()
    ranked = policy.rank([passage("a", rerank=-1.0), passage("b", rerank=5.0, fused_rank=3), passage("c", rerank=1.0, named=True)])
    assert [p.id for p in ranked] == ["b", "c", "a"]
    assert [p.score for p in ranked] == sorted((p.score for p in ranked), reverse=True)
    assert all(p.score == round(policy.key(p), 4) for p in ranked)


def test_select_keeps_one_passage_per_page():
    ranked = [passage("a", page=3, page_end=3), passage("b", page=3, page_end=4, text="other words here entirely"), passage("c", page=5, page_end=5, text="and something else")]
    assert [p.id for p in RankingPolicy().select(ranked, 3)] == ["a", "c"]


def test_select_joins_adjacent_chunks_of_a_pageless_section_into_one_source():
    ranked = [
        passage("a", page=None, page_end=None, ordinal=4, text="Alpha staff report inventions."),
        passage("b", page=None, page_end=None, ordinal=5, text="Delta staff keep notebooks."),
        passage("c", page=None, page_end=None, ordinal=9, text="Eta staff sign declarations."),
    ]
    chosen = RankingPolicy().select(ranked, 3)
    assert [p.id for p in chosen] == ["a", "c"]
    assert chosen[0].text == "Alpha staff report inventions.\nDelta staff keep notebooks."


def test_a_title_page_takes_in_no_text_from_the_page():
    """Front matter ranks by the document's name alone; its score must not carry the next chunk's
    text into an answer ("What is the current share price of Corvane?")."""
    front = "Trade Secret Protection Policy\nDocument ID: POL-IP-004 Version: 1.3 Effective: 2024-05-15 Status: Current"
    ranked = [passage("a", rerank=2.0, page=1, page_end=1, ordinal=0, text=front), passage("b", rerank=-3.0, page=1, page_end=1, ordinal=1, text="1. Purpose\nMuch of the value of the Company lies in know-how.")]
    policy = RankingPolicy()
    assert [p.text for p in policy.select(policy.rank(ranked), 2)] == [front]


def test_a_table_cut_between_two_chunks_of_a_page_is_shown_whole_and_its_overlap_once():
    """The better-ranked chunk keeps its place and score; the one after it on the page joins it."""
    first = "Known vulnerabilities must be fixed within:\nCritical | Deadline: 15 calendar days"
    second = "Critical | Deadline: 15 calendar days\nHigh | Deadline: 30 calendar days\nMedium | Deadline: 90 calendar days"
    ranked = [passage("a", rerank=3.0, page=7, page_end=7, ordinal=20, text=first), passage("b", rerank=1.0, page=7, page_end=7, ordinal=21, text=second)]
    policy = RankingPolicy()
    [shown] = policy.select(policy.rank(ranked), 2)
    assert shown.id == "a" and shown.rerank == 3.0
    assert shown.text == first + "\nHigh | Deadline: 30 calendar days\nMedium | Deadline: 90 calendar days"


def test_chunks_of_a_page_that_are_not_adjacent_stay_apart_and_merging_stops_at_its_limit():
    ranked = [passage("a", page=7, page_end=7, ordinal=20, text="x " * 50), passage("b", page=7, page_end=7, ordinal=23, text="y " * 50)]
    assert RankingPolicy().select(ranked, 2)[0].text == "x " * 50
    adjacent = [passage("a", page=7, page_end=7, ordinal=20, text="x " * 50), passage("b", page=7, page_end=7, ordinal=21, text="y " * 50)]
    assert RankingPolicy(merged_chars=150).select(adjacent, 2)[0].text == "x " * 50


def test_select_drops_near_duplicates_from_other_documents():
    ranked = [passage("a", text="employees disclose inventions within thirty days"), passage("b", source="b.pdf", text="employees disclose inventions within thirty days!")]
    assert [p.id for p in RankingPolicy().select(ranked, 2)] == ["a"]


def test_same_place_needs_the_same_source():
    assert not same_place(passage("a"), passage("b", source="b.pdf"))


def test_near_duplicate_threshold_is_a_share_of_the_shorter_text():
    assert near_duplicate("one two three four five", "one two three four six", threshold=0.8)
    assert not near_duplicate("one two three four five", "one two three nine ten", threshold=0.8)


def test_the_passages_the_answer_quotes_are_shown_first_with_scores_in_order():
    policy = RankingPolicy()
    shown = policy.rank([passage("a", rerank=3.0, page=1), passage("b", rerank=2.0, page=2), passage("c", rerank=-1.0, page=3)])
    ranked, numbers = policy.quoted_first(shown, {2})
    assert [p.id for p in ranked] == ["b", "a", "c"]
    assert numbers == {1: 2, 2: 1, 3: 3}
    assert [p.score for p in ranked] == sorted((p.score for p in ranked), reverse=True)


def test_a_quoted_passage_far_below_stays_below():
    """The bonus is a few logits, not a sentinel: a much stronger passage keeps its place."""
    policy = RankingPolicy()
    shown = policy.rank([passage("a", rerank=6.0, page=1), passage("b", rerank=1.0, page=2)])
    ranked, _ = policy.quoted_first(shown, {2})
    assert [p.id for p in ranked] == ["a", "b"]


@pytest.mark.parametrize("bad", [{"superseded_penalty": -1.0}, {"duplicate_overlap": 0.0}, {"fusion_prior": -0.5}, {"answer_quote_bonus": -2.0}])
def test_invalid_parameters_are_refused(bad):
    with pytest.raises(ValueError):
        RankingPolicy(**bad)


def test_parameters_are_reported():
    assert RankingPolicy().to_dict()["superseded_penalty"] == 4.0


def test_a_chunk_joined_in_front_from_the_page_before_moves_the_first_page_back():
    """The citation must cover the text shown: a list that starts at the foot of page 4 and runs
    onto page 5, joined to the better-ranked chunk of page 5, is cited as pages 4-5."""
    ranked = [
        passage("a", rerank=3.0, page=5, page_end=5, ordinal=12, text="Medium | Deadline: 90 calendar days"),
        passage("b", rerank=1.0, page=4, page_end=5, ordinal=11, text="Known vulnerabilities must be fixed within:\nCritical | Deadline: 15 calendar days"),
    ]
    policy = RankingPolicy()
    [shown] = policy.select(policy.rank(ranked), 2)
    assert (shown.id, shown.page, shown.page_end) == ("a", 4, 5)
