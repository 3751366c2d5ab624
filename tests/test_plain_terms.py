"""Plain phrasings are searched with, and read as, the terms the documents use."""
from __future__ import annotations

import pytest

from assistant.glossary import Expansion
from assistant.plain_terms import DEFAULT_PLAIN_TERMS, PlainTerms

TERMS = PlainTerms({"terminate": ["walk away from", "get out of"], "notice": ["heads-up"], "assign": ["pass on", "pass the licence on"]})


def test_a_plain_phrase_is_searched_with_its_term_and_read_as_it():
    expansion = TERMS.reword(Expansion("Can Digicorp walk away from its content licence whenever it wants?", ()))
    assert expansion.question == "Can Digicorp walk away from (terminate) its content licence whenever it wants?"
    assert expansion.reading == "Can Digicorp terminate its content licence whenever it wants?"
    assert expansion.reworded == ("walk away from",)


def test_phrases_match_in_any_case_and_spacing_but_only_as_whole_words():
    assert TERMS.reword(Expansion("How much HEADS-UP  do we give?", ())).reading == "How much notice  do we give?"
    assert TERMS.reword(Expansion("Can we get out  of the deal?", ())).reading == "Can we terminate the deal?"
    assert TERMS.reword(Expansion("Is the bypass on file?", ())).reworded == ()  # "pass on" inside "bypass on"


def test_the_longest_phrase_wins():
    assert TERMS.reword(Expansion("Can they pass the licence on to a buyer?", ())).reading == "Can they assign to a buyer?"


def test_a_question_without_plain_phrases_is_left_as_it_is():
    expansion = Expansion("Which law governs the licence?", ())
    assert TERMS.reword(expansion) is expansion


def test_rewording_keeps_the_brands_the_glossary_read_as_their_kind():
    glossed = Expansion("Can I get out of my Dropbox (a personal cloud drive) plan?", ("Dropbox",), ("personal cloud drive",), "Can I get out of my personal cloud drive plan?")
    expansion = TERMS.reword(glossed)
    assert expansion.reading == "Can I terminate my personal cloud drive plan?"
    assert expansion.explained == ("Dropbox",) and expansion.kinds == ("personal cloud drive",)


def test_a_phrase_under_two_terms_is_refused():
    with pytest.raises(ValueError, match="both"):
        PlainTerms({"terminate": ["get out of"], "exit": ["Get out of"]})


def test_the_shipped_list_loads_and_holds_only_phrases_that_are_not_ordinary_words():
    terms = PlainTerms.load(DEFAULT_PLAIN_TERMS)
    assert len(terms.term_of) >= 100
    single = [p for p in terms.term_of if " " not in p and "-" not in p]
    assert single == [], single  # a lone ordinary word ("end", "cover") would reword too much


def test_the_assistant_searches_the_reworded_question(sample_assistant):
    expansion = sample_assistant.search_query("Can we walk away from the licence deal early?")
    assert "(terminate)" in expansion.question and expansion.reading.startswith("Can we terminate")
