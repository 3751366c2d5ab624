"""The store's fingerprint, embedded and on a `chroma run` server: sealed by the writer so that the
check every replica makes before every question is one small read, and never stale while a write
is under way."""
from __future__ import annotations

import pytest

from assistant.config import Settings
from assistant.ingest import Ingestor
from assistant.store import ChunkStore

from .conftest import both_store_modes
from .robust_helpers import write_tiny_corpus

VICTIM = "policies/open-source.md"

pytestmark = both_store_modes


@pytest.fixture
def ingested(tmp_path, embeddings, store_settings) -> Settings:
    """Three short Markdown policies, ingested."""
    settings = store_settings(tmp_path / "store", corpus=write_tiny_corpus(tmp_path / "corpus"))
    Ingestor(settings).run(settings.corpus_dir)
    return settings


def test_after_an_ingest_the_fingerprint_is_the_digest_of_the_records(ingested):
    store = ChunkStore(ingested)
    assert store.fingerprint() == store.computed_fingerprint()


def test_a_change_through_the_store_is_seen_at_once(ingested):
    """A writer's first change removes the seal: readers compute the fingerprint while it works."""
    before = ChunkStore(ingested).fingerprint()
    writer = ChunkStore(ingested)
    writer.delete_record(VICTIM)
    reader = ChunkStore(ingested)
    assert reader.fingerprint() == reader.computed_fingerprint() != before


def test_sealing_again_keeps_the_fingerprint_a_reader_computed(ingested):
    writer = ChunkStore(ingested)
    writer.delete_record(VICTIM)
    computed = ChunkStore(ingested).fingerprint()
    writer.seal()
    assert ChunkStore(ingested).fingerprint() == computed


def test_a_sealed_fingerprint_is_read_without_reading_the_records(ingested):
    """Why every write goes through ChunkStore: a record deleted behind its back (straight through
    Chroma) is not seen until the next ingest, because readers trust the seal."""
    store = ChunkStore(ingested)
    sealed = store.fingerprint()
    store.documents.delete(where={"source": VICTIM})
    assert ChunkStore(ingested).fingerprint() == sealed != store.computed_fingerprint()


def test_the_next_ingest_seals_the_store_again(ingested):
    ChunkStore(ingested).documents.delete(where={"source": VICTIM})
    report = Ingestor(ingested).run(ingested.corpus_dir)
    store = ChunkStore(ingested)
    assert report.added == [VICTIM]
    assert store.fingerprint() == store.computed_fingerprint()


def test_whole_collection_reads_come_in_pages_and_miss_nothing(ingested, monkeypatch):
    """Chroma's local store fails an unpaged get() above 32,766 records; reads of the whole
    collection page through it. A page of 2 makes every read here take several pages."""
    import assistant.store as store_module

    store = ChunkStore(ingested)
    whole = store.chunks.get(include=["documents", "metadatas"])
    monkeypatch.setattr(store_module, "_CHROMA_GET_PAGE", 2)
    ids, texts, metadatas = store.all_chunks()
    assert len(whole["ids"]) > 4
    assert sorted(ids) == sorted(whole["ids"]) and len(set(ids)) == len(ids)
    by_id = dict(zip(whole["ids"], whole["documents"]))
    assert all(by_id[i] == t for i, t in zip(ids, texts))
    assert sum(store.chunk_sources().values()) == len(whole["ids"])
    assert set(store.document_records()) == {m["source"] for m in metadatas}
    assert {i for found in store.chunk_ids_by_source().values() for i in found} == set(whole["ids"])


def test_the_vector_search_is_as_wide_as_configured_even_for_a_store_made_before(ingested):
    """Below Chroma's sync threshold the HNSW graph is rebuilt at random on each open: a wide search
    (Settings.hnsw_ef_search) is what makes the same question draw the same candidates."""
    from dataclasses import replace

    narrow = ChunkStore(replace(ingested, hnsw_ef_search=20))
    assert narrow.chunks.configuration["hnsw"]["ef_search"] == 20
    reopened = ChunkStore(ingested)
    assert reopened.chunks.configuration["hnsw"]["ef_search"] == ingested.hnsw_ef_search == 500


def test_a_chunk_is_found_by_its_document_and_position(ingested):
    store = ChunkStore(ingested)
    chunk_id, meta = store.neighbour(VICTIM, 0)
    assert meta["source"] == VICTIM and meta["ordinal"] == 0 and chunk_id in store.chunk_ids(VICTIM)
    assert store.neighbour(VICTIM, -1) is None
    assert store.neighbour(VICTIM, 10_000) is None
