"""Column names as users type them: found after Unicode NFC normalisation, never a look-alike hint.

A header written on macOS may hold decomposed letters (NFD: ``a`` + combining ring for ``å``), and
a header cell may carry an invisible character (a zero-width space, a BOM, a no-break space, a
trailing space). `match_columns` finds the column a user means by the name they typed: the exact
name first, then the names equal after NFC, then the names that look the same (NFC, invisible
format characters removed, any run of white space read as one space, ends stripped).
`column_hint` suggests a differently spelled name for an error message (case, a typo), and never
one that looks the same as what was typed. `find_column` is what every command uses: the one column
meant, or an `InputError` that names the file and shows the columns. `visible` shows a name with its invisible parts written
out, for messages where two names look alike.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from ecs_tagger.errors import InputError
from ecs_tagger.tables.cells import is_blank

_SPACES_RE = re.compile(r"\s+")
#: Categories of characters that do not show, or show only on another character.
_HIDDEN = ("Cf", "Cc", "Mn", "Me", "Zs", "Zl", "Zp")


def nfc(text: str) -> str:
    """`text` in Unicode normalisation form C (composed: ``å`` is one character)."""
    return unicodedata.normalize("NFC", text)


def look_alike_key(text: str) -> str:
    """What `text` looks like: NFC, format characters (ZWSP, BOM, soft hyphen) removed, each run
    of white space (also no-break spaces) one space, ends stripped."""
    shown = "".join(ch for ch in nfc(text) if unicodedata.category(ch) != "Cf")
    return _SPACES_RE.sub(" ", shown).strip()


def match_columns(name: str, columns: Sequence[str], header: Sequence[Any] = ()) -> list[str]:
    """The columns (of `columns`, the frame names) that the typed `name` may mean.

    `header` (optional, one cell per column) holds the header cells as the file has them, which
    may differ from the frame names (a repeated name is ``name.1`` in the frame). Returns the one
    exact match; else every column equal to `name` after NFC; else every column that looks the
    same (`look_alike_key`); else nothing. More than one means the name is ambiguous.
    """
    if name in columns:
        return [name]
    spellings = [
        (column, [column] + ([str(cell)] if not is_blank(cell) else []))
        for column, cell in zip(columns, list(header) + [None] * len(columns), strict=False)
    ]
    for column, texts in spellings:
        if name in texts:
            return [column]
    for key in (nfc, look_alike_key):
        wanted = key(name)
        found = [column for column, texts in spellings if any(key(t) == wanted for t in texts)]
        if found:
            return found
    return []


def column_hint(name: str, columns: Sequence[str]) -> str | None:
    """A column to suggest for the typed `name` that matched none: one equal but for letter case,
    else the closest spelling (difflib, ratio 0.6 or more); never one that looks like `name`."""
    wanted = look_alike_key(name)
    keys = {column: look_alike_key(column) for column in columns}
    candidates = [column for column, key in keys.items() if key != wanted]
    folded = [c for c in candidates if keys[c].casefold() == wanted.casefold()]
    if folded:
        return folded[0]
    close = difflib.get_close_matches(wanted, [keys[c] for c in candidates], n=1, cutoff=0.6)
    if not close:
        return None
    return next(c for c in candidates if keys[c] == close[0])


def visible(text: str) -> str:
    """`text` quoted, with characters that do not show written as ``\\uXXXX`` (``'Text\\u200b'``,
    ``'a\\u030a'``); plain spaces stay."""
    shown = "".join(
        ch if ch == " " or unicodedata.category(ch) not in _HIDDEN else f"\\u{ord(ch):04x}"
        for ch in text
    )
    return f"'{shown}'"


def find_column(
    name: str,
    columns: Sequence[Any],
    header: Sequence[Any] = (),
    *,
    where: object = "",
    role: str = "",
    sheet: str | None = None,
) -> str:
    """The column (of `columns`, the frame names) that the typed `name` means: exact, else equal
    after NFC, else a look-alike (`match_columns`).

    `InputError` naming `where` (the file) when none matches (with a hint that never looks the
    same as `name`), or when several look alike (shown with their invisible characters written
    out). `role` ("text", "id", ...) and `sheet` only word the message.
    """
    shown = [str(c) for c in columns]
    found = match_columns(name, shown, header)
    what = f"{role} column" if role else "column"
    in_sheet = f" of sheet {sheet!r}" if sheet else ""
    if len(found) == 1:
        return found[0]
    if found:
        raise InputError(
            f"{where}: {len(found)} columns{in_sheet} look like the {what} {name!r}: "
            + ", ".join(visible(c) for c in found)
            + "; rename one of them, or give the name exactly as the file has it"
        )
    close = column_hint(name, shown)
    hint = f" Did you mean {close!r}?" if close else ""
    raise InputError(
        f"{where}: there is no {what} {name!r}{in_sheet}; the columns are: "
        + (", ".join(repr(c) for c in shown) or "(none)")
        + "."
        + hint
    )
