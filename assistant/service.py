"""The assistant as one object: load the store, indexes and models once, then answer questions."""
from __future__ import annotations

import threading
from dataclasses import replace
from typing import Iterator

from .amounts import asked_amounts
from .answer import AnswerComposer, Asked, Selection
from .change_history import SEARCH_TERMS as CHANGE_SEARCH_TERMS
from .change_history import asks_about_change
from .config import Settings, load_settings
from .decline import Decision, DeclinePolicy, Evidence
from .documents import DocumentDirectory
from .embeddings import embeddings_for
from .lexical import ensure_lexical_index
from .rerank import CrossEncoderReranker, reranker_for
from .followup import Turn, added_words, needs_context, standalone_question, swapped_words
from .glossary import Expansion, explained_by, load_glossary, names_kind
from .plain_terms import load_plain_terms
from .retrieval import HybridRetriever, Retrieval
from .schema import Answer
from .store import ChunkStore, MissingStoreError
from .units import split_units

# A word a follow-up adds counts when at most this share of the documents hold it: "Korea" says
# what the follow-up asks about, "rate" or "usually" (in most documents) does not.
FOLLOWUP_WORD_SHARE = 0.3


class EmptyStoreError(RuntimeError):
    """The store holds no documents: run ingest first."""


class Assistant:
    """Answers questions; notices an ingest made by another process and reloads before the next answer.

    One instance may be shared by several threads (the app's sessions): the models' sessions are
    thread-safe, every question's state is local, and a reload builds the new store, index and
    retriever aside and publishes them with one assignment; a question uses the retriever it
    started with throughout (see :meth:`ask_extractive`).
    """

    def __init__(self, settings: Settings | None = None, reranker: CrossEncoderReranker | None = None):
        self.settings = settings or load_settings()
        try:
            self.store = ChunkStore(self.settings, create=False)
        except MissingStoreError as exc:
            raise EmptyStoreError(str(exc)) from exc
        self.embeddings = embeddings_for(self.settings)
        if self.settings.rerank and reranker is None:
            reranker = reranker_for(self.settings)
        self.reranker = reranker
        self.composer = AnswerComposer(self.embeddings, self.settings.contact, reranker if self.settings.rerank else None)
        self.glossary = load_glossary(self.settings.glossary)
        self.plain_terms = load_plain_terms()
        self.decline_policy = DeclinePolicy(
            min_confidence=self.settings.min_confidence, min_dense_similarity=self.settings.min_dense_similarity
        )
        # A language model writes the answer when one is configured; the cross-encoder checks it
        # (loaded for that even when reranking is off).
        self.generator = None
        if self.settings.llm != "none":
            from .generation import AnswerGenerator  # langchain's chat models: imported only when used

            scorer = reranker or reranker_for(self.settings)
            self.generator = AnswerGenerator(self.settings, scorer)
        self._lock = threading.Lock()
        self._load()

    def _load(self, store: ChunkStore | None = None) -> None:
        """Build the index and retriever of ``store`` aside, then publish them: the retriever (which
        holds its store, index and directory) in one assignment, the fingerprint last, so a thread
        that sees the new fingerprint also sees the new retriever."""
        store = store or self.store
        fingerprint = store.fingerprint()
        lexical = ensure_lexical_index(store, self.settings)
        directory = DocumentDirectory(store.document_records(), lexical)
        retriever = HybridRetriever(self.settings, store, lexical, directory, self.embeddings, self.reranker)
        self.store, self.lexical, self.directory = store, lexical, directory
        self.retriever = retriever
        self.fingerprint = fingerprint

    def refresh(self) -> bool:
        """Reload when the store changed since it was loaded (an ingest, here or elsewhere).

        A fresh client is made so that the embedded store's in-memory vector index is re-read.
        Returns whether anything was reloaded. The usual case (nothing changed) takes no lock, so
        concurrent questions do not queue behind each other's check; one reload at a time.
        """
        if self.store.fingerprint() == self.fingerprint:
            return False
        with self._lock:
            if self.store.fingerprint() == self.fingerprint:  # another thread reloaded meanwhile
                return False
            self._load(ChunkStore(self.settings, fresh=True))
            return True

    @property
    def is_empty(self) -> bool:
        return not self.directory.records

    def require_documents(self) -> None:
        if self.is_empty:
            raise EmptyStoreError(f"the store at {self.settings.backend} holds no documents: run `python ingest.py` first")

    def retrieve(self, question: str, k: int | None = None, source: str | None = None, doc_type: str | None = None) -> Retrieval:
        """Passages for a question as typed (no glossary, no history)."""
        return self.retriever.run(question, k=k, source_glob=source, doc_type=doc_type)

    def search(
        self,
        expansion: Expansion,
        k: int | None = None,
        source: str | None = None,
        doc_type: str | None = None,
        retriever: HybridRetriever | None = None,
    ) -> Retrieval:
        """Passages for a question made ready by :meth:`search_query`: the explained question is
        searched, and the cross-encoder reads it with products replaced by their kinds. ``ask``,
        ``eval`` and the benchmarks all retrieve this way."""
        retriever = retriever or self.retriever
        return retriever.run(
            expansion.question,
            k=k,
            source_glob=source,
            doc_type=doc_type,
            reading=expansion.reading or None,
            added=expansion.added,
            change=expansion.asks_change,
        )

    def parameters(self) -> dict:
        """Every tuned number behind an answer, for benchmark results and the README."""
        s = self.settings
        return {
            "ranking": self.retriever.policy.to_dict(),
            "selection": self.composer.policy.to_dict(),
            "decline": self.decline_policy.to_dict(),
            "retrieval": {
                "candidates": s.candidates,
                "rrf_k": s.rrf_k,
                "rerank": s.rerank,
                "rerank_candidates": s.rerank_candidates,
                "named_rerank_candidates": s.named_rerank_candidates,
                "chunk_tokens": s.chunk_tokens,
                "chunk_overlap_tokens": s.chunk_overlap_tokens,
                "header_tokens": s.header_tokens,
            },
        }

    def evidence(
        self, retrieval: Retrieval, selection: Selection, expansion: Expansion | None = None, retriever: HybridRetriever | None = None
    ) -> Evidence:
        """What the decline decision reads: the best unit and passage, the names the unit's passage
        lacks (a name the glossary or the question explained is looked for as its kind instead), and whether the
        unit names the kind of a product the question names."""
        # A name explained by the glossary ("Dropbox": a personal cloud drive) or by the question
        # itself ("the Zarnovia plant") is looked for as its kind, not by its own word.
        glossary = expansion.explained if expansion else ()
        names = tuple(n for n in retrieval.names if not explained_by(n, glossary) and n not in retrieval.explained)
        named = bool(retrieval.named.sources)
        best = selection.best
        if best is None:
            return Evidence(retrieval.reranked, None, None, names, names, named)
        unmatched = (retriever or self.retriever).unmatched_names(list(names), retrieval.passages[best.n - 1])
        # The answer comes from one document (the best unit's): the passages of that document are
        # its evidence, not a stronger passage of another contract that the answer does not use.
        # A passage with nothing to quote (a title page: the document's name and its front matter)
        # is no evidence either, whatever the cross-encoder makes of the name in it.
        source = retrieval.passages[best.n - 1].source
        signal = [
            p.rerank if retrieval.reranked else p.dense
            for p in retrieval.passages
            if p.source == source and split_units(p.text, p.section)
        ]
        best_passage = max((v for v in signal if v is not None), default=None)
        best_dense = max((p.dense for p in retrieval.passages if p.source == source and p.dense is not None), default=None)
        kind_matched = bool(expansion) and any(names_kind(best.unit.text, kind) for kind in expansion.kinds)
        return Evidence(retrieval.reranked, best.score, best_passage, names, tuple(unmatched), named, kind_matched, best_dense)

    def search_query(self, question: str, history: list[Turn] | None = None) -> Expansion:
        """The question actually searched: a follow-up made whole, known product names and plain
        phrases explained (:mod:`~assistant.glossary`, :mod:`~assistant.plain_terms`), and the rare
        words the follow-up adds (:data:`FOLLOWUP_WORD_SHARE`)."""
        question = question.strip()
        expansion = self.plain_terms.reword(self.glossary.expand(self.standalone(history, question)))
        if asks_about_change(expansion.question):
            # Searched with the name of the section that records changes; read as asked.
            expansion = replace(
                expansion,
                question=f"{expansion.question} ({CHANGE_SEARCH_TERMS})",
                reading=expansion.reading or expansion.question,
                asks_change=True,
            )
        added, swapped = added_words(history, question), swapped_words(history, question)
        if not added and not swapped:
            return expansion
        limit = max(1, FOLLOWUP_WORD_SHARE * len(self.directory.records))
        rare = [t for t in added if 0 < self.lexical.document_frequency(t) <= limit]
        known = [t for t in swapped if self.lexical.document_frequency(t) > 0]
        return replace(expansion, added=tuple(dict.fromkeys(rare + known)))

    def standalone(self, history: list[Turn] | None, question: str) -> str:
        """A follow-up made whole: by the language model when one is configured and reachable,
        else by the rule of :func:`assistant.followup.standalone_question`."""
        if self.generator is not None and history and needs_context(question):
            rewritten = self.generator.rewrite(history, question)
            if rewritten:
                return rewritten
        return standalone_question(history, question)

    def consider(
        self, retrieval: Retrieval, expansion: Expansion | None = None, retriever: HybridRetriever | None = None
    ) -> tuple[Selection, Decision]:
        """The answer units chosen for a retrieval and the decision to answer with them or decline
        (``retriever``: the one that made the retrieval, when a reload may have replaced it since)."""
        scored = self.composer.score_units(retrieval.focus or retrieval.question, retrieval.passages, retrieval.reranked, retrieval.vector)
        read = retrieval.focus or retrieval.question
        asked = Asked(
            kinds=expansion.kinds if expansion else (),
            added=expansion.added if expansion else (),
            amounts=tuple(asked_amounts(read)),
        )
        selection = self.composer.select(scored, retrieval.passages, retrieval.reranked, asked)
        return selection, self.decline_policy.decide(self.evidence(retrieval, selection, expansion, retriever))

    def ask(
        self,
        question: str,
        k: int | None = None,
        source: str | None = None,
        doc_type: str | None = None,
        history: list[Turn] | None = None,
    ) -> Answer:
        """The answer: generated and verified when a language model is configured, else extractive."""
        *_, answer = self.ask_stream(question, k, source, doc_type, history)
        return answer

    def ask_stream(
        self,
        question: str,
        k: int | None = None,
        source: str | None = None,
        doc_type: str | None = None,
        history: list[Turn] | None = None,
    ) -> Iterator[str | Answer]:
        """Text pieces as the answer is written, then the final :class:`Answer` (always last).

        The decision to decline is made first, by the extractive path; only an answer that would
        be given is generated. The pieces are the model's raw text; the final answer holds only
        what passed verification.
        """
        answer = self.ask_extractive(question, k, source, doc_type, history)
        if self.generator is None or not answer.grounded:
            yield answer.answer
            yield answer
            return
        yield from self.generator.stream(answer)

    def ask_extractive(
        self,
        question: str,
        k: int | None = None,
        source: str | None = None,
        doc_type: str | None = None,
        history: list[Turn] | None = None,
    ) -> Answer:
        question = question.strip()
        backend = self.settings.backend
        if not question:
            raise ValueError("the question is empty")
        self.refresh()
        self.require_documents()
        # One retriever for the whole question: another thread's refresh may publish a new one
        # meanwhile, and the decline decision must read the documents the passages came from.
        retriever = self.retriever
        expansion = self.search_query(question, history)
        standalone = expansion.question
        retrieval = self.search(expansion, k, source, doc_type, retriever)
        selection, decision = self.consider(retrieval, expansion, retriever)
        retrieval.question = question
        if not decision.answer:
            return self.composer.refuse(question, backend, decision.reason, decision.confidence, standalone)
        # What the answer quotes is what it rests on: those passages are re-ranked up
        # (RankingPolicy.answer_quote_bonus), so the first source shown is the answer's.
        retrieval.passages, numbers = retriever.policy.quoted_first(retrieval.passages, selection.quoted)
        return self.composer.compose(retrieval, selection.renumbered(numbers), backend, decision.confidence, standalone)
