"""The language-model backend chosen by configuration, and the one way its reply is read.

``ASSISTANT_LLM`` picks a LangChain chat model: ``openai`` (any OpenAI-compatible endpoint: vLLM,
llama.cpp server, a gateway, a hosted API), ``ollama``, or ``llamacpp`` (a GGUF file run in this
process). Whatever goes wrong on the way to a reply (server down, timeout, missing model file,
unknown model) becomes one :class:`LLMError` with a message a user can act on, so the caller can
show the extractive answer and say why instead of a traceback.

``llamacpp`` is a small LangChain chat model over ``llama_cpp.Llama`` rather than LangChain's
``ChatLlamaCpp``: that class lives in langchain-community, a large package this project does not
otherwise need (and which pins its own langchain versions).
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from .config import Settings

# Remote models' tokenizers are not at hand (and tiktoken would download its tables): English
# prose runs about 4 characters per token in current BPE vocabularies, numbers and codes fewer,
# so 3 characters per token over-counts and the prompt stays inside the window.
CHARS_PER_TOKEN_ESTIMATE = 3.0
# llama.cpp threads in-process: the machines this runs on are small and shared.
LLAMACPP_THREADS = 2


class LLMError(RuntimeError):
    """The language model could not give a reply; the message says why in a user's words."""


@dataclass(frozen=True)
class ChatBackend:
    """A ready chat model and what the prompt builder must know about it."""

    kind: str  # openai | ollama | llamacpp
    model_name: str
    chat_model: BaseChatModel
    context_tokens: int
    max_tokens: int
    timeout: float
    count_tokens: Callable[[str], int]


def estimate_tokens(text: str) -> int:
    """A conservative token count for a model whose tokenizer is not available here."""
    return math.ceil(len(text) / CHARS_PER_TOKEN_ESTIMATE)


# ------------------------------------------------------------------ llama.cpp in-process


_LOAD_LOCK = threading.Lock()


@lru_cache(maxsize=2)
def _load_llama(path: str, n_ctx: int):
    """One loaded model per file and window for the whole process (loading takes seconds)."""
    import llama_cpp

    return llama_cpp.Llama(model_path=path, n_ctx=n_ctx, n_threads=LLAMACPP_THREADS, verbose=False, seed=0)


def load_llama(path: str, n_ctx: int):
    if not path:
        raise LLMError("ASSISTANT_LLM=llamacpp needs ASSISTANT_LLM_MODEL_PATH, the path of a GGUF model file")
    file = Path(path).expanduser()
    if not file.is_file():
        raise LLMError(f"the model file {file} does not exist (ASSISTANT_LLM_MODEL_PATH)")
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        raise LLMError("ASSISTANT_LLM=llamacpp needs the llama-cpp-python package (see README)") from None
    with _LOAD_LOCK:
        try:
            return _load_llama(str(file.resolve()), n_ctx)
        except (ValueError, RuntimeError) as exc:
            raise LLMError(f"llama.cpp could not load {file}: {exc}") from exc


_ROLES = {SystemMessage: "system", HumanMessage: "user", AIMessage: "assistant"}


def _role(message: BaseMessage) -> str:
    for kind, role in _ROLES.items():
        if isinstance(message, kind):
            return role
    raise ValueError(f"unsupported message type {type(message).__name__}")


class LlamaCppChat(BaseChatModel):
    """A LangChain chat model over an already loaded ``llama_cpp.Llama`` (its chat template)."""

    llama: Any
    model_name: str = "gguf"
    max_tokens: int = 384
    temperature: float = 0.0

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-in-process"

    def _request(self, messages: list[BaseMessage], stop: list[str] | None, stream: bool):
        return self.llama.create_chat_completion(
            messages=[{"role": _role(m), "content": m.text} for m in messages],
            max_tokens=self.max_tokens,
            temperature=self.temperature,
            stop=stop or [],
            stream=stream,
        )

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        reply = self._request(messages, stop, stream=False)
        text = reply["choices"][0]["message"].get("content") or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(self, messages, stop=None, run_manager=None, **kwargs) -> Iterator[ChatGenerationChunk]:
        for part in self._request(messages, stop, stream=True):
            text = part["choices"][0]["delta"].get("content") or ""
            if text:
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                if run_manager:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk


# ------------------------------------------------------------------ the factory


def _openai_model_name(settings: Settings) -> str:
    """The configured model, or the one an OpenAI-compatible server serves (vLLM and llama.cpp
    serve one model and list it at /v1/models)."""
    if settings.llm_model:
        return settings.llm_model
    from openai import OpenAI

    try:
        client = OpenAI(base_url=settings.llm_base_url or None, api_key=settings.llm_api_key or "none", timeout=settings.llm_timeout, max_retries=0)
        models = [m.id for m in client.models.list()]
    except Exception as exc:  # the server's failure, whatever its kind, is reported, not raised
        raise LLMError(f"{describe(exc, settings)} (set ASSISTANT_LLM_MODEL to skip asking the server)") from exc
    if not models:
        raise LLMError("the server lists no model: set ASSISTANT_LLM_MODEL")
    return models[0]


def make_backend(settings: Settings) -> ChatBackend | None:
    """The chat model the settings ask for, or None for ``ASSISTANT_LLM=none``."""
    kind = settings.llm
    common = dict(context_tokens=settings.llm_context_tokens, max_tokens=settings.llm_max_tokens, timeout=settings.llm_timeout)
    if kind == "none":
        return None
    if kind == "openai":
        from langchain_openai import ChatOpenAI

        name = _openai_model_name(settings)
        model = ChatOpenAI(
            model=name,
            base_url=settings.llm_base_url or None,
            # Local servers take any key; the SDK insists on one being set.
            api_key=settings.llm_api_key or "none",
            timeout=settings.llm_timeout,
            max_retries=0,  # a retry doubles the wait before the extractive answer is shown
            max_tokens=settings.llm_max_tokens,
            temperature=0,
        )
        return ChatBackend("openai", name, model, count_tokens=estimate_tokens, **common)
    if kind == "ollama":
        from langchain_ollama import ChatOllama

        if not settings.llm_model:
            raise LLMError("ASSISTANT_LLM=ollama needs ASSISTANT_LLM_MODEL (e.g. llama3.2)")
        model = ChatOllama(
            model=settings.llm_model,
            base_url=settings.llm_base_url or None,
            num_ctx=settings.llm_context_tokens,
            num_predict=settings.llm_max_tokens,
            temperature=0,
            client_kwargs={"timeout": settings.llm_timeout},
        )
        return ChatBackend("ollama", settings.llm_model, model, count_tokens=estimate_tokens, **common)
    if kind == "llamacpp":
        llama = load_llama(settings.llm_model_path, settings.llm_context_tokens)
        name = Path(settings.llm_model_path).name

        def count(text: str) -> int:
            return len(llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

        model = LlamaCppChat(llama=llama, model_name=name, max_tokens=settings.llm_max_tokens)
        return ChatBackend("llamacpp", name, model, count_tokens=count, **common)
    raise LLMError(f"unknown ASSISTANT_LLM {kind!r}")


# ------------------------------------------------------------------ reading a reply


def describe(exc: BaseException, settings: Settings | None = None) -> str:
    """A failure of the model backend in a user's words."""
    where = (settings.llm_base_url or "the default endpoint") if settings else "the model server"
    name = type(exc).__name__
    text = str(exc).strip() or name
    try:
        import openai

        if isinstance(exc, openai.APITimeoutError):
            return f"the language model at {where} did not answer in time"
        if isinstance(exc, openai.APIConnectionError):
            return f"the language model server at {where} cannot be reached"
        if isinstance(exc, openai.APIStatusError):
            return f"the language model server at {where} refused the request (HTTP {exc.status_code}): {text[:200]}"
    except ImportError:  # pragma: no cover - openai comes with langchain-openai
        pass
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return f"the language model at {where} did not answer in time"
    if isinstance(exc, (httpx.ConnectError, ConnectionError)):
        return f"the language model server at {where} cannot be reached"
    return f"the language model failed ({name}: {text[:200]})"


def stream_reply(backend: ChatBackend, messages: list[BaseMessage], settings: Settings | None = None) -> Iterator[str]:
    """The reply's text as it arrives; stops with :class:`LLMError` at any failure or when the
    whole reply takes longer than the backend's timeout (the server's own timeout only bounds
    the wait for each piece)."""
    deadline = time.monotonic() + backend.timeout
    stream = backend.chat_model.stream(messages)
    try:
        for chunk in stream:
            text = str(chunk.text)
            if text:
                yield text
            if time.monotonic() > deadline:
                raise LLMError(f"the language model did not finish within {backend.timeout:g} s")
    except LLMError:
        raise
    except Exception as exc:  # the backend's failure, whatever its kind, becomes a fallback reason
        raise LLMError(describe(exc, settings)) from exc
    finally:
        close = getattr(stream, "close", None)
        if close:
            close()  # stops an in-process generation that is cut short


def complete(backend: ChatBackend, messages: list[BaseMessage], settings: Settings | None = None) -> str:
    """The whole reply as one string (used where nothing is shown while it is written)."""
    return "".join(stream_reply(backend, messages, settings))
