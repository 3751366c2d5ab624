"""The checkable facts of a generated sentence, matched however the passage writes them."""
from __future__ import annotations

import pytest

from assistant.facts import extract_facts, unsupported_facts


@pytest.mark.parametrize(
    "sentence, passage",
    [
        ("Report it within 30 days [1].", "Inventions must be reported within thirty (30) days of conception."),
        ("The award is €1000.", "Each inventor receives an award of EUR 1,000 on filing."),
        ("The award is EUR 2,000,000.", "The pool is capped at EUR 2 million per year."),
        ("Royalties are 2.5 percent.", "A royalty of 2.5% of net sales is paid."),
        ("It applies from March 1, 2025.", "This policy is effective 1 March 2025."),
        ("It applies from 1 March.", "This policy is effective 1 March 2025."),
        ("Use form ip-7 to report it.", "Complete Form IP-7 and send it to the IP office."),
        ("Version 2.0 replaced it.", "Version 2.0 of this policy replaces version 1.3."),
        ("The review takes ten working days.", "The office reviews each request within 10 business days."),
        ("The licence lasts one year.", "The licence runs for a period of 1 year."),
    ],
)
def test_a_fact_written_another_way_is_found(sentence, passage):
    assert unsupported_facts(sentence, [passage]) == []


@pytest.mark.parametrize(
    "sentence, passage, missing",
    [
        ("Report it within 60 days.", "Inventions must be reported within thirty (30) days.", "60 days"),
        ("Report it within 30 months.", "Inventions must be reported within thirty (30) days.", "30 months"),
        ("The award is $1,000.", "Each inventor receives an award of EUR 1,000.", "$1,000"),
        ("The award is EUR 5,000.", "Each inventor receives an award of EUR 1,000.", "EUR 5,000"),
        ("Royalties are 25%.", "A royalty of 2.5% of net sales is paid.", "25%"),
        ("It applies from 1 April 2025.", "This policy is effective 1 March 2025.", "1 April 2025"),
        ("It applies from 1 March 2026.", "This policy is effective 1 March 2025.", "1 March 2026"),
        ("Use Form IP-9 to report it.", "Complete Form IP-7 and send it to the IP office.", "IP-9"),
        ("Section 7.3 says so.", "Section 4.2 covers ownership.", "7.3"),
        ("The office replies in ten working days.", "The office replies in 10 calendar days.", "10 working days"),
    ],
)
def test_a_fact_the_passage_does_not_state_is_listed(sentence, passage, missing):
    assert [str(f) for f in unsupported_facts(sentence, [passage])] == [missing]


def test_citation_markers_are_not_facts():
    assert extract_facts("Employees own nothing they invent at work [1][2]. [3]") == []


@pytest.mark.parametrize("sentence", ["No one may publish it.", "One of the inventors must sign.", "Tell someone."])
def test_one_as_a_pronoun_is_not_a_number(sentence):
    assert extract_facts(sentence) == []


def test_any_cited_passage_may_state_the_fact():
    passages = ["Inventions must be reported within 30 days.", "The award is EUR 1,000."]
    assert unsupported_facts("Report within 30 days to receive EUR 1,000.", passages) == []
