"""JSON (.json): one array of objects, one object per row, values kept as they are.

The same rows as JSON Lines (`ecs_tagger.tables.jsonl`) in the shape many tools and web pages
read: ``[{"id": 1, "text": "..."}, ...]``. A key that an object does not have is `MISSING` in the
frames and stays absent in JSON output; an explicit null stays null. A file is read whole (one
JSON document cannot be streamed by the standard library); output is written row by row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from ecs_tagger.errors import InputError
from ecs_tagger.tables.base import (
    FormatWriter,
    ReadOptions,
    TableFormat,
    TextFileWriter,
    WriteOptions,
)
from ecs_tagger.tables.cells import MISSING, json_default, plain
from ecs_tagger.tables.encoding import find_encoding

EXTENSIONS = (".json",)
SHEETS = False


def _objects(path: Path, encoding: str) -> list[dict[str, Any]]:
    try:
        with path.open("r", encoding=encoding) as handle:
            data = json.load(handle)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{path}: line {error.lineno} is not valid JSON ({error.msg} at column {error.colno})"
        ) from None
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: cannot be read as {encoding}: {error.reason}") from None
    if not isinstance(data, list):
        raise InputError(
            f"{path}: holds a JSON {type(data).__name__}, but a JSON table must be an array of "
            'objects ([{"column": value, ...}, ...]); for one object per line write JSON Lines '
            "(.jsonl)"
        )
    for number, record in enumerate(data, start=1):
        if not isinstance(record, dict):
            raise InputError(
                f"{path}: item {number} of the array is a JSON {type(record).__name__}, but "
                'every item of a JSON table must be an object ({"column": value, ...})'
            )
    return data


def detect(path: Path, options: ReadOptions) -> TableFormat:
    """Encoding, keys and row count of a JSON file (a separator does not apply)."""
    found = find_encoding(path, options.encoding)
    records = _objects(path, found.encoding)
    keys = tuple(dict.fromkeys(key for record in records for key in record))
    notes = (found.note,) if found.note else ()
    return TableFormat(
        "json", found.encoding, None, None, found.had_bom, "\n", keys, keys, len(records), notes
    )


def _frame(records: list[dict[str, Any]], columns: list[str], start: int) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            name: pd.Series([r.get(name, MISSING) for r in records], dtype=object)
            for name in columns
        },
        columns=columns,
    )
    frame.index = pd.RangeIndex(start, start + len(records))
    return frame


def iter_chunks(path: Path, fmt: TableFormat, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Objects as rows of object cells, `chunk_rows` at a time (absent keys are `MISSING`)."""
    assert fmt.encoding is not None
    records = _objects(path, fmt.encoding)
    columns = list(fmt.columns)
    if not records:
        yield _frame([], columns, 0)
    for start in range(0, len(records), chunk_rows):
        yield _frame(records[start : start + chunk_rows], columns, start)


def read(path: Path, fmt: TableFormat) -> pd.DataFrame:
    """The whole file as one frame."""
    assert fmt.encoding is not None
    return _frame(_objects(path, fmt.encoding), list(fmt.columns), 0)


def output_format(path: Path, like: TableFormat | None = None) -> TableFormat:
    """JSON output is always UTF-8."""
    return TableFormat("json", encoding="utf-8")


class _JsonWriter(TextFileWriter):
    """Writes ``[``, an object per row (leaving out the keys whose cell is `MISSING`), ``]``."""

    def __init__(self, temp: Path, fmt: TableFormat) -> None:
        super().__init__(temp, fmt)
        self.handle.write("[")
        self.first = True

    def write(self, frame: pd.DataFrame) -> None:
        names = [str(c) for c in frame.columns]
        columns = [frame[c].tolist() for c in frame.columns]
        parts = []
        for row in zip(*columns, strict=True):
            record = {
                name: plain(v) for name, v in zip(names, row, strict=True) if v is not MISSING
            }
            text = json.dumps(record, ensure_ascii=False, default=json_default)
            parts.append(("\n" if self.first else ",\n") + text)
            self.first = False
        self.handle.writelines(parts)

    def finish(self) -> list[str]:
        self.handle.write("]\n" if self.first else "\n]\n")
        return super().finish()


def open_writer(temp: Path, fmt: TableFormat, options: WriteOptions) -> FormatWriter:
    """A writer of a JSON array into `temp`."""
    return _JsonWriter(temp, fmt)
