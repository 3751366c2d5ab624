"""Which questions ask how a rule changed, and which sections record a document's changes."""
from __future__ import annotations

import pytest

from assistant.change_history import asks_about_change, records_change


@pytest.mark.parametrize(
    "question",
    [
        "Was it always 60 days?",
        "has it always been that tight?",
        "What did the old policy say?",
        "Did the grant reward change this year?",
        "What has changed in the trade secret policy?",
        "How much was the reward under the previous version?",
        "What was the deadline before the update?",
    ],
)
def test_questions_about_an_earlier_rule_ask_about_change(question):
    assert asks_about_change(question)


@pytest.mark.parametrize(
    "question",
    [
        "How long does the IP Committee have to decide?",
        "Can I change the licence of a library I use?",
        "Who owns my invention if my role has changed since?",
        "Did the licensee change the product?",
        "Who always owns a service invention?",
        "What is the grant reward for a utility model?",
    ],
)
def test_questions_about_the_rule_in_force_do_not(question):
    assert not asks_about_change(question)


@pytest.mark.parametrize("section, expected", [
    ("18. Revision History", True),
    ("Change log", True),
    ("Document history", True),
    ("Amendments", True),
    ("9. Evaluation and Decision", False),
    ("14.1 Duty to report changes within 24 hours", False),
])
def test_the_record_of_changes_is_known_by_its_heading(section, expected):
    assert records_change(section) is expected
