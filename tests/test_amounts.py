"""Amounts of money a question states, and the bands of a rule that hold them."""
from __future__ import annotations

import math

import pytest

from assistant.amounts import Band, asked_amounts, holds_band_of

ROWS = {
    "general counsel": "Up to CNY 1,000,000 | Who approves and signs: General Counsel",
    "cfo": "Above CNY 1,000,000 up to CNY 10,000,000 | Who approves and signs: CFO and General Counsel jointly",
    "ceo": "Above CNY 10,000,000 | Who approves and signs: CEO, after approval by the Board of Directors",
}


@pytest.mark.parametrize(
    "question, bands",
    [
        ("Who signs a licence deal worth more than 10 million?", [Band(1e7, math.inf)]),
        ("Who signs off on a deal worth about 4 million RMB?", [Band(4e6, 4e6)]),
        ("The agency quote is about RMB 450k in total.", [Band(4.5e5, 4.5e5)]),
        ("Is anything under EUR 2.5m exempt?", [Band(0.0, 2.5e6)]),
        ("Do I have 12 months, or 30 days?", []),
    ],
)
def test_the_amounts_a_question_states_with_their_direction(question, bands):
    assert asked_amounts(question) == bands


@pytest.mark.parametrize(
    "question, row",
    [
        ("Who signs a deal worth more than 10 million?", "ceo"),
        ("Who signs a deal worth about 4 million RMB?", "cfo"),
        ("Who signs a deal of CNY 10,000,000 exactly?", "cfo"),
        ("Who signs a deal worth RMB 450k?", "general counsel"),
    ],
)
def test_only_the_band_that_holds_the_amount_matches(question, row):
    asked = asked_amounts(question)
    assert [name for name, text in ROWS.items() if holds_band_of(text, asked)] == [row]


def test_an_upper_bound_after_not_closes_the_band_before_it():
    """"above CNY 1 million and not above CNY 10 million" is one band, not two open ones."""
    text = "The CFO and the General Counsel jointly, because the deal value is above CNY 1 million and not above CNY 10 million."
    assert holds_band_of(text, asked_amounts("worth 4 million RMB"))
    assert not holds_band_of(text, asked_amounts("worth more than 10 million"))


def test_a_plain_amount_is_no_band():
    assert not holds_band_of("Statutory damages of CNY 30,000 to CNY 5,000,000 may be awarded.", asked_amounts("CNY 30,000"))


def test_a_band_for_other_amounts_excludes_the_amount_asked():
    from assistant.amounts import excludes

    asked = asked_amounts("a deal worth 25 million RMB")
    assert excludes(ROWS["cfo"], asked)
    assert not excludes(ROWS["ceo"], asked)
    assert not excludes("Licences are signed by the General Counsel.", asked)  # no band: no verdict
