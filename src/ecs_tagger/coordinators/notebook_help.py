"""Small helpers for the notebooks: progress bars fed by the library's progress callbacks, actor
suggestions by words and their variants, and messages instead of tracebacks.

>>> with ProgressBar(len(registry), "Tagging") as bar:
...     tagged = review.tag_registry(registry, tagger, progress=bar)
>>> suggest_actors(index.rows["actor"], "Region Örebro län")
['Regionförbundet Örebro län', 'Örebro läns landsting', ...]
>>> unknown_actor_message(index.rows["actor"], "Region Örebro län")   # None, or what to say
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from types import TracebackType
from typing import Any

from ecs_tagger.index.actor_names import actor_key, actor_words
from ecs_tagger.regions import SWEDISH_COUNTIES
from ecs_tagger.words import say

_COUNTIES = frozenset(county.casefold().replace(" ", "") for county in SWEDISH_COUNTIES)


class ProgressBar:
    """A progress bar whose instance is the library's progress callback (``progress(n)``: n more
    texts done). In a notebook it is a widget bar (tqdm.notebook), elsewhere a text bar.

    `total` None: the count and the rate are shown without a bar until the library announces
    the total with :meth:`set_total` (retraining does, once it knows how many texts it reads).
    `description` is shown in `language` (:func:`ecs_tagger.words.say`)."""

    def __init__(
        self,
        total: int | None,
        description: str,
        *,
        notebook: bool = True,
        unit: str = "text",
        language: str = "en",
    ) -> None:
        self.calls = 0
        self.done = 0
        self.total = total
        self._bar: Any = None
        description = say(description, language)
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

    def set_total(self, total: int) -> None:
        """The number of texts the whole step will report (the bar then shows n/N)."""
        self.total = int(total)
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
        "Check the spelling, or type part of the name in the search box.",
    ),
    "sv": (
        "Ingen aktör som heter «{actor}» i registret.",
        "Menade du {names}? Sätt ACTOR i "
        "inställningscellen till en av dem, eller skriv namnet i sökrutan.",
        "Kontrollera stavningen, eller skriv en del av namnet i sökrutan.",
    ),
}


def unknown_actor_message(names: Iterable[Any], actor: str, language: str = "en") -> str | None:
    """None when `actor` (any spelling) is one of `names`; else an HTML message naming the
    closest names to choose from."""
    names = list(names)
    if actor_key(actor) in {actor_key(a) for a in names if isinstance(a, str)}:
        return None
    near = suggest_actors(names, actor)
    missing, suggest, spelling = _UNKNOWN["sv" if language == "sv" else "en"]
    hint = (
        suggest.format(names=", ".join(f"«{html.escape(n)}»" for n in near)) if near else spelling
    )
    return f"{missing.format(actor=html.escape(actor))} {hint}"


def describe_index(index: Any, language: str = "en") -> str:
    """Two lines for people about a :class:`ecs_tagger.index.RegistryIndex` (in `language`): its
    size, regions and models, and what the last update did (when it says)."""
    lines = [
        say(
            "Index: {rows} projects in {regions} regions (model {model}, embeddings {embeddings}).",
            language,
            rows=len(index),
            regions=len(index.regions()),
            model=index.model_version,
            embeddings=index.embedding_model_id,
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


__all__ = ["ProgressBar", "describe_index", "suggest_actors", "unknown_actor_message"]
