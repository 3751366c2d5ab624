"""Issue 8, ingest side, against a real Chroma store: rebuild while readers run (row 1), unreadable
files and folders (rows 3, 4), image-only PDF pages (row 5), one writer at a time (row 12),
pathological and impostor documents (rows 13, 14), and chunk ids from content (issue 6)."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import replace

import pytest

from assistant.config import PROJECT_ROOT
from assistant.ingest import Ingestor
from assistant.locking import IngestBusyError, writer_lock
from assistant.store import ChunkStore

from .conftest import both_store_modes, make_settings
from .robust_helpers import (
    make_unreadable,
    open_to_all,
    pdf_of_pages,
    pdf_with_image_pages,
    readable_again,
    unprivileged,
    world_writable_dir,
    write_tiny_corpus,
)

QUESTION = "Who owns an invention made on the night shift?"


@pytest.fixture
def tiny(tmp_path, embeddings, store_settings):
    """Three short Markdown policies, in the test's store mode (embedded unless marked both)."""
    corpus = write_tiny_corpus(tmp_path / "corpus")
    return store_settings(tmp_path / "store", corpus=corpus)


def ingest(settings, **kwargs):
    return Ingestor(settings).run(settings.corpus_dir, **kwargs)


# ------------------------------------------------------------------ row 1: --rebuild under readers


@both_store_modes
def test_rebuild_keeps_a_running_assistant_on_the_old_index_until_the_swap(tiny, reranker):
    from assistant.service import Assistant

    ingest(tiny)
    assistant = Assistant(tiny, reranker=reranker)
    during: list[tuple[bool, set[str]]] = []

    def progress(done, total, source):
        if done == 2:  # half-way through the rebuild
            during.append((assistant.refresh(), {p.source for p in assistant.retrieve(QUESTION).passages}))

    Ingestor(tiny, progress=progress).run(tiny.corpus_dir, rebuild=True)
    assert during == [(False, during[0][1])] and "policies/service-inventions.md" in during[0][1]
    assert assistant.refresh()  # the swap is picked up on the next refresh
    assert assistant.store.generation == 1
    assert "policies/service-inventions.md" in {p.source for p in assistant.retrieve(QUESTION).passages}


def test_rebuild_by_another_process_does_not_break_a_running_assistant(tiny, reranker):
    from assistant.service import Assistant

    ingest(tiny)
    assistant = Assistant(tiny, reranker=reranker)
    assert assistant.ask(QUESTION).citations
    result = subprocess.run(
        [sys.executable, "ingest.py", "--rebuild", "--corpus", str(tiny.corpus_dir), "--store", str(tiny.store_dir)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr
    answer = assistant.ask(QUESTION)
    assert answer.citations and answer.citations[0].source == "policies/service-inventions.md"


@both_store_modes
def test_a_killed_rebuild_leaves_the_active_index_and_is_cleaned_up(tiny):
    ingest(tiny)
    store = ChunkStore(tiny)
    half = store.next_generation()  # a rebuild that died before its swap
    assert half.generation == 1 and store.active_generation() == 0
    report = ingest(tiny)
    assert len(report.unchanged) == 3
    assert ChunkStore(tiny).generations() == {0}


@both_store_modes
def test_rebuild_gives_the_same_chunk_ids_and_fingerprint(tiny):
    ingest(tiny)
    before = ChunkStore(tiny)
    ids, fingerprint = before.all_chunks()[0], before.fingerprint()
    ingest(tiny, rebuild=True)
    after = ChunkStore(tiny)
    assert after.generation == 1 and after.all_chunks()[0] == ids and after.fingerprint() == fingerprint


# ------------------------------------------------------------------ row 12: one writer at a time


def test_second_ingest_refuses_while_another_holds_the_lock(tiny):
    settings = replace(tiny, ingest_lock_timeout=0.5)
    with writer_lock(settings.ingest_lock_path, 0):
        with pytest.raises(IngestBusyError, match="another ingest"):
            ingest(settings)
    assert not ChunkStore(settings).document_records()


def test_second_ingest_waits_for_the_first_to_finish(tiny):
    settings = replace(tiny, ingest_lock_timeout=60)
    held = threading.Event()

    def first():
        with writer_lock(settings.ingest_lock_path, 0):
            held.set()
            time.sleep(1.0)

    thread = threading.Thread(target=first)
    thread.start()
    held.wait(10)
    report = ingest(settings)
    thread.join()
    assert len(report.added) == 3


def test_ingest_command_exits_4_with_a_message_when_busy(tiny, monkeypatch, capsys):
    from assistant.cli import EXIT_BUSY, ingest_parser, main

    monkeypatch.setenv("ASSISTANT_INGEST_LOCK_TIMEOUT", "0")
    with writer_lock(tiny.ingest_lock_path, 0):
        code = main(["--corpus", str(tiny.corpus_dir), "--store", str(tiny.store_dir)], parser=ingest_parser())
    assert code == EXIT_BUSY == 4
    assert "another ingest" in capsys.readouterr().err


def test_rebuild_waits_for_a_running_ingest(tiny):
    settings = replace(tiny, ingest_lock_timeout=0.3)
    ingest(settings)
    with writer_lock(settings.ingest_lock_path, 0):
        with pytest.raises(IngestBusyError):
            ingest(settings, rebuild=True)
    assert ChunkStore(settings).generations() == {0}


# ------------------------------------------------------------------ rows 3 and 4: unreadable files and folders


@pytest.fixture
def shared_tiny(embeddings):
    """The tiny corpus and its store in a folder an unprivileged user can use."""
    with world_writable_dir() as base:
        corpus = write_tiny_corpus(base / "corpus")
        open_to_all(base)
        settings = make_settings(base / "store", corpus=corpus)
        yield settings
        open_to_all(base)


def test_unreadable_file_is_reported_kept_and_the_run_goes_on(shared_tiny):
    with unprivileged():
        ingest(shared_tiny)
    victim = shared_tiny.corpus_dir / "policies" / "service-inventions.md"
    make_unreadable(victim)
    newcomer = shared_tiny.corpus_dir / "lectures" / "new-note.md"
    newcomer.write_text("# Patents\n\nA patent application is filed by the IP Office after the invention review.\n")
    open_to_all(newcomer.parent)
    try:
        with unprivileged():
            report = ingest(shared_tiny)
            records = ChunkStore(shared_tiny).document_records()
    finally:
        readable_again(victim)
    assert "cannot be read" in report.failed["policies/service-inventions.md"]
    assert report.kept == ["policies/service-inventions.md"] and report.exit_code == 3
    assert report.added == ["lectures/new-note.md"] and not report.removed
    assert "policies/service-inventions.md" in records


def test_unreadable_folder_keeps_its_documents(shared_tiny):
    with unprivileged():
        first = ingest(shared_tiny)
    folder = shared_tiny.corpus_dir / "policies"
    make_unreadable(folder)
    try:
        with unprivileged():
            report = ingest(shared_tiny)
            records = ChunkStore(shared_tiny).document_records()
    finally:
        readable_again(folder)
    assert "folder cannot be read" in report.failed["policies/"]
    assert sorted(report.kept) == ["policies/open-source.md", "policies/service-inventions.md"]
    assert not report.removed and report.exit_code == 3
    assert sorted(records) == sorted(first.added)


def test_rebuild_with_an_unreadable_file_keeps_the_previous_index(shared_tiny):
    with unprivileged():
        ingest(shared_tiny)
    victim = shared_tiny.corpus_dir / "policies" / "service-inventions.md"
    make_unreadable(victim)
    try:
        with unprivileged():
            report = ingest(shared_tiny, rebuild=True)
            store = ChunkStore(shared_tiny)
            generation, records = store.active_generation(), store.document_records()
    finally:
        readable_again(victim)
    assert "not swapped in" in report.failed["--rebuild"]
    assert generation == 0 and "policies/service-inventions.md" in records


# ------------------------------------------------------------------ row 5: image-only pages


def test_image_only_pages_are_reported_by_page(tiny):
    path = tiny.corpus_dir / "policies" / "scanned-annex.pdf"
    pdf_with_image_pages(path, ["Annex A. Invention disclosure checklist", "The inventor signs the disclosure form."], 3)
    report = ingest(tiny)
    problems = report.warnings["policies/scanned-annex.pdf"]
    assert [p.split(":")[0] for p in problems] == ["page 3", "page 4", "page 5"]
    assert "no text layer" in problems[0]
    assert "policies/scanned-annex.pdf" in report.added
    assert "warning policies/scanned-annex.pdf: page 3: no text layer" in report.summary()


# ------------------------------------------------------------------ row 13: a pathological file


def test_repeated_line_file_is_collapsed_and_every_other_chunk_stays_reachable(tiny, embeddings):
    line = "Notice: this line repeats in the export log and means nothing at all for any policy. "
    (tiny.corpus_dir / "policies" / "export-log.txt").write_text(line * (1_000_000 // len(line)))
    report = ingest(tiny)
    assert any("near-identical chunk(s) collapsed" in w for w in report.warnings["policies/export-log.txt"])
    store = ChunkStore(tiny)
    assert store.chunk_sources()["policies/export-log.txt"] <= 3
    result = store.chunks.get(include=["embeddings", "metadatas"])
    others = [(i, e) for i, e, m in zip(result["ids"], result["embeddings"], result["metadatas"]) if m["source"] != "policies/export-log.txt"]
    assert others
    for chunk_id, vector in others:  # every other chunk is its own nearest neighbour
        assert store.query(list(vector), 3)[0][0] == chunk_id


# ------------------------------------------------------------------ row 14: a document that claims another's identity


IMPOSTOR = """---
title: Old Notes
doc_id: POL-IP-001
version: 9.0
---
# Old notes

Inventions made at home belong to the inventor in every case, whatever the employment contract says.
"""


def test_a_claimed_doc_id_from_another_folder_is_warned_and_supersedes_nothing(tiny, reranker):
    from assistant.service import Assistant

    ingest(tiny)
    (tiny.corpus_dir / "lectures" / "old-notes.md").write_text(IMPOSTOR)
    report = ingest(tiny)
    assert any("POL-IP-001" in w and "policies/service-inventions.md" in w for w in report.warnings["lectures/old-notes.md"])
    status = Assistant(tiny, reranker=reranker).directory.status
    assert status["policies/service-inventions.md"] == "current"


def test_a_newer_version_in_the_same_folder_still_supersedes(tiny, reranker):
    from assistant.service import Assistant

    newer = (tiny.corpus_dir / "policies" / "service-inventions.md").read_text().replace("version: 2.0", "version: 3.0")
    (tiny.corpus_dir / "policies" / "service-inventions-v3.md").write_text(newer)
    report = ingest(tiny)
    assert not report.warnings
    status = Assistant(tiny, reranker=reranker).directory.status
    assert status["policies/service-inventions.md"] == "superseded"
    assert status["policies/service-inventions-v3.md"] == "current"


# ------------------------------------------------------------------ issue 6: chunk ids from content


TOPICS = ["disclosure", "filing", "rewards", "licensing", "secrecy", "publication", "audits", "training", "exports", "archives"]
ACTORS = ["engineers", "managers", "inventors", "auditors", "lawyers", "buyers", "trainees", "visitors"]


def _pages(edit: str = "") -> list[list[str]]:
    """Three pages of distinct rules (lines repeated on every page would be taken for running headers)."""
    pages = []
    for n, topic in enumerate(TOPICS[:3], start=1):
        lines = [f"{n}. {topic.title()} rules"]
        for k, actor in enumerate(ACTORS * 3):
            other = TOPICS[(n + k) % len(TOPICS)]
            lines.append(f"Rule {n}.{k}: {actor} handle {topic} together with {other} as step {k} requires.")
        if n == 2 and edit:
            lines.append(edit)
        pages.append(lines)
    return pages


def test_a_one_page_edit_re_embeds_only_that_pages_chunks(tmp_path, embeddings):
    corpus = tmp_path / "corpus"
    (corpus / "policies").mkdir(parents=True)
    pdf = corpus / "policies" / "rules.pdf"
    pdf_of_pages(pdf, _pages())
    settings = make_settings(tmp_path / "store", corpus=corpus)
    first = ingest(settings)
    before = ChunkStore(settings).chunks.get(include=["metadatas"])
    old_ids = set(before["ids"])
    pdf_of_pages(pdf, _pages(edit="Rule 2.99: the IP Office may grant an exception in writing."))
    second = ingest(settings)
    after = ChunkStore(settings).chunks.get(include=["metadatas"])
    new = [m for i, m in zip(after["ids"], after["metadatas"]) if i not in old_ids]
    assert second.updated == ["policies/rules.pdf"], second.summary()
    assert 0 < second.chunks == len(new) < first.chunks / 2
    assert all(m["page"] <= 2 <= m["page_end"] for m in new)
    assert {m["doc_sha256"] for m in after["metadatas"]} == {ChunkStore(settings).document_records()["policies/rules.pdf"].sha256}


def test_chunks_of_an_interrupted_update_are_reused_by_the_repair(tiny):
    first = ingest(tiny)
    store = ChunkStore(tiny)
    store.delete_record("policies/open-source.md")  # killed after the chunks, before the record
    report = ingest(tiny)
    assert report.added == ["policies/open-source.md"] and report.chunks == 0
    assert ChunkStore(tiny).count() == first.chunks
