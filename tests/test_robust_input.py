"""Issue 8, bad and unusual input: text encodings (row 6), file types, names and Markdown details
(row 15). Loaders are tested on real files; each row also goes through a real store once."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.ingest import Ingestor
from assistant.loaders import DocumentError, decode_text, load_document
from assistant.store import ChunkStore

from .conftest import make_settings
from .robust_helpers import write_tiny_corpus

ENGLISH = "Every invention must be disclosed to the IP Office within thirty days.\nThe company owns service inventions.\n"
CHINESE = "员工应在发明构思之日起三十日内向知识产权办公室披露每一项发明。\n公司拥有职务发明的所有权。\n"
WESTERN = "Die Erfindung gehört dem Arbeitgeber, sofern sie während der Arbeitszeit gemacht wurde. Café résumé naïve.\n"


# ------------------------------------------------------------------ row 6: encodings

ENCODINGS = {
    "utf-16 with BOM": (ENGLISH, lambda t: t.encode("utf-16")),
    "utf-16-le without BOM": (ENGLISH, lambda t: t.encode("utf-16-le")),
    "utf-16-be without BOM": (ENGLISH, lambda t: t.encode("utf-16-be")),
    "utf-16 Chinese without BOM": (CHINESE, lambda t: t.encode("utf-16-le")),
    "utf-8 with BOM": (ENGLISH, lambda t: t.encode("utf-8-sig")),
    "gbk": (CHINESE, lambda t: t.encode("gbk")),
    "windows-1252": (WESTERN, lambda t: t.encode("cp1252")),
}


@pytest.mark.parametrize("name", sorted(ENCODINGS))
def test_text_file_is_decoded_by_bom_and_content(tmp_path, name):
    text, encode = ENCODINGS[name]
    path = tmp_path / "note.txt"
    path.write_bytes(encode(text))
    document = load_document(path, tmp_path)
    assert document.segments[0].text == text.strip()


@pytest.mark.parametrize(
    "raw",
    [bytes(range(256)) * 8, b"\x00" * 400 + b"text", b"\xff\xfe" + b"\x00\xd8" * 50],
    ids=["binary", "nul-filled", "broken-utf16-bom"],
)
def test_undecodable_text_is_refused_never_stored_with_nul(raw):
    with pytest.raises(DocumentError, match="undecodable|empty"):
        decode_text(raw)


def test_utf16_file_is_stored_as_clean_text(tmp_path, embeddings):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "policy-utf16.txt").write_bytes(ENGLISH.encode("utf-16-le"))
    (corpus / "garbage.txt").write_bytes(bytes(range(256)) * 8)
    settings = make_settings(tmp_path / "store", corpus=corpus)
    report = Ingestor(settings).run(corpus)
    assert report.added == ["policy-utf16.txt"] and "undecodable" in report.failed["garbage.txt"]
    texts = [m["text"] for m in ChunkStore(settings).chunks.get(include=["metadatas"])["metadatas"]]
    assert texts and all("\x00" not in t for t in texts)
    assert "thirty days" in texts[0]


# ------------------------------------------------------------------ row 15: Markdown details


def test_hash_inside_a_quoted_front_matter_title_is_kept(tmp_path):
    path = tmp_path / "r-and-d.md"
    path.write_text('---\ntitle: "R&D #1 Policy"  # the first one\nversion: 2.0 # draft\n---\n\nResearch results belong to the company.\n')
    document = load_document(path, tmp_path)
    assert (document.title, document.version) == ("R&D #1 Policy", "2.0")


def test_a_short_markdown_section_is_cited_under_its_own_heading(tmp_path, embeddings):
    from assistant.chunking import chunk_document

    path = tmp_path / "policy.md"
    path.write_text(
        "# Policy\n\n## 4. Deadline\n\nDisclose within 30 days.\n\n## 5. Rewards\n\n"
        + "Inventors receive a bonus when the company files a patent application for their invention. " * 4
    )
    chunks = chunk_document(load_document(path, tmp_path), 128, 24, 60)
    deadline = [c for c in chunks if "30 days" in c.text]
    assert [c.section for c in deadline] == ["4. Deadline"]


# ------------------------------------------------------------------ row 15: files and names


def test_symlink_to_a_file_outside_the_corpus_is_skipped_and_reported(tmp_path, embeddings):
    corpus = write_tiny_corpus(tmp_path / "corpus")
    secret = tmp_path / "outside" / "salaries.md"
    secret.parent.mkdir()
    secret.write_text("# Salaries\n\nThe salary table of every employee is attached here for payroll.\n")
    (corpus / "policies" / "salaries.md").symlink_to(secret)
    settings = make_settings(tmp_path / "store", corpus=corpus)
    report = Ingestor(settings).run(corpus)
    assert report.skipped == {"policies/salaries.md": "symlink to a file outside the corpus"}
    assert "policies/salaries.md" not in ChunkStore(settings).document_records()
    assert "skipped policies/salaries.md: symlink to a file outside the corpus" in report.summary()


def test_file_name_that_is_not_utf8_is_reported_without_an_encoding_error(tmp_path, embeddings):
    corpus = write_tiny_corpus(tmp_path / "corpus")
    with open(os.path.join(bytes(corpus), b"policies", b"caf\xe9.md"), "w") as handle:
        handle.write("# Cafe\n\nThe cafe policy says coffee is free for inventors on Fridays.\n")
    settings = make_settings(tmp_path / "store", corpus=corpus)
    report = Ingestor(settings).run(corpus)
    (name, reason), = report.failed.items()
    assert "not valid UTF-8" in reason and "Error" not in reason
    summary = report.summary()
    summary.encode("utf-8")  # printable on any UTF-8 terminal
    assert "policies/caf\\xe9.md" in summary
    assert len(report.added) == 3


def test_unsupported_file_types_are_listed_by_name(tmp_path, embeddings):
    corpus = write_tiny_corpus(tmp_path / "corpus")
    (corpus / "policies" / "budget.xlsx").write_bytes(b"PK\x03\x04 not really")
    (corpus / "policies" / "diagram.png").write_bytes(b"\x89PNG\r\n")
    settings = make_settings(tmp_path / "store", corpus=corpus)
    report = Ingestor(settings).run(corpus)
    assert sorted(report.skipped) == ["policies/budget.xlsx", "policies/diagram.png"]
    assert "skipped policies/budget.xlsx: unsupported file type (.xlsx)" in report.summary()
    assert report.exit_code == 0


# ------------------------------------------------------------------ row 15: Word and PowerPoint


def make_docx(path: Path) -> None:
    import docx

    document = docx.Document()
    document.core_properties.keywords = "doc_id=POL-IP-009; version=1.2"
    document.add_paragraph("Remote Work IP Policy", style="Title")
    document.add_paragraph("This policy applies to everyone who works from home.")
    document.add_heading("1. Equipment", level=1)
    document.add_paragraph("Inventions made with company laptops at home belong to the company.")
    document.add_heading("1.1 Personal devices", level=2)
    document.add_paragraph("Personal devices must not store confidential drawings.")
    table = document.add_table(rows=3, cols=2)
    for row, cells in zip(table.rows, [("Device", "Allowed"), ("Company laptop", "Yes"), ("Personal phone", "No")]):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    document.save(str(path))


def make_pptx(path: Path) -> None:
    from pptx import Presentation

    deck = Presentation()
    for title, body in [("Why patents matter", "A patent gives the company a right to exclude others."), ("Filing", "The IP Office files within three months.")]:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    deck.slides.add_slide(deck.slide_layouts[6])  # a blank slide (a picture would be here)
    deck.save(str(path))


def test_docx_headings_become_sections_and_tables_rows(tmp_path):
    path = tmp_path / "policies" / "remote-work.docx"
    path.parent.mkdir()
    make_docx(path)
    document = load_document(path, tmp_path)
    assert (document.title, document.doc_id, document.version, document.doc_type) == ("Remote Work IP Policy", "POL-IP-009", "1.2", "policy")
    sections = {s.section: s.text for s in document.segments}
    assert "company laptops" in sections["1. Equipment"]
    assert "Personal phone | Allowed: No" in sections["1. Equipment > 1.1 Personal devices"]


def test_pptx_slides_are_pages_with_their_titles_as_sections(tmp_path):
    path = tmp_path / "lectures" / "patents.pptx"
    path.parent.mkdir()
    make_pptx(path)
    document = load_document(path, tmp_path)
    assert [(s.page, s.section) for s in document.segments] == [(1, "Why patents matter"), (2, "Filing")]
    assert document.warnings == ("slide 3: no text (an image only?); not indexed",)
    assert document.doc_type == "lecture"


def test_word_and_powerpoint_files_are_ingested(tmp_path, embeddings):
    corpus = tmp_path / "corpus"
    (corpus / "policies").mkdir(parents=True)
    (corpus / "lectures").mkdir()
    make_docx(corpus / "policies" / "remote-work.docx")
    make_pptx(corpus / "lectures" / "patents.pptx")
    settings = make_settings(tmp_path / "store", corpus=corpus)
    report = Ingestor(settings).run(corpus)
    assert sorted(report.added) == ["lectures/patents.pptx", "policies/remote-work.docx"]
    pages = {m["page"] for m in ChunkStore(settings).chunks.get(where={"source": "lectures/patents.pptx"}, include=["metadatas"])["metadatas"]}
    assert pages == {1, 2}


@pytest.mark.parametrize("suffix", [".docx", ".pptx"])
def test_corrupt_office_file_is_reported(tmp_path, suffix):
    path = tmp_path / f"broken{suffix}"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(DocumentError, match="corrupt or unreadable"):
        load_document(path, tmp_path)
