"""The chat with a language model configured: streamed, then verified answer with its marks."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from assistant.config import PROJECT_ROOT
from tests.test_llm import needs_model, smollm2_path

APP = str(PROJECT_ROOT / "streamlit_app.py")
QUESTION = "Who owns an invention I made on the night shift?"


def run_app(monkeypatch, sample_settings, tmp_path, model_path: str) -> AppTest:
    import streamlit as st

    monkeypatch.setenv("ASSISTANT_STORE_DIR", str(sample_settings.store_dir))
    monkeypatch.setenv("ASSISTANT_FEEDBACK_LOG", str(tmp_path / "reviews.jsonl"))
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", f"sqlite:///{tmp_path / 'answers.sqlite3'}")
    monkeypatch.delenv("ASSISTANT_CHROMA_HOST", raising=False)
    monkeypatch.setenv("ASSISTANT_LLM", "llamacpp")
    monkeypatch.setenv("ASSISTANT_LLM_MODEL_PATH", model_path)
    monkeypatch.setenv("ASSISTANT_LLM_MAX_TOKENS", "96")
    monkeypatch.setenv("ASSISTANT_LLM_CONTEXT_TOKENS", "2048")
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=300).run()
    at.chat_input[0].set_value(QUESTION).run()
    return at


def test_a_model_that_cannot_load_shows_the_extractive_answer_and_why(monkeypatch, sample_settings, tmp_path):
    at = run_app(monkeypatch, sample_settings, tmp_path, str(tmp_path / "absent.gguf"))
    assert not at.exception
    assert any("does not exist" in i.value and "extractive answer is shown" in i.value for i in at.info)


@needs_model
def test_a_generated_answer_shows_its_verification(monkeypatch, sample_settings, tmp_path):
    at = run_app(monkeypatch, sample_settings, tmp_path, str(smollm2_path()))
    assert not at.exception
    marks = [c.value for c in at.caption] + [i.value for i in at.info]
    assert any("checked against the passage" in m or "extractive answer is shown" in m for m in marks), marks
