"""Hybrid retrieval: dense (Chroma) + BM25, fused by reciprocal rank, then reranked.

Order of work for one question:
1. restrict to the sources a filter allows (``--source`` glob, document type);
2. dense and BM25 candidates, fused with reciprocal rank fusion (RRF);
3. when the question names documents (a party, a title, a policy id), candidates are also drawn
   from those documents alone and rank first;
4. the best candidates are rescored by the cross-encoder (when enabled);
5. superseded documents rank below current ones; near-duplicate passages are dropped.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from .config import Settings
from .documents import DocumentDirectory, NamedDocuments
from .lexical import LexicalIndex, tokenize
from .rerank import CrossEncoderReranker
from .schema import Passage
from .store import ChunkStore

SUPERSEDED_PENALTY = 4.0  # in cross-encoder logits: a superseded passage must be far more relevant to win
# Training material ranks below binding policy when both answer: the lectures themselves say that
# company policy wins where it sets a procedure, form or amount.
DOC_TYPE_PENALTY = {"lecture": 1.0}
NAMED_DOCUMENT_BONUS = 100.0  # passages of a named document rank first
FUSION_PRIOR = 2.0  # in logits, for the first fused candidate; tuned on the CUAD development questions
# A name: a capitalised word that does not start the question, or an acronym of 3+ letters
# ("OK" and "IT" are words, "VPN" is a name).
_CAPITALISED = re.compile(r"(?<![.?!]\s)(?<!^)\b([A-Z][a-zA-Z0-9&-]{2,}|[A-Z]{3,}[a-z]?)\b")


@dataclass
class Retrieval:
    """What retrieval found for one question, and the evidence for the refusal decision."""

    question: str
    passages: list[Passage]
    named: NamedDocuments
    unknown_terms: list[str] = field(default_factory=list)
    reranked: bool = False
    names: list[str] = field(default_factory=list)  # names the question uses
    unmatched_names: list[str] = field(default_factory=list)  # of those, names the best passage's document context lacks
    vector: list[float] | None = None  # the question's embedding, reused when scoring sentences


@dataclass
class _Found:
    """What the searches of one question returned, keyed by chunk id."""

    dense: dict[str, float] = field(default_factory=dict)
    metadata: dict[str, dict] = field(default_factory=dict)


def rrf_fuse(rankings: list[list[str]], k: int = 60, weights: list[float] | None = None) -> dict[str, float]:
    """Reciprocal rank fusion: sum of weight / (k + rank) over the rankings an id appears in."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


def _token_set(text: str) -> set[str]:
    return set(tokenize([text])[0])


def near_duplicate(a: str | set[str], b: str | set[str], threshold: float = 0.8) -> bool:
    """Most words of the shorter text are in the other (texts, or their token sets)."""
    ta = a if isinstance(a, set) else _token_set(a)
    tb = b if isinstance(b, set) else _token_set(b)
    if not ta or not tb:
        return False
    return len(ta & tb) / min(len(ta), len(tb)) >= threshold


class HybridRetriever:
    def __init__(
        self,
        settings: Settings,
        store: ChunkStore,
        lexical: LexicalIndex,
        directory: DocumentDirectory,
        embeddings,
        reranker: CrossEncoderReranker | None = None,
    ):
        if settings.rerank and reranker is None:
            raise ValueError("settings.rerank is on but no reranker was given")
        self.settings = settings
        self.store = store
        self.lexical = lexical
        self.directory = directory
        self.embeddings = embeddings
        self.reranker = reranker if settings.rerank else None

    @staticmethod
    def names_in(question: str) -> list[str]:
        """Capitalised words that do not start the question, and acronyms: what the question names."""
        return [w for w in _CAPITALISED.findall(question) if tokenize([w])[0]]

    def unknown_terms(self, names: list[str]) -> list[str]:
        """Names that no indexed passage contains."""
        vocabulary = self.lexical.vocabulary
        return [w for w in names if not any(t in vocabulary for t in tokenize([w])[0])]

    def unmatched_names(self, names: list[str], passage: Passage) -> list[str]:
        """Names that neither the passage nor its document's title, section or opening mention."""
        record = self.directory.records.get(passage.source)
        context = [passage.text, passage.title, passage.section]
        if record is not None:
            context += [record.parties, record.preamble, record.doc_id]
        tokens = set(tokenize([" ".join(context)])[0])
        return [w for w in names if not set(tokenize([w])[0]) & tokens]

    def _candidates(self, question: str, vector: list[float], sources: set[str] | None, n: int, found: "_Found") -> list[str]:
        """Dense and BM25 candidates within ``sources`` (None: everywhere), fused by RRF."""
        where = None
        if sources is not None:
            if not sources:
                return []
            where = {"source": {"$in": sorted(sources)}} if len(sources) > 1 else {"source": next(iter(sources))}
        dense = self.store.query(vector, n, where)
        lexical = self.lexical.search(question, n, sources)
        found.dense.update({chunk_id: score for chunk_id, score, _ in dense})
        found.metadata.update({chunk_id: meta for chunk_id, _, meta in dense})
        fused = rrf_fuse([[c for c, _, _ in dense], [c for c, _ in lexical]], k=self.settings.rrf_k)
        return sorted(fused, key=fused.get, reverse=True)

    def run(self, question: str, k: int | None = None, source_glob: str | None = None, doc_type: str | None = None) -> Retrieval:
        """Safe to call from several threads at once: all per-question state is local."""
        k = k or self.settings.k
        found = _Found()
        allowed = self.directory.sources_matching(source_glob, doc_type)
        named = self.directory.named_in(question, allowed)
        n = max(self.settings.candidates, k)
        # Inside named documents their names no longer discriminate: search those with the rest.
        focus = (strip_words(question, set(named.matched)) or question) if named.sources else question
        if focus != question:
            vector, focus_vector = self.embeddings.embed_documents([question, focus])  # one batch
        else:
            vector = focus_vector = self.embeddings.embed_query(question)

        ranked: list[str] = []
        if named.sources:
            ranked = self._candidates(focus, focus_vector, set(named.sources), n, found)
        for chunk_id in self._candidates(question, vector, allowed, n, found):
            if chunk_id not in ranked:
                ranked.append(chunk_id)

        found.metadata.update(self.store.get([c for c in ranked if c not in found.metadata]))
        passages = []
        for position, chunk_id in enumerate(ranked):
            meta = found.metadata.get(chunk_id)
            # A chunk whose document has no record is from an unfinished ingest or removal: not served.
            if meta is None or meta.get("source") not in self.directory.records:
                continue
            passage = Passage.from_metadata(chunk_id, meta)
            passage.status = self.directory.status.get(passage.source, passage.status)
            passage.dense = found.dense.get(chunk_id)
            passage.score = 1.0 / (self.settings.rrf_k + len(passages) + 1)
            passages.append(passage)

        reranked = False
        if self.reranker is not None and passages:
            head = passages[: self.settings.rerank_candidates]
            logits = self.reranker.score(focus, [p.text for p in head])
            for position, (passage, logit) in enumerate(zip(head, logits)):
                passage.rerank = logit
                # The fused rank still carries information the cross-encoder lacks (the header,
                # exact terms): a small prior that fades with rank.
                passage.score = logit + FUSION_PRIOR / (1 + position)
            for passage in passages[len(head):]:
                passage.score = -1e6 + passage.score  # below every reranked passage
            reranked = True
        else:
            for passage in passages:
                passage.score *= 100.0  # RRF scores on a readable scale

        penalty = SUPERSEDED_PENALTY if reranked else 0.2
        for passage in passages:
            if passage.source in named.sources:
                passage.score += NAMED_DOCUMENT_BONUS
            if passage.superseded:
                passage.score -= penalty
            if reranked:
                passage.score -= DOC_TYPE_PENALTY.get(passage.doc_type, 0.0)
        passages.sort(key=lambda p: p.score, reverse=True)

        chosen: list[Passage] = []
        chosen_tokens: list[set[str]] = []  # tokenized once per passage, not once per comparison
        for passage in passages:
            tokens = _token_set(passage.text)
            if any(near_duplicate(tokens, other) for other in chosen_tokens):
                continue
            chosen.append(passage)
            chosen_tokens.append(tokens)
            if len(chosen) == k:
                break
        for passage in chosen:
            if passage.source in named.sources:
                passage.score -= NAMED_DOCUMENT_BONUS
        names = self.names_in(question)
        unmatched = self.unmatched_names(names, chosen[0]) if chosen else names
        return Retrieval(question, chosen, named, self.unknown_terms(names), reranked, names, unmatched, vector)


def strip_words(question: str, tokens: set[str]) -> str:
    """The question without the words whose tokens are in ``tokens``."""
    kept = [w for w in question.split() if not (set(tokenize([w])[0]) & tokens)]
    return " ".join(kept)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))
