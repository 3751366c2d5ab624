"""The ONNX embedding backend gives the torch model's vectors, and chunk sizes are counted the same way.

Real chunks of the sample corpus, the real packaged model in both backends: the ONNX export must be
interchangeable with sentence-transformers (a store built by one is queried by the other).
"""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from assistant.chunking import chunk_document
from assistant.config import load_settings
from assistant.embeddings import count_tokens, get_embeddings, model_path, torch_embeddings
from assistant.loaders import load_document
from assistant.model_build import is_current, onnx_model_file
from assistant.onnx_embeddings import OnnxEmbeddings

from .conftest import CORPUS

SETTINGS = load_settings()
DOCUMENTS = [
    CORPUS / "policies" / "open-source-software.pdf",
    CORPUS / "policies" / "trade-secret-protection.pdf",
    CORPUS / "lectures" / "enterprise-ip-protection-part1.md",
]
ODD_TEXTS = [
    "",
    "   ",
    "Café naïve résumé — “quoted” 'text' … ½ ©2024 ™",
    "员工在职期间完成的发明创造属于公司。商业秘密必须保密。",
    "e-mail: ip-office@corvane.example; URL https://example.com/a?b=c&d=e",
    "Ｆｕｌｌｗｉｄｔｈ and tabs\tand\nnew\r\nlines 🙂 ünïcödé",
    "word " * 400,
]


@pytest.fixture(scope="module")
def chunk_texts() -> list[str]:
    texts = []
    for path in DOCUMENTS:
        document = load_document(path, CORPUS)
        chunks = chunk_document(document, SETTINGS.chunk_tokens, SETTINGS.chunk_overlap_tokens, SETTINGS.header_tokens)
        texts += [c.indexed_text for c in chunks]
    return texts


@pytest.fixture(scope="module")
def onnx_embeddings():
    embeddings = get_embeddings(backend="onnx")
    assert isinstance(embeddings, OnnxEmbeddings)
    return embeddings


def test_onnx_vectors_match_sentence_transformers_on_corpus_chunks(chunk_texts, onnx_embeddings):
    assert len(chunk_texts) >= 36
    texts = chunk_texts[:48] + ["Who owns an invention I make at home?", "Can I use GPL code in our product?"]
    ours = np.array(onnx_embeddings.embed_documents(texts))
    reference = np.array(torch_embeddings().embed_documents(texts))
    assert ours.shape == reference.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosines = np.sum(ours * reference, axis=1)
    assert cosines.min() >= 0.999, f"worst chunk {int(cosines.argmin())}: cosine {cosines.min():.5f}"


def test_a_query_embeds_as_the_same_text_in_a_batch(onnx_embeddings):
    question = "What must I do before using open-source software?"
    alone = np.array(onnx_embeddings.embed_query(question))
    batched = np.array(onnx_embeddings.embed_documents(["a much longer text " * 20, question, "short"])[1])
    assert np.dot(alone, batched) >= 0.99999


def test_grouping_by_length_keeps_the_callers_order(chunk_texts, onnx_embeddings):
    """Texts are sorted by length into batches of 4 and put back: row i is still text i."""
    texts = chunk_texts[:20][::-1] + ["short one", chunk_texts[0]]
    small_batches = OnnxEmbeddings(onnx_model_file(SETTINGS.model_cache_dir), _tokenizer_json(), batch_size=4)
    grouped = np.array(small_batches.embed_documents(texts))
    one_by_one = np.array([onnx_embeddings.embed_query(t) for t in texts])
    assert np.sum(grouped * one_by_one, axis=1).min() >= 0.99999
    assert texts[19] == texts[-1] and np.dot(grouped[19], grouped[-1]) >= 0.99999  # same text, same vector
    assert np.dot(grouped[0], grouped[-1]) < 0.99  # different texts stay different rows


def test_texts_past_the_window_are_cut_at_256_word_pieces_like_sentence_transformers(onnx_embeddings):
    long_text = "The employee assigns every invention to the company. " * 80
    ours = np.array(onnx_embeddings.embed_query(long_text))
    reference = np.array(torch_embeddings().embed_query(long_text))
    assert float(np.dot(ours, reference)) >= 0.999


def test_chunk_token_counts_equal_transformers_counts(chunk_texts):
    """The chunker counts with tokenizers now; every count must equal AutoTokenizer.tokenize's."""
    from transformers import AutoTokenizer

    reference = AutoTokenizer.from_pretrained(model_path(), local_files_only=True)
    sections = [s.text for path in DOCUMENTS for s in load_document(path, CORPUS).segments]
    texts = chunk_texts + sections + ODD_TEXTS
    assert [count_tokens(t) for t in texts] == [len(reference.tokenize(t)) for t in texts]


def test_the_built_model_is_reused_until_its_manifest_disagrees(tmp_path, onnx_embeddings):
    cache = SETTINGS.model_cache_dir
    assert is_current(cache)
    copy = tmp_path / "cache"
    copy.mkdir()
    for name in ("all-MiniLM-L6-v2.onnx", "all-MiniLM-L6-v2.onnx.json"):
        shutil.copy(cache / name, copy / name)
    assert is_current(copy)
    manifest = json.loads((copy / "all-MiniLM-L6-v2.onnx.json").read_text())
    (copy / "all-MiniLM-L6-v2.onnx.json").write_text(json.dumps({**manifest, "source_size": 1}))
    assert not is_current(copy)  # other weights: rebuilt on next use
    (copy / "all-MiniLM-L6-v2.onnx.json").write_text(json.dumps(manifest))
    with open(copy / "all-MiniLM-L6-v2.onnx", "ab") as handle:
        handle.write(b"\0")
    assert not is_current(copy)  # a file that is not the one written


def test_the_backend_setting_chooses_and_refuses_unknown_values(monkeypatch):
    from assistant.config import SettingsError

    monkeypatch.setenv("ASSISTANT_EMBEDDING_BACKEND", "torch")
    assert load_settings().embedding_backend == "torch"
    monkeypatch.setenv("ASSISTANT_EMBEDDING_BACKEND", "tensorflow")
    with pytest.raises(SettingsError, match="ASSISTANT_EMBEDDING_BACKEND"):
        load_settings()
    monkeypatch.delenv("ASSISTANT_EMBEDDING_BACKEND")
    assert load_settings().embedding_backend == "onnx"


def _tokenizer_json():
    from assistant.embeddings import tokenizer_file

    return tokenizer_file()
