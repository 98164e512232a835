"""Exceptions that ecs-tagger raises with a message meant for the user."""

from __future__ import annotations


class EcsTaggerError(Exception):
    """Base class of every error ecs-tagger raises on purpose."""


class TaxonomyError(EcsTaggerError):
    """A taxonomy file is malformed, or does not match a model."""


class ModelError(EcsTaggerError):
    """A model folder is missing, damaged, or made for another taxonomy or embedding model."""


class InputError(EcsTaggerError):
    """Input data the user gave cannot be read as asked (file, sheet, column or row)."""


class MissingDependencyError(EcsTaggerError):
    """An optional dependency needed for the requested feature is not installed."""

    def __init__(self, package: str, feature: str, extra: str | None = None) -> None:
        hint = f"pip install 'ecs-tagger[{extra}]'" if extra else f"pip install {package}"
        super().__init__(f"{feature} needs the package '{package}', which is not installed: {hint}")
        self.package = package


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`count` and `noun` in the right number for a message: ``counted(1, "row") == "1 row"``,
    ``counted(2, "row") == "2 rows"``; `plural` for nouns that do not just add an "s"."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
