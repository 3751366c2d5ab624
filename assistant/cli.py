"""Command lines: ``python -m assistant ask|eval|ingest|build-models`` and ``python ingest.py``.

Thin by design: parse arguments, call into the package, print. Exit codes: 0 success, 1 runtime
error (e.g. empty store), 2 bad usage, 3 ingest finished but some files or folders failed (reported;
their ingested documents are kept when they could not be read), 4 another ingest holds the store's
lock and did not finish within ``ASSISTANT_INGEST_LOCK_TIMEOUT`` seconds (nothing was written).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .config import LLM_BACKENDS, SettingsError, load_settings
from .presentation import citation_label

EXIT_BUSY = 4  # ingest refused: another ingest holds the store's lock


def _format_answer(answer) -> str:
    lines = [answer.answer, ""]
    if answer.mode == "generated":
        lines.insert(1, f"(written by {answer.model}; every sentence checked against the passage it cites)")
    if answer.fallback:
        lines.insert(1, f"(note: {answer.fallback})")
    for sentence in answer.unsupported:
        lines.insert(-1, f"removed, failed verification: {sentence}")
    for citation in answer.citations:
        data = citation.to_json()
        lines.append(f"{citation_label(data)} ({citation.source})")
        lines.append("    " + " ".join(citation.text.split())[:400])
    return "\n".join(lines)


def cmd_ask(args: argparse.Namespace) -> int:
    from .service import Assistant, EmptyStoreError

    from .followup import HistoryError, read_history

    if args.stdin == (args.question is not None):
        print("error: give a question or --stdin, not both", file=sys.stderr)
        return 2
    settings = load_settings(store_dir=args.store, rerank=False if args.no_rerank else None, llm=args.llm)
    try:
        history = read_history(Path(args.history)) if args.history else None
    except HistoryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.stdin:
        return _ask_lines(settings, args, history)
    try:
        assistant = Assistant(settings)
        answer = assistant.ask(args.question, k=args.k, source=args.source, doc_type=args.type, history=history)
    except EmptyStoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
    else:
        print(_format_answer(answer))
    return 0


def _open_assistant(settings):
    """The assistant over a store that holds documents, or None after saying why (exit code 1)."""
    from .service import Assistant, EmptyStoreError

    try:
        assistant = Assistant(settings)
        assistant.require_documents()
    except EmptyStoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    return assistant


def _ask_lines(settings, args: argparse.Namespace, history) -> int:
    """One question per input line, one JSON answer per output line, the models loaded once.

    Written for scripts and batch jobs: blank lines are skipped, a question that fails gives
    ``{"question": ..., "error": ...}`` and the next one is read; each line is flushed as soon as
    it is written, so a reader can pair its questions with answers as they come.
    """
    assistant = _open_assistant(settings)
    if assistant is None:
        return 1
    for raw in sys.stdin.buffer:
        try:
            question = raw.decode("utf-8").lstrip("\ufeff").strip()
        except UnicodeDecodeError:  # one line in another encoding: said on its line, the rest answered
            question = raw.decode("utf-8", errors="replace").strip()
            print(json.dumps({"question": question, "error": "the line is not UTF-8 text"}, ensure_ascii=False), flush=True)
            continue
        if not question:
            continue
        try:
            answer = assistant.ask(question, k=args.k, source=args.source, doc_type=args.type, history=history)
            data = answer.to_json()
        except ValueError as exc:  # a question the assistant refuses to take
            data = {"question": question, "error": str(exc)}
        except Exception as exc:  # one bad question never ends the batch
            data = {"question": question, "error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(data, ensure_ascii=False), flush=True)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluation import evaluate, format_report, read_gold

    settings = load_settings(store_dir=args.store, rerank=False if args.no_rerank else None)
    if not args.gold and not args.followups:
        print("error: give --gold FILE, --followups FILE or both", file=sys.stderr)
        return 2
    questions = []
    for path in filter(None, (args.gold, args.followups)):
        try:
            questions += read_gold(Path(path))
        except (OSError, ValueError) as exc:
            print(f"error: cannot read gold file {path}: {exc}", file=sys.stderr)
            return 2
    if args.split:
        questions = [q for q in questions if q.split == args.split]
        if not questions:
            print(f"error: no questions with split {args.split!r}", file=sys.stderr)
            return 2
    assistant = _open_assistant(settings)
    if assistant is None:
        return 1
    report = evaluate(assistant, questions, k=args.k)
    print(json.dumps(report.to_json(), ensure_ascii=False) if args.json else format_report(report))
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .ingest import Ingestor

    settings = load_settings(store_dir=args.store, corpus_dir=args.corpus)
    if not settings.corpus_dir.is_dir():
        print(f"error: corpus folder not found: {settings.corpus_dir}", file=sys.stderr)
        return 2
    bar = None

    def progress(done: int, total: int, source: str) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="file", desc="embedding", file=sys.stderr, dynamic_ncols=True)
        bar.set_postfix_str(source[-50:])
        bar.update(1)

    from .locking import IngestBusyError

    try:
        report = Ingestor(settings, progress=progress).run(settings.corpus_dir, rebuild=args.rebuild)
    except IngestBusyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BUSY
    finally:
        if bar is not None:
            bar.close()
    print(f"ingest into {settings.backend}: {report.summary()}")
    return report.exit_code


def cmd_export_reviews(args: argparse.Namespace) -> int:
    from .answer_log import AnswerLog, ReviewFilter, document_states
    from .store import ChunkStore, MissingStoreError

    settings = load_settings(feedback_log=args.log, database_url=args.database)
    try:
        documents = document_states(ChunkStore(settings, create=False).document_records())
    except MissingStoreError:
        documents = None  # no store here: answers cannot be checked for staleness
    where = ReviewFilter(
        document=args.document, feedback=args.feedback, mark=args.mark, unreviewed=args.unreviewed, stale=args.stale,
        limit=10**9,
    )
    if args.stale and documents is None:
        print("error: --stale needs the document store (ASSISTANT_STORE_DIR or a Chroma server)", file=sys.stderr)
        return 2
    log = AnswerLog.from_settings(settings)
    try:
        text = log.export_csv(where, documents)
    finally:
        log.close()
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_hash_password(args: argparse.Namespace) -> int:
    import getpass

    from .auth import hash_password

    if args.stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("error: the passwords differ", file=sys.stderr)
            return 2
    if not password:
        print("error: the password is empty", file=sys.stderr)
        return 2
    print(hash_password(password))
    return 0


def cmd_build_models(args: argparse.Namespace) -> int:
    from .embeddings import tokenizer_file
    from .model_build import ModelBuildError, build_onnx_model, ensure_onnx_model, is_current, onnx_model_file

    settings = load_settings(model_cache_dir=args.cache_dir)
    cache = settings.model_cache_dir
    try:
        if args.force or not is_current(cache):
            manifest = build_onnx_model(cache)
            print(f"built {onnx_model_file(cache)} in {manifest.seconds} s (cosine to torch >= {manifest.min_cosine})")
        else:
            print(f"up to date: {ensure_onnx_model(cache)}")
    except ModelBuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"tokenizer: {tokenizer_file()}")
    return 0


def ingest_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(prog="ingest.py", description="Bring the store in line with a corpus folder.")
    parser.add_argument("--corpus", help="folder of PDF, Markdown and text files (default: corpus/)")
    parser.add_argument("--store", help="Chroma store folder (default: data/store or ASSISTANT_STORE_DIR)")
    parser.add_argument("--rebuild", action="store_true", help="ingest everything again into a new generation, swapped in when complete (readers keep the old one until then)")
    parser.set_defaults(func=cmd_ingest)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assistant", description="IP policy assistant")
    commands = parser.add_subparsers(dest="command", required=True)

    ask = commands.add_parser("ask", help="answer a question with cited passages")
    ask.add_argument("question", nargs="?", help="the question (or --stdin)")
    ask.add_argument("--stdin", action="store_true", help="read one question per line from standard input; print one JSON answer per line")
    ask.add_argument("--store", help="Chroma store folder")
    ask.add_argument("--k", type=int, default=None, help="passages to show (default 5)")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--source", help="only documents whose path matches this glob or folder, e.g. 'policies/*'")
    ask.add_argument("--type", choices=["policy", "lecture", "contract", "document"], help="only this document type")
    ask.add_argument("--no-rerank", action="store_true", help="skip the cross-encoder reranker")
    ask.add_argument("--llm", choices=LLM_BACKENDS, help="language model backend for this answer (default: ASSISTANT_LLM, else none)")
    ask.add_argument("--history", help='JSON file: earlier turns [{"role": "user"|"assistant", "content": "..."}]')
    ask.set_defaults(func=cmd_ask)

    ev = commands.add_parser("eval", help="retrieval and refusal scores against a gold file")
    ev.add_argument("--gold", help="JSONL questions with gold sources and pages (and optional facts)")
    ev.add_argument("--followups", help="JSONL follow-up cases: history, question, gold, facts")
    ev.add_argument("--store", help="Chroma store folder")
    ev.add_argument("--split", help="only questions with this split (e.g. tune or heldout)")
    ev.add_argument("--k", type=int, default=5)
    ev.add_argument("--json", action="store_true")
    ev.add_argument("--no-rerank", action="store_true")
    ev.set_defaults(func=cmd_eval)

    ingest_parser(commands.add_parser("ingest", help="same as ingest.py"))

    fb = commands.add_parser("export-reviews", help="logged answers with feedback, marks and stale flags, as CSV")
    fb.add_argument("--database", help="SQLAlchemy URL of the answer log (default ASSISTANT_DATABASE_URL or SQLite beside the store)")
    fb.add_argument("--log", help="old JSON-lines review log to import first, once (default data/feedback.jsonl)")
    fb.add_argument("--document", help="only answers citing this source, e.g. policies/open-source-software.pdf")
    fb.add_argument("--feedback", choices=["up", "down", "none"], help="only answers with this staff feedback")
    fb.add_argument("--mark", choices=["right", "wrong"], help="only answers a reviewer marked so")
    fb.add_argument("--unreviewed", action="store_true", help="only answers nobody has marked")
    fb.add_argument("--stale", action="store_true", help="only answers whose cited document changed or was removed")
    fb.add_argument("--out", help="write to this file instead of standard output")
    fb.set_defaults(func=cmd_export_reviews)

    bm = commands.add_parser("build-models", help="export the embedding model to ONNX once (otherwise done on first use)")
    bm.add_argument("--cache-dir", help="where to keep it (default ASSISTANT_MODEL_CACHE_DIR or ~/.cache/ip-policy-assistant)")
    bm.add_argument("--force", action="store_true", help="build again even if the cached file is current")
    bm.set_defaults(func=cmd_build_models)

    hp = commands.add_parser("hash-password", help="salted hash for ASSISTANT_ADMIN_PASSWORD_HASH / _LEGAL_PASSWORD_HASH")
    hp.add_argument("--stdin", action="store_true", help="read the password from the first line of standard input")
    hp.set_defaults(func=cmd_hash_password)
    return parser


def main(argv: list[str] | None = None, parser: argparse.ArgumentParser | None = None) -> int:
    parser = parser or build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "k", None) is not None and args.k < 1:
        parser.error("--k must be at least 1")
    try:
        return args.func(args)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
