"""CSV (also .tsv and .txt): cells read and written as the exact strings of the file.

The separator (`,` `;` tab or `|`; Swedish Excel writes `;`) is sniffed from the first 64 K
characters (more when the header line is longer: the header is always read whole), the encoding
by `ecs_tagger.tables.encoding`. Detection reads the file through once (`check_records`, in
`ecs_tagger.tables.csv_records`): a quoted cell whose closing quote is missing, which would
swallow the lines below it, is an `InputError` naming its line; rows with fewer cells than the
header (a record broken by a bare line break) are listed in a note. Rows are streamed; a row
with more filled cells than the header is an `InputError` naming its line.
"""

from __future__ import annotations

import csv
import io
import itertools
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from ecs_tagger.errors import InputError, counted
from ecs_tagger.tables.base import (
    WHOLE_CHUNK_ROWS,
    FormatWriter,
    ReadOptions,
    TableFormat,
    TextFileWriter,
    WriteOptions,
    whole_table,
)
from ecs_tagger.tables.cells import (
    FormulaCell,
    escape_formula,
    is_blank,
    text_cell,
    unique_names,
)
from ecs_tagger.tables.csv_records import check_records
from ecs_tagger.tables.encoding import MIXED_ENCODING, find_encoding, mixed_note

EXTENSIONS = (".csv", ".tsv", ".txt")
SHEETS = False

_SEPARATORS = (",", ";", "\t", "|")
_SEPARATOR_NAMES = {"\\t": "\t", "tab": "\t", "semicolon": ";", "comma": ",", "pipe": "|"}
_SNIFF_CHARS = 1 << 16
#: The sample is read on past a long header line, up to this many characters.
_MAX_SAMPLE_CHARS = 1 << 26

# A CSV cell may hold a whole pasted PDF: lift the csv module's 128 KiB field limit.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def _read_sample(path: Path, encoding: str) -> tuple[str, bool]:
    """The start of the file: 64 K characters, or more when the header line is longer (a survey
    export with thousands of columns), so that the sample holds the whole header and lines below
    it; and whether the sample is the whole file."""
    with path.open("r", encoding=encoding, newline="") as handle:
        sample = handle.read(_SNIFF_CHARS)
        while len(sample) < _MAX_SAMPLE_CHARS:
            first = sample.find("\n")
            if first >= 0 and (sample.count("\n") > 20 or len(sample) - first > _SNIFF_CHARS):
                break
            more = handle.read(max(_SNIFF_CHARS, len(sample)))
            if not more:
                return sample, True
            sample += more
        at_end = not handle.read(1)
    return sample, at_end


def _read_header(path: Path, encoding: str, separator: str) -> tuple[str, ...]:
    """The first record of the file, read whole however long it is."""
    with path.open("r", encoding=encoding, newline="") as handle:
        try:
            for record in csv.reader(handle, delimiter=separator):
                if record:
                    return tuple(record)
        except csv.Error as error:
            raise InputError(f"{path}: cannot read the header row: {error}") from None
    return ()


def _records(sample: str, separator: str, at_end: bool, limit: int = 200) -> list[list[str]]:
    try:
        records = list(
            itertools.islice(csv.reader(io.StringIO(sample), delimiter=separator), limit)
        )
    except csv.Error:
        return []
    if not at_end and len(records) > 1 and len(records) < limit:
        records = records[:-1]  # the sample may end inside a record
    return [r for r in records if r]


def sniff_separator(sample: str, at_end: bool = True, default: str = ",") -> str:
    """The separator that splits the header and the rows below it into the most, equal, cells."""
    best: tuple[int, int, int] | None = None
    chosen = default
    for rank, separator in enumerate(_SEPARATORS):
        records = _records(sample, separator, at_end)
        if not records:
            continue
        width = len(records[0])
        if width < 2:
            continue
        rows = records[1:]
        consistent = sum(
            1 for r in rows if len(r) == width or (len(r) > width and not any(r[width:]))
        )
        share_ok = not rows or consistent >= 0.8 * len(rows)
        preference = -rank if separator != default else 1
        score = (int(share_ok), width, preference)
        if best is None or score > best:
            best, chosen = score, separator
    return chosen


def detect(path: Path, options: ReadOptions) -> TableFormat:
    """Encoding, separator, line ends and header of a CSV file."""
    found = find_encoding(path, options.encoding)
    encoding, bom, note = found.encoding, found.had_bom, found.note
    try:
        sample, at_end = _read_sample(path, encoding)
    except UnicodeError as error:
        raise InputError(f"{path}: cannot be read as {encoding}: {error}") from None
    if not sample.strip():
        raise InputError(f"{path}: the file is empty; a header row with the column names is needed")
    default = "\t" if path.suffix.lower() == ".tsv" else ","
    separator = options.separator
    if separator is not None:
        separator = _SEPARATOR_NAMES.get(separator.lower(), separator)
    if separator is None:
        separator = sniff_separator(sample, at_end, default)
    elif len(separator) != 1:
        raise InputError(f"{path}: the separator must be one character, got {separator!r}")
    first_newline = sample.find("\n")
    lineterminator = "\r\n" if first_newline > 0 and sample[first_newline - 1] == "\r" else "\n"
    try:
        header = _read_header(path, encoding, separator)
    except UnicodeError as error:
        raise InputError(f"{path}: cannot be read as {encoding}: {error}") from None
    count, short_rows = check_records(path, encoding, separator, len(header))
    if found.legacy_lines:
        rows = _rows_of_lines(path, encoding, separator, found.legacy_lines)
        note = mixed_note(path, found.legacy_lines, rows)
    notes = tuple(text for text in (note, short_rows.note(path)) if text)
    return TableFormat(
        "csv",
        encoding,
        separator,
        None,
        bom,
        lineterminator,
        unique_names(header),
        header,
        count,
        notes,
        short_rows=short_rows,
    )


def _rows_of_lines(
    path: Path, encoding: str, separator: str, lines: tuple[int, ...]
) -> list[int] | None:
    """The data rows (1-based, as `iter_chunks` counts them) that hold the given file lines.

    None when the file cannot be parsed (`iter_chunks` then reports the problem).
    """
    rows: list[int] = []
    wanted = iter(sorted(lines))
    line = next(wanted, None)
    try:
        with path.open("r", encoding=encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=separator)
            next(reader, None)  # the header, as `iter_chunks` takes it
            row = 0
            while line is not None and line <= reader.line_num:
                line = next(wanted, None)  # a header line: no row
            for record in reader:
                if record:
                    row += 1
                while line is not None and line <= reader.line_num:
                    rows.append(row)
                    line = next(wanted, None)
                if line is None:
                    break
    except (csv.Error, UnicodeDecodeError):
        return None
    return rows


def iter_chunks(path: Path, fmt: TableFormat, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Rows as text cells, `chunk_rows` at a time; short rows are padded with empty cells."""
    width = len(fmt.columns)
    start = 0
    assert fmt.encoding is not None and fmt.separator is not None
    with path.open("r", encoding=fmt.encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=fmt.separator)
        try:
            next(reader, None)  # the header
            while True:
                rows: list[list[str]] = []
                for record in reader:
                    if not record:  # a blank line is not a row
                        continue
                    if len(record) > width:
                        extra = record[width:]
                        if any(extra):
                            raise InputError(
                                f"{path}: line {reader.line_num} (row {start + len(rows) + 1}) has "
                                f"{counted(len(record), 'cell')} but the header has "
                                f"{counted(width, 'column')} (separator {fmt.separator!r}); fix "
                                "the row, or give the right separator with --separator"
                            )
                        record = record[:width]
                    elif len(record) < width:
                        record = record + [""] * (width - len(record))
                    rows.append(record)
                    if len(rows) >= chunk_rows:
                        break
                if not rows and start > 0:
                    return
                frame = pd.DataFrame(rows, columns=list(fmt.columns), dtype=object)
                frame.index = pd.RangeIndex(start, start + len(rows))
                yield frame
                start += len(rows)
                if len(rows) < chunk_rows:
                    return
        except csv.Error as error:
            raise InputError(
                f"{path}: line {reader.line_num}: cannot read this CSV row: {error}"
            ) from None
        except UnicodeDecodeError as error:
            raise InputError(
                f"{path}: after line {reader.line_num} the file holds bytes that are not "
                f"{fmt.encoding} ({error.reason}); give the file's encoding with --encoding "
                "(e.g. --encoding cp1252)"
            ) from None


def read(path: Path, fmt: TableFormat) -> pd.DataFrame:
    """The whole file as one frame."""
    return whole_table(iter_chunks(path, fmt, WHOLE_CHUNK_ROWS))


def output_format(path: Path, like: TableFormat | None = None) -> TableFormat:
    """UTF-8 output in the input's style: its separator and line ends; a BOM for BOM or legacy input.

    `.tsv` output is tab-separated.
    """
    separator = ","
    bom = False
    lineterminator = "\n"
    if like is not None and like.kind == "csv":
        separator = like.separator or ","
        legacy = (like.encoding or "utf-8").lower().replace("_", "-") not in (
            "utf-8",
            "utf8",
            "utf-8-sig",
            MIXED_ENCODING,
        )
        bom = like.had_bom or legacy
        lineterminator = like.lineterminator
    if path.suffix.lower() == ".tsv":
        separator = "\t"
    return TableFormat("csv", "utf-8-sig" if bom else "utf-8", separator, None, bom, lineterminator)


class _CsvWriter(TextFileWriter):
    """Writes the header cells, then every cell as `text_cell` gives it (with `escape_formula`
    for text cells and the formulas of `FormulaCell`s when formulas are escaped).

    The csv module quotes a cell holding a line end only if the line end is the file's own: with
    ``\\n`` line ends a cell holding a bare ``\\r`` would be written unquoted and split its row
    when read back, so such rows are written with every cell quoted.
    """

    def __init__(self, temp: Path, fmt: TableFormat, options: WriteOptions) -> None:
        super().__init__(temp, fmt)
        separator, lineterminator = fmt.separator or ",", fmt.lineterminator
        self.csv = csv.writer(
            self.handle,
            delimiter=separator,
            lineterminator=lineterminator,
            quoting=csv.QUOTE_MINIMAL,
        )
        self.quoted = csv.writer(
            self.handle, delimiter=separator, lineterminator=lineterminator, quoting=csv.QUOTE_ALL
        )
        self.bare_cr = "\r" not in fmt.lineterminator
        self.escape = options.escape_formulas
        header = ["" if is_blank(c) else str(c) for c in options.header]
        self._write_rows([[escape_formula(c) for c in header] if self.escape else header])

    def _write_rows(self, rows: list[list[str]]) -> None:
        if self.bare_cr and any("\r" in cell for row in rows for cell in row):
            for row in rows:
                (self.quoted if any("\r" in cell for cell in row) else self.csv).writerow(row)
        else:
            self.csv.writerows(rows)

    def write(self, frame: pd.DataFrame) -> None:
        columns = [frame[c].tolist() for c in frame.columns]
        if self.escape:
            rows = [
                [
                    escape_formula(str(v)) if isinstance(v, str | FormulaCell) else text_cell(v)
                    for v in row
                ]
                for row in zip(*columns, strict=True)
            ]
        else:
            rows = [[text_cell(v) for v in row] for row in zip(*columns, strict=True)]
        self._write_rows(rows)


def open_writer(temp: Path, fmt: TableFormat, options: WriteOptions) -> FormatWriter:
    """A writer of CSV rows into `temp`."""
    return _CsvWriter(temp, fmt, options)
