"""`ask` as scripts use it: many questions through one process, and a start that loads no torch.

Real processes over a small real corpus ingested into a temporary store, with the default (onnx)
embedding backend.
"""
from __future__ import annotations

import json

import pytest

from .conftest import ingest_small_corpus
from .test_cli import run

HEAVY_MODULES = ("torch", "transformers", "sentence_transformers", "langchain_huggingface")


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    settings, _ = ingest_small_corpus(tmp_path_factory.mktemp("stdin"))
    return settings.store_dir


def ask_lines(store, data: bytes, *flags: str) -> list[dict]:
    import os
    import subprocess
    import sys

    from assistant.config import PROJECT_ROOT

    environment = {**os.environ, "HF_HUB_OFFLINE": "1"}
    environment.pop("ASSISTANT_CHROMA_HOST", None)
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "--stdin", "--store", str(store), *flags],
        cwd=PROJECT_ROOT, input=data, capture_output=True, env=environment, timeout=600,
    )
    assert result.returncode == 0, result.stderr.decode()
    return [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]


def test_one_json_answer_per_question_in_order_blank_lines_skipped(small_store):
    questions = ["Can I use GPL code in our product?", "Who owns an invention I make at home?", "How do I reset my VPN password?"]
    data = ("\n".join([questions[0], "", "   ", questions[1], questions[2]]) + "\n\n").encode()
    answers = ask_lines(small_store, data)
    assert [a["question"] for a in answers] == questions
    assert answers[0]["grounded"] is True and answers[0]["citations"]
    assert answers[2]["grounded"] is False and answers[2]["citations"] == []  # declined, not an error
    assert not any("error" in a for a in answers)


def test_each_line_is_what_ask_json_prints_for_that_question(small_store):
    question = "Can I use GPL code in our product?"
    single = run("-m", "assistant", "ask", "--store", str(small_store), "--json", question)
    assert single.returncode == 0, single.stderr
    (batched,) = ask_lines(small_store, f"{question}\n".encode())
    assert batched == json.loads(single.stdout)


def test_a_line_that_fails_gives_an_error_line_and_the_next_is_answered(small_store):
    bad = "Wer besitzt die Erfindung? Stra\xdfe".encode("latin-1")  # not UTF-8
    data = b"Can I use GPL code in our product?\n" + bad + b"\nWho owns an invention I make at home?\n"
    answers = ask_lines(small_store, data)
    assert len(answers) == 3
    assert "error" not in answers[0] and "error" not in answers[2]
    assert answers[1]["error"] == "the line is not UTF-8 text" and answers[1]["question"].startswith("Wer besitzt")
    assert answers[2]["question"] == "Who owns an invention I make at home?" and answers[2]["answer"]


def test_a_question_and_stdin_together_are_refused(small_store):
    result = run("-m", "assistant", "ask", "--stdin", "--store", str(small_store), "Who owns inventions?")
    assert result.returncode == 2 and "not both" in result.stderr


def test_ask_with_the_onnx_backend_never_imports_torch(small_store):
    """The cold start: answering (reranker on) must not pay for torch, transformers or sentence-transformers."""
    script = (
        "import json, sys\n"
        "from assistant.cli import main\n"
        f"code = main(['ask', '--store', {str(small_store)!r}, '--json', 'Can I use GPL code in our product?'])\n"
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY_MODULES!r})\n"
        "print(json.dumps({'code': code, 'heavy': heavy}))\n"
    )
    result = run("-c", script, env={"ASSISTANT_EMBEDDING_BACKEND": "onnx"})
    assert result.returncode == 0, result.stderr
    *answer, report = result.stdout.strip().splitlines()
    assert json.loads(answer[-1])["grounded"] is True
    assert json.loads(report) == {"code": 0, "heavy": []}
