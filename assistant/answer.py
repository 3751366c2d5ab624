"""Build an extractive, cited answer from retrieved passages, or decline.

No language model writes anything: the answer is made of sentences copied from the passages,
each followed by the number of the passage it comes from, and :func:`verify_citations` checks in
code that every sentence really stands in the passage it cites.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .loaders import heading_of
from .retrieval import Retrieval, sigmoid
from .schema import Answer, Citation, Passage

MAX_SENTENCES = 3
SENTENCE_PASSAGES = 2  # sentences are drawn from the best passages only
MAX_SCORED_SENTENCES = 16  # the cross-encoder reads at most this many (a latency bound)
_SPLIT = re.compile(r"(?<=[.!?;])\s+(?=[\"'(\[]?[A-Z0-9])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*\u2022]|\d{1,2}[.)])\s")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}")
_WS = re.compile(r"\s+")
MAX_SENTENCE_WORDS = 45
UNMATCHED_NAME_PENALTY = 2.0  # logits, when none of the names in the question is in the evidence


def normalise(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _paragraphs(text: str) -> list[str]:
    """Lines grouped into paragraphs; headings, list items and table rows stand alone."""
    groups: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        alone = heading_of(stripped) is not None or stripped.startswith("|") or _LIST_ITEM.match(line)
        if not stripped or alone:
            if current:
                groups.append(current)
            current = []
            if stripped and not heading_of(stripped) and not _TABLE_RULE.match(stripped):
                current = [stripped]
                if stripped.startswith("|"):
                    groups.append(current)
                    current = []
            continue
        current.append(stripped)
    if current:
        groups.append(current)
    return [" ".join(group) for group in groups]


def _windows(sentence: str) -> list[str]:
    """A very long 'sentence' (a table flattened by PDF extraction) cut into readable windows."""
    words = sentence.split()
    if len(words) <= MAX_SENTENCE_WORDS:
        return [sentence]
    size = MAX_SENTENCE_WORDS // 2
    return [" ".join(words[i : i + size]) for i in range(0, len(words), size)]


def split_sentences(text: str) -> list[str]:
    """Statements of a passage (not headings, not questions), with PDF line wraps undone."""
    pieces = []
    for paragraph in _paragraphs(text):
        for raw in _SPLIT.split(paragraph):
            for sentence in _windows(normalise(raw)):
                if len(sentence.split()) >= 4 and re.search(r"[a-z]", sentence) and not sentence.endswith("?"):
                    pieces.append(sentence)
    return pieces


@dataclass(frozen=True)
class ScoredSentence:
    text: str
    n: int  # number of the passage (citation) it comes from
    position: int  # order within the passage
    score: float  # cross-encoder logit, or cosine similarity without the reranker


def confidence_of(retrieval: Retrieval, sentences: list[ScoredSentence]) -> float:
    """A 0-1 score of how well the evidence answers the question.

    With the cross-encoder: the sigmoid of the best logit over the passages and their single
    sentences (ms-marco logits are relevance log-odds; a long passage that holds the answer in
    one bullet scores low as a whole, so its best sentence speaks for it). Without it: the best
    dense cosine similarity of a passage or a sentence.
    """
    if not retrieval.passages:
        return 0.0
    # Evidence that does not mention what the question names (a country, a product, a party)
    # answers a different question, however similar it reads.
    unmatched = len(retrieval.unmatched_names) / len(retrieval.names) if retrieval.names else 0.0
    if retrieval.reranked:
        best = max(p.rerank for p in retrieval.passages if p.rerank is not None)
        best = max([best] + [s.score for s in sentences])
        return sigmoid(best - UNMATCHED_NAME_PENALTY * unmatched)
    best = max((p.dense or 0.0) for p in retrieval.passages)
    return float(max([best] + [s.score for s in sentences])) * (1.0 - 0.25 * unmatched)


def verify_citations(answer_sentences: list[tuple[str, int]], citations: list[Citation]) -> list[tuple[str, int]]:
    """Keep only sentences that stand verbatim (up to whitespace) in the passage they cite."""
    by_number = {c.n: normalise(c.text) for c in citations}
    return [(s, n) for s, n in answer_sentences if n in by_number and normalise(s) in by_number[n]]


class AnswerComposer:
    """Scores the sentences of the best passages, picks those that answer, cites each one."""

    def __init__(self, embeddings, contact: str, reranker=None):
        self.embeddings = embeddings
        self.reranker = reranker
        self.contact = contact

    def refuse(self, question: str, backend: str, reason: str, confidence: float = 0.0) -> Answer:
        text = f"The documents don't cover this{reason}. Please ask {self.contact}."
        return Answer(question, text, False, backend, [], confidence)

    def score_sentences(
        self, question: str, passages: list[Passage], reranked: bool, question_vector: list[float] | None = None
    ) -> list[ScoredSentence]:
        candidates = [
            (sentence, number, position)
            for number, passage in enumerate(passages[:SENTENCE_PASSAGES], start=1)
            for position, sentence in enumerate(split_sentences(passage.text))
        ]
        candidates = sorted(candidates, key=lambda c: (c[2], c[1]))[:MAX_SCORED_SENTENCES]
        if not candidates:
            return []
        texts = [c[0] for c in candidates]
        if reranked and self.reranker is not None:
            scores = self.reranker.score(question, texts)
        else:
            vectors = np.array(self.embeddings.embed_documents(texts))
            query = question_vector if question_vector is not None else self.embeddings.embed_query(question)
            scores = list(vectors @ np.array(query))
        return [ScoredSentence(t, n, pos, float(score)) for (t, n, pos), score in zip(candidates, scores)]

    def compose(self, retrieval: Retrieval, sentences: list[ScoredSentence], backend: str, confidence: float) -> Answer:
        citations = [
            Citation(
                n=i,
                source=p.source,
                title=p.title,
                page=p.page,
                page_end=p.page_end,
                section=p.section,
                text=p.text,
                score=round(float(p.score), 4),
                version=p.version,
                superseded=p.superseded,
            )
            for i, p in enumerate(retrieval.passages, start=1)
        ]
        picked = self._pick(sentences, retrieval.reranked, citations)
        checked = verify_citations(picked, citations)
        if not checked:
            return self.refuse(retrieval.question, backend, " (no sentence in the passages found answers it)", confidence)
        parts = []
        for sentence, n in checked:
            label = " (superseded version)" if citations[n - 1].superseded else ""
            parts.append(f"{sentence} [{n}]{label}")
        return Answer(retrieval.question, " ".join(parts), True, backend, citations, confidence)

    @staticmethod
    def _pick(sentences: list[ScoredSentence], reranked: bool, citations: list[Citation]) -> list[tuple[str, int]]:
        """The best sentence, and up to two more nearly as good; read best passage first."""
        if not sentences:
            return []
        # Logits spread wider than cosines: the margin and the per-rank prior follow the scale.
        margin, prior = (2.5, 0.5) if reranked else (0.12, 0.04)
        superseded = {c.n for c in citations if c.superseded}

        def value(s: ScoredSentence) -> float:
            penalty = margin if s.n in superseded else 0.0
            return s.score + prior * (SENTENCE_PASSAGES - s.n) - penalty

        ranked = sorted(sentences, key=value, reverse=True)
        best = value(ranked[0])
        chosen: list[ScoredSentence] = []
        for sentence in ranked:
            if len(chosen) == MAX_SENTENCES or value(sentence) < best - margin:
                break
            if chosen and reranked and sentence.score < 0:  # a supporting sentence must be relevant itself
                break
            if all(sentence.text != c.text for c in chosen):
                chosen.append(sentence)
        chosen.sort(key=lambda s: (s.n, s.position))
        return [(s.text, s.n) for s in chosen]
