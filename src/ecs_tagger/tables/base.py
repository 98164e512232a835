"""What the format modules share: `TableFormat`, the options, and the writers' common parts.

`TableFormat` is what detection found out about a file (or how an output file is to be written),
given the user's `ReadOptions`. A format's writer follows `FormatWriter` and is opened with
`WriteOptions`; `TextFileWriter` is the common start of the text formats' writers (CSV, JSON
Lines). `whole_table` joins the chunks of a streamed format into one frame.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import pandas as pd

Kind = Literal["csv", "jsonl", "json", "excel", "parquet"]

#: Rows per chunk when a streamed format is read whole (`read_table`).
WHOLE_CHUNK_ROWS = 50_000


@dataclass(frozen=True)
class TableFormat:
    """What `detect_format` found out about a table file, and how to read it again.

    `columns` are the names of the columns in the frames that `iter_chunks` yields (unique, as
    text); `header` holds the header cells exactly as the file has them (they differ only when a
    header is empty or repeated, or an Excel header cell is a number), and is what writers put back.
    """

    kind: Kind
    encoding: str | None = None
    separator: str | None = None
    sheet: str | None = None
    had_bom: bool = False
    lineterminator: str = "\n"
    columns: tuple[str, ...] = ()
    header: tuple[Any, ...] = ()
    rows: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: Excel only: the input sheet's number formats and stored values
    #: (`ecs_tagger.tables.excel.SheetStyles`), which Excel output gives back row by row.
    styles: Any = field(default=None, compare=False, repr=False)
    #: CSV only: the rows with fewer cells than the header, with their lines and cell counts
    #: (`ecs_tagger.tables.csv_records.ShortRows`); the reader pads them with empty cells.
    short_rows: Any = field(default=None, compare=False, repr=False)

    @property
    def encoding_label(self) -> str | None:
        """The encoding as a user would name it (a BOM is mentioned)."""
        if self.encoding is None:
            return None
        if self.encoding == "utf-8-sig":
            return "utf-8 (with BOM)"
        if self.encoding == "utf-8-lines-cp1252":  # tables.encoding.MIXED_ENCODING
            bom = " with BOM" if self.had_bom else ""
            return f"utf-8{bom} (lines that are not UTF-8: cp1252)"
        return self.encoding


@dataclass(frozen=True)
class ReadOptions:
    """What the user said about how to read a table; a format uses what applies to it."""

    sheet: str | None = None
    encoding: str | None = None
    separator: str | None = None


@dataclass(frozen=True)
class WriteOptions:
    """What a format's writer is told besides the file and the format.

    `header`: the header cells, one per column (CSV and Excel write them); `schema`: the Arrow
    schema of Parquet output (None: taken from the first frame); `row_group_rows`: rows per
    Parquet row group; `where`: the output file as named in messages; `escape_formulas`: CSV
    only, text cells that a spreadsheet would run as a formula get an apostrophe in front.
    """

    header: tuple[Any, ...]
    schema: Any = None
    row_group_rows: int = 20_000
    where: str = ""
    escape_formulas: bool = False


class FormatWriter(Protocol):
    """A format's writer: appends frames to a temporary file that `TableWriter` renames."""

    def write(self, frame: pd.DataFrame) -> None:
        """Append the rows of `frame` (its columns are those of the first frame)."""

    def finish(self) -> list[str]:
        """Complete and close the file; returns warnings (what was changed to fit the format)."""

    def abort(self) -> None:
        """Close what is open, quietly (the file is deleted anyway)."""


def close_quietly(handle: Any) -> None:
    """Close `handle` if there is one; closing a half-written file may fail, which is ignored."""
    try:
        if handle is not None:
            handle.close()
    except Exception:  # closing a half-written file may fail; it is deleted anyway
        pass


class TextFileWriter:
    """The start of a text format's writer: the temporary file, opened for text, synced at the end."""

    def __init__(self, temp: Path, fmt: TableFormat) -> None:
        self.handle = temp.open("w", encoding=fmt.encoding or "utf-8", newline="")

    def finish(self) -> list[str]:
        """Flush, sync and close the file."""
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        return []

    def abort(self) -> None:
        """Close the file, quietly."""
        close_quietly(self.handle)


def whole_table(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """The chunks of a table as one frame (the only chunk as it is)."""
    chunks = list(frames)
    return pd.concat(chunks) if len(chunks) > 1 else chunks[0]
