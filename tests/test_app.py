"""The Streamlit app, run for real through streamlit.testing.v1.AppTest."""
from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from assistant.config import PROJECT_ROOT

APP = str(PROJECT_ROOT / "streamlit_app.py")


@pytest.fixture
def app_env(monkeypatch, sample_settings, tmp_path):
    monkeypatch.setenv("ASSISTANT_STORE_DIR", str(sample_settings.store_dir))
    monkeypatch.setenv("ASSISTANT_FEEDBACK_LOG", str(tmp_path / "reviews.jsonl"))
    monkeypatch.delenv("ASSISTANT_CHROMA_HOST", raising=False)
    return tmp_path / "reviews.jsonl"


def shown(value: str) -> str:
    """Text as the reader sees it: the app backslash-escapes document and user text."""
    return re.sub(r"\\(.)", r"\1", value)


def fresh_app() -> AppTest:
    import streamlit as st

    st.cache_resource.clear()
    return AppTest.from_file(APP, default_timeout=180)


def test_question_gets_a_cited_answer_with_expandable_sources(app_env):
    at = fresh_app().run()
    assert not at.exception
    at.chat_input[0].set_value("Who owns an invention I made on the night shift?").run()
    assert not at.exception
    answer_text = " ".join(shown(m.value) for m in at.markdown)
    assert re.search(r"\[\d+\]", answer_text), answer_text
    labels = [shown(e.label) for e in at.expander]
    assert labels and labels[0].startswith("[1] ")
    assert any("Service Inventions Policy" in label and "p." in label for label in labels)
    assert app_env.exists(), "the answer is recorded in the review log"


def test_chat_history_is_kept(app_env):
    at = fresh_app().run()
    at.chat_input[0].set_value("Can I put our code on GitHub?").run()
    at.chat_input[0].set_value("How do I reset my VPN password?").run()
    assert not at.exception
    assert len(at.chat_message) == 4
    assert "don't cover" in shown(at.chat_message[3].markdown[0].value)


def test_marking_an_answer_is_logged(app_env):
    from assistant.feedback import FeedbackLog

    at = fresh_app().run()
    at.chat_input[0].set_value("Can I put our code on GitHub?").run()
    at.radio[0].set_value("wrong").run()
    assert not at.exception
    assert FeedbackLog(app_env).rows()[0].verdict == "wrong"


def test_empty_store_shows_how_to_ingest(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_STORE_DIR", str(tmp_path / "empty-store"))
    monkeypatch.delenv("ASSISTANT_CHROMA_HOST", raising=False)
    at = fresh_app().run()
    assert not at.exception
    assert any("ingest" in w.value for w in at.warning)
    assert not at.chat_input


def test_a_followup_in_the_chat_is_searched_with_the_question_before_it(app_env):
    at = fresh_app().run()
    at.chat_input[0].set_value("How much is the reward when my invention patent is granted?").run()
    at.chat_input[0].set_value("And for a utility model?").run()
    assert not at.exception
    reply = " ".join(shown(m.value) for m in at.chat_message[3].markdown)
    assert "2,000" in reply, reply
    assert any("Searched as: How much is the reward" in shown(c.value) for c in at.chat_message[3].caption)
