"""How a citation is labelled wherever it is shown (CLI, UI, review export)."""
from __future__ import annotations

import re

# "[3]", "[12]", "[3, 4]", "[3-5]": what this product's own citations look like.
_CITATION_MARKER = re.compile(r"\[(\d{1,3}(?:\s*[,\u2013-]\s*\d{1,3})*)\]")


def neutralise_citation_markers(text: str) -> str:
    """A document's own "[3]" shown as "(3)", so that only the product's [n] cite passages."""
    return _CITATION_MARKER.sub(r"(\1)", text)


def pages_label(citation: dict) -> str:
    page, end = citation.get("page"), citation.get("page_end")
    if not page:
        return "no page numbers"
    return f"p. {page}" if not end or end == page else f"pp. {page}-{end}"


def citation_label(citation: dict) -> str:
    """'[2] Title v3.0, p. 4 - 5.3 Section [SUPERSEDED]'."""
    version = f" v{citation['version']}" if citation.get("version") else ""
    section = f" - {citation['section'].split(' > ')[-1]}" if citation.get("section") else ""
    flag = " [SUPERSEDED]" if citation.get("superseded") else ""
    pages = f", {pages_label(citation)}" if citation.get("page") else ""
    return f"[{citation['n']}] {citation['title']}{version}{pages}{section}{flag}"


_MARKDOWN_SPECIAL = set("\\`*_{}[]()#+-.!|<>~:$&=")


def plain_text(text: str) -> str:
    """Document or user text made inert for ``st.markdown``: every character Markdown, HTML or
    Streamlit's own syntax (``:red[...]``, ``:emoji:``, ``$math$``) could act on is
    backslash-escaped, so a policy holding ``![](http://host/beacon.png)``, a link or
    ``<img onerror=...>`` shows as the characters it is and loads, links or runs nothing."""
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in text)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """A CSV cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is
    prefixed with an apostrophe, which spreadsheets show as text (OWASP's CSV injection advice)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
