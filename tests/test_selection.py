"""Choosing the answer: the unit that states the rule, its company, and what stays out."""
from __future__ import annotations

from assistant.amounts import asked_amounts
from assistant.answer import AnswerComposer, Asked, ScoredUnit, SelectionPolicy
from assistant.schema import Passage
from assistant.units import Unit


def passage(source="a.pdf", status="current", doc_type="policy", page=1) -> Passage:
    return Passage(id=source + str(page), text="", source=source, title="T", section="", page=page, page_end=page, doc_type=doc_type, version="1", status=status)


def unit(text: str, kind: str = "sentence", position: int = 0) -> Unit:
    return Unit((text,), kind, text, position)


def select(scored, passages, **policy):
    return AnswerComposer(None, "Legal", policy=SelectionPolicy(**policy)).select(scored, passages, True)


def test_the_best_unit_leads_and_close_ones_join_in_document_order():
    passages = [passage()]
    scored = [ScoredUnit(unit("B later.", position=2), 1, 3.0), ScoredUnit(unit("A first.", position=1), 1, 4.0), ScoredUnit(unit("C far.", position=3), 1, -5.0)]
    selection = select(scored, passages)
    assert selection.best.unit.text == "A first."
    assert [s.unit.text for s in selection.units] == ["A first.", "B later."]


def test_a_rule_keeps_its_examples_out():
    scored = [ScoredUnit(unit("The Company owns it."), 1, 3.0), ScoredUnit(unit("Li Na's tray is owned by the Company.", "example", 1), 1, 3.5)]
    selection = select(scored, [passage()])
    assert [s.unit.kind for s in selection.units] == ["sentence"]


def test_a_current_rule_keeps_superseded_versions_out():
    passages = [passage("v2.pdf", status="superseded"), passage("v3.pdf")]
    scored = [ScoredUnit(unit("Old: 60 days."), 1, 9.0), ScoredUnit(unit("New: 30 days."), 2, 0.5)]
    assert [s.unit.text for s in select(scored, passages).units] == ["New: 30 days."]


def test_a_superseded_version_answers_when_nothing_current_is_relevant():
    passages = [passage("v2.pdf", status="superseded"), passage("v3.pdf")]
    scored = [ScoredUnit(unit("Old: 60 days."), 1, 5.0), ScoredUnit(unit("Unrelated."), 2, -3.0)]
    assert select(scored, passages).best.unit.text == "Old: 60 days."


def test_units_from_another_document_do_not_join_the_answer():
    passages = [passage("a.pdf"), passage("b.pdf")]
    scored = [ScoredUnit(unit("From A."), 1, 4.0), ScoredUnit(unit("From B."), 2, 4.0)]
    assert [s.unit.text for s in select(scored, passages, passage_prior=0.0).units] == ["From A."]


def test_at_most_max_units():
    scored = [ScoredUnit(unit(f"Rule {i}.", position=i), 1, 5.0) for i in range(6)]
    assert len(select(scored, [passage()], max_units=2).units) == 2


def test_a_unit_naming_the_kind_of_a_named_product_wins():
    passages = [passage()]
    scored = [ScoredUnit(unit("Code must never go to public AI chat services."), 1, -1.0), ScoredUnit(unit("Consumer messaging apps must not be used to send data."), 1, -2.5)]
    selection = AnswerComposer(None, "Legal").select(scored, passages, True, Asked(kinds=("consumer messaging app",)))
    assert selection.best.unit.text.startswith("Consumer messaging apps")


def test_nothing_to_choose_from_gives_an_empty_selection():
    selection = select([], [passage()])
    assert selection.units == [] and selection.best is None


def test_a_question_naming_a_document_is_answered_from_it():
    passages = [passage("other-contract.pdf"), passage("named-contract.pdf")]
    passages[1].named = True
    scored = [ScoredUnit(unit("Other: audits once a year."), 1, 2.0), ScoredUnit(unit("Named: audits once per Calendar Year."), 2, -1.0)]
    assert [s.unit.text for s in select(scored, passages).units] == ["Named: audits once per Calendar Year."]


def test_a_unit_holding_the_word_a_follow_up_adds_wins():
    """"And if it's only rated medium?" after a question about critical findings: the medium row
    states the changed case, though the earlier question's words score the critical row higher."""
    passages = [passage()]
    scored = [ScoredUnit(unit("Critical | Deadline: 15 calendar days", "row"), 1, 1.0), ScoredUnit(unit("Medium | Deadline: 90 calendar days", "row", 2), 1, -2.0)]
    selection = AnswerComposer(None, "Legal").select(scored, passages, True, Asked(added=("medium",)))
    assert selection.best.unit.text.startswith("Medium")


def test_without_a_follow_up_the_better_scored_unit_wins():
    passages = [passage()]
    scored = [ScoredUnit(unit("Critical | Deadline: 15 calendar days", "row"), 1, 1.0), ScoredUnit(unit("Medium | Deadline: 90 calendar days", "row", 2), 1, -2.0)]
    selection = AnswerComposer(None, "Legal").select(scored, passages, True)
    assert selection.best.unit.text.startswith("Critical")


def test_a_question_about_what_changed_is_answered_by_the_record_of_changes():
    """"Was it always 60 days?": today's rule shares more of the question's words, the revision
    history states the change (Passage.records_change, set only for such questions)."""
    rule, history = passage(page=4), passage(page=9)
    history.records_change = True
    scored = [
        ScoredUnit(unit("The IP Committee decides within 60 days."), 1, 3.0),
        ScoredUnit(unit("3.0 | Changes: decision period shortened from 90 to 60 days.", "row", 5), 2, 0.0),
    ]
    assert select(scored, [rule, history]).best.unit.text.startswith("3.0")
    history.records_change = False
    assert select(scored, [rule, history]).best.unit.text.startswith("The IP Committee")


def test_a_unit_whose_band_holds_the_amount_asked_wins():
    """"And if it's more than 10 million?": the neighbouring band shares the question's words."""
    passages = [passage()]
    scored = [
        ScoredUnit(unit("Above CNY 1,000,000 up to CNY 10,000,000 | Signs: CFO and General Counsel", "row"), 1, 3.0),
        ScoredUnit(unit("Above CNY 10,000,000 | Signs: CEO, after approval by the Board", "row", 2), 1, 1.0),
    ]
    asked = Asked(amounts=tuple(asked_amounts("worth more than 10 million?")))
    assert AnswerComposer(None, "Legal").select(scored, passages, True, asked).best.unit.text.startswith("Above CNY 10,000,000")
    assert AnswerComposer(None, "Legal").select(scored, passages, True).best.unit.text.startswith("Above CNY 1,000,000")


def test_the_band_for_another_amount_does_not_join_the_answer():
    passages = [passage()]
    scored = [
        ScoredUnit(unit("Above CNY 10,000,000 | Signs: CEO, after approval by the Board", "row"), 1, 3.0),
        ScoredUnit(unit("Above CNY 1,000,000 up to CNY 10,000,000 | Signs: CFO and General Counsel", "row", 2), 1, 2.5),
    ]
    asked = Asked(amounts=tuple(asked_amounts("worth 25 million?")))
    selection = AnswerComposer(None, "Legal").select(scored, passages, True, asked)
    assert [s.unit.text[:20] for s in selection.units] == ["Above CNY 10,000,000"]
    assert len(AnswerComposer(None, "Legal").select(scored, passages, True).units) == 2


def test_a_policy_unit_outranks_a_lecture_unit_unless_the_lecture_scores_clearly_higher():
    """The lectures defer to the policies on amounts and procedures: a lecture's unit must beat the
    policy's by more than ``lecture_penalty`` (1.5 logits) to be the answer."""
    passages = [passage("lecture.md", doc_type="lecture"), passage("policy.pdf")]
    statute = unit("The statutory minimum is CNY 1,500 for a utility model.")
    policy = unit("Utility model granted | Reward: CNY 2,000")
    close = [ScoredUnit(statute, 1, 2.0), ScoredUnit(policy, 2, 1.0)]
    assert select(close, passages, passage_prior=0.0).best.unit is policy
    clear = [ScoredUnit(statute, 1, 2.6), ScoredUnit(policy, 2, 1.0)]
    assert select(clear, passages, passage_prior=0.0).best.unit is statute
    assert SelectionPolicy().lecture_penalty == 1.5
