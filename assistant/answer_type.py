"""What kind of answer a question expects, and whether an answer unit states one.

"By when must we decide on filing abroad?" asks for a time: the unit that says "by month 9" answers
it, while the cross-encoder, trained to match words, prefers "The first filing ... is normally the
Chinese application", which shares more of the question's words and states no time at all. A
question asking for a time, an amount of money or a form is answered by a unit that states one
(:class:`~assistant.answer.SelectionPolicy.answer_type_bonus`). This is the expected-answer-type
check of classic question answering, kept to the three types policy questions ask most.
"""
from __future__ import annotations

import re

_QUESTION = {
    # "how long", "by when", "what is the deadline", "how many days", "how soon", "within what time"
    "time": re.compile(
        r"\b(?:how\s+long|by\s+when|until\s+when|how\s+soon|how\s+quickly|how\s+much\s+time|how\s+many\s+"
        r"(?:days|weeks|months|years|hours)|what(?:'s|\s+is)\s+the\s+(?:deadline|time\s+limit|period|window)|"
        r"deadline|time\s+limit|when\s+(?:must|do|does|should|will|is|are)\b)",
        re.IGNORECASE,
    ),
    # "how much", "what rate", "what fee", "what percentage", "what royalty"
    "amount": re.compile(
        r"\b(?:how\s+much|how\s+big|what\s+(?:rate|fee|fees|percentage|percent|share|amount|royalty|reward|bonus|price))\b",
        re.IGNORECASE,
    ),
    # "which form", "what form"
    "form": re.compile(r"\b(?:which|what)\s+(?:\w+\s+)?form\b", re.IGNORECASE),
}

_STATES = {
    "time": re.compile(
        r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|thirty)[\s-]+(?:calendar\s+|working\s+|business\s+)?"
        r"(?:hours?|days?|weeks?|months?|years?)\b|\bmonth\s+\d+\b|\b(?:immediately|without\s+undue\s+delay)\b",
        re.IGNORECASE,
    ),
    "amount": re.compile(r"(?:\b(?:CNY|RMB|EUR|USD|JPY|US\$)\s*\d|[$€¥£]\s*\d|\d\s*%|\b\d+(?:\.\d+)?\s+(?:percent|per\s+cent)\b)", re.IGNORECASE),
    "form": re.compile(r"\bForm\s+[A-Z]{1,5}-?\d"),
}


def expected_types(question: str) -> tuple[str, ...]:
    """The kinds of answer the question asks for ("time", "amount", "form"); empty for others."""
    return tuple(kind for kind, pattern in _QUESTION.items() if pattern.search(question))


def states(text: str, kinds: tuple[str, ...]) -> bool:
    """Whether the text states an answer of one of the kinds."""
    return any(_STATES[kind].search(text) for kind in kinds)
