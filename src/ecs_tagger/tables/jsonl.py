"""JSON Lines (.jsonl, .ndjson): one object per line, values kept as they are.

A key that a record does not have is `MISSING` in the frames and stays absent in JSON Lines output;
an explicit null stays null. Detection reads the file through once to collect every key, in order
of first appearance.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from ecs_tagger.errors import InputError
from ecs_tagger.tables.base import (
    WHOLE_CHUNK_ROWS,
    FormatWriter,
    ReadOptions,
    TableFormat,
    TextFileWriter,
    WriteOptions,
    whole_table,
)
from ecs_tagger.tables.cells import MISSING, json_default, plain
from ecs_tagger.tables.encoding import find_encoding, mixed_note

EXTENSIONS = (".jsonl", ".ndjson")
SHEETS = False


def _json_records(path: Path, encoding: str) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open("r", encoding=encoding) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise InputError(
                    f"{path}: line {number} is not valid JSON ({error.msg} at column {error.colno})"
                ) from None
            if not isinstance(record, dict):
                raise InputError(
                    f"{path}: line {number} is a JSON {type(record).__name__}, but every line of a "
                    'JSON Lines table must be an object ({"column": value, ...})'
                )
            yield number, record


def detect(path: Path, options: ReadOptions) -> TableFormat:
    """Encoding, keys and row count of a JSON Lines file (a separator does not apply)."""
    found = find_encoding(path, options.encoding)
    encoding, bom, note = found.encoding, found.had_bom, found.note
    keys: dict[str, None] = {}
    rows = 0
    legacy = set(found.legacy_lines)
    legacy_rows: list[int] = []
    for number, record in _json_records(path, encoding):
        rows += 1
        if number in legacy:
            legacy_rows.append(rows)
        for key in record:
            if key not in keys:
                keys[key] = None
    columns = tuple(keys)
    if found.legacy_lines:
        note = mixed_note(path, found.legacy_lines, legacy_rows)
    return TableFormat(
        "jsonl", encoding, None, None, bom, "\n", columns, columns, rows, (note,) if note else ()
    )


def iter_chunks(path: Path, fmt: TableFormat, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Records as rows of object cells, `chunk_rows` at a time (absent keys are `MISSING`)."""
    assert fmt.encoding is not None
    columns = list(fmt.columns)
    start = 0
    records = _json_records(path, fmt.encoding)
    while True:
        batch = list(itertools.islice(records, chunk_rows))
        if not batch and start > 0:
            return
        data = {name: [r.get(name, MISSING) for _, r in batch] for name in columns}
        frame = pd.DataFrame(
            {name: pd.Series(values, dtype=object) for name, values in data.items()},
            columns=columns,
        )
        frame.index = pd.RangeIndex(start, start + len(batch))
        yield frame
        start += len(batch)
        if len(batch) < chunk_rows:
            return


def read(path: Path, fmt: TableFormat) -> pd.DataFrame:
    """The whole file as one frame."""
    return whole_table(iter_chunks(path, fmt, WHOLE_CHUNK_ROWS))


def output_format(path: Path, like: TableFormat | None = None) -> TableFormat:
    """JSON Lines output is always UTF-8."""
    return TableFormat("jsonl", encoding="utf-8")


class _JsonlWriter(TextFileWriter):
    """Writes a record per row, leaving out the keys whose cell is `MISSING`."""

    def write(self, frame: pd.DataFrame) -> None:
        names = [str(c) for c in frame.columns]
        columns = [frame[c].tolist() for c in frame.columns]
        lines = []
        for row in zip(*columns, strict=True):
            record = {
                name: plain(v) for name, v in zip(names, row, strict=True) if v is not MISSING
            }
            lines.append(json.dumps(record, ensure_ascii=False, default=json_default) + "\n")
        self.handle.writelines(lines)


def open_writer(temp: Path, fmt: TableFormat, options: WriteOptions) -> FormatWriter:
    """A writer of JSON Lines records into `temp`."""
    return _JsonlWriter(temp, fmt)
