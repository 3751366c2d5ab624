"""Answer quality on every question set, development and held-out side by side, with the parameters.

    python benchmarks/quality.py --cuad-store STORE_CUAD --corpus-store STORE_CORPUS [--out benchmarks/results/quality.json]

Stores are made with ``python ingest.py --corpus DIR --store STORE``. Question sets:
CUAD development (``../shared/eval/cuad-ip/questions-dev.jsonl``, tuned on), our CUAD questions'
tuning half and held-out half (``eval/cuad-questions.jsonl``), the sample corpus's gold questions
(tuned on), staff-phrased tuning questions, its held-out staff questions, follow-ups written for
tuning and the held-out follow-up cases. Prints one Markdown table and
writes every report (with the tuned parameters that produced it) as JSON.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config import load_settings  # noqa: E402
from assistant.evaluation import evaluate, read_gold  # noqa: E402
from assistant.service import Assistant  # noqa: E402

SHARED_DEV = ROOT.parent / "shared" / "eval" / "cuad-ip" / "questions-dev.jsonl"


def sets(cuad_store: str | None, corpus_store: str | None) -> list[tuple[str, str, Path, str | None]]:
    """(name, store, gold file, split) for every set whose store and file exist."""
    rows = []
    if cuad_store:
        if SHARED_DEV.exists():
            rows.append(("CUAD development (tuned on)", cuad_store, SHARED_DEV, None))
        rows.append(("CUAD ours, tuning half", cuad_store, ROOT / "eval" / "cuad-questions.jsonl", "tune"))
        rows.append(("CUAD ours, held-out half", cuad_store, ROOT / "eval" / "cuad-questions.jsonl", "heldout"))
    if corpus_store:
        rows.append(("Sample corpus gold (tuned on)", corpus_store, ROOT / "eval" / "corpus-questions.jsonl", None))
        rows.append(("Sample corpus staff questions, tuning set", corpus_store, ROOT / "eval" / "corpus-staff-tune.jsonl", None))
        rows.append(("Sample corpus held-out staff questions", corpus_store, ROOT / "eval" / "corpus-heldout.jsonl", None))
        rows.append(("Sample corpus follow-ups, tuning set", corpus_store, ROOT / "eval" / "corpus-followups-tune.jsonl", None))
        rows.append(("Sample corpus follow-ups (held out)", corpus_store, ROOT / "eval" / "corpus-followups.jsonl", None))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cuad-store")
    parser.add_argument("--corpus-store")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "quality.json"))
    args = parser.parse_args()
    assistants: dict[str, Assistant] = {}
    results = {}
    fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    lines = [
        "| question set | questions | right doc @5 | hit@1 | hit@5 | MRR | refusal acc. | answered | fact recall | fragment rate |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, store, gold, split in sets(args.cuad_store, args.corpus_store):
        if not gold.exists():
            continue
        assistant = assistants.setdefault(store, Assistant(load_settings(store_dir=store)))
        questions = [q for q in read_gold(gold) if split is None or q.split == split]
        report = evaluate(assistant, questions, k=args.k).to_json()
        results[name] = report
        lines.append(
            f"| {name} | {report['questions']} ({report['answerable']} answerable) | {fmt(report['document_hit_at_k'])} | {fmt(report['hit_at_1'])} | "
            f"{fmt(report['hit_at_k'])} | {fmt(report['mrr'])} | {fmt(report['refusal_accuracy'])} | "
            f"{fmt(report['answered_rate'])} | {fmt(report['fact_recall'])} | {fmt(report['fragment_rate'])} |"
        )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=1, ensure_ascii=False))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
