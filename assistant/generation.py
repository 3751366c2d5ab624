"""A generated answer: the model writes from the passages of the extractive answer, code verifies it.

The extractive answer is always made first (it decides whether to answer at all, and it is what
is shown when the model fails): only an answer that would be given is generated. The model's
reply streams as it is written; when it ends, the sentences that pass
:class:`~assistant.verification.Verifier` become the answer, citing the passages by the
numbers they were given under; those that fail are listed as ``unsupported``. When none passes, when the model says the passages do not answer, or when the
backend fails, the extractive answer is returned with the reason in ``fallback``.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Iterator

from .config import Settings
from .followup import Turn
from .llm import ChatBackend, LLMError, make_backend, stream_reply
from .prompting import PromptTooLong, build_prompt
from .rewrite import rewrite_followup
from .schema import Answer
from .verification import Verification, VerificationPolicy, Verifier


def fallback(answer: Answer, reason: str, unsupported: tuple[str, ...] = ()) -> Answer:
    """The extractive answer, saying why it is shown instead of a generated one."""
    return replace(answer, mode="extractive", model=None, fallback=f"{reason}; the extractive answer is shown", unsupported=unsupported)


def render(verification: Verification, superseded: set[int]) -> str:
    parts = []
    for sentence in verification.kept:
        marks = "".join(f"[{n}]" for n in sentence.cited)
        label = " (superseded version)" if superseded & set(sentence.cited) else ""
        parts.append(f"{sentence.text} {marks}{label}")
    return " ".join(parts)


class AnswerGenerator:
    """Holds the backend (made on first use, so a server that comes up later is found) and the verifier."""

    def __init__(self, settings: Settings, scorer, policy: VerificationPolicy | None = None):
        self.settings = settings
        self.verifier = Verifier(scorer, policy)
        self._backend: ChatBackend | None = None

    def backend(self) -> ChatBackend:
        if self._backend is None:
            backend = make_backend(self.settings)
            if backend is None:
                raise LLMError("no language model is configured (ASSISTANT_LLM=none)")
            self._backend = backend
        return self._backend

    def stream(self, answer: Answer) -> Iterator[str | Answer]:
        """The model's text as it arrives, then the verified :class:`Answer` (always last)."""
        question = answer.standalone_question or answer.question
        pieces: list[str] = []
        try:
            backend = self.backend()
            prompt = build_prompt(question, answer.citations, backend.count_tokens, backend.context_tokens, backend.max_tokens)
            for piece in stream_reply(backend, prompt.messages, self.settings):
                pieces.append(piece)
                yield piece
        except (LLMError, PromptTooLong) as exc:
            yield fallback(answer, str(exc))
            return
        yield self.result(answer, self.verifier.verify("".join(pieces), prompt.shown), prompt.shown, backend.model_name)

    def result(self, answer: Answer, verification: Verification, shown: dict[int, str], model: str) -> Answer:
        unsupported = tuple(s.text for s in verification.unsupported)
        if verification.no_answer:
            return fallback(answer, f"the language model ({model}) found no answer in the passages")
        if not verification.kept:
            return fallback(answer, f"no sentence written by the language model ({model}) passed verification", unsupported)
        citations = [c for c in answer.citations if c.n in shown]
        superseded = {c.n for c in citations if c.superseded}
        return replace(
            answer,
            answer=render(verification, superseded),
            citations=citations,
            mode="generated",
            model=model,
            unsupported=unsupported,
            fallback=None,
        )

    def rewrite(self, history: list[Turn], question: str) -> str | None:
        """The follow-up made standalone by the model, or None when the model cannot be reached."""
        try:
            return rewrite_followup(self.backend().chat_model, history, question)
        except LLMError:
            return None
