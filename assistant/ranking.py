"""One ranking key over a passage's raw signals, and the choice of the passages shown.

Every adjustment is a named parameter with its reason, on one scale: cross-encoder logits when the
reranker ran, otherwise the negative log of the fused rank (0 for the first candidate, -log 2 for
the second, ...), so the same penalties mean "this many logits" or "this factor in rank". The key is
computed once per passage and stored as ``Passage.score``; passages are shown best first by it, so
scores in every output are in order and on one scale.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace

from .lexical import tokenize
from .units import split_units
from .schema import Passage


@dataclass(frozen=True)
class RankingPolicy:
    # The fused list knows what the cross-encoder does not read (the context header, exact terms):
    # a prior of this many logits for the first fused candidate, fading as 1/rank.
    fusion_prior: float = 1.0
    # A passage of a document the question names is likelier to be the one meant: "Which law
    # governs the Playboy agreement?" should show Playboy's clause before another contract's
    # governing-law clause that the cross-encoder happens to score higher. Raised from 1.0 with
    # an offline replay of the reranked pools of the 155 answerable tuning questions: 3.0
    # lifted our CUAD tuning half's MRR from 0.824 to 0.844 and changed no other set; 5.0 gained
    # little more (0.846) at more risk when a name is misread.
    named_document_bonus: float = 3.0
    # A follow-up ("And for Korea?") is searched with the question before it, whose words pull
    # toward the earlier answer; a passage holding a rare word the follow-up adds ranks up by this.
    # Chosen on 20 answerable follow-ups written for tuning (eval/corpus-followups-tune.jsonl):
    # 0 and 2 leave "And for Korea?" answered with the general 30-month rule; 4 finds Korea's
    # 31 months (fact recall 0.35 -> 0.40), nothing else changes.
    followup_word_bonus: float = 4.0
    # The passages the answer quotes are what it rests on: shown first, by this many logits. The
    # answer units are read one by one, so they place the clause more exactly than a score of the
    # whole passage (the governing-law sentence, not the page of notices around it). Chosen by
    # benchmarks/tune_quote_bonus.py on the tuning questions (results/tune-quote-bonus.json): MRR
    # CUAD dev 0.694 -> 0.742, our CUAD tuning half 0.776 -> 0.805, sample gold 0.895 -> 0.908,
    # staff tuning 0.433 -> 0.454, follow-up tuning 0.700 -> 0.742; 1 gains less, 3 and more lose
    # CUAD tuning ranks (a quoted passage put above a better one); hit@5 cannot change. Held-out
    # sets, run once after: staff MRR 0.488 -> 0.501, but CUAD held-out half 0.774 -> 0.770.
    answer_quote_bonus: float = 2.0
    # A question about how a rule changed ("was it always 60 days?") is answered by the document's
    # revision history, which the cross-encoder reads as a list of unrelated edits: its passages
    # rank up by this many logits (only for such questions: Passage.records_change).
    change_record_bonus: float = 4.0
    # A superseded version must be far more relevant than the current one to be shown above it
    # (unless the question asks for that version: ``Passage.outdated``).
    superseded_penalty: float = 4.0
    # Training material ranks below binding policy when both answer: the lectures say that company
    # policy wins where it sets a procedure, form or amount.
    doc_type_penalty: dict[str, float] = field(default_factory=lambda: {"lecture": 1.0})
    # Two passages sharing this share of the shorter one's words are the same text shown twice.
    duplicate_overlap: float = 0.8
    # A passage grows by adjacent chunks of its page up to this many characters (about three
    # chunks of 128 word pieces): enough for a table cut in two, not a whole chapter.
    merged_chars: int = 2400

    def __post_init__(self) -> None:
        if min(self.superseded_penalty, self.fusion_prior, self.named_document_bonus, self.followup_word_bonus, self.answer_quote_bonus, self.change_record_bonus) < 0:
            raise ValueError("ranking penalties and bonuses are magnitudes: use values >= 0")
        if not 0 < self.duplicate_overlap <= 1:
            raise ValueError("duplicate_overlap is a share between 0 and 1")
        if self.merged_chars < 0:
            raise ValueError("merged_chars is a length: use 0 (never merge) or more")

    def key(self, passage: Passage) -> float:
        """The ranking score of a passage from its raw signals (higher is better)."""
        rank = passage.fused_rank or 1
        if passage.rerank is not None:
            base = passage.rerank + self.fusion_prior / rank
        else:
            base = -math.log(rank)
        if passage.named:
            base += self.named_document_bonus
        if passage.holds_added:
            base += self.followup_word_bonus
        if passage.quoted:
            base += self.answer_quote_bonus
        if passage.records_change:
            base += self.change_record_bonus
        if passage.outdated:
            base -= self.superseded_penalty
        return base - self.doc_type_penalty.get(passage.doc_type, 0.0)

    def rank(self, passages: list[Passage]) -> list[Passage]:
        """Scores every passage with :meth:`key` and sorts best first (stable for ties)."""
        for passage in passages:
            passage.score = round(self.key(passage), 4)
        return sorted(passages, key=lambda p: p.score, reverse=True)

    def quoted_first(self, passages: list[Passage], quoted: set[int]) -> tuple[list[Passage], dict[int, int]]:
        """The passages shown, re-ranked once the answer is chosen (``quoted``: the 1-based numbers
        of those it quotes), and each old number's new one."""
        for number, passage in enumerate(passages, start=1):
            passage.quoted = number in quoted
        position = {id(p): n for n, p in enumerate(passages, start=1)}
        ranked = self.rank(passages)
        return ranked, {position[id(p)]: n for n, p in enumerate(ranked, start=1)}

    def select(self, ranked: list[Passage], k: int) -> list[Passage]:
        """The best ``k`` passages that each add something: no near-duplicate text, and at most one
        passage per page of a document (per section run for documents without pages), so the
        sources shown cover different places rather than adjacent chunks of one. A lower-ranked
        chunk next to a chosen one on the same page joins it (:func:`merged`): a table or list cut
        between two chunks is shown, and answered from, whole. A chosen chunk with nothing to
        quote (front matter) takes in nothing."""
        chosen: list[Passage] = []
        chosen_tokens: list[set[str]] = []
        spans: list[tuple[int, int]] = []  # the chunk ordinals each chosen passage covers
        for passage in ranked:
            place = next((i for i, other in enumerate(chosen) if same_place(passage, other)), None)
            if place is not None:
                low, high = spans[place]
                joins = passage.ordinal in (low - 1, high + 1) and len(chosen[place].text) + len(passage.text) <= self.merged_chars
                # A chunk with nothing to quote (a title page's front matter) is ranked by its
                # name alone; its score must not carry the next chunk's text into the answer.
                if joins and split_units(chosen[place].text, chosen[place].section):
                    chosen[place] = merged(chosen[place], passage)
                    spans[place] = (min(low, passage.ordinal), max(high, passage.ordinal))
                    chosen_tokens[place] = set(tokenize([chosen[place].text])[0])
                continue
            tokens = set(tokenize([passage.text])[0])
            if any(near_duplicate(tokens, other, self.duplicate_overlap) for other in chosen_tokens):
                continue
            chosen.append(passage)
            chosen_tokens.append(tokens)
            spans.append((passage.ordinal, passage.ordinal))
            if len(chosen) == k:
                break
        return chosen

    def to_dict(self) -> dict:
        return asdict(self)


def merged(first: Passage, other: Passage) -> Passage:
    """``first`` (the better-ranked passage, whose signals and score stay) with the text of an
    adjacent chunk joined in document order; chunks overlap by a few units, kept once. The page
    range covers both: a chunk joined in front may start a page earlier."""
    before, after = (other, first) if other.ordinal < first.ordinal else (first, other)
    text = _joined(before.text, after.text)
    starts = [p for p in (first.page, other.page) if p is not None]
    ends = [p for p in (first.page_end, other.page_end) if p is not None]
    return replace(
        first,
        text=text,
        ordinal=before.ordinal,
        page=min(starts) if starts else first.page,
        page_end=max(ends) if ends else first.page_end,
    )


def _joined(before: str, after: str) -> str:
    """The two texts with the longest end of ``before`` that starts ``after`` written once."""
    for size in range(min(len(before), len(after)), 19, -1):  # an overlap is whole units, never a few letters
        if before.endswith(after[:size]) and (size == len(after) or after[size - 1] == "\n" or after[size] in "\n "):
            return before + after[size:]
    return f"{before}\n{after}"


def same_place(a: Passage, b: Passage) -> bool:
    """Two passages of one document on overlapping pages, or adjacent chunks of one page-less section."""
    if a.source != b.source:
        return False
    if a.page is not None and b.page is not None:
        return a.page <= (b.page_end or b.page) and b.page <= (a.page_end or a.page)
    return a.section == b.section and abs(a.ordinal - b.ordinal) <= 1


def near_duplicate(a: str | set[str], b: str | set[str], threshold: float = 0.8) -> bool:
    """Most words of the shorter text are in the other (texts, or their token sets)."""
    ta = a if isinstance(a, set) else set(tokenize([a])[0])
    tb = b if isinstance(b, set) else set(tokenize([b])[0])
    if not ta or not tb:
        return False
    return len(ta & tb) / min(len(ta), len(tb)) >= threshold
