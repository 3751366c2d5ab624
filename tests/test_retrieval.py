"""Hybrid retrieval on the sample corpus: fusion, filters, named documents, versions, duplicates."""
from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.retrieval import HybridRetriever, near_duplicate, rrf_fuse


def test_rrf_rewards_agreement_between_rankings():
    fused = rrf_fuse([["a", "b", "c"], ["b", "c", "a"]], k=60)
    assert max(fused, key=fused.get) == "b"
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 63)


def test_rrf_keeps_items_found_by_one_ranking_only():
    fused = rrf_fuse([["a"], ["z"]], k=60)
    assert set(fused) == {"a", "z"}


def test_rrf_weights_scale_a_ranking():
    fused = rrf_fuse([["a"], ["z"]], k=60, weights=[2.0, 1.0])
    assert fused["a"] == pytest.approx(2 * fused["z"])


def test_near_duplicates_are_detected_but_distinct_passages_are_not():
    a = "Every employee must disclose every potential invention within 30 days of conception."
    assert near_duplicate(a, "Every employee must disclose any potential invention within 30 days of conception!")
    assert not near_duplicate(a, "Open source components need OSPO review before use.")


def test_lexical_and_dense_each_find_what_the_other_misses(sample_assistant):
    """An exact form number is a lexical match; a paraphrase is a semantic one. Fusion gets both."""
    retrieval = sample_assistant.retrieve("Form OSPO-3", k=3)
    assert retrieval.passages[0].source == "policies/open-source-software.pdf"
    retrieval = sample_assistant.retrieve("may I upload the company's software to a public code hosting site", k=3)
    assert retrieval.passages[0].source == "policies/open-source-software.pdf"


def test_source_glob_restricts_retrieval(sample_assistant):
    retrieval = sample_assistant.retrieve("What are the rules for inventions?", k=5, source="lectures/*")
    assert retrieval.passages and all(p.source.startswith("lectures/") for p in retrieval.passages)


def test_folder_name_works_as_a_filter(sample_assistant):
    retrieval = sample_assistant.retrieve("Who owns an invention?", k=5, source="policies")
    assert retrieval.passages and all(p.source.startswith("policies/") for p in retrieval.passages)


def test_document_type_filter(sample_assistant):
    retrieval = sample_assistant.retrieve("patent pools", k=5, doc_type="lecture")
    assert retrieval.passages and all(p.doc_type == "lecture" for p in retrieval.passages)


def test_filter_matching_nothing_returns_nothing(sample_assistant):
    assert sample_assistant.retrieve("patent pools", k=5, source="nothing/*.pdf").passages == []


def test_superseded_version_ranks_below_current_and_is_labelled(sample_assistant):
    retrieval = sample_assistant.retrieve("What is the deadline to disclose an invention?", k=5)
    sources = [p.source for p in retrieval.passages]
    assert sources[0] == "policies/service-inventions-v3.pdf"
    for passage in retrieval.passages:
        assert passage.superseded == (passage.source == "policies/service-inventions-v2.pdf")
    if "policies/service-inventions-v2.pdf" in sources:
        assert sources.index("policies/service-inventions-v2.pdf") > sources.index("policies/service-inventions-v3.pdf")


def test_older_version_of_the_same_document_is_superseded_even_unmarked(sample_assistant):
    status = sample_assistant.directory.status
    assert status["policies/service-inventions-v2.pdf"] == "superseded"
    assert status["policies/service-inventions-v3.pdf"] == "current"


def test_question_naming_a_document_gets_that_documents_passages_first(sample_assistant):
    retrieval = sample_assistant.retrieve("What does POL-IP-008 say about insurance?", k=5)
    assert retrieval.named.sources == {"policies/cross-border-ip-disputes.pdf"}
    assert all(p.source == "policies/cross-border-ip-disputes.pdf" for p in retrieval.passages[:3])


def test_generic_words_do_not_name_a_document(sample_assistant):
    retrieval = sample_assistant.retrieve("What does the policy say about patents?", k=5)
    assert not retrieval.named.sources


def test_top_k_has_no_near_duplicates(sample_assistant):
    passages = sample_assistant.retrieve("How much is the reward for a granted invention patent?", k=5).passages
    for i, a in enumerate(passages):
        for b in passages[i + 1 :]:
            assert not near_duplicate(a.text, b.text)


def test_names_absent_from_every_document_are_reported(sample_assistant):
    retrieval = sample_assistant.retrieve("What royalty does Panasonic pay Tesla?", k=5)
    assert retrieval.unknown_terms == ["Panasonic", "Tesla"]


def test_retrieval_without_the_reranker(sample_settings, sample_assistant):
    retriever = HybridRetriever(
        replace(sample_settings, rerank=False),
        sample_assistant.store,
        sample_assistant.lexical,
        sample_assistant.directory,
        sample_assistant.embeddings,
    )
    retrieval = retriever.run("Can I put our code on GitHub?", k=5)
    assert not retrieval.reranked
    assert retrieval.passages[0].source == "policies/open-source-software.pdf"


def test_reranker_refuses_a_model_with_the_wrong_hash(tmp_path):
    from assistant.rerank import CrossEncoderReranker, RerankerUnavailable, default_model_dir

    (tmp_path / "model.onnx").write_bytes(b"not the model")
    (tmp_path / "tokenizer.json").write_text((default_model_dir() / "tokenizer.json").read_text())
    with pytest.raises(RerankerUnavailable, match="hash mismatch"):
        CrossEncoderReranker(tmp_path)


def test_reranker_scores_the_relevant_passage_highest(reranker):
    scores = reranker.score(
        "who owns an invention made at night",
        ["Opening hours of the canteen are 7 to 19.", "An invention made at night is a service invention owned by the Company."],
    )
    assert scores[1] > scores[0]


def test_concurrent_questions_get_the_same_passages_as_one_at_a_time(sample_assistant):
    """The app serves several sessions from one assistant, each in its own thread."""
    from concurrent.futures import ThreadPoolExecutor

    questions = [
        "Can I put our code on GitHub?",
        "What is the non-compete compensation?",
        "What do I do at a trade fair if a competitor accuses us?",
        "How are royalties audited?",
    ] * 3
    alone = {q: [p.id for p in sample_assistant.retrieve(q).passages] for q in questions}
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda q: (q, [p.id for p in sample_assistant.retrieve(q).passages]), questions))
    for question, ids in together:
        assert ids == alone[question], question
