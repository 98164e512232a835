"""The model worker: bounded queue, micro-batching, failures, shutdown (src/ecs_tagger/service/batching.py).

A stand-in tagger records the batches it is given, so these tests need no model."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from ecs_tagger.model.results import TagResult
from ecs_tagger.preprocess.language import FALLBACK_LANGUAGE
from ecs_tagger.service.batching import ModelWorker, QueueFull, WorkerStopped


class Recorder:
    """Tags every text `ok` with its own length as the food score; remembers each call."""

    model_version = "rec@1"

    def __init__(self, seconds: float = 0.0, fail_on: str | None = None) -> None:
        self.calls: list[tuple[list[str], bool, str | None]] = []
        self.seconds = seconds
        self.fail_on = fail_on
        self.gate = threading.Event()
        self.gate.set()

    def tag_many(
        self, texts: Any, *, evidence: bool = False, short_text_language: str | None = None
    ) -> list[TagResult]:
        self.gate.wait(10)
        texts = list(texts)
        self.calls.append((texts, evidence, short_text_language))
        if self.fail_on is not None and self.fail_on in texts:
            raise ValueError("cannot tag that")
        time.sleep(self.seconds)
        return [
            TagResult(
                areas=(), scores={"food": float(len(t))}, language="sv", model_version="rec@1"
            )
            for t in texts
        ]


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_concurrent_texts_are_tagged_together_in_order() -> None:
    tagger = Recorder(seconds=0.05)
    worker = ModelWorker(capacity=100, max_batch=8, wait_s=0.02)
    worker.start(tagger)  # type: ignore[arg-type]

    async def main() -> list[TagResult]:
        first = [worker.tag("x" * n, evidence=False) for n in range(1, 4)]
        results = await asyncio.gather(*first)  # three at once: one batch (or one + two)
        more = [worker.tag("y" * n, evidence=n % 2 == 0) for n in range(1, 17)]
        return list(results) + list(await asyncio.gather(*more))

    results = run(main())
    worker.stop()
    assert [r.scores["food"] for r in results] == [1, 2, 3, *range(1, 17)]
    sizes = [len(texts) for texts, _, _ in tagger.calls]
    assert max(sizes) > 1, sizes  # concurrent requests shared calls
    assert all(size <= 8 for size in sizes)
    assert sum(sizes) == 19
    # Evidence and no evidence are tagged in separate calls; single texts as if alone.
    assert all(language == FALLBACK_LANGUAGE for _, _, language in tagger.calls)
    assert worker.stats.texts == 19 and worker.stats.largest_batch > 1


def test_a_lone_client_does_not_wait() -> None:
    tagger = Recorder()
    worker = ModelWorker(capacity=10, max_batch=8, wait_s=0.5)
    worker.start(tagger)  # type: ignore[arg-type]

    async def main() -> float:
        started = time.perf_counter()
        for _ in range(3):
            await worker.tag("solo", evidence=False)
        return time.perf_counter() - started

    assert run(main()) < 0.5  # never waited the 0.5 s for company
    worker.stop()


def test_a_full_queue_refuses_at_once_with_retry_after() -> None:
    tagger = Recorder()
    tagger.gate.clear()  # the model is busy
    worker = ModelWorker(capacity=3, max_batch=2, wait_s=0.0)
    worker.start(tagger)  # type: ignore[arg-type]

    async def main() -> None:
        waiting = [asyncio.ensure_future(worker.tag(f"t{i}", evidence=False)) for i in range(3)]
        await asyncio.sleep(0.05)
        with pytest.raises(QueueFull) as refused:
            await worker.tag("one too many", evidence=False)
        assert refused.value.retry_after >= 1
        with pytest.raises(QueueFull):
            await worker.call(lambda: None, weight=2)
        tagger.gate.set()
        assert len(await asyncio.gather(*waiting)) == 3
        assert worker.pending == 0
        assert (await worker.tag("room again", evidence=False)).scores["food"] == 10

    run(main())
    worker.stop()
    assert worker.stats.rejected == 2


def test_one_bad_text_fails_alone() -> None:
    tagger = Recorder(seconds=0.02, fail_on="bad")
    worker = ModelWorker(capacity=10, max_batch=8, wait_s=0.05)
    worker.start(tagger)  # type: ignore[arg-type]

    async def main() -> list[Any]:
        jobs = [worker.tag(t, evidence=False) for t in ("good", "bad", "fine")]
        return list(await asyncio.gather(*jobs, return_exceptions=True))

    good, bad, fine = run(main())
    worker.stop()
    assert good.scores["food"] == 4 and fine.scores["food"] == 4
    assert isinstance(bad, ValueError)


def test_calls_run_on_the_worker_thread_and_errors_come_back() -> None:
    worker = ModelWorker(capacity=10)
    worker.start(Recorder())  # type: ignore[arg-type]

    def boom() -> None:
        raise KeyError("nope")

    async def main() -> str:
        with pytest.raises(KeyError):
            await worker.call(boom)
        return await worker.call(lambda: threading.current_thread().name)

    assert run(main()) == "ecs-tagger-model"
    worker.stop()


def test_stop_finishes_queued_work_then_refuses() -> None:
    tagger = Recorder(seconds=0.05)
    worker = ModelWorker(capacity=10, max_batch=1)
    worker.start(tagger)  # type: ignore[arg-type]

    async def main() -> None:
        jobs = [asyncio.ensure_future(worker.tag(f"t{i}", evidence=False)) for i in range(4)]
        await asyncio.sleep(0.01)
        stopper = asyncio.get_running_loop().run_in_executor(None, worker.stop)
        results = await asyncio.gather(*jobs)
        await stopper
        assert len(results) == 4
        with pytest.raises(WorkerStopped):
            await worker.tag("late", evidence=False)

    run(main())
