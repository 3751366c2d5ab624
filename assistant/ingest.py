"""Incremental ingest: hash-skip unchanged files, replace changed ones, drop deleted ones.

The store itself says what was ingested (one record per document, written after its chunks), so
re-running after a crash repairs it: chunks without a record are removed and their files ingested
again. A file that cannot be read is reported with its reason and skipped; the rest go on.
"""
from __future__ import annotations

import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from .chunking import CHUNKER_VERSION, chunk_document
from .config import Settings
from .embeddings import MODEL_NAME, get_embeddings
from .lexical import LexicalIndex
from .loaders import SUPPORTED_SUFFIXES, DocumentError, load_document, sha256_file
from .schema import IngestReport
from .store import ChunkStore, DocumentRecord

Progress = Callable[[int, int, str], None]


def discover(corpus_dir: Path) -> dict[str, Path]:
    """Supported files under the corpus root by their relative source path; hidden files skipped."""
    found: dict[str, Path] = {}
    for path in sorted(corpus_dir.rglob("*")):
        relative = path.relative_to(corpus_dir)
        if any(part.startswith((".", "_")) for part in relative.parts):
            continue
        if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES:
            found[relative.as_posix()] = path
    return found


class Ingestor:
    """Brings a store in line with a corpus folder; ``run`` returns what it did."""

    def __init__(self, settings: Settings, store: ChunkStore | None = None, progress: Progress | None = None):
        self.settings = settings
        self.store = store or ChunkStore(settings)
        self.progress = progress

    def run(self, corpus_dir: Path | None = None, rebuild: bool = False) -> IngestReport:
        started = time.perf_counter()
        corpus_dir = Path(corpus_dir or self.settings.corpus_dir).resolve()
        if not corpus_dir.is_dir():
            raise FileNotFoundError(f"corpus folder not found: {corpus_dir}")
        report = IngestReport()
        if rebuild:
            self.store.reset()

        files = discover(corpus_dir)
        records = self.store.document_records()
        chunk_counts = self.store.chunk_sources()

        # Repair: chunks whose document has no record come from an interrupted run.
        for source in set(chunk_counts) - set(records):
            self.store.delete_document(source)
        # Removed files disappear from answers.
        for source in sorted(set(records) - set(files)):
            self.store.delete_document(source)
            report.removed.append(source)

        todo: list[tuple[str, Path, bool]] = []
        for source, path in files.items():
            record = records.get(source)
            if record is None:
                todo.append((source, path, False))
                continue
            intact = chunk_counts.get(source, 0) == record.chunks and record.chunker == self.chunker
            if intact and record.sha256 == sha256_file(path):
                report.unchanged.append(source)
            else:
                todo.append((source, path, True))

        embeddings = get_embeddings(self.settings.embed_batch_size) if todo else None
        # A file whose records say it was chunked differently (other settings or chunker) is
        # re-chunked in full: none of its old chunk ids can be trusted to match.
        rechunk = {source for source, _, existed in todo if existed and records[source].chunker != self.chunker}
        for source in rechunk:
            self.store.delete_document(source)
        for position, (source, path, existed) in enumerate(todo, start=1):
            if self.progress:
                self.progress(position, len(todo), source)
            reuse = existed and source not in rechunk  # its stored chunks may be kept
            try:
                document = load_document(path, corpus_dir)
                chunks = chunk_document(
                    document, self.settings.chunk_tokens, self.settings.chunk_overlap_tokens, self.settings.header_tokens
                )
                if not chunks:
                    raise DocumentError("no text to index")
                # Chunk ids come from content: only chunks the store lacks are embedded (a one-page
                # edit re-embeds that page's chunks); the others keep their vectors.
                held = self.store.chunk_ids(source) if reuse else set()
                fresh = [c for c in chunks if c.id not in held]
                vectors = embeddings.embed_documents([c.indexed_text for c in fresh]) if fresh else []
            except Exception as exc:  # one bad file never stops the rest
                reason = str(exc) if isinstance(exc, DocumentError) else f"{type(exc).__name__}: {exc}"
                report.failed[source] = reason
                if existed:  # the old version no longer matches the file: do not keep answering from it
                    self.store.delete_document(source)
                continue
            if reuse:
                # Record first, so no half-updated document is served; a crash from here on leaves
                # chunks without a record, which the next run removes and redoes.
                self.store.delete_record(source)
                wanted = {c.id for c in chunks}
                self.store.delete_chunks(sorted(held - wanted))
                self.store.update_metadata([c for c in chunks if c.id in held])
            self.store.add_chunks(fresh, vectors)
            self.store.put_document(
                DocumentRecord(
                    source=source,
                    sha256=document.sha256,
                    title=document.title,
                    doc_type=document.doc_type,
                    doc_id=document.doc_id,
                    version=document.version,
                    status=document.status,
                    chunks=len(chunks),
                    parties=document.parties,
                    preamble=document.preamble,
                    chunker=self.chunker,
                    pages=document.pages,
                    ingested_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                )
            )
            (report.updated if existed else report.added).append(source)
            report.chunks += len(fresh)

        self.refresh_lexical_index()
        report.seconds = time.perf_counter() - started
        return report

    @property
    def chunker(self) -> str:
        """What chunks depend on besides the file: a change re-chunks every document."""
        s = self.settings
        return f"{MODEL_NAME}/{s.chunk_tokens}/{s.chunk_overlap_tokens}/{s.header_tokens}/{CHUNKER_VERSION}"

    def refresh_lexical_index(self) -> LexicalIndex:
        """Rebuild the BM25 index when the store changed since it was saved."""
        return ensure_lexical_index(self.store, self.settings)


def ensure_lexical_index(store: ChunkStore, settings: Settings) -> LexicalIndex:
    fingerprint = store.fingerprint()
    existing = LexicalIndex.load(settings.index_dir)
    if existing is not None and existing.fingerprint == fingerprint:
        return existing
    ids, texts, metadatas = store.all_chunks()
    index = LexicalIndex.build(ids, texts, fingerprint, [m["source"] for m in metadatas])
    try:
        index.save(settings.index_dir)
    except OSError as exc:  # a read-only deployment still answers, from the in-memory index
        print(f"warning: could not save the BM25 index to {settings.index_dir}: {exc}", file=sys.stderr)
    return index
