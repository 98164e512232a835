"""Reading and writing user tables (CSV, JSON Lines, Excel, Parquet) without losing anything.

Pure I/O, no tagging. The rules, so that an office can trust a round trip through ecs-tagger:

* **Cells are kept as they are.** CSV cells are read as strings, exactly as written (leading zeros,
  dates, Swedish letters and empty cells stay what they were) and written back as the same strings.
  JSON Lines records keep their values (numbers, nested objects, null); a key that a record does not
  have stays absent in JSON Lines output. Parquet columns keep their Arrow types exactly (the frames
  use `pd.ArrowDtype`). Excel cells keep their Python values (text, numbers, dates, booleans);
  formulas are read as their last computed values.
* **Rows are streamed.** `iter_chunks` yields consecutive row ranges of `chunk_rows` rows, so memory
  stays flat however long a CSV, JSON Lines or Parquet file is. Excel workbooks cannot be streamed
  by the reader used here: a sheet is read whole (Excel holds at most 1,048,576 rows anyway).
* **Bad input is an `InputError`** naming the file, the line or row and the column: unknown
  extensions, undecodable bytes, rows with more cells than the header, invalid JSON lines, missing
  sheets. CSV files are sniffed: the encoding (UTF-8, with or without BOM, UTF-16 with BOM, or a
  legacy Windows-1252/Latin-1 file recognised by its Swedish letters) and the separator (`,` `;`
  tab or `|`; Swedish Excel writes `;`).
* **Output is atomic.** `TableWriter` writes to a hidden temporary file beside the target and
  renames it into place on `close()`; an aborted write leaves no partial output. Output is
  deterministic: the same frames give byte-identical files (Excel and Parquet carry no creation
  time).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import decimal
import io
import itertools
import json
import math
import os
import re
import sys
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ecs_tagger.errors import InputError

SUPPORTED_EXTENSIONS = (".csv", ".tsv", ".txt", ".jsonl", ".ndjson", ".xlsx", ".xlsm", ".parquet")

Kind = Literal["csv", "jsonl", "excel", "parquet"]

_KINDS: dict[str, Kind] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".parquet": "parquet",
}
_HINTS = {
    ".xls": "old Excel .xls files are not supported: open the file in Excel and save it as .xlsx",
    ".json": "plain .json is not supported: write JSON Lines (.jsonl, one object per line)",
    ".ods": "OpenDocument spreadsheets are not supported: save the sheet as .xlsx or .csv",
}
_SEPARATORS = (",", ";", "\t", "|")
_SEPARATOR_NAMES = {"\\t": "\t", "tab": "\t", "semicolon": ";", "comma": ",", "pipe": "|"}
_SWEDISH = frozenset("åäöÅÄÖéÉüÜ")
_SNIFF_CHARS = 1 << 16
_BLOCK = 1 << 20
EXCEL_CELL_LIMIT = 32767
_EPOCH_ZIP = (1980, 1, 1, 0, 0, 0)
_FIXED_TIME = dt.datetime(2000, 1, 1)

# A CSV cell may hold a whole pasted PDF: lift the csv module's 128 KiB field limit.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class _Missing:
    """Marks a JSON Lines key that a record does not have (distinct from an explicit null)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "MISSING"


#: The value of a JSON Lines key that a record lacks; writers leave it out (JSONL) or empty.
MISSING = _Missing()


def is_blank(value: Any) -> bool:
    """True for cells that hold nothing: None, NaN, NA, NaT, MISSING."""
    if value is None or value is MISSING or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return bool(math.isnan(value))
    return False


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

    @property
    def encoding_label(self) -> str | None:
        """The encoding as a user would name it (a BOM is mentioned)."""
        if self.encoding is None:
            return None
        if self.encoding == "utf-8-sig":
            return "utf-8 (with BOM)"
        return self.encoding


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


# -- names ---------------------------------------------------------------------------------------
def unique_names(header: Sequence[Any]) -> tuple[str, ...]:
    """Column names for frames: the header as text, blanks named `Unnamed: i`, repeats `name.1`."""
    names: list[str] = []
    seen: set[str] = set()
    for position, cell in enumerate(header):
        base = f"Unnamed: {position}" if is_blank(cell) or str(cell) == "" else str(cell)
        if isinstance(cell, float) and cell.is_integer():
            base = str(int(cell))
        name, counter = base, 1
        while name in seen:
            name, counter = f"{base}.{counter}", counter + 1
        seen.add(name)
        names.append(name)
    return tuple(names)


# -- encodings -----------------------------------------------------------------------------------
def _line_of_offset(path: Path, offset: int) -> int:
    line = 1
    with path.open("rb") as handle:
        remaining = offset
        while remaining > 0:
            block = handle.read(min(_BLOCK, remaining))
            if not block:
                break
            line += block.count(b"\n")
            remaining -= len(block)
    return line


def _first_bad_utf8(path: Path, skip: int) -> int | None:
    """Byte offset of the first byte that is not valid UTF-8, or None; streams the whole file."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = skip
    with path.open("rb") as handle:
        handle.seek(skip)
        while True:
            block = handle.read(_BLOCK)
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as error:
                return max(skip, offset - pending + error.start)
            if not block:
                return None
            offset += len(block)


def _swedish_letters_in_cp1252(path: Path) -> int | None:
    """Swedish letters the file holds when read as cp1252; None when it is not valid cp1252."""
    decoder = codecs.getincrementaldecoder("cp1252")()
    count = 0
    with path.open("rb") as handle:
        while True:
            block = handle.read(_BLOCK)
            try:
                text = decoder.decode(block, final=not block)
            except UnicodeDecodeError:
                return None
            count += sum(text.count(letter) for letter in _SWEDISH)
            if not block:
                return count


def detect_encoding(path: str | Path, encoding: str | None = None) -> tuple[str, bool, str | None]:
    """(encoding to read with, whether the file starts with a BOM, a note for the user or None).

    UTF-8 (a BOM is recognised and dropped) and UTF-16 with a BOM are read as they are. A file that
    is not UTF-8 but reads as Windows-1252 with Swedish letters in it (Excel's "CSV" on Swedish
    Windows) is read as cp1252, with a note; anything else is an `InputError` telling how to pass
    the encoding.
    """
    path = Path(path)
    with path.open("rb") as handle:
        head = handle.read(4)
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"{path}: unknown encoding {encoding!r}") from None
        bom = head.startswith(codecs.BOM_UTF8) or head[:2] in (
            codecs.BOM_UTF16_LE,
            codecs.BOM_UTF16_BE,
        )
        if head.startswith(codecs.BOM_UTF8) and encoding.lower().replace("_", "-") in (
            "utf-8",
            "utf8",
        ):
            encoding = "utf-8-sig"
        return encoding, bom, None
    if head.startswith(codecs.BOM_UTF8):
        bad = _first_bad_utf8(path, len(codecs.BOM_UTF8))
        if bad is not None:
            raise InputError(
                f"{path}: starts with a UTF-8 byte-order mark but line "
                f"{_line_of_offset(path, bad)} "
                f"holds bytes that are not UTF-8; re-save the file as UTF-8 or pass encoding="
            )
        return "utf-8-sig", True, None
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16", True, None
    bad = _first_bad_utf8(path, 0)
    if bad is None:
        return "utf-8", False, None
    line = _line_of_offset(path, bad)
    with path.open("rb") as handle:
        handle.seek(bad)
        byte = handle.read(1)
    letters = _swedish_letters_in_cp1252(path)
    if letters:
        return (
            "cp1252",
            False,
            (
                f"{path.name} is not UTF-8 (byte 0x{byte.hex()} on line {line}); it reads as "
                f"Windows-1252 (cp1252) with {letters} Swedish letters, so it was read as cp1252 — "
                "pass encoding= if that is wrong"
            ),
        )
    raise InputError(
        f"{path}: line {line} holds a byte (0x{byte.hex()}) that is not UTF-8, and the file does "
        "not read as Windows-1252 Swedish text either; save it as UTF-8, or pass the encoding it "
        "was written in (encoding='cp1252', 'latin-1', ... or --encoding on the command line)"
    )


# -- CSV -----------------------------------------------------------------------------------------
def _read_sample(path: Path, encoding: str) -> tuple[str, bool]:
    with path.open("r", encoding=encoding, newline="") as handle:
        sample = handle.read(_SNIFF_CHARS)
        at_end = not handle.read(1)
    return sample, at_end


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


def _detect_csv(path: Path, encoding: str | None, separator: str | None) -> TableFormat:
    encoding, bom, note = detect_encoding(path, encoding)
    try:
        sample, at_end = _read_sample(path, encoding)
    except UnicodeError as error:
        raise InputError(f"{path}: cannot be read as {encoding}: {error}") from None
    if not sample.strip():
        raise InputError(f"{path}: the file is empty; a header row with the column names is needed")
    default = "\t" if path.suffix.lower() == ".tsv" else ","
    if separator is not None:
        separator = _SEPARATOR_NAMES.get(separator.lower(), separator)
    if separator is None:
        separator = sniff_separator(sample, at_end, default)
    elif len(separator) != 1:
        raise InputError(f"{path}: the separator must be one character, got {separator!r}")
    first_newline = sample.find("\n")
    lineterminator = "\r\n" if first_newline > 0 and sample[first_newline - 1] == "\r" else "\n"
    records = _records(sample, separator, at_end, limit=2)
    header = tuple(records[0]) if records else ()
    notes = (note,) if note else ()
    return TableFormat(
        "csv",
        encoding,
        separator,
        None,
        bom,
        lineterminator,
        unique_names(header),
        header,
        None,
        notes,
    )


def _iter_csv(path: Path, fmt: TableFormat, chunk_rows: int) -> Iterator[pd.DataFrame]:
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
                                f"{len(record)} cells but the header has {width} columns "
                                f"(separator {fmt.separator!r}); fix the row, or pass separator= "
                                "if the separator is wrong"
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
                f"{fmt.encoding} ({error.reason}); pass encoding="
            ) from None


# -- JSON Lines ----------------------------------------------------------------------------------
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


def _detect_jsonl(path: Path, encoding: str | None) -> TableFormat:
    encoding, bom, note = detect_encoding(path, encoding)
    keys: dict[str, None] = {}
    rows = 0
    for _, record in _json_records(path, encoding):
        rows += 1
        for key in record:
            if key not in keys:
                keys[key] = None
    columns = tuple(keys)
    return TableFormat(
        "jsonl", encoding, None, None, bom, "\n", columns, columns, rows, (note,) if note else ()
    )


def _iter_jsonl(path: Path, fmt: TableFormat, chunk_rows: int) -> Iterator[pd.DataFrame]:
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


# -- Excel ---------------------------------------------------------------------------------------
def _detect_excel(path: Path, sheet: str | None) -> TableFormat:
    """The sheet to read and, as a preview, its header row (`read_excel_sheet` gives the rest)."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise InputError(f"{path}: not a readable Excel workbook (.xlsx): {error}") from None
    try:
        sheets = list(workbook.sheetnames)
        if not sheets:
            raise InputError(f"{path}: the workbook has no sheets")
        if sheet is None:
            sheet = sheets[0]
        elif sheet not in sheets:
            raise InputError(
                f"{path}: there is no sheet named {sheet!r}; the sheets are: "
                + ", ".join(repr(s) for s in sheets)
            )
        first = next(workbook[sheet].iter_rows(max_row=1, values_only=True), ())
    finally:
        workbook.close()
    header = list(first)
    while header and is_blank(header[-1]):
        header.pop()
    return TableFormat("excel", None, None, sheet, False, "\n", unique_names(header), tuple(header))


def _read_excel(path: Path, fmt: TableFormat) -> tuple[TableFormat, pd.DataFrame]:
    try:
        raw = pd.read_excel(
            path, sheet_name=fmt.sheet, header=None, dtype=object, engine="openpyxl"
        )
    except (ValueError, KeyError, OSError, zipfile.BadZipFile) as error:
        raise InputError(f"{path}: cannot read sheet {fmt.sheet!r}: {error}") from None
    if raw.empty:
        raise InputError(
            f"{path}: sheet {fmt.sheet!r} is empty; a header row with column names is needed"
        )
    header = list(raw.iloc[0])
    while (
        len(header) > 1
        and is_blank(header[-1])
        and raw.iloc[1:, len(header) - 1].map(is_blank).all()
    ):
        header.pop()
    data = raw.iloc[1:, : len(header)].copy()
    data = data.astype(object).where(~data.map(is_blank), None)
    columns = unique_names(header)
    data.columns = list(columns)
    data.index = pd.RangeIndex(0, len(data))
    header_cells = tuple(None if is_blank(h) else h for h in header)
    return (
        TableFormat("excel", None, None, fmt.sheet, False, "\n", columns, header_cells, len(data)),
        data,
    )


# -- Parquet -------------------------------------------------------------------------------------
def _detect_parquet(path: Path) -> TableFormat:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as error:  # pyarrow raises ArrowInvalid, OSError, ...
        raise InputError(f"{path}: not a readable Parquet file: {error}") from None
    names = tuple(parquet.schema_arrow.names)
    if len(set(names)) != len(names):
        raise InputError(f"{path}: the Parquet file repeats column names: {', '.join(names)}")
    return TableFormat(
        "parquet", None, None, None, False, "\n", names, names, parquet.metadata.num_rows
    )


def parquet_schema(path: str | Path) -> Any:
    """The Arrow schema of a Parquet file (pandas metadata dropped)."""
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).schema_arrow.remove_metadata()


def _iter_parquet(path: Path, fmt: TableFormat, chunk_rows: int) -> Iterator[pd.DataFrame]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    schema = parquet.schema_arrow.remove_metadata()
    buffer: list[Any] = []
    buffered = 0
    start = 0

    def emit(table: Any) -> pd.DataFrame:
        frame = table.to_pandas(types_mapper=pd.ArrowDtype, ignore_metadata=True)
        frame.index = pd.RangeIndex(start, start + table.num_rows)
        return frame

    for batch in parquet.iter_batches(batch_size=chunk_rows):
        buffer.append(batch)
        buffered += batch.num_rows
        while buffered >= chunk_rows:
            table = pa.Table.from_batches(buffer, schema=schema)
            yield emit(table.slice(0, chunk_rows))
            start += chunk_rows
            rest = table.slice(chunk_rows)
            buffer, buffered = rest.to_batches(), rest.num_rows
    if buffered or start == 0:
        yield emit(pa.Table.from_batches(buffer, schema=schema))


# -- public reading API --------------------------------------------------------------------------
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
    if sheet is not None and kind != "excel":
        raise InputError(f"{path}: a sheet ({sheet!r}) was given, but only Excel files have sheets")
    if kind == "csv":
        return _detect_csv(path, encoding, separator)
    if kind == "jsonl":
        return _detect_jsonl(path, encoding)
    if kind == "excel":
        return _detect_excel(path, sheet)
    return _detect_parquet(path)


def iter_chunks(path: str | Path, fmt: TableFormat, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Consecutive row ranges of at most `chunk_rows` rows, indexed by row position (0-based).

    Always yields at least one frame (an empty one, with the columns, for a table without rows).
    Excel sheets are read whole first (see the module docstring); other kinds stream.
    """
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    path = Path(path)
    if fmt.kind == "csv":
        yield from _iter_csv(path, fmt, chunk_rows)
    elif fmt.kind == "jsonl":
        yield from _iter_jsonl(path, fmt, chunk_rows)
    elif fmt.kind == "parquet":
        yield from _iter_parquet(path, fmt, chunk_rows)
    else:
        _, frame = _read_excel(path, fmt)
        if frame.empty:
            yield frame
        for start in range(0, len(frame), chunk_rows):
            yield frame.iloc[start : start + chunk_rows]


def read_excel_sheet(path: str | Path, fmt: TableFormat) -> tuple[TableFormat, pd.DataFrame]:
    """A whole Excel sheet as a frame of cell values, and the completed format."""
    return _read_excel(Path(path), fmt)


def read_table(
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    separator: str | None = None,
) -> pd.DataFrame:
    """A whole table as one frame, read as `iter_chunks` reads it (cells kept as they are)."""
    fmt = detect_format(path, sheet=sheet, encoding=encoding, separator=separator)
    if fmt.kind == "excel":
        return _read_excel(Path(path), fmt)[1]
    frames = list(iter_chunks(path, fmt, 50_000))
    return pd.concat(frames) if len(frames) > 1 else frames[0]


# -- writing -------------------------------------------------------------------------------------
def output_format(path: str | Path, like: TableFormat | None = None) -> TableFormat:
    """How to write `path`: its kind by extension, in the style of the input `like` where it fits.

    CSV output is always UTF-8; it keeps the input's separator and line ends, and starts with a BOM
    when the input had one or was in a legacy encoding (so that Excel opens it with the right
    letters). `.tsv` output is tab-separated. Excel output keeps the input's sheet name.
    """
    kind = kind_of(path)
    suffix = Path(path).suffix.lower()
    if kind == "csv":
        separator = ","
        bom = False
        lineterminator = "\n"
        if like is not None and like.kind == "csv":
            separator = like.separator or ","
            legacy = (like.encoding or "utf-8").lower().replace("_", "-") not in (
                "utf-8",
                "utf8",
                "utf-8-sig",
            )
            bom = like.had_bom or legacy
            lineterminator = like.lineterminator
        if suffix == ".tsv":
            separator = "\t"
        return TableFormat(
            "csv", "utf-8-sig" if bom else "utf-8", separator, None, bom, lineterminator
        )
    if kind == "excel":
        sheet = like.sheet if like is not None and like.kind == "excel" and like.sheet else "Sheet1"
        return TableFormat("excel", sheet=sheet)
    return TableFormat(kind, encoding="utf-8" if kind == "jsonl" else None)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def _plain(value: Any) -> Any:
    """A JSON-ready value: NaN and NA become null; numpy scalars become Python ones."""
    if value is MISSING:
        return MISSING
    if is_blank(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | np.ndarray):
        return [_plain(v) for v in value]
    return value


_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a small file atomically (temp file beside it, then rename)."""
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with temp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


class TableWriter:
    """Appends frames to a table file; a temporary file is renamed into place by `close()`.

    `fmt` comes from `output_format`; `header` (optional) gives the header cells to write instead of
    the frame's column names, for the leading columns (CSV and Excel). `schema` fixes the Arrow
    schema of Parquet output (otherwise taken from the first frame). Used as a context manager, the
    file is committed on success and removed on error. `warnings` lists what was changed to fit the
    format (e.g. Excel's 32,767-character cell limit).
    """

    def __init__(
        self,
        path: str | Path,
        fmt: TableFormat | None = None,
        *,
        overwrite: bool = False,
        header: Sequence[Any] | None = None,
        schema: Any = None,
        row_group_rows: int = 20_000,
    ) -> None:
        self.path = Path(path)
        self.fmt = fmt or output_format(self.path)
        if self.path.exists() and not overwrite:
            raise InputError(
                f"{self.path}: the output file exists; pass overwrite=True (--overwrite) to "
                "replace it"
            )
        if not self.path.parent.is_dir():
            raise InputError(f"{self.path}: the folder {self.path.parent} does not exist")
        self.overwrite = overwrite
        self.header = list(header) if header is not None else None
        self.schema = schema
        self.row_group_rows = row_group_rows
        self.temp = self.path.with_name(f".{self.path.name}.partial-{os.getpid()}")
        self.rows = 0
        self.warnings: list[str] = []
        self._columns: list[str] | None = None
        self._handle: Any = None
        self._csv: Any = None
        self._parquet: Any = None
        self._pending: list[Any] = []
        self._pending_rows = 0
        self._workbook: Any = None
        self._sheet: Any = None
        self._closed = False
        self._long_cells = 0
        self._illegal_cells = 0
        self._first_long: str | None = None

    # -- context manager -----------------------------------------------------------------------
    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()

    # -- writing -------------------------------------------------------------------------------
    def _header_cells(self, columns: list[str]) -> list[Any]:
        if self.header is None:
            return list(columns)
        cells = list(self.header[: len(columns)])
        return cells + list(columns[len(cells) :])

    def write(self, frame: pd.DataFrame) -> None:
        """Append the rows of `frame`; every frame must have the same columns as the first."""
        if self._closed:
            raise ValueError("the writer is closed")
        columns = [str(c) for c in frame.columns]
        if self._columns is None:
            self._columns = columns
            self._open(frame)
        elif columns != self._columns:
            raise ValueError(f"columns changed between chunks: {self._columns} then {columns}")
        kind = self.fmt.kind
        if kind == "csv":
            self._write_csv(frame)
        elif kind == "jsonl":
            self._write_jsonl(frame)
        elif kind == "parquet":
            self._write_parquet(frame)
        else:
            self._write_excel(frame)
        self.rows += len(frame)

    def _open(self, frame: pd.DataFrame) -> None:
        assert self._columns is not None
        kind = self.fmt.kind
        if kind in ("csv", "jsonl"):
            encoding = self.fmt.encoding or "utf-8"
            self._handle = self.temp.open("w", encoding=encoding, newline="")
            if kind == "csv":
                self._csv = csv.writer(
                    self._handle,
                    delimiter=self.fmt.separator or ",",
                    lineterminator=self.fmt.lineterminator,
                    quoting=csv.QUOTE_MINIMAL,
                )
                self._csv.writerow(
                    ["" if is_blank(c) else str(c) for c in self._header_cells(self._columns)]
                )
        elif kind == "excel":
            import openpyxl

            self._workbook = openpyxl.Workbook(write_only=True)
            self._workbook.properties.created = _FIXED_TIME
            self._workbook.properties.creator = "ecs-tagger"
            self._sheet = self._workbook.create_sheet(self.fmt.sheet or "Sheet1")
            self._sheet.append(
                [self._excel_cell(c, "header", 0) for c in self._header_cells(self._columns)]
            )
        else:
            import pyarrow.parquet as pq

            if self.schema is None:
                self.schema = infer_schema([frame])
            self._parquet = pq.ParquetWriter(self.temp, self.schema, compression="zstd")

    @staticmethod
    def _text_cell(value: Any) -> str:
        if is_blank(value):
            return ""
        if isinstance(value, str):
            return value
        if isinstance(value, bool | np.bool_):
            return "true" if value else "false"
        if isinstance(value, float | np.floating):
            return repr(float(value))
        if isinstance(value, pd.Timestamp | dt.datetime | dt.date | dt.time):
            return value.isoformat()
        if isinstance(value, dict | list | np.ndarray):
            return json.dumps(_plain(value), ensure_ascii=False, default=_json_default)
        if isinstance(value, bytes):
            return value.decode("utf-8", errors="replace")
        if isinstance(value, np.generic):
            return str(value.item())
        return str(value)

    def _write_csv(self, frame: pd.DataFrame) -> None:
        cell = self._text_cell
        columns = [frame[c].tolist() for c in frame.columns]
        self._csv.writerows([cell(v) for v in row] for row in zip(*columns, strict=True))

    def _write_jsonl(self, frame: pd.DataFrame) -> None:
        names = [str(c) for c in frame.columns]
        columns = [frame[c].tolist() for c in frame.columns]
        lines = []
        for row in zip(*columns, strict=True):
            record = {
                name: _plain(v) for name, v in zip(names, row, strict=True) if v is not MISSING
            }
            lines.append(json.dumps(record, ensure_ascii=False, default=_json_default) + "\n")
        self._handle.writelines(lines)

    def _write_parquet(self, frame: pd.DataFrame) -> None:
        self._pending.append(to_arrow(frame, self.schema, where=str(self.path)))
        self._pending_rows += len(frame)
        if self._pending_rows >= self.row_group_rows:
            self._flush_parquet()

    def _flush_parquet(self) -> None:
        import pyarrow as pa

        if self._pending:
            table = pa.concat_tables(self._pending)
            self._parquet.write_table(table, row_group_size=max(1, table.num_rows))
        self._pending, self._pending_rows = [], 0

    def _excel_cell(self, value: Any, column: str, row: int) -> Any:
        if is_blank(value):
            return None
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if isinstance(value, dt.datetime | dt.time) and value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        if isinstance(value, bytes):
            value = value.decode("utf-8", errors="replace")
        if isinstance(value, dict | list | tuple | np.ndarray):
            value = json.dumps(_plain(value), ensure_ascii=False, default=_json_default)
        if isinstance(value, str):
            if _ILLEGAL_XML.search(value):
                value = _ILLEGAL_XML.sub("", value)
                self._illegal_cells += 1
            if len(value) > EXCEL_CELL_LIMIT:
                self._long_cells += 1
                if self._first_long is None:
                    self._first_long = f"row {row}, column {column!r}"
                value = value[:EXCEL_CELL_LIMIT]
            return value
        if isinstance(
            value, int | float | bool | decimal.Decimal | dt.datetime | dt.date | dt.time
        ):
            return value
        return str(value)

    def _write_excel(self, frame: pd.DataFrame) -> None:
        from openpyxl.cell import WriteOnlyCell

        names = [str(c) for c in frame.columns]
        columns = [frame[c].tolist() for c in frame.columns]
        for offset, row in enumerate(zip(*columns, strict=True)):
            number = self.rows + offset + 1
            cells: list[Any] = []
            for name, value in zip(names, row, strict=True):
                cell = self._excel_cell(value, name, number)
                if isinstance(cell, dt.datetime):
                    wrapped = WriteOnlyCell(self._sheet, value=cell)
                    if cell.time() == dt.time(0):
                        wrapped.number_format = "yyyy-mm-dd"
                    cells.append(wrapped)
                else:
                    cells.append(cell)
            self._sheet.append(cells)

    # -- finishing -----------------------------------------------------------------------------
    def _finish_file(self) -> None:
        kind = self.fmt.kind
        if kind in ("csv", "jsonl"):
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
        elif kind == "parquet":
            self._flush_parquet()
            self._parquet.close()
        else:
            self._workbook.save(self.temp)
            _normalise_xlsx(self.temp)
            if self._long_cells:
                self.warnings.append(
                    f"{self._long_cells} cells were longer than Excel's limit of "
                    f"{EXCEL_CELL_LIMIT} "
                    f"characters and were cut (first: {self._first_long}); write CSV or Parquet to "
                    "keep them whole"
                )
            if self._illegal_cells:
                self.warnings.append(
                    f"{self._illegal_cells} cells held control characters that Excel cannot store; "
                    "they were removed"
                )

    def close(self) -> Path:
        """Finish the file and move it into place; returns the final path."""
        if self._closed:
            return self.path
        if self._columns is None:
            raise ValueError("nothing was written: write at least one (possibly empty) frame")
        try:
            self._finish_file()
            if self.path.exists() and not self.overwrite:
                raise InputError(
                    f"{self.path}: the output file appeared while writing; not replaced"
                )
            os.replace(self.temp, self.path)
        except BaseException:
            self.abort()
            raise
        self._closed = True
        return self.path

    def abort(self) -> None:
        """Drop the temporary file; the target is left as it was."""
        self._closed = True
        for handle in (self._handle, self._parquet):
            try:
                if handle is not None:
                    handle.close()
            except Exception:  # closing a half-written file may fail; it is deleted anyway
                pass
        self.temp.unlink(missing_ok=True)


def _normalise_xlsx(path: Path) -> None:
    """Make an .xlsx byte-deterministic: fixed zip entry times and document times."""
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info.filename)) for info in source.infolist()]
    stamp = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")
    with zipfile.ZipFile(path, "w") as target:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = stamp.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=_EPOCH_ZIP)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, data)


# -- Arrow schemas -------------------------------------------------------------------------------
def _column_values(series: pd.Series) -> list[Any]:
    return [None if is_blank(v) else v for v in series.tolist()]


def _as_text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    return TableWriter._text_cell(value)


def infer_schema(frames: Iterable[pd.DataFrame], fixed: Any = None) -> Any:
    """An Arrow schema that holds every frame: types unified over all of them.

    Columns whose cells mix types Arrow cannot unify (text and numbers, say) become text; columns
    with only empty cells become text. Fields of `fixed` (a schema) are taken as they are.
    """
    import pyarrow as pa

    fixed_fields = {f.name: f for f in fixed} if fixed is not None else {}
    types: dict[str, Any] = {}
    order: list[str] = []
    for frame in frames:
        for name in frame.columns:
            name = str(name)
            if name not in types:
                order.append(name)
                types[name] = pa.null()
            if name in fixed_fields or types[name] == pa.string():
                continue
            series = frame[name]
            if isinstance(series.dtype, pd.ArrowDtype):
                found = series.dtype.pyarrow_dtype
            else:
                try:
                    found = pa.array(_column_values(series), from_pandas=True).type
                except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
                    found = pa.string()
            try:
                merged = pa.unify_schemas(
                    [pa.schema([(name, types[name])]), pa.schema([(name, found)])],
                    promote_options="permissive",
                )
                types[name] = merged.field(name).type
            except (pa.ArrowInvalid, pa.ArrowTypeError, NotImplementedError):
                types[name] = pa.string()
    fields = []
    for name in order:
        if name in fixed_fields:
            fields.append(fixed_fields[name])
        else:
            kind = types[name]
            fields.append(pa.field(name, pa.string() if kind == pa.null() else kind))
    return pa.schema(fields)


def to_arrow(frame: pd.DataFrame, schema: Any, where: str = "") -> Any:
    """`frame` as an Arrow table of `schema` (text columns take any value as its text)."""
    import pyarrow as pa

    arrays = []
    for schema_field in schema:
        series = frame[schema_field.name]
        try:
            if isinstance(series.dtype, pd.ArrowDtype):
                array = pa.array(series, type=series.dtype.pyarrow_dtype, from_pandas=True)
                if array.type != schema_field.type:
                    array = array.cast(schema_field.type)
            elif pa.types.is_string(schema_field.type) or pa.types.is_large_string(
                schema_field.type
            ):
                array = pa.array(
                    [_as_text(v) for v in _column_values(series)], type=schema_field.type
                )
            else:
                array = pa.array(_column_values(series), type=schema_field.type, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError) as error:
            raise InputError(
                f"{where}: column {schema_field.name!r} cannot be stored as {schema_field.type} in "
                f"Parquet ({error}); write CSV or JSON Lines instead"
            ) from None
        arrays.append(array)
    return pa.Table.from_arrays(arrays, schema=schema)
