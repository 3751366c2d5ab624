"""Where answers are lost, stage by stage, on a question set with facts (tuning sets only).

For each answerable question with ``facts``, the first chunk that holds every fact group is looked
for at each stage of the pipeline:

- ``fused``: the first-stage list (dense + BM25, fused), 400 deep;
- ``pool``: within the candidates the cross-encoder reads (``Settings.rerank_candidates``);
- ``shown``: among the passages shown (k = 5), after reranking;
- ``answer``: the grounded answer holds every fact group (what ``fact_recall`` counts);
- ``never declined``: the answer would hold them if no question were declined.

Each answer's confidence is written as a log-odds (the reranker's scale), for the out-of-scope
questions of the set too: where the two ranges overlap, no threshold tells them apart.

A question lost between two stages is lost by the second: by the embedding model and BM25 before
the pool, by the cross-encoder between the pool and the passages shown, by the choice of answer
units or the decision to decline after that.

    python benchmarks/answer_ceiling.py --store STORE --gold eval/corpus-staff-tune.jsonl [--out FILE]
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import load_settings  # noqa: E402
from assistant.evaluation import holds_facts, read_gold  # noqa: E402
from assistant.followup import parse_history  # noqa: E402
from assistant.retrieval import _Found  # noqa: E402
from assistant.service import Assistant  # noqa: E402

DEPTH = 400


def log_odds(confidence: float) -> float:
    confidence = min(max(confidence, 1e-9), 1 - 1e-9)
    return round(math.log(confidence / (1 - confidence)), 2)


def stages(assistant: Assistant, gold: Path) -> tuple[list[dict], list[float]]:
    """Per answerable question with facts, the stages it reaches; and the log-odds confidence of
    each out-of-scope question."""
    retriever = assistant.retriever
    ids, _, metas = assistant.store.all_chunks()
    text_of = {chunk_id: meta.get("text", "") for chunk_id, meta in zip(ids, metas)}
    declining, never_declining = assistant.decline_policy, replace(assistant.decline_policy, min_confidence=1e-9)
    rows, out_of_scope = [], []
    for question in read_gold(gold):
        history = parse_history(list(question.history)) if question.history else None
        if not question.answerable:
            out_of_scope.append(log_odds(assistant.ask(question.question, history=history).confidence))
            continue
        if not question.facts:
            continue
        expansion = assistant.search_query(question.question, history)
        vector = retriever.embeddings.embed_query(expansion.question)
        fused = retriever._candidates(expansion.question, vector, None, DEPTH, _Found(), ())
        fused_rank = next((n for n, c in enumerate(fused, 1) if holds_facts(text_of.get(c, ""), question.facts)), None)
        retrieval = assistant.search(expansion)
        shown_rank = next((n for n, p in enumerate(retrieval.passages, 1) if holds_facts(p.text, question.facts)), None)
        answer = assistant.ask(question.question, history=history)
        assistant.decline_policy = never_declining
        try:
            forced = assistant.ask(question.question, history=history)
        finally:
            assistant.decline_policy = declining
        rows.append({
            "id": question.id,
            "fused_rank": fused_rank,
            "in_first_stage": fused_rank is not None and fused_rank <= assistant.settings.candidates,
            "in_pool": fused_rank is not None and fused_rank <= assistant.settings.rerank_candidates,
            "shown_rank": shown_rank,
            "answer_holds_facts": answer.grounded and holds_facts(answer.answer, question.facts),
            "answered": answer.grounded,
            "log_odds": log_odds(answer.confidence),
            "holds_facts_if_never_declined": holds_facts(forced.answer, question.facts),
        })
        print(rows[-1], flush=True)
    return rows, out_of_scope


def summary(rows: list[dict], candidates: int) -> dict:
    n = len(rows)

    def share(test) -> float:
        return round(sum(1 for r in rows if test(r)) / n, 3) if n else 0.0

    return {
        "questions": n,
        "a chunk holds the facts": share(lambda r: r["fused_rank"] is not None),
        f"in the first-stage top {candidates}": share(lambda r: r["in_first_stage"]),
        "in the cross-encoder's pool": share(lambda r: r["in_pool"]),
        "among the 5 passages shown": share(lambda r: r["shown_rank"] is not None),
        "answer holds the facts (fact recall)": share(lambda r: r["answer_holds_facts"]),
        "answer would hold them if never declined": share(lambda r: r["holds_facts_if_never_declined"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--gold", required=True, type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    assistant = Assistant(load_settings(store_dir=args.store))
    rows, out_of_scope = stages(assistant, args.gold)
    result = {
        "gold": str(args.gold),
        "summary": summary(rows, assistant.settings.candidates),
        "questions": rows,
        "out_of_scope_log_odds": sorted(out_of_scope),
    }
    print(json.dumps(result["summary"], indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
