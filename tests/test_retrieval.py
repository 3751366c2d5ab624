"""Hybrid retrieval on the sample corpus: fusion, filters, named documents, versions, duplicates.

The tests marked ``both_store_modes`` run on the embedded sample store and on a copy of it in a
`chroma run` server (dense search, metadata filters and the BM25 index built from the server)."""
from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.ranking import near_duplicate
from assistant.retrieval import HybridRetriever, rrf_fuse

from .conftest import both_store_modes


@pytest.fixture
def hybrid(store_mode, request):
    """The sample assistant, embedded or on the Chroma server."""
    return request.getfixturevalue("sample_assistant" if store_mode == "embedded" else "sample_server_assistant")


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


@both_store_modes
def test_lexical_and_dense_each_find_what_the_other_misses(hybrid):
    """An exact form number is a lexical match; a paraphrase is a semantic one. Fusion gets both."""
    retrieval = hybrid.retrieve("Form OSPO-3", k=3)
    assert retrieval.passages[0].source == "policies/open-source-software.pdf"
    retrieval = hybrid.retrieve("may I upload the company's software to a public code hosting site", k=3)
    assert retrieval.passages[0].source == "policies/open-source-software.pdf"


@both_store_modes
def test_source_glob_restricts_retrieval(hybrid):
    retrieval = hybrid.retrieve("What are the rules for inventions?", k=5, source="lectures/*")
    assert retrieval.passages and all(p.source.startswith("lectures/") for p in retrieval.passages)


def test_folder_name_works_as_a_filter(sample_assistant):
    retrieval = sample_assistant.retrieve("Who owns an invention?", k=5, source="policies")
    assert retrieval.passages and all(p.source.startswith("policies/") for p in retrieval.passages)


@both_store_modes
def test_document_type_filter(hybrid):
    retrieval = hybrid.retrieve("patent pools", k=5, doc_type="lecture")
    assert retrieval.passages and all(p.doc_type == "lecture" for p in retrieval.passages)


@both_store_modes
def test_filter_matching_nothing_returns_nothing(hybrid):
    assert hybrid.retrieve("patent pools", k=5, source="nothing/*.pdf").passages == []


@both_store_modes
def test_superseded_version_ranks_below_current_and_is_labelled(hybrid):
    """The v2.0 passage on the old 60-day deadline is found, labelled, and ranked below v3.0's."""
    retrieval = hybrid.retrieve("Is the deadline to disclose an invention 60 days?", k=10)
    sources = [p.source for p in retrieval.passages]
    assert sources[0] == "policies/service-inventions-v3.pdf"
    assert "policies/service-inventions-v2.pdf" in sources
    assert sources.index("policies/service-inventions-v2.pdf") > sources.index("policies/service-inventions-v3.pdf")
    for passage in retrieval.passages:
        assert passage.superseded == (passage.source == "policies/service-inventions-v2.pdf")


def test_older_version_of_the_same_document_is_superseded_even_unmarked(sample_assistant):
    from assistant.documents import DocumentDirectory

    records = dict(sample_assistant.directory.records)
    old = records["policies/service-inventions-v2.pdf"]
    records[old.source] = replace(old, status="current")  # as if v2.0 did not say it was superseded
    status = DocumentDirectory(records, sample_assistant.lexical).status
    assert status["policies/service-inventions-v2.pdf"] == "superseded"
    assert status["policies/service-inventions-v3.pdf"] == "current"


@both_store_modes
def test_question_naming_a_document_gets_that_documents_passages_first(hybrid):
    retrieval = hybrid.retrieve("What does POL-IP-008 say about insurance?", k=5)
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


def test_names_in_the_question_are_proper_nouns_and_acronyms_not_its_first_word(sample_assistant):
    retrieval = sample_assistant.retrieve("What royalty does Panasonic pay Tesla under the FRAND terms?", k=5)
    assert retrieval.names == ["Panasonic", "Tesla", "FRAND"]


def test_a_currency_code_is_no_name():
    """"RMB 2 million" is answered by a rule in CNY: the code names nothing a passage must mention."""
    from assistant.retrieval import HybridRetriever

    assert HybridRetriever.names_in("Can Purchasing sign a RMB 2 million deal with Qilin, or EUR 300k?") == ["Purchasing", "Qilin"]


def test_the_cross_encoder_reads_the_question_without_names_no_document_holds(sample_assistant):
    retrieval = sample_assistant.retrieve("We hired an engineer from Zarnovia Metals (competitor). Can he join the Corvane diffusion line?", k=5)
    assert retrieval.focus == "We hired an engineer from a competitor. Can he join the Corvane diffusion line?"
    assert "Zarnovia" in retrieval.names  # still a name the evidence is checked for


@pytest.mark.parametrize("k", [5, 10])
def test_scores_are_one_scale_best_first_with_no_sentinel(sample_assistant, k):
    """Defect: with k=10 and a near-duplicate among the reranked passages a score was -999999.99."""
    passages = sample_assistant.retrieve("How much is the reward for a granted invention patent?", k=k).passages
    scores = [p.score for p in passages]
    assert len(passages) == k
    assert scores == sorted(scores, reverse=True)
    assert all(-30 < s < 30 for s in scores)
    assert all(p.rerank is not None for p in passages)


def test_scores_stay_in_order_when_the_question_names_a_document(sample_assistant):
    """Defect: a named document's passages came out as 3.0, 6.0, 5.67."""
    retrieval = sample_assistant.retrieve("What does POL-IP-008 say about insurance?", k=10)
    assert retrieval.named.sources
    scores = [p.score for p in retrieval.passages]
    assert scores == sorted(scores, reverse=True)


def test_sources_shown_are_diverse_by_page(sample_assistant):
    passages = sample_assistant.retrieve("What are the reward amounts for patents?", k=8).passages
    places = [(p.source, page) for p in passages if p.page for page in range(p.page, (p.page_end or p.page) + 1)]
    assert len(places) == len(set(places))


def test_within_a_named_document_the_clause_is_found_by_content(sample_assistant):
    """The question names the policy by its id; the passage shown first is the clause, not the title page."""
    retrieval = sample_assistant.retrieve("What does POL-IP-008 say about notifying insurers?", k=5)
    top = retrieval.passages[0]
    assert retrieval.named.sources == {"policies/cross-border-ip-disputes.pdf"}
    assert top.source == "policies/cross-border-ip-disputes.pdf" and top.page != 1
    assert "5 working days" in top.text


@pytest.mark.parametrize("value", ["0", "-5"])
def test_a_search_width_below_one_is_refused(monkeypatch, value):
    from assistant.config import SettingsError, load_settings

    monkeypatch.setenv("ASSISTANT_HNSW_EF_SEARCH", value)
    with pytest.raises(SettingsError, match="ASSISTANT_HNSW_EF_SEARCH"):
        load_settings()


def test_a_passage_starting_inside_a_list_is_shown_with_the_lists_lead_in(sample_assistant):
    """The SBOM rules are cut between two chunks; the chunk holding the last item begins with it."""
    from assistant.schema import Passage

    ids, _, metas = sample_assistant.store.all_chunks()
    (inside,) = [Passage.from_metadata(i, m) for i, m in zip(ids, metas) if m["text"].startswith("- customers who request an SBOM")]
    shown = sample_assistant.retriever.with_lead_in(inside)
    assert shown.text.index("The following rules apply:") < shown.text.index("customers who request an SBOM")
    assert shown.text.endswith(inside.text)
    assert (shown.page, shown.page_end) == (4, 5)  # the lead-in stands on the page before


def test_a_name_keeps_its_version_number():
    """A decline names what the passages lack: "GPL-3.0" as the question writes it, not "GPL-3"."""
    from assistant.retrieval import HybridRetriever

    assert HybridRetriever.names_in("I want to pull a GPL-3.0 library into the firmware. What sign-off do I need?") == ["GPL-3.0"]
