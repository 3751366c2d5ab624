"""Names of common products and services, and the kind of thing a policy calls them.

Policies name kinds ("personal cloud drives", "consumer messaging apps", "public AI chat services");
staff name brands ("Dropbox", "WeChat", "ChatGPT"), which the documents never mention and the
shipped models barely know. A question that names a known brand is searched with its kind added
("my Dropbox (a personal cloud drive)"), and the brand no longer counts as a name the evidence must
mention. The list is data (``assistant/data/glossary.json``), extended by ``ASSISTANT_GLOSSARY``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEFAULT_GLOSSARY = Path(__file__).with_name("data") / "glossary.json"


@dataclass(frozen=True)
class Expansion:
    question: str  # the question with each known name followed by its kind (what is searched)
    explained: tuple[str, ...]  # the names that were explained
    kinds: tuple[str, ...] = ()  # their kinds, in the same order
    # The question with each known name replaced by its kind (what the cross-encoder reads): a
    # brand it does not know pulls its score down even beside the kind ("on WhatsApp (a consumer
    # messaging app)" -8.6, "on a consumer messaging app" -2.6 against the rule that names such
    # apps); empty when nothing was explained.
    reading: str = ""
    # Rare words a follow-up adds to the conversation (index tokens), set by the service: passages
    # holding them answer what the follow-up changed (:class:`~assistant.ranking.RankingPolicy`).
    added: tuple[str, ...] = ()
    # Plain phrases of the question that the documents say otherwise ("walk away from"), set by
    # :class:`~assistant.plain_terms.PlainTerms`: searched with their term, read as it.
    reworded: tuple[str, ...] = ()
    # The question asks how a rule was before or what changed (:mod:`~assistant.change_history`):
    # searched with the name of the section that records changes, whose passages answer first.
    asks_change: bool = False


# A text names a kind when it holds this share of the kind's words (stemmed): "personal cloud
# drives" names "personal cloud drive" (3 of 3), "public AI chat services" names "public AI
# chatbot" (2 of 3), "cloud accounts" does not name "personal cloud drive" (1 of 3).
KIND_WORD_SHARE = 0.6


def names_kind(text: str, kind: str) -> bool:
    from .lexical import tokenize

    words = set(tokenize([kind])[0])
    present = words & set(tokenize([text])[0])
    return bool(words) and len(present) / len(words) >= KIND_WORD_SHARE


def explained_by(name: str, explained: tuple[str, ...]) -> bool:
    """Whether a name the question uses is (part of) a product name the glossary explained: its
    words all belong to one explained name ("Otter" of "Otter.ai", "Copilot" of "GitHub Copilot"),
    so the evidence is not expected to mention it."""
    from .lexical import tokenize

    words = set(tokenize([name])[0])
    return bool(words) and any(words <= set(tokenize([e])[0]) for e in explained)


class Glossary:
    def __init__(self, kinds: dict[str, list[str]], case_sensitive: set[str] | None = None):
        self.kind_of: dict[str, str] = {}
        spelled: dict[str, str] = {}
        for kind, names in kinds.items():
            for name in names:
                self.kind_of[name.lower()] = kind
                spelled[name.lower()] = name
        self._pattern = None
        if self.kind_of:
            # Brands are matched in any case, as people type them; a name that is also an ordinary
            # word (Signal, LINE, Otter) only as written, so "a line" is never taken for a product.
            exact = {n.lower() for n in case_sensitive or set()}
            alternatives = [
                re.escape(spelled[n]) if n in exact else f"(?i:{re.escape(spelled[n])})"
                for n in sorted(self.kind_of, key=len, reverse=True)  # "GitHub Copilot" before "GitHub"
            ]
            self._pattern = re.compile(r"(?<![\w.-])(" + "|".join(alternatives) + r")(?![\w-])")

    @classmethod
    def load(cls, *paths: Path) -> "Glossary":
        kinds: dict[str, list[str]] = {}
        case_sensitive: set[str] = set()
        for path in paths:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError(f"{path}: a glossary is a JSON object of kind -> list of names")
            case_sensitive.update(data.get("_case_sensitive", []))
            for kind, names in data.items():
                if kind.startswith("_"):
                    continue
                if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                    raise ValueError(f"{path}: {kind!r} must map to a list of names")
                kinds.setdefault(kind, []).extend(names)
        return cls(kinds, case_sensitive)

    def expand(self, question: str) -> Expansion:
        if self._pattern is None:
            return Expansion(question, ())
        explained: list[str] = []
        kinds: list[str] = []

        def kind_to_add(match: re.Match) -> str | None:
            """The kind of the name matched, or None when the question already names that kind."""
            kind = self.kind_of[match.group(1).lower()]
            return None if kind.lower() in question.lower() else kind

        def explain(match: re.Match) -> str:
            name, kind = match.group(1), kind_to_add(match)
            if kind is None:
                return name
            explained.append(name)
            kinds.append(kind)
            return f"{name} ({_with_article(kind)})"

        def as_kind(match: re.Match) -> str:
            kind = kind_to_add(match)
            if kind is None:
                return match.group(1)
            before = question[: match.start()].split()
            previous = before[-1].lower() if before else ""
            words = kind.split()
            if previous == words[0].lower():
                return " ".join(words[1:])  # "my personal OneDrive" -> "my personal cloud drive"
            if previous in _DETERMINERS or _after_determiner_and_adjective(before):
                return kind  # "my Dropbox" -> "my personal cloud drive"; "our internal GitLab" too
            return _with_article(kind)  # "on WhatsApp" -> "on a consumer messaging app"

        searched = self._pattern.sub(explain, question)
        reading = self._pattern.sub(as_kind, question) if explained else ""
        return Expansion(searched, tuple(explained), tuple(kinds), reading)


def _after_determiner_and_adjective(before: list[str]) -> bool:
    """The words before a name are a determiner and one lower-case word ("our internal"): the
    name ends a noun phrase that already has its article."""
    return len(before) >= 2 and before[-2].lower() in _DETERMINERS and before[-1].isalpha() and before[-1].islower()


def _with_article(kind: str) -> str:
    return f"{'an' if kind[0].lower() in 'aeiou' else 'a'} {kind}"


# Words after which a kind reads without an article of its own ("my own personal cloud drive").
_DETERMINERS = {"a", "an", "the", "my", "our", "your", "his", "her", "their", "its", "this", "that", "these", "those", "some", "any", "own"}


@lru_cache(maxsize=4)
def load_glossary(extra: str = "") -> Glossary:
    paths = [DEFAULT_GLOSSARY] + ([Path(extra)] if extra else [])
    return Glossary.load(*paths)
