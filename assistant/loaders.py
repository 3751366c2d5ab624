"""Read source files into :class:`LoadedDocument` values: PDF pages, Markdown sections, text.

Failures raise :class:`DocumentError` with a reason a person can act on, so ingest can report the
file by name and carry on with the rest.
"""
from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .schema import LoadedDocument, Segment

if TYPE_CHECKING:
    from pypdf import PdfReader

SUPPORTED_SUFFIXES = {".pdf", ".md", ".markdown", ".txt", ".docx", ".pptx"}
MIN_TEXT_CHARS_PER_DOC = 40  # less than this in a whole PDF means it is scanned or blank
# A page with less text than this, in a PDF that has text elsewhere, is reported by page: an image
# of a page (a scan inserted into a typed document) or a blank one; a page number alone is shorter.
MIN_TEXT_CHARS_PER_PAGE = 12

logging.getLogger("pypdf").setLevel(logging.ERROR)


class DocumentError(Exception):
    """A file that cannot be ingested; the message says why."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_document(path: Path, corpus_root: Path) -> LoadedDocument:
    """Parse one file; the suffix decides the loader."""
    suffix = path.suffix.lower()
    source = path.relative_to(corpus_root).as_posix()
    if suffix == ".pdf":
        return load_pdf(path, source)
    if suffix in {".md", ".markdown"}:
        return load_markdown(path, source)
    if suffix == ".txt":
        return load_text(path, source)
    if suffix == ".docx":
        from .office import load_docx

        return load_docx(path, source)
    if suffix == ".pptx":
        from .office import load_pptx

        return load_pptx(path, source)
    raise DocumentError(f"unsupported file type {suffix!r}")


# ---------------------------------------------------------------- PDF

# A heading line in a policy or a contract: "4.2 Disclosure deadline", "ARTICLE V", "Section 3. Term".
_HEADING = re.compile(
    r"^(?:(?:ARTICLE|Article|SECTION|Section|PART|Part|SCHEDULE|Schedule|EXHIBIT|Exhibit|ANNEX|Annex|APPENDIX|Appendix)"
    r"\s+[0-9IVXLC]+(?:\.\d+)*[A-Z]?\b[.:]?(?:\s+\S.*)?"
    r"|(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+[A-Z][A-Za-z][^\n]*)$"
)
_VERSION = re.compile(r"\bVersion[:\s]+v?(\d+(?:\.\d+)*)", re.IGNORECASE)
_DOC_ID = re.compile(r"\b(?:Document\s+(?:ID|No\.?)|Doc(?:ument)?\s*ID)[:\s]+([A-Z]{2,}[-A-Z0-9]*\d)", re.IGNORECASE)
_STATUS_SUPERSEDED = re.compile(r"\b(?:Status[:\s]+superseded|SUPERSEDED)\b", re.IGNORECASE)
_PAGE_FOOTER = re.compile(r"^\s*(?:Page\s+\d+(?:\s+of\s+\d+)?|-?\s*\d{1,3}\s*-?)\s*$", re.IGNORECASE)


def _mostly_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


# A line that ends with one of these words goes on in the next line: "7.1 Party A represents and
# warrants that" is the start of a clause wrapped by the PDF, not a heading.
_CONTINUING_WORDS = frozenset({"that", "the", "with", "of", "and", "to", "by", "any", "such", "shall", "which", "than", "or"})
# Numbered headings in sentence case are short ("5.1 Service inventions belong to the Company")
# or name a topic as a question does ("14.2 What employees must and must not do"); a longer
# numbered line in sentence case is a clause ("10.1 This Agreement shall be governed and construed
# in accordance with").
_MAX_SENTENCE_CASE_HEADING_WORDS = 6
_QUESTION_WORDS = frozenset({"What", "Who", "Whom", "Whose", "When", "Where", "Which", "Why", "How"})


def _wrapped_clause(title: str) -> bool:
    """A numbered line that is the first line of a clause rather than a heading."""
    words = title.split()
    if words and words[-1] in _CONTINUING_WORDS:
        return True
    long_words = [w for w in words if len(w) > 3]
    title_case = not long_words or sum(w[0].isupper() for w in long_words) >= 0.7 * len(long_words)
    topic = words[0] in _QUESTION_WORDS
    return len(words) > _MAX_SENTENCE_CASE_HEADING_WORDS and not title_case and not topic


def heading_of(line: str) -> tuple[str, int] | None:
    """(heading, level) when a line looks like a heading, else None.

    A heading is short, does not end like a clause (",", ";"), and ends with a full stop only when
    written in capitals ("2. LICENSE GRANT."); "5. The application is filed." is a numbered step and
    "Section 12." at the start of a wrapped line is a cross-reference, not headings.
    """
    stripped = line.strip()
    if not 3 <= len(stripped) <= 90 or stripped.endswith((",", ";")):
        return None
    match = _HEADING.match(stripped)
    if not match:
        return None
    words = stripped.split()
    if match.group("num"):
        title = stripped[len(match.group("num")) :].lstrip(". ")
        if len(words) > 12 or (stripped.endswith(".") and not _mostly_upper(title)):
            return None
        if not title.endswith("?") and _wrapped_clause(title):
            return None
        return stripped, match.group("num").count(".") + 1
    keyword, title = words[0], [w for w in words[2:] if len(w) > 3]
    if not keyword.isupper():
        # "Section 12." or "Section 11. The IP Office will ..." is a reference in running text;
        # "Article 5 Term of Agreement" is a heading: short, with its title in Title Case.
        title_case = bool(title) and sum(w[0].isupper() for w in title) >= 0.7 * len(title)
        if len(words) < 3 or len(words) > 10 or stripped.endswith(".") or not title_case:
            return None
    return stripped, 1


def _humanise_filename(stem: str) -> str:
    """'MorganStanleyDirectLendingFund_20191119_10-12GA_EX-10.5_..._Trademark License Agreement'
    -> 'Morgan Stanley Direct Lending Fund ... Trademark License Agreement'."""
    text = re.sub(r"[_]+", " ", stem)
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
    text = re.sub(r"\b\d{8}\b|\b\d{2} \d{2} \d{4}\b", " ", text)  # filing dates
    text = re.sub(r"\b\d{6,}\b", " ", text)  # EDGAR accession numbers
    return re.sub(r"\s+", " ", text).strip(" .-")


_PARTIES = re.compile(r"\bbetween\s+(.{3,400}?)(?:\.\s|;|\bdated\b|\beffective\b|\bWHEREAS\b|\bwith offices\b|$)", re.IGNORECASE)
_PARENTHETICAL = re.compile(r"\s*\([^()]{0,80}\)")


def extract_parties(first_text: str) -> str:
    """The 'between X and Y' clause of an agreement's opening, without defined-term parentheticals."""
    head = re.sub(r"\s+", " ", first_text[:3000])
    match = _PARTIES.search(head)
    if not match:
        return ""
    parties = _PARENTHETICAL.sub("", match.group(1)).strip(" ,;:")
    words = parties.split()
    return " ".join(words[:30]) if len(words) >= 2 else ""


def _doc_type_for(source: str, default: str) -> str:
    lowered = source.lower()
    if "polic" in lowered:
        return "policy"
    if "lectur" in lowered or "notes" in lowered:
        return "lecture"
    if "contract" in lowered or "agreement" in lowered:
        return "contract"
    return default


def _keyword_fields(raw: str) -> dict[str, str]:
    """PDF Keywords written as 'doc_id=POL-IP-001; version=3.0; status=current'."""
    fields: dict[str, str] = {}
    for part in re.split(r"[;\n]", raw or ""):
        if "=" in part:
            key, value = part.split("=", 1)
            fields[key.strip().lower()] = value.strip()
    return fields


def load_pdf(path: Path, source: str) -> LoadedDocument:
    # pypdf is imported here, not at the top: answering a question imports this module (for
    # headings) but never reads a PDF, and pypdf is a fifth of a second to import.
    from pypdf import PdfReader

    if path.stat().st_size == 0:
        raise DocumentError("empty file (0 bytes)")
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                unlocked = reader.decrypt("")
            except Exception as exc:  # missing crypto backend, unknown algorithm
                raise DocumentError(f"encrypted PDF that cannot be opened ({exc})") from exc
            if not unlocked:
                raise DocumentError("encrypted PDF (password protected)")
        page_count = len(reader.pages)
        texts, warnings = _page_texts(reader)
        ruled = [number for number, page in enumerate(reader.pages, start=1) if _has_ruled_lines(page)]
        info = reader.metadata or {}
        # Read here: the fields resolve objects of the file, which a damaged file may not hold.
        keywords = str(info.get("/Keywords", "") or "")
        info_title = str(info.get("/Title", "") or "").strip()
    except DocumentError:
        raise
    # Any error while pypdf parses the file means the file is unreadable: the fuzz test keeps
    # finding new kinds (LimitReachedError, for a page tree that refers to itself, is not a
    # PdfReadError), and a file must be reported, never crash the ingest of the others.
    except Exception as exc:
        raise DocumentError(f"corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from exc
    if page_count == 0:
        raise DocumentError("PDF has no pages")
    if sum(len(t.strip()) for t in texts) < MIN_TEXT_CHARS_PER_DOC:
        raise DocumentError("no extractable text (scanned image or blank pages; needs OCR)")
    for number, text in enumerate(texts, start=1):
        if len(text.strip()) < MIN_TEXT_CHARS_PER_PAGE and not any(w.startswith(f"page {number}:") for w in warnings):
            warnings.append(f"page {number}: no text layer (scanned image or blank page; not indexed)")

    fields = _keyword_fields(keywords)
    first = "\n".join(texts[:2])
    title = info_title
    if not title or title.lower().startswith(("microsoft word", "untitled")) or title.lower().endswith((".doc", ".docx", ".pdf")):
        title = _humanise_filename(path.stem)
    version = fields.get("version") or (m.group(1) if (m := _VERSION.search(first)) else "")
    doc_id = fields.get("doc_id") or (m.group(1) if (m := _DOC_ID.search(first)) else "")
    status = fields.get("status") or ("superseded" if _STATUS_SUPERSEDED.search(texts[0]) else "current")
    doc_type = fields.get("doc_type") or _doc_type_for(source, "document")
    parties = extract_parties(first) if doc_type in {"contract", "document"} else ""

    if ruled:
        texts = _with_table_rows(path, texts, ruled)
    running = _running_lines(texts)
    segments: list[Segment] = []
    path_stack: list[tuple[int, str]] = []
    for number, text in enumerate(texts, start=1):
        buffer: list[str] = []
        for line in text.splitlines():
            if _PAGE_FOOTER.match(line) or _line_key(line) in running:
                continue
            heading = heading_of(line)
            if heading:
                if buffer:
                    segments.append(Segment("\n".join(buffer), number, _section_path(path_stack)))
                    buffer = []
                name, level = heading
                path_stack = [(lvl, h) for lvl, h in path_stack if lvl < level] + [(level, name)]
            buffer.append(line)
        if buffer:
            segments.append(Segment("\n".join(buffer), number, _section_path(path_stack)))
    segments = [s for s in segments if s.text.strip()]
    return LoadedDocument(
        source=source,
        sha256=sha256_file(path),
        title=title,
        doc_type=doc_type,
        segments=segments,
        preamble=opening_words(segments),
        doc_id=doc_id,
        version=version,
        status=status.lower(),
        parties=parties,
        pages=page_count,
        warnings=tuple(warnings),
    )


def _page_texts(reader: PdfReader) -> tuple[list[str], list[str]]:
    """Each page's text; a page whose text cannot be extracted is empty and reported, not fatal."""
    texts: list[str] = []
    warnings: list[str] = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            texts.append(page.extract_text() or "")
        except Exception as exc:  # a damaged page: pypdf raises errors of many kinds
            texts.append("")
            warnings.append(f"page {number}: unreadable ({type(exc).__name__}); not indexed")
    return texts, warnings


# ---------------------------------------------------------------- PDF tables

MIN_RULE_OPERATORS = 8  # a page that draws fewer lines and boxes than this has no ruled table


def _has_ruled_lines(page) -> bool:
    """Cheap test before the table finder: does the page draw lines or rectangles at all?"""
    try:
        contents = page.get_contents()
        data = contents.get_data() if contents is not None else b""
    except Exception:  # an unreadable content stream: the text extraction already coped with it
        return False
    return draws_rules(data)


# Strings shown on the page, "(...)" with escapes and "<hex>": their words are not operators.
_PDF_STRINGS = re.compile(rb"\((?:\\.|[^\\()])*\)|<[0-9A-Fa-f\s]*>")
# The path operators of lines and rectangles, as whole tokens.
_RULE_OPERATORS = re.compile(rb"(?<=\s)(?:re|l)(?=\s|$)")


def draws_rules(content: bytes) -> bool:
    """Whether a page content stream draws at least MIN_RULE_OPERATORS lines or rectangles.

    Counting the bytes " re" alone also counted every word starting with "re" in the page's text
    ("(represents)"), which sent ordinary text pages through the slow table finder.
    """
    return len(_RULE_OPERATORS.findall(_PDF_STRINGS.sub(b" ", content))) >= MIN_RULE_OPERATORS


def render_table_row(header: list[str], cells: list[str]) -> str:
    """'Row label | Header: cell | Header: cell', so a row read alone still says what each cell is."""
    cells = [" ".join((c or "").split()) for c in cells]
    if not any(cells[1:]):
        return cells[0] if cells else ""
    labelled = [f"{h}: {c}" if h else c for h, c in zip(header[1:] + [""] * len(cells), cells[1:]) if c]
    return " | ".join([cells[0]] + labelled) if cells[0] else " | ".join(labelled)


def _with_table_rows(path: Path, texts: list[str], pages: list[int]) -> list[str]:
    """Replace each ruled table's flattened lines with one line per row (pdfplumber's table finder).

    pypdf prints a table cell by cell, each cell's wrapped lines in turn, which loses what belongs
    to which row. Where the table finder's cells match those lines in order, they are replaced;
    anywhere they do not match, the page text is kept as pypdf gave it.
    """
    import pdfplumber

    texts = list(texts)
    # The table finder is an improvement, never a reason to fail a file: a damaged file that pypdf
    # reads may still break pdfplumber anywhere, even in close(), which parses every page again.
    # So the file is opened here (and always closed here), and pdfplumber's close is best effort.
    with open(path, "rb") as stream:
        try:
            pdf = pdfplumber.open(stream)
        except Exception:
            return texts
        try:
            for number in pages:
                try:
                    tables = [t.extract() for t in pdf.pages[number - 1].find_tables()]
                except Exception:
                    continue
                lines = texts[number - 1].splitlines()
                for rows in tables:
                    rows = [[c or "" for c in row] for row in rows if row and any(row)]
                    if len(rows) < 2 or max(len(r) for r in rows) < 2:
                        continue
                    lines = _replace_table(lines, rows)
                texts[number - 1] = "\n".join(lines)
        finally:
            try:
                pdf.close()
            except Exception:
                pass
    return texts


def _replace_table(lines: list[str], rows: list[list[str]]) -> list[str]:
    expected = [" ".join(part.split()) for row in rows for cell in row for part in cell.split("\n") if part.strip()]
    if not expected:
        return lines
    stripped = [" ".join(line.split()) for line in lines]
    for start in range(len(stripped)):
        if stripped[start] != expected[0]:
            continue
        # Lines may merge cells that sit side by side; compare the joined text, not line by line.
        want = " ".join(expected)
        got, end = "", start
        while end < len(stripped) and len(got) < len(want):
            got = (got + " " + stripped[end]).strip()
            end += 1
        if got == want:
            header = [" ".join(c.split()) for c in rows[0]]
            rendered = [render_table_row(header, row) for row in rows[1:]]
            return lines[:start] + [r for r in rendered if r] + lines[end:]
    return lines


def opening_words(segments: list[Segment], words: int = 60) -> str:
    """The first words of the document body, whitespace-normalised."""
    collected: list[str] = []
    for segment in segments:
        collected.extend(segment.text.split())
        if len(collected) >= words:
            break
    return " ".join(collected[:words])


def _line_key(line: str) -> str:
    return re.sub(r"\d+", "#", line.strip().lower())


def _running_lines(texts: list[str]) -> set[str]:
    """Running headers and footers: lines (digits ignored) found on at least half of 3+ pages."""
    if len(texts) < 3:
        return set()
    seen: dict[str, int] = {}
    for text in texts:
        for key in {_line_key(line) for line in text.splitlines() if line.strip()}:
            seen[key] = seen.get(key, 0) + 1
    return {key for key, count in seen.items() if count >= max(3, len(texts) // 2) and len(key) > 3}


def _section_path(stack: list[tuple[int, str]]) -> str:
    return " > ".join(h for _, h in stack)


# ---------------------------------------------------------------- Markdown and text

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")  # bold markers are layout, not text
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_SINGLE_BYTE = ("cp125", "iso8859", "latin", "mac_", "cp8", "cp4")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
MAX_CONTROL_SHARE = 0.01  # more control characters than this in decoded text: binary, or a wrong guess


def decode_text(raw: bytes) -> str:
    """Text of a file by its BOM, else strict UTF-8, else the encoding its content shows
    (charset-normalizer: UTF-16 without BOM, GBK, Shift-JIS, Windows code pages). Raises
    :class:`DocumentError` for empty or undecodable content and never returns NUL-filled text."""
    if not raw.strip(b" \t\r\n\x00"):
        raise DocumentError("empty file")
    text = None
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                raise DocumentError(f"undecodable text: starts with a {codec} byte-order mark but is not {codec}") from None
            break
    if text is None:
        text = _utf16_without_bom(raw)
    if text is None:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            from charset_normalizer import from_bytes

            best = from_bytes(raw).best()
            if best is None:
                raise DocumentError("undecodable text (no known encoding fits; save it as UTF-8)") from None
            encoding = best.encoding
            if encoding.startswith(_SINGLE_BYTE):  # short Western text: the guess between code pages is weak
                try:
                    text = raw.decode("cp1252")
                except UnicodeDecodeError:
                    text = str(best)
            else:
                text = str(best)
    text = text.lstrip("\ufeff")
    controls = len(_CONTROL.findall(text))
    if controls > MAX_CONTROL_SHARE * len(text):
        raise DocumentError("undecodable text (binary content or an unknown encoding; save it as UTF-8)")
    return _CONTROL.sub("", text)


def _utf16_without_bom(raw: bytes) -> str | None:
    """UTF-16 without a byte-order mark: mostly-ASCII text has a NUL in every other byte (which
    strict UTF-8 would accept, NULs and all). The side the NULs fall on gives the byte order."""
    sample = raw[:4096]
    if len(sample) < 8 or sample.count(0) < len(sample) // 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    codec = "utf-16-be" if even > 3 * max(odd, 1) else "utf-16-le" if odd > 3 * max(even, 1) else None
    if codec is None:
        return None
    try:
        return raw[: len(raw) - len(raw) % 2].decode(codec)
    except UnicodeDecodeError:
        return None


def _read_text(path: Path) -> str:
    return decode_text(path.read_bytes())


_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def markdown_tables_as_rows(text: str) -> str:
    """Pipe tables written as one line per row with their headers (see :func:`render_table_row`),
    the same form the PDF loader gives, so a row read alone says what each cell is."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        if lines[i].lstrip().startswith("|") and i + 1 < len(lines) and _PIPE_RULE.match(lines[i + 1]):
            header = [c.strip() for c in lines[i].strip().strip("|").split("|")]
            i += 2
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                out.append(render_table_row(header, cells))
                i += 1
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


def front_matter_value(raw: str) -> str:
    """A YAML scalar as written: a quoted value is kept whole ("R&D #1 Policy"); an unquoted one
    loses a trailing comment, which YAML starts with " #"."""
    value = raw.strip()
    if value[:1] in {'"', "'"}:
        end = value.find(value[0], 1)
        return value[1:end] if end > 0 else value[1:]
    return re.split(r"\s#", value, maxsplit=1)[0].strip()


def load_markdown(path: Path, source: str) -> LoadedDocument:
    text = _read_text(path)
    meta: dict[str, str] = {}
    front = _FRONT_MATTER.match(text)
    if front:
        for line in front.group(1).splitlines():
            if ":" in line:
                key, value = line.split(":", 1)
                meta[key.strip().lower()] = front_matter_value(value)
        text = text[front.end():]
    text = markdown_tables_as_rows(text)

    segments: list[Segment] = []
    stack: list[tuple[int, str]] = []
    buffer: list[str] = []
    title = meta.get("title", "")
    in_fence = False
    for line in text.splitlines():
        if line.strip().startswith("```"):
            in_fence = not in_fence
        match = None if in_fence else _MD_HEADING.match(line)
        if match:
            if "".join(buffer).strip():
                segments.append(Segment("\n".join(buffer).strip(), None, _section_path(stack)))
            buffer = []
            level, name = len(match.group(1)), match.group(2).strip()
            if level == 1 and (not title or name == title):
                title = name
                stack = []  # the title is carried by the document, not repeated in every section path
                continue
            stack = [(lvl, h) for lvl, h in stack if lvl < level] + [(level, name)]
            continue
        buffer.append(_EMPHASIS.sub(r"\2", line))
    if "".join(buffer).strip():
        segments.append(Segment("\n".join(buffer).strip(), None, _section_path(stack)))
    if not segments:
        raise DocumentError("no text besides headings")
    return LoadedDocument(
        source=source,
        sha256=sha256_file(path),
        title=title or _humanise_filename(path.stem),
        doc_type=meta.get("doc_type") or _doc_type_for(source, "document"),
        segments=segments,
        doc_id=meta.get("doc_id", ""),
        version=meta.get("version", ""),
        status=meta.get("status", "current").lower(),
    )


def load_text(path: Path, source: str) -> LoadedDocument:
    text = _read_text(path).strip()
    return LoadedDocument(
        source=source,
        sha256=sha256_file(path),
        title=_humanise_filename(path.stem),
        doc_type=_doc_type_for(source, "document"),
        segments=[Segment(text, None, "")],
    )
