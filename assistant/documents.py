"""What the store holds, document by document: effective status and which documents a question names.

Built from the store's document records when an :class:`~assistant.service.Assistant` starts (tens
or hundreds of records, so it is cheap), never per query.
"""
from __future__ import annotations

import fnmatch
import math
import re
from dataclasses import dataclass

from .lexical import LexicalIndex, tokenize
from .store import DocumentRecord

_POSSESSIVE = re.compile(r"['’]s?$")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9&'.-]*[A-Za-z0-9]|[A-Z]")


# How a question asks for one version of a policy: by number ("version 2.0", "v2"), by the year it
# was in force ("the 2021 version", "the rules of 2021") or as the one before ("the old policy").
_VERSION_NUMBER = re.compile(r"\b(?:version|v\.?)\s*(\d+(?:\.\d+)*)\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
_EARLIER_WORDS = r"old|older|previous|earlier|former|superseded|prior"
_VERSION_WORD = re.compile(rf"\b(?:version|edition|revision|{_EARLIER_WORDS})\b", re.IGNORECASE)
_EARLIER = re.compile(rf"\b(?:{_EARLIER_WORDS})\s+(?:\w+\s+){{0,3}}?(?:version|edition|policy|rules|procedure)\b", re.IGNORECASE)
_EFFECTIVE = re.compile(r"\bEffective(?:\s+(?:date|from))?\s*:?\s*(\d{4})-\d{2}-\d{2}", re.IGNORECASE)


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in re.split(r"[.\-]", version or "0"))


@dataclass(frozen=True)
class NamedDocuments:
    """Documents a question names, with the words that matched."""

    sources: frozenset[str]
    matched: tuple[str, ...]
    # Of the sources, older versions the question asks for by number or year: their text answers
    # it, though superseded, and the other versions of the same document do not.
    versions: frozenset[str] = frozenset()


class DocumentDirectory:
    def __init__(self, records: dict[str, DocumentRecord], lexical: LexicalIndex):
        self.records = records
        self.lexical = lexical
        self.status = self._effective_status(records)
        self._name_tokens = {source: _name_tokens(r) for source, r in records.items()}
        self._name_phrases = {source: _name_phrases(r) for source, r in records.items()}
        # How many documents go by a two-word phrase ("global technologies"): a phrase of common
        # words can name one document when the words alone name dozens.
        self._phrase_df: dict[tuple[str, str], int] = {}
        for phrases in self._name_phrases.values():
            for phrase in phrases:
                self._phrase_df[phrase] = self._phrase_df.get(phrase, 0) + 1
        # How many documents go by a word: for words that only the names hold in joined-up form.
        self._name_df: dict[str, int] = {}
        for tokens in self._name_tokens.values():
            for token in tokens:
                self._name_df[token] = self._name_df.get(token, 0) + 1

    @staticmethod
    def _effective_status(records: dict[str, DocumentRecord]) -> dict[str, str]:
        """A document is superseded when it says so, or when a later version of the same doc_id is
        held in the same folder with the same type. A file elsewhere (a lecture note, a download
        folder) that claims a policy's doc_id in its front matter never supersedes the policy;
        ingest warns about such claims."""
        latest: dict[tuple, tuple] = {}
        for record in records.values():
            if record.doc_id:
                family = _family(record)
                key = _version_key(record.version)
                latest[family] = max(latest.get(family, key), key)
        status = {}
        for source, record in records.items():
            older = bool(record.doc_id) and _version_key(record.version) < latest[_family(record)]
            status[source] = "superseded" if record.status == "superseded" or older else "current"
        return status

    def sources_matching(self, source_glob: str | None = None, doc_type: str | None = None) -> set[str] | None:
        """Sources allowed by a filter; None when there is no filter."""
        if not source_glob and not doc_type:
            return None
        allowed = set()
        for source, record in self.records.items():
            if source_glob and not _glob_match(source, source_glob):
                continue
            if doc_type and record.doc_type != doc_type:
                continue
            allowed.add(source)
        return allowed

    def named_in(self, question: str, allowed: set[str] | None = None) -> NamedDocuments:
        """Documents the question names (:meth:`named_by_name`), where a version it asks for
        (:meth:`versions_asked`) replaces the other versions of that document."""
        named = self.named_by_name(question, allowed)
        asked = self.versions_asked(question, allowed)
        if not asked:
            return named
        families = {_family(self.records[s]) for s in asked}
        others = {s for s in named.sources if _family(self.records[s]) not in families}
        return NamedDocuments(frozenset(others | asked), named.matched, asked)

    def named_by_name(self, question: str, allowed: set[str] | None = None) -> NamedDocuments:
        """Documents whose title, parties, id or opening words the question names.

        Only distinctive words count: words that few documents of the whole store contain at all
        (so "agreement", "policy" or "licence" never name a document, while a party's name does).
        A match also needs a proper noun or acronym written as such in the question, or two
        distinctive words.
        """
        if not self.records:
            return NamedDocuments(frozenset(), ())
        total = len(self.records)
        limit = max(3, math.ceil(0.06 * total))
        question_tokens = set(tokenize([question])[0])
        distinctive = {}
        for t in question_tokens:
            df = self.lexical.document_frequency(t) or self._name_df.get(t, 0)
            if len(t) >= 3 and 0 < df <= limit:
                distinctive[t] = df
        words = _WORD.findall(question)
        # Written as a name: capitalised past the first word, or an acronym anywhere.
        as_name = [(position > 0 and word[0].isupper()) or (len(word) > 1 and word.isupper()) for position, word in enumerate(words)]
        capitalised = {t for word, name in zip(words, as_name) if name for t in tokenize([word])[0]}
        # Adjacent words of the question, one of them written as a name, that a few documents go
        # by as a phrase: "Global Technologies Group", "Data Call".
        phrases = {}
        for i, (first, second) in enumerate(zip(words, words[1:])):
            phrase = (first.lower(), second.lower())
            df = self._phrase_df.get(phrase, 0)
            if (as_name[i] or as_name[i + 1]) and min(len(first), len(second)) >= 2 and 0 < df <= limit:
                phrases[phrase] = df
        if not distinctive and not phrases:
            return NamedDocuments(frozenset(), ())
        phrase_tokens = {ph: set(tokenize([" ".join(ph)])[0]) for ph in phrases}
        # A word of a phrase that names a document is read as part of that name, not on its own
        # ("Call" of "Data Call" does not also name "Call Center Technologies").
        in_phrases = {t for ph in phrases for t in phrase_tokens[ph]}
        scores: dict[str, float] = {}
        matched_words: dict[str, list[str]] = {}
        for source, tokens in self._name_tokens.items():
            if allowed is not None and source not in allowed:
                continue
            hits = [t for t in distinctive if t in tokens and t not in in_phrases]
            phrase_hits = [ph for ph in phrases if ph in self._name_phrases[source]]
            if phrase_hits:
                scores[source] = sum(math.log(1 + total / phrases[ph]) for ph in phrase_hits)
                scores[source] += sum(math.log(1 + total / distinctive[t]) for t in hits)
                matched_words[source] = sorted(set(hits) | {t for ph in phrase_hits for t in phrase_tokens[ph]})
                continue
            if not hits or (not (set(hits) & capitalised) and len(hits) < 2):
                continue
            scores[source] = sum(math.log(1 + total / distinctive[t]) for t in hits)
            matched_words[source] = hits
        if not scores:
            return NamedDocuments(frozenset(), ())
        best = max(scores.values())
        chosen = {s for s, v in scores.items() if v >= 0.7 * best}
        words = sorted({w for s in chosen for w in matched_words[s]})
        return NamedDocuments(frozenset(chosen), tuple(words))

    def versions_asked(self, question: str, allowed: set[str] | None = None) -> frozenset[str]:
        """The versions of a policy that a question asks for by number, year or as the earlier one
        ("Under the 2021 version of the inventions policy, what was the reward?"), among documents
        held in several versions whose title the question mentions. Such a question is about that
        version, not the current one, which is otherwise preferred to any superseded text."""
        by_number = [m.group(1) for m in _VERSION_NUMBER.finditer(question)]
        years = [int(y) for y in _YEAR.findall(question)] if _VERSION_WORD.search(question) else []
        earlier = bool(_EARLIER.search(question))
        if not (by_number or years or earlier):
            return frozenset()
        families: dict[tuple, list[DocumentRecord]] = {}
        for source, record in self.records.items():
            if record.doc_id and (allowed is None or source in allowed):
                families.setdefault(_family(record), []).append(record)
        families = {f: rs for f, rs in families.items() if len({r.version for r in rs}) > 1}
        if not families:
            return frozenset()
        question_tokens = set(tokenize([question])[0])
        asked: set[str] = set()
        for records in families.values():
            if not question_tokens & _title_words(records[0], self.records.values()):
                continue  # the question is about another document
            ordered = sorted(records, key=lambda r: _version_key(r.version))
            for number in by_number:
                asked.update(r.source for r in ordered if _same_version(r.version, number))
            for year in years:
                in_force = [r for r in ordered if (_effective_year(r) or 9999) <= year]
                if in_force and in_force[-1] is not ordered[-1]:
                    asked.add(in_force[-1].source)
            if earlier and not (by_number or years) and len(ordered) > 1:
                asked.add(ordered[-2].source)
        return frozenset(asked)

    def focus(self, question: str, named: NamedDocuments) -> str:
        """The question without the words that say which document it is about, so that within
        the named documents the clause is matched on what is asked: the matched name words and
        the words of the documents' titles that follow them ("the DataCall Technologies content
        license" leaves "the"). Read as part of the question, "content license" or "intellectual
        property agreement" draws the cross-encoder to the licence grant, not to the governing-law
        clause that was asked for. The last title word stays as the phrase's head noun ("the
        Arconic Rolled Products trademark license agreement" leaves "the agreement"), so the
        question still reads as one. A possessive ends the name ("WebMD's trademarks" keeps
        "trademarks"); a title word elsewhere in the question is kept."""
        if not named.sources:
            return question
        matched = set(named.matched)
        title = set().union(*(tokenize([self.records[s].title])[0] for s in named.sources if s in self.records))
        words = question.split()
        tokens = [set(t) for t in tokenize(words)]
        drop = [bool(t & matched) for t in tokens]
        i = 0
        while i < len(words):
            if not drop[i] or (i + 1 < len(words) and drop[i + 1]):
                i += 1
                continue  # extend from the end of each run of name words
            j = i + 1
            while j < len(words) and not _POSSESSIVE.search(words[j - 1]):
                if tokens[j] and tokens[j] <= title:
                    drop[j] = True
                elif not tokens[j] and j + 1 < len(words) and tokens[j + 1] and tokens[j + 1] <= title:
                    drop[j] = True  # a function word inside the title ("license and management agreement")
                else:
                    break
                j += 1
            if j > i + 1:
                drop[j - 1] = False  # the head noun of "<name> <title words>"
            i = j
        kept = [w for w, d in zip(words, drop) if not d]
        return " ".join(kept) or question


def _name_tokens(record: DocumentRecord) -> set[str]:
    """Words a document goes by: its title, parties, id and opening words, plus each pair of
    adjacent title words written as one ("Data Call" also as "DataCall", "Web MD" as "WebMD"),
    the way company names are often typed."""
    tokens = set(tokenize([f"{record.title} {record.parties} {record.doc_id} {record.preamble}"])[0])
    words = re.findall(r"[A-Za-z]+", record.title)
    tokens.update(t for a, b in zip(words, words[1:]) for t in tokenize([a + b])[0])
    return tokens


def _name_phrases(record: DocumentRecord) -> set[tuple[str, str]]:
    """Adjacent word pairs of a document's title and parties (lower case), each field on its own."""
    phrases = set()
    for field in (record.title, record.parties):
        words = [w.lower() for w in re.findall(r"[A-Za-z0-9]+", field or "")]
        phrases.update(zip(words, words[1:]))
    return phrases


def _title_words(record: DocumentRecord, records) -> set[str]:
    """Words of a document's title that no other title holds (versions share one title):
    "inventions", not "policy", is how a question says which document it means."""
    titles = [set(tokenize([title])[0]) for title in {r.title for r in records}]  # versions share one
    own = set(tokenize([record.title])[0])
    return {t for t in own if sum(t in other for other in titles) == 1}


def _same_version(version: str, asked: str) -> bool:
    """"2" asks for 2.0 or 2.1 (the major version); "2.1" for exactly 2.1."""
    have, want = _version_key(version), _version_key(asked)
    return have[: len(want)] == want or (len(want) == 1 and have[:1] == want)


def _effective_year(record: DocumentRecord) -> int | None:
    """The year a version took effect, from its "Effective: YYYY-MM-DD" line (None when unstated)."""
    match = _EFFECTIVE.search(record.preamble or "")
    return int(match.group(1)) if match else None


def _family(record: DocumentRecord) -> tuple[str, str, str]:
    """Versions of one document: same doc_id, same type, same folder."""
    return record.doc_id, record.doc_type, record.source.rsplit("/", 1)[0] if "/" in record.source else ""


def _glob_match(source: str, pattern: str) -> bool:
    """Glob over the relative source path; a bare folder name or prefix matches everything under it."""
    pattern = pattern.strip().lstrip("./")
    if fnmatch.fnmatch(source, pattern):
        return True
    folder = pattern.rstrip("/")
    return source.startswith(folder + "/") if not any(ch in folder for ch in "*?[") else fnmatch.fnmatch(source, folder + "/*")
