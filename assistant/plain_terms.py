"""Plain phrasings and the terms the documents use for them ("walk away from" -> "terminate").

Staff and managers ask the way they talk ("Can we walk away from the deal whenever we want?",
"how much heads-up do we have to give?"); contracts and policies say "terminate" and "notice". The
cross-encoder, trained on web search queries, scores such a question low against the clause that
answers it, and BM25 never finds the clause by words it does not hold. A question is therefore
searched with each known plain phrase followed by its term ("walk away from (terminate)"), and
read by the cross-encoder with the term in its place ("Can we terminate the deal ..."). The list is
data (``assistant/data/plain_terms.json``), written from general usage, not from any question set.
"""
from __future__ import annotations

import json
import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from .glossary import Expansion

DEFAULT_PLAIN_TERMS = Path(__file__).with_name("data") / "plain_terms.json"


class PlainTerms:
    def __init__(self, terms: dict[str, list[str]]):
        self.term_of: dict[str, str] = {}
        for term, phrases in terms.items():
            for phrase in phrases:
                key = " ".join(phrase.lower().split())
                if key in self.term_of and self.term_of[key] != term:
                    raise ValueError(f"{phrase!r} is listed under both {self.term_of[key]!r} and {term!r}")
                self.term_of[key] = term
        self._pattern = None
        if self.term_of:
            # Longest first, so "get out of the contract" wins over "get out of"; any run of spaces
            # matches the one space of the list.
            alternatives = [r"\s+".join(map(re.escape, p.split())) for p in sorted(self.term_of, key=len, reverse=True)]
            self._pattern = re.compile(r"(?<![\w-])(" + "|".join(alternatives) + r")(?![\w-])", re.IGNORECASE)

    @classmethod
    def load(cls, path: Path = DEFAULT_PLAIN_TERMS) -> "PlainTerms":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"{path}: a JSON object of term -> list of plain phrases")
        terms = {}
        for term, phrases in data.items():
            if term.startswith("_"):
                continue
            if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
                raise ValueError(f"{path}: {term!r} must map to a list of phrases")
            terms[term] = phrases
        return cls(terms)

    def term(self, phrase: str) -> str:
        return self.term_of[" ".join(phrase.lower().split())]

    def reword(self, expansion: Expansion) -> Expansion:
        """The expansion with known plain phrases explained in what is searched and replaced in what
        the cross-encoder reads; unchanged when the question holds none."""
        if self._pattern is None or not self._pattern.search(expansion.question):
            return expansion
        found: list[str] = []

        def explain(match: re.Match) -> str:
            found.append(match.group(1))
            return f"{match.group(1)} ({self.term(match.group(1))})"

        searched = self._pattern.sub(explain, expansion.question)
        reading = self._pattern.sub(lambda m: self.term(m.group(1)), expansion.reading or expansion.question)
        return replace(expansion, question=searched, reading=reading, reworded=tuple(found))


@lru_cache(maxsize=2)
def load_plain_terms(path: str = "") -> PlainTerms:
    return PlainTerms.load(Path(path) if path else DEFAULT_PLAIN_TERMS)
