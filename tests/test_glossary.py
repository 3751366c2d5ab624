"""Brands the documents never name are searched as the kind of thing the policies do name."""
from __future__ import annotations

import json

import pytest

from assistant.glossary import Glossary, load_glossary


@pytest.mark.parametrize(
    "question, kind",
    [
        ("Can I save drawings in my Dropbox?", "personal cloud drive"),
        ("Can I send data over wechat?", "consumer messaging app"),
        ("May I paste parameters into ChatGPT?", "public AI chatbot"),
        ("Can I push code to GitLab?", "public code hosting site"),
    ],
)
def test_a_known_brand_is_explained_by_its_kind(question, kind):
    expansion = load_glossary().expand(question)
    assert f"({'an' if kind[0] in 'aeiou' else 'a'} {kind})" in expansion.question
    assert len(expansion.explained) == 1


@pytest.mark.parametrize("question", ["What does the line say?", "Send a signal to the IP Office", "Who owns the invention?"])
def test_ordinary_words_are_not_taken_for_brands(question):
    assert load_glossary().expand(question).question == question


def test_the_longest_name_wins():
    expansion = load_glossary().expand("Can I use GitHub Copilot?")
    assert expansion.explained == ("GitHub Copilot",) and "AI code assistant" in expansion.question


def test_an_extra_glossary_file_adds_names(tmp_path):
    extra = tmp_path / "extra.json"
    extra.write_text(json.dumps({"personal cloud drive": ["Zorbox"]}))
    glossary = Glossary.load(tmp_path / "extra.json")
    assert glossary.expand("Put it on Zorbox").question == "Put it on Zorbox (a personal cloud drive)"


def test_a_malformed_glossary_is_refused(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"kind": "not a list"}))
    with pytest.raises(ValueError, match="list of names"):
        Glossary.load(bad)
