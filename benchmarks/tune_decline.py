"""Tune the decline policy's adjustments, then its threshold, on the tuning questions only.

Each tuning question (lines with ``"split": "heldout"`` are skipped) goes through the same path as
``ask`` once, and the :class:`~assistant.decline.Evidence` is kept. Every combination of the grid
below is then scored offline: its confidence for each question, the threshold
:func:`~assistant.decline.calibrate_threshold` picks, and the balanced accuracy at that threshold
(answered share of answerable questions + declined share of the others). Ties go to the smallest
adjustments (the simpler policy). Prints the best combination and writes every result as JSON.

    python benchmarks/tune_decline.py --pair STORE GOLD [--pair STORE GOLD ...] [--out FILE]
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import load_settings  # noqa: E402
from assistant.decline import DeclinePolicy, Evidence, calibrate_threshold  # noqa: E402
from assistant.service import Assistant  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from calibrate_refusal import tune_questions  # noqa: E402

GRID = {
    "unmatched_name_penalty": [0.0, 1.0, 2.0, 3.0],
    "named_prior_logits": [0.0, 1.0, 2.0, 3.0],
    "kind_match_logits": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
    "dense_logits_per_tenth": [0.0, 0.5, 1.0, 1.5, 2.0, 3.0],
}


def collect(pairs: list[tuple[str, str]]) -> list[tuple[Evidence, bool, str]]:
    rows = []
    for store, gold in pairs:
        assistant = Assistant(load_settings(store_dir=store))
        for question in tune_questions(Path(gold)):
            expansion = assistant.search_query(question.question)
            retrieval = assistant.search(expansion)
            selection, _ = assistant.consider(retrieval, expansion)
            rows.append((assistant.evidence(retrieval, selection, expansion), question.answerable, question.id))
    return rows


def search(rows: list[tuple[Evidence, bool, str]], base: DeclinePolicy) -> list[dict]:
    results = []
    names = list(GRID)
    for values in itertools.product(*(GRID[n] for n in names)):
        params = dict(zip(names, values))
        policy = replace(base, **params)
        points = [(policy.confidence(evidence), answerable) for evidence, answerable, _ in rows]
        threshold, answered, refused = calibrate_threshold(points, log_odds=True)
        results.append({**params, "threshold": round(threshold, 3), "answered": round(answered, 3), "refused": round(refused, 3)})
    results.sort(key=lambda r: (-(r["answered"] + r["refused"]), sum(r[n] for n in names)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pair", nargs=2, action="append", metavar=("STORE", "GOLD"), required=True)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    rows = collect([tuple(p) for p in args.pair])
    base = Assistant(load_settings(store_dir=args.pair[0][0])).decline_policy
    results = search(rows, base)
    best = results[0]
    current = next((r for r in results if all(r[n] == getattr(base, n) for n in GRID)), None)
    summary = {
        "questions": len(rows),
        "answerable": sum(ok for _, ok, _ in rows),
        "best": best,
        "current_defaults": current,
        "top": results[:10],
        "evidence": [
            {"id": qid, "answerable": ok, **{k: v for k, v in evidence.__dict__.items() if k not in ("names", "unmatched_names")},
             "unmatched_share": evidence.unmatched_share}
            for evidence, ok, qid in rows
        ],
    }
    if args.out:
        Path(args.out).write_text(json.dumps(summary, indent=1))
    print(json.dumps({k: summary[k] for k in ("questions", "answerable", "best", "current_defaults")}, indent=1))


if __name__ == "__main__":
    main()
