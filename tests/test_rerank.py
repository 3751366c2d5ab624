"""The cross-encoder: what a passage scores must not depend on what it is scored beside."""
from __future__ import annotations

import pytest

from assistant.rerank import question_sentence

QUESTION = "Who owns an invention made during working hours?"
RELEVANT = "An invention made by an employee while performing the duties of the job is a service invention and belongs to the Company."
OTHERS = [
    "Visitors sign in at the front desk and wear a badge at all times.",
    "The canteen is open from 11:30 to 14:00 on working days, and the menu changes weekly on Mondays before lunch is served.",
    "Trade secrets are marked CONFIDENTIAL.",
]


def test_a_passage_scores_the_same_alone_and_among_others(reranker):
    alone = reranker.score(QUESTION, [RELEVANT])[0]
    among = reranker.score(QUESTION, [*OTHERS, RELEVANT])[-1]
    assert among == pytest.approx(alone, abs=1e-6)


def test_scores_come_back_in_the_order_given(reranker):
    scores = reranker.score(QUESTION, [OTHERS[0], RELEVANT, OTHERS[1]])
    assert scores[1] == max(scores)
    assert scores == [reranker.score(QUESTION, [text])[0] for text in (OTHERS[0], RELEVANT, OTHERS[1])]


def test_no_passages_no_scores(reranker):
    assert reranker.score(QUESTION, []) == []


def test_batch_size_below_one_is_refused():
    from assistant.rerank import CrossEncoderReranker

    with pytest.raises(ValueError, match="batch_size"):
        CrossEncoderReranker(batch_size=0)


def test_the_cached_optimised_model_scores_as_the_original(reranker, tmp_path):
    from assistant.rerank import CrossEncoderReranker

    first = CrossEncoderReranker(cache_dir=tmp_path)  # optimises and writes the cache
    cached = list(tmp_path.glob("reranker-*.onnx"))
    assert len(cached) == 1
    again = CrossEncoderReranker(cache_dir=tmp_path)  # loads it
    expected = reranker.score(QUESTION, [RELEVANT, *OTHERS])
    assert first.score(QUESTION, [RELEVANT, *OTHERS]) == pytest.approx(expected, abs=1e-4)
    assert again.score(QUESTION, [RELEVANT, *OTHERS]) == pytest.approx(expected, abs=1e-4)


def test_a_damaged_cache_file_is_rebuilt(reranker, tmp_path):
    from assistant.rerank import CrossEncoderReranker

    CrossEncoderReranker(cache_dir=tmp_path)
    cached = next(tmp_path.glob("reranker-*.onnx"))
    cached.write_bytes(b"not a model")
    rebuilt = CrossEncoderReranker(cache_dir=tmp_path)
    assert rebuilt.score(QUESTION, [RELEVANT]) == pytest.approx(reranker.score(QUESTION, [RELEVANT]), abs=1e-4)
    assert cached.stat().st_size > 1_000_000


def test_by_default_the_cross_encoder_reads_16_candidates_of_160_word_pieces(monkeypatch):
    """Half the work of 24 x 256 for the same tuning-set quality (reason in config.py)."""
    from assistant.config import load_settings

    monkeypatch.delenv("ASSISTANT_RERANK_CANDIDATES", raising=False)
    monkeypatch.delenv("ASSISTANT_RERANK_MAX_TOKENS", raising=False)
    settings = load_settings()
    assert (settings.rerank_candidates, settings.rerank_max_tokens) == (16, 160)


def test_a_question_naming_a_document_has_24_candidates_reread(monkeypatch):
    """Inside one long contract the answering clause often sits at fused rank 17-24 (config.py)."""
    from assistant.config import load_settings

    monkeypatch.delenv("ASSISTANT_NAMED_RERANK_CANDIDATES", raising=False)
    assert load_settings().named_rerank_candidates == 24


def test_a_document_named_question_rereads_the_named_pool(sample_assistant):
    named = sample_assistant.retrieve("What does POL-IP-008 say about insurance?", k=5)
    plain = sample_assistant.retrieve("What does the policy say about insurance?", k=5)
    assert named.named.sources and not plain.named.sources
    assert named.reread == sample_assistant.settings.named_rerank_candidates
    assert plain.reread == sample_assistant.settings.rerank_candidates


def test_pairs_are_cut_to_max_tokens():
    from assistant.rerank import CrossEncoderReranker

    short = CrossEncoderReranker(max_tokens=32)
    long_passage = " ".join(["licence"] * 200)
    assert short.score(QUESTION, [long_passage]) == short.score(QUESTION, [long_passage + " extra words beyond the cut"])


@pytest.mark.parametrize(
    "question, asked",
    [
        ("I don't agree with how the shares were split. How long do I have to appeal?", "How long do I have to appeal?"),
        ("we never agreed who gets what % of the reward. how does the money get split?", "how does the money get split?"),
        ("Can I sign it? There is nothing in the contract.", "Can I sign it?"),
        ("We met Acme Inc. yesterday. Can we sign?", "Can we sign?"),
        ("What do I get when my U.S. patent issues?", None),
        ("Under Art. 6, who owns it?", None),
        ("so I get no bonus at all??", None),
    ],
)
def test_the_sentence_that_asks_is_read_from_a_question_of_several(question, asked):
    assert question_sentence(question) == asked


APPEAL = "I don't agree with how the inventor shares were split. How long do I have to appeal?"
APPEAL_RULE = "An appeal is lodged on Form IP-06 within 15 days of receiving the written decision."
DISPUTE_RULE = "Inventorship disputes are raised with the IP Office, which decides within 30 days."


def test_a_question_of_several_sentences_scores_the_better_of_both_readings(reranker):
    whole = reranker.score(APPEAL, [APPEAL_RULE, DISPUTE_RULE])
    asked = reranker.score("How long do I have to appeal?", [APPEAL_RULE, DISPUTE_RULE])
    assert reranker.score_question(APPEAL, [APPEAL_RULE, DISPUTE_RULE]) == [max(a, b) for a, b in zip(whole, asked)]


def test_a_one_sentence_question_is_read_once(reranker):
    question = "How long do I have to appeal?"
    assert reranker.score_question(question, [APPEAL_RULE]) == reranker.score(question, [APPEAL_RULE])


def test_reading_the_asking_sentence_can_be_switched_off(reranker, monkeypatch):
    monkeypatch.setattr(reranker, "read_asking_sentence", False)
    assert reranker.score_question(APPEAL, [APPEAL_RULE]) == reranker.score(APPEAL, [APPEAL_RULE])
