"""Calibrate the refusal thresholds on gold files: where should "the documents don't cover this" start?

For each question, the confidence the assistant computes (with and without the reranker) is
recorded; the threshold that best separates answerable from unanswerable questions (balanced
accuracy; ties broken toward the middle of the gap, in log-odds) is printed with both rates.

    python benchmarks/calibrate_refusal.py --pair STORE GOLD [--pair STORE GOLD ...]

Questions with names found in no document are declined by that rule before any threshold, so they
are left out here.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.answer import confidence_of  # noqa: E402
from assistant.config import load_settings  # noqa: E402
from assistant.evaluation import read_gold  # noqa: E402
from assistant.retrieval import logit, sigmoid  # noqa: E402
from assistant.service import Assistant  # noqa: E402


def best_threshold(points: list[tuple[float, bool]], log_odds: bool) -> tuple[float, float, float]:
    """(threshold, answered rate on answerable, refusal rate on unanswerable)."""
    values = sorted({v for v, _ in points})
    candidates = [(a + b) / 2 for a, b in zip(values, values[1:])] or values
    if log_odds:
        candidates = [sigmoid((logit(a) + logit(b)) / 2) for a, b in zip(values, values[1:])] or values
    answerable = [v for v, ok in points if ok]
    unanswerable = [v for v, ok in points if not ok]

    def rates(t: float) -> tuple[float, float]:
        answered = sum(v >= t for v in answerable) / max(1, len(answerable))
        refused = sum(v < t for v in unanswerable) / max(1, len(unanswerable))
        return answered, refused

    best = max(candidates, key=lambda t: (sum(rates(t)), -abs(t - 0.5)))
    return (best, *rates(best))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pair", nargs=2, action="append", metavar=("STORE", "GOLD"), required=True)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = {}
    for rerank in (True, False):
        points: list[tuple[float, bool]] = []
        for store, gold in args.pair:
            assistant = Assistant(replace(load_settings(store_dir=store), rerank=rerank))
            for question in read_gold(Path(gold)):
                retrieval = assistant.retrieve(question.question)
                if retrieval.unknown_terms and not retrieval.named.sources:
                    continue
                sentences = assistant.composer.score_sentences(question.question, retrieval.passages, retrieval.reranked)
                confidence = confidence_of(retrieval, sentences)
                # The assistant lowers the bar for some questions (those naming a held document):
                # shift the point by the same amount, so one base threshold is calibrated.
                base = assistant.settings.min_confidence if rerank else assistant.settings.min_dense_similarity
                bar = assistant.threshold(retrieval)
                confidence = sigmoid(logit(confidence) - (logit(bar) - logit(base))) if rerank else confidence - (bar - base)
                points.append((confidence, question.answerable))
        threshold, answered, refused = best_threshold(points, log_odds=rerank)
        name = "ASSISTANT_MIN_CONFIDENCE" if rerank else "ASSISTANT_MIN_DENSE_SIMILARITY"
        results[name] = {"threshold": round(threshold, 3), "answered_in_scope": round(answered, 3), "refused_out_of_scope": round(refused, 3), "questions": len(points)}
    if args.json:
        print(json.dumps(results))
    else:
        for name, row in results.items():
            print(f"{name}={row['threshold']}: answers {row['answered_in_scope']:.1%} of in-scope questions, "
                  f"declines {row['refused_out_of_scope']:.1%} of out-of-scope ones ({row['questions']} questions)")


if __name__ == "__main__":
    main()
