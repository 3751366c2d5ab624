"""The question as the cross-encoder reads it: a name no document holds, read as what the question
says it is.

Staff name the firms and products of their situation and often say what they are: "an engineer
from Qilin Magtech (competitor)", "into Brainwave Pro, an AI chatbot", "A competitor, Qilin
Magtech, sent us a letter". When no document of the store holds the name, no passage can match
it, and the cross-encoder, which has never seen it either, scores every passage lower for it
(-6.8 against the rule for hires from competitors, -3.1 for "from a competitor"). Such a name is
read as its kind ("from a competitor"), or left out where it stands in apposition to the words
before it. A name the question does not explain stays: it may be the very thing asked about
("the Tesla and Panasonic battery licence"), and read without it the question would match any
licence. Every name still counts for the decision (the decline policy's unmatched-name penalty).
Retrieval itself is not changed: BM25 has no such word, and the embedding model reads the
question as typed.
"""
from __future__ import annotations

import itertools
import re
from typing import Callable

from bm25s.stopwords import STOPWORDS_EN

# Words after a name that do not name a kind of thing: the search's stopwords, and the verbs a
# name as subject is followed by ("the Lurvik team has", "our Zarnovia is").
FUNCTION_WORDS = frozenset(STOPWORDS_EN) | frozenset(
    "am were been being has have had do does did can could may might must shall should would "
    "said says sent told asked wants wanted uses used makes made still already just also never always "
    "only even".split()
)

# A bracket after a name that says what it is: one to three words ("(competitor)", "(a supplier)",
# "(our Dutch distributor)"); longer brackets are remarks, not kinds.
_KIND_IN_BRACKETS = r"\s*\((?:an?\s+|the\s+|our\s+)?(?P<kind>(?:[\w-]+\s+){0,2}[\w-]+)\)"


# Or after a comma, as an apposition that ends the clause: "into Brainwave Pro, an AI chatbot?".
_KIND_AFTER_COMMA = r",\s+(?:an?\s+)(?P<kind2>(?:[\w-]+\s+){0,2}[\w-]+)(?=[?.!,;]|$)"

# Or by the noun it modifies: "the Zarnovia plant", "our Lurvik firmware code". The name follows an
# article or possessive (after a bare preposition, "in Vietnam still", the next word need not be a
# noun) and comes before a lower-case word that is not a function word ("the Tesla and Panasonic
# licence": "and" says nothing of a kind).
_MODIFIER_BEFORE = r"(?<![\w-])(?:the|a|an|our|their|its|my|your|his|her)\s+"
_KIND_AFTER = r"(?=(?P<compound>(?:\s+[a-z][\w-]*)+))"

# A named agreement, patent or lawsuit is itself the thing asked about ("the Panasonic battery
# licence", "the Tesla patent"): the store does not hold it, and read without the name the question
# would match the company's rules for any licence. Such a name stays.
INSTRUMENTS = frozenset(
    "licence licences license licenses agreement agreements contract contracts deal deals patent patents "
    "lawsuit lawsuits case cases settlement settlements".split()
)

# A name of several words ("Qilin Magtech", "Zarnovia Metals"): capitalised words in a row.
_NAME_RUN = re.compile(r"(?<![\w-])[A-Z][\w&.-]*(?:[\s-]+[A-Z][\w&.-]*)*(?![\w-])")


def without_unknown_names(text: str, names: list[str], known: Callable[[str], bool]) -> str:
    """``text`` with each of the ``names`` for which ``known`` is false (a name is known when a
    document holds it), together with the capitalised words around it ("Zarnovia Metals":
    "Metals" is a word the documents hold, the firm is not), replaced by the kind the question
    gives it: in brackets after it ("Qilin Magtech (competitor)"), after a comma ("Brainwave Pro,
    an AI chatbot?"), before it ("A competitor, Qilin Magtech, sent ...": the name goes), or by
    the noun it modifies ("the Zarnovia plant": the name goes, "the plant" stays)."""
    unknown = {n for n in names if not known(n)}
    if not unknown:
        return text

    def drop(match: re.Match) -> str:
        if not is_unknown(match.group("run")):
            return match.group(0)
        kind = match.group("kind") or match.group("kind2")
        if kind is None:
            return match.group(0)
        if kind.endswith("s") and not kind.endswith("ss"):  # "(alloy suppliers)": no article
            return kind
        return f"{'an' if kind[0].lower() in 'aeiou' else 'a'} {kind}"

    def is_unknown(run: str) -> bool:
        return bool(set(re.findall(r"[\w&.-]+", run)) & unknown)

    def drop_modifier(match: re.Match) -> str:
        """The name before the noun it modifies, when that noun is a kind of thing, not a named instrument."""
        words = match.group("compound").split()
        noun = list(itertools.takewhile(lambda w: w not in FUNCTION_WORDS, words))[:3]
        if not is_unknown(match.group("run")) or not noun or INSTRUMENTS & set(noun):
            return match.group(0)
        return match.group(0)[: match.start("run") - match.start()]

    # An unknown name set off by commas ("A competitor, Qilin Magtech, sent us ...") goes with them.
    text = re.sub(rf",\s*(?P<run>{_NAME_RUN.pattern}),", lambda m: " " if is_unknown(m.group("run")) else m.group(0), text)
    text = re.sub(rf"(?P<run>{_NAME_RUN.pattern})(?:{_KIND_IN_BRACKETS}|{_KIND_AFTER_COMMA})?", drop, text)
    text = re.sub(rf"{_MODIFIER_BEFORE}(?P<run>{_NAME_RUN.pattern}){_KIND_AFTER}", drop_modifier, text)
    text = re.sub(r"\s+([?.!,;:)])", r"\1", " ".join(text.split()))
    text = re.sub(r",(?:\s*,)+", ",", text)  # one comma where two met, none before a sentence's end
    return re.sub(r",\s*([?.!])", r"\1", text).strip()


def left_out(before: str, after: str, names: list[str]) -> tuple[str, ...]:
    """The names of ``before`` that :func:`without_unknown_names` read as their kind in ``after``:
    the question says what they are, so evidence about that kind need not mention them."""
    def holds(text: str, name: str) -> bool:
        return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) is not None

    return tuple(n for n in names if holds(before, n) and not holds(after, n))
