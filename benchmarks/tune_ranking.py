"""Tune the ranking policy's bonuses offline, on the tuning questions only.

Each answerable tuning question (lines with ``"split": "heldout"`` are skipped) is retrieved once
with the reranker, and the whole reranked pool (every passage's raw signals) is kept. Each
combination of the grid below then re-ranks the kept pools with :class:`~assistant.ranking.RankingPolicy`
and picks the ``k`` sources shown, exactly as retrieval does, and is scored by hit@k and MRR per
question set. Declines are not simulated: this tunes the order of the sources, not the decision.

    python benchmarks/tune_ranking.py --pair STORE GOLD [--pair STORE GOLD ...] [--out FILE]
"""
from __future__ import annotations

import argparse
import copy
import itertools
import json
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import load_settings  # noqa: E402
from assistant.evaluation import is_hit, read_gold  # noqa: E402
from assistant.ranking import RankingPolicy  # noqa: E402
from assistant.service import Assistant  # noqa: E402

GRID = {"named_document_bonus": [0.0, 1.0, 2.0, 3.0, 5.0], "fusion_prior": [0.0, 0.5, 1.0, 2.0]}


class _KeepPool(RankingPolicy):
    """The retriever's policy, keeping a copy of every pool it ranks."""

    pools: list = []

    def rank(self, passages):
        type(self).pools.append([copy.copy(p) for p in passages])
        return super().rank(passages)


def collect(pairs: list[tuple[str, str]], k: int) -> list[dict]:
    rows = []
    for store, gold in pairs:
        assistant = Assistant(load_settings(store_dir=store))
        assistant.retriever.policy = _KeepPool(**assistant.retriever.policy.to_dict())
        for question in read_gold(Path(gold)):
            if question.split == "heldout" or not question.answerable:
                continue
            _KeepPool.pools.clear()
            assistant.search(assistant.search_query(question.question), k=k)
            rows.append({"set": Path(gold).stem, "id": question.id, "gold": question.gold, "pool": _KeepPool.pools[-1]})
    return rows


def score(rows: list[dict], policy: RankingPolicy, k: int) -> dict:
    by_set: dict[str, list[int | None]] = {}
    for row in rows:
        shown = policy.select(policy.rank([copy.copy(p) for p in row["pool"]]), k)
        rank = next((n for n, p in enumerate(shown, start=1) if is_hit(p, row["gold"])), None)
        by_set.setdefault(row["set"], []).append(rank)
    return {
        name: {"questions": len(ranks), f"hit_at_{k}": round(sum(r is not None for r in ranks) / len(ranks), 3),
               "mrr": round(sum(1 / r for r in ranks if r) / len(ranks), 3)}
        for name, ranks in sorted(by_set.items())
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pair", nargs=2, action="append", metavar=("STORE", "GOLD"), required=True)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "tune-ranking.json"))
    args = parser.parse_args()
    rows = collect([tuple(p) for p in args.pair], args.k)
    base = RankingPolicy()
    results = []
    for values in itertools.product(*GRID.values()):
        params = dict(zip(GRID, values))
        sets = score(rows, replace(base, **params), args.k)
        mean_mrr = sum(s["mrr"] * s["questions"] for s in sets.values()) / sum(s["questions"] for s in sets.values())
        results.append({**params, "mean_mrr": round(mean_mrr, 3), "sets": sets})
        print(params, round(mean_mrr, 3), {n: (s[f"hit_at_{args.k}"], s["mrr"]) for n, s in sets.items()})
    Path(args.out).write_text(json.dumps({"current": base.to_dict(), "questions": len(rows), "grid": results}, indent=1))


if __name__ == "__main__":
    main()
