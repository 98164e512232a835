"""Excel number formats, read the way Excel shows a cell: ids with leading zeros, dates without time.

An Excel cell holds a number and a number format; what the user sees (and means) is the number
shown through the format. Two cases change what a cell is:

* **Ids and codes** stored as numbers with a zero-padded format (``0000`` shows 180 as ``0180``,
  ``000 00`` shows 75236 as ``752 36``, ``"SE"0000`` as ``SE0180``): `display_text` gives the
  text Excel shows. Formats of quantities (thousands separators, decimals, percentages,
  currencies, colours, conditions) are not ids, and their cells keep their numbers.
* **Dates** whose format shows no time (``yyyy-mm-dd``, ``d/m/yyyy``): `shows_time` tells them
  from date-times (``yyyy-mm-dd hh:mm``), so that a date is written without a midnight time.
"""

from __future__ import annotations

import re
from typing import Any

#: A quoted literal, an escaped character, or a [bracketed] colour, condition or locale.
_LITERAL_RE = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
#: Elapsed-time parts: [h], [mm], [ss].
_ELAPSED_RE = re.compile(r"\[(?:h+|m+|s+)\]")
#: Characters an id format may show as they are, besides quoted and escaped literals.
_PLAIN_LITERALS = frozenset(" -/():")


def _sections(number_format: str) -> list[str]:
    """The ``;``-separated sections of a format (a ``;`` inside quotes does not separate)."""
    sections, current, quoted = [], [], False
    escaped = False
    for ch in number_format:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            current.append(ch)
            escaped = True
        elif ch == '"':
            quoted = not quoted
            current.append(ch)
        elif ch == ";" and not quoted:
            sections.append("".join(current))
            current = []
        else:
            current.append(ch)
    sections.append("".join(current))
    return sections


def _id_tokens(section: str) -> list[tuple[str, str]] | None:
    """The section as ("digit", "0" or "#") and ("text", literal) tokens; None if it is not an
    id format (anything but digit placeholders and literals, or no ``0`` placeholder)."""
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(section):
        ch = section[position]
        if ch in "0#":
            tokens.append(("digit", ch))
            position += 1
        elif ch == '"':
            end = section.find('"', position + 1)
            if end < 0:
                return None
            tokens.append(("text", section[position + 1 : end]))
            position = end + 1
        elif ch == "\\" and position + 1 < len(section):
            tokens.append(("text", section[position + 1]))
            position += 2
        elif ch in _PLAIN_LITERALS:
            tokens.append(("text", ch))
            position += 1
        else:
            return None  # , . % E @ ? _ * [colour] ...: a quantity, not an id
    if not any(kind == "digit" and mark == "0" for kind, mark in tokens):
        return None
    return tokens


def display_text(value: Any, number_format: str | None) -> str | None:
    """The text Excel shows for a whole number `value` in an id format, when it differs from the
    plain number (``display_text(180, "0000") == "0180"``); None for anything else.

    Digits fill the placeholders from the right; a ``0`` placeholder without a digit shows 0, a
    ``#`` nothing; digits beyond the placeholders go before the first one (as Excel does).
    """
    if (
        not number_format
        or number_format == "General"
        or isinstance(value, bool)
        or not isinstance(value, int | float)
    ):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    number = int(value)
    if number < 0:
        return None
    tokens = _id_tokens(_sections(number_format)[0])
    if tokens is None:
        return None
    digits = list(str(number))
    shown: list[str] = []
    for kind, mark in reversed(tokens):
        if kind == "text":
            shown.append(mark)
        elif digits:
            shown.append(digits.pop())
        elif mark == "0":
            shown.append("0")
    first_digit = next(i for i, (kind, _) in enumerate(tokens) if kind == "digit")
    text = "".join(reversed(shown))
    if digits:  # more digits than placeholders: before the first placeholder
        prefix = "".join(mark for _, mark in tokens[:first_digit])
        text = prefix + "".join(digits) + text[len(prefix) :]
    return None if text == str(number) else text


def shows_time(number_format: str | None) -> bool:
    """Whether a date format shows a time of day (hours, seconds or AM/PM).

    Minutes need hours or seconds beside them, so ``m`` alone is a month.
    """
    if not number_format:
        return True
    lower = number_format.lower()
    if _ELAPSED_RE.search(lower):
        return True  # [h]:mm, [mm]:ss
    bare = _LITERAL_RE.sub("", lower)
    return any(mark in bare for mark in ("h", "s", "am/pm", "a/p"))
