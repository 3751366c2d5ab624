"""Questions about how a rule changed, answered from the documents' own record of their changes.

"Was it always 60 days?", "has it always been that tight?", "what did the old policy say?": the
current text states today's rule, which is not what was asked. Policies keep a revision history
("3.0 | Effective: 2025-03-01 | Changes: ... shortened from 90 to 60 days"), the one place that
states the change itself. Such a question is searched with the words that name that section, and
passages of it rank and answer first (:class:`~assistant.ranking.RankingPolicy`,
:class:`~assistant.answer.SelectionPolicy`).
"""
from __future__ import annotations

import re

# How staff ask whether a rule was different before: "was it always", "has it always been",
# "used to", "what changed", "did the reward change", "the old policy", "the previous version".
_ASKS_CHANGE = re.compile(
    r"\b(?:"
    r"(?:was|were|is|has|have)\s+(?:it|this|that|they|these|those)\s+always"
    r"|always\s+been"
    r"|used\s+to\s+be"
    r"|what\s+(?:has\s+)?changed"
    r"|(?:has|have|did|was|were)\s+(?:it|this|that|anything|the\s+(?:\w+\s+)?(?:rule|rules|policy|deadline|amount|reward|limit|"
    r"procedure|process|period|threshold|rate|bonus|form)s?)\s+(?:\w+\s+)?(?:change|changed)"
    r"|(?:old|older|previous|earlier|former)\s+(?:policy|version|rules?|procedure|amount|deadline)"
    r"|before\s+the\s+(?:change|update|revision|new\s+(?:policy|version|rules?))"
    r")\b",
    re.IGNORECASE,
)

# The section a document records its changes in: "Revision History", "Change Log", "Document
# History", "Version history", "Amendments".
_CHANGE_RECORD = re.compile(r"\b(?:(?:revision|change|version|document|amendment)\s+(?:history|log|record)|changelog|amendments)\b", re.IGNORECASE)

# What a change question is searched with besides its own words: the name of that section.
SEARCH_TERMS = "revision history"


def asks_about_change(question: str) -> bool:
    """Whether the question asks how a rule was before or what changed."""
    return _ASKS_CHANGE.search(question) is not None


def records_change(section: str) -> bool:
    """Whether a section (its heading) is the document's record of its changes."""
    return _CHANGE_RECORD.search(section or "") is not None
