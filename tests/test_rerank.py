"""The cross-encoder: what a passage scores must not depend on what it is scored beside."""
from __future__ import annotations

import pytest

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


def test_pairs_are_cut_to_max_tokens():
    from assistant.rerank import CrossEncoderReranker

    short = CrossEncoderReranker(max_tokens=32)
    long_passage = " ".join(["licence"] * 200)
    assert short.score(QUESTION, [long_passage]) == short.score(QUESTION, [long_passage + " extra words beyond the cut"])
