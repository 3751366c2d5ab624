"""The checkable facts of a sentence: numbers, amounts, percentages, dates, durations, identifiers.

A generated sentence may say what its passage says in other words, but not with other figures:
:func:`unsupported_facts` lists each fact of a sentence that the cited passages do not state, in
any of the ways a document writes it ("thirty (30) days" and "30 days", "EUR 1,000" and
"€1000", "1 March 2025" and "March 1, 2025"). A missing fact means the sentence is not shown.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_WORD = "|".join(sorted([*_UNITS, *_TENS, *_SCALES], key=len, reverse=True))
_NUMBER_WORDS = re.compile(rf"\b(?:{_WORD})(?:(?:[\s-]+|\s+and\s+)(?:{_WORD}))*\b", re.IGNORECASE)
_UNIT_WORDS = r"(?:calendar\s+|business\s+|working\s+)?(?:days?|weeks?|months?|years?|hours?|minutes?)|percent|per\s+cent|%"
# "one" alone is a pronoun as often as a number ("no one", "one of the inventors"): it counts
# only before a unit ("one year").
_LONE_ONE = re.compile(r"^one$", re.IGNORECASE)

_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"], 1)}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
_NUM = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_CURRENCY = {"€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "$": "USD", "usd": "USD", "dollar": "USD",
             "dollars": "USD", "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "chf": "CHF", "francs": "CHF"}
_CUR_BEFORE = r"€|\$|£|EUR|USD|GBP|CHF"
_CUR_AFTER = r"EUR|USD|GBP|CHF|euros?|dollars?|pounds|francs"
_SCALE_WORD = r"(?:million|thousand|k|m|bn|billion)"

_PATTERNS: list[tuple[str, re.Pattern]] = [
    # Form, policy and document identifiers: letters and digits joined by - or / ("IP-7", "POL-IP-003",
    # "FORM-12A"), or a label and its number ("Form 12", "Policy IP-3", "Annex B2").
    ("identifier", re.compile(r"\b(?=[A-Za-z0-9]*[-/][A-Za-z0-9-/]*\d|[A-Za-z0-9-/]*\d[A-Za-z0-9-/]*[-/])[A-Za-z][A-Za-z0-9]*(?:[-/][A-Za-z0-9]+)+\b")),
    ("identifier", re.compile(r"\b(?:Form|Policy|Annex|Schedule|Appendix|Exhibit|Template)\s+(?:No\.\s*)?[A-Z]{0,4}\d[\w.]*", re.IGNORECASE)),
    ("date", re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b")),
    ("date", re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MONTH})(?:,?\s+(?P<y>\d{{4}}))?\b")),
    ("date", re.compile(rf"\b(?P<mon>{_MONTH})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>\d{{4}}))?")),
    ("date", re.compile(rf"\b(?P<mon>{_MONTH})\s+(?P<y>\d{{4}})\b")),
    ("date", re.compile(r"\b(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})\b")),
    ("amount", re.compile(rf"(?P<cur>{_CUR_BEFORE})\s?(?P<v>{_NUM})(?:\s?(?P<scale>{_SCALE_WORD})\b)?", re.IGNORECASE)),
    ("amount", re.compile(rf"(?<![\w.])(?P<v>{_NUM})\s?(?:(?P<scale>{_SCALE_WORD})\s+)?(?:\(\s*{_NUM}\s*\)\s*)?(?P<cur>{_CUR_AFTER})\b", re.IGNORECASE)),
    ("percent", re.compile(rf"(?<![\w.])(?P<v>{_NUM})\s?(?:\(\s*{_NUM}\s*%?\s*\)\s*)?(?:%|percent\b|per\s+cent\b)", re.IGNORECASE)),
    ("duration", re.compile(rf"(?<![\w.])(?P<v>{_NUM})\s*(?:\(\s*{_NUM}\s*\)\s*)?(?P<q>calendar\s+|business\s+|working\s+)?(?P<u>day|week|month|year|hour|minute)s?\b", re.IGNORECASE)),
    ("number", re.compile(rf"(?<![\w.,])(?P<v>{_NUM})(?![\w])")),
]
_MARKER = re.compile(r"\[\s*\d{1,3}(?:\s*[,;]\s*\d{1,3})*\s*\]")


@dataclass(frozen=True)
class Fact:
    kind: str  # identifier | date | amount | percent | duration | number
    value: str  # canonical: "30", "1000", "2025-03-01" (with "?" for a part not given), "IP-7"
    unit: str = ""  # currency of an amount, unit of a duration
    text: str = ""  # as written

    def __str__(self) -> str:
        return self.text or self.value


def _words_value(words: str) -> int | None:
    total, current = 0, 0
    for word in re.findall(r"[a-z]+", words.lower()):
        if word == "and":
            continue
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word in _SCALES:
            current = max(current, 1) * _SCALES[word]
            if _SCALES[word] >= 1000:
                total, current = total + current, 0
    return total + current


def spell_out_numbers(text: str) -> str:
    """Number words written as digits ("thirty (30) days" -> "30 (30) days"); "one" only before a unit."""

    def replace(match: re.Match) -> str:
        words = match.group(0)
        if all(w.lower() in _SCALES for w in re.findall(r"[a-z]+", words, re.IGNORECASE)):
            return words  # "5 million", "a hundred": the digits (or article) before it carry the number
        if _LONE_ONE.match(words):
            after = text[match.end() : match.end() + 20]
            if not re.match(rf"\s+(?:{_UNIT_WORDS})", after, re.IGNORECASE):
                return words
        value = _words_value(words)
        return words if value is None else str(value)

    return _NUMBER_WORDS.sub(replace, text)


def canonical_number(raw: str, scale: str | None = None) -> str:
    raw = raw.replace(",", "")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return raw
    factor = {"thousand": 1000, "k": 1000, "million": 1_000_000, "m": 1_000_000, "bn": 10**9, "billion": 10**9}.get((scale or "").lower(), 1)
    value *= factor
    text = format(value.normalize(), "f")
    return text


def _date_value(match: re.Match) -> str:
    parts = match.groupdict()
    month = parts.get("m") or (str(_MONTHS.get(parts["mon"].lower().rstrip("."), 0)) if parts.get("mon") else None)
    fields = [parts.get("y"), month, parts.get("d")]
    return "-".join(str(int(f)) if f else "?" for f in fields)


def extract_facts(text: str) -> list[Fact]:
    """Every checkable fact of a text, each span counted once (an identifier's digits are not
    also a number; a duration's number is not also a bare number)."""
    text = spell_out_numbers(_MARKER.sub(" ", text))
    taken = [False] * len(text)
    facts: list[Fact] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            if any(taken[match.start() : match.end()]):
                continue
            for i in range(match.start(), match.end()):
                taken[i] = True
            groups = match.groupdict()
            written = match.group(0).strip()
            if kind == "identifier":
                facts.append(Fact(kind, re.sub(r"\s+", " ", written.upper()), text=written))
            elif kind == "date":
                facts.append(Fact(kind, _date_value(match), text=written))
            elif kind == "amount":
                currency = _CURRENCY.get(groups["cur"].lower(), groups["cur"].upper())
                facts.append(Fact(kind, canonical_number(groups["v"], groups.get("scale")), currency, written))
            elif kind == "duration":
                qualifier = (groups.get("q") or "").strip().lower().replace("working", "business").replace("calendar", "")
                facts.append(Fact(kind, canonical_number(groups["v"]), f"{qualifier} {groups['u'].lower()}".strip(), written))
            else:
                facts.append(Fact(kind, canonical_number(groups["v"]), text=written))
    return facts


def _dates_agree(said: str, stated: str) -> bool:
    """Every part of the date the sentence gives is the same part of the passage's date."""
    return all(a == "?" or a == b for a, b in zip(said.split("-"), stated.split("-")))


@dataclass(frozen=True)
class Evidence:
    """The facts of the passages a sentence cites, and every number written in them."""

    facts: tuple[Fact, ...]
    numbers: frozenset[str]
    text: str  # upper-cased, whitespace-normalised, for identifiers

    @classmethod
    def of(cls, texts: list[str]) -> "Evidence":
        joined = "\n".join(texts)
        facts = tuple(extract_facts(joined))
        spelled = spell_out_numbers(joined)
        numbers = {canonical_number(n) for n in re.findall(_NUM, spelled)} | {f.value for f in facts if f.kind != "date"}
        for fact in facts:
            if fact.kind == "date":
                numbers |= {part for part in fact.value.split("-") if part != "?"}
        return cls(facts, frozenset(numbers), re.sub(r"\s+", " ", joined.upper()))

    def states(self, fact: Fact) -> bool:
        if fact.kind == "identifier":
            return re.sub(r"\s*([-/])\s*", r"\1", fact.value) in re.sub(r"\s*([-/])\s*", r"\1", self.text)
        if fact.kind == "number":
            return fact.value in self.numbers
        if fact.kind == "date":
            return any(f.kind == "date" and _dates_agree(fact.value, f.value) for f in self.facts)
        return any(f.kind == fact.kind and f.value == fact.value and f.unit == fact.unit for f in self.facts)


def unsupported_facts(sentence: str, passages: list[str]) -> list[Fact]:
    """The facts of ``sentence`` that none of ``passages`` states."""
    evidence = Evidence.of(passages)
    return [fact for fact in extract_facts(sentence) if not evidence.states(fact)]
