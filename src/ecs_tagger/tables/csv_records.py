"""The records of a CSV file counted against its lines, before any row is used.

`check_records` reads the file through once with a strict CSV reader and finds two kinds of
damage that the ordinary reader passes over without a word:

* **A runaway quoted cell.** A cell opened with ``"`` whose closing quote is missing (often
  typed as a typographic ``”``) runs on to the next ASCII quote, or the end of the file,
  swallowing every line in between: six projects in, three rows out, one of them a mixture.
  A legitimate multi-line cell closes with a quote followed by the separator or the line end; a
  runaway one ends at a quote followed by something else (the opening quote of a later cell) or
  at the end of the file. That is an `InputError` naming the line where the cell starts, the
  lines it swallows and, when it finds one, the line ending with a typographic quote.
* **Short rows.** A record with fewer cells than the header, typically the second half of a
  record broken by a line break outside quotes. The reader pads such rows with empty cells (so
  no row is lost); `ShortRows` keeps their rows, lines and cell counts for a note and for the
  rows' status.
"""

from __future__ import annotations

import bisect
import csv
from array import array
from pathlib import Path

from ecs_tagger.errors import InputError, counted

#: Quotes that look like ``"`` but are not: typed where the closing quote belongs, they leave
#: the cell open.
TYPOGRAPHIC_QUOTES = "”“„‟″«»＂"
#: How many short rows a note names.
_SHOWN = 10
#: How many lines of a runaway cell are looked through for a typographic quote.
_LOOKED_AT_LINES = 10_000


class ShortRows:
    """The data rows (1-based) with fewer cells than the header's `width`, their file lines
    (1-based) and cell counts, in file order (compact: a file may have a million of them)."""

    def __init__(self, width: int) -> None:
        self.width = width
        self._rows = array("q")
        self._lines = array("q")
        self._cells = array("q")

    def add(self, row: int, line: int, cells: int) -> None:
        self._rows.append(row)
        self._lines.append(line)
        self._cells.append(cells)

    def __len__(self) -> int:
        return len(self._rows)

    def __bool__(self) -> bool:
        return len(self._rows) > 0

    def get(self, row: int) -> tuple[int, int] | None:
        """(line, cells) of data row `row` (1-based) if it is short, else None."""
        at = bisect.bisect_left(self._rows, row)
        if at < len(self._rows) and self._rows[at] == row:
            return self._lines[at], self._cells[at]
        return None

    def describe(self, row: int) -> str:
        """E.g. `line 5 has 1 of 3 cells` for a short data row (empty text for another row)."""
        found = self.get(row)
        if found is None:
            return ""
        line, cells = found
        return f"line {line} has {cells} of {self.width} cells"

    def note(self, path: Path) -> str | None:
        """The warning that lists the short rows, or None when there is none."""
        if not self:
            return None
        shown = "; ".join(
            f"line {line} (row {row}) has {counted(cells, 'cell')}"
            for row, line, cells in zip(
                self._rows[:_SHOWN], self._lines[:_SHOWN], self._cells[:_SHOWN], strict=True
            )
        )
        more = len(self) - _SHOWN
        return (
            f"{path.name}: {counted(len(self), 'row')} {'has' if len(self) == 1 else 'have'} "
            f"fewer cells than the header's {self.width}: {shown}"
            + (f"; and {more} more" if more > 0 else "")
            + f" ({'it is' if len(self) == 1 else 'they are'} kept, the missing cells empty). A line "
            "break inside a cell that is not quoted splits a record in two: check those lines"
        )


def check_records(path: Path, encoding: str, separator: str, width: int) -> tuple[int, ShortRows]:
    """(data rows, short rows) of a CSV file whose header has `width` cells.

    `InputError` for a quoted cell whose closing quote is missing (see the module docstring),
    or for bytes that are not `encoding`.
    """
    short = ShortRows(width)
    rows = 0
    header_seen = False
    with path.open("r", encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=separator, strict=True)
        while True:
            start = reader.line_num + 1
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error:
                # A quote out of place: within one line the cell is read as it is (the
                # ordinary reader keeps the text); over several lines it may be a runaway.
                if reader.line_num > start:
                    _check_runaway(path, encoding, separator, width, start, reader.line_num, rows)
                rows += 1 if header_seen else 0
                header_seen = True
                continue
            except UnicodeDecodeError as error:
                raise InputError(
                    f"{path}: after line {reader.line_num} the file holds bytes that are not "
                    f"{encoding} ({error.reason}); give the file's encoding with --encoding "
                    "(e.g. --encoding cp1252)"
                ) from None
            if not record:
                continue  # a blank line is not a row
            if not header_seen:
                header_seen = True
                continue
            rows += 1
            if len(record) < width:
                short.add(rows, start, len(record))
    return rows, short


def _looks_like_record(line: str, separator: str, width: int) -> bool:
    """Whether a line, read on its own, has a cell for every column of the header."""
    if not line.strip():
        return False
    try:
        cells = next(csv.reader([line], delimiter=separator), [])
    except csv.Error:
        return False
    return len(cells) >= width


def _check_runaway(
    path: Path, encoding: str, separator: str, width: int, start: int, end: int, rows: int
) -> None:
    """Raise the error of a quoted cell that opens on line `start` and is not closed as a cell
    should be before line `end`, if lines it swallows look like records of their own (`rows`:
    data rows before it)."""
    record_like = 0
    typographic: tuple[int, str] | None = None
    last = min(end, start + _LOOKED_AT_LINES)
    with path.open("r", encoding=encoding, newline="") as handle:
        for number, line in enumerate(handle, start=1):
            if number < start:
                continue
            if number > last:
                break
            stripped = line.rstrip("\r\n").rstrip()
            if typographic is None and stripped and stripped[-1] in TYPOGRAPHIC_QUOTES:
                typographic = number, stripped[-1]
            if number > start and _looks_like_record(line, separator, width):
                record_like += 1
    if not record_like:
        return  # a multi-line cell with a stray character after its closing quote
    where = "the header" if start == 1 else f"row {rows + 1}"
    swallowed = end - start
    hint = (
        f" Line {typographic[0]} ends with {typographic[1]}, a typographic quote typed where the "
        'closing " belongs.'
        if typographic
        else ' The closing " is probably missing.'
    )
    raise InputError(
        f"{path}: line {start} ({where}) opens a quoted cell that is never properly closed: "
        f"the reader runs on to line {end}, swallowing {counted(swallowed, 'line')} "
        f"(lines {start + 1}-{end}, {record_like} of them with a cell for every column, like "
        f'rows of their own) into one cell of one row.{hint} Put a plain " where the cell '
        "ends (or remove the opening one) and run again; nothing was tagged"
    )
