"""The assistant as one object: load the store, indexes and models once, then answer questions."""
from __future__ import annotations

import threading

from .answer import AnswerComposer, confidence_of
from .config import Settings, load_settings
from .documents import DocumentDirectory
from .embeddings import get_embeddings
from .ingest import ensure_lexical_index
from .rerank import CrossEncoderReranker
from .retrieval import HybridRetriever, Retrieval, logit, sigmoid
from .schema import Answer
from .store import ChunkStore, MissingStoreError

NAMED_PRIOR_LOGITS = 2.0


class EmptyStoreError(RuntimeError):
    """The store holds no documents: run ingest first."""


class Assistant:
    """Answers questions; notices an ingest made by another process and reloads before the next answer."""

    def __init__(self, settings: Settings | None = None, reranker: CrossEncoderReranker | None = None):
        self.settings = settings or load_settings()
        try:
            self.store = ChunkStore(self.settings, create=False)
        except MissingStoreError as exc:
            raise EmptyStoreError(str(exc)) from exc
        self.embeddings = get_embeddings(self.settings.embed_batch_size)
        if self.settings.rerank and reranker is None:
            reranker = CrossEncoderReranker(max_tokens=self.settings.rerank_max_tokens)
        self.reranker = reranker
        self.composer = AnswerComposer(self.embeddings, self.settings.contact, reranker if self.settings.rerank else None)
        self._lock = threading.Lock()
        self._load()

    def _load(self) -> None:
        self.fingerprint = self.store.fingerprint()
        self.lexical = ensure_lexical_index(self.store, self.settings)
        self.directory = DocumentDirectory(self.store.document_records(), self.lexical)
        self.retriever = HybridRetriever(
            self.settings, self.store, self.lexical, self.directory, self.embeddings, self.reranker
        )

    def refresh(self) -> bool:
        """Reload when the store changed since it was loaded (an ingest, here or elsewhere).

        A fresh client is made so that the embedded store's in-memory vector index is re-read.
        Returns whether anything was reloaded.
        """
        with self._lock:
            if self.store.fingerprint() == self.fingerprint:
                return False
            self.store = ChunkStore(self.settings, fresh=True)
            self._load()
            return True

    @property
    def is_empty(self) -> bool:
        return not self.directory.records

    def require_documents(self) -> None:
        if self.is_empty:
            raise EmptyStoreError(f"the store at {self.settings.backend} holds no documents: run `python ingest.py` first")

    def retrieve(self, question: str, k: int | None = None, source: str | None = None, doc_type: str | None = None) -> Retrieval:
        return self.retriever.run(question, k=k, source_glob=source, doc_type=doc_type)

    def threshold(self, retrieval: Retrieval) -> float:
        """The calibrated refusal threshold for the scale the confidence is on.

        A question that names a document the store holds is about that document: the prior odds
        that it is answerable are higher, so the bar is lowered (by NAMED_PRIOR_LOGITS in log-odds).
        """
        if retrieval.reranked:
            threshold = self.settings.min_confidence
            if retrieval.named.sources:
                threshold = sigmoid(logit(threshold) - NAMED_PRIOR_LOGITS)
            return threshold
        return self.settings.min_dense_similarity - (0.1 if retrieval.named.sources else 0.0)

    def ask(self, question: str, k: int | None = None, source: str | None = None, doc_type: str | None = None) -> Answer:
        question = question.strip()
        backend = self.settings.backend
        if not question:
            raise ValueError("the question is empty")
        self.refresh()
        self.require_documents()
        retrieval = self.retrieve(question, k, source, doc_type)
        if not retrieval.passages:
            return self.composer.refuse(question, backend, "", 0.0)
        if retrieval.unknown_terms and not retrieval.named.sources:
            names = ", ".join(retrieval.unknown_terms)
            return self.composer.refuse(question, backend, f" (they do not mention {names})", 0.0)
        sentences = self.composer.score_sentences(question, retrieval.passages, retrieval.reranked, retrieval.vector)
        confidence = confidence_of(retrieval, sentences)
        if confidence < self.threshold(retrieval):
            return self.composer.refuse(question, backend, "", confidence)
        return self.composer.compose(retrieval, sentences, backend, confidence)
