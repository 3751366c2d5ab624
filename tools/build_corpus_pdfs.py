"""Render the sample policy sources (corpus_source/policies/*.md) into corpus/policies/*.pdf.

The PDFs are committed; rerun this after editing a source. Output is byte-for-byte reproducible
(reportlab's invariant mode), so an unchanged source gives an unchanged PDF and ingest skips it.

    python tools/build_corpus_pdfs.py [--source DIR] [--out DIR]
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab import rl_config

rl_config.invariant = 1  # no timestamps or random ids: same source, same bytes

from reportlab.lib import colors  # noqa: E402
from reportlab.lib.enums import TA_CENTER  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.platypus import (  # noqa: E402
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

ROOT = Path(__file__).resolve().parent.parent
COMPANY = "Corvane Rare Earth Materials Co., Ltd."

_styles = getSampleStyleSheet()
BODY = ParagraphStyle("body", parent=_styles["BodyText"], fontName="Helvetica", fontSize=10.5, leading=14, spaceAfter=5)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=9, leading=11, spaceAfter=0)
H1 = ParagraphStyle("h1", parent=_styles["Title"], fontName="Helvetica-Bold", fontSize=18, leading=22, spaceAfter=10)
H2 = ParagraphStyle("h2", parent=_styles["Heading2"], fontName="Helvetica-Bold", fontSize=13, leading=16, spaceBefore=10, spaceAfter=5)
H3 = ParagraphStyle("h3", parent=_styles["Heading3"], fontName="Helvetica-Bold", fontSize=11, leading=14, spaceBefore=6, spaceAfter=3)
META = ParagraphStyle("meta", parent=BODY, fontSize=9.5, leading=12, alignment=TA_CENTER, spaceAfter=2)
ITEM = ParagraphStyle("item", parent=BODY, leftIndent=16, firstLineIndent=-10, spaceAfter=3)
NOTICE = ParagraphStyle("notice", parent=BODY, textColor=colors.HexColor("#9b1c1c"), fontName="Helvetica-Bold")


def parse_source(text: str) -> tuple[dict[str, str], str]:
    meta: dict[str, str] = {}
    match = re.match(r"\A---\s*\n(.*?)\n---\s*\n", text, re.DOTALL)
    if match:
        for line in match.group(1).splitlines():
            if ":" in line:
                key, value = line.split(":", 1)
                meta[key.strip()] = value.split("#", 1)[0].strip().strip("\"'")
        text = text[match.end():]
    return meta, text


def inline(text: str) -> str:
    text = escape(text.strip())
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)


def table_flowable(rows: list[str]) -> Table:
    cells = [[c.strip() for c in row.strip().strip("|").split("|")] for row in rows]
    cells = [r for r in cells if not all(re.fullmatch(r":?-{2,}:?", c) for c in r if c)]
    width = max(len(r) for r in cells)
    data = []
    for i, row in enumerate(cells):
        row = row + [""] * (width - len(row))
        style = ParagraphStyle("th", parent=CELL, fontName="Helvetica-Bold") if i == 0 else CELL
        data.append([Paragraph(inline(c), style) for c in row])
    available = A4[0] - 40 * mm
    table = Table(data, colWidths=[available / width] * width, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def body_flowables(body: str) -> list:
    flow: list = []
    lines = body.splitlines()
    i = 0
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            flow.append(Paragraph(inline(" ".join(paragraph)), BODY))
            paragraph.clear()

    while i < len(lines):
        line = lines[i].rstrip()
        stripped = line.strip()
        if not stripped:
            flush()
        elif stripped == r"\newpage":
            flush()
            flow.append(PageBreak())
        elif stripped.startswith("### "):
            flush()
            flow.append(Paragraph(inline(stripped[4:]), H3))
        elif stripped.startswith("## "):
            flush()
            flow.append(Paragraph(inline(stripped[3:]), H2))
        elif stripped.startswith("# "):
            flush()  # the title is drawn from the front matter
        elif stripped.startswith("|"):
            flush()
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(lines[i])
                i += 1
            flow.append(Spacer(1, 3))
            flow.append(table_flowable(rows))
            flow.append(Spacer(1, 6))
            continue
        elif re.match(r"^(- |\* |\d+\. )", stripped):
            flush()
            number = 0
            while i < len(lines) and re.match(r"^\s*(- |\* |\d+\. )", lines[i]):
                numbered = bool(re.match(r"^\s*\d+\. ", lines[i]))
                item = re.sub(r"^\s*(- |\* |\d+\. )", "", lines[i])
                i += 1
                while i < len(lines) and lines[i].startswith("  ") and lines[i].strip() and not re.match(r"^\s*(- |\* |\d+\. )", lines[i]):
                    item += " " + lines[i].strip()
                    i += 1
                number = number + 1 if numbered else 0
                marker = f"{number}." if numbered else "-"
                flow.append(Paragraph(f"{marker} {inline(item)}", ITEM))
            continue
        else:
            paragraph.append(stripped)
        i += 1
    flush()
    return flow


def build_pdf(source: Path, out_dir: Path) -> Path:
    meta, body = parse_source(source.read_text(encoding="utf-8"))
    title = meta.get("title") or source.stem
    doc_id, version, status = meta.get("doc_id", ""), meta.get("version", ""), meta.get("status", "current")
    out = out_dir / f"{source.stem}.pdf"
    running = f"{COMPANY}  |  {doc_id} {title}  |  Version {version}"
    if status == "superseded":
        running += "  |  SUPERSEDED"

    def decorate(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(colors.grey)
        canvas.drawString(20 * mm, A4[1] - 12 * mm, running)
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"Page {document.page}")
        canvas.restoreState()

    story: list = [Paragraph(escape(title), H1)]
    story.append(Paragraph(f"{COMPANY}", META))
    story.append(
        Paragraph(
            escape(f"Document ID: {doc_id}   Version: {version}   Effective: {meta.get('effective', '')}   Status: {status.capitalize()}"),
            META,
        )
    )
    if meta.get("owner"):
        story.append(Paragraph(escape(f"Owner: {meta['owner']}"), META))
    if status == "superseded":
        story.append(Spacer(1, 6))
        replaced = meta.get("superseded_by", "a later version")
        story.append(Paragraph(escape(f"SUPERSEDED: this version is no longer in force; it was replaced by {replaced}."), NOTICE))
    story.append(Spacer(1, 10))
    story.extend(body_flowables(body))

    out_dir.mkdir(parents=True, exist_ok=True)
    keywords = "; ".join(
        f"{k}={v}" for k, v in (("doc_id", doc_id), ("version", version), ("status", status), ("effective", meta.get("effective", "")), ("doc_type", "policy")) if v
    )
    document = SimpleDocTemplate(
        str(out),
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=f"{COMPANY} - {meta.get('owner', 'Legal & IP Department')}",
        subject="policy",
        keywords=keywords,
        creator="tools/build_corpus_pdfs.py",
    )
    document.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT / "corpus_source" / "policies")
    parser.add_argument("--out", type=Path, default=ROOT / "corpus" / "policies")
    args = parser.parse_args()
    from pypdf import PdfReader

    total = 0
    for source in sorted(args.source.glob("*.md")):
        out = build_pdf(source, args.out)
        pages = len(PdfReader(str(out)).pages)
        total += pages
        print(f"{out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}: {pages} pages")
    print(f"total: {total} pages")


if __name__ == "__main__":
    main()
