"""One Assistant shared by several threads (the app's sessions share one through st.cache_resource).

Real store, real models: questions asked at the same time get the answers they get one at a time,
and an ingest that lands while questions are in flight makes none of them fail.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from assistant.ingest import Ingestor
from assistant.service import Assistant

from .conftest import ingest_small_corpus

QUESTIONS = [
    "Can I put our code on GitHub?",
    "Do I need approval before using an MIT-licensed library?",
    "Can we use an AGPL-licensed database in the customer portal?",
    "Is it OK to paste a test report into a public chatbot to fix the English?",
    "I lost my laptop with confidential files on the train. Who do I tell and how fast?",
    "Can I plug my own USB stick into my work computer?",
    "What is the capital of Australia?",
    "What forms of IP protection does an enterprise have?",
]


def ask_together(assistant: Assistant, questions: list[str]) -> list[dict]:
    """Each question in its own thread, all released at once; answers in the order asked."""
    start = threading.Barrier(len(questions))

    def ask(question: str) -> dict:
        start.wait()
        return assistant.ask(question).to_json()

    with ThreadPoolExecutor(max_workers=len(questions)) as pool:
        return list(pool.map(ask, questions))


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    return ingest_small_corpus(tmp_path_factory.mktemp("concurrency"))


def test_eight_threads_get_the_answers_that_asking_one_by_one_gives(small_store, reranker):
    settings, _ = small_store
    assistant = Assistant(settings, reranker=reranker)
    one_by_one = [assistant.ask(q).to_json() for q in QUESTIONS]

    together = ask_together(assistant, QUESTIONS)

    assert together == one_by_one
    # Answers and a refusal were compared, not only refusals.
    assert together[0]["grounded"] and together[0]["citations"]
    assert not together[QUESTIONS.index("What is the capital of Australia?")]["grounded"]


def test_an_ingest_during_concurrent_questions_fails_none_and_is_seen_afterwards(tmp_path, reranker):
    settings, corpus = ingest_small_corpus(tmp_path)
    assistant = Assistant(settings, reranker=reranker)
    before = assistant.fingerprint
    (corpus / "lectures" / "badge-policy.md").write_text(
        "# Visitor Badge Rules\n\n## Badges\n\nEvery visitor to the magnet plant wears an orange badge issued at the gate "
        "and returns it to the security desk when leaving.\n"
    )
    ingest = threading.Thread(target=lambda: Ingestor(settings).run(corpus))

    ingest.start()
    answers = ask_together(assistant, QUESTIONS[:4] * 2)  # raises if any question fails
    ingest.join()
    badge = assistant.ask("What colour badge does a visitor to the magnet plant wear?")

    assert [a["question"] for a in answers] == QUESTIONS[:4] * 2
    assert assistant.fingerprint != before
    assert badge.grounded
    assert badge.citations[0].source == "lectures/badge-policy.md"
