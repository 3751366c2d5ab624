"""Document and user text shown as text: no live Markdown, HTML, links, images or Streamlit directives."""
from __future__ import annotations

import re

import pytest

from assistant.ui_text import escape_markdown, highlighted, sentence_spans


def shown(markdown: str) -> str:
    """What CommonMark displays for escaped text: each backslash escape becomes its character."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("  \n", "\n")


HOSTILE = [
    "![](http://attacker.example/pixel.png)",
    "[click me](http://attacker.example)",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    ":red[alarm] and :material/warning:",
    "$x^2$ costs $5",
    "# Heading\n* item\n> quote",
    "`code` **bold** _em_ ~~strike~~",
    "http://bare.example/link",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_no_markdown_construct_survives_escaping(text):
    escaped = escape_markdown(text)
    assert not re.search(r"(?<!\\)[!\[\]()<>:$*_`#>~]", escaped.replace("  \n", "")), escaped


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_shows_the_original_characters(text):
    assert shown(escape_markdown(text)) == text


def test_indented_lines_do_not_become_code_blocks():
    assert escape_markdown("a\n        b") == "a  \nb"


def test_highlight_wraps_only_the_quoted_sentence():
    passage = "Rule one applies. Code must not go to GitHub [1]. Rule three."
    spans = sentence_spans(passage, ["Code must not go to GitHub [1]."])
    rendered = highlighted(passage, spans)
    assert rendered.startswith("Rule one applies\\. :orange-background[Code must not go to GitHub \\[1\\]\\.]")
    assert rendered.endswith(" Rule three\\.")


def test_sentences_are_found_across_line_breaks():
    assert sentence_spans("Employees must\nreport it.", ["Employees must report it."]) == [(0, 25)]


def test_a_sentence_not_in_the_passage_is_not_highlighted():
    assert sentence_spans("Something else.", ["Not here."]) == []
