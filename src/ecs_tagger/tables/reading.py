"""Reading any table: find out its format, then stream it in chunks or read it whole.

The kind comes from the extension (`registry.kind_of`); the format's module does the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from ecs_tagger.errors import InputError
from ecs_tagger.tables.base import ReadOptions, TableFormat
from ecs_tagger.tables.registry import FORMATS, kind_of


def detect_format(
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    separator: str | None = None,
) -> TableFormat:
    """Find out how to read a table: its kind by extension, then encoding, separator or sheet.

    CSV and JSON Lines files are read through once to check their encoding (and, for JSON Lines,
    to collect every key any record has, in order of first appearance).
    """
    path = Path(path)
    kind = kind_of(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a table file")
    module = FORMATS[kind]
    if sheet is not None and not module.SHEETS:
        raise InputError(f"{path}: a sheet ({sheet!r}) was given, but only Excel files have sheets")
    return module.detect(path, ReadOptions(sheet, encoding, separator))


def iter_chunks(path: str | Path, fmt: TableFormat, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Consecutive row ranges of at most `chunk_rows` rows, indexed by row position (0-based).

    Always yields at least one frame (an empty one, with the columns, for a table without rows).
    Excel sheets are read whole first (see `ecs_tagger.tables.excel`); other kinds stream.
    """
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    yield from FORMATS[fmt.kind].iter_chunks(Path(path), fmt, chunk_rows)


def read_table(
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    separator: str | None = None,
) -> pd.DataFrame:
    """A whole table as one frame, read as `iter_chunks` reads it (cells kept as they are)."""
    fmt = detect_format(path, sheet=sheet, encoding=encoding, separator=separator)
    return FORMATS[fmt.kind].read(Path(path), fmt)
