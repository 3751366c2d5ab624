"""The review log Legal uses: every answer shown, and reviewers' right/wrong marks, as JSON lines.

Append-only, so concurrent app sessions never overwrite each other; :func:`FeedbackLog.rows`
folds the marks onto their answers for export (the latest mark wins).
"""
from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .presentation import citation_label, spreadsheet_safe
from .schema import Answer

VERDICTS = ("right", "wrong")


@dataclass(frozen=True)
class ReviewRow:
    answer_id: str
    asked_at: str
    question: str
    answer: str
    grounded: bool
    citations: str  # "title v3.0 (source p. 2-3); ..."
    verdict: str  # "", "right" or "wrong"
    note: str
    reviewed_at: str


class FeedbackLog:
    def __init__(self, path: Path):
        self.path = Path(path)

    def _append(self, event: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+b") as handle:
            handle.seek(0, 2)
            if handle.tell() > 0:
                handle.seek(-1, 2)
                if handle.read(1) != b"\n":  # a line torn by a crash: do not glue this event onto it
                    handle.write(b"\n")
            handle.write((json.dumps(event, ensure_ascii=False) + "\n").encode("utf-8"))

    def record_answer(self, answer: Answer) -> str:
        answer_id = uuid.uuid4().hex[:12]
        self._append({"event": "answer", "id": answer_id, "at": _now(), **answer.to_json()})
        return answer_id

    def mark(self, answer_id: str, verdict: str, note: str = "") -> None:
        if verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}")
        self._append({"event": "review", "id": answer_id, "at": _now(), "verdict": verdict, "note": note})

    def rows(self) -> list[ReviewRow]:
        answers: dict[str, dict] = {}
        reviews: dict[str, dict] = {}
        if not self.path.exists():
            return []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue  # a torn last line from a crash does not hide the rest
            if event.get("event") == "answer":
                answers[event["id"]] = event
            elif event.get("event") == "review":
                reviews[event["id"]] = event
        rows = []
        for answer_id, event in answers.items():
            review = reviews.get(answer_id, {})
            rows.append(
                ReviewRow(
                    answer_id=answer_id,
                    asked_at=event["at"],
                    question=event["question"],
                    answer=event["answer"],
                    grounded=bool(event["grounded"]),
                    citations="; ".join(f"{citation_label(c)} ({c['source']})" for c in event.get("citations", [])),
                    verdict=review.get("verdict", ""),
                    note=review.get("note", ""),
                    reviewed_at=review.get("at", ""),
                )
            )
        return rows

    def export_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(ReviewRow.__dataclass_fields__)
        for row in self.rows():
            writer.writerow([spreadsheet_safe(v) for v in row.__dict__.values()])
        return buffer.getvalue()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
