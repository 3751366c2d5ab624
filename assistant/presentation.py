"""How a citation is labelled wherever it is shown (CLI, UI, review export)."""
from __future__ import annotations


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
