"""Calibrate the support threshold of generated-answer verification (VerificationPolicy.min_support).

A generated sentence is shown only when the cross-encoder scores it, read against a passage it
cites, at or above ``min_support``. This script measures where that bar should be, on a corpus:

- *copied*: a sentence of a passage, scored against that passage as the model sees it (header and
  text, :func:`assistant.prompting.passage_block`); what a faithful answer looks like at best;
- *shortened*: the first 60% of the same sentence's words, a terser restatement;
- *other document*: the same sentence scored against a random passage of another document, what a
  citation to the wrong passage looks like;
- *same document*: the same sentence against another passage of its own document (a harder case,
  reported, not calibrated on: such passages often do state the same rule).

The threshold printed is the 99th percentile of the *other document* scores (so 1% of wrong-passage
citations would pass on this score alone), with the share of each group it accepts.

    python benchmarks/calibrate_support.py [--corpus corpus] [--samples 200] [--json]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.chunking import chunk_document  # noqa: E402
from assistant.config import load_settings  # noqa: E402
from assistant.ingest import discover  # noqa: E402
from assistant.loaders import DocumentError, load_document  # noqa: E402
from assistant.prompting import passage_block  # noqa: E402
from assistant.rerank import reranker_for  # noqa: E402
from assistant.schema import Citation  # noqa: E402
from assistant.units import split_units  # noqa: E402

FALSE_ACCEPT = 0.01  # share of wrong-passage citations allowed through on the score alone
MIN_WORDS = 6  # shorter units ("Yes, always.") say too little to test


def shown(chunk) -> str:
    citation = Citation(1, chunk.source, chunk.title, chunk.page, chunk.page_end, chunk.section, chunk.text, 0.0, chunk.version, chunk.status == "superseded")
    return passage_block(citation, "calibration")[1]


def load_chunks(corpus: Path):
    settings = load_settings()
    chunks = []
    for source, path in discover(corpus).items():
        try:
            document = load_document(path, corpus)
        except DocumentError:
            continue
        chunks += chunk_document(document, settings.chunk_tokens, settings.chunk_overlap_tokens, settings.header_tokens)
    return chunks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default="corpus")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--out", help="also write the results here (JSON)")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    chunks = load_chunks(Path(args.corpus))
    by_source: dict[str, list] = {}
    for chunk in chunks:
        by_source.setdefault(chunk.source, []).append(chunk)
    reranker = reranker_for(load_settings())
    groups: dict[str, list[float]] = {"copied": [], "shortened": [], "other document": [], "same document": []}
    candidates = [c for c in chunks if any(len(" ".join(u.parts).split()) >= MIN_WORDS for u in split_units(c.text, c.section))]
    for chunk in rng.sample(candidates, min(args.samples, len(candidates))):
        units = [" ".join(u.parts) for u in split_units(chunk.text, chunk.section) if len(" ".join(u.parts).split()) >= MIN_WORDS]
        sentence = rng.choice(units)
        words = sentence.split()
        short = " ".join(words[: max(MIN_WORDS, int(len(words) * 0.6))])
        other = rng.choice([c for c in chunks if c.source != chunk.source])
        same = [c for c in by_source[chunk.source] if c.id != chunk.id and sentence not in c.text]
        groups["copied"].append(reranker.score(sentence, [shown(chunk)])[0])
        groups["shortened"].append(reranker.score(short, [shown(chunk)])[0])
        groups["other document"].append(reranker.score(sentence, [shown(other)])[0])
        if same:
            groups["same document"].append(reranker.score(sentence, [shown(rng.choice(same))])[0])

    threshold = float(np.quantile(groups["other document"], 1 - FALSE_ACCEPT))
    report = {
        "corpus": args.corpus,
        "chunks": len(chunks),
        "samples": len(groups["copied"]),
        "min_support": round(threshold, 2),
        "accepted": {name: round(float(np.mean(np.array(v) >= threshold)), 3) for name, v in groups.items()},
        "median": {name: round(float(np.median(v)), 2) for name, v in groups.items()},
        "p05": {name: round(float(np.quantile(v, 0.05)), 2) for name, v in groups.items()},
        "p95": {name: round(float(np.quantile(v, 0.95)), 2) for name, v in groups.items()},
    }
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    if args.json:
        print(json.dumps(report))
    else:
        print(f"{report['samples']} sentences from {report['chunks']} passages of {args.corpus}")
        print(f"min_support (99th percentile of other-document scores): {report['min_support']}")
        for name in groups:
            print(f"  {name:15s} accepted {report['accepted'][name]:.3f}  median {report['median'][name]:6.2f}  "
                  f"p05 {report['p05'][name]:6.2f}  p95 {report['p95'][name]:6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
