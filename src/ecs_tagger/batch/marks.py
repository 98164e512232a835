"""Rows that are kept in the output but not tagged, with a status that says what they are.

Found while the input is scanned (`RowMarks.look`), before any tagging:

* **A repeated header.** Two exports joined into one file carry the second one's header line as
  a data row: it would be tagged as a project and counted among the projects with no area. A
  row whose every cell looks like its column's header cell (`look_alike_key`: NFC, invisible
  characters and spacing ignored) is marked ``not_text: repeats the header``, not tagged, and
  named in a warning.
* **A short row with nothing to tag.** A CSV record broken by a line break outside quotes leaves
  its second half on a row of its own, with fewer cells than the header, the continuation in the
  first column (`ecs_tagger.tables.csv_records.ShortRows`). When the text columns of such a row
  are empty but other cells hold something, the row is marked ``not_text`` naming its line and
  cells, instead of ``empty: no text``.

The marked rows' texts are blanked before tagging (`blank`), and their statuses replace the
tagger's when the output is written (`apply`). Rows are data rows, 0-based positions in the
frames, 1-based in messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ecs_tagger.errors import counted
from ecs_tagger.model.results import STATUS_NOT_TEXT
from ecs_tagger.tables.base import TableFormat
from ecs_tagger.tables.cells import is_blank, text_cell
from ecs_tagger.tables.names import look_alike_key

#: The status of a row that repeats the header.
REPEATED_HEADER = f"{STATUS_NOT_TEXT}: repeats the header"
#: How many rows a warning names.
_SHOWN = 10


def _key(value: Any) -> str:
    return "" if is_blank(value) else look_alike_key(text_cell(value))


def _listed(rows: Sequence[int]) -> str:
    shown = ", ".join(str(row) for row in rows[:_SHOWN])
    more = len(rows) - _SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


class RowMarks:
    """The rows of an input that are marked instead of tagged (see the module docstring)."""

    def __init__(self, fmt: TableFormat, text_columns: Sequence[str]) -> None:
        self.columns = list(fmt.columns)
        header = list(fmt.header) + [None] * (len(self.columns) - len(fmt.header))
        self.header_keys = [_key(cell) for cell in header[: len(self.columns)]]
        self.text_columns = list(text_columns)
        self.short_rows = fmt.short_rows
        #: Row (0-based) -> the status that replaces the tagger's.
        self.statuses: dict[int, str] = {}
        #: Rows (1-based) that repeat the header; short rows marked (1-based).
        self.header_rows: list[int] = []
        self.short_marked: list[int] = []
        first = self.columns.index(text_columns[0]) if text_columns else 0
        self._probe = (self.columns[first], self.header_keys[first]) if self.columns else None
        #: Cells longer than this cannot look like the probed header cell (no key is computed).
        self._longest = 4 * len(self._probe[1]) + 16 if self._probe else 0

    def __bool__(self) -> bool:
        return bool(self.statuses)

    def look(self, chunk: pd.DataFrame, texts: Sequence[Any]) -> None:
        """Find the marked rows of `chunk`, whose joined texts are `texts`."""
        if self._probe is not None and any(self.header_keys):
            column, key = self._probe
            for position, value in zip(chunk.index, chunk[column].tolist(), strict=True):
                if isinstance(value, str) and len(value) > self._longest:
                    continue
                if _key(value) == key and self._repeats_header(chunk.loc[position]):
                    self.statuses[int(position)] = REPEATED_HEADER
                    self.header_rows.append(int(position) + 1)
        if self.short_rows:
            for position, text in zip(chunk.index, texts, strict=True):
                row = int(position) + 1
                if text is not None or int(position) in self.statuses:
                    continue
                found = self.short_rows.get(row)
                if found is None:
                    continue
                filled = [
                    name for name in self.columns if text_cell(chunk.at[position, name]).strip()
                ]
                if filled:
                    self.statuses[int(position)] = self._short_status(found, filled)
                    self.short_marked.append(row)

    def _repeats_header(self, row: pd.Series) -> bool:
        return [_key(value) for value in row.tolist()] == self.header_keys

    def _short_status(self, found: tuple[int, int], filled: list[str]) -> str:
        line, cells = found
        texts = " or ".join(repr(name) for name in self.text_columns)
        where = ", ".join(repr(name) for name in filled[:3])
        return (
            f"{STATUS_NOT_TEXT}: line {line} has only {cells} of {len(self.columns)} cells, "
            f"nothing in {texts} but something in {where}: probably the end of the row above, "
            "split off by a line break"
        )

    def blank(self, texts: pd.Series) -> pd.Series:
        """`texts` (indexed by row) with the marked rows' texts None: they are not tagged."""
        marked = [position for position in texts.index if int(position) in self.statuses]
        if not marked:
            return texts
        texts = texts.copy()
        texts.loc[marked] = None
        return texts

    def apply(self, results: pd.DataFrame) -> None:
        """Put the marks into the `tag_status` of `results` (indexed by row), in place."""
        marked = [position for position in results.index if int(position) in self.statuses]
        for position in marked:
            results.at[position, "tag_status"] = self.statuses[int(position)]

    def warnings(self) -> list[str]:
        """What the scan found, for the summary and standard error."""
        found = []
        if self.header_rows:
            rows = self.header_rows
            found.append(
                f"{'row' if len(rows) == 1 else 'rows'} {_listed(rows)} "
                f"{'repeats' if len(rows) == 1 else 'repeat'} the header (two exports joined "
                f"into one file?): kept, marked {REPEATED_HEADER!r}, not tagged and not counted "
                "as projects"
            )
        if self.short_marked:
            rows = self.short_marked
            found.append(
                f"{counted(len(rows), 'short row')} ({_listed(rows)}) "
                f"{'has' if len(rows) == 1 else 'have'} nothing in the text "
                f"column{'s' if len(self.text_columns) > 1 else ''} but text in other cells: "
                f"kept, marked {STATUS_NOT_TEXT} (see tag_status); a line break probably split "
                "a record in two"
            )
        return found
