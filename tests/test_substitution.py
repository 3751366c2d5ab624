"""A follow-up that names another place, level or amount asks the previous question about it."""
from __future__ import annotations

import pytest

from assistant.followup import Turn, standalone_question, swapped_words
from assistant.substitution import forms_of, mentions, substitute


@pytest.mark.parametrize(
    "previous, followup, swapped",
    [
        ("Can we still oppose a European patent granted 7 months ago?", "What's the window for a Japanese one?",
         "Can we still oppose a Japanese patent granted 7 months ago?"),
        ("How much can damages go up in China if it was wilful?", "and over in the States?",
         "How much can damages go up in the States if it was wilful?"),
        ("Can a co-owner of our Chinese patents license them without asking us?", "Is it the same in the US?",
         "Can a co-owner of our US patents license them without asking us?"),
        ("What is the deadline to fix a critical CVE?", "and if it's only rated medium?",
         "What is the deadline to fix a medium CVE?"),
        ("Who signs off on a licence worth about 4 million RMB?", "and if it's more than 10 million?",
         "Who signs off on a licence worth more than 10 million?"),
        ("Can we oppose a patent granted 7 months ago?", "and 10 months ago?", "Can we oppose a patent granted 10 months ago?"),
    ],
)
def test_the_previous_question_is_asked_with_the_new_term(previous, followup, swapped):
    assert substitute(previous, followup) == swapped


@pytest.mark.parametrize(
    "previous, followup",
    [
        ("What is the PCT deadline for China and the US?", "and Japan?"),  # two places before: which one?
        ("What is the deadline in Japan?", "and for a utility model?"),  # nothing of the same kind
        ("What is the deadline in Japan?", "and in Japan and Korea?"),  # two places after
        ("What is the deadline for Japanese patents?", "and in Japan?"),  # the same place in another form
        ("How long do we have to answer a lawsuit in Germany?", "and an ITC 337 complaint?"),
    ],
)
def test_nothing_is_swapped_without_one_term_for_one_other(previous, followup):
    assert substitute(previous, followup) is None


def test_us_the_pronoun_is_not_the_united_states():
    assert [m.value for m in mentions("Can they sue us in China?")] == ["china"]


def test_a_swapped_place_is_recognised_in_all_its_one_word_forms():
    assert forms_of("and in the US?", "What is the deadline in China?") == ["US", "U.S.", "USA", "America", "American", "USPTO"]


def test_the_standalone_followup_carries_the_swap():
    history = [Turn("user", "Can we still oppose a European patent granted 7 months ago?"), Turn("assistant", "No [1]")]
    question = "What's the window for a Japanese one?"
    assert standalone_question(history, question) == f"Can we still oppose a Japanese patent granted 7 months ago? {question}"
    assert swapped_words(history, question) == ["japan", "japanes", "jpo"]


def test_a_question_that_stands_alone_swaps_nothing():
    history = [Turn("user", "What is the deadline to oppose a European patent?")]
    assert swapped_words(history, "Who owns an invention I made at home in Japan on my own laptop?") == []
