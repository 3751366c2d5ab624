"""The cross-encoder reads a question without the names that no document holds."""
from __future__ import annotations

import pytest

from assistant.unknown_names import without_unknown_names

KNOWN = {"Corvane", "Germany", "IP", "Office"}


def known(name: str) -> bool:
    return name in KNOWN


@pytest.mark.parametrize(
    "question, names, read",
    [
        ("Our licensee in Vietnam still hasn't paid. What now?", ["Vietnam"], "Our licensee in still hasn't paid. What now?"),
        ("We hired an engineer from Qilin Magtech (competitor). Can she start?", ["Qilin", "Magtech"],
         "We hired an engineer from a competitor. Can she start?"),
        ("We buy from Zarnovia Metals (an alloy supplier). Do we need an indemnity?", ["Zarnovia", "Metals"],
         "We buy from an alloy supplier. Do we need an indemnity?"),
        ("I put my results on ResearchGate, is that a problem?", ["ResearchGate"], "I put my results on, is that a problem?"),
        ("We work with Voltrix Motors on a new grade.", ["Voltrix", "Motors"], "We work with on a new grade."),
        ("We buy from Zarnovia Metals (alloys) too.", ["Zarnovia"], "We buy from alloys too."),
        ("Can I paste parameters into Brainwave Pro, an AI chatbot?", ["Brainwave", "Pro"], "Can I paste parameters into an AI chatbot?"),
        ("A competitor, Qilin Magtech, sent us a letter.", ["Qilin", "Magtech"], "A competitor sent us a letter."),
        ("Can I send it on Plimtalk, or is that banned?", ["Plimtalk"], "Can I send it on, or is that banned?"),
    ],
)
def test_names_no_document_holds_are_left_out(question, names, read):
    assert without_unknown_names(question, names, known) == read


def test_names_a_document_holds_are_kept():
    question = "Does the Corvane IP Office (Stuttgart) handle Germany too?"
    assert without_unknown_names(question, ["Corvane", "IP", "Office", "Germany"], known) == question


def test_a_long_remark_in_brackets_is_not_taken_for_a_kind():
    read = without_unknown_names("We met Qilin (they were very friendly to us) at the fair.", ["Qilin"], known)
    assert read == "We met (they were very friendly to us) at the fair."
