"""The command lines other tools depend on, run as real processes."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from assistant.config import PROJECT_ROOT

from .conftest import BROKEN_PDFS


def run(*args: str, env: dict | None = None, input_text: str | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    environment.pop("ASSISTANT_CHROMA_HOST", None)
    return subprocess.run(
        [sys.executable, *args], cwd=PROJECT_ROOT, capture_output=True, text=True, env=environment, timeout=600,
        input=input_text,
    )


def test_ask_json_contract(sample_settings):
    result = run("-m", "assistant", "ask", "--store", str(sample_settings.store_dir), "--k", "4", "--json", "Can I put our code on GitHub?")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"question", "answer", "grounded", "backend", "citations"} <= set(data)
    assert data["question"] == "Can I put our code on GitHub?" and data["grounded"] is True
    assert data["backend"].startswith("chroma-local")
    assert 1 <= len(data["citations"]) <= 4
    for number, citation in enumerate(data["citations"], start=1):
        assert {"n", "source", "title", "page", "page_end", "section", "text", "score"} <= set(citation)
        assert citation["n"] == number
        assert not citation["source"].startswith("/")
        if citation["source"].endswith(".md"):
            assert citation["page"] is None and citation["page_end"] is None
        else:
            assert 1 <= citation["page"] <= citation["page_end"]
        assert not citation["text"].startswith(citation["title"] + " |"), "text must be the passage without the index header"
    scores = [c["score"] for c in data["citations"]]
    assert scores == sorted(scores, reverse=True)


def test_ask_json_refusal(sample_settings):
    result = run("-m", "assistant", "ask", "--store", str(sample_settings.store_dir), "--json", "How do I reset my VPN password?")
    data = json.loads(result.stdout)
    assert data["grounded"] is False and data["citations"] == []


def test_ask_source_filter(sample_settings):
    result = run("-m", "assistant", "ask", "--store", str(sample_settings.store_dir), "--json", "--source", "lectures/*", "Who owns inventions?")
    data = json.loads(result.stdout)
    assert data["citations"] and all(c["source"].startswith("lectures/") for c in data["citations"])


def test_ask_on_a_missing_store_says_to_ingest_and_creates_nothing(tmp_path):
    result = run("-m", "assistant", "ask", "--store", str(tmp_path / "typo"), "Who owns inventions?")
    assert result.returncode == 1
    assert "ingest" in result.stderr
    assert not (tmp_path / "typo").exists()


@pytest.mark.parametrize("variable, value", [("ASSISTANT_COLLECTION", "ab"), ("ASSISTANT_K", "five")])
def test_bad_setting_exits_2_with_its_name(sample_settings, variable, value):
    result = run("-m", "assistant", "ask", "--store", str(sample_settings.store_dir), "q", env={variable: value})
    assert result.returncode == 2
    assert variable.removeprefix("ASSISTANT_") in result.stderr or "3 characters" in result.stderr


@pytest.mark.parametrize("args", [["ask"], ["ask", "--k", "0", "q"], ["frobnicate"], ["eval"]])
def test_bad_usage_exits_2(args):
    assert run("-m", "assistant", *args).returncode == 2


def test_ingest_exit_codes_and_summary(small_corpus, tmp_path):
    store = tmp_path / "store"
    first = run("ingest.py", "--corpus", str(small_corpus), "--store", str(store))
    assert first.returncode == 0, first.stderr
    assert "added 3, updated 0, unchanged 0, removed 0, failed 0" in first.stdout
    BROKEN_PDFS["encrypted"][0](small_corpus / "locked.pdf")
    second = run("ingest.py", "--corpus", str(small_corpus), "--store", str(store))
    assert second.returncode == 3
    assert "added 0, updated 0, unchanged 3, removed 0, failed 1, chunks 0" in second.stdout
    assert "locked.pdf: encrypted" in second.stdout


def test_ingest_bad_usage_exits_2(tmp_path):
    assert run("ingest.py", "--corpus", str(tmp_path / "missing"), "--store", str(tmp_path / "s")).returncode == 2
    assert run("ingest.py", "--no-such-flag").returncode == 2


def test_eval_json_on_the_sample_gold_file(sample_settings):
    result = run("-m", "assistant", "eval", "--gold", "eval/corpus-questions.jsonl", "--store", str(sample_settings.store_dir), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"questions", "answerable", "k", "hit_at_k", "mrr", "refusal_accuracy", "by_category"} <= set(data)
    assert data["k"] == 5 and data["questions"] > data["answerable"] >= 30
    assert data["hit_at_k"] >= 0.85
    assert data["refusal_accuracy"] >= 0.8
