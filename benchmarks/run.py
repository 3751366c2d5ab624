"""Speed benchmarks in one place: one Markdown table printed, JSON in benchmarks/results/run.json.

    python benchmarks/run.py                      # every part
    python benchmarks/run.py --ingest --cold      # some parts; the others keep their last result

Parts (each in its own process, so its peak resident memory is its own):
  --ingest   ingest of the sample corpus (corpus/) into a new store, then the unchanged re-ingest
  --embed    the sample store's chunks embedded by the ONNX and the torch backend: seconds each,
             and the smallest and mean cosine between their vectors
  --cuad     ingest of ../shared/eval/cuad-ip/pdf by this project and by the LangChain tutorial
             pipeline (benchmarks/retrieval_quality.py), and their ratio (skipped when absent)
  --cold     `python -m assistant ask --json QUESTION` wall time, median of 3 (reranker on)
  --stdin    `ask --stdin` over 100 questions, wall time including start-up
  --query    per-question p50/p95 of retrieval and of the full answer, reranker on and off, on the
             sample store and (when present) the CUAD store (~4k chunks)

Stores are kept in --workdir between parts, so `--cold` after `--ingest` reuses its store. The load
average is recorded before and after each part: the numbers mean little if it is above the 2 cores.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benchmarks" / "results" / "run.json"
CUAD = ROOT.parent / "shared" / "eval" / "cuad-ip"
PARTS = ("ingest", "embed", "cuad", "cold", "stdin", "query")
COLD_QUESTION = "Can I use GPL code in our product?"


def peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # Linux reports KiB


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def environment() -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    env.pop("ASSISTANT_CHROMA_HOST", None)
    return env


def settings_for(store: Path, corpus: Path):
    from assistant.config import load_settings

    return replace(load_settings(store_dir=store, corpus_dir=corpus), chroma_host="")


def questions(path: Path) -> list[str]:
    return [json.loads(line)["question"] for line in path.read_text().splitlines() if line.strip()]


# ------------------------------------------------------------------ parts (run in a child process)


def ingest_store(store: Path, corpus: Path) -> dict:
    """A full ingest into a new store, then the same corpus again (nothing to embed)."""
    from assistant.ingest import Ingestor

    shutil.rmtree(store, ignore_errors=True)
    settings = settings_for(store, corpus)
    first = Ingestor(settings).run(corpus)
    again = Ingestor(settings).run(corpus)
    return {
        "files": len(first.added),
        "failed": len(first.failed),
        "chunks": first.chunks,
        "ingest_seconds": round(first.seconds, 1),
        "reingest_unchanged_seconds": round(again.seconds, 2),
    }


def part_ingest(workdir: Path) -> dict:
    return ingest_store(workdir / "store-sample", ROOT / "corpus")


def part_embed(workdir: Path) -> dict:
    import numpy as np

    from assistant.embeddings import get_embeddings, torch_embeddings
    from assistant.store import ChunkStore

    texts = ChunkStore(settings_for(workdir / "store-sample", ROOT / "corpus"), create=False).all_chunks()[1]
    result = {"chunks": len(texts)}
    vectors = {}
    for name, model in (("onnx", get_embeddings(backend="onnx")), ("torch", torch_embeddings())):
        model.embed_documents(texts[:8])  # warm
        began = time.perf_counter()
        vectors[name] = np.array(model.embed_documents(texts))
        result[f"{name}_seconds"] = round(time.perf_counter() - began, 1)
    cosines = np.sum(vectors["onnx"] * vectors["torch"], axis=1)
    result["min_cosine"] = round(float(cosines.min()), 6)
    result["mean_cosine"] = round(float(cosines.mean()), 6)
    return result


def part_cuad(workdir: Path) -> dict:
    return ingest_store(workdir / "store-cuad", CUAD / "pdf")


def part_tutorial(workdir: Path) -> dict:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from retrieval_quality import tutorial_ingest

    target = workdir / "tutorial-cuad"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    _, chunks, seconds = tutorial_ingest(CUAD / "pdf", target)
    shutil.rmtree(target, ignore_errors=True)
    return {"chunks": chunks, "ingest_seconds": round(seconds, 1)}


def part_query(workdir: Path, limit: int) -> dict:
    """Per-question times in one warm process: retrieval alone, then the whole answer."""
    from assistant.rerank import CrossEncoderReranker
    from assistant.service import Assistant

    result = {}
    sets = [("sample", workdir / "store-sample", [ROOT / "eval" / "corpus-questions.jsonl"])]
    if (workdir / "store-cuad").is_dir():
        sets.append(("cuad", workdir / "store-cuad", [CUAD / "questions-dev.jsonl", ROOT / "eval" / "cuad-questions.jsonl"]))
    reranker = CrossEncoderReranker()
    for name, store, files in sets:
        asked = [q for f in files for q in questions(f)][:limit]
        for rerank in (True, False):
            settings = replace(settings_for(store, ROOT / "corpus"), rerank=rerank)
            assistant = Assistant(settings, reranker=reranker if rerank else None)
            assistant.ask(asked[0])  # warm: first-call allocations are start-up, not query time
            retrieval, full = [], []
            for question in asked:
                began = time.perf_counter()
                assistant.retrieve(assistant.search_query(question).question)
                retrieval.append(time.perf_counter() - began)
                began = time.perf_counter()
                assistant.ask(question)
                full.append(time.perf_counter() - began)
            label = f"{name}_{'rerank' if rerank else 'norerank'}"
            result[label] = {
                "questions": len(asked),
                "chunks": assistant.store.count(),
                "retrieval_ms_p50": round(1000 * percentile(retrieval, 0.5)),
                "retrieval_ms_p95": round(1000 * percentile(retrieval, 0.95)),
                "answer_ms_p50": round(1000 * percentile(full, 0.5)),
                "answer_ms_p95": round(1000 * percentile(full, 0.95)),
            }
    return result


# ------------------------------------------------------------------ parts timed from outside


def part_cold(workdir: Path) -> dict:
    store = workdir / "store-sample"
    times = []
    for _ in range(3):
        began = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "assistant", "ask", "--json", "--store", str(store), COLD_QUESTION],
            cwd=ROOT, env=environment(), capture_output=True, text=True,
        )
        times.append(time.perf_counter() - began)
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
    return {"runs_seconds": [round(t, 2) for t in times], "median_seconds": round(statistics.median(times), 2)}


def part_stdin(workdir: Path) -> dict:
    store = workdir / "store-sample"
    asked = (questions(ROOT / "eval" / "corpus-questions.jsonl") + questions(ROOT / "eval" / "corpus-heldout.jsonl"))[:100]
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _CHILD_RSS, "-m", "assistant", "ask", "--stdin", "--store", str(store)],
        cwd=ROOT, env=environment(), capture_output=True, text=True, input="\n".join(asked) + "\n",
    )
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    lines = done.stdout.splitlines()
    rss = json.loads(lines.pop())["peak_rss_mib"]
    answers = [json.loads(line) for line in lines]
    return {
        "questions": len(asked),
        "answers": len(answers),
        "errors": sum("error" in a for a in answers),
        "seconds": round(seconds, 1),
        "peak_rss_mib": rss,
    }


# Runs a module as __main__ and then prints its own peak memory as a last JSON line.
_CHILD_RSS = (
    "import json, resource, runpy, sys\n"
    "sys.argv = sys.argv[2:]  # [module, args...]\n"
    "code = 0\n"
    "try:\n"
    "    runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)\n"
    "except SystemExit as exc:\n"
    "    code = exc.code or 0\n"
    "sys.stdout.flush()\n"
    "print(json.dumps({'peak_rss_mib': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))\n"
    "sys.exit(code)\n"
)


# ------------------------------------------------------------------ orchestration


def run_child(part: str, args: argparse.Namespace) -> dict:
    """A part in its own interpreter; its last stdout line is its JSON result."""
    command = [sys.executable, __file__, "--worker", part, "--workdir", str(args.workdir), "--questions", str(args.questions)]
    done = subprocess.run(command, cwd=ROOT, env=environment(), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{part} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_part(part: str, args: argparse.Namespace) -> dict:
    load_before = os.getloadavg()
    began = time.perf_counter()
    if part == "cold":
        data = part_cold(args.workdir)
    elif part == "stdin":
        data = part_stdin(args.workdir)
    elif part == "cuad":
        if not (CUAD / "pdf").is_dir():
            return {"skipped": f"{CUAD / 'pdf'} not found"}
        project = run_child("cuad", args)
        tutorial = run_child("tutorial", args)
        data = {
            "project": project,
            "tutorial": tutorial,
            "ratio": round(project["ingest_seconds"] / tutorial["ingest_seconds"], 2),
        }
    else:
        data = run_child(part, args)
    data["part_seconds"] = round(time.perf_counter() - began, 1)
    data["load_before"] = [round(x, 2) for x in load_before]
    data["load_after"] = [round(x, 2) for x in os.getloadavg()]
    return data


def worker(part: str, args: argparse.Namespace) -> None:
    functions = {"ingest": part_ingest, "embed": part_embed, "cuad": part_cuad, "tutorial": part_tutorial}
    if part == "query":
        data = part_query(args.workdir, args.questions)
    else:
        data = functions[part](args.workdir)
    data["peak_rss_mib"] = peak_rss_mib()
    print(json.dumps(data))


def markdown(results: dict) -> str:
    def load(d: dict) -> str:
        return f"{d['load_before'][0]} → {d['load_after'][0]}" if "load_before" in d else ""

    rows = ["| part | measure | value | peak RSS MiB | load (1 min) before → after |", "|---|---|---|---|---|"]
    if "ingest" in results:
        d = results["ingest"]
        rows.append(f"| ingest sample corpus | {d['files']} files, {d['chunks']} chunks | {d['ingest_seconds']} s | {d['peak_rss_mib']} | {load(d)} |")
        rows.append(f"| re-ingest, unchanged | sample corpus | {d['reingest_unchanged_seconds']} s | | |")
    if "embed" in results:
        d = results["embed"]
        rows.append(
            f"| embed sample chunks, onnx vs torch | {d['chunks']} chunks; cosine min {d['min_cosine']}, mean {d['mean_cosine']} "
            f"| onnx {d['onnx_seconds']} s, torch {d['torch_seconds']} s | {d['peak_rss_mib']} | {load(d)} |"
        )
    if "cuad" in results:
        d = results["cuad"]
        if "skipped" in d:
            rows.append(f"| ingest CUAD | skipped | {d['skipped']} | | |")
        else:
            p, t = d["project"], d["tutorial"]
            rows.append(f"| ingest CUAD, this project | {p['files']} PDFs, {p['chunks']} chunks | {p['ingest_seconds']} s | {p['peak_rss_mib']} | {load(d)} |")
            rows.append(f"| ingest CUAD, tutorial pipeline | {t['chunks']} chunks | {t['ingest_seconds']} s | {t['peak_rss_mib']} | |")
            rows.append(f"| ingest CUAD, ratio project / tutorial | target <= 0.5 | {d['ratio']} | | |")
            rows.append(f"| re-ingest CUAD, unchanged | | {p['reingest_unchanged_seconds']} s | | |")
    if "cold" in results:
        d = results["cold"]
        runs = ", ".join(str(x) for x in d["runs_seconds"])
        rows.append(f"| `ask` cold start (reranker on) | median of 3 ({runs}) | {d['median_seconds']} s | | {load(d)} |")
    if "stdin" in results:
        d = results["stdin"]
        rows.append(
            f"| `ask --stdin`, {d['questions']} questions incl. start-up | {d['answers']} answers, {d['errors']} errors | {d['seconds']} s | {d['peak_rss_mib']} | {load(d)} |"
        )
    if "query" in results:
        d = results["query"]
        for label, q in d.items():
            if not isinstance(q, dict):
                continue
            rows.append(
                f"| query {label} | {q['questions']} questions, {q['chunks']} chunks | retrieval p50/p95 {q['retrieval_ms_p50']}/{q['retrieval_ms_p95']} ms; "
                f"answer p50/p95 {q['answer_ms_p50']}/{q['answer_ms_p95']} ms | {d['peak_rss_mib']} | {load(d)} |"
            )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for part in PARTS:
        parser.add_argument(f"--{part}", action="store_true", help=f"run the {part} part")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/assistant-bench"), help="stores kept between parts")
    parser.add_argument("--questions", type=int, default=60, help="questions per set in --query")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.workdir = args.workdir.resolve()
    if args.worker:
        worker(args.worker, args)
        return
    chosen = [p for p in PARTS if getattr(args, p)] or list(PARTS)
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    if {"embed", "cold", "stdin", "query"} & set(chosen):
        if not (args.workdir / "store-sample").is_dir() and "ingest" not in chosen:
            chosen.insert(0, "ingest")  # the later parts read the sample store
    for part in chosen:
        print(f"running {part} ...", file=sys.stderr, flush=True)
        results[part] = run_part(part, args)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=1))
    print(markdown(results))


if __name__ == "__main__":
    main()
