"""Staff chat: ask, read the cited answer, check each source's page picture, give feedback."""
from __future__ import annotations

import streamlit as st

from assistant.admin import effective_date
from assistant.answer_log import document_states
from assistant.app_support import current_principal, get_answer_log, get_assistant, settings
from assistant.followup import Turn
from assistant.page_images import PageError, answer_sentences_in, render_page, resolve_source, single_page_pdf
from assistant.presentation import citation_label, pages_label
from assistant.service import EmptyStoreError
from assistant.ui_text import escape_markdown, highlighted, sentence_spans

EXAMPLES = (
    "Who owns an invention I made on the night shift?",
    "Can I put our code on GitHub?",
    "How soon must I report an invention?",
    "May visitors take photos on a plant tour?",
)
INGEST_HINT = (
    "The document store is empty, so there is nothing to answer from. An admin can upload documents on the "
    "Documents page, or run `python ingest.py`."
)

config = settings()
st.title("IP Policy Assistant")
st.caption("Answers come only from the company's IP documents, with every sentence cited to a document and page.")

try:
    assistant = get_assistant()
    assistant.refresh()  # picks up an ingest made since the last page run (a cheap check)
except EmptyStoreError:
    st.warning(INGEST_HINT)
    st.stop()
except Exception as exc:  # the store folder is unreadable, the server is down, a model is missing
    st.error(f"The assistant could not start: {exc}")
    st.stop()
log = get_answer_log()

if "messages" not in st.session_state:
    st.session_state.messages = []

with st.sidebar:
    if st.button("New conversation", icon=":material/add_comment:", width="stretch"):
        st.session_state.messages = []
    st.subheader("Search in")
    doc_type = st.selectbox("Document type", ["all", "policy", "lecture", "contract", "document"], index=0)
    source = st.text_input("Documents (path or glob)", placeholder="policies/* or policies/open-source-software.pdf")
    k = st.slider("Sources to show", min_value=1, max_value=10, value=config.k)
    st.caption(f"{len(assistant.directory.records)} documents, {assistant.store.count()} passages")
    st.caption("Answers: " + ("extractive (copied sentences)" if config.llm == "none" else f"written by a language model ({config.llm}), checked against the passages"))

if assistant.is_empty:
    st.warning(INGEST_HINT)
    st.stop()


@st.cache_data(max_entries=64, show_spinner="Drawing the page...")
def page_picture(path: str, mtime: float, page: int, passage: str, sentences: tuple[str, ...]) -> bytes:
    return render_page(path, page, passage, sentences).png


def show_source(message: dict, citation: dict) -> None:
    record = assistant.directory.records.get(citation["source"])
    facts = [citation["source"], pages_label(citation), citation["section"] or "no section"]
    if citation.get("version"):
        facts.insert(1, f"version {citation['version']}")
    if record and effective_date(record):
        facts.insert(2, f"effective {effective_date(record)}")
    st.markdown(f"**{escape_markdown(citation['title'])}**")
    st.caption(escape_markdown(" · ".join(facts)))
    if citation.get("superseded"):
        st.warning("This passage comes from a superseded version of the document.")
    sentences = answer_sentences_in(message["answer"]["answer"], citation["text"])
    st.markdown(highlighted(citation["text"], sentence_spans(citation["text"], sentences)))
    try:
        path = resolve_source(config.corpus_dir, citation["source"])
    except PageError:
        st.caption("The file is no longer in the corpus.")
        return
    key = f"{message['id']}-{citation['n']}"
    columns = st.columns(3)
    if citation.get("page"):
        show = columns[0].toggle("Show the page", key=f"page-{key}")
        columns[1].download_button(
            f"Download page {citation['page']}", lambda: single_page_pdf(path, citation["page"]),
            file_name=f"{path.stem}-p{citation['page']}.pdf", mime="application/pdf", key=f"dl-page-{key}",
        )
    else:
        show = False
    columns[2].download_button(
        "Download the document", lambda: path.read_bytes(), file_name=path.name, key=f"dl-doc-{key}",
    )
    if show:
        try:
            png = page_picture(str(path), path.stat().st_mtime, citation["page"], citation["text"], tuple(sentences))
            st.image(png, caption=f"{citation['title']}, page {citation['page']}: the passage is framed, the quoted sentences marked")
        except PageError as exc:
            st.caption(str(exc))


def show_feedback(message: dict) -> None:
    key = message["id"]
    score = st.feedback("thumbs", key=f"thumbs-{key}")
    if score is not None and score != message.get("feedback"):
        log.give_feedback(key, score, message.get("comment", ""))
        message["feedback"] = score
    if score is not None:
        with st.form(f"comment-{key}", clear_on_submit=False, border=False):
            comment = st.text_input("Comment (optional)", key=f"comment-text-{key}")
            if st.form_submit_button("Send comment"):
                log.give_feedback(key, score, comment)
                message["comment"] = comment
                st.toast("Thank you: Legal will see your comment.")


def show_answer(message: dict) -> None:
    answer = message["answer"]
    if answer["grounded"]:
        st.markdown(escape_markdown(answer["answer"]))
    else:
        st.info(escape_markdown(answer["answer"]))
    if answer.get("mode") == "generated":
        st.caption(escape_markdown(f"Written by {answer['model']}. Every sentence was checked against the passage it cites."))
    if answer.get("fallback"):
        st.info(escape_markdown(answer["fallback"][:1].upper() + answer["fallback"][1:] + "."))
    if answer.get("unsupported"):
        with st.expander(f"Removed: {len(answer['unsupported'])} generated sentence(s) failed verification"):
            for sentence in answer["unsupported"]:
                st.markdown("- " + escape_markdown(sentence))
    if answer.get("standalone_question") and answer["standalone_question"] != answer["question"]:
        st.caption("Searched as: " + escape_markdown(answer["standalone_question"]))
    for citation in answer["citations"]:
        # Keyed, so an opened source stays open when the page's layout above it changes.
        with st.expander(escape_markdown(citation_label(citation)), key=f"source-{message['id']}-{citation['n']}"):
            show_source(message, citation)
    show_feedback(message)


def history() -> list[Turn]:
    turns = []
    for message in st.session_state.messages:
        content = message["content"] if message["role"] == "user" else message["answer"]["answer"]
        turns.append(Turn(message["role"], content))
    return turns


def ask(question: str) -> None:
    earlier = history()
    st.session_state.messages.append({"role": "user", "content": question})
    with st.chat_message("user"):
        st.markdown(escape_markdown(question))
    with st.chat_message("assistant"):
        final = []

        def pieces():
            """The answer's text as it is written; the verified answer (the last item) is kept aside."""
            for item in assistant.ask_stream(
                question, k=k, source=source.strip() or None, doc_type=None if doc_type == "all" else doc_type,
                history=earlier or None,
            ):
                if isinstance(item, str):
                    yield escape_markdown(item)
                else:
                    final.append(item)

        draft = st.empty()
        with st.spinner("Searching the documents..."):
            with draft.container():
                st.write_stream(pieces())
        draft.empty()  # the draft gives way to the verified answer, its sources and marks
        answer = final[-1]
        principal = current_principal()
        answer_id = log.record_answer(
            answer, document_states(assistant.directory.records), mode=getattr(answer, "mode", None) or "extractive",
            model=getattr(answer, "model", None), asked_by=principal.name if principal.via == "oidc" else None,
        )
        message = {"role": "assistant", "answer": answer.to_json(), "id": answer_id}
        st.session_state.messages.append(message)
        show_answer(message)


for message in st.session_state.messages:
    with st.chat_message(message["role"]):
        if message["role"] == "user":
            st.markdown(escape_markdown(message["content"]))
        else:
            show_answer(message)

example = None
if not st.session_state.messages:
    st.write("Ask about inventions, patents, open source, trade secrets or licensing. For example:")
    columns = st.columns(len(EXAMPLES))
    for column, text in zip(columns, EXAMPLES):
        if column.button(text, key=f"example-{text}", width="stretch"):
            example = text

question = st.chat_input("Ask about IP rules, e.g. Who owns an invention I made on the night shift?")
if question or example:
    ask((question or example).strip())
