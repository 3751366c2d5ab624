"""Shared fixtures: the real model loaded once, the sample corpus ingested once, small corpora per test."""
from __future__ import annotations

import io
import os
import shutil
import socket
from dataclasses import replace
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"

from assistant.config import PROJECT_ROOT, load_settings  # noqa: E402

CORPUS = PROJECT_ROOT / "corpus"
SHARED = PROJECT_ROOT.parent / "shared" / "eval"


@pytest.fixture(scope="session")
def embeddings():
    from assistant.embeddings import get_embeddings

    return get_embeddings()


@pytest.fixture(scope="session")
def reranker():
    from assistant.rerank import CrossEncoderReranker

    return CrossEncoderReranker()


def make_settings(store: Path, corpus: Path = CORPUS, **overrides):
    return replace(
        load_settings(store_dir=store, corpus_dir=corpus, feedback_log=store / "feedback.jsonl"),
        chroma_host="",
        **overrides,
    )


@pytest.fixture(scope="session")
def sample_settings(tmp_path_factory, embeddings):
    """The whole sample corpus, ingested once for the session."""
    from assistant.ingest import Ingestor

    store = tmp_path_factory.mktemp("sample-store")
    settings = make_settings(store)
    report = Ingestor(settings).run(CORPUS)
    assert not report.failed, report.failed
    return settings


@pytest.fixture(scope="session")
def sample_assistant(sample_settings, reranker):
    from assistant.service import Assistant

    return Assistant(sample_settings, reranker=reranker)


def copy_small_corpus(root: Path) -> Path:
    """Three real documents from the sample corpus (two policies, one lecture) copied into ``root``."""
    (root / "policies").mkdir(parents=True)
    (root / "lectures").mkdir()
    for name in ("open-source-software.pdf", "trade-secret-protection.pdf"):
        shutil.copy(CORPUS / "policies" / name, root / "policies" / name)
    shutil.copy(CORPUS / "lectures" / "enterprise-ip-protection-part1.md", root / "lectures")
    return root


@pytest.fixture
def small_corpus(tmp_path) -> Path:
    """Three real documents from the sample corpus in a fresh folder."""
    return copy_small_corpus(tmp_path / "corpus")


# ------------------------------------------------------------------ broken PDFs


def corrupt_pdf(path: Path) -> None:
    data = (CORPUS / "policies" / "open-source-software.pdf").read_bytes()
    path.write_bytes(data[: len(data) // 3].replace(b"obj", b"jbo"))


def encrypted_pdf(path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(str(CORPUS / "policies" / "open-source-software.pdf")))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    writer.write(str(path))


def empty_pdf(path: Path) -> None:
    path.write_bytes(b"")


def textless_pdf(path: Path) -> None:
    """Blank pages, as a scan without OCR looks to a text extractor."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(2):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    path.write_bytes(buffer.getvalue())


def not_a_pdf(path: Path) -> None:
    path.write_text("This is a Word document renamed to .pdf\n" * 20)


BROKEN_PDFS = {
    "corrupt": (corrupt_pdf, "corrupt"),
    "encrypted": (encrypted_pdf, "encrypted"),
    "empty": (empty_pdf, "empty"),
    "textless": (textless_pdf, "no extractable text"),
    "not-a-pdf": (not_a_pdf, "corrupt"),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shared_available(*parts: str) -> bool:
    return SHARED.joinpath(*parts).exists()


# ------------------------------------------------------------------ PostgreSQL for the answer log


def _postgres_bin() -> Path | None:
    """Debian's postgresql package keeps initdb and pg_ctl under /usr/lib/postgresql/<v>/bin."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    return versions[-1].parent if versions else None


@pytest.fixture(scope="session")
def postgres_server():
    """A server URL (without database): ASSISTANT_TEST_POSTGRES_URL when set (e.g. by .ci/run), else a
    throwaway cluster on 127.0.0.1 and a free port, run as the `postgres` user when we are root."""
    import subprocess
    import tempfile

    configured = os.environ.get("ASSISTANT_TEST_POSTGRES_URL")
    if configured:
        yield configured.rstrip("/")
        return
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("no PostgreSQL binaries (install Debian's postgresql package) and ASSISTANT_TEST_POSTGRES_URL unset")
    as_user: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="assistant-pg-"))
    if os.geteuid() == 0:  # initdb refuses to run as root
        import pwd

        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root, ignore_errors=True)
            pytest.skip("running as root and there is no `postgres` user to run the test cluster as")
        os.chown(root, account.pw_uid, account.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", free_port()
    subprocess.run(
        [*as_user, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"],
        check=True, capture_output=True,
    )
    options = f"-h 127.0.0.1 -p {port} -k {root} -F"
    subprocess.run(
        [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "-t", "120", "start"],
        check=True, capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, empty database on the test server for one test."""
    import uuid

    from sqlalchemy import create_engine, text

    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(f"{postgres_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    yield f"{postgres_server}/{name}"
