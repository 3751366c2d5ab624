"""A follow-up that swaps one term of the previous question for another of the same kind.

"Can we still oppose a European patent granted 7 months ago?" then "What's the window for a
Japanese one?" asks the first question again about Japan. Searched as the two questions side by
side, the earlier term ("European") still matches the earlier answer as well as the new term
matches the new one, and the earlier answer usually wins. So before the two are joined, the
earlier question's term is replaced by the follow-up's: "... oppose a Japanese patent granted 7
months ago?". Three kinds of term are swapped, all general knowledge, none taken from a corpus:
places (countries and regions, with their adjectives and patent offices), rating levels
("critical" ... "low") and amounts (of money, or of time).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Each place, with the forms people write for it. Matched as whole words, case-insensitively,
# except the forms in _CASE_SENSITIVE ("US" is a place, "us" a pronoun).
PLACES: dict[str, tuple[str, ...]] = {
    "china": ("China", "Chinese", "PRC", "CNIPA", "mainland China"),
    "united states": ("US", "U.S.", "USA", "United States", "the States", "America", "American", "USPTO"),
    "europe": ("Europe", "European", "EPO", "EU"),
    "japan": ("Japan", "Japanese", "JPO"),
    "korea": ("Korea", "Korean", "South Korea", "KIPO"),
    "germany": ("Germany", "German"),
    "united kingdom": ("UK", "United Kingdom", "Britain", "British", "England", "English courts"),
    "france": ("France", "French"),
    "india": ("India", "Indian"),
    "taiwan": ("Taiwan", "Taiwanese"),
    "hong kong": ("Hong Kong",),
    "singapore": ("Singapore",),
    "vietnam": ("Vietnam", "Vietnamese"),
    "thailand": ("Thailand", "Thai"),
    "canada": ("Canada", "Canadian"),
    "mexico": ("Mexico", "Mexican"),
    "brazil": ("Brazil", "Brazilian"),
    "russia": ("Russia", "Russian"),
    "australia": ("Australia", "Australian"),
    "italy": ("Italy", "Italian"),
    "netherlands": ("Netherlands", "Dutch"),
    "switzerland": ("Switzerland", "Swiss"),
    "sweden": ("Sweden", "Swedish"),
    "spain": ("Spain", "Spanish"),
}
_CASE_SENSITIVE = frozenset({"US", "U.S.", "USA", "UK", "EU", "PRC", "EPO", "JPO", "USPTO", "CNIPA", "KIPO"})

# Levels of one rating scale (a risk, a vulnerability, a priority): one level asked about in place
# of another is the same question on another row.
LEVELS: tuple[str, ...] = ("critical", "severe", "high", "medium", "moderate", "low", "minor")

_QUALIFIER = r"(?:(?:about|around|roughly|approximately|approx\.|nearly|almost|over|more than|above|under|below|less than|up to|at least|at most|exactly)\s+)?"
_CURRENCY = r"(?:CNY|RMB|USD|EUR|JPY|US\$|\$|€|¥|£)"
_SCALE = r"(?:million|thousand|billion|mn|bn|m|k)\b"
# An amount of money: a currency or a scale word must be there ("4 million", "CNY 50,000", "$2m").
_MONEY = re.compile(
    rf"\b{_QUALIFIER}(?:{_CURRENCY}\s?\d[\d,.]*(?:\s?{_SCALE})?|\d[\d,.]*\s?{_SCALE}(?:\s?{_CURRENCY})?|\d[\d,.]*\s?{_CURRENCY})",
    re.IGNORECASE,
)
# An amount of time: "7 months", "more than 2 years".
_PERIOD = re.compile(rf"\b{_QUALIFIER}\d+(?:\.\d+)?\s?(?:working |calendar )?(?:days?|weeks?|months?|years?)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    kind: str  # "place:<name>", "level", "money" or "period"
    value: str  # what is named: the place, the level, or the amount's text
    start: int
    end: int


def _place_pattern(form: str) -> re.Pattern:
    flags = 0 if form in _CASE_SENSITIVE else re.IGNORECASE
    return re.compile(rf"(?<![\w.]){re.escape(form)}(?![\w]|\.\w)", flags)


_PLACE_FORMS = sorted(((form, place) for place, forms in PLACES.items() for form in forms), key=lambda fp: -len(fp[0]))
_PLACE_PATTERNS = [(_place_pattern(form), place) for form, place in _PLACE_FORMS]
_LEVEL = re.compile(rf"\b({'|'.join(LEVELS)})\b", re.IGNORECASE)


def mentions(text: str) -> list[Mention]:
    """Every place, level and amount named in a text, longest first where they overlap."""
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    def add(kind: str, value: str, match: re.Match) -> None:
        if free(match.start(), match.end()):
            found.append(Mention(kind, value, match.start(), match.end()))
            taken.append((match.start(), match.end()))

    for pattern in (_MONEY, _PERIOD):
        for match in pattern.finditer(text):
            add("money" if pattern is _MONEY else "period", match.group(0).lower(), match)
    for pattern, place in _PLACE_PATTERNS:
        for match in pattern.finditer(text):
            add("place", place, match)
    for match in _LEVEL.finditer(text):
        add("level", match.group(1).lower(), match)
    return sorted(found, key=lambda m: m.start)


def _swaps(previous: str, followup: str) -> list[tuple[list[Mention], Mention]]:
    """Each term the follow-up swaps in, with the previous question's mentions it replaces.

    A kind is swapped only when the follow-up names exactly one term of it and the previous
    question names exactly one other ("in China and the US?" then "and Japan?" is not a swap).
    """
    new_by_kind = _by_kind(mentions(followup))
    old_by_kind = _by_kind(mentions(previous))
    swaps = []
    for kind, new in new_by_kind.items():
        old = old_by_kind.get(kind)
        if old is None or len(new) != 1 or len({m.value for m in old}) != 1 or new[0].value == old[0].value:
            continue
        swaps.append((old, new[0]))
    return swaps


def substitute(previous: str, followup: str) -> str | None:
    """The previous question with its term replaced by the follow-up's term of the same kind, or
    None when the follow-up swaps nothing (:func:`_swaps`)."""
    replacements = [(mention, followup[new.start : new.end]) for old, new in _swaps(previous, followup) for mention in old]
    if not replacements:
        return None
    text = previous
    for mention, words in sorted(replacements, key=lambda r: -r[0].start):
        text = text[: mention.start] + words + text[mention.end :]
    return text


def forms_of(followup: str, previous: str) -> list[str]:
    """Every written form of the place or level a follow-up swaps in (for "Japanese" after a
    question on European patents: Japan, Japanese, JPO), so that an answer naming it in another
    form is recognised as being about it. Empty when nothing is swapped."""
    forms: list[str] = []
    for _, new in _swaps(previous, followup):
        if new.kind == "place":
            # One-word forms only: the words of "United States" are each common words of their own.
            forms += [form for form in PLACES[new.value] if " " not in form]
        elif new.kind == "level":
            forms.append(new.value)
    return forms


def _by_kind(found: list[Mention]) -> dict[str, list[Mention]]:
    grouped: dict[str, list[Mention]] = {}
    for mention in found:
        grouped.setdefault(mention.kind, []).append(mention)
    return grouped
