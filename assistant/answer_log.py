"""Every answer the assistant gives, in a database Legal reviews: SQLite by default, PostgreSQL to share.

Why a database and not a file: several app replicas behind one Chroma server must write one log,
and Legal filter it (by document, feedback, mark, staleness). SQLAlchemy 2 speaks both; the schema
is versioned by a small migration table (:data:`MIGRATIONS`), applied on open under a transaction,
so a replica that starts later finds it done. The JSON-lines log of earlier versions is imported
once (remembered by its content hash), losing nothing: every answer, every mark in order.

Whether an answer is *stale* is not stored: it is computed against the store's document records
whenever the log is read, so an ingest that changes or removes a document flags every answer
that relied on it, with the version it relied on and the current one.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterable, Mapping

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from .presentation import citation_label, spreadsheet_safe
from .schema import Answer

MARKS = ("right", "wrong")
FEEDBACK = {1: "up", 0: "down"}  # st.feedback("thumbs") gives 1 for up, 0 for down

metadata = MetaData()

schema_version = Table("schema_version", metadata, Column("version", Integer, primary_key=True))

answers = Table(
    "answers",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("asked_at", DateTime(timezone=True), nullable=False, index=True),
    Column("question", Text, nullable=False),
    Column("standalone_question", Text, nullable=True),
    Column("answer", Text, nullable=False),
    Column("grounded", Boolean, nullable=False),
    Column("confidence", Float, nullable=False, default=0.0),
    Column("mode", String(40), nullable=True),  # "extractive", "generated", ... (None: not recorded)
    Column("model", String(200), nullable=True),
    Column("backend", String(300), nullable=False, default=""),
    Column("asked_by", String(300), nullable=True),
    Column("feedback", Integer, nullable=True),  # 1 thumbs up, 0 thumbs down
    Column("feedback_comment", Text, nullable=True),
    Column("feedback_at", DateTime(timezone=True), nullable=True),
    # The latest review; every review is kept in ``reviews``.
    Column("mark", String(10), nullable=True),
    Column("note", Text, nullable=True),
    Column("reviewed_at", DateTime(timezone=True), nullable=True),
    Column("reviewer", String(300), nullable=True),
)

citations = Table(
    "citations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("answer_id", String(32), ForeignKey("answers.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("n", Integer, nullable=False),
    Column("source", Text, nullable=False, index=True),
    Column("title", Text, nullable=False),
    Column("version", String(60), nullable=False, default=""),
    Column("doc_sha256", String(64), nullable=True),  # None: imported from a log that did not record it
    Column("page", Integer, nullable=True),
    Column("page_end", Integer, nullable=True),
    Column("section", Text, nullable=False, default=""),
    Column("text", Text, nullable=False),
    Column("score", Float, nullable=False, default=0.0),
    Column("superseded", Boolean, nullable=False, default=False),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("answer_id", String(32), ForeignKey("answers.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("mark", String(10), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("reviewer", String(300), nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
)

legacy_imports = Table(
    "legacy_imports",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("path", Text, nullable=False),
    Column("answers", Integer, nullable=False),
    Column("reviews", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)


def _v1(connection: Connection) -> None:
    metadata.create_all(connection, tables=[answers, citations, reviews, legacy_imports])


# Each step brings the schema from version i to i + 1; append, never edit, a released step.
MIGRATIONS = [_v1]


# ------------------------------------------------------------------ values


@dataclass(frozen=True)
class DocumentState:
    """What the store holds now for a source: the part of a document record staleness needs."""

    sha256: str
    version: str


@dataclass(frozen=True)
class LoggedCitation:
    n: int
    source: str
    title: str
    version: str
    doc_sha256: str | None
    page: int | None
    page_end: int | None
    section: str
    text: str
    score: float = 0.0
    superseded: bool = False

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Staleness:
    """A cited document that changed or went away since the answer relied on it."""

    source: str
    relied_version: str
    relied_sha256: str | None
    current_version: str | None  # None: the document was removed
    current_sha256: str | None

    def describe(self) -> str:
        relied = f"v{self.relied_version}" if self.relied_version else "an earlier file"
        if self.current_sha256 is None:
            return f"{self.source}: relied on {relied}; the document has been removed"
        now = f"v{self.current_version}" if self.current_version else "a changed file"
        if self.current_version == self.relied_version:
            now = f"a changed file (still v{self.current_version})" if self.current_version else "a changed file"
        return f"{self.source}: relied on {relied}; now {now}"


@dataclass(frozen=True)
class LoggedAnswer:
    id: str
    asked_at: datetime
    question: str
    standalone_question: str | None
    answer: str
    grounded: bool
    confidence: float
    mode: str | None
    model: str | None
    backend: str
    asked_by: str | None
    feedback: int | None
    feedback_comment: str | None
    mark: str | None
    note: str | None
    reviewed_at: datetime | None
    reviewer: str | None
    citations: list[LoggedCitation] = field(default_factory=list)
    stale: list[Staleness] = field(default_factory=list)

    @property
    def feedback_label(self) -> str:
        return FEEDBACK.get(self.feedback, "") if self.feedback is not None else ""


@dataclass(frozen=True)
class ReviewFilter:
    """What Legal filter the log by; None or False means no filter on that field."""

    document: str | None = None  # answers citing this source
    feedback: str | None = None  # "up", "down" or "none" (no feedback given)
    mark: str | None = None  # "right" or "wrong"
    unreviewed: bool = False
    stale: bool = False
    limit: int = 1000  # newest first; the page shows at most this many


# ------------------------------------------------------------------ the log


class AnswerLog:
    """Record answers, staff feedback and reviewers' marks; read them back filtered, with stale flags."""

    def __init__(self, url: str, legacy_jsonl: Path | None = None):
        self.url = url
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url, future=True, pool_pre_ping=True)
        self.migrate()
        self.imported = self.import_legacy(legacy_jsonl) if legacy_jsonl else 0

    @classmethod
    def from_settings(cls, settings) -> "AnswerLog":
        return cls(settings.answer_log_url, legacy_jsonl=settings.feedback_log)

    # -------------------------------------------------------------- schema

    def schema_version(self) -> int:
        with self.engine.connect() as connection:
            return self._version(connection)

    @staticmethod
    def _version(connection: Connection) -> int:
        return connection.execute(select(func.coalesce(func.max(schema_version.c.version), 0))).scalar_one()

    def migrate(self) -> None:
        """Apply the steps not yet applied. A replica racing another fails on the version's
        primary key, rolls back and finds the work done."""
        metadata.create_all(self.engine, tables=[schema_version])
        for target in range(1, len(MIGRATIONS) + 1):
            try:
                with self.engine.begin() as connection:
                    if self._version(connection) >= target:
                        continue
                    MIGRATIONS[target - 1](connection)
                    connection.execute(insert(schema_version).values(version=target))
            except IntegrityError:
                continue

    # -------------------------------------------------------------- writing

    def record_answer(
        self,
        answer: Answer,
        documents: Mapping[str, DocumentState] | None = None,
        mode: str | None = None,
        model: str | None = None,
        asked_by: str | None = None,
        asked_at: datetime | None = None,
    ) -> str:
        """Log an answer with each citation's document hash and version as the store holds them now."""
        documents = documents or {}
        answer_id = uuid.uuid4().hex
        standalone = answer.standalone_question if answer.standalone_question != answer.question else None
        with self.engine.begin() as connection:
            connection.execute(
                insert(answers).values(
                    id=answer_id,
                    asked_at=asked_at or _now(),
                    question=answer.question,
                    standalone_question=standalone,
                    answer=answer.answer,
                    grounded=answer.grounded,
                    confidence=float(answer.confidence),
                    mode=mode or getattr(answer, "mode", None),
                    model=model or getattr(answer, "model", None),
                    backend=answer.backend,
                    asked_by=asked_by,
                )
            )
            rows = []
            for c in answer.citations:
                state = documents.get(c.source)
                rows.append(
                    dict(
                        answer_id=answer_id, n=c.n, source=c.source, title=c.title,
                        version=c.version or (state.version if state else ""),
                        doc_sha256=state.sha256 if state else None, page=c.page, page_end=c.page_end,
                        section=c.section, text=c.text, score=float(c.score), superseded=c.superseded,
                    )
                )
            if rows:
                connection.execute(insert(citations), rows)
        return answer_id

    def give_feedback(self, answer_id: str, score: int, comment: str = "") -> None:
        """Staff's thumbs (1 up, 0 down) and optional comment; a later one replaces the earlier."""
        if score not in FEEDBACK:
            raise ValueError(f"feedback must be one of {sorted(FEEDBACK)} (0 down, 1 up)")
        self._update(answer_id, feedback=score, feedback_comment=comment.strip() or None, feedback_at=_now())

    def mark(self, answer_id: str, mark: str, note: str = "", reviewer: str | None = None) -> None:
        """A reviewer's verdict: kept in the review history and shown as the answer's current mark."""
        if mark not in MARKS:
            raise ValueError(f"mark must be one of {MARKS}")
        at = _now()
        with self.engine.begin() as connection:
            self._require(connection, answer_id)
            connection.execute(insert(reviews).values(answer_id=answer_id, mark=mark, note=note, reviewer=reviewer, at=at))
            connection.execute(
                update(answers).where(answers.c.id == answer_id).values(mark=mark, note=note, reviewed_at=at, reviewer=reviewer)
            )

    def _update(self, answer_id: str, **values) -> None:
        with self.engine.begin() as connection:
            self._require(connection, answer_id)
            connection.execute(update(answers).where(answers.c.id == answer_id).values(**values))

    @staticmethod
    def _require(connection: Connection, answer_id: str) -> None:
        if connection.execute(select(answers.c.id).where(answers.c.id == answer_id)).first() is None:
            raise KeyError(f"no logged answer {answer_id!r}")

    # -------------------------------------------------------------- reading

    def get(self, answer_id: str, documents: Mapping[str, DocumentState] | None = None) -> LoggedAnswer:
        with self.engine.connect() as connection:
            row = connection.execute(select(answers).where(answers.c.id == answer_id)).mappings().first()
            if row is None:
                raise KeyError(f"no logged answer {answer_id!r}")
            cited = self._citations(connection, [answer_id])
        return _entry(row, cited.get(answer_id, []), documents)

    def review_history(self, answer_id: str) -> list[dict]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(reviews.c.mark, reviews.c.note, reviews.c.reviewer, reviews.c.at)
                .where(reviews.c.answer_id == answer_id)
                .order_by(reviews.c.id)
            ).mappings()
            return [{**r, "at": _utc(r["at"])} for r in rows]

    def entries(self, where: ReviewFilter | None = None, documents: Mapping[str, DocumentState] | None = None) -> list[LoggedAnswer]:
        """Logged answers, newest first, filtered; stale flags against ``documents`` (the store's records)."""
        where = where or ReviewFilter()
        query = select(answers)
        if where.document:
            query = query.where(answers.c.id.in_(select(citations.c.answer_id).where(citations.c.source == where.document)))
        if where.feedback == "up":
            query = query.where(answers.c.feedback == 1)
        elif where.feedback == "down":
            query = query.where(answers.c.feedback == 0)
        elif where.feedback == "none":
            query = query.where(answers.c.feedback.is_(None))
        elif where.feedback is not None:
            raise ValueError("feedback filter must be up, down or none")
        if where.mark:
            if where.mark not in MARKS:
                raise ValueError(f"mark filter must be one of {MARKS}")
            query = query.where(answers.c.mark == where.mark)
        if where.unreviewed:
            query = query.where(answers.c.mark.is_(None))
        query = query.order_by(answers.c.asked_at.desc(), answers.c.id.desc())
        if not where.stale:  # staleness is computed, so that filter must read every candidate
            query = query.limit(where.limit)
        with self.engine.connect() as connection:
            rows = list(connection.execute(query).mappings())
            cited = self._citations(connection, [r["id"] for r in rows])
        result = [_entry(row, cited.get(row["id"], []), documents) for row in rows]
        if where.stale:
            result = [e for e in result if e.stale][: where.limit]
        return result

    def answers_per_day(self) -> dict[date, int]:
        with self.engine.connect() as connection:
            stamps = connection.execute(select(answers.c.asked_at)).scalars()
            counts: dict[date, int] = {}
            for stamp in stamps:
                day = _utc(stamp).date()
                counts[day] = counts.get(day, 0) + 1
        return dict(sorted(counts.items()))

    def cited_sources(self) -> list[str]:
        with self.engine.connect() as connection:
            return list(connection.execute(select(citations.c.source).distinct().order_by(citations.c.source)).scalars())

    @staticmethod
    def _citations(connection: Connection, ids: list[str]) -> dict[str, list[LoggedCitation]]:
        found: dict[str, list[LoggedCitation]] = {}
        for start in range(0, len(ids), 500):  # bounded IN lists
            part = ids[start : start + 500]
            rows = connection.execute(
                select(citations).where(citations.c.answer_id.in_(part)).order_by(citations.c.answer_id, citations.c.n)
            ).mappings()
            for r in rows:
                found.setdefault(r["answer_id"], []).append(
                    LoggedCitation(
                        n=r["n"], source=r["source"], title=r["title"], version=r["version"] or "",
                        doc_sha256=r["doc_sha256"], page=r["page"], page_end=r["page_end"], section=r["section"] or "",
                        text=r["text"], score=r["score"] or 0.0, superseded=bool(r["superseded"]),
                    )
                )
        return found

    # -------------------------------------------------------------- export

    def export_csv(self, where: ReviewFilter | None = None, documents: Mapping[str, DocumentState] | None = None) -> str:
        return entries_csv(self.entries(where, documents))

    # -------------------------------------------------------------- the old JSON-lines log

    def import_legacy(self, path: Path) -> int:
        """Import a JSON-lines review log once (by content hash); returns how many answers were added."""
        path = Path(path)
        if not path.is_file():
            return 0
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        events = list(_read_events(data))
        answer_events = [e for e in events if e.get("event") == "answer" and e.get("id")]
        review_events = [e for e in events if e.get("event") == "review" and e.get("id")]
        try:
            with self.engine.begin() as connection:
                if connection.execute(select(legacy_imports.c.sha256).where(legacy_imports.c.sha256 == digest)).first():
                    return 0
                known = set(connection.execute(select(answers.c.id)).scalars())
                added = 0
                for event in answer_events:
                    if event["id"] in known:
                        continue
                    known.add(event["id"])
                    added += 1
                    connection.execute(
                        insert(answers).values(
                            id=str(event["id"]), asked_at=_parse_time(event.get("at")),
                            question=str(event.get("question", "")),
                            standalone_question=event.get("standalone_question")
                            if event.get("standalone_question") not in (None, event.get("question")) else None,
                            answer=str(event.get("answer", "")), grounded=bool(event.get("grounded", False)),
                            confidence=float(event.get("confidence") or 0.0), mode=event.get("mode"),
                            model=event.get("model"), backend=str(event.get("backend", "")),
                        )
                    )
                    rows = [
                        dict(
                            answer_id=str(event["id"]), n=int(c.get("n", i)), source=str(c.get("source", "")),
                            title=str(c.get("title", "")), version=str(c.get("version") or ""),
                            doc_sha256=c.get("doc_sha256"), page=c.get("page"), page_end=c.get("page_end"),
                            section=str(c.get("section") or ""), text=str(c.get("text", "")),
                            score=float(c.get("score") or 0.0), superseded=bool(c.get("superseded", False)),
                        )
                        for i, c in enumerate(event.get("citations") or [], start=1)
                    ]
                    if rows:
                        connection.execute(insert(citations), rows)
                marks = 0
                for event in review_events:  # in file order, so the latest mark ends up current
                    if event["id"] not in known or event.get("verdict") not in MARKS:
                        continue
                    at = _parse_time(event.get("at"))
                    note = str(event.get("note") or "")
                    connection.execute(insert(reviews).values(answer_id=event["id"], mark=event["verdict"], note=note, at=at))
                    connection.execute(
                        update(answers).where(answers.c.id == event["id"]).values(mark=event["verdict"], note=note, reviewed_at=at)
                    )
                    marks += 1
                connection.execute(
                    insert(legacy_imports).values(sha256=digest, path=str(path), answers=added, reviews=marks, at=_now())
                )
                return added
        except IntegrityError:  # another replica imported the same file at the same moment
            return 0

    def clear(self) -> None:
        """Drop every logged answer (tests and a deliberate reset only)."""
        with self.engine.begin() as connection:
            for table in (reviews, citations, answers, legacy_imports):
                connection.execute(delete(table))

    def close(self) -> None:
        self.engine.dispose()


# ------------------------------------------------------------------ helpers


def document_states(records: Mapping[str, object]) -> dict[str, DocumentState]:
    """The store's document records (anything with ``sha256`` and ``version``) as staleness input."""
    return {source: DocumentState(record.sha256, record.version) for source, record in records.items()}


def staleness(cited: Iterable[LoggedCitation], documents: Mapping[str, DocumentState] | None) -> list[Staleness]:
    """Cited documents that changed (other hash; other version when no hash was logged) or were removed."""
    if documents is None:
        return []
    found: dict[str, Staleness] = {}
    for c in cited:
        if c.source in found:
            continue
        now = documents.get(c.source)
        if now is None:
            changed = True
        elif c.doc_sha256:
            changed = now.sha256 != c.doc_sha256
        else:
            changed = now.version != c.version
        if changed:
            found[c.source] = Staleness(
                c.source, c.version, c.doc_sha256, now.version if now else None, now.sha256 if now else None
            )
    return list(found.values())


def escape_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: one starting with = + - @ (or tab/CR) gets a leading '."""
    return str(spreadsheet_safe("" if value is None else str(value)))


CSV_COLUMNS = (
    "answer_id", "asked_at", "question", "standalone_question", "answer", "grounded", "confidence", "mode",
    "model", "citations", "feedback", "feedback_comment", "mark", "note", "reviewed_at", "reviewer", "stale",
)


def entries_csv(entries: Iterable[LoggedAnswer]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        cited = "; ".join(
            f"{citation_label(c.to_json())} ({c.source}{', sha256 ' + c.doc_sha256[:12] if c.doc_sha256 else ''})"
            for c in e.citations
        )
        row = (
            e.id, e.asked_at.isoformat(timespec="seconds"), e.question, e.standalone_question or "", e.answer,
            "yes" if e.grounded else "no", f"{e.confidence:.4f}", e.mode or "", e.model or "", cited,
            e.feedback_label, e.feedback_comment or "", e.mark or "", e.note or "",
            e.reviewed_at.isoformat(timespec="seconds") if e.reviewed_at else "", e.reviewer or "",
            "; ".join(s.describe() for s in e.stale),
        )
        writer.writerow([escape_cell(v) for v in row])
    return buffer.getvalue()


def _entry(row: Mapping, cited: list[LoggedCitation], documents: Mapping[str, DocumentState] | None) -> LoggedAnswer:
    return LoggedAnswer(
        id=row["id"], asked_at=_utc(row["asked_at"]), question=row["question"],
        standalone_question=row["standalone_question"], answer=row["answer"], grounded=bool(row["grounded"]),
        confidence=row["confidence"] or 0.0, mode=row["mode"], model=row["model"], backend=row["backend"] or "",
        asked_by=row["asked_by"], feedback=row["feedback"], feedback_comment=row["feedback_comment"],
        mark=row["mark"], note=row["note"], reviewed_at=_utc(row["reviewed_at"]) if row["reviewed_at"] else None,
        reviewer=row["reviewer"], citations=cited, stale=staleness(cited, documents),
    )


def _read_events(data: bytes) -> Iterable[dict]:
    for line in data.decode("utf-8", errors="replace").splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line torn by a crash hides neither earlier nor later events
        if isinstance(event, dict):
            yield event


def _parse_time(raw) -> datetime:
    try:
        return _utc(datetime.fromisoformat(str(raw)))
    except (TypeError, ValueError):
        return _now()


def _utc(stamp: datetime) -> datetime:
    """SQLite hands back naive datetimes: they were written in UTC."""
    return stamp.replace(tzinfo=timezone.utc) if stamp.tzinfo is None else stamp.astimezone(timezone.utc)


def _now() -> datetime:
    return datetime.now(timezone.utc)
