"""Compare the usual tutorial pipeline with this project's retrieval on one corpus and gold file.

The tutorial pipeline, written out in a few lines below: pypdf pages as documents (what
langchain's PyPDFLoader does), RecursiveCharacterTextSplitter(1000, 200), Chroma similarity
search, the same all-MiniLM-L6-v2 model, no refusal. This project: incremental ingest with
token-sized contextual chunks, BM25 + dense fused by RRF, named-document ranking, the
cross-encoder reranker (and without it), calibrated refusal.

    python benchmarks/retrieval_quality.py --corpus ../shared/eval/cuad-ip/pdf --gold ../shared/eval/cuad-ip/questions-dev.jsonl
    python benchmarks/retrieval_quality.py --corpus corpus --gold eval/corpus-questions.jsonl

Prints one table (hit@1, hit@5, MRR, refusal accuracy, ingest seconds, query ms p50/p95) and
writes it as JSON with --out. Query time is the whole answer (retrieval, reranking, sentence
selection) for this project, and the similarity search for the tutorial pipeline.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import load_settings  # noqa: E402
from assistant.evaluation import EvalReport, GoldQuestion, QuestionResult, is_hit, read_gold  # noqa: E402
from assistant.schema import Citation  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def score(report: EvalReport) -> dict:
    """The columns of the table, from the same scoring as `python -m assistant eval`."""
    data = report.to_json()
    keys = ("hit_at_1", "hit_at_k", "mrr", "refusal_accuracy", "query_ms_p50", "query_ms_p95")
    return {key: data[key] for key in keys}


def tutorial_ingest(corpus: Path, workdir: Path):
    """The LangChain tutorial's ingest, as people copy it: (store, chunks, seconds).

    It embeds with sentence-transformers (langchain-huggingface), as the tutorial does, whatever
    ASSISTANT_EMBEDDING_BACKEND says.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter
    from pypdf import PdfReader

    from assistant.embeddings import torch_embeddings

    started = time.perf_counter()
    documents = []
    for path in sorted(corpus.rglob("*")):
        source = path.relative_to(corpus).as_posix()
        if path.suffix.lower() == ".pdf":  # PyPDFLoader: one Document per page, 0-based "page"
            for index, page in enumerate(PdfReader(str(path)).pages):
                documents.append(Document(page.extract_text() or "", metadata={"source": source, "page": index}))
        elif path.suffix.lower() in {".md", ".txt"}:
            documents.append(Document(path.read_text(encoding="utf-8"), metadata={"source": source}))
    splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(documents)
    client = chromadb.PersistentClient(str(workdir / "tutorial"), settings=ChromaSettings(anonymized_telemetry=False))
    store = Chroma(collection_name="tutorial", embedding_function=torch_embeddings(), client=client)
    for start in range(0, len(splits), 1000):
        store.add_documents(splits[start : start + 1000])
    return store, len(splits), time.perf_counter() - started


def tutorial_pipeline(corpus: Path, questions: list[GoldQuestion], k: int, workdir: Path) -> dict:
    """The LangChain tutorial, as people copy it."""
    store, chunks, ingest_seconds = tutorial_ingest(corpus, workdir)

    report = EvalReport(k=k)
    for question in questions:
        began = time.perf_counter()
        found = store.similarity_search(question.question, k=k)
        seconds = time.perf_counter() - began
        rank = None
        for n, doc in enumerate(found, start=1):
            page = doc.metadata.get("page")
            page = None if page is None else int(page) + 1
            if is_hit(Citation(n, doc.metadata["source"], "", page, page, "", doc.page_content, 0.0), question.gold):
                rank = n
                break
        # The tutorial always answers.
        report.results.append(QuestionResult(question.id, question.category, question.answerable, True, rank, seconds))
    return {**score(report), "ingest_seconds": ingest_seconds, "chunks": chunks}


def project_pipeline(corpus: Path, questions: list[GoldQuestion], k: int, workdir: Path, rerank: bool, store: Path | None) -> dict:
    from assistant.ingest import Ingestor
    from assistant.service import Assistant

    settings = replace(load_settings(store_dir=store or workdir / "project", corpus_dir=corpus), chroma_host="", rerank=rerank)
    ingest_seconds = None
    if store is None:
        report = Ingestor(settings).run(corpus)
        ingest_seconds = report.seconds
    assistant = Assistant(settings)
    report = EvalReport(k=k)
    retrieval_times = []
    for question in questions:
        began = time.perf_counter()
        assistant.retrieve(question.question, k=k)
        retrieval_times.append(time.perf_counter() - began)
        began = time.perf_counter()
        answer = assistant.ask(question.question, k=k)
        seconds = time.perf_counter() - began
        rank = next((c.n for c in answer.citations if is_hit(c, question.gold)), None)
        report.results.append(QuestionResult(question.id, question.category, question.answerable, answer.grounded, rank, seconds))
    return {
        **score(report),
        "ingest_seconds": ingest_seconds,
        "retrieval_ms_p50": 1000 * statistics.median(retrieval_times),
        "retrieval_ms_p95": 1000 * percentile(retrieval_times, 0.95),
        "chunks": assistant.store.count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--gold", type=Path, required=True)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--out", type=Path, help="write the results as JSON")
    parser.add_argument("--skip-tutorial", action="store_true")
    args = parser.parse_args()
    questions = read_gold(args.gold)
    rows: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if not args.skip_tutorial:
            rows["tutorial (PyPDF pages, 1000/200 chars, dense top-k)"] = tutorial_pipeline(args.corpus, questions, args.k, workdir)
        rows["this project, reranker on (default)"] = project_pipeline(args.corpus, questions, args.k, workdir, True, None)
        rows["this project, reranker off"] = project_pipeline(args.corpus, questions, args.k, workdir, False, workdir / "project")
    k = args.k
    header = f"| pipeline | hit@1 | hit@{k} | MRR | refusal acc. | ingest s | query ms p50 | query ms p95 |"
    print(f"{args.gold} over {args.corpus}: {len(questions)} questions ({sum(q.answerable for q in questions)} answerable)\n")
    print(header)
    print("|" + "---|" * 8)
    for name, row in rows.items():
        refusal = "-" if row["refusal_accuracy"] is None else f"{row['refusal_accuracy']:.2f}"
        ingest = "(same store)" if row["ingest_seconds"] is None else f"{row['ingest_seconds']:.0f}"
        print(f"| {name} | {row['hit_at_1']:.3f} | {row['hit_at_k']:.3f} | {row['mrr']:.3f} | {refusal} | {ingest} | "
              f"{row['query_ms_p50']:.0f} | {row['query_ms_p95']:.0f} |")
    for name, row in rows.items():
        if "retrieval_ms_p50" in row:
            print(f"{name}: retrieval alone p50 {row['retrieval_ms_p50']:.0f} ms, p95 {row['retrieval_ms_p95']:.0f} ms; {row['chunks']} chunks")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"gold": str(args.gold), "corpus": str(args.corpus), "k": k, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
