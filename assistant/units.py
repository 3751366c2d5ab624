"""Answer units: the pieces of a passage that a reader can take alone.

A passage (a chunk as printed) is cut into units instead of loose sentences, so that an answer
never starts mid-sentence, never quotes a heading or an FAQ's question, and keeps what makes a
fragment readable:

- ``sentence``: a whole sentence of running text;
- ``item``: a list item, with the sentence that introduces the list (its lead-in, ending in ":");
- ``row``: a table row as the loaders write it, ``label | Header: cell | Header: cell``;
- ``faq``: an FAQ answer; its question is used to match, never shown;
- ``example``: a sentence of a worked example ("Example 2: ...", or under an "Example" heading),
  which an answer uses only when no general rule answers as well.

Every part a unit shows stands verbatim (up to whitespace) in the passage, so the answer composer's
check that each cited sentence is copied from its passage holds for units too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .loaders import heading_of

KINDS = ("sentence", "item", "row", "faq", "example")
MAX_UNIT_WORDS = 90  # a longer "sentence" is run-on extraction (a flattened table): cut at clause marks

_BULLET = re.compile(r"^\s*(?:[-*\u2022\u25aa\u25cf\u2013]\s+|\(?[a-z]\)\s+|\(?[ivx]{1,4}\)\s+|\d{1,2}[.)]\s+(?=[A-Z(]))")
_FAQ_QUESTION = re.compile(r"^\s*(?:Q\d*[.:)]\s*|Question\s*\d*[.:]\s*)", re.IGNORECASE)
_ANSWER_LABEL = re.compile(r"^\s*(?:A\d*[.:)]|Answer[.:])\s*", re.IGNORECASE)
_EXAMPLE = re.compile(r"^\s*(?:\*\*)?(?:Example|Worked example|Case)\b(?:\s+\d+)?\s*[:.\-\u2013]", re.IGNORECASE)
_FAQ_SECTION = re.compile(r"\bFAQs?\b|frequently asked|questions and answers|\bQ\s*&\s*A\b", re.IGNORECASE)
_BARE_REPLY = re.compile(r"^(?:yes|no|not necessarily|generally not|usually not)[.!]$", re.IGNORECASE)
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}")
# Sentence ends: . ! ? ; followed by space and a capital, digit, quote or bracket. Abbreviations
# that end in a full stop do not end a sentence.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9\u4e00-\u9fff])|(?<=[\u3002\uff01\uff1f\uff1b])(?!$)")
_ABBREVIATIONS = {
    "e.g.", "i.e.", "etc.", "art.", "arts.", "sec.", "secs.", "co.", "ltd.", "inc.", "corp.",
    "mr.", "mrs.", "ms.", "dr.", "prof.", "st.", "u.s.", "u.k.", "e.u.", "vs.", "v.", "para.", "cf.", "approx.",
    "fig.", "p.", "pp.", "jan.", "feb.", "mar.", "apr.", "jun.", "jul.", "aug.", "sep.", "sept.", "oct.", "nov.",
    "dec.", "ch.", "al.", "ref.", "dept.", "est.", "llc.", "l.p.", "s.a.", "n.v.", "b.v.", "a.g.", "gmbh.",
}
_WS = re.compile(r"\s+")


def normalise(text: str) -> str:
    return _WS.sub(" ", text).strip()


@dataclass(frozen=True)
class Unit:
    """One answer unit of a passage.

    ``parts`` are what an answer shows, each verbatim in the passage (a list item shows its lead-in
    and the item); ``match`` is what is scored against the question (an FAQ unit matches on its
    question and answer together).
    """

    parts: tuple[str, ...]
    kind: str
    match: str
    position: int  # order within the passage
    lead_in: str = ""  # the list's introduction, shared by its items
    heading: str = ""  # the title of the section the unit stands in, without its number

    @property
    def text(self) -> str:
        return " ".join(self.parts)

    @property
    def read_as(self) -> str:
        """What the cross-encoder reads: the match under its section's title ("What employees must
        not do: Do not reply to the sender ..."), since a rule often names its subject only in the
        heading above it. An FAQ answer reads with its own question instead, and a list item or row
        with its lead-in, which already says what the list is about."""
        if not self.heading or self.kind == "faq" or self.lead_in:
            return self.match
        return f"{self.heading}: {self.match}"


@dataclass
class _Block:
    kind: str  # "para", "item", "row", "question", "example"
    lines: list[str]
    heading: str = ""  # the title of the last heading above the block

    @property
    def text(self) -> str:
        return normalise(" ".join(self.lines))


def is_table_row(line: str) -> bool:
    """A table row as the loaders write it: cells separated by ' | '."""
    stripped = line.strip()
    return stripped.count(" | ") >= 1 and not stripped.startswith("|")


def heading_title(heading: str) -> str:
    """A heading's title without its number or marker ("4.2 What employees must not do" -> "What
    employees must not do"); "" for an FAQ section's title, which says nothing about a rule."""
    title = re.sub(r"^(?:#+\s*|(?:(?:Article|Section|Part|Schedule|Exhibit|Annex|Appendix)\s+)?[0-9IVXLC]+(?:\.\d+)*[A-Z]?[.:]?\s+)", "", heading.strip(), flags=re.IGNORECASE)
    return "" if _FAQ_SECTION.search(title) else title.strip()


def _blocks(text: str, in_example: bool, heading: str = "") -> list[_Block]:
    """Lines grouped into blocks: a block starts at a heading, a list item, a table row, an FAQ
    question, an example or a blank line; other lines continue the block before them (PDF wraps).
    Each block keeps the title of the last heading above it (``heading`` before the first)."""
    blocks: list[_Block] = []
    current: _Block | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or _TABLE_RULE.match(line):
            current = None
            continue
        if heading_of(line) is not None:
            # A heading is context, never an answer; a heading that asks (an FAQ entry) is a question.
            heading = heading_title(line)
            current = _Block("question", [line], heading) if line.endswith("?") else None
            if current is not None:
                blocks.append(current)
            continue
        if line.startswith("|") and line.endswith("|"):  # a Markdown table row as written
            current = None
            blocks.append(_Block("pipe", [line], heading))
            continue
        if is_table_row(line):
            current = None
            blocks.append(_Block("row", [line], heading))
            continue
        if _BULLET.match(raw):
            current = _Block("item", [line], heading)
        elif _FAQ_QUESTION.match(line) or (line.endswith("?") and (current is None or current.kind != "question")):
            current = _Block("question", [line], heading)
        elif _EXAMPLE.match(line) or in_example and current is None:
            current = _Block("example", [line], heading)
        elif current is None or current.kind == "row" or _ends_list(current, raw):
            current = _Block("para", [line], heading)
        else:
            if current.kind == "question" and current.lines[-1].rstrip().endswith("?"):
                current = _Block("para", [line], heading)  # the answer after a question
            else:
                current.lines.append(line)
                continue
        blocks.append(current)
    return blocks


def _ends_list(current: _Block, raw: str) -> bool:
    """A line that ends a list: after an item whose last line ends a sentence, an unindented line
    starting in capitals is running text again ("- customers may receive it only through sales.
    / Customers in the EU increasingly expect SBOMs ..."). Read as the item's wrap, the paragraph
    after a list was lost with an item that could not be shown."""
    return (
        current.kind == "item"
        and current.lines[-1].endswith((".", "!", "?"))
        and not raw[:1].isspace()
        and raw[:1].isupper()
    )


def sentence_ends(text: str) -> list[int]:
    """Offsets in ``text`` where a sentence ends and the next begins (whitespace may be newlines);
    abbreviations ("e.g.", "Art.", "Co.") and initials do not end a sentence."""
    ends: list[int] = []
    last = 0
    for match in _BOUNDARY.finditer(text):
        candidate = text[last : match.start()].rstrip()
        words = candidate.rsplit(None, 1)
        last_word = words[-1].lower() if words else ""
        if last_word in _ABBREVIATIONS or re.fullmatch(r"(?:[a-z]\.){1,3}", last_word) or re.search(r"\b[A-Z]\.$", candidate):
            continue
        if last_word in {"no.", "nos."} and text[match.end() : match.end() + 1].isdigit():
            continue  # "No. 5" is a number, "No. Forward it" a reply
        ends.append(match.end())
        last = match.end()
    return ends


def split_sentences(text: str) -> list[str]:
    """Whole sentences of a paragraph, whitespace-normalised."""
    text = normalise(text)
    if not text:
        return []
    bounds = [0] + sentence_ends(text) + [len(text)]
    pieces = [text[a:b].strip() for a, b in zip(bounds, bounds[1:])]
    return [p for piece in pieces if piece for p in _cut_run_on(piece)]


def block_starts(text: str) -> list[int]:
    """Offsets of lines that begin a new block (a heading, list item, table row, FAQ question or
    example): where a chunk may begin without cutting anything a reader needs."""
    starts: list[int] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped and (
            heading_of(stripped) is not None
            or _BULLET.match(line)
            or is_table_row(stripped)
            or stripped.startswith("|")
            or _FAQ_QUESTION.match(stripped)
            or _EXAMPLE.match(stripped)
        ):
            starts.append(offset + len(line) - len(line.lstrip()))
        offset += len(line)
    return starts


def unit_boundaries(text: str) -> list[int]:
    """Every offset where a chunk may start or end: sentence ends and block starts, sorted."""
    return sorted(set(sentence_ends(text)) | set(block_starts(text)) - {0})


def _cut_run_on(sentence: str) -> list[str]:
    """A 'sentence' of more than MAX_UNIT_WORDS words is extraction run-on: cut it at '; '."""
    if word_count(sentence) <= MAX_UNIT_WORDS:
        return [sentence]
    parts = [p.strip() for p in re.split(r"(?<=;)\s+", sentence) if p.strip()]
    return parts if len(parts) > 1 else [sentence]


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def word_count(text: str) -> int:
    """Words of space-separated text, plus one word per two Han characters (Chinese has no spaces;
    its words are one to three characters, mostly two)."""
    han = len(_HAN.findall(text))
    return len(_HAN.sub(" ", text).split()) + (han + 1) // 2


# Fields of a document's front matter ("Document ID: POL-IP-004 Version: 1.3 Effective: ...").
_FRONT_MATTER_FIELD = re.compile(
    r"\b(?:Document ID|Document No\.?|Doc\. ID|Version|Revision|Effective(?: date)?|Status|Owner|Approved by|Issue date)\s*:",
    re.IGNORECASE,
)


def is_front_matter(text: str) -> bool:
    """A document's record of itself (two or more front-matter fields), not a statement of a rule:
    quoted as an answer it said nothing ("What is the current share price of Corvane?" was answered
    with the trade-secret policy's title block, which holds "Corvane" and "Status: Current")."""
    return len(_FRONT_MATTER_FIELD.findall(text)) >= 2


def _readable(text: str) -> bool:
    """Worth showing: a few words, some letters, not a cut-off start and not front matter."""
    return (
        word_count(text) >= 3
        and bool(re.search(r"[a-z\u4e00-\u9fff]", text))
        and not starts_mid_sentence(text)
        and not is_front_matter(text)
    )


def starts_mid_sentence(text: str) -> bool:
    """A fragment: starts in lower case (a cut-off start), with a list marker, or as a numbered heading."""
    stripped = text.lstrip()
    if not stripped:
        return True
    if _BULLET.match(stripped) and not re.match(r"^\d{1,2}[.)]\s+\d", stripped):
        return True
    if heading_of(stripped.split(". ")[0]) is not None and re.match(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+[A-Z]", stripped):
        return True
    first = stripped[0]
    return first.islower() or first in ",;:)]"


def _strip_marker(line: str) -> str:
    return _BULLET.sub("", line, count=1).strip()


_FIRST_PERSON = re.compile(r"\b(?:I|I'm|me|my|we|our|us)\b", re.IGNORECASE)


def faq_entries(sentences: list[str], in_faq: bool = False) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """(sentences before the first question, [(question, answer sentences)]).

    A question is one or more sentences ending in "?", together with a first-person statement just
    before it ("I found a useful library. Do I need a form?"); its answer is what follows up to
    the next question. In an FAQ section (``in_faq``), a statement that opens the text right before
    its first question sets that question's scene too ("A European patent was granted 10 months
    ago. Can we still oppose it?"): quoted alone, it would read as a fact the documents state.
    """
    leading: list[str] = []
    entries: list[tuple[list[str], list[str]]] = []
    for sentence in sentences:
        if sentence.endswith("?"):
            if entries and not entries[-1][1]:
                entries[-1][0].append(sentence)  # the question goes on
                continue
            context: list[str] = []
            previous = entries[-1][1] if entries else leading
            scene = in_faq and not entries  # the statement just before the text's first question
            if previous and (scene or _FIRST_PERSON.search(previous[-1])) and not previous[-1].endswith(":"):
                context = [previous.pop()]
            entries.append((context + [sentence], []))
        elif entries:
            entries[-1][1].append(sentence)
        else:
            leading.append(sentence)
    return leading, [(" ".join(q), a) for q, a in entries]


def split_units(text: str, section: str = "") -> list[Unit]:
    """The answer units of a passage, in document order."""
    in_example = bool(re.search(r"\bexamples?\b|\bcase stud", section, re.IGNORECASE))
    in_faq = bool(_FAQ_SECTION.search(section))
    units: list[Unit] = []
    lead_in = ""
    header: list[str] | None = None
    pending_question = ""
    for block in _blocks(text, in_example, heading_title(section.rsplit(">", 1)[-1])):
        if block.kind != "pipe":
            header = None
        if block.kind == "pipe":
            cells = [c.strip() for c in block.text.strip("|").split("|")]
            if header is None:
                header = cells
                continue
            labelled = "; ".join(f"{h}: {c}" for h, c in zip(header[1:], cells[1:]) if c)
            match = f"{cells[0]}: {labelled}" if labelled else cells[0]
            units.append(Unit((block.text,), "row", match, len(units), heading=block.heading))
            continue
        if block.kind == "row":
            # A row reads with the sentence that introduces its table ("... within the following
            # deadlines:"), as a list item does with its lead-in.
            parts = (lead_in, block.text) if lead_in else (block.text,)
            units.append(Unit(parts, "row", f"{lead_in} {block.text}".strip(), len(units), lead_in, block.heading))
            continue
        if block.kind == "question":
            question, mark, rest = block.text.partition("?")
            pending_question = question + mark
            if not rest.strip():
                continue  # the answer follows in the next block
            block = _Block("para", [rest.strip()], block.heading)
        if block.kind == "item":
            item = _strip_marker(block.text)
            # A discussion question answers nothing; a lower-case item reads on from its lead-in.
            if item.endswith("?") or not (_readable(item) or lead_in and _readable(item[:1].upper() + item[1:])):
                continue
            parts = (lead_in, item) if lead_in else (item,)
            units.append(Unit(parts, "item", f"{lead_in} {item}".strip(), len(units), lead_in, block.heading))
            continue
        sentences = [s for s in split_sentences(_ANSWER_LABEL.sub("", block.text)) if s]
        if block.kind == "para" and not pending_question and any(x.endswith("?") for x in sentences):
            # FAQ entries run together in one block (a PDF keeps no blank lines): questions and
            # answers, each answer matched with its own question.
            leading, entries = faq_entries(sentences, in_faq)
            for sentence in leading:
                if not sentence.endswith(":") and _readable(sentence):
                    units.append(Unit((sentence,), "sentence", sentence, len(units), heading=block.heading))
            for question, answer in entries:
                while len(answer) > 1 and _BARE_REPLY.match(answer[0]):
                    answer = answer[1:]
                text = " ".join(answer)
                if text and not starts_mid_sentence(text):
                    units.append(Unit((text,), "faq", f"{question} {text}", len(units)))
                else:
                    pending_question = question  # its answer is in the next block
            lead_in = ""
            continue
        if pending_question:
            # A bare "Yes." or "No." answers the FAQ's own wording, which the reader does not see.
            while sentences and sentences[0].endswith("?"):  # the question went on past its first "?"
                pending_question += " " + sentences.pop(0)
            while len(sentences) > 1 and _BARE_REPLY.match(sentences[0]):
                sentences = sentences[1:]
            answer = " ".join(sentences)
            if answer and not starts_mid_sentence(answer):
                units.append(Unit((answer,), "faq", f"{pending_question} {answer}", len(units)))
            pending_question = ""
            lead_in = ""
            continue
        kind = "example" if block.kind == "example" else "sentence"
        for sentence in sentences:
            if sentence.endswith(("?", ":")):  # a question answers nothing; a lead-in reads with its list
                continue
            if _readable(sentence):
                units.append(Unit((sentence,), kind, sentence, len(units), heading=block.heading))
        last = sentences[-1] if sentences else ""
        lead_in = last if last.endswith(":") and _readable(last) else ""
    return units


def opens_inside_list(text: str) -> bool:
    """A passage whose first block is a list item: its lead-in is in the text before it."""
    blocks = _blocks(text, False)
    return bool(blocks) and blocks[0].kind == "item"


def list_lead_in_tail(text: str) -> str:
    """The end of ``text`` from the last list lead-in on ("Customers may request an SBOM:" and the
    items after it), or "" when the text does not end in a list introduced by a lead-in: what a
    passage starting inside that list needs before it to be read."""
    lines = text.splitlines(keepends=True)
    offset = len(text)
    for line in reversed(lines):
        offset -= len(line)
        stripped = line.strip()
        if stripped.endswith(":") and heading_of(stripped) is None and not _BULLET.match(line):
            colon = offset + len(line.rstrip())
            start = max((b for b in unit_boundaries(text) if b < colon), default=0)
            tail = text[start:]
            units = split_units(tail)
            return tail if all(u.kind in ("item", "row") for u in units) else ""
    return ""
