"""kill -9 an ingest at random points, re-run it, and compare the store with a clean build.

    python benchmarks/kill_ingest.py [--trials 20] [--seed 8] [--out benchmarks/results/kill-ingest.json]

Two versions of a small corpus (three files of the sample corpus): A, and B = A with one file
changed, one removed and one added. A clean build of B is the reference. Each trial starts from an
empty store, from a complete store of A, or from a store of A with ``--rebuild`` asked, runs
``ingest.py`` on B in a subprocess, kills it with SIGKILL after a random delay, then runs ingest again
(in this process) and compares with the reference: the same chunk ids with the same metadata and
text, the same document records, the same store fingerprint, a BM25 index saved for that
fingerprint, and vectors equal to the reference's up to float noise. Results are written after
every trial, so an interrupted run keeps what it measured.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config import load_settings  # noqa: E402
from assistant.ingest import Ingestor  # noqa: E402
from assistant.lexical import LexicalIndex  # noqa: E402
from assistant.store import ChunkStore, make_client  # noqa: E402

SAMPLE = ROOT / "corpus"
VECTOR_TOLERANCE = 1e-4  # batch composition changes float rounding in the last digits only


def make_corpora(base: Path) -> tuple[Path, Path]:
    a, b = base / "corpus-a", base / "corpus-b"
    for root in (a, b):
        (root / "policies").mkdir(parents=True)
        (root / "lectures").mkdir()
        shutil.copy(SAMPLE / "lectures" / "enterprise-ip-protection-part1.md", root / "lectures")
    shutil.copy(SAMPLE / "policies" / "patent-pools-licensing.pdf", a / "policies")  # removed in B
    shutil.copy(SAMPLE / "policies" / "trade-secret-protection.pdf", b / "policies")  # added in B
    shutil.copy(SAMPLE / "lectures" / "enterprise-ip-protection-part2.md", a / "lectures")
    part2 = (SAMPLE / "lectures" / "enterprise-ip-protection-part2.md").read_text(encoding="utf-8")
    edited = part2.replace("## ", "## Revised: ", 1) + "\n\n## Addendum\n\nQuestions about this session go to the IP Office.\n"
    (b / "lectures" / "enterprise-ip-protection-part2.md").write_text(edited, encoding="utf-8")  # changed in B
    return a, b


def settings_for(store: Path, corpus: Path):
    return replace(load_settings(store_dir=store, corpus_dir=corpus), chroma_host="")


def snapshot(store_dir: Path, corpus: Path) -> dict:
    settings = settings_for(store_dir, corpus)
    store = ChunkStore(settings, client=make_client(settings, fresh=True))
    result = store.chunks.get(include=["metadatas", "documents", "embeddings"])
    chunks = {
        i: {"meta": m, "text": d, "vector": [float(x) for x in e]}
        for i, m, d, e in zip(result["ids"], result["metadatas"], result["documents"], result["embeddings"])
    }
    index = LexicalIndex.load(settings.index_dir)
    return {
        "chunks": chunks,
        # When a record was written is the one field a repaired store may not share with a clean build.
        "records": {s: {k: v for k, v in r.__dict__.items() if k != "ingested_at"} for s, r in store.document_records().items()},
        "fingerprint": store.fingerprint(),
        "index_fingerprint": index.fingerprint if index else None,
        "generations": sorted(store.generations()),
        "active": store.active_generation(),
    }


def compare(reference: dict, got: dict) -> list[str]:
    problems = []
    if set(reference["chunks"]) != set(got["chunks"]):
        problems.append(
            f"chunk ids differ: {len(set(reference['chunks']) - set(got['chunks']))} missing, "
            f"{len(set(got['chunks']) - set(reference['chunks']))} extra"
        )
    for chunk_id in set(reference["chunks"]) & set(got["chunks"]):
        want, have = reference["chunks"][chunk_id], got["chunks"][chunk_id]
        if want["meta"] != have["meta"] or want["text"] != have["text"]:
            problems.append(f"chunk {chunk_id}: metadata or text differs")
            break
        if max(abs(x - y) for x, y in zip(want["vector"], have["vector"])) > VECTOR_TOLERANCE:
            problems.append(f"chunk {chunk_id}: vector differs")
            break
    if reference["records"] != got["records"]:
        problems.append("document records differ")
    if reference["fingerprint"] != got["fingerprint"]:
        problems.append("fingerprint differs")
    if got["index_fingerprint"] != got["fingerprint"]:
        problems.append("BM25 index not saved for the store's fingerprint")
    if got["generations"] != [got["active"]] and len(got["generations"]) > 2:
        problems.append(f"leftover generations {got['generations']}")
    return problems


def ingest_command(corpus: Path, store: Path, rebuild: bool) -> list[str]:
    command = [sys.executable, str(ROOT / "ingest.py"), "--corpus", str(corpus), "--store", str(store)]
    return command + (["--rebuild"] if rebuild else [])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument(
        "--min-killed", type=int, default=0,
        help="go on past --trials until this many runs were killed mid-run (a run that ends before its "
        "kill delay shows only that a finished run stays equal); at most 3x --trials runs",
    )
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "kill-ingest.json"))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    base = Path(tempfile.mkdtemp(prefix="kill-ingest-"))
    corpus_a, corpus_b = make_corpora(base)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}

    # The reference, and how long a whole ingest of B takes here (the range of kill delays).
    started = time.perf_counter()
    subprocess.run(ingest_command(corpus_b, base / "reference", False), env=env, check=True, capture_output=True)
    full_seconds = time.perf_counter() - started
    reference = snapshot(base / "reference", corpus_b)
    Ingestor(settings_for(base / "store-a", corpus_a)).run(corpus_a)
    print(f"reference: {len(reference['chunks'])} chunks, a full ingest takes {full_seconds:.1f} s", flush=True)

    trials = []
    starts = ["empty", "store of A", "store of A, --rebuild"]
    trial = -1
    while True:
        trial += 1
        killed_so_far = sum(t["killed_mid_run"] for t in trials)
        if trial >= args.trials and (killed_so_far >= args.min_killed or trial >= 3 * args.trials):
            break
        start = starts[trial % len(starts)]
        store = base / f"trial-{trial}"
        if start != "empty":
            shutil.copytree(base / "store-a", store)
        # Up to 0.9 of a clean run: most runs are killed mid-way, at any stage (parsing, embedding, writing).
        delay = rng.uniform(0.05, 0.9) * full_seconds
        process = subprocess.Popen(
            ingest_command(corpus_b, store, start.endswith("--rebuild")), env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            process.wait(timeout=delay)
            killed = False
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            killed = True
        repair = Ingestor(settings_for(store, corpus_b)).run(corpus_b)
        problems = compare(reference, snapshot(store, corpus_b))
        trials.append(
            {
                "trial": trial,
                "start": start,
                "kill_after_s": round(delay, 2),
                "killed_mid_run": killed,
                "repair_run": {
                    "added": len(repair.added), "updated": len(repair.updated), "unchanged": len(repair.unchanged),
                    "removed": len(repair.removed), "chunks_embedded": repair.chunks,
                },
                "equal_to_clean_build": not problems,
                "problems": problems,
            }
        )
        print(json.dumps(trials[-1]), flush=True)
        shutil.rmtree(store, ignore_errors=True)
        write_results(Path(args.out), trials, full_seconds, reference, args)

    summary = write_results(Path(args.out), trials, full_seconds, reference, args)
    print(json.dumps(summary))
    shutil.rmtree(base, ignore_errors=True)
    return 0 if summary["equal_to_clean_build"] == summary["trials"] else 1


def write_results(out: Path, trials: list[dict], full_seconds: float, reference: dict, args) -> dict:
    summary = {
        "trials": len(trials),
        "killed_mid_run": sum(t["killed_mid_run"] for t in trials),
        "equal_to_clean_build": sum(t["equal_to_clean_build"] for t in trials),
        "full_ingest_seconds": round(full_seconds, 1),
        "reference_chunks": len(reference["chunks"]),
        "corpus": "3 files of corpus/ (1 PDF, 2 Markdown); B = A with one changed, one removed (a PDF), one added (a PDF)",
        "seed": args.seed,
        "trials_asked": args.trials,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"summary": summary, "trials": trials}, indent=1) + "\n")
    return summary


if __name__ == "__main__":
    sys.exit(main())
