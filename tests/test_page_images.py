"""Pictures of cited PDF pages with the passage marked, from the sample corpus's real PDFs."""
from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
from PIL import Image

from assistant.chunking import chunk_document
from assistant.loaders import load_document
from assistant.page_images import (
    PageError,
    answer_sentences_in,
    find_spans,
    render_page,
    resolve_source,
    single_page_pdf,
)

from .conftest import CORPUS

OSS = CORPUS / "policies" / "open-source-software.pdf"


@pytest.fixture(scope="module")
def chunks():
    return chunk_document(load_document(OSS, CORPUS), 128, 24, 60)


def chunk_starting(chunks, prefix):
    return next(c for c in chunks if c.text.startswith(prefix))


def test_a_prose_passage_is_boxed_on_its_page(chunks):
    chunk = next(c for c in chunks if c.page == c.page_end and "|" not in c.text and len(c.text) > 300)
    picture = render_page(OSS, chunk.page, chunk.text, scale=0.5)
    assert picture.found
    assert all(0 <= b.left < b.right <= picture.width and 0 <= b.top < b.bottom <= picture.height for b in picture.passage_boxes)


def test_a_table_row_passage_is_boxed_cell_by_cell(chunks):
    chunk = chunk_starting(chunks, "C - Strong copyleft")
    picture = render_page(OSS, chunk.page, chunk.text, scale=0.5)
    assert len(picture.passage_boxes) >= 4


def test_a_passage_over_a_page_break_is_marked_on_both_pages(chunks):
    chunk = next(c for c in chunks if c.page_end and c.page_end > c.page)
    assert render_page(OSS, chunk.page, chunk.text, scale=0.5).found
    assert render_page(OSS, chunk.page_end, chunk.text, scale=0.5).found


def test_a_passage_from_another_page_is_not_marked(chunks):
    chunk = next(c for c in chunks if c.page == c.page_end and c.page > 2 and len(c.text) > 300)
    assert not render_page(OSS, 1, chunk.text, scale=0.5).found


def test_quoted_sentences_are_marked_inside_the_passage(chunks):
    chunk = next(c for c in chunks if c.page == c.page_end and "|" not in c.text and len(c.text) > 300)
    sentence = chunk.text.split(". ")[1]
    picture = render_page(OSS, chunk.page, chunk.text, [sentence], scale=0.5)
    top = min(b.top for b in picture.passage_boxes)
    bottom = max(b.bottom for b in picture.passage_boxes)
    assert picture.answer_boxes and all(top <= b.top and b.bottom <= bottom for b in picture.answer_boxes)


def test_the_picture_is_a_png_of_the_page(chunks):
    chunk = chunks[0]
    picture = render_page(OSS, chunk.page, chunk.text, scale=0.5)
    image = Image.open(io.BytesIO(picture.png))
    assert image.format == "PNG" and image.size == (picture.width, picture.height)


def test_find_spans_ignores_line_breaks_and_case():
    page = "Employees must report\r\nevery potential INVENTION within 30 days."
    assert find_spans(page, "employees must report every potential invention within 30 days") == [(0, len(page) - 1)]


@pytest.mark.parametrize("source", ["../pyproject.toml", "/etc/passwd", "policies/../../README.md", "policies/missing.pdf"])
def test_sources_outside_the_corpus_are_refused(source):
    with pytest.raises(PageError):
        resolve_source(CORPUS, source)


def test_a_corpus_file_resolves():
    assert resolve_source(CORPUS, "policies/open-source-software.pdf") == OSS.resolve()


@pytest.mark.parametrize("page", [0, 99])
def test_pages_outside_the_document_are_refused(page):
    with pytest.raises(PageError):
        render_page(OSS, page, "x", scale=0.5)


def test_a_file_that_is_not_a_pdf_is_refused(tmp_path):
    fake = tmp_path / "x.pdf"
    fake.write_text("not a pdf")
    with pytest.raises(PageError):
        render_page(fake, 1, "x")


def test_the_cited_page_downloads_as_a_one_page_pdf():
    document = pdfium.PdfDocument(single_page_pdf(OSS, 3))
    assert len(document) == 1
    assert "Strong copyleft" in document[0].get_textpage().get_text_range()


def test_answer_sentences_are_the_parts_quoted_from_the_passage():
    passage = "Category C needs approval. Category D is forbidden in all software."
    answer = "Category D is forbidden in all software. [2] Something from elsewhere entirely. [1]"
    assert answer_sentences_in(answer, passage) == ["Category D is forbidden in all software."]
