"""What a similar-initiative search was asked for (shared by :mod:`~ecs_tagger.regional.similarity`
and :mod:`~ecs_tagger.regional.reasons`, which both read it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Query:
    """What was searched for: a project of the index (`id`) or a free text."""

    id: str | None
    text: str
    regions: tuple[str, ...]
    language: str = ""
