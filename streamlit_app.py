"""Streamlit chat over the IP documents. Thin: every decision is made in ``assistant``."""
from __future__ import annotations

import streamlit as st

from assistant.config import load_settings
from assistant.feedback import FeedbackLog
from assistant.followup import Turn
from assistant.presentation import citation_label, pages_label, plain_text
from assistant.service import Assistant, EmptyStoreError

st.set_page_config(page_title="IP Policy Assistant", page_icon=":scales:", layout="wide")


@st.cache_resource(show_spinner="Loading the models and the document store...")
def get_assistant() -> Assistant:
    return Assistant(load_settings())


settings = load_settings()
feedback = FeedbackLog(settings.feedback_log)

st.title("IP Policy Assistant")
st.caption("Answers come only from the company's IP documents, with every sentence cited to a document and page.")

INGEST_HINT = (
    "The document store is empty, so there is nothing to answer from. "
    "Ingest the corpus first: `python ingest.py` (or `make run`), then reload this page."
)

try:
    assistant = get_assistant()
    assistant.refresh()  # picks up an ingest made since the last page run (a cheap check)
except EmptyStoreError:
    st.warning(INGEST_HINT)
    st.stop()
except Exception as exc:  # the store folder is unreadable, the server is down, a model is missing
    st.error(f"The assistant could not start: {exc}")
    st.stop()

with st.sidebar:
    st.subheader("Search in")
    doc_type = st.selectbox("Document type", ["all", "policy", "lecture", "contract", "document"], index=0)
    source = st.text_input("Documents (path or glob)", placeholder="policies/* or policies/open-source-software.pdf")
    k = st.slider("Sources to show", min_value=1, max_value=10, value=settings.k)
    st.divider()
    st.subheader("Documents")
    records = assistant.directory.records
    st.write(f"{len(records)} documents, {assistant.store.count()} passages")
    st.caption(f"Store: {settings.backend}")
    st.divider()
    st.subheader("Review log")
    st.download_button(
        "Export reviews (CSV)", feedback.export_csv(), file_name="ip-assistant-reviews.csv", mime="text/csv"
    )

if assistant.is_empty:
    st.warning(INGEST_HINT)
    st.stop()

if "messages" not in st.session_state:
    st.session_state.messages = []


def show_answer(message: dict) -> None:
    answer = message["answer"]
    # Everything below comes from documents or users: shown as text, never as live Markdown/HTML.
    st.markdown(plain_text(answer["answer"]))
    if answer.get("standalone_question") and answer["standalone_question"] != answer["question"]:
        st.caption("Searched as: " + plain_text(answer["standalone_question"]))
    for citation in answer["citations"]:
        label = citation_label(citation)
        with st.expander(plain_text(label)):
            version = f", version {citation['version']}" if citation.get("version") else ""
            st.markdown(f"**{plain_text(citation['title'])}**" + plain_text(version))
            if citation.get("superseded"):
                st.warning("This passage comes from a superseded version of the document.")
            st.caption(plain_text(f"{citation['source']} · {pages_label(citation)} · {citation['section'] or 'no section'}"))
            st.text(citation["text"])
    verdict = st.radio(
        "Is this answer right?",
        ["not reviewed", "right", "wrong"],
        key=f"verdict-{message['id']}",
        horizontal=True,
        index=["not reviewed", "right", "wrong"].index(message.get("verdict", "not reviewed")),
    )
    if verdict != message.get("verdict", "not reviewed") and verdict != "not reviewed":
        feedback.mark(message["id"], verdict)
        message["verdict"] = verdict


for message in st.session_state.messages:
    with st.chat_message(message["role"]):
        if message["role"] == "user":
            st.markdown(plain_text(message["content"]))
        else:
            show_answer(message)

question = st.chat_input("Ask about IP rules, e.g. Who owns an invention I made on the night shift?")
if question:
    history = [
        Turn("user", m["content"]) if m["role"] == "user" else Turn("assistant", m["answer"]["answer"])
        for m in st.session_state.messages
    ]
    st.session_state.messages.append({"role": "user", "content": question})
    with st.chat_message("user"):
        st.markdown(plain_text(question))
    with st.chat_message("assistant"):
        with st.spinner("Searching the documents..."):
            answer = assistant.ask(
                question,
                k=k,
                source=source.strip() or None,
                doc_type=None if doc_type == "all" else doc_type,
                history=history,
            )
        message = {"role": "assistant", "answer": answer.to_json(), "id": feedback.record_answer(answer)}
        st.session_state.messages.append(message)
        show_answer(message)
