"""Calibrate the refusal threshold: where should "the documents don't cover this" start?

Each question of the gold files (only lines with ``"split": "tune"`` when a file has splits) is
run through the same path as ``ask`` (search query, retrieval, answer units) and the evidence the
:class:`~assistant.decline.DeclinePolicy` reads is recorded. The policy's ``min_confidence`` (and,
without the reranker, ``min_dense_similarity``) that best separates answerable from unanswerable
questions (balanced accuracy; among equally good thresholds, the middle of their range) is printed with both rates.

    python benchmarks/calibrate_refusal.py --pair STORE GOLD [--pair STORE GOLD ...] [--json]
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import load_settings  # noqa: E402
from assistant.decline import calibrate_threshold  # noqa: E402
from assistant.evaluation import read_gold  # noqa: E402
from assistant.service import Assistant  # noqa: E402


def tune_questions(path: Path):
    """The questions to calibrate on: the tuning half when the file is split, else all of it."""
    splits = {json.loads(line).get("id"): json.loads(line).get("split") for line in path.read_text().splitlines() if line.strip()}
    questions = read_gold(path)
    return [q for q in questions if splits.get(q.id) in (None, "tune")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pair", nargs=2, action="append", metavar=("STORE", "GOLD"), required=True)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = {}
    for rerank in (True, False):
        points: list[tuple[float, bool]] = []
        policy = None
        for store, gold in args.pair:
            assistant = Assistant(replace(load_settings(store_dir=store), rerank=rerank))
            policy = assistant.decline_policy
            for question in tune_questions(Path(gold)):
                expansion = assistant.search_query(question.question)
                retrieval = assistant.search(expansion)
                _, decision = assistant.consider(retrieval, expansion)
                points.append((decision.confidence, question.answerable))
        threshold, answered, refused = calibrate_threshold(points, log_odds=rerank)
        name = "ASSISTANT_MIN_CONFIDENCE" if rerank else "ASSISTANT_MIN_DENSE_SIMILARITY"
        results[name] = {
            "threshold": round(threshold, 3),
            "answered_in_scope": round(answered, 3),
            "refused_out_of_scope": round(refused, 3),
            "questions": len(points),
            "answerable": sum(ok for _, ok in points),
            "policy": policy.to_dict() if policy else {},
        }
    if args.json:
        print(json.dumps(results))
    else:
        for name, row in results.items():
            print(
                f"{name}={row['threshold']}: answers {row['answered_in_scope']:.1%} of in-scope questions, "
                f"declines {row['refused_out_of_scope']:.1%} of out-of-scope ones ({row['questions']} questions)"
            )


if __name__ == "__main__":
    main()
