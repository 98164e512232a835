"""Excel workbooks (.xlsx, .xlsm): cells keep their Python values (text, numbers, dates, booleans).

Formulas are read as their last computed values. The reader used here cannot stream, so a sheet
is read whole (Excel holds at most 1,048,576 rows anyway). Output is byte-deterministic (fixed
document and zip entry times); cells over Excel's 32,767-character limit are cut and control
characters Excel cannot store are removed, each with a warning.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ecs_tagger.errors import InputError
from ecs_tagger.tables.base import FormatWriter, ReadOptions, TableFormat, WriteOptions
from ecs_tagger.tables.cells import is_blank, json_default, plain, unique_names

EXTENSIONS = (".xlsx", ".xlsm")
SHEETS = True

EXCEL_CELL_LIMIT = 32767
_EPOCH_ZIP = (1980, 1, 1, 0, 0, 0)
_FIXED_TIME = dt.datetime(2000, 1, 1)
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def detect(path: Path, options: ReadOptions) -> TableFormat:
    """The sheet to read and, as a preview, its header row (`read_excel_sheet` gives the rest)."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise InputError(f"{path}: not a readable Excel workbook (.xlsx): {error}") from None
    sheet = options.sheet
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


def read_excel_sheet(path: str | Path, fmt: TableFormat) -> tuple[TableFormat, pd.DataFrame]:
    """A whole Excel sheet as a frame of cell values, and the completed format."""
    path = Path(path)
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


def iter_chunks(path: Path, fmt: TableFormat, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Row ranges of the sheet, which is read whole first."""
    _, frame = read_excel_sheet(path, fmt)
    if frame.empty:
        yield frame
    for start in range(0, len(frame), chunk_rows):
        yield frame.iloc[start : start + chunk_rows]


def read(path: Path, fmt: TableFormat) -> pd.DataFrame:
    """The whole sheet as one frame."""
    return read_excel_sheet(path, fmt)[1]


def output_format(path: Path, like: TableFormat | None = None) -> TableFormat:
    """Excel output keeps the input's sheet name (`Sheet1` otherwise)."""
    sheet = like.sheet if like is not None and like.kind == "excel" and like.sheet else "Sheet1"
    return TableFormat("excel", sheet=sheet)


class _ExcelWriter:
    """Appends rows to a write-only workbook, saved and normalised by `finish`."""

    def __init__(self, temp: Path, fmt: TableFormat, options: WriteOptions) -> None:
        import openpyxl

        self.temp = temp
        self.rows = 0
        self._long_cells = 0
        self._illegal_cells = 0
        self._first_long: str | None = None
        self._workbook = openpyxl.Workbook(write_only=True)
        self._workbook.properties.created = _FIXED_TIME
        self._workbook.properties.creator = "ecs-tagger"
        self._sheet = self._workbook.create_sheet(fmt.sheet or "Sheet1")
        self._sheet.append([self._cell(c, "header", 0) for c in options.header])

    def _cell(self, value: Any, column: str, row: int) -> Any:
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
            value = json.dumps(plain(value), ensure_ascii=False, default=json_default)
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

    def write(self, frame: pd.DataFrame) -> None:
        from openpyxl.cell import WriteOnlyCell

        names = [str(c) for c in frame.columns]
        columns = [frame[c].tolist() for c in frame.columns]
        for offset, row in enumerate(zip(*columns, strict=True)):
            number = self.rows + offset + 1
            cells: list[Any] = []
            for name, value in zip(names, row, strict=True):
                cell = self._cell(value, name, number)
                if isinstance(cell, dt.datetime):
                    wrapped = WriteOnlyCell(self._sheet, value=cell)
                    if cell.time() == dt.time(0):
                        wrapped.number_format = "yyyy-mm-dd"
                    cells.append(wrapped)
                else:
                    cells.append(cell)
            self._sheet.append(cells)
        self.rows += len(frame)

    def finish(self) -> list[str]:
        self._workbook.save(self.temp)
        _normalise_xlsx(self.temp)
        warnings = []
        if self._long_cells:
            warnings.append(
                f"{self._long_cells} cells were longer than Excel's limit of "
                f"{EXCEL_CELL_LIMIT} "
                f"characters and were cut (first: {self._first_long}); write CSV or Parquet to "
                "keep them whole"
            )
        if self._illegal_cells:
            warnings.append(
                f"{self._illegal_cells} cells held control characters that Excel cannot store; "
                "they were removed"
            )
        return warnings

    def abort(self) -> None:
        """Nothing is open: the workbook is written to disk by `finish` only."""


def open_writer(temp: Path, fmt: TableFormat, options: WriteOptions) -> FormatWriter:
    """A writer of workbook rows, saved into `temp` by `finish`."""
    return _ExcelWriter(temp, fmt, options)


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
