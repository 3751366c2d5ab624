"""Admin's documents page: what is indexed, what failed, uploads, removal, re-ingest, charts."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from assistant.admin import (
    IngestBusy,
    NeedsConfirmation,
    UploadError,
    check_upload,
    corpus_folders,
    document_rows,
    last_status,
    remove_document,
    run_ingest,
    save_upload,
)
from assistant.app_support import gate, get_answer_log, settings, store_records
from assistant.auth import ADMIN

principal = gate(ADMIN)
config = settings()
records = store_records()
rows = document_rows(records)

st.title("Documents")
st.caption(f"Corpus folder: {config.corpus_dir} · store: {config.backend}")

metrics = st.columns(3)
metrics[0].metric("Documents", len(rows))
metrics[1].metric("Passages", sum(r.chunks for r in rows))
metrics[2].metric("Superseded", sum(1 for r in rows if r.status == "superseded"))

if rows:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "title": r.title, "type": r.doc_type, "version": r.version, "effective": r.effective,
                    "status": r.status, "pages": r.pages or None, "chunks": r.chunks, "file": r.source,
                    "sha256": r.sha256[:12], "last ingested": r.ingested_at.replace("T", " ").replace("+00:00", " UTC"),
                }
                for r in rows
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.info("No documents are indexed yet: upload some below and run ingest.")

status = last_status(config)
if status:
    st.caption(f"Last ingest from this page, {status.finished_at}: {status.summary.splitlines()[0]}")
    if status.failed:
        st.error(f"{len(status.failed)} file(s) could not be ingested:")
        st.dataframe(pd.DataFrame([{"file": k, "reason": v} for k, v in sorted(status.failed.items())]), hide_index=True)

st.subheader("Upload")
with st.form("upload", clear_on_submit=True):
    folder = st.selectbox("Folder", corpus_folders(config.corpus_dir), format_func=lambda f: f or "(corpus root)")
    files = st.file_uploader(
        f"PDF, Markdown or text, up to {config.upload_max_mb} MB each", type=["pdf", "md", "markdown", "txt"],
        accept_multiple_files=True,
    )
    replace = st.checkbox("Replace files that already exist (the current file is kept in the archive)")
    uploaded = st.form_submit_button("Save to the corpus")
if uploaded:
    for file in files or []:
        try:
            checked = check_upload(file.name, file.getvalue(), config.upload_max_mb * 2**20)
            saved = save_upload(config, principal, checked, folder, confirm_replace=replace)
        except NeedsConfirmation as exc:
            st.warning(f"{exc}. Tick 'Replace files that already exist' and upload again.")
        except UploadError as exc:
            st.error(str(exc))
        else:
            note = f", the old file archived as {saved.archived}" if saved.archived else ""
            st.success(f"Saved {saved.source}{' (replaced)' if saved.replaced else ''}{note}. Run ingest to index it.")

st.subheader("Ingest")
st.write("Bring the index in line with the corpus folder: new and changed files are indexed, removed ones dropped.")
if st.button("Run ingest", type="primary"):
    bar = st.progress(0.0, text="Checking the corpus...")

    def progress(done: int, total: int, source: str) -> None:
        bar.progress(done / total, text=f"Indexing {done} of {total}: {source}")

    try:
        report = run_ingest(config, principal, progress=progress)
    except IngestBusy as exc:
        bar.empty()
        st.error(str(exc))
    else:
        bar.progress(1.0, text="Done")
        st.code(f"ingest into {config.backend}: {report.summary()}", language=None)
        if st.button("Show the updated table"):
            st.rerun()

st.subheader("Remove a document")
if records:
    with st.form("remove"):
        doomed = st.selectbox("Document", sorted(records))
        sure = st.checkbox("Yes, remove it (the file is kept in the archive)")
        if st.form_submit_button("Remove"):
            if not sure:
                st.warning("Tick the box to confirm.")
            else:
                try:
                    archived = remove_document(config, principal, doomed)
                except (IngestBusy, UploadError) as exc:
                    st.error(str(exc))
                else:
                    st.success(f"Removed {doomed}; the file is archived as {archived}.")

st.subheader("At a glance")
charts = st.columns(3)
if rows:
    with charts[0]:
        st.caption("Documents by type")
        st.bar_chart(pd.Series([r.doc_type for r in rows]).value_counts().rename("documents"))
    with charts[1]:
        st.caption("Passages per document")
        st.bar_chart(pd.Series({r.source.rsplit("/", 1)[-1]: r.chunks for r in rows}, name="passages"), horizontal=True)
per_day = get_answer_log().answers_per_day()
with charts[2]:
    st.caption("Answers per day")
    if per_day:
        st.bar_chart(pd.Series({str(d): n for d, n in per_day.items()}, name="answers"))
    else:
        st.write("No answers logged yet.")
