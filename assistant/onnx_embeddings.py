"""all-MiniLM-L6-v2 run by onnxruntime: the sentence-transformers recipe without torch.

Word pieces from ``tokenizer.json`` (truncated at the model's 256), the transformer from the ONNX
export (:mod:`assistant.model_build`), then what sentence-transformers does after it: the mean of
the token vectors under the attention mask, scaled to unit length. Texts are sorted by length
before batching so a batch pads to its own longest text, not to the longest of the whole call
(chunks vary from a dozen to 190 word pieces; padding is most of the work otherwise).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings


class OnnxEmbeddings(Embeddings):
    """A langchain ``Embeddings``: unit-length float vectors, the same as sentence-transformers'."""

    def __init__(self, model_file: Path, tokenizer_file: Path, batch_size: int = 32, max_tokens: int = 256, threads: int = 2):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.batch_size = max(1, batch_size)
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.enable_truncation(max_length=max_tokens)
        self.tokenizer.no_padding()  # padded per batch, below
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # The cached file is already optimised at build time; optimising again costs ~0.3 s a start.
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        self.session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}

    def encode(self, texts: list[str]) -> np.ndarray:
        """One unit vector per text (rows in the order given)."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.empty((len(texts), 0), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            vectors = self._run([encodings[i] for i in rows])
            if out.shape[1] == 0:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[rows] = vectors
        return out

    def _run(self, encodings) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
        return mean_pool_normalise(hidden, mask)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()


def mean_pool_normalise(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' Pooling (mean over real tokens) then Normalize (L2), in numpy."""
    weights = mask[:, :, None].astype(np.float32)
    summed = (hidden * weights).sum(axis=1)
    pooled = summed / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
