"""`python -m assistant export-reviews` (from the answer log database) and `hash-password`, as real processes."""
from __future__ import annotations

import csv
import io

from assistant.answer_log import AnswerLog, DocumentState
from assistant.auth import verify_password
from assistant.schema import Answer, Citation

from .test_cli import run


def logged(tmp_path, *questions):
    url = f"sqlite:///{tmp_path / 'answers.sqlite3'}"
    log = AnswerLog(url)
    citation = Citation(1, "policies/a.pdf", "Policy A", 2, 2, "5", "It is.", 1.0, "3.0", False)
    ids = [log.record_answer(Answer(q, "It is. [1]", True, "x", [citation], 0.9), {"policies/a.pdf": DocumentState("a" * 64, "3.0")}) for q in questions]
    return url, log, ids


def export(tmp_path, url, *flags):
    return run("-m", "assistant", "export-reviews", "--database", url, "--log", str(tmp_path / "none.jsonl"), *flags,
               env={"ASSISTANT_STORE_DIR": str(tmp_path / "no-store")})


def test_export_reviews_reads_the_database(tmp_path):
    url, log, (first, _) = logged(tmp_path, "=1+1", "plain")
    log.mark(first, "wrong", "@note")
    result = export(tmp_path, url)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert sorted((r["question"], r["mark"], r["note"]) for r in rows) == [("'=1+1", "wrong", "'@note"), ("plain", "", "")]


def test_export_reviews_filters_by_mark(tmp_path):
    url, log, (first, _) = logged(tmp_path, "one", "two")
    log.mark(first, "right")
    rows = list(csv.DictReader(io.StringIO(export(tmp_path, url, "--mark", "right").stdout)))
    assert [r["question"] for r in rows] == ["one"]


def test_export_reviews_stale_needs_a_store(tmp_path):
    url, _, _ = logged(tmp_path, "one")
    result = export(tmp_path, url, "--stale")
    assert result.returncode == 2 and "store" in result.stderr


def test_hash_password_prints_a_hash_that_verifies():
    result = run("-m", "assistant", "hash-password", "--stdin", input_text="s3cret pass\n")
    assert result.returncode == 0, result.stderr
    assert verify_password("s3cret pass", result.stdout.strip())


def test_hash_password_refuses_an_empty_password():
    assert run("-m", "assistant", "hash-password", "--stdin", input_text="\n").returncode == 2
