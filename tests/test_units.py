"""Answer units: whole sentences, items with their lead-in, table rows, FAQ answers, examples."""
from __future__ import annotations

import pytest

from assistant.units import list_lead_in_tail, opens_inside_list, split_sentences, split_units, starts_mid_sentence


def kinds(text: str, section: str = "") -> list[tuple[str, str]]:
    return [(u.kind, u.text) for u in split_units(text, section)]


def test_wrapped_pdf_lines_make_whole_sentences():
    text = "The employee must disclose the invention within 30 days of\nconception. The IP Office acknowledges it within 5 working\ndays."
    assert kinds(text) == [
        ("sentence", "The employee must disclose the invention within 30 days of conception."),
        ("sentence", "The IP Office acknowledges it within 5 working days."),
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("See Art. 6 of the law. It applies.", ["See Art. 6 of the law.", "It applies."]),
        ("Filed under No. 5 of 2020. Done here.", ["Filed under No. 5 of 2020.", "Done here."]),
        ("No. Forward it within 24 hours.", ["No.", "Forward it within 24 hours."]),
        ("Use e.g. Form IP-01 now. Then wait.", ["Use e.g. Form IP-01 now.", "Then wait."]),
        ("Corvane Co., Ltd. owns it. Yes.", ["Corvane Co., Ltd. owns it.", "Yes."]),
    ],
)
def test_abbreviations_do_not_end_a_sentence(text, expected):
    assert split_sentences(text) == expected


def test_list_items_carry_their_lead_in():
    text = "The following rules apply:\n- Company code must never be pasted into public AI chat services;\n- commit messages must state AI use."
    units = split_units(text)
    assert [u.kind for u in units] == ["item", "item"]  # the lead-in is no answer on its own
    assert units[0].parts == ("The following rules apply:", "Company code must never be pasted into public AI chat services;")
    assert units[1].lead_in == "The following rules apply:"


def test_a_table_row_carries_the_sentence_that_introduces_the_table():
    text = "Vulnerabilities must be fixed within the following deadlines:\nCritical (9.0 - 10.0) | Deadline: 15 calendar days"
    (unit,) = split_units(text)
    assert unit.kind == "row"
    assert unit.parts == ("Vulnerabilities must be fixed within the following deadlines:", "Critical (9.0 - 10.0) | Deadline: 15 calendar days")


def test_a_question_of_two_sentences_is_matched_not_shown():
    (unit,) = split_units("I am leaving Corvane. Do I still receive remuneration? Yes, for as long as the patent is in force.")
    assert unit.kind == "faq"
    assert unit.text == "Yes, for as long as the patent is in force."
    assert unit.match.startswith("I am leaving Corvane. Do I still receive remuneration?")


def test_in_an_faq_the_statement_opening_a_question_is_part_of_the_question():
    text = "A European patent was granted 10 months ago. Can we still oppose it? No, the period is 9 months."
    (unit,) = split_units(text, "14. Frequently Asked Questions")
    assert unit.kind == "faq" and unit.text == "No, the period is 9 months."
    assert unit.match.startswith("A European patent was granted 10 months ago.")


def test_outside_an_faq_a_statement_before_a_question_stays_a_sentence():
    text = "A European patent was granted 10 months ago. Can we still oppose it? No, the period is 9 months."
    assert ("sentence", "A European patent was granted 10 months ago.") in kinds(text)


def test_a_documents_front_matter_is_not_an_answer_unit():
    text = "Trade Secret Protection Policy Corvane Rare Earth Materials Co., Ltd. Document ID: POL-IP-004 Version: 1.3 Effective: 2024-05-15 Status: Current Owner: Legal & IP Department"
    assert split_units(text) == []


def test_a_sentence_naming_one_field_is_still_a_unit():
    text = "Version 2.0 of this policy stays in force for grants announced before the change. Status: the decision is final."
    assert [u.text for u in split_units(text)] == [
        "Version 2.0 of this policy stays in force for grants announced before the change.",
        "Status: the decision is final.",
    ]


def test_a_table_row_is_one_unit():
    text = "Reward on grant of an invention patent | Amount or rate: CNY 6,000 per patent | When paid: Within 3 months"
    assert kinds(text) == [("row", text)]


def test_an_faq_answer_is_shown_without_its_question_but_matched_with_it():
    text = "Q1. I received a warning letter on Friday. Can it wait until Monday? No.\nForward it to the IP Office within 24 hours."
    (unit,) = split_units(text)
    assert unit.kind == "faq"
    assert unit.text == "Forward it to the IP Office within 24 hours."
    assert "Can it wait until Monday?" in unit.match and "Can it wait" not in unit.text


def test_an_faq_heading_that_asks_is_the_question_of_the_next_answer():
    text = "17.3 How much do I receive if my invention patent is granted?\nCNY 6,000 per invention patent, paid within 3 months."
    (unit,) = split_units(text)
    assert unit.kind == "faq" and unit.text.startswith("CNY 6,000")


def test_examples_are_marked_as_examples():
    text = "An invention made at night is a service invention.\nExample 1: Li Na designs a tray at night. This is a service invention."
    assert [k for k, _ in kinds(text)] == ["sentence", "example", "example"]


def test_sentences_under_an_example_heading_are_examples():
    assert [k for k, _ in kinds("Wang works nights. He invents a ramp.", "Slide 6 - Worked Examples > Example 1")] == ["example", "example"]


@pytest.mark.parametrize(
    "text",
    [
        "17. Frequently Asked Questions",
        "Discussion: How should the sales engineer respond, and why?",
        "1. Should Corvane join the pool? Who would be the licensors?",
    ],
)
def test_headings_and_questions_are_never_units(text):
    assert split_units(text) == []


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("which the Company owns.", True),
        ("- a bullet marker", True),
        ("3.2 Deadline and form The employee", True),
        ("The Company owns it.", False),
        ("CNY 6,000 per patent.", False),
    ],
)
def test_fragments_are_recognised(text, fragment):
    assert starts_mid_sentence(text) is fragment


def test_a_unit_is_read_under_the_title_of_the_heading_above_it():
    text = "4.2 What employees must not do\n- Do not reply to the sender.\n4.3 Keeping records\nKeep the envelope and every attachment."
    units = split_units(text, "4. The First 24 Hours > 4.1 Forwarding")
    assert [u.read_as for u in units] == [
        "What employees must not do: Do not reply to the sender.",
        "Keeping records: Keep the envelope and every attachment.",
    ]
    assert [u.text for u in units] == ["Do not reply to the sender.", "Keep the envelope and every attachment."]  # shown without it


def test_a_passage_that_starts_under_a_heading_reads_its_units_under_the_section_title():
    units = split_units("USB storage ports on Company computers are blocked by default.", "10. Storage > 10.1 USB and removable media")
    assert units[0].read_as == "USB and removable media: USB storage ports on Company computers are blocked by default."


def test_an_faq_answer_reads_with_its_question_not_with_the_faq_title():
    text = "17. Frequently Asked Questions\nQ1. Can a warning letter wait until Monday? No. Forward it within 24 hours."
    units = split_units(text, "17. Frequently Asked Questions")
    assert [(u.kind, u.read_as) for u in units] == [("faq", "Q1. Can a warning letter wait until Monday? Forward it within 24 hours.")]


@pytest.mark.parametrize(
    "heading, title",
    [("4.2 What employees must not do", "What employees must not do"), ("Article 5 Term of Agreement", "Term of Agreement"),
     ("## Service inventions", "Service inventions"), ("17. Frequently Asked Questions", "")],
)
def test_heading_title_drops_the_number_and_says_nothing_for_an_faq(heading, title):
    from assistant.units import heading_title

    assert heading_title(heading) == title


def test_running_text_after_a_list_item_is_not_part_of_the_item():
    text = (
        "Customers may request an SBOM:\n- customers who request an SBOM may receive it only through the sales\n"
        " manager after OSPO review.\nCustomers in the EU increasingly expect SBOMs because of the\nCyber Resilience Act."
    )
    assert kinds(text) == [
        ("item", "Customers may request an SBOM: customers who request an SBOM may receive it only through the sales manager after OSPO review."),
        ("sentence", "Customers in the EU increasingly expect SBOMs because of the Cyber Resilience Act."),
    ]


def test_a_list_item_wrapped_onto_an_unindented_line_stays_one_item():
    text = "The policy covers this software:\n- magnet-design tools, including solvers,\ndemagnetisation calculators and\nmagnet proposals;"
    assert kinds(text) == [("item", "The policy covers this software: magnet-design tools, including solvers, demagnetisation calculators and magnet proposals;")]


@pytest.mark.parametrize(
    "text, starts_inside",
    [
        ("- customers may receive it only through sales.\nMore text.", True),
        (" - the SBOM must be approved by OSPO;\n manager review.", True),
        ("The following rules apply:\n- the SBOM must be stored;", False),
        ("Customers in the EU expect SBOMs.", False),
    ],
)
def test_a_passage_opening_with_a_list_item_starts_inside_a_list(text, starts_inside):
    assert opens_inside_list(text) is starts_inside


def test_the_tail_a_passage_inside_a_list_needs_is_the_lead_in_and_the_items_after_it():
    before = "Every product must have an SBOM.\nThe following rules apply:\n- the SBOM must be stored;\n- it must be generated"
    assert list_lead_in_tail(before) == "The following rules apply:\n- the SBOM must be stored;\n- it must be generated"


@pytest.mark.parametrize(
    "before",
    [
        "The following rules apply:\n- the SBOM must be stored.\nAfter the list comes running text.",  # the list ended
        "Every product must have an SBOM. It is stored in the repository.",  # no list at all
    ],
)
def test_a_text_that_does_not_end_in_an_introduced_list_lends_no_lead_in(before):
    assert list_lead_in_tail(before) == ""
