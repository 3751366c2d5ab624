"""Incremental ingest: hash-skip unchanged files, update changed ones chunk by chunk, drop deleted ones.

The store itself says what was ingested (one record per document, written after its chunks), so
re-running after a crash repairs it: a document without a record is redone, reusing the chunks
whose content id still matches. Chunk ids come from their embedded text, so a changed file
re-embeds only its new chunks.

Nothing is removed that could not be read: a file or folder that cannot be read is reported and
its documents stay as they were. Only one ingest writes at a time (a lock file beside the store),
and ``rebuild`` builds a new generation aside and swaps it in when complete (see ``store``).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from .chunking import CHUNKER_VERSION, chunk_document, collapse_near_duplicates
from .config import Settings
from .embeddings import MODEL_NAME, embeddings_for
from .lexical import LexicalIndex, ensure_lexical_index  # noqa: F401 (imported from here by callers)
from .locking import writer_lock
from .loaders import SUPPORTED_SUFFIXES, DocumentError, load_document, sha256_file
from .schema import Chunk, IngestReport, LoadedDocument
from .store import ChunkStore, DocumentRecord

Progress = Callable[[int, int, str], None]


@dataclass
class Scan:
    """What a walk of the corpus found."""

    files: dict[str, Path] = field(default_factory=dict)  # source -> path, ready to ingest
    unreadable: dict[str, str] = field(default_factory=dict)  # "folder/" or source -> reason
    skipped: dict[str, str] = field(default_factory=dict)  # source -> why it is not ingested

    def covers_unreadable(self, source: str) -> bool:
        """Whether a recorded source lies where this walk could not look (its document must stay)."""
        return source in self.unreadable or any(
            folder == "./" or source.startswith(folder) for folder in self.unreadable if folder.endswith("/")
        )


def _hidden(relative: str) -> bool:
    return any(part.startswith((".", "_")) for part in relative.split("/"))


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
        return True
    except (ValueError, OSError, RuntimeError):  # outside, or a symlink loop
        return False


def discover(corpus_dir: Path) -> Scan:
    """Walk the corpus: supported files by relative source path; hidden files and folders ignored;
    unreadable folders, unsupported types and links out of the corpus reported."""
    root = corpus_dir.resolve()
    scan = Scan()

    def unreadable(error: OSError) -> None:
        relative = os.path.relpath(error.filename, root).replace(os.sep, "/")
        scan.unreadable["./" if relative == "." else relative + "/"] = f"folder cannot be read ({error.strerror})"

    for folder, dirnames, filenames in os.walk(root, onerror=unreadable):
        base = Path(folder)
        for name in list(dirnames):
            path = base / name
            relative = path.relative_to(root).as_posix()
            if _hidden(relative):
                dirnames.remove(name)
            elif path.is_symlink():
                dirnames.remove(name)  # never followed: it could leave the corpus or loop
                scan.skipped[relative + "/"] = "symlinked folder (not followed)"
        dirnames.sort()
        for name in sorted(filenames):
            path = base / name
            relative = path.relative_to(root).as_posix()
            if _hidden(relative):
                continue
            try:
                relative.encode("utf-8")
            except UnicodeEncodeError:
                scan.unreadable[relative] = "file name is not valid UTF-8: rename the file"
                continue
            if path.is_symlink() and not _inside(path, root):
                scan.skipped[relative] = "symlink to a file outside the corpus"
                continue
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                scan.skipped[relative] = f"unsupported file type ({path.suffix.lower() or 'no extension'})"
                continue
            if not path.is_file():
                scan.skipped[relative] = "not a regular file (broken link, device or pipe)"
                continue
            scan.files[relative] = path
    return scan


def _unreadable_reason(exc: OSError) -> str:
    return f"file cannot be read ({exc.strerror or type(exc).__name__})"


class Ingestor:
    """Brings a store in line with a corpus folder; ``run`` returns what it did."""

    def __init__(self, settings: Settings, store: ChunkStore | None = None, progress: Progress | None = None):
        self.settings = settings
        self.store = store or ChunkStore(settings)
        self.progress = progress
        self._embeddings = None
        self._unreadable = 0  # files and folders the last sync could not read

    def run(self, corpus_dir: Path | None = None, rebuild: bool = False) -> IngestReport:
        """One ingest, holding the writers' lock (raises :class:`~assistant.locking.IngestBusyError`
        when another ingest keeps it past the timeout)."""
        started = time.perf_counter()
        corpus_dir = Path(corpus_dir or self.settings.corpus_dir).resolve()
        if not corpus_dir.is_dir():
            raise FileNotFoundError(f"corpus folder not found: {corpus_dir}")
        with writer_lock(self.settings.ingest_lock_path, self.settings.ingest_lock_timeout):
            self.store.drop_unfinished_generations()
            target = self.store.next_generation() if rebuild else self.store
            report = self._sync(target, corpus_dir)
            if rebuild and self._unreadable:
                # The new generation lacks what could not be read: swapping would lose it.
                self.store.drop_generation(target.generation)
                report.failed["--rebuild"] = (
                    f"not swapped in: {self._unreadable} file(s) or folder(s) could not be read; the previous index is kept"
                )
            elif rebuild:
                self.store.activate(target)
                self.store = target
            self.store.seal()  # readers read the fingerprint from here again, cheaply
            self.refresh_lexical_index()
        report.seconds = time.perf_counter() - started
        return report

    def _sync(self, store: ChunkStore, corpus_dir: Path) -> IngestReport:
        report = IngestReport()
        scan = discover(corpus_dir)
        self._unreadable = sum(1 for reason in scan.unreadable.values() if reason.startswith("folder"))
        report.skipped.update(scan.skipped)
        records = store.document_records()
        chunk_ids = store.chunk_ids_by_source()

        for place, reason in scan.unreadable.items():
            held = sorted(s for s in records if s == place or (place.endswith("/") and (place == "./" or s.startswith(place))))
            report.failed[place] = reason + (f"; {len(held)} ingested document(s) kept as they were" if held else "")
            report.kept.extend(held)
        # Chunks of a document that is neither recorded nor in the corpus: an interrupted run's leftovers.
        for source in set(chunk_ids) - set(records) - set(scan.files):
            if not scan.covers_unreadable(source):
                store.delete_document(source)
        # Removed files disappear from answers; files we could not look at do not count as removed.
        for source in sorted(set(records) - set(scan.files)):
            if scan.covers_unreadable(source):
                continue
            store.delete_document(source)
            report.removed.append(source)

        todo: list[tuple[str, Path, DocumentRecord | None]] = []
        for source, path in scan.files.items():
            record = records.get(source)
            try:
                digest = sha256_file(path)
            except OSError as exc:
                report.failed[source] = _unreadable_reason(exc) + ("; the ingested version is kept" if record else "")
                self._unreadable += 1
                if record:
                    report.kept.append(source)
                continue
            intact = (
                record is not None
                and record.sha256 == digest
                and record.chunker == self.chunker
                and len(chunk_ids.get(source, ())) == record.chunks
            )
            if intact:
                report.unchanged.append(source)
            else:
                todo.append((source, path, record))

        for position, (source, path, record) in enumerate(todo, start=1):
            if self.progress:
                self.progress(position, len(todo), source)
            try:
                document = load_document(path, corpus_dir)
                chunks, collapsed = collapse_near_duplicates(
                    chunk_document(
                        document, self.settings.chunk_tokens, self.settings.chunk_overlap_tokens, self.settings.header_tokens
                    )
                )
                if not chunks:
                    raise DocumentError("no text to index")
                # Ids reuse embeddings only if they were made the same way (same model and chunker).
                reusable = chunk_ids.get(source, set()) if record is None or record.chunker == self.chunker else set()
                fresh = [c for c in chunks if c.id not in reusable]
                vectors = self.embeddings.embed_documents([c.indexed_text for c in fresh]) if fresh else []
            except OSError as exc:  # read permission lost between the hash and the parse
                report.failed[source] = _unreadable_reason(exc) + ("; the ingested version is kept" if record else "")
                self._unreadable += 1
                if record:
                    report.kept.append(source)
                continue
            except Exception as exc:  # one bad file never stops the rest
                reason = str(exc) if isinstance(exc, DocumentError) else f"{type(exc).__name__}: {exc}"
                report.failed[source] = reason
                if record is not None or source in chunk_ids:  # read and broken now: stop answering from it
                    store.delete_document(source)
                continue
            warnings = list(document.warnings)
            if collapsed:
                warnings.append(f"{collapsed} near-identical chunk(s) collapsed")
            warnings += self._identity_warnings(document, source, records)
            if warnings:
                report.warnings[source] = warnings
            self._write(store, document, chunks, fresh, vectors, chunk_ids.get(source, set()))
            records[source] = self._record(document, len(chunks))
            (report.updated if record is not None else report.added).append(source)
            report.chunks += len(fresh)
        return report

    def _write(
        self, store: ChunkStore, document: LoadedDocument, chunks: list[Chunk], fresh: list[Chunk], vectors, existing: set[str]
    ) -> None:
        """Record out first, then chunks, then the record back: a crash anywhere leaves chunks without
        a record (never served, repaired by the next run), never a record over missing chunks."""
        fresh_ids = {c.id for c in fresh}
        store.delete_record(document.source)
        store.add_chunks(fresh, vectors)
        store.update_metadata([c for c in chunks if c.id not in fresh_ids])
        store.delete_chunks(sorted(existing - {c.id for c in chunks}))
        store.put_document(self._record(document, len(chunks)))

    def _record(self, document: LoadedDocument, chunks: int) -> DocumentRecord:
        return DocumentRecord(
            source=document.source,
            sha256=document.sha256,
            title=document.title,
            doc_type=document.doc_type,
            doc_id=document.doc_id,
            version=document.version,
            status=document.status,
            chunks=chunks,
            parties=document.parties,
            preamble=document.preamble,
            chunker=self.chunker,
            pages=document.pages,
            ingested_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        )

    @staticmethod
    def _identity_warnings(document: LoadedDocument, source: str, records: dict[str, DocumentRecord]) -> list[str]:
        """A document that claims the doc_id of another one: said at ingest, since it decides which
        version answers (see ``documents.DocumentDirectory``: only a document of the same type and
        folder can supersede another)."""
        if not document.doc_id:
            return []
        warnings = []
        for other in sorted(records.values(), key=lambda r: r.source):
            if other.source == source or other.doc_id != document.doc_id:
                continue
            if other.version == document.version:
                warnings.append(f"claims doc_id {document.doc_id} version {document.version or '(none)'}, as {other.source} does")
            elif other.doc_type != document.doc_type or os.path.dirname(other.source) != os.path.dirname(source):
                warnings.append(
                    f"claims doc_id {document.doc_id} of {other.source} ({other.doc_type}) from another type or folder; "
                    "neither supersedes the other"
                )
        return warnings

    @property
    def embeddings(self):
        if self._embeddings is None:
            self._embeddings = embeddings_for(self.settings)
        return self._embeddings

    @property
    def chunker(self) -> str:
        """What chunks depend on besides the file: a change re-chunks every document."""
        s = self.settings
        return f"{MODEL_NAME}/{s.chunk_tokens}/{s.chunk_overlap_tokens}/{s.header_tokens}/{CHUNKER_VERSION}"

    def refresh_lexical_index(self) -> LexicalIndex:
        """Rebuild the BM25 index when the store changed since it was saved."""
        return ensure_lexical_index(self.store, self.settings)
