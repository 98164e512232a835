"""Which status a text gets: one place decides it for `Tagger.tag`, `tag_many` and every batch run.

Before tagging, :func:`check_text` decides whether a cell can be tagged at all. A cell without a
single word is not tagged and gets no scores:

* ``empty`` — nothing was written: no value, white space, only invisible characters (NUL and other
  control characters, zero-width spaces, soft hyphens, byte-order marks), only punctuation or
  symbols (``-``, ``...``), markup or contact placeholders, or a marker of a missing value
  (:data:`NULL_MARKERS`: ``N/A``, ``#N/A``, ``NULL``, ``None``, ``nan``, ``Ej aktuellt``, ...);
* ``not_text`` — something was written, but not words: numbers (``123 456``), a web or e-mail
  address, a spreadsheet error value (``#DIV/0!``), or a value that is not text at all (a number,
  a date, bytes that are not UTF-8, or a cell that says why it is not text in its
  ``not_text_reason``, such as an Excel formula with no calculated value:
  :class:`ecs_tagger.tables.cells.FormulaCell`).

A text of several lines (several text columns are joined with line breaks) is looked at line by
line: a line that is only a missing-value marker is no word, so ``N/A`` in one column and ``-`` in
the other is ``empty``. A text with any word is tagged as it is.

After language detection, :func:`language_status` decides the language a text is reported in and
whether it is flagged ``untrained_language``: a text too short for a reliable guess
(:func:`ecs_tagger.preprocess.language.is_reliable`) takes the language of the registry it is in (its
dominant language), or Swedish; only a longer text detected as another language is flagged.

A batch row can carry more than one status; :func:`join_statuses` joins them (``ok;
duplicate_id: also in row 9``) and :func:`primary_status` reads the first back.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from ecs_tagger.model.results import (
    STATUS_EMPTY,
    STATUS_NOT_TEXT,
    STATUS_OK,
    STATUS_SEPARATOR,
    STATUS_UNTRAINED_LANGUAGE,
)

__all__ = [
    "NULL_MARKERS",
    "SPREADSHEET_ERRORS",
    "check_text",
    "join_statuses",
    "language_status",
    "primary_status",
]

#: Cell values that mean "no value" (compared case-insensitively, with white space collapsed and
#: surrounding brackets, quotes and full stops removed: ``(tom)``, ``<NA>``, ``"n.a."`` match).
#: Exports of pandas, R, SQL and Excel, and what Swedish, Norwegian and Danish registries write.
NULL_MARKERS: frozenset[str] = frozenset(
    {
        # software
        "n/a", "#n/a", "na", "n.a", "n. a", "nan", "null", "none", "nil", "nat",
        "undefined", "missing", "blank", "empty", "void",
        # English
        "not applicable", "not available", "no data", "no description", "unknown", "tbd", "tba",
        # Swedish
        "ej aktuellt", "ej aktuell", "inte aktuellt", "ej tillämpligt", "ej tillämplig",
        "ej relevant", "inte relevant", "saknas", "uppgift saknas", "uppgifter saknas",
        "beskrivning saknas", "text saknas", "ingen uppgift", "inga uppgifter",
        "ingen beskrivning", "ej angivet", "ej angiven", "ej ifyllt", "ej känt", "okänt",
        "okänd", "ingen", "inget", "tom", "tomt", "finns ej", "finns inte", "e.t", "e.t.",
        # Norwegian and Danish
        "ikke relevant", "ikke aktuelt", "ikke oppgitt", "ikke angivet", "mangler", "ukjent",
        "ukendt", "ingen beskrivelse",
    }
)  # fmt: skip

#: Error values of spreadsheet formulas (``#N/A`` is also a missing-value marker): ``not_text``.
SPREADSHEET_ERRORS: frozenset[str] = frozenset(
    {"#div/0!", "#value!", "#ref!", "#name?", "#num!", "#null!", "#spill!", "#calc!",
     "#getting_data", "#field!", "#blocked!", "#connect!", "#busy!", "#unknown!"}
)  # fmt: skip

#: Unicode categories of characters that show nothing: control and format characters (white
#: space, though a control character too, is white space).
_INVISIBLE = frozenset({"Cc", "Cf"})
_MARKER_STRIP = " .:;!?()[]{}<>\"'«»“”‘’*_"
_SAMPLE_CHARS = 40

#: What can stand in a cell without a word, in the order messages name them; `not_text` kinds.
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an e-mail address", re.compile(r"\S+@\S+\.\S+")),
    ("a web address", re.compile(
        r"(?:https?://|ftp://|www\.)\S+"
        r"|\b[\w-]+(?:\.[\w-]+)*\.(?:se|nu|com|org|net|eu|no|dk|fi|de|uk|io|info|gov|edu)\b\S*",
        re.IGNORECASE,
    )),
    ("markup", re.compile(r"<[^<>]{0,200}>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")),
    ("a contact placeholder", re.compile(r"\[(?:e-post|telefon)\]", re.IGNORECASE)),
    ("numbers", re.compile(r"\d+")),
)  # fmt: skip
_NOT_TEXT_KINDS = frozenset(
    {"a web address", "an e-mail address", "numbers", "a spreadsheet error value"}
)
_WORD_RE = re.compile(r"[^\W\d_]")
_ORDER = (
    "a missing-value marker",
    "a spreadsheet error value",
    "a web address",
    "an e-mail address",
    "markup",
    "a contact placeholder",
    "numbers",
    "punctuation or symbols",
    "invisible characters",
)


def check_text(value: Any) -> tuple[str | None, str, str]:
    """``(text, status, message)`` of one cell: the text when it can be tagged, else a skip status.

    ``value`` is a cell as read (None, NaN, ``pd.NA``, text, bytes, a number, ...). A taggable
    cell gives ``(value, "ok", "")`` with the text unchanged; any other gives ``(None, status,
    reason)`` with status ``empty`` or ``not_text`` (see the module docstring), e.g.
    ``(None, "empty", "no words, only a missing-value marker ('N/A')")``.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or _is_na(value):
        return None, STATUS_EMPTY, "no text"
    reason = getattr(type(value), "not_text_reason", None)
    if isinstance(reason, str):
        return None, STATUS_NOT_TEXT, reason
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            return None, STATUS_NOT_TEXT, "bytes that are not UTF-8 text"
    if not isinstance(value, str):
        return None, STATUS_NOT_TEXT, f"a {type(value).__name__} ({str(value)[:40]!r}), not text"
    if not value.strip():
        return None, STATUS_EMPTY, "only white space"
    kinds: set[str] = set()
    invisible: list[str] = []
    for line in value.splitlines():
        found = _wordless_kinds(line, invisible)
        if found is None:
            return value, STATUS_OK, ""
        kinds |= found
    status = STATUS_NOT_TEXT if kinds & _NOT_TEXT_KINDS else STATUS_EMPTY
    named = [kind for kind in _ORDER if kind in kinds]
    listed = ", ".join(named[:-1]) + " and " + named[-1] if len(named) > 1 else named[0]
    if named == ["invisible characters"]:
        shown = ", ".join(f"U+{ord(ch):04X}" for ch in sorted(set(invisible))[:4])
    else:
        sample = " ".join(_visible(value).split())
        if len(sample) > _SAMPLE_CHARS:
            sample = sample[: _SAMPLE_CHARS - 1] + "…"
        shown = repr(sample)
    return None, status, f"no words, only {listed} ({shown})"


def _is_na(value: Any) -> bool:
    """True for pandas' missing value ``pd.NA`` (without importing pandas here)."""
    return type(value).__name__ == "NAType"


def _is_invisible(char: str) -> bool:
    return unicodedata.category(char) in _INVISIBLE and not char.isspace()


def _visible(text: str) -> str:
    return "".join(ch for ch in text if not _is_invisible(ch))


def _wordless_kinds(line: str, invisible: list[str]) -> set[str] | None:
    """What a line holds instead of words (an empty set for a blank line); None when it has words.

    The invisible characters of the line are appended to ``invisible``.
    """
    visible = _visible(line)
    invisible.extend(ch for ch in line if _is_invisible(ch))
    if not visible.strip():
        return {"invisible characters"} if len(visible) < len(line) else set()
    key = " ".join(visible.casefold().split())
    if key in SPREADSHEET_ERRORS:
        return {"a spreadsheet error value"}
    if key.strip(_MARKER_STRIP) in NULL_MARKERS or key in NULL_MARKERS:
        return {"a missing-value marker"}
    kinds: set[str] = set()
    rest = visible
    for kind, pattern in _KINDS:
        if pattern.search(rest):
            kinds.add(kind)
            rest = pattern.sub(" ", rest)
    if _WORD_RE.search(rest):
        return None
    if rest.strip():
        kinds.add("punctuation or symbols")
    return kinds


def language_status(
    detected: str, reliable: bool, fallback: str, trained: Sequence[str]
) -> tuple[str, str, str]:
    """``(language, status, message)`` of a tagged text whose language was guessed as ``detected``.

    A text too short for a reliable guess (``reliable`` False) is taken to be in ``fallback`` (the
    registry's dominant language, or Swedish). A language not in ``trained`` gives the status
    ``untrained_language`` with the language in the message; otherwise the status is ``ok``.
    """
    language = detected if reliable else fallback
    if language in trained:
        return language, STATUS_OK, ""
    languages = " and ".join(trained)
    if reliable:
        message = f"language '{language}' detected, the model was trained on {languages}"
    else:
        message = (
            f"language '{language}' assumed (the text is too short to tell, and it is the "
            f"language of most rows), the model was trained on {languages}"
        )
    return language, STATUS_UNTRAINED_LANGUAGE, message + " (tagged anyway)"


def join_statuses(*statuses: str) -> str:
    """The ``tag_status`` of a row with several statuses (each ``status`` or ``status: reason``)."""
    return STATUS_SEPARATOR.join(status for status in statuses if status)


def primary_status(status_text: str) -> str:
    """The first status code of a ``tag_status`` (``"ok; duplicate_id: ..."`` -> ``"ok"``)."""
    match = re.match(r"\s*([A-Za-z_]+)", status_text)
    return match.group(1) if match else status_text
