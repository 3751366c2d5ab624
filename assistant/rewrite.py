"""Follow-up questions made standalone by the language model, when one is configured.

The model sees the recent user questions (and the last answer, shortened) and writes the follow-up
as a question that can be searched alone. Its reply is used only if it looks like one question;
otherwise the rule-based :func:`assistant.followup.standalone_question` stands, so a small or
confused model can make a follow-up no worse than the rule does.
"""
from __future__ import annotations

import re

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from .followup import Turn, standalone_question
from .llm import LLMError, describe
from .prompting import neutralise

RECENT_QUESTIONS = 3  # earlier questions rarely decide what "it" or "that" refers to
ANSWER_CHARS = 300  # of the last answer: its subject, not its detail
# A rewrite much longer than the follow-up and the question before it together has stopped
# rewriting and started answering.
MAX_GROWTH = 2.0
_PREFIX = re.compile(r"^\s*(?:standalone question|question|rewritten question)\s*:\s*", re.IGNORECASE)

SYSTEM = (
    "Rewrite the user's last question so that it can be understood without the conversation: "
    "replace words like it, that, they and there with what they refer to. Do not answer it. "
    "Reply with the rewritten question only, on one line."
)


def rewrite_prompt(history: list[Turn], question: str) -> list:
    users = [t.content.strip() for t in history if t.role == "user" and t.content.strip()][-RECENT_QUESTIONS:]
    answers = [t.content.strip() for t in history if t.role == "assistant" and t.content.strip()]
    lines = [f"Earlier question: {neutralise(u)}" for u in users]
    if answers:
        lines.append(f"Last answer: {neutralise(answers[-1][:ANSWER_CHARS])}")
    lines.append(f"Last question: {neutralise(question)}")
    return [SystemMessage(content=SYSTEM), HumanMessage(content="\n".join(lines) + "\nRewritten question:")]


def usable(rewritten: str, history: list[Turn], question: str) -> bool:
    users = [t.content for t in history if t.role == "user"]
    limit = MAX_GROWTH * (len(question) + len(users[-1] if users else ""))
    return bool(re.search(r"[A-Za-z]{2}", rewritten)) and len(rewritten) <= max(limit, 40)


def rewrite_followup(chat_model: BaseChatModel, history: list[Turn], question: str) -> str:
    """The follow-up as a standalone question; the rule-based one when the model's is unusable.

    Raises :class:`LLMError` when the model cannot be reached (the caller decides what then).
    """
    question = question.strip()
    if not history:
        return question
    try:
        reply = chat_model.invoke(rewrite_prompt(history, question), stop=["\n"])
    except Exception as exc:  # the backend's failure, whatever its kind, becomes one error
        raise LLMError(describe(exc)) from exc
    lines = [line for line in str(reply.text).strip().splitlines() if line.strip()]
    rewritten = _PREFIX.sub("", lines[0]).strip().strip("\"'") if lines else ""
    return rewritten if usable(rewritten, history, question) else standalone_question(history, question)
