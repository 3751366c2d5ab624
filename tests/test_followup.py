"""Follow-ups are searched together with the question they follow; new questions are not."""
from __future__ import annotations

import pytest

from assistant.followup import HistoryError, Turn, added_words, needs_context, parse_history, standalone_question

HISTORY = [
    Turn("user", "How much is the reward when my invention patent is granted?"),
    Turn("assistant", "CNY 6,000 per invention patent [1]"),
]


@pytest.mark.parametrize(
    "question",
    [
        "And for a utility model?", "What about design patents?", "Who do I send it to?", "And in Germany?",
        "How long for that?", "And how long do I have?", "And what if it is my own hobby project?",
        "What's the window for a Japanese one?",
    ],
)
def test_a_followup_is_joined_to_the_previous_question(question):
    assert standalone_question(HISTORY, question) == f"{HISTORY[0].content} {question}"


@pytest.mark.parametrize("question", ["Can I put our code on GitHub?", "What is the deadline to disclose an invention to the IP Office?"])
def test_a_new_question_is_searched_as_typed(question):
    assert not needs_context(question)
    assert standalone_question(HISTORY, question) == question


@pytest.mark.parametrize("question", ["And where can I park my car?", "And what is on the canteen menu today?", "But can I sell my own patent to a competitor?"])
def test_a_complete_question_after_and_changes_the_subject(question):
    assert standalone_question(HISTORY, question) == question


def test_without_history_the_question_is_unchanged():
    assert standalone_question([], "And for a utility model?") == "And for a utility model?"


def test_a_chain_of_followups_keeps_the_first_subject():
    history = HISTORY + [Turn("user", "And for a utility model?"), Turn("assistant", "CNY 2,000 [1]")]
    assert standalone_question(history, "When is it paid?").startswith(HISTORY[0].content + " And for a utility model?")


@pytest.mark.parametrize("data", [{}, [{"role": "system", "content": "x"}], [{"role": "user"}], ["hello"]])
def test_a_malformed_history_is_refused(data):
    with pytest.raises(HistoryError):
        parse_history(data)


def test_a_followup_adds_only_the_words_the_earlier_question_lacks():
    history = [Turn("user", "When do we have to enter national phase after a PCT filing?"), Turn("assistant", "30 months [1]")]
    assert added_words(history, "And for Korea?") == ["korea"]
    assert added_words(history, "And the national phase for Korea?") == ["korea"]


def test_words_that_steer_the_conversation_are_not_what_a_followup_adds():
    """"too" is rare in policies, but no passage is about it."""
    history = [Turn("user", "If they enforce my non-compete, how much do they have to pay me?")]
    assert added_words(history, "does that apply for the Stuttgart people too?") == ["appli", "stuttgart"]
    assert added_words(history, "ok and how long does that usually take?") == ["take"]


def test_a_question_that_stands_alone_adds_no_followup_words():
    assert added_words(HISTORY, "Can I put our code on GitHub?") == []
    assert added_words([], "And for Korea?") == []


@pytest.mark.parametrize(
    "text, held",
    [("Republic of Korea | Notes: Usually 31-month deadline", True), ("Most PCT states require national phase entry at 30 months", False), ("", False)],
)
def test_a_text_holds_an_added_word_by_its_index_token(text, held):
    from assistant.lexical import holds_any

    assert holds_any(text, ("korea",)) is held


def test_no_added_words_are_held_by_any_text():
    from assistant.lexical import holds_any

    assert holds_any("Republic of Korea", ()) is False
