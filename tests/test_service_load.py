"""Load on loopback: concurrent clients lose no request and get no 5xx; a full queue answers 503
with Retry-After instead of growing (src/ecs_tagger/service/batching.py over HTTP)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any, ClassVar

import httpx
import pytest

from ecs_tagger.model.results import TagResult
from service_support import main_server, registry, start_server

CLIENTS = 8
REQUESTS = 500
#: The whole load run stops by itself after this many seconds.
TIME_LIMIT_S = 900


def texts(count: int) -> list[str]:
    descriptions = registry()["beskrivning"].tolist()
    return [f"{descriptions[i % len(descriptions)]} (variant {i})" for i in range(count)]


@pytest.mark.slow
def test_eight_clients_five_hundred_requests_none_lost() -> None:
    server = main_server()
    worker = server.app.state.service.worker
    largest_before = worker.stats.largest_batch
    work = list(enumerate(texts(REQUESTS)))
    lock = threading.Lock()
    answers: dict[int, dict[str, Any]] = {}
    statuses: Counter[int] = Counter()
    deadline = time.monotonic() + TIME_LIMIT_S

    def client() -> None:
        with server.client(timeout=300) as http:
            while time.monotonic() < deadline:
                with lock:
                    if not work:
                        return
                    number, text = work.pop()
                response = http.post(
                    "/v1/tag", json={"id": str(number), "text": text, "evidence": False}
                )
                with lock:
                    statuses[response.status_code] += 1
                    if response.status_code == 200:
                        answers[number] = response.json()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIME_LIMIT_S + 60)
    assert statuses == {200: REQUESTS}, statuses
    assert sorted(answers) == list(range(REQUESTS))
    assert all(answer["id"] == str(number) for number, answer in answers.items())
    assert worker.stats.largest_batch > 1 or largest_before > 1  # requests were batched


class Slow:
    """A stand-in model that takes 0.2 s per call."""

    model_version = "slow@1"
    manifest: ClassVar[dict[str, str]] = {}

    def tag_many(self, texts: Any, **options: Any) -> list[TagResult]:
        time.sleep(0.2)
        return [TagResult((), {"food": 0.0}, "sv", "slow@1") for _ in texts]


def test_a_full_queue_answers_503_with_retry_after() -> None:
    from ecs_tagger.service import ServiceSettings, create_app
    from ecs_tagger.service.state import Loaded

    settings = ServiceSettings(queue_texts=2, max_batch_documents=2, micro_batch_texts=1)
    running = start_server(create_app(settings, loader=lambda s: Loaded(Slow())))  # type: ignore[arg-type]
    try:
        running.wait_ready(30)
        results: list[httpx.Response] = []
        lock = threading.Lock()

        def send() -> None:
            with running.client() as http:
                response = http.post("/v1/tag", json={"text": "Solceller"})
            with lock:
                results.append(response)

        threads = [threading.Thread(target=send) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        codes = Counter(r.status_code for r in results)
        assert codes[200] >= 2 and codes[503] >= 1 and set(codes) <= {200, 503}, codes
        busy = next(r for r in results if r.status_code == 503)
        assert int(busy.headers["retry-after"]) >= 1
        assert busy.headers["content-type"].startswith("application/problem+json")
        assert busy.json()["title"] == "Busy"
    finally:
        running.stop()
