"""Brands the documents never name are searched as the kind of thing the policies do name."""
from __future__ import annotations

import json

import pytest

from assistant.glossary import Glossary, explained_by, load_glossary


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


@pytest.mark.parametrize(
    "question, reading",
    [
        ("Can I save drawings in my Dropbox?", "Can I save drawings in my personal cloud drive?"),
        ("Can I send data over WeChat?", "Can I send data over a consumer messaging app?"),
        ("Can I keep it in my personal OneDrive?", "Can I keep it in my personal cloud drive?"),
        ("Can I use my own GitHub Copilot licence?", "Can I use my own AI code assistant licence?"),
        ("I pushed it to our internal GitLab.", "I pushed it to our internal public code hosting site."),
    ],
)
def test_the_cross_encoder_reads_a_known_brand_as_its_kind(question, reading):
    assert load_glossary().expand(question).reading == reading


def test_a_question_naming_no_known_brand_has_no_separate_reading():
    assert load_glossary().expand("Who owns the invention?").reading == ""


@pytest.mark.parametrize(
    "name, explained, expected",
    [("Otter", ("Otter.ai",), True), ("Copilot", ("GitHub Copilot",), True), ("Teams", ("Otter.ai",), False), ("Acme", (), False)],
)
def test_a_name_is_explained_by_the_product_name_it_is_part_of(name, explained, expected):
    assert explained_by(name, explained) is expected


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
