"""Score the assistant against a gold file: hit@k and MRR over answerable questions, refusal
accuracy over unanswerable ones, and the same per category.

Gold format (one JSON object per line, as in ``../shared/eval/cuad-ip/questions-dev.jsonl``)::

    {"id", "question", "gold": [{"source", "pages": [..], "section"?}], "category", "answerable",
     "facts"?: [["phrase", "alternative"], ...], "history"?: [{"role", "content"}, ...]}

``facts`` are what a staff member must read in the answer (every group, any alternative,
case-insensitive); ``history`` makes the line a follow-up asked after those turns.

A passage shown to the user is a hit when it comes from a gold source and its page range covers a
gold page (sources without pages: its section contains the gold section, when one is given). The
answer is what users see, so a refused answerable question shows nothing and scores a miss.
"""
from __future__ import annotations

import json
import re
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
    facts: tuple[tuple[str, ...], ...] = ()
    history: tuple[dict, ...] = ()
    split: str = ""  # "tune" or "heldout" where a file is split for tuning hygiene


@dataclass
class QuestionResult:
    id: str
    category: str
    answerable: bool
    grounded: bool
    rank: int | None  # 1-based rank of the first hit among shown passages
    seconds: float
    doc_rank: int | None = None  # 1-based rank of the first shown passage from a gold document (any page)
    has_facts: bool = False  # the gold line lists facts for this question
    facts_found: bool = False  # a grounded answer holds every fact group
    fragment: bool = False  # a grounded answer has a sentence that starts mid-sentence, as a marker or a heading


@dataclass
class EvalReport:
    k: int
    results: list[QuestionResult] = field(default_factory=list)
    parameters: dict = field(default_factory=dict)  # the tuned numbers that produced these scores

    def _answerable(self, category: str | None = None) -> list[QuestionResult]:
        return [r for r in self.results if r.answerable and (category is None or r.category == category)]

    def _unanswerable(self, category: str | None = None) -> list[QuestionResult]:
        return [r for r in self.results if not r.answerable and (category is None or r.category == category)]

    def hit_at(self, n: int, category: str | None = None) -> float | None:
        rows = self._answerable(category)
        return sum(1 for r in rows if r.rank is not None and r.rank <= n) / len(rows) if rows else None

    def document_hit_at(self, n: int) -> float | None:
        """The right document among the first ``n`` sources, whatever the page: with hit@k this
        tells a wrong document from a right document shown at the wrong page."""
        rows = self._answerable()
        return sum(1 for r in rows if r.doc_rank is not None and r.doc_rank <= n) / len(rows) if rows else None

    def mrr(self, category: str | None = None) -> float | None:
        rows = self._answerable(category)
        return sum(1.0 / r.rank for r in rows if r.rank) / len(rows) if rows else None

    def refusal_accuracy(self, category: str | None = None) -> float | None:
        rows = self._unanswerable(category)
        return sum(1 for r in rows if not r.grounded) / len(rows) if rows else None

    def fact_recall(self, category: str | None = None) -> float | None:
        """Answerable questions with facts whose grounded answer holds every fact group."""
        rows = [r for r in self._answerable(category) if r.has_facts]
        return sum(1 for r in rows if r.facts_found) / len(rows) if rows else None

    def fragment_rate(self, category: str | None = None) -> float | None:
        """Grounded answers with a sentence a reader cannot take alone."""
        rows = [r for r in self.results if r.grounded and (category is None or r.category == category)]
        return sum(1 for r in rows if r.fragment) / len(rows) if rows else None

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
            "document_hit_at_1": _round(self.document_hit_at(1)),
            "document_hit_at_k": _round(self.document_hit_at(self.k)),
            "mrr": _round(self.mrr()),
            "refusal_accuracy": _round(self.refusal_accuracy()),
            "answered_rate": _round(self.answered_rate()),
            "fact_recall": _round(self.fact_recall()),
            "fragment_rate": _round(self.fragment_rate()),
            "query_ms_p50": round(1000 * statistics.median(latencies), 1),
            "query_ms_p95": round(1000 * latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 1),
            "by_category": {
                c: {
                    "questions": sum(1 for r in self.results if r.category == c),
                    "hit_at_k": _round(self.hit_at(self.k, c)),
                    "mrr": _round(self.mrr(c)),
                    "refusal_accuracy": _round(self.refusal_accuracy(c)),
                    "fact_recall": _round(self.fact_recall(c)),
                    "fragment_rate": _round(self.fragment_rate(c)),
                }
                for c in categories
            },
            "misses": [r.id for r in self._answerable() if r.rank is None or r.rank > self.k],
            "wrong_refusals": [r.id for r in self._answerable() if not r.grounded],
            "wrong_answers": [r.id for r in self._unanswerable() if r.grounded],
            "facts_missed": [r.id for r in self._answerable() if r.has_facts and not r.facts_found],
            "fragments": [r.id for r in self.results if r.grounded and r.fragment],
            "parameters": self.parameters,
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
                    facts=_facts(row.get("facts")),
                    history=tuple(row.get("history") or ()),
                    split=str(row.get("split") or ""),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"line {number}: {exc}") from exc
    if not questions:
        raise ValueError("no questions")
    return questions


def _facts(raw) -> tuple[tuple[str, ...], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(g, list) and g and all(isinstance(p, str) for p in g) for g in raw):
        raise ValueError("facts must be a list of non-empty lists of phrases")
    return tuple(tuple(group) for group in raw)


def holds_facts(answer_text: str, facts: tuple[tuple[str, ...], ...]) -> bool:
    """Every group has an alternative in the answer (case-insensitive, whitespace-collapsed)."""
    text = " ".join(answer_text.lower().split())
    return all(any(" ".join(p.lower().split()) in text for p in group) for group in facts)


def answer_sentences(answer_text: str) -> list[str]:
    """The cited pieces of an extractive answer (each ends with its [n] mark)."""
    return [p.strip() for p in re.split(r"\[\d+\](?: \(superseded version\))?", answer_text) if p.strip()]


def has_fragment(answer_text: str) -> bool:
    from .units import starts_mid_sentence

    return any(starts_mid_sentence(piece) for piece in answer_sentences(answer_text))


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
    from .followup import parse_history

    report = EvalReport(k=k, parameters=assistant.parameters())
    for question in questions:
        history = parse_history(list(question.history)) if question.history else None
        started = time.perf_counter()
        answer = assistant.ask(question.question, k=k, history=history)
        seconds = time.perf_counter() - started
        rank = next((c.n for c in answer.citations if is_hit(c, question.gold)), None)
        doc_rank = next((c.n for c in answer.citations if any(_same_source(c.source, str(g.get("source", ""))) for g in question.gold)), None)
        report.results.append(
            QuestionResult(
                question.id,
                question.category,
                question.answerable,
                answer.grounded,
                rank,
                seconds,
                doc_rank=doc_rank,
                has_facts=bool(question.facts),
                facts_found=answer.grounded and holds_facts(answer.answer, question.facts),
                fragment=answer.grounded and has_fragment(answer.answer),
            )
        )
    return report


def format_report(report: EvalReport) -> str:
    data = report.to_json()
    fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    lines = [
        f"questions {data['questions']} (answerable {data['answerable']}), k={data['k']}",
        f"hit@1 {fmt(data['hit_at_1'])}  hit@{data['k']} {fmt(data['hit_at_k'])}  MRR {fmt(data['mrr'])}  "
        f"refusal accuracy {fmt(data['refusal_accuracy'])}  answered {fmt(data['answered_rate'])}",
        f"right document @1 {fmt(data['document_hit_at_1'])}  @{data['k']} {fmt(data['document_hit_at_k'])}",
        f"fact recall {fmt(data['fact_recall'])}  fragment rate {fmt(data['fragment_rate'])}",
        f"query ms p50 {data['query_ms_p50']}  p95 {data['query_ms_p95']}",
        "",
        f"{'category':32} {'n':>3} {'hit@k':>6} {'MRR':>6} {'refusal':>7} {'facts':>6} {'frag':>6}",
    ]
    for category, row in data["by_category"].items():
        lines.append(
            f"{category[:32]:32} {row['questions']:>3} {fmt(row['hit_at_k']):>6} {fmt(row['mrr']):>6} "
            f"{fmt(row['refusal_accuracy']):>7} {fmt(row['fact_recall']):>6} {fmt(row['fragment_rate']):>6}"
        )
    if data["misses"]:
        lines.append("")
        lines.append("misses: " + ", ".join(data["misses"]))
    if data["wrong_answers"]:
        lines.append("answered but should have declined: " + ", ".join(data["wrong_answers"]))
    if data["facts_missed"]:
        lines.append("facts missing from the answer: " + ", ".join(data["facts_missed"]))
    if data["fragments"]:
        lines.append("answers with a fragment: " + ", ".join(data["fragments"]))
    return "\n".join(lines)
