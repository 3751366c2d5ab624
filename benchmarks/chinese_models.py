"""What the embedding model, the cross-encoder and BM25 do on Chinese, against the same policy in English.

    python benchmarks/chinese_models.py [--out benchmarks/results/chinese-models.json]

The five sections of tests/data/zhiwu-faming.md and their English translation are the passages;
eight questions asked in both languages each have one gold section, three more are off-topic. For
each scorer and language: hit@1 (the gold section scores highest) and the separation between the
gold section's score and the best score an off-topic question gets (positive: a threshold can tell
them apart; negative: it cannot).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config import load_settings  # noqa: E402
from assistant.embeddings import get_embeddings  # noqa: E402
from assistant.lexical import LexicalIndex  # noqa: E402
from assistant.loaders import load_markdown  # noqa: E402
from assistant.rerank import reranker_for  # noqa: E402

ENGLISH = [
    "This policy applies to all employees of the company, including employees on probation and agency workers.",
    "An invention made by an employee in performing the tasks of the company, or mainly using the company's material "
    "and technical resources, is a service invention. The right to apply for a patent for a service invention belongs "
    "to the company; once the application is granted, the company is the patentee. An invention made by an employee on "
    "the night shift using company equipment is also a service invention.",
    "Within thirty days of completing the invention, the employee submits an invention disclosure form to the IP Office "
    "through the IP management system. The form states the inventors, the completion date and the project number.",
    "Within three months of filing the patent application, the company pays the inventor a filing bonus of RMB 3,000. "
    "When the patent is granted, the company pays a further grant bonus of RMB 5,000!",
    "Before the patent application is filed, the inventor must not disclose the invention in any form; the company may "
    "take disciplinary action against a breach of this article.",
]
QUESTIONS = [  # (Chinese, English, gold section 0-4)
    ("职务发明归谁所有？", "Who owns a service invention?", 1),
    ("发明披露的期限是多久？", "What is the deadline for disclosing an invention?", 2),
    ("申请奖金是多少？", "How much is the filing bonus?", 3),
    ("夜班时做出的发明属于谁？", "Who owns an invention made on the night shift?", 1),
    ("员工可以在专利申请前公开发明吗？", "May an employee publish the invention before the patent application?", 4),
    ("本办法适用于哪些员工？", "Which employees does this policy apply to?", 0),
    ("授权奖金是多少？", "How much is the grant bonus?", 3),
    ("披露表需要写明什么？", "What must the disclosure form state?", 2),
]
OFF_TOPIC = [
    ("公司食堂几点开门？", "When does the company canteen open?"),
    ("停车位怎么申请？", "How do I apply for a parking space?"),
    ("年假有几天？", "How many days of annual leave do I get?"),
]


def chinese_sections() -> list[str]:
    document = load_markdown(ROOT / "tests" / "data" / "zhiwu-faming.md", "zhiwu-faming.md")
    return [segment.text for segment in document.segments]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "chinese-models.json"))
    args = parser.parse_args()
    embeddings, reranker = get_embeddings(), reranker_for(load_settings())
    passages = {"zh": chinese_sections(), "en": ENGLISH}
    assert len(passages["zh"]) == len(ENGLISH) == 5

    def scorers(language: str):
        texts = passages[language]
        vectors = embeddings.embed_documents(texts)
        index = LexicalIndex.build([str(i) for i in range(len(texts))], texts, "", [str(i) for i in range(len(texts))])

        def dense(question: str) -> list[float]:
            q = embeddings.embed_query(question)
            return [sum(a * b for a, b in zip(q, v)) for v in vectors]

        def bm25(question: str) -> list[float]:
            scores = [0.0] * len(texts)
            for chunk_id, score in index.search(question, len(texts)):
                scores[int(chunk_id)] = score
            return scores

        return {"dense cosine": dense, "cross-encoder logit": lambda q: reranker.score(q, texts), "BM25": bm25}

    results = {}
    for language, column in (("zh", 0), ("en", 1)):
        for name, score in scorers(language).items():
            hits, gold_scores = 0, []
            for question in QUESTIONS:
                scores = score(question[column])
                hits += max(range(5), key=scores.__getitem__) == question[2]
                gold_scores.append(scores[question[2]])
            off_best = [max(score(q[column])) for q in OFF_TOPIC]
            results[f"{language} / {name}"] = {
                "hit@1": f"{hits}/{len(QUESTIONS)}",
                "gold mean": round(statistics.mean(gold_scores), 3),
                "gold min": round(min(gold_scores), 3),
                "off-topic max": round(max(off_best), 3),
                "separation (gold min - off-topic max)": round(min(gold_scores) - max(off_best), 3),
            }
    print(f"{'language / scorer':32} {'hit@1':>6} {'gold mean':>10} {'gold min':>9} {'off max':>8} {'separation':>11}")
    for key, row in results.items():
        values = list(row.values())
        print(f"{key:32} {values[0]:>6} {values[1]:>10} {values[2]:>9} {values[3]:>8} {values[4]:>11}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
