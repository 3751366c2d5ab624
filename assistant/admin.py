"""What admins do to the corpus: upload, replace (archiving the old file), remove, re-ingest, review.

Every action takes the signed-in :class:`~assistant.auth.Principal` and checks the admin role
itself, so the documents page cannot do more than its user may. Uploads are judged by content,
not by name: a PDF must start like one and open, Markdown and text must decode as UTF-8 without
NUL bytes. File names are reduced to a safe set of characters and can never leave the corpus
folder. One ingest at a time per store: :class:`IngestLock` (an OS file lock, so it holds across
processes and is released if the process dies) refuses a second one instead of interleaving.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pypdfium2 as pdfium

from .auth import ADMIN, Principal, require
from .config import Settings
from .documents import DocumentDirectory
from .ingest import Ingestor, Progress, ensure_lexical_index
from .loaders import SUPPORTED_SUFFIXES

# What the documents page accepts: the types whose content it checks (Word and PowerPoint files are
# ingested from the corpus folder, but not uploaded through the browser).
UPLOAD_SUFFIXES = frozenset({".pdf", ".md", ".markdown", ".txt"}) & frozenset(SUPPORTED_SUFFIXES)
from .schema import IngestReport
from .store import ChunkStore, DocumentRecord

# Leading bytes of file types that are not text, so a renamed binary is not indexed as text.
_BINARY_MAGIC = (b"%PDF-", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x7fELF", b"MZ", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")
# A PDF may have a little junk before its header; readers accept it within the first kilobyte.
PDF_HEADER_WINDOW = 1024
MAX_NAME_CHARS = 120  # well below file-system limits, long enough for descriptive policy names
_EFFECTIVE = re.compile(r"\b(?:Effective(?: date)?|Date)\s*:?\s*(\d{4}-\d{2}-\d{2})", re.IGNORECASE)


class UploadError(ValueError):
    """An upload that is refused; the message says why, for the admin."""


class NeedsConfirmation(RuntimeError):
    """The upload would replace an existing file and the admin has not confirmed."""


class IngestBusy(RuntimeError):
    """Another ingest holds the lock."""


@dataclass(frozen=True)
class CheckedUpload:
    name: str  # the safe file name it will be saved under
    kind: str  # "pdf", "markdown" or "text"
    data: bytes


@dataclass(frozen=True)
class SavedUpload:
    source: str  # path relative to the corpus root
    replaced: bool
    archived: Path | None  # where the replaced file was kept


@dataclass(frozen=True)
class DocumentRow:
    """One line of the documents table."""

    source: str
    title: str
    doc_type: str
    version: str
    effective: str
    status: str  # "current" or "superseded" (also when a later version of the same document is held)
    pages: int
    chunks: int
    sha256: str
    ingested_at: str


@dataclass
class IngestStatus:
    """The last ingest, kept beside the store so the documents page can show failures and when."""

    finished_at: str = ""
    summary: str = ""
    failed: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_report(cls, report: IngestReport) -> "IngestStatus":
        return cls(datetime.now(timezone.utc).isoformat(timespec="seconds"), report.summary(), dict(report.failed))


# ------------------------------------------------------------------ uploads


def safe_filename(name: str) -> str:
    """The last path component, NFKC, with anything but letters, digits, '.', '-' and '_' made '-'.

    Never empty, never hidden or '_'-prefixed (ingest skips those), never a path."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name or ""))[-1]
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip(".-_")
    stem = re.sub(r"-{2,}", "-", stem)[: MAX_NAME_CHARS - len(suffix) - 1] or "document"
    suffix = re.sub(r"[^A-Za-z0-9]+", "", suffix).lower()
    return f"{stem}.{suffix}" if suffix else stem


def check_upload(name: str, data: bytes, max_bytes: int) -> CheckedUpload:
    """Refuse what must not enter the corpus: wrong type by content, empty, too large, bad name."""
    safe = safe_filename(name)
    suffix = Path(safe).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise UploadError(f"{name}: only PDF, Markdown and text files can be uploaded ({', '.join(sorted(UPLOAD_SUFFIXES))})")
    if not data:
        raise UploadError(f"{name}: the file is empty")
    if len(data) > max_bytes:
        raise UploadError(f"{name}: {len(data) / 2**20:.1f} MB is over the limit of {max_bytes / 2**20:.0f} MB")
    if suffix == ".pdf":
        if b"%PDF-" not in data[:PDF_HEADER_WINDOW]:
            raise UploadError(f"{name}: this is not a PDF (no PDF header)")
        try:
            document = pdfium.PdfDocument(data)
            pages = len(document)
            document.close()
        except pdfium.PdfiumError as exc:
            raise UploadError(f"{name}: the PDF cannot be opened ({exc})") from exc
        if pages == 0:
            raise UploadError(f"{name}: the PDF has no pages")
        return CheckedUpload(safe, "pdf", data)
    if data.startswith(_BINARY_MAGIC):
        raise UploadError(f"{name}: this is a binary file, not {suffix} text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UploadError(f"{name}: the text is not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    if "\x00" in text:
        raise UploadError(f"{name}: the text contains NUL bytes (a binary file?)")
    if not text.strip():
        raise UploadError(f"{name}: the file has no text")
    return CheckedUpload(safe, "markdown" if suffix in {".md", ".markdown"} else "text", data)


def corpus_folders(corpus_dir: Path) -> list[str]:
    """Where an upload can go: the corpus root ("") and its visible top-level folders."""
    root = Path(corpus_dir)
    found = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))) if root.is_dir() else []
    return ["", *found]


def target_path(corpus_dir: Path, folder: str, name: str) -> Path:
    """The file an upload is saved as; refuses a folder outside the listed ones or any escape."""
    root = Path(corpus_dir).resolve()
    if folder not in corpus_folders(root):
        raise UploadError(f"unknown corpus folder {folder!r}")
    target = (root / folder / safe_filename(name)).resolve()
    if root not in target.parents:
        raise UploadError(f"{name}: the file would be saved outside the corpus")
    return target


def source_of(corpus_dir: Path, folder: str, name: str) -> str:
    return target_path(corpus_dir, folder, name).relative_to(Path(corpus_dir).resolve()).as_posix()


def save_upload(settings: Settings, principal: Principal | None, upload: CheckedUpload, folder: str,
                confirm_replace: bool = False) -> SavedUpload:
    """Write an upload into the corpus. Replacing a file needs ``confirm_replace``; the old file is
    moved to the archive first. The new file appears whole or not at all (write, then rename)."""
    require(principal, ADMIN)
    target = target_path(settings.corpus_dir, folder, upload.name)
    source = target.relative_to(Path(settings.corpus_dir).resolve()).as_posix()
    replaced = target.exists()
    if replaced and not confirm_replace:
        raise NeedsConfirmation(f"{source} exists: confirm to replace it (the current file is archived)")
    archived = archive(settings, source) if replaced else None
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(upload.data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return SavedUpload(source, replaced, archived)


def archive(settings: Settings, source: str) -> Path:
    """Move a corpus file to ``archive_dir/<UTC time>/<source>`` and return where it went."""
    root = Path(settings.corpus_dir).resolve()
    path = (root / source).resolve()
    if root not in path.parents or not path.is_file():
        raise UploadError(f"{source} is not a file in the corpus")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    destination = Path(settings.archive_dir) / stamp / source
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(path), str(destination))
    return destination


# ------------------------------------------------------------------ ingest, removal


class IngestLock:
    """An exclusive, non-blocking lock for one store. ``with IngestLock(settings):`` raises
    :class:`IngestBusy` when another ingest (this process or another) holds it."""

    def __init__(self, settings: Settings):
        base = settings.index_dir if settings.chroma_host else settings.store_dir
        self.path = Path(base).parent / f".{Path(base).name}.ingest.lock"
        self._handle = None

    def __enter__(self) -> "IngestLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.close()
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise IngestBusy("an ingest is already running; try again when it has finished") from None
            raise
        self._handle = handle
        return self

    def __exit__(self, *exc) -> None:
        fcntl.flock(self._handle, fcntl.LOCK_UN)
        self._handle.close()
        self._handle = None


def status_path(settings: Settings) -> Path:
    base = settings.index_dir if settings.chroma_host else settings.store_dir
    return Path(base).parent / f"{Path(base).name}.last-ingest.json"


def run_ingest(settings: Settings, principal: Principal | None, progress: Progress | None = None) -> IngestReport:
    """Bring the store in line with the corpus, as ``python ingest.py`` does, one at a time."""
    from .locking import IngestBusyError

    require(principal, ADMIN)
    with IngestLock(settings):  # one admin ingest at a time in this app ...
        try:  # ... and, through the Ingestor's own writers' lock, none beside a CLI ingest
            report = Ingestor(settings, progress=progress).run(settings.corpus_dir)
        except IngestBusyError as exc:
            raise IngestBusy(f"an ingest is already running; try again when it has finished ({exc})") from None
        save_status(settings, report)
    return report


def save_status(settings: Settings, report: IngestReport) -> None:
    path = status_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(IngestStatus.from_report(report)), ensure_ascii=False, indent=1), encoding="utf-8")


def last_status(settings: Settings) -> IngestStatus | None:
    try:
        return IngestStatus(**json.loads(status_path(settings).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def remove_document(settings: Settings, principal: Principal | None, source: str) -> Path:
    """Archive a document's file and take it out of the store at once (it stops being cited)."""
    require(principal, ADMIN)
    with IngestLock(settings):
        archived = archive(settings, source)
        store = ChunkStore(settings)
        store.delete_document(source)
        store.seal()
        ensure_lexical_index(store, settings)
    return archived


# ------------------------------------------------------------------ the documents table


def effective_date(record: DocumentRecord) -> str:
    match = _EFFECTIVE.search(record.preamble or "")
    return match.group(1) if match else ""


def document_rows(records: dict[str, DocumentRecord]) -> list[DocumentRow]:
    status = DocumentDirectory._effective_status(records)
    return [
        DocumentRow(
            source=source, title=r.title, doc_type=r.doc_type, version=r.version, effective=effective_date(r),
            status=status[source], pages=int(r.pages or 0), chunks=int(r.chunks), sha256=r.sha256,
            ingested_at=r.ingested_at,
        )
        for source, r in sorted(records.items())
    ]
