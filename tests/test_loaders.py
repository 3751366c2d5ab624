"""Loaders: real PDFs with 1-based pages and sections, Markdown heading paths, broken files reported."""
from __future__ import annotations

import pytest
from pypdf import PdfReader

from assistant.loaders import DocumentError, extract_parties, heading_of, load_document

from .conftest import BROKEN_PDFS, CORPUS


def test_pdf_pages_are_one_based_and_hold_their_own_text():
    path = CORPUS / "policies" / "service-inventions-v3.pdf"
    document = load_document(path, CORPUS)
    reader = PdfReader(str(path))
    assert document.pages == len(reader.pages)
    assert {s.page for s in document.segments} == set(range(1, len(reader.pages) + 1))
    for segment in document.segments:
        page_text = " ".join(reader.pages[segment.page - 1].extract_text().split())
        for line in segment.text.splitlines():
            # A table row is written as "label | Header: cell | ...": each cell stands on the page.
            cells = [c.split(": ", 1)[-1] if i else c for i, c in enumerate(line.split(" | "))] if " | " in line else [line]
            for cell in cells:
                words = cell.split()
                assert all(w in page_text for w in words), (segment.page, cell)


def test_a_pdf_table_row_reads_with_its_headers_on_its_page():
    document = load_document(CORPUS / "policies" / "service-inventions-v3.pdf", CORPUS)
    rows = [line for s in document.segments if s.page == 6 for line in s.text.splitlines()]
    assert "Reward on grant of a utility model patent | Amount or rate: CNY 2,000 per patent | When paid: Within 3 months after announcement of grant" in rows


def test_a_markdown_table_row_reads_with_its_headers(tmp_path):
    (tmp_path / "notes.md").write_text("# Notes\n\n| Event | Amount |\n|---|---|\n| Grant | CNY 6,000 |\n| Filing | CNY 1,000 |\n")
    document = load_document(tmp_path / "notes.md", tmp_path)
    assert document.segments[0].text.splitlines() == ["Grant | Amount: CNY 6,000", "Filing | Amount: CNY 1,000"]


def test_pdf_metadata_gives_title_version_and_type():
    document = load_document(CORPUS / "policies" / "service-inventions-v3.pdf", CORPUS)
    assert document.title == "Employee Inventions and Service Inventions Policy"
    assert (document.doc_id, document.version, document.status, document.doc_type) == ("POL-IP-001", "3.0", "current", "policy")
    assert document.source == "policies/service-inventions-v3.pdf"


def test_superseded_pdf_is_marked_superseded():
    document = load_document(CORPUS / "policies" / "service-inventions-v2.pdf", CORPUS)
    assert document.status == "superseded"
    assert document.version == "2.0"


def test_pdf_sections_follow_numbered_headings():
    document = load_document(CORPUS / "policies" / "service-inventions-v3.pdf", CORPUS)
    sections = {s.section for s in document.segments}
    assert any(section.endswith("7.1 Deadline and form") and section.startswith("7. ") for section in sections)


def test_running_header_is_not_part_of_the_text():
    document = load_document(CORPUS / "policies" / "open-source-software.pdf", CORPUS)
    assert not any("Corvane Rare Earth Materials Co., Ltd.  |" in s.text for s in document.segments)


def test_markdown_sections_carry_their_heading_path():
    document = load_document(CORPUS / "lectures" / "enterprise-ip-protection-part1.md", CORPUS)
    assert document.title.startswith("Lecture: Enterprise IP Protection, Part 1")
    assert all(s.page is None for s in document.segments)
    nested = [s.section for s in document.segments if " > " in s.section]
    assert nested, "subsections should carry their parent heading"
    assert not any("**" in s.text for s in document.segments)


def test_plain_text_is_one_segment(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("Inventions must be disclosed within 30 days.\n")
    document = load_document(path, tmp_path)
    assert document.segments[0].text == "Inventions must be disclosed within 30 days."
    assert document.segments[0].page is None


@pytest.mark.parametrize("kind", sorted(BROKEN_PDFS))
def test_broken_pdf_is_reported_with_a_reason(tmp_path, kind):
    make, reason = BROKEN_PDFS[kind]
    path = tmp_path / f"{kind}.pdf"
    make(path)
    with pytest.raises(DocumentError, match=reason):
        load_document(path, tmp_path)


@pytest.mark.parametrize("content", ["", "   \n\n", "# Only a heading\n"])
def test_empty_markdown_is_reported(tmp_path, content):
    path = tmp_path / "empty.md"
    path.write_text(content)
    with pytest.raises(DocumentError):
        load_document(path, tmp_path)


def test_parties_are_read_from_an_agreement_opening():
    opening = 'This Content License Agreement is made by and between Emdeon Corporation, a Delaware corporation ("Emdeon") and WebMD, Inc. ("WebMD").'
    assert extract_parties(opening) == "Emdeon Corporation, a Delaware corporation and WebMD, Inc"


@pytest.mark.parametrize(
    "line",
    [
        "10.1 This Agreement  shall  be  governed  and  construed in accordance with",
        "5.4  LICENSOR  warrants  that  Content  does  not  infringe an intellectual",
        "7.1 Party A represents and warrants that",
        "16.2 The Parties shall attempt to resolve any dispute, controversy or claim",
    ],
)
def test_the_first_line_of_a_numbered_clause_is_not_a_heading(line):
    assert heading_of(line) is None


@pytest.mark.parametrize(
    "line",
    [
        "5.1 Service inventions belong to the Company",
        "14.2 What employees must and must not do",
        "9.2 Assignment and Change of Control; Successor and Assigns",
        "17.3 How much do I receive if my invention patent is granted?",
        "5.2 Licensing in",
        "10. INDEMNIFICATION",
    ],
)
def test_numbered_headings_stay_headings(line):
    assert heading_of(line) is not None


def test_words_in_the_page_text_are_not_counted_as_drawn_rules():
    from assistant.loaders import draws_rules

    text = b"BT /F1 10 Tf 72 700 Td (the licensee represents and warrants l re) Tj [(re) -250 (l)] TJ ET\n" * 20
    assert not draws_rules(text)


def test_a_ruled_table_is_drawn_with_line_and_rectangle_operators():
    from assistant.loaders import draws_rules

    grid = b"".join(b"72 %d 400 20 re S\n72 %d m 472 %d l S\n" % (700 - 20 * i, 700 - 20 * i, 700 - 20 * i) for i in range(5))
    assert draws_rules(grid)
