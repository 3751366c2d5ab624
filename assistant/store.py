"""The Chroma store: chunk vectors plus one record per ingested document.

Embedded (``PersistentClient``) by default, a Chroma server (``HttpClient``) when a host is
configured. Embeddings are always computed by the project and passed in, so Chroma's default
embedding function (which downloads a model) is never used.

A document's record is written only after all of its chunks are in, and deleted before them, so a
killed ingest leaves chunks without a record (never a record without its chunks); the next ingest
reuses those whose id still matches and redoes the rest, and retrieval never serves them.

``--rebuild`` never empties the collections readers use: it builds a new *generation* (collections
``<name>_g<n>`` and ``<name>_g<n>_documents``) and, once it is complete, moves a one-record pointer
(collection ``<name>_active``) to it. A reader notices the move through :meth:`ChunkStore.fingerprint`
and reopens; the generation it was reading is kept until the next rebuild, so a question in flight
never loses its collections. Generation 0 uses the plain names, so stores made before this exist as
generation 0.

Every app replica asks for the fingerprint before each question, so it must be cheap against a
server: the writer *seals* it, i.e. stores the digest of the records in a small record of the
pointer collection at the end of an ingest, and the first write of any later change removes that
seal before touching anything. A sealed fingerprint is one small read; an unsealed one (an ingest
under way or killed, a store written before seals existed) is computed from the records as before,
so readers never take a stale seal for the truth.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import MISSING, dataclass

import chromadb
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.config import Settings as ChromaSettings

from .config import Settings
from .schema import Chunk

_CHROMA_MAX_BATCH = 1000
# Records per get() when reading a whole collection. Chroma 1.5's local store binds one SQLite
# variable per record it returns with metadata, and SQLite allows 32,766: an unpaged get() of the
# 100k-chunk benchmark store failed with "too many SQL variables" (chroma-core/chroma#7687).
_CHROMA_GET_PAGE = 10_000


def _get_all(collection, include: list[str], where: dict | None = None) -> dict:
    """collection.get() of every matching record, read a page at a time; the same keys as get()."""
    merged: dict[str, list] = {"ids": [], **{key: [] for key in include}}
    offset = 0
    while True:
        page = collection.get(where=where, include=include, limit=_CHROMA_GET_PAGE, offset=offset)
        merged["ids"].extend(page["ids"])
        for key in include:
            merged[key].extend(page[key] or [])
        if len(page["ids"]) < _CHROMA_GET_PAGE:
            return merged
        offset += _CHROMA_GET_PAGE


@dataclass(frozen=True)
class DocumentRecord:
    source: str
    sha256: str
    title: str
    doc_type: str
    doc_id: str
    version: str
    status: str
    chunks: int
    parties: str = ""
    preamble: str = ""
    chunker: str = ""  # model and chunk settings the chunks were made with
    pages: int = 0  # PDF pages; 0 for files without pages
    ingested_at: str = ""  # ISO time (UTC) the chunks were written, shown on the documents page


class MissingStoreError(RuntimeError):
    """There is no local store where one was expected (and none is created for a read)."""


def make_client(settings: Settings, create: bool = True, fresh: bool = False):
    """A Chroma client for the configured backend.

    ``create=False`` refuses to make an empty local store (a mistyped --store on a read);
    ``fresh=True`` drops Chroma's per-process client cache first: an embedded client keeps its
    vector index in memory and would not see what another process (an ingest) wrote since.
    """
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    if settings.chroma_host:
        return chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port, ssl=settings.chroma_ssl, settings=chroma_settings
        )
    if not create and not (settings.store_dir / "chroma.sqlite3").is_file():
        raise MissingStoreError(f"no store at {settings.store_dir}: run `python ingest.py` first")
    if fresh:
        SharedSystemClient.clear_system_cache()
    settings.store_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.store_dir), settings=chroma_settings)


def generation_name(collection: str, generation: int) -> str:
    """The chunk collection of a generation; its records live in ``<that>_documents``."""
    return collection if generation == 0 else f"{collection}_g{generation}"


class ChunkStore:
    """Chunks and document records of one generation, in two Chroma collections."""

    def __init__(self, settings: Settings, client=None, create: bool = True, fresh: bool = False, generation: int | None = None):
        self.settings = settings
        self.client = client if client is not None else make_client(settings, create=create, fresh=fresh)
        # Records need a vector in Chroma; a constant one-dimensional vector is enough.
        self.pointer = self.client.get_or_create_collection(name=f"{settings.collection}_active", embedding_function=None)
        self.generation = self.active_generation() if generation is None else generation
        name = generation_name(settings.collection, self.generation)
        self.chunks = self.client.get_or_create_collection(
            name=name,
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine", "ef_search": settings.hnsw_ef_search}},
        )
        self._search_widely()
        self.documents = self.client.get_or_create_collection(name=f"{name}_documents", embedding_function=None)
        self._unsealed = False  # whether this object already removed the seal before writing

    def _search_widely(self) -> None:
        """A store made before the setting (or with another value) is searched as configured:
        ``ef_search`` is the one HNSW parameter Chroma lets an existing collection change."""
        hnsw = (self.chunks.configuration or {}).get("hnsw") or {}
        if hnsw.get("ef_search") != self.settings.hnsw_ef_search:
            self.chunks.modify(configuration={"hnsw": {"ef_search": self.settings.hnsw_ef_search}})

    # -------------------------------------------------------------- generations

    def active_generation(self) -> int:
        """The generation readers should use: the one the pointer names (0 without a pointer)."""
        result = self.pointer.get(ids=["active"], include=["metadatas"])
        metas = result["metadatas"] or []
        return int(metas[0].get("generation", 0)) if metas else 0

    def generations(self) -> set[int]:
        """Every generation that has collections in this database."""
        pattern = re.compile(rf"^{re.escape(self.settings.collection)}(?:_g(\d+))?$")
        found = set()
        for collection in self.client.list_collections():
            match = pattern.match(getattr(collection, "name", collection))
            if match:
                found.add(int(match.group(1) or 0))
        return found

    def drop_generation(self, generation: int) -> None:
        name = generation_name(self.settings.collection, generation)
        self.pointer.delete(ids=[_seal_id(generation)])
        for collection in (name, f"{name}_documents"):
            try:
                self.client.delete_collection(collection)
            except Exception:  # absent already
                pass

    def next_generation(self) -> "ChunkStore":
        """A new, empty generation beside this one (any unfinished rebuild's leftovers dropped)."""
        target = max(self.generations() | {self.generation}) + 1
        self.drop_generation(target)
        return ChunkStore(self.settings, client=self.client, generation=target)

    def drop_unfinished_generations(self) -> list[int]:
        """Generations newer than the active one: left by a rebuild that was killed before its swap."""
        active = self.active_generation()
        unfinished = sorted(g for g in self.generations() if g > active)
        for generation in unfinished:
            self.drop_generation(generation)
        return unfinished

    def activate(self, target: "ChunkStore") -> None:
        """Point readers at ``target``; keep the generation they were reading until the next swap."""
        previous = self.active_generation()
        self.pointer.upsert(ids=["active"], embeddings=[[1.0]], metadatas=[{"generation": target.generation}])
        for generation in self.generations() - {previous, target.generation}:
            self.drop_generation(generation)

    # -------------------------------------------------------------- documents

    def document_records(self) -> dict[str, DocumentRecord]:
        records = {}
        for meta in _get_all(self.documents, ["metadatas"])["metadatas"]:
            record = DocumentRecord(**{k: meta.get(k, _missing_value(k, f.default)) for k, f in DocumentRecord.__dataclass_fields__.items()})
            records[record.source] = record
        return records

    def put_document(self, record: DocumentRecord) -> None:
        self._unseal()
        self.documents.upsert(ids=[_record_id(record.source)], embeddings=[[1.0]], metadatas=[record.__dict__])

    def delete_record(self, source: str) -> None:
        self._unseal()
        self.documents.delete(ids=[_record_id(source)])

    def delete_document(self, source: str) -> None:
        """Remove a document's record first, then its chunks: a crash in between leaves orphans
        that the next ingest removes, never a record pointing at missing chunks."""
        self.delete_record(source)
        self.chunks.delete(where={"source": source})

    # -------------------------------------------------------------- chunks

    def add_chunks(self, chunks: list[Chunk], embeddings: list[list[float]]) -> None:
        self._unseal()
        for start in range(0, len(chunks), _CHROMA_MAX_BATCH):
            part = chunks[start : start + _CHROMA_MAX_BATCH]
            self.chunks.upsert(
                ids=[c.id for c in part],
                embeddings=embeddings[start : start + _CHROMA_MAX_BATCH],
                documents=[c.indexed_text for c in part],
                metadatas=[c.metadata() for c in part],
            )

    def update_metadata(self, chunks: list[Chunk]) -> None:
        """New metadata (pages, section, file hash) for chunks whose embedded text is unchanged."""
        self._unseal()
        for start in range(0, len(chunks), _CHROMA_MAX_BATCH):
            part = chunks[start : start + _CHROMA_MAX_BATCH]
            self.chunks.update(ids=[c.id for c in part], metadatas=[c.metadata() for c in part])

    def chunk_ids(self, source: str) -> set[str]:
        """Ids of the chunks a document has in the store."""
        return set(_get_all(self.chunks, [], where={"source": source})["ids"])

    def delete_chunks(self, ids: list[str]) -> None:
        self._unseal()
        for start in range(0, len(ids), _CHROMA_MAX_BATCH):
            self.chunks.delete(ids=ids[start : start + _CHROMA_MAX_BATCH])

    def chunk_ids_by_source(self) -> dict[str, set[str]]:
        """The ids of each source's chunks in the store."""
        result = _get_all(self.chunks, ["metadatas"])
        found: dict[str, set[str]] = {}
        for chunk_id, meta in zip(result["ids"], result["metadatas"]):
            found.setdefault(meta["source"], set()).add(chunk_id)
        return found

    def chunk_sources(self) -> dict[str, int]:
        """How many chunks each source has in the store."""
        counts: dict[str, int] = {}
        for meta in _get_all(self.chunks, ["metadatas"])["metadatas"]:
            counts[meta["source"]] = counts.get(meta["source"], 0) + 1
        return counts

    def all_chunks(self) -> tuple[list[str], list[str], list[dict]]:
        """Ids, indexed texts and metadata of every chunk whose document is complete (has a
        record), for building the BM25 index; chunks of an unfinished ingest are left out."""
        complete = set(self.document_records())
        result = _get_all(self.chunks, ["documents", "metadatas"])
        order = sorted(
            (i for i in range(len(result["ids"])) if result["metadatas"][i]["source"] in complete),
            key=lambda i: result["ids"][i],
        )
        return (
            [result["ids"][i] for i in order],
            [result["documents"][i] for i in order],
            [result["metadatas"][i] for i in order],
        )

    def count(self) -> int:
        return self.chunks.count()

    def query(self, embedding: list[float], n: int, where: dict | None = None) -> list[tuple[str, float, dict]]:
        """Nearest chunks as (id, cosine similarity, metadata), best first."""
        n = min(n, self.count())
        if n <= 0:
            return []
        result = self.chunks.query(
            query_embeddings=[embedding], n_results=n, where=where, include=["metadatas", "distances"]
        )
        return [
            (chunk_id, 1.0 - float(distance), meta)
            for chunk_id, distance, meta in zip(result["ids"][0], result["distances"][0], result["metadatas"][0])
        ]

    def get(self, ids: list[str]) -> dict[str, dict]:
        if not ids:
            return {}
        result = self.chunks.get(ids=ids, include=["metadatas"])
        return dict(zip(result["ids"], result["metadatas"]))

    def neighbour(self, source: str, ordinal: int) -> tuple[str, dict] | None:
        """The chunk at ``ordinal`` of a document, as (id, metadata), or None."""
        if ordinal < 0:
            return None
        result = self.chunks.get(where={"$and": [{"source": source}, {"ordinal": ordinal}]}, include=["metadatas"])
        return (result["ids"][0], result["metadatas"][0]) if result["ids"] else None

    def fingerprint(self) -> str:
        """Changes whenever a document is added, changed, re-chunked or removed, or a rebuild
        swapped generations: the BM25 index's key, and how a running app notices an ingest made
        by another process or machine. One small read when the last writer sealed it."""
        found = self.pointer.get(ids=["active", _seal_id(self.generation)], include=["metadatas"])
        state = dict(zip(found["ids"], found["metadatas"] or []))
        active = int(state.get("active", {}).get("generation", 0))
        if active != self.generation:
            return f"generation {active} replaced {self.generation}: reopen"
        sealed = state.get(_seal_id(self.generation))
        return str(sealed["fingerprint"]) if sealed else self.computed_fingerprint()

    def computed_fingerprint(self) -> str:
        """The digest of every document record (source, file hash, chunk count, chunker): reads
        all records, so readers use it only when no writer sealed it."""
        records = self.document_records()
        digest = hashlib.sha256()
        for source in sorted(records):
            record = records[source]
            digest.update(f"{source}\0{record.sha256}\0{record.chunks}\0{record.chunker}\n".encode())
        return digest.hexdigest()

    def seal(self) -> str:
        """Store the fingerprint for readers; called by the one writer when its changes are complete."""
        fingerprint = self.computed_fingerprint()
        self.pointer.upsert(ids=[_seal_id(self.generation)], embeddings=[[1.0]], metadatas=[{"fingerprint": fingerprint}])
        self._unsealed = False
        return fingerprint

    def _unseal(self) -> None:
        """Before the first change: readers compute the fingerprint until the writer seals it again."""
        if not self._unsealed:
            self.pointer.delete(ids=[_seal_id(self.generation)])
            self._unsealed = True


def _missing_value(name: str, default):
    """A field an older store's record lacks: its default, else an empty value of its kind."""
    if default is not MISSING:
        return default
    return 0 if name == "chunks" else ""


def _seal_id(generation: int) -> str:
    """The pointer collection's record holding a generation's sealed fingerprint."""
    return f"sealed_g{generation}"


def _record_id(source: str) -> str:
    return hashlib.sha1(source.encode("utf-8")).hexdigest()
