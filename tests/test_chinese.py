"""Issue 8 row 7: a Chinese policy (Markdown) is split into sentences on Chinese punctuation,
tokenised for BM25 by jieba, and answerable from a Chinese question, with a real store and models."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.ingest import Ingestor
from assistant.lexical import LexicalIndex, tokenize
from assistant.units import split_sentences

from .conftest import make_settings
from .robust_helpers import write_tiny_corpus

POLICY = Path(__file__).parent / "data" / "zhiwu-faming.md"


def test_chinese_text_is_cut_into_words_and_english_still_stemmed():
    tokens = tokenize(["员工在夜班期间完成的发明属于公司。Inventions belong to the company."])[0]
    assert {"员工", "夜班", "发明", "公司", "invent", "belong", "compani"} <= set(tokens)
    assert "的" not in tokens and "员工在夜班期间完成的发明属于公司" not in tokens


@pytest.mark.parametrize(
    "text, sentences",
    [
        ("第一句。第二句！第三句？", ["第一句。", "第二句！", "第三句？"]),
        ("发明人不得公开发明内容；违反的，给予处分。", ["发明人不得公开发明内容；", "违反的，给予处分。"]),
        ("申请奖金三千元。The bonus is paid. 授权奖金五千元。", ["申请奖金三千元。", "The bonus is paid.", "授权奖金五千元。"]),
    ],
)
def test_sentences_end_at_chinese_punctuation(text, sentences):
    assert split_sentences(text) == sentences


def test_bm25_finds_a_chinese_clause_by_its_words():
    texts = [
        "员工应当在发明完成之日起三十日内提交发明披露表。",
        "公司在专利申请提交后三个月内发放申请奖金。",
        "在专利申请提交之前，发明人不得公开发明内容。",
    ]
    index = LexicalIndex.build(["a", "b", "c"], texts, "x", ["s", "s", "s"])
    assert index.search("发明披露表什么时候提交？", 1)[0][0] == "a"


@pytest.fixture
def chinese_assistant(tmp_path, embeddings, reranker):
    from assistant.service import Assistant

    corpus = write_tiny_corpus(tmp_path / "corpus")
    shutil.copy(POLICY, corpus / "policies" / POLICY.name)
    settings = make_settings(tmp_path / "store", corpus=corpus)
    Ingestor(settings).run(corpus)
    return Assistant(settings, reranker=reranker)


def test_a_chinese_policy_answers_a_chinese_question(chinese_assistant):
    answer = chinese_assistant.ask("职务发明归谁所有？")
    assert answer.grounded
    assert "职务发明的专利申请权属于公司" in answer.answer
    assert answer.citations[0].source == "policies/zhiwu-faming.md"
