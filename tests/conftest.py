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


@pytest.fixture
def small_corpus(tmp_path) -> Path:
    """Three real documents from the sample corpus in a fresh folder."""
    root = tmp_path / "corpus"
    (root / "policies").mkdir(parents=True)
    (root / "lectures").mkdir()
    for name in ("open-source-software.pdf", "trade-secret-protection.pdf"):
        shutil.copy(CORPUS / "policies" / name, root / "policies" / name)
    shutil.copy(CORPUS / "lectures" / "enterprise-ip-protection-part1.md", root / "lectures")
    return root


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
