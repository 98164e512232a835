"""Cell rules shared by every format: what counts as empty, a cell as text, a cell as JSON.

`MISSING` marks a JSON Lines key that a record lacks; `FormulaCell` an Excel formula whose result
the file does not hold; `is_blank` says which cells hold nothing;
`unique_names` turns a header into frame column names; `text_cell` is a cell as CSV writes it
(`escape_formula` the same with an apostrophe before a would-be formula);
`plain` and `json_default` make cells JSON-ready (JSON Lines output, nested values in CSV and
Excel).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd


class _Missing:
    """Marks a JSON Lines key that a record does not have (distinct from an explicit null)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "MISSING"


#: The value of a JSON Lines key that a record lacks; writers leave it out (JSONL) or empty.
MISSING = _Missing()


@dataclass(frozen=True)
class FormulaCell:
    """An Excel formula cell whose result the file does not hold (a workbook written by a script
    and never opened in a spreadsheet program), e.g. ``FormulaCell("=A2&B2")``.

    Its text is the formula (CSV and JSON output write it); Excel output writes the formula back
    as a formula. It is not text to tag: `not_text_reason` says why (read by
    `ecs_tagger.statuses.check_text`, which gives such a cell the status ``not_text``).
    """

    formula: str
    not_text_reason: ClassVar[str] = (
        "a formula with no calculated value (open and save the file in Excel or LibreOffice)"
    )

    def __str__(self) -> str:
        return self.formula


def is_blank(value: Any) -> bool:
    """True for cells that hold nothing: None, NaN, NA, NaT, MISSING."""
    if value is None or value is MISSING or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return bool(math.isnan(value))
    return False


def unique_names(header: Sequence[Any]) -> tuple[str, ...]:
    """Column names for frames: the header as text, blanks named `Unnamed: i`, repeats `name.1`."""
    names: list[str] = []
    seen: set[str] = set()
    for position, cell in enumerate(header):
        base = f"Unnamed: {position}" if is_blank(cell) or str(cell) == "" else str(cell)
        if isinstance(cell, float) and cell.is_integer():
            base = str(int(cell))
        name, counter = base, 1
        while name in seen:
            name, counter = f"{base}.{counter}", counter + 1
        seen.add(name)
        names.append(name)
    return tuple(names)


def json_default(value: Any) -> Any:
    """`json.dumps`'s fallback: numpy scalars, dates, decimals, bytes and sets as JSON values."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def plain(value: Any) -> Any:
    """A JSON-ready value: NaN and NA become null; numpy scalars become Python ones."""
    if value is MISSING:
        return MISSING
    if is_blank(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | np.ndarray):
        return [plain(v) for v in value]
    return value


#: First characters that make a typed cell a formula in a spreadsheet (OWASP's list for CSV
#: injection: ``=`` ``+`` ``-`` ``@``, tab, carriage return).
FORMULA_MARKS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(text: str) -> str:
    """`text` with an apostrophe in front if a spreadsheet would run it as a formula (it starts
    with one of `FORMULA_MARKS`), as OWASP advises for CSV files; otherwise as it is."""
    return "'" + text if text.startswith(FORMULA_MARKS) else text


def text_cell(value: Any) -> str:
    """A cell as text, the way CSV output writes it (blank cells are empty, nested ones JSON)."""
    if is_blank(value):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating):
        return repr(float(value))
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict | list | np.ndarray):
        return json.dumps(plain(value), ensure_ascii=False, default=json_default)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.generic):
        return str(value.item())
    return str(value)
