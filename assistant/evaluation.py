"""Score the assistant against a gold file: hit@k and MRR over answerable questions, refusal
accuracy over unanswerable ones, and the same per category.

Gold format (one JSON object per line, as in ``../shared/eval/cuad-ip/questions-dev.jsonl``)::

    {"id", "question", "gold": [{"source", "pages": [..], "section"?}], "category", "answerable"}

A passage shown to the user is a hit when it comes from a gold source and its page range covers a
gold page (sources without pages: its section contains the gold section, when one is given). The
answer is what users see, so a refused answerable question shows nothing and scores a miss.
"""
from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    gold: list[dict]
    category: str
    answerable: bool


@dataclass
class QuestionResult:
    id: str
    category: str
    answerable: bool
    grounded: bool
    rank: int | None  # 1-based rank of the first hit among shown passages
    seconds: float


@dataclass
class EvalReport:
    k: int
    results: list[QuestionResult] = field(default_factory=list)

    def _answerable(self, category: str | None = None) -> list[QuestionResult]:
        return [r for r in self.results if r.answerable and (category is None or r.category == category)]

    def _unanswerable(self, category: str | None = None) -> list[QuestionResult]:
        return [r for r in self.results if not r.answerable and (category is None or r.category == category)]

    def hit_at(self, n: int, category: str | None = None) -> float | None:
        rows = self._answerable(category)
        return sum(1 for r in rows if r.rank is not None and r.rank <= n) / len(rows) if rows else None

    def mrr(self, category: str | None = None) -> float | None:
        rows = self._answerable(category)
        return sum(1.0 / r.rank for r in rows if r.rank) / len(rows) if rows else None

    def refusal_accuracy(self, category: str | None = None) -> float | None:
        rows = self._unanswerable(category)
        return sum(1 for r in rows if not r.grounded) / len(rows) if rows else None

    def answered_rate(self) -> float | None:
        """Share of answerable questions that got an answer rather than a refusal."""
        rows = self._answerable()
        return sum(1 for r in rows if r.grounded) / len(rows) if rows else None

    def to_json(self) -> dict:
        categories = sorted({r.category for r in self.results})
        latencies = sorted(r.seconds for r in self.results) or [0.0]
        return {
            "questions": len(self.results),
            "answerable": len(self._answerable()),
            "k": self.k,
            "hit_at_1": _round(self.hit_at(1)),
            "hit_at_k": _round(self.hit_at(self.k)),
            "mrr": _round(self.mrr()),
            "refusal_accuracy": _round(self.refusal_accuracy()),
            "answered_rate": _round(self.answered_rate()),
            "query_ms_p50": round(1000 * statistics.median(latencies), 1),
            "query_ms_p95": round(1000 * latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 1),
            "by_category": {
                c: {
                    "questions": sum(1 for r in self.results if r.category == c),
                    "hit_at_k": _round(self.hit_at(self.k, c)),
                    "mrr": _round(self.mrr(c)),
                    "refusal_accuracy": _round(self.refusal_accuracy(c)),
                }
                for c in categories
            },
            "misses": [r.id for r in self._answerable() if r.rank is None or r.rank > self.k],
            "wrong_refusals": [r.id for r in self._answerable() if not r.grounded],
            "wrong_answers": [r.id for r in self._unanswerable() if r.grounded],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def read_gold(path: Path) -> list[GoldQuestion]:
    questions = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not str(row.get("question", "")).strip():
                raise ValueError("empty question")
            questions.append(
                GoldQuestion(
                    id=str(row.get("id", number)),
                    question=row["question"],
                    gold=list(row.get("gold") or []),
                    category=str(row.get("category") or "uncategorised"),
                    answerable=bool(row.get("answerable", bool(row.get("gold")))),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"line {number}: {exc}") from exc
    if not questions:
        raise ValueError("no questions")
    return questions


def _same_source(passage_source: str, gold_source: str) -> bool:
    """Gold sources may be bare file names (CUAD) or paths relative to the corpus root."""
    if passage_source == gold_source:
        return True
    if "/" not in gold_source:
        return PurePosixPath(passage_source).name == gold_source
    return passage_source.endswith("/" + gold_source)


def is_hit(citation, gold: list[dict]) -> bool:
    for entry in gold:
        if not _same_source(citation.source, str(entry.get("source", ""))):
            continue
        pages = entry.get("pages") or []
        if citation.page is not None and pages:
            last = citation.page_end or citation.page
            if any(citation.page <= int(p) <= last for p in pages):
                return True
        elif not pages:
            section = entry.get("section")
            if not section or section.lower() in (citation.section or "").lower():
                return True
    return False


def evaluate(assistant, questions: list[GoldQuestion], k: int = 5) -> EvalReport:
    report = EvalReport(k=k)
    for question in questions:
        started = time.perf_counter()
        answer = assistant.ask(question.question, k=k)
        seconds = time.perf_counter() - started
        rank = next((c.n for c in answer.citations if is_hit(c, question.gold)), None)
        report.results.append(QuestionResult(question.id, question.category, question.answerable, answer.grounded, rank, seconds))
    return report


def format_report(report: EvalReport) -> str:
    data = report.to_json()
    fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    lines = [
        f"questions {data['questions']} (answerable {data['answerable']}), k={data['k']}",
        f"hit@1 {fmt(data['hit_at_1'])}  hit@{data['k']} {fmt(data['hit_at_k'])}  MRR {fmt(data['mrr'])}  "
        f"refusal accuracy {fmt(data['refusal_accuracy'])}  answered {fmt(data['answered_rate'])}",
        f"query ms p50 {data['query_ms_p50']}  p95 {data['query_ms_p95']}",
        "",
        f"{'category':32} {'n':>3} {'hit@k':>6} {'MRR':>6} {'refusal':>7}",
    ]
    for category, row in data["by_category"].items():
        lines.append(
            f"{category[:32]:32} {row['questions']:>3} {fmt(row['hit_at_k']):>6} {fmt(row['mrr']):>6} {fmt(row['refusal_accuracy']):>7}"
        )
    if data["misses"]:
        lines.append("")
        lines.append("misses: " + ", ".join(data["misses"]))
    if data["wrong_answers"]:
        lines.append("answered but should have declined: " + ", ".join(data["wrong_answers"]))
    return "\n".join(lines)
