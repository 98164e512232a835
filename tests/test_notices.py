"""Long waits told to a listener (`ecs_tagger.notices`): silent by default, told once when nested,
and noted on a progress bar without counting in its rate (first-hour issue, item 15)."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from contextlib import contextmanager

from tqdm import tqdm

from ecs_tagger.notices import listening, noted_on, waiting


def _recorder(told: list[str]) -> object:
    @contextmanager
    def listener(what: str) -> Iterator[None]:
        told.append(what)
        yield
        told.append(f"end {what}")

    return listener


def test_a_wait_is_told_once_and_only_to_a_listener() -> None:
    told: list[str] = []
    with waiting("loading the encoder"):  # nobody listens: nothing happens
        pass
    with listening(_recorder(told)):  # type: ignore[arg-type]
        with waiting("loading the Swedish word lists"), waiting("loading the pipeline"):
            pass  # the inner wait is part of the outer one
        with waiting("loading the encoder"):
            pass
    with waiting("loading the encoder"):  # the listener ends with its block
        pass
    assert told == [
        "loading the Swedish word lists",
        "end loading the Swedish word lists",
        "loading the encoder",
        "end loading the encoder",
    ]


def _bar(out: io.StringIO, disable: bool = False) -> tqdm:
    return tqdm(total=4, file=out, mininterval=0, smoothing=0.1, disable=disable)


def test_a_wait_is_noted_on_the_bar_and_left_out_of_its_rate() -> None:
    """The issue's case: the first reading of `tag`'s bar included the model load (4.38s/rows)."""
    out = io.StringIO()
    bar = _bar(out)
    with noted_on(bar):
        bar.update(1)
        with waiting("loading the encoder"):
            time.sleep(0.6)
        bar.update(3)
        elapsed = bar.format_dict["elapsed"]
    bar.close()
    assert "loading the encoder…" in out.getvalue()
    assert elapsed < 0.3  # the bar counts the work, not the wait
    assert out.getvalue().rstrip().endswith("]")  # the note is gone once the wait is over
    assert "loading the encoder…" not in out.getvalue().split("\r")[-1]

    # without noted_on the same bar would count the wait (what the issue saw)
    plain = _bar(io.StringIO())
    plain.update(1)
    time.sleep(0.6)
    plain.update(3)
    assert plain.format_dict["elapsed"] >= 0.6
    plain.close()


def test_a_hidden_bar_passes_the_wait_on_to_the_listener_around_it() -> None:
    told: list[str] = []
    with listening(_recorder(told)):  # type: ignore[arg-type]
        bar = _bar(io.StringIO(), disable=True)  # not a terminal
        with noted_on(bar), waiting("loading the encoder"):
            pass
    assert told == ["loading the encoder", "end loading the encoder"]
