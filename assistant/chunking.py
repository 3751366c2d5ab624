"""Split a loaded document into chunks that fit the embedding model's window.

Consecutive segments of one section are joined and split with langchain's recursive splitter,
measured in the model's own word pieces. A chunk keeps the page range it spans; the text that is
embedded and BM25-indexed carries a context header (title, parties, section path) so a question
that names a document or a clause heading finds it, while ``text`` stays the passage as printed.
"""
from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from langchain_text_splitters import RecursiveCharacterTextSplitter

from .embeddings import count_tokens
from .schema import Chunk, LoadedDocument, Segment
from .units import block_starts, unit_boundaries

CHUNKER_VERSION = "6"  # bump when the chunking code changes what it produces (2: whole units, table rows; 3: ends at blocks; 4: short sections keep their heading, content ids; 5: a clause's first line is not a heading; 6: a chunk never begins inside a question)
MIN_SECTION_TOKENS = 24  # a lone heading is merged into the section that follows
# A chunk may end early, at the start of a block, when it keeps at least this share of its size:
# an FAQ answer or a list item then stays whole in one chunk instead of being cut between sentences.
STRONG_CUT_SHARE = 0.5


@dataclass
class _Run:
    """Text of one section, with the page each character offset falls on."""

    section: str
    text: str
    offsets: list[int]  # start offset of each piece
    pages: list[int | None]


@lru_cache(maxsize=4)
def _splitter(chunk_tokens: int, overlap_tokens: int) -> RecursiveCharacterTextSplitter:
    # Measured in the model's word pieces (what from_huggingface_tokenizer does, without transformers).
    return RecursiveCharacterTextSplitter(
        length_function=count_tokens,
        chunk_size=chunk_tokens,
        chunk_overlap=overlap_tokens,
        separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
        keep_separator="end",
    )


def _runs(segments: list[Segment]) -> list[_Run]:
    runs: list[_Run] = []
    for segment in segments:
        text = segment.text.strip()
        if not text:
            continue
        if runs and runs[-1].section == segment.section:
            run = runs[-1]
            run.offsets.append(len(run.text) + 1)
            run.pages.append(segment.page)
            run.text += "\n" + text
        else:
            runs.append(_Run(segment.section, text, [0], [segment.page]))
    # A section that is only a heading joins the next one, so no chunk is a bare title.
    merged: list[_Run] = []
    pending: _Run | None = None
    for run in runs:
        if pending is not None:
            shift = len(pending.text) + 1
            run = _Run(
                run.section,
                pending.text + "\n" + run.text,
                pending.offsets + [o + shift for o in run.offsets],
                pending.pages + run.pages,
            )
            pending = None
        if count_tokens(run.text) < MIN_SECTION_TOKENS and _bare(run):
            pending = run
        else:
            merged.append(run)
    if pending is not None:
        if merged:
            last = merged[-1]
            shift = len(last.text) + 1
            last.text += "\n" + pending.text
            last.offsets += [o + shift for o in pending.offsets]
            last.pages += pending.pages
        else:
            merged.append(pending)
    return merged


def _bare(run: _Run) -> bool:
    """A run that is only heading lines (or untitled opening words): it joins the next section. A
    short section with a sentence of its own keeps its heading, so it is cited under it."""
    from .loaders import heading_of

    return not run.section or all(heading_of(line) is not None for line in run.text.splitlines() if line.strip())


def _locate(text: str, piece: str, cursor: int) -> int:
    """Offset of a split piece in its run (the splitter's own start_index is -1 when it merged
    pieces across a stripped separator): the first occurrence at or after the previous piece."""
    for probe in (piece, piece[:60], piece[:20]):
        found = text.find(probe, cursor)
        if found < 0:
            found = text.find(probe)
        if found >= 0:
            return found
    return cursor


def _page_at(run: _Run, offset: int) -> int | None:
    index = max(0, bisect.bisect_right(run.offsets, offset) - 1)
    return run.pages[index]


def context_header(document: LoadedDocument, section: str, max_tokens: int) -> str:
    """'Title | version | Section | Parties | opening words' cut to ``max_tokens`` word pieces.

    The most specific parts come first so that truncation drops the opening words, not the title.
    """
    parts = [document.title]
    if document.version:
        parts.append(f"version {document.version}")
    if section:
        parts.append(section)
    if document.parties and document.parties.lower() not in document.title.lower():
        parts.append(document.parties)
    if document.preamble:
        parts.append(document.preamble)
    header = " | ".join(p for p in parts if p)
    if count_tokens(header) <= max_tokens:
        return header
    kept: list[str] = []
    used = 0
    for word in header.split():  # cut at a word boundary, keeping the original spelling
        cost = count_tokens(word)
        if used + cost > max_tokens:
            break
        kept.append(word)
        used += cost
    return " ".join(kept).rstrip(" |")


def chunk_id(source: str, indexed_text: str, occurrence: int = 0) -> str:
    """From the chunk's content, not the file's: the same text (with the same context header) in
    the same document keeps its id when other pages change, so an edit re-embeds only the chunks
    it touched. ``occurrence`` tells identical chunks of one document apart."""
    digest = hashlib.sha1(f"{source}\0{indexed_text}\0{occurrence}".encode("utf-8")).hexdigest()[:20]
    prefix = hashlib.sha1(source.encode("utf-8")).hexdigest()[:12]
    return f"{prefix}-{digest}"


# Near-identical chunks: the same text up to case, spacing and punctuation, or, for a long chunk,
# the same set of words (a repeated line cut at different places). Short chunks need the exact
# text, so "Term: 3 years" and "Term: 5 years" both stay.
MIN_WORDS_FOR_WORD_SET = 20
_NON_WORD = re.compile(r"[^\w]+")


def _near_duplicate_keys(text: str) -> tuple[str, ...]:
    words = _NON_WORD.sub(" ", text.lower()).split()
    keys = ("text:" + " ".join(words),)
    if len(words) >= MIN_WORDS_FOR_WORD_SET:
        keys += ("set:" + " ".join(sorted(set(words))),)
    return keys


def collapse_near_duplicates(chunks: list[Chunk]) -> tuple[list[Chunk], int]:
    """Keep the first of near-identical chunks of one document; returns (kept, how many dropped).

    A file of one line repeated thousands of times would otherwise fill the vector index with
    near-equal vectors, which crowds every other document out of the nearest-neighbour graph.
    """
    seen: set[str] = set()
    kept: list[Chunk] = []
    for chunk in chunks:
        keys = _near_duplicate_keys(chunk.text)
        if any(k in seen for k in keys):
            continue
        seen.update(keys)
        kept.append(replace(chunk, ordinal=len(kept)) if chunk.ordinal != len(kept) else chunk)
    return kept, len(chunks) - len(kept)


def pack_units(text: str, chunk_tokens: int, overlap_tokens: int) -> list[tuple[int, int]]:
    """(start, end) offsets of chunks of ``text`` that begin and end on unit boundaries.

    Whole sentences, list items and table rows are packed up to ``chunk_tokens`` word pieces; the
    next chunk repeats the last units of the previous one up to ``overlap_tokens``. Only a single
    unit longer than a chunk is cut inside (by langchain's recursive splitter, at clause marks).
    """
    strong = set(block_starts(text))  # where a list item, row, question or heading begins
    bounds = [0] + [b for b in unit_boundaries(text) if 0 < b < len(text)] + [len(text)]
    atoms = [(a, b) for a, b in zip(bounds, bounds[1:]) if text[a:b].strip()]
    sized: list[tuple[int, int, int]] = []
    for a, b in atoms:
        tokens = count_tokens(text[a:b])
        if tokens <= chunk_tokens:
            sized.append((a, b, tokens))
            continue
        cursor = a
        for piece in _splitter(chunk_tokens, 0).split_text(text[a:b]):
            start = text.find(piece, cursor, b)
            start = cursor if start < 0 else start
            sized.append((start, start + len(piece), count_tokens(piece)))
            cursor = start + len(piece)
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(sized):
        j, used = i, 0
        while j < len(sized) and (j == i or used + sized[j][2] <= chunk_tokens):
            used += sized[j][2]
            j += 1
        if j < len(sized) and sized[j][0] not in strong:
            # Rather end where a block begins (keeping an FAQ answer or a list item whole) than
            # between two sentences of one paragraph, if that keeps at least half the chunk.
            for cut in range(j - 1, i, -1):
                if sized[cut][0] in strong and sum(t for _, _, t in sized[i:cut]) >= chunk_tokens * STRONG_CUT_SHARE:
                    j = cut
                    break
        if j < len(sized) and j - 1 > i and _sets_up_question(text, sized, j, strong):
            j -= 1  # nor end between a question and the sentence that sets it up: it goes with it
        spans.append((sized[i][0], sized[j - 1][1]))
        if j >= len(sized):
            break
        back, overlap = j, 0  # step back over whole units that fit the overlap, never to i
        while back - 1 > i and overlap + sized[back - 1][2] <= overlap_tokens:
            back -= 1
            overlap += sized[back][2]
        if back - 1 > i and back < len(sized) and _asks(text, sized[back], strong):
            # Never begin inside a question: the sentence that sets it up ("I received an email
            # from a competitor's lawyer. What should I do?") comes with it, past the overlap.
            back -= 1
        i = back
    return spans


def _asks(text: str, unit: tuple[int, int, int], strong: set[int]) -> bool:
    """A question sentence inside a block (one that starts its own block, "Q3. ...", is whole)."""
    start, end, _ = unit
    return start not in strong and text[start:end].rstrip().endswith("?")


def _sets_up_question(text: str, sized: list[tuple[int, int, int]], j: int, strong: set[int]) -> bool:
    """Whether unit ``j`` is a question (not starting a block of its own) and unit ``j - 1`` the
    statement that sets it up: a sentence beginning a line, as an FAQ entry does ("I left a
    Confidential document on a train an hour ago. What do I do?"), where the end of the previous
    answer seldom does."""
    if not _asks(text, sized[j], strong):
        return False
    before = sized[j - 1][0]  # a list item or heading before a question sets nothing up
    return before not in strong and (before == 0 or text[before - 1] == "\n")


def chunk_document(document: LoadedDocument, chunk_tokens: int, overlap_tokens: int, header_tokens: int) -> list[Chunk]:
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}  # indexed text -> how many chunks of this document already have it
    for run in _runs(document.segments):
        header = context_header(document, run.section, header_tokens)
        for start, end in pack_units(run.text, chunk_tokens, overlap_tokens):
            raw = run.text[start:end]
            text = raw.strip()
            if not text:
                continue
            start += len(raw) - len(raw.lstrip())
            first_page = _page_at(run, start)
            last_page = _page_at(run, start + len(text) - 1)
            ordinal = len(chunks)
            indexed = f"{header}\n{text}"
            occurrence = seen.get(indexed, 0)
            seen[indexed] = occurrence + 1
            chunks.append(
                Chunk(
                    id=chunk_id(document.source, indexed, occurrence),
                    text=text,
                    indexed_text=indexed,
                    source=document.source,
                    title=document.title,
                    section=run.section,
                    page=first_page,
                    page_end=last_page,
                    doc_sha256=document.sha256,
                    doc_type=document.doc_type,
                    doc_id=document.doc_id,
                    version=document.version,
                    status=document.status,
                    ordinal=ordinal,
                )
            )
    return chunks
