"""Admin actions on the corpus: checked uploads, archive on replace, removal, one ingest at a time."""
from __future__ import annotations

import shutil
from dataclasses import replace

import pytest

from assistant.admin import (
    IngestBusy,
    IngestLock,
    NeedsConfirmation,
    UploadError,
    check_upload,
    document_rows,
    last_status,
    remove_document,
    run_ingest,
    safe_filename,
    save_upload,
    target_path,
)
from assistant.auth import ADMIN, ANONYMOUS, LEGAL, STAFF, AccessDenied, Principal
from assistant.store import ChunkStore

from .conftest import CORPUS, make_settings

ADMIN_USER = Principal("admin", frozenset({STAFF, ADMIN}), "password")
LEGAL_USER = Principal("legal", frozenset({STAFF, LEGAL}), "password")
MB = 2**20
PDF = (CORPUS / "policies" / "trade-secret-protection.pdf").read_bytes()
NOTE = "# Clean Desk Note\n\nVersion: 1.0\n\nLock confidential drawings away at the end of every shift.\n"


@pytest.fixture
def settings(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "policies").mkdir(parents=True)
    (corpus / "lectures").mkdir()
    (corpus / "policies" / "clean-desk.md").write_text(NOTE)
    return make_settings(tmp_path / "store", corpus)


@pytest.mark.parametrize(
    "name, safe",
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\evil.pdf", "evil.pdf"),
        (".hidden.md", "hidden.md"),
        ("_draft.md", "draft.md"),
        ("Trade Secret <v2>.PDF", "Trade-Secret-v2.pdf"),
        ("", "document"),
        ("ﬁle.md", "file.md"),
    ],
)
def test_file_names_are_made_safe(name, safe):
    assert safe_filename(name) == safe


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("policy.pdf", b"MZ\x90\x00 an exe renamed", "not a PDF"),
        ("policy.pdf", b"Just some text\n" * 10, "not a PDF"),
        ("policy.pdf", b"%PDF-1.7\n garbage that is no PDF", "cannot be opened"),
        ("notes.md", PDF, "binary"),
        ("notes.md", b"\x89PNG\r\n\x1a\n....", "binary"),
        ("notes.txt", "Zürich".encode("latin-1"), "not UTF-8"),
        ("notes.md", b"text\x00with NUL", "NUL"),
        ("notes.md", b"   \n ", "no text"),
        ("empty.txt", b"", "empty"),
        ("report.docx", b"PK\x03\x04", "only PDF, Markdown and text"),
        ("big.txt", b"a" * (MB + 1), "over the limit"),
    ],
)
def test_bad_uploads_are_refused(name, data, reason):
    with pytest.raises(UploadError, match=reason):
        check_upload(name, data, max_bytes=MB)


@pytest.mark.parametrize("name, data, kind", [("x.pdf", PDF, "pdf"), ("x.md", NOTE.encode(), "markdown"), ("x.txt", b"\xef\xbb\xbfplain", "text")])
def test_good_uploads_pass(name, data, kind):
    assert check_upload(name, data, max_bytes=10 * MB).kind == kind


@pytest.mark.parametrize("folder", ["../", "..", "/tmp", "policies/../..", "_archive", "missing"])
def test_uploads_cannot_target_other_folders(settings, folder):
    with pytest.raises(UploadError):
        target_path(settings.corpus_dir, folder, "x.md")


@pytest.mark.parametrize("principal", [None, ANONYMOUS, LEGAL_USER])
def test_only_admins_may_upload(settings, principal):
    with pytest.raises(AccessDenied):
        save_upload(settings, principal, check_upload("n.md", NOTE.encode(), MB), "policies")


def test_a_new_file_is_saved_into_the_chosen_folder(settings):
    saved = save_upload(settings, ADMIN_USER, check_upload("../New Rule.md", NOTE.encode(), MB), "lectures")
    assert saved.source == "lectures/New-Rule.md" and not saved.replaced
    assert (settings.corpus_dir / "lectures" / "New-Rule.md").read_text() == NOTE


def test_replacing_a_file_needs_confirmation(settings):
    with pytest.raises(NeedsConfirmation):
        save_upload(settings, ADMIN_USER, check_upload("clean-desk.md", b"# New\n\nchanged text", MB), "policies")
    assert (settings.corpus_dir / "policies" / "clean-desk.md").read_text() == NOTE


def test_a_confirmed_replacement_archives_the_old_file(settings):
    saved = save_upload(settings, ADMIN_USER, check_upload("clean-desk.md", b"# New\n\nchanged text", MB), "policies", confirm_replace=True)
    assert saved.replaced and saved.archived.read_text() == NOTE
    assert saved.archived.is_relative_to(settings.archive_dir)
    assert (settings.corpus_dir / "policies" / "clean-desk.md").read_text() == "# New\n\nchanged text"


def test_a_second_ingest_is_refused_while_one_runs(settings):
    with IngestLock(settings):
        with pytest.raises(IngestBusy):
            run_ingest(settings, ADMIN_USER)


def test_the_lock_is_free_again_after_an_ingest(settings):
    with IngestLock(settings):
        pass
    with IngestLock(replace(settings)):
        pass


@pytest.mark.parametrize("principal", [None, ANONYMOUS, LEGAL_USER])
def test_only_admins_may_ingest_or_remove(settings, principal):
    with pytest.raises(AccessDenied):
        run_ingest(settings, principal)
    with pytest.raises(AccessDenied):
        remove_document(settings, principal, "policies/clean-desk.md")


def test_ingest_reports_progress_and_records_pages_and_time(settings, embeddings):
    shutil.copy(CORPUS / "policies" / "trade-secret-protection.pdf", settings.corpus_dir / "policies")
    seen = []
    report = run_ingest(settings, ADMIN_USER, progress=lambda done, total, source: seen.append((done, total)))
    assert sorted(report.added) == ["policies/clean-desk.md", "policies/trade-secret-protection.pdf"]
    assert seen == [(1, 2), (2, 2)]
    rows = {r.source: r for r in document_rows(ChunkStore(settings).document_records())}
    pdf = rows["policies/trade-secret-protection.pdf"]
    assert pdf.pages > 1 and pdf.effective and pdf.ingested_at and pdf.status == "current"
    assert last_status(settings).summary == report.summary()


def test_a_failed_file_is_kept_in_the_last_status(settings, embeddings):
    (settings.corpus_dir / "policies" / "broken.pdf").write_bytes(b"%PDF-1.4 broken")
    run_ingest(settings, ADMIN_USER)
    assert "policies/broken.pdf" in last_status(settings).failed


def test_removing_a_document_archives_it_and_drops_it_from_the_store(settings, embeddings):
    run_ingest(settings, ADMIN_USER)
    archived = remove_document(settings, ADMIN_USER, "policies/clean-desk.md")
    assert archived.read_text() == NOTE and not (settings.corpus_dir / "policies" / "clean-desk.md").exists()
    store = ChunkStore(settings)
    assert store.document_records() == {} and store.count() == 0
