"""One place for configuration: environment variables read into a frozen settings object.

Every knob the product has lives here so the CLI, the UI and the tests configure the same
thing the same way. Values come from ``ASSISTANT_*`` environment variables; callers may
override any field with :func:`dataclasses.replace`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Offline is not optional: code that reaches for a model hub fails on this network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


LLM_BACKENDS = ("none", "openai", "ollama", "llamacpp")
EMBEDDING_BACKENDS = ("onnx", "torch")


def _user_cache_dir() -> Path:
    """Where built models are kept: one per user, shared by every store (an export takes seconds)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ip-policy-assistant"


class SettingsError(ValueError):
    """A setting (environment variable or flag) that cannot be used; the message names it."""


def _env(name: str, default: str) -> str:
    return os.environ.get(f"ASSISTANT_{name}", default)


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(f"ASSISTANT_{name}")
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_number(name: str, default, kind):
    raw = os.environ.get(f"ASSISTANT_{name}")
    if not raw:
        return default
    try:
        return kind(raw)
    except ValueError:
        raise SettingsError(f"ASSISTANT_{name} must be a {kind.__name__}, got {raw!r}") from None


def _env_int(name: str, default: int) -> int:
    return _env_number(name, default, int)


def _env_float(name: str, default: float) -> float:
    return _env_number(name, default, float)


@dataclass(frozen=True)
class Settings:
    """Where the data lives, which backend holds it and how retrieval behaves."""

    corpus_dir: Path = field(default_factory=lambda: Path(_env("CORPUS_DIR", str(PROJECT_ROOT / "corpus"))))
    store_dir: Path = field(default_factory=lambda: Path(_env("STORE_DIR", str(PROJECT_ROOT / "data" / "store"))))
    collection: str = field(default_factory=lambda: _env("COLLECTION", "ip_policy"))
    # A Chroma server (``chroma run``) replaces the embedded store when a host is set.
    chroma_host: str = field(default_factory=lambda: _env("CHROMA_HOST", ""))
    chroma_port: int = field(default_factory=lambda: _env_int("CHROMA_PORT", 8000))
    chroma_ssl: bool = field(default_factory=lambda: _env_bool("CHROMA_SSL", False))
    # With a server, the BM25 index is kept on each client machine, here.
    index_root: Path = field(default_factory=lambda: Path(_env("INDEX_DIR", str(PROJECT_ROOT / "data" / "index"))))

    # Chunking: all-MiniLM-L6-v2 reads 256 word pieces; the context header takes up to
    # ``header_tokens`` of them, the passage the rest.
    chunk_tokens: int = field(default_factory=lambda: _env_int("CHUNK_TOKENS", 128))
    chunk_overlap_tokens: int = field(default_factory=lambda: _env_int("CHUNK_OVERLAP_TOKENS", 24))
    header_tokens: int = field(default_factory=lambda: _env_int("HEADER_TOKENS", 60))
    embed_batch_size: int = field(default_factory=lambda: _env_int("EMBED_BATCH_SIZE", 32))
    # Threads each ONNX Runtime session (the embedding model, the cross-encoder) uses for one call.
    # 2 (the cores of the machine this was built on) lets one asker use both cores. Several askers
    # sharing one Assistant (the app's sessions) already compete for the cores, where 1 may serve as
    # well or better; `benchmarks/run.py --concurrency` measures both (README, "Concurrent askers").
    onnx_threads: int = field(default_factory=lambda: _env_int("ONNX_THREADS", 2))
    # "onnx": the embedding model exported once to ONNX and run by onnxruntime (no torch in the
    # process); "torch": sentence-transformers, as before. Both give the same vectors (cosine >= 0.999).
    embedding_backend: str = field(default_factory=lambda: _env("EMBEDDING_BACKEND", "onnx").strip().lower() or "onnx")
    # Built models (the ONNX export of the embedding model), made by `python -m assistant build-models`
    # or on first use.
    model_cache_dir: Path = field(default_factory=lambda: Path(_env("MODEL_CACHE_DIR", "") or _user_cache_dir()))
    # One writer at a time: a second ingest waits this long for the first, then refuses (exit 4).
    # Long enough to ride out an incremental ingest started a moment earlier, short enough that
    # `make run` does not hang silently behind a full rebuild.
    ingest_lock_timeout: float = field(default_factory=lambda: _env_float("INGEST_LOCK_TIMEOUT", 30.0))

    # Retrieval.
    k: int = field(default_factory=lambda: _env_int("K", 5))
    candidates: int = field(default_factory=lambda: _env_int("CANDIDATES", 40))
    rrf_k: int = field(default_factory=lambda: _env_int("RRF_K", 60))
    rerank: bool = field(default_factory=lambda: _env_bool("RERANK", True))
    # How many fused candidates the cross-encoder reads (only those can be shown), and how many
    # word pieces of each pair (question + passage) it reads. The cross-encoder is most of the time
    # of an answer, in proportion to candidates x word pieces. Measured on the 177 tuning questions
    # (the tuning sets of benchmarks/quality.py, one run each): 24 x 256 and 16 x 160 scored the same
    # (hit@5 equal or better on every set; MRR -0.026 on CUAD dev, +0.022 on our CUAD tuning half,
    # one staff question fewer answered) at half the cross-encoder work; 12 x 128 lost 6 points of
    # hit@5 on CUAD dev. Inside a 30-page contract the clause that answers is often below the tenth
    # fused candidate, so fewer than 16 is not offered as the default.
    rerank_candidates: int = field(default_factory=lambda: _env_int("RERANK_CANDIDATES", 16))
    # The same, for a question that names a document: the candidates then come mostly from that one
    # document, where BM25 and the embeddings tell its clauses apart poorly (legal boilerplate
    # throughout), and the clause that answers often sits at fused rank 17-24 ("covenants not to
    # sue" on page 21 of a 28-page agreement). Measured on the CUAD tuning questions (all name
    # their contract): 24 lifts hit@5 on the development questions 0.935 -> 0.968 and on our tuning
    # half 0.940 -> 0.955 (MRR 0.742 -> 0.801 and 0.805 -> 0.796), at a half more cross-encoder
    # work for those questions; questions that name no document keep 16. CUAD held-out half, run
    # once after the choice: hit@5 0.881 -> 0.905, MRR 0.770 -> 0.809.
    named_rerank_candidates: int = field(default_factory=lambda: _env_int("NAMED_RERANK_CANDIDATES", 24))
    rerank_max_tokens: int = field(default_factory=lambda: _env_int("RERANK_MAX_TOKENS", 160))
    # How widely Chroma's HNSW graph is searched for the dense candidates. A collection under
    # Chroma's sync threshold (1,000 chunks) has its graph rebuilt, with random links, each time a
    # process opens it, so at Chroma's default (100) the same question drew different candidates
    # in different runs (recall of the exact top 40: 0.995 on average, 0.925 at worst, for the 57
    # gold questions of the sample corpus). At 500 it found the exact top 40 for all of them, so
    # answers repeat from run to run; on CUAD (4,709 chunks, a graph kept on disk) recall rose from
    # 0.986 (worst 0.75) to 0.999 (worst 0.975) for 123 questions, at about 1-3 ms more a query
    # (benchmarks/vector_search.py, results/vector-search.json).
    hnsw_ef_search: int = field(default_factory=lambda: _env_int("HNSW_EF_SEARCH", 500))

    # Refusal: below this calibrated confidence the assistant says the documents do not
    # cover the question. Calibrated by ``benchmarks/calibrate_refusal.py``.
    min_confidence: float = field(default_factory=lambda: _env_float("MIN_CONFIDENCE", 0.33))
    # The same decision without the reranker, on the dense cosine scale.
    min_dense_similarity: float = field(default_factory=lambda: _env_float("MIN_DENSE_SIMILARITY", 0.567))
    # Extra product names -> kinds (JSON), added to assistant/data/glossary.json.
    glossary: str = field(default_factory=lambda: _env("GLOSSARY", ""))
    contact: str = field(default_factory=lambda: _env("CONTACT", "the Legal & IP Department (ip-office@corvane.example)"))

    # The answer log Legal reviews (SQLAlchemy URL). Unset: SQLite beside the store; set it to a
    # PostgreSQL URL so several app replicas behind one Chroma server share one log.
    database_url: str = field(default_factory=lambda: _env("DATABASE_URL", ""))
    # The JSON-lines review log of earlier versions: imported into the database once, then left alone.
    feedback_log: Path = field(default_factory=lambda: Path(_env("FEEDBACK_LOG", str(PROJECT_ROOT / "data" / "feedback.jsonl"))))

    # Local sign-in (no OpenID Connect provider configured): salted hashes made by
    # ``python -m assistant hash-password``. Unset means nobody has that role.
    admin_password_hash: str = field(default_factory=lambda: _env("ADMIN_PASSWORD_HASH", ""))
    legal_password_hash: str = field(default_factory=lambda: _env("LEGAL_PASSWORD_HASH", ""))
    # With OpenID Connect (st.login): comma-separated e-mail addresses given each role; everyone
    # else who signs in is staff.
    admin_users: str = field(default_factory=lambda: _env("ADMIN_USERS", ""))
    legal_users: str = field(default_factory=lambda: _env("LEGAL_USERS", ""))

    # Admin uploads: the largest policy PDFs are a few MB; 25 MB leaves room for scanned
    # appendices while bounding what one upload holds in memory.
    upload_max_mb: int = field(default_factory=lambda: _env_int("UPLOAD_MAX_MB", 25))
    # Replaced and removed files are kept here for the record; unset: ``_archive`` inside the corpus
    # folder (ingest skips folders starting with "_").
    archive_dir_setting: str = field(default_factory=lambda: _env("ARCHIVE_DIR", ""))

    # A language model that writes the answer from the passages (assistant/llm.py); "none" keeps
    # the extractive answer, which needs no model and cannot invent anything.
    llm: str = field(default_factory=lambda: _env("LLM", "none").strip().lower() or "none")
    llm_base_url: str = field(default_factory=lambda: _env("LLM_BASE_URL", ""))  # openai, ollama
    llm_model: str = field(default_factory=lambda: _env("LLM_MODEL", ""))  # openai, ollama
    llm_api_key: str = field(default_factory=lambda: _env("LLM_API_KEY", ""))  # openai
    llm_model_path: str = field(default_factory=lambda: _env("LLM_MODEL_PATH", ""))  # llamacpp: a GGUF file
    # Seconds the whole generation may take before the extractive answer is shown instead.
    llm_timeout: float = field(default_factory=lambda: _env_float("LLM_TIMEOUT", 60.0))
    # An answer of three to five cited sentences fits in 384 tokens; more is a model rambling.
    llm_max_tokens: int = field(default_factory=lambda: _env_int("LLM_MAX_TOKENS", 384))
    # The model's context window in its tokens: prompt + passages + answer must fit (passages that
    # do not are left out). 4096 is what small local models (and llama.cpp here) run with.
    llm_context_tokens: int = field(default_factory=lambda: _env_int("LLM_CONTEXT_TOKENS", 4096))

    @property
    def backend(self) -> str:
        """A short label of where the store lives, shown to users and in JSON output."""
        if self.chroma_host:
            scheme = "https" if self.chroma_ssl else "http"
            return f"chroma-server {scheme}://{self.chroma_host}:{self.chroma_port}"
        return f"chroma-local {self.store_dir}"

    @property
    def index_dir(self) -> Path:
        """Local files beside the store: the persisted BM25 index."""
        if self.chroma_host:
            return self.index_root / f"{self.chroma_host}_{self.chroma_port}_{self.collection}"
        return self.store_dir / "lexical"

    @property
    def ingest_lock_path(self) -> Path:
        """The writers' lock file, beside the store (beside the local index for a Chroma server,
        where it only keeps out writers of this machine)."""
        base = self.index_dir if self.chroma_host else self.store_dir
        return base.with_name(base.name + ".ingest.lock")

    @property
    def answer_log_url(self) -> str:
        """Where answers are logged: the configured URL, or SQLite beside the store."""
        if self.database_url:
            return self.database_url
        base = self.index_root.parent if self.chroma_host else self.store_dir.parent
        return f"sqlite:///{(base / 'answers.sqlite3').resolve()}"

    @property
    def archive_dir(self) -> Path:
        return Path(self.archive_dir_setting) if self.archive_dir_setting else self.corpus_dir / "_archive"

    def validate(self) -> "Settings":
        if len(self.collection) < 3:
            raise SettingsError("ASSISTANT_COLLECTION must have at least 3 characters (a Chroma rule)")
        if self.chunk_overlap_tokens >= self.chunk_tokens:
            raise SettingsError("chunk overlap must be smaller than the chunk size")
        if self.chunk_tokens + self.header_tokens > 254:
            raise SettingsError("chunk_tokens + header_tokens must fit the model's 256 word-piece window")
        if self.ingest_lock_timeout < 0:
            raise SettingsError("ASSISTANT_INGEST_LOCK_TIMEOUT must be 0 or more seconds")
        if self.k < 1 or self.candidates < self.k:
            raise SettingsError("k must be >= 1 and candidates >= k")
        if self.rerank_candidates < 1 or self.named_rerank_candidates < 1:
            raise SettingsError("ASSISTANT_RERANK_CANDIDATES and ASSISTANT_NAMED_RERANK_CANDIDATES must be at least 1")
        if self.hnsw_ef_search < 1:
            raise SettingsError("ASSISTANT_HNSW_EF_SEARCH must be at least 1")
        if self.onnx_threads < 1:
            raise SettingsError("ASSISTANT_ONNX_THREADS must be at least 1")
        if self.upload_max_mb < 1:
            raise SettingsError("ASSISTANT_UPLOAD_MAX_MB must be at least 1")
        if self.embedding_backend not in EMBEDDING_BACKENDS:
            raise SettingsError(
                f"ASSISTANT_EMBEDDING_BACKEND must be one of {', '.join(EMBEDDING_BACKENDS)}, got {self.embedding_backend!r}"
            )
        if self.llm not in LLM_BACKENDS:
            raise SettingsError(f"ASSISTANT_LLM must be one of {', '.join(LLM_BACKENDS)}, got {self.llm!r}")
        if self.llm_timeout <= 0 or self.llm_max_tokens < 1 or self.llm_context_tokens <= self.llm_max_tokens:
            raise SettingsError("ASSISTANT_LLM_TIMEOUT must be > 0, and LLM_CONTEXT_TOKENS > LLM_MAX_TOKENS >= 1")
        return self


def load_settings(**overrides) -> Settings:
    """Settings from the environment, with explicit overrides (e.g. from CLI flags)."""
    from dataclasses import replace

    clean = {key: value for key, value in overrides.items() if value is not None}
    for key in ("corpus_dir", "store_dir", "feedback_log", "index_root", "model_cache_dir"):
        if key in clean:
            clean[key] = Path(clean[key])
    if "embedding_backend" in clean:
        clean["embedding_backend"] = str(clean["embedding_backend"]).strip().lower()
    if "llm" in clean:
        clean["llm"] = str(clean["llm"]).strip().lower()
    return replace(Settings(), **clean).validate()
