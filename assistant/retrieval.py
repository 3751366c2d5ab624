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

import re
from dataclasses import dataclass, field, replace

from .config import Settings
from .documents import DocumentDirectory, NamedDocuments
from .lexical import LexicalIndex, holds_any, tokenize
from .ranking import RankingPolicy, merged
from .rerank import CrossEncoderReranker
from .schema import Passage
from .store import ChunkStore
from .amounts import CURRENCY_CODES
from .change_history import SEARCH_TERMS as CHANGE_SEARCH_TERMS
from .change_history import records_change
from .unknown_names import left_out, without_unknown_names
from .units import list_lead_in_tail, opens_inside_list

# A name: a capitalised word that does not start the question, or an acronym of 3+ letters
# ("OK" and "IT" are words, "VPN" is a name).
# A name runs on through a version number inside it ("GPL-3.0", not "GPL-3").
_CAPITALISED = re.compile(r"(?<![.?!]\s)(?<!^)\b((?:[A-Z][a-zA-Z0-9&-]{2,}|[A-Z]{3,}[a-z]?)(?:\.\d+)*)\b")
# When a question names documents, this share of the reranked candidates comes from inside them
# (found by the question's other words); the rest from the whole store, in case the name misled.
NAMED_SHARE = 0.67
# Candidates the cross-encoder reads per source asked for, when more sources are asked for than the
# default pool serves: one passage per page and no near-duplicates drop about a third of a pool,
# and with 16 candidates k=10 (the app's slider maximum) left 9 sources.
POOL_PER_SOURCE = 2


@dataclass
class Retrieval:
    """What retrieval found for one question: the passages to show, best first, and what the
    answer and the decline decision need to know about the question."""

    question: str
    passages: list[Passage]
    named: NamedDocuments
    reranked: bool = False
    names: list[str] = field(default_factory=list)  # names the question uses
    # The question as the cross-encoder reads it: without the words that named documents (what
    # content is matched on), a name no document holds read as the kind the question gives it
    # (assistant/unknown_names.py).
    focus: str = ""
    # Names the question explains ("Zarnovia" of "the Zarnovia plant"), left out of the focus.
    explained: tuple[str, ...] = ()
    vector: list[float] | None = None  # the question's embedding, reused when scoring answer units
    reread: int = 0  # how many fused candidates the cross-encoder read


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


class HybridRetriever:
    def __init__(
        self,
        settings: Settings,
        store: ChunkStore,
        lexical: LexicalIndex,
        directory: DocumentDirectory,
        embeddings,
        reranker: CrossEncoderReranker | None = None,
        policy: RankingPolicy | None = None,
    ):
        if settings.rerank and reranker is None:
            raise ValueError("settings.rerank is on but no reranker was given")
        self.settings = settings
        self.store = store
        self.lexical = lexical
        self.directory = directory
        self.embeddings = embeddings
        self.reranker = reranker if settings.rerank else None
        self.policy = policy or RankingPolicy()

    @staticmethod
    def names_in(question: str) -> list[str]:
        """Capitalised words that do not start the question, and acronyms: what the question names.
        A currency code is a unit, not a name ("RMB 2 million" is answered by a rule in CNY)."""
        return [w for w in _CAPITALISED.findall(question) if tokenize([w])[0] and w.upper() not in CURRENCY_CODES]

    def holds_name(self, name: str) -> bool:
        """Whether some passage of the store holds a word of the name (a word the index drops as too
        common counts as held: it is no name)."""
        tokens = tokenize([name])[0]
        return not tokens or any(self.lexical.document_frequency(t) > 0 for t in tokens)

    def unmatched_names(self, names: list[str], passage: Passage) -> list[str]:
        """Names that neither the passage nor its document's title, section or opening mention."""
        record = self.directory.records.get(passage.source)
        context = [passage.text, passage.title, passage.section]
        if record is not None:
            context += [record.parties, record.preamble, record.doc_id]
        tokens = set(tokenize([" ".join(context)])[0])
        return [w for w in names if not set(tokenize([w])[0]) & tokens]

    def _candidates(
        self, question: str, vector: list[float], sources: set[str] | None, n: int, found: "_Found", alone: tuple[str, ...] = ()
    ) -> list[str]:
        """Dense and BM25 candidates within ``sources`` (None: everywhere), fused by RRF; with each
        text of ``alone`` also the BM25 ranking of that text by itself: the words a follow-up adds,
        so the passages about what it changed compete with those about the earlier question, and
        the name of the section that records changes, for a question about what changed."""
        where = None
        if sources is not None:
            if not sources:
                return []
            where = {"source": {"$in": sorted(sources)}} if len(sources) > 1 else {"source": next(iter(sources))}
        dense = self.store.query(vector, n, where)
        lexical = self.lexical.search(question, n, sources)
        found.dense.update({chunk_id: score for chunk_id, score, _ in dense})
        found.metadata.update({chunk_id: meta for chunk_id, _, meta in dense})
        rankings = [[c for c, _, _ in dense], [c for c, _ in lexical]]
        for text in alone:
            rankings.append([c for c, _ in self.lexical.search(text, n, sources)])
        fused = rrf_fuse(rankings, k=self.settings.rrf_k)
        return sorted(fused, key=fused.get, reverse=True)

    def with_lead_in(self, passage: Passage) -> Passage:
        """A passage that starts inside a list, with the list's lead-in from the chunk before
        joined in: its items are shown and answered from with what they are about ("- customers
        who request an SBOM may receive it ..." alone is a fragment no answer may quote)."""
        if not opens_inside_list(passage.text):
            return passage
        found = self.store.neighbour(passage.source, passage.ordinal - 1)
        if found is None:
            return passage
        before = Passage.from_metadata(*found)
        tail = list_lead_in_tail(before.text)
        if not tail or len(tail) + len(passage.text) > self.policy.merged_chars:
            return passage
        return merged(passage, replace(before, text=tail))  # its pages start at the lead-in's

    def run(
        self,
        question: str,
        k: int | None = None,
        source_glob: str | None = None,
        doc_type: str | None = None,
        reading: str | None = None,
        added: tuple[str, ...] = (),
        change: bool = False,
    ) -> Retrieval:
        """Safe to call from several threads at once: all per-question state is local.

        ``reading``: the question as the cross-encoder should read it, when that differs from the
        text searched (product names replaced by their kinds, :class:`~assistant.glossary.Expansion`);
        ``added``: rare words a follow-up adds to the conversation, which passages rank up for;
        ``change``: the question asks what changed, so the documents' records of changes rank up."""
        k = k or self.settings.k
        found = _Found()
        allowed = self.directory.sources_matching(source_glob, doc_type)
        named = self.directory.named_in(question, allowed)
        n = max(self.settings.candidates, k)
        # Inside named documents their names no longer discriminate: search those with the rest.
        focus = self.directory.focus(reading or question, named)
        if focus != question:
            vector, focus_vector = self.embeddings.embed_documents([question, focus])  # one batch
        else:
            vector = focus_vector = self.embeddings.embed_query(question)

        # What the cross-encoder reads: the focus, without the names no document holds.
        focus_names = self.names_in(focus)
        read = without_unknown_names(focus, focus_names, self.holds_name)

        alone = ((" ".join(added),) if added else ()) + ((CHANGE_SEARCH_TERMS,) if change else ())
        general = self._candidates(question, vector, allowed, n, found, alone)
        reread = self.settings.named_rerank_candidates if named.sources else self.settings.rerank_candidates
        pool_size = max(reread, POOL_PER_SOURCE * k) if self.reranker is not None else n
        if named.sources:
            inside = self._candidates(focus, focus_vector, set(named.sources), n, found, alone)
            ranked = _merge(inside, general, pool_size, NAMED_SHARE)
        else:
            ranked = general

        found.metadata.update(self.store.get([c for c in ranked if c not in found.metadata]))
        passages: list[Passage] = []
        for chunk_id in ranked:
            meta = found.metadata.get(chunk_id)
            # A chunk whose document has no record is from an unfinished ingest or removal: not served.
            if meta is None or meta.get("source") not in self.directory.records:
                continue
            passage = Passage.from_metadata(chunk_id, meta)
            passage.status = self.directory.status.get(passage.source, passage.status)
            passage.dense = found.dense.get(chunk_id)
            passage.fused_rank = len(passages) + 1
            passage.named = passage.source in named.sources
            passage.version_asked = passage.source in named.versions
            passage.holds_added = holds_any(passage.text, added)
            passage.records_change = change and records_change(passage.section)
            passages.append(passage)

        reranked = self.reranker is not None and bool(passages)
        if reranked:
            passages = passages[:pool_size]  # only reranked passages are ranked and shown
            for passage, logit in zip(passages, self.reranker.score_question(read, [p.text for p in passages])):
                passage.rerank = logit
        chosen = [self.with_lead_in(p) for p in self.policy.select(self.policy.rank(passages), k)]
        return Retrieval(
            question, chosen, named, reranked, self.names_in(question), read, left_out(focus, read, focus_names), focus_vector,
            len(passages) if reranked else 0,
        )


def _merge(inside: list[str], general: list[str], size: int, share: float) -> list[str]:
    """The first ``share`` of ``size`` from ``inside``, then the rest of ``general``, then the rest
    of ``inside``: named documents first, without letting a misread name crowd out the rest."""
    first = inside[: max(1, round(size * share))]
    merged = list(first)
    for chunk_id in general + inside:
        if chunk_id not in merged:
            merged.append(chunk_id)
    return merged
