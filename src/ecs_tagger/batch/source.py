"""The input of a tagging run, read through once before any tagging starts.

`scan_input` checks the paths, detects the format, finds the text and id columns, refuses input
columns named like the result columns and repeated ids, counts the rows and settles the output
format and schema: bad input is an `InputError` naming the file, row and column. `Source` then
gives the input's chunks again, as often as the run needs them.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ecs_tagger.batch.columns import result_names, result_schema
from ecs_tagger.batch.job import TaggingJob
from ecs_tagger.errors import InputError
from ecs_tagger.tables.base import TableFormat
from ecs_tagger.tables.cells import is_blank
from ecs_tagger.tables.excel import read_excel_sheet
from ecs_tagger.tables.parquet import parquet_schema
from ecs_tagger.tables.reading import detect_format, iter_chunks
from ecs_tagger.tables.registry import kind_of
from ecs_tagger.tables.schema import infer_schema
from ecs_tagger.tables.writing import output_format


class Source:
    """The input table: its format and its chunks (an Excel sheet is read once and kept)."""

    def __init__(self, path: Path, fmt: TableFormat, chunk_rows: int) -> None:
        self.path = path
        self.chunk_rows = chunk_rows
        self._frame: pd.DataFrame | None = None
        if fmt.kind == "excel":
            fmt, self._frame = read_excel_sheet(path, fmt)
        self.fmt = fmt

    def chunks(self) -> Iterator[pd.DataFrame]:
        if self._frame is None:
            yield from iter_chunks(self.path, self.fmt, self.chunk_rows)
            return
        if self._frame.empty:
            yield self._frame
        for start in range(0, len(self._frame), self.chunk_rows):
            yield self._frame.iloc[start : start + self.chunk_rows]


@dataclass
class ScannedInput:
    """What the first pass over the input found, and how the output will be written."""

    source: Source
    text_columns: list[str]
    id_column: str | None
    output_format: TableFormat
    output_schema: Any
    part_schema: Any
    rows: int
    warnings: list[str] = field(default_factory=list)

    @property
    def fmt(self) -> TableFormat:
        return self.source.fmt


def check_paths(input_path: Path, output_path: Path, overwrite: bool) -> None:
    """`InputError` for an unknown format, a missing input, or an output that may not be written."""
    kind_of(input_path)
    kind_of(output_path)
    if not input_path.exists():
        raise InputError(f"{input_path}: no such file")
    same = output_path.resolve() == input_path.resolve()
    if not same and output_path.exists():
        with contextlib.suppress(OSError):
            same = os.path.samefile(output_path, input_path)
    if same:
        raise InputError(
            f"{output_path}: the output would replace the input file; choose another output file"
        )
    if output_path.exists() and not overwrite:
        raise InputError(
            f"{output_path}: the output file exists; pass overwrite=True (--overwrite) to "
            "replace it"
        )
    if not output_path.parent.is_dir():
        raise InputError(f"{output_path}: the folder {output_path.parent} does not exist")


def scan_input(job: TaggingJob, codes: Sequence[str]) -> ScannedInput:
    """Read the input through once (format, columns, rows, ids); settle the output format, schema."""
    fmt = detect_format(job.input, sheet=job.sheet, encoding=job.encoding, separator=job.separator)
    source = Source(job.input, fmt, job.chunk_rows)
    fmt = source.fmt
    columns = [_resolve_column(name, fmt, job.input, "text") for name in job.text_cols]
    id_column = _resolve_column(job.id_col, fmt, job.input, "id") if job.id_col else None
    clashes = [name for name in result_names(codes, job.evidence) if name in fmt.columns]
    if clashes:
        raise InputError(
            f"{job.input}: already has column(s) {', '.join(repr(c) for c in clashes)}, which "
            "tagging adds; rename or remove them first (or tag the original file, not an earlier "
            "output) — ecs-tagger never overwrites your columns"
        )
    out_fmt = output_format(job.output, fmt)
    fixed = result_schema(codes, job.evidence)
    output_schema = None
    if out_fmt.kind == "parquet" and fmt.kind == "parquet":
        output_schema = _concat_schema(parquet_schema(job.input), fixed)
    elif out_fmt.kind == "parquet" and fmt.kind == "csv":
        output_schema = _concat_schema(_string_schema(fmt.columns), fixed)

    scanned = _Scan(source, id_column)
    if out_fmt.kind == "parquet" and output_schema is None:
        output_schema = _concat_schema(infer_schema(scanned.frames()), fixed)
    else:
        for _ in scanned.frames():
            pass
    if scanned.duplicates:
        shown = "; ".join(
            f"{ident!r} in rows {', '.join(str(r) for r in places[:5])}"
            + (" …" if len(places) > 5 else "")
            for ident, places in list(scanned.duplicates.items())[:10]
        )
        more = len(scanned.duplicates) - 10
        raise InputError(
            f"{job.input}: the id column {job.id_col!r} repeats "
            f"{len(scanned.duplicates)} id(s): "
            f"{shown}{f' and {more} more' if more > 0 else ''}. Ids must be unique; fix the "
            "file or leave out the id column (--id-col) to tag it anyway"
        )
    warnings = list(fmt.notes)
    if scanned.empty_ids:
        warnings.append(f"{scanned.empty_ids} rows have an empty id in column {job.id_col!r}")
    return ScannedInput(
        source, columns, id_column, out_fmt, output_schema, fixed, scanned.rows, warnings
    )


def _resolve_column(name: str, fmt: TableFormat, path: Path, role: str) -> str:
    if name in fmt.columns:
        return name
    for internal, cell in zip(fmt.columns, fmt.header, strict=False):
        if not is_blank(cell) and str(cell) == name:
            return internal
    shown = [str(c) for c in fmt.columns]
    close = difflib.get_close_matches(name, shown, n=1, cutoff=0.6)
    folded = [c for c in shown if c.casefold() == name.casefold()]
    hint = f" Did you mean {(folded or close)[0]!r}?" if folded or close else ""
    where = f" of sheet {fmt.sheet!r}" if fmt.sheet else ""
    raise InputError(
        f"{path}: there is no {role} column {name!r}{where}; the columns are: "
        + (", ".join(repr(c) for c in shown) or "(none)")
        + "."
        + hint
    )


def _string_schema(names: Sequence[str]) -> Any:
    import pyarrow as pa

    return pa.schema([pa.field(name, pa.string()) for name in names])


def _concat_schema(first: Any, second: Any) -> Any:
    import pyarrow as pa

    return pa.schema(list(first) + list(second))


@dataclass
class _Scan:
    source: Source
    id_column: str | None
    rows: int = 0
    empty_ids: int = 0
    duplicates: dict[Any, list[int]] = field(default_factory=dict)

    def frames(self) -> Iterator[pd.DataFrame]:
        seen: dict[Any, int] = {}
        for chunk in self.source.chunks():
            if self.id_column is not None:
                for offset, ident in enumerate(chunk[self.id_column].tolist()):
                    row = self.rows + offset + 1
                    if is_blank(ident) or (isinstance(ident, str) and not ident.strip()):
                        self.empty_ids += 1
                        continue
                    key = _hashable(ident)
                    if key in seen:
                        self.duplicates.setdefault(ident, [seen[key]]).append(row)
                    else:
                        seen[key] = row
            self.rows += len(chunk)
            yield chunk


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return json.dumps(value, sort_keys=True, default=str)
    return value
