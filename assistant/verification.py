"""Generated answers checked in code, sentence by sentence, against the passages they cite.

A sentence is shown only when (1) it cites at least one passage and only passages the model was
given, (2) every number, amount, percentage, date, duration and form or policy identifier in it
stands in a passage it cites (:mod:`assistant.facts`), and (3) the shipped cross-encoder judges it
supported by one of its passages (a calibrated threshold, :class:`VerificationPolicy`). Sentences
that fail are kept out of the answer and listed with the reason.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from .facts import unsupported_facts
from .prompting import NO_ANSWER
from .units import normalise, split_sentences

_MARKER = re.compile(r"\s*\[\s*(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\s*\]")
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\s*\d{1,3}(?:\s*[,;]\s*\d{1,3})*\s*\])+")
_BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d{1,2}[.)])\s+")
_DELIMITER_ECHO = re.compile(r"<{2,}\s*(?:END\s+)?PASSAGE[^<>]*>{1,}", re.IGNORECASE)  # a small model repeating our markers
_LABEL = re.compile(r"^\s*(?:answer|response)\s*:\s*", re.IGNORECASE)


@dataclass(frozen=True)
class VerificationPolicy:
    # The cross-encoder's logit for (sentence, cited passage) below which the sentence is taken as
    # not supported by it. Calibrated by benchmarks/calibrate_support.py on the sample corpus:
    # sentences copied from a passage against the same sentences paired with passages of other
    # documents; this value keeps 99% of the mismatched pairs out (see README-llm.md).
    min_support: float = -0.75

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class CheckedSentence:
    text: str  # the sentence without its citation markers
    cited: tuple[int, ...]  # the passage numbers it cites, as written
    support: float | None = None  # best cross-encoder logit over the cited passages
    problems: tuple[str, ...] = ()  # why it is not shown; empty when it is

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Verification:
    sentences: list[CheckedSentence] = field(default_factory=list)
    no_answer: bool = False  # the model said the passages do not answer

    @property
    def kept(self) -> list[CheckedSentence]:
        return [s for s in self.sentences if s.ok]

    @property
    def unsupported(self) -> list[CheckedSentence]:
        return [s for s in self.sentences if not s.ok]


def _numbers(marker_body: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", marker_body))


def split_cited(reply: str) -> list[tuple[str, tuple[int, ...]]]:
    """The reply's sentences, each with the passage numbers cited in or right after it ("... [1].",
    "... . [1][2]"), markers removed from the text."""
    pieces: list[str] = []
    reply = _DELIMITER_ECHO.sub(" ", reply)
    for line in reply.splitlines():
        line = _BULLET.sub("", _LABEL.sub("", line)).strip()
        if line:
            pieces += split_sentences(line)
    result: list[tuple[str, list[int]]] = []
    for piece in pieces:
        leading = _LEADING_MARKERS.match(piece)
        if leading and result:
            result[-1][1].extend(n for body in _MARKER.findall(leading.group(0)) for n in _numbers(body))
            piece = piece[leading.end() :].strip()
        if not piece:
            continue
        cited = [n for body in _MARKER.findall(piece) for n in _numbers(body)]
        text = normalise(_MARKER.sub("", piece))
        text = re.sub(r"\s+([.,;:!?])", r"\1", text)
        if re.search(r"\w", text):
            result.append((text, cited))
    return [(text, tuple(dict.fromkeys(cited))) for text, cited in result]


class Verifier:
    """Checks a model's reply against the passages it was given."""

    def __init__(self, scorer, policy: VerificationPolicy | None = None):
        self.scorer = scorer  # anything with score(query, passages) -> logits: the cross-encoder
        self.policy = policy or VerificationPolicy()

    def check(self, text: str, cited: tuple[int, ...], shown: dict[int, str]) -> CheckedSentence:
        if not cited:
            return CheckedSentence(text, cited, None, ("cites no passage",))
        foreign = [n for n in cited if n not in shown]
        if foreign:
            names = ", ".join(f"[{n}]" for n in foreign)
            return CheckedSentence(text, cited, None, (f"cites {names}, which was not among the passages given",))
        problems = []
        missing = unsupported_facts(text, [shown[n] for n in cited])
        if missing:
            problems.append("states " + ", ".join(f'"{fact}"' for fact in missing) + ", not found in the passages it cites")
        support = max(self.scorer.score(text, [shown[n] for n in cited]))
        if support < self.policy.min_support:
            problems.append(f"not supported by the passages it cites (score {support:.2f} < {self.policy.min_support:g})")
        return CheckedSentence(text, cited, support, tuple(problems))

    def verify(self, reply: str, shown: dict[int, str]) -> Verification:
        """Every sentence of the reply, checked; ``shown`` maps passage numbers to what the model read."""
        said_none = NO_ANSWER in reply
        reply = reply.replace(NO_ANSWER, " ")
        sentences = [self.check(text, cited, shown) for text, cited in split_cited(reply)]
        return Verification(sentences, no_answer=said_none and not sentences)
