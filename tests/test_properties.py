"""Property and fuzz tests (hypothesis) for the loaders and the chunker.

Properties: every sentence of a generated document stands in some chunk; a chunk's page range is
exactly the pages its text stands on; chunk ids are the same on every run. Fuzz: mutated PDFs and
arbitrary bytes as Markdown or text either load or raise DocumentError, nothing else. Examples the
fuzz run found are pinned with @example so they stay tested (FUZZ_EXAMPLES in the environment runs
more of them: ``FUZZ_EXAMPLES=2000 pytest tests/test_properties.py``).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assistant.chunking import chunk_document
from assistant.loaders import DocumentError, decode_text, load_document
from assistant.schema import LoadedDocument, Segment

from .conftest import CORPUS

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
WORDS = ["patent", "invention", "employee", "company", "licence", "secret", "filing", "bonus", "office", "review",
         "code", "notice", "deadline", "owner", "rights", "approval", "records", "partner", "month", "claim"]

sentence = st.builds(
    lambda words, n: " ".join([words[0].capitalize(), *words[1:]]) + f" number {n}.",
    st.lists(st.sampled_from(WORDS), min_size=3, max_size=14),
    st.integers(0, 999),
)
paragraph = st.lists(sentence, min_size=1, max_size=6).map(" ".join)
section = st.tuples(st.sampled_from(["Scope", "Ownership", "Filing", "Rewards", "Secrecy"]), st.lists(paragraph, min_size=1, max_size=4))


def _document(sections, paged: bool) -> LoadedDocument:
    segments = []
    for number, (heading, paragraphs) in enumerate(sections, start=1):
        for offset, text in enumerate(paragraphs):
            page = (number + offset) if paged else None
            segments.append(Segment(text, page, f"{number}. {heading}"))
    if paged:  # pages never go backwards in a PDF
        segments = sorted(segments, key=lambda s: s.page)
    return LoadedDocument(source="generated.md", sha256="0" * 64, title="Generated Policy", doc_type="policy", segments=segments)


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=\.)\s+", text) if s]


CHUNKING = dict(chunk_tokens=64, overlap_tokens=12, header_tokens=30)  # small chunks: more cuts per example
PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(st.lists(section, min_size=1, max_size=5))
def test_every_sentence_of_a_document_stands_in_a_chunk(embeddings, sections):
    document = _document(sections, paged=False)
    chunks = chunk_document(document, **CHUNKING)
    joined = [" ".join(c.text.split()) for c in chunks]
    for segment in document.segments:
        for one in _sentences(segment.text):
            assert any(one in text for text in joined), one


@PROPERTY
@given(st.lists(section, min_size=1, max_size=5))
@example([("Scope", ["Patent patent patent number 0.", "Patent patent patent number 0."]), ("Scope", ["Patent patent patent number 0."])])
def test_chunk_page_ranges_are_exact(embeddings, sections):
    # Every sentence numbered anew: with a sentence repeated on two pages, a chunk's text can stand
    # on fewer pages than it came from, and "exactly these pages" no longer has one answer.
    counter = iter(range(10**6))
    renumber = lambda text: re.sub(r"number \d+\.", lambda _: f"number {next(counter)}.", text)  # noqa: E731
    sections = [(heading, [renumber(p) for p in paragraphs]) for heading, paragraphs in sections]
    document = _document(sections, paged=True)
    pages: dict[int, list[str]] = {}
    for segment in document.segments:
        pages.setdefault(segment.page, []).append(" ".join(segment.text.split()))
    span = lambda a, b: " ".join(" ".join(pages.get(n, [])) for n in range(a, b + 1))  # noqa: E731
    for chunk in chunk_document(document, **CHUNKING):
        text = " ".join(chunk.text.split())
        assert text in span(chunk.page, chunk.page_end)
        if chunk.page_end > chunk.page:
            assert text not in span(chunk.page + 1, chunk.page_end)
            assert text not in span(chunk.page, chunk.page_end - 1)


@PROPERTY
@given(st.lists(section, min_size=1, max_size=5))
def test_chunk_ids_are_stable_and_unique(embeddings, sections):
    document = _document(sections, paged=False)
    first = [c.id for c in chunk_document(document, **CHUNKING)]
    assert first == [c.id for c in chunk_document(document, **CHUNKING)]
    assert len(set(first)) == len(first)


# ------------------------------------------------------------------ fuzz: the loaders never crash

SEED_PDF = (CORPUS / "policies" / "open-source-software.pdf").read_bytes()[:60_000]


def _mutate(data: bytes, edits: list[tuple[int, int]], cut: int) -> bytes:
    buffer = bytearray(data[: max(16, cut)])
    for position, value in edits:
        buffer[position % len(buffer)] = value
    return bytes(buffer)


FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@FUZZ
@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=20), st.integers(0, len(SEED_PDF)))
@example(edits=[], cut=0)  # the first 16 bytes only
@example(edits=[(9, 0)], cut=len(SEED_PDF))
@example(edits=[(353, 1)], cut=30052)  # pypdf reads it; pdfplumber's close() fails on the page tree
@example(edits=[(216, 1)], cut=30052)  # a page refers to itself: pypdf's LimitReachedError, not a PdfReadError
def test_a_mutated_pdf_loads_or_is_reported(tmp_path, edits, cut):
    path = tmp_path / "fuzz.pdf"
    path.write_bytes(_mutate(SEED_PDF, edits, cut))
    try:
        document = load_document(path, tmp_path)
    except DocumentError:
        return
    assert all("\x00" not in s.text for s in document.segments)


@FUZZ
@given(st.binary(max_size=2000))
@example(b"---\n---\n")  # front matter and nothing else
@example(b"---\ntitle: \"unclosed\n---\n\nBody text here.\n")
@example(b"# \n\n##\n\n```\nunclosed fence")
@example(b"\xff\xfe" + "# Kopf\n\nText.".encode("utf-16-le"))
def test_arbitrary_bytes_as_markdown_load_or_are_reported(tmp_path, raw):
    path = tmp_path / "fuzz.md"
    path.write_bytes(raw)
    try:
        document = load_document(path, tmp_path)
    except DocumentError:
        return
    assert document.segments and all("\x00" not in s.text for s in document.segments)


@FUZZ
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=400))
@example("---\ntitle: 'a # b'\n---\n# a # b\n\ntext")
def test_markdown_text_loads_or_is_reported(tmp_path, text):
    path = tmp_path / "fuzz.md"
    path.write_text(text, encoding="utf-8")
    try:
        load_document(path, tmp_path)
    except DocumentError:
        pass


@FUZZ
@given(st.binary(max_size=600))
def test_decode_text_returns_clean_text_or_refuses(raw):
    try:
        text = decode_text(raw)
    except DocumentError:
        return
    assert "\x00" not in text
