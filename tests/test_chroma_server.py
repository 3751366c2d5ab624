"""The same product against a Chroma server (`chroma run`), chosen by configuration only."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.ingest import Ingestor
from assistant.service import Assistant

from .conftest import free_port, make_settings

CHROMA = Path(sys.executable).with_name("chroma")


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    if not CHROMA.exists() and shutil.which("chroma") is None:
        pytest.skip("the chroma command is not installed")
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    process = subprocess.Popen(
        [str(CHROMA if CHROMA.exists() else shutil.which("chroma")), "run", "--path", str(path), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(60):
            try:
                chromadb.HttpClient(host="127.0.0.1", port=port, settings=ChromaSettings(anonymized_telemetry=False)).heartbeat()
                break
            except Exception:
                time.sleep(0.5)
        else:
            pytest.fail("chroma run did not start")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_ingest_and_answer_through_a_chroma_server(chroma_server, small_corpus, tmp_path, reranker):
    settings = replace(
        make_settings(tmp_path / "unused-local-store", corpus=small_corpus),
        chroma_host="127.0.0.1",
        chroma_port=chroma_server,
        collection="server_test",
        index_root=tmp_path / "index",
    )
    first = Ingestor(settings).run(small_corpus)
    assert len(first.added) == 3 and first.chunks > 0
    assert Ingestor(settings).run(small_corpus).chunks == 0, "incremental against the server too"
    assert not (tmp_path / "unused-local-store").exists(), "nothing is written to a local store"
    assert (tmp_path / "index").is_dir(), "the BM25 index is kept on the client"
    answer = Assistant(settings, reranker=reranker).ask("Can I put our code on GitHub?")
    assert answer.backend.startswith("chroma-server http://127.0.0.1:")
    assert answer.grounded and answer.citations[0].source == "policies/open-source-software.pdf"
