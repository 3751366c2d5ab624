"""Tune RankingPolicy.answer_quote_bonus offline, on the tuning questions only.

Each answerable tuning question (lines with ``"split": "heldout"`` are skipped; follow-ups with
their history) goes through ``ask``'s path once: retrieval, answer units, the decision. For each
answered question the sources shown are kept with their ranking keys before the answer is chosen,
which of them the answer quotes, and which hold a gold page. Each bonus of the grid then re-ranks
those sources as :meth:`~assistant.ranking.RankingPolicy.quoted_first` does, and is scored by MRR
and hit@1 per question set (hit@k cannot change: the same sources are re-ordered). A declined
question counts as a miss, as in ``eval``.

    python benchmarks/tune_quote_bonus.py --pair STORE GOLD [--pair STORE GOLD ...] [--out FILE]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import load_settings  # noqa: E402
from assistant.evaluation import is_hit, read_gold  # noqa: E402
from assistant.followup import parse_history  # noqa: E402
from assistant.ranking import RankingPolicy  # noqa: E402
from assistant.service import Assistant  # noqa: E402

GRID = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 12.0]


def collect(pairs: list[tuple[str, str]]) -> list[dict]:
    rows = []
    assistants: dict[str, Assistant] = {}
    for store, gold in pairs:
        assistant = assistants.setdefault(store, Assistant(load_settings(store_dir=store)))
        for question in read_gold(Path(gold)):
            if question.split == "heldout" or not question.answerable:
                continue
            history = parse_history(list(question.history)) if question.history else None
            expansion = assistant.search_query(question.question, history)
            retrieval = assistant.search(expansion)
            selection, decision = assistant.consider(retrieval, expansion)
            rows.append({
                "set": Path(gold).stem,
                "id": question.id,
                "answered": decision.answer,
                "keys": [p.score for p in retrieval.passages],
                "hits": [is_hit(p, question.gold) for p in retrieval.passages],
                "quoted": sorted(selection.quoted),
            })
    return rows


def rank_with_bonus(row: dict, bonus: float) -> int | None:
    if not row["answered"]:
        return None
    keys = [key + (bonus if n in row["quoted"] else 0.0) for n, key in enumerate(row["keys"], start=1)]
    order = sorted(range(len(keys)), key=lambda i: -keys[i])  # stable: ties keep the retrieval order
    return next((position for position, i in enumerate(order, start=1) if row["hits"][i]), None)


def score(rows: list[dict], bonus: float) -> dict:
    by_set: dict[str, list[int | None]] = {}
    for row in rows:
        by_set.setdefault(row["set"], []).append(rank_with_bonus(row, bonus))
    return {
        name: {"questions": len(ranks), "mrr": round(sum(1 / r for r in ranks if r) / len(ranks), 3),
               "hit_at_1": round(sum(r == 1 for r in ranks) / len(ranks), 3)}
        for name, ranks in sorted(by_set.items())
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pair", nargs=2, action="append", metavar=("STORE", "GOLD"), required=True)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "tune-quote-bonus.json"))
    args = parser.parse_args()
    rows = collect([tuple(p) for p in args.pair])
    results = []
    for bonus in GRID:
        sets = score(rows, bonus)
        mean_mrr = sum(s["mrr"] * s["questions"] for s in sets.values()) / sum(s["questions"] for s in sets.values())
        results.append({"answer_quote_bonus": bonus, "mean_mrr": round(mean_mrr, 3), "sets": sets})
        print(bonus, round(mean_mrr, 3), {n: (s["mrr"], s["hit_at_1"]) for n, s in sets.items()})
    current = RankingPolicy().answer_quote_bonus
    Path(args.out).write_text(json.dumps({"current": current, "questions": len(rows), "grid": results}, indent=1))


if __name__ == "__main__":
    main()
