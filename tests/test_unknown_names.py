"""The cross-encoder reads a name no document holds as the kind the question says it is."""
from __future__ import annotations

import pytest

from assistant.unknown_names import left_out, without_unknown_names

KNOWN = {"Corvane", "Germany", "IP", "Office"}


def known(name: str) -> bool:
    return name in KNOWN


@pytest.mark.parametrize(
    "question, names, read",
    [
        ("We hired an engineer from Qilin Magtech (competitor). Can she start?", ["Qilin", "Magtech"],
         "We hired an engineer from a competitor. Can she start?"),
        ("We buy from Zarnovia Metals (an alloy supplier). Do we need an indemnity?", ["Zarnovia", "Metals"],
         "We buy from an alloy supplier. Do we need an indemnity?"),
        ("We buy from Zarnovia Metals (alloys) too.", ["Zarnovia"], "We buy from alloys too."),
        ("Can I paste parameters into Brainwave Pro, an AI chatbot?", ["Brainwave", "Pro"], "Can I paste parameters into an AI chatbot?"),
        ("A competitor, Qilin Magtech, sent us a letter.", ["Qilin", "Magtech"], "A competitor sent us a letter."),
        ("Who owns what I made at the Zarnovia plant on my shift?", ["Zarnovia"], "Who owns what I made at the plant on my shift?"),
        ("Can I push the Lurvik firmware code to a public site?", ["Lurvik"], "Can I push the firmware code to a public site?"),
    ],
)
def test_a_name_no_document_holds_is_read_as_the_kind_the_question_gives_it(question, names, read):
    assert without_unknown_names(question, names, known) == read


@pytest.mark.parametrize(
    "question, names",
    [
        ("What royalty rate does the Tesla and Panasonic battery licence set?", ["Tesla", "Panasonic"]),
        ("Our licensee in Vietnam still hasn't paid. What now?", ["Vietnam"]),
        ("Can I send it on Plimtalk, or is that banned?", ["Plimtalk"]),
        ("Does the Tesla patent licence allow sublicensing?", ["Tesla"]),
        ("What royalty does the Panasonic battery licence set?", ["Panasonic"]),
        ("Our licensee, in Vietnam, is late.", ["Vietnam"]),
    ],
)
def test_a_name_the_question_does_not_explain_stays(question, names):
    """It may be what the question is about: read without it, the question would match any licence.
    A named licence, patent or lawsuit is such a thing."""
    assert without_unknown_names(question, names, known) == question


def test_names_a_document_holds_are_kept():
    question = "Does the Corvane IP Office (Stuttgart) handle Germany too?"
    assert without_unknown_names(question, ["Corvane", "IP", "Office", "Germany"], known) == question


def test_a_long_remark_in_brackets_is_not_taken_for_a_kind():
    question = "We met Qilin (they were very friendly to us) at the fair."
    assert without_unknown_names(question, ["Qilin"], known) == question


def test_the_names_read_as_their_kind_are_the_ones_left_out():
    question = "Can Lurvik staff at the Zarnovia plant use Corvane tools?"
    read = without_unknown_names(question, ["Lurvik", "Zarnovia", "Corvane"], known)
    assert left_out(question, read, ["Lurvik", "Zarnovia", "Corvane"]) == ("Zarnovia",)
