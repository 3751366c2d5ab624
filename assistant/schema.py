"""Values that travel between layers: loaded documents, chunks, passages, answers, reports."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Segment:
    """A run of document text with one location: a PDF page, or a Markdown section."""

    text: str
    page: int | None  # 1-based PDF page; None for files without pages
    section: str  # heading path, "" when unknown


@dataclass(frozen=True)
class LoadedDocument:
    """A parsed source file, before chunking."""

    source: str  # path relative to the corpus root, with forward slashes
    sha256: str
    title: str
    doc_type: str  # "policy", "lecture", "contract", "document"
    segments: list[Segment]
    doc_id: str = ""
    version: str = ""
    status: str = "current"  # "current" or "superseded"
    parties: str = ""  # contracting parties or other names the document goes by
    preamble: str = ""  # the opening words of the document, where agreements name themselves and their parties
    pages: int = 0
    warnings: tuple[str, ...] = ()  # problems that did not stop the file, e.g. "page 3: no text layer"


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage and the metadata that cites it."""

    id: str
    text: str  # the passage exactly as it stands in the document
    indexed_text: str  # context header + passage: what is embedded and BM25-indexed
    source: str
    title: str
    section: str
    page: int | None
    page_end: int | None
    doc_sha256: str
    doc_type: str
    doc_id: str
    version: str
    status: str
    ordinal: int

    def metadata(self) -> dict:
        """Chroma metadata: scalar values only, no None."""
        meta = {
            "source": self.source,
            "title": self.title,
            "section": self.section,
            "page": self.page if self.page is not None else -1,
            "page_end": self.page_end if self.page_end is not None else -1,
            "doc_sha256": self.doc_sha256,
            "doc_type": self.doc_type,
            "doc_id": self.doc_id,
            "version": self.version,
            "status": self.status,
            "ordinal": self.ordinal,
            "text": self.text,
        }
        return meta


@dataclass
class Passage:
    """A chunk found for a question, with the scores that ranked it."""

    id: str
    text: str
    source: str
    title: str
    section: str
    page: int | None
    page_end: int | None
    doc_type: str
    version: str
    status: str
    ordinal: int = 0  # position of the chunk in its document
    # Raw signals, each on its own scale; ``score`` is the one ranking key computed from them
    # (:class:`~assistant.ranking.RankingPolicy`), higher is better, and never anything else.
    score: float = 0.0
    fused_rank: int | None = None  # 1-based rank after dense + BM25 fusion (named documents first)
    dense: float | None = None  # cosine similarity of the question and the chunk
    rerank: float | None = None  # cross-encoder logit of the (focused) question and the passage
    named: bool = False  # the question names this passage's document
    version_asked: bool = False  # the question asks for this version of the document ("the 2021 version")
    holds_added: bool = False  # the passage holds a rare word a follow-up adds ("Korea" of "And for Korea?")
    records_change: bool = False  # the question asks what changed, and this passage records its document's changes
    quoted: bool = False  # the answer quotes this passage (set once the answer units are chosen)

    @property
    def superseded(self) -> bool:
        return self.status == "superseded"

    @property
    def outdated(self) -> bool:
        """Superseded and not asked for: ranked and chosen below what is in force."""
        return self.superseded and not self.version_asked

    @classmethod
    def from_metadata(cls, chunk_id: str, meta: dict) -> "Passage":
        page = int(meta.get("page", -1))
        page_end = int(meta.get("page_end", -1))
        return cls(
            id=chunk_id,
            text=str(meta.get("text", "")),
            source=str(meta.get("source", "")),
            title=str(meta.get("title", "")),
            section=str(meta.get("section", "")),
            page=page if page > 0 else None,
            page_end=page_end if page_end > 0 else None,
            doc_type=str(meta.get("doc_type", "")),
            version=str(meta.get("version", "")),
            status=str(meta.get("status", "current")),
            ordinal=int(meta.get("ordinal", 0)),
        )


@dataclass(frozen=True)
class Citation:
    """A passage shown to the user as a source, numbered as in the answer."""

    n: int
    source: str
    title: str
    page: int | None
    page_end: int | None
    section: str
    text: str
    score: float
    version: str = ""
    superseded: bool = False

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    grounded: bool
    backend: str
    citations: list[Citation]
    confidence: float = 0.0
    standalone_question: str | None = None  # the question actually searched (a follow-up made whole)
    mode: str = "extractive"  # "extractive" (copied sentences) or "generated" (a language model wrote it)
    model: str | None = None  # the language model that wrote a generated answer
    unsupported: tuple[str, ...] = ()  # generated sentences that failed verification, kept out of the answer
    fallback: str | None = None  # why a configured model's answer is not shown, when it is not

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "standalone_question": self.standalone_question or self.question,
            "answer": self.answer,
            "grounded": self.grounded,
            "backend": self.backend,
            "confidence": round(self.confidence, 4),
            "citations": [c.to_json() for c in self.citations],
            "mode": self.mode,
            "model": self.model,
            "unsupported": list(self.unsupported),
            "fallback": self.fallback,
        }


def printable(name: str) -> str:
    """A file name safe to print: bytes that are not UTF-8 shown as \\xNN, never an encoding error."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # source (or "folder/") -> reason
    kept: list[str] = field(default_factory=list)  # ingested documents kept because their file or folder could not be read
    skipped: dict[str, str] = field(default_factory=dict)  # not ingested by design: unsupported type, symlink out of the corpus
    warnings: dict[str, list[str]] = field(default_factory=dict)  # source -> problems that did not stop it
    chunks: int = 0  # chunks embedded in this run
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return 3 if self.failed else 0

    def summary(self) -> str:
        lines = [
            f"added {len(self.added)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}, "
            f"removed {len(self.removed)}, failed {len(self.failed)}, chunks {self.chunks}, "
            f"seconds {self.seconds:.1f}; kept {len(self.kept)}, skipped {len(self.skipped)}"
        ]
        for source, reason in sorted(self.failed.items()):
            lines.append(f"  failed {printable(source)}: {reason}")
        for source, reason in sorted(self.skipped.items()):
            lines.append(f"  skipped {printable(source)}: {reason}")
        for source, problems in sorted(self.warnings.items()):
            for problem in problems:
                lines.append(f"  warning {printable(source)}: {problem}")
        return "\n".join(lines)
