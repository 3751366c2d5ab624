"""Speed benchmarks in one place: one Markdown table printed, JSON in benchmarks/results/run.json.

    python benchmarks/run.py                      # every part but --scale
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
  --scale    a ~100k-chunk corpus made from CUAD (benchmarks/scale_corpus.py: the 50 contracts and
             20 copies of each under new parties and dates), ingested once into a cached store
             (--scale-dir; skipped when it is there, made by the same generator version); then, each
             in its own process: the BM25 rebuild from the store, the --query timings on it, and
             hit@5/MRR of the CUAD dev questions and of eval/cuad-questions.jsonl's held-out half on
             the 100k store against the 4k CUAD store
  --concurrency  one Assistant shared by N threads (N = 1, 4, 16) on the CUAD store, each thread a
             fixed share of the same 32 questions (reranker on): questions/s and per-question
             p50/p95 per N, with the ONNX sessions at 1 and at 2 intra-op threads
             (ASSISTANT_ONNX_THREADS)

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
PARTS = ("ingest", "embed", "cuad", "cold", "stdin", "query", "concurrency", "scale")
ASKERS = (1, 4, 16)
CONCURRENT_QUESTIONS = 32
SCALE_DIR = Path.home() / ".cache" / "ip-policy-assistant" / "bench"
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


CUAD_QUESTION_FILES = [CUAD / "questions-dev.jsonl", ROOT / "eval" / "cuad-questions.jsonl"]


def part_query(workdir: Path, limit: int) -> dict:
    """Per-question times in one warm process: retrieval alone, then the whole answer."""
    sets = [("sample", workdir / "store-sample", [ROOT / "eval" / "corpus-questions.jsonl"])]
    if (workdir / "store-cuad").is_dir():
        sets.append(("cuad", workdir / "store-cuad", CUAD_QUESTION_FILES))
    return query_times(sets, limit)


def query_times(sets: list[tuple[str, Path, list[Path]]], limit: int) -> dict:
    from assistant.rerank import reranker_for
    from assistant.service import Assistant

    result = {}
    reranker = None
    for name, store, files in sets:
        asked = [q for f in files for q in questions(f)][:limit]
        for rerank in (True, False):
            settings = replace(settings_for(store, ROOT / "corpus"), rerank=rerank)
            reranker = reranker or reranker_for(settings)
            assistant = Assistant(settings, reranker=reranker if rerank else None)
            assistant.ask(asked[0])  # warm: first-call allocations are start-up, not query time
            retrieval, full = [], []
            for question in asked:
                began = time.perf_counter()
                assistant.search(assistant.search_query(question))
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


def part_concurrency(workdir: Path) -> dict:
    """One shared Assistant, N threads released together, thread i asking questions i, i+N, ...
    of the same list: throughput over the whole batch, latency per question."""
    import threading

    from assistant.rerank import reranker_for
    from assistant.service import Assistant

    store = workdir / "store-cuad"
    asked = [q for f in CUAD_QUESTION_FILES for q in questions(f)][:CONCURRENT_QUESTIONS]
    result = {"store_chunks": None, "questions": len(asked), "cores": os.cpu_count()}
    assistants = {}
    for threads in (2, 1):
        settings = replace(settings_for(store, ROOT / "corpus"), onnx_threads=threads)
        assistants[threads] = Assistant(settings, reranker=reranker_for(settings, threads))
        assistants[threads].ask(asked[0])  # warm
    # One asker, the two settings taking turns question by question, so that a change in the other
    # jobs' load falls on both alike: the single-asker cost (or gain) of 1 ONNX thread.
    paired = {1: [], 2: []}
    load_before = os.getloadavg()
    for question in asked[:16]:
        for threads in (2, 1):
            began = time.perf_counter()
            assistants[threads].ask(question)
            paired[threads].append(time.perf_counter() - began)
    result["single_asker_paired"] = {
        "questions": len(paired[1]),
        **{f"onnx_threads_{t}_ms_p50": round(1000 * percentile(paired[t], 0.5)) for t in (2, 1)},
        "median_ratio_1_over_2": round(statistics.median(a / b for a, b in zip(paired[1], paired[2])), 2),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    for threads in (2, 1):
        assistant = assistants[threads]
        result["store_chunks"] = assistant.store.count()
        rows = {}
        for askers in ASKERS:
            latencies: list[float] = []
            start = threading.Barrier(askers + 1)

            def asker(share: list[str]) -> None:
                start.wait()
                for question in share:
                    began = time.perf_counter()
                    assistant.ask(question)
                    latencies.append(time.perf_counter() - began)

            pool = [threading.Thread(target=asker, args=(asked[i::askers],)) for i in range(askers)]
            for thread in pool:
                thread.start()
            load_before = os.getloadavg()
            start.wait()
            began = time.perf_counter()
            for thread in pool:
                thread.join()
            seconds = time.perf_counter() - began
            if len(latencies) != len(asked):
                raise RuntimeError(f"{askers} askers: {len(asked) - len(latencies)} questions failed")
            rows[f"askers_{askers}"] = {
                "seconds": round(seconds, 1),
                "questions_per_s": round(len(asked) / seconds, 3),
                "latency_ms_p50": round(1000 * percentile(latencies, 0.5)),
                "latency_ms_p95": round(1000 * percentile(latencies, 0.95)),
                "load_before": [round(x, 2) for x in load_before],
                "load_after": [round(x, 2) for x in os.getloadavg()],
            }
        rows["throughput_4_over_1"] = round(rows["askers_4"]["questions_per_s"] / rows["askers_1"]["questions_per_s"], 2)
        result[f"onnx_threads_{threads}"] = rows
    return result


# ------------------------------------------------------------------ --scale (children of part "scale")


def scale_paths(args: argparse.Namespace) -> tuple[Path, Path, Path]:
    """The generated corpus, its cached store, and the marker saying how the store was made."""
    base = args.scale_dir
    return base / "scale-100k", base / "scale-100k-store", base / "scale-100k-store.json"


def scale_marker_wanted() -> dict:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from scale_corpus import GENERATOR_VERSION

    from assistant.chunking import CHUNKER_VERSION

    return {"generator_version": GENERATOR_VERSION, "chunker_version": CHUNKER_VERSION}


def part_scale_corpus(args: argparse.Namespace) -> dict:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from scale_corpus import generate

    corpus, _, _ = scale_paths(args)
    began = time.perf_counter()
    manifest = generate(corpus)
    return {**manifest, "seconds": round(time.perf_counter() - began, 1)}


def part_scale_ingest(args: argparse.Namespace) -> dict:
    """The one long ingest, skipped when the marker says the store was made by this generator and
    chunker; a store without a marker is an interrupted ingest, which the (incremental) ingest
    resumes. Wall and CPU seconds both (CPU time does not grow with other jobs' load); the wall
    time of a resumed ingest is that of its last run only."""
    from assistant.ingest import Ingestor

    corpus, store, marker = scale_paths(args)
    wanted = scale_marker_wanted()
    if marker.is_file():
        done = json.loads(marker.read_text())
        if store.is_dir() and {k: done.get(k) for k in wanted} == wanted:
            return {**done, "cached": True}
        shutil.rmtree(store, ignore_errors=True)  # made by another generator or chunker
        marker.unlink()
    resumed = store.is_dir()
    seeded = ""
    if args.scale_seed and not resumed:  # a copy of a store of the 50 originals (same chunker): not re-embedded
        shutil.copytree(args.scale_seed, store)
        shutil.rmtree(store / "lexical", ignore_errors=True)
        seeded = str(args.scale_seed)
    log = store.with_suffix(".log").open("a")

    def progress(position: int, total: int, source: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {position}/{total} {source} load {os.getloadavg()[0]:.2f}", file=log, flush=True)

    load_before = os.getloadavg()
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    report = Ingestor(settings_for(store, corpus), progress=progress).run(corpus)
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    from assistant.store import ChunkStore

    result = {
        **wanted,
        "cached": False,
        "resumed": resumed,
        "seeded_from": seeded,
        "files_added": len(report.added),
        "files_unchanged": len(report.unchanged),
        "failed": len(report.failed),
        "chunks_embedded": report.chunks,
        "chunks": ChunkStore(settings_for(store, corpus), create=False).count(),
        "ingest_seconds": round(report.seconds, 1),
        "ingest_cpu_seconds": round(cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime, 1),
        "ingest_peak_rss_mib": peak_rss_mib(),
        "ingest_load_before": [round(x, 2) for x in load_before],
        "ingest_load_after": [round(x, 2) for x in os.getloadavg()],
        "made": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    marker.write_text(json.dumps(result, indent=1))
    return result


def part_scale_bm25(args: argparse.Namespace) -> dict:
    """The BM25 index rebuilt from the store, as an ingest does at its end: read every chunk, index."""
    from assistant.lexical import LexicalIndex
    from assistant.store import ChunkStore

    corpus, store, _ = scale_paths(args)
    chunks = ChunkStore(settings_for(store, corpus), create=False)
    began = time.perf_counter()
    ids, texts, metadatas = chunks.all_chunks()
    read = time.perf_counter() - began
    began = time.perf_counter()
    LexicalIndex.build(ids, texts, chunks.fingerprint(), [m["source"] for m in metadatas])
    built = time.perf_counter() - began
    return {"chunks": len(ids), "read_seconds": round(read, 1), "index_seconds": round(built, 1), "seconds": round(read + built, 1)}


def part_scale_query(args: argparse.Namespace) -> dict:
    corpus, store, _ = scale_paths(args)
    return query_times([("scale", store, CUAD_QUESTION_FILES)], args.questions)


def part_scale_quality(args: argparse.Namespace) -> dict:
    """hit@5 and MRR of the same questions on the 100k store and on the 4k CUAD store."""
    from assistant.evaluation import evaluate, read_gold
    from assistant.rerank import reranker_for
    from assistant.service import Assistant

    corpus, store, _ = scale_paths(args)
    sets = {
        "cuad_dev": read_gold(CUAD / "questions-dev.jsonl"),
        "cuad_heldout": [q for q in read_gold(ROOT / "eval" / "cuad-questions.jsonl") if q.split == "heldout"],
    }
    reranker = reranker_for(settings_for(args.workdir / "store-cuad", ROOT / "corpus"))
    result = {}
    for label, path in (("4k", args.workdir / "store-cuad"), ("100k", store)):
        assistant = Assistant(settings_for(path, ROOT / "corpus"), reranker=reranker)
        for name, questions in sets.items():
            report = evaluate(assistant, questions, k=5).to_json()
            result[f"{name}_{label}"] = {
                "chunks": assistant.store.count(),
                **{key: report[key] for key in ("questions", "answerable", "hit_at_1", "hit_at_k", "mrr", "refusal_accuracy", "document_hit_at_1", "answered_rate")},
            }
    return result


def part_scale(args: argparse.Namespace) -> dict:
    """Corpus, the cached ingest, then the measures, each in its own process (its own peak RSS)."""
    if not (CUAD / "pdf").is_dir():
        return {"skipped": f"{CUAD / 'pdf'} not found"}
    if not (args.workdir / "store-cuad").is_dir():
        raise RuntimeError(f"--scale compares with the 4k CUAD store: run --cuad first (or copy one to {args.workdir / 'store-cuad'})")
    data = {}
    for step in ("scale-corpus", "scale-ingest", "scale-bm25", "scale-query", "scale-quality"):
        print(f"  {step} ...", file=sys.stderr, flush=True)
        load_before = os.getloadavg()
        try:
            child = run_child(step, args)
        except RuntimeError as exc:  # the measures after hours of ingest are kept when a later one fails
            if step in ("scale-corpus", "scale-ingest"):
                raise
            child = {"error": str(exc)[-2000:]}
        child["load_before"] = [round(x, 2) for x in load_before]
        child["load_after"] = [round(x, 2) for x in os.getloadavg()]
        data[step.removeprefix("scale-")] = child
    return data


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
    command += ["--scale-dir", str(args.scale_dir)] + (["--scale-seed", str(args.scale_seed)] if args.scale_seed else [])
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
    elif part == "scale":
        data = part_scale(args)
    elif part == "concurrency" and not (args.workdir / "store-cuad").is_dir():
        return {"skipped": f"no CUAD store in {args.workdir}: run --cuad first"}
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
    scale = {
        "scale-corpus": part_scale_corpus,
        "scale-ingest": part_scale_ingest,
        "scale-bm25": part_scale_bm25,
        "scale-query": part_scale_query,
        "scale-quality": part_scale_quality,
    }
    if part == "query":
        data = part_query(args.workdir, args.questions)
    elif part == "concurrency":
        data = part_concurrency(args.workdir)
    elif part in scale:
        data = scale[part](args)
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
    if "concurrency" in results and "skipped" not in results["concurrency"]:
        d = results["concurrency"]
        for key in sorted(k for k in d if k.startswith("onnx_threads_")):
            rows_n = d[key]
            for askers in ASKERS:
                r = rows_n.get(f"askers_{askers}")
                if r is None:
                    continue
                rows.append(
                    f"| concurrent askers, {key.replace('_', ' ')} | {askers} threads, {d['questions']} questions, {d['store_chunks']} chunks "
                    f"| {r['questions_per_s']} q/s; latency p50/p95 {r['latency_ms_p50']}/{r['latency_ms_p95']} ms | {d['peak_rss_mib']} "
                    f"| {r['load_before'][0]} → {r['load_after'][0]} |"
                )
            rows.append(f"| concurrent askers, {key.replace('_', ' ')} | throughput 4 / 1 | {rows_n['throughput_4_over_1']} | | |")
        p = d.get("single_asker_paired")
        if p:
            rows.append(
                f"| one asker, ONNX threads 2 and 1 taking turns | {p['questions']} questions each | p50 {p['onnx_threads_2_ms_p50']} / "
                f"{p['onnx_threads_1_ms_p50']} ms; median ratio 1/2 {p['median_ratio_1_over_2']} | | {p['load_before'][0]} → {p['load_after'][0]} |"
            )
    if "scale" in results and "skipped" not in results["scale"]:
        d = results["scale"]
        c, i = d.get("corpus", {}), d.get("ingest", {})
        if i:
            seeded = f", {i['chunks_embedded']} embedded (the 50 originals copied from a CUAD store)" if i.get("seeded_from") else ""
            rows.append(
                f"| scale: ingest | {c.get('originals')} + {c.get('variant_files')} PDFs, {i['chunks']} chunks{seeded} "
                f"| {i['ingest_seconds']} s wall, {i['ingest_cpu_seconds']} s CPU | {i['ingest_peak_rss_mib']} "
                f"| {i['ingest_load_before'][0]} → {i['ingest_load_after'][0]} |"
            )
        for step in ("bm25", "query", "quality"):
            if "error" in d.get(step, {}):
                rows.append(f"| scale: {step} | failed | see run.json | | |")
        if "bm25" in d and "error" not in d["bm25"]:
            b = d["bm25"]
            rows.append(
                f"| scale: BM25 rebuild from the store | {b['chunks']} chunks | {b['seconds']} s (read {b['read_seconds']}, index {b['index_seconds']}) "
                f"| {b['peak_rss_mib']} | {load(b)} |"
            )
        if "query" in d and "error" not in d["query"]:
            q_all = d["query"]
            for label, q in q_all.items():
                if isinstance(q, dict):
                    rows.append(
                        f"| scale: query {label} | {q['questions']} questions, {q['chunks']} chunks | retrieval p50/p95 {q['retrieval_ms_p50']}/{q['retrieval_ms_p95']} ms; "
                        f"answer p50/p95 {q['answer_ms_p50']}/{q['answer_ms_p95']} ms | {q_all['peak_rss_mib']} | {load(q_all)} |"
                    )
        if "quality" in d and "error" not in d["quality"]:
            qa = d["quality"]
            for name in ("cuad_dev", "cuad_heldout"):
                small, large = qa.get(f"{name}_4k"), qa.get(f"{name}_100k")
                if small and large:
                    rows.append(
                        f"| scale: quality {name} (answerable {small['answerable']}) | 4k → 100k chunks "
                        f"| hit@5 {small['hit_at_k']} → {large['hit_at_k']}; MRR {small['mrr']} → {large['mrr']} | {qa['peak_rss_mib']} | {load(qa)} |"
                    )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for part in PARTS:
        parser.add_argument(f"--{part}", action="store_true", help=f"run the {part} part")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/assistant-bench"), help="stores kept between parts")
    parser.add_argument("--questions", type=int, default=60, help="questions per set in --query")
    parser.add_argument("--scale-dir", type=Path, default=SCALE_DIR, help="--scale: where the corpus and its store are kept")
    parser.add_argument("--scale-seed", type=Path, help="--scale: start the store from a copy of this CUAD store (its 50 contracts not re-embedded)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.workdir = args.workdir.resolve()
    args.scale_dir = args.scale_dir.expanduser().resolve()
    if args.worker:
        worker(args.worker, args)
        return
    chosen = [p for p in PARTS if getattr(args, p)] or [p for p in PARTS if p != "scale"]  # --scale: hours, asked for by name
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    if {"embed", "cold", "stdin", "query"} & set(chosen):
        if not (args.workdir / "store-sample").is_dir() and "ingest" not in chosen:
            chosen.insert(0, "ingest")  # the later parts read the sample store
    for part in chosen:
        print(f"running {part} ...", file=sys.stderr, flush=True)
        data = run_part(part, args)
        # Read again before writing: another run may have written other parts meanwhile (--scale
        # runs for hours).
        results = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
        results[part] = data
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=1))
    print(markdown(results))


if __name__ == "__main__":
    main()
