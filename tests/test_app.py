"""The Streamlit app, run for real through streamlit.testing.v1.AppTest: each page, each role, denied access."""
from __future__ import annotations

import re
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from assistant.answer_log import AnswerLog
from assistant.auth import ADMIN, LEGAL, STAFF, Principal, hash_password
from assistant.config import PROJECT_ROOT

APP = str(PROJECT_ROOT / "streamlit_app.py")
CHAT = "app_pages/chat.py"
DOCUMENTS = "app_pages/documents.py"
REVIEW = "app_pages/review.py"
ACCOUNT = "app_pages/account.py"
ADMIN_USER = Principal("admin", frozenset({STAFF, ADMIN}), "password")
LEGAL_USER = Principal("legal", frozenset({STAFF, LEGAL}), "password")
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def password_hash():
    return hash_password(PASSWORD)


@pytest.fixture
def app_env(monkeypatch, sample_settings, tmp_path, password_hash):
    """The sample store (read-only here), a fresh answer log and corpus copy per test, local sign-in."""
    url = f"sqlite:///{tmp_path / 'answers.sqlite3'}"
    monkeypatch.setenv("ASSISTANT_STORE_DIR", str(sample_settings.store_dir))
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", url)
    monkeypatch.setenv("ASSISTANT_FEEDBACK_LOG", str(tmp_path / "old-reviews.jsonl"))
    monkeypatch.setenv("ASSISTANT_LEGAL_PASSWORD_HASH", password_hash)
    monkeypatch.setenv("ASSISTANT_ADMIN_PASSWORD_HASH", password_hash)
    monkeypatch.delenv("ASSISTANT_CHROMA_HOST", raising=False)
    return url


def fresh_app(principal: Principal | None = None, script: str = APP) -> AppTest:
    import streamlit as st

    st.cache_data.clear()
    at = AppTest.from_file(str(PROJECT_ROOT / script) if script != APP else APP, default_timeout=180)
    if principal is not None:
        at.session_state["principal"] = principal
    return at


def log_of(url: str) -> AnswerLog:
    return AnswerLog(url)


def plain(markdown: str) -> str:
    """What escaped Markdown shows: the text without its backslash escapes."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def texts(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


# ------------------------------------------------------------------ staff: the chat page


def test_question_gets_a_cited_answer_with_expandable_sources(app_env):
    at = fresh_app().run()
    at.chat_input[0].set_value("Who owns an invention I made on the night shift?").run()
    assert not at.exception
    assert re.search(r"\\\[\d+\\\]", texts(at)), "the answer carries [n] markers (escaped as text)"
    labels = [e.label for e in at.expander]
    assert labels and labels[0].startswith("\\[1\\] ")
    assert any("Service Inventions Policy" in label for label in labels)


def test_an_answer_is_logged_with_its_citations(app_env):
    at = fresh_app().run()
    at.chat_input[0].set_value("Can I put our code on GitHub?").run()
    (entry,) = log_of(app_env).entries()
    assert entry.question == "Can I put our code on GitHub?" and entry.mode == "extractive"
    assert entry.citations and all(c.doc_sha256 for c in entry.citations)


def test_the_answering_sentences_are_highlighted_in_the_source(app_env):
    at = fresh_app().run()
    at.chat_input[0].set_value("Can I put our code on GitHub?").run()
    assert ":orange-background[" in texts(at)


def test_a_source_shows_its_page_picture(app_env):
    at = fresh_app().run()
    at.chat_input[0].set_value("Can I put our code on GitHub?").run()
    at.toggle[0].set_value(True).run()
    assert not at.exception
    assert len(at.get("image")) == 1


def test_empty_chat_offers_example_questions_that_ask(app_env):
    at = fresh_app().run()
    example = next(b for b in at.button if b.label.startswith("Can I put our code"))
    example.click().run()
    assert not at.exception
    assert len(at.chat_message) == 2


def test_not_covered_answer_says_whom_to_ask(app_env):
    at = fresh_app().run()
    at.chat_input[0].set_value("How do I reset my VPN password?").run()
    (info,) = at.chat_message[1].info
    assert "cover" in plain(info.value) and "ip-office@corvane.example" in plain(info.value)


def test_thumbs_down_with_a_comment_is_logged(app_env):
    at = fresh_app().run()
    at.chat_input[0].set_value("Can I put our code on GitHub?").run()
    at.feedback[0].set_value(0).run()
    next(t for t in at.text_input if t.label == "Comment (optional)").set_value("Too vague")
    next(b for b in at.button if b.label == "Send comment").click().run()
    (entry,) = log_of(app_env).entries()
    assert (entry.feedback_label, entry.feedback_comment) == ("down", "Too vague")


def test_a_followup_in_the_chat_is_searched_with_the_question_before_it(app_env):
    at = fresh_app().run()
    at.chat_input[0].set_value("How much is the reward when my invention patent is granted?").run()
    at.chat_input[0].set_value("And for a utility model?").run()
    assert not at.exception
    assert len(at.chat_message) == 4
    reply = " ".join(plain(m.value) for m in at.chat_message[3].markdown)
    assert "2,000" in reply, reply
    assert any("Searched as: How much is the reward" in plain(c.value) for c in at.chat_message[3].caption)


def test_new_conversation_clears_the_chat(app_env):
    at = fresh_app().run()
    at.chat_input[0].set_value("Can I put our code on GitHub?").run()
    next(b for b in at.sidebar.button if b.label == "New conversation").click().run()
    assert len(at.chat_message) == 0


# ------------------------------------------------------------------ access


@pytest.mark.parametrize(
    "page, principal",
    [(DOCUMENTS, None), (DOCUMENTS, LEGAL_USER), (REVIEW, None), (REVIEW, ADMIN_USER)],
    ids=["documents-staff", "documents-legal", "review-staff", "review-admin"],
)
def test_pages_refuse_users_without_the_role(app_env, page, principal):
    at = fresh_app(principal, page).run()
    assert any("Access denied" in e.value for e in at.error)
    assert not at.dataframe and not at.button


@pytest.mark.parametrize(
    "principal, titles",
    [(None, ["Ask", "Account"]), (ADMIN_USER, ["Ask", "Documents", "Account"]), (LEGAL_USER, ["Ask", "Review", "Account"])],
    ids=["staff", "admin", "legal"],
)
def test_the_navigation_lists_the_pages_of_the_role(principal, titles):
    from assistant.app_support import pages_for
    from assistant.auth import ANONYMOUS

    assert [page.title for page in pages_for(principal or ANONYMOUS)] == titles


def test_staff_sign_in_with_the_legal_password(app_env):
    at = fresh_app(script=ACCOUNT).run()
    at.selectbox[0].set_value(LEGAL)
    at.text_input[0].set_value(PASSWORD)
    at.button[0].click().run()
    assert at.session_state["principal"].has(LEGAL)


def test_a_wrong_password_is_refused(app_env):
    at = fresh_app(script=ACCOUNT).run()
    at.selectbox[0].set_value(ADMIN)
    at.text_input[0].set_value("guess")
    at.button[0].click().run()
    assert any("Wrong password" in e.value for e in at.error)
    assert "principal" not in at.session_state


def test_without_password_hashes_nobody_can_sign_in(app_env, monkeypatch):
    monkeypatch.delenv("ASSISTANT_LEGAL_PASSWORD_HASH")
    monkeypatch.delenv("ASSISTANT_ADMIN_PASSWORD_HASH")
    at = fresh_app(script=ACCOUNT).run()
    assert any("not configured" in i.value for i in at.info)
    assert not at.text_input


# ------------------------------------------------------------------ legal: the review page


def asked(app_env, question="Can I put our code on GitHub?") -> str:
    at = fresh_app().run()
    at.chat_input[0].set_value(question).run()
    return log_of(app_env).entries()[0].id


def test_review_page_lists_answers_with_their_cited_passages(app_env):
    asked(app_env)
    at = fresh_app(LEGAL_USER, REVIEW).run()
    assert not at.exception
    assert at.dataframe[0].value["question"].tolist() == ["Can I put our code on GitHub?"]
    assert any("Open Source" in m.value for m in at.markdown)


def test_legal_marks_an_answer_wrong_with_a_note(app_env):
    answer_id = asked(app_env)
    at = fresh_app(LEGAL_USER, REVIEW).run()
    at.radio[0].set_value("wrong")
    at.text_area[0].set_value("Misses the approval step")
    next(b for b in at.button if b.label == "Save mark").click().run()
    entry = log_of(app_env).get(answer_id)
    assert (entry.mark, entry.note, entry.reviewer) == ("wrong", "Misses the approval step", "legal")


def test_review_filters_narrow_the_list(app_env):
    asked(app_env)
    at = fresh_app(LEGAL_USER, REVIEW).run()
    at.selectbox[2].set_value("wrong").run()
    assert any("No answers match" in i.value for i in at.info)


# ------------------------------------------------------------------ admin: the documents page


def test_documents_page_lists_the_indexed_documents(app_env):
    at = fresh_app(ADMIN_USER, DOCUMENTS).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert "Employee Inventions and Service Inventions Policy" in table["title"].tolist()
    assert set(table["status"]) == {"current", "superseded"}


def test_admin_uploads_a_file_into_the_corpus(app_env, monkeypatch, tmp_path, sample_settings):
    corpus = tmp_path / "corpus"
    shutil.copytree(sample_settings.corpus_dir, corpus)
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(corpus))
    at = fresh_app(ADMIN_USER, DOCUMENTS).run()
    at.selectbox[0].set_value("policies")
    at.file_uploader[0].set_value(("Clean Desk.md", b"# Clean Desk\n\nLock drawings away.", "text/markdown"))
    next(b for b in at.button if b.label == "Save to the corpus").click().run()
    assert not at.exception
    assert (corpus / "policies" / "Clean-Desk.md").read_bytes() == b"# Clean Desk\n\nLock drawings away."


def test_admin_upload_of_a_fake_pdf_is_refused(app_env, monkeypatch, tmp_path, sample_settings):
    corpus = tmp_path / "corpus"
    shutil.copytree(sample_settings.corpus_dir, corpus)
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(corpus))
    at = fresh_app(ADMIN_USER, DOCUMENTS).run()
    at.file_uploader[0].set_value(("policy.pdf", b"MZ this is an exe", "application/pdf"))
    next(b for b in at.button if b.label == "Save to the corpus").click().run()
    assert any("not a PDF" in e.value for e in at.error)
    assert not (corpus / "policy.pdf").exists()


def test_ingest_while_another_runs_is_refused(app_env):
    from assistant.admin import IngestLock
    from assistant.config import load_settings

    at = fresh_app(ADMIN_USER, DOCUMENTS).run()
    with IngestLock(load_settings()):
        next(b for b in at.button if b.label == "Run ingest").click().run()
    assert any("already running" in e.value for e in at.error)


def test_empty_store_shows_how_to_ingest(monkeypatch, tmp_path):
    import streamlit as st

    monkeypatch.setenv("ASSISTANT_STORE_DIR", str(tmp_path / "empty-store"))
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", f"sqlite:///{tmp_path / 'a.sqlite3'}")
    monkeypatch.delenv("ASSISTANT_CHROMA_HOST", raising=False)
    st.cache_resource.clear()
    at = fresh_app().run()
    st.cache_resource.clear()
    assert any("ingest" in w.value for w in at.warning)
    assert not at.chat_input
