"""Long one-off waits (loading the encoder, a language's word lists) told to whoever listens.

Library code wraps such a wait in :func:`waiting`; it costs nothing and shows nothing unless the
caller listens (:func:`listening`): the command line prints a line on standard error
(``loading the encoder…``), a progress bar notes the wait beside its count and leaves it out of
its rate and elapsed time (:func:`noted_on`). The listener is held in a context variable, so a
thread that loads a model in the background (the web service) stays silent, and a wait inside
another announced wait is not announced again.

>>> @contextmanager
... def say(what):                   # a listener: what is waited for -> a context manager
...     print(f"{what}…", file=sys.stderr)
...     yield
>>> with listening(say):
...     tagger.embedder.model        # prints "loading the encoder…" (the first time)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from typing import Any

__all__ = ["Listener", "listening", "noted_on", "waiting"]

#: Told what is being waited for ("loading the encoder"); returns a context manager that is
#: entered for the length of the wait.
Listener = Callable[[str], AbstractContextManager[Any]]

_LISTENER: ContextVar[Listener | None] = ContextVar("ecs_tagger_listener", default=None)
_WAITING: ContextVar[bool] = ContextVar("ecs_tagger_waiting", default=False)


@contextmanager
def waiting(what: str) -> Iterator[None]:
    """Tell the listener, if any, that the block is a wait for `what` (lower case, no full stop:
    ``"loading the encoder"``). A wait inside another is told once, by the outermost."""
    listener = _LISTENER.get()
    if listener is None or _WAITING.get():
        yield
        return
    token = _WAITING.set(True)
    try:
        with listener(what):
            yield
    finally:
        _WAITING.reset(token)


@contextmanager
def listening(listener: Listener | None) -> Iterator[None]:
    """Run the block with `listener` told of every wait (None: silence)."""
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)


@contextmanager
def noted_on(bar: Any) -> Iterator[None]:
    """While the block runs, a wait is noted on the tqdm `bar` (``loading the encoder…`` after
    its count) and left out of its rate and elapsed time, so that the first reading of a bar is
    the work's and not the model load's; a disabled bar passes the wait on to the listener
    around it (the command line's line on standard error)."""
    outer = _LISTENER.get()

    @contextmanager
    def note(what: str) -> Iterator[None]:
        bar.set_postfix_str(f"{what}…", refresh=True)
        started = time.perf_counter()
        try:
            yield
        finally:
            paused = time.perf_counter() - started  # as tqdm's unpause(), for the wait alone
            bar.start_t += paused
            bar.last_print_t += paused
            bar.set_postfix_str("", refresh=True)  # the note goes as soon as the wait is over

    def listener(what: str) -> AbstractContextManager[Any]:
        if not getattr(bar, "disable", False):
            return note(what)
        return outer(what) if outer is not None else nullcontext()

    with listening(listener):
        yield
