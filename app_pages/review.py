"""Legal's review page: every logged answer, filtered, one opened beside its sources, marked, exported."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from assistant.answer_log import ReviewFilter, entries_csv
from assistant.app_support import current_documents, gate, get_answer_log
from assistant.auth import LEGAL, require
from assistant.presentation import citation_label
from assistant.ui_text import escape_markdown

principal = gate(LEGAL)
log = get_answer_log()
documents = current_documents()

st.title("Review answers")
st.caption("Every answer the assistant gave, newest first. Stale: a cited document changed or was removed since.")

columns = st.columns([3, 2, 2, 1, 1])
document = columns[0].selectbox("Document", ["all", *sorted(set(log.cited_sources()) | set(documents))])
feedback = columns[1].selectbox("Staff feedback", ["any", "up", "down", "none"])
mark = columns[2].selectbox("Mark", ["any", "right", "wrong"])
unreviewed = columns[3].checkbox("Unreviewed")
stale_only = columns[4].checkbox("Stale")
where = ReviewFilter(
    document=None if document == "all" else document,
    feedback=None if feedback == "any" else feedback,
    mark=None if mark == "any" else mark,
    unreviewed=unreviewed,
    stale=stale_only,
)
entries = log.entries(where, documents)

metrics = st.columns(4)
metrics[0].metric("Answers shown", len(entries))
metrics[1].metric("Unreviewed", sum(1 for e in entries if not e.mark))
metrics[2].metric("Thumbs down", sum(1 for e in entries if e.feedback == 0))
metrics[3].metric("Stale", sum(1 for e in entries if e.stale))

st.download_button(
    "Export these answers (CSV)", entries_csv(entries), file_name="ip-assistant-reviews.csv", mime="text/csv",
    icon=":material/download:",
)

if not entries:
    st.info("No answers match these filters.")
    st.stop()

table = pd.DataFrame(
    [
        {
            "asked": e.asked_at.strftime("%Y-%m-%d %H:%M"),
            "question": e.question,
            "answered": "yes" if e.grounded else "declined",
            "feedback": e.feedback_label,
            "mark": e.mark or "",
            "stale": "stale" if e.stale else "",
            "sources": ", ".join(sorted({c.source for c in e.citations})),
        }
        for e in entries
    ]
)
st.dataframe(table, hide_index=True, width="stretch")

by_id = {e.id: e for e in entries}
chosen = st.selectbox(
    "Open an answer", list(by_id), format_func=lambda i: f"{by_id[i].asked_at:%Y-%m-%d %H:%M} · {by_id[i].question[:90]}"
)
entry = by_id[chosen]

st.subheader("Question")
st.markdown(escape_markdown(entry.question))
if entry.standalone_question:
    st.caption("Searched as: " + escape_markdown(entry.standalone_question))
st.subheader("Answer")
st.markdown(escape_markdown(entry.answer))
details = [f"mode {entry.mode or 'not recorded'}", f"model {entry.model or 'none'}", f"confidence {entry.confidence:.2f}"]
if entry.asked_by:
    details.append(f"asked by {entry.asked_by}")
st.caption(escape_markdown(" · ".join(details)))
if entry.feedback is not None:
    st.write(f"Staff feedback: thumbs {entry.feedback_label}" + (f" — {entry.feedback_comment}" if entry.feedback_comment else ""))
for flag in entry.stale:
    st.warning("Stale: " + escape_markdown(flag.describe()))

if entry.citations:
    st.subheader("Cited passages")
    for start in range(0, len(entry.citations), 3):
        row = st.columns(3)
        for column, citation in zip(row, entry.citations[start : start + 3]):
            with column.container(border=True):
                st.markdown("**" + escape_markdown(citation_label(citation.to_json())) + "**")
                st.caption(escape_markdown(f"{citation.source} · sha256 {(citation.doc_sha256 or 'not recorded')[:12]}"))
                st.markdown(escape_markdown(citation.text))

st.subheader("Mark")
if entry.mark:
    st.write(f"Current mark: {entry.mark}" + (f" ({entry.reviewer})" if entry.reviewer else ""))
with st.form(f"mark-{entry.id}"):
    verdict = st.radio("This answer is", ["right", "wrong"], horizontal=True,
                       index=["right", "wrong"].index(entry.mark) if entry.mark else 0)
    note = st.text_area("Note", value=entry.note or "")
    if st.form_submit_button("Save mark"):
        require(principal, LEGAL)  # the action itself checks the role, not only the page
        log.mark(entry.id, verdict, note, reviewer=principal.name)
        st.success("Mark saved.")
        st.rerun()
