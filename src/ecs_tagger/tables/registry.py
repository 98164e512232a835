"""The table formats: kind → module, and the file extensions each module reads and writes.

Every format module offers the same functions (`TableIO`); adding a format is adding its module
and naming it in `FORMATS` (and its kind in `Kind`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pandas as pd

from ecs_tagger.errors import InputError
from ecs_tagger.tables import csv, excel, json, jsonl, parquet
from ecs_tagger.tables.base import FormatWriter, Kind, ReadOptions, TableFormat, WriteOptions


class TableIO(Protocol):
    """What a format module offers (its functions take a `Path`)."""

    @property
    def EXTENSIONS(self) -> tuple[str, ...]:
        """The file extensions of the format, lower case with the dot."""

    @property
    def SHEETS(self) -> bool:
        """Whether a file of the format has sheets to choose from."""

    def detect(self, path: Path, options: ReadOptions) -> TableFormat:
        """How to read the file (the options that do not apply to the format are ignored)."""

    def iter_chunks(self, path: Path, fmt: TableFormat, chunk_rows: int) -> Iterator[pd.DataFrame]:
        """Consecutive row ranges of at most `chunk_rows` rows, at least one (maybe empty) frame."""

    def read(self, path: Path, fmt: TableFormat) -> pd.DataFrame:
        """The whole table as one frame."""

    def output_format(self, path: Path, like: TableFormat | None = None) -> TableFormat:
        """How to write `path`, in the style of the input `like` where it fits."""

    def open_writer(self, temp: Path, fmt: TableFormat, options: WriteOptions) -> FormatWriter:
        """A writer of frames into the file `temp`."""


FORMATS: dict[Kind, TableIO] = {
    "csv": csv,
    "jsonl": jsonl,
    "json": json,
    "excel": excel,
    "parquet": parquet,
}

SUPPORTED_EXTENSIONS = tuple(suffix for module in FORMATS.values() for suffix in module.EXTENSIONS)

_KINDS: dict[str, Kind] = {
    suffix: kind for kind, module in FORMATS.items() for suffix in module.EXTENSIONS
}
_HINTS = {
    ".xls": "old Excel .xls files are not supported: open the file in Excel and save it as .xlsx",
    ".ods": "OpenDocument spreadsheets are not supported: save the sheet as .xlsx or .csv",
}


def kind_of(path: str | Path) -> Kind:
    """The table kind an extension stands for; `InputError` for anything unsupported."""
    suffix = Path(path).suffix.lower()
    if suffix in _KINDS:
        return _KINDS[suffix]
    hint = _HINTS.get(suffix, "")
    raise InputError(
        f"{path}: cannot read or write files ending in {suffix or '(no extension)'!r}"
        + (f" ({hint})" if hint else "")
        + f"; supported: {', '.join(SUPPORTED_EXTENSIONS)}"
    )
