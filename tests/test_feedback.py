"""Legal's review log: answers recorded, right/wrong marks, CSV export."""
from __future__ import annotations

import csv
import io

import pytest

from assistant.feedback import FeedbackLog
from assistant.schema import Answer, Citation


def answer(question="Who owns it?"):
    citation = Citation(1, "policies/a.pdf", "Policy A", 2, 3, "5.3 Night", "text", 3.2, "3.0", False)
    return Answer(question, "The Company does. [1]", True, "chroma-local x", [citation], 0.9)


def test_marks_are_exported_with_their_answers(tmp_path):
    log = FeedbackLog(tmp_path / "reviews.jsonl")
    first = log.record_answer(answer("q1"))
    log.record_answer(answer("q2"))
    log.mark(first, "wrong", "cites the old version")
    rows = list(csv.DictReader(io.StringIO(log.export_csv())))
    assert [r["question"] for r in rows] == ["q1", "q2"]
    assert rows[0]["verdict"] == "wrong" and rows[0]["note"] == "cites the old version"
    assert rows[1]["verdict"] == ""
    assert rows[0]["citations"] == "[1] Policy A v3.0, pp. 2-3 - 5.3 Night (policies/a.pdf)"


def test_latest_mark_wins(tmp_path):
    log = FeedbackLog(tmp_path / "reviews.jsonl")
    answer_id = log.record_answer(answer())
    log.mark(answer_id, "wrong")
    log.mark(answer_id, "right")
    assert log.rows()[0].verdict == "right"


def test_unknown_verdict_is_rejected(tmp_path):
    with pytest.raises(ValueError):
        FeedbackLog(tmp_path / "r.jsonl").mark("x", "maybe")


def test_a_torn_line_loses_neither_earlier_nor_later_records(tmp_path):
    log = FeedbackLog(tmp_path / "reviews.jsonl")
    log.record_answer(answer("before"))
    with log.path.open("a") as handle:
        handle.write('{"event": "answer", "id": "trunc')  # a crash in the middle of a write
    log.record_answer(answer("after"))
    assert [r.question for r in log.rows()] == ["before", "after"]
