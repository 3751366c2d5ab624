"""Ingest speed and memory: a full ingest, a re-run on the unchanged corpus, and one changed file.

    python benchmarks/ingest_speed.py --corpus ../shared/eval/cuad-ip/pdf

Prints seconds, chunks, pages per second and the peak resident memory of the process. The corpus is
copied to a temporary folder so that changing a file there leaves the original alone.
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import load_settings  # noqa: E402
from assistant.ingest import Ingestor, discover  # noqa: E402


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(args.corpus, corpus)
        settings = replace(load_settings(store_dir=Path(tmp) / "store", corpus_dir=corpus), chroma_host="")
        from pypdf import PdfReader

        pages = sum(len(PdfReader(str(p)).pages) for p in discover(corpus).values() if p.suffix.lower() == ".pdf")
        first = Ingestor(settings).run(corpus)
        again_started = time.perf_counter()
        again = Ingestor(settings).run(corpus)
        again_seconds = time.perf_counter() - again_started
        victim = sorted(p for p in discover(corpus).values() if p.suffix.lower() == ".pdf")[0]
        data = victim.read_bytes()
        victim.write_bytes(data + b"\n% changed\n")  # same text, new bytes: re-read and re-embedded
        changed = Ingestor(settings).run(corpus)
        result = {
            "files": len(first.added) + len(first.failed),
            "pdf_pages": pages,
            "chunks": first.chunks,
            "full_ingest_seconds": round(first.seconds, 1),
            "pages_per_second": round(pages / first.seconds, 1),
            "unchanged_rerun_seconds": round(again_seconds, 2),
            "unchanged_rerun_chunks_embedded": again.chunks,
            "one_changed_file_seconds": round(changed.seconds, 2),
            "one_changed_file_chunks": changed.chunks,
            "peak_rss_mib": round(peak_rss_mib()),
        }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
