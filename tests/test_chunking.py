"""Chunks fit the model's window, cite the pages they stand on, and carry their context."""
from __future__ import annotations

import pytest
from pypdf import PdfReader

from assistant.chunking import chunk_document
from assistant.config import load_settings
from assistant.embeddings import MAX_WORD_PIECES, count_tokens
from assistant.loaders import load_document

from .conftest import CORPUS

POLICY = CORPUS / "policies" / "service-inventions-v3.pdf"


SETTINGS = load_settings()  # the shipped chunk sizes


def chunk(path):
    return chunk_document(load_document(path, CORPUS), SETTINGS.chunk_tokens, SETTINGS.chunk_overlap_tokens, SETTINGS.header_tokens)


@pytest.fixture(scope="module")
def chunks(embeddings):
    return chunk(POLICY)


def test_every_chunk_fits_the_embedding_window(chunks):
    assert chunks
    assert max(count_tokens(c.indexed_text) for c in chunks) <= MAX_WORD_PIECES - 2  # [CLS] and [SEP]


def _page_bodies(path) -> dict[int, str]:
    """Each page's text as the loader reads it (running headers dropped, table rows joined)."""
    bodies: dict[int, list[str]] = {}
    for segment in load_document(path, CORPUS).segments:
        bodies.setdefault(segment.page, []).append(segment.text)
    return {n: " ".join(" ".join(t).split()) for n, t in bodies.items()}


def test_chunk_text_stands_on_exactly_the_pages_it_cites(chunks):
    bodies = _page_bodies(POLICY)
    span = lambda first, last: " ".join(bodies.get(n, "") for n in range(first, last + 1))  # noqa: E731
    for chunk in chunks:
        text = " ".join(chunk.text.split())
        assert 1 <= chunk.page <= chunk.page_end <= max(bodies)
        assert text in span(chunk.page, chunk.page_end), (chunk.page, chunk.page_end, text[:60])
        if chunk.page_end > chunk.page:  # neither end of the range is superfluous
            assert text not in span(chunk.page + 1, chunk.page_end)
            assert text not in span(chunk.page, chunk.page_end - 1)


def test_some_chunks_span_a_page_break(chunks):
    assert any(c.page_end > c.page for c in chunks)


def test_indexed_text_carries_title_and_section_but_text_does_not(chunks):
    chunk = next(c for c in chunks if c.section.endswith("7.1 Deadline and form"))
    assert chunk.indexed_text.startswith("Employee Inventions and Service Inventions Policy | version 3.0 | 7. ")
    assert "7.1 Deadline and form" in chunk.indexed_text.splitlines()[0]
    assert not chunk.text.startswith("Employee Inventions and Service Inventions Policy |")


def test_chunk_metadata_is_complete(chunks):
    meta = chunks[0].metadata()
    assert meta["source"] == "policies/service-inventions-v3.pdf"
    assert meta["doc_sha256"] and len(meta["doc_sha256"]) == 64
    assert {"title", "section", "page", "page_end", "doc_type", "version", "status", "text"} <= set(meta)


def test_chunk_ids_are_stable_and_unique(embeddings, chunks):
    again = chunk(POLICY)
    assert [c.id for c in again] == [c.id for c in chunks]
    assert len({c.id for c in chunks}) == len(chunks)


def test_markdown_chunks_have_no_pages_and_a_section(embeddings):
    chunks = chunk(CORPUS / "lectures" / "enterprise-ip-protection-part2.md")
    assert all(c.page is None and c.page_end is None for c in chunks)
    assert all(c.section for c in chunks)


def test_chunks_begin_and_end_on_unit_boundaries(chunks):
    """No chunk starts in the middle of a sentence or stops before a sentence's end."""
    from assistant.units import starts_mid_sentence

    for chunk, following in zip(chunks, chunks[1:] + [None]):
        first_line = chunk.text.splitlines()[0]
        assert not first_line[0].islower(), first_line
        assert not starts_mid_sentence(first_line) or first_line.lstrip()[0] in "-\u2022" or first_line[0].isdigit(), first_line
        if following is not None and following.section == chunk.section:  # a section's end is a boundary anyway
            last_line = chunk.text.rstrip().splitlines()[-1]
            assert last_line[-1] in ".:;?!)\"'" or " | " in last_line, chunk.text[-80:]


def test_a_table_row_is_one_line_with_its_column_headers(chunks):
    row = "Reward on grant of an invention patent | Amount or rate: CNY 6,000 per patent | When paid: Within 3 months after announcement of grant"
    holding = [c for c in chunks if row in c.text.splitlines()]
    assert holding and holding[0].page <= 6 <= holding[0].page_end


def test_pack_units_never_cuts_a_sentence_that_fits(embeddings):
    from assistant.chunking import pack_units

    text = " ".join(f"Sentence number {i} says that the rule applies to case {i}." for i in range(60))
    spans = pack_units(text, 40, 10)
    assert len(spans) > 1
    for start, end in spans:
        piece = text[start:end].strip()
        assert piece.startswith("Sentence number") and piece.endswith(".")
    assert spans[0][0] == 0 and spans[-1][1] == len(text)


@pytest.mark.parametrize("lead", [10, 11, 22, 23])  # lengths at which the overlap used to begin at the question
def test_a_chunk_never_begins_between_a_question_and_the_sentence_that_sets_it_up(embeddings, lead):
    """An FAQ asked in two sentences keeps both in the chunk that holds its answer, so the answer
    is matched against the whole question (the 24-hour rule for a competitor's letter)."""
    from assistant.chunking import pack_units

    text = (
        "The policy sets out the steps to follow. " * lead
        + "I received an email from a competitor's lawyer about one of our magnets. What should I do? Do not reply. "
        + "Forward it to the IP Office within 24 hours, with the intake form, and inform your manager. "
        + "Keep a copy of everything you received. " * 8
    )
    pieces = [text[start:end] for start, end in pack_units(text, 128, 24)]
    assert not any(piece.startswith("What should I do?") for piece in pieces)
    assert any("I received an email" in piece and "within 24 hours" in piece for piece in pieces)


@pytest.mark.parametrize("lead", [28, 29, 54, 55])  # lengths at which a chunk used to end after the statement
def test_a_chunk_never_ends_between_a_question_and_the_sentence_that_sets_it_up(embeddings, lead):
    """The statement opening an FAQ entry on its own line goes with its question into the next
    chunk, rather than trailing the previous answer as if it were part of it."""
    from assistant.chunking import pack_units

    text = (
        "Keep the copy. " * lead
        + "\nI left a Confidential document on a train an hour ago. Is it too late to report? No. "
        + "Report it immediately to the Information Security Office within 24 hours of discovery."
    )
    pieces = [text[start:end].strip() for start, end in pack_units(text, 128, 24)]
    assert all(not piece.endswith("an hour ago.") for piece in pieces)
    assert any("I left a Confidential document" in piece and piece.endswith("within 24 hours of discovery.") for piece in pieces)

