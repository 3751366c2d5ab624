"""Document and user text shown in Streamlit markdown as text, never as live Markdown or HTML.

A policy (or a question) containing ``![](http://...)``, a link, ``<img onerror=...>``, ``$...$``
or Streamlit's ``:red[...]`` directives must show those characters, not load, link or run
anything. The escaping is :func:`assistant.presentation.plain_text`; this module adds line breaks
and highlighting of the sentences an answer quotes.
"""
from __future__ import annotations

import re

from .presentation import plain_text


def escape_markdown(text: str) -> str:
    """``text`` as Markdown source that renders exactly as ``text``, line breaks kept."""
    escaped = plain_text((text or "").replace("\r\n", "\n"))
    escaped = re.sub(r"\n[ \t]+", "\n", escaped)  # indentation would make a code block
    return escaped.replace("\n", "  \n")


def sentence_spans(passage: str, sentences: list[str]) -> list[tuple[int, int]]:
    """Where each quoted sentence stands in the passage, whitespace differences allowed."""
    spans = []
    for sentence in sentences:
        words = sentence.split()
        if not words:
            continue
        match = re.search(r"\s+".join(re.escape(w) for w in words), passage)
        if match:
            spans.append(match.span())
    return sorted(spans)


def highlighted(passage: str, spans: list[tuple[int, int]], colour: str = "orange") -> str:
    """Escaped ``passage`` with the character ranges in ``spans`` on a coloured background."""
    parts, position = [], 0
    for start, end in sorted(spans):
        if start < position:
            continue
        parts.append(escape_markdown(passage[position:start]))
        inner = escape_markdown(" ".join(passage[start:end].split()))  # one line inside a directive
        parts.append(f":{colour}-background[{inner}]")
        position = end
    parts.append(escape_markdown(passage[position:]))
    return "".join(parts)
