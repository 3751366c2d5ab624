"""Word (.docx) and PowerPoint (.pptx) files read with python-docx and python-pptx.

Word: headings (the "Heading n" styles) become the section path, the "Title" style or the file's
title property the document title, and a table one line per row with its headers (the same form
the PDF and Markdown loaders give). PowerPoint: one slide is one page, its title the section.
Document id, version and status come from the Keywords property ("doc_id=...; version=...") or
the opening text, as for PDFs.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from .loaders import (
    _DOC_ID,
    _STATUS_SUPERSEDED,
    _VERSION,
    DocumentError,
    _doc_type_for,
    _humanise_filename,
    _keyword_fields,
    _section_path,
    opening_words,
    render_table_row,
    sha256_file,
)
from .schema import LoadedDocument, Segment

_HEADING_STYLE = re.compile(r"^Heading\s+(\d)$", re.IGNORECASE)


def _open(path: Path, opener, kind: str):
    if path.stat().st_size == 0:
        raise DocumentError("empty file (0 bytes)")
    try:
        return opener(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError) as exc:
        raise DocumentError(f"corrupt or unreadable {kind} file ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # python-docx/pptx raise their own PackageNotFoundError and lxml errors
        if isinstance(exc, OSError) and not type(exc).__module__.startswith(("docx", "pptx", "lxml")):
            raise
        raise DocumentError(f"corrupt or unreadable {kind} file ({type(exc).__name__}: {exc})") from exc


def _table_lines(rows: list[list[str]]) -> list[str]:
    rows = [[" ".join(c.split()) for c in row] for row in rows if any(c.strip() for c in row)]
    if not rows:
        return []
    if len(rows) == 1:
        return [" | ".join(c for c in rows[0] if c)]
    return [line for line in (render_table_row(rows[0], row) for row in rows[1:]) if line]


def _identity(core, text: str, source: str, fallback_title: str) -> dict:
    fields = _keyword_fields(str(core.keywords or ""))
    version = fields.get("version") or (m.group(1) if (m := _VERSION.search(text)) else "")
    doc_id = fields.get("doc_id") or (m.group(1) if (m := _DOC_ID.search(text)) else "")
    status = fields.get("status") or ("superseded" if _STATUS_SUPERSEDED.search(text[:2000]) else "current")
    title = (core.title or "").strip() or fallback_title
    return {
        "title": title,
        "doc_id": doc_id,
        "version": version,
        "status": status.lower(),
        "doc_type": fields.get("doc_type") or _doc_type_for(source, "document"),
    }


def load_docx(path: Path, source: str) -> LoadedDocument:
    import docx
    from docx.table import Table

    document = _open(path, docx.Document, "Word")
    segments: list[Segment] = []
    stack: list[tuple[int, str]] = []
    buffer: list[str] = []
    styled_title = ""

    def flush() -> None:
        if "".join(buffer).strip():
            segments.append(Segment("\n".join(buffer).strip(), None, _section_path(stack)))
        buffer.clear()

    for block in document.iter_inner_content():
        if isinstance(block, Table):
            buffer.extend(_table_lines([[cell.text for cell in row.cells] for row in block.rows]))
            continue
        text = block.text.strip()
        if not text:
            continue
        style = (block.style.name if block.style is not None else "") or ""
        heading = _HEADING_STYLE.match(style)
        if style.lower() == "title" and not styled_title:
            flush()
            styled_title = text
            continue
        if heading:
            flush()
            level = int(heading.group(1))
            stack = [(lvl, h) for lvl, h in stack if lvl < level] + [(level, text)]
            continue
        buffer.append(text)
    flush()
    if not segments:
        raise DocumentError("no text in the Word document")
    first = "\n".join(s.text for s in segments[:3])
    identity = _identity(document.core_properties, first, source, styled_title or _humanise_filename(path.stem))
    return LoadedDocument(
        source=source,
        sha256=sha256_file(path),
        segments=segments,
        preamble=opening_words(segments),
        **identity,
    )


def _shape_lines(shape) -> list[str]:
    """Text of a shape in reading order: text frames by paragraph, tables by row, groups recursed."""
    if getattr(shape, "shape_type", None) is not None and hasattr(shape, "shapes"):  # a group
        return [line for inner in shape.shapes for line in _shape_lines(inner)]
    if getattr(shape, "has_table", False) and shape.has_table:
        return _table_lines([[cell.text for cell in row.cells] for row in shape.table.rows])
    if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
        return [p.text.strip() for p in shape.text_frame.paragraphs if p.text.strip()]
    return []


def load_pptx(path: Path, source: str) -> LoadedDocument:
    from pptx import Presentation

    presentation = _open(path, Presentation, "PowerPoint")
    segments: list[Segment] = []
    warnings: list[str] = []
    first_title = ""
    for number, slide in enumerate(presentation.slides, start=1):
        title_shape = slide.shapes.title
        title = " ".join(title_shape.text.split()) if title_shape is not None and title_shape.has_text_frame else ""
        first_title = first_title or title
        lines = [
            line
            for shape in sorted(slide.shapes, key=lambda s: ((s.top or 0), (s.left or 0)))
            if title_shape is None or shape.shape_id != title_shape.shape_id
            for line in _shape_lines(shape)
        ]
        if lines:
            segments.append(Segment("\n".join(lines), number, title))
        elif not title:
            warnings.append(f"slide {number}: no text (an image only?); not indexed")
    if not segments:
        raise DocumentError("no text on any slide")
    first = "\n".join(s.text for s in segments[:3])
    identity = _identity(presentation.core_properties, first, source, first_title or _humanise_filename(path.stem))
    return LoadedDocument(
        source=source,
        sha256=sha256_file(path),
        segments=segments,
        preamble=opening_words(segments),
        pages=len(presentation.slides),
        warnings=tuple(warnings),
        **identity,
    )
