"""Follow-up questions made whole before retrieval, from the conversation so far.

Without a language model the rule is simple and predictable: a follow-up that cannot stand alone
(it starts like a continuation, "And for a utility model?", "What about Germany?"; refers back
with a pronoun, "Who do I send it to?"; or is only a few words) is searched together with the
previous question, itself made whole the same way. When the follow-up swaps a term of the previous
question for another of its kind ("What about a Japanese one?" after a question on European
patents), the previous question is searched with the new term (:mod:`~assistant.substitution`).
A question that stands alone is searched as typed, so a change of subject is never mixed with the
old one.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from .substitution import forms_of, substitute

# Few enough words that a question cannot carry its own subject ("And in Germany?").
MAX_ELLIPTICAL_WORDS = 3
_CONTINUATION = re.compile(
    r"^\s*(?:and|but|also|or|so|then|what about|how about|what if|same for|and if|and what|and how|and who|"
    r"what else|anything else|is that|does that|do they|does it|is it|can it|was it|are they)\b",
    re.IGNORECASE,
)
_BACK_REFERENCE = re.compile(
    r"\b(?:it|its|that one|this one|they|them|their|those|these|there|he|she|him|her|such)\b"
    r"|\b(?:a|an|the)\s+\w+\s+ones?\b"  # "a Japanese one": a thing the earlier question named
    r"|\b(?:for|about|with|of|do|does|did|to|on|in|after|before) (?:that|this)\b|\b(?:that|this)\s*\?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Turn:
    role: str  # "user" or "assistant"
    content: str


class HistoryError(ValueError):
    """A conversation history that is not a JSON list of {"role", "content"} turns."""


def parse_history(data: object) -> list[Turn]:
    if not isinstance(data, list):
        raise HistoryError("history must be a JSON list of turns")
    turns = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict) or item.get("role") not in {"user", "assistant"} or not isinstance(item.get("content"), str):
            raise HistoryError(f'turn {number} must be {{"role": "user"|"assistant", "content": "..."}}')
        turns.append(Turn(item["role"], item["content"]))
    return turns


def read_history(path: Path) -> list[Turn]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HistoryError(f"cannot read history {path}: {exc}") from exc
    return parse_history(data)


# "And", "but", "so" before a question that is complete in itself change the subject rather than
# continue it: "And where can I park my car?" carries its own subject, "And for a utility model?"
# and "And how long do I have?" do not.
_CONJUNCTION = re.compile(r"^\s*(?:and|but|also|so|then|ok|okay)\b[\s,]*", re.IGNORECASE)
_QUESTION_START = re.compile(
    r"^(?:what|where|when|who|whom|which|why|how|can|could|may|must|should|shall|do|does|did|is|are|was|were|will|would|have|has)\b",
    re.IGNORECASE,
)
_FUNCTION_WORDS = frozenset(
    "i me my mine we us our you your a an the to of in on at for from by with about as is are was were be been "
    "am do does did can could may might must should shall will would have has had what where when who whom which "
    "why how long much many there here not no any some this that".split()
)
# Words of a follow-up that steer the conversation, not its subject ("does that apply for the
# Stuttgart people too?": "too" is rare in policies, but no passage is about it).
_CONVERSATIONAL = _FUNCTION_WORDS | frozenset(
    "too also instead then again same usually normally typically really just still only either ok okay "
    "nice thanks great please else anything something people guys".split()
)
# A complete question names at least this many things of its own ("park", "car").
MIN_OWN_CONTENT_WORDS = 2


def _stands_alone_after_conjunction(question: str) -> bool:
    rest = _CONJUNCTION.sub("", question, count=1)
    if rest == question or not _QUESTION_START.match(rest) or _CONTINUATION.match(rest):
        return False
    content = [w for w in re.findall(r"[a-z]+", rest.lower()) if w not in _FUNCTION_WORDS]
    return len(content) >= MIN_OWN_CONTENT_WORDS


def needs_context(question: str) -> bool:
    """Whether a question leans on the one before it."""
    words = re.findall(r"\w+", question)
    if len(words) <= MAX_ELLIPTICAL_WORDS or _BACK_REFERENCE.search(question):
        return True
    if _stands_alone_after_conjunction(question):
        return False
    return bool(_CONTINUATION.match(question))


def _leaned_on(history: list[Turn] | None, question: str) -> list[str]:
    """The earlier user questions a follow-up leans on; empty for a question that stands alone."""
    users = [t.content.strip() for t in history or [] if t.role == "user" and t.content.strip()]
    return users if users and needs_context(question) else []


def _whole_previous(users: list[str]) -> str:
    """The last of the earlier questions, itself made whole."""
    return standalone_question([Turn("user", u) for u in users[:-1]], users[-1])


def standalone_question(history: list[Turn] | None, question: str) -> str:
    """The question to search: as typed, or joined to the previous (made-whole) user question."""
    question = question.strip()
    users = _leaned_on(history, question)
    if not users:
        return question
    whole = _whole_previous(users)
    return f"{substitute(whole, question) or whole} {question}"


def added_words(history: list[Turn] | None, question: str) -> list[str]:
    """The words a follow-up adds to the conversation ("korea" of "And for Korea?" after a question
    on PCT deadlines), as index tokens: what the answer must now be about, since the words it
    shares with the earlier question pull toward the earlier answer. Empty for a question that
    stands alone."""
    from .lexical import tokenize

    users = _leaned_on(history, question)
    if not users:
        return []
    earlier = set(tokenize([" ".join(users)])[0])
    own = " ".join(w for w in re.findall(r"[\w'-]+", question) if w.lower() not in _CONVERSATIONAL)
    return [t for t in dict.fromkeys(tokenize([own])[0]) if t not in earlier]


def swapped_words(history: list[Turn] | None, question: str) -> list[str]:
    """The index tokens of every form of a place or level a follow-up swaps in ("japan", "japanes",
    "jpo" for "What about a Japanese one?" after a question on European patents). Unlike
    :func:`added_words` they are not filtered by rarity: the swap says that the answer must be
    about this place, however many documents name it."""
    from .lexical import tokenize

    users = _leaned_on(history, question)
    forms = forms_of(question, _whole_previous(users)) if users else []
    return list(dict.fromkeys(tokenize([" ".join(forms)])[0])) if forms else []
