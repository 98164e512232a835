"""The model worker: one thread does all model work, fed by a bounded queue, and tags single texts
that arrive together in one `tag_many` call (micro-batching).

Why one thread: the encoder already uses every core for one batch (torch's intra-op threads), the
tagger and its spaCy pipelines are not meant to be shared between threads, and one batch of 16
texts costs far less than 16 batches of one. The event loop never runs model code: a request puts a
job on the queue and awaits its future, which the worker resolves.

Micro-batching: the worker takes the first job; when it is a single text, it also takes the single
texts queued behind it, up to ``max_batch``. When the last batch held several texts (clients are
sending concurrently) and fewer than that many are queued, it waits up to ``wait_s`` seconds for
them, so that a steady load of N clients settles into batches of N. A lone client never waits (its
last batch held one text). Single texts are tagged with the short-text language a text tagged alone
gets (:data:`ecs_tagger.preprocess.language.FALLBACK_LANGUAGE`), so a text's result does not depend
on the texts it happened to be batched with.

Bounded: the queue holds at most ``capacity`` texts (a batch job counts its texts); a job that
would exceed it raises :class:`QueueFull` at once, with a Retry-After estimate in seconds from the
measured time per text, instead of letting memory grow.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from ecs_tagger.preprocess.language import FALLBACK_LANGUAGE

if TYPE_CHECKING:
    from ecs_tagger.model.results import TagResult
    from ecs_tagger.tagger import Tagger

T = TypeVar("T")
LOG = logging.getLogger("ecs_tagger.service")


class QueueFull(Exception):
    """The model's queue is full; try again in `retry_after` seconds."""

    def __init__(self, retry_after: int, pending: int, capacity: int) -> None:
        super().__init__(
            f"{pending} texts are waiting for the model (at most {capacity}); "
            f"try again in {retry_after} s"
        )
        self.retry_after = retry_after


class WorkerStopped(Exception):
    """The worker is shutting down and takes no new work."""


@dataclass
class _Job:
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    weight: int
    #: A single text to tag (micro-batched with others) ...
    text: Any = None
    evidence: bool = False
    #: ... or any other model work, run alone.
    call: Callable[[], Any] | None = None


@dataclass
class WorkerStats:
    """What the worker has done since it started."""

    batches: int = 0
    texts: int = 0
    calls: int = 0
    largest_batch: int = 0
    rejected: int = 0
    #: Recent seconds of model time per text (exponential moving average).
    seconds_per_text: float = 0.05
    sizes: dict[int, int] = field(default_factory=dict)


class ModelWorker:
    """A thread that runs model work from a bounded queue (see the module).

    `capacity`: texts that may wait at once; `max_batch`: texts per micro-batch; `wait_s`: how
    long to wait for a micro-batch to fill under concurrent load (seconds).
    """

    def __init__(self, *, capacity: int = 1024, max_batch: int = 32, wait_s: float = 0.005) -> None:
        self.capacity = capacity
        self.max_batch = max_batch
        self.wait_s = wait_s
        self.stats = WorkerStats()
        self._tagger: Tagger | None = None
        self._jobs: deque[_Job] = deque()
        self._pending = 0  # texts queued or being worked on
        self._cond = threading.Condition()
        self._stopping = False
        self._last_batch = 1
        self._thread: threading.Thread | None = None

    # -- life ------------------------------------------------------------------------------------
    def start(self, tagger: Tagger) -> None:
        """Start the thread with the tagger it tags with."""
        self._tagger = tagger
        self._thread = threading.Thread(target=self._loop, name="ecs-tagger-model", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 60.0) -> None:
        """Take no new work, finish the jobs already queued, and end the thread (at most
        `timeout` seconds)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def pending(self) -> int:
        """Texts waiting for the model or being tagged now."""
        return self._pending

    # -- submitting (from the event loop) --------------------------------------------------------
    async def tag(self, text: str, *, evidence: bool) -> TagResult:
        """Tag one text, micro-batched with other single texts (QueueFull when full)."""
        return await self._submit(1, text=text, evidence=evidence)

    async def call(self, function: Callable[[], T], *, weight: int = 1) -> T:
        """Run `function` on the worker thread, alone; `weight`: the texts it brings."""
        return await self._submit(max(weight, 1), call=function)

    async def _submit(self, weight: int, **what: Any) -> Any:
        loop = asyncio.get_running_loop()
        job = _Job(loop, loop.create_future(), weight, **what)
        with self._cond:
            if self._stopping or self._thread is None:
                raise WorkerStopped("the service is shutting down")
            if self._pending + weight > self.capacity:
                self.stats.rejected += 1
                raise QueueFull(self._retry_after(), self._pending, self.capacity)
            self._pending += weight
            self._jobs.append(job)
            self._cond.notify()
        return await job.future

    def _retry_after(self) -> int:
        return max(1, math.ceil(self._pending * self.stats.seconds_per_text))

    # -- the thread ------------------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._jobs and not self._stopping:
                    self._cond.wait()
                if not self._jobs:
                    return  # stopping, and every queued job is done
                batch = [self._jobs.popleft()]
                if batch[0].call is None:
                    self._gather(batch)
            try:
                self._run(batch)
            finally:
                with self._cond:
                    self._pending -= sum(job.weight for job in batch)

    def _gather(self, batch: list[_Job]) -> None:
        """Add queued single texts to `batch` (called holding the lock; see the module)."""
        target = min(self.max_batch, self._last_batch)
        deadline = time.monotonic() + self.wait_s
        while len(batch) < self.max_batch:
            if self._jobs:
                if self._jobs[0].call is not None:
                    break
                batch.append(self._jobs.popleft())
                continue
            remaining = deadline - time.monotonic()
            if len(batch) >= target or self._stopping or remaining <= 0:
                break
            self._cond.wait(remaining)

    def _run(self, batch: list[_Job]) -> None:
        live = [job for job in batch if not job.future.cancelled()]
        if not live:
            return
        started = time.perf_counter()
        if live[0].call is not None:
            job = live[0]
            self.stats.calls += 1
            try:
                _resolve(job, value=job.call())  # type: ignore[misc]
            except Exception as error:
                _resolve(job, error=error)
        else:
            for evidence in (False, True):
                group = [job for job in live if job.evidence is evidence]
                if group:
                    self._tag(group, evidence)
            self._last_batch = len(live)
            self.stats.batches += 1
            self.stats.largest_batch = max(self.stats.largest_batch, len(live))
            self.stats.sizes[len(live)] = self.stats.sizes.get(len(live), 0) + 1
        texts = sum(job.weight for job in live)
        self.stats.texts += texts
        per_text = (time.perf_counter() - started) / texts
        self.stats.seconds_per_text = 0.8 * self.stats.seconds_per_text + 0.2 * per_text

    def _tag(self, group: list[_Job], evidence: bool) -> None:
        assert self._tagger is not None
        texts = [job.text for job in group]
        try:
            results = self._tagger.tag_many(
                texts, evidence=evidence, short_text_language=FALLBACK_LANGUAGE
            )
        except Exception as error:
            if len(group) == 1:
                _resolve(group[0], error=error)
                return
            LOG.warning("a micro-batch of %d texts failed; tagging them one by one", len(group))
            for job in group:
                self._tag([job], evidence)
            return
        for job, result in zip(group, results, strict=True):
            _resolve(job, value=result)


def _resolve(job: _Job, *, value: Any = None, error: BaseException | None = None) -> None:
    """Hand a job's outcome to its event loop (ignored when the request is gone)."""

    def settle() -> None:
        if job.future.done():
            return
        if error is not None:
            job.future.set_exception(error)
        else:
            job.future.set_result(value)

    with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits for this job any more
        job.loop.call_soon_threadsafe(settle)
