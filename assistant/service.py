"""The assistant as one object: load the store, indexes and models once, then answer questions."""
from __future__ import annotations

from .answer import AnswerComposer, confidence_of
from .config import Settings, load_settings
from .documents import DocumentDirectory
from .embeddings import get_embeddings
from .ingest import ensure_lexical_index
from .rerank import CrossEncoderReranker
from .retrieval import HybridRetriever, Retrieval
from .schema import Answer
from .store import ChunkStore

# Calibrated by benchmarks/calibrate_refusal.py; see README "Refusal threshold".
DENSE_FLOOR = 0.20
DENSE_SPAN = 0.50


class EmptyStoreError(RuntimeError):
    """The store holds no documents: run ingest first."""


class Assistant:
    def __init__(self, settings: Settings | None = None, reranker: CrossEncoderReranker | None = None):
        self.settings = settings or load_settings()
        self.store = ChunkStore(self.settings)
        self.embeddings = get_embeddings(self.settings.embed_batch_size)
        if self.settings.rerank and reranker is None:
            reranker = CrossEncoderReranker(max_tokens=self.settings.rerank_max_tokens)
        self.reranker = reranker
        self.composer = AnswerComposer(self.embeddings, self.settings.contact)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the document records and the BM25 index (after an ingest)."""
        self.lexical = ensure_lexical_index(self.store, self.settings)
        self.directory = DocumentDirectory(self.store.document_records(), self.lexical)
        self.retriever = HybridRetriever(
            self.settings, self.store, self.lexical, self.directory, self.embeddings, self.reranker
        )

    @property
    def is_empty(self) -> bool:
        return not self.directory.records

    def retrieve(self, question: str, k: int | None = None, source: str | None = None, doc_type: str | None = None) -> Retrieval:
        return self.retriever.run(question, k=k, source_glob=source, doc_type=doc_type)

    def confidence(self, retrieval: Retrieval) -> float:
        return confidence_of(retrieval, DENSE_FLOOR, DENSE_SPAN)

    def ask(self, question: str, k: int | None = None, source: str | None = None, doc_type: str | None = None) -> Answer:
        question = question.strip()
        backend = self.settings.backend
        if not question:
            raise ValueError("the question is empty")
        if self.is_empty:
            raise EmptyStoreError(f"the store at {backend} holds no documents: run `python ingest.py` first")
        retrieval = self.retrieve(question, k, source, doc_type)
        confidence = self.confidence(retrieval)
        if not retrieval.passages:
            return self.composer.refuse(question, backend, "", 0.0)
        if retrieval.unknown_terms and not retrieval.named.sources:
            names = ", ".join(retrieval.unknown_terms)
            return self.composer.refuse(question, backend, f" (they do not mention {names})", confidence)
        if confidence < self.settings.min_confidence:
            return self.composer.refuse(question, backend, "", confidence)
        return self.composer.compose(retrieval, backend, confidence)
