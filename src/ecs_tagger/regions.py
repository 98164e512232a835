"""Region (län) names: one spelling per Swedish county, and cells that list several regions.

Registries spell the same county in many ways: Projektbanken writes ``"Västmanland"``, the Interreg
partner list ``"Västmanlands län"``, a region's own files ``"Region Västmanland"`` or, for
Södermanland, ``"Sörmland"``. :func:`normalise_region` maps all of them onto the county's short
name (``"Västmanland"``, the spelling of :data:`ecs_tagger.corpus.OMS_REGIONS`); names that are not
Swedish counties (Norwegian fylker, Danish regions, municipalities) are kept as written, with white
space tidied. :func:`split_regions` reads a cell holding several regions
(``"Södermanland, Uppsala"``).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

#: The 21 Swedish counties (län), by the short name Projektbanken uses.
SWEDISH_COUNTIES: tuple[str, ...] = (
    "Blekinge",
    "Dalarna",
    "Gotland",
    "Gävleborg",
    "Halland",
    "Jämtland",
    "Jönköping",
    "Kalmar",
    "Kronoberg",
    "Norrbotten",
    "Skåne",
    "Stockholm",
    "Södermanland",
    "Uppsala",
    "Värmland",
    "Västerbotten",
    "Västernorrland",
    "Västmanland",
    "Västra Götaland",
    "Örebro",
    "Östergötland",
)

#: Other names of a county (compared case-insensitively, after "Region"/"län" are removed).
REGION_ALIASES: dict[str, str] = {
    "sörmland": "Södermanland",
    "sörmlands": "Södermanland",
    "jämtland härjedalen": "Jämtland",
    "jämtland-härjedalen": "Jämtland",
    "västra götalandsregionen": "Västra Götaland",
    "vgr": "Västra Götaland",
    "dalarne": "Dalarna",
}

_CANONICAL = {name.casefold(): name for name in SWEDISH_COUNTIES}
_SEPARATORS = re.compile(r"\s*(?:[,;|/\n]|\s&\s|\soch\s)\s*", re.IGNORECASE)
_PREFIX = re.compile(r"^(?:region|landstinget|landstinget i|länsstyrelsen i)\s+", re.IGNORECASE)
_SUFFIX = re.compile(r"\s+(?:läns?|county|region)$", re.IGNORECASE)


def _tidy(name: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", name)).strip(" .")


def _lookup(key: str) -> str | None:
    key = key.casefold()
    if key in _CANONICAL:
        return _CANONICAL[key]
    if key in REGION_ALIASES:
        return REGION_ALIASES[key]
    if key.endswith("s") and key[:-1] in _CANONICAL:  # genitive: "Västmanlands (län)"
        return _CANONICAL[key[:-1]]
    return None


def normalise_region(name: str) -> str:
    """The canonical spelling of one region name ("Örebro län" -> "Örebro"); others tidied only.

    >>> normalise_region("Region Örebro län"), normalise_region("Sörmland")
    ('Örebro', 'Södermanland')
    """
    tidy = _tidy(name)
    if not tidy:
        return ""
    candidates = [tidy]
    stripped = _SUFFIX.sub("", _PREFIX.sub("", tidy))
    if stripped != tidy:
        candidates.append(stripped)
        candidates.append(_SUFFIX.sub("", stripped))
    for candidate in candidates:
        found = _lookup(candidate)
        if found:
            return found
    return tidy


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value))
    except TypeError:
        return False


def split_regions(value: Any) -> tuple[str, ...]:
    """The normalised regions of one cell, in order, without repeats; () for an empty cell.

    A cell may be a string separated by commas, semicolons, slashes, ``|``, ``&`` or "och", or a
    list of names (as read back from Parquet).

    >>> split_regions("Södermanland, Uppsala län; Sörmland")
    ('Södermanland', 'Uppsala')
    """
    if _is_missing(value):
        return ()
    if isinstance(value, str):
        parts: Iterable[Any] = _SEPARATORS.split(value)
    elif isinstance(value, Iterable):
        parts = [piece for item in value for piece in split_regions(item)]
    else:
        parts = [str(value)]
    out: list[str] = []
    for part in parts:
        name = normalise_region(str(part))
        if name and name not in out:
            out.append(name)
    return tuple(out)


def normalise_regions(names: Iterable[str] | str | None) -> tuple[str, ...]:
    """Several region names given by a caller (a filter), normalised; () for None."""
    if names is None:
        return ()
    if isinstance(names, str):
        return split_regions(names)
    return split_regions(list(names))
