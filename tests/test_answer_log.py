"""The answer log Legal review, against SQLite and a real PostgreSQL (skipped with a reason when absent)."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from assistant.answer_log import (
    MIGRATIONS,
    AnswerLog,
    DocumentState,
    ReviewFilter,
    escape_cell,
)
from assistant.schema import Answer, Citation

DOCS = {"policies/a.pdf": DocumentState("a" * 64, "3.0"), "policies/b.pdf": DocumentState("b" * 64, "1.0")}


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'answers.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def log(db_url):
    answer_log = AnswerLog(db_url)
    yield answer_log
    answer_log.close()


def answer(question="Who owns it?", source="policies/a.pdf", standalone=None, text="The Company does. [1]"):
    citation = Citation(1, source, "Policy A", 2, 3, "5.3 Night", "The Company owns it.", 3.2, "3.0", False)
    return Answer(question, text, True, "chroma-local x", [citation], 0.9, standalone_question=standalone)


def test_an_answer_is_read_back_with_its_citations_and_document_hash(log):
    answer_id = log.record_answer(answer(), DOCS, mode="extractive", model=None)
    entry = log.get(answer_id, DOCS)
    assert (entry.question, entry.answer, entry.mode, entry.model) == ("Who owns it?", "The Company does. [1]", "extractive", None)
    assert [(c.n, c.source, c.version, c.doc_sha256, c.page) for c in entry.citations] == [(1, "policies/a.pdf", "3.0", "a" * 64, 2)]


def test_standalone_question_is_kept_only_when_it_differs(log):
    same = log.record_answer(answer("Who owns it?", standalone="Who owns it?"), DOCS)
    followup = log.record_answer(answer("And in Germany?", standalone="Who owns it? And in Germany?"), DOCS)
    assert log.get(same).standalone_question is None
    assert log.get(followup).standalone_question == "Who owns it? And in Germany?"


def test_entries_are_newest_first(log):
    now = datetime.now(timezone.utc)
    log.record_answer(answer("old"), DOCS, asked_at=now - timedelta(days=2))
    log.record_answer(answer("new"), DOCS, asked_at=now)
    assert [e.question for e in log.entries()] == ["new", "old"]


def test_latest_mark_is_current_and_every_mark_is_kept(log):
    answer_id = log.record_answer(answer(), DOCS)
    log.mark(answer_id, "wrong", "cites the old version", reviewer="legal")
    log.mark(answer_id, "right", "checked again", reviewer="legal")
    entry = log.get(answer_id)
    assert (entry.mark, entry.note, entry.reviewer) == ("right", "checked again", "legal")
    assert [r["mark"] for r in log.review_history(answer_id)] == ["wrong", "right"]


def test_feedback_with_comment_is_stored(log):
    answer_id = log.record_answer(answer(), DOCS)
    log.give_feedback(answer_id, 0, "  It missed the night-shift rule ")
    entry = log.get(answer_id)
    assert (entry.feedback_label, entry.feedback_comment) == ("down", "It missed the night-shift rule")


@pytest.mark.parametrize("bad", ["maybe", "", "RIGHT"])
def test_unknown_marks_are_rejected(log, bad):
    answer_id = log.record_answer(answer(), DOCS)
    with pytest.raises(ValueError):
        log.mark(answer_id, bad)


@pytest.mark.parametrize("bad", [2, -1, 5])
def test_unknown_feedback_scores_are_rejected(log, bad):
    answer_id = log.record_answer(answer(), DOCS)
    with pytest.raises(ValueError):
        log.give_feedback(answer_id, bad)


def test_marking_an_unknown_answer_fails(log):
    with pytest.raises(KeyError):
        log.mark("nope", "right")


@pytest.mark.parametrize(
    "where, expected",
    [
        (ReviewFilter(document="policies/b.pdf"), ["b-cited"]),
        (ReviewFilter(feedback="up"), ["liked"]),
        (ReviewFilter(feedback="down"), ["b-cited"]),
        (ReviewFilter(feedback="none"), ["marked"]),
        (ReviewFilter(mark="wrong"), ["marked"]),
        (ReviewFilter(unreviewed=True), ["b-cited", "liked"]),
    ],
)
def test_filters(log, where, expected):
    now = datetime.now(timezone.utc)
    marked = log.record_answer(answer("marked"), DOCS, asked_at=now - timedelta(minutes=3))
    liked = log.record_answer(answer("liked"), DOCS, asked_at=now - timedelta(minutes=2))
    b_cited = log.record_answer(answer("b-cited", source="policies/b.pdf"), DOCS, asked_at=now - timedelta(minutes=1))
    log.mark(marked, "wrong")
    log.give_feedback(liked, 1)
    log.give_feedback(b_cited, 0)
    assert [e.question for e in log.entries(where, DOCS)] == expected


def test_an_answer_turns_stale_when_its_document_changes(log):
    answer_id = log.record_answer(answer(), DOCS)
    changed = {**DOCS, "policies/a.pdf": DocumentState("c" * 64, "4.0")}
    (flag,) = log.get(answer_id, changed).stale
    assert (flag.relied_version, flag.current_version) == ("3.0", "4.0")
    assert "relied on v3.0; now v4.0" in flag.describe()


def test_an_answer_turns_stale_when_its_document_is_removed(log):
    answer_id = log.record_answer(answer(), DOCS)
    (flag,) = log.get(answer_id, {"policies/b.pdf": DOCS["policies/b.pdf"]}).stale
    assert flag.current_version is None and "removed" in flag.describe()


def test_an_answer_is_not_stale_while_its_document_is_unchanged(log):
    answer_id = log.record_answer(answer(), DOCS)
    assert log.get(answer_id, DOCS).stale == []


def test_stale_filter_keeps_only_stale_answers(log):
    log.record_answer(answer("on a"), DOCS)
    log.record_answer(answer("on b", source="policies/b.pdf"), DOCS)
    changed = {**DOCS, "policies/b.pdf": DocumentState("d" * 64, "2.0")}
    assert [e.question for e in log.entries(ReviewFilter(stale=True), changed)] == ["on b"]


def test_export_has_the_filtered_rows_with_marks_and_stale_flags(log):
    kept = log.record_answer(answer("kept"), DOCS)
    log.record_answer(answer("other", source="policies/b.pdf"), DOCS)
    log.mark(kept, "wrong", "old version")
    changed = {**DOCS, "policies/a.pdf": DocumentState("e" * 64, "4.0")}
    rows = list(csv.DictReader(io.StringIO(log.export_csv(ReviewFilter(document="policies/a.pdf"), changed))))
    assert [(r["question"], r["mark"], r["note"]) for r in rows] == [("kept", "wrong", "old version")]
    assert rows[0]["citations"].startswith("[1] Policy A v3.0, pp. 2-3 - 5.3 Night (policies/a.pdf, sha256 aaaaaaaaaaaa")
    assert "relied on v3.0; now v4.0" in rows[0]["stale"]


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx"])
def test_export_escapes_formula_cells(log, cell):
    log.record_answer(answer(cell), DOCS)
    (row,) = list(csv.DictReader(io.StringIO(log.export_csv())))
    assert row["question"] == "'" + cell


def test_plain_cells_are_not_escaped():
    assert escape_cell("Who owns it?") == "Who owns it?"


def test_schema_is_at_the_latest_version_and_reopening_keeps_answers(db_url):
    first = AnswerLog(db_url)
    first.record_answer(answer(), DOCS)
    first.close()
    again = AnswerLog(db_url)
    assert again.schema_version() == len(MIGRATIONS)
    assert len(again.entries()) == 1
    again.close()


def legacy_log(path):
    """A review log as the JSON-lines FeedbackLog of earlier versions wrote it, with a torn line."""
    events = [
        {"event": "answer", "id": "abc123def456", "at": "2026-01-05T10:00:00+00:00", "question": "q1",
         "answer": "A1. [1]", "grounded": True, "backend": "chroma-local x", "confidence": 0.8,
         "citations": [{"n": 1, "source": "policies/a.pdf", "title": "Policy A", "page": 2, "page_end": 2,
                        "section": "5", "text": "A1.", "score": 3.0, "version": "3.0", "superseded": False}]},
        {"event": "answer", "id": "0123456789ab", "at": "2026-01-06T10:00:00+00:00", "question": "q2",
         "answer": "Not covered.", "grounded": False, "backend": "chroma-local x", "confidence": 0.1, "citations": []},
        {"event": "review", "id": "abc123def456", "at": "2026-01-07T10:00:00+00:00", "verdict": "wrong", "note": "n1"},
        {"event": "review", "id": "abc123def456", "at": "2026-01-08T10:00:00+00:00", "verdict": "right", "note": "n2"},
    ]
    lines = [json.dumps(e) for e in events]
    lines.insert(2, '{"event": "answer", "id": "tor')  # a crash in the middle of a write
    path.write_text("\n".join(lines) + "\n")
    return path


def test_legacy_log_is_imported_with_every_answer_and_mark(db_url, tmp_path):
    log = AnswerLog(db_url, legacy_jsonl=legacy_log(tmp_path / "feedback.jsonl"))
    entries = {e.id: e for e in log.entries()}
    assert sorted(e.question for e in entries.values()) == ["q1", "q2"]
    first = entries["abc123def456"]
    assert (first.mark, first.note, first.citations[0].version, first.citations[0].doc_sha256) == ("right", "n2", "3.0", None)
    assert [r["note"] for r in log.review_history("abc123def456")] == ["n1", "n2"]
    log.close()


def test_legacy_log_is_imported_only_once(db_url, tmp_path):
    path = legacy_log(tmp_path / "feedback.jsonl")
    AnswerLog(db_url, legacy_jsonl=path).close()
    again = AnswerLog(db_url, legacy_jsonl=path)
    assert again.imported == 0 and len(again.entries()) == 2
    again.close()


def test_legacy_answer_without_hash_turns_stale_on_a_new_version(db_url, tmp_path):
    log = AnswerLog(db_url, legacy_jsonl=legacy_log(tmp_path / "feedback.jsonl"))
    changed = {"policies/a.pdf": DocumentState("f" * 64, "4.0")}
    assert [s.current_version for s in log.get("abc123def456", changed).stale] == ["4.0"]
    log.close()
