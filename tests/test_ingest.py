"""Incremental ingest against a real Chroma store: add, change, delete, no-op, bad files, crash repair.

The tests marked ``both_store_modes`` run embedded and against a `chroma run` server (a first and an
unchanged second ingest on a server: ``test_chroma_server.py``)."""
from __future__ import annotations

import os
import shutil

import pytest

from assistant.ingest import Ingestor, ensure_lexical_index
from assistant.lexical import LexicalIndex
from assistant.store import ChunkStore

from .conftest import BROKEN_PDFS, CORPUS, both_store_modes, make_settings, store_environment


@pytest.fixture
def ingest(tmp_path, embeddings, store_settings):
    settings = store_settings(tmp_path / "store", corpus=tmp_path / "corpus")

    def run(**kwargs):
        return Ingestor(settings).run(settings.corpus_dir, **kwargs)

    run.settings = settings
    return run


def store_of(settings) -> ChunkStore:
    return ChunkStore(settings)


def test_first_run_adds_every_file(small_corpus, ingest):
    report = ingest()
    assert sorted(report.added) == [
        "lectures/enterprise-ip-protection-part1.md",
        "policies/open-source-software.pdf",
        "policies/trade-secret-protection.pdf",
    ]
    assert report.chunks == store_of(ingest.settings).count() > 0
    assert report.exit_code == 0


def test_rerun_on_unchanged_corpus_embeds_nothing(small_corpus, ingest):
    first = ingest()
    second = ingest()
    assert second.chunks == 0 and not second.added and not second.updated
    assert len(second.unchanged) == 3
    assert store_of(ingest.settings).count() == first.chunks


@both_store_modes
def test_changed_file_is_replaced_not_duplicated(small_corpus, ingest):
    ingest()
    target = small_corpus / "policies" / "open-source-software.pdf"
    shutil.copy(CORPUS / "policies" / "patent-pools-licensing.pdf", target)
    report = ingest()
    assert report.updated == ["policies/open-source-software.pdf"]
    store = store_of(ingest.settings)
    metas = store.chunks.get(where={"source": "policies/open-source-software.pdf"}, include=["metadatas"])["metadatas"]
    assert len({m["doc_sha256"] for m in metas}) == 1
    assert all("Patent Pools" in m["title"] for m in metas)
    assert store.count() == sum(r.chunks for r in store.document_records().values())


@both_store_modes
def test_deleted_file_disappears(small_corpus, ingest):
    ingest()
    (small_corpus / "policies" / "trade-secret-protection.pdf").unlink()
    report = ingest()
    assert report.removed == ["policies/trade-secret-protection.pdf"]
    store = store_of(ingest.settings)
    assert "policies/trade-secret-protection.pdf" not in store.chunk_sources()
    assert "policies/trade-secret-protection.pdf" not in store.document_records()


@pytest.mark.parametrize("kind", sorted(BROKEN_PDFS))
def test_bad_file_is_reported_and_the_rest_ingested(small_corpus, ingest, kind):
    make, reason = BROKEN_PDFS[kind]
    make(small_corpus / "policies" / f"bad-{kind}.pdf")
    report = ingest()
    assert list(report.failed) == [f"policies/bad-{kind}.pdf"]
    assert reason in report.failed[f"policies/bad-{kind}.pdf"]
    assert len(report.added) == 3
    assert report.exit_code == 3
    assert f"policies/bad-{kind}.pdf" not in store_of(ingest.settings).chunk_sources()


def test_file_that_turns_bad_is_withdrawn(small_corpus, ingest):
    ingest()
    BROKEN_PDFS["corrupt"][0](small_corpus / "policies" / "open-source-software.pdf")
    report = ingest()
    assert "policies/open-source-software.pdf" in report.failed
    assert "policies/open-source-software.pdf" not in store_of(ingest.settings).chunk_sources()


def test_interrupted_ingest_is_repaired_by_the_next_run(small_corpus, ingest):
    first = ingest()
    store = store_of(ingest.settings)
    # A run killed after writing a document's chunks but before its record: chunks without record.
    store.documents.delete(ids=[next(iter(store.documents.get()["ids"]))])
    missing = set(store.chunk_sources()) - set(store.document_records())
    assert len(missing) == 1
    report = ingest()
    assert report.added == sorted(missing)
    store = store_of(ingest.settings)
    assert store.count() == first.chunks
    assert set(store.chunk_sources()) == set(store.document_records())


def test_half_written_document_is_redone(small_corpus, ingest):
    first = ingest()
    store = store_of(ingest.settings)
    victim = "policies/trade-secret-protection.pdf"
    ids = store.chunks.get(where={"source": victim})["ids"]
    store.chunks.delete(ids=ids[: len(ids) // 2])
    report = ingest()
    assert report.updated == [victim]
    assert store_of(ingest.settings).count() == first.chunks


def test_rebuild_starts_from_an_empty_store(small_corpus, ingest):
    first = ingest()
    report = ingest(rebuild=True)
    assert len(report.added) == 3
    assert store_of(ingest.settings).count() == first.chunks


def test_bm25_index_stays_in_step_with_the_store(small_corpus, ingest):
    ingest()
    settings = ingest.settings

    def index_matches_store():
        index = LexicalIndex.load(settings.index_dir)
        store = store_of(settings)
        ids, _, _ = store.all_chunks()
        return index is not None and sorted(index.ids) == ids and index.fingerprint == store.fingerprint()

    assert index_matches_store()
    (small_corpus / "policies" / "trade-secret-protection.pdf").unlink()
    ingest()
    assert index_matches_store()
    assert not LexicalIndex.load(settings.index_dir).search("non-compete compensation", 5, {"policies/trade-secret-protection.pdf"})
    shutil.copy(CORPUS / "policies" / "cross-border-ip-disputes.pdf", small_corpus / "policies")
    ingest()
    assert index_matches_store()
    hits = LexicalIndex.load(settings.index_dir).search("Schutzschrift protective letter trade fair", 3)
    sources = set(store_of(settings).get([h[0] for h in hits]))
    assert hits and sources


def test_stale_bm25_index_is_rebuilt_on_load(small_corpus, ingest):
    ingest()
    settings = ingest.settings
    shutil.rmtree(settings.index_dir)
    index = ensure_lexical_index(store_of(settings), settings)
    assert len(index) == store_of(settings).count()
    assert LexicalIndex.load(settings.index_dir) is not None


def test_missing_corpus_folder_is_an_error(tmp_path, embeddings):
    settings = make_settings(tmp_path / "store", corpus=tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError):
        Ingestor(settings).run(settings.corpus_dir)


@both_store_modes
def test_chunks_of_an_unfinished_ingest_are_neither_indexed_nor_served(small_corpus, ingest, reranker):
    from assistant.service import Assistant

    ingest()
    store = store_of(ingest.settings)
    victim = "policies/open-source-software.pdf"
    store.delete_record(victim)  # an ingest killed mid-update: the record is taken out first
    assistant = Assistant(ingest.settings, reranker=reranker)
    assert victim not in {s for s in assistant.lexical.sources}
    retrieval = assistant.retrieve("Can I put our code on GitHub?", k=5)
    assert retrieval.passages and victim not in {p.source for p in retrieval.passages}
    ingest()  # the repair
    assert victim in set(LexicalIndex.load(ingest.settings.index_dir).sources)


def test_changing_chunk_settings_rechunks_every_document(small_corpus, ingest):
    from dataclasses import replace

    first = ingest()
    settings = replace(ingest.settings, chunk_tokens=96, chunk_overlap_tokens=16)
    report = Ingestor(settings).run(small_corpus)
    assert sorted(report.updated) == sorted(first.added)
    assert report.chunks == store_of(settings).count() > first.chunks


def test_undecodable_file_name_is_reported_not_fatal(small_corpus, ingest):
    import os

    shutil.copy(CORPUS / "policies" / "patent-pools-licensing.pdf", os.path.join(bytes(small_corpus), b"bad-\xff.pdf"))
    report = ingest()
    assert len(report.added) == 3 and len(report.failed) == 1
    assert "bad-" in report.summary()


@both_store_modes
def test_a_running_assistant_sees_another_process_ingest(small_corpus, ingest, reranker):
    import subprocess
    import sys

    from assistant.config import PROJECT_ROOT
    from assistant.service import Assistant

    ingest()
    assistant = Assistant(ingest.settings, reranker=reranker)
    question = "What should I do if a competitor accuses us of patent infringement at a trade fair?"
    before = assistant.ask(question)
    assert "policies/cross-border-ip-disputes.pdf" not in {c.source for c in before.citations}
    shutil.copy(CORPUS / "policies" / "cross-border-ip-disputes.pdf", small_corpus / "policies")
    (small_corpus / "policies" / "open-source-software.pdf").unlink()
    result = subprocess.run(
        [sys.executable, "ingest.py", "--corpus", str(small_corpus)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
        env=os.environ | store_environment(ingest.settings),
    )
    assert result.returncode == 0, result.stderr
    assistant.ask(question)  # reloads before answering
    assert assistant.retrieve(question).passages[0].source == "policies/cross-border-ip-disputes.pdf"
    assert "policies/open-source-software.pdf" not in {p.source for p in assistant.retrieve("Can I put our code on GitHub?").passages}


def test_editing_one_page_re_embeds_only_the_chunks_that_changed(tmp_path, embeddings):
    """Chunk ids come from content: an edit to one section keeps every other chunk and its vector."""
    from assistant.ingest import Ingestor
    from assistant.store import ChunkStore

    from .conftest import make_settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    sections = [f"## {i}. Section {i}\n\n" + " ".join(f"Rule {i}.{j} says that staff must follow step {j}." for j in range(12)) for i in range(1, 7)]
    policy = corpus / "policy.md"
    policy.write_text("# Policy\n\n" + "\n\n".join(sections))
    settings = make_settings(tmp_path / "store", corpus)
    first = Ingestor(settings).run(corpus)
    store = ChunkStore(settings)
    before = store.chunk_ids("policy.md")
    sections[2] = sections[2].replace("step 3.", "step three, in writing.")
    policy.write_text("# Policy\n\n" + "\n\n".join(sections))
    second = Ingestor(settings).run(corpus)
    after = ChunkStore(settings).chunk_ids("policy.md")
    assert second.updated == ["policy.md"]
    assert 0 < second.chunks < first.chunks / 3
    assert len(after - before) == second.chunks
    assert len(before & after) >= len(before) - second.chunks
