"""What the Streamlit pages share: the cached assistant and answer log, who is signed in, role gates.

Kept out of the page scripts so they stay thin. The role gate runs in the server process on every
page run (Streamlit executes the page script on the server), so a user who types a page's URL or
replays a widget event gets the same refusal as one who never saw the link.
"""
from __future__ import annotations

import streamlit as st

from .answer_log import AnswerLog, document_states
from dataclasses import dataclass

from .auth import ADMIN, ANONYMOUS, LEGAL, AccessDenied, Principal, oidc_principal, require
from .config import Settings, load_settings
from .service import Assistant
from .store import ChunkStore, DocumentRecord, MissingStoreError

PRINCIPAL_KEY = "principal"


@dataclass(frozen=True)
class PageSpec:
    path: str  # page script, relative to the project root
    title: str
    icon: str
    url_path: str
    role: str | None = None  # None: everyone


PAGES = (
    PageSpec("app_pages/chat.py", "Ask", ":material/chat:", "ask"),
    PageSpec("app_pages/documents.py", "Documents", ":material/folder:", "documents", ADMIN),
    PageSpec("app_pages/review.py", "Review", ":material/gavel:", "review", LEGAL),
    PageSpec("app_pages/account.py", "Account", ":material/person:", "account"),
)


def pages_for(principal: Principal) -> list[PageSpec]:
    """The pages listed in the navigation for this user (each page checks the role again itself)."""
    return [page for page in PAGES if page.role is None or principal.has(page.role)]


def settings() -> Settings:
    return load_settings()


@st.cache_resource(show_spinner="Loading the models and the document store...")
def _assistant(key: tuple) -> Assistant:
    return Assistant(load_settings())


def get_assistant() -> Assistant:
    """One assistant per store configuration, shared by sessions (models load once)."""
    s = settings()
    return _assistant((s.backend, s.collection, s.store_dir.as_posix(), s.llm, s.llm_base_url, s.llm_model, s.llm_model_path))


@st.cache_resource
def _answer_log(url: str, legacy: str) -> AnswerLog:
    from pathlib import Path

    return AnswerLog(url, legacy_jsonl=Path(legacy))


def get_answer_log() -> AnswerLog:
    s = settings()
    return _answer_log(s.answer_log_url, str(s.feedback_log))


def store_records() -> dict[str, DocumentRecord]:
    """The store's document records without loading the models (the documents page, an empty store)."""
    try:
        return ChunkStore(settings(), create=False).document_records()
    except MissingStoreError:
        return {}


def current_documents():
    return document_states(store_records())


# ------------------------------------------------------------------ who is signed in


def oidc_configured() -> bool:
    """An identity provider is configured in .streamlit/secrets.toml ([auth] section)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def current_principal() -> Principal:
    if oidc_configured():
        user = st.user
        if getattr(user, "is_logged_in", False):
            return oidc_principal(settings(), user.get("email"), user.get("name"))
        return ANONYMOUS
    return st.session_state.get(PRINCIPAL_KEY) or ANONYMOUS


def sign_in(principal: Principal) -> None:
    st.session_state[PRINCIPAL_KEY] = principal


def sign_out() -> None:
    st.session_state.pop(PRINCIPAL_KEY, None)


def gate(role: str) -> Principal:
    """Stop the page unless the signed-in user holds ``role``."""
    try:
        return require(current_principal(), role)
    except AccessDenied:
        st.error(f"Access denied: this page is for the {role} role. Sign in on the Account page.")
        st.stop()
        raise  # st.stop() raises; this line is never reached
