"""A picture of a cited PDF page with the passage marked, because people check a page faster than a quote.

The page is rendered with pypdfium2 (PDFium, the engine of Chromium's PDF viewer). The passage is
found in the page's own text layer, character by character, and marked with the boxes PDFium
reports for those characters. Text is compared letters-and-digits only (NFKC, lower case), so
the differences between the extractor that made the chunk and PDFium's text (line breaks,
hyphenation spaces, ligatures) do not stop the match. A passage running over a page break is
marked by the part of it that stands on the page shown.
"""
from __future__ import annotations

import io
import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageDraw

# 1.5 x 72 dpi = 108 dpi: small print stays readable on screen while a page PNG stays ~150-300 kB.
RENDER_SCALE = 1.5
# Shortest run of letters and digits accepted as "part of the passage is on this page"; shorter
# runs match by chance (a word or two).
MIN_MATCH_CHARS = 40
# A line or table cell matched on its own must be at least this long (a short cell such as "Red"
# or "Yes" would mark a chance occurrence elsewhere on the page).
MIN_PIECE_CHARS = 12
PASSAGE_FILL = (255, 213, 79, 90)  # amber, translucent: the passage
ANSWER_FILL = (255, 140, 0, 120)  # deeper orange: the sentences the answer quotes
OUTLINE = (230, 120, 0, 255)


class PageError(ValueError):
    """The cited file or page cannot be shown (not a PDF, missing, outside the corpus, no such page)."""


@dataclass(frozen=True)
class Box:
    """A rectangle on the rendered image, in pixels from the top left."""

    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True)
class PagePicture:
    png: bytes
    width: int
    height: int
    passage_boxes: list[Box]
    answer_boxes: list[Box]

    @property
    def found(self) -> bool:
        return bool(self.passage_boxes)


def resolve_source(corpus_dir: Path, source: str) -> Path:
    """The file a citation names, refusing anything outside the corpus folder."""
    root = Path(corpus_dir).resolve()
    path = (root / source).resolve()
    if root not in path.parents or not path.is_file():
        raise PageError(f"{source} is not a file in the corpus")
    return path


def _normalise(text: str) -> tuple[str, list[int]]:
    """Letters and digits of ``text`` (NFKC, lower case) and, for each, its index in ``text``."""
    chars: list[str] = []
    index: list[int] = []
    for position, char in enumerate(text):
        for piece in unicodedata.normalize("NFKC", char).lower():
            if piece.isalnum():
                chars.append(piece)
                index.append(position)
    return "".join(chars), index


def find_span(page_text: str, passage: str, minimum: int = MIN_MATCH_CHARS) -> tuple[int, int] | None:
    """Character range [start, end) of ``passage`` (or of its longest part on this page) in ``page_text``."""
    hay, hay_index = _normalise(page_text)
    needle, _ = _normalise(passage)
    if not needle or not hay:
        return None
    at = hay.find(needle)
    if at >= 0:
        return hay_index[at], hay_index[at + len(needle) - 1] + 1
    best = None
    # The passage starts on this page and goes on to the next: its longest prefix found here.
    prefix = _longest(lambda n: hay.find(needle[:n]) >= 0, len(needle))
    if prefix >= minimum:
        at = hay.find(needle[:prefix])
        best = (at, at + prefix)
    # Or it started on the previous page: its longest suffix found here.
    suffix = _longest(lambda n: hay.find(needle[-n:]) >= 0, len(needle))
    if suffix >= minimum and (best is None or suffix > best[1] - best[0]):
        at = hay.find(needle[-suffix:])
        best = (at, at + suffix)
    if best is None:
        return None
    return hay_index[best[0]], hay_index[best[1] - 1] + 1


def find_spans(page_text: str, passage: str) -> list[tuple[int, int]]:
    """Where the passage stands on the page: one span when it is found whole (or its part on this
    page), else one per line or table cell that is found. Tables are chunked as
    "cell | Header: cell" rows, which are not the page's reading order; their cells are."""
    whole = find_span(page_text, passage)
    if whole:
        return [whole]
    spans = []
    for piece in re.split(r"\n| \| ", passage):
        piece = re.sub(r"^[^:|]{1,40}: ", "", piece.strip())  # the header a table cell was labelled with
        if len(_normalise(piece)[0]) < MIN_PIECE_CHARS:
            continue
        span = find_span(page_text, piece, minimum=MIN_PIECE_CHARS)
        if span:
            spans.append(span)
    return sorted(set(spans))


def _longest(fits, upper: int) -> int:
    """Largest n in [0, upper] with fits(n), assuming fits is monotone (true up to some n)."""
    low, high = 0, upper
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


def _boxes(textpage, start: int, end: int, page_height: float, scale: float) -> list[Box]:
    count = textpage.count_rects(start, end - start)
    boxes = []
    for i in range(count):
        left, bottom, right, top = textpage.get_rect(i)
        boxes.append(Box(left * scale, (page_height - top) * scale, right * scale, (page_height - bottom) * scale))
    return boxes


def _page_text(textpage) -> str:
    text = textpage.get_text_range()
    if len(text) == textpage.count_chars():
        return text
    # PDFium can return more characters than it counts (generated spaces); read one by one.
    return "".join(textpage.get_text_range(i, 1) or " " for i in range(textpage.count_chars()))


@contextmanager
def _opened_pdf(path: Path, page_number: int):
    """The PDF, open, once it is known to have 1-based ``page_number``; closed afterwards."""
    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise PageError(f"{Path(path).name} cannot be opened as a PDF: {exc}") from exc
    try:
        if not 1 <= page_number <= len(document):
            raise PageError(f"{Path(path).name} has no page {page_number}")
        yield document
    finally:
        document.close()


def render_page(path: Path, page_number: int, passage: str, answer_sentences: list[str] | tuple[str, ...] = (),
                scale: float = RENDER_SCALE) -> PagePicture:
    """PNG of 1-based ``page_number`` with the passage boxed and the quoted sentences marked deeper."""
    with _opened_pdf(path, page_number) as document:
        page = document[page_number - 1]
        width, height = page.get_size()
        textpage = page.get_textpage()
        text = _page_text(textpage)
        passage_boxes: list[Box] = []
        answer_boxes: list[Box] = []
        for start, end in find_spans(text, passage):
            passage_boxes += _boxes(textpage, start, end, height, scale)
            for sentence in answer_sentences:
                inner = find_span(text[start:end], sentence, minimum=MIN_PIECE_CHARS)
                if inner:
                    answer_boxes += _boxes(textpage, start + inner[0], start + inner[1], height, scale)
        image = page.render(scale=scale).to_pil().convert("RGBA")
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for box, fill in [(b, PASSAGE_FILL) for b in passage_boxes] + [(b, ANSWER_FILL) for b in answer_boxes]:
        draw.rectangle((box.left - 1, box.top - 1, box.right + 1, box.bottom + 1), fill=fill)
    if passage_boxes:  # a frame around the whole passage, so it is found at a glance
        left = min(b.left for b in passage_boxes) - 6
        top = min(b.top for b in passage_boxes) - 6
        right = max(b.right for b in passage_boxes) + 6
        bottom = max(b.bottom for b in passage_boxes) + 6
        draw.rectangle((left, top, right, bottom), outline=OUTLINE, width=3)
    composed = Image.alpha_composite(image, overlay).convert("RGB")
    buffer = io.BytesIO()
    composed.save(buffer, format="PNG", optimize=True)
    return PagePicture(buffer.getvalue(), composed.width, composed.height, passage_boxes, answer_boxes)


def single_page_pdf(path: Path, page_number: int) -> bytes:
    """The cited page alone, as a PDF to download or forward."""
    with _opened_pdf(path, page_number) as source:
        target = pdfium.PdfDocument.new()
        target.import_pages(source, [page_number - 1])
        buffer = io.BytesIO()
        target.save(buffer)
        target.close()
        return buffer.getvalue()


def answer_sentences_in(answer_text: str, passage: str) -> list[str]:
    """The parts of an answer that stand in a passage (the answer quotes passages verbatim,
    each part followed by its [n] marker)."""
    parts = [p.strip() for p in re.split(r"\s*\[\d+\]\s*", answer_text) if p.strip()]
    passage_norm, _ = _normalise(passage)
    return [p for p in parts if len(_normalise(p)[0]) >= 12 and _normalise(p)[0] in passage_norm]
