"""The same product against a Chroma server (`chroma run`), chosen by configuration only; several app
replicas sharing one server, each with its own BM25 index on its own disk."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.ingest import Ingestor
from assistant.lexical import LexicalIndex
from assistant.schema import Answer
from assistant.service import Assistant
from assistant.store import ChunkStore

from .conftest import CORPUS, copy_small_corpus, make_settings, on_server

ADDED = "policies/cross-border-ip-disputes.pdf"
REMOVED = "policies/open-source-software.pdf"
INSURERS = "How quickly must insurers be notified of an IP dispute?"  # answered by ADDED only
GITHUB = "Can I put our code on GitHub?"


def test_ingest_and_answer_through_a_chroma_server(chroma_server_url, small_corpus, tmp_path, reranker):
    settings = on_server(make_settings(tmp_path / "unused-local-store", corpus=small_corpus), chroma_server_url, tmp_path / "index")
    first = Ingestor(settings).run(small_corpus)
    assert len(first.added) == 3 and first.chunks > 0
    assert Ingestor(settings).run(small_corpus).chunks == 0, "incremental against the server too"
    assert not (tmp_path / "unused-local-store").exists(), "nothing is written to a local store"
    assert (tmp_path / "index").is_dir(), "the BM25 index is kept on the client"
    answer = Assistant(settings, reranker=reranker).ask(GITHUB)
    assert answer.backend.startswith("chroma-server http://127.0.0.1:")
    assert answer.grounded and answer.citations[0].source == "policies/open-source-software.pdf"


# ------------------------------------------------------------------ replicas sharing one server


@dataclass
class Replica:
    """One app replica: its assistant and what it answered after another machine's ingest."""

    assistant: Assistant
    fingerprint_before: str
    github_before: Answer
    reloaded: bool
    insurers: Answer
    github: Answer


@dataclass
class SharedServer:
    writer: Settings
    replicas: dict[str, Replica]


def replica_settings(writer: Settings, root: Path) -> Settings:
    """The writer's server and collection, with the BM25 index on this replica's own disk."""
    return on_server(make_settings(root / "store", corpus=root / "no-corpus"), writer_url(writer), root / "index", writer.collection)


def writer_url(settings: Settings) -> str:
    return f"{'https' if settings.chroma_ssl else 'http'}://{settings.chroma_host}:{settings.chroma_port}"


@pytest.fixture(scope="module")
def shared_server(chroma_server_url, tmp_path_factory, reranker) -> SharedServer:
    """Replicas a and b answer from one collection; then an ingest on a third machine adds the
    cross-border policy and removes the open-source one, and each replica is asked again."""
    root = tmp_path_factory.mktemp("replicas")
    corpus = copy_small_corpus(root / "corpus")
    writer = on_server(make_settings(root / "writer" / "store", corpus=corpus), chroma_server_url, root / "writer" / "index")
    Ingestor(writer).run(corpus)
    assistants = {name: Assistant(replica_settings(writer, root / name), reranker=reranker) for name in ("a", "b")}
    before = {name: (assistant.fingerprint, assistant.ask(GITHUB)) for name, assistant in assistants.items()}

    shutil.copy(CORPUS / ADDED, corpus / ADDED)
    (corpus / REMOVED).unlink()
    report = Ingestor(writer).run(corpus)
    assert report.added == [ADDED] and report.removed == [REMOVED], report.summary()

    replicas = {}
    for name, assistant in assistants.items():
        reloaded = assistant.refresh()  # what the next ask does first
        replicas[name] = Replica(assistant, *before[name], reloaded, assistant.ask(INSURERS), assistant.ask(GITHUB))
    return SharedServer(writer, replicas)


REPLICAS = pytest.mark.parametrize("name", ["a", "b"])


def test_replicas_keep_their_lexical_indexes_in_different_folders(shared_server):
    a, b = (shared_server.replicas[n].assistant.settings for n in ("a", "b"))
    assert a.collection == b.collection and a.index_dir != b.index_dir


@REPLICAS
def test_a_replica_notices_another_machines_ingest_by_the_fingerprint(shared_server, name):
    replica = shared_server.replicas[name]
    assert replica.reloaded
    assert replica.assistant.fingerprint == ChunkStore(shared_server.writer).fingerprint() != replica.fingerprint_before


@REPLICAS
def test_a_replica_rebuilds_its_own_lexical_index_for_the_new_documents(shared_server, name):
    settings = shared_server.replicas[name].assistant.settings
    saved = LexicalIndex.load(settings.index_dir)
    assert saved.fingerprint == ChunkStore(shared_server.writer).fingerprint()
    assert ADDED in set(saved.sources) and REMOVED not in set(saved.sources)


@REPLICAS
def test_a_replica_reloads_its_document_directory(shared_server, name):
    records = shared_server.replicas[name].assistant.directory.records
    assert ADDED in records and REMOVED not in records


@REPLICAS
def test_a_replica_answers_from_the_added_document(shared_server, name):
    answer = shared_server.replicas[name].insurers
    assert answer.grounded and answer.citations[0].source == ADDED


@REPLICAS
def test_a_replica_no_longer_cites_the_removed_document(shared_server, name):
    replica = shared_server.replicas[name]
    assert REMOVED in {c.source for c in replica.github_before.citations}
    assert REMOVED not in {c.source for c in replica.github.citations}


@REPLICAS
def test_a_replica_with_nothing_changed_keeps_what_it_loaded(shared_server, name):
    assistant = shared_server.replicas[name].assistant
    lexical = assistant.lexical
    assert not assistant.refresh()
    assert assistant.lexical is lexical


def test_a_replica_with_nothing_changed_asks_the_server_once(shared_server):
    """The check before every question is one small read (the sealed fingerprint), however many
    documents the store holds."""
    assistant = shared_server.replicas["a"].assistant
    with counted_requests(assistant.store) as requests:
        assistant.refresh()
    assert len(requests) == 1


class counted_requests:
    """The HTTP requests a server-mode store's client sends while the block runs (an event hook on
    the real client's connection; nothing is replaced)."""

    def __init__(self, store: ChunkStore):
        self.hooks = store.client._server._session.event_hooks["request"]
        self.seen: list[str] = []

    def _record(self, request) -> None:
        self.seen.append(f"{request.method} {request.url.path}")

    def __enter__(self) -> list[str]:
        self.hooks.append(self._record)
        return self.seen

    def __exit__(self, *exc) -> None:
        self.hooks.remove(self._record)
