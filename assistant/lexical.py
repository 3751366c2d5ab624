"""BM25 over the same chunks as the vector store, persisted beside it.

bm25s keeps a sparse matrix and has no in-place update, so the index is rebuilt from the store's
chunks at the end of every ingest that changed something (about a second for thousands of
chunks) and saved with the store fingerprint it was built from. Queries only load it; a process
that finds the saved fingerprint out of step with the store (another machine ingested into a shared
Chroma server, or an ingest was killed before the rebuild) rebuilds it once and saves it.
"""
from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import bm25s
import numpy as np
import Stemmer

if TYPE_CHECKING:
    from .config import Settings
    from .store import ChunkStore

logging.getLogger("bm25s").setLevel(logging.ERROR)

# PyStemmer: "the algorithm has internal state, so must not be called concurrently", and one
# Assistant answers several app sessions at once: one stemmer per thread.
_STEMMERS = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    stemmer = getattr(_STEMMERS, "stemmer", None)
    if stemmer is None:
        stemmer = _STEMMERS.stemmer = Stemmer.Stemmer("english")
    return stemmer

# Han characters (basic, extension A, compatibility): Chinese has no spaces, so these runs are cut
# into words by jieba instead of the whitespace-and-punctuation word pattern.
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Function words that carry no topic (the Chinese counterpart of the English stopword list).
CJK_STOPWORDS = frozenset("的 了 是 在 和 与 及 或 等 也 都 而 并 对 将 把 被 其 之 于 以 由 为 从 向 这 那 个 我 你 他 她 它 吗 呢 吧 啊 该 应 须 可 能 会 要 有 无 不 没 哪 谁 什么 如何 怎么 怎样 是否 可以 应当 需要".split())


def _cjk_tokens(text: str) -> list[str]:
    import jieba

    jieba.setLogLevel(logging.ERROR)
    tokens: list[str] = []
    for run in _CJK.findall(text):
        tokens.extend(t for t in jieba.cut_for_search(run) if t.strip() and t not in CJK_STOPWORDS)
    return tokens


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased, English-stopword-free, stemmed word tokens (numbers kept); Chinese text is cut
    into words (and their sub-words, for recall) by jieba, without Chinese function words."""
    has_cjk = [bool(_CJK.search(t)) for t in texts]
    plain = [_CJK.sub(" ", t) if cjk else t for t, cjk in zip(texts, has_cjk)]
    tokens = bm25s.tokenize(plain, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)
    if not any(has_cjk):
        return tokens
    return [list(words) + _cjk_tokens(text) if cjk else words for words, text, cjk in zip(tokens, texts, has_cjk)]


def holds_any(text: str, tokens: tuple[str, ...]) -> bool:
    """Whether ``text`` holds any of ``tokens`` (index tokens, as :func:`tokenize` makes them): how
    a passage or an answer unit is found to hold a word a follow-up adds."""
    return bool(tokens) and not set(tokens).isdisjoint(tokenize([text])[0])


class LexicalIndex:
    """A BM25 index whose rows are chunk ids."""

    def __init__(self, ids: list[str], retriever: bm25s.BM25 | None, fingerprint: str, sources: list[str] | None = None):
        self.ids = ids
        self.sources = sources or [""] * len(ids)
        self.fingerprint = fingerprint
        self._retriever = retriever
        self.vocabulary: set[str] = set(retriever.vocab_dict) if retriever is not None else set()
        self._source_df: dict[str, int] = {}

    @classmethod
    def build(cls, ids: list[str], texts: list[str], fingerprint: str, sources: list[str]) -> "LexicalIndex":
        if not ids:
            return cls([], None, fingerprint)
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        retriever.index(tokenize(texts), show_progress=False)
        return cls(list(ids), retriever, fingerprint, list(sources))

    def save(self, directory: Path) -> None:
        """Write to a temporary folder and swap it in, so a crash never leaves half an index."""
        directory = Path(directory)
        # Per process and thread: readers save too, and an app ingests in one thread while another
        # thread's question reloads (a name per process alone let them empty each other's folder).
        tag = f"{os.getpid()}-{threading.get_ident()}"
        staging = directory.with_name(f"{directory.name}.tmp{tag}")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        if self._retriever is not None:
            self._retriever.save(str(staging), show_progress=False)
        (staging / "ids.json").write_text(json.dumps({"ids": self.ids, "sources": self.sources}))
        (staging / "fingerprint.txt").write_text(self.fingerprint)
        backup = directory.with_name(f"{directory.name}.old{tag}")
        shutil.rmtree(backup, ignore_errors=True)
        if directory.exists():
            directory.rename(backup)
        staging.rename(directory)
        shutil.rmtree(backup, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path) -> "LexicalIndex | None":
        directory = Path(directory)
        try:
            rows = json.loads((directory / "ids.json").read_text())
            fingerprint = (directory / "fingerprint.txt").read_text()
            # Memory-mapped: a replica or a short-lived `ask` reads only the columns its query touches,
            # and the operating system shares the pages between processes on one machine.
            retriever = bm25s.BM25.load(str(directory), show_progress=False, mmap=True) if rows["ids"] else None
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return cls(rows["ids"], retriever, fingerprint, rows["sources"])

    def document_frequency(self, token: str) -> int:
        """How many distinct sources contain an (already tokenized) word: a word that names a
        document is one that few documents use at all."""
        cached = self._source_df.get(token)
        if cached is not None:
            return cached
        column = self._retriever.vocab_dict.get(token) if self._retriever is not None else None
        count = 0
        if column is not None:
            scores = self._retriever.scores
            indptr = scores["indptr"]
            if column + 1 < len(indptr):
                rows = scores["indices"][indptr[column] : indptr[column + 1]]
                count = len({self.sources[int(r)] for r in rows})
        self._source_df[token] = count
        return count

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: str, k: int, allowed_sources: set[str] | None = None) -> list[tuple[str, float]]:
        """Best ``k`` (chunk id, BM25 score) with a positive score, optionally within some sources."""
        if self._retriever is None or k <= 0:
            return []
        tokens = tokenize([query])
        if not any(t in self.vocabulary for t in tokens[0]):
            return []
        mask = None
        if allowed_sources is not None:
            mask = np.fromiter((s in allowed_sources for s in self.sources), dtype=np.float32, count=len(self.sources))
            if not mask.any():
                return []
        rows, scores = self._retriever.retrieve(
            tokens, k=min(k, len(self.ids)), show_progress=False, weight_mask=mask, n_threads=1
        )
        return [(self.ids[int(r)], float(s)) for r, s in zip(rows[0], scores[0]) if s > 0]


def ensure_lexical_index(store: "ChunkStore", settings: "Settings") -> LexicalIndex:
    """The saved index when it was built from the store as it is now, else a rebuilt (and saved) one."""
    fingerprint = store.fingerprint()
    existing = LexicalIndex.load(settings.index_dir)
    if existing is not None and existing.fingerprint == fingerprint:
        return existing
    ids, texts, metadatas = store.all_chunks()
    index = LexicalIndex.build(ids, texts, fingerprint, [m["source"] for m in metadatas])
    try:
        index.save(settings.index_dir)
    except OSError as exc:  # a read-only deployment still answers, from the in-memory index
        print(f"warning: could not save the BM25 index to {settings.index_dir}: {exc}", file=sys.stderr)
    return index
