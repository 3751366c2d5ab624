"""How exact and how fast Chroma's vector search is at several ``ef_search`` widths.

    python benchmarks/vector_search.py --store STORE --questions FILE [--ef 100,500] [--out benchmarks/results/vector-search.json]

For each width: the recall of the exact top-k (cosine over every stored vector) among the k
candidates Chroma returns for each question, its mean and worst case, and the milliseconds per
query. Each width is measured in a fresh process, because a collection under Chroma's sync
threshold has its HNSW graph rebuilt (with random links) whenever a process opens it: that is why
one process's answers could differ from another's at the default width. The chosen width is
``ASSISTANT_HNSW_EF_SEARCH`` (:class:`assistant.config.Settings`).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def measure(store_dir: str, questions: Path, ef: int, k: int) -> dict:
    """One width, in this process: recall of the exact top-k and ms per query."""
    import numpy as np

    from assistant.config import load_settings
    from assistant.embeddings import embeddings_for
    from assistant.evaluation import read_gold
    from assistant.store import ChunkStore

    settings = replace(load_settings(store_dir=store_dir), hnsw_ef_search=ef)
    store = ChunkStore(settings, create=False)
    stored = store.chunks.get(include=["embeddings"])
    ids, matrix = stored["ids"], np.array(stored["embeddings"])
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    texts = [q.question for q in read_gold(questions)]
    vectors = embeddings_for(settings).embed_documents(texts)
    recalls, seconds = [], 0.0
    for vector in vectors:
        exact = {ids[i] for i in np.argsort(-(matrix @ (np.array(vector) / np.linalg.norm(vector))))[:k]}
        start = time.perf_counter()
        found = {chunk_id for chunk_id, _, _ in store.query(vector, k)}
        seconds += time.perf_counter() - start
        recalls.append(len(exact & found) / k)
    return {
        "ef_search": ef,
        "chunks": len(ids),
        "questions": len(texts),
        "k": k,
        "mean_recall": round(float(np.mean(recalls)), 4),
        "worst_recall": round(float(min(recalls)), 4),
        "ms_per_query": round(seconds / len(texts) * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--questions", required=True, type=Path)
    parser.add_argument("--ef", default="100,500", help="comma-separated ef_search widths")
    parser.add_argument("--k", type=int, default=40, help="candidates per question (Settings.candidates)")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a single width, in a child process
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(measure(args.store, args.questions, args.one, args.k)))
        return
    rows = []
    for ef in (int(e) for e in args.ef.split(",")):
        child = [sys.executable, __file__, "--store", args.store, "--questions", str(args.questions), "--k", str(args.k), "--one", str(ef)]
        output = subprocess.run(child, check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(output.strip().splitlines()[-1]))
        print(rows[-1], flush=True)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        previous = json.loads(args.out.read_text()) if args.out.exists() else {}
        previous[str(Path(args.store).name)] = rows
        args.out.write_text(json.dumps(previous, indent=1) + "\n")


if __name__ == "__main__":
    main()
