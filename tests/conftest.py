"""Shared fixtures: the real model loaded once, the sample corpus ingested once, small corpora per test."""
from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlsplit

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"

from assistant.config import PROJECT_ROOT, Settings, load_settings  # noqa: E402

CORPUS = PROJECT_ROOT / "corpus"
SHARED = PROJECT_ROOT.parent / "shared" / "eval"


@pytest.fixture(scope="session")
def embeddings():
    from assistant.embeddings import get_embeddings

    return get_embeddings()


@pytest.fixture(scope="session")
def reranker(tmp_path_factory):
    """The cross-encoder as the default settings make it for users (word pieces, threads)."""
    from assistant.rerank import reranker_for

    return reranker_for(replace(load_settings(), model_cache_dir=tmp_path_factory.mktemp("model-cache")))


def make_settings(store: Path, corpus: Path = CORPUS, **overrides):
    return replace(
        load_settings(store_dir=store, corpus_dir=corpus, feedback_log=store / "feedback.jsonl"),
        chroma_host="",
        **overrides,
    )


# ------------------------------------------------------------------ the store embedded and on a server

STORE_MODES = ("embedded", "server")
# Runs a test once per store mode (ids end in [embedded] and [server]): for the tests of the store,
# ingest, retrieval and reload, where an embedded Chroma and a `chroma run` server could differ.
both_store_modes = pytest.mark.parametrize("store_mode", STORE_MODES, indirect=True)


def _chroma_command() -> str | None:
    """The `chroma` CLI of the running interpreter's environment, else the one on PATH."""
    beside = Path(sys.executable).with_name("chroma")
    return str(beside) if beside.exists() else shutil.which("chroma")


def _chroma_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def chroma_server_url(tmp_path_factory) -> Iterator[str]:
    """A Chroma server for the session: ASSISTANT_TEST_CHROMA_URL when set (.ci/run starts one), else
    our own `chroma run` on 127.0.0.1 and a free port, so that `make test` covers the server too."""
    configured = os.environ.get("ASSISTANT_TEST_CHROMA_URL")
    if configured:
        yield configured.rstrip("/")
        return
    command = _chroma_command()
    if command is None:
        pytest.skip("the chroma CLI (chromadb package) is not installed and ASSISTANT_TEST_CHROMA_URL is unset")
    root = tmp_path_factory.mktemp("chroma-server")
    url = f"http://127.0.0.1:{free_port()}"
    log = (root / "log").open("wb")
    process = subprocess.Popen(
        [command, "run", "--path", str(root / "data"), "--host", "127.0.0.1", "--port", url.rsplit(":", 1)[1]],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not _chroma_answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.skip(f"chroma run did not start: {(root / 'log').read_text(errors='replace')[-500:]}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def on_server(settings: Settings, url: str, index_root: Path, collection: str | None = None) -> Settings:
    """The same settings against the Chroma server at ``url``, in a collection of their own (a new
    one unless named) and with the BM25 index kept under ``index_root``, as on an app replica."""
    parsed = urlsplit(url)
    return replace(
        settings,
        chroma_host=parsed.hostname or "127.0.0.1",
        chroma_port=parsed.port or (443 if parsed.scheme == "https" else 8000),
        chroma_ssl=parsed.scheme == "https",
        collection=collection or f"t_{uuid.uuid4().hex[:16]}",
        index_root=index_root,
    ).validate()


def store_environment(settings: Settings) -> dict[str, str]:
    """The ASSISTANT_* variables that select the store of ``settings``, for a child process
    (``python ingest.py`` run like another machine would run it)."""
    env = {"ASSISTANT_CHROMA_HOST": settings.chroma_host, "ASSISTANT_STORE_DIR": str(settings.store_dir)}
    if settings.chroma_host:
        env |= {
            "ASSISTANT_CHROMA_PORT": str(settings.chroma_port),
            "ASSISTANT_CHROMA_SSL": "true" if settings.chroma_ssl else "false",
            "ASSISTANT_COLLECTION": settings.collection,
            "ASSISTANT_INDEX_DIR": str(settings.index_root),
        }
    return env


@pytest.fixture
def store_mode(request) -> str:
    """embedded unless the test is marked with :data:`both_store_modes`."""
    return getattr(request, "param", "embedded")


@pytest.fixture
def store_settings(store_mode, request) -> Callable[..., Settings]:
    """Like :func:`make_settings`, in the test's store mode: the server mode adds a new collection
    on the session's Chroma server (tests never see each other's data) and a local index folder."""
    if store_mode == "embedded":
        return make_settings
    url = request.getfixturevalue("chroma_server_url")
    collection = f"t_{uuid.uuid4().hex[:16]}"

    def settings(store: Path, corpus: Path = CORPUS, **overrides) -> Settings:
        index_root = store.with_name(store.name + "-index")
        return on_server(make_settings(store, corpus, **overrides), url, index_root, collection)

    return settings


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


def copy_store(source: Settings, target: Settings) -> None:
    """Every chunk (with its vector) and document record of one store, written into another and
    sealed: the sample store on a server without embedding the corpus a second time."""
    from assistant.store import ChunkStore

    origin, copy = ChunkStore(source, create=False), ChunkStore(target)
    chunks = origin.chunks.get(include=["embeddings", "documents", "metadatas"])
    for start in range(0, len(chunks["ids"]), 500):
        part = slice(start, start + 500)
        copy.chunks.upsert(
            ids=chunks["ids"][part], embeddings=chunks["embeddings"][part],
            documents=chunks["documents"][part], metadatas=chunks["metadatas"][part],
        )
    for record in origin.document_records().values():
        copy.put_document(record)
    copy.seal()


@pytest.fixture(scope="session")
def sample_server_assistant(sample_settings, chroma_server_url, tmp_path_factory, reranker):
    """The sample store copied into a collection of the session's Chroma server, answered from
    there with a BM25 index of its own (built from the server's chunks)."""
    from assistant.service import Assistant

    settings = on_server(sample_settings, chroma_server_url, tmp_path_factory.mktemp("sample-server-index"))
    copy_store(sample_settings, settings)
    return Assistant(settings, reranker=reranker)


def copy_small_corpus(root: Path) -> Path:
    """Three real documents from the sample corpus (two policies, one lecture) copied into ``root``."""
    (root / "policies").mkdir(parents=True)
    (root / "lectures").mkdir()
    for name in ("open-source-software.pdf", "trade-secret-protection.pdf"):
        shutil.copy(CORPUS / "policies" / name, root / "policies" / name)
    shutil.copy(CORPUS / "lectures" / "enterprise-ip-protection-part1.md", root / "lectures")
    return root


def ingest_small_corpus(root: Path):
    """The three-document corpus copied under ``root`` and ingested into ``root / "store"``: its
    settings and corpus folder."""
    from assistant.ingest import Ingestor

    corpus = copy_small_corpus(root / "corpus")
    settings = make_settings(root / "store", corpus)
    report = Ingestor(settings).run(corpus)
    assert not report.failed and report.added
    return settings, corpus


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
