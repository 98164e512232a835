"""The input of a tagging run, read through once before any tagging starts.

`scan_input` checks the paths, detects the format, finds the text and id columns, refuses input
columns named like the result columns, finds the ids that are on more than one row (refused
with `unique_ids`, else kept in `DuplicateIds` to be marked), finds the rows to keep but not tag
(a repeated header, a short row with nothing to tag: `ecs_tagger.batch.marks`), counts the rows,
finds the language of most rows (for texts too short to tell, see `ecs_tagger.statuses`) and
settles the output format and schema, refusing Excel output larger than a sheet: bad input is an
`InputError` naming the file, row and column. `Source` then gives the
input's chunks again, as often as the run needs them. Rows are numbered as in every message: data
rows from 1 (the first row under the header is row 1).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ecs_tagger.batch.columns import join_text_columns, result_names, result_schema
from ecs_tagger.batch.job import TaggingJob
from ecs_tagger.batch.marks import RowMarks
from ecs_tagger.errors import InputError, counted
from ecs_tagger.model.results import STATUS_DUPLICATE_ID
from ecs_tagger.preprocess.language import (
    FALLBACK_LANGUAGE,
    detect_language,
    dominant_language,
    is_reliable,
)
from ecs_tagger.statuses import join_statuses
from ecs_tagger.tables.base import TableFormat
from ecs_tagger.tables.cells import is_blank, text_cell
from ecs_tagger.tables.excel import check_fits, read_excel_sheet
from ecs_tagger.tables.names import find_column
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
    #: The ids on more than one row (empty without an id column).
    duplicates: DuplicateIds = field(default_factory=lambda: DuplicateIds([]))
    #: The language most rows are in (of those long enough to tell), else Swedish: the language
    #: of the texts too short to tell.
    language: str = FALLBACK_LANGUAGE
    #: The rows kept but not tagged (a repeated header, a short row with nothing to tag).
    marks: RowMarks | None = None

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
        raise InputError(f"{output_path}: the output file exists; use --overwrite to replace it")
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
    width = len(fmt.columns) + len(result_names(codes, job.evidence))
    if out_fmt.kind == "excel":
        check_fits(width, None, str(job.output))
    fixed = result_schema(codes, job.evidence)
    output_schema = None
    if out_fmt.kind == "parquet" and fmt.kind == "parquet":
        output_schema = _concat_schema(parquet_schema(job.input), fixed)
    elif out_fmt.kind == "parquet" and fmt.kind == "csv":
        output_schema = _concat_schema(_string_schema(fmt.columns), fixed)

    scanned = _Scan(source, id_column, columns, RowMarks(fmt, columns))
    if out_fmt.kind == "parquet" and output_schema is None:
        output_schema = _concat_schema(infer_schema(scanned.frames()), fixed)
    else:
        for _ in scanned.frames():
            pass
    if out_fmt.kind == "excel":
        check_fits(width, scanned.rows, str(job.output))
    duplicates = DuplicateIds(sorted(scanned.duplicates.values(), key=lambda group: group[1]))
    if duplicates and job.unique_ids:
        raise InputError(
            f"{job.input}: the id column {job.id_col!r} repeats {duplicates.describe()}. "
            "Ids must be unique with --unique-ids: fix the file, or leave out --unique-ids to "
            "tag every row and mark the repeated ones in tag_status"
        )
    warnings = list(fmt.notes) + scanned.marks.warnings()
    if scanned.empty_ids:
        warnings.append(
            f"{counted(scanned.empty_ids, 'row')} with an empty id in column {job.id_col!r}"
        )
    if duplicates:
        warnings.append(
            f"the id column {job.id_col!r} repeats {duplicates.describe()}; every row was "
            f"tagged, and the {duplicates.rows} rows are marked {STATUS_DUPLICATE_ID} in "
            "tag_status (--unique-ids refuses such a file)"
        )
    language = dominant_language(scanned.languages.counts())
    return ScannedInput(
        source,
        columns,
        id_column,
        out_fmt,
        output_schema,
        fixed,
        scanned.rows,
        warnings,
        duplicates,
        language,
        scanned.marks,
    )


class DuplicateIds:
    """The ids that are on more than one row, and their rows (data rows numbered from 1).

    `groups` holds each repeated id (as the input holds it) with its rows, in input order.
    """

    #: How many ids messages and the summary name; how many other rows a row's mark names.
    SHOWN_IDS = 10
    SHOWN_ROWS = 5

    def __init__(self, groups: list[tuple[Any, list[int]]]) -> None:
        self.groups = groups
        self._group = {row: rows for _, rows in groups for row in rows}

    def __bool__(self) -> bool:
        return bool(self.groups)

    def __len__(self) -> int:
        return len(self.groups)

    @property
    def rows(self) -> int:
        """How many rows have an id that is on another row too."""
        return len(self._group)

    def note(self, row: int) -> str:
        """The mark of `row`: `duplicate_id: also in row 9` (rows 3, 9, ...), or "" if unique."""
        others = [other for other in self._group.get(row, ()) if other != row]
        if not others:
            return ""
        shown = ", ".join(str(r) for r in others[: self.SHOWN_ROWS])
        more = len(others) - self.SHOWN_ROWS
        rows = f"row {shown}" if len(others) == 1 else f"rows {shown}"
        return f"{STATUS_DUPLICATE_ID}: also in {rows}" + (f" and {more} more" if more > 0 else "")

    def mark(self, statuses: Sequence[str], rows: Sequence[int]) -> list[str]:
        """`statuses` of the data rows `rows` with the duplicate mark joined on where one is due."""
        return [
            join_statuses(status, self.note(row))
            for status, row in zip(statuses, rows, strict=True)
        ]

    def listing(self) -> list[dict[str, Any]]:
        """The first `SHOWN_IDS` repeated ids and their rows, for the summary."""
        return [
            {"id": text_cell(ident), "rows": rows} for ident, rows in self.groups[: self.SHOWN_IDS]
        ]

    def describe(self) -> str:
        """E.g. `2 ids: '7' in rows 1, 3; '9' in rows 2, 4` (the first `SHOWN_IDS` ids)."""
        shown = "; ".join(
            f"{ident!r} in rows {', '.join(str(r) for r in rows[: self.SHOWN_ROWS])}"
            + (f" and {len(rows) - self.SHOWN_ROWS} more" if len(rows) > self.SHOWN_ROWS else "")
            for ident, rows in self.groups[: self.SHOWN_IDS]
        )
        more = len(self.groups) - self.SHOWN_IDS
        return f"{counted(len(self.groups), 'id')}: {shown}" + (
            f" and {counted(more, 'more id')}" if more > 0 else ""
        )


def _resolve_column(name: str, fmt: TableFormat, path: Path, role: str) -> str:
    """The frame column the user's `name` means (`ecs_tagger.tables.names.find_column`)."""
    return find_column(name, fmt.columns, fmt.header, where=path, role=role, sheet=fmt.sheet)


def _string_schema(names: Sequence[str]) -> Any:
    import pyarrow as pa

    return pa.schema([pa.field(name, pa.string()) for name in names])


def _concat_schema(first: Any, second: Any) -> Any:
    import pyarrow as pa

    return pa.schema(list(first) + list(second))


class LanguageSample:
    """The languages of an evenly spread sample of a registry's rows, for its dominant language.

    Every `step`-th row is looked at (data rows from 0); whenever more than `2 * size` rows are
    kept, `step` doubles and the rows off the new step are dropped. So between `size` and
    `2 * size` rows from all over the registry decide, whatever its length, and the sample is
    the same on every run. Only texts long enough to tell count (`is_reliable`), each read up to
    `chars` characters (plenty to tell the language; a detection takes about 1 ms).
    """

    def __init__(self, size: int = 1000, chars: int = 500) -> None:
        self.size = size
        self.chars = chars
        self.step = 1
        self.kept: list[tuple[int, str]] = []

    def add(self, row: int, text: Any) -> None:
        """Look at the text of data row `row` (0-based) if it falls on the step."""
        if row % self.step or not isinstance(text, str) or not is_reliable(text):
            return
        self.kept.append((row, detect_language(text[: self.chars]).code))
        if len(self.kept) > 2 * self.size:
            self.step *= 2
            self.kept = [(kept, code) for kept, code in self.kept if kept % self.step == 0]

    def counts(self) -> Counter[str]:
        """Language -> rows of the sample in it."""
        return Counter(code for _, code in self.kept)


@dataclass
class _Scan:
    source: Source
    id_column: str | None
    text_columns: Sequence[str]
    marks: RowMarks
    rows: int = 0
    empty_ids: int = 0
    #: Repeated id (as made hashable) -> (the id as read, its rows).
    duplicates: dict[Any, tuple[Any, list[int]]] = field(default_factory=dict)
    languages: LanguageSample = field(default_factory=LanguageSample)

    def frames(self) -> Iterator[pd.DataFrame]:
        seen: dict[Any, int] = {}
        for chunk in self.source.chunks():
            if self.text_columns and len(chunk):
                texts = join_text_columns(chunk, self.text_columns).tolist()
                self.marks.look(chunk, texts)
                for offset, text in enumerate(texts):
                    if self.rows + offset not in self.marks.statuses:
                        self.languages.add(self.rows + offset, text)
            if self.id_column is not None:
                for offset, ident in enumerate(chunk[self.id_column].tolist()):
                    row = self.rows + offset + 1
                    if is_blank(ident) or (isinstance(ident, str) and not ident.strip()):
                        self.empty_ids += 1
                        continue
                    key = _hashable(ident)
                    if key in seen:
                        self.duplicates.setdefault(key, (ident, [seen[key]]))[1].append(row)
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
