"""The evaluation rules: what counts as a hit, how scores are computed."""
from __future__ import annotations

import json

import pytest

from assistant.evaluation import EvalReport, QuestionResult, is_hit, read_gold
from assistant.schema import Citation


def cite(source, page, page_end=None, section=""):
    return Citation(1, source, "t", page, page_end if page_end is not None else page, section, "x", 0.0)


@pytest.mark.parametrize(
    "citation, hit",
    [
        (cite("policies/a.pdf", 2, 3), True),
        (cite("policies/a.pdf", 4, 5), False),
        (cite("policies/b.pdf", 3), False),
        (cite("other/a.pdf", 3), False),
    ],
)
def test_hit_needs_the_gold_source_and_a_covered_page(citation, hit):
    assert is_hit(citation, [{"source": "policies/a.pdf", "pages": [3]}]) is hit


def test_bare_file_names_match_any_folder():
    assert is_hit(cite("pdf/Contract.pdf", 1), [{"source": "Contract.pdf", "pages": [1]}])


def test_markdown_gold_matches_by_section():
    gold = [{"source": "lectures/l.md", "pages": [], "section": "Patent pools"}]
    assert is_hit(cite("lectures/l.md", None, None, "Part 2 > Patent pools"), gold)
    assert not is_hit(cite("lectures/l.md", None, None, "Early warning"), gold)


def test_scores():
    report = EvalReport(k=5, results=[
        QuestionResult("a", "x", True, True, 1, 0.1),
        QuestionResult("b", "x", True, True, 2, 0.1),
        QuestionResult("c", "x", True, False, None, 0.1),
        QuestionResult("d", "oos", False, False, None, 0.1),
        QuestionResult("e", "oos", False, True, None, 0.1),
    ])
    data = report.to_json()
    assert data["hit_at_1"] == pytest.approx(1 / 3, abs=1e-3)
    assert data["hit_at_k"] == pytest.approx(2 / 3, abs=1e-3)
    assert data["mrr"] == pytest.approx(0.5, abs=1e-3)
    assert data["refusal_accuracy"] == 0.5
    assert data["by_category"]["x"]["questions"] == 3


def test_gold_file_format_errors_name_the_line(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps({"question": "q", "gold": []}) + "\n{broken\n")
    with pytest.raises(ValueError, match="line 2"):
        read_gold(path)


def test_sample_gold_file_is_valid():
    from assistant.config import PROJECT_ROOT

    questions = read_gold(PROJECT_ROOT / "eval" / "corpus-questions.jsonl")
    assert sum(q.answerable for q in questions) >= 30
    assert sum(not q.answerable for q in questions) >= 5
    for question in questions:
        for entry in question.gold:
            assert (PROJECT_ROOT / "corpus" / entry["source"]).is_file()


def test_facts_need_every_group_and_any_alternative():
    from assistant.evaluation import holds_facts

    facts = (("24 hours",), ("IP Office", "Legal & IP"))
    assert holds_facts("Forward it to the ip office within 24  hours. [1]", facts)
    assert not holds_facts("Forward it within 24 hours. [1]", facts)


@pytest.mark.parametrize(
    "answer, fragment",
    [
        ("The Company owns it. [1]", False),
        ("The Company owns it. [1] which is paid later. [2]", True),
        ("- a bullet copied as it stands [1]", True),
        ("3.2 Deadline and form The employee must [1]", True),
    ],
)
def test_fragment_detection_reads_each_cited_piece(answer, fragment):
    from assistant.evaluation import has_fragment

    assert has_fragment(answer) is fragment


def test_fact_recall_and_fragment_rate_are_reported(tmp_path):
    from assistant.evaluation import EvalReport, QuestionResult

    report = EvalReport(k=5)
    report.results = [
        QuestionResult("a", "c", True, True, 1, 0.1, doc_rank=1, has_facts=True, facts_found=True),
        QuestionResult("b", "c", True, True, None, 0.1, doc_rank=2, has_facts=True, facts_found=False, fragment=True),
    ]
    data = report.to_json()
    assert data["fact_recall"] == 0.5 and data["fragment_rate"] == 0.5
    assert data["document_hit_at_k"] == 1.0 and data["hit_at_k"] == 0.5
    assert data["facts_missed"] == ["b"] and data["fragments"] == ["b"]
