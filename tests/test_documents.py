"""Which documents a question names: distinctive words, and phrases of common words."""
from __future__ import annotations

import pytest

from assistant.documents import DocumentDirectory
from assistant.lexical import LexicalIndex
from assistant.store import DocumentRecord

# Eight contracts whose titles share the common words "Global", "Data", "Technologies", "Group".
TITLES = {
    "globaltech.pdf": "Global Technologies Group Inc Content License Agreement",
    "datacall.pdf": "Data Call Technologies Content License Agreement",
    "globalmusic.pdf": "Global Music International Distribution Agreement",
    "globaldata.pdf": "Global Data Systems License Agreement",
    "datatech.pdf": "Data Technologies Group Services Agreement",
    "globalgroup.pdf": "Global Group Holdings Supply Agreement",
    "calltech.pdf": "Call Center Technologies Outsourcing Agreement",
    "acme.pdf": "Acme Robotics Patent License Agreement",
}


def directory() -> DocumentDirectory:
    records = {
        source: DocumentRecord(source, "0" * 64, title, "contract", "", "", "current", 1)
        for source, title in TITLES.items()
    }
    sources = list(TITLES)
    lexical = LexicalIndex.build(sources, [TITLES[s] for s in sources], "test", sources)
    return DocumentDirectory(records, lexical)


def test_a_phrase_of_common_words_names_the_one_document_that_goes_by_it():
    named = directory().named_in("Is the Global Technologies Group content license governed by Florida law?")
    assert named.sources == {"globaltech.pdf"}


def test_a_company_name_typed_as_two_words_names_its_document():
    named = directory().named_in("Once the deal with Data Call ends, is there a sell-off period?")
    assert named.sources == {"datacall.pdf"}


def test_common_words_in_lower_case_name_nothing():
    assert not directory().named_in("Which global technologies group the licences?").sources


def test_a_distinctive_name_still_names_its_document():
    assert directory().named_in("Who owns improvements under the Acme licence?").sources == {"acme.pdf"}


def focus(question: str) -> str:
    d = directory()
    return d.focus(question, d.named_in(question))


def test_the_focus_drops_the_name_and_the_title_words_that_follow_it_but_their_head_noun():
    assert focus("Is the Global Technologies Group content license governed by Florida law?") == "Is the license governed by Florida law?"


def test_the_focus_keeps_what_is_asked_after_a_possessive_name():
    assert focus("Must Acme's license fees be paid monthly?") == "Must license fees be paid monthly?"


def test_the_focus_keeps_title_words_away_from_the_name():
    assert focus("Under the Acme agreement, may the license be assigned?") == "Under the agreement, may the license be assigned?"


def test_the_focus_of_a_question_naming_no_document_is_the_question():
    assert focus("Which law governs the licences?") == "Which law governs the licences?"


def versioned_directory() -> DocumentDirectory:
    """One policy in two versions (2021 and 2025) beside two others, as the sample corpus holds it."""
    def record(source, title, doc_id, version, effective, status="current"):
        preamble = f"{title} Document ID: {doc_id} Version: {version} Effective: {effective} Status: {status}"
        return DocumentRecord(source, "0" * 64, title, "policy", doc_id, version, status, 1, preamble=preamble)

    records = {
        r.source: r
        for r in (
            record("inventions-v2.pdf", "Employee Inventions Policy", "POL-1", "2.0", "2021-07-01", "superseded"),
            record("inventions-v3.pdf", "Employee Inventions Policy", "POL-1", "3.0", "2025-03-01"),
            record("secrets.pdf", "Trade Secret Protection Policy", "POL-4", "1.3", "2024-05-15"),
            record("oss.pdf", "Open Source Software Policy", "POL-7", "2.0", "2025-01-10"),
        )
    }
    sources = list(records)
    lexical = LexicalIndex.build(sources, [records[s].title for s in sources], "test", sources)
    return DocumentDirectory(records, lexical)


@pytest.mark.parametrize(
    "question",
    [
        "Under the 2021 version of the inventions policy, what was the reward for a granted patent?",
        "What did version 2.0 of the inventions policy pay?",
        "What did v2 of the employee inventions policy say about deadlines?",
        "What did the previous inventions policy pay per patent?",
    ],
)
def test_a_question_asking_for_an_older_version_names_that_version_alone(question):
    named = versioned_directory().named_in(question)
    assert named.sources == {"inventions-v2.pdf"} and named.versions == {"inventions-v2.pdf"}


@pytest.mark.parametrize(
    "question",
    [
        "What is the reward for a granted patent under the inventions policy?",  # no version asked
        "In the 2025 version of the inventions policy, what is the reward?",  # the version in force
        "Under the 2021 version of the open source policy, may I use GPL code?",  # held in one version only
    ],
)
def test_no_older_version_is_asked_for(question):
    assert versioned_directory().named_in(question).versions == frozenset()
