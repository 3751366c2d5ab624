"""Amounts of money in a question, and the thresholds of a rule that they fall within.

Policies set who approves, signs or pays by bands of value: "Up to CNY 1,000,000 | General
Counsel", "Above CNY 1,000,000 up to CNY 10,000,000 | CFO and General Counsel jointly", "national
phase entries with estimated costs above CNY 300,000 ... require approval by the CFO". Asked "who
signs a deal worth more than 10 million?", the cross-encoder reads all three rows as equally close
(they share the same words) and cannot compare numbers. A unit whose band holds the question's
amount states the rule for it (:class:`~assistant.answer.SelectionPolicy.amount_band_bonus`).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

# ISO codes of the currencies a question may state an amount in (also: never a name the evidence
# must mention, HybridRetriever.names_in).
CURRENCY_CODES = frozenset("CNY RMB USD EUR JPY GBP KRW CHF HKD TWD INR SGD AUD CAD SEK NOK DKK PLN CZK MXN BRL".split())
_CURRENCY = rf"(?:{'|'.join(sorted(CURRENCY_CODES))}|yuan|euros?|dollars?|US\$|[$€¥£])"
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}
# "CNY 1,000,000", "RMB 450k", "4 million RMB", "€2.5m", "10 million"
_AMOUNT = re.compile(
    rf"(?P<cur1>{_CURRENCY})?\s*(?P<number>\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?)\s*"
    r"(?P<scale>k|thousand|million|mn|m|billion|bn)?\b\s*"
    rf"(?P<cur2>{_CURRENCY})?",
    re.IGNORECASE,
)
_ABOVE = r"(?:more\s+than|over|above|exceeding|exceeds?|in\s+excess\s+of|greater\s+than|at\s+least)"
_BELOW = r"(?:less\s+than|under|below|up\s+to|not\s+above|not\s+exceeding|no\s+more\s+than|at\s+most|maximum\s+of)"


@dataclass(frozen=True)
class Band:
    """Values above ``low`` and up to ``high`` (an amount asked "about 4 million" is a band of one)."""

    low: float
    high: float

    def overlaps(self, other: "Band") -> bool:
        return self.low < other.high and other.low < self.high or (self.low == self.high and other.low < self.low <= other.high)


def _value(match: re.Match) -> float | None:
    """The amount a match states, when it is money: a currency, or a scale word ("10 million")."""
    if not (match.group("cur1") or match.group("cur2") or match.group("scale")):
        return None
    value = float(match.group("number").replace(",", ""))
    scale = (match.group("scale") or "").lower()
    return value * _SCALE.get(scale, 1.0)


def _bands(text: str) -> list[Band]:
    bands: list[Band] = []
    for match in _AMOUNT.finditer(text):
        value = _value(match)
        if value is None or value < 100:  # "12 months", "3%" and their like are not money
            continue
        before = text[max(0, match.start() - 25) : match.start()]
        if re.search(rf"{_BELOW}\s*$", before, re.IGNORECASE):  # first: "not above" ends in "above"
            # "Above CNY 1,000,000 up to CNY 10,000,000": the upper bound closes the band before it
            if bands and bands[-1].high == math.inf and bands[-1].low < value:
                bands[-1] = Band(bands[-1].low, value)
            else:
                bands.append(Band(0.0, value))
        elif re.search(rf"{_ABOVE}\s*$", before, re.IGNORECASE):
            bands.append(Band(value, math.inf))
        else:
            bands.append(Band(value, value))
    return bands


def asked_amounts(question: str) -> list[Band]:
    """The amounts of money a question states, each with the direction it gives ("more than 10
    million": above 10 million; "worth about 4 million RMB": 4 million)."""
    return _bands(question)


def _thresholds(text: str) -> list[Band]:
    """The bands a text sets; a plain amount ("CNY 30,000") is no band."""
    return [b for b in _bands(text) if b.low != b.high]


def _hold(asked: list[Band], bands: list[Band]) -> bool:
    return any(a.overlaps(b) for a in asked for b in bands)


def holds_band_of(text: str, asked: list[Band]) -> bool:
    """Whether the text sets a threshold or band that one of the asked amounts falls within."""
    return bool(asked) and _hold(asked, _thresholds(text))


def excludes(text: str, asked: list[Band]) -> bool:
    """Whether the text sets bands and none holds an asked amount: the rule for other amounts
    ("above CNY 1 million and not above CNY 10 million" for a deal of 25 million)."""
    bands = _thresholds(text) if asked else []
    return bool(bands) and not _hold(asked, bands)
