"""Build an extractive, cited answer from retrieved passages: choose the units that state the rule.

No language model writes anything: the answer is made of answer units (whole sentences, list items
with their lead-in, table rows with their headers, FAQ answers; see :mod:`assistant.units`) copied
from the passages, each followed by the number of the passage it comes from, and
:func:`verify_citations` checks in code that every part really stands in the passage it cites.
Whether to answer at all is not decided here but by :class:`~assistant.decline.DeclinePolicy`.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

import numpy as np

from .amounts import Band, excludes, holds_band_of
from .glossary import names_kind
from .lexical import holds_any
from .retrieval import Retrieval
from .schema import Answer, Citation, Passage
from .units import Unit, normalise, split_units

# Citation-like markers inside document text ("[3]", "[12]") would read as this product's own
# citations of another passage once copied into an answer: they are shown as "(3)".
_DOCUMENT_MARKER = re.compile(r"\[(\d{1,3})\]")


@dataclass(frozen=True)
class ScoredUnit:
    unit: Unit
    n: int  # number of the passage (citation) it comes from, 1-based
    score: float  # cross-encoder logit, or cosine similarity without the reranker


@dataclass(frozen=True)
class Selection:
    """The units an answer is made of, in document order, and the best of them."""

    units: list[ScoredUnit]
    best: ScoredUnit | None

    @property
    def quoted(self) -> set[int]:
        """The numbers of the passages the answer quotes."""
        return {s.n for s in self.units}

    def renumbered(self, numbers: dict[int, int]) -> "Selection":
        """The same units, citing passages by their numbers after a re-ranking (old -> new)."""
        def moved(scored: ScoredUnit) -> ScoredUnit:
            return replace(scored, n=numbers[scored.n])

        return Selection([moved(s) for s in self.units], moved(self.best) if self.best else None)


@dataclass(frozen=True)
class Asked:
    """What a question asks for beyond its words, which the cross-encoder does not weigh: the kinds
    of the products it names, the words a follow-up adds and the amounts of money it states."""

    kinds: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    amounts: tuple[Band, ...] = ()


@dataclass(frozen=True)
class SelectionPolicy:
    """Which units make the answer. Values are in cross-encoder logits (``*_dense`` in cosine)."""

    # Units are drawn from the best passages only: lower ones rarely hold the rule, and each
    # unit costs a cross-encoder pass.
    unit_passages: int = 5
    max_scored_units: int = 60  # a latency bound: units beyond it (by passage and position) are not read
    max_units: int = 3  # an answer states the rule, not the passage
    # Units scoring within this margin of the best are read with it (the rule and its condition).
    margin: float = 2.5
    margin_dense: float = 0.08
    # A unit from a higher-ranked passage wins a tie: this many logits per passage rank.
    passage_prior: float = 0.5
    passage_prior_dense: float = 0.02
    # A worked example illustrates a rule; the rule itself, when it answers nearly as well, wins.
    example_penalty: float = 1.5
    # A superseded version or training material answers only when nothing current does.
    superseded_penalty: float = 4.0
    # The lectures say that company policy wins where it sets a procedure, form or amount: a
    # lecture's unit must beat the policy's by this many logits. Replayed on the corpus tuning
    # sets (gold, staff, follow-ups): at 1.0 "And for a utility model?" after the invention-patent
    # reward was answered with the statute's minimum from a lecture instead of the policy's CNY
    # 2,000, by 0.0004 logits (a margin that CPU numerics can flip); 1.5 answers it from the
    # policy and changes nothing else; 2.0 and 3.0 lose another follow-up.
    lecture_penalty: float = 1.5
    # A unit that names the kind of a product the question names ("consumer messaging apps" for
    # "WeChat") states the rule about it, which the cross-encoder, not knowing the brand, underrates.
    kind_match_bonus: float = 3.0
    # A follow-up that changes one thing ("and if it's only rated medium?") is read together with
    # the question before it, whose words pull toward the earlier answer; a unit holding a rare word
    # the follow-up adds (Expansion.added) states the changed case, and wins by this many logits.
    followup_word_bonus: float = 4.0
    # A question about how a rule changed is answered by the unit that records the change
    # ("IP Committee decision period shortened from 90 to 60 days"), not by today's rule, which
    # the cross-encoder prefers for sharing the question's words: this many logits.
    change_record_bonus: float = 4.0
    # A question stating an amount ("a deal worth more than 10 million") is answered by the band
    # that holds it ("Above CNY 10,000,000 | CEO"), which the cross-encoder scores like its
    # neighbouring bands (assistant/amounts.py): this many logits. Replayed on the corpus tuning
    # sets (gold, staff, follow-ups): every value from 1 to 6 answers "and if it's more than 10
    # million?" with the CEO's band (follow-up fact recall 13 -> 14 of 20) and changes nothing
    # else; 3 is the middle of that range.
    amount_band_bonus: float = 3.0
    # A unit the cross-encoder scores at least this high is relevant in itself (log-odds 0: even
    # odds), enough to support the best unit or to keep superseded versions out of the answer.
    relevant: float = 0.0
    relevant_dense: float = 0.45

    def to_dict(self) -> dict:
        return asdict(self)


def verify_citations(parts: list[tuple[str, int]], citations: list[Citation]) -> list[tuple[str, int]]:
    """Keep only parts that stand verbatim (up to whitespace) in the passage they cite."""
    by_number = {c.n: normalise(c.text) for c in citations}
    return [(s, n) for s, n in parts if n in by_number and normalise(s) in by_number[n]]


def _grouped(chosen: list[ScoredUnit]) -> list[list[ScoredUnit]]:
    """Consecutive items of one list in one passage are shown together, after their lead-in once."""
    groups: list[list[ScoredUnit]] = []
    for scored in chosen:
        last = groups[-1][-1] if groups else None
        if last is not None and scored.unit.lead_in and last.n == scored.n and last.unit.lead_in == scored.unit.lead_in:
            groups[-1].append(scored)
        else:
            groups.append([scored])
    return groups


def neutralise_markers(text: str) -> str:
    """Document text's own "[3]" markers shown as "(3)", so only the product's [n] cite passages."""
    return _DOCUMENT_MARKER.sub(r"(\1)", text)


class AnswerComposer:
    """Scores the answer units of the best passages and picks those that answer, citing each."""

    def __init__(self, embeddings, contact: str, reranker=None, policy: SelectionPolicy | None = None):
        self.embeddings = embeddings
        self.reranker = reranker
        self.contact = contact
        self.policy = policy or SelectionPolicy()

    def refuse(self, question: str, backend: str, reason: str = "", confidence: float = 0.0, standalone: str | None = None) -> Answer:
        because = f" ({reason})" if reason else ""
        text = f"The documents don't cover this{because}. Please ask {self.contact}."
        return Answer(question, text, False, backend, [], confidence, standalone_question=standalone)

    def score_units(self, query: str, passages: list[Passage], reranked: bool, query_vector: list[float] | None = None) -> list[ScoredUnit]:
        candidates = [
            (unit, number)
            for number, passage in enumerate(passages[: self.policy.unit_passages], start=1)
            for unit in split_units(passage.text, passage.section)
        ]
        candidates = sorted(candidates, key=lambda c: (c[0].position, c[1]))[: self.policy.max_scored_units]
        if not candidates:
            return []
        texts = [unit.read_as for unit, _ in candidates]
        if reranked and self.reranker is not None:
            scores = self.reranker.score_question(query, texts)
        else:
            vectors = np.array(self.embeddings.embed_documents(texts))
            vector = query_vector if query_vector is not None else self.embeddings.embed_query(query)
            scores = list(vectors @ np.array(vector))
        return [ScoredUnit(unit, n, float(score)) for (unit, n), score in zip(candidates, scores)]

    def value(
        self,
        scored: ScoredUnit,
        passages: list[Passage],
        reranked: bool,
        asked: Asked = Asked(),
    ) -> float:
        """A unit's worth as the answer: its relevance, adjusted for what it is and where it comes from."""
        p = self.policy
        passage = passages[scored.n - 1]
        scale = 1.0 if reranked else p.margin_dense / p.margin
        prior = p.passage_prior if reranked else p.passage_prior_dense
        value = scored.score - prior * (scored.n - 1)
        if scored.unit.kind == "example":
            value -= p.example_penalty * scale
        if passage.outdated:
            value -= p.superseded_penalty * scale
        if passage.doc_type == "lecture":
            value -= p.lecture_penalty * scale
        if any(names_kind(scored.unit.text, kind) for kind in asked.kinds):
            value += p.kind_match_bonus * scale
        if holds_any(scored.unit.text, asked.added):
            value += p.followup_word_bonus * scale
        if passage.records_change:
            value += p.change_record_bonus * scale
        if holds_band_of(scored.unit.text, list(asked.amounts)):
            value += p.amount_band_bonus * scale
        return value

    def select(
        self,
        scored: list[ScoredUnit],
        passages: list[Passage],
        reranked: bool,
        asked: Asked = Asked(),
    ) -> "Selection":
        """The best unit, and up to ``max_units - 1`` more nearly as good from the same document, in
        document order (``best`` is the one the others were measured against). Staying within one document keeps a current rule from being read beside a
        superseded one or a lecture's simplification; a rule keeps out the examples of it."""
        if not scored:
            return Selection([], None)
        margin = self.policy.margin if reranked else self.policy.margin_dense
        # A current rule outranks a superseded one: where any unit of a current document is
        # relevant in itself, units of superseded versions are not candidates at all.
        relevant = self.policy.relevant if reranked else self.policy.relevant_dense
        current = [s for s in scored if not passages[s.n - 1].outdated]
        if len(current) < len(scored) and any(s.score >= relevant for s in current):
            scored = current
        # A question that names a document asks about that document: when the passages shown hold
        # units of it, the answer comes from them (a like clause of another contract answers a
        # different question).
        named = [s for s in scored if passages[s.n - 1].named]
        if named and len(named) < len(scored):
            scored = named
        values = {id(s): self.value(s, passages, reranked, asked) for s in scored}
        ranked = sorted(scored, key=lambda s: values[id(s)], reverse=True)
        best = ranked[0]
        best_value = values[id(best)]
        source = passages[best.n - 1].source
        chosen = [best]
        for candidate in ranked[1:]:
            if len(chosen) == self.policy.max_units or values[id(candidate)] < best_value - margin:
                break
            if passages[candidate.n - 1].source != source:
                continue
            if candidate.score < relevant:
                continue  # a supporting unit must be relevant itself
            if candidate.unit.kind == "example" and best.unit.kind != "example":
                continue
            if excludes(candidate.unit.text, list(asked.amounts)):
                continue  # the rule for another amount would contradict the one asked about
            if any(normalise(candidate.unit.text) == normalise(c.unit.text) for c in chosen):
                continue
            chosen.append(candidate)
        chosen.sort(key=lambda s: (passages[s.n - 1].page or 0, passages[s.n - 1].ordinal, s.unit.position))
        return Selection(chosen, best)

    def compose(
        self,
        retrieval: Retrieval,
        selection: Selection,
        backend: str,
        confidence: float,
        standalone: str | None = None,
    ) -> Answer:
        citations = [
            Citation(
                n=i,
                source=p.source,
                title=p.title,
                page=p.page,
                page_end=p.page_end,
                section=p.section,
                text=p.text,
                score=p.score,
                version=p.version,
                superseded=p.superseded,
            )
            for i, p in enumerate(retrieval.passages, start=1)
        ]
        sentences: list[str] = []
        for group in _grouped(selection.units):
            n = group[0].n
            parts: list[str] = [group[0].unit.lead_in] if group[0].unit.lead_in else []
            for scored in group:
                parts += [p for p in scored.unit.parts if p != scored.unit.lead_in]
            checked = verify_citations([(part, n) for part in parts], citations)
            if len(checked) != len(parts):
                continue  # a unit not found verbatim in its passage is never shown
            label = " (superseded version)" if citations[n - 1].superseded else ""
            sentences.append(" ".join(neutralise_markers(part) for part, _ in checked) + f" [{n}]{label}")
        if not sentences:
            return self.refuse(retrieval.question, backend, "no sentence in the passages found answers it", confidence, standalone)
        return Answer(retrieval.question, " ".join(sentences), True, backend, citations, confidence, standalone_question=standalone)
