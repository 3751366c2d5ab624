"""Issue 8, what is shown and exported: long questions (row 2), document text as data in the UI
(rows 8, 9), CSV formulas (row 10), the address `make run` listens on (row 11)."""
from __future__ import annotations

import csv
import io
import math
import re
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from assistant.config import PROJECT_ROOT
from assistant.ingest import Ingestor
from assistant.presentation import neutralise_citation_markers, plain_text, spreadsheet_safe
from assistant.schema import Answer

from .conftest import make_settings
from .robust_helpers import write_tiny_corpus

# ------------------------------------------------------------------ row 2: a pasted e-mail as the question

EMAIL = (
    "Hello team, I hope you are well. I am writing because our group has been working on a new sintering "
    "process for the magnet line for the last six months, partly during night shifts and partly at home on "
    "weekends, using a laptop the company gave me and some measurements from the plant laboratory. "
) * 4 + "Who owns an invention made on the night shift with company equipment, and what must I do now?"


@pytest.fixture
def tiny_assistant(tmp_path, embeddings, reranker):
    from assistant.service import Assistant

    settings = make_settings(tmp_path / "store", corpus=write_tiny_corpus(tmp_path / "corpus"))
    Ingestor(settings).run(settings.corpus_dir)
    return Assistant(settings, reranker=reranker)


def test_a_240_word_question_is_answered_not_a_crash(tiny_assistant):
    assert 230 <= len(EMAIL.split()) <= 260
    answer = tiny_assistant.ask(EMAIL)
    assert answer.citations and answer.citations[0].source == "policies/service-inventions.md"


def test_reranker_scores_a_question_longer_than_its_window(reranker):
    scores = reranker.score(EMAIL * 2, ["Inventions made on the night shift belong to the company.", "Visitors sign an NDA."])
    assert len(scores) == 2 and all(math.isfinite(score) for score in scores)


# ------------------------------------------------------------------ row 8: document text shown as text

HOSTILE = [
    "![x](http://host/beacon.png)",
    "[the IT portal](https://evil.example/login)",
    ":red[urgent] and :material/warning: and $x^2$",
    "<img src=x onerror=alert(1)> <script>alert(1)</script>",
    "# Heading\n- item\n1. numbered\n> quote",
    "**bold** _it_ `code` ~~gone~~ | a | b |",
    "https://autolink.example and <https://angle.example>",
    "&lt;not a tag&gt; &amp; \\*escaped\\*",
]

_RENDER = MarkdownIt("commonmark").enable("table").enable("strikethrough")


def rendered_text(markdown: str) -> str:
    """What a reader sees: the HTML of the rendered Markdown with its escapes resolved."""
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", _RENDER.render(markdown))).strip()


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_text_renders_no_link_image_html_or_markup(text):
    html = _RENDER.render(plain_text(text))
    assert not re.search(r"<(?!/?p>|br ?/?>)", html), html  # nothing but paragraphs and line breaks


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_text_shows_the_text_exactly(text):
    assert rendered_text(plain_text(text)) == "\n".join(line.strip() for line in text.strip().splitlines())


@pytest.mark.parametrize("text", [":red[urgent]", ":blue-background[x]", "$E=mc^2$"])
def test_plain_text_escapes_streamlit_directives_and_math(text):
    assert "\\:" in plain_text(text) or "\\$" in plain_text(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=80))
def test_plain_text_of_any_line_renders_as_that_line(text):
    line = " ".join(text.split())
    assert rendered_text(plain_text(line)) == line


def test_the_app_shows_document_markup_as_text(tmp_path, monkeypatch, embeddings):
    import streamlit as st_module
    from streamlit.testing.v1 import AppTest

    corpus = tmp_path / "corpus" / "policies"
    corpus.mkdir(parents=True)
    (corpus / "it-portal.md").write_text(
        "# IT Portal Policy\n\n## 1. Invention disclosure\n\n"
        "Disclose every invention through [the IT portal](https://evil.example/login) within thirty days ![x](http://host/beacon.png).\n"
        "The disclosure is reviewed by the IP Office within two weeks of receipt.\n"
    )
    settings = make_settings(tmp_path / "store", corpus=tmp_path / "corpus")
    Ingestor(settings).run(settings.corpus_dir)
    monkeypatch.setenv("ASSISTANT_STORE_DIR", str(settings.store_dir))
    monkeypatch.setenv("ASSISTANT_FEEDBACK_LOG", str(tmp_path / "reviews.jsonl"))
    monkeypatch.delenv("ASSISTANT_CHROMA_HOST", raising=False)
    st_module.cache_resource.clear()
    at = AppTest.from_file(str(PROJECT_ROOT / "streamlit_app.py"), default_timeout=300).run()
    at.chat_input[0].set_value("How do I disclose an invention through the IT portal?").run()
    assert not at.exception
    shown = [m.value for m in at.markdown] + [e.label for e in at.expander] + [c.value for c in at.caption]
    assert any("beacon" in value for value in shown)  # the document's sentence is shown...
    assert not any("](http" in value or "![" in value for value in shown)  # ...but never as a link or image


# ------------------------------------------------------------------ row 9: citation-like markers from documents


@pytest.mark.parametrize(
    "text, shown",
    [
        ("[3] (superseded version)", "(3) (superseded version)"),
        ("as set out in [12] and [4, 5]", "as set out in (12) and (4, 5)"),
        ("see [2-3] above", "see (2-3) above"),
        ("a list [a] and a year [2024a] stay", "a list [a] and a year [2024a] stay"),
    ],
)
def test_document_citation_markers_are_neutralised(text, shown):
    assert neutralise_citation_markers(text) == shown


# ------------------------------------------------------------------ row 10: formulas in the CSV export


# The review log's CSV export (tests/test_answer_log.py) escapes through spreadsheet_safe.
@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_cells_that_start_a_formula_are_escaped(start):
    question = f'{start}HYPERLINK("http://evil.example","click")'
    assert spreadsheet_safe(question) == "'" + question


@pytest.mark.parametrize("value", ["Who owns it?", "3 = 3", "", 12, None])
def test_ordinary_cells_are_unchanged(value):
    assert spreadsheet_safe(value) == value


# ------------------------------------------------------------------ row 11: where `make run` listens


def _make_run(*assignments: str) -> str:
    return subprocess.run(
        ["make", "-n", "--always-make", "run", *assignments], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.replace("\\\n", " ")


def test_make_run_listens_on_localhost_only_by_default():
    streamlit = next(line for line in _make_run().splitlines() if "streamlit run" in line)
    assert "--server.address 127.0.0.1" in streamlit


def test_make_run_serves_on_a_network_only_when_asked():
    streamlit = next(line for line in _make_run("ADDRESS=0.0.0.0").splitlines() if "streamlit run" in line)
    assert "--server.address 0.0.0.0" in streamlit
